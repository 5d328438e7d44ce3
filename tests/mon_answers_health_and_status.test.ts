/**
 * `health`, `health mute|unmute` and `status` are the mon's (HealthMonitor, Monitor's own
 * `status`), as in Ceph: it merges its own checks with those the active manager reported, keeps
 * the mutes in its store, and prints the PG part of `status` from the manager's PGMap digest.
 */
import assert from "node:assert/strict";
import { EmbeddedMon } from "../sim/mon/mon.ts";
import { startTestCluster } from "../sim/testing.ts";
import { referenceCli } from "./_reference.ts";
import type { HealthCheck } from "../core/health.ts";

const warn = (message: string, count = 1): HealthCheck => ({
  severity: "HEALTH_WARN",
  summary: { message, count },
  detail: [{ message: `${message} (detail)` }],
  muted: false,
});

function beaconFrom(
  mon: EmbeddedMon,
  extra: Record<string, unknown>,
): void {
  mon.beacon({ gid: 4100, name: "x", available: true, available_modules: [], ...extra });
}

Deno.test("the mon alone answers health from the active manager's reported checks and status from its PGMap digest", () => {
  const mon = EmbeddedMon.open(":memory:", { alwaysOnModules: [], now: () => 1_700_000_000 });
  try {
    const heard: string[] = [];
    mon.subscribe((u) => {
      if (u.kind === "notify") heard.push(u.type);
    });
    assert.equal(mon.handleCommand({ prefix: "health" }).outb, "HEALTH_OK\n");
    beaconFrom(mon, {
      health_checks: { PG_DEGRADED: warn("Degraded data redundancy: 3 pgs degraded", 3) },
      pg_digest: {
        pgs_by_state: [{ state_name: "active+clean", count: 61 }, {
          state_name: "active+undersized+degraded",
          count: 3,
        }],
        num_pgs: 64,
        num_pools: 2,
        num_objects: 1500,
        data_bytes: 3 * 1024 ** 3,
        bytes_used: 9 * 1024 ** 3,
        bytes_avail: 291 * 1024 ** 3,
        bytes_total: 300 * 1024 ** 3,
      },
    });
    assert.deepEqual(heard, ["health"], "the managers hear that the mon's health moved");
    assert.equal(
      mon.handleCommand({ prefix: "health" }).outb,
      "HEALTH_WARN Degraded data redundancy: 3 pgs degraded\n",
    );
    const status = mon.handleCommand({ prefix: "status" }).outb;
    assert.match(status, /pools: {3}2 pools, 64 pgs\n/);
    assert.match(status, /objects: 1\.50k objects, 3 GiB\n/);
    // The counts are padded to the widest, as the real cluster prints `1  active+recovering`.
    assert.match(status, /pgs: {5}61 active\+clean\n {13}3 {2}active\+undersized\+degraded\n/);
    const json = JSON.parse(mon.handleCommand({ prefix: "status", format: "json" }).outb);
    assert.equal(json.pgmap.num_pgs, 64);
    assert.equal(json.health.status, "HEALTH_WARN");
    // A beacon with the same checks is no news.
    beaconFrom(mon, {
      health_checks: { PG_DEGRADED: warn("Degraded data redundancy: 3 pgs degraded", 3) },
    });
    assert.deepEqual(heard, ["health"]);
  } finally {
    mon.close();
  }
});

Deno.test("health mutes live in the mon's store: they survive a restart of the mon", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/store.db`;
  const now = () => 1_700_000_000;
  try {
    const first = EmbeddedMon.open(path, { alwaysOnModules: [], now });
    beaconFrom(first, {
      health_checks: { POOL_NO_REDUNDANCY: warn("1 pool(s) have no replicas") },
    });
    assert.equal(
      first.handleCommand({ prefix: "health mute", code: "POOL_NO_REDUNDANCY", ttl: "1h" }).r,
      0,
    );
    assert.equal(first.handleCommand({ prefix: "health mute", code: "FOO", sticky: true }).r, 0);
    first.close();
    const second = EmbeddedMon.open(path, { alwaysOnModules: [], now });
    try {
      beaconFrom(second, {
        health_checks: { POOL_NO_REDUNDANCY: warn("1 pool(s) have no replicas") },
      });
      assert.equal(
        second.handleCommand({ prefix: "health" }).outb,
        "HEALTH_OK (muted: FOO POOL_NO_REDUNDANCY(60m))\n",
      );
      const bad = second.handleCommand({ prefix: "health mute", code: "FOO", ttl: "0" });
      assert.deepEqual([bad.r, bad.outs], [-22, "invalid duration: 0 (timespan = 0)"]);
    } finally {
      second.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a mute outlives a manager failover, and get('health') is the mon's report as the new active manager receives it", async () => {
  const c = await startTestCluster({
    cluster: { hosts: 3, osdsPerHost: 1, pools: [{ name: "rbd", pgNum: 8, size: 3 }] },
    standbys: ["y"],
  });
  try {
    c.cluster!.setFlag("noout");
    await c.run(10);
    assert.equal((await c.command({ prefix: "health mute", code: "OSDMAP_FLAGS" })).r, 0);
    await c.command({ prefix: "mgr fail", who: "x" });
    await c.run(10);
    const active = c.activeManager();
    assert.equal(active?.id, "y");
    assert.equal((await c.command({ prefix: "health" })).outb, "HEALTH_OK (muted: OSDMAP_FLAGS)\n");
    const seen = JSON.parse((active!.get("health") as { json: string }).json);
    const told = JSON.parse(
      (await c.command({ prefix: "health", detail: "detail", format: "json" })).outb,
    );
    assert.deepEqual(seen.checks, told.checks);
    assert.equal(seen.checks.OSDMAP_FLAGS.muted, true);
    // The status's PG part is the new active manager's digest once it reported.
    const status = JSON.parse((await c.command({ prefix: "status", format: "json" })).outb);
    assert.equal(status.pgmap.num_pgs, 8);
  } finally {
    await c.stop();
  }
});

/** A status text with its values made placeholders: what is left is Ceph's layout. */
function layout(text: string): string[] {
  return text.split("\n").map((line) =>
    line
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/, "<fsid>")
      .replace(/\d+(\.\d+)?( ?[kMGT]i?B| ?[kMGT]| ?B)?(\/s)?s?m?h?/g, "#")
  );
}

Deno.test("status prints in the layout a real 16.2 cluster prints it: services, volumes, data, flags and mutes", async () => {
  const c = await startTestCluster({
    cluster: {
      hosts: 3,
      osdsPerHost: 1,
      mons: { count: 1 },
      mds: ["a"],
      pools: [{ name: "rbd", pgNum: 32 }],
      workload: { opsPerSecond: 0 },
    },
  });
  try {
    await c.run(60);
    // tests/ceph-reference/cli/commands/status.txt: 1 mon, 1 MDS, 3 OSDs, idle.
    const real = referenceCli("commands/status.txt").stdout;
    assert.deepEqual(layout((await c.command({ prefix: "status" })).outb), layout(real));
    // cli/behaviour/health_mute/08_status_muted.txt: noout set and its check muted, under IO.
    c.cluster!.setFlag("noout");
    await c.run(10);
    assert.equal((await c.command({ prefix: "health mute", code: "OSDMAP_FLAGS" })).r, 0);
    // Without client IO here, its io section goes.
    const muted = referenceCli("behaviour/health_mute/08_status_muted.txt").stdout
      .replace(/ \n {2}io:\n {4}client:.*\n/, "");
    const ours = (await c.command({ prefix: "status" })).outb;
    assert.deepEqual(layout(ours), layout(muted), ours);
  } finally {
    await c.stop();
  }
});
