/**
 * The manager's PGMap (Ceph's `src/mon/PGMap.h` as `src/mgr/ClusterState.cc` keeps it): every
 * PG's last reported `pg_stat_t` and every OSD's `osd_stat_t`, in columns, fed only by the PG
 * stats reports the OSDs send ({@linkcode PgStatsReport}) and by the OSDMap:
 *
 * - `ingest()` is ClusterState::ingest_pgstats plus update_delta_stats: a PG of a pool the last
 *   OSDMap does not have, or beyond its pg_num, is dropped; an older report of a PG than the
 *   one held is dropped; an OSD that is out reports an empty `osd_stat_t`. Sums per pool are
 *   kept as rows change, and the change of the sums over the last `smoothIntervals` reports
 *   is what `io_rate` and the recovery and client rates show (PGMap::update_delta).
 * - `applyOsdMap()` is ClusterState::notify_osdmap: PGMapUpdater::check_osd_map (PGs of new
 *   pools and splits appear as `unknown`, with every stamp the map's `modified`; PGs of
 *   removed pools and merged PGs go; out OSDs' stats are zeroed, removed OSDs' dropped) then
 *   check_down_pgs (a PG whose acting primary is down is marked `stale`).
 *
 * Rows are dense: a removed PG's row takes the last row. Every change of a row gives it a new
 * `rowVersion`, so views built from rows can keep what they built for unchanged ones.
 *
 * @module
 */
import {
  PG_STAMP_INDEX,
  PG_STAMP_KEYS,
  STAT_SUM_INDEX,
  STAT_SUM_KEYS,
  STATFS_KEYS,
} from "../../ceph/pg_stat.ts";
import { hasPgState, PgState, withPgState } from "../../ceph/pg_state.ts";
import { stampSeconds } from "../../ceph/time.ts";
import type { PgStatExtras, PgStatsReport } from "../pg_stats_report.ts";

/** The number of `object_stat_sum_t` counters. */
export const NUM_STATS = STAT_SUM_KEYS.length;
/** The number of `pg_stat_t` stamps. */
export const NUM_STAMPS = PG_STAMP_KEYS.length;
/** The stamps a PG's stat updates renew every period. */
const FRESHNESS_STAMPS: ReadonlySet<string> = new Set([
  "last_fresh",
  "last_unstale",
  "last_undegraded",
  "last_fullsized",
  "last_active",
  "last_peered",
  "last_clean",
]);
/** The number of `store_statfs_t` fields. */
export const NUM_STATFS = STATFS_KEYS.length;

const STALE = PgState.STALE;
const I_UNSTALE = PG_STAMP_INDEX.last_unstale;

/** What the PGMap reads of an OSDMap: `get('osd_map')`'s shape, the parts it needs. */
export interface OsdMapFacts {
  epoch: number;
  /** A Ceph stamp. */
  modified: string;
  pools: readonly {
    pool: number;
    pool_name: string;
    size: number;
    min_size: number;
    pg_num: number;
    pg_num_target?: number;
    pg_placement_num_target?: number;
    [key: string]: unknown;
  }[];
  osds: readonly { osd: number; up: number; in: number; [key: string]: unknown }[];
}

/** Sums over one pool's PGs: `pool_stat_t` (stat_sum, log sizes) and its PG, up and acting counts. */
export interface PoolSum {
  sum: Float64Array;
  numPg: number;
  up: number;
  acting: number;
  logSize: number;
  ondiskLogSize: number;
}

interface _Delta {
  sum: Float64Array;
  seconds: number;
}

/** The change of a sum over the last reports, and over how long (PGMap's `*_delta`). */
export interface SumDelta {
  /** `object_stat_sum_t` counters, STAT_SUM_KEYS order. */
  sum: Float64Array;
  logSize: number;
  ondiskLogSize: number;
  seconds: number;
}

/** Options of a {@linkcode PgMap}. */
export interface PgMapOptions {
  /** Reports the rates are averaged over (`mon_stat_smooth_intervals`, default 6). */
  smoothIntervals?: number;
  /** The longest a report's interval counts for (2 × `mon_delta_reset_interval`, default 20 s). */
  maxDeltaSeconds?: number;
}

function _emptyPoolSum(): PoolSum {
  return {
    sum: new Float64Array(NUM_STATS),
    numPg: 0,
    up: 0,
    acting: 0,
    logSize: 0,
    ondiskLogSize: 0,
  };
}

/**
 * The PGMap.
 *
 * @example
 * ```ts
 * import { PgMap } from "./pg_map.ts";
 * const pgMap = new PgMap();
 * pgMap.applyOsdMap({
 *   epoch: 5,
 *   modified: "2026-11-25T13:18:00.000000+0000",
 *   pools: [{ pool: 1, pool_name: "rbd", size: 3, min_size: 2, pg_num: 8 }],
 *   osds: [{ osd: 0, up: 1, in: 1 }],
 * }, 1_795_612_680);
 * if (pgMap.count !== 8 || pgMap.state[0] !== 0) throw new Error("8 unknown PGs");
 * ```
 */
export class PgMap {
  /** Changes whenever anything a view shows changes. */
  version = 0;
  /** When the last report was taken in (the dump's `stamp`). */
  stamp = 0;
  /** Slots per row in `up` and `acting`. */
  width = 3;
  /** Rows (PGs). */
  count = 0;
  pool = new Uint32Array(0);
  ps = new Uint32Array(0);
  state = new Float64Array(0);
  reportedSeq = new Float64Array(0);
  reportedEpoch = new Uint32Array(0);
  versionEpoch = new Uint32Array(0);
  versionV = new Float64Array(0);
  mappingEpoch = new Uint32Array(0);
  created = new Uint32Array(0);
  lastEpochClean = new Uint32Array(0);
  logSize = new Float64Array(0);
  ondiskLogSize = new Float64Array(0);
  /**
   * One column per stamp of PG_STAMP_KEYS, `stampStride` rows apart: stamp k of row r is at
   * `k * stampStride + r` (see {@linkcode stampAt}). Columns, because every period rewrites
   * the same four stamps of every PG.
   */
  stamps = new Float64Array(0);
  /** The rows a stamp column holds (the capacity). */
  stampStride = 0;
  /**
   * Changes whenever rows or stamps other than the freshness stamps of stat updates may have
   * changed (whole rows, OSDMaps, clearing): what holds across the periods of a quiet
   * cluster, such as the oldest scrub stamp of a pool, can be kept until it changes.
   */
  rowsVersion = 0;
  /** Per counter of STAT_SUM_KEYS, a column; undefined while every row's is 0. */
  readonly stats: (Float64Array | undefined)[] = new Array(NUM_STATS).fill(undefined);
  up = new Int32Array(0);
  upN = new Uint8Array(0);
  acting = new Int32Array(0);
  actingN = new Uint8Array(0);
  upPrimary = new Int32Array(0);
  actingPrimary = new Int32Array(0);
  /** Changes with every change of the row (and when another PG moves into it). */
  rowVersion = new Float64Array(0);
  /** Changes when the row's `stat_sum` changes. */
  statVersion = new Float64Array(0);
  /** The rarely set parts of some rows. */
  readonly extras = new Map<number, PgStatExtras>();

  /** The pools of the last OSDMap, by id, in its order. */
  readonly pools = new Map<number, OsdMapFacts["pools"][number]>();
  /** The last OSDMap's epoch and `modified` (seconds). */
  osdMapEpoch = 0;
  osdMapModified = 0;
  /** Per OSD id: 1 exists, and whether up and in, in the last OSDMap. */
  osdExists = new Uint8Array(0);
  osdUp = new Uint8Array(0);
  osdIn = new Uint8Array(0);

  // osd_stat_t per OSD id.
  /** Whether the OSD has an `osd_stat_t` (it reported, and is in the map). */
  osdHas = new Uint8Array(0);
  osdUpFrom = new Uint32Array(0);
  osdSeq = new Float64Array(0);
  osdNumPgs = new Uint32Array(0);
  /** `maxOsd × NUM_STATFS`. */
  osdStatfs = new Float64Array(0);
  osdHbPeers: (readonly number[])[] = [];
  osdSnapTrimQueueLen = new Uint32Array(0);
  osdNumSnapTrimming = new Uint32Array(0);
  osdNumShardsRepaired = new Uint32Array(0);
  osdNumPerPoolOsds = new Uint8Array(0);
  osdNumPerPoolOmapOsds = new Uint8Array(0);
  osdCommitNs = new Float64Array(0);
  osdApplyNs = new Float64Array(0);
  readonly osdOpQueueAgeHist = new Map<
    number,
    { histogram: readonly number[]; upper_bound: number }
  >();
  /** Changes with every change of the OSD's `osd_stat_t`. */
  osdVersion = new Float64Array(0);

  readonly #rowOf = new Map<number, Int32Array>();
  readonly #poolSums = new Map<number, PoolSum>();
  #changes = 0;
  readonly #smooth: number;
  readonly #maxDelta: number;
  #globalDeltas: _Delta[] = [];
  #globalDelta: _Delta = { sum: new Float64Array(NUM_STATS + 2), seconds: 0 };
  #poolDeltas = new Map<number, { list: _Delta[]; delta: _Delta; stamp: number }>();
  #lastDeltaStamp = 0;

  constructor(options: PgMapOptions = {}) {
    this.#smooth = Math.max(1, Math.trunc(options.smoothIntervals ?? 6));
    this.#maxDelta = options.maxDeltaSeconds ?? 20;
  }

  /** The row of PG `pool.ps`, or -1. */
  row(pool: number, ps: number): number {
    const rows = this.#rowOf.get(pool);
    if (rows === undefined || ps < 0 || ps >= rows.length) return -1;
    return rows[ps]!;
  }

  /** The sums of pool `id`'s PGs, or undefined for a pool with none. */
  poolSum(id: number): PoolSum | undefined {
    return this.#poolSums.get(id);
  }

  /** Every pool's sums, highest pool id first (as Ceph dumps `pool_stats`). */
  poolSums(): [number, PoolSum][] {
    return [...this.#poolSums].sort((a, b) => b[0] - a[0]);
  }

  /** The sums over every PG. */
  totalSum(): PoolSum {
    const total = _emptyPoolSum();
    for (const s of this.#poolSums.values()) {
      for (let k = 0; k < NUM_STATS; k++) total.sum[k]! += s.sum[k]!;
      total.numPg += s.numPg;
      total.up += s.up;
      total.acting += s.acting;
      total.logSize += s.logSize;
      total.ondiskLogSize += s.ondiskLogSize;
    }
    return total;
  }

  /** The change of the sums over every PG over the last reports (`pg_sum_delta`). */
  globalDelta(): SumDelta {
    return _asDelta(this.#globalDelta);
  }

  /** The change of pool `id`'s sums over its last reports, or undefined (`per_pool_sum_delta`). */
  poolDelta(id: number): SumDelta | undefined {
    const d = this.#poolDeltas.get(id);
    return d === undefined ? undefined : _asDelta(d.delta);
  }

  /**
   * How many PGs each pool has in each state (pools and states in row order), kept while the
   * rows hold (stat updates change no state): pg_summary, pg_status and the health checks
   * read it every period.
   */
  stateCounts(): ReadonlyMap<number, ReadonlyMap<number, number>> {
    if (this.#stateCounts?.version === this.rowsVersion) return this.#stateCounts.counts;
    const counts = new Map<number, Map<number, number>>();
    // Runs of one state in one pool are counted in a number, then added once.
    let lastState = NaN, lastPool = NaN, run = 0;
    for (let r = 0; r <= this.count; r++) {
      const s = r < this.count ? this.state[r]! : NaN;
      const pool = r < this.count ? this.pool[r]! : NaN;
      if (s === lastState && pool === lastPool) {
        run++;
        continue;
      }
      if (run > 0) {
        let c = counts.get(lastPool);
        if (c === undefined) counts.set(lastPool, c = new Map());
        c.set(lastState, (c.get(lastState) ?? 0) + run);
      }
      if (r === this.count) break;
      lastState = s;
      lastPool = pool;
      run = 1;
    }
    this.#stateCounts = { version: this.rowsVersion, counts };
    return counts;
  }

  #stateCounts: { version: number; counts: Map<number, Map<number, number>> } | undefined;

  /** The rows not active+clean, kept while the rows hold (what the PG checks look at). */
  uncleanRows(): Int32Array {
    if (this.#unclean?.version === this.rowsVersion) return this.#unclean.rows;
    const clean = PgState.ACTIVE + PgState.CLEAN;
    let n = 0;
    for (let r = 0; r < this.count; r++) if (this.state[r] !== clean) n++;
    const rows = new Int32Array(n);
    n = 0;
    for (let r = 0; r < this.count; r++) if (this.state[r] !== clean) rows[n++] = r;
    this.#unclean = { version: this.rowsVersion, rows };
    return rows;
  }

  #unclean: { version: number; rows: Int32Array } | undefined;

  /**
   * Each pool's oldest `last_scrub_stamp` and `last_deep_scrub_stamp`, kept while the rows hold
   * (stat updates carry no scrub stamps): most periods the scrub checks find no pool late and
   * make no pass over every PG.
   */
  oldestScrubs(): ReadonlyMap<number, { scrub: number; deep: number }> {
    if (this.#oldestScrubs?.version === this.rowsVersion) return this.#oldestScrubs.pools;
    const st = this.stamps, stride = this.stampStride;
    const scrubBase = PG_STAMP_INDEX.last_scrub_stamp * stride;
    const deepBase = PG_STAMP_INDEX.last_deep_scrub_stamp * stride;
    const pools = new Map<number, { scrub: number; deep: number }>();
    for (let r = 0; r < this.count; r++) {
      const pool = this.pool[r]!;
      let o = pools.get(pool);
      if (o === undefined) pools.set(pool, o = { scrub: Infinity, deep: Infinity });
      o.scrub = Math.min(o.scrub, st[scrubBase + r]!);
      o.deep = Math.min(o.deep, st[deepBase + r]!);
    }
    this.#oldestScrubs = { version: this.rowsVersion, pools };
    return pools;
  }

  #oldestScrubs:
    | { version: number; pools: Map<number, { scrub: number; deep: number }> }
    | undefined;

  /** Stamp `k` (PG_STAMP_KEYS order) of row `r`, seconds. */
  stampAt(r: number, k: number): number {
    return this.stamps[k * this.stampStride + r]!;
  }

  /** A stat_sum counter of row `r` (0 for counters no report carried). */
  stat(r: number, k: number): number {
    return this.stats[k]?.[r] ?? 0;
  }

  /** Applies a new OSDMap, as ClusterState::notify_osdmap does; `now` stamps what it marks stale. */
  applyOsdMap(map: OsdMapFacts, now: number): void {
    this.rowsVersion++;
    this.osdMapEpoch = map.epoch;
    this.osdMapModified = stampSeconds(map.modified);
    let maxOsd = 0;
    for (const o of map.osds) maxOsd = Math.max(maxOsd, o.osd + 1);
    this.#growOsds(maxOsd);
    this.osdExists.fill(0);
    this.osdUp.fill(0);
    this.osdIn.fill(0);
    for (const o of map.osds) {
      this.osdExists[o.osd] = 1;
      this.osdUp[o.osd] = o.up ? 1 : 0;
      this.osdIn[o.osd] = o.in ? 1 : 0;
    }
    // check_osd_map: the OSDs' stats.
    for (let id = 0; id < this.osdHas.length; id++) {
      if (!this.osdHas[id]) continue;
      if (!this.osdExists[id]) {
        this.osdHas[id] = 0;
        this.#osdChanged(id);
      } else if (!this.osdIn[id]) {
        if (this.osdStatfs[id * NUM_STATFS] !== 0) this.#zeroOsdStat(id);
      } else if (!this.osdUp[id] && this.osdOpQueueAgeHist.delete(id)) {
        this.#osdChanged(id);
      }
    }
    this.pools.clear();
    for (const p of map.pools) this.pools.set(p.pool, p);
    // Removed pools and merged PGs go.
    for (const [pool, rows] of [...this.#rowOf]) {
      const facts = this.pools.get(pool);
      const pgNum = facts?.pg_num ?? 0;
      for (let ps = rows.length - 1; ps >= pgNum; ps--) {
        const r = rows[ps]!;
        if (r >= 0) this.#removeRow(r);
      }
      if (facts === undefined) {
        this.#rowOf.delete(pool);
        this.#poolSums.delete(pool);
        this.#poolDeltas.delete(pool);
      }
    }
    // PGs of new pools and splits appear, unknown, stamped with the map's `modified`.
    for (const p of map.pools) {
      let rows = this.#rowOf.get(p.pool);
      if (rows === undefined || rows.length < p.pg_num) {
        const grown = new Int32Array(p.pg_num).fill(-1);
        if (rows) grown.set(rows.subarray(0, Math.min(rows.length, p.pg_num)));
        this.#rowOf.set(p.pool, rows = grown);
      }
      for (let ps = 0; ps < p.pg_num; ps++) {
        if (rows[ps]! < 0) rows[ps] = this.#addUnknown(p.pool, ps);
      }
    }
    // check_down_pgs: a PG whose acting primary is down is stale.
    for (let r = 0; r < this.count; r++) {
      const s = this.state[r]!;
      const primary = this.actingPrimary[r]!;
      if (primary < 0 || hasPgState(s, STALE) || this.osdUp[primary] === 1) continue;
      this.state[r] = withPgState(s, STALE);
      this.stamps[I_UNSTALE * this.stampStride + r] = now;
      this.#touch(r);
    }
    this.version++;
  }

  /** Takes in one period's reports (ClusterState::ingest_pgstats, then update_delta_stats). */
  ingest(report: PgStatsReport): void {
    const before = this.#lastDeltaStamp === 0 ? undefined : this.#sumSnapshot();
    const o = report.osds;
    for (let i = 0; i < o.length; i++) this.#ingestOsd(report, i);
    const g = report.pgs;
    if (g.width > this.width) this.#widen(g.width);
    const u = report.statUpdates;
    if (g.length > 0 || (u && u.length > 0 && u.stampKeys.some((k) => !FRESHNESS_STAMPS.has(k)))) {
      this.rowsVersion++;
    }
    this.#ingestPgs(g, report.full);
    if (report.statUpdates) this.#ingestStatUpdates(report.statUpdates);
    this.stamp = report.stamp;
    this.#updateDeltas(report.stamp, before);
    this.version++;
  }

  /** Forgets every PG and OSD stat (a manager that has just become active starts empty). */
  clear(): void {
    this.rowsVersion++;
    for (let r = this.count - 1; r >= 0; r--) this.#removeRow(r);
    this.#rowOf.clear();
    this.#poolSums.clear();
    this.osdHas.fill(0);
    this.osdOpQueueAgeHist.clear();
    this.#globalDeltas = [];
    this.#globalDelta = { sum: new Float64Array(NUM_STATS + 2), seconds: 0 };
    this.#poolDeltas.clear();
    this.#lastDeltaStamp = 0;
    this.stamp = 0;
    this.version++;
  }

  // --- rows

  /** The rows of a report: hot at scale (every PG may be in every report), so kept flat. */
  #ingestPgs(g: PgStatsReport["pgs"], compare: boolean): void {
    if (!compare && g.extras === undefined && this.extras.size === 0 && g.width === this.width) {
      this.#ingestChanged(g);
      return;
    }
    const index = g.index;
    const statIdx = g.statKeys.map((k) => STAT_SUM_INDEX[k]);
    const cols = statIdx.map((k) => this.#statColumn(k));
    // Counters some earlier report carried and this one does not: held at 0 from now.
    const others: number[] = [];
    for (let k = 0; k < NUM_STATS; k++) {
      if (this.stats[k] !== undefined && !statIdx.includes(k)) others.push(k);
    }
    const stampCols = g.stampKeys.map((k) => PG_STAMP_INDEX[k]);
    const nk = cols.length, ns = stampCols.length, gw = g.width;
    let lastPool = -1;
    let facts: OsdMapFacts["pools"][number] | undefined;
    let rows: Int32Array | undefined;
    let sum: PoolSum | undefined;
    for (let n = 0; n < g.length; n++) {
      const i = index === undefined ? n : index[n]!;
      const pool = g.pool[i]!, ps = g.ps[i]!;
      if (pool !== lastPool) {
        lastPool = pool;
        facts = this.pools.get(pool);
        rows = this.#rowOf.get(pool);
        sum = facts === undefined ? undefined : this.#poolSum(pool);
      }
      // In case we hear about a PG that according to the last OSDMap should not exist.
      if (facts === undefined || ps >= facts.pg_num) continue;
      if (rows === undefined || rows.length <= ps) {
        const grown = new Int32Array(facts.pg_num).fill(-1);
        if (rows) grown.set(rows);
        this.#rowOf.set(pool, rows = grown);
      }
      let r = rows[ps]!;
      if (r < 0) {
        r = this.#addUnknown(pool, ps);
        // A new row may have grown the columns.
        for (let k = 0; k < nk; k++) cols[k] = this.stats[statIdx[k]!]!;
        rows[ps] = r;
      }
      // In case we already heard of more recent stats of this PG.
      const epoch = g.reportedEpoch[i]!, seq = g.reportedSeq[i]!;
      const heldEpoch = this.reportedEpoch[r]!;
      if (heldEpoch > epoch || (heldEpoch === epoch && this.reportedSeq[r]! > seq)) continue;
      const w = this.width;
      const upN = g.upN[i]!, actingN = g.actingN[i]!;
      // A period's report holds the PGs that changed; only a full one needs comparing.
      let same = compare && this.state[r] === g.state[i] && this.reportedSeq[r] === seq &&
        heldEpoch === epoch && this.versionEpoch[r] === g.versionEpoch[i] &&
        this.versionV[r] === g.versionV[i] && this.mappingEpoch[r] === g.mappingEpoch[i] &&
        this.created[r] === g.created[i] && this.lastEpochClean[r] === g.lastEpochClean[i] &&
        this.logSize[r] === g.logSize[i] && this.ondiskLogSize[r] === g.ondiskLogSize[i] &&
        this.upN[r] === upN && this.actingN[r] === actingN &&
        this.upPrimary[r] === g.upPrimary[i] && this.actingPrimary[r] === g.actingPrimary[i];
      for (let k = 0; same && k < upN; k++) same = this.up[r * w + k] === g.up[i * gw + k];
      for (let k = 0; same && k < actingN; k++) {
        same = this.acting[r * w + k] === g.acting[i * gw + k];
      }
      for (let k = 0; same && k < ns; k++) {
        same = this.stamps[stampCols[k]! * this.stampStride + r] === g.stamps[i * ns + k];
      }
      let sameStats = compare;
      for (let k = 0; sameStats && k < nk; k++) sameStats = cols[k]![r] === g.stats[i * nk + k];
      for (let k = 0; sameStats && k < others.length; k++) {
        sameStats = this.stats[others[k]!]![r] === 0;
      }
      const extras = g.extras?.get(n);
      const sameExtras = extras === undefined
        ? !this.extras.has(r)
        : JSON.stringify(extras) === JSON.stringify(this.extras.get(r));
      if (same && sameStats && sameExtras) continue;
      const s = sum!;
      s.up += upN - this.upN[r]!;
      s.acting += actingN - this.actingN[r]!;
      s.logSize += g.logSize[i]! - this.logSize[r]!;
      s.ondiskLogSize += g.ondiskLogSize[i]! - this.ondiskLogSize[r]!;
      this.state[r] = g.state[i]!;
      this.reportedSeq[r] = seq;
      this.reportedEpoch[r] = epoch;
      this.versionEpoch[r] = g.versionEpoch[i]!;
      this.versionV[r] = g.versionV[i]!;
      this.mappingEpoch[r] = g.mappingEpoch[i]!;
      this.created[r] = g.created[i]!;
      this.lastEpochClean[r] = g.lastEpochClean[i]!;
      this.logSize[r] = g.logSize[i]!;
      this.ondiskLogSize[r] = g.ondiskLogSize[i]!;
      this.upN[r] = upN;
      this.actingN[r] = actingN;
      for (let k = 0; k < upN; k++) this.up[r * w + k] = g.up[i * gw + k]!;
      for (let k = 0; k < actingN; k++) this.acting[r * w + k] = g.acting[i * gw + k]!;
      this.upPrimary[r] = g.upPrimary[i]!;
      this.actingPrimary[r] = g.actingPrimary[i]!;
      for (let k = 0; k < ns; k++) {
        this.stamps[stampCols[k]! * this.stampStride + r] = g.stamps[i * ns + k]!;
      }
      if (!sameStats) {
        for (let k = 0; k < nk; k++) {
          const col = cols[k]!, v = g.stats[i * nk + k]!;
          s.sum[statIdx[k]!]! += v - col[r]!;
          col[r] = v;
        }
        for (const k of others) {
          const col = this.stats[k]!;
          s.sum[k]! -= col[r]!;
          col[r] = 0;
        }
        this.statVersion[r] = ++this.#changes;
      }
      if (extras === undefined) this.extras.delete(r);
      else this.extras.set(r, extras);
      this.#touch(r);
    }
  }

  /**
   * The rows of a report that holds only PGs that changed, with none of the rarely set parts:
   * what every period brings, for every PG of a busy cluster. The same as #ingestPgs without
   * the comparisons, with every column in a local.
   */
  #ingestChanged(g: PgStatsReport["pgs"]): void {
    const index = g.index;
    const statIdx = g.statKeys.map((k) => STAT_SUM_INDEX[k]);
    const others: number[] = [];
    for (let k = 0; k < NUM_STATS; k++) {
      if (this.stats[k] !== undefined && !statIdx.includes(k)) others.push(k);
    }
    const stampCols = Int32Array.from(g.stampKeys.map((k) => PG_STAMP_INDEX[k]));
    const nk = statIdx.length, ns = stampCols.length, w = this.width;
    const gPool = g.pool, gPs = g.ps, gState = g.state, gSeq = g.reportedSeq;
    const gEpoch = g.reportedEpoch, gVe = g.versionEpoch, gVv = g.versionV;
    const gMap = g.mappingEpoch, gCreated = g.created, gLec = g.lastEpochClean;
    const gLog = g.logSize, gOlog = g.ondiskLogSize, gUpN = g.upN, gActN = g.actingN;
    const gUp = g.up, gAct = g.acting, gUpP = g.upPrimary, gActP = g.actingPrimary;
    const gStamps = g.stamps, gStats = g.stats;
    let cols: Float64Array[] = [];
    let state = this.state, seqs = this.reportedSeq, epochs = this.reportedEpoch;
    let ve = this.versionEpoch, vv = this.versionV, map = this.mappingEpoch;
    let created = this.created, lec = this.lastEpochClean, log = this.logSize;
    let olog = this.ondiskLogSize, upNs = this.upN, actNs = this.actingN, up = this.up;
    let act = this.acting, upP = this.upPrimary, actP = this.actingPrimary;
    let stamps = this.stamps, rowVersion = this.rowVersion, statVersion = this.statVersion;
    let stampBase = stampCols.map((k) => k * this.stampStride);
    const locals = () => {
      stampBase = stampCols.map((k) => k * this.stampStride);
      cols = statIdx.map((k) => this.#statColumn(k));
      state = this.state, seqs = this.reportedSeq, epochs = this.reportedEpoch;
      ve = this.versionEpoch, vv = this.versionV, map = this.mappingEpoch;
      created = this.created, lec = this.lastEpochClean, log = this.logSize;
      olog = this.ondiskLogSize, upNs = this.upN, actNs = this.actingN, up = this.up;
      act = this.acting, upP = this.upPrimary, actP = this.actingPrimary;
      stamps = this.stamps, rowVersion = this.rowVersion, statVersion = this.statVersion;
    };
    locals();
    let changes = this.#changes;
    let lastPool = -1, pgNum = 0;
    let rows: Int32Array | undefined;
    let sum: PoolSum | undefined;
    for (let n = 0; n < g.length; n++) {
      const i = index === undefined ? n : index[n]!;
      const pool = gPool[i]!, ps = gPs[i]!;
      if (pool !== lastPool) {
        lastPool = pool;
        const facts = this.pools.get(pool);
        pgNum = facts?.pg_num ?? 0;
        rows = this.#rowOf.get(pool);
        sum = facts === undefined ? undefined : this.#poolSum(pool);
      }
      // In case we hear about a PG that according to the last OSDMap should not exist.
      if (ps >= pgNum) continue;
      if (rows === undefined || rows.length <= ps) {
        const grown = new Int32Array(pgNum).fill(-1);
        if (rows) grown.set(rows);
        this.#rowOf.set(pool, rows = grown);
      }
      let r = rows[ps]!;
      if (r < 0) {
        this.#changes = changes;
        r = this.#addUnknown(pool, ps);
        changes = this.#changes;
        rows[ps] = r;
        locals();
      }
      // In case we already heard of more recent stats of this PG.
      const epoch = gEpoch[i]!, seq = gSeq[i]!;
      const heldEpoch = epochs[r]!;
      if (heldEpoch > epoch || (heldEpoch === epoch && seqs[r]! > seq)) continue;
      const s = sum!;
      const upN = gUpN[i]!, actingN = gActN[i]!;
      s.up += upN - upNs[r]!;
      s.acting += actingN - actNs[r]!;
      s.logSize += gLog[i]! - log[r]!;
      s.ondiskLogSize += gOlog[i]! - olog[r]!;
      state[r] = gState[i]!;
      seqs[r] = seq;
      epochs[r] = epoch;
      ve[r] = gVe[i]!;
      vv[r] = gVv[i]!;
      map[r] = gMap[i]!;
      created[r] = gCreated[i]!;
      lec[r] = gLec[i]!;
      log[r] = gLog[i]!;
      olog[r] = gOlog[i]!;
      upNs[r] = upN;
      actNs[r] = actingN;
      const rb = r * w, ib = i * w;
      for (let k = 0; k < upN; k++) up[rb + k] = gUp[ib + k]!;
      for (let k = 0; k < actingN; k++) act[rb + k] = gAct[ib + k]!;
      upP[r] = gUpP[i]!;
      actP[r] = gActP[i]!;
      const gsb = i * ns;
      for (let k = 0; k < ns; k++) stamps[stampBase[k]! + r] = gStamps[gsb + k]!;
      const xb = i * nk, ssum = s.sum;
      for (let k = 0; k < nk; k++) {
        const col = cols[k]!, v = gStats[xb + k]!;
        ssum[statIdx[k]!]! += v - col[r]!;
        col[r] = v;
      }
      for (const k of others) {
        const col = this.stats[k]!;
        ssum[k]! -= col[r]!;
        col[r] = 0;
      }
      statVersion[r] = ++changes;
      rowVersion[r] = ++changes;
    }
    this.#changes = changes;
  }

  /**
   * The rows of PGs whose stats alone changed (PgStatsReport.statUpdates): their counters,
   * versions, log sizes and stamps. A row the PGMap does not hold yet is skipped: the sender
   * sends a PG's whole stats before it sends updates of them.
   */
  #ingestStatUpdates(g: PgStatsReport["pgs"]): void {
    const index = g.index;
    const statIdx = g.statKeys.map((k) => STAT_SUM_INDEX[k]);
    const cols = statIdx.map((k) => this.#statColumn(k));
    const stampCols = Int32Array.from(g.stampKeys.map((k) => PG_STAMP_INDEX[k]));
    const nk = statIdx.length, ns = stampCols.length;
    const gPool = g.pool, gPs = g.ps, gSeq = g.reportedSeq, gEpoch = g.reportedEpoch;
    const gVe = g.versionEpoch, gVv = g.versionV, gLog = g.logSize, gOlog = g.ondiskLogSize;
    const gStamps = g.stamps, gStats = g.stats;
    const seqs = this.reportedSeq, epochs = this.reportedEpoch, ve = this.versionEpoch;
    const vv = this.versionV, log = this.logSize, olog = this.ondiskLogSize;
    const stamps = this.stamps, rowVersion = this.rowVersion, statVersion = this.statVersion;
    const stampBase = Int32Array.from(stampCols, (k) => k * this.stampStride);
    let changes = this.#changes;
    let lastPool = -1, pgNum = 0;
    let rows: Int32Array | undefined;
    let sum: PoolSum | undefined;
    // The changes of the current pool's sums, added to them when the pool changes: one local
    // array rather than a pool's sums indexed through statIdx for every counter of every row.
    const local = new Float64Array(nk);
    const flush = () => {
      if (sum === undefined) return;
      for (let k = 0; k < nk; k++) sum.sum[statIdx[k]!]! += local[k]!;
      local.fill(0);
    };
    for (let n = 0; n < g.length; n++) {
      const i = index === undefined ? n : index[n]!;
      const pool = gPool[i]!, ps = gPs[i]!;
      if (pool !== lastPool) {
        flush();
        lastPool = pool;
        pgNum = this.pools.get(pool)?.pg_num ?? 0;
        rows = this.#rowOf.get(pool);
        sum = this.#poolSums.get(pool);
      }
      if (ps >= pgNum || rows === undefined || sum === undefined) continue;
      const r = ps < rows.length ? rows[ps]! : -1;
      // A PG this PGMap has no whole stats of yet (they come with its OSD's first report).
      if (r < 0 || epochs[r] === 0) continue;
      const epoch = gEpoch[i]!, seq = gSeq[i]!;
      const heldEpoch = epochs[r]!;
      if (heldEpoch > epoch || (heldEpoch === epoch && seqs[r]! > seq)) continue;
      sum.logSize += gLog[i]! - log[r]!;
      sum.ondiskLogSize += gOlog[i]! - olog[r]!;
      seqs[r] = seq;
      epochs[r] = epoch;
      ve[r] = gVe[i]!;
      vv[r] = gVv[i]!;
      log[r] = gLog[i]!;
      olog[r] = gOlog[i]!;
      const gsb = i * ns;
      for (let k = 0; k < ns; k++) stamps[stampBase[k]! + r] = gStamps[gsb + k]!;
      const xb = i * nk;
      for (let k = 0; k < nk; k++) {
        const col = cols[k]!, v = gStats[xb + k]!;
        local[k]! += v - col[r]!;
        col[r] = v;
      }
      statVersion[r] = ++changes;
      rowVersion[r] = ++changes;
    }
    flush();
    this.#changes = changes;
  }

  #addUnknown(pool: number, ps: number): number {
    const r = this.count;
    this.#grow(r + 1);
    this.count = r + 1;
    this.pool[r] = pool;
    this.ps[r] = ps;
    this.state[r] = 0;
    this.reportedSeq[r] = 0;
    this.reportedEpoch[r] = 0;
    this.versionEpoch[r] = 0;
    this.versionV[r] = 0;
    this.mappingEpoch[r] = 0;
    this.created[r] = 0;
    this.lastEpochClean[r] = 0;
    this.logSize[r] = 0;
    this.ondiskLogSize[r] = 0;
    this.upN[r] = 0;
    this.actingN[r] = 0;
    this.upPrimary[r] = -1;
    this.actingPrimary[r] = -1;
    // check_osd_map stamps a new PG with the map's modification time, but for the two
    // "became" stamps, which stay unset.
    const st = this.stamps, stride = this.stampStride;
    for (let k = 0; k < NUM_STAMPS; k++) st[k * stride + r] = this.osdMapModified;
    st[PG_STAMP_INDEX.last_became_active * stride + r] = 0;
    st[PG_STAMP_INDEX.last_became_peered * stride + r] = 0;
    for (const col of this.stats) if (col !== undefined) col[r] = 0;
    this.statVersion[r] = ++this.#changes;
    this.extras.delete(r);
    const sum = this.#poolSum(pool);
    sum.numPg++;
    this.#touch(r);
    return r;
  }

  #removeRow(r: number): void {
    const pool = this.pool[r]!;
    const sum = this.#poolSums.get(pool);
    if (sum !== undefined) {
      this.#addRowToSum(sum, r, -1);
      sum.numPg--;
      if (sum.numPg === 0) this.#poolSums.delete(pool);
    }
    const rows = this.#rowOf.get(pool);
    if (rows !== undefined && rows[this.ps[r]!] === r) rows[this.ps[r]!] = -1;
    const last = this.count - 1;
    if (r !== last) this.#moveRow(last, r);
    this.extras.delete(last);
    this.count = last;
  }

  #moveRow(from: number, to: number): void {
    const w = this.width;
    for (
      const a of [
        this.pool,
        this.ps,
        this.state,
        this.reportedSeq,
        this.reportedEpoch,
        this.versionEpoch,
        this.versionV,
        this.mappingEpoch,
        this.created,
        this.lastEpochClean,
        this.logSize,
        this.ondiskLogSize,
        this.upN,
        this.actingN,
        this.upPrimary,
        this.actingPrimary,
      ]
    ) a[to] = a[from]!;
    for (const col of this.stats) if (col !== undefined) col[to] = col[from]!;
    this.up.copyWithin(to * w, from * w, from * w + w);
    this.acting.copyWithin(to * w, from * w, from * w + w);
    const st = this.stamps, stride = this.stampStride;
    for (let k = 0; k < NUM_STAMPS; k++) st[k * stride + to] = st[k * stride + from]!;
    const extras = this.extras.get(from);
    if (extras === undefined) this.extras.delete(to);
    else this.extras.set(to, extras);
    this.extras.delete(from);
    this.#rowOf.get(this.pool[to]!)![this.ps[to]!] = to;
    this.statVersion[to] = ++this.#changes;
    this.#touch(to);
  }

  /** Adds (`sign` 1) or takes out (-1) row `r`'s counts and counters. */
  #addRowToSum(sum: PoolSum, r: number, sign: 1 | -1): void {
    for (let k = 0; k < NUM_STATS; k++) {
      const col = this.stats[k];
      if (col !== undefined) sum.sum[k]! += sign * col[r]!;
    }
    sum.up += sign * this.upN[r]!;
    sum.acting += sign * this.actingN[r]!;
    sum.logSize += sign * this.logSize[r]!;
    sum.ondiskLogSize += sign * this.ondiskLogSize[r]!;
  }

  #poolSum(pool: number): PoolSum {
    let sum = this.#poolSums.get(pool);
    if (sum === undefined) this.#poolSums.set(pool, sum = _emptyPoolSum());
    return sum;
  }

  #touch(r: number): void {
    this.rowVersion[r] = ++this.#changes;
  }

  #statColumn(k: number): Float64Array {
    let col = this.stats[k];
    if (col === undefined) {
      col = new Float64Array(this.pool.length);
      this.stats[k] = col;
    }
    return col;
  }

  #grow(n: number): void {
    if (n <= this.pool.length) return;
    const cap = Math.max(n, Math.ceil(this.pool.length * 1.5), 64);
    const g = <T extends Uint8Array | Uint32Array | Int32Array | Float64Array>(a: T, per = 1) => {
      const b = new (a.constructor as new (len: number) => T)(cap * per);
      b.set(a);
      return b;
    };
    this.pool = g(this.pool);
    this.ps = g(this.ps);
    this.state = g(this.state);
    this.reportedSeq = g(this.reportedSeq);
    this.reportedEpoch = g(this.reportedEpoch);
    this.versionEpoch = g(this.versionEpoch);
    this.versionV = g(this.versionV);
    this.mappingEpoch = g(this.mappingEpoch);
    this.created = g(this.created);
    this.lastEpochClean = g(this.lastEpochClean);
    this.logSize = g(this.logSize);
    this.ondiskLogSize = g(this.ondiskLogSize);
    const stamps = new Float64Array(cap * NUM_STAMPS);
    for (let k = 0; k < NUM_STAMPS; k++) {
      const from = k * this.stampStride;
      stamps.set(this.stamps.subarray(from, from + this.stampStride), k * cap);
    }
    this.stamps = stamps;
    this.stampStride = cap;
    for (let k = 0; k < NUM_STATS; k++) {
      const col = this.stats[k];
      if (col !== undefined) this.stats[k] = g(col);
    }
    this.up = g(this.up, this.width);
    this.upN = g(this.upN);
    this.acting = g(this.acting, this.width);
    this.actingN = g(this.actingN);
    this.upPrimary = g(this.upPrimary);
    this.actingPrimary = g(this.actingPrimary);
    this.rowVersion = g(this.rowVersion);
    this.statVersion = g(this.statVersion);
  }

  #widen(width: number): void {
    const cap = this.pool.length, old = this.width;
    const up = new Int32Array(cap * width), acting = new Int32Array(cap * width);
    for (let r = 0; r < this.count; r++) {
      up.set(this.up.subarray(r * old, r * old + old), r * width);
      acting.set(this.acting.subarray(r * old, r * old + old), r * width);
      this.#touch(r);
    }
    this.up = up;
    this.acting = acting;
    this.width = width;
  }

  // --- OSDs

  #ingestOsd(report: PgStatsReport, i: number): void {
    const o = report.osds;
    const id = o.osd[i]!;
    if (id < 0) return;
    this.#growOsds(id + 1);
    const base = id * NUM_STATFS;
    // An OSD that is out reports an empty osd_stat_t (with its seq).
    if (!this.osdIn[id] || !this.osdExists[id]) {
      const had = this.osdHas[id] === 1;
      this.osdHas[id] = 1;
      if (had && this.osdSeq[id] === o.seq[i] && this.osdStatfs[base] === 0) return;
      this.#zeroOsdStat(id);
      this.osdSeq[id] = o.seq[i]!;
      return;
    }
    const start = o.hbPeersStart[i]!, end = o.hbPeersStart[i + 1]!;
    const peers = this.osdHbPeers[id];
    let same = this.osdHas[id] === 1 && this.osdUpFrom[id] === o.upFrom[i] &&
      this.osdSeq[id] === o.seq[i] && this.osdNumPgs[id] === o.numPgs[i] &&
      this.osdSnapTrimQueueLen[id] === o.snapTrimQueueLen[i] &&
      this.osdNumSnapTrimming[id] === o.numSnapTrimming[i] &&
      this.osdNumShardsRepaired[id] === o.numShardsRepaired[i] &&
      this.osdNumPerPoolOsds[id] === o.numPerPoolOsds[i] &&
      this.osdNumPerPoolOmapOsds[id] === o.numPerPoolOmapOsds[i] &&
      this.osdCommitNs[id] === o.commitLatencyNs[i] &&
      this.osdApplyNs[id] === o.applyLatencyNs[i] && peers !== undefined &&
      peers.length === end - start;
    for (let k = 0; same && k < NUM_STATFS; k++) {
      same = this.osdStatfs[base + k] === o.statfs[i * NUM_STATFS + k];
    }
    let samePeers = peers !== undefined && peers.length === end - start;
    for (let k = 0; samePeers && k < end - start; k++) {
      samePeers = peers![k] === o.hbPeers[start + k];
    }
    same &&= samePeers;
    const hist = o.opQueueAgeHist?.get(i);
    const held = this.osdOpQueueAgeHist.get(id);
    const sameHist = hist === held ||
      (hist !== undefined && held !== undefined && JSON.stringify(hist) === JSON.stringify(held));
    if (same && sameHist) return;
    this.osdHas[id] = 1;
    this.osdUpFrom[id] = o.upFrom[i]!;
    this.osdSeq[id] = o.seq[i]!;
    this.osdNumPgs[id] = o.numPgs[i]!;
    this.osdStatfs.set(o.statfs.subarray(i * NUM_STATFS, (i + 1) * NUM_STATFS), base);
    if (!samePeers) this.osdHbPeers[id] = Object.freeze(Array.from(o.hbPeers.subarray(start, end)));
    this.osdSnapTrimQueueLen[id] = o.snapTrimQueueLen[i]!;
    this.osdNumSnapTrimming[id] = o.numSnapTrimming[i]!;
    this.osdNumShardsRepaired[id] = o.numShardsRepaired[i]!;
    this.osdNumPerPoolOsds[id] = o.numPerPoolOsds[i]!;
    this.osdNumPerPoolOmapOsds[id] = o.numPerPoolOmapOsds[i]!;
    this.osdCommitNs[id] = o.commitLatencyNs[i]!;
    this.osdApplyNs[id] = o.applyLatencyNs[i]!;
    if (hist === undefined) this.osdOpQueueAgeHist.delete(id);
    else this.osdOpQueueAgeHist.set(id, hist);
    this.#osdChanged(id);
  }

  /** An `osd_stat_t` with nothing but its id (PGMap::Incremental::stat_osd_out). */
  #zeroOsdStat(id: number): void {
    this.osdUpFrom[id] = 0;
    this.osdNumPgs[id] = 0;
    this.osdStatfs.fill(0, id * NUM_STATFS, (id + 1) * NUM_STATFS);
    this.osdHbPeers[id] = _NO_PEERS;
    this.osdSnapTrimQueueLen[id] = 0;
    this.osdNumSnapTrimming[id] = 0;
    this.osdNumShardsRepaired[id] = 0;
    this.osdNumPerPoolOsds[id] = 0;
    this.osdNumPerPoolOmapOsds[id] = 0;
    this.osdCommitNs[id] = 0;
    this.osdApplyNs[id] = 0;
    this.osdOpQueueAgeHist.delete(id);
    this.#osdChanged(id);
  }

  #osdChanged(id: number): void {
    this.osdVersion[id] = ++this.#changes;
  }

  #growOsds(n: number): void {
    if (n <= this.osdHas.length) return;
    const cap = Math.max(n, Math.ceil(this.osdHas.length * 1.5), 16);
    const g = <T extends Uint8Array | Uint32Array | Float64Array>(a: T, per = 1) => {
      const b = new (a.constructor as new (len: number) => T)(cap * per);
      b.set(a);
      return b;
    };
    this.osdExists = g(this.osdExists);
    this.osdUp = g(this.osdUp);
    this.osdIn = g(this.osdIn);
    this.osdHas = g(this.osdHas);
    this.osdUpFrom = g(this.osdUpFrom);
    this.osdSeq = g(this.osdSeq);
    this.osdNumPgs = g(this.osdNumPgs);
    this.osdStatfs = g(this.osdStatfs, NUM_STATFS);
    this.osdSnapTrimQueueLen = g(this.osdSnapTrimQueueLen);
    this.osdNumSnapTrimming = g(this.osdNumSnapTrimming);
    this.osdNumShardsRepaired = g(this.osdNumShardsRepaired);
    this.osdNumPerPoolOsds = g(this.osdNumPerPoolOsds);
    this.osdNumPerPoolOmapOsds = g(this.osdNumPerPoolOmapOsds);
    this.osdCommitNs = g(this.osdCommitNs);
    this.osdApplyNs = g(this.osdApplyNs);
    this.osdVersion = g(this.osdVersion);
  }

  // --- deltas

  /** Every pool's sums (stat_sum, then log sizes), to take the change from. */
  #sumSnapshot(): Map<number, Float64Array> {
    const out = new Map<number, Float64Array>();
    for (const [pool, s] of this.#poolSums) out.set(pool, _flat(s));
    return out;
  }

  /** PGMap::update_global_delta and update_pool_deltas after a report. */
  #updateDeltas(stamp: number, before: Map<number, Float64Array> | undefined): void {
    const last = this.#lastDeltaStamp;
    this.#lastDeltaStamp = stamp;
    if (before === undefined) return;
    const seconds = Math.min(Math.max(0, stamp - last), this.#maxDelta);
    const oldTotal = new Float64Array(NUM_STATS + 2), newTotal = new Float64Array(NUM_STATS + 2);
    for (const v of before.values()) _addInto(oldTotal, v, 1);
    for (const s of this.#poolSums.values()) _addInto(newTotal, _flat(s), 1);
    // Skip calculating delta while sum was not synchronized.
    if (!_isZero(oldTotal)) {
      const d = newTotal.slice();
      _addInto(d, oldTotal, -1);
      this.#push(this.#globalDeltas, this.#globalDelta, { sum: d, seconds });
    }
    for (const [pool, s] of this.#poolSums) {
      const old = before.get(pool);
      let entry = this.#poolDeltas.get(pool);
      if (entry === undefined) {
        entry = { list: [], delta: { sum: new Float64Array(NUM_STATS + 2), seconds: 0 }, stamp };
        this.#poolDeltas.set(pool, entry);
      }
      if (old === undefined || _isZero(old)) continue;
      const d = _flat(s);
      _addInto(d, old, -1);
      this.#push(entry.list, entry.delta, { sum: d, seconds });
      entry.stamp = stamp;
    }
  }

  #push(list: _Delta[], total: _Delta, d: _Delta): void {
    list.push(d);
    _addInto(total.sum, d.sum, 1);
    total.seconds += d.seconds;
    while (list.length > this.#smooth) {
      const old = list.shift()!;
      _addInto(total.sum, old.sum, -1);
      total.seconds -= old.seconds;
    }
  }
}

const _NO_PEERS: readonly number[] = Object.freeze([]);

function _flat(s: PoolSum): Float64Array {
  const out = new Float64Array(NUM_STATS + 2);
  out.set(s.sum);
  out[NUM_STATS] = s.logSize;
  out[NUM_STATS + 1] = s.ondiskLogSize;
  return out;
}

function _addInto(into: Float64Array, from: Float64Array, sign: 1 | -1): void {
  for (let k = 0; k < into.length; k++) into[k]! += sign * from[k]!;
}

function _isZero(a: Float64Array): boolean {
  for (let k = 0; k < NUM_STATS; k++) if (a[k] !== 0) return false;
  return true;
}

function _asDelta(d: _Delta): SumDelta {
  return {
    sum: d.sum.subarray(0, NUM_STATS),
    logSize: d.sum[NUM_STATS]!,
    ondiskLogSize: d.sum[NUM_STATS + 1]!,
    seconds: d.seconds,
  };
}
