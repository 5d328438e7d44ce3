/**
 * PG statistics as the manager's `get()` returns them: `pg_summary` and `pg_dump`, with
 * Ceph's key names and value types (see ceph-reference/get/). Built on demand from the
 * typed arrays of a {@linkcode PgTable}; at 300,000 PGs `dumpPgDump` is large by nature.
 *
 * @module
 */

import { cephSeconds, cephStamp } from "./ceph_time.ts";
import { type IoModel, osdCapacity } from "./io_model.ts";
import type { OsdMap } from "./osd_map.ts";
import type { Json } from "./osd_map_dump.ts";
import type { PgTable } from "./pg_table.ts";
import { PgState, pgStateString } from "./pg_state.ts";

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
 * reports; "unknown" until the primary reported), `io` the workload's counters. Without a
 * view the dumps show the model's own state and no client IO.
 */
export interface PgStatsView {
  state?: Uint32Array;
  io?: IoModel;
}

/** A zeroed `object_stat_sum_t`. */
export function zeroSum(): StatSum {
  return _zeroSum();
}

function _zeroSum(): StatSum {
  const s = {} as StatSum;
  for (const k of STAT_KEYS) s[k] = 0;
  return s;
}

/** The stat sum of PG `p`. */
export function pgStatSum(pgs: PgTable, p: number, io?: IoModel): StatSum {
  const s = _zeroSum();
  const objects = pgs.objects[p] as number;
  const size = pgs.poolOf(p).size;
  s.num_bytes = pgs.bytes[p] as number;
  s.num_objects = objects;
  s.num_object_copies = objects * size;
  s.num_objects_degraded = pgs.degradedObjects(p);
  s.num_objects_misplaced = pgs.misplacedObjects(p);
  s.num_objects_dirty = objects;
  s.num_write = objects + Math.round(io?.numWrite[p] ?? 0);
  s.num_write_kb = Math.round(((pgs.bytes[p] as number) + (io?.writeBytes[p] ?? 0)) / 1024);
  s.num_read = Math.round(io?.numRead[p] ?? 0);
  s.num_read_kb = Math.round((io?.readBytes[p] ?? 0) / 1024);
  const recovered = Math.round(pgs.recovered[p] as number);
  s.num_objects_recovered = recovered;
  s.num_bytes_recovered = recovered * pgs.options.objectSize;
  return s;
}

/**
 * Adds one PG's statistics into `into` without building them first: the same numbers as
 * `pgStatSum`, for sums over every PG (hundreds of thousands at scale).
 */
export function addPgStatSum(into: StatSum, pgs: PgTable, p: number, io?: IoModel): void {
  const objects = pgs.objects[p] as number;
  const bytes = pgs.bytes[p] as number;
  const recovered = Math.round(pgs.recovered[p] as number);
  into.num_bytes += bytes;
  into.num_objects += objects;
  into.num_object_copies += objects * pgs.poolOf(p).size;
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

function _pgStat(
  pgs: PgTable,
  map: OsdMap,
  p: number,
  now: number,
  bits: number,
  sum: StatSum,
  up: number[],
  acting: number[],
): Json {
  const state = pgStateString(bits);
  const epoch = pgs.intervalEpoch[p] as number;
  const objects = pgs.objects[p] as number;
  const change = pgs.lastChange[p] as number;
  const active = pgs.lastActive[p] as number || change;
  const clean = pgs.lastClean[p] as number || change;
  const fresh = (bits & PgState.STALE) ? change : now;
  return {
    reported_seq: (pgs.reportedSeq[p] as number) + objects,
    reported_epoch: map.epoch,
    state,
    mapping_epoch: epoch,
    created: pgs.createdEpoch[p] as number,
    last_epoch_clean: epoch,
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
    avail_no_missing: [],
    object_location_counts: [],
    blocked_by: [],
    up_primary: up[0] ?? -1,
    acting_primary: acting[0] ?? -1,
    purged_snaps: [],
    pgid: pgs.pgid(p),
    version: `${epoch}'${objects}`,
    last_fresh: cephStamp(fresh),
    last_change: cephStamp(change),
    last_active: cephStamp(active),
    last_peered: cephStamp(active),
    last_clean: cephStamp(clean),
    last_became_active: cephStamp(active),
    last_became_peered: cephStamp(active),
    last_unstale: cephStamp(fresh),
    last_undegraded: cephStamp(bits & PgState.DEGRADED ? change : now),
    last_fullsized: cephStamp(bits & PgState.UNDERSIZED ? change : now),
    log_start: "0'0",
    ondisk_log_start: "0'0",
    parent: "0.0",
    last_scrub: "0'0",
    last_scrub_stamp: cephStamp(map.created),
    last_deep_scrub: "0'0",
    last_deep_scrub_stamp: cephStamp(map.created),
    last_clean_scrub_stamp: cephStamp(map.created),
  };
}

interface _Sums {
  total: StatSum;
  up: number;
  acting: number;
  pools: Map<number, { sum: StatSum; n: number; up: number; acting: number }>;
}

function _sums(pgs: PgTable, view: PgStatsView, each?: (p: number, sum: StatSum) => void): _Sums {
  const total = _zeroSum();
  const pools = new Map<number, { sum: StatSum; n: number; up: number; acting: number }>();
  let up = 0, acting = 0;
  for (let p = 0; p < pgs.count; p++) {
    const pool = pgs.poolId[p] as number;
    let ps = pools.get(pool);
    if (!ps) pools.set(pool, ps = { sum: _zeroSum(), n: 0, up: 0, acting: 0 });
    if (each) {
      const sum = pgStatSum(pgs, p, view.io);
      _add(ps.sum, sum);
      each(p, sum);
    } else {
      // Summing in place: no object per PG, which matters at 300,000 PGs.
      addPgStatSum(ps.sum, pgs, p, view.io);
    }
    ps.n++;
    ps.up += pgs.upN[p] as number;
    ps.acting += pgs.actingN[p] as number;
    up += pgs.upN[p] as number;
    acting += pgs.actingN[p] as number;
  }
  for (const ps of pools.values()) _add(total, ps.sum);
  return { total, up, acting, pools };
}

function _poolStats(sums: _Sums): Json[] {
  return [...sums.pools].sort((a, b) => b[0] - a[0]).map(([poolid, s]) => ({
    poolid,
    num_pg: s.n,
    ...(_statBlock(s.sum, s.sum.num_objects, s.up, s.acting) as Record<string, Json>),
  }));
}

function _osdStats(
  pgs: PgTable,
  map: OsdMap,
  view: PgStatsView,
): { list: Json[]; sum: { [key: string]: Json } } {
  const io = view.io;
  const used = new Float64Array(map.maxOsd);
  const numPgs = new Uint32Array(map.maxOsd);
  const peers: Set<number>[] = Array.from({ length: map.maxOsd }, () => new Set<number>());
  const stride = pgs.stride;
  for (let p = 0; p < pgs.count; p++) {
    const n = pgs.actingN[p] as number;
    const base = p * stride;
    for (let i = 0; i < n; i++) {
      const o = pgs.acting[base + i] as number;
      (used[o] as number) += pgs.bytes[p] as number;
      (numPgs[o] as number)++;
      const set = peers[o] as Set<number>;
      for (let j = 0; j < n && set.size < 10; j++) {
        const q = pgs.acting[base + j] as number;
        if (q !== o) set.add(q);
      }
    }
  }
  const list: Json[] = [];
  let kbTotal = 0, usedTotal = 0, pgTotal = 0, nUp = 0;
  for (let id = map.maxOsd - 1; id >= 0; id--) {
    if (!map.isUp(id)) continue;
    const totalBytes = osdCapacity(map, id);
    const u = used[id] as number;
    const n = numPgs[id] as number;
    list.push(
      osdStat(
        id,
        map.upFrom[id] as number,
        n,
        totalBytes,
        u,
        [...(peers[id] as Set<number>)].sort((a, b) => a - b),
        1,
        io?.osdCommitMs[id] ?? 0,
      ),
    );
    kbTotal += totalBytes;
    usedTotal += u;
    pgTotal += n;
    nUp++;
  }
  const sum = _osdStat(0, 0, pgTotal, kbTotal, usedTotal, [], nUp);
  delete sum.osd;
  return { list, sum };
}

/**
 * `get("pg_dump")`: the PGMap dump (per-PG stats, per-pool and per-OSD sums).
 * `now` stamps the dump; hb_peers lists at most 10 OSDs sharing PGs with each OSD.
 */
export function dumpPgDump(pgs: PgTable, map: OsdMap, now: number, view: PgStatsView = {}): Json {
  const states = view.state ?? pgs.state;
  const pgStats: Json[] = [];
  const sums = _sums(pgs, view, (p, sum) => {
    pgStats.push(
      _pgStat(
        pgs,
        map,
        p,
        now,
        states[p] as number,
        sum,
        pgs.members(pgs.up, pgs.upN, p),
        pgs.members(pgs.acting, pgs.actingN, p),
      ),
    );
  });
  const osd = _osdStats(pgs, map, view);
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

/** `get("pg_stats")`: `{pg_stats: [...]}`, the per-PG part of the PGMap. */
export function dumpPgStats(pgs: PgTable, map: OsdMap, now: number, view: PgStatsView = {}): Json {
  const states = view.state ?? pgs.state;
  const out: Json[] = [];
  for (let p = 0; p < pgs.count; p++) {
    out.push(
      _pgStat(
        pgs,
        map,
        p,
        now,
        states[p] as number,
        pgStatSum(pgs, p, view.io),
        pgs.members(pgs.up, pgs.upN, p),
        pgs.members(pgs.acting, pgs.actingN, p),
      ),
    );
  }
  return { pg_stats: out };
}

/** `get("pool_stats")`: `{pool_stats: [...]}`, per-pool sums, highest pool id first. */
export function dumpPoolStats(pgs: PgTable, view: PgStatsView = {}): Json {
  return { pool_stats: _poolStats(_sums(pgs, view)) };
}

/** `get("osd_stats")`: `{osd_stats: [...], pool_statfs: []}`, one entry per up OSD. */
export function dumpOsdStats(pgs: PgTable, map: OsdMap, view: PgStatsView = {}): Json {
  return { osd_stats: _osdStats(pgs, map, view).list, pool_statfs: [] };
}

/** Cluster-wide sums (for `df` and health). */
export function clusterSums(
  pgs: PgTable,
  view: PgStatsView = {},
): { total: StatSum; pools: Map<number, StatSum> } {
  const s = _sums(pgs, view);
  return { total: s.total, pools: new Map([...s.pools].map(([k, v]) => [k, v.sum])) };
}
