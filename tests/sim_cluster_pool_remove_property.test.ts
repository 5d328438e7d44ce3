/**
 * Removing pools keeps the simulated cluster whole (property): whatever pools are removed,
 * after pg_num changes and OSD failures, every PG row is where the table's index says, no row
 * holds a removed pool's PG, the count is the pools' pg_num sum, and the cluster runs on
 * (peering, recovery, reports) without fault.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { Rng } from "../sim/engine/prng.ts";
import { Scheduler } from "../sim/engine/scheduler.ts";
import { SimCluster } from "../sim/cluster/cluster.ts";

Deno.test("property: pool removal keeps the PG table consistent and the cluster running", async () => {
  const seed = Number(Deno.env.get("FC_SEED") ?? Date.now() % 2 ** 31);
  console.log(`fast-check seed ${seed} (replay: FC_SEED=${seed} deno task test)`);
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      fc.array(fc.integer({ min: 1, max: 24 }), { minLength: 1, maxLength: 5 }),
      fc.array(fc.nat(), { maxLength: 5 }),
      fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
      fc.boolean(),
      async (s, pgNums, removals, resize, osdDown) => {
        const scheduler = new Scheduler({ rng: new Rng(s) });
        const cluster = new SimCluster(scheduler, {
          hosts: 3,
          osdsPerHost: 2,
          pools: pgNums.map((pgNum, i) => ({ name: `p${i}`, pgNum, size: 2 })),
        });
        cluster.startReporting();
        await scheduler.runFor(10);
        if (resize !== undefined) cluster.setPoolPgNum(cluster.map.pools[0]!, resize);
        if (osdDown) cluster.osdDown(1);
        await scheduler.runFor(7);
        const removed = new Set<number>();
        for (const r of removals) {
          const pools = cluster.map.pools;
          if (pools.length === 0) break;
          const pool = pools[r % pools.length]!;
          removed.add(pool.id);
          cluster.removePool(pool);
          await scheduler.runFor(1);
        }
        await scheduler.runFor(30);
        const pgs = cluster.pgs;
        assert.equal(pgs.count, cluster.map.pools.reduce((n, p) => n + p.pgNum, 0));
        for (let p = 0; p < pgs.count; p++) {
          const pool = pgs.poolId[p]!;
          assert.ok(!removed.has(pool), `row ${p} holds a PG of removed pool ${pool}`);
          assert.equal(pgs.index(pool, pgs.ps[p]!), p, `row ${p} (${pgs.pgid(p)})`);
        }
        for (const id of removed) assert.deepEqual(pgs.poolPgs(id), []);
        cluster.stopReporting();
      },
    ),
    { seed, numRuns: 25 },
  );
});
