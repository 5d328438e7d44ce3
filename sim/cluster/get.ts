/**
 * Everything the manager's `get(name)` can ask the simulated cluster, by Ceph's data names,
 * plus the per-daemon calls (`get_metadata`, `get_daemon_status`, `get_perf_schema`).
 *
 * @module
 */

import type { SimCluster } from "./cluster.ts";
import { dumpDaemonStatus, dumpDevices, dumpOsdPingTimes } from "./daemons.ts";
import { dumpHealth } from "./health.ts";
import { dumpMonMap, dumpMonStatus } from "./mons.ts";
import { type CrushDump, decompileCrushMap } from "./crush_text.ts";
import { dumpOsdMap, dumpOsdMapCrush, dumpOsdMapTree, type Json } from "./osd_map_dump.ts";
import {
  dumpAllPerfCounters,
  dumpPerfSchema,
  MON_PERF_SCHEMA,
  OSD_PERF_SCHEMA,
} from "./perf_counters.ts";
import {
  clusterSums,
  dumpOsdStats,
  dumpPgDump,
  dumpPgStats,
  dumpPgSummary,
  dumpPoolStats,
  type PgStatsView,
} from "./pg_dump.ts";
import { PgState, pgStateString } from "../../ceph/pg_state.ts";
import { dumpServiceMap } from "./service_map.ts";
import { dumpDf, dumpIoRate, dumpOsdPoolStats } from "./stats_dump.ts";

/** The data names {@linkcode clusterGet} answers. */
export const GET_NAMES: readonly string[] = [
  "osd_map",
  "osd_map_tree",
  "osd_map_crush",
  "osd_crush_map_text",
  "osdmap_crush_map_text",
  "pg_summary",
  "pg_status",
  "pg_dump",
  "pg_stats",
  "pool_stats",
  "osd_stats",
  "osd_pool_stats",
  "df",
  "io_rate",
  "health",
  "mon_map",
  "mon_status",
  "fs_map",
  "osd_metadata",
  "devices",
  "osd_ping_times",
  "service_map",
];

/**
 * `get(name)` on the simulated cluster; undefined for names it does not model.
 *
 * @example
 * ```ts
 * import { Rng } from "../engine/prng.ts";
 * import { Scheduler } from "../engine/scheduler.ts";
 * import { SimCluster } from "./cluster.ts";
 * import { clusterGet } from "./get.ts";
 * const s = new Scheduler({ rng: new Rng(1) });
 * const c = new SimCluster(s, { hosts: 3, osdsPerHost: 1, pools: [{ name: "p", pgNum: 8 }] });
 * const map = clusterGet(c, "mon_map") as { mons: unknown[] };
 * if (map.mons.length !== 3) throw new Error();
 * ```
 */
export function clusterGet(c: SimCluster, name: string): Json | undefined {
  const now = c.scheduler.now;
  const view = c.pgView();
  switch (name) {
    case "osd_map":
      return dumpOsdMap(c.map);
    case "osd_map_tree":
      return dumpOsdMapTree(c.map);
    case "osd_map_crush":
      return dumpOsdMapCrush(c.map);
    case "osd_crush_map_text":
    case "osdmap_crush_map_text":
      return _crushText(dumpOsdMapCrush(c.map) as unknown as CrushDump);
    case "pg_summary":
      return dumpPgSummary(c.pgs, view);
    case "pg_status":
      return dumpPgStatus(c, view);
    case "pg_dump":
      return dumpPgDump(c.pgs, c.map, now, view);
    case "pg_stats":
      return dumpPgStats(c.pgs, c.map, now, view);
    case "pool_stats":
      return dumpPoolStats(c.pgs, view);
    case "osd_stats":
      return dumpOsdStats(c.pgs, c.map, view);
    case "osd_pool_stats":
      return dumpOsdPoolStats(c.pgs, c.map, c.io);
    case "df":
      return dumpDf(c.pgs, c.map, view);
    case "io_rate":
      return dumpIoRate(c.io);
    case "health":
      return dumpHealth(c.health()) as Json;
    case "mon_map":
      return dumpMonMap(c.mons);
    case "mon_status":
      return dumpMonStatus(c.mons, now);
    case "fs_map":
      return c.fs.dump();
    case "osd_metadata":
      return c.daemons.osdMetadata();
    case "devices":
      return dumpDevices(c.daemons, c.map);
    case "osd_ping_times":
      return dumpOsdPingTimes(c.pgs, c.map, now, c.pingFactor);
    case "service_map":
      return dumpServiceMap(c.map);
  }
  return undefined;
}

/**
 * The decompiled text of each CRUSH dump, by its `buckets` array: the dump's parts are the same
 * frozen arrays while the CRUSH map's version stands (see OsdMapDumpCache), and the text is a
 * function of them alone, so an OSD map epoch that leaves CRUSH alone does not decompile again
 * (about a second at 10,000 OSDs).
 */
const _crushTexts = new WeakMap<
  object,
  { devices: unknown; types: unknown; rules: unknown; tunables: unknown; text: string }
>();

function _crushText(dump: CrushDump): string {
  const known = _crushTexts.get(dump.buckets);
  if (
    known !== undefined && known.devices === dump.devices && known.types === dump.types &&
    known.rules === dump.rules && known.tunables === dump.tunables
  ) {
    return known.text;
  }
  const text = decompileCrushMap(dump);
  const { devices, types, buckets, rules, tunables } = dump;
  // Only frozen parts can be trusted to stay as they are.
  if ([devices, types, buckets, rules, tunables].every((part) => Object.isFrozen(part))) {
    _crushTexts.set(buckets, { devices, types, rules, tunables, text });
  }
  return text;
}

/**
 * `get("pg_status")`: PGMapDigest::print_summary as JSON. States by count (largest first),
 * the totals, then the ratios, recovery and IO rates Ceph prints only when they are non-zero.
 */
function dumpPgStatus(c: SimCluster, view: PgStatsView): Json {
  const states = view.state ?? c.pgs.state;
  const counts = new Map<number, number>();
  let active = 0, unknown = 0;
  for (let p = 0; p < c.pgs.count; p++) {
    const s = states[p] as number;
    counts.set(s, (counts.get(s) ?? 0) + 1);
    if (s === 0) unknown++;
    else if (s & PgState.ACTIVE) active++;
  }
  const byState = [...counts]
    .map(([s, n]) => ({ state_name: pgStateString(s), count: n }))
    .sort((a, b) =>
      b.count - a.count || (a.state_name < b.state_name ? 1 : a.state_name > b.state_name ? -1 : 0)
    );
  const sums = clusterSums(c.pgs, view);
  const sum = sums.total;
  // The same sums as df's: computed once (a pass over every PG) for both.
  const raw = (dumpDf(c.pgs, c.map, view, sums) as { stats: Record<string, number> }).stats;
  const out: Record<string, Json> = {
    pgs_by_state: byState,
    num_pgs: c.pgs.count,
    num_pools: sums.pools.size,
    num_objects: sum.num_objects,
    data_bytes: sum.num_bytes,
    bytes_used: raw.total_used_raw_bytes ?? 0,
    bytes_avail: raw.total_avail_bytes ?? 0,
    bytes_total: raw.total_bytes ?? 0,
  };
  const numPgs = c.pgs.count;
  if (unknown > 0) out.unknown_pgs_ratio = unknown / numPgs;
  const inactive = numPgs - active - unknown;
  if (inactive > 0) out.inactive_pgs_ratio = inactive / numPgs;
  if (sum.num_objects_degraded > 0 && sum.num_object_copies > 0) {
    out.degraded_objects = sum.num_objects_degraded;
    out.degraded_total = sum.num_object_copies;
    out.degraded_ratio = sum.num_objects_degraded / sum.num_object_copies;
  }
  if (sum.num_objects_misplaced > 0 && sum.num_object_copies > 0) {
    out.misplaced_objects = sum.num_objects_misplaced;
    out.misplaced_total = sum.num_object_copies;
    out.misplaced_ratio = sum.num_objects_misplaced / sum.num_object_copies;
  }
  const d = view.io?.lastDelta;
  if (d && d.seconds > 0) {
    const recoveredObjects = Math.max(0, Math.round(d.recoveredObjects));
    const recoveredBytes = Math.max(0, Math.round(d.recoveredBytes));
    if (recoveredObjects > 0 || recoveredBytes > 0) {
      out.recovering_objects_per_sec = Math.trunc(recoveredObjects / d.seconds);
      out.recovering_bytes_per_sec = Math.trunc(recoveredBytes / d.seconds);
      out.recovering_keys_per_sec = 0;
      out.num_objects_recovered = recoveredObjects;
      out.num_bytes_recovered = recoveredBytes;
      out.num_keys_recovered = 0;
    }
    const reads = Math.max(0, d.reads), writes = Math.max(0, d.writes);
    if (reads > 0 || writes > 0) {
      if (reads > 0) {
        out.read_bytes_sec = Math.trunc(Math.round(d.readBytes / 1024) * 1024 / d.seconds);
      }
      if (writes > 0) {
        out.write_bytes_sec = Math.trunc(Math.round(d.writeBytes / 1024) * 1024 / d.seconds);
      }
      out.read_op_per_sec = Math.trunc(reads / d.seconds);
      out.write_op_per_sec = Math.trunc(writes / d.seconds);
    }
  }
  return out;
}

/** `get_metadata(type, id)`: the daemon's metadata, or null (unknown daemon or a gap). */
export function clusterMetadata(c: SimCluster, type: string, id: string): Json {
  return c.daemons.metadata(`${type}.${id}`);
}

/** `get_daemon_status(type, id)`. */
export function clusterDaemonStatus(c: SimCluster, type: string, id: string): Json {
  return dumpDaemonStatus(c.daemons, `${type}.${id}`);
}

/** `get_perf_schema(type, id)`: the schema of an OSD or mon that exists, else `{}`. */
export function clusterPerfSchema(c: SimCluster, type: string, id: string): Json {
  const name = `${type}.${id}`;
  if (type === "osd" && c.map.has(Number(id))) return dumpPerfSchema(OSD_PERF_SCHEMA, name);
  if (type === "mon" && c.mons.names.includes(id)) return dumpPerfSchema(MON_PERF_SCHEMA, name);
  return {};
}

/**
 * The daemons' health metrics: SLOW_OPS for every up OSD with slow ops in the last stats
 * period (the same numbers as the SLOW_OPS health check). The simulated OSDs never hold back
 * PG creations, so PENDING_CREATING_PGS does not occur.
 */
export function clusterDaemonHealthMetrics(
  c: SimCluster,
): Record<string, { value: number; type: string }[]> {
  const out: Record<string, { value: number; type: string }[]> = {};
  const slow = c.io.slowOps;
  for (let id = 0; id < c.map.maxOsd; id++) {
    const n = Math.round(slow[id] ?? 0);
    if (n > 0 && c.map.isUp(id)) out[`osd.${id}`] = [{ value: n, type: "SLOW_OPS" }];
  }
  return out;
}

/** `get_all_perf_counters()` from the last reports. */
export function clusterAllPerfCounters(c: SimCluster): Json {
  return dumpAllPerfCounters(c.lastPerfReports());
}
