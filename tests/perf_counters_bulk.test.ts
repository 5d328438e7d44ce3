/**
 * The SDK's bulk perf-counter reader (`perf_counters_bulk`, PerfCounterStore.bulk): the same
 * daemons, order and values as get_all_perf_counters, and the same objects while no daemon
 * comes or goes.
 */
import assert from "node:assert/strict";
import { PerfCounterStore } from "../core/state/perf_counters.ts";

const OSD = [
  { path: "osd.op_w", description: "writes", type: 10, priority: 8, units: 1 },
  { path: "osd.op_w_latency", description: "latency", type: 5, priority: 8, units: 1 },
  { path: "osd.numpg", description: "pgs", type: 2, priority: 5, units: 1 },
];
const MON = [{ path: "mon.num_sessions", description: "sessions", type: 2, priority: 5, units: 1 }];

function read(store: PerfCounterStore, daemons: readonly string[]) {
  const bulk = store.bulk(["osd", "mon"], daemons);
  const out: Record<string, Record<string, number[]>> = {};
  for (let i = 0; i < bulk.names.length; i++) {
    const layout = bulk.layouts[i]!, o = bulk.offsets[i]!;
    const counters: Record<string, number[]> = {};
    for (let c = 0; c < layout.size; c++) {
      const s = layout.slotOf[c]!;
      const at = (k: number) => o < 0 ? 0 : bulk.rings[i]![o + s + k]!;
      counters[layout.paths[c]!] = layout.avg[c] ? [at(0), at(1)] : [at(0)];
    }
    out[bulk.names[i]!] = counters;
  }
  return { bulk, out };
}

function viaCeph(store: PerfCounterStore, daemons: readonly string[]) {
  const all = store.get_all_perf_counters(0, ["osd", "mon"], daemons);
  const out: Record<string, Record<string, number[]>> = {};
  for (const [d, counters] of Object.entries(all)) {
    out[d] = {};
    for (const [p, c] of Object.entries(counters)) {
      out[d]![p] = c.count === undefined ? [c.value] : [c.value, c.count];
    }
  }
  return out;
}

Deno.test("the bulk perf-counter reader gives get_all_perf_counters' daemons, order and values", () => {
  const store = new PerfCounterStore();
  for (const d of ["osd.0", "osd.1", "osd.10"]) store.registerSchema(d, OSD);
  store.registerSchema("mon.a", MON);
  store.registerSchema("mds.a", MON);
  const daemons = Object.freeze(["osd.10", "mon.a", "osd.0", "mds.a", "osd.1", "osd.99"]);
  // Before any report every value reads 0, as get_all_perf_counters says.
  assert.deepStrictEqual(read(store, daemons).out, viaCeph(store, daemons));
  store.ingest("osd.0", Float64Array.of(7, 3.5e6, 7, 12), 100);
  store.ingest("osd.10", Float64Array.of(1, 2e6, 1, 3), 100);
  store.ingest("osd.0", Float64Array.of(9, 4.5e6, 9, 12), 105);
  store.ingest("mon.a", Float64Array.of(4), 105);
  const first = read(store, daemons);
  assert.deepStrictEqual(first.out, viaCeph(store, daemons));
  assert.deepStrictEqual(first.bulk.names, ["osd.10", "mon.a", "osd.0", "osd.1"]);
  assert.deepStrictEqual(first.out["osd.0"]!["osd.op_w_latency"], [4.5e6, 9]);

  // New points: the same objects, new offsets.
  for (let t = 110; t < 300; t += 5) store.ingest("osd.1", Float64Array.of(t, t * 1e3, 2, 1), t);
  const firstVersion = first.bulk.version;
  const again = read(store, daemons);
  assert.notStrictEqual(again.bulk.version, firstVersion, "new reports, new version");
  assert.strictEqual(read(store, daemons).bulk.version, again.bulk.version, "none: the same");
  assert.strictEqual(again.bulk, first.bulk);
  assert.strictEqual(again.bulk.names, first.bulk.names);
  assert.deepStrictEqual(again.out, viaCeph(store, daemons));
  assert.deepStrictEqual(again.out["osd.1"]!["osd.op_w"], [295]);

  // A daemon goes: new names.
  store.removeDaemon("osd.10");
  const after = read(store, daemons);
  assert.notStrictEqual(after.bulk.names, first.bulk.names);
  assert.deepStrictEqual(after.bulk.names, ["mon.a", "osd.0", "osd.1"]);
  assert.deepStrictEqual(after.out, viaCeph(store, daemons));
});

Deno.test("the same daemons with the same schemas keep the bulk reader's lists, whatever rebuilt them", () => {
  const store = new PerfCounterStore();
  for (const d of ["osd.0", "osd.1"]) store.registerSchema(d, OSD);
  const first = store.bulk(["osd"], Object.freeze(["osd.0", "osd.1"]));
  // A new daemon list of the same names (a daemon sent its metadata again) keeps them.
  const again = store.bulk(["osd"], Object.freeze(["osd.0", "osd.1"]));
  assert.equal(again.names, first.names);
  assert.equal(again.layouts, first.layouts);
  // Another schema for one daemon is a new layout: new lists, so readers plan anew.
  store.registerSchema("osd.1", MON);
  const changed = store.bulk(["osd"], Object.freeze(["osd.0", "osd.1"]));
  assert.notEqual(changed.layouts, first.layouts);
  assert.notEqual(changed.names, first.names);
  // A daemon gone: new lists.
  const fewer = store.bulk(["osd"], Object.freeze(["osd.0"]));
  assert.deepStrictEqual(fewer.names, ["osd.0"]);
});
