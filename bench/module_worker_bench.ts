/**
 * What a module pays for running in a Worker of its own (core/module_worker/), next to the
 * same module in the manager's isolate, on one simulated cluster: `get()` of an unchanged name
 * (a batch of reads in one command, so the command's own cost is shared out), and the first
 * `get()` after a change (one OSD marked out or in for `osd_map`; one stats period for
 * `pg_dump`, at 1,000 OSDs only), at 1,000 and 10,000 OSDs; and a Worker's start-up.
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
import { moduleWorkers } from "../daemon/module_workers.ts";

const MODULES = new URL("./_modules/", import.meta.url).pathname;
const BATCH = 100_000;

async function cluster(osds: number): Promise<TestCluster> {
  const c = await startTestCluster({
    modulePaths: [MODULES],
    initialModules: ["getter_p", "getter_w"],
    isolation: { ...moduleWorkers(), isolates: (r) => r.name === "getter_w" },
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
  await c.run(30);
  return c;
}

async function read(c: TestCluster, where: "p" | "w", name: string, n: number) {
  const r = await c.manager.command({ prefix: `getter_${where} read`, name, n });
  if (r.r !== 0) throw new Error(`getter_${where} read ${name}: ${r.outs}`);
}

const sizes = Deno.env.get("MODULE_WORKER_BENCH_OSDS")?.split(",").map(Number) ?? [1000, 10000];
const clusters: TestCluster[] = [];
for (const osds of sizes) {
  const c = await cluster(osds);
  clusters.push(c);
  for (const where of ["p", "w"] as const) {
    const host = where === "p" ? "in-process" : "in a Worker";
    await read(c, where, "osd_map", 1);
    Deno.bench(
      `${BATCH} unchanged get('osd_map') ${host}, ${osds} OSDs (per call: time / ${BATCH})`,
      { group: `${osds} OSDs: get() unchanged`, n: 10, warmup: 1 },
      async () => await read(c, where, "osd_map", BATCH),
    );
  }
  for (const where of ["p", "w"] as const) {
    const host = where === "p" ? "in-process" : "in a Worker";
    Deno.bench(
      `1000 get_store() ${host}, ${osds} OSDs (per call: time / 1000)`,
      { group: `${osds} OSDs: a synchronous call (get_store)`, n: 10, warmup: 1 },
      async () => await read(c, where, "store", 1000),
    );
  }
  let out = false;
  for (const where of ["p", "w"] as const) {
    const host = where === "p" ? "in-process" : "in a Worker";
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
  for (const where of osds > 1000 ? [] : ["p", "w"] as const) {
    const host = where === "p" ? "in-process" : "in a Worker";
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

// A Worker's start-up: from spawning it to the module's instance built in it.
const startup = await startTestCluster({
  modulePaths: [MODULES],
  initialModules: [],
  isolation: { ...moduleWorkers(), isolates: (r) => r.name === "getter_w" },
});
clusters.push(startup);
Deno.bench("a module Worker started (enable, instance ready), then stopped", {
  group: "Worker start-up",
  n: 10,
}, async (b) => {
  b.start();
  await startup.manager.host.reconcile(["getter_w"]);
  await startup.manager.host.isolated("getter_w")!.ready;
  b.end();
  await startup.manager.host.reconcile([]);
});

globalThis.addEventListener("unload", () => {
  for (const c of clusters) void c.stop();
});
