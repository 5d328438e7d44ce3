/**
 * PG statistics as the manager's `get()` returns them: `pg_summary` and `pg_dump`, with
 * Ceph's key names and value types (see ceph-reference/get/). Built on demand from the
 * typed arrays of a {@linkcode PgTable}; at 300,000 PGs `dumpPgDump` is large by nature.
 *
 * @module
 */

import { cephSeconds, cephStamp } from "./ceph_time.ts";
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

type StatSum = Record<(typeof STAT_KEYS)[number], number>;

function _zeroSum(): StatSum {
  const s = {} as StatSum;
  for (const k of STAT_KEYS) s[k] = 0;
  return s;
}

function _pgSum(pgs: PgTable, p: number): StatSum {
  const s = _zeroSum();
  const objects = pgs.objects[p] as number;
  const size = pgs.poolOf(p).size;
  s.num_bytes = pgs.bytes[p] as number;
  s.num_objects = objects;
  s.num_object_copies = objects * size;
  s.num_objects_degraded = pgs.degradedObjects(p);
  s.num_objects_misplaced = pgs.misplacedObjects(p);
  s.num_objects_dirty = objects;
  s.num_write = objects;
  s.num_write_kb = Math.round((pgs.bytes[p] as number) / 1024);
  return s;
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
export function dumpPgSummary(pgs: PgTable): Json {
  const byOsd = new Map<number, Record<string, number>>();
  const byPool = new Map<number, Record<string, number>>();
  const all: Record<string, number> = {};
  const sum = _zeroSum();
  let up = 0, acting = 0;
  const stride = pgs.stride;
  for (let p = 0; p < pgs.count; p++) {
    const state = pgStateString(pgs.state[p] as number);
    const pool = pgs.poolId[p] as number;
    let counts = byPool.get(pool);
    if (!counts) byPool.set(pool, counts = {});
    counts[state] = (counts[state] ?? 0) + 1;
    for (let i = 0; i < (pgs.actingN[p] as number); i++) {
      const osd = pgs.acting[p * stride + i] as number;
      let c = byOsd.get(osd);
      if (!c) byOsd.set(osd, c = {});
      c[state] = (c[state] ?? 0) + 1;
    }
    all[state] = (all[state] ?? 0) + 1;
    _add(sum, _pgSum(pgs, p));
    up += pgs.upN[p] as number;
    acting += pgs.actingN[p] as number;
  }
  const obj = <V>(m: Map<number, V>) =>
    Object.fromEntries([...m].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v]));
  return {
    by_osd: obj(byOsd),
    by_pool: obj(byPool),
    all,
    pg_stats_sum: _statBlock(sum, sum.num_objects, up, acting),
  };
}

/** Capacity of an OSD in bytes: CRUSH weight 1.0 is 1 TiB. */
function _osdBytes(map: OsdMap, osd: number): number {
  return Math.round(map.crush.weightOf(osd) * 2 ** 40);
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

/**
 * `get("pg_dump")`: the PGMap dump (per-PG stats, per-pool and per-OSD sums).
 * `now` stamps the dump; hb_peers lists at most 10 OSDs sharing PGs with each OSD.
 */
export function dumpPgDump(pgs: PgTable, map: OsdMap, now: number): Json {
  const pgStats: Json[] = [];
  const poolSums = new Map<number, { sum: StatSum; n: number; up: number; acting: number }>();
  const total = _zeroSum();
  const osdPgs = new Map<number, number>();
  const osdUsed = new Map<number, number>();
  const osdPeers = new Map<number, Set<number>>();
  let upTotal = 0, actingTotal = 0;
  for (let p = 0; p < pgs.count; p++) {
    const sum = _pgSum(pgs, p);
    const up = pgs.members(pgs.up, pgs.upN, p);
    const acting = pgs.members(pgs.acting, pgs.actingN, p);
    const bits = pgs.state[p] as number;
    const state = pgStateString(bits);
    const epoch = pgs.intervalEpoch[p] as number;
    const objects = pgs.objects[p] as number;
    const change = pgs.lastChange[p] as number;
    const active = pgs.lastActive[p] as number || change;
    const clean = pgs.lastClean[p] as number || change;
    const fresh = (bits & PgState.STALE) ? change : now;
    pgStats.push({
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
    });
    const pool = pgs.poolId[p] as number;
    let ps = poolSums.get(pool);
    if (!ps) poolSums.set(pool, ps = { sum: _zeroSum(), n: 0, up: 0, acting: 0 });
    _add(ps.sum, sum);
    ps.n++;
    ps.up += up.length;
    ps.acting += acting.length;
    _add(total, sum);
    upTotal += up.length;
    actingTotal += acting.length;
    for (const o of acting) {
      osdPgs.set(o, (osdPgs.get(o) ?? 0) + 1);
      osdUsed.set(o, (osdUsed.get(o) ?? 0) + (pgs.bytes[p] as number));
      let peers = osdPeers.get(o);
      if (!peers) osdPeers.set(o, peers = new Set());
      for (const q of acting) if (q !== o && peers.size < 10) peers.add(q);
    }
  }
  const osdStats: Json[] = [];
  let kbTotal = 0, usedTotal = 0, pgTotal = 0, nUp = 0;
  for (let id = map.maxOsd - 1; id >= 0; id--) {
    if (!map.isUp(id)) continue;
    const totalBytes = _osdBytes(map, id);
    const used = osdUsed.get(id) ?? 0;
    const n = osdPgs.get(id) ?? 0;
    osdStats.push(
      _osdStat(
        id,
        map.upFrom[id] as number,
        n,
        totalBytes,
        used,
        [...(osdPeers.get(id) ?? [])].sort((a, b) => a - b),
        1,
      ),
    );
    kbTotal += totalBytes;
    usedTotal += used;
    pgTotal += n;
    nUp++;
  }
  const osdSum = _osdStat(0, 0, pgTotal, kbTotal, usedTotal, [], nUp);
  delete osdSum.osd;
  osdSum.network_ping_times = [];
  return {
    version: map.epoch,
    last_osdmap_epoch: 0,
    last_pg_scan: 0,
    pg_stats_sum: _statBlock(total, total.num_objects, upTotal, actingTotal),
    osd_stats_sum: osdSum,
    pg_stats_delta: {
      ...(_statBlock(_zeroSum(), 0, 0, 0) as Record<string, Json>),
      stamp_delta: cephSeconds(0),
    },
    pg_stats: pgStats,
    pool_stats: [...poolSums].sort((a, b) => b[0] - a[0]).map(([poolid, s]) => ({
      poolid,
      num_pg: s.n,
      ...(_statBlock(s.sum, s.sum.num_objects, s.up, s.acting) as Record<string, Json>),
    })),
    osd_stats: osdStats,
    pool_statfs: [],
    stamp: cephStamp(now),
  };
}
