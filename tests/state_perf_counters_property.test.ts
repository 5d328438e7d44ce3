/**
 * Property: any sequence of schema registrations, reports (single and batched) and daemon
 * removals leaves the ring-buffer store answering get_counter / get_latest_counter exactly as
 * a plain model of per-counter arrays does.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type CounterSchemaEntry,
  PERF_HISTORY,
  PerfCounterStore,
} from "../core/state/perf_counters.ts";

const DAEMONS = ["osd.0", "osd.1", "osd.10", "mon.a"] as const;
const PATHS = ["a.ops", "a.lat", "b.bytes", "b.wait"] as const;

/** Schemas over the same paths with different orders, subsets and averaging. */
const SCHEMAS: CounterSchemaEntry[][] = [
  [["a.ops", 10], ["a.lat", 5], ["b.bytes", 2]],
  [["a.lat", 5], ["a.ops", 10], ["b.bytes", 2]], // same counters, another order
  [["a.ops", 5], ["b.wait", 6]], // a.ops becomes an average
  [["b.bytes", 2], ["b.wait", 6], ["a.lat", 5], ["a.ops", 10]],
  [],
].map((rows) =>
  rows.map(([path, type]) => ({
    path: path as string,
    description: `about ${path}`,
    type: type as number,
    priority: 5,
    units: 1,
  }))
);

type Op =
  | { kind: "register"; daemon: number; schema: number }
  | { kind: "ingest"; daemon: number; base: number }
  | { kind: "batch"; daemons: number[]; base: number }
  | { kind: "remove"; daemon: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("register" as const),
      daemon: fc.nat(DAEMONS.length - 1),
      schema: fc.nat(SCHEMAS.length - 1),
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("ingest" as const),
      daemon: fc.nat(DAEMONS.length - 1),
      base: fc.integer({ min: 0, max: 1e6 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("batch" as const),
      daemons: fc.uniqueArray(fc.nat(DAEMONS.length - 1), { maxLength: DAEMONS.length }),
      base: fc.integer({ min: 0, max: 1e6 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("remove" as const),
      daemon: fc.nat(DAEMONS.length - 1),
    }),
  },
);

interface ModelDaemon {
  schema: CounterSchemaEntry[];
  points: Map<string, number[][]>;
}

const isAvg = (e: CounterSchemaEntry) => (e.type & 4) !== 0;

/** The number a report carries for counter `c` (and its count) of a report built from `base`. */
function reading(base: number, c: number): [number, number] {
  return [base + c * 1000, base % 97 + c];
}

function slotValues(schema: CounterSchemaEntry[], base: number): Float64Array {
  const out: number[] = [];
  schema.forEach((e, c) => {
    const [v, n] = reading(base, c);
    out.push(v);
    if (isAvg(e)) out.push(n);
  });
  return Float64Array.from(out);
}

function modelIngest(d: ModelDaemon, base: number, t: number): void {
  d.schema.forEach((e, c) => {
    const [v, n] = reading(base, c);
    const list = d.points.get(e.path)!;
    list.push(isAvg(e) ? [t, v, n] : [t, v]);
    if (list.length > PERF_HISTORY) list.shift();
  });
}

function check(store: PerfCounterStore, model: Map<string, ModelDaemon>): void {
  for (const name of DAEMONS) {
    const [type, id] = name.split(".") as [string, string];
    const d = model.get(name);
    for (const path of [...PATHS, "c.none"]) {
      const expected = d?.points.get(path) ?? [];
      assert.deepEqual(store.get_counter(type, id, path), { [path]: expected }, `${name} ${path}`);
      assert.deepEqual(store.get_latest_counter(type, id, path), {
        [path]: expected.at(-1) ?? [],
      });
    }
  }
  assert.deepEqual(store.daemons().sort(), [...model.keys()].sort());
}

Deno.test("random registrations, reports and removals agree with an array model", () => {
  const seed = Number(Deno.env.get("FC_SEED") ?? Date.now() % 2 ** 31);
  console.log(`fast-check seed ${seed} (replay: FC_SEED=${seed} deno task test)`);
  const prop = fc.property(fc.array(op, { maxLength: 150, size: "max" }), (ops) => {
    const store = new PerfCounterStore();
    const model = new Map<string, ModelDaemon>();
    let t = 1000;
    for (const o of ops) {
      t += 5;
      if (o.kind === "register") {
        const name = DAEMONS[o.daemon]!, schema = SCHEMAS[o.schema]!;
        store.registerSchema(name, schema);
        const old = model.get(name);
        const points = new Map<string, number[][]>();
        for (const e of schema) {
          const before = old?.schema.find((x) => x.path === e.path);
          const keep = before !== undefined && isAvg(before) === isAvg(e);
          points.set(e.path, keep ? old!.points.get(e.path)! : []);
        }
        model.set(name, { schema, points });
      } else if (o.kind === "ingest") {
        const name = DAEMONS[o.daemon]!;
        const d = model.get(name);
        const stored = store.ingest(name, slotValues(d?.schema ?? [], o.base), t);
        assert.equal(stored, d !== undefined);
        if (d !== undefined) modelIngest(d, o.base, t);
      } else if (o.kind === "batch") {
        // One batch per schema in use, as the simulator reports one daemon type at a time.
        for (const schema of SCHEMAS) {
          const width = schema.length;
          const rows: number[] = o.daemons.filter((i) => model.get(DAEMONS[i]!)?.schema === schema);
          if (rows.length === 0) continue;
          const values = new Float64Array(rows.length * width);
          const counts = new Float64Array(rows.length * width);
          rows.forEach((_, r) => {
            for (let c = 0; c < width; c++) {
              [values[r * width + c], counts[r * width + c]] = reading(o.base, c);
            }
          });
          const batch = { schema: { size: width }, daemons: DAEMONS, rows, values, counts };
          assert.equal(store.ingestBatch(batch, t), rows.length);
          for (const i of rows) modelIngest(model.get(DAEMONS[i]!)!, o.base, t);
        }
      } else {
        const name = DAEMONS[o.daemon]!;
        assert.equal(store.removeDaemon(name), model.delete(name));
      }
      check(store, model);
    }
  });
  fc.assert(prop, { seed });
});
