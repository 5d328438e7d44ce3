/**
 * The insights module's health history on the simulator's virtual clock: hourly slots written
 * to the module's store when they change and when their hour ends, kept 30 hours, reported for
 * 24; `insights prune-health <hours>`; the "now" offset the selftest module sets; and the
 * MGR_INSIGHTS_WARNING an incomplete report raises. The pure parts of health.ts on their own.
 */
import assert from "node:assert/strict";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import { BUILTIN_MODULES } from "../modules/mod.ts";
import {
  HealthCheckAccumulator,
  HealthHistorySlot,
  keyRange,
  keyToTime,
  PERSIST_PERIOD,
  slotKey,
} from "../modules/insights/health.ts";
import { timedeltaText, versionParse } from "../modules/insights/module.ts";

const HOUR = 3600;
const CLUSTER = {
  hosts: 1,
  osdsPerHost: 3,
  failureDomain: "osd" as const,
  pools: [{ name: "rbd", pgNum: 8, size: 1 }],
  workload: { opsPerSecond: 0 },
};

async function withInsights(
  fn: (c: TestCluster) => Promise<void>,
  modules = ["crash", "insights", "selftest"],
): Promise<void> {
  const c = await startTestCluster({
    builtins: BUILTIN_MODULES,
    initialModules: modules,
    cluster: CLUSTER,
  });
  try {
    await c.run(30);
    await fn(c);
  } finally {
    await c.stop();
  }
}

async function ok(c: TestCluster, cmd: Record<string, unknown>) {
  const r = await c.command(cmd);
  assert.equal(r.r, 0, `${String(cmd.prefix)}: ${r.outs}`);
  return r;
}

/**
 * Raises a check through selftest and runs until the module has it: the manager notifies
 * `health` with the next update it takes in (a stats period, 5 s), not at once.
 */
async function raise(c: TestCluster, name: string): Promise<void> {
  const checks = { [name]: { severity: "warning", summary: "summary", detail: ["detail"] } };
  await ok(c, { prefix: "mgr self-test health set", checks: JSON.stringify(checks) });
  for (let i = 0; i < 15 && !(name in await history(c)); i++) await c.run(1);
  assert.ok(name in await history(c), `${name} reached the module`);
}

async function history(c: TestCluster): Promise<Record<string, unknown>> {
  const r = await ok(c, { prefix: "insights" });
  return (JSON.parse(r.outb) as { health: { history: { checks: Record<string, unknown> } } })
    .health.history.checks;
}

/** The module's stored slots: key (without `mgr/insights/`) → parsed value. */
async function slots(
  c: TestCluster,
): Promise<Record<string, { checks: Record<string, unknown>; version: number }>> {
  const r = await ok(c, { prefix: "config-key dump", key: "mgr/insights/health_history/" });
  const dump = JSON.parse(r.outb) as Record<string, string>;
  return Object.fromEntries(
    Object.entries(dump).map(([k, v]) => [k.slice("mgr/insights/".length), JSON.parse(v)]),
  );
}

Deno.test("health.ts: slot keys are UTC hours, as health.py's strftime('%Y-%m-%d_%H')", () => {
  const t = Date.UTC(2018, 10, 5, 0, 59, 59) / 1000;
  assert.equal(slotKey(Math.floor(t / HOUR) * HOUR), "health_history/2018-11-05_00");
  assert.equal(keyToTime("health_history/2018-11-05_00"), Date.UTC(2018, 10, 5) / 1000);
  assert.equal(keyToTime("health_history/2018-02-30_00"), undefined, "no such day");
  assert.equal(keyToTime("health_history/garbage"), undefined);
  assert.deepEqual(keyRange(t, 3), [
    "health_history/2018-11-05_00",
    "health_history/2018-11-04_23",
    "health_history/2018-11-04_22",
  ]);
});

Deno.test("health.ts: the accumulator keeps each summary and detail once, and ignores HEALTH_OK", () => {
  const acc = new HealthCheckAccumulator();
  const report = {
    A: { severity: "HEALTH_WARN", summary: { message: "s" }, detail: [{ message: "d1" }] },
    OK: { severity: "HEALTH_OK", summary: { message: "fine" }, detail: [] },
  };
  assert.equal(acc.add(report), true);
  assert.equal(acc.add(report), false, "nothing new the second time");
  assert.equal(
    acc.add({
      A: { severity: "HEALTH_WARN", summary: { message: "s" }, detail: [{ message: "d2" }] },
    }),
    true,
  );
  assert.deepEqual(acc.checks(), { A: { HEALTH_WARN: { summary: ["s"], detail: ["d1", "d2"] } } });
  const merged = new HealthCheckAccumulator({ B: { HEALTH_ERR: { summary: ["x"], detail: [] } } });
  merged.merge(acc);
  assert.deepEqual(Object.keys(merged.checks()), ["B", "A"]);
});

Deno.test("health.ts: a slot is due for a flush PERSIST_PERIOD after it changed, or when its hour ends", () => {
  const t0 = Date.UTC(2026, 0, 1, 10, 30) / 1000;
  const slot = new HealthHistorySlot(t0);
  const health = {
    checks: { A: { severity: "HEALTH_WARN", summary: { message: "s" }, detail: [] } },
  };
  assert.equal(slot.needFlush(t0 + 1000), false, "clean");
  slot.add(t0, health);
  assert.equal(slot.needFlush(t0 + PERSIST_PERIOD - 1), false);
  assert.equal(slot.needFlush(t0 + PERSIST_PERIOD), true);
  slot.markFlushed();
  assert.equal(slot.add(t0 + 20, health), false, "the same check again is no change");
  assert.equal(slot.needFlush(t0 + 1000), false);
  slot.add(t0 + 20, { checks: { B: health.checks.A } });
  assert.equal(slot.expired(t0 + 29 * 60), false);
  assert.equal(slot.expired(t0 + 30 * 60), true);
  assert.equal(slot.needFlush(t0 + 30 * 60), true, "the hour ended before the period did");
});

Deno.test("insights.py helpers: version parts, and the offset logged as Python prints a timedelta", () => {
  assert.deepEqual(versionParse("ceph version 16.2.15 (618f4408) pacific (stable)"), {
    release: 16,
    major: 2,
    minor: 15,
  });
  assert.deepEqual(versionParse("ceph version Development (no_version)"), {});
  assert.equal(timedeltaText(-18 * HOUR), "-1 day, 6:00:00");
  assert.equal(timedeltaText(0), "0:00:00");
  assert.equal(timedeltaText(5 * HOUR), "5:00:00");
  assert.equal(timedeltaText(48 * HOUR), "2 days, 0:00:00");
});

Deno.test("insights: a check is stored in its hour's slot 10 s after it appears, with version 1", async () => {
  await withInsights(async (c) => {
    await ok(c, { prefix: "insights prune-health", hours: 0 });
    await raise(c, "CHECK_A");
    assert.deepEqual(await slots(c), {}, "reported from memory before the flush");
    await c.run(PERSIST_PERIOD + 1);
    const key = slotKey(Math.floor(c.clock.now() / HOUR) * HOUR);
    assert.deepEqual(await slots(c), {
      [key]: {
        checks: { CHECK_A: { HEALTH_WARN: { summary: ["summary"], detail: ["detail"] } } },
        version: 1,
      },
    });
  });
});

Deno.test("insights: when the hour ends the slot is closed and a new one starts; the report spans 24 slots", async () => {
  await withInsights(async (c) => {
    await ok(c, { prefix: "insights prune-health", hours: 0 });
    const start = c.clock.now();
    await raise(c, "CHECK_A");
    await raise(c, "LASTING");
    await c.run(PERSIST_PERIOD + 1);
    await ok(c, { prefix: "mgr self-test health clear", checks: ["CHECK_A"] });
    // Into the next hour, then a new check lands in the new slot; LASTING, still raised, is
    // in both, as ceph-mgr's digest every 5 s puts it there.
    await c.run(HOUR - ((c.clock.now()) % HOUR) + 5);
    await raise(c, "CHECK_B");
    await c.run(PERSIST_PERIOD + 1);
    const stored = await slots(c);
    const first = slotKey(Math.floor(start / HOUR) * HOUR);
    const second = slotKey(Math.floor(c.clock.now() / HOUR) * HOUR);
    assert.deepEqual(Object.keys(stored).sort(), [first, second].sort());
    assert.deepEqual(Object.keys(stored[first]!.checks), ["CHECK_A", "LASTING"]);
    assert.deepEqual(Object.keys(stored[second]!.checks).sort(), ["CHECK_B", "LASTING"]);
    assert.deepEqual(Object.keys(await history(c)).sort(), ["CHECK_A", "CHECK_B", "LASTING"]);
    // A prune empties the history; the check still raised is back within a pass (10 s), as
    // on the real module (tests/ceph-reference/cli/insights/prune_lasting_timeline.txt).
    await ok(c, { prefix: "insights prune-health", hours: 0 });
    assert.deepEqual(await history(c), {});
    await c.run(PERSIST_PERIOD + 1);
    assert.deepEqual(Object.keys(await history(c)).sort(), ["CHECK_B", "LASTING"]);
  });
});

Deno.test("insights: slots older than 30 hours are pruned when an hour ends; older than 24 are not reported", async () => {
  await withInsights(async (c) => {
    await ok(c, { prefix: "insights prune-health", hours: 0 });
    for (const [hours, name] of [[-40, "OLD_40"], [-26, "OLD_26"], [-2, "RECENT_2"]] as const) {
      await ok(c, { prefix: "mgr self-test insights_set_now_offset", hours: String(hours) });
      await raise(c, name);
      await ok(c, { prefix: "mgr self-test health clear" });
    }
    // Each change of hour closed the slot before and pruned: the -40 h slot went when the
    // -26 h one began (older than 30 h); the -26 h slot is kept but, older than 24 h, not
    // reported.
    await ok(c, { prefix: "mgr self-test insights_set_now_offset", hours: "0" });
    await raise(c, "NOW");
    const names = Object.values(await slots(c)).flatMap((s) => Object.keys(s.checks)).sort();
    assert.deepEqual(names, ["OLD_26", "RECENT_2"]);
    assert.deepEqual(Object.keys(await history(c)).sort(), ["NOW", "RECENT_2"]);
  });
});

Deno.test("insights prune-health <hours> drops the slots at least that old and keeps the rest", async () => {
  await withInsights(async (c) => {
    await ok(c, { prefix: "insights prune-health", hours: 0 });
    for (const [hours, name] of [[-5, "FIVE"], [-1, "ONE"]] as const) {
      await ok(c, { prefix: "mgr self-test insights_set_now_offset", hours: String(hours) });
      await raise(c, name);
      await ok(c, { prefix: "mgr self-test health clear" });
    }
    await ok(c, { prefix: "mgr self-test insights_set_now_offset", hours: "0" });
    await raise(c, "ZERO");
    await ok(c, { prefix: "insights prune-health", hours: 3 });
    assert.deepEqual(
      Object.keys(await history(c)).sort(),
      ["ONE", "ZERO"],
      "the current slot stays",
    );
    await ok(c, { prefix: "insights prune-health", hours: 0 });
    assert.deepEqual(await history(c), {});
    assert.deepEqual(await slots(c), {});
  });
});

Deno.test("insights: without the crash module the report says so in errors and raises MGR_INSIGHTS_WARNING", async () => {
  await withInsights(async (c) => {
    const r = await ok(c, { prefix: "insights" });
    const report = JSON.parse(r.outb) as { errors: string[]; crashes: unknown };
    assert.deepEqual(report.errors, ["failed to invoke crash module"]);
    assert.deepEqual(report.crashes, { summary: {}, hours: 24 });
    await c.run(5);
    const health = await ok(c, { prefix: "health", detail: "detail" });
    assert.match(health.outb, /\[WRN\] MGR_INSIGHTS_WARNING: Generated incomplete Insights report/);
    assert.match(health.outb, /failed to invoke crash module/);
  }, ["insights"]);
});

Deno.test("mgr self-test insights_set_now_offset reaches the module; a non-number is refused as in Ceph", async () => {
  await withInsights(async (c) => {
    const bad = await c.command({ prefix: "mgr self-test insights_set_now_offset", hours: "abc" });
    // tests/ceph-reference/cli/insights/set_now_offset_bad.txt
    assert.deepEqual(
      [bad.r, bad.outs],
      [-1, "Timestamp must be numeric: invalid literal for int() with base 10: 'abc'"],
    );
    await ok(c, { prefix: "insights prune-health", hours: 0 });
    await ok(c, { prefix: "mgr self-test insights_set_now_offset", hours: "-48" });
    await raise(c, "SHIFTED");
    await c.run(PERSIST_PERIOD + 1);
    const key = slotKey(Math.floor((c.clock.now() - 48 * HOUR) / HOUR) * HOUR);
    assert.deepEqual(Object.keys(await slots(c)), [key]);
  });
});

Deno.test("insights before the manager has any map answers EAGAIN", async () => {
  const bare = await startTestCluster({ builtins: BUILTIN_MODULES, initialModules: ["insights"] });
  try {
    await bare.run(5);
    const r = await bare.command({ prefix: "insights" });
    assert.deepEqual([r.r, r.outs], [-11, "no OSD map yet"]);
  } finally {
    await bare.stop();
  }
});
