import assert from "node:assert/strict";
import { Rng } from "../sim/engine/prng.ts";
import { Scheduler } from "../sim/engine/scheduler.ts";
import { SimCluster } from "../sim/cluster/cluster.ts";
import { clusterGet } from "../sim/cluster/get.ts";
import { PgObserver } from "../sim/pg_observer.ts";
import { OSD_PERF_SCHEMA } from "../sim/cluster/perf_counters.ts";
import { FaultInjector, type FaultSpec } from "../sim/faults/faults.ts";

function withFaults(faults: FaultSpec[], seed = 3) {
  const s = new Scheduler({ rng: new Rng(seed) });
  const c = new SimCluster(s, {
    hosts: 3,
    osdsPerHost: 3,
    pools: [{ name: "rbd", pgNum: 64 }, { name: "cephfs_data", pgNum: 32 }],
    workload: { opsPerSecond: 600 },
  });
  // The health the mon shows: the cluster's own checks and the active manager's.
  const seen = new PgObserver(c);
  observers.set(c, seen);
  c.startReporting();
  const inj = new FaultInjector(c);
  inj.scheduleAll(faults);
  const at = async (t: number) => await s.run({ until: s.epoch + t });
  return { s, c, inj, at, seen };
}

const observers = new WeakMap<SimCluster, PgObserver>();
const health = (c: SimCluster) => observers.get(c)!.health();
const codes = (c: SimCluster) => Object.keys(health(c).checks);

Deno.test("fault mon-outage: the manager's mon session drops and returns; quorum is untouched", async () => {
  const { c, at } = withFaults([{ kind: "mon-outage", at: 20, duration: 60 }]);
  const seen: boolean[] = [];
  c.subscribe((e) => e.kind === "mon_reachable" && seen.push(e.reachable));
  await at(30);
  assert.equal(c.monReachable(), false);
  assert.equal(c.mons.quorum.length, 3);
  await at(90);
  assert.equal(c.monReachable(), true);
  assert.deepEqual(seen, [false, true]);
});

Deno.test("fault mon-down of the leader: election, new leader, MON_DOWN with Ceph's wording; heals", async () => {
  const { c, at } = withFaults([{ kind: "mon-down", at: 20, duration: 100 }]);
  await at(22);
  assert.equal(c.monReachable(), false, "no quorum during the election");
  await at(40);
  assert.equal(c.mons.leaderName(), "b");
  const h = health(c).checks.MON_DOWN;
  assert.equal(h?.summary.message, "1/3 mons down, quorum b,c");
  assert.match(
    h?.detail[0]?.message ?? "",
    /^mon\.a \(rank 0\) addr \[v2:.*\] is down \(out of quorum\)$/,
  );
  await at(140);
  assert.equal(c.mons.leaderName(), "a");
  assert.ok(!codes(c).includes("MON_DOWN"));
});

Deno.test("fault quorum-loss: no quorum, the mon session is down; back after healing", async () => {
  const { c, at } = withFaults([{ kind: "quorum-loss", at: 20, duration: 60 }]);
  await at(50);
  assert.equal(c.mons.hasQuorum(), false);
  assert.equal(c.monReachable(), false);
  await at(100);
  assert.deepEqual(c.mons.quorumNames(), ["a", "b", "c"]);
  assert.equal(c.monReachable(), true);
});

Deno.test("fault metadata gaps: missing, orphan and stale metadata, each healed", async () => {
  const { c, at } = withFaults([
    { kind: "metadata-missing", at: 10, duration: 50, daemons: ["osd.2"] },
    { kind: "metadata-orphan", at: 10, duration: 50, osd: 42 },
    { kind: "metadata-stale", at: 10, duration: 50, daemons: ["osd.4"], version: "16.2.16" },
  ]);
  await at(20);
  const meta = clusterGet(c, "osd_metadata") as Record<string, { ceph_version_short: string }>;
  assert.equal(meta["2"], undefined);
  assert.ok(meta["42"], "metadata for an OSD not in the map");
  assert.equal(c.map.has(42), false);
  assert.equal(meta["4"]?.ceph_version_short, "16.2.15", "stale: still the old version");
  assert.equal(c.daemons.versionOf("osd.4"), "16.2.16");
  await at(70);
  const healed = clusterGet(c, "osd_metadata") as Record<string, { ceph_version_short: string }>;
  assert.ok(healed["2"]);
  assert.equal(healed["42"], undefined);
  assert.equal(healed["4"]?.ceph_version_short, "16.2.16");
});

Deno.test("fault slow-osd: latency counters rise, SLOW_OPS after 30 s from the OSD's late reports; heals", async () => {
  const { c, at } = withFaults([
    { kind: "slow-osd", at: 30, duration: 120, osds: [4], factor: 40, reports: "late" },
  ]);
  const lat = OSD_PERF_SCHEMA.indexOf("osd.op_w_latency");
  await at(29);
  const before = c.io.perf.get(4, lat) / c.io.perf.counts[4 * OSD_PERF_SCHEMA.size + lat]!;
  let reportedSlow = 0;
  c.subscribe((e) => {
    if (e.kind === "stats" && [...e.reports[0]!.rows].includes(4)) reportedSlow++;
  });
  await at(100);
  assert.ok(reportedSlow > 0, "osd.4 reports, late");
  const during = c.io.osdCommitMs[4]!;
  assert.ok(during > 20 * (before / 1e6), `${during} ms vs ${before / 1e6} ms`);
  const slow = health(c).checks.SLOW_OPS;
  assert.match(
    slow?.summary.message ?? "",
    /^\d+ slow ops, oldest one blocked for \d+ sec, osd\.4 has slow ops$/,
  );
  await at(200);
  assert.ok(!codes(c).includes("SLOW_OPS"));
});

Deno.test("fault slow-osd with missing reports: the manager hears nothing of the OSD's slow ops, so no SLOW_OPS, as on a real cluster", async () => {
  const { c, at } = withFaults([
    { kind: "slow-osd", at: 30, duration: 120, osds: [4], factor: 40, reports: "missing" },
  ]);
  await at(31);
  let reportedSlow = 0;
  c.subscribe((e) => {
    if (e.kind === "stats" && [...e.reports[0]!.rows].includes(4)) reportedSlow++;
  });
  await at(100);
  assert.equal(reportedSlow, 0, "osd.4 sends no report while slow");
  assert.ok((c.io.slowOps[4] ?? 0) > 0, "the model has slow ops on osd.4");
  assert.ok(!codes(c).includes("SLOW_OPS"));
  await at(200);
  assert.ok(!codes(c).includes("SLOW_OPS"));
});

Deno.test("fault late-reports after mgr-fail: every PG unknown, PG_AVAILABILITY, then known again", async () => {
  const { c, at } = withFaults([
    { kind: "mgr-fail", at: 30 },
    { kind: "late-reports", at: 30, duration: 40 },
  ]);
  const failovers: string[] = [];
  c.subscribe((e) => e.kind === "mgr_failover" && failovers.push(`${e.from}->${e.to}`));
  await at(50);
  assert.deepEqual(failovers, ["x->y"]);
  const summary = observers.get(c)!.get("pg_summary") as { all: Record<string, number> };
  assert.deepEqual(summary.all, { unknown: 96 });
  // Unknown PGs carry the OSDMap's time, as Ceph's new PGMap entries do: stuck inactive once
  // it is a minute old, while the reports still wait.
  await at(65);
  assert.equal(
    health(c).checks.PG_AVAILABILITY?.summary.message,
    "Reduced data availability: 96 pgs inactive",
  );
  await at(80);
  assert.equal(health(c).status, "HEALTH_OK");
});

Deno.test("fault host-down: OSD_DOWN, OSD_HOST_DOWN and PG_DEGRADED in Ceph's words; clean after healing", async () => {
  const { c, at } = withFaults([{ kind: "host-down", at: 20, duration: 120, host: "host2" }]);
  await at(90);
  const h = health(c).checks;
  assert.equal(h.OSD_DOWN?.summary.message, "3 osds down");
  assert.equal(h.OSD_DOWN?.detail[0]?.message, "osd.3 (root=default,host=host2) is down");
  assert.equal(h.OSD_HOST_DOWN?.summary.message, "1 host (3 osds) down");
  assert.equal(
    h.OSD_HOST_DOWN?.detail[0]?.message,
    "host host2 (root=default) with 3 osds is down",
  );
  assert.match(
    h.PG_DEGRADED?.summary.message ?? "",
    /^Degraded data redundancy: \d+\/\d+ objects degraded \(\d+\.\d{3}%\), \d+ pgs degraded, \d+ pgs undersized$/,
  );
  await at(400);
  assert.equal(health(c).status, "HEALTH_OK");
  assert.ok(c.pgs.allActiveClean());
});

Deno.test("fault osd-flap and osd-out: PGs peer, recover and come back clean", async () => {
  const { c, inj, at } = withFaults([
    { kind: "osd-flap", at: 10, osd: 1, count: 3, period: 20 },
    { kind: "osd-out", at: 100, duration: 200, osd: 7 },
  ]);
  const epochs: number[] = [];
  c.subscribe((e) => e.kind === "osd_map" && epochs.push(e.epoch));
  await at(150);
  assert.ok(!c.map.isIn(7));
  await at(900);
  assert.equal(inj.active.size, 0);
  assert.ok(c.pgs.allActiveClean());
  assert.equal(health(c).status, "HEALTH_OK");
  assert.ok(epochs.length >= 8 && epochs.every((e, i) => i === 0 || e > epochs[i - 1]!));
});
