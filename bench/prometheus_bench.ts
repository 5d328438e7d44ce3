/**
 * Scrape time of the prometheus module at 1,000 and 10,000 OSDs: a GET of `/metrics` over
 * HTTP with the page cache off, so every scrape collects.
 *
 * - "after 15 s of cluster time": the stats moved since the last scrape (as between two real
 *   scrapes), so the scrape also pays for the manager computing its new `get()` views.
 * - "same state": nothing changed; the OSD-scale families come from the module's per-version
 *   cache and only the perf counters are rebuilt.
 *
 * The Pacific exporter overran a 10 s scrape interval around 1,000 OSDs.
 */
import * as prometheus from "../modules/prometheus/module.ts";
import { startTestCluster, type TestCluster } from "../sim/testing.ts";
import type { ClusterSpec } from "../sim/cluster/cluster.ts";

interface Exporter {
  c: TestCluster;
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
      return { c, uri: `${module.uri}metrics` };
    })();
    exporters.set(name, e);
  }
  return e;
}

async function scrape(uri: string): Promise<number> {
  const r = await fetch(uri);
  if (r.status !== 200) throw new Error(`scrape answered ${r.status}`);
  return (await r.text()).length;
}

const SIZES: [string, ClusterSpec][] = [
  ["1,000 OSDs (50 hosts x 20), 32,768 PGs", {
    hosts: 50,
    osdsPerHost: 20,
    pools: [{ name: "rbd", pgNum: 32768 }],
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
    name: `scrape after 15 s of cluster time, ${name}`,
    group: name,
    n: 5,
    warmup: 1,
    async fn(b) {
      const { c, uri } = await exporter(name, spec);
      await c.run(15);
      b.start();
      await scrape(uri);
      b.end();
    },
  });
  Deno.bench({
    name: `scrape of the same state, ${name}`,
    group: name,
    n: 5,
    warmup: 1,
    async fn(b) {
      const { uri } = await exporter(name, spec);
      await scrape(uri);
      b.start();
      await scrape(uri);
      b.end();
    },
  });
}

globalThis.addEventListener("unload", () => {
  for (const e of exporters.values()) void e.then(({ c }) => c.stop());
});
