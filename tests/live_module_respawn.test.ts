/**
 * `mgrd serve`, driven with `mgrd ceph` as an operator or Ceph's test harness would
 * (tests/ceph-reference/cli/behaviour/mgr_module_respawn): `mgr module enable selftest` gives
 * the MgrMap a new active_gid by the time the command returns, the cluster log has the
 * restart lines, and the module answers.
 */
import assert from "node:assert/strict";
import { ceph, startDaemon } from "./_daemon.ts";

Deno.test("mgrd serve: mgr module enable/disable respawns the manager under a new gid", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mgrd-respawn-" });
  const daemon = await startDaemon(dir, "--initial-modules", "iostat");
  const gid = async () => {
    const r = await ceph(dir, "mgr", "dump", "-f", "json");
    assert.equal(r.rc, 0, r.stderr);
    return JSON.parse(r.stdout).active_gid as number;
  };
  try {
    const before = await gid();
    const enable = await ceph(dir, "mgr", "module", "enable", "selftest");
    assert.deepEqual([enable.rc, enable.stdout, enable.stderr], [0, "", ""]);
    const after = await gid();
    assert.notEqual(after, before);
    const run = await ceph(dir, "mgr", "self-test", "run");
    assert.deepEqual([run.rc, run.stderr], [0, "Self-test succeeded\n"]);
    const again = await ceph(dir, "mgr", "module", "enable", "selftest");
    assert.deepEqual([again.rc, again.stderr], [0, "module 'selftest' is already enabled\n"]);
    assert.equal(await gid(), after);
    const disable = await ceph(dir, "mgr", "module", "disable", "selftest");
    assert.equal(disable.rc, 0, disable.stderr);
    assert.notEqual(await gid(), after);
    const log = await ceph(dir, "log", "last", "40", "debug");
    const lines = log.stdout.split("\n").map((l) =>
      l.replace(/^\S+ mon\.a \(mon\.0\) \d+ : cluster /, "")
    );
    const restarts = lines.filter((l) => l === "[INF] Active manager daemon x restarted").length;
    assert.equal(restarts, 2, log.stdout);
    const i = lines.indexOf("[INF] Active manager daemon x restarted");
    assert.deepEqual(lines.slice(i, i + 3), [
      "[INF] Active manager daemon x restarted",
      "[INF] Activating manager daemon x",
      "[INF] Manager daemon x is now available",
    ]);
  } finally {
    daemon.kill("SIGTERM");
    assert.equal((await daemon.status).code, 0);
    await Deno.remove(dir, { recursive: true });
  }
});
