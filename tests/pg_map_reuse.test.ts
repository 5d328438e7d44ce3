import assert from "node:assert/strict";
import fc from "fast-check";
import { POOL_STEP_ARBS, type PoolStep, poolStep } from "./_pool_steps.ts";
import { MgrModule } from "mgr_module";
import { startTestCluster } from "mgr_module/testing";
import { Rng } from "../sim/engine/prng.ts";
import { Scheduler } from "../sim/engine/scheduler.ts";
import { SimCluster } from "../sim/cluster/cluster.ts";
import { PgObserver } from "../sim/pg_observer.ts";
import { PgMapViews } from "../core/state/pg_map_views.ts";

interface PgStat {
  pgid: string;
  up: number[];
  acting: number[];
  state: string;
  reported_epoch: number;
  last_fresh: string;
  stat_sum: { num_objects: number };
}

function pgStats(seen: PgObserver): PgStat[] {
  return (seen.get("pg_stats") as { pg_stats: PgStat[] }).pg_stats;
}

async function reportingCluster(
  seed = 3,
): Promise<{ s: Scheduler; c: SimCluster; seen: PgObserver }> {
  const s = new Scheduler({ rng: new Rng(seed) });
  const c = new SimCluster(s, {
    hosts: 6,
    osdsPerHost: 2,
    pools: [{ name: "rbd", pgNum: 64 }, { name: "small", pgNum: 8, size: 2 }],
    // No client IO: a PG's stats change only when the cluster does something to it.
    workload: { opsPerSecond: 0 },
  });
  const seen = new PgObserver(c);
  c.startReporting();
  await s.runFor(30);
  return { s, c, seen };
}

Deno.test("pg_stats: an unchanged PG's entry is the same frozen object in the next version; a remapped PG's entry is new and shows its new placement", async () => {
  const { s, c, seen } = await reportingCluster();
  const before = pgStats(seen);
  assert.ok(before.every((e) => Object.isFrozen(e) && Object.isFrozen(e.stat_sum)));
  c.osdOut(3);
  // The manager learns of the new placement from the OSDs' next report.
  await s.runFor(c.statsPeriod);
  const after = pgStats(seen);
  assert.notEqual(after, before, "a new array for the new version");
  const byId = new Map(after.map((e) => [e.pgid, e]));
  let kept = 0, rebuilt = 0;
  for (const b of before) {
    const a = byId.get(b.pgid)!;
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
  assert.equal(seen.intake.views.builtPgs, rebuilt);

  // Time passing without a report changes nothing.
  await s.runFor(1);
  const later = pgStats(seen);
  assert.equal(later, after, "no report, the same array");

  // A PG whose stats have not changed is not published again: its entry stays, stamps and
  // all, until it changes (or osd_pg_stat_report_interval_max passes).
  await s.runFor(120);
  const settled = pgStats(seen);
  await s.runFor(c.statsPeriod * 3);
  const idle = pgStats(seen);
  const same = idle.filter((e, i) => e === settled[i]).length;
  assert.ok(same > idle.length / 2, `${same} of ${idle.length} entries unchanged`);
  assert.ok(idle.every((e) => e.reported_epoch <= c.map.epoch));
});

Deno.test("pg_dump: last_fresh and reported_epoch are those of the PG's last report, not of the dump", async () => {
  const { s, c, seen } = await reportingCluster();
  const epoch = c.map.epoch;
  const first = pgStats(seen)[0]!;
  c.osdDown(5);
  await s.runFor(1);
  const dump = seen.get("pg_dump") as { pg_stats: PgStat[]; stamp: string };
  const again = dump.pg_stats.find((e) => e.pgid === first.pgid)!;
  assert.ok(again.reported_epoch <= epoch, "reported before osd.5 went down");
  assert.equal(again.last_fresh, first.last_fresh);
  assert.ok(Date.parse(again.last_fresh.replace("+0000", "Z")) <= s.now * 1000);
  assert.notEqual(again.last_fresh, dump.stamp, "the dump's stamp is its last report's");
});

Deno.test("through the manager, get('pg_stats') keeps the frozen entries of unchanged PGs from one version to the next", async () => {
  class Reader extends MgrModule {}
  const tc = await startTestCluster({
    builtins: { reader: { Reader } },
    initialModules: ["reader"],
    cluster: {
      hosts: 4,
      osdsPerHost: 2,
      pools: [{ name: "rbd", pgNum: 32 }],
      // No client IO, which would change every PG's counters in every report.
      workload: { opsPerSecond: 0 },
    },
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
    // The OSDs report the new placement in their next report.
    await tc.run(tc.cluster!.statsPeriod);
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
  | PoolStep
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
  ...POOL_STEP_ARBS,
);

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
        const seen = new PgObserver(c);
        c.startReporting();
        const hosts = c.hostNames();
        let pools = 0;
        const check = (label: string) => {
          // The views kept across steps (reusing the entries of unchanged PGs) and new ones.
          const fresh = new PgMapViews(seen.intake.pgMap);
          const kept = seen.intake.views;
          const json = (v: unknown) => JSON.parse(JSON.stringify(v));
          assert.deepEqual(json(kept.pgDump()), json(fresh.pgDump()), `pg_dump after ${label}`);
          assert.deepEqual(json(kept.pgStats()), json(fresh.pgStats()), `pg_stats after ${label}`);
          assert.deepEqual(
            json(kept.osdStatsView()),
            json(fresh.osdStatsView()),
            `osd_stats after ${label}`,
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
