/**
 * Scrape time of the prometheus module at 1,000, 3,000 and 10,000 OSDs, with the page cache
 * off (`cache=false`), so every scrape collects:
 *
 * - "collect after 15 s of cluster time": in-process, a collector that did not collect at
 *   the stats periods (as Pacific's exporter with `cache` off), after three periods moved the
 *   counters the workload touches (about a quarter of the perf samples); the manager's `get()`
 *   views it reads were built at the period already, by the exporter's own collection.
 * - "collect 1 s after a stats period": the exporter's own `collectPage()`, which it also ran
 *   half a second after each period arrived (what a scrape pays then; one in the half second
 *   after a period pays the whole collection, as "collect after 15 s").
 * - "collect of the same state": nothing changed since the last scrape.
 * - "HTTP scrape ...": the same over HTTP, a GET of `/metrics` read to the end by a client in
 *   a Worker of its own (bench/_scrape_client.ts), as Prometheus scrapes from elsewhere.
 * - "render of 830,000 samples, every value changed": the page engine alone, on a section
 *   the size of the 10,000-OSD perf counters where every number moved (the simulated cluster
 *   moves about a quarter of them per period).
 *
 * Each size prints its page size and sample count once. The Pacific exporter overran a 10 s
 * scrape interval around 1,000 OSDs; before this page engine mgrd took 1.3 s at 10,000.
 */
import * as prometheus from "../modules/prometheus/module.ts";
import { startTestCluster, type TestCluster } from "../sim/testing.ts";
import type { ClusterSpec } from "../sim/cluster/cluster.ts";
import { BlockedSection, type Template, TemplateBuilder } from "../modules/prometheus/_page.ts";
import { MetricsCollector } from "../modules/prometheus/_collector.ts";
import { NANOS, PLAIN } from "../modules/prometheus/_value.ts";

interface Exporter {
  c: TestCluster;
  module: prometheus.Module;
  /** A collector that collects only when the bench asks. */
  scrapeOnly: MetricsCollector;
  uri: string;
}

const exporters = new Map<string, Promise<Exporter>>();

function exporter(name: string, spec: ClusterSpec): Promise<Exporter> {
  let e = exporters.get(name);
  if (!e) {
    e = (async () => {
      const c = await startTestCluster({ builtins: { prometheus }, cluster: spec });
      for (const [key, value] of [["server_port", "0"], ["cache", "false"]]) {
        await c.command({
          prefix: "config set",
          who: "mgr",
          name: `mgr/prometheus/${key}`,
          value,
        });
      }
      await c.command({ prefix: "mgr module enable", module: "prometheus" });
      await c.run(30);
      const module = c.manager.host.instance("prometheus") as prometheus.Module;
      const page = module.collectPage();
      let samples = 0;
      for (const chunk of page.chunks) {
        for (let i = 0; i < chunk.length; i++) {
          // A sample line starts after a newline with anything but '#'.
          if (chunk[i] === 10 && chunk[i + 1] !== 35 && i + 1 < chunk.length) samples++;
        }
        if (chunk.length > 0 && chunk[0] !== 35) samples++;
      }
      console.log(
        `${name}: page ${(page.size / 1e6).toFixed(1)} MB, ${samples.toLocaleString("en")} samples`,
      );
      const scrapeOnly = new MetricsCollector(module);
      scrapeOnly.collect();
      return { c, module, scrapeOnly, uri: `${module.uri}metrics` };
    })();
    exporters.set(name, e);
  }
  return e;
}

let client: Worker | undefined;

/** A GET of `uri` read to the end by the client Worker (bench/_scrape_client.ts): its size. */
function scrape(uri: string): Promise<number> {
  client ??= new Worker(new URL("./_scrape_client.ts", import.meta.url), { type: "module" });
  const worker = client;
  return new Promise((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<number | string>) =>
      typeof e.data === "number" ? resolve(e.data) : reject(new Error(e.data));
    worker.postMessage(uri);
  });
}

const SIZES: [string, ClusterSpec][] = [
  ["1,000 OSDs (50 hosts x 20), 32,768 PGs", {
    hosts: 50,
    osdsPerHost: 20,
    pools: [{ name: "rbd", pgNum: 32768 }],
  }],
  ["3,000 OSDs (150 hosts x 20), 98,304 PGs", {
    hosts: 150,
    osdsPerHost: 20,
    pools: [{ name: "rbd", pgNum: 65536 }, { name: "data", pgNum: 32768 }],
  }],
  ["10,000 OSDs (500 hosts x 20), 299,008 PGs", {
    hosts: 500,
    osdsPerHost: 20,
    pools: [
      { name: "rbd", pgNum: 196608 },
      { name: "data", pgNum: 98304 },
      { name: "meta", pgNum: 4096 },
    ],
  }],
];

for (const [name, spec] of SIZES) {
  Deno.bench({
    name: `collect after 15 s of cluster time, ${name}`,
    group: name,
    n: 10,
    warmup: 2,
    async fn(b) {
      const { c, scrapeOnly } = await exporter(name, spec);
      await c.run(15);
      b.start();
      scrapeOnly.collect();
      b.end();
    },
  });
  Deno.bench({
    name: `collect 1 s after a stats period (collected at it), ${name}`,
    group: name,
    n: 10,
    warmup: 2,
    async fn(b) {
      const { c, module } = await exporter(name, spec);
      await c.run(16);
      b.start();
      module.collectPage();
      b.end();
    },
  });
  Deno.bench({
    name: `collect of the same state, ${name}`,
    group: name,
    n: 20,
    warmup: 2,
    async fn(b) {
      const { module } = await exporter(name, spec);
      module.collectPage();
      b.start();
      module.collectPage();
      b.end();
    },
  });
  Deno.bench({
    name: `HTTP scrape after 15 s of cluster time, ${name}`,
    group: name,
    n: 10,
    warmup: 2,
    async fn(b) {
      const { c, uri } = await exporter(name, spec);
      await c.run(15);
      b.start();
      await scrape(uri);
      b.end();
    },
  });
  Deno.bench({
    name: `HTTP scrape 1 s after a stats period (collected at it), ${name}`,
    group: name,
    n: 10,
    warmup: 2,
    async fn(b) {
      const { c, uri } = await exporter(name, spec);
      await c.run(16);
      b.start();
      await scrape(uri);
      b.end();
    },
  });
  Deno.bench({
    name: `HTTP scrape of the same state, ${name}`,
    group: name,
    n: 20,
    warmup: 2,
    async fn(b) {
      const { uri } = await exporter(name, spec);
      await scrape(uri);
      b.start();
      await scrape(uri);
      b.end();
    },
  });
}

// The page engine's worst case: a perf-sized section (830,000 samples, a third of them times)
// where every number moved since the last render, as on a cluster where every counter does.
const WORST_SAMPLES = 830_000;
let worst: { section: BlockedSection; template: Template; values: Float64Array } | undefined;
Deno.bench({
  name: "render of 830,000 samples, every value changed",
  group: "page engine",
  n: 20,
  warmup: 2,
  fn(b) {
    if (!worst) {
      const t = new TemplateBuilder();
      t.text("# HELP ceph_osd_op_r_latency x\n# TYPE ceph_osd_op_r_latency summary\n");
      const values = new Float64Array(WORST_SAMPLES);
      for (let i = 0; i < WORST_SAMPLES; i++) {
        t.text(`ceph_osd_op_r_latency_sum{ceph_daemon="osd.${i % 10000}"} `);
        t.sample(i % 3 === 0 ? NANOS : PLAIN);
        t.text("\n");
        values[i] = 1e5 + ((i * 2654435761) % 1e9);
      }
      worst = { section: new BlockedSection(), template: t.build(), values };
      worst.section.render(worst.template, values);
    }
    const { section, template, values } = worst;
    for (let i = 0; i < WORST_SAMPLES; i++) values[i]! += 1000 + (i & 7) * 1731;
    b.start();
    section.render(template, values);
    b.end();
  },
});

globalThis.addEventListener("unload", () => {
  for (const e of exporters.values()) void e.then(({ c }) => c.stop());
});
