/**
 * One stats period of the simulated cluster at 10,000 OSDs / 299,008 PGs under the scale-10k
 * workload: the workload step, the OSDs publishing their PG stats, and a manager's PGMap
 * taking them in. What bounds `sim run scale-10k`'s compression.
 */
import { Rng } from "../sim/engine/prng.ts";
import { Scheduler } from "../sim/engine/scheduler.ts";
import { SimCluster } from "../sim/cluster/cluster.ts";
import { PgObserver } from "../sim/pg_observer.ts";
import { loadScenario } from "../sim/runner/scenario.ts";

const scenario = loadScenario("scale-10k");
const s = new Scheduler({ rng: new Rng(1) });
const c = new SimCluster(s, scenario.cluster);
const seen = new PgObserver(c);
c.startReporting();
await s.runFor(60);
let publishing = 0;
c.subscribe((e) => {
  if (e.kind === "stats") publishing += e.pgStats.pgs.length + (e.pgStats.statUpdates?.length ?? 0);
});

Deno.bench("one stats period at 10k OSDs: workload, PG stats published, PGMap ingest", async () => {
  await s.runFor(c.statsPeriod);
});

globalThis.addEventListener("unload", () => {
  if (seen.intake.pgMap.count !== c.pgs.count) throw new Error("the PGMap lost PGs");
  if (publishing === 0) throw new Error("nothing was published");
});
