/**
 * The OSD map keeps each pool's CRUSH results across epochs and, when reweights change,
 * recomputes only the PGs that held a reweighted OSD or had a draw rejected: the kept results
 * must equal a fresh CRUSH run for every PG, whatever sequence of reweights (out, in,
 * fractional) the cluster goes through.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { CRUSHMap, OSDMap } from "mgr_module";
import { Rng } from "../sim/engine/prng.ts";
import { Scheduler } from "../sim/engine/scheduler.ts";
import { SimCluster } from "../sim/cluster/cluster.ts";
import { clusterGet } from "../sim/cluster/get.ts";
import type { CrushDump } from "../core/osdmap/crush_map.ts";
import type { OsdMapDump } from "../core/osdmap/osd_map.ts";
import { propertySeed } from "./_commands_arbitraries.ts";

Deno.test("kept CRUSH results equal fresh ones through any sequence of reweights", () => {
  const cluster = new SimCluster(new Scheduler({ rng: new Rng(3) }), {
    hosts: 8,
    osdsPerHost: 4,
    pools: [{ name: "rbd", pgNum: 256 }, { name: "two", pgNum: 64, size: 2 }],
  });
  const crush = clusterGet(cluster, "osd_map_crush") as unknown as CrushDump;
  const base = clusterGet(cluster, "osd_map") as unknown as OsdMapDump;
  const osds = base.osds.length;
  const reweight = fc.record({
    osd: fc.integer({ min: 0, max: osds - 1 }),
    weight: fc.oneof(
      fc.constant(0),
      fc.constant(1),
      fc.integer({ min: 1, max: 99 }).map((w) => w / 100),
    ),
  });
  fc.assert(
    fc.property(
      fc.array(fc.array(reweight, { minLength: 1, maxLength: 4 }), { maxLength: 6 }),
      (steps) => {
        let dump: OsdMapDump = structuredClone(base);
        let checked = 0;
        for (const step of [[], ...steps]) {
          dump = structuredClone(dump);
          for (const { osd, weight } of step) dump.osds[osd]!.weight = weight;
          // The kept results: the cluster's CRUSH dump, shared with every earlier epoch.
          const kept = new OSDMap(dump, crush);
          // A CRUSHMap of its own: nothing kept, every PG through CRUSH.
          const fresh = new OSDMap(dump, new CRUSHMap(crush));
          for (const pool of Object.values(kept.get_pools())) {
            for (let ps = 0; ps < pool.pg_num; ps++) {
              assert.deepEqual(kept._raw(pool, ps), fresh._raw(pool, ps), `${pool.pool}.${ps}`);
              checked++;
            }
          }
        }
        assert.ok(checked >= 320);
      },
    ),
    { seed: propertySeed(), numRuns: 25 },
  );
});
