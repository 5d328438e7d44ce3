/**
 * The perf-counter store: every daemon's counter schema and the last
 * {@linkcode PERF_HISTORY} reported points of every counter, with the module API's readers
 * (`get_counter`, `get_latest_counter`, `get_latest`, `get_latest_avg`, `get_perf_schema`,
 * `get_all_perf_counters`) in Ceph's shapes (spec §2.7).
 *
 * Storage is one preallocated `Float64Array` ring per daemon: a row per reporting period,
 * `[stamp, slot 0, slot 1, ...]`, where a plain counter takes one slot and a long-running
 * average two (sum, count). All counters of a daemon share the ring's head, so ingesting a
 * report is one `set()` of its values; readers build small fresh arrays and never touch JSON.
 *
 * @module
 */

/** Ceph's `PERFCOUNTER_LONGRUNAVG` type bit: the counter reports a sum and a count. */
export const PERFCOUNTER_LONGRUNAVG = 4;

/** Points kept per counter, as Ceph's `PerfCounterInstance` (a 20-entry ring). */
export const PERF_HISTORY = 20;

/** Services `get_all_perf_counters` covers unless told otherwise (Pacific's default). */
export const DEFAULT_PERF_SERVICES: readonly string[] = Object.freeze([
  "mds",
  "mon",
  "osd",
  "rbd-mirror",
  "rgw",
  "tcmu-runner",
]);

/** Ceph's `PRIO_USEFUL`, the default `prio_limit` of `get_all_perf_counters`. */
export const PRIO_USEFUL = 5;

/** One counter a daemon declares, as it arrives from the cluster. */
export interface CounterSchemaEntry {
  /** `<subsystem>.<name>`, e.g. `osd.op_w`. */
  readonly path: string;
  readonly description: string;
  /** Short name; absent or "" when the counter has none (the key is then omitted). */
  readonly nick?: string;
  /** Ceph's `perfcounter_type_d` bits (`TIME`=1, `U64`=2, `LONGRUNAVG`=4, `COUNTER`=8, ...). */
  readonly type: number;
  readonly priority: number;
  /** 0 = bytes, 1 = none. */
  readonly units: number;
}

/** A counter's schema as `get_perf_schema` shows it. */
export interface CounterSchemaJson {
  readonly description: string;
  readonly nick?: string;
  readonly type: number;
  readonly priority: number;
  readonly units: number;
}

/** `get_all_perf_counters` entry: the schema plus the latest value (and count of averages). */
export interface CounterWithValue extends CounterSchemaJson {
  value: number;
  count?: number;
}

/**
 * A schema in column form, as the simulator's `PerfSchema` holds it (one array per field, in
 * report order; a nick of "" means none).
 */
export interface CounterSchemaColumns {
  readonly paths: readonly string[];
  readonly descriptions: readonly string[];
  readonly nicks: readonly string[];
  readonly types: ArrayLike<number>;
  readonly priorities: ArrayLike<number>;
  readonly units: ArrayLike<number>;
}

/**
 * One reporting period of many daemons sharing one schema (structurally the simulator's
 * `PerfReport`): row `i` is daemon `daemons[rows[i]]`, its numbers are
 * `values[i * schema.size + c]`, and for long-running averages `counts[...]` at the same place.
 */
export interface CounterBatch {
  readonly schema: { readonly size: number };
  readonly daemons: readonly string[];
  readonly rows: ArrayLike<number>;
  /** Each row's stamp, used when `ingestBatch` is given no stamp. */
  readonly stamps?: ArrayLike<number>;
  readonly values: Float64Array;
  readonly counts: Float64Array;
}

/**
 * The slot layout shared by every daemon that declared the same schema: where each counter's
 * numbers sit in a report's values (`ingest`) and in the daemon's ring.
 */
export class CounterLayout {
  /** Counter paths in declaration (report) order. */
  readonly paths: readonly string[];
  /** Numbers per report: one per counter, two per long-running average. */
  readonly slots: number;
  /** Counter index → its first slot. */
  readonly slotOf: Int32Array;
  /** Counter index → 1 for a long-running average. */
  readonly avg: Uint8Array;
  /** Counter index → priority (for `get_all_perf_counters`). */
  readonly priorities: Int32Array;
  /** `{path: schema}` sorted by path as Ceph's std::map; frozen and shared. */
  readonly schemaJson: Readonly<Record<string, CounterSchemaJson>>;
  /** Counter indices ordered by path (the order of every dump). */
  readonly sorted: Int32Array;
  readonly #index = new Map<string, number>();
  readonly #entries: readonly CounterSchemaEntry[];

  constructor(entries: readonly CounterSchemaEntry[]) {
    this.#entries = entries.map(_normaliseEntry);
    const n = this.#entries.length;
    this.paths = this.#entries.map((e) => e.path);
    this.slotOf = new Int32Array(n);
    this.avg = new Uint8Array(n);
    this.priorities = new Int32Array(n);
    let slot = 0;
    for (let c = 0; c < n; c++) {
      const e = this.#entries[c]!;
      if (this.#index.has(e.path)) {
        throw new RangeError(`schema: counter path "${e.path}" is declared twice`);
      }
      this.#index.set(e.path, c);
      this.slotOf[c] = slot;
      const isAvg = (e.type & PERFCOUNTER_LONGRUNAVG) !== 0;
      this.avg[c] = isAvg ? 1 : 0;
      this.priorities[c] = e.priority;
      slot += isAvg ? 2 : 1;
    }
    this.slots = slot;
    this.sorted = Int32Array.from(
      [...this.paths.keys()].sort((a, b) => _byteCompare(this.paths[a]!, this.paths[b]!)),
    );
    const json: Record<string, CounterSchemaJson> = {};
    for (const c of this.sorted) {
      const e = this.#entries[c]!;
      // Key order as Ceph dumps it: description, nick, type, priority, units.
      json[e.path] = Object.freeze(
        e.nick
          ? {
            description: e.description,
            nick: e.nick,
            type: e.type,
            priority: e.priority,
            units: e.units,
          }
          : { description: e.description, type: e.type, priority: e.priority, units: e.units },
      );
    }
    this.schemaJson = Object.freeze(json);
  }

  /** Number of counters. */
  get size(): number {
    return this.paths.length;
  }

  /** The index of counter `path`, or -1. */
  indexOf(path: string): number {
    return this.#index.get(path) ?? -1;
  }

  /** Whether `entries` declares exactly this layout's counters. */
  sameAs(entries: readonly CounterSchemaEntry[]): boolean {
    if (entries.length !== this.#entries.length) return false;
    for (let c = 0; c < entries.length; c++) {
      const a = entries[c]!, b = this.#entries[c]!;
      if (
        a.path !== b.path || a.type !== b.type || a.priority !== b.priority ||
        a.units !== b.units || a.description !== b.description || (a.nick ?? "") !== b.nick
      ) return false;
    }
    return true;
  }
}

function _normaliseEntry(e: CounterSchemaEntry, i: number): Required<CounterSchemaEntry> {
  if (typeof e?.path !== "string" || e.path === "") {
    throw new TypeError(`schema[${i}].path must be a non-empty string, got ${String(e?.path)}`);
  }
  for (const k of ["type", "priority", "units"] as const) {
    if (!Number.isInteger(e[k])) {
      throw new TypeError(`schema[${i}].${k} of "${e.path}" must be an integer, got ${e[k]}`);
    }
  }
  return {
    path: e.path,
    description: String(e.description ?? ""),
    nick: e.nick ?? "",
    type: e.type,
    priority: e.priority,
    units: e.units,
  };
}

/** Compares as C++ std::string does for ASCII names (what orders Ceph's dumps). */
function _byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Splits a daemon name at its first dot: `osd.3` → `["osd", "3"]`,
 * `rgw.a.b` → `["rgw", "a.b"]`.
 *
 * @example
 * ```ts
 * import { parseDaemonName } from "./perf_counters.ts";
 * const [type, id] = parseDaemonName("rbd-mirror.x.y");
 * if (type !== "rbd-mirror" || id !== "x.y") throw new Error();
 * ```
 */
export function parseDaemonName(name: string): [type: string, id: string] {
  const dot = name.indexOf(".");
  if (dot <= 0 || dot === name.length - 1) {
    throw new RangeError(`daemon name must look like "<type>.<id>", got "${name}"`);
  }
  return [name.slice(0, dot), name.slice(dot + 1)];
}

/** Orders daemon keys as Ceph's `DaemonKey` (type, then id, as strings). */
export function compareDaemonKeys(
  aType: string,
  aId: string,
  bType: string,
  bId: string,
): number {
  return _byteCompare(aType, bType) || _byteCompare(aId, bId);
}

/**
 * Converts a schema in column form (the simulator's `PerfSchema`) to entries.
 *
 * @example
 * ```ts
 * import { schemaFromColumns } from "./perf_counters.ts";
 * const e = schemaFromColumns({
 *   paths: ["osd.op_w"], descriptions: ["Client write operations"], nicks: [""],
 *   types: [10], priorities: [5], units: [1],
 * });
 * if (e[0]!.nick !== undefined || e[0]!.type !== 10) throw new Error();
 * ```
 */
export function schemaFromColumns(cols: CounterSchemaColumns): CounterSchemaEntry[] {
  return cols.paths.map((path, i) => {
    const nick = cols.nicks[i] ?? "";
    return {
      path,
      description: cols.descriptions[i] ?? "",
      ...(nick === "" ? {} : { nick }),
      type: cols.types[i] ?? 0,
      priority: cols.priorities[i] ?? 0,
      units: cols.units[i] ?? 0,
    };
  });
}

/**
 * What {@linkcode PerfCounterStore.bulk} answers. Counter `c` of daemon `i` is
 * `rings[i][offsets[i] + layouts[i].slotOf[c]]` (a long-running average's count follows its
 * sum); an offset of -1 means the daemon has not reported yet (every value reads as 0).
 * Times are in nanoseconds, as the daemons send them.
 */
export interface PerfCounterBulk {
  /** Daemon names (`osd.3`). */
  readonly names: readonly string[];
  readonly layouts: readonly CounterLayout[];
  readonly rings: readonly Float64Array[];
  readonly offsets: Int32Array;
  /** Changes whenever a value may have: a report stored, a daemon come or gone. */
  readonly version: number;
}

interface _Bulk extends PerfCounterBulk {
  readonly daemons: readonly _Daemon[];
  version: number;
}

class _Daemon {
  readonly type: string;
  readonly id: string;
  readonly name: string;
  layout: CounterLayout;
  /** `PERF_HISTORY` rows of `stride` numbers: stamp then the report's slots. */
  ring: Float64Array;
  stride: number;
  /** Row of the newest point; -1 before the first report. */
  head = -1;
  /** Points in the ring (≤ PERF_HISTORY). */
  n = 0;
  /** Reports ingested since registration. */
  seq = 0;
  /**
   * Per counter, the `seq` at which it was declared: a counter added by a later schema has
   * fewer points than the ring holds. Null while every counter dates from the first schema.
   */
  since: Float64Array | null = null;

  constructor(type: string, id: string, layout: CounterLayout) {
    this.type = type;
    this.id = id;
    this.name = `${type}.${id}`;
    this.layout = layout;
    this.stride = layout.slots + 1;
    this.ring = new Float64Array(PERF_HISTORY * this.stride);
  }

  /** Points counter `c` has. */
  points(c: number): number {
    const since = this.since;
    if (since === null) return this.n;
    const own = this.seq - since[c]!;
    return own < this.n ? own : this.n;
  }
}

/**
 * The counter store. Daemons are identified by `"<type>.<id>"` on the write side and by
 * `(type, id)` on the read side, as the module API asks.
 *
 * @example
 * ```ts
 * import { PerfCounterStore } from "./perf_counters.ts";
 * const store = new PerfCounterStore();
 * store.registerSchema("osd.0", [
 *   { path: "osd.op_w", description: "Client write operations", type: 10, priority: 5, units: 1 },
 *   { path: "osd.op_w_latency", description: "Latency", type: 5, priority: 5, units: 1 },
 * ]);
 * store.ingest("osd.0", Float64Array.of(7, 3.5e6, 7), 100.5);
 * const c = store.get_counter("osd", "0", "osd.op_w_latency");
 * if (JSON.stringify(c) !== '{"osd.op_w_latency":[[100.5,3500000,7]]}') throw new Error();
 * if (store.get_latest("osd", "0", "osd.op_w") !== 7) throw new Error();
 * ```
 */
export class PerfCounterStore {
  readonly #byType = new Map<string, Map<string, _Daemon>>();
  readonly #byName = new Map<string, _Daemon>();
  readonly #layoutOf = new WeakMap<readonly CounterSchemaEntry[], CounterLayout>();
  readonly #layouts: CounterLayout[] = [];
  /** Every daemon in Ceph's key order; rebuilt lazily after a registration or removal. */
  #sorted: _Daemon[] | null = null;
  /** Bumped when a daemon comes, goes or changes layout (what {@linkcode bulk} keys on). */
  #generation = 0;
  /** Bumped by every report stored: {@linkcode PerfCounterBulk.version}. */
  #ingested = 0;
  #bulk: { daemons: readonly string[]; services: string; generation: number; value: _Bulk } | null =
    null;

  /** Number of daemons with a schema. */
  get size(): number {
    return this.#byName.size;
  }

  /** Names (`osd.3`) of every daemon with a schema, in Ceph's key order. */
  daemons(): string[] {
    return this.#all().map((d) => d.name);
  }

  /** Whether `daemon` (`osd.3`) has a schema. */
  has(daemon: string): boolean {
    return this.#byName.has(daemon);
  }

  /** The layout `daemon` reports in, or undefined when it has declared no schema. */
  layout(daemon: string): CounterLayout | undefined {
    return this.#byName.get(daemon)?.layout;
  }

  /**
   * Declares `daemon`'s counters (`osd.3`). Daemons passing the same schema (the same array,
   * or an equal one) share one layout. Declaring again with a different schema keeps the
   * history of every counter whose path and averaging are unchanged; the others start empty.
   * Throws on a malformed name or schema (a duplicate path, a non-integer type).
   */
  registerSchema(daemon: string, schema: readonly CounterSchemaEntry[]): CounterLayout {
    const [type, id] = parseDaemonName(daemon);
    const layout = this.#intern(schema);
    const old = this.#byName.get(daemon);
    if (old !== undefined) {
      if (old.layout !== layout) {
        _relayout(old, layout);
        this.#generation++;
      }
      return layout;
    }
    const d = new _Daemon(type, id, layout);
    this.#byName.set(daemon, d);
    let ids = this.#byType.get(type);
    if (ids === undefined) this.#byType.set(type, ids = new Map());
    ids.set(id, d);
    this.#sorted = null;
    this.#generation++;
    return layout;
  }

  /** Forgets `daemon` and its history (it left the cluster). Returns whether it was known. */
  removeDaemon(daemon: string): boolean {
    const d = this.#byName.get(daemon);
    if (d === undefined) return false;
    this.#byName.delete(daemon);
    const ids = this.#byType.get(d.type)!;
    ids.delete(d.id);
    if (ids.size === 0) this.#byType.delete(d.type);
    this.#sorted = null;
    this.#generation++;
    return true;
  }

  /**
   * Appends one report of `daemon`: `values` in its layout's slot order (a long-running
   * average's sum then count), stamped `stamp` (the manager's receive time, float seconds).
   * Returns false, storing nothing, when `daemon` has declared no schema yet.
   */
  ingest(daemon: string, values: Float64Array, stamp: number): boolean {
    const d = this.#byName.get(daemon);
    if (d === undefined) return false;
    if (values.length !== d.layout.slots) {
      throw new RangeError(
        `ingest(${daemon}): values must hold ${d.layout.slots} numbers, got ${values.length}`,
      );
    }
    const head = d.head + 1 === PERF_HISTORY ? 0 : d.head + 1;
    const off = head * d.stride;
    d.ring[off] = stamp;
    d.ring.set(values, off + 1);
    d.head = head;
    if (d.n < PERF_HISTORY) d.n++;
    d.seq++;
    this.#ingested++;
    return true;
  }

  /**
   * Ingests one reporting period of many daemons sharing a schema of `batch.schema.size`
   * counters (see {@linkcode CounterBatch}), stamped `stamp`, or each row's `batch.stamps[i]`
   * when no stamp is given. Rows of daemons without a schema, or whose schema has a different
   * number of counters, are skipped. Returns the number of rows stored.
   */
  ingestBatch(batch: CounterBatch, stamp?: number): number {
    const width = batch.schema.size;
    const { rows, values, counts, daemons, stamps } = batch;
    let stored = 0;
    for (let i = 0; i < rows.length; i++) {
      const name = daemons[rows[i]!];
      const d = name === undefined ? undefined : this.#byName.get(name);
      if (d === undefined || d.layout.size !== width) continue;
      const t = stamp ?? stamps?.[i];
      if (t === undefined) continue;
      const head = d.head + 1 === PERF_HISTORY ? 0 : d.head + 1;
      const ring = d.ring;
      const off = head * d.stride + 1;
      const base = i * width;
      const layout = d.layout;
      ring[off - 1] = t;
      if (layout.slots === width) {
        ring.set(values.subarray(base, base + width), off);
      } else {
        const avg = layout.avg;
        let s = off;
        for (let c = 0; c < width; c++) {
          ring[s++] = values[base + c]!;
          if (avg[c] === 1) ring[s++] = counts[base + c]!;
        }
      }
      d.head = head;
      if (d.n < PERF_HISTORY) d.n++;
      d.seq++;
      stored++;
    }
    this.#ingested += stored;
    return stored;
  }

  #find(type: string, id: string): _Daemon | undefined {
    return this.#byType.get(type)?.get(typeof id === "string" ? id : String(id));
  }

  /**
   * `get_counter(svc_type, svc_name, path)`: `{path: [[t, v], ...]}` oldest to newest, or
   * `[[t, sum, count], ...]` for a long-running average; `{path: []}` for an unknown daemon or
   * counter. The arrays are fresh: the caller may keep or change them.
   */
  get_counter(svc_type: string, svc_name: string, path: string): Record<string, number[][]> {
    const result: Record<string, number[][]> = {};
    result[path] = this.#points(svc_type, svc_name, path);
    return result;
  }

  #points(type: string, id: string, path: string): number[][] {
    const d = this.#find(type, id);
    if (d === undefined) return [];
    const layout = d.layout;
    const c = layout.indexOf(path);
    if (c < 0) return [];
    const k = d.points(c);
    // Sized up front: growing by push() costs half of the call at 20 points.
    const out: number[][] = new Array(k);
    const ring = d.ring, stride = d.stride;
    const slot = 1 + layout.slotOf[c]!;
    let row = d.head - k + 1;
    if (row < 0) row += PERF_HISTORY;
    if (layout.avg[c] === 1) {
      for (let i = 0; i < k; i++) {
        const o = row * stride;
        out[i] = [ring[o]!, ring[o + slot]!, ring[o + slot + 1]!];
        if (++row === PERF_HISTORY) row = 0;
      }
    } else {
      for (let i = 0; i < k; i++) {
        const o = row * stride;
        out[i] = [ring[o]!, ring[o + slot]!];
        if (++row === PERF_HISTORY) row = 0;
      }
    }
    return out;
  }

  /**
   * `get_latest_counter(svc_type, svc_name, path)`: `{path: [t, v]}`, `{path: [t, sum, count]}`
   * for a long-running average, `{path: []}` when there is no point.
   */
  get_latest_counter(svc_type: string, svc_name: string, path: string): Record<string, number[]> {
    const result: Record<string, number[]> = {};
    result[path] = this.#latest(svc_type, svc_name, path);
    return result;
  }

  #latest(type: string, id: string, path: string): number[] {
    const d = this.#find(type, id);
    if (d === undefined) return [];
    const c = d.layout.indexOf(path);
    if (c < 0 || d.points(c) === 0) return [];
    const o = d.head * d.stride;
    const slot = o + 1 + d.layout.slotOf[c]!;
    return d.layout.avg[c] === 1
      ? [d.ring[o]!, d.ring[slot]!, d.ring[slot + 1]!]
      : [d.ring[o]!, d.ring[slot]!];
  }

  /** `get_latest(type, name, path)`: the latest value (a sum for an average), or 0. */
  get_latest(svc_type: string, svc_name: string, path: string): number {
    const p = this.#latest(svc_type, svc_name, path);
    return p.length === 0 ? 0 : p[1]!;
  }

  /**
   * `get_latest_avg(type, name, path)`: `[sum, count]` of the latest point, `[0, 0]` when
   * there is none, and `[value, 0]` for a counter that is not an average (where Pacific's
   * unpacking raises ValueError).
   */
  get_latest_avg(svc_type: string, svc_name: string, path: string): [number, number] {
    const p = this.#latest(svc_type, svc_name, path);
    if (p.length === 0) return [0, 0];
    return [p[1]!, p[2] ?? 0];
  }

  #all(): _Daemon[] {
    if (this.#sorted === null) {
      this.#sorted = [...this.#byName.values()].sort((a, b) =>
        compareDaemonKeys(a.type, a.id, b.type, b.id)
      );
    }
    return this.#sorted;
  }

  /**
   * `get_perf_schema(svc_type, svc_name)`: `{"<type>.<id>": {path: {description, nick?, type,
   * priority, units}}}`. A type of null or "" means every daemon; an id of null or "" every
   * daemon of the type (Pacific raises TypeError on None; its documentation calls it a
   * wildcard, which we follow). Nothing found → `{}`. The per-daemon objects are frozen and
   * shared; the outer object is fresh.
   */
  get_perf_schema(
    svc_type: string | null,
    svc_name: string | null,
  ): Record<string, Readonly<Record<string, CounterSchemaJson>>> {
    const out: Record<string, Readonly<Record<string, CounterSchemaJson>>> = {};
    if (svc_type === null || svc_type === "") {
      for (const d of this.#all()) out[d.name] = d.layout.schemaJson;
    } else if (svc_name === null || svc_name === "") {
      for (const d of this.#all()) if (d.type === svc_type) out[d.name] = d.layout.schemaJson;
    } else {
      const d = this.#find(svc_type, svc_name);
      if (d !== undefined) out[d.name] = d.layout.schemaJson;
    }
    return out;
  }

  /**
   * `get_all_perf_counters(prio_limit, services)`: for every daemon of `services`, each counter
   * with priority ≥ `prio_limit` as its schema plus `value` (the latest value, or the latest
   * sum and its `count` for an average; 0 without a point). Ceph walks `list_servers()`, so
   * only daemons with metadata appear: pass their names (in that order) as `daemons` to match;
   * without it every daemon with a schema is listed in key order. Daemons without a schema or
   * without a counter above the limit are left out.
   */
  get_all_perf_counters(
    prio_limit: number = PRIO_USEFUL,
    services: readonly string[] = DEFAULT_PERF_SERVICES,
    daemons?: Iterable<string>,
  ): Record<string, Record<string, CounterWithValue>> {
    const wanted = new Set(services);
    const out: Record<string, Record<string, CounterWithValue>> = {};
    const list: Iterable<_Daemon | undefined> = daemons === undefined
      ? this.#all()
      : _map(daemons, (n) => this.#byName.get(n));
    for (const d of list) {
      if (d === undefined || !wanted.has(d.type) || out[d.name] !== undefined) continue;
      const layout = d.layout;
      const counters: Record<string, CounterWithValue> = {};
      let any = false;
      const o = d.head * d.stride + 1;
      for (const c of layout.sorted) {
        if (layout.priorities[c]! < prio_limit) continue;
        const path = layout.paths[c]!;
        const has = d.head >= 0 && d.points(c) > 0;
        const s = o + layout.slotOf[c]!;
        const entry: CounterWithValue = { ...layout.schemaJson[path]!, value: 0 };
        if (layout.avg[c] === 1) {
          entry.value = has ? d.ring[s]! : 0;
          entry.count = has ? d.ring[s + 1]! : 0;
        } else {
          entry.value = has ? d.ring[s]! : 0;
        }
        counters[path] = entry;
        any = true;
      }
      if (any) out[d.name] = counters;
    }
    return out;
  }

  // ---- Bulk reader, for exporters (the prometheus module) ----

  /**
   * The newest point of every counter of the daemons of `services` among `daemons` (in that
   * order, as {@linkcode get_all_perf_counters}), without an object per counter: per daemon
   * its layout, its ring and where the newest row starts. The result and its arrays stay the
   * same objects while no daemon comes, goes or changes layout (so `names` can key a cache);
   * only `offsets` is refreshed, at every call.
   */
  bulk(services: readonly string[], daemons: readonly string[]): PerfCounterBulk {
    const key = services.join(" ");
    let cached = this.#bulk;
    if (
      cached === null || cached.daemons !== daemons || cached.services !== key ||
      cached.generation !== this.#generation
    ) {
      const wanted = new Set(services);
      const list: _Daemon[] = [];
      const seen = new Set<string>();
      for (const name of daemons) {
        const d = this.#byName.get(name);
        if (d === undefined || !wanted.has(d.type) || seen.has(name)) continue;
        seen.add(name);
        list.push(d);
      }
      // The same daemons with the same layouts keep the frozen lists, so that a reader's plan
      // keyed on `names` stands (a daemon's new metadata or a schema that came again).
      const prev = cached?.value;
      const same = prev !== undefined && prev.daemons.length === list.length &&
        list.every((d, i) => prev.names[i] === d.name && prev.layouts[i] === d.layout);
      const value: _Bulk = {
        names: same ? prev.names : Object.freeze(list.map((d) => d.name)),
        layouts: same ? prev.layouts : Object.freeze(list.map((d) => d.layout)),
        rings: Object.freeze(list.map((d) => d.ring)),
        offsets: new Int32Array(list.length),
        version: 0,
        daemons: list,
      };
      cached = this.#bulk = { daemons, services: key, generation: this.#generation, value };
    }
    const v = cached.value;
    v.version = this.#generation * 2 ** 26 + this.#ingested;
    for (let i = 0; i < v.daemons.length; i++) {
      const d = v.daemons[i]!;
      v.offsets[i] = d.head < 0 ? -1 : d.head * d.stride + 1;
    }
    return v;
  }

  #intern(schema: readonly CounterSchemaEntry[]): CounterLayout {
    let layout = this.#layoutOf.get(schema);
    if (layout !== undefined) return layout;
    layout = this.#layouts.find((l) => l.sameAs(schema));
    if (layout === undefined) {
      layout = new CounterLayout(schema);
      this.#layouts.push(layout);
      this.#prune();
    }
    this.#layoutOf.set(schema, layout);
    return layout;
  }

  /** Drops layouts no daemon uses any more, so a churn of schemas cannot grow the list. */
  #prune(): void {
    if (this.#layouts.length < 64) return;
    const used = new Set<CounterLayout>();
    for (const d of this.#byName.values()) used.add(d.layout);
    const keep = this.#layouts.filter((l) => used.has(l));
    this.#layouts.length = 0;
    this.#layouts.push(...keep);
  }
}

function* _map<T, U>(items: Iterable<T>, f: (t: T) => U): Iterable<U> {
  for (const t of items) yield f(t);
}

/** Moves a daemon to a new layout, keeping the points of counters present in both. */
function _relayout(d: _Daemon, layout: CounterLayout): void {
  const old = d.layout, oldRing = d.ring, oldStride = d.stride;
  const stride = layout.slots + 1;
  const ring = new Float64Array(PERF_HISTORY * stride);
  const since = new Float64Array(layout.size).fill(d.seq);
  for (let row = 0; row < PERF_HISTORY; row++) ring[row * stride] = oldRing[row * oldStride]!;
  for (let c = 0; c < layout.size; c++) {
    const was = old.indexOf(layout.paths[c]!);
    if (was < 0 || old.avg[was] !== layout.avg[c]) continue;
    since[c] = d.since?.[was] ?? 0;
    const width = layout.avg[c] === 1 ? 2 : 1;
    const from = 1 + old.slotOf[was]!, to = 1 + layout.slotOf[c]!;
    for (let row = 0; row < PERF_HISTORY; row++) {
      for (let w = 0; w < width; w++) {
        ring[row * stride + to + w] = oldRing[row * oldStride + from + w]!;
      }
    }
  }
  d.layout = layout;
  d.ring = ring;
  d.stride = stride;
  d.since = since;
}
