import assert from "node:assert/strict";
import { CRUSHMap, MgrModule, OSDMap, OSDMapIncremental } from "mgr_module";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import type { ClusterSpec } from "../sim/cluster/cluster.ts";

class Probe extends MgrModule {}

async function withCluster(
  spec: ClusterSpec,
  fn: (c: TestCluster, probe: () => Probe) => void | Promise<void>,
): Promise<void> {
  const c = await startTestCluster({
    builtins: { probe: { Probe } },
    initialModules: ["probe"],
    cluster: spec,
  });
  try {
    await c.run(30);
    await fn(c, () => c.manager.host.instance("probe") as Probe);
  } finally {
    await c.stop();
  }
}

/** The up sets of the manager's PGMap (`pg_dump`), by pgid. */
function pgDumpUp(probe: Probe): Record<string, number[]> {
  const dump = probe.get("pg_dump") as { pg_stats: { pgid: string; up: number[] }[] };
  return Object.fromEntries(dump.pg_stats.map((s) => [s.pgid, [...s.up]]));
}

function mapAllPools(map: OSDMap): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const id of Object.keys(map.get_pools())) {
    Object.assign(out, map.map_pool_pgs_up(Number(id)));
  }
  return out;
}

const SPEC: ClusterSpec = {
  hosts: 4,
  osdsPerHost: 3,
  pools: [{ name: "rbd", pgNum: 64 }, { name: "data", pgNum: 32, size: 2 }],
};

Deno.test("map_pool_pgs_up gives the up set of every PG the manager's PGMap shows, through out, down and reweight", async () => {
  await withCluster(SPEC, async (c, probe) => {
    assert.deepEqual(mapAllPools(probe().get_osdmap()), pgDumpUp(probe()));
    c.cluster!.osdOut(4);
    c.cluster!.osdDown(7);
    c.cluster!.reweight(2, 0.5);
    await c.run(30);
    const map = probe().get_osdmap();
    const up = mapAllPools(map);
    assert.equal(Object.keys(up).length, 96);
    assert.deepEqual(up, pgDumpUp(probe()));
    assert.ok(Object.values(up).every((s) => !s.includes(4) && !s.includes(7)));
  });
});

Deno.test("map_pool_pgs_up matches the PGMap with the rack failure domain and odd CRUSH weights", async () => {
  await withCluster(
    {
      racks: 3,
      hosts: 6,
      osdsPerHost: 2,
      osdCrushWeight: 0.0977,
      failureDomain: "rack",
      pools: [{ name: "p", pgNum: 128 }],
    },
    (_c, probe) => {
      const map = probe().get_osdmap();
      assert.deepEqual(mapAllPools(map), pgDumpUp(probe()));
      const crush = map.get_crush();
      for (const set of Object.values(map.map_pool_pgs_up(1) ?? {})) {
        const racks = new Set(set.map((o) => crush._domainOf(o, "rack")));
        assert.equal(racks.size, set.length);
      }
    },
  );
});

Deno.test("OSDMap: epoch, crush version, pools, raw used rate; unknown pools answer null or throw", async () => {
  await withCluster(SPEC, (_c, probe) => {
    const m = probe();
    const map = m.get_osdmap();
    const dump = m.get("osd_map") as { epoch: number; crush_version: number };
    assert.equal(map.get_epoch(), dump.epoch);
    assert.equal(map.get_crush_version(), dump.crush_version);
    assert.equal(map.dump(), dump);
    assert.equal(m.get_osdmap(), map, "one object per epoch");
    assert.deepEqual(Object.keys(map.get_pools_by_name()).sort(), ["data", "rbd"]);
    assert.equal(map.get_pools()[2]?.pool_name, "data");
    assert.equal(map.pool_raw_used_rate(1), 3);
    assert.equal(map.pool_raw_used_rate(2), 2);
    assert.deepEqual(map.get_pools_by_take(-1), [1, 2]);
    assert.equal(map.map_pool_pgs_up(99), null);
    assert.throws(() => map.pool_raw_used_rate(99), RangeError);
    const pg = map.pg_to_up_acting_osds(1, 5);
    assert.deepEqual(pg.up, map.map_pool_pgs_up(1)?.["1.5"]);
    assert.equal(pg.up_primary, pg.up[0]);
  });
});

Deno.test("CRUSHMap: names, weights, takes, roots and the take weight map of the cluster's CRUSH", async () => {
  await withCluster({ ...SPEC, osdCrushWeight: 2 }, (_c, probe) => {
    const crush = probe().get_osdmap().get_crush();
    assert.ok(crush instanceof CRUSHMap);
    assert.equal(crush.get_item_name(-1), "default");
    assert.equal(crush.get_item_name(3), "osd.3");
    assert.equal(crush.get_item_name(-99), null);
    assert.equal(crush.get_item_weight(3), 2);
    assert.equal(crush.get_item_weight(-1), 24);
    assert.equal(crush.get_item_weight(42), null);
    assert.deepEqual(crush.find_takes(), [-1]);
    const roots = crush.find_roots();
    assert.ok(roots.includes(-1) && roots.length === 2, `roots ${roots}`);
    assert.equal(crush.get_item_name(roots.find((r) => r !== -1)!), "default~hdd");
    const share = crush.get_take_weight_osd_map(-1);
    assert.equal(Object.keys(share).length, 12);
    assert.ok(Math.abs(Object.values(share).reduce((a, b) => a + b, 0) - 1) < 1e-9);
    assert.ok(Math.abs((share[0] ?? 0) - 1 / 12) < 1e-9);
    assert.throws(() => crush.get_take_weight_osd_map(-99), RangeError);
    assert.equal(crush.get_rule_root("replicated_rule"), -1);
    assert.deepEqual(crush.device_class_counts(), { hdd: 12 });
    assert.equal(crush.get_osds_under(-1).length, 12);
    assert.equal(crush.dump().rules[0]?.rule_name, "replicated_rule");
  });
});

Deno.test("an incremental's reweights move PGs off an OSD in the map it makes, and its dump says so", async () => {
  await withCluster(SPEC, (_c, probe) => {
    const map = probe().get_osdmap();
    const inc = map.new_incremental();
    assert.ok(inc instanceof OSDMapIncremental);
    assert.equal(inc.get_epoch(), map.get_epoch() + 1);
    inc.set_osd_reweights({ 5: 0, 6: 1.7 });
    const d = inc.dump();
    assert.deepEqual(d.new_weight, [{ osd: 5, weight: 0 }, { osd: 6, weight: 0x10000 }]);
    assert.equal(d.crush.rules.length, 1);
    const next = map.apply_incremental(inc);
    assert.equal(next.get_epoch(), map.get_epoch() + 1);
    const before = Object.values(map.map_pool_pgs_up(1) ?? {});
    const after = Object.values(next.map_pool_pgs_up(1) ?? {});
    assert.ok(before.some((s) => s.includes(5)));
    assert.ok(after.every((s) => !s.includes(5) && s.length === 3));
    const fresh = new OSDMap(map.dump(), map.get_crush().dump());
    assert.deepEqual(
      fresh.map_pool_pgs_up(1),
      map.map_pool_pgs_up(1),
      "the original map is unchanged",
    );
    assert.throws(() => inc.set_osd_reweights({ x: 1 } as unknown as Record<number, number>));
  });
});

Deno.test("compat weight-set weights change placement: a device weighted 0 gets no PGs", async () => {
  await withCluster(SPEC, (_c, probe) => {
    const map = probe().get_osdmap();
    const inc = map.new_incremental();
    inc.set_crush_compat_weight_set_weights({ 0: 0, 1: 1.5 });
    const next = map.apply_incremental(inc);
    assert.equal(next.get_crush_version(), map.get_crush_version() + 1);
    const args = next.get_crush().dump().choose_args?.["-1"];
    assert.ok(args && args.length > 0);
    const host = args.find((a) => a.bucket_id === -2);
    assert.deepEqual(host?.weight_set, [[0, 1.5, 1]]);
    const sets = Object.values(next.map_pool_pgs_up(1) ?? {});
    assert.ok(sets.every((s) => !s.includes(0)));
    assert.ok(inc.dump().crush.choose_args?.["-1"]);
  });
});

/** Max PG count minus min over the OSDs, of all pools' up sets. */
function spread(map: OSDMap): { max: number; min: number } {
  const counts = new Map<number, number>();
  for (const set of Object.values(mapAllPools(map))) {
    for (const o of set) counts.set(o, (counts.get(o) ?? 0) + 1);
  }
  const v = [...counts.values()];
  return { max: Math.max(...v), min: Math.min(...v) };
}

Deno.test("calc_pg_upmaps evens out PGs per OSD within max_deviation, keeping hosts distinct", async () => {
  await withCluster(
    { hosts: 3, osdsPerHost: 3, pools: [{ name: "rbd", pgNum: 128 }] },
    (_c, probe) => {
      const map = probe().get_osdmap();
      const target = 128 * 3 / 9;
      const before = spread(map);
      assert.ok(before.max - target > 3, `already even: ${JSON.stringify(before)}`);
      const inc = map.new_incremental();
      const changed = map.calc_pg_upmaps(inc, 1, 100, ["rbd"]);
      assert.ok(changed > 0);
      const items = inc.dump().new_pg_upmap_items;
      assert.ok(items.length > 0 && items.length <= changed);
      const next = map.apply_incremental(inc);
      const after = spread(next);
      assert.ok(
        after.max <= Math.ceil(target + 1) && after.min >= Math.floor(target - 1),
        JSON.stringify(after),
      );
      const crush = next.get_crush();
      for (const set of Object.values(next.map_pool_pgs_up(1) ?? {})) {
        assert.equal(set.length, 3);
        assert.equal(new Set(set.map((o) => crush._domainOf(o, "host"))).size, 3);
      }
      // Again on the balanced map: nothing left to do.
      assert.equal(next.calc_pg_upmaps(next.new_incremental(), 1, 100, []), 0);
      assert.throws(() => map.calc_pg_upmaps(map.new_incremental(), 1, 10, ["nope"]), RangeError);
    },
  );
});

Deno.test("calc_pg_upmaps undoes an upmap item pointing at an overfull OSD before adding one", async () => {
  await withCluster(
    { hosts: 3, osdsPerHost: 3, pools: [{ name: "rbd", pgNum: 64 }] },
    (_c, probe) => {
      const map = probe().get_osdmap();
      // Pile PGs onto osd.0 with upmap items, then ask for balance.
      const inc = map.new_incremental();
      const up = map.map_pool_pgs_up(1) ?? {};
      let piled = 0;
      for (const [pgid, set] of Object.entries(up)) {
        const from = set.find((o) => o === 1 || o === 2);
        if (from === undefined || set.includes(0) || piled >= 10) continue;
        inc._newPgUpmapItems.set(pgid, [[from, 0]]);
        piled++;
      }
      const piledMap = map.apply_incremental(inc);
      const inc2 = piledMap.new_incremental();
      const changed = piledMap.calc_pg_upmaps(inc2, 1, 5, []);
      assert.equal(changed, 5);
      assert.ok(inc2.dump().old_pg_upmap_items.length > 0, "undid items");
    },
  );
});
