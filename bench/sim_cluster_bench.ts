/**
 * Cluster model throughput. Each bench simulates one virtual hour; time compression is
 * 3600 s divided by the time per iteration. The 10,000-OSD bench includes building the map
 * and placing ~300,000 PGs.
 */
import { Rng } from "../sim/engine/prng.ts";
import { Scheduler } from "../sim/engine/scheduler.ts";
import { type ClusterSpec, SimCluster } from "../sim/cluster/cluster.ts";

/** One virtual hour: an OSD flaps every 5 minutes, a host fails for 15 minutes. */
async function hour(spec: ClusterSpec): Promise<SimCluster> {
  const s = new Scheduler({ rng: new Rng(1) });
  const c = new SimCluster(s, spec);
  const faults = s.rng.stream("faults");
  for (let t = 60; t < 3600; t += 300) {
    const osd = faults.int(0, c.map.maxOsd - 1);
    s.schedule(t, `osd.${osd} flap down`, () => c.osdDown(osd));
    s.schedule(t + 30, `osd.${osd} flap up`, () => c.osdUp(osd));
  }
  const host = faults.pick(c.hostNames());
  s.schedule(1200, `${host} fails`, () => c.hostDown(host));
  s.schedule(2100, `${host} returns`, () => c.hostUp(host));
  await s.run({ until: s.epoch + 3600 });
  return c;
}

Deno.bench({
  name: "9 OSDs (3 hosts x 3), 2 pools, 1 virtual hour with flaps and a host failure",
  async fn() {
    await hour({
      hosts: 3,
      osdsPerHost: 3,
      pools: [{ name: "rbd", pgNum: 128 }, { name: "cephfs_data", pgNum: 64 }],
    });
  },
});

Deno.bench({
  name:
    "10,000 OSDs (20 racks, 500 hosts), 299,008 PGs, 1 virtual hour with flaps and a host failure",
  n: 3,
  warmup: 0,
  async fn() {
    await hour({
      racks: 20,
      hosts: 500,
      osdsPerHost: 20,
      pools: [
        { name: "rbd", pgNum: 196608 },
        { name: "data", pgNum: 98304 },
        { name: "meta", pgNum: 4096 },
      ],
    });
  },
});
