import assert from "node:assert/strict";
import { loadScenario } from "../sim/runner/scenario.ts";
import { runScenario } from "../sim/runner/run.ts";

// The OSDs' PG statistics cross the ClusterLink port every stats period into the manager's
// PGMap (here the runner's view of it): with this workload every one of the 299,008 PGs
// changes in every period, and moving them costs about 70 ms a period on a 2-core machine.
// Before the PGMap moved into the manager, the dumps read the model's arrays and this ran at
// 60-88x; see the closing note of the port issue.
Deno.test("scale-10k: 10,000 OSDs and 299,008 PGs with a workload and a host failure pass, at >= 25x and < 1 GiB", async () => {
  const r = await runScenario(loadScenario("scale-10k"), 1);
  assert.equal(r.verdict, "PASS", r.failures.join("\n"));
  const rss = Deno.memoryUsage().rss;
  console.log(`scale-10k: ${Math.round(r.compression)}x, RSS ${(rss / 2 ** 20).toFixed(0)} MiB`);
  assert.ok(rss < 2 ** 30, `RSS ${(rss / 2 ** 20).toFixed(0)} MiB`);
  assert.ok(r.compression >= 25, `${r.compression.toFixed(0)}x`);
});
