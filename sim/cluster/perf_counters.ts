/**
 * Perf counters as daemons report them to the manager: schemas shared per daemon type and
 * values in typed arrays, one row per daemon.
 *
 * A schema lists counters with Ceph's type bits (`PERFCOUNTER_U64 | PERFCOUNTER_COUNTER` = 10,
 * `PERFCOUNTER_TIME | PERFCOUNTER_LONGRUNAVG` = 5, ...), priorities and units. The OSD and mon
 * schemas are the counters a Pacific daemon sends the manager (priority >= mgr_stats_threshold),
 * as captured in ceph-reference/get/get_perf_schema_*.json.
 *
 * A {@linkcode PerfReport} carries one `mgr_stats_period` for one daemon type: `values` holds
 * `rows x schema.size` numbers (a long-running average's sum, in nanoseconds for times), `counts`
 * holds the matching counts of long-running averages (0 elsewhere). The manager can ingest a
 * report with one `Float64Array.set()` per row, or keep the whole block.
 *
 * @module
 */

import type { Json } from "./osd_map_dump.ts";

/** Ceph's `perfcounter_type_d` bits. */
export const PerfType = {
  NONE: 0,
  TIME: 1,
  U64: 2,
  LONGRUNAVG: 4,
  COUNTER: 8,
  HISTOGRAM: 0x10,
} as const;

/** Ceph's `unit_t`: 0 = bytes, 1 = none. */
export const PerfUnit = { BYTES: 0, NONE: 1 } as const;

type _Row = readonly [string, string, string, number, number, number];

const _OSD: readonly _Row[] = [
  ["objecter.op_active", "Operations active", "actv", 2, 10, 1],
  ["objecter.op_r", "Read operations", "rd", 10, 10, 1],
  ["objecter.op_rmw", "Read-modify-write operations", "rdwr", 10, 8, 1],
  ["objecter.op_w", "Write operations", "wr", 10, 10, 1],
  ["osd.numpg", "Placement groups", "pgs", 2, 5, 1],
  ["osd.numpg_removing", "Placement groups queued for local deletion", "pgsr", 2, 5, 1],
  ["osd.op", "Client operations", "ops", 10, 10, 1],
  ["osd.op_in_bytes", "Client operations total write size", "wr", 10, 8, 0],
  ["osd.op_latency", "Latency of client operations (including queue time)", "l", 5, 9, 1],
  ["osd.op_out_bytes", "Client operations total read size", "rd", 10, 8, 0],
  [
    "osd.op_prepare_latency",
    "Latency of client operations (excluding queue time and wait for finished)",
    "",
    5,
    5,
    1,
  ],
  ["osd.op_process_latency", "Latency of client operations (excluding queue time)", "", 5, 5, 1],
  ["osd.op_r", "Client read operations", "", 10, 5, 1],
  ["osd.op_r_latency", "Latency of read operation (including queue time)", "", 5, 5, 1],
  [
    "osd.op_r_latency_out_bytes_histogram",
    "Histogram of operation latency (including queue time) + data read",
    "",
    26,
    5,
    1,
  ],
  ["osd.op_r_out_bytes", "Client data read", "", 10, 5, 0],
  [
    "osd.op_r_prepare_latency",
    "Latency of read operations (excluding queue time and wait for finished)",
    "",
    5,
    5,
    1,
  ],
  ["osd.op_r_process_latency", "Latency of read operation (excluding queue time)", "", 5, 5, 1],
  ["osd.op_rw", "Client read-modify-write operations", "", 10, 5, 1],
  ["osd.op_rw_in_bytes", "Client read-modify-write operations write in", "", 10, 5, 0],
  [
    "osd.op_rw_latency",
    "Latency of read-modify-write operation (including queue time)",
    "",
    5,
    5,
    1,
  ],
  [
    "osd.op_rw_latency_in_bytes_histogram",
    "Histogram of rw operation latency (including queue time) + data written",
    "",
    26,
    5,
    1,
  ],
  [
    "osd.op_rw_latency_out_bytes_histogram",
    "Histogram of rw operation latency (including queue time) + data read",
    "",
    26,
    5,
    1,
  ],
  ["osd.op_rw_out_bytes", "Client read-modify-write operations read out ", "", 10, 5, 0],
  [
    "osd.op_rw_prepare_latency",
    "Latency of read-modify-write operations (excluding queue time and wait for finished)",
    "",
    5,
    5,
    1,
  ],
  [
    "osd.op_rw_process_latency",
    "Latency of read-modify-write operation (excluding queue time)",
    "",
    5,
    5,
    1,
  ],
  ["osd.op_w", "Client write operations", "", 10, 5, 1],
  ["osd.op_w_in_bytes", "Client data written", "", 10, 5, 1],
  ["osd.op_w_latency", "Latency of write operation (including queue time)", "", 5, 5, 1],
  [
    "osd.op_w_latency_in_bytes_histogram",
    "Histogram of operation latency (including queue time) + data written",
    "",
    26,
    5,
    1,
  ],
  [
    "osd.op_w_prepare_latency",
    "Latency of write operations (excluding queue time and wait for finished)",
    "",
    5,
    5,
    1,
  ],
  ["osd.op_w_process_latency", "Latency of write operation (excluding queue time)", "", 5, 5, 1],
  ["osd.op_wip", "Replication operations currently being processed (primary)", "", 2, 5, 1],
  ["osd.recovery_bytes", "recovery bytes", "rbt", 10, 8, 1],
  ["osd.recovery_ops", "Started recovery operations", "rop", 10, 8, 1],
  ["osd.stat_bytes", "OSD size", "size", 2, 5, 0],
  ["osd.stat_bytes_used", "Used space", "used", 2, 5, 0],
];

const _MON: readonly _Row[] = [
  ["mon.election_call", "Elections started", "estt", 10, 8, 1],
  ["mon.election_lose", "Elections lost", "elst", 10, 8, 1],
  ["mon.election_win", "Elections won", "ewon", 10, 8, 1],
  ["mon.num_elections", "Elections participated in", "ecnt", 10, 5, 1],
  ["mon.num_sessions", "Open sessions", "sess", 2, 5, 1],
  ["mon.session_add", "Created sessions", "sadd", 10, 8, 1],
  ["mon.session_rm", "Removed sessions", "srm", 10, 8, 1],
  ["mon.session_trim", "Trimmed sessions", "strm", 10, 5, 1],
  ["paxos.accept_timeout", "Accept timeouts", "", 10, 5, 1],
  ["paxos.begin", "Started and handled begins", "", 10, 5, 1],
  ["paxos.begin_bytes", "Data in transaction on begin", "", 6, 5, 0],
  ["paxos.begin_keys", "Keys in transaction on begin", "", 6, 5, 1],
  ["paxos.begin_latency", "Latency of begin operation", "", 5, 5, 1],
  ["paxos.collect", "Peon collects", "", 10, 5, 1],
  ["paxos.collect_bytes", "Data in transaction on peon collect", "", 6, 5, 0],
  ["paxos.collect_keys", "Keys in transaction on peon collect", "", 6, 5, 1],
  ["paxos.collect_latency", "Peon collect latency", "", 5, 5, 1],
  ["paxos.collect_timeout", "Collect timeouts", "", 10, 5, 1],
  ["paxos.collect_uncommitted", "Uncommitted values in started and handled collects", "", 10, 5, 1],
  ["paxos.commit", "Commits", "cmt", 10, 5, 1],
  ["paxos.commit_bytes", "Data in transaction on commit", "", 6, 5, 0],
  ["paxos.commit_keys", "Keys in transaction on commit", "", 6, 5, 1],
  ["paxos.commit_latency", "Commit latency", "clat", 5, 5, 1],
  ["paxos.lease_ack_timeout", "Lease acknowledgement timeouts", "", 10, 5, 1],
  ["paxos.lease_timeout", "Lease timeouts", "", 10, 5, 1],
  ["paxos.new_pn", "New proposal number queries", "", 10, 5, 1],
  ["paxos.new_pn_latency", "New proposal number getting latency", "", 5, 5, 1],
  ["paxos.refresh", "Refreshes", "", 10, 5, 1],
  ["paxos.refresh_latency", "Refresh latency", "", 5, 5, 1],
  ["paxos.restart", "Restarts", "", 10, 5, 1],
  ["paxos.share_state", "Sharings of state", "", 10, 5, 1],
  ["paxos.share_state_bytes", "Data in shared state", "", 6, 5, 0],
  ["paxos.share_state_keys", "Keys in shared state", "", 6, 5, 1],
  ["paxos.start_leader", "Starts in leader role", "", 10, 5, 1],
  ["paxos.start_peon", "Starts in peon role", "", 10, 5, 1],
  ["paxos.store_state", "Store a shared state on disk", "", 10, 5, 1],
  ["paxos.store_state_bytes", "Data in transaction in stored state", "", 6, 5, 0],
  ["paxos.store_state_keys", "Keys in transaction in stored state", "", 6, 5, 1],
  ["paxos.store_state_latency", "Storing state latency", "", 5, 5, 1],
  ["prioritycache.cache_bytes", "current memory available for caches.", "c", 2, 8, 0],
  ["prioritycache.heap_bytes", "aggregate bytes in use by the heap", "h", 2, 8, 0],
  ["prioritycache.mapped_bytes", "total bytes mapped by the process", "m", 2, 8, 0],
  ["prioritycache.target_bytes", "target process memory usage in bytes", "t", 2, 8, 0],
  [
    "prioritycache.unmapped_bytes",
    "unmapped bytes that the kernel has yet to reclaimed",
    "u",
    2,
    8,
    0,
  ],
  ["prioritycache:full.committed_bytes", "total bytes committed,", "c", 2, 5, 0],
  ["prioritycache:full.pri0_bytes", "bytes allocated to pri0", "p0", 2, 5, 0],
  ["prioritycache:full.pri10_bytes", "bytes allocated to pri10", "p10", 2, 5, 0],
  ["prioritycache:full.pri11_bytes", "bytes allocated to pri11", "p11", 2, 5, 0],
  ["prioritycache:full.pri1_bytes", "bytes allocated to pri1", "p1", 2, 5, 0],
  ["prioritycache:full.pri2_bytes", "bytes allocated to pri2", "p2", 2, 5, 0],
  ["prioritycache:full.pri3_bytes", "bytes allocated to pri3", "p3", 2, 5, 0],
  ["prioritycache:full.pri4_bytes", "bytes allocated to pri4", "p4", 2, 5, 0],
  ["prioritycache:full.pri5_bytes", "bytes allocated to pri5", "p5", 2, 5, 0],
  ["prioritycache:full.pri6_bytes", "bytes allocated to pri6", "p6", 2, 5, 0],
  ["prioritycache:full.pri7_bytes", "bytes allocated to pri7", "p7", 2, 5, 0],
  ["prioritycache:full.pri8_bytes", "bytes allocated to pri8", "p8", 2, 5, 0],
  ["prioritycache:full.pri9_bytes", "bytes allocated to pri9", "p9", 2, 5, 0],
  ["prioritycache:full.reserved_bytes", "bytes reserved for future growth.", "r", 2, 5, 0],
  ["prioritycache:inc.committed_bytes", "total bytes committed,", "c", 2, 5, 0],
  ["prioritycache:inc.pri0_bytes", "bytes allocated to pri0", "p0", 2, 5, 0],
  ["prioritycache:inc.pri10_bytes", "bytes allocated to pri10", "p10", 2, 5, 0],
  ["prioritycache:inc.pri11_bytes", "bytes allocated to pri11", "p11", 2, 5, 0],
  ["prioritycache:inc.pri1_bytes", "bytes allocated to pri1", "p1", 2, 5, 0],
  ["prioritycache:inc.pri2_bytes", "bytes allocated to pri2", "p2", 2, 5, 0],
  ["prioritycache:inc.pri3_bytes", "bytes allocated to pri3", "p3", 2, 5, 0],
  ["prioritycache:inc.pri4_bytes", "bytes allocated to pri4", "p4", 2, 5, 0],
  ["prioritycache:inc.pri5_bytes", "bytes allocated to pri5", "p5", 2, 5, 0],
  ["prioritycache:inc.pri6_bytes", "bytes allocated to pri6", "p6", 2, 5, 0],
  ["prioritycache:inc.pri7_bytes", "bytes allocated to pri7", "p7", 2, 5, 0],
  ["prioritycache:inc.pri8_bytes", "bytes allocated to pri8", "p8", 2, 5, 0],
  ["prioritycache:inc.pri9_bytes", "bytes allocated to pri9", "p9", 2, 5, 0],
  ["prioritycache:inc.reserved_bytes", "bytes reserved for future growth.", "r", 2, 5, 0],
  ["prioritycache:kv.committed_bytes", "total bytes committed,", "c", 2, 5, 0],
  ["prioritycache:kv.pri0_bytes", "bytes allocated to pri0", "p0", 2, 5, 0],
  ["prioritycache:kv.pri10_bytes", "bytes allocated to pri10", "p10", 2, 5, 0],
  ["prioritycache:kv.pri11_bytes", "bytes allocated to pri11", "p11", 2, 5, 0],
  ["prioritycache:kv.pri1_bytes", "bytes allocated to pri1", "p1", 2, 5, 0],
  ["prioritycache:kv.pri2_bytes", "bytes allocated to pri2", "p2", 2, 5, 0],
  ["prioritycache:kv.pri3_bytes", "bytes allocated to pri3", "p3", 2, 5, 0],
  ["prioritycache:kv.pri4_bytes", "bytes allocated to pri4", "p4", 2, 5, 0],
  ["prioritycache:kv.pri5_bytes", "bytes allocated to pri5", "p5", 2, 5, 0],
  ["prioritycache:kv.pri6_bytes", "bytes allocated to pri6", "p6", 2, 5, 0],
  ["prioritycache:kv.pri7_bytes", "bytes allocated to pri7", "p7", 2, 5, 0],
  ["prioritycache:kv.pri8_bytes", "bytes allocated to pri8", "p8", 2, 5, 0],
  ["prioritycache:kv.pri9_bytes", "bytes allocated to pri9", "p9", 2, 5, 0],
  ["prioritycache:kv.reserved_bytes", "bytes reserved for future growth.", "r", 2, 5, 0],
  ["rocksdb.compact", "Compactions", "", 10, 5, 1],
  ["rocksdb.compact_queue_len", "Length of compaction queue", "", 2, 5, 1],
  ["rocksdb.compact_queue_merge", "Mergings of ranges in compaction queue", "", 10, 5, 1],
  ["rocksdb.compact_range", "Compactions by range", "", 10, 5, 1],
  ["rocksdb.get", "Gets", "", 10, 5, 1],
  ["rocksdb.get_latency", "Get latency", "", 5, 5, 1],
  ["rocksdb.rocksdb_write_delay_time", "Rocksdb write delay time", "", 5, 5, 1],
  ["rocksdb.rocksdb_write_memtable_time", "Rocksdb write memtable time", "", 5, 5, 1],
  [
    "rocksdb.rocksdb_write_pre_and_post_time",
    "total time spent on writing a record, excluding write process",
    "",
    5,
    5,
    1,
  ],
  ["rocksdb.rocksdb_write_wal_time", "Rocksdb write wal time", "", 5, 5, 1],
  ["rocksdb.submit_latency", "Submit Latency", "", 5, 5, 1],
  ["rocksdb.submit_sync_latency", "Submit Sync Latency", "", 5, 5, 1],
];

/**
 * The counters of one daemon type, in a fixed order shared by every daemon of that type.
 *
 * @example
 * ```ts
 * import { OSD_PERF_SCHEMA, PerfType } from "./perf_counters.ts";
 * const i = OSD_PERF_SCHEMA.indexOf("osd.op_w_latency");
 * if (OSD_PERF_SCHEMA.types[i] !== (PerfType.TIME | PerfType.LONGRUNAVG)) throw new Error();
 * ```
 */
export class PerfSchema {
  /** `osd`, `mon`, ... */
  readonly daemonType: string;
  /** Counter paths (`osd.op_w`), in report order. */
  readonly paths: readonly string[];
  readonly descriptions: readonly string[];
  /** Nicknames ("" when the counter has none: Ceph then omits the key). */
  readonly nicks: readonly string[];
  readonly types: Uint8Array;
  readonly priorities: Uint8Array;
  readonly units: Uint8Array;
  readonly #index = new Map<string, number>();

  constructor(daemonType: string, rows: readonly _Row[]) {
    this.daemonType = daemonType;
    this.paths = rows.map((r) => r[0]);
    this.descriptions = rows.map((r) => r[1]);
    this.nicks = rows.map((r) => r[2]);
    this.types = Uint8Array.from(rows, (r) => r[3]);
    this.priorities = Uint8Array.from(rows, (r) => r[4]);
    this.units = Uint8Array.from(rows, (r) => r[5]);
    rows.forEach((r, i) => this.#index.set(r[0], i));
  }

  /** Number of counters. */
  get size(): number {
    return this.paths.length;
  }

  /** Column of counter `path`; throws a RangeError naming the schema when it has none. */
  indexOf(path: string): number {
    const i = this.#index.get(path);
    if (i === undefined) {
      throw new RangeError(`no counter "${path}" in the ${this.daemonType} schema`);
    }
    return i;
  }

  /** Whether column `i` is a long-running average (its report carries a count). */
  isAverage(i: number): boolean {
    return ((this.types[i] ?? 0) & PerfType.LONGRUNAVG) !== 0;
  }
}

/** The counters an OSD reports to the manager. */
export const OSD_PERF_SCHEMA: PerfSchema = new PerfSchema("osd", _OSD);
/** The counters a mon reports to the manager. */
export const MON_PERF_SCHEMA: PerfSchema = new PerfSchema("mon", _MON);

/**
 * The live counters of every daemon of one type: `values` and `counts` in rows of
 * `schema.size`, indexed by the daemon's row (its position in `daemons`).
 *
 * @example
 * ```ts
 * import { OSD_PERF_SCHEMA, PerfCounters } from "./perf_counters.ts";
 * const c = new PerfCounters(OSD_PERF_SCHEMA, ["osd.0", "osd.1"]);
 * c.add(1, c.schema.indexOf("osd.op_w"), 5);
 * c.avg(1, c.schema.indexOf("osd.op_w_latency"), 5e6, 5);
 * const r = c.report(100, Int32Array.of(1), Float64Array.of(100));
 * if (r.values[c.schema.indexOf("osd.op_w")] !== 5) throw new Error();
 * ```
 */
export class PerfCounters {
  readonly schema: PerfSchema;
  /** Daemon names (`osd.3`); a row's index is its position here. */
  readonly daemons: readonly string[];
  readonly values: Float64Array;
  readonly counts: Float64Array;

  constructor(schema: PerfSchema, daemons: readonly string[]) {
    this.schema = schema;
    this.daemons = daemons;
    this.values = new Float64Array(daemons.length * schema.size);
    this.counts = new Float64Array(daemons.length * schema.size);
  }

  /** Adds `v` to counter `col` of daemon row `row`. */
  add(row: number, col: number, v: number): void {
    (this.values[row * this.schema.size + col] as number) += v;
  }

  /** Sets gauge `col` of daemon row `row`. */
  set(row: number, col: number, v: number): void {
    this.values[row * this.schema.size + col] = v;
  }

  /** Adds `sum` and `count` to long-running average `col` of daemon row `row`. */
  avg(row: number, col: number, sum: number, count: number): void {
    const k = row * this.schema.size + col;
    (this.values[k] as number) += sum;
    (this.counts[k] as number) += count;
  }

  /** The value of counter `col` of daemon row `row`. */
  get(row: number, col: number): number {
    return this.values[row * this.schema.size + col] as number;
  }

  /**
   * A snapshot of the rows in `rows` as a {@linkcode PerfReport} stamped `stamp`; `stamps`
   * gives each row's sampling time (a late report is older than `stamp`).
   */
  report(stamp: number, rows: Int32Array, stamps: Float64Array): PerfReport {
    const size = this.schema.size;
    const values = new Float64Array(rows.length * size);
    const counts = new Float64Array(rows.length * size);
    for (let i = 0; i < rows.length; i++) {
      const from = (rows[i] as number) * size;
      values.set(this.values.subarray(from, from + size), i * size);
      counts.set(this.counts.subarray(from, from + size), i * size);
    }
    return { schema: this.schema, stamp, daemons: this.daemons, rows, stamps, values, counts };
  }
}

/**
 * One `mgr_stats_period` of perf counters for one daemon type: what the manager's counter
 * store ingests. Row `i` belongs to daemon `daemons[rows[i]]`; its numbers are
 * `values[i * schema.size ...]` and, for long-running averages, `counts[...]` at the same
 * positions. Daemons missing from `rows` did not report this period.
 */
export interface PerfReport {
  readonly schema: PerfSchema;
  /** When the period closed (virtual clock seconds). */
  readonly stamp: number;
  /** The stable table of daemon names of this type; `rows` index into it. */
  readonly daemons: readonly string[];
  readonly rows: Int32Array;
  /** When each row was sampled. */
  readonly stamps: Float64Array;
  readonly values: Float64Array;
  readonly counts: Float64Array;
}

function _schemaEntry(schema: PerfSchema, i: number): { [key: string]: Json } {
  const e: { [key: string]: Json } = { description: schema.descriptions[i] as string };
  const nick = schema.nicks[i] as string;
  if (nick !== "") e.nick = nick;
  e.type = schema.types[i] as number;
  e.priority = schema.priorities[i] as number;
  e.units = schema.units[i] as number;
  return e;
}

/**
 * `get_perf_schema(type, id)` for one daemon: `{"osd.0": {path: {description, nick?, type,
 * priority, units}}}`.
 */
export function dumpPerfSchema(schema: PerfSchema, daemon: string): Json {
  const out: { [key: string]: Json } = {};
  for (let i = 0; i < schema.size; i++) out[schema.paths[i] as string] = _schemaEntry(schema, i);
  return { [daemon]: out };
}

/**
 * `get_all_perf_counters()` from the latest report of each daemon type: every daemon's
 * counters with their schema entry and `value` (and `count` for long-running averages).
 */
export function dumpAllPerfCounters(reports: readonly PerfReport[]): Json {
  const out: { [key: string]: Json } = {};
  for (const r of reports) {
    const size = r.schema.size;
    for (let i = 0; i < r.rows.length; i++) {
      const counters: { [key: string]: Json } = {};
      for (let c = 0; c < size; c++) {
        const e = _schemaEntry(r.schema, c);
        e.value = Math.round(r.values[i * size + c] as number);
        if (r.schema.isAverage(c)) e.count = Math.round(r.counts[i * size + c] as number);
        counters[r.schema.paths[c] as string] = e;
      }
      out[r.daemons[r.rows[i] as number] as string] = counters;
    }
  }
  return out;
}
