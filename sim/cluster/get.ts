/**
 * What the simulated cluster's mons and daemons give the manager for its `get(name)`, by
 * Ceph's data names (the maps, mon status, daemon metadata, devices), plus the per-daemon
 * calls (`get_metadata`, `get_daemon_status`, `get_perf_schema`). The PGMap's names
 * (`pg_dump`, `df`, ...) are the manager's own, built from the PG stats the OSDs report.
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
import { dumpServiceMap } from "./service_map.ts";

/** The data names {@linkcode clusterGet} answers. */
export const GET_NAMES: readonly string[] = [
  "osd_map",
  "osd_map_tree",
  "osd_map_crush",
  "osd_crush_map_text",
  "osdmap_crush_map_text",
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
