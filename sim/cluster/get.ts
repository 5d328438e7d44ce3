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
import { dumpOsdMap, dumpOsdMapCrush, dumpOsdMapTree, type Json } from "./osd_map_dump.ts";
import {
  dumpAllPerfCounters,
  dumpPerfSchema,
  MON_PERF_SCHEMA,
  OSD_PERF_SCHEMA,
} from "./perf_counters.ts";
import { dumpOsdStats, dumpPgDump, dumpPgStats, dumpPgSummary, dumpPoolStats } from "./pg_dump.ts";
import { dumpDf, dumpIoRate, dumpOsdPoolStats } from "./stats_dump.ts";

/** The data names {@linkcode clusterGet} answers. */
export const GET_NAMES: readonly string[] = [
  "osd_map",
  "osd_map_tree",
  "osd_map_crush",
  "pg_summary",
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
    case "pg_summary":
      return dumpPgSummary(c.pgs, view);
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
  }
  return undefined;
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

/** `get_all_perf_counters()` from the last reports. */
export function clusterAllPerfCounters(c: SimCluster): Json {
  return dumpAllPerfCounters(c.lastPerfReports());
}
