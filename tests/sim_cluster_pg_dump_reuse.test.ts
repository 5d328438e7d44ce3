import assert from "node:assert/strict";
import fc from "fast-check";
import { MgrModule } from "mgr_module";
import { startTestCluster } from "mgr_module/testing";
import { Rng } from "../sim/engine/prng.ts";
import { Scheduler } from "../sim/engine/scheduler.ts";
import { SimCluster } from "../sim/cluster/cluster.ts";
import { clusterGet } from "../sim/cluster/get.ts";
import {
  dumpOsdStats,
  dumpPgDump,
  dumpPgStats,
  PgDumpCache,
  pgDumpCache,
} from "../sim/cluster/pg_dump.ts";

interface PgStat {
  pgid: string;
  up: number[];
  acting: number[];
  state: string;
  reported_epoch: number;
  last_fresh: string;
  stat_sum: { num_objects: number };
}

function pgStats(c: SimCluster): PgStat[] {
  return (clusterGet(c, "pg_stats") as unknown as { pg_stats: PgStat[] }).pg_stats;
}

async function reportingCluster(seed = 3): Promise<{ s: Scheduler; c: SimCluster }> {
  const s = new Scheduler({ rng: new Rng(seed) });
  const c = new SimCluster(s, {
    hosts: 6,
    osdsPerHost: 2,
    pools: [{ name: "rbd", pgNum: 64 }, { name: "small", pgNum: 8, size: 2 }],
  });
  c.startReporting();
  await s.runFor(30);
  return { s, c };
}

Deno.test("pg_stats: an unchanged PG's entry is the same frozen object in the next version; a remapped PG's entry is new and shows its new placement", async () => {
  const { s, c } = await reportingCluster();
  const before = pgStats(c);
  assert.ok(before.every((e) => Object.isFrozen(e) && Object.isFrozen(e.stat_sum)));
  c.osdOut(3);
  const after = pgStats(c);
  assert.notEqual(after, before, "a new array for the new version");
  let kept = 0, rebuilt = 0;
  for (let i = 0; i < after.length; i++) {
    const a = after[i]!, b = before[i]!;
    if (b.up.includes(3) || b.acting.includes(3)) {
      assert.notEqual(a, b, `${b.pgid} was remapped`);
      assert.ok(!a.up.includes(3), `${a.pgid} up ${a.up} no longer holds osd.3`);
      assert.ok(Object.isFrozen(a));
      rebuilt++;
    } else {
      assert.equal(a, b, `${b.pgid} did not change`);
      kept++;
    }
  }
  assert.ok(kept > 0 && rebuilt > 0, `${kept} kept, ${rebuilt} rebuilt`);
  assert.equal(pgDumpCache(c.pgs).builtPgs, rebuilt);

  // Time passing without a report changes nothing: the stamps are those of the last report.
  await s.runFor(1);
  const later = pgStats(c);
  assert.ok(later.every((e, i) => e === after[i]), "no report, same entries");

  // The next report re-stamps every PG, at the new OSDMap epoch.
  await s.runFor(c.statsPeriod);
  const reported = pgStats(c);
  assert.ok(reported.every((e, i) => e !== later[i]));
  assert.ok(reported.every((e) => e.reported_epoch === c.map.epoch));
  assert.ok(later.every((e) => e.reported_epoch < c.map.epoch));
});

Deno.test("pg_dump: last_fresh and reported_epoch are those of the PG's last report, not of the dump", async () => {
  const { s, c } = await reportingCluster();
  const epoch = c.map.epoch;
  const reportedAt = c.reportedAt[0]!;
  c.osdDown(5);
  await s.runFor(1);
  const dump = clusterGet(c, "pg_dump") as unknown as { pg_stats: PgStat[]; stamp: string };
  const first = dump.pg_stats[0]!;
  assert.equal(first.reported_epoch, epoch);
  assert.notEqual(first.last_fresh, dump.stamp);
  assert.equal(Date.parse(first.last_fresh.replace("+0000", "Z")), reportedAt * 1000);
});

Deno.test("through the manager, get('pg_stats') keeps the frozen entries of unchanged PGs from one version to the next", async () => {
  class Reader extends MgrModule {}
  const tc = await startTestCluster({
    builtins: { reader: { Reader } },
    initialModules: ["reader"],
    cluster: { hosts: 4, osdsPerHost: 2, pools: [{ name: "rbd", pgNum: 32 }] },
  });
  try {
    await tc.run(30);
    const m = tc.manager.host.instance("reader") as Reader;
    const a = (m.get("pg_stats") as { pg_stats: PgStat[] }).pg_stats;
    assert.ok(Object.isFrozen(a) && a.every((e) => Object.isFrozen(e)));
    assert.throws(() => {
      (a[0] as { state: string }).state = "x";
    }, TypeError);
    tc.cluster!.osdOut(1);
    await tc.run(0);
    const b = (m.get("pg_stats") as { pg_stats: PgStat[] }).pg_stats;
    assert.notEqual(a, b);
    assert.ok(b.some((e, i) => e === a[i]), "unchanged PGs keep their entries");
    assert.ok(b.some((e, i) => e !== a[i]), "remapped PGs have new entries");
  } finally {
    await tc.stop();
  }
});

type Step =
  | { kind: "run"; seconds: number }
  | { kind: "down" | "up" | "out" | "in"; osd: number }
  | { kind: "reweight"; osd: number; weight: number }
  | { kind: "hostDown" | "hostUp"; host: number }
  | { kind: "slowReports"; osd: number; delay: number }
  | { kind: "pool"; pgNum: number }
  | { kind: "poolSize"; pool: number; size: number }
  | { kind: "poolPgNum"; pool: number; add: number }
  | { kind: "poolPgpNum"; pool: number; pgpNum: number }
  | { kind: "failover" };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("run" as const),
      seconds: fc.constantFrom(0, 1, 2, 5, 13, 60),
    }),
  },
  fc.record({
    kind: fc.constantFrom("down" as const, "up" as const, "out" as const, "in" as const),
    osd: fc.nat(),
  }),
  fc.record({
    kind: fc.constant("reweight" as const),
    osd: fc.nat(),
    weight: fc.constantFrom(0, 0.5, 1),
  }),
  fc.record({ kind: fc.constantFrom("hostDown" as const, "hostUp" as const), host: fc.nat() }),
  fc.record({
    kind: fc.constant("slowReports" as const),
    osd: fc.nat(),
    delay: fc.constantFrom(0, 3, Infinity),
  }),
  fc.record({ kind: fc.constant("pool" as const), pgNum: fc.constantFrom(4, 16) }),
  fc.record({ kind: fc.constant("failover" as const) }),
  fc.record({
    kind: fc.constant("poolSize" as const),
    pool: fc.nat(),
    size: fc.constantFrom(2, 3),
  }),
  fc.record({
    kind: fc.constant("poolPgNum" as const),
    pool: fc.nat(),
    add: fc.constantFrom(-8, -1, 1, 4, 16),
  }),
  fc.record({
    kind: fc.constant("poolPgpNum" as const),
    pool: fc.nat(),
    pgpNum: fc.integer({ min: 1, max: 64 }),
  }),
);

/** A pool change as `osd pool set` makes it: size, pg_num (splits or merges), pgp_num. */
function poolStep(
  c: SimCluster,
  step:
    | { kind: "poolSize"; pool: number; size: number }
    | { kind: "poolPgNum"; pool: number; add: number }
    | { kind: "poolPgpNum"; pool: number; pgpNum: number },
): void {
  const pool = c.map.pools[step.pool % c.map.pools.length]!;
  if (step.kind === "poolSize") c.setPoolSize(pool, step.size, step.size - (step.size >> 1));
  else if (step.kind === "poolPgNum") {
    c.setPoolPgNum(pool, Math.max(1, pool.pgNumTarget + step.add));
  } else c.setPoolPgpNum(pool, Math.min(step.pgpNum, pool.pgNumTarget));
}

Deno.test("pg_dump (property): the dump built from the previous version's entries equals the dump built from scratch, after any sequence of changes", async () => {
  const seed = Number(Deno.env.get("FC_SEED") ?? Date.now() % 2 ** 31);
  console.log(`fast-check seed ${seed} (replay: FC_SEED=${seed} deno task test)`);
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 2 ** 31 }),
      fc.array(stepArb, { minLength: 1, maxLength: 20 }),
      async (simSeed, steps) => {
        const s = new Scheduler({ rng: new Rng(simSeed) });
        const c = new SimCluster(s, {
          hosts: 4,
          osdsPerHost: 2,
          pools: [{ name: "rbd", pgNum: 32 }, { name: "ec", pgNum: 8, size: 2 }],
          workload: { opsPerSecond: 200 },
        });
        c.startReporting();
        const hosts = c.hostNames();
        let pools = 0;
        const check = (label: string) => {
          const view = c.pgView();
          // Both the shared cache (the managers') and a private one that lives across steps.
          for (const cache of [pgDumpCache(c.pgs), incremental]) {
            assert.deepEqual(
              dumpPgDump(c.pgs, c.map, s.now, view, cache),
              dumpPgDump(c.pgs, c.map, s.now, view, new PgDumpCache()),
              `pg_dump after ${label}`,
            );
          }
          assert.deepEqual(
            dumpPgStats(c.pgs, c.map, s.now, view),
            dumpPgStats(c.pgs, c.map, s.now, view, new PgDumpCache()),
            `pg_stats after ${label}`,
          );
          assert.deepEqual(
            dumpOsdStats(c.pgs, c.map, view),
            dumpOsdStats(c.pgs, c.map, view, new PgDumpCache()),
            `osd_stats after ${label}`,
          );
        };
        const incremental = new PgDumpCache();
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
            case "hostDown":
              c.hostDown(hosts[step.host % hosts.length]!);
              break;
            case "hostUp":
              c.hostUp(hosts[step.host % hosts.length]!);
              break;
            case "slowReports":
              c.reportDelay[step.osd % n] = step.delay;
              break;
            case "pool":
              c.createPool({ name: `p${pools++}`, pgNum: step.pgNum });
              break;
            case "failover":
              c.mgrFailover();
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
