/**
 * PG statistics as the cluster sends them to the active manager: what the OSDs' MPGStats
 * messages carry (each OSD's `osd_stat_t` and the `pg_stat_t` of the PGs it is primary for),
 * gathered per reporting period into columns, like {@linkcode PerfReportBatch} for perf
 * counters. The manager's PGMap (core/state/pg_map.ts) is built from these and nothing else.
 *
 * An OSD publishes a PG's stats when they change (and at least every
 * `osd_pg_stat_report_interval_max`), so a period's report holds the PGs that changed; the
 * first report a newly active manager gets holds every PG of the reporting OSDs (`full`).
 *
 * @module
 */
import { type PgStampKey, STATFS_KEYS, type StatSumKey } from "../ceph/pg_stat.ts";

/** What is rarely set in a `pg_stat_t`; absent fields are Ceph's defaults (0, false, []). */
export interface PgStatExtras {
  parent_split_bits?: number;
  snaptrimq_len?: number;
  stats_invalid?: boolean;
  dirty_stats_invalid?: boolean;
  omap_stats_invalid?: boolean;
  hitset_stats_invalid?: boolean;
  hitset_bytes_stats_invalid?: boolean;
  pin_stats_invalid?: boolean;
  manifest_stats_invalid?: boolean;
  /** eversion_t texts (`12'34`); `0'0` when absent. */
  log_start?: string;
  ondisk_log_start?: string;
  last_scrub?: string;
  last_deep_scrub?: string;
  /** The parent pgid (`0.0` when absent). */
  parent?: string;
  avail_no_missing?: readonly unknown[];
  object_location_counts?: readonly unknown[];
  blocked_by?: readonly number[];
  purged_snaps?: readonly unknown[];
}

/**
 * The `pg_stat_t` of many PGs, one row each. With `index`, row i is at position `index[i]` of
 * every column (a sender that keeps its last published stats in columns hands those out);
 * without it, at position i.
 */
export interface PgStatRows {
  /** The number of rows. */
  length: number;
  index?: Int32Array;
  /** Slots per row in `up` and `acting`. */
  width: number;
  pool: Uint32Array;
  ps: Uint32Array;
  /** Ceph's state mask (ceph/pg_state.ts); 0 is unknown. */
  state: Float64Array;
  reportedSeq: Float64Array;
  reportedEpoch: Uint32Array;
  /** `version` (an eversion_t, `<epoch>'<v>`). */
  versionEpoch: Uint32Array;
  versionV: Float64Array;
  mappingEpoch: Uint32Array;
  created: Uint32Array;
  lastEpochClean: Uint32Array;
  logSize: Float64Array;
  ondiskLogSize: Float64Array;
  /** Seconds since the epoch, `length × stampKeys.length`, in the order of `stampKeys`. */
  stampKeys: readonly PgStampKey[];
  stamps: Float64Array;
  /** The `stat_sum` counters the rows carry (the others are 0), `length × statKeys.length`. */
  statKeys: readonly StatSumKey[];
  stats: Float64Array;
  /** `length × width` OSD ids; the first `upN[i]` / `actingN[i]` of row i count. */
  up: Int32Array;
  upN: Uint8Array;
  acting: Int32Array;
  actingN: Uint8Array;
  upPrimary: Int32Array;
  actingPrimary: Int32Array;
  /** The rows that have any of the rarely set fields, by row number (not position). */
  extras?: ReadonlyMap<number, PgStatExtras>;
}

/** The `osd_stat_t` of the OSDs that reported, one row each. */
export interface OsdStatRows {
  length: number;
  osd: Int32Array;
  upFrom: Uint32Array;
  seq: Float64Array;
  numPgs: Uint32Array;
  /** `store_statfs_t`, `length × STATFS_KEYS.length` (ceph/pg_stat.ts order). */
  statfs: Float64Array;
  /** Row i's heartbeat peers are `hbPeers[hbPeersStart[i] .. hbPeersStart[i + 1])`. */
  hbPeers: Int32Array;
  hbPeersStart: Uint32Array;
  snapTrimQueueLen: Uint32Array;
  numSnapTrimming: Uint32Array;
  numShardsRepaired: Uint32Array;
  numPerPoolOsds: Uint8Array;
  numPerPoolOmapOsds: Uint8Array;
  /** `perf_stat`: the object store's commit and apply latency, nanoseconds. */
  commitLatencyNs: Float64Array;
  applyLatencyNs: Float64Array;
  /** `op_queue_age_hist` of the rows that have one (`{histogram: [], upper_bound: 1}` otherwise). */
  opQueueAgeHist?: ReadonlyMap<number, { histogram: readonly number[]; upper_bound: number }>;
}

/**
 * One reporting period of PG statistics. Like a message buffer, its arrays may be the
 * sender's and change after the update has been delivered: a receiver copies what it keeps
 * while it handles the update, and does not hold on to the report.
 */
export interface PgStatsReport {
  /** When the manager took the reports in. */
  stamp: number;
  /**
   * Whether `pgs` holds every PG the reporting OSDs are primary for (the first report to a
   * manager, or after the session returned), rather than only those whose stats changed.
   */
  full: boolean;
  pgs: PgStatRows;
  /**
   * PGs whose state, placement, intervals and creation did not change since they were last
   * reported, only their stats (client IO on a healthy PG, the most common change by far).
   * Only their `reportedSeq`, `reportedEpoch`, version, log sizes, stamps and stat_sum are
   * read; the other columns may hold anything.
   */
  statUpdates?: PgStatRows;
  osds: OsdStatRows;
}

/**
 * Zeroed PG rows for `n` PGs of at most `width` OSDs each, carrying `stampKeys` and `statKeys`
 * (a sender fills them in).
 *
 * @example
 * ```ts
 * import { newPgStatRows } from "./pg_stats_report.ts";
 * const rows = newPgStatRows(2, 3, ["last_fresh"], ["num_bytes"]);
 * console.assert(rows.up.length === 6 && rows.stats.length === 2);
 * ```
 */
export function newPgStatRows(
  n: number,
  width: number,
  stampKeys: readonly PgStampKey[],
  statKeys: readonly StatSumKey[],
): PgStatRows {
  return {
    length: n,
    width,
    pool: new Uint32Array(n),
    ps: new Uint32Array(n),
    state: new Float64Array(n),
    reportedSeq: new Float64Array(n),
    reportedEpoch: new Uint32Array(n),
    versionEpoch: new Uint32Array(n),
    versionV: new Float64Array(n),
    mappingEpoch: new Uint32Array(n),
    created: new Uint32Array(n),
    lastEpochClean: new Uint32Array(n),
    logSize: new Float64Array(n),
    ondiskLogSize: new Float64Array(n),
    stampKeys,
    stamps: new Float64Array(n * stampKeys.length),
    statKeys,
    stats: new Float64Array(n * statKeys.length),
    up: new Int32Array(n * width),
    upN: new Uint8Array(n),
    acting: new Int32Array(n * width),
    actingN: new Uint8Array(n),
    upPrimary: new Int32Array(n),
    actingPrimary: new Int32Array(n),
  };
}

/**
 * Zeroed `osd_stat_t` rows for `n` OSDs with `hbPeers` heartbeat peers in all.
 *
 * @example
 * ```ts
 * import { newOsdStatRows } from "./pg_stats_report.ts";
 * console.assert(newOsdStatRows(2, 0).hbPeersStart.length === 3);
 * ```
 */
export function newOsdStatRows(n: number, hbPeers: number): OsdStatRows {
  return {
    length: n,
    osd: new Int32Array(n),
    upFrom: new Uint32Array(n),
    seq: new Float64Array(n),
    numPgs: new Uint32Array(n),
    statfs: new Float64Array(n * STATFS_KEYS.length),
    hbPeers: new Int32Array(hbPeers),
    hbPeersStart: new Uint32Array(n + 1),
    snapTrimQueueLen: new Uint32Array(n),
    numSnapTrimming: new Uint32Array(n),
    numShardsRepaired: new Uint32Array(n),
    numPerPoolOsds: new Uint8Array(n),
    numPerPoolOmapOsds: new Uint8Array(n),
    commitLatencyNs: new Float64Array(n),
    applyLatencyNs: new Float64Array(n),
  };
}
