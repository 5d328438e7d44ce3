/**
 * Ceph's manager QA failover tests (qa/tasks/mgr/test_failover.py) on a live `mgrd serve
 * --standby y`, with `sim stop-mgr` / `sim start-mgr` for the daemon stops and restarts the
 * QA makes with systemd: an active manager that stops is replaced by its standby after
 * `mon_mgr_beacon_grace` and comes back as a standby when started again (test_timeout); a
 * standby that stops leaves the standbys (test_standby_timeout); `mgr fail` hands over at once
 * and both managers keep their metadata (test_explicit_fail).
 */
import assert from "node:assert/strict";
import { ceph, startDaemon, until } from "./_daemon.ts";

interface Roles {
  active: string;
  standbys: string[];
}

/** mgr_test_case.py's get_active_id / get_standby_ids, from `mgr dump`. */
async function roles(dir: string): Promise<Roles> {
  const r = await ceph(dir, "mgr", "dump", "-f", "json");
  if (r.rc !== 0) return { active: "", standbys: [] };
  const d = JSON.parse(r.stdout) as { active_name: string; standbys: { name: string }[] };
  return { active: d.active_name, standbys: d.standbys.map((s) => s.name).sort() };
}

Deno.test("the QA's failover tests: stop, start and fail the managers of a live daemon", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mgrd-qa-failover-" });
  const daemon = await startDaemon(dir, "--standby", "y");
  try {
    const is = (want: Roles) => async () =>
      JSON.stringify(await roles(dir)) === JSON.stringify(want);
    await until("x active, y standby", is({ active: "x", standbys: ["y"] }));
    assert.equal((await ceph(dir, "config", "set", "mon", "mon_mgr_beacon_grace", "6")).rc, 0);

    // test_timeout: the active stops; the standby takes over; started again, it is a standby.
    assert.equal((await ceph(dir, "sim", "stop-mgr", "x")).rc, 0);
    await until("y active after the grace", is({ active: "y", standbys: [] }), 60);
    const twice = await ceph(dir, "sim", "start-mgr", "y");
    assert.deepEqual([twice.rc, twice.stderr], [17, "Error EEXIST: mgr.y is already running\n"]);
    const unknown = await ceph(dir, "sim", "start-mgr", "z");
    assert.equal(unknown.rc, 2, unknown.stderr);
    const started = await ceph(dir, "sim", "start-mgr", "x");
    assert.deepEqual([started.rc, started.stderr], [0, "started mgr.x\n"]);
    await until("x back as a standby", is({ active: "y", standbys: ["x"] }), 10);

    // test_explicit_fail: a standby replaces the failed active at once; it comes back as one.
    assert.equal((await ceph(dir, "mgr", "fail", "y")).rc, 0);
    await until("x active, y standby again", is({ active: "x", standbys: ["y"] }), 10);
    const meta = JSON.parse((await ceph(dir, "mgr", "metadata")).stdout) as {
      name: string;
      ceph_version?: string;
    }[];
    for (const id of ["x", "y"]) {
      assert.ok(meta.find((m) => m.name === id)?.ceph_version, `mgr.${id} has its metadata`);
    }

    // test_standby_timeout: a standby that stops is dropped from the standbys, the active stays.
    assert.equal((await ceph(dir, "sim", "stop-mgr", "y")).rc, 0);
    await until("y gone from the standbys", is({ active: "x", standbys: [] }), 60);
  } finally {
    daemon.kill("SIGTERM");
    assert.equal((await daemon.status).code, 0);
  }
});
