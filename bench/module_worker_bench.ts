/**
 * What a module pays for running in a Worker of its own (core/module_worker/), in the
 * manager's process (getter_w) or in a process of its own as `mgrd serve` runs it (getter_x,
 * daemon/module_processes.ts), next to the same module in the manager's isolate (getter_p), on
 * one simulated cluster: `get()` of an unchanged name (a batch of reads in one command, so the
 * command's own cost is shared out), a synchronous round trip (`get_store`), and the first
 * `get()` after a change (one OSD marked out or in for `osd_map`; one stats period for
 * `pg_dump`, at 1,000 OSDs only), at 1,000 and 10,000 OSDs; and the start-up of each host. At
 * the end it prints each host's start-up and memory: a module process's VmRSS
 * (/proc/<pid>/status), and what the manager's RSS grew by per Worker.
 *
 * At 10,000 OSDs (300,000 PGs) the first read of every entry of `pg_dump` holds a module's
 * thread past the stall bound (core/stall_watch.ts) in either host, which fails the module:
 * in-process building the entries took 2.5 s; for a Worker, v8's serializer took 9.7 s (731
 * MB) on the manager's side and its deserializer 4.6 s in the Worker.
 *
 *   deno bench --allow-all bench/module_worker_bench.ts
 *
 * `MODULE_WORKER_BENCH_OSDS=1000` runs one size only.
 */
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import { realTime } from "../daemon/module_workers.ts";
import { processPort } from "../daemon/module_processes.ts";
import { workerPort } from "../core/module_worker/worker_port.ts";
import type { ModuleIsolation } from "../core/module_worker/isolated_module.ts";

const MODULES = new URL("./_modules/", import.meta.url).pathname;
const BATCH = 100_000;

/** getter_w in a Worker of the manager's process, getter_x in a process of its own. */
const isolation: ModuleIsolation = {
  isolates: (r) => r.name === "getter_w" || r.name === "getter_x",
  spawn: (r) => r.name === "getter_x" ? processPort(r.name) : workerPort(r.name),
  ...realTime(),
};
const HOSTS = { p: "in-process", w: "in a Worker", x: "in a process" } as const;
type Where = keyof typeof HOSTS;
const WHERE = Object.keys(HOSTS) as Where[];

async function cluster(osds: number): Promise<TestCluster> {
  const c = await startTestCluster({
    modulePaths: [MODULES],
    initialModules: ["getter_p", "getter_w", "getter_x"],
    isolation,
    cluster: {
      racks: osds >= 10000 ? 20 : 0,
      hosts: osds / 20,
      osdsPerHost: 20,
      pools: [
        { name: "rbd", pgNum: osds * 20 },
        { name: "cephfs_data", pgNum: osds * 10 },
      ],
      workload: { opsPerSecond: osds * 20 },
    },
  });
  await c.manager.host.isolated("getter_w")!.ready;
  await c.manager.host.isolated("getter_x")!.ready;
  await c.run(30);
  return c;
}

async function read(c: TestCluster, where: Where, name: string, n: number) {
  const r = await c.manager.command({ prefix: `getter_${where} read`, name, n });
  if (r.r !== 0) throw new Error(`getter_${where} read ${name}: ${r.outs}`);
}

const sizes = Deno.env.get("MODULE_WORKER_BENCH_OSDS")?.split(",").map(Number) ?? [1000, 10000];
const clusters: TestCluster[] = [];
for (const osds of sizes) {
  const c = await cluster(osds);
  clusters.push(c);
  for (const where of WHERE) {
    const host = HOSTS[where];
    await read(c, where, "osd_map", 1);
    Deno.bench(
      `${BATCH} unchanged get('osd_map') ${host}, ${osds} OSDs (per call: time / ${BATCH})`,
      { group: `${osds} OSDs: get() unchanged`, n: 10, warmup: 1 },
      async () => await read(c, where, "osd_map", BATCH),
    );
  }
  for (const where of WHERE) {
    const host = HOSTS[where];
    Deno.bench(
      `1000 get_store() ${host}, ${osds} OSDs (per call: time / 1000)`,
      { group: `${osds} OSDs: a synchronous call (get_store)`, n: 10, warmup: 1 },
      async () => await read(c, where, "store", 1000),
    );
  }
  let out = false;
  for (const where of WHERE) {
    const host = HOSTS[where];
    Deno.bench(
      `first get('osd_map') ${host} after an OSD out/in, ${osds} OSDs`,
      { group: `${osds} OSDs: first get('osd_map') after an epoch`, n: 5, warmup: 1 },
      async (b) => {
        out = !out;
        await c.command({ prefix: out ? "osd out" : "osd in", ids: ["1"] });
        b.start();
        await read(c, where, "osd_map", 1);
        b.end();
      },
    );
  }
  for (const where of osds > 1000 ? [] : WHERE) {
    const host = HOSTS[where];
    Deno.bench(
      `first get('pg_dump') ${host} after a stats period, ${osds} OSDs`,
      { group: `${osds} OSDs: first get('pg_dump') after a stats period`, n: 3, warmup: 0 },
      async (b) => {
        await c.run(c.cluster!.statsPeriod);
        b.start();
        await read(c, where, "pg_dump", 1);
        b.end();
      },
    );
  }
}

// Each host's start-up: from spawning it to the module's instance built in it.
const startup = await startTestCluster({
  modulePaths: [MODULES],
  initialModules: [],
  isolation,
});
clusters.push(startup);
for (const where of ["w", "x"] as const) {
  Deno.bench(`a module ${HOSTS[where]} started (enable, instance ready), then stopped`, {
    group: "start-up",
    n: 10,
  }, async (b) => {
    b.start();
    await startup.manager.host.reconcile([`getter_${where}`]);
    await startup.manager.host.isolated(`getter_${where}`)!.ready;
    b.end();
    await startup.manager.host.reconcile([]);
  });
}

/** VmRSS of process `pid` (bytes), and its Pss (its share of the pages it shares: the runtime's). */
async function memory(pid: number): Promise<{ rss: number; pss: number }> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const rollup = await Deno.readTextFile(`/proc/${pid}/smaps_rollup`);
  return {
    rss: Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) * 1024,
    pss: Number(/^Pss:\s+(\d+) kB/m.exec(rollup)![1]) * 1024,
  };
}

// Memory: a module process's own VmRSS after it has read osd_map once; for Workers, what the
// manager's RSS grows by with each (mean of a few, as one Worker is in the noise of the heap).
const c0 = clusters[0]!;
const mb = (b: number) => (b / 2 ** 20).toFixed(1);
{
  const x = c0.manager.host.isolated("getter_x")!;
  const m = await memory(x.pid!);
  console.log(
    `module process (getter_x, ${sizes[0]} OSDs, osd_map read once): VmRSS ${mb(m.rss)} MB, ` +
      `Pss ${mb(m.pss)} MB; started in ${x.startupMs?.toFixed(0)} ms`,
  );
}
{
  const WORKERS = 4;
  const before = Deno.memoryUsage().rss;
  const ports = Array.from({ length: WORKERS }, (_, i) => workerPort(`rss-${i}`));
  // An idle Worker has loaded nothing yet: give each its module as the host would.
  const started = performance.now();
  await Promise.all(ports.map((port) =>
    new Promise<void>((resolve, reject) => {
      port.onmessage = (m) => m.t === "ready" ? resolve() : m.t === "broken" && reject(m.error);
      port.postMessage({
        t: "init",
        module: "getter_w",
        source: `${MODULES}getter_w/module.ts`,
        mgrId: "x",
        has: { osdPerfStats: false, daemonHealthBulk: false, osdPerfQueries: false },
      });
    })
  ));
  const ms = performance.now() - started;
  const grew = (Deno.memoryUsage().rss - before) / WORKERS;
  for (const port of ports) port.terminate();
  console.log(
    `Workers in the manager's process: RSS +${mb(grew)} MB each (${WORKERS} started together ` +
      `in ${ms.toFixed(0)} ms)`,
  );
}

globalThis.addEventListener("unload", () => {
  for (const c of clusters) void c.stop();
});
