/**
 * The perf-counter store against the captures of a real Ceph 16.2 manager: shapes and values
 * of every reader, the missing-data answers, ring wraparound, long-running averages,
 * wildcards, schema changes and removal.
 */
import assert from "node:assert/strict";
import { referenceGet } from "./_reference.ts";
import { shapeDiff } from "./sim_json_shape.ts";
import {
  type CounterSchemaEntry,
  type CounterSchemaJson,
  PERF_HISTORY,
  PerfCounterStore,
  schemaFromColumns,
} from "../core/state/perf_counters.ts";

type SchemaDump = Record<string, Record<string, CounterSchemaJson>>;

/** A schema entry list from a `get_perf_schema` capture (its order is Ceph's, sorted). */
function schemaOf(file: string, daemon: string): CounterSchemaEntry[] {
  const dump = referenceGet(file).value as SchemaDump;
  return Object.entries(dump[daemon]!).map(([path, s]) => ({ path, ...s }));
}

const OSD_SCHEMA = schemaOf("get_perf_schema_osd_0.json", "osd.0");
const MON_SCHEMA = schemaOf("get_perf_schema_mon_a.json", "mon.a");

/** Slot values for `schema` with the given counters set (sum, count for averages). */
function valuesFor(
  store: PerfCounterStore,
  daemon: string,
  set: Record<string, number | [number, number]>,
): Float64Array {
  const layout = store.layout(daemon)!;
  const out = new Float64Array(layout.slots);
  for (const [path, v] of Object.entries(set)) {
    const c = layout.indexOf(path);
    assert.ok(c >= 0, path);
    const slot = layout.slotOf[c]!;
    if (Array.isArray(v)) [out[slot], out[slot + 1]] = v;
    else out[slot] = v;
  }
  return out;
}

/** osd.0 fed the ten points of the capture. */
function capturedOsd0(): PerfCounterStore {
  const store = new PerfCounterStore();
  store.registerSchema("osd.0", OSD_SCHEMA);
  const w = referenceGet("get_counter_osd_0_op_w.json").value as Record<string, number[][]>;
  const lat = referenceGet("get_counter_osd_0_op_w_lat.json").value as Record<string, number[][]>;
  const ws = w["osd.op_w"]!, lats = lat["osd.op_w_latency"]!;
  for (let i = 0; i < ws.length; i++) {
    const [t, v] = ws[i]!;
    const [, s, c] = lats[i]!;
    store.ingest(
      "osd.0",
      valuesFor(store, "osd.0", { "osd.op_w": v!, "osd.op_w_latency": [s!, c!] }),
      t!,
    );
  }
  return store;
}

Deno.test("get_counter answers the captured op_w history as [t, v] pairs, oldest first", () => {
  const got = capturedOsd0().get_counter("osd", "0", "osd.op_w");
  const ref = referenceGet("get_counter_osd_0_op_w.json").value;
  assert.deepEqual(shapeDiff(got, ref), []);
  assert.deepEqual(got, ref);
});

Deno.test("get_counter answers a long-running average as [t, sum, count] triples", () => {
  const got = capturedOsd0().get_counter("osd", "0", "osd.op_w_latency");
  const ref = referenceGet("get_counter_osd_0_op_w_lat.json").value;
  assert.deepEqual(shapeDiff(got, ref), []);
  assert.deepEqual(got, ref);
});

Deno.test("get_latest_counter, get_latest and get_latest_avg answer the newest point", () => {
  const store = capturedOsd0();
  assert.deepEqual(
    store.get_latest_counter("osd", "0", "osd.op_w"),
    referenceGet("get_latest_counter_osd_0_op_w.json").value,
  );
  assert.deepEqual(
    store.get_latest_counter("osd", "0", "osd.op_w_latency"),
    referenceGet("get_latest_counter_osd_0_op_w_lat.json").value,
  );
  assert.equal(
    store.get_latest("osd", "0", "osd.op_w"),
    referenceGet("get_latest_osd_0_op_w.json").value,
  );
  assert.deepEqual(store.get_latest_avg("osd", "0", "osd.op_w_latency"), [3881585501, 6172]);
});

Deno.test("unknown daemons, unknown counters and counters without points answer empty", async (t) => {
  const store = capturedOsd0();
  store.registerSchema("osd.1", OSD_SCHEMA);
  await t.step("unknown daemon: {path: []}, as the capture of osd.999", () => {
    assert.deepEqual(
      store.get_counter("osd", "999", "osd.op_w"),
      referenceGet("get_counter_osd_999.json").value,
    );
    assert.deepEqual(store.get_latest_counter("osd", "999", "osd.op_w"), { "osd.op_w": [] });
  });
  await t.step("unknown counter: {path: []}, as the capture of osd.nope", () => {
    assert.deepEqual(
      store.get_counter("osd", "0", "osd.nope"),
      referenceGet("get_counter_osd_0_nonexistent.json").value,
    );
  });
  await t.step("registered but never reported: empty, 0 and [0, 0]", () => {
    assert.deepEqual(store.get_counter("osd", "1", "osd.op_w"), { "osd.op_w": [] });
    assert.deepEqual(store.get_latest_counter("osd", "1", "osd.op_w"), { "osd.op_w": [] });
    assert.equal(store.get_latest("osd", "1", "osd.op_w"), 0);
    assert.deepEqual(store.get_latest_avg("osd", "1", "osd.op_w_latency"), [0, 0]);
  });
  await t.step("get_latest_avg of a plain counter gives [value, 0] instead of raising", () => {
    assert.deepEqual(store.get_latest_avg("osd", "0", "osd.op_w"), [6172, 0]);
  });
  await t.step("an id passed as a number is found as its string", () => {
    assert.equal(store.get_latest("osd", 0 as unknown as string, "osd.op_w"), 6172);
  });
});

Deno.test("the ring keeps the newest 20 points in order after wrapping around", () => {
  const store = new PerfCounterStore();
  store.registerSchema("osd.3", OSD_SCHEMA);
  const c = store.layout("osd.3")!;
  for (let i = 0; i < 47; i++) {
    const v = new Float64Array(c.slots);
    v[c.slotOf[c.indexOf("osd.op_w")]!] = i * 10;
    const s = c.slotOf[c.indexOf("osd.op_w_latency")]!;
    v[s] = i * 1000;
    v[s + 1] = i;
    store.ingest("osd.3", v, 100 + i);
    const points = store.get_counter("osd", "3", "osd.op_w")["osd.op_w"]!;
    const n = Math.min(i + 1, PERF_HISTORY);
    assert.equal(points.length, n);
    const expected = Array.from({ length: n }, (_, k) => i - n + 1 + k);
    assert.deepEqual(points, expected.map((j) => [100 + j, j * 10]));
    assert.deepEqual(
      store.get_counter("osd", "3", "osd.op_w_latency")["osd.op_w_latency"],
      expected.map((j) => [100 + j, j * 1000, j]),
    );
  }
});

Deno.test("get_counter returns fresh arrays each call", () => {
  const store = capturedOsd0();
  const a = store.get_counter("osd", "0", "osd.op_w");
  a["osd.op_w"]![0]![1] = -1;
  a["osd.op_w"]!.length = 0;
  assert.equal(store.get_counter("osd", "0", "osd.op_w")["osd.op_w"]!.length, 10);
});

Deno.test("ingest rejects a report of the wrong width and ignores an undeclared daemon", () => {
  const store = new PerfCounterStore();
  store.registerSchema("osd.0", OSD_SCHEMA);
  assert.throws(
    () => store.ingest("osd.0", new Float64Array(3), 1),
    /must hold \d+ numbers, got 3/,
  );
  assert.equal(store.ingest("osd.5", new Float64Array(3), 1), false);
});

Deno.test("registerSchema rejects malformed names and duplicate paths", () => {
  const store = new PerfCounterStore();
  assert.throws(() => store.registerSchema("osd", OSD_SCHEMA), /<type>\.<id>/);
  assert.throws(
    () => store.registerSchema("osd.0", [OSD_SCHEMA[0]!, OSD_SCHEMA[0]!]),
    /declared twice/,
  );
});

Deno.test("daemons with equal schemas share one layout", () => {
  const store = new PerfCounterStore();
  const a = store.registerSchema("osd.0", OSD_SCHEMA);
  const b = store.registerSchema("osd.1", OSD_SCHEMA.map((e) => ({ ...e })));
  assert.equal(a, b);
});

function schemaStore(): PerfCounterStore {
  const store = new PerfCounterStore();
  store.registerSchema("mon.a", MON_SCHEMA);
  for (const id of ["0", "1", "2", "10"]) store.registerSchema(`osd.${id}`, OSD_SCHEMA);
  return store;
}

Deno.test("get_perf_schema('osd', '0') matches the capture exactly, in Ceph's key order", () => {
  const got = schemaStore().get_perf_schema("osd", "0");
  const ref = referenceGet("get_perf_schema_osd_0.json").value;
  assert.deepEqual(shapeDiff(got, ref, { maps: ["$"] }), []);
  assert.equal(JSON.stringify(got), JSON.stringify(ref));
  assert.equal(
    JSON.stringify(schemaStore().get_perf_schema("mon", "a")),
    JSON.stringify(referenceGet("get_perf_schema_mon_a.json").value),
  );
});

Deno.test("get_perf_schema wildcards: null and '' mean every type or every id", async (t) => {
  const store = schemaStore();
  const all = ["mon.a", "osd.0", "osd.1", "osd.10", "osd.2"];
  await t.step("(null, null) and ('', '') list every daemon in Ceph's key order", () => {
    assert.deepEqual(Object.keys(store.get_perf_schema(null, null)), all);
    assert.deepEqual(Object.keys(store.get_perf_schema("", "")), all);
    assert.deepEqual(Object.keys(store.get_perf_schema("", "0")), all);
  });
  await t.step("('osd', null) and ('osd', '') list every OSD", () => {
    assert.deepEqual(Object.keys(store.get_perf_schema("osd", null)), all.slice(1));
    assert.deepEqual(Object.keys(store.get_perf_schema("osd", "")), all.slice(1));
  });
  await t.step("every entry is shaped like the capture", () => {
    const ref = referenceGet("get_perf_schema_osd_0.json").value;
    const diff = shapeDiff(store.get_perf_schema(null, null), ref, { maps: ["$", "$.*"] });
    assert.deepEqual(diff, []);
  });
  await t.step("nothing found: {} as the capture of osd.999", () => {
    assert.deepEqual(
      store.get_perf_schema("osd", "999"),
      referenceGet("get_perf_schema_osd_999.json").value,
    );
    assert.deepEqual(store.get_perf_schema("rgw", null), {});
  });
  await t.step("the per-daemon schema is frozen", () => {
    assert.ok(Object.isFrozen(store.get_perf_schema("osd", "0")["osd.0"]));
  });
});

Deno.test("get_all_perf_counters reproduces the capture from the same latest values", () => {
  const ref = referenceGet("get_all_perf_counters.json").value as Record<
    string,
    Record<string, { value: number; count?: number }>
  >;
  const store = new PerfCounterStore();
  store.registerSchema("mon.a", MON_SCHEMA);
  for (const id of ["0", "1", "2"]) store.registerSchema(`osd.${id}`, OSD_SCHEMA);
  store.registerSchema("mgr.x", OSD_SCHEMA.slice(0, 2)); // not a default service: left out
  for (const [daemon, counters] of Object.entries(ref)) {
    const set: Record<string, number | [number, number]> = {};
    for (const [path, c] of Object.entries(counters)) {
      set[path] = c.count === undefined ? c.value : [c.value, c.count];
    }
    store.ingest(daemon, valuesFor(store, daemon, set), 1000);
  }
  const got = store.get_all_perf_counters();
  assert.deepEqual(shapeDiff(got, ref, { maps: ["$", "$.*"] }), []);
  assert.equal(JSON.stringify(got), JSON.stringify(ref));
});

Deno.test("get_all_perf_counters filters by priority and service and follows a daemon list", () => {
  const store = schemaStore();
  const hi = store.get_all_perf_counters(9, ["osd"]);
  assert.deepEqual(Object.keys(hi), ["osd.0", "osd.1", "osd.10", "osd.2"]);
  assert.deepEqual(Object.keys(hi["osd.0"]!), [
    "objecter.op_active",
    "objecter.op_r",
    "objecter.op_w",
    "osd.op",
    "osd.op_latency",
  ]);
  assert.deepEqual(hi["osd.0"]!["osd.op_latency"], {
    description: "Latency of client operations (including queue time)",
    nick: "l",
    type: 5,
    priority: 9,
    units: 1,
    value: 0,
    count: 0,
  });
  // Ceph walks list_servers(): daemons without metadata (osd.10) and unknown names are skipped.
  const listed = store.get_all_perf_counters(5, undefined, ["osd.2", "mon.a", "osd.7", "osd.0"]);
  assert.deepEqual(Object.keys(listed), ["osd.2", "mon.a", "osd.0"]);
  assert.deepEqual(store.get_all_perf_counters(11), {});
});

Deno.test("a removed daemon answers like an unknown one and leaves every listing", () => {
  const store = capturedOsd0();
  store.registerSchema("osd.1", OSD_SCHEMA);
  assert.equal(store.removeDaemon("osd.0"), true);
  assert.equal(store.removeDaemon("osd.0"), false);
  assert.deepEqual(store.get_counter("osd", "0", "osd.op_w"), { "osd.op_w": [] });
  assert.equal(store.get_latest("osd", "0", "osd.op_w"), 0);
  assert.deepEqual(Object.keys(store.get_perf_schema("osd", null)), ["osd.1"]);
  assert.deepEqual(store.daemons(), ["osd.1"]);
  assert.equal(store.ingest("osd.0", new Float64Array(1), 1), false);
});

Deno.test("a new schema keeps the history of unchanged counters; new ones start empty", () => {
  const store = new PerfCounterStore();
  const base: CounterSchemaEntry[] = [
    { path: "a.x", description: "x", type: 10, priority: 5, units: 1 },
    { path: "a.lat", description: "lat", type: 5, priority: 5, units: 1 },
    { path: "a.gone", description: "gone", type: 2, priority: 5, units: 1 },
  ];
  store.registerSchema("osd.0", base);
  store.ingest("osd.0", Float64Array.of(1, 10, 2, 7), 1);
  store.ingest("osd.0", Float64Array.of(2, 20, 4, 8), 2);
  const next: CounterSchemaEntry[] = [
    { path: "a.new", description: "new", type: 2, priority: 5, units: 1 },
    base[1]!,
    { ...base[0]!, type: 5 }, // now an average: a different series
  ];
  store.registerSchema("osd.0", next);
  store.ingest("osd.0", Float64Array.of(99, 30, 6, 5, 1), 3);
  assert.deepEqual(store.get_counter("osd", "0", "a.lat"), {
    "a.lat": [[1, 10, 2], [2, 20, 4], [3, 30, 6]],
  });
  assert.deepEqual(store.get_counter("osd", "0", "a.new"), { "a.new": [[3, 99]] });
  assert.deepEqual(store.get_counter("osd", "0", "a.x"), { "a.x": [[3, 5, 1]] });
  assert.deepEqual(store.get_counter("osd", "0", "a.gone"), { "a.gone": [] });
});

Deno.test("ingestBatch stores a simulator-shaped report: values, counts and row stamps", () => {
  const cols = {
    paths: ["osd.op_w", "osd.op_w_latency", "osd.numpg"],
    descriptions: ["w", "lat", "pgs"],
    nicks: ["", "l", "pgs"],
    types: Uint8Array.of(10, 5, 2),
    priorities: Uint8Array.of(5, 5, 5),
    units: Uint8Array.of(1, 1, 1),
  };
  const schema = schemaFromColumns(cols);
  const store = new PerfCounterStore();
  for (const d of ["osd.0", "osd.1", "osd.2"]) store.registerSchema(d, schema);
  const batch = {
    schema: { size: 3 },
    daemons: ["osd.0", "osd.1", "osd.2", "osd.3"],
    rows: Int32Array.of(2, 0, 3), // osd.3 has no schema: skipped
    stamps: Float64Array.of(10, 11, 12),
    values: Float64Array.of(5, 500, 9, 1, 100, 8, 7, 7, 7),
    counts: Float64Array.of(0, 4, 0, 0, 2, 0, 0, 1, 0),
  };
  assert.equal(store.ingestBatch(batch), 2);
  assert.deepEqual(store.get_counter("osd", "2", "osd.op_w_latency"), {
    "osd.op_w_latency": [[10, 500, 4]],
  });
  assert.deepEqual(store.get_latest_counter("osd", "0", "osd.numpg"), { "osd.numpg": [11, 8] });
  assert.equal(store.ingestBatch(batch, 20), 2);
  assert.deepEqual(store.get_counter("osd", "0", "osd.op_w"), { "osd.op_w": [[11, 1], [20, 1]] });
  assert.deepEqual(store.get_counter("osd", "1", "osd.op_w"), { "osd.op_w": [] });
});
