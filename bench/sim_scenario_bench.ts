/**
 * Scenario throughput (time compression = virtual seconds / wall seconds, printed per run),
 * memory at 10,000 OSDs, and the cost of producing and ingesting one stats period of perf
 * counters at 10,000 OSDs x 200 counters.
 */
import { loadScenario } from "../sim/runner/scenario.ts";
import { resultLine, runScenario } from "../sim/runner/run.ts";
import { PerfCounters, PerfSchema } from "../sim/cluster/perf_counters.ts";

Deno.bench({
  name: "healthy-baseline: 9 OSDs, 193 PGs, 1 virtual hour with workload and oracles",
  n: 5,
  async fn() {
    const r = await runScenario(loadScenario("healthy-baseline"), 1);
    console.log(resultLine(r));
  },
});

Deno.bench({
  name: "host-failure: 18 OSDs, 1 virtual hour with a host and a rack failure",
  n: 5,
  async fn() {
    const r = await runScenario(loadScenario("host-failure"), 1);
    console.log(resultLine(r));
  },
});

Deno.bench({
  name: "scale-10k: 10,000 OSDs, 299,008 PGs, 20 virtual minutes with a host failure",
  n: 1,
  warmup: 0,
  async fn() {
    const r = await runScenario(loadScenario("scale-10k"), 1);
    console.log(resultLine(r), `rss=${(Deno.memoryUsage().rss / 2 ** 20).toFixed(0)}MiB`);
  },
});

const rows = Array.from({ length: 200 }, (_, i) => [`osd.c${i}`, "d", "", 10, 5, 1] as const);
const schema = new PerfSchema("osd", rows);
const counters = new PerfCounters(schema, Array.from({ length: 10_000 }, (_, i) => `osd.${i}`));
const all = Int32Array.from({ length: 10_000 }, (_, i) => i);
const stamps = new Float64Array(10_000);
const store = new Float64Array(10_000 * 200 * 2);

Deno.bench({
  name: "perf report of 10,000 OSDs x 200 counters, and a reference ingest (copy per row)",
  fn() {
    const r = counters.report(1, all, stamps);
    const size = r.schema.size;
    for (let i = 0; i < r.rows.length; i++) {
      const row = r.rows[i] as number;
      store.set(r.values.subarray(i * size, (i + 1) * size), row * size * 2);
      store.set(r.counts.subarray(i * size, (i + 1) * size), row * size * 2 + size);
    }
  },
});
