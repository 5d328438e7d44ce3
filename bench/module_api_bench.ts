/**
 * The module API's in-memory reads and its awaited writes, on the embedded mon.
 * Ceph 16.2's ceph-mgr takes 1.7–3.4 µs for get_module_option and 0.8–1.7 µs for get_store
 * (../shared/ceph-reference/README.md).
 *
 *   deno bench --allow-all bench/module_api_bench.ts
 */
import { MgrModule, Option } from "mgr_module";
import { startTestCluster } from "mgr_module/testing";

class Bench extends MgrModule {
  static override MODULE_OPTIONS = [
    Option({ name: "interval", type: "secs", default: 60 }),
    Option({ name: "label", type: "str" }),
  ];
}

const memory = await startTestCluster({
  builtins: { bench: { Bench } },
  initialModules: ["bench"],
});
const mod = memory.manager.host.instance("bench") as Bench;
await mod.set_module_option("label", "hello");
await mod.set_store("k1", "v1");

const dir = await Deno.makeTempDir({ prefix: "mgrd-bench-" });
const onDisk = await startTestCluster({
  builtins: { bench: { Bench } },
  initialModules: ["bench"],
  storePath: `${dir}/store.db`,
});
const diskMod = onDisk.manager.host.instance("bench") as Bench;

let sink = 0;
Deno.bench("get_module_option (set value, typed)", { group: "reads" }, () => {
  sink += (mod.get_module_option("label") as string).length;
});
Deno.bench("get_module_option (declared default)", { group: "reads" }, () => {
  sink += mod.get_module_option("interval") as number;
});
Deno.bench("get_store (present)", { group: "reads" }, () => {
  sink += mod.get_store("k1")!.length;
});
Deno.bench("get_store (missing, default)", { group: "reads" }, () => {
  sink += mod.get_store("nope", "d")!.length;
});

let n = 0;
Deno.bench("awaited set_store, in-memory mon store", { group: "writes" }, async () => {
  await mod.set_store(`w${n % 1000}`, `value ${n++}`);
});
Deno.bench(
  "awaited set_store, SQLite file (WAL, synchronous=FULL)",
  { group: "writes" },
  async () => {
    await diskMod.set_store(`w${n % 1000}`, `value ${n++}`);
  },
);

globalThis.addEventListener("unload", () => {
  if (sink === -1) console.log(sink);
});
