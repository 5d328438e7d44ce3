/**
 * The state cache's hot paths at 1,000 and 10,000 OSDs: counter reads, schema and metadata
 * reads, ingestion of one reporting period of 10,000 OSDs × 200 counters, and a snapshot hit.
 * Ceph 16.2's ceph-mgr takes 2–5 µs for get_counter, 1.2–2.4 µs for get_latest_counter,
 * 26–53 µs for get_perf_schema('osd','0') and 4–8 µs for get_metadata
 * (../shared/ceph-reference/README.md). Targets: counter reads < 0.5 µs, ingestion < 100 ms
 * per period, get() of an unchanged map < 1 µs.
 *
 *   deno bench --allow-read bench/state_bench.ts
 */
import {
  type CounterSchemaEntry,
  DaemonIndex,
  PERF_HISTORY,
  PerfCounterStore,
  SnapshotCache,
} from "../core/state/mod.ts";

const COUNTERS = 200;

/** 200 OSD-like counters, one in four a long-running average (two slots). */
const SCHEMA: CounterSchemaEntry[] = Array.from({ length: COUNTERS }, (_, i) => {
  const path = i === 0 ? "osd.op_w" : i === 1 ? "osd.op_w_latency" : `osd.c${i}`;
  const avg = i % 4 === 1;
  return {
    path,
    description: `counter ${i}`,
    ...(i % 3 === 0 ? { nick: `n${i}` } : {}),
    type: avg ? 5 : 10,
    priority: 5,
    units: 1,
  };
});

function metadata(i: number): Record<string, string> {
  return {
    hostname: `host${Math.floor(i / 10)}`,
    arch: "x86_64",
    ceph_version:
      "ceph version 16.2.15 (618f440892089921c3e944a991122ddc44e60516) pacific (stable)",
    osd_objectstore: "bluestore",
    front_addr: `[v2:10.0.0.${i % 250}:6800/${i},v1:10.0.0.${i % 250}:6801/${i}]`,
    devices: "sda",
  };
}

function fixture(osds: number) {
  const store = new PerfCounterStore();
  const index = new DaemonIndex();
  const names = Array.from({ length: osds }, (_, i) => `osd.${i}`);
  for (let i = 0; i < osds; i++) {
    store.registerSchema(names[i]!, SCHEMA);
    index.setMetadata(names[i]!, metadata(i));
  }
  const slots = store.layout("osd.0")!.slots;
  const values = new Float64Array(slots).map((_, k) => k * 3);
  // A full ring, so get_counter answers 20 points.
  for (let p = 0; p < PERF_HISTORY; p++) {
    for (const n of names) store.ingest(n, values, 1_700_000_000 + 5 * p);
  }
  return { store, index, names, values };
}

const sizes = [1_000, 10_000] as const;
const fixtures = new Map(sizes.map((n) => [n, fixture(n)]));
let sink = 0;

for (const n of sizes) {
  const { store, index } = fixtures.get(n)!;
  Deno.bench(`get_counter('osd','0','osd.op_w'), 20 points [${n} OSDs]`, {
    group: `get_counter ${n}`,
  }, () => {
    sink += store.get_counter("osd", "0", "osd.op_w")["osd.op_w"]!.length;
  });
  Deno.bench(`get_counter of an average ('osd.op_w_latency'), 20 triples [${n} OSDs]`, {
    group: `get_counter ${n}`,
  }, () => {
    sink += store.get_counter("osd", "7", "osd.op_w_latency")["osd.op_w_latency"]!.length;
  });
  Deno.bench(`get_counter of an unknown daemon ('osd','999999') [${n} OSDs]`, {
    group: `get_counter ${n}`,
  }, () => {
    sink += store.get_counter("osd", "999999", "osd.op_w")["osd.op_w"]!.length;
  });
  Deno.bench(`get_latest_counter('osd','0','osd.op_w') [${n} OSDs]`, () => {
    sink += store.get_latest_counter("osd", "0", "osd.op_w")["osd.op_w"]!.length;
  });
  Deno.bench(`get_latest('osd','0','osd.op_w') [${n} OSDs]`, () => {
    sink += store.get_latest("osd", "0", "osd.op_w");
  });
  Deno.bench(`get_perf_schema('osd','0') [${n} OSDs]`, () => {
    sink += Object.keys(store.get_perf_schema("osd", "0")).length;
  });
  Deno.bench(`get_metadata('osd','0') [${n} OSDs]`, () => {
    sink += index.get_metadata("osd", "0")!.hostname!.length;
  });
}

{
  const { store, names, values } = fixtures.get(10_000)!;
  let t = 1_800_000_000;
  Deno.bench("ingest: one period, 10,000 OSDs × 200 counters, ingest() per OSD", {
    group: "ingest",
  }, () => {
    t += 5;
    for (let i = 0; i < names.length; i++) store.ingest(names[i]!, values, t);
  });

  // The simulator's shape: one block of values and counts for every OSD of the period.
  const rows = Int32Array.from(names.keys());
  const batch = {
    schema: { size: COUNTERS },
    daemons: names,
    rows,
    values: new Float64Array(names.length * COUNTERS).map((_, k) => k % 1000),
    counts: new Float64Array(names.length * COUNTERS).map((_, k) => k % 7),
  };
  Deno.bench("ingest: one period, 10,000 OSDs × 200 counters, ingestBatch()", {
    group: "ingest",
  }, () => {
    t += 5;
    sink += store.ingestBatch(batch, t);
  });
}

{
  const cache = new SnapshotCache();
  let epoch = 1;
  const big = { epoch, osds: Array.from({ length: 10_000 }, (_, i) => ({ osd: i, up: 1 })) };
  cache.register({ name: "osd_map", version: () => epoch, compute: () => big });
  cache.get("osd_map");
  Deno.bench("get('osd_map') of an unchanged map (registered source, 10,000 OSDs)", {
    group: "snapshot",
  }, () => {
    sink += (cache.get("osd_map") as typeof big).epoch;
  });
  Deno.bench("view('pg_summary', version, compute) hit", { group: "snapshot" }, () => {
    sink += cache.view("pg_summary", epoch, () => ({ all: {} })) === null ? 0 : 1;
  });
  Deno.bench("mutable('osd_map'): structuredClone at 10,000 OSDs (for scale)", {
    group: "snapshot",
    n: 20,
  }, () => {
    sink += (cache.mutable("osd_map") as typeof big).osds.length;
  });
  Deno.bench("deepFreeze of a fresh 10,000-OSD dump (view() miss, freeze only)", {
    group: "snapshot",
    n: 20,
  }, (b) => {
    const fresh = structuredClone(big);
    epoch++;
    b.start();
    cache.view("osd_map_fresh", epoch, () => fresh);
    b.end();
  });
}

globalThis.addEventListener("unload", () => {
  if (sink === -1) console.log(sink);
});
