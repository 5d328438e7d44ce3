/**
 * `mgr module enable/disable` respawns the managers as ceph-mgr 16.2 does
 * (tests/ceph-reference/cli/behaviour/mgr_module_respawn): a new `active_gid` in the MgrMap,
 * the mon's log lines `Active manager daemon x restarted`, `Activating manager daemon x`,
 * `Manager daemon x is now available`, every module started anew from the store; a standby
 * respawns likewise; `mgr fail` of the active one respawns it as a standby.
 */
import assert from "node:assert/strict";
import { Web, WebStandby } from "./_web_module.ts";
import { CLIReadCommand, HandleCommandResult, MgrModule } from "mgr_module";
import { startTestCluster } from "mgr_module/testing";

class Other extends MgrModule {
  @CLIReadCommand("other ping")
  ping(): HandleCommandResult {
    return new HandleCommandResult(0, "pong");
  }
}

const builtins = { web: { Web, WebStandby }, other: { Other } };

/** The mon's cluster-channel messages, oldest first. */
async function clusterLog(c: Awaited<ReturnType<typeof startTestCluster>>): Promise<string[]> {
  const r = await c.command({
    prefix: "log last",
    num: 200,
    level: "debug",
    channel: "cluster",
    format: "json",
  });
  assert.equal(r.r, 0, r.outs);
  return (JSON.parse(r.outb) as { name: string; message: string }[])
    .filter((e) => e.name.startsWith("mon."))
    .map((e) => e.message);
}

function assertInOrder(lines: string[], expected: string[]): void {
  let at = 0;
  for (const want of expected) {
    const i = lines.indexOf(want, at);
    assert.ok(i >= 0, `'${want}' after line ${at} in:\n${lines.join("\n")}`);
    at = i + 1;
  }
}

Deno.test("mgr module enable: a new active gid, the restart log lines, the module answering", async () => {
  const c = await startTestCluster({ builtins, initialModules: ["web"] });
  try {
    await c.run(5);
    const before = c.mon.mgrMap();
    assert.equal(before.active_gid, c.manager.gid);
    const webBefore = c.manager.host.instance("web") as Web;
    const r = await c.command({ prefix: "mgr module enable", module: "other" });
    assert.equal(r.r, 0, r.outs);
    const after = c.mon.mgrMap();
    assert.notEqual(after.active_gid, before.active_gid, "a new gid in the MgrMap");
    assert.equal(after.active_gid, c.manager.gid);
    assert.equal(after.active_name, "x");
    assert.ok(after.available);
    assert.equal(c.manager.respawns, 1);
    assertInOrder(await clusterLog(c), [
      "Active manager daemon x restarted",
      "Activating manager daemon x",
      "Manager daemon x is now available",
    ]);
    // Every module started anew: web's old instance was shut down, the new one read the store.
    assert.ok(webBefore.shutting_down, "the old instance was stopped");
    const webAfter = c.manager.host.instance("web");
    assert.ok(webAfter && webAfter !== webBefore, "a new instance");
    assert.equal((await c.command({ prefix: "web runs" })).outb, "2");
    assert.equal((await c.command({ prefix: "other ping" })).outb, "pong");
    // Already enabled: Ceph's message, and no respawn.
    const again = await c.command({ prefix: "mgr module enable", module: "other" });
    assert.deepEqual([again.r, again.outs], [0, "module 'other' is already enabled"]);
    assert.equal(c.mon.mgrMap().active_gid, after.active_gid);
  } finally {
    await c.stop();
  }
});

Deno.test("mgr module disable: a new gid, and `mgr services` no longer lists the module once the command returns", async () => {
  const c = await startTestCluster({ builtins, initialModules: ["web"] });
  try {
    await c.run(5);
    const services = await c.command({ prefix: "mgr services", format: "json" });
    assert.deepEqual(JSON.parse(services.outb), { web: "http://x.example:8080/" });
    const gid = c.mon.mgrMap().active_gid;
    // Straight through the manager, without the test cluster's settling.
    const r = await c.manager.command({ prefix: "mgr module disable", module: "web" });
    assert.equal(r.r, 0, r.outs);
    const right = await c.manager.command({ prefix: "mgr services", format: "json" });
    assert.deepEqual(JSON.parse(right.outb), {});
    assert.notEqual(c.mon.mgrMap().active_gid, gid);
    assert.equal(c.manager.host.instance("web"), undefined);
    assertInOrder(await clusterLog(c), [
      "Active manager daemon x restarted",
      "Activating manager daemon x",
      "Manager daemon x is now available",
    ]);
  } finally {
    await c.stop();
  }
});

Deno.test("a standby respawns on a module change too: a new gid, its standby modules started again", async () => {
  const c = await startTestCluster({ builtins, initialModules: ["web"], standbys: ["y"] });
  try {
    await c.run(5);
    const y = c.standbyManagers[0]!;
    const standbyBefore = y.standby.instance("web");
    assert.ok(standbyBefore);
    const yGid = y.gid;
    assert.deepEqual(c.mon.mgrMap().standbys.map((s) => s.gid), [yGid]);
    assert.equal((await c.command({ prefix: "mgr module enable", module: "other" })).r, 0);
    await c.run(1);
    assert.notEqual(y.gid, yGid);
    assert.deepEqual(c.mon.mgrMap().standbys.map((s) => [s.name, s.gid]), [["y", y.gid]]);
    const standbyAfter = y.standby.instance("web");
    assert.ok(standbyAfter && standbyAfter !== standbyBefore, "the standby module started anew");
    const log = await clusterLog(c);
    assertInOrder(log, ["Standby manager daemon y restarted"]);
    assert.ok(
      log.some((l) => /^mgrmap e\d+: x\(active, since .+\), standbys: y$/.test(l)),
      log.join("\n"),
    );
  } finally {
    await c.stop();
  }
});

Deno.test("mgr fail of the active manager: it respawns under a new gid and stands by", async () => {
  const c = await startTestCluster({ builtins, initialModules: ["web"], standbys: ["y"] });
  try {
    await c.run(5);
    const x = c.manager, y = c.standbyManagers[0]!;
    const xGid = x.gid;
    assert.equal((await c.command({ prefix: "mgr fail", who: "x" })).r, 0);
    await c.run(3);
    const map = c.mon.mgrMap();
    assert.equal(map.active_gid, y.gid);
    assert.notEqual(x.gid, xGid);
    assert.deepEqual(map.standbys.map((s) => [s.name, s.gid]), [["x", x.gid]]);
    assert.ok(x.standby.instance("web"), "x runs the standby class");
    assertInOrder(await clusterLog(c), [
      "Activating manager daemon y",
      "Manager daemon y is now available",
    ]);
  } finally {
    await c.stop();
  }
});

Deno.test("respawn: false reloads modules in place: the gid stays", async () => {
  const c = await startTestCluster({ builtins, initialModules: ["web"], respawn: false });
  try {
    await c.run(5);
    const gid = c.manager.gid;
    const web = c.manager.host.instance("web");
    assert.equal((await c.command({ prefix: "mgr module enable", module: "other" })).r, 0);
    assert.equal(c.mon.mgrMap().active_gid, gid);
    assert.equal(c.manager.host.instance("web"), web, "web kept running");
    assert.equal((await c.command({ prefix: "other ping" })).outb, "pong");
    assert.equal(c.manager.respawns, 0);
  } finally {
    await c.stop();
  }
});
