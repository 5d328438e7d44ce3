/**
 * A module's `get()` of an unchanged map, as the module context calls it: the frozen snapshot,
 * plus the manager's own `mgr.cache_hit` count (core/own_perf_counters.ts).
 *
 *   deno bench --allow-all bench/module_get_bench.ts
 */
import { MgrModule } from "mgr_module";
import { startTestCluster } from "mgr_module/testing";

class Reader extends MgrModule {}

const c = await startTestCluster({
  builtins: { reader: { Reader } },
  initialModules: ["reader"],
  cluster: { hosts: 10, osdsPerHost: 10, pools: [{ name: "rbd", pgNum: 1024 }] },
});
await c.run(10);
const m = c.manager.host.instance("reader") as Reader;
m.get("osd_map");

Deno.bench("a module's get('osd_map') unchanged, 100 OSDs", () => {
  m.get("osd_map");
});
Deno.bench("a module's get('pg_summary') unchanged, 100 OSDs", () => {
  m.get("pg_summary");
});

globalThis.addEventListener("unload", () => void c.stop());
