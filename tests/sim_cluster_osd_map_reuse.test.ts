import assert from "node:assert/strict";
import fc from "fast-check";
import { MgrModule } from "mgr_module";
import { startTestCluster } from "mgr_module/testing";
import { Rng } from "../sim/engine/prng.ts";
import { Scheduler } from "../sim/engine/scheduler.ts";
import { SimCluster } from "../sim/cluster/cluster.ts";
import { clusterGet } from "../sim/cluster/get.ts";
import { dumpOsdMap, OsdMapDumpCache, osdMapDumpCache } from "../sim/cluster/osd_map_dump.ts";

interface OsdEntry {
  osd: number;
  up: number;
  in: number;
  weight: number;
  down_at: number;
  state: string[];
  public_addrs: { addrvec: { addr: string }[] };
}
interface XinfoEntry {
  osd: number;
  dead_epoch: number;
  down_stamp: string;
}
interface OsdMapDump {
  epoch: number;
  flags: string;
  pools: { pool: number; pool_name: string }[];
  osds: OsdEntry[];
  osd_xinfo: XinfoEntry[];
}

function osdMap(c: SimCluster): OsdMapDump {
  return clusterGet(c, "osd_map") as unknown as OsdMapDump;
}

function cluster(seed = 3): { s: Scheduler; c: SimCluster } {
  const s = new Scheduler({ rng: new Rng(seed) });
  const c = new SimCluster(s, {
    hosts: 4,
    osdsPerHost: 3,
    pools: [{ name: "rbd", pgNum: 32 }, { name: "small", pgNum: 8, size: 2 }],
  });
  return { s, c };
}

Deno.test("osd_map: an unchanged OSD's entry is the same frozen object in the next epoch; a changed OSD's entry is new and shows the change", async () => {
  const { s, c } = cluster();
  await s.runFor(30);
  const before = osdMap(c);
  assert.ok(Object.isFrozen(before.osds) && Object.isFrozen(before.osd_xinfo));
  assert.ok(before.osds.every((e) => Object.isFrozen(e) && Object.isFrozen(e.public_addrs)));
  assert.ok(before.osds.every((e) => Object.isFrozen(e.public_addrs.addrvec[0])));
  assert.ok(before.osd_xinfo.every((e) => Object.isFrozen(e)));

  c.osdOut(3);
  const out = osdMap(c);
  assert.equal(out.epoch, before.epoch + 1);
  for (let i = 0; i < out.osds.length; i++) {
    if (i === 3) continue;
    assert.equal(out.osds[i], before.osds[i], `osd.${i} did not change`);
  }
  const o3 = out.osds[3]!;
  assert.notEqual(o3, before.osds[3]);
  assert.ok(Object.isFrozen(o3));
  assert.equal(o3.in, 0);
  assert.equal(o3.weight, 0);
  // Its addresses did not change: the same frozen objects.
  assert.equal(o3.public_addrs, before.osds[3]!.public_addrs);
  // Marking out touches no xinfo: the whole array is the previous one.
  assert.equal(out.osd_xinfo, before.osd_xinfo);
  assert.equal(osdMapDumpCache(c.map).builtOsds, 1);
  assert.equal(osdMapDumpCache(c.map).builtXinfo, 0);

  c.osdDown(5);
  const down = osdMap(c);
  assert.equal(osdMapDumpCache(c.map).builtOsds, 1);
  assert.equal(osdMapDumpCache(c.map).builtXinfo, 1);
  const o5 = down.osds[5]!, x5 = down.osd_xinfo[5]!;
  assert.notEqual(o5, out.osds[5]);
  assert.equal(o5.up, 0);
  assert.deepEqual(o5.state, ["exists"]);
  assert.equal(o5.down_at, down.epoch);
  assert.notEqual(x5, out.osd_xinfo[5]);
  assert.equal(x5.dead_epoch, down.epoch);
  assert.notEqual(x5.down_stamp, "0.000000");
  assert.ok(down.osd_xinfo.every((e, i) => i === 5 || e === out.osd_xinfo[i]));
  assert.equal(down.osds[3], o3, "osd.3 stayed as it was");
});

Deno.test("osd_map: a flag change reuses every OSD and pool entry; a new pool adds one entry and keeps the others", () => {
  const { c } = cluster();
  const before = osdMap(c);
  c.setFlag("noout");
  const flagged = osdMap(c);
  assert.ok(flagged.flags.split(",").includes("noout"));
  assert.equal(flagged.osds, before.osds);
  assert.equal(flagged.osd_xinfo, before.osd_xinfo);
  assert.equal(flagged.pools, before.pools);
  c.createPool({ name: "new", pgNum: 8 });
  const pooled = osdMap(c);
  assert.equal(pooled.pools.length, before.pools.length + 1);
  assert.ok(before.pools.every((p, i) => pooled.pools[i] === p), "old pools kept");
  assert.equal(pooled.pools.at(-1)!.pool_name, "new");
  assert.ok(Object.isFrozen(pooled.pools) && Object.isFrozen(pooled.pools.at(-1)));
  assert.equal(osdMapDumpCache(c.map).builtPools, 1);
});

Deno.test("through the manager, get('osd_map') keeps the frozen entries of unchanged OSDs from one epoch to the next", async () => {
  class Reader extends MgrModule {}
  const tc = await startTestCluster({
    builtins: { reader: { Reader } },
    initialModules: ["reader"],
    cluster: { hosts: 4, osdsPerHost: 2, pools: [{ name: "rbd", pgNum: 32 }] },
  });
  try {
    await tc.run(30);
    const m = tc.manager.host.instance("reader") as Reader;
    const a = m.get("osd_map") as unknown as OsdMapDump;
    assert.ok(Object.isFrozen(a) && Object.isFrozen(a.osds));
    assert.throws(() => {
      (a.osds[0] as { up: number }).up = 7;
    }, TypeError);
    tc.cluster!.osdOut(1);
    await tc.run(0);
    const b = m.get("osd_map") as unknown as OsdMapDump;
    assert.notEqual(a, b);
    assert.equal(b.epoch, a.epoch + 1);
    assert.ok(b.osds.every((e, i) => (e === a.osds[i]) === (i !== 1)));
    assert.equal(b.osds[1]!.in, 0);
  } finally {
    await tc.stop();
  }
});

type Step =
  | { kind: "run"; seconds: number }
  | { kind: "down" | "up" | "out" | "in"; osd: number }
  | { kind: "reweight"; osd: number; weight: number }
  | { kind: "setFlag" | "unsetFlag"; flag: string }
  | { kind: "hostDown" | "hostUp"; host: number }
  | { kind: "pool"; pgNum: number; size: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("run" as const), seconds: fc.constantFrom(0, 1, 5, 30, 700) }),
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constantFrom("down" as const, "up" as const, "out" as const, "in" as const),
      osd: fc.nat(),
    }),
  },
  fc.record({
    kind: fc.constant("reweight" as const),
    osd: fc.nat(),
    weight: fc.constantFrom(0, 0.25, 0.5, 1),
  }),
  fc.record({
    kind: fc.constantFrom("setFlag" as const, "unsetFlag" as const),
    flag: fc.constantFrom("noout", "noup", "nodown", "noin", "pauserd"),
  }),
  fc.record({ kind: fc.constantFrom("hostDown" as const, "hostUp" as const), host: fc.nat() }),
  fc.record({
    kind: fc.constant("pool" as const),
    pgNum: fc.constantFrom(4, 16),
    size: fc.constantFrom(2, 3),
  }),
);

Deno.test("osd_map (property): the dump built from the previous epoch's entries equals the dump built from scratch, after any sequence of map changes", async () => {
  const seed = Number(Deno.env.get("FC_SEED") ?? Date.now() % 2 ** 31);
  console.log(`fast-check seed ${seed} (replay: FC_SEED=${seed} deno task test)`);
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 2 ** 31 }),
      fc.array(stepArb, { minLength: 1, maxLength: 25 }),
      async (simSeed, steps) => {
        const s = new Scheduler({ rng: new Rng(simSeed) });
        const c = new SimCluster(s, {
          racks: 2,
          hosts: 4,
          osdsPerHost: 3,
          pools: [{ name: "rbd", pgNum: 16 }],
          downOutInterval: 600,
        });
        const hosts = c.hostNames();
        const incremental = new OsdMapDumpCache();
        let pools = 0;
        const check = (label: string) => {
          const scratch = dumpOsdMap(c.map, new OsdMapDumpCache());
          const text = JSON.stringify(scratch);
          // Both the shared cache (the managers') and a private one that lives across steps.
          for (const cache of [osdMapDumpCache(c.map), incremental]) {
            const dump = dumpOsdMap(c.map, cache);
            assert.deepEqual(dump, scratch, `osd_map after ${label}`);
            assert.equal(JSON.stringify(dump), text, `osd_map key order after ${label}`);
          }
        };
        const n = c.map.maxOsd;
        check("start");
        for (const [i, step] of steps.entries()) {
          switch (step.kind) {
            case "run":
              await s.runFor(step.seconds);
              break;
            case "down":
              c.osdDown(step.osd % n);
              break;
            case "up":
              c.osdUp(step.osd % n);
              break;
            case "out":
              c.osdOut(step.osd % n);
              break;
            case "in":
              c.osdIn(step.osd % n);
              break;
            case "reweight":
              c.reweight(step.osd % n, step.weight);
              break;
            case "setFlag":
              c.setFlag(step.flag);
              break;
            case "unsetFlag":
              c.unsetFlag(step.flag);
              break;
            case "hostDown":
              c.hostDown(hosts[step.host % hosts.length]!);
              break;
            case "hostUp":
              c.hostUp(hosts[step.host % hosts.length]!);
              break;
            case "pool":
              c.createPool({ name: `p${pools++}`, pgNum: step.pgNum, size: step.size });
              break;
          }
          check(`step ${i} ${JSON.stringify(step)}`);
        }
      },
    ),
    { seed, numRuns: Number(Deno.env.get("SIM_RUNS") ?? 25) },
  );
});
