import assert from "node:assert/strict";
import fc from "fast-check";
import { Rng } from "../sim/engine/prng.ts";
import { crushHash2, crushHash3 } from "../ceph/crush_hash.ts";
import { CrushMap, WEIGHT_IN } from "../sim/cluster/crush_map.ts";
import { OsdMap } from "../sim/cluster/osd_map.ts";
import { PgTable } from "../sim/cluster/pg_table.ts";

Deno.test("crushHash: matches a straight port of Ceph's rjenkins1 (vectors from a Python port)", () => {
  assert.equal(crushHash2(1, 2), 3079532188);
  assert.equal(crushHash2(0, 0), 430787817);
  assert.equal(crushHash2(123456, -5), 2087143097);
  assert.equal(crushHash3(1, 2, 3), 1935332395);
  assert.equal(crushHash3(-1, 7, 99), 1913943871);
  assert.equal(crushHash3(4000000000, 5, 0), 858693977);
});

interface Topo {
  racks: number;
  hostsPerRack: number;
  osdsPerHost: number;
  weights?: (osd: number) => number;
}

function build(topo: Topo, seed = 1, size = 3, pgNum = 512): { map: OsdMap; pgs: PgTable } {
  const rng = new Rng(seed);
  const map = new OsdMap({ now: () => 0, ids: rng.stream("identity") });
  const crush = map.crush;
  let osd = 0;
  map.change(() => {
    for (let r = 0; r < topo.racks; r++) {
      const rack = crush.addBucket(`rack${r}`, "rack", crush.rootId);
      for (let h = 0; h < topo.hostsPerRack; h++) {
        const host = crush.addBucket(`host${r}-${h}`, "host", rack);
        for (let i = 0; i < topo.osdsPerHost; i++, osd++) {
          map.addOsd(osd, host, topo.weights?.(osd) ?? 1);
        }
      }
    }
  });
  const pgs = new PgTable(map, rng.stream("data"), { maxReplicas: size });
  pgs.addPool(map.createPool({ name: "p", size, pgNum }));
  return { map, pgs };
}

function rawSets(pgs: PgTable): number[][] {
  return Array.from({ length: pgs.count }, (_, p) => pgs.members(pgs.raw, pgs.rawN, p));
}

Deno.test("placement: the same map gives the same placement, whatever the seed", () => {
  const topo = { racks: 2, hostsPerRack: 3, osdsPerHost: 4 };
  const a = build(topo, 1), b = build(topo, 999);
  assert.deepEqual(rawSets(a.pgs), rawSets(b.pgs));
  const before = rawSets(a.pgs);
  a.pgs.onMapChange([], true);
  assert.deepEqual(rawSets(a.pgs), before);
});

Deno.test("placement: replicas land on distinct hosts, every PG gets size OSDs", () => {
  const { map, pgs } = build({ racks: 2, hostsPerRack: 3, osdsPerHost: 4 });
  for (let p = 0; p < pgs.count; p++) {
    const osds = pgs.members(pgs.raw, pgs.rawN, p);
    assert.equal(osds.length, 3);
    const hosts = new Set(osds.map((o) => map.crush.devices[o]?.parent));
    assert.equal(hosts.size, 3, `PG ${pgs.pgid(p)} on ${osds}`);
  }
});

Deno.test("placement: the rack failure domain puts replicas in distinct racks", () => {
  const rng = new Rng(1);
  const map = new OsdMap({ now: () => 0, ids: rng.stream("identity") });
  map.crush.failureDomain = 3;
  const rackOf = new Map<number, number>();
  for (let r = 0; r < 4; r++) {
    const rack = map.crush.addBucket(`rack${r}`, "rack", map.crush.rootId);
    for (let h = 0; h < 2; h++) {
      const host = map.crush.addBucket(`h${r}${h}`, "host", rack);
      for (let i = 0; i < 2; i++) {
        const id = r * 4 + h * 2 + i;
        map.addOsd(id, host, 1);
        rackOf.set(id, r);
      }
    }
  }
  const pgs = new PgTable(map, rng.stream("data"));
  pgs.addPool(map.createPool({ name: "p", pgNum: 128 }));
  for (const osds of rawSets(pgs)) {
    assert.equal(new Set(osds.map((o) => rackOf.get(o))).size, 3);
  }
});

Deno.test("placement: PGs spread in proportion to CRUSH weight", () => {
  // One host per rack, one OSD per host, size 1: a plain weighted choice.
  const { pgs } = build(
    { racks: 4, hostsPerRack: 1, osdsPerHost: 1, weights: (o) => (o === 0 ? 2 : 1) },
    1,
    1,
    4000,
  );
  const counts = [0, 0, 0, 0];
  for (const [o] of rawSets(pgs)) counts[o as number]!++;
  const ratio = counts[0]! / ((counts[1]! + counts[2]! + counts[3]!) / 3);
  assert.ok(ratio > 1.8 && ratio < 2.2, `weight 2 got ${ratio.toFixed(2)}x the PGs (${counts})`);
});

Deno.test("placement: marking an OSD down moves nothing; its PGs just lose it from the up set", () => {
  const { map, pgs } = build({ racks: 2, hostsPerRack: 3, osdsPerHost: 4 });
  const raw = rawSets(pgs);
  map.markDown(5);
  pgs.onMapChange([5]);
  assert.deepEqual(rawSets(pgs), raw);
  for (let p = 0; p < pgs.count; p++) {
    const want = (raw[p] as number[]).filter((o) => o !== 5);
    assert.deepEqual(pgs.members(pgs.up, pgs.upN, p), want);
  }
});

function movedReplicas(before: number[][], after: number[][]): { pgs: number[]; replicas: number } {
  const pgs: number[] = [];
  let replicas = 0;
  before.forEach((b, p) => {
    const a = after[p] as number[];
    const gone = b.filter((o) => !a.includes(o)).length;
    if (gone > 0 || a.length !== b.length) pgs.push(p);
    replicas += gone;
  });
  return { pgs, replicas };
}

Deno.test("placement: marking an OSD out moves only the PGs it held", () => {
  const { map, pgs } = build({ racks: 2, hostsPerRack: 3, osdsPerHost: 4 });
  const before = rawSets(pgs);
  const holding = before.flatMap((osds, p) => (osds.includes(7) ? [p] : []));
  map.markOut(7);
  pgs.onMapChange([7]);
  const after = rawSets(pgs);
  const moved = movedReplicas(before, after);
  assert.deepEqual(moved.pgs, holding);
  assert.ok(after.every((osds) => !osds.includes(7) && osds.length === 3));
  assert.ok(moved.replicas <= holding.length * 1.1, `${moved.replicas} replicas moved`);
  // Back in: the same placement as before.
  map.markIn(7);
  pgs.onMapChange([7]);
  assert.deepEqual(rawSets(pgs), before);
});

Deno.test("placement: reweight 0.5 sheds about half of an OSD's PGs and moves no others", () => {
  const { map, pgs } = build({ racks: 2, hostsPerRack: 3, osdsPerHost: 4 }, 1, 3, 4096);
  const before = rawSets(pgs);
  const holding = new Set(before.flatMap((osds, p) => (osds.includes(3) ? [p] : [])));
  map.reweight(3, 0.5);
  pgs.onMapChange([3]);
  const after = rawSets(pgs);
  const moved = movedReplicas(before, after);
  assert.ok(moved.pgs.every((p) => holding.has(p)));
  const kept = after.filter((osds) => osds.includes(3)).length;
  assert.ok(
    kept > holding.size * 0.4 && kept < holding.size * 0.6,
    `kept ${kept} of ${holding.size}`,
  );
  assert.equal(map.weight[3], WEIGHT_IN / 2);
});

Deno.test("CrushMap: bucket weights follow device weights; errors name the problem", () => {
  const crush = new CrushMap();
  const host = crush.addBucket("h", "host", crush.rootId);
  crush.addDevice(0, host, 1.5);
  crush.addDevice(1, host, 0.5);
  assert.equal(crush.weightOf(host), 2);
  crush.setDeviceWeight(0, 3);
  assert.equal(crush.weightOf(host), 3.5);
  assert.equal(crush.weightOf(crush.rootId), 3.5);
  assert.deepEqual(crush.devicesUnder(crush.rootId), [0, 1]);
  assert.throws(() => crush.addBucket("h", "host", crush.rootId), /bucket "h" already exists/);
  assert.throws(() => crush.addBucket("x", "shelf", crush.rootId), /unknown CRUSH type "shelf"/);
  assert.throws(() => crush.addDevice(0, host, 1), /osd.0 is already in the CRUSH map/);
  assert.throws(() => crush.addDevice(2, host, -1), /CRUSH weight must be >= 0, got -1/);
});

Deno.test("placement (property): an OSD going out moves only its own PGs", () => {
  const seed = Number(Deno.env.get("FC_SEED") ?? Date.now() % 2 ** 31);
  console.log(`fast-check seed ${seed} (replay: FC_SEED=${seed} deno task test)`);
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 2, max: 4 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 3 }),
      fc.nat(),
      (racks, hostsPerRack, osdsPerHost, size, pick) => {
        fc.pre(racks * hostsPerRack > size);
        const { map, pgs } = build({ racks, hostsPerRack, osdsPerHost }, 1, size, 64);
        const victim = pick % map.maxOsd;
        const before = rawSets(pgs);
        map.markOut(victim);
        pgs.onMapChange([victim]);
        const moved = movedReplicas(before, rawSets(pgs));
        for (const p of moved.pgs) assert.ok((before[p] as number[]).includes(victim));
      },
    ),
    { seed, numRuns: 50 },
  );
});
