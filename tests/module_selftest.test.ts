import assert from "node:assert/strict";
import { setImmediate } from "node:timers";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import { BUILTIN_MODULES } from "../modules/mod.ts";

const CLUSTER = {
  hosts: 2,
  osdsPerHost: 2,
  pools: [{ name: "rbd", pgNum: 8, size: 2 }],
};

async function withCluster(
  run: (c: TestCluster) => Promise<void>,
  cluster = true,
): Promise<void> {
  const c = await startTestCluster({
    builtins: BUILTIN_MODULES,
    initialModules: ["selftest", "hello"],
    cluster: cluster ? CLUSTER : undefined,
  });
  try {
    await c.run(10);
    await run(c);
  } finally {
    await c.stop();
  }
}

/** Runs a command while virtual time moves, so that mon round trips complete. */
async function command(c: TestCluster, cmd: Record<string, unknown>) {
  let done = false;
  const answer = c.manager.command(cmd).finally(() => done = true);
  for (let i = 0; i < 60 && !done; i++) await c.run(done ? 0 : 1);
  const result = await answer;
  await c.run(0);
  return result;
}

Deno.test("mgr self-test run succeeds on a simulated cluster and on the bare mon", async (t) => {
  await t.step("with a cluster", () =>
    withCluster(async (c) => {
      const r = await command(c, { prefix: "mgr self-test run" });
      assert.deepEqual([r.r, r.outb, r.outs], [0, "", "Self-test succeeded"]);
    }));
  await t.step("without a cluster", () =>
    withCluster(async (c) => {
      const r = await command(c, { prefix: "mgr self-test run" });
      assert.deepEqual([r.r, r.outs], [0, "Self-test succeeded"]);
    }, false));
});

Deno.test("mgr self-test run started during a mon outage succeeds and says what it read", () =>
  withCluster(async (c) => {
    c.cluster!.monOutage(10);
    await c.run(1);
    // The getters read the last maps; the config steps wait for the mon to come back, so time
    // moves without waiting for the module to settle.
    let done = false;
    const answer = c.manager.command({ prefix: "mgr self-test run" }).finally(() => done = true);
    for (let i = 0; i < 60 && !done; i++) {
      await c.scheduler.runFor(1);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const r = await answer;
    assert.equal(r.r, 0, r.outs);
    assert.match(r.outs, /^Self-test succeeded \(it started without a mon connection/);
  }));

Deno.test("mgr self-test remote and module call other modules as Ceph does", () =>
  withCluster(async (c) => {
    // As Ceph's QA test_selftest_remote: the remote test calls into influx, so influx is
    // enabled first (at a local port that refuses, not its default host `None`).
    const without = await command(c, { prefix: "mgr self-test remote" });
    assert.deepEqual(without.r, -22);
    assert.match(without.outs, /ImportError/);
    for (const [key, value] of [["hostname", "127.0.0.1"], ["port", "2"]]) {
      await command(c, { prefix: "config set", who: "mgr", name: `mgr/influx/${key}`, value });
    }
    await command(c, { prefix: "mgr module enable", module: "influx" });
    const r = await command(c, { prefix: "mgr self-test remote" });
    assert.deepEqual([r.r, r.outs], [0, "Successfully called"]);
    const ok = await command(c, { prefix: "mgr self-test module", module: "selftest" });
    assert.deepEqual([ok.r, ok.outb, ok.outs], [0, "selftest: ok", "Self-test OK"]);
    const missing = await command(c, { prefix: "mgr self-test module", module: "nope" });
    assert(missing.r < 0);
    assert.match(missing.outs, new RegExp("ImportError"));
  }));

Deno.test("background throw_exception fails the module with MGR_MODULE_ERROR and EIO", () =>
  withCluster(async (c) => {
    const r = await command(c, {
      prefix: "mgr self-test background start",
      workload: "throw_exception",
    });
    assert.deepEqual([r.r, r.outs], [0, "Running `throw_exception` in background"]);
    await c.run(1);
    const check = c.manager.health().checks.MGR_MODULE_ERROR;
    assert.deepEqual(
      check?.summary.message,
      "Module 'selftest' has failed: Synthetic exception in serve",
    );
    const after = await command(c, { prefix: "mgr self-test run" });
    assert.deepEqual(after.r, -5);
    assert.match(after.outs, new RegExp("Synthetic exception in serve"));
    await command(c, { prefix: "mgr module disable", module: "selftest" });
    assert.deepEqual(c.manager.health().checks.MGR_MODULE_ERROR, undefined);
  }));

Deno.test("background start / stop report the workload", () =>
  withCluster(async (c) => {
    const none = await command(c, { prefix: "mgr self-test background stop" });
    assert.deepEqual(none.outs, "No background workload was running");
    await command(c, { prefix: "mgr self-test background start", workload: "command_spam" });
    await c.run(5);
    const stop = await command(c, { prefix: "mgr self-test background stop" });
    assert.deepEqual(stop.outs, "Stopping background workload `command_spam`");
    const bad = await command(c, { prefix: "mgr self-test background start", workload: "nap" });
    assert.deepEqual(bad.r, -22);
  }));

Deno.test("health set accumulates and health clear removes checks", () =>
  withCluster(async (c) => {
    const set = (checks: unknown) =>
      command(c, { prefix: "mgr self-test health set", checks: JSON.stringify(checks) });
    await set({ TEST_A: { severity: "warning", summary: "a", detail: ["x"] } });
    await set({ TEST_B: { severity: "error", summary: "b" } });
    let checks = c.manager.health().checks;
    assert.deepEqual(checks.TEST_A?.summary, { message: "a", count: 123 });
    assert.deepEqual(checks.TEST_B?.severity, "HEALTH_ERR");
    const bad = await command(c, { prefix: "mgr self-test health set", checks: "{nope" });
    assert.deepEqual(bad.r, -1);
    assert.match(bad.outs, new RegExp("Failed to decode JSON input"));
    const shape = await set({ TEST_C: { summary: 3 } });
    assert.match(shape.outs, new RegExp("Invalid health check format"));
    await command(c, { prefix: "mgr self-test health clear", checks: ["TEST_A"] });
    checks = c.manager.health().checks;
    assert.deepEqual([checks.TEST_A, checks.TEST_B !== undefined], [undefined, true]);
    await command(c, { prefix: "mgr self-test health clear" });
    assert.deepEqual(c.manager.health().checks.TEST_B, undefined);
  }));

Deno.test("config get prints None, then the value the mon holds", () =>
  withCluster(async (c) => {
    const get = (key: string, prefix = "mgr self-test config get") => command(c, { prefix, key });
    assert.deepEqual((await get("testkey")).outb, "None");
    assert.deepEqual((await get("roption2")).outb, "xyz");
    await command(c, {
      prefix: "config set",
      who: "mgr",
      name: "mgr/selftest/testkey",
      value: "tv",
    });
    assert.deepEqual((await get("testkey")).outb, "tv");
    await command(c, {
      prefix: "config set",
      who: "mgr",
      name: "mgr/selftest/x/testlkey",
      value: "local",
    });
    assert.deepEqual((await get("testlkey", "mgr self-test config get_localized")).outb, "local");
    assert.deepEqual((await get("nokey")).r, -2);
  }));

Deno.test("cluster-log writes to the cluster log; command throw answers EINVAL", () =>
  withCluster(async (c) => {
    const r = await command(c, {
      prefix: "mgr self-test cluster-log",
      channel: "audit",
      priority: "warning",
      message: "selftest was here",
    });
    assert.deepEqual([r.r, r.outs], [0, "Successfully called"]);
    assert(c.log.recent.some((l) => l.includes("selftest was here")));
    const t = await command(c, { prefix: "mgr self-test command throw" });
    assert.deepEqual(t.r, -22);
    assert.match(t.outs, new RegExp("Synthetic exception"));
  }));
