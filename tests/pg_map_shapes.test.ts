import assert from "node:assert/strict";
import { Rng } from "../sim/engine/prng.ts";
import { Scheduler } from "../sim/engine/scheduler.ts";
import { SimCluster } from "../sim/cluster/cluster.ts";
import { PgObserver } from "../sim/pg_observer.ts";
import { shapeDiff } from "./sim_json_shape.ts";
import { referenceGet } from "./_reference.ts";

/** The layout of the real cluster the shapes were captured from. */
async function layout(): Promise<{ s: Scheduler; c: SimCluster; seen: PgObserver }> {
  const s = new Scheduler({ rng: new Rng(5) });
  const c = new SimCluster(s, {
    racks: 2,
    hosts: 4,
    osdsPerHost: 3,
    pools: [
      { name: "device_health_metrics", pgNum: 1, size: 3, application: "mgr_devicehealth" },
      { name: "rbd", pgNum: 64, application: "rbd" },
    ],
  });
  const seen = new PgObserver(c);
  c.startReporting();
  await s.runFor(30);
  return { s, c, seen };
}

async function cluster(): Promise<{ s: Scheduler; c: SimCluster; seen: PgObserver }> {
  const s = new Scheduler({ rng: new Rng(7) });
  const c = new SimCluster(s, {
    hosts: 3,
    osdsPerHost: 3,
    pools: [
      { name: "device_health_metrics", pgNum: 1, application: "mgr_devicehealth" },
      { name: "cephfs_metadata", pgNum: 16, application: "cephfs" },
      { name: "cephfs_data", pgNum: 64, application: "cephfs" },
    ],
    workload: { opsPerSecond: 800 },
  });
  const seen = new PgObserver(c);
  c.startReporting();
  await s.runFor(30);
  return { s, c, seen };
}

function assertShape(actual: unknown, file: string, maps: string[] = []): void {
  // Round-trip through JSON so that the comparison sees exactly what a client would.
  const json = JSON.parse(JSON.stringify(actual));
  const diff = shapeDiff(json, referenceGet(file).value, { maps });
  assert.deepEqual(diff, [], `${file}:\n${diff.join("\n")}`);
}

Deno.test("stats dumps have the reference shapes: df, io_rate, osd_stats, pool_stats, pg_stats, osd_pool_stats", async (t) => {
  const { seen } = await cluster();
  await t.step("df", () => assertShape(seen.get("df"), "get_df.json", ["$.stats_by_class"]));
  await t.step("io_rate", () => assertShape(seen.get("io_rate"), "get_io_rate.json"));
  await t.step("osd_stats", () => assertShape(seen.get("osd_stats"), "get_osd_stats.json"));
  await t.step("pool_stats", () => assertShape(seen.get("pool_stats"), "get_pool_stats.json"));
  await t.step("pg_stats", () => assertShape(seen.get("pg_stats"), "get_pg_stats.json"));
  await t.step("pg_dump", () => assertShape(seen.get("pg_dump"), "get_pg_dump.json"));
  await t.step("osd_pool_stats", () => {
    const v = seen.get("osd_pool_stats") as {
      pool_stats: { client_io_rate: Record<string, number> }[];
    };
    const io = v.pool_stats[2]?.client_io_rate ?? {};
    assert.ok((io.read_bytes_sec ?? 0) > 0);
    // The capture had no reads; Ceph prints read_bytes_sec only when it is non-zero.
    for (const p of v.pool_stats) delete p.client_io_rate.read_bytes_sec;
    assertShape(v, "get_osd_pool_stats.json");
    assert.deepEqual(v.pool_stats[0]?.client_io_rate, {});
    assert.ok((io.read_op_per_sec ?? 0) > 0 && (io.write_op_per_sec ?? 0) > 0, JSON.stringify(io));
  });
});

Deno.test("the PGMap's pg_summary has the shape of get('pg_summary') and adds up", async () => {
  const { c, seen } = await layout();
  c.osdDown(0);
  const summary = seen.get("pg_summary") as {
    all: Record<string, number>;
    by_pool: Record<string, Record<string, number>>;
  };
  assertShape(summary, "get_pg_summary.json", [
    "$.by_osd",
    "$.by_osd.*",
    "$.by_pool",
    "$.by_pool.*",
    "$.all",
  ]);
  assert.equal(Object.values(summary.all).reduce((a, b) => a + b, 0), 65);
  assert.deepEqual(Object.keys(summary.by_pool), ["1", "2"]);
});

Deno.test("the PGMap's pg_dump has the shape of get('pg_dump') and its sums add up", async () => {
  const { seen } = await layout();
  const dump = seen.get("pg_dump") as {
    pg_stats: { pgid: string; stat_sum: { num_objects: number }; state: string }[];
    pg_stats_sum: { stat_sum: { num_objects: number } };
    pool_stats: { poolid: number; num_pg: number }[];
    osd_stats: { num_pgs: number }[];
  };
  assertShape(dump, "get_pg_dump.json");
  assert.equal(dump.pg_stats.length, 65);
  assert.ok(dump.pg_stats.every((p) => p.state === "active+clean"));
  assert.equal(
    dump.pg_stats.reduce((a, p) => a + p.stat_sum.num_objects, 0),
    dump.pg_stats_sum.stat_sum.num_objects,
  );
  assert.deepEqual(dump.pool_stats.map((p) => [p.poolid, p.num_pg]), [[2, 64], [1, 1]]);
  assert.equal(dump.osd_stats.reduce((a, o) => a + o.num_pgs, 0), 65 * 3);
  assert.ok(dump.pg_stats.some((p) => p.pgid === "2.3f"));
});
