import assert from "node:assert/strict";
import { loadScenario } from "../sim/runner/scenario.ts";
import { runScenario } from "../sim/runner/run.ts";

// The OSDs' PG statistics cross the ClusterLink port every stats period into the manager's
// PGMap (here the runner's view of it): with this workload every one of the 299,008 PGs
// changes in every period. The compression is printed, not asserted (machines are shared and
// noisy; the issue notes carry the measured figures).
Deno.test("scale-10k: 10,000 OSDs and 299,008 PGs with a workload and a host failure pass in under 1 GiB", async () => {
  const r = await runScenario(loadScenario("scale-10k"), 1);
  assert.equal(r.verdict, "PASS", r.failures.join("\n"));
  const rss = Deno.memoryUsage().rss;
  console.log(`scale-10k: ${Math.round(r.compression)}x, RSS ${(rss / 2 ** 20).toFixed(0)} MiB`);
  assert.ok(rss < 2 ** 30, `RSS ${(rss / 2 ** 20).toFixed(0)} MiB`);
});
