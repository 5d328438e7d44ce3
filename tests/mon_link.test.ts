import assert from "node:assert/strict";
import type { Clock } from "../core/clock.ts";
import type { ClusterUpdate } from "../core/cluster_link.ts";
import { EmbeddedMon } from "../sim/mon/mon.ts";
import { MonLink } from "../sim/mon/mon_link.ts";

/** A clock the test moves by hand. */
class ManualClock implements Clock {
  t = 1_000;
  #sleepers: { at: number; resolve: () => void }[] = [];
  now(): number {
    return this.t;
  }
  sleep(seconds: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = { at: this.t + seconds, resolve };
      this.#sleepers.push(entry);
      signal?.addEventListener("abort", () => {
        this.#sleepers = this.#sleepers.filter((s) => s !== entry);
        resolve();
      }, { once: true });
    });
  }
  async advance(seconds: number): Promise<void> {
    this.t += seconds;
    const due = this.#sleepers.filter((s) => s.at <= this.t);
    this.#sleepers = this.#sleepers.filter((s) => s.at > this.t);
    for (const s of due) s.resolve();
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

function setup() {
  const clock = new ManualClock();
  const mon = EmbeddedMon.open(":memory:", { alwaysOnModules: [], now: () => clock.now() });
  const link = new MonLink(mon, clock, { defaultTimeout: 30 });
  const updates: ClusterUpdate[] = [];
  // The mon's audit entries for each command (the cluster log) are tested in cluster_log.test.ts.
  link.subscribe((u) => u.kind !== "clog" && updates.push(u));
  return { clock, mon, link, updates };
}

Deno.test("updates arrive in order from a microtask, never inside monCommand", async () => {
  const { mon, link, updates } = setup();
  const r = await link.monCommand({ prefix: "config-key set", key: "mgr/a/k", val: "1" });
  assert.equal(r.outs, "set mgr/a/k");
  const p = link.monCommand({ prefix: "config-key set", key: "mgr/a/k", val: "2" });
  assert.deepEqual(updates.map((u) => u.kind), ["kv"], "the second update is not delivered yet");
  await p;
  await settle();
  assert.deepEqual(updates, [
    { kind: "kv", key: "mgr/a/k", value: "1" },
    { kind: "kv", key: "mgr/a/k", value: "2" },
  ]);
  await link.monCommand({ prefix: "config-key set", key: "other/k", val: "x" });
  await settle();
  assert.equal(updates.length, 2, "keys outside mgr/ are not part of the manager's session");
  link.close();
  mon.close();
});

Deno.test("during an outage commands wait and complete after reconnect", async () => {
  const { clock, mon, link, updates } = setup();
  link.setConnected(false);
  assert.equal(link.connected(), false);
  let done = false;
  const p = link.monCommand({ prefix: "config-key set", key: "mgr/a/k", val: "v" }, undefined, {
    timeout: 10,
  }).then((r) => {
    done = true;
    return r;
  });
  await clock.advance(5);
  assert.equal(done, false);
  assert.equal(mon.store.getKv("mgr/a/k"), undefined, "nothing reached the mon yet");
  link.setConnected(true);
  assert.deepEqual(await p, { r: 0, outb: "", outs: "set mgr/a/k" });
  await settle();
  assert.deepEqual(updates, [
    { kind: "connection", connected: false },
    { kind: "connection", connected: true },
    { kind: "kv", key: "mgr/a/k", value: "v" },
  ]);
  link.close();
  mon.close();
});

Deno.test("a command that waits longer than its timeout fails with -ETIMEDOUT", async () => {
  const { clock, mon, link } = setup();
  link.setConnected(false);
  const p = link.monCommand({ prefix: "config-key set", key: "mgr/a/k", val: "v" }, undefined, {
    timeout: 10,
  });
  await clock.advance(9);
  await clock.advance(1);
  const r = await p;
  assert.equal(r.r, -110);
  assert.match(r.outs, /timed out after 10s waiting for the mon/);
  assert.equal(mon.store.getKv("mgr/a/k"), undefined);
  const b = link.beacon({ gid: 1, name: "x", available: true, available_modules: [] });
  await clock.advance(30);
  await assert.rejects(b, /timed out after 30s.*ETIMEDOUT/);
  link.close();
  mon.close();
});

Deno.test("updates missed during an outage arrive after reconnect as fresh state", async () => {
  const { mon, link, updates } = setup();
  await link.beacon({ gid: 1, name: "x", available: true, available_modules: [] });
  await settle();
  updates.length = 0;
  link.setConnected(false);
  // Other clients keep changing the cluster while the manager is cut off.
  mon.handleCommand({ prefix: "config set", who: "mgr", name: "mgr_stats_period", value: "3" });
  mon.handleCommand({ prefix: "config-key set", key: "mgr/a/gone", val: "1" });
  mon.handleCommand({ prefix: "config-key rm", key: "mgr/a/gone" });
  mon.handleCommand({ prefix: "config-key set", key: "mgr/a/k", val: "1" });
  mon.handleCommand({ prefix: "config-key set", key: "mgr/a/k", val: "2" });
  mon.handleCommand({ prefix: "mgr module enable", module: "m", force: true });
  await settle();
  assert.deepEqual(updates, [{ kind: "connection", connected: false }]);
  link.setConnected(true);
  await settle();
  assert.deepEqual(updates.slice(1), [
    { kind: "connection", connected: true },
    {
      kind: "config",
      config: [{ section: "mgr", name: "mgr_stats_period", value: "3", mask: "" }],
    },
    { kind: "kv", key: "mgr/a/gone", value: null },
    { kind: "kv", key: "mgr/a/k", value: "2" },
    { kind: "mgr_map", mgrMap: mon.mgrMap() },
  ]);
  link.close();
  mon.close();
});

Deno.test("a listener that throws does not stop delivery to the others", async () => {
  const { mon, link } = setup();
  const got: string[] = [];
  link.subscribe(() => {
    throw new Error("listener bug");
  });
  link.subscribe((u) => u.kind !== "clog" && got.push(u.kind));
  const errors: unknown[] = [];
  const onError = (e: ErrorEvent) => {
    e.preventDefault();
    errors.push(e.error);
  };
  globalThis.addEventListener("error", onError);
  try {
    await link.monCommand({ prefix: "config-key set", key: "mgr/a/k", val: "1" });
    await new Promise((r) => setTimeout(r, 0));
  } finally {
    globalThis.removeEventListener("error", onError);
  }
  assert.deepEqual(got, ["kv"]);
  assert.match(String(errors[0]), /listener bug/);
  link.close();
  mon.close();
});
