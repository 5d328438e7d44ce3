/**
 * Committed config-key writes per second on a file-backed mon store (WAL, synchronous=FULL):
 * every iteration is one `config-key set` that has committed when it returns.
 */
import { EmbeddedMon } from "../sim/mon/mon.ts";
import { MonStore } from "../sim/mon/mon_store.ts";

const dir = Deno.makeTempDirSync({ prefix: "mgrd-mon-bench-" });
const mon = EmbeddedMon.open(`${dir}/mon/store.db`, { alwaysOnModules: [], now: () => 0 });
const memory = MonStore.open(":memory:");
let i = 0;

Deno.bench("config-key set, committed to a file store (WAL, synchronous=FULL)", () => {
  const r = mon.handleCommand({
    prefix: "config-key set",
    key: `mgr/bench/k${i % 1000}`,
    val: `v${i++}`,
  });
  if (r.r !== 0) throw new Error(r.outs);
});

Deno.bench("MonStore.setKv on an in-memory store", () => {
  memory.setKv(`mgr/bench/k${i % 1000}`, `v${i++}`);
});

Deno.bench("config-key get (served from memory)", () => {
  mon.handleCommand({ prefix: "config-key get", key: "mgr/bench/k1" });
});

globalThis.addEventListener("unload", () => {
  mon.close();
  memory.close();
  Deno.removeSync(dir, { recursive: true });
});
