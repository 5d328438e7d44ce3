/**
 * PG statistics as the manager's `get()` returns them: `pg_summary` and `pg_dump`, with
 * Ceph's key names and value types (see ceph-reference/get/). Built on demand from the
 * typed arrays of a {@linkcode PgTable}; at 300,000 PGs `dumpPgDump` is large by nature.
 *
 * @module
 */

import { cephSeconds, cephStamp } from "../../ceph/time.ts";
import { type IoModel, osdCapacity } from "./io_model.ts";
import type { OsdMap } from "./osd_map.ts";
import type { Json } from "./osd_map_dump.ts";
import type { PgTable } from "./pg_table.ts";
import { PgState, pgStateString } from "../../ceph/pg_state.ts";

/** The per-PG counters Ceph sums (`object_stat_sum_t`), in Ceph's order. */
const STAT_KEYS = [
  "num_bytes",
  "num_objects",
  "num_object_clones",
  "num_object_copies",
  "num_objects_missing_on_primary",
  "num_objects_missing",
  "num_objects_degraded",
  "num_objects_misplaced",
  "num_objects_unfound",
  "num_objects_dirty",
  "num_whiteouts",
  "num_read",
  "num_read_kb",
  "num_write",
  "num_write_kb",
  "num_scrub_errors",
  "num_shallow_scrub_errors",
  "num_deep_scrub_errors",
  "num_objects_recovered",
  "num_bytes_recovered",
  "num_keys_recovered",
  "num_objects_omap",
  "num_objects_hit_set_archive",
  "num_bytes_hit_set_archive",
  "num_flush",
  "num_flush_kb",
  "num_evict",
  "num_evict_kb",
  "num_promote",
  "num_flush_mode_high",
  "num_flush_mode_low",
  "num_evict_mode_some",
  "num_evict_mode_full",
  "num_objects_pinned",
  "num_legacy_snapsets",
  "num_large_omap_objects",
  "num_objects_manifest",
  "num_omap_bytes",
  "num_omap_keys",
  "num_objects_repaired",
] as const;

/** An `object_stat_sum_t`. */
export type StatSum = Record<(typeof STAT_KEYS)[number], number>;

/**
 * What the manager sees of the PGs: `state` is the PGMap's state per PG (built from OSD
 * reports; "unknown" until the primary reported), `reportedAt` and `reportedEpoch` when and at
 * which OSDMap epoch each PG's state was reported, `io` the workload's counters. Without a
 * view the dumps show the model's own state, stamped with the dump's time, and no client IO.
 */
export interface PgStatsView {
  state?: Uint32Array;
  reportedAt?: Float64Array;
  reportedEpoch?: Uint32Array;
  io?: IoModel;
}

/** A zeroed `object_stat_sum_t`. */
export function zeroSum(): StatSum {
  return _zeroSum();
}

function _zeroSum(): StatSum {
  return _statSum(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}

/**
 * An `object_stat_sum_t` with the counters the simulator models, in Ceph's key order (the
 * order of STAT_KEYS): a literal of one fixed shape, much faster to build than key by key.
 */
function _statSum(
  bytes: number,
  objects: number,
  copies: number,
  degraded: number,
  misplaced: number,
  read: number,
  readKb: number,
  write: number,
  writeKb: number,
  recovered: number,
  recoveredBytes: number,
): StatSum {
  return {
    num_bytes: bytes,
    num_objects: objects,
    num_object_clones: 0,
    num_object_copies: copies,
    num_objects_missing_on_primary: 0,
    num_objects_missing: 0,
    num_objects_degraded: degraded,
    num_objects_misplaced: misplaced,
    num_objects_unfound: 0,
    num_objects_dirty: objects,
    num_whiteouts: 0,
    num_read: read,
    num_read_kb: readKb,
    num_write: write,
    num_write_kb: writeKb,
    num_scrub_errors: 0,
    num_shallow_scrub_errors: 0,
    num_deep_scrub_errors: 0,
    num_objects_recovered: recovered,
    num_bytes_recovered: recoveredBytes,
    num_keys_recovered: 0,
    num_objects_omap: 0,
    num_objects_hit_set_archive: 0,
    num_bytes_hit_set_archive: 0,
    num_flush: 0,
    num_flush_kb: 0,
    num_evict: 0,
    num_evict_kb: 0,
    num_promote: 0,
    num_flush_mode_high: 0,
    num_flush_mode_low: 0,
    num_evict_mode_some: 0,
    num_evict_mode_full: 0,
    num_objects_pinned: 0,
    num_legacy_snapsets: 0,
    num_large_omap_objects: 0,
    num_objects_manifest: 0,
    num_omap_bytes: 0,
    num_omap_keys: 0,
    num_objects_repaired: 0,
  };
}

/** The stat sum of PG `p`. */
export function pgStatSum(pgs: PgTable, p: number, io?: IoModel): StatSum {
  const objects = pgs.objects[p] as number;
  const bytes = pgs.bytes[p] as number;
  const recovered = Math.round(pgs.recovered[p] as number);
  return _statSum(
    bytes,
    objects,
    objects * pgs.poolOf(p).size,
    pgs.degradedObjects(p),
    pgs.misplacedObjects(p),
    Math.round(io?.numRead[p] ?? 0),
    Math.round((io?.readBytes[p] ?? 0) / 1024),
    objects + Math.round(io?.numWrite[p] ?? 0),
    Math.round((bytes + (io?.writeBytes[p] ?? 0)) / 1024),
    recovered,
    recovered * pgs.options.objectSize,
  );
}

/**
 * Adds one PG's statistics into `into` without building them first: the same numbers as
 * `pgStatSum`, for sums over every PG (hundreds of thousands at scale).
 */
export function addPgStatSum(into: StatSum, pgs: PgTable, p: number, io?: IoModel): void {
  _addPg(into, pgs, p, pgs.poolOf(p).size, io);
}

function _addPg(into: StatSum, pgs: PgTable, p: number, size: number, io?: IoModel): void {
  const objects = pgs.objects[p] as number;
  const bytes = pgs.bytes[p] as number;
  const recovered = Math.round(pgs.recovered[p] as number);
  into.num_bytes += bytes;
  into.num_objects += objects;
  into.num_object_copies += objects * size;
  into.num_objects_degraded += pgs.degradedObjects(p);
  into.num_objects_misplaced += pgs.misplacedObjects(p);
  into.num_objects_dirty += objects;
  into.num_write += objects + Math.round(io?.numWrite[p] ?? 0);
  into.num_write_kb += Math.round((bytes + (io?.writeBytes[p] ?? 0)) / 1024);
  into.num_read += Math.round(io?.numRead[p] ?? 0);
  into.num_read_kb += Math.round((io?.readBytes[p] ?? 0) / 1024);
  into.num_objects_recovered += recovered;
  into.num_bytes_recovered += recovered * pgs.options.objectSize;
}

/** Adds `from` into `into`. */
export function addSum(into: StatSum, from: StatSum): void {
  _add(into, from);
}

function _add(into: StatSum, from: StatSum): void {
  for (const k of STAT_KEYS) into[k] += from[k];
}

function _storeStats(total = 0, available = 0): Json {
  return {
    total,
    available,
    internally_reserved: 0,
    allocated: 0,
    data_stored: 0,
    data_compressed: 0,
    data_compressed_allocated: 0,
    data_compressed_original: 0,
    omap_allocated: 0,
    internal_metadata: 0,
  };
}

/** `{stat_sum, store_stats, log_size, ...}` as Ceph dumps a `pool_stat_t`. */
export function statBlock(sum: StatSum, logSize: number, up: number, acting: number): Json {
  return _statBlock(sum, logSize, up, acting);
}

function _statBlock(sum: StatSum, logSize: number, up: number, acting: number): Json {
  return {
    stat_sum: { ...sum },
    store_stats: _storeStats(),
    log_size: logSize,
    ondisk_log_size: logSize,
    up,
    acting,
    num_store_stats: 0,
  };
}

/**
 * `get("pg_summary")`: PG counts by state per OSD (acting set), per pool and overall, and the
 * summed PG stats.
 *
 * @example
 * ```ts
 * import { Rng } from "../engine/prng.ts";
 * import { Scheduler } from "../engine/scheduler.ts";
 * import { SimCluster } from "./cluster.ts";
 * import { dumpPgSummary } from "./pg_dump.ts";
 * const s = new Scheduler({ rng: new Rng(1) });
 * const c = new SimCluster(s, { hosts: 3, osdsPerHost: 1, pools: [{ name: "p", pgNum: 8 }] });
 * const before = dumpPgSummary(c.pgs) as { all: Record<string, number> };
 * if (before.all.unknown !== 8) throw new Error("unknown until peered");
 * ```
 */
export function dumpPgSummary(pgs: PgTable, view: PgStatsView = {}): Json {
  const states = view.state ?? pgs.state;
  const stride = pgs.stride;
  // Count with numbers (a dense index per distinct state, typed arrays per OSD), and make the
  // objects once at the end: at 300,000 PGs this is most of the cost of the summary.
  let maxOsd = -1;
  for (let p = 0; p < pgs.count; p++) {
    for (let i = 0; i < (pgs.actingN[p] as number); i++) {
      const osd = pgs.acting[p * stride + i] as number;
      if (osd > maxOsd) maxOsd = osd;
    }
  }
  const stateIndex = new Map<number, number>();
  const stateNames: string[] = [];
  const byOsd: Int32Array[] = [];
  const byPool = new Map<number, number[]>();
  const all: number[] = [];
  const sum = _zeroSum();
  let up = 0, acting = 0;
  for (let p = 0; p < pgs.count; p++) {
    const bits = states[p] as number;
    let si = stateIndex.get(bits);
    if (si === undefined) {
      si = stateNames.length;
      stateIndex.set(bits, si);
      stateNames.push(pgStateString(bits));
      byOsd.push(new Int32Array(maxOsd + 1));
      all.push(0);
    }
    const pool = pgs.poolId[p] as number;
    let counts = byPool.get(pool);
    if (!counts) byPool.set(pool, counts = []);
    counts[si] = (counts[si] ?? 0) + 1;
    const perOsd = byOsd[si]!;
    for (let i = 0; i < (pgs.actingN[p] as number); i++) {
      perOsd[pgs.acting[p * stride + i] as number]!++;
    }
    all[si]!++;
    addPgStatSum(sum, pgs, p, view.io);
    up += pgs.upN[p] as number;
    acting += pgs.actingN[p] as number;
  }
  const named = (counts: ArrayLike<number | undefined>) => {
    const out: Record<string, number> = {};
    for (let si = 0; si < stateNames.length; si++) {
      const n = counts[si];
      if (n) out[stateNames[si]!] = n;
    }
    return out;
  };
  const osdOut: Record<string, Record<string, number>> = {};
  for (let osd = 0; osd <= maxOsd; osd++) {
    let row: Record<string, number> | undefined;
    for (let si = 0; si < stateNames.length; si++) {
      const n = byOsd[si]![osd]!;
      if (n) (row ??= {})[stateNames[si]!] = n;
    }
    if (row) osdOut[String(osd)] = row;
  }
  const poolOut: Record<string, Record<string, number>> = {};
  for (const pool of [...byPool.keys()].sort((a, b) => a - b)) {
    poolOut[String(pool)] = named(byPool.get(pool)!);
  }
  return {
    by_osd: osdOut,
    by_pool: poolOut,
    all: named(all),
    pg_stats_sum: _statBlock(sum, sum.num_objects, up, acting),
  };
}

/** One `osd_stat_t` as Ceph dumps it. */
export function osdStat(
  id: number,
  upFrom: number,
  numPgs: number,
  total: number,
  used: number,
  peers: number[],
  numOsds: number,
  commitMs = 0,
): { [key: string]: Json } {
  const s = _osdStat(id, upFrom, numPgs, total, used, peers, numOsds);
  const ms = Math.round(commitMs);
  s.perf_stat = {
    commit_latency_ms: ms,
    apply_latency_ms: ms,
    commit_latency_ns: ms * 1e6,
    apply_latency_ns: ms * 1e6,
  };
  return s;
}

function _osdStat(
  id: number,
  upFrom: number,
  numPgs: number,
  total: number,
  used: number,
  peers: number[],
  numOsds: number,
): { [key: string]: Json } {
  return {
    osd: id,
    up_from: upFrom,
    seq: upFrom * 2 ** 32,
    num_pgs: numPgs,
    num_osds: numOsds,
    num_per_pool_osds: 0,
    num_per_pool_omap_osds: 0,
    kb: Math.floor(total / 1024),
    kb_used: Math.floor(used / 1024),
    kb_used_data: 0,
    kb_used_omap: 0,
    kb_used_meta: 0,
    kb_avail: Math.floor((total - used) / 1024),
    statfs: _storeStats(total, total - used),
    hb_peers: peers,
    snap_trim_queue_len: 0,
    num_snap_trimming: 0,
    num_shards_repaired: 0,
    op_queue_age_hist: { histogram: [], upper_bound: 1 },
    perf_stat: {
      commit_latency_ms: 0,
      apply_latency_ms: 0,
      commit_latency_ns: 0,
      apply_latency_ns: 0,
    },
    alerts: [],
  };
}

/** One `pg_stat_t` of the dumps: the fields an update reads back to reuse an entry. */
interface _PgStat {
  readonly reported_seq: number;
  readonly reported_epoch: number;
  readonly state: string;
  readonly mapping_epoch: number;
  readonly created: number;
  readonly log_size: number;
  readonly stat_sum: Readonly<StatSum>;
  readonly up: readonly number[];
  readonly acting: readonly number[];
  readonly pgid: string;
  readonly version: string;
  readonly last_fresh: string;
  readonly last_change: string;
  readonly last_active: string;
  readonly last_clean: string;
  readonly last_undegraded: string;
  readonly last_fullsized: string;
}

/** Sums of PG stats: over all PGs and per pool (with PG, up and acting counts). */
export interface PgStatSums {
  total: StatSum;
  up: number;
  acting: number;
  pools: Map<number, { sum: StatSum; n: number; up: number; acting: number }>;
}

/** The always-empty arrays of a `pg_stat_t` (`blocked_by`, `purged_snaps`, ...): one, frozen. */
const _EMPTY: readonly never[] = Object.freeze([]);

/** How many heartbeat peers `osd_stats` lists per OSD. */
const _PEERS = 10;

/**
 * The frozen parts of a PgTable's last PG dump, with what each was built from: the entries of
 * `pg_stats` (one per PG) and of `osd_stats` (one per up OSD). The next dump reuses the entry
 * of every PG whose inputs are unchanged (reported state, report stamp and epoch, placement,
 * counters, state-change stamps) and builds the others, keeping their unchanged parts
 * (`stat_sum`, `up`, `acting`, formatted stamps); likewise for OSDs. After a map change the
 * cost is one pass over typed arrays plus the PGs it touched. An entry depends on its PG's
 * data only, never on the time of the dump, so a dump through a used cache equals one through
 * a new cache.
 *
 * @example
 * ```ts
 * import { Rng } from "../engine/prng.ts";
 * import { Scheduler } from "../engine/scheduler.ts";
 * import { SimCluster } from "./cluster.ts";
 * import { PgDumpCache } from "./pg_dump.ts";
 * const s = new Scheduler({ rng: new Rng(1) });
 * const c = new SimCluster(s, { hosts: 3, osdsPerHost: 2, pools: [{ name: "p", pgNum: 32 }] });
 * c.startReporting();
 * await s.runFor(30);
 * const cache = new PgDumpCache();
 * const before = cache.pgStats(c.pgs, c.map, s.now, c.pgView());
 * c.osdOut(0);
 * const after = cache.pgStats(c.pgs, c.map, s.now, c.pgView());
 * const kept = after.filter((e, i) => e === before[i]).length;
 * if (kept === 0 || kept === after.length) throw new Error("only the remapped PGs are new");
 * if (!Object.isFrozen(after[0])) throw new Error("entries are frozen");
 * ```
 */
export class PgDumpCache {
  #entries: (_PgStat | undefined)[] = [];
  // What each entry was built from, one row per PG: `#intWidth` ints (_I_*, then the up and
  // the acting set) and _N_WIDTH numbers (_N_*). Compared row by row, in order, in memory.
  #ints = new Int32Array(0);
  #nums = new Float64Array(0);
  #intWidth = 0;
  #relocations = 0;
  #mapCreated = NaN;
  #scrubStamp = "";
  #objectSize = NaN;
  #osdEntries: (Json | undefined)[] = [];
  // Per OSD, what its osd_stats entry was built from (_O_*, then its heartbeat peers).
  #osdRows = new Float64Array(0);
  /** How many `pg_stats` entries the last `pgStats()` built (the others it reused). */
  builtPgs = 0;
  /** The sums over the PGs of the last `pgStats()` (the same numbers as its entries'). */
  sums: PgStatSums = { total: _zeroSum(), up: 0, acting: 0, pools: new Map() };
  /** How many `osd_stats` entries the last `osdStats()` built. */
  builtOsds = 0;

  /**
   * The `pg_stats` entries of every PG of `pgs`, in PG order: a new array of frozen entries.
   * `now` stands for the report stamp of PGs that `view` gives none for.
   */
  pgStats(pgs: PgTable, map: OsdMap, now: number, view: PgStatsView = {}): Json[] {
    const n = pgs.count, stride = pgs.stride, objectSize = pgs.options.objectSize;
    const iw = _I_SETS + 2 * stride;
    if (
      map.created !== this.#mapCreated || objectSize !== this.#objectSize ||
      iw !== this.#intWidth || pgs.relocations !== this.#relocations
    ) {
      // A merge moved a PG to another row: the rows no longer name the PGs they were built for.
      this.#relocations = pgs.relocations;
      this.#entries = [];
      this.#ints = new Int32Array(0);
      this.#nums = new Float64Array(0);
      this.#intWidth = iw;
      this.#mapCreated = map.created;
      this.#scrubStamp = cephStamp(map.created);
      this.#objectSize = objectSize;
    }
    this.#reserve(n);
    const entries = this.#entries, ints = this.#ints, nums = this.#nums;
    const scrubStamp = this.#scrubStamp;
    const states = view.state ?? pgs.state;
    const io = view.io;
    const reportedAt = view.reportedAt, reportedEpoch = view.reportedEpoch;
    const pgUp = pgs.up, pgActing = pgs.acting;
    // Few distinct times (report stamps, state changes): each is formatted once.
    const formatted = new Map<number, string>();
    let lastTime = NaN, lastText = "";
    const stamp = (t: number): string => {
      if (t === lastTime) return lastText;
      let text = formatted.get(t);
      if (text === undefined) formatted.set(t, text = cephStamp(t));
      lastTime = t;
      return lastText = text;
    };
    const out = new Array<_PgStat>(n);
    const pools: PgStatSums["pools"] = new Map();
    let pool: { sum: StatSum; n: number; up: number; acting: number } | undefined;
    let poolId = -1, size = 0, built = 0, upTotal = 0, actingTotal = 0;
    for (let p = 0; p < n; p++) {
      const bits = states[p] ?? 0;
      if (pgs.poolId[p] !== poolId || pool === undefined) {
        poolId = pgs.poolId[p] as number;
        size = pgs.poolOf(p).size;
        pool = pools.get(poolId);
        if (pool === undefined) {
          pools.set(poolId, pool = { sum: _zeroSum(), n: 0, up: 0, acting: 0 });
        }
      }
      const objects = pgs.objects[p] as number;
      const bytes = pgs.bytes[p] as number;
      const copies = objects * size;
      const degraded = pgs.degradedObjects(p);
      const misplaced = pgs.misplacedObjects(p);
      const read = Math.round(io?.numRead[p] ?? 0);
      const readKb = Math.round((io?.readBytes[p] ?? 0) / 1024);
      const write = objects + Math.round(io?.numWrite[p] ?? 0);
      const writeKb = Math.round((bytes + (io?.writeBytes[p] ?? 0)) / 1024);
      const recovered = Math.round(pgs.recovered[p] as number);
      const at = reportedAt?.[p] ?? now;
      const epoch = reportedEpoch?.[p] ?? map.epoch;
      const interval = pgs.intervalEpoch[p] as number;
      const created = pgs.createdEpoch[p] as number;
      const seq = (pgs.reportedSeq[p] as number) + objects;
      const change = pgs.lastChange[p] as number;
      const active = (pgs.lastActive[p] as number) || change;
      const clean = (pgs.lastClean[p] as number) || change;
      const base = p * stride;
      const upN = pgs.upN[p] as number, actingN = pgs.actingN[p] as number;
      const into = pool.sum;
      into.num_bytes += bytes;
      into.num_objects += objects;
      into.num_object_copies += copies;
      into.num_objects_degraded += degraded;
      into.num_objects_misplaced += misplaced;
      into.num_objects_dirty += objects;
      into.num_write += write;
      into.num_write_kb += writeKb;
      into.num_read += read;
      into.num_read_kb += readKb;
      into.num_objects_recovered += recovered;
      into.num_bytes_recovered += recovered * objectSize;
      pool.n++;
      pool.up += upN;
      pool.acting += actingN;
      upTotal += upN;
      actingTotal += actingN;
      const ib = p * iw, nb = p * _N_WIDTH;
      const prev = entries[p];
      let sameSum = false, sameUp = false, sameActing = false;
      if (prev !== undefined) {
        // num_bytes_recovered follows num_objects_recovered (the object size is fixed).
        sameSum = ints[ib + _I_OBJECTS] === objects && nums[nb + _N_BYTES] === bytes &&
          nums[nb + _N_COPIES] === copies && nums[nb + _N_DEGRADED] === degraded &&
          nums[nb + _N_MISPLACED] === misplaced && nums[nb + _N_READ] === read &&
          nums[nb + _N_READ_KB] === readKb && nums[nb + _N_WRITE] === write &&
          nums[nb + _N_WRITE_KB] === writeKb && nums[nb + _N_RECOVERED] === recovered;
        sameUp = ints[ib + _I_UP_N] === upN && _sameRow(ints, ib + _I_SETS, pgUp, base, upN);
        sameActing = ints[ib + _I_ACTING_N] === actingN &&
          _sameRow(ints, ib + _I_SETS + stride, pgActing, base, actingN);
        if (
          sameSum && sameUp && sameActing && ints[ib + _I_BITS] === bits &&
          ints[ib + _I_EPOCH] === epoch && ints[ib + _I_INTERVAL] === interval &&
          ints[ib + _I_CREATED] === created && ints[ib + _I_SEQ] === seq &&
          nums[nb + _N_CHANGE] === change && nums[nb + _N_ACTIVE] === active &&
          nums[nb + _N_CLEAN] === clean && nums[nb + _N_AT] === at
        ) {
          out[p] = prev;
          continue;
        }
      }
      built++;
      const fresh = bits & PgState.STALE ? change : at;
      const undegraded = bits & PgState.DEGRADED ? change : at;
      const fullsized = bits & PgState.UNDERSIZED ? change : at;
      // What the previous entry's stamps were made from, to keep the strings that still hold.
      const prevBits = prev === undefined ? -1 : ints[ib + _I_BITS] as number;
      const prevChange = prev === undefined ? NaN : nums[nb + _N_CHANGE] as number;
      const prevAt = prev === undefined ? NaN : nums[nb + _N_AT] as number;
      const sum = sameSum ? prev!.stat_sum : Object.freeze(
        _statSum(
          bytes,
          objects,
          copies,
          degraded,
          misplaced,
          read,
          readKb,
          write,
          writeKb,
          recovered,
          recovered * objectSize,
        ),
      );
      const up = sameUp ? prev!.up : _members(pgUp, base, upN);
      const acting = sameActing ? prev!.acting : _members(pgActing, base, actingN);
      const lastActive = prev !== undefined && nums[nb + _N_ACTIVE] === active
        ? prev.last_active
        : stamp(active);
      const lastFresh =
        prev !== undefined && (prevBits & PgState.STALE ? prevChange : prevAt) === fresh
          ? prev.last_fresh
          : stamp(fresh);
      const entry: _PgStat = Object.freeze({
        reported_seq: seq,
        reported_epoch: epoch,
        state: prev !== undefined && prevBits === bits ? prev.state : pgStateString(bits),
        mapping_epoch: interval,
        created,
        last_epoch_clean: interval,
        parent_split_bits: 0,
        log_size: objects,
        ondisk_log_size: objects,
        stats_invalid: false,
        dirty_stats_invalid: false,
        omap_stats_invalid: false,
        hitset_stats_invalid: false,
        hitset_bytes_stats_invalid: false,
        pin_stats_invalid: false,
        manifest_stats_invalid: false,
        snaptrimq_len: 0,
        stat_sum: sum,
        up,
        acting,
        avail_no_missing: _EMPTY,
        object_location_counts: _EMPTY,
        blocked_by: _EMPTY,
        up_primary: up[0] ?? -1,
        acting_primary: acting[0] ?? -1,
        purged_snaps: _EMPTY,
        pgid: prev !== undefined ? prev.pgid : pgs.pgid(p),
        version: prev !== undefined && prev.mapping_epoch === interval && prev.log_size === objects
          ? prev.version
          : `${interval}'${objects}`,
        last_fresh: lastFresh,
        last_change: prev !== undefined && prevChange === change ? prev.last_change : stamp(change),
        last_active: lastActive,
        last_peered: lastActive,
        last_clean: prev !== undefined && nums[nb + _N_CLEAN] === clean
          ? prev.last_clean
          : stamp(clean),
        last_became_active: lastActive,
        last_became_peered: lastActive,
        last_unstale: lastFresh,
        last_undegraded:
          prev !== undefined && (prevBits & PgState.DEGRADED ? prevChange : prevAt) === undegraded
            ? prev.last_undegraded
            : stamp(undegraded),
        last_fullsized:
          prev !== undefined && (prevBits & PgState.UNDERSIZED ? prevChange : prevAt) === fullsized
            ? prev.last_fullsized
            : stamp(fullsized),
        log_start: "0'0",
        ondisk_log_start: "0'0",
        parent: "0.0",
        last_scrub: "0'0",
        last_scrub_stamp: scrubStamp,
        last_deep_scrub: "0'0",
        last_deep_scrub_stamp: scrubStamp,
        last_clean_scrub_stamp: scrubStamp,
      });
      entries[p] = entry;
      out[p] = entry;
      ints[ib + _I_BITS] = bits;
      ints[ib + _I_EPOCH] = epoch;
      ints[ib + _I_INTERVAL] = interval;
      ints[ib + _I_CREATED] = created;
      ints[ib + _I_SEQ] = seq;
      ints[ib + _I_OBJECTS] = objects;
      ints[ib + _I_UP_N] = upN;
      ints[ib + _I_ACTING_N] = actingN;
      for (let i = 0; i < upN; i++) ints[ib + _I_SETS + i] = pgUp[base + i] as number;
      for (let i = 0; i < actingN; i++) {
        ints[ib + _I_SETS + stride + i] = pgActing[base + i] as number;
      }
      nums[nb + _N_BYTES] = bytes;
      nums[nb + _N_COPIES] = copies;
      nums[nb + _N_DEGRADED] = degraded;
      nums[nb + _N_MISPLACED] = misplaced;
      nums[nb + _N_READ] = read;
      nums[nb + _N_READ_KB] = readKb;
      nums[nb + _N_WRITE] = write;
      nums[nb + _N_WRITE_KB] = writeKb;
      nums[nb + _N_RECOVERED] = recovered;
      nums[nb + _N_CHANGE] = change;
      nums[nb + _N_ACTIVE] = active;
      nums[nb + _N_CLEAN] = clean;
      nums[nb + _N_AT] = at;
    }
    this.builtPgs = built;
    const total = _zeroSum();
    for (const ps of pools.values()) _add(total, ps.sum);
    this.sums = { total, up: upTotal, acting: actingTotal, pools };
    // Frozen here, so that the snapshot does not walk its 300,000 elements to freeze it.
    return Object.freeze(out) as unknown as Json[];
  }

  /**
   * `osd_stats` (one frozen entry per up OSD, highest id first) and `osd_stats_sum`; an OSD's
   * entry is reused while its numbers and heartbeat peers stand.
   */
  osdStats(
    pgs: PgTable,
    map: OsdMap,
    view: PgStatsView = {},
  ): { list: Json[]; sum: { [key: string]: Json } } {
    const io = view.io;
    const maxOsd = map.maxOsd;
    const used = new Float64Array(maxOsd);
    const numPgs = new Uint32Array(maxOsd);
    // The first _PEERS distinct OSDs sharing a PG with each OSD, in PG order.
    const peers = new Int32Array(maxOsd * _PEERS);
    const peerN = new Uint8Array(maxOsd);
    const stride = pgs.stride, acting = pgs.acting;
    for (let p = 0; p < pgs.count; p++) {
      const n = pgs.actingN[p] as number;
      const base = p * stride;
      const bytes = pgs.bytes[p] as number;
      for (let i = 0; i < n; i++) {
        const o = acting[base + i] as number;
        (used[o] as number) += bytes;
        (numPgs[o] as number)++;
        let k = peerN[o] as number;
        const row = o * _PEERS;
        for (let j = 0; j < n && k < _PEERS; j++) {
          const q = acting[base + j] as number;
          if (q === o) continue;
          let m = 0;
          while (m < k && peers[row + m] !== q) m++;
          if (m === k) peers[row + k++] = q;
        }
        peerN[o] = k;
      }
    }
    if (this.#osdRows.length < maxOsd * _O_WIDTH) {
      const rows = new Float64Array(maxOsd * _O_WIDTH);
      rows.set(this.#osdRows);
      this.#osdRows = rows;
    }
    const entries = this.#osdEntries, rows = this.#osdRows;
    const list: Json[] = [];
    let kbTotal = 0, usedTotal = 0, pgTotal = 0, nUp = 0, built = 0;
    for (let id = maxOsd - 1; id >= 0; id--) {
      if (!map.isUp(id)) continue;
      const totalBytes = osdCapacity(map, id);
      const upFrom = map.upFrom[id] as number;
      const u = used[id] as number;
      const n = numPgs[id] as number;
      const commitMs = io?.osdCommitMs[id] ?? 0;
      const k = peerN[id] as number;
      const mine = peers.subarray(id * _PEERS, id * _PEERS + k).sort();
      const rb = id * _O_WIDTH;
      let entry = entries[id];
      let same = entry !== undefined && rows[rb + _O_UP_FROM] === upFrom &&
        rows[rb + _O_PGS] === n && rows[rb + _O_TOTAL] === totalBytes &&
        rows[rb + _O_USED] === u && rows[rb + _O_COMMIT_MS] === commitMs &&
        rows[rb + _O_PEERS_N] === k;
      for (let i = 0; same && i < k; i++) same = rows[rb + _O_PEERS + i] === mine[i];
      if (!same || entry === undefined) {
        built++;
        entry = _frozenOsdStat(
          osdStat(id, upFrom, n, totalBytes, u, Array.from(mine), 1, commitMs),
        );
        entries[id] = entry;
        rows[rb + _O_UP_FROM] = upFrom;
        rows[rb + _O_PGS] = n;
        rows[rb + _O_TOTAL] = totalBytes;
        rows[rb + _O_USED] = u;
        rows[rb + _O_COMMIT_MS] = commitMs;
        rows[rb + _O_PEERS_N] = k;
        rows.set(mine, rb + _O_PEERS);
      }
      list.push(entry);
      kbTotal += totalBytes;
      usedTotal += u;
      pgTotal += n;
      nUp++;
    }
    this.builtOsds = built;
    const sum = _osdStat(0, 0, pgTotal, kbTotal, usedTotal, [], nUp);
    delete sum.osd;
    return { list, sum };
  }

  /** Room for `n` PGs (pools created since the last update). */
  #reserve(n: number): void {
    if (this.#nums.length >= n * _N_WIDTH) return;
    const ints = new Int32Array(n * this.#intWidth), nums = new Float64Array(n * _N_WIDTH);
    ints.set(this.#ints);
    nums.set(this.#nums);
    this.#ints = ints;
    this.#nums = nums;
  }
}

// The slots of a PG's row in PgDumpCache: ints, then `stride` for each of up and acting.
const _I_BITS = 0;
const _I_EPOCH = 1;
const _I_INTERVAL = 2;
const _I_CREATED = 3;
const _I_SEQ = 4;
const _I_OBJECTS = 5;
const _I_UP_N = 6;
const _I_ACTING_N = 7;
const _I_SETS = 8;
// ... and numbers.
const _N_BYTES = 0;
const _N_COPIES = 1;
const _N_DEGRADED = 2;
const _N_MISPLACED = 3;
const _N_READ = 4;
const _N_READ_KB = 5;
const _N_WRITE = 6;
const _N_WRITE_KB = 7;
const _N_RECOVERED = 8;
const _N_CHANGE = 9;
const _N_ACTIVE = 10;
const _N_CLEAN = 11;
const _N_AT = 12;
const _N_WIDTH = 13;
// ... and of an OSD's row.
const _O_UP_FROM = 0;
const _O_PGS = 1;
const _O_TOTAL = 2;
const _O_USED = 3;
const _O_COMMIT_MS = 4;
const _O_PEERS_N = 5;
const _O_PEERS = 6;
const _O_WIDTH = _O_PEERS + _PEERS;

const _shared = new WeakMap<PgTable, PgDumpCache>();

/**
 * The cache that the dumps of `pgs` share: one per cluster, so the active and the standby
 * managers' `pg_dump`, `pg_stats` and `osd_stats` all reuse the same frozen entries.
 */
export function pgDumpCache(pgs: PgTable): PgDumpCache {
  let cache = _shared.get(pgs);
  if (cache === undefined) _shared.set(pgs, cache = new PgDumpCache());
  return cache;
}

function _sameRow(row: Int32Array, at: number, arr: Int32Array, base: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (row[at + i] !== arr[base + i]) return false;
  return true;
}

function _members(arr: Int32Array, base: number, n: number): readonly number[] {
  switch (n) {
    case 0:
      return _EMPTY;
    case 1:
      return Object.freeze([arr[base] as number]);
    case 2:
      return Object.freeze([arr[base] as number, arr[base + 1] as number]);
    case 3:
      return Object.freeze([arr[base] as number, arr[base + 1] as number, arr[base + 2] as number]);
  }
  return Object.freeze(Array.from(arr.subarray(base, base + n)));
}

function _sums(pgs: PgTable, view: PgStatsView): PgStatSums {
  const total = _zeroSum();
  const pools = new Map<number, { sum: StatSum; n: number; up: number; acting: number }>();
  let up = 0, acting = 0;
  let poolId = -1, size = 0;
  let ps: { sum: StatSum; n: number; up: number; acting: number } | undefined;
  for (let p = 0; p < pgs.count; p++) {
    if (pgs.poolId[p] !== poolId || ps === undefined) {
      poolId = pgs.poolId[p] as number;
      size = pgs.poolOf(p).size;
      ps = pools.get(poolId);
      if (!ps) pools.set(poolId, ps = { sum: _zeroSum(), n: 0, up: 0, acting: 0 });
    }
    // Summing in place: no object per PG, which matters at 300,000 PGs.
    _addPg(ps.sum, pgs, p, size, view.io);
    ps.n++;
    ps.up += pgs.upN[p] as number;
    ps.acting += pgs.actingN[p] as number;
    up += pgs.upN[p] as number;
    acting += pgs.actingN[p] as number;
  }
  for (const ps of pools.values()) _add(total, ps.sum);
  return { total, up, acting, pools };
}

function _poolStats(sums: PgStatSums): Json[] {
  return [...sums.pools].sort((a, b) => b[0] - a[0]).map(([poolid, s]) => ({
    poolid,
    num_pg: s.n,
    ...(_statBlock(s.sum, s.sum.num_objects, s.up, s.acting) as Record<string, Json>),
  }));
}

/** Freezes an `osd_stat_t` of `osdStat` and its parts (so the snapshot does not walk them). */
function _frozenOsdStat(s: { [key: string]: Json }): Json {
  const hist = s.op_queue_age_hist as { histogram: Json[] };
  Object.freeze(hist.histogram);
  Object.freeze(hist);
  Object.freeze(s.statfs);
  Object.freeze(s.perf_stat);
  Object.freeze(s.hb_peers);
  Object.freeze(s.alerts);
  return Object.freeze(s);
}

/**
 * `get("pg_dump")`: the PGMap dump (per-PG stats, per-pool and per-OSD sums). `now` stamps
 * the dump; hb_peers lists at most 10 OSDs sharing PGs with each OSD. The per-PG and per-OSD
 * entries come through `cache` (by default the one every dump of `pgs` shares; see
 * {@linkcode PgDumpCache}).
 *
 * @example
 * ```ts
 * import { Rng } from "../engine/prng.ts";
 * import { Scheduler } from "../engine/scheduler.ts";
 * import { SimCluster } from "./cluster.ts";
 * import { dumpPgDump, PgDumpCache } from "./pg_dump.ts";
 * const s = new Scheduler({ rng: new Rng(1) });
 * const c = new SimCluster(s, { hosts: 3, osdsPerHost: 1, pools: [{ name: "p", pgNum: 8 }] });
 * await s.runFor(10);
 * const dump = dumpPgDump(c.pgs, c.map, s.now) as { pg_stats: { state: string }[] };
 * if (dump.pg_stats.length !== 8 || dump.pg_stats[0]!.state !== "active+clean") throw new Error();
 * const scratch = dumpPgDump(c.pgs, c.map, s.now, {}, new PgDumpCache());
 * if (JSON.stringify(scratch) !== JSON.stringify(dump)) throw new Error("same as from scratch");
 * ```
 */
export function dumpPgDump(
  pgs: PgTable,
  map: OsdMap,
  now: number,
  view: PgStatsView = {},
  cache: PgDumpCache = pgDumpCache(pgs),
): Json {
  const pgStats = cache.pgStats(pgs, map, now, view);
  const sums = cache.sums;
  const osd = cache.osdStats(pgs, map, view);
  osd.sum.network_ping_times = [];
  return {
    version: map.epoch,
    last_osdmap_epoch: 0,
    last_pg_scan: 0,
    pg_stats_sum: _statBlock(sums.total, sums.total.num_objects, sums.up, sums.acting),
    osd_stats_sum: osd.sum,
    pg_stats_delta: {
      ...(_statBlock(_zeroSum(), 0, 0, 0) as Record<string, Json>),
      stamp_delta: cephSeconds(0),
    },
    pg_stats: pgStats,
    pool_stats: _poolStats(sums),
    osd_stats: osd.list,
    pool_statfs: [],
    stamp: cephStamp(now),
  };
}

/**
 * `get("pg_stats")`: `{pg_stats: [...]}`, the per-PG part of the PGMap (the same entries as
 * `dumpPgDump`'s).
 */
export function dumpPgStats(
  pgs: PgTable,
  map: OsdMap,
  now: number,
  view: PgStatsView = {},
  cache: PgDumpCache = pgDumpCache(pgs),
): Json {
  return { pg_stats: cache.pgStats(pgs, map, now, view) };
}

/** `get("pool_stats")`: `{pool_stats: [...]}`, per-pool sums, highest pool id first. */
export function dumpPoolStats(pgs: PgTable, view: PgStatsView = {}): Json {
  return { pool_stats: _poolStats(_sums(pgs, view)) };
}

/** `get("osd_stats")`: `{osd_stats: [...], pool_statfs: []}`, one entry per up OSD. */
export function dumpOsdStats(
  pgs: PgTable,
  map: OsdMap,
  view: PgStatsView = {},
  cache: PgDumpCache = pgDumpCache(pgs),
): Json {
  return { osd_stats: cache.osdStats(pgs, map, view).list, pool_statfs: [] };
}

/** Cluster-wide sums (for `df` and health). */
export function clusterSums(
  pgs: PgTable,
  view: PgStatsView = {},
): { total: StatSum; pools: Map<number, StatSum> } {
  const s = _sums(pgs, view);
  return { total: s.total, pools: new Map([...s.pools].map(([k, v]) => [k, v.sum])) };
}
