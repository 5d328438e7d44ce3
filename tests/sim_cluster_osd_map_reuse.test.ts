import assert from "node:assert/strict";
import fc from "fast-check";
import { POOL_STEP_ARBS, type PoolStep, poolStep } from "./_pool_steps.ts";
import { MgrModule } from "mgr_module";
import { startTestCluster } from "mgr_module/testing";
import { Rng } from "../sim/engine/prng.ts";
import { Scheduler } from "../sim/engine/scheduler.ts";
import { SimCluster } from "../sim/cluster/cluster.ts";
import { clusterGet } from "../sim/cluster/get.ts";
import { type CrushDump as CrushText, decompileCrushMap } from "../sim/cluster/crush_text.ts";
import { OsdMap } from "../sim/cluster/osd_map.ts";
import {
  dumpOsdMap,
  dumpOsdMapCrush,
  dumpOsdMapTree,
  type Json,
  OsdMapDumpCache,
  osdMapDumpCache,
} from "../sim/cluster/osd_map_dump.ts";

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

interface TreeNode {
  id: number;
  status?: string;
  reweight?: number;
  crush_weight?: number;
}
interface CrushDump {
  devices: unknown[];
  buckets: { name: string; weight: number }[];
  rules: unknown[];
}

Deno.test("osd_map_tree: an unchanged OSD's node and every bucket node are the same frozen objects in the next epoch; a changed OSD's node is new", () => {
  const { c } = cluster();
  const tree = () => (clusterGet(c, "osd_map_tree") as unknown as { nodes: TreeNode[] }).nodes;
  const before = tree();
  assert.ok(Object.isFrozen(before) && before.every((n) => Object.isFrozen(n)));
  c.osdDown(4);
  const after = tree();
  let rebuilt = 0;
  for (let i = 0; i < after.length; i++) {
    const a = after[i]!, b = before[i]!;
    assert.equal(a.id, b.id);
    if (a.id === 4) {
      assert.notEqual(a, b);
      assert.equal(a.status, "down");
      rebuilt++;
    } else assert.equal(a, b, `node ${a.id} did not change`);
  }
  assert.equal(rebuilt, 1);
  assert.equal(osdMapDumpCache(c.map).builtTreeOsds, 1);
  // A CRUSH weight change (a new CRUSH version) rebuilds the buckets and shows the new weight.
  c.map.crush.setDeviceWeight(2, 0.5);
  const reweighted = tree();
  assert.equal(reweighted.find((n) => n.id === 2)!.crush_weight, 0.5);
  assert.notEqual(reweighted[0], after[0], "the root node is rebuilt");
});

Deno.test("osd_map_crush: its parts are the same frozen objects while the CRUSH map's version stands, and rebuilt when it changes", () => {
  const { c } = cluster();
  const crush = () => clusterGet(c, "osd_map_crush") as unknown as CrushDump;
  const before = crush();
  assert.ok(Object.isFrozen(before.devices) && Object.isFrozen(before.buckets[0]));
  c.osdOut(1);
  c.setFlag("noout");
  const same = crush();
  assert.notEqual(same, before, "a new top-level object");
  assert.equal(same.devices, before.devices);
  assert.equal(same.buckets, before.buckets);
  assert.equal(same.rules, before.rules);
  const host = c.map.crush.devices[2]!.parent;
  const weightOf = (d: CrushDump) =>
    d.buckets.find((b) => b.name === c.map.crush.bucket(host).name)!.weight;
  c.map.crush.setDeviceWeight(2, 0.5);
  const changed = crush();
  assert.notEqual(changed.buckets, before.buckets);
  assert.equal(weightOf(changed), weightOf(before) - 0x8000);
});

Deno.test("osd_crush_map_text is decompiled again only when the CRUSH map changes", () => {
  const { c } = cluster();
  const text = clusterGet(c, "osd_crush_map_text") as string;
  c.osdOut(1);
  c.osdDown(2);
  assert.equal(clusterGet(c, "osd_crush_map_text"), text);
  c.map.crush.setDeviceWeight(2, 0.5);
  const changed = clusterGet(c, "osd_crush_map_text") as string;
  assert.notEqual(changed, text);
  assert.ok(changed.includes("item osd.2 weight 0.500\n"), changed);
});

type Step =
  | { kind: "run"; seconds: number }
  | { kind: "down" | "up" | "out" | "in"; osd: number }
  | { kind: "reweight"; osd: number; weight: number }
  | { kind: "setFlag" | "unsetFlag"; flag: string }
  | { kind: "hostDown" | "hostUp"; host: number }
  | { kind: "pool"; pgNum: number; size: number }
  | PoolStep
  | { kind: "crushWeight"; osd: number; weight: number };

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
  fc.record({
    kind: fc.constant("crushWeight" as const),
    osd: fc.nat(),
    weight: fc.constantFrom(0.5, 1, 2),
  }),
  ...POOL_STEP_ARBS,
);

/**
 * The three map dumps through the map's shared cache and through `incremental` (a private cache
 * that lives across the steps) equal those of a new cache, key order included.
 */
function checkDumps(map: OsdMap, incremental: OsdMapDumpCache, label: string): void {
  const dumps: [string, (m: OsdMap, cache: OsdMapDumpCache) => Json][] = [
    ["osd_map", dumpOsdMap],
    ["osd_map_tree", dumpOsdMapTree],
    ["osd_map_crush", dumpOsdMapCrush],
  ];
  for (const [name, dump] of dumps) {
    const scratch = dump(map, new OsdMapDumpCache());
    const text = JSON.stringify(scratch);
    for (const cache of [osdMapDumpCache(map), incremental]) {
      const d = dump(map, cache);
      assert.deepEqual(d, scratch, `${name} after ${label}`);
      assert.equal(JSON.stringify(d), text, `${name} key order after ${label}`);
    }
  }
}

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
          checkDumps(c.map, incremental, label);
          const scratch = dumpOsdMapCrush(c.map, new OsdMapDumpCache()) as unknown as CrushText;
          assert.equal(
            clusterGet(c, "osd_crush_map_text"),
            decompileCrushMap(scratch),
            `osd_crush_map_text after ${label}`,
          );
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
            case "crushWeight":
              c.map.crush.setDeviceWeight(step.osd % n, step.weight);
              break;
            case "poolSize":
            case "poolPgNum":
            case "poolPgpNum":
              poolStep(c, step);
              break;
          }
          check(`step ${i} ${JSON.stringify(step)}`);
        }
      },
    ),
    { seed, numRuns: Number(Deno.env.get("SIM_RUNS") ?? 25) },
  );
});

type MapStep =
  | { kind: "addOsd"; host: number; newHost: boolean; ssd: boolean }
  | { kind: "down" | "up" | "out" | "in"; osd: number }
  | { kind: "reweight" | "crushWeight"; osd: number; weight: number }
  | { kind: "flag"; flag: string }
  | { kind: "pool" };

const mapStepArb: fc.Arbitrary<MapStep> = fc.oneof(
  fc.record({
    kind: fc.constant("addOsd" as const),
    host: fc.nat(),
    newHost: fc.boolean(),
    ssd: fc.boolean(),
  }),
  fc.record({
    kind: fc.constantFrom("down" as const, "up" as const, "out" as const, "in" as const),
    osd: fc.nat(),
  }),
  fc.record({
    kind: fc.constantFrom("reweight" as const, "crushWeight" as const),
    osd: fc.nat(),
    weight: fc.constantFrom(0, 0.5, 1),
  }),
  fc.record({ kind: fc.constant("flag" as const), flag: fc.constantFrom("noout", "noup") }),
  fc.record({ kind: fc.constant("pool" as const) }),
);

Deno.test("osd map dumps (property): after OSDs and hosts are added to the CRUSH map (new ports, device classes, shadow trees), the incremental dumps equal those from scratch", () => {
  const seed = Number(Deno.env.get("FC_SEED") ?? Date.now() % 2 ** 31);
  console.log(`fast-check seed ${seed} (replay: FC_SEED=${seed} deno task test)`);
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 31 }),
      fc.array(mapStepArb, { minLength: 1, maxLength: 30 }),
      (mapSeed, steps) => {
        let now = 1_700_000_000;
        const map = new OsdMap({ now: () => now, ids: new Rng(mapSeed).stream("identity") });
        const hosts = [map.crush.addBucket("h0", "host", map.crush.rootId)];
        map.addOsd(0, hosts[0]!, 1);
        const incremental = new OsdMapDumpCache();
        let pools = 0;
        checkDumps(map, incremental, "start");
        for (const [i, step] of steps.entries()) {
          now += 7;
          const n = map.maxOsd;
          switch (step.kind) {
            case "addOsd": {
              if (step.newHost) {
                hosts.push(map.crush.addBucket(`h${hosts.length}`, "host", map.crush.rootId));
              }
              const host = step.newHost ? hosts.at(-1)! : hosts[step.host % hosts.length]!;
              map.addOsd(n, host, 1, step.ssd ? "ssd" : "hdd");
              break;
            }
            case "down":
              map.markDown(step.osd % n);
              break;
            case "up":
              map.markUp(step.osd % n);
              break;
            case "out":
              map.markOut(step.osd % n);
              break;
            case "in":
              map.markIn(step.osd % n);
              break;
            case "reweight":
              map.reweight(step.osd % n, step.weight);
              break;
            case "crushWeight":
              map.crush.setDeviceWeight(step.osd % n, step.weight);
              break;
            case "flag":
              if (!map.setFlag(step.flag)) map.unsetFlag(step.flag);
              break;
            case "pool":
              map.createPool({ name: `p${pools++}`, pgNum: 8 });
              break;
          }
          checkDumps(map, incremental, `step ${i} ${JSON.stringify(step)}`);
        }
      },
    ),
    { seed, numRuns: Number(Deno.env.get("SIM_RUNS") ?? 50) },
  );
});
