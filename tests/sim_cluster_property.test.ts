import assert from "node:assert/strict";
import fc from "fast-check";
import { Rng } from "../sim/engine/prng.ts";
import { Scheduler } from "../sim/engine/scheduler.ts";
import { SimCluster } from "../sim/cluster/cluster.ts";
import { PgState } from "../ceph/pg_state.ts";

type Op =
  | { kind: "down" | "up" | "out" | "in"; osd: number }
  | { kind: "reweight"; osd: number; weight: number }
  | { kind: "hostDown" | "hostUp"; host: number }
  | { kind: "set" | "unset"; flag: string }
  | { kind: "poolSize"; size: number }
  | { kind: "pgNum"; add: number }
  | { kind: "pgpNum"; pgpNum: number };

interface Program {
  hosts: number;
  osdsPerHost: number;
  size: number;
  steps: { after: number; op: Op }[];
}

const FLAGS = ["noout", "norecover", "nobackfill", "noup", "nodown", "noin"];

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constantFrom("down" as const, "up" as const, "out" as const, "in" as const),
    osd: fc.nat(),
  }),
  fc.record({
    kind: fc.constant("reweight" as const),
    osd: fc.nat(),
    weight: fc.constantFrom(0, 0.5, 0.8, 1),
  }),
  fc.record({ kind: fc.constantFrom("hostDown" as const, "hostUp" as const), host: fc.nat() }),
  fc.record({
    kind: fc.constantFrom("set" as const, "unset" as const),
    flag: fc.constantFrom(...FLAGS),
  }),
  fc.record({ kind: fc.constant("poolSize" as const), size: fc.constantFrom(2, 3) }),
  fc.record({ kind: fc.constant("pgNum" as const), add: fc.constantFrom(-16, -5, 1, 7, 32) }),
  fc.record({ kind: fc.constant("pgpNum" as const), pgpNum: fc.integer({ min: 1, max: 128 }) }),
);

const programArb: fc.Arbitrary<Program> = fc.record({
  hosts: fc.integer({ min: 3, max: 5 }),
  osdsPerHost: fc.integer({ min: 1, max: 3 }),
  size: fc.integer({ min: 2, max: 3 }),
  steps: fc.array(
    fc.record({ after: fc.constantFrom(0, 1, 5, 30, 120, 700), op: opArb }),
    { maxLength: 25 },
  ),
});

function checkInvariants(c: SimCluster, lastEpoch: number): number {
  assert.ok(c.map.epoch >= lastEpoch, "epochs never go backwards");
  const total = [...c.pgs.stateCounts().values()].reduce((a, b) => a + b, 0);
  assert.equal(total, c.pgs.count, "PG counts add up");
  let pgs = 0;
  for (const pool of c.map.pools) {
    const list = c.pgs.poolPgs(pool.id);
    assert.equal(list.length, pool.pgNum, `pool ${pool.id} has pg_num PGs`);
    for (const [ps, p] of list.entries()) {
      assert.equal(c.pgs.pgid(p), `${pool.id}.${ps.toString(16)}`, "Ceph's pgid");
    }
    assert.ok(pool.pgpNum <= pool.pgNum, "pgp_num <= pg_num");
    pgs += list.length;
  }
  assert.equal(pgs, c.pgs.count, "every PG belongs to one pool");
  for (let o = 0; o < c.map.maxOsd; o++) {
    assert.ok(
      c.pgs.reservationsOn(o) >= 0 && c.pgs.reservationsOn(o) <= 1,
      `osd.${o} reservations`,
    );
  }
  for (let p = 0; p < c.pgs.count; p++) {
    for (const o of c.pgs.members(c.pgs.up, c.pgs.upN, p)) assert.ok(c.map.isUp(o), "up set is up");
    const s = c.pgs.state[p] as number;
    if (s & PgState.CLEAN) {
      assert.equal(c.pgs.actingN[p], c.pgs.poolOf(p).size, `${c.pgs.pgid(p)} clean at full size`);
    }
  }
  return c.map.epoch;
}

/** Runs a program, heals everything, and waits for active+clean; returns the trace hash. */
async function runProgram(seed: number, prog: Program): Promise<string> {
  const s = new Scheduler({ rng: new Rng(seed) });
  const c = new SimCluster(s, {
    hosts: prog.hosts,
    osdsPerHost: prog.osdsPerHost,
    downOutInterval: 600,
    pools: [{ name: "p", pgNum: 32, size: prog.size }],
    pg: { objectsPerPg: 40 },
  });
  const hosts = c.hostNames();
  const n = c.map.maxOsd;
  const pool = c.map.pools[0]!;
  let epoch = checkInvariants(c, 0);
  for (const { after, op } of prog.steps) {
    await s.runFor(after);
    epoch = checkInvariants(c, epoch);
    switch (op.kind) {
      case "down":
        c.osdDown(op.osd % n);
        break;
      case "up":
        c.osdUp(op.osd % n);
        break;
      case "out":
        c.osdOut(op.osd % n);
        break;
      case "in":
        c.osdIn(op.osd % n);
        break;
      case "reweight":
        c.reweight(op.osd % n, op.weight);
        break;
      case "hostDown":
        c.hostDown(hosts[op.host % hosts.length] as string);
        break;
      case "hostUp":
        c.hostUp(hosts[op.host % hosts.length] as string);
        break;
      case "set":
        c.setFlag(op.flag);
        break;
      case "unset":
        c.unsetFlag(op.flag);
        break;
      case "poolSize":
        c.setPoolSize(pool, op.size, op.size - (op.size >> 1));
        break;
      case "pgNum":
        if (pool.pgNumTarget + op.add <= 128) {
          c.setPoolPgNum(pool, Math.max(1, pool.pgNumTarget + op.add));
        }
        break;
      case "pgpNum":
        c.setPoolPgpNum(pool, Math.min(op.pgpNum, pool.pgNumTarget));
        break;
    }
    epoch = checkInvariants(c, epoch);
  }
  // Heal: clear the flags, bring every OSD up and fully in.
  for (const f of FLAGS) c.unsetFlag(f);
  c.osdsUp(Array.from({ length: n }, (_, i) => i), "heal: all up");
  for (let o = 0; o < n; o++) c.reweight(o, 1);
  const healedAt = s.now;
  const settled = () =>
    pool.pgNum === pool.pgNumTarget && pool.pgpNum === Math.min(pool.pgpNumTarget, pool.pgNum);
  while (!c.pgs.allActiveClean() || !settled()) {
    assert.ok(
      s.now - healedAt < 3600,
      `not active+clean an hour after healing: ${JSON.stringify([...c.pgs.stateCounts()])}, ` +
        `pg_num ${pool.pgNum}/${pool.pgNumTarget} pgp_num ${pool.pgpNum}/${pool.pgpNumTarget}`,
    );
    await s.runFor(30);
    epoch = checkInvariants(c, epoch);
  }
  return s.trace.hash();
}

Deno.test("cluster (property): any fault schedule, with pool size and pg_num/pgp_num changes, keeps the invariants, converges once healed, and replays identically", async () => {
  const seed = Number(Deno.env.get("FC_SEED") ?? Date.now() % 2 ** 31);
  console.log(`fast-check seed ${seed} (replay: FC_SEED=${seed} deno task test)`);
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 }), programArb, async (simSeed, prog) => {
      const a = await runProgram(simSeed, prog);
      assert.equal(await runProgram(simSeed, prog), a);
    }),
    { seed, numRuns: Number(Deno.env.get("SIM_RUNS") ?? 40) },
  );
});
