/**
 * `mgrd serve --standby y`, then `sim stop-mgr x`: mgr.x stops alone (its endpoint and
 * beacons end, the process and mgr.y run on); the mon fails it only after
 * `mon_mgr_beacon_grace`, not at once, and mgr.y takes over, as on a real cluster
 * (tests/ceph-reference/cli/behaviour/mgr_killed). Meanwhile mon commands still answer.
 */
import assert from "node:assert/strict";
import { ceph, startDaemon, until } from "./_daemon.ts";

Deno.test("sim stop-mgr: the stopped manager is failed after the beacon grace and its standby takes over", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mgrd-stop-mgr-" });
  const daemon = await startDaemon(dir, "--standby", "y");
  try {
    await until("mgr.y to be a standby", async () => {
      const r = await ceph(dir, "mgr", "stat");
      const stat = r.rc === 0 ? JSON.parse(r.stdout) : {};
      return stat.active_name === "x" && stat.num_standby === 1;
    });
    const grace = await ceph(dir, "config", "set", "mon", "mon_mgr_beacon_grace", "6");
    assert.equal(grace.rc, 0, grace.stderr);
    const last = await ceph(
      dir,
      "--url",
      Deno.readTextFileSync(`${dir}/mgrd.x.url`).trim(),
      "sim",
      "stop-mgr",
      "y",
      "--format",
      "json",
    );
    assert.equal(last.rc, 0, last.stderr);
    // y stopped: x is the last one, which the command refuses to stop.
    await until("mgr.y's url file to go", async () => {
      try {
        await Deno.stat(`${dir}/mgrd.y.url`);
        return false;
      } catch {
        return true;
      }
    });
    const refused = await ceph(dir, "sim", "stop-mgr", "x");
    assert.equal(refused.rc, 16, refused.stderr);
    assert.match(refused.stderr, /mgr\.x is the last manager of this process/);
  } finally {
    daemon.kill("SIGTERM");
    assert.equal((await daemon.status).code, 0);
  }
  // A fresh process with a standby: stop the active one alone.
  const again = await startDaemon(dir, "--standby", "y");
  try {
    await until("mgr.y to be a standby", async () => {
      const r = await ceph(dir, "mgr", "stat");
      const stat = r.rc === 0 ? JSON.parse(r.stdout) : {};
      return stat.active_name === "x" && stat.num_standby === 1;
    });
    const stopped = await ceph(dir, "sim", "stop-mgr", "x");
    assert.equal(stopped.rc, 0, stopped.stderr);
    assert.equal(stopped.stderr, "stopping mgr.x\n");
    const t0 = performance.now();
    await until("mgr.x's url file to go", async () => {
      try {
        await Deno.stat(`${dir}/mgrd.x.url`);
        return false;
      } catch {
        return true;
      }
    });
    // Within the grace the MgrMap still names x; the mon's commands answer through y.
    const within = await ceph(dir, "mgr", "stat");
    assert.equal(within.rc, 0, within.stderr);
    const elapsed = (performance.now() - t0) / 1000;
    if (elapsed < 5) assert.equal(JSON.parse(within.stdout).active_name, "x");
    await until("mgr.y to take over", async () => {
      const r = await ceph(dir, "mgr", "stat");
      return r.rc === 0 && JSON.parse(r.stdout).active_name === "y";
    }, 30);
    const log = await ceph(dir, "log", "last", "40", "debug", "*");
    assert.match(
      log.stdout,
      /Manager daemon x is unresponsive, replacing it with standby daemon y/,
    );
  } finally {
    again.kill("SIGTERM");
    assert.equal((await again.status).code, 0);
    await Deno.remove(dir, { recursive: true });
  }
});
