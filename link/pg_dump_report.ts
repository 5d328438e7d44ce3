/**
 * A real cluster's PG statistics as the manager's PG-stat report: the real ceph-mgr's
 * `pg dump -f json` (its `pg_stats` and `osd_stats`, which are the `pg_stat_t` and
 * `osd_stat_t` the OSDs sent it in MPGStats) turned into the columnar {@linkcode PgStatsReport}
 * the simulator sends, so that mgrd's own PGMap builds `pg_dump`, `df`, `pg_summary` and the PG
 * health checks from real data. The report is `full`: it holds every PG, and the PGMap keeps
 * only what changed.
 *
 * @module
 */
import {
  parsePgid,
  PG_STAMP_KEYS,
  type PgStampKey,
  STAT_SUM_KEYS,
  STATFS_KEYS,
  type StatSumKey,
} from "../ceph/pg_stat.ts";
import { parsePgState } from "../ceph/pg_state.ts";
import { stampSeconds } from "../ceph/time.ts";
import {
  newOsdStatRows,
  newPgStatRows,
  type OsdStatRows,
  type PgStatExtras,
  type PgStatRows,
  type PgStatsReport,
} from "../core/pg_stats_report.ts";

/** One `pg_stat_t` of `pg dump -f json`, as far as it is read here. */
type PgStatJson = Record<string, unknown> & {
  pgid: string;
  state: string;
  stat_sum?: Record<string, number>;
  up?: number[];
  acting?: number[];
};

/** One `osd_stat_t` of `pg dump -f json`. */
type OsdStatJson = Record<string, unknown> & { osd: number };

/** What `pg dump -f json` answers (pacific: `{pg_ready, pg_map: {...}}`). */
export interface PgDumpJson {
  pg_ready?: boolean;
  pg_map?: { pg_stats?: PgStatJson[]; osd_stats?: OsdStatJson[] };
}

const EXTRA_BOOLS = [
  "stats_invalid",
  "dirty_stats_invalid",
  "omap_stats_invalid",
  "hitset_stats_invalid",
  "hitset_bytes_stats_invalid",
  "pin_stats_invalid",
  "manifest_stats_invalid",
] as const;
const EXTRA_EVERSIONS = ["log_start", "ondisk_log_start", "last_scrub", "last_deep_scrub"] as const;
const EXTRA_LISTS = [
  "avail_no_missing",
  "object_location_counts",
  "blocked_by",
  "purged_snaps",
] as const;

const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);

/** `<epoch>'<v>` as its two parts. */
function eversion(v: unknown): [number, number] {
  const m = typeof v === "string" ? /^(\d+)'(\d+)$/.exec(v) : null;
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

/** The fields of a `pg_stat_t` that are rarely set, or undefined when all are Ceph's defaults. */
function extrasOf(p: PgStatJson): PgStatExtras | undefined {
  const e: Record<string, unknown> = {};
  for (const k of EXTRA_BOOLS) if (p[k] === true) e[k] = true;
  for (const k of EXTRA_EVERSIONS) if (typeof p[k] === "string" && p[k] !== "0'0") e[k] = p[k];
  for (const k of EXTRA_LISTS) {
    const list = p[k];
    if (Array.isArray(list) && list.length > 0) e[k] = list;
  }
  if (num(p.parent_split_bits) !== 0) e.parent_split_bits = num(p.parent_split_bits);
  if (num(p.snaptrimq_len) !== 0) e.snaptrimq_len = num(p.snaptrimq_len);
  if (typeof p.parent === "string" && p.parent !== "0.0") e.parent = p.parent;
  return Object.keys(e).length > 0 ? e as PgStatExtras : undefined;
}

/** The `pg_stat_t` rows of `pg dump`'s `pg_stats`. */
export function pgStatRows(pgs: readonly PgStatJson[]): PgStatRows {
  const n = pgs.length;
  const width = Math.max(1, ...pgs.map((p) => Math.max(p.up?.length ?? 0, p.acting?.length ?? 0)));
  const stampKeys: readonly PgStampKey[] = PG_STAMP_KEYS;
  const statKeys: readonly StatSumKey[] = STAT_SUM_KEYS;
  const rows = newPgStatRows(n, width, stampKeys, statKeys);
  const extras = new Map<number, PgStatExtras>();
  let kept = 0;
  for (const p of pgs) {
    const id = parsePgid(p.pgid);
    // A state this build of Ceph's names does not know is left out rather than misread.
    const state = parsePgState(p.state);
    if (id === undefined || state === undefined) continue;
    const i = kept++;
    rows.pool[i] = id.pool;
    rows.ps[i] = id.ps;
    rows.state[i] = state;
    rows.reportedSeq[i] = num(p.reported_seq);
    rows.reportedEpoch[i] = num(p.reported_epoch);
    const [ve, vv] = eversion(p.version);
    rows.versionEpoch[i] = ve;
    rows.versionV[i] = vv;
    rows.mappingEpoch[i] = num(p.mapping_epoch);
    rows.created[i] = num(p.created);
    rows.lastEpochClean[i] = num(p.last_epoch_clean);
    rows.logSize[i] = num(p.log_size);
    rows.ondiskLogSize[i] = num(p.ondisk_log_size);
    for (const [k, key] of stampKeys.entries()) {
      rows.stamps[i * stampKeys.length + k] = stampSeconds(p[key]);
    }
    const sum = p.stat_sum ?? {};
    for (const [k, key] of statKeys.entries()) rows.stats[i * statKeys.length + k] = num(sum[key]);
    const up = p.up ?? [], acting = p.acting ?? [];
    rows.up.set(up, i * width);
    rows.upN[i] = up.length;
    rows.acting.set(acting, i * width);
    rows.actingN[i] = acting.length;
    rows.upPrimary[i] = typeof p.up_primary === "number" ? p.up_primary : -1;
    rows.actingPrimary[i] = typeof p.acting_primary === "number" ? p.acting_primary : -1;
    const e = extrasOf(p);
    if (e) extras.set(i, e);
  }
  rows.length = kept;
  if (extras.size > 0) rows.extras = extras;
  return rows;
}

/** The `osd_stat_t` rows of `pg dump`'s `osd_stats`. */
export function osdStatRows(osds: readonly OsdStatJson[]): OsdStatRows {
  const n = osds.length;
  const nf = STATFS_KEYS.length;
  const peers = osds.map((o) => (Array.isArray(o.hb_peers) ? o.hb_peers as number[] : []));
  const rows = newOsdStatRows(n, peers.reduce((s, p) => s + p.length, 0));
  const hists = new Map<number, { histogram: readonly number[]; upper_bound: number }>();
  let at = 0;
  for (const [i, o] of osds.entries()) {
    rows.osd[i] = o.osd;
    rows.upFrom[i] = num(o.up_from);
    rows.seq[i] = num(o.seq);
    rows.numPgs[i] = num(o.num_pgs);
    const statfs = (o.statfs ?? {}) as Record<string, number>;
    for (const [k, key] of STATFS_KEYS.entries()) rows.statfs[i * nf + k] = num(statfs[key]);
    rows.hbPeersStart[i] = at;
    rows.hbPeers.set(peers[i]!, at);
    at += peers[i]!.length;
    rows.snapTrimQueueLen[i] = num(o.snap_trim_queue_len);
    rows.numSnapTrimming[i] = num(o.num_snap_trimming);
    rows.numShardsRepaired[i] = num(o.num_shards_repaired);
    rows.numPerPoolOsds[i] = num(o.num_per_pool_osds);
    rows.numPerPoolOmapOsds[i] = num(o.num_per_pool_omap_osds);
    const perf = (o.perf_stat ?? {}) as Record<string, number>;
    rows.commitLatencyNs[i] = num(perf.commit_latency_ns);
    rows.applyLatencyNs[i] = num(perf.apply_latency_ns);
    const hist = o.op_queue_age_hist as { histogram?: number[]; upper_bound?: number } | undefined;
    if (hist && Array.isArray(hist.histogram) && hist.histogram.length > 0) {
      hists.set(i, { histogram: hist.histogram, upper_bound: num(hist.upper_bound) });
    }
  }
  rows.hbPeersStart[n] = at;
  if (hists.size > 0) rows.opQueueAgeHist = hists;
  return rows;
}

/**
 * The PG-stat report of a real `pg dump -f json`, taken in at `stamp`.
 *
 * @example
 * ```ts
 * import { pgDumpReport } from "./pg_dump_report.ts";
 * const report = pgDumpReport({
 *   pg_map: {
 *     pg_stats: [{ pgid: "1.0", state: "active+clean", up: [0], acting: [0], up_primary: 0 }],
 *     osd_stats: [{ osd: 0, up_from: 5, hb_peers: [] }],
 *   },
 * }, 100);
 * console.assert(report.full && report.pgs.length === 1 && report.osds.osd[0] === 0);
 * ```
 */
export function pgDumpReport(dump: PgDumpJson, stamp: number): PgStatsReport {
  return {
    stamp,
    full: true,
    pgs: pgStatRows(dump.pg_map?.pg_stats ?? []),
    osds: osdStatRows(dump.pg_map?.osd_stats ?? []),
  };
}

/** `get('osd_ping_times')` from the same dump: each OSD's `network_ping_times`. */
export function osdPingTimes(dump: PgDumpJson): { osd_ping_times: unknown[] } {
  return {
    osd_ping_times: (dump.pg_map?.osd_stats ?? []).map((o) => ({
      osd: o.osd,
      network_ping_times: Array.isArray(o.network_ping_times) ? o.network_ping_times : [],
    })),
  };
}
