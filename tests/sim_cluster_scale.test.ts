import assert from "node:assert/strict";
import { Rng } from "../sim/engine/prng.ts";
import { Scheduler } from "../sim/engine/scheduler.ts";
import { SimCluster } from "../sim/cluster/cluster.ts";

Deno.test("scale: 10,000 OSDs and ~300,000 PGs fit well under 1 GiB and recover from a host failure", async () => {
  const s = new Scheduler({ rng: new Rng(1) });
  const c = new SimCluster(s, {
    racks: 20,
    hosts: 500,
    osdsPerHost: 20,
    pools: [
      { name: "rbd", pgNum: 196608 },
      { name: "data", pgNum: 98304 },
      { name: "meta", pgNum: 4096 },
    ],
  });
  assert.equal(c.map.maxOsd, 10_000);
  assert.equal(c.pgs.count, 299_008);
  await s.runFor(5);
  assert.ok(c.pgs.allActiveClean());
  c.hostDown("host42");
  await s.runFor(5);
  const degraded = c.pgs.stateCounts().get("active+undersized+degraded") ?? 0;
  assert.ok(degraded > 1000, `${degraded} PGs degraded by a 20-OSD host`);
  await s.runFor(700); // auto-out, backfill to the other hosts
  while (!c.pgs.allActiveClean()) {
    assert.ok(s.elapsed < 3600, "clean within the hour");
    await s.runFor(60);
  }
  for (const osd of c.hostOsds("host42")) assert.equal(c.map.isIn(osd), false);
  const rss = Deno.memoryUsage().rss;
  assert.ok(rss < 2 ** 30 / 2, `RSS ${(rss / 2 ** 20).toFixed(0)} MiB`);
});
