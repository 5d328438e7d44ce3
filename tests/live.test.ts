import assert from "node:assert/strict";
import { ceph, startDaemon, until } from "./_daemon.ts";

Deno.test("mgrd serve runs the embedded cluster in real time and takes faults while it runs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mgrd-live-" });
  const daemon = await startDaemon(dir);
  try {
    await until("PGs to report active+clean", async () => {
      const s = await ceph(dir, "status");
      return /osd: 9 osds: 9 up \(since [^)]+\), 9 in \(since [^)]+\)/.test(s.stdout) &&
        // 112 PGs of the spec's pools and the one devicehealth makes (always on, as in Pacific).
        /113 active\+clean/.test(s.stdout);
    });
    const fault = await ceph(dir, "sim", "fault", "osd-down", "osd.3", "600");
    assert.equal(fault.rc, 0, fault.stderr);
    await until("OSD_DOWN", async () => (await ceph(dir, "health")).stdout.includes("osds down"));
    const status = JSON.parse((await ceph(dir, "sim", "status")).stdout);
    assert.equal(status.active_faults.length, 1);
    const bad = await ceph(dir, "sim", "fault", "osd-down", "osd.99");
    assert.equal(bad.rc, 2);
    assert.match(bad.stderr, /'osd\.99' is not an OSD of the cluster/);
    assert.equal((await ceph(dir, "sim", "heal")).rc, 0);
    await until(
      "OSD_DOWN to clear",
      async () => !(await ceph(dir, "health")).stdout.includes("osds down"),
    );
  } finally {
    daemon.kill("SIGTERM");
    assert.equal((await daemon.status).code, 0);
    await Deno.remove(dir, { recursive: true });
  }
});
