import assert from "node:assert/strict";
import { ceph, startDaemon, until } from "./_daemon.ts";
import { havePromtool, isCephNameLint, promtool } from "./_promtool.ts";

Deno.test("the built-in modules through mgrd ceph on a live daemon: self-test, iostat --period, the exporter, progress", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mgrd-modules-e2e-" });
  const daemon = await startDaemon(dir, "--initial-modules", "iostat selftest");
  try {
    await until(
      "PG stats",
      // The spec's 112 PGs and device_health_metrics' one (devicehealth is always on).
      async () => /113 active\+clean/.test((await ceph(dir, "status")).stdout),
    );

    const selftest = await ceph(dir, "mgr", "self-test", "run");
    assert.equal(selftest.rc, 0, selftest.stderr);
    assert.match(selftest.stderr, /Self-test succeeded/);

    const iostat = await ceph(dir, "iostat", "--period", "1", "--poll-count", "3");
    assert.equal(iostat.rc, 0, iostat.stderr);
    const rows = iostat.stdout.split("\n").filter((l) => /^\s*\|\s*\d/.test(l));
    assert.equal(rows.length, 3, iostat.stdout);

    // The exporter on a free port; `mgr services` tells where.
    assert.equal(
      (await ceph(dir, "config", "set", "mgr", "mgr/prometheus/server_port", "0")).rc,
      0,
    );
    assert.equal((await ceph(dir, "mgr", "module", "enable", "prometheus")).rc, 0);
    let url = "";
    await until("the exporter's URI", async () => {
      const services = JSON.parse(
        (await ceph(dir, "mgr", "services", "-f", "json")).stdout || "{}",
      );
      url = services.prometheus ?? "";
      return url !== "";
    });
    const metrics = await (await fetch(`${url}metrics`)).text();
    assert.match(metrics, /^# HELP ceph_health_status /m);
    assert.match(metrics, /^ceph_osd_up\{ceph_daemon="osd\.0"\} 1/m);
    if (await havePromtool()) {
      const { problems } = await promtool(metrics);
      const beyondNames = problems.filter((l) => !isCephNameLint(l));
      assert.deepEqual(beyondNames, [], "promtool found more than the lint of Ceph's names");
    }

    // progress: an event while osd.3 is out, gone once it is back and the PGs are clean.
    assert.equal((await ceph(dir, "sim", "fault", "osd-out", "osd.3", "600")).rc, 0);
    await until("a progress event", async () => {
      const events = JSON.parse((await ceph(dir, "progress", "json")).stdout);
      return events.events.some((e: { message: string }) => e.message.includes("osd.3"));
    });
    assert.match((await ceph(dir, "status")).stdout, /progress:\n.*osd\.3/);
    assert.equal((await ceph(dir, "sim", "heal")).rc, 0);
    await until("the event to complete", async () => {
      const events = JSON.parse((await ceph(dir, "progress", "json")).stdout);
      return !events.events.some((e: { message: string }) => e.message.includes("osd.3"));
    }, 90);
  } finally {
    daemon.kill("SIGTERM");
    assert.equal((await daemon.status).code, 0);
    await Deno.remove(dir, { recursive: true });
  }
});
