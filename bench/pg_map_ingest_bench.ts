/**
 * The manager's PGMap taking in one stats period at 10,000 OSDs / 299,008 PGs where every PG's
 * counters changed (the scale-10k workload): the cost per period that bounds how fast the
 * simulator runs at scale, and what a manager pays per MPGStats period.
 */
import { Rng } from "../sim/engine/prng.ts";
import { Scheduler } from "../sim/engine/scheduler.ts";
import { SimCluster } from "../sim/cluster/cluster.ts";
import { PgObserver } from "../sim/pg_observer.ts";
import { loadScenario } from "../sim/runner/scenario.ts";
import type { PgStatsReport } from "../core/pg_stats_report.ts";

const scenario = loadScenario("scale-10k");
const s = new Scheduler({ rng: new Rng(1) });
const c = new SimCluster(s, scenario.cluster);
const seen = new PgObserver(c);
c.startReporting();
await s.runFor(60);
// One period's report, copied (the sender's buffers are valid only during delivery).
let captured: PgStatsReport | undefined;
const unsubscribe = c.subscribe((e) => {
  if (e.kind !== "stats" || captured) return;
  captured = structuredClone(e.pgStats);
});
await s.runFor(c.statsPeriod);
unsubscribe();
const report = captured!;
const pgMap = seen.intake.pgMap;
console.log(
  `report: ${report.pgs.length} PGs in full, ${report.statUpdates?.length ?? 0} stats-only`,
);

Deno.bench(
  "PgMap.ingest of one period, every PG's counters changed (10k OSDs, 299,008 PGs)",
  () => {
    pgMap.ingest(report);
  },
);
