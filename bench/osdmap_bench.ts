/**
 * The OSDMap wrapper modules get from `get_osdmap()`: building it from the dumps, mapping every
 * PG of a pool (`map_pool_pgs_up`, the balancer's and pg_autoscaler's main cost), one
 * `calc_pg_upmaps` round of 10 changes, and the balancer's eval on a 1,000-OSD cluster
 * (100 hosts × 10 OSDs, pools of 4,096 and 1,024 PGs, size 3).
 */
import { Rng } from "../sim/engine/prng.ts";
import { Scheduler } from "../sim/engine/scheduler.ts";
import { SimCluster } from "../sim/cluster/cluster.ts";
import { clusterGet } from "../sim/cluster/get.ts";
import { OSDMap, type OsdMapDump } from "../core/osdmap/osd_map.ts";
import type { CrushDump } from "../core/osdmap/crush_map.ts";

const cluster = new SimCluster(new Scheduler({ rng: new Rng(1) }), {
  hosts: 100,
  osdsPerHost: 10,
  pools: [{ name: "big", pgNum: 4096 }, { name: "small", pgNum: 1024 }],
});
const dump = clusterGet(cluster, "osd_map") as unknown as OsdMapDump;
const crush = clusterGet(cluster, "osd_map_crush") as unknown as CrushDump;

Deno.bench("OSDMap from the dumps + map_pool_pgs_up of 4,096 PGs (1,000 OSDs)", () => {
  const map = new OSDMap(dump, crush);
  map.map_pool_pgs_up(1);
});

Deno.bench("map_pool_pgs_up of 4,096 PGs, map already built (cached per map)", (b) => {
  const map = new OSDMap(dump, crush);
  map.pg_to_up_acting_osds(1, 0);
  b.start();
  map.map_pool_pgs_up(1);
  b.end();
});

Deno.bench("calc_pg_upmaps: 10 changes over 5,120 PGs (1,000 OSDs)", () => {
  const map = new OSDMap(dump, crush);
  map.calc_pg_upmaps(map.new_incremental(), 1, 10, []);
});
