/**
 * While no manager is active the mon keeps answering its own commands, as a real 16.2 mon does
 * (tests/ceph-reference/cli/behaviour/mgr_fail_only): a manager's admin endpoint still lists the
 * commands and runs those Ceph's mon owns (`osd pool ls`, `mgr stat`, `health`); only the
 * manager's own (`pg stat`) answer 503 to be retried. The mon raises MGR_DOWN meanwhile.
 */
import assert from "node:assert/strict";
import { createAdminApp } from "../core/admin/app.ts";
import { Keyring } from "../core/admin/keyring.ts";
import { startTestCluster } from "mgr_module/testing";
import { oracleCli } from "./_oracle_cli.ts";

Deno.test("with no active manager, mon commands run, manager commands answer 503, MGR_DOWN is raised", async () => {
  // respawn: false keeps mgr.x from coming straight back, so the gap can be looked at.
  const c = await startTestCluster({
    cluster: { hosts: 3, osdsPerHost: 1, pools: [{ name: "rbd", pgNum: 8 }] },
    respawn: false,
  });
  const dir = await Deno.makeTempDir({ prefix: "mgrd-no-active-" });
  try {
    await c.run(10);
    const keyring = await Keyring.open(`${dir}/keyring`);
    const token = keyring.get("client.admin")!.key;
    const x = c.manager;
    const app = createAdminApp({
      service: x,
      keyring,
      log: c.log.daemonLogger(),
      standby: () => x.isActive() ? undefined : { daemon: "mgr.x", active: null, activeUrl: null },
    });
    const post = async (cmd: Record<string, unknown>) => {
      const res = await app.request("/api/v1/command", {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify(cmd),
      });
      return { status: res.status, body: await res.json() };
    };
    assert.equal((await post({ prefix: "pg stat" })).status, 200);

    // The mon fails mgr.x (as `ceph mgr fail x` sent to the mon): no manager is active.
    assert.equal(c.mon.handleCommand({ prefix: "mgr fail", who: "x" }).r, 0);
    await c.run(0);
    assert.equal(x.isActive(), false);
    assert.equal(c.mon.mgrMap().active_gid, 0);

    const commands = await app.request("/api/v1/commands", {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(commands.status, 200, "the commands can still be listed");
    const pools = await post({ prefix: "osd pool ls" });
    assert.equal(pools.status, 200);
    assert.deepEqual([pools.body.retval, pools.body.stdout], [0, "rbd\n"]);
    const mgrStat = await post({ prefix: "mgr stat", format: "json" });
    assert.deepEqual(
      { ...JSON.parse(mgrStat.body.stdout), epoch: 0 },
      { epoch: 0, available: false, active_name: "", num_standby: 0 },
    );
    const health = await post({ prefix: "health" });
    assert.equal(health.body.stdout, "HEALTH_WARN no active mgr\n");
    // As the real cluster printed them with no manager (behaviour/mgr_fail_only, mgr_killed).
    const cli = oracleCli(c);
    try {
      await cli.replay("behaviour/mgr_fail_only/05_health.txt");
      await cli.replay("behaviour/mgr_killed/07_health_detail.txt");
      await cli.replay("behaviour/mgr_killed/08_health_detail_json.txt");
    } finally {
      cli.close();
    }
    const pgStat = await post({ prefix: "pg stat" });
    assert.equal(pgStat.status, 503, "a manager command waits for a manager");
    assert.match(pgStat.body.error, /no manager is active; retry later/);
    const status = await app.request("/api/v1/status", {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(status.status, 503);

    // The next beacon makes mgr.x active again; MGR_DOWN clears.
    await c.run(3);
    assert.ok(x.isActive());
    assert.equal((await post({ prefix: "health" })).body.stdout, "HEALTH_OK\n");
    const log =
      c.mon.handleCommand({ prefix: "log last", num: 50, level: "debug", channel: "cluster" }).outb;
    const failed = log.indexOf("[WRN] Health check failed: no active mgr (MGR_DOWN)");
    const cleared = log.indexOf("[INF] Health check cleared: MGR_DOWN (was: no active mgr)");
    assert.ok(failed >= 0 && cleared > failed, log);
  } finally {
    await c.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("MGR_DOWN: none on a new cluster within mon_mgr_mkfs_grace, HEALTH_ERR after mon_mgr_inactive_grace", async () => {
  const c = await startTestCluster({
    cluster: { hosts: 1, osdsPerHost: 1, pools: [] },
    respawn: false,
  });
  try {
    await c.run(5);
    assert.deepEqual(c.mon.healthChecks(), {});
    await c.manager.stop();
    // Silent past the beacon grace: the mon drops it; the cluster had an active manager.
    await c.scheduler.runFor(35);
    assert.equal(c.mon.mgrMap().active_gid, 0);
    assert.equal(c.mon.healthChecks().MGR_DOWN?.severity, "HEALTH_WARN");
    await c.scheduler.runFor(61);
    assert.equal(c.mon.healthChecks().MGR_DOWN?.severity, "HEALTH_ERR");
  } finally {
    await c.stop();
  }
});
