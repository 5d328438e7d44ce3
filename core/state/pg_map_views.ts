/**
 * What the manager's `get()` shows of its PGMap, with Ceph's key names, order and value types
 * (ActivePyModules::get_python and PGMap's dumps; the shapes are checked against
 * tests/ceph-reference/get/): `pg_dump`, `pg_stats`, `pool_stats`, `osd_stats`, `pg_summary`,
 * `pg_status`, `df`, `io_rate`, `osd_pool_stats`.
 *
 * `pg_stats` (one entry per PG, hundreds of thousands at scale) is built when it is first read,
 * not when `get()` is called: the `pg_stats` key of `pg_dump` and of `get('pg_stats')` is an
 * enumerable accessor that builds the frozen array on first access and then always returns
 * that same array. An entry whose row has not changed since the last build is the same frozen
 * object as before; `JSON.stringify`, spreading, `Object.keys` and `structuredClone` see the
 * key as data.
 *
 * @module
 */
import { PG_STAMP_INDEX, STAT_SUM_INDEX, STAT_SUM_KEYS, STATFS_KEYS } from "../../ceph/pg_stat.ts";
import { pgidText } from "../../ceph/pg_stat.ts";
import { PgState, pgStateString } from "../../ceph/pg_state.ts";
import { cephSeconds, utimeText } from "../../ceph/time.ts";
import { NUM_STATFS, NUM_STATS, type PgMap, type PoolSum, type SumDelta } from "./pg_map.ts";

type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };
type Obj = Record<string, Json>;

const _EMPTY: readonly never[] = Object.freeze([]);
const I = STAT_SUM_INDEX;

/** Ceph's `store_statfs_t` dump. */
function _statfs(values: ArrayLike<number>, at = 0): Obj {
  const out: Obj = {};
  for (let k = 0; k < NUM_STATFS; k++) out[STATFS_KEYS[k]!] = values[at + k]!;
  return out;
}

const _ZERO_STATFS: Obj = Object.freeze(_statfs(new Float64Array(NUM_STATFS)));

/**
 * An `object_stat_sum_t` from its 40 counters in STAT_SUM_KEYS order: one object literal of a
 * fixed shape, much faster to build than key by key (hundreds of thousands per version).
 */
function _statSumLiteral(v: ArrayLike<number>): Obj {
  return {
    num_bytes: v[0]!,
    num_objects: v[1]!,
    num_object_clones: v[2]!,
    num_object_copies: v[3]!,
    num_objects_missing_on_primary: v[4]!,
    num_objects_missing: v[5]!,
    num_objects_degraded: v[6]!,
    num_objects_misplaced: v[7]!,
    num_objects_unfound: v[8]!,
    num_objects_dirty: v[9]!,
    num_whiteouts: v[10]!,
    num_read: v[11]!,
    num_read_kb: v[12]!,
    num_write: v[13]!,
    num_write_kb: v[14]!,
    num_scrub_errors: v[15]!,
    num_shallow_scrub_errors: v[16]!,
    num_deep_scrub_errors: v[17]!,
    num_objects_recovered: v[18]!,
    num_bytes_recovered: v[19]!,
    num_keys_recovered: v[20]!,
    num_objects_omap: v[21]!,
    num_objects_hit_set_archive: v[22]!,
    num_bytes_hit_set_archive: v[23]!,
    num_flush: v[24]!,
    num_flush_kb: v[25]!,
    num_evict: v[26]!,
    num_evict_kb: v[27]!,
    num_promote: v[28]!,
    num_flush_mode_high: v[29]!,
    num_flush_mode_low: v[30]!,
    num_evict_mode_some: v[31]!,
    num_evict_mode_full: v[32]!,
    num_objects_pinned: v[33]!,
    num_legacy_snapsets: v[34]!,
    num_large_omap_objects: v[35]!,
    num_objects_manifest: v[36]!,
    num_omap_bytes: v[37]!,
    num_omap_keys: v[38]!,
    num_objects_repaired: v[39]!,
  };
}

/**
 * Row `r`'s `object_stat_sum_t` straight from the PGMap's counter columns (`c`, STAT_SUM_KEYS
 * order; an absent column is 0): one literal of a fixed shape, the cheapest object V8 builds,
 * and no copy in between (hundreds of thousands per version).
 */
function _rowStatSum(c: readonly (Float64Array | undefined)[], r: number): Obj {
  return {
    num_bytes: c[0] === undefined ? 0 : c[0]![r]!,
    num_objects: c[1] === undefined ? 0 : c[1]![r]!,
    num_object_clones: c[2] === undefined ? 0 : c[2]![r]!,
    num_object_copies: c[3] === undefined ? 0 : c[3]![r]!,
    num_objects_missing_on_primary: c[4] === undefined ? 0 : c[4]![r]!,
    num_objects_missing: c[5] === undefined ? 0 : c[5]![r]!,
    num_objects_degraded: c[6] === undefined ? 0 : c[6]![r]!,
    num_objects_misplaced: c[7] === undefined ? 0 : c[7]![r]!,
    num_objects_unfound: c[8] === undefined ? 0 : c[8]![r]!,
    num_objects_dirty: c[9] === undefined ? 0 : c[9]![r]!,
    num_whiteouts: c[10] === undefined ? 0 : c[10]![r]!,
    num_read: c[11] === undefined ? 0 : c[11]![r]!,
    num_read_kb: c[12] === undefined ? 0 : c[12]![r]!,
    num_write: c[13] === undefined ? 0 : c[13]![r]!,
    num_write_kb: c[14] === undefined ? 0 : c[14]![r]!,
    num_scrub_errors: c[15] === undefined ? 0 : c[15]![r]!,
    num_shallow_scrub_errors: c[16] === undefined ? 0 : c[16]![r]!,
    num_deep_scrub_errors: c[17] === undefined ? 0 : c[17]![r]!,
    num_objects_recovered: c[18] === undefined ? 0 : c[18]![r]!,
    num_bytes_recovered: c[19] === undefined ? 0 : c[19]![r]!,
    num_keys_recovered: c[20] === undefined ? 0 : c[20]![r]!,
    num_objects_omap: c[21] === undefined ? 0 : c[21]![r]!,
    num_objects_hit_set_archive: c[22] === undefined ? 0 : c[22]![r]!,
    num_bytes_hit_set_archive: c[23] === undefined ? 0 : c[23]![r]!,
    num_flush: c[24] === undefined ? 0 : c[24]![r]!,
    num_flush_kb: c[25] === undefined ? 0 : c[25]![r]!,
    num_evict: c[26] === undefined ? 0 : c[26]![r]!,
    num_evict_kb: c[27] === undefined ? 0 : c[27]![r]!,
    num_promote: c[28] === undefined ? 0 : c[28]![r]!,
    num_flush_mode_high: c[29] === undefined ? 0 : c[29]![r]!,
    num_flush_mode_low: c[30] === undefined ? 0 : c[30]![r]!,
    num_evict_mode_some: c[31] === undefined ? 0 : c[31]![r]!,
    num_evict_mode_full: c[32] === undefined ? 0 : c[32]![r]!,
    num_objects_pinned: c[33] === undefined ? 0 : c[33]![r]!,
    num_legacy_snapsets: c[34] === undefined ? 0 : c[34]![r]!,
    num_large_omap_objects: c[35] === undefined ? 0 : c[35]![r]!,
    num_objects_manifest: c[36] === undefined ? 0 : c[36]![r]!,
    num_omap_bytes: c[37] === undefined ? 0 : c[37]![r]!,
    num_omap_keys: c[38] === undefined ? 0 : c[38]![r]!,
    num_objects_repaired: c[39] === undefined ? 0 : c[39]![r]!,
  };
}

// The literal must name the counters as Ceph orders them.
if (
  Object.keys(_statSumLiteral(new Float64Array(NUM_STATS))).join() !== STAT_SUM_KEYS.join() ||
  Object.keys(_rowStatSum([], 0)).join() !== STAT_SUM_KEYS.join()
) {
  throw new Error("the stat_sum literals do not follow STAT_SUM_KEYS");
}

/** An `object_stat_sum_t` from counters in STAT_SUM_KEYS order. */
function _statSum(values: ArrayLike<number>): Obj {
  return _statSumLiteral(values);
}

/** A `pool_stat_t` as Ceph dumps it. */
function _poolStat(
  sum: ArrayLike<number>,
  logSize: number,
  ondiskLogSize: number,
  up: number,
  acting: number,
): Obj {
  return {
    stat_sum: _statSum(sum),
    store_stats: _ZERO_STATFS,
    log_size: logSize,
    ondisk_log_size: ondiskLogSize,
    up,
    acting,
    num_store_stats: 0,
  };
}

function _poolStatOf(s: PoolSum): Obj {
  return _poolStat(s.sum, s.logSize, s.ondiskLogSize, s.up, s.acting);
}

/** Stamps repeat across PGs (report times, map times): each is formatted once. */
const _stampTexts = new Map<number, string>();
let _lastTime = NaN, _lastText = "";
function _stamp(t: number): string {
  if (t === _lastTime) return _lastText;
  let s = _stampTexts.get(t);
  if (s === undefined) {
    if (_stampTexts.size > 100_000) _stampTexts.clear();
    _stampTexts.set(t, s = utimeText(t));
  }
  _lastTime = t;
  return _lastText = s;
}

function _members(arr: Int32Array, base: number, n: number): readonly number[] {
  switch (n) {
    case 0:
      return _EMPTY;
    case 1:
      return Object.freeze([arr[base]!]);
    case 2:
      return Object.freeze([arr[base]!, arr[base + 1]!]);
    case 3:
      return Object.freeze([arr[base]!, arr[base + 1]!, arr[base + 2]!]);
  }
  return Object.freeze(Array.from(arr.subarray(base, base + n)));
}

function _sameMembers(list: readonly number[], arr: Int32Array, base: number, n: number): boolean {
  if (list.length !== n) return false;
  for (let i = 0; i < n; i++) if (list[i] !== arr[base + i]) return false;
  return true;
}

/**
 * A deep-frozen object whose `key` is an enumerable accessor returning `build()`'s result
 * (built on first access, then kept), between the `before` and the `fields` keys.
 */
function _withLazy(fields: Obj, key: string, build: () => Json, before?: Obj): Readonly<Obj> {
  deepFrozen(fields);
  if (before) deepFrozen(before);
  const out: Obj = { ...before };
  let value: Json | undefined;
  Object.defineProperty(out, key, {
    enumerable: true,
    configurable: false,
    get: () => value ??= build(),
  });
  Object.assign(out, fields);
  return Object.freeze(out);
}

interface _Entry {
  readonly pgid: string;
  readonly stat_sum: Json;
  readonly up: readonly number[];
  readonly acting: readonly number[];
  readonly [key: string]: Json;
}

/** {@linkcode PgMapViews.osdPerfStats}: per OSD with stats, its perf_stat latencies. */
export interface OsdPerfStats {
  readonly osd: Int32Array;
  readonly apply_latency_ms: Float64Array;
  readonly commit_latency_ms: Float64Array;
}

/**
 * The views of one PGMap, each built once per PGMap version (the manager's snapshot cache
 * holds them), sharing the per-PG entries they built before.
 *
 * @example
 * ```ts
 * import { PgMap } from "./pg_map.ts";
 * import { PgMapViews } from "./pg_map_views.ts";
 * const pgMap = new PgMap();
 * pgMap.applyOsdMap({
 *   epoch: 3, modified: "2026-11-25T13:18:00.000000+0000",
 *   pools: [{ pool: 1, pool_name: "rbd", size: 3, min_size: 2, pg_num: 4 }],
 *   osds: [{ osd: 0, up: 1, in: 1 }],
 * }, 1_795_612_680);
 * const views = new PgMapViews(pgMap);
 * const dump = views.pgDump() as { pg_stats: { state: string }[] };
 * if (dump.pg_stats.length !== 4 || dump.pg_stats[0]!.state !== "unknown") throw new Error();
 * if (!Object.isFrozen(dump.pg_stats) || views.pgDump() === dump) throw new Error();
 * ```
 */
export class PgMapViews {
  readonly pgMap: PgMap;
  #entries: (_Entry | undefined)[] = [];
  #builtVersion = new Float64Array(0);
  #builtStats = new Float64Array(0);
  #builtKey = new Float64Array(0);
  #list: { version: number; list: readonly Json[] } | undefined;
  #osdEntries: (Json | undefined)[] = [];
  #osdBuilt = new Float64Array(0);
  /** How many `pg_stats` entries the last build made (the others it kept). */
  builtPgs = 0;

  constructor(pgMap: PgMap) {
    this.pgMap = pgMap;
  }

  /** The `pg_stats` entries of every PG, in row order: a frozen array of frozen entries. */
  pgStatsList(): readonly Json[] {
    const m = this.pgMap;
    if (this.#list?.version === m.version) return this.#list.list;
    const n = m.count;
    if (this.#builtVersion.length < n) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(Math.max(n, a.length * 2));
        b.set(a);
        return b;
      };
      this.#builtVersion = grow(this.#builtVersion);
      this.#builtStats = grow(this.#builtStats);
      this.#builtKey = grow(this.#builtKey);
    }
    const entries = this.#entries;
    const out = new Array<Json>(n);
    let built = 0;
    for (let r = 0; r < n; r++) {
      const prev = entries[r];
      if (prev !== undefined && this.#builtVersion[r] === m.rowVersion[r]) {
        out[r] = prev;
        continue;
      }
      const entry = this.#entry(r, prev);
      entries[r] = entry;
      this.#builtKey[r] = m.pool[r]! * 2 ** 32 + m.ps[r]!;
      this.#builtVersion[r] = m.rowVersion[r]!;
      this.#builtStats[r] = m.statVersion[r]!;
      out[r] = entry;
      built++;
    }
    entries.length = n;
    this.builtPgs = built;
    const list = Object.freeze(out);
    this.#list = { version: m.version, list };
    return list;
  }

  #entry(r: number, prev: _Entry | undefined): _Entry {
    const m = this.pgMap;
    const w = m.width, base = r * w, ss = m.stampStride;
    const upN = m.upN[r]!, actingN = m.actingN[r]!;
    const stat_sum = prev !== undefined && this.#builtStats[r] === m.statVersion[r]
      ? prev.stat_sum
      : Object.freeze(this.#rowStatSum(r));
    const up = prev !== undefined && _sameMembers(prev.up, m.up, base, upN)
      ? prev.up
      : _members(m.up, base, upN);
    const acting = prev !== undefined && _sameMembers(prev.acting, m.acting, base, actingN)
      ? prev.acting
      : _members(m.acting, base, actingN);
    const x = m.extras.size === 0 ? undefined : m.extras.get(r);
    const st = m.stamps;
    const key = m.pool[r]! * 2 ** 32 + m.ps[r]!;
    const entry: _Entry = {
      reported_seq: m.reportedSeq[r]!,
      reported_epoch: m.reportedEpoch[r]!,
      state: pgStateString(m.state[r]!),
      mapping_epoch: m.mappingEpoch[r]!,
      created: m.created[r]!,
      last_epoch_clean: m.lastEpochClean[r]!,
      parent_split_bits: x?.parent_split_bits ?? 0,
      log_size: m.logSize[r]!,
      ondisk_log_size: m.ondiskLogSize[r]!,
      stats_invalid: x?.stats_invalid ?? false,
      dirty_stats_invalid: x?.dirty_stats_invalid ?? false,
      omap_stats_invalid: x?.omap_stats_invalid ?? false,
      hitset_stats_invalid: x?.hitset_stats_invalid ?? false,
      hitset_bytes_stats_invalid: x?.hitset_bytes_stats_invalid ?? false,
      pin_stats_invalid: x?.pin_stats_invalid ?? false,
      manifest_stats_invalid: x?.manifest_stats_invalid ?? false,
      snaptrimq_len: x?.snaptrimq_len ?? 0,
      stat_sum,
      up,
      acting,
      avail_no_missing: (x?.avail_no_missing as Json) ?? _EMPTY,
      object_location_counts: (x?.object_location_counts as Json) ?? _EMPTY,
      blocked_by: x?.blocked_by ?? _EMPTY,
      up_primary: m.upPrimary[r]!,
      acting_primary: m.actingPrimary[r]!,
      purged_snaps: (x?.purged_snaps as Json) ?? _EMPTY,
      // A row another PG moved into has that PG's pgid.
      pgid: prev !== undefined && this.#builtKey[r] === key
        ? prev.pgid
        : pgidText(m.pool[r]!, m.ps[r]!),
      version: `${m.versionEpoch[r]}'${m.versionV[r]}`,
      last_fresh: _stamp(st[PG_STAMP_INDEX.last_fresh * ss + r]!),
      last_change: _stamp(st[PG_STAMP_INDEX.last_change * ss + r]!),
      last_active: _stamp(st[PG_STAMP_INDEX.last_active * ss + r]!),
      last_peered: _stamp(st[PG_STAMP_INDEX.last_peered * ss + r]!),
      last_clean: _stamp(st[PG_STAMP_INDEX.last_clean * ss + r]!),
      last_became_active: _stamp(st[PG_STAMP_INDEX.last_became_active * ss + r]!),
      last_became_peered: _stamp(st[PG_STAMP_INDEX.last_became_peered * ss + r]!),
      last_unstale: _stamp(st[PG_STAMP_INDEX.last_unstale * ss + r]!),
      last_undegraded: _stamp(st[PG_STAMP_INDEX.last_undegraded * ss + r]!),
      last_fullsized: _stamp(st[PG_STAMP_INDEX.last_fullsized * ss + r]!),
      log_start: x?.log_start ?? "0'0",
      ondisk_log_start: x?.ondisk_log_start ?? "0'0",
      parent: x?.parent ?? "0.0",
      last_scrub: x?.last_scrub ?? "0'0",
      last_scrub_stamp: _stamp(st[PG_STAMP_INDEX.last_scrub_stamp * ss + r]!),
      last_deep_scrub: x?.last_deep_scrub ?? "0'0",
      last_deep_scrub_stamp: _stamp(st[PG_STAMP_INDEX.last_deep_scrub_stamp * ss + r]!),
      last_clean_scrub_stamp: _stamp(st[PG_STAMP_INDEX.last_clean_scrub_stamp * ss + r]!),
    };
    return Object.freeze(entry);
  }

  #rowStatSum(r: number): Obj {
    return _rowStatSum(this.pgMap.stats, r);
  }

  /** `get('pg_stats')`: `{pg_stats: [...]}`. */
  pgStats(): Json {
    return _withLazy({}, "pg_stats", () => this.pgStatsList());
  }

  /** `osd_stats` (one frozen entry per OSD with stats, highest id first) and its sum. */
  osdStats(): { list: readonly Json[]; sum: Obj } {
    if (this.#osdStats?.version === this.pgMap.version) return this.#osdStats.value;
    const value = this.#buildOsdStats();
    this.#osdStats = { version: this.pgMap.version, value };
    return value;
  }

  #osdStats: { version: number; value: { list: readonly Json[]; sum: Obj } } | undefined;

  #buildOsdStats(): { list: readonly Json[]; sum: Obj } {
    const m = this.pgMap;
    const n = m.osdHas.length;
    if (this.#osdBuilt.length < n) {
      const b = new Float64Array(n);
      b.set(this.#osdBuilt);
      this.#osdBuilt = b;
    }
    const list: Json[] = [];
    const statfs = new Float64Array(NUM_STATFS);
    let numPgs = 0, numOsds = 0, perPool = 0, perPoolOmap = 0;
    let snapTrim = 0, snapTrimming = 0, repaired = 0, commitNs = 0, applyNs = 0;
    for (let id = n - 1; id >= 0; id--) {
      if (!m.osdHas[id]) continue;
      let entry = this.#osdEntries[id];
      if (entry === undefined || this.#osdBuilt[id] !== m.osdVersion[id]) {
        entry = this.#osdEntry(id);
        this.#osdEntries[id] = entry;
        this.#osdBuilt[id] = m.osdVersion[id]!;
      }
      list.push(entry);
      for (let k = 0; k < NUM_STATFS; k++) statfs[k]! += m.osdStatfs[id * NUM_STATFS + k]!;
      numPgs += m.osdNumPgs[id]!;
      numOsds++;
      perPool += m.osdNumPerPoolOsds[id]!;
      perPoolOmap += m.osdNumPerPoolOmapOsds[id]!;
      snapTrim += m.osdSnapTrimQueueLen[id]!;
      snapTrimming += m.osdNumSnapTrimming[id]!;
      repaired += m.osdNumShardsRepaired[id]!;
      commitNs += m.osdCommitNs[id]!;
      applyNs += m.osdApplyNs[id]!;
    }
    const sum = _osdStat(
      undefined,
      0,
      0,
      numPgs,
      numOsds,
      perPool,
      perPoolOmap,
      statfs,
      0,
      _EMPTY,
      {
        snapTrim,
        snapTrimming,
        repaired,
        commitNs,
        applyNs,
      },
    );
    return { list: Object.freeze(list), sum };
  }

  #osdEntry(id: number): Json {
    const m = this.pgMap;
    const hist = m.osdOpQueueAgeHist.get(id);
    return _frozenOsdStat(_osdStat(
      id,
      m.osdUpFrom[id]!,
      m.osdSeq[id]!,
      m.osdNumPgs[id]!,
      1,
      m.osdNumPerPoolOsds[id]!,
      m.osdNumPerPoolOmapOsds[id]!,
      m.osdStatfs,
      id * NUM_STATFS,
      m.osdHbPeers[id] ?? _EMPTY,
      {
        snapTrim: m.osdSnapTrimQueueLen[id]!,
        snapTrimming: m.osdNumSnapTrimming[id]!,
        repaired: m.osdNumShardsRepaired[id]!,
        commitNs: m.osdCommitNs[id]!,
        applyNs: m.osdApplyNs[id]!,
      },
      hist,
    ));
  }

  /** `get('pg_dump')`: the PGMap dump. */
  pgDump(): Json {
    const m = this.pgMap;
    const total = m.totalSum();
    const osd = this.osdStats();
    const delta = m.globalDelta();
    const head: Obj = {
      version: m.version,
      last_osdmap_epoch: 0,
      last_pg_scan: 0,
      pg_stats_sum: _poolStatOf(total),
      osd_stats_sum: { ...osd.sum, network_ping_times: _EMPTY },
      pg_stats_delta: _deltaBlock(delta),
    };
    return _withLazy(
      {
        pool_stats: this.#poolStatsList(),
        osd_stats: osd.list,
        pool_statfs: _EMPTY,
        stamp: utimeText(m.stamp || m.osdMapModified),
      },
      "pg_stats",
      () => this.pgStatsList(),
      head,
    );
  }

  #poolStatsList(): Json[] {
    return this.pgMap.poolSums().map(([poolid, s]) => ({
      poolid,
      num_pg: s.numPg,
      ..._poolStatOf(s),
    }));
  }

  /** `get('pool_stats')`: per-pool sums, highest pool id first. */
  poolStats(): Json {
    return { pool_stats: this.#poolStatsList() };
  }

  /**
   * Every OSD's `perf_stat` latencies in `osd_stats` order (highest id first), as typed
   * arrays: what an exporter reads of `osd_stats` at 10,000 OSDs without building its
   * entries. The same object while the PGMap version stands.
   */
  osdPerfStats(): OsdPerfStats {
    const m = this.pgMap;
    if (this.#osdPerf?.version === m.version) return this.#osdPerf.value;
    let n = 0;
    for (let id = 0; id < m.osdHas.length; id++) if (m.osdHas[id]) n++;
    const value: OsdPerfStats = {
      osd: new Int32Array(n),
      apply_latency_ms: new Float64Array(n),
      commit_latency_ms: new Float64Array(n),
    };
    let i = 0;
    for (let id = m.osdHas.length - 1; id >= 0; id--) {
      if (!m.osdHas[id]) continue;
      value.osd[i] = id;
      value.apply_latency_ms[i] = m.osdApplyNs[id]! / 1e6;
      value.commit_latency_ms[i] = m.osdCommitNs[id]! / 1e6;
      i++;
    }
    this.#osdPerf = { version: m.version, value };
    return value;
  }

  #osdPerf: { version: number; value: OsdPerfStats } | undefined;

  /** `get('osd_stats')`. */
  osdStatsView(): Json {
    return { osd_stats: this.osdStats().list, pool_statfs: _EMPTY };
  }

  /**
   * `get('pg_summary')`: PG counts by state per OSD (acting), per pool and overall, keys sorted
   * as strings (ActivePyModules fills std::maps), and the summed stats.
   */
  pgSummary(): Json {
    const m = this.pgMap;
    // Count with numbers (a dense index per distinct state), and make the objects once at the
    // end. `by_osd` (the acting sets of 300,000 PGs, 10,000 objects) is built when read.
    const stateIndex = new Map<number, number>();
    const names: string[] = [];
    const byPool = new Map<number, number[]>();
    const all: number[] = [];
    for (const [pool, states] of m.stateCounts()) {
      const poolCounts: number[] = [];
      byPool.set(pool, poolCounts);
      for (const [state, n] of states) {
        let si = stateIndex.get(state);
        if (si === undefined) {
          si = names.length;
          stateIndex.set(state, si);
          names.push(pgStateString(state));
          all.push(0);
        }
        poolCounts[si] = (poolCounts[si] ?? 0) + n;
        all[si]! += n;
      }
    }
    // Ceph fills std::maps keyed by strings: the state names, and the OSD and pool ids as
    // text, sort as strings.
    const order = names.map((_, k) => k).sort((a, b) => (names[a]! < names[b]! ? -1 : 1));
    const named = (counts: ArrayLike<number | undefined>) => {
      const out: Obj = {};
      for (const k of order) {
        const n = counts[k];
        if (n) out[names[k]!] = n;
      }
      return out;
    };
    const byOsd = () => {
      const w = m.width;
      let maxOsd = -1;
      for (let r = 0; r < m.count; r++) {
        for (let i = 0; i < m.actingN[r]!; i++) maxOsd = Math.max(maxOsd, m.acting[r * w + i]!);
      }
      const perState = names.map(() => new Int32Array(maxOsd + 1));
      for (let r = 0; r < m.count; r++) {
        const perOsd = perState[stateIndex.get(m.state[r]!)!]!;
        for (let i = 0; i < m.actingN[r]!; i++) perOsd[m.acting[r * w + i]!]!++;
      }
      const osdIds: number[] = [];
      for (let osd = 0; osd <= maxOsd; osd++) {
        if (perState.some((a) => a[osd]! > 0)) osdIds.push(osd);
      }
      const osdOut: Obj = {};
      for (const osd of osdIds.map(String).sort()) {
        const id = Number(osd);
        osdOut[osd] = named(perState.map((a) => a[id]!));
      }
      return osdOut;
    };
    const poolOut: Obj = {};
    for (const pool of [...byPool.keys()].map(String).sort()) {
      poolOut[pool] = named(byPool.get(Number(pool))!);
    }
    return _withLazy(
      { by_pool: poolOut, all: named(all), pg_stats_sum: _poolStatOf(m.totalSum()) },
      "by_osd",
      () => deepFrozen(byOsd()),
    );
  }

  /**
   * `get('pg_status')`: PGMap::print_summary's JSON: states by count (largest first, ties by
   * the higher state), the totals, and the ratios and rates Ceph prints only when non-zero.
   */
  pgStatus(): Json {
    const m = this.pgMap;
    const byPool = m.stateCounts();
    const byState = new Map<number, number>();
    for (const counts of byPool.values()) {
      for (const [s, n] of counts) byState.set(s, (byState.get(s) ?? 0) + n);
    }
    let active = 0, unknown = 0;
    for (const [s, n] of byState) {
      if (s === 0) unknown += n;
      else if (s & PgState.ACTIVE) active += n;
    }
    const states = [...byState].sort((a, b) => b[1] - a[1] || b[0] - a[0]);
    const total = m.totalSum().sum;
    const osd = this.#osdCapacity();

    // Per pool, as the real 16.2.15 lists it (newest pool first); the balancer reads it.
    const pgsByPoolState = [...byPool].sort((a, b) => b[0] - a[0]).map(([pool_id, counts]) => ({
      pool_id,
      pg_state_counts: [...counts].sort((a, b) => b[1] - a[1] || b[0] - a[0]).map((
        [s, count],
      ) => ({ state_name: pgStateString(s), count })),
    }));

    const numPg = m.count;
    const out: Obj = {
      pgs_by_pool_state: pgsByPoolState,
      pgs_by_state: states.map(([s, count]) => ({ state_name: pgStateString(s), count })),
      num_pgs: numPg,
      num_pools: m.poolSums().length,
      num_objects: total[I.num_objects]!,
      data_bytes: total[I.num_bytes]!,
      bytes_used: osd.total! - osd.available!,
      bytes_avail: osd.available!,
      bytes_total: osd.total!,
    };
    if (unknown > 0) out.unknown_pgs_ratio = Math.fround(Math.fround(unknown) / Math.fround(numPg));
    const inactive = numPg - active - unknown;
    if (inactive > 0) {
      out.inactive_pgs_ratio = Math.fround(Math.fround(inactive) / Math.fround(numPg));
    }
    Object.assign(out, recoverySummary(total));
    const d = m.globalDelta();
    Object.assign(out, recoveryRateSummary(d), clientIoRateSummary(d));
    return out;
  }

  /** The summed `total` and `available` of the OSDs' statfs, without building osd_stats. */
  #osdCapacity(): { total: number; available: number } {
    const m = this.pgMap;
    let total = 0, available = 0;
    for (let id = 0; id < m.osdHas.length; id++) {
      if (!m.osdHas[id]) continue;
      total += m.osdStatfs[id * NUM_STATFS]!;
      available += m.osdStatfs[id * NUM_STATFS + 1]!;
    }
    return { total, available };
  }

  /**
   * `get('df')`: raw capacity (the OSDs' stats, per device class too) and usage per pool.
   * `deviceClass` names each OSD's CRUSH device class.
   */
  df(deviceClass: (osd: number) => string | undefined): Json {
    const m = this.pgMap;
    const byClass = new Map<string, { total: number; used: number }>();
    let total = 0, used = 0, numOsds = 0, perPool = 0, perPoolOmap = 0;
    for (let id = 0; id < m.osdHas.length; id++) {
      if (!m.osdHas[id]) continue;
      const t = m.osdStatfs[id * NUM_STATFS]!;
      const u = t - m.osdStatfs[id * NUM_STATFS + 1]!;
      total += t;
      used += u;
      numOsds++;
      perPool += m.osdNumPerPoolOsds[id]!;
      perPoolOmap += m.osdNumPerPoolOmapOsds[id]!;
      const cls = deviceClass(id);
      if (cls === undefined || t === 0) continue;
      const c = byClass.get(cls) ?? { total: 0, used: 0 };
      c.total += t;
      c.used += u;
      byClass.set(cls, c);
    }
    const stats = (t: number, u: number) => ({
      total_bytes: t,
      total_avail_bytes: t - u,
      total_used_bytes: u,
      total_used_raw_bytes: u,
      total_used_raw_ratio: t > 0 ? u / t : 0,
    });
    const availRaw = Math.max(0, total - used);
    const pools = [...m.pools.values()].map((pool) => {
      const s = m.poolSum(pool.pool)?.sum ?? new Float64Array(NUM_STATS);
      const size = pool.size || 1;
      const bytesUsed = s[I.num_bytes]! * size;
      const maxAvail = Math.floor(availRaw * 0.95 / size);
      return {
        name: pool.pool_name,
        id: pool.pool,
        stats: {
          stored: s[I.num_bytes]!,
          stored_data: s[I.num_bytes]!,
          stored_omap: 0,
          objects: s[I.num_objects]!,
          kb_used: Math.ceil(bytesUsed / 1024),
          bytes_used: bytesUsed,
          data_bytes_used: bytesUsed,
          omap_bytes_used: 0,
          percent_used: bytesUsed + maxAvail > 0 ? bytesUsed / (bytesUsed + maxAvail) : 0,
          max_avail: maxAvail,
          quota_objects: Number(pool.quota_max_objects ?? 0),
          quota_bytes: Number(pool.quota_max_bytes ?? 0),
          dirty: 0,
          rd: s[I.num_read]!,
          rd_bytes: s[I.num_read_kb]! * 1024,
          wr: s[I.num_write]!,
          wr_bytes: s[I.num_write_kb]! * 1024,
          compress_bytes_used: 0,
          compress_under_bytes: 0,
          stored_raw: s[I.num_bytes]! * size,
          avail_raw: Math.floor(availRaw * 0.95),
        },
      };
    });
    return {
      stats: {
        ...stats(total, used),
        num_osds: numOsds,
        num_per_pool_osds: perPool,
        num_per_pool_omap_osds: perPoolOmap,
      },
      stats_by_class: Object.fromEntries(
        [...byClass].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map((
          [k, v],
        ) => [k, stats(v.total, v.used)]),
      ),
      pools,
    };
  }

  /** `get('io_rate')`: the change of the sums over the last reports (`dump_delta`). */
  ioRate(): Json {
    return { pg_stats_delta: _deltaBlock(this.pgMap.globalDelta()) };
  }

  /**
   * `get('osd_pool_stats')`: per pool of the OSDMap, its recovery progress, and its recovery
   * and client IO rates over the last reports (empty objects when nothing happens).
   */
  osdPoolStats(): Json {
    const m = this.pgMap;
    return {
      pool_stats: [...m.pools.values()].map((pool) => {
        const sum = m.poolSum(pool.pool)?.sum;
        const d = m.poolDelta(pool.pool);
        return {
          pool_name: pool.pool_name,
          pool_id: pool.pool,
          recovery: sum ? recoverySummary(sum) : {},
          recovery_rate: d ? recoveryRateSummary(d) : {},
          client_io_rate: d ? clientIoRateSummary(d) : {},
        };
      }),
    };
  }
}

function _deltaBlock(d: SumDelta): Obj {
  return {
    ..._poolStat(d.sum, d.logSize, d.ondiskLogSize, 0, 0),
    stamp_delta: cephSeconds(d.seconds),
  };
}

/**
 * PGMapDigest::recovery_summary as JSON: degraded, misplaced and unfound objects, each only
 * when there are some.
 */
export function recoverySummary(sum: ArrayLike<number>): Obj {
  const out: Obj = {};
  const copies = sum[I.num_object_copies]!, objects = sum[I.num_objects]!;
  const degraded = sum[I.num_objects_degraded]!, misplaced = sum[I.num_objects_misplaced]!;
  const unfound = sum[I.num_objects_unfound]!;
  if (degraded && copies > 0) {
    out.degraded_objects = degraded;
    out.degraded_total = copies;
    // Ceph divides the percentage it printed by 100, which rounds differently from the ratio.
    out.degraded_ratio = degraded / copies * 100 / 100;
  }
  if (misplaced && copies > 0) {
    out.misplaced_objects = misplaced;
    out.misplaced_total = copies;
    out.misplaced_ratio = misplaced / copies * 100 / 100;
  }
  if (unfound && objects > 0) {
    out.unfound_objects = unfound;
    out.unfound_total = objects;
    out.unfound_ratio = unfound / objects * 100 / 100;
  }
  return out;
}

/** PGMapDigest::recovery_rate_summary as JSON (negative changes count as none). */
export function recoveryRateSummary(d: SumDelta): Obj {
  const objects = Math.max(0, d.sum[I.num_objects_recovered]!);
  const bytes = Math.max(0, d.sum[I.num_bytes_recovered]!);
  const keys = Math.max(0, d.sum[I.num_keys_recovered]!);
  if (!(objects || bytes || keys) || !(d.seconds > 0)) return {};
  return {
    recovering_objects_per_sec: Math.trunc(objects / d.seconds),
    recovering_bytes_per_sec: Math.trunc(bytes / d.seconds),
    recovering_keys_per_sec: Math.trunc(keys / d.seconds),
    num_objects_recovered: objects,
    num_bytes_recovered: bytes,
    num_keys_recovered: keys,
  };
}

/** PGMapDigest::client_io_rate_summary as JSON (negative changes count as none). */
export function clientIoRateSummary(d: SumDelta): Obj {
  const rd = Math.max(0, d.sum[I.num_read]!), wr = Math.max(0, d.sum[I.num_write]!);
  const rdKb = Math.max(0, d.sum[I.num_read_kb]!), wrKb = Math.max(0, d.sum[I.num_write_kb]!);
  if (!(rd || wr) || !(d.seconds > 0)) return {};
  const out: Obj = {};
  if (rdKb) out.read_bytes_sec = Math.trunc(rdKb * 1024 / d.seconds);
  if (wrKb) out.write_bytes_sec = Math.trunc(wrKb * 1024 / d.seconds);
  out.read_op_per_sec = Math.trunc(rd / d.seconds);
  out.write_op_per_sec = Math.trunc(wr / d.seconds);
  return out;
}

/** One `osd_stat_t` as Ceph dumps it (without `osd` for the sum). */
function _osdStat(
  id: number | undefined,
  upFrom: number,
  seq: number,
  numPgs: number,
  numOsds: number,
  perPool: number,
  perPoolOmap: number,
  statfs: ArrayLike<number>,
  at: number,
  peers: readonly number[],
  more: {
    snapTrim: number;
    snapTrimming: number;
    repaired: number;
    commitNs: number;
    applyNs: number;
  },
  hist?: { histogram: readonly number[]; upper_bound: number },
): Obj {
  const total = statfs[at]!, available = statfs[at + 1]!;
  const body = {
    up_from: upFrom,
    seq,
    num_pgs: numPgs,
    num_osds: numOsds,
    num_per_pool_osds: perPool,
    num_per_pool_omap_osds: perPoolOmap,
    kb: Math.floor(total / 1024),
    kb_used: Math.floor((total - available) / 1024),
    kb_used_data: Math.floor(statfs[at + 3]! / 1024),
    kb_used_omap: Math.floor(statfs[at + 8]! / 1024),
    kb_used_meta: Math.floor(statfs[at + 9]! / 1024),
    kb_avail: Math.floor(available / 1024),
    statfs: {
      total,
      available,
      internally_reserved: statfs[at + 2]!,
      allocated: statfs[at + 3]!,
      data_stored: statfs[at + 4]!,
      data_compressed: statfs[at + 5]!,
      data_compressed_allocated: statfs[at + 6]!,
      data_compressed_original: statfs[at + 7]!,
      omap_allocated: statfs[at + 8]!,
      internal_metadata: statfs[at + 9]!,
    },
    hb_peers: peers,
    snap_trim_queue_len: more.snapTrim,
    num_snap_trimming: more.snapTrimming,
    num_shards_repaired: more.repaired,
    op_queue_age_hist: hist ?? { histogram: _EMPTY, upper_bound: 1 },
    perf_stat: {
      commit_latency_ms: more.commitNs / 1e6,
      apply_latency_ms: more.applyNs / 1e6,
      commit_latency_ns: more.commitNs,
      apply_latency_ns: more.applyNs,
    },
    alerts: _EMPTY,
  };
  return id === undefined ? body : { osd: id, ...body };
}

/** Freezes an `osd_stat_t` of _osdStat and its parts, knowing its shape. */
function _frozenOsdStat(o: Obj): Json {
  Object.freeze(o.statfs);
  Object.freeze(o.perf_stat);
  const hist = o.op_queue_age_hist as { histogram: readonly number[] };
  Object.freeze(hist.histogram);
  Object.freeze(hist);
  Object.freeze(o.hb_peers);
  return Object.freeze(o);
}

function deepFrozen<T>(v: T): T {
  if (v === null || typeof v !== "object" || Object.isFrozen(v)) return v;
  for (const x of Object.values(v as object)) deepFrozen(x);
  return Object.freeze(v);
}
