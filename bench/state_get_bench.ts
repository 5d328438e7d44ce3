/**
 * The module API's cluster-state reads through a real manager on a simulated cluster, at 1,000
 * and 10,000 OSDs: `get()` of an unchanged map (a cached frozen snapshot), the first `get()`
 * after a change (the dump computed and frozen once): after one stats period (new counters
 * for every PG) and after one OSDMap epoch alone (an OSD marked out or in), and the
 * per-daemon reads. The change is made before each timed read, outside the measurement.
 * The real ceph-mgr's figures are in ../shared/ceph-reference/README.md.
 *
 *   deno bench --allow-all bench/state_get_bench.ts
 */
import { MgrModule } from "mgr_module";
import { startTestCluster, type TestCluster } from "mgr_module/testing";

class Reader extends MgrModule {}

async function cluster(osds: number): Promise<{ c: TestCluster; m: Reader }> {
  const hosts = osds / 20;
  const c = await startTestCluster({
    builtins: { reader: { Reader } },
    initialModules: ["reader"],
    cluster: {
      racks: osds >= 10000 ? 20 : 0,
      hosts,
      osdsPerHost: 20,
      pools: [
        { name: "rbd", pgNum: osds * 20 },
        { name: "cephfs_data", pgNum: osds * 10 },
      ],
      workload: { opsPerSecond: osds * 20 },
    },
  });
  await c.run(30);
  return { c, m: c.manager.host.instance("reader") as Reader };
}

for (const osds of [1000, 10000]) {
  const { c, m } = await cluster(osds);
  const group = `${osds} OSDs`;
  m.get("osd_map");
  Deno.bench(`get('osd_map') unchanged, ${osds} OSDs`, { group: `${group}: cached` }, () => {
    m.get("osd_map");
  });
  Deno.bench(`get('pg_summary') unchanged, ${osds} OSDs`, { group: `${group}: cached` }, () => {
    m.get("pg_summary");
  });
  // The first get() after a change, the change made before each timed read (untimed): one
  // stats period (the workload does IO on every PG, so every per-PG entry is new), or one
  // OSDMap epoch alone (an OSD marked out or back in: only the PGs it remaps are new).
  const sim = c.cluster!;
  const n = osds >= 10000 ? 5 : 20;
  for (
    const name of [
      "pg_summary",
      "pg_status",
      "pg_dump",
      "pg_stats",
      "df",
      "pool_stats",
      "osd_stats",
    ]
  ) {
    Deno.bench(
      `first get('${name}') after a stats period, ${osds} OSDs`,
      { group: `${group}: first read after a stats period`, n, warmup: 1 },
      async (b) => {
        await c.run(sim.statsPeriod);
        b.start();
        m.get(name);
        b.end();
      },
    );
  }
  // pg_stats' entries are built when the list is first read, not by get(): this is what a
  // module that reads them pays, once per version.
  for (const name of ["pg_dump", "pg_stats"]) {
    Deno.bench(
      `first get('${name}').pg_stats read after a stats period, ${osds} OSDs`,
      { group: `${group}: first read of every PG's entry after a stats period`, n, warmup: 1 },
      async (b) => {
        await c.run(sim.statsPeriod);
        b.start();
        (m.get(name) as { pg_stats: unknown[] }).pg_stats.length;
        b.end();
      },
    );
  }
  for (const name of ["osd_map", "osd_map_tree", "pg_summary", "pg_dump", "pg_stats"]) {
    Deno.bench(
      `first get('${name}') after an OSD map change, ${osds} OSDs`,
      { group: `${group}: first read after a map change`, n, warmup: 1 },
      async (b) => {
        if (sim.map.isIn(7)) sim.osdOut(7);
        else sim.osdIn(7);
        await c.run(0);
        b.start();
        m.get(name);
        b.end();
      },
    );
  }
  Deno.bench(
    `get_counter('osd', '7', 'osd.op_w'), ${osds} OSDs`,
    { group: `${group}: daemon` },
    () => {
      m.get_counter("osd", "7", "osd.op_w");
    },
  );
  Deno.bench(
    `get_latest_counter('osd', '7', 'osd.op_w'), ${osds} OSDs`,
    { group: `${group}: daemon` },
    () => {
      m.get_latest_counter("osd", "7", "osd.op_w");
    },
  );
  Deno.bench(`get_perf_schema('osd', '7'), ${osds} OSDs`, { group: `${group}: daemon` }, () => {
    m.get_perf_schema("osd", "7");
  });
  Deno.bench(`get_metadata('osd', '7'), ${osds} OSDs`, { group: `${group}: daemon` }, () => {
    m.get_metadata("osd", "7");
  });
}
