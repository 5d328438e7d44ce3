import assert from "node:assert/strict";
import { loadScenario } from "../sim/runner/scenario.ts";
import { runScenario } from "../sim/runner/run.ts";

Deno.test("scale-10k: 10,000 OSDs and 299,008 PGs with a workload and a host failure pass, at >= 60x and < 1 GiB", async () => {
  const r = await runScenario(loadScenario("scale-10k"), 1);
  assert.equal(r.verdict, "PASS", r.failures.join("\n"));
  const rss = Deno.memoryUsage().rss;
  console.log(`scale-10k: ${Math.round(r.compression)}x, RSS ${(rss / 2 ** 20).toFixed(0)} MiB`);
  assert.ok(rss < 2 ** 30, `RSS ${(rss / 2 ** 20).toFixed(0)} MiB`);
  assert.ok(r.compression >= 60, `${r.compression.toFixed(0)}x`);
});
