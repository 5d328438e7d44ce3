/**
 * The simulated cluster's OSD side: CRUSH hierarchy and straw2 placement, OSDMap epochs,
 * PGs and their states, the maps' dumps, and what the OSDs report to the manager.
 *
 * @example
 * ```ts
 * import { Rng, Scheduler } from "../engine/mod.ts";
 * import { SimCluster } from "./mod.ts";
 * const s = new Scheduler({ rng: new Rng(1) });
 * const c = new SimCluster(s, { hosts: 3, osdsPerHost: 2, pools: [{ name: "rbd", pgNum: 32 }] });
 * await s.runFor(5);
 * if (c.pgs.stateCounts().get("active+clean") !== 32) throw new Error("healthy");
 * ```
 *
 * @module
 */

export { type ClusterEvent, type ClusterSpec, SimCluster } from "./cluster.ts";
export {
  CRUSH_TYPES,
  type CrushBucket,
  type CrushDevice,
  CrushMap,
  crushTypeId,
  ITEM_NONE,
  placementSeed,
  WEIGHT_IN,
} from "./crush_map.ts";
export { crushHash2, crushHash3 } from "../../ceph/crush_hash.ts";
export { cephSeconds, cephStamp, ctimeText } from "../../ceph/time.ts";
export { OsdMap, OSDMAP_FLAGS, type Pool, type PoolSpec } from "./osd_map.ts";
export { dumpOsdMap, dumpOsdMapCrush, dumpOsdMapTree, type Json } from "./osd_map_dump.ts";
export { PgState, pgStateString } from "../../ceph/pg_state.ts";
export { PgTable, type PgTableOptions, type RecoveryStepResult } from "./pg_table.ts";
export {
  CEPH_VERSION,
  cephVersionString,
  type DaemonNames,
  DaemonRegistry,
  dumpDaemonStatus,
  dumpDevices,
  dumpOsdPingTimes,
  heartbeatPeers,
  osdDeviceId,
} from "./daemons.ts";
export { FsMap, type MdsDaemon } from "./fs_map.ts";
export {
  clusterAllPerfCounters,
  clusterDaemonStatus,
  clusterGet,
  clusterMetadata,
  clusterPerfSchema,
  GET_NAMES,
} from "./get.ts";
export {
  computeHealth,
  dumpHealth,
  type Health,
  type HealthCheck,
  type HealthInputs,
} from "./health.ts";
export {
  IoModel,
  OP_COMPLAINT_TIME,
  osdCapacity,
  type PeriodDelta,
  type PoolRates,
  type WorkloadSpec,
} from "./io_model.ts";
export { dumpMonMap, dumpMonStatus, MonCluster, type MonSpec } from "./mons.ts";
export {
  dumpAllPerfCounters,
  dumpPerfSchema,
  MON_PERF_SCHEMA,
  OSD_PERF_SCHEMA,
  PerfCounters,
  type PerfReport,
  PerfSchema,
  PerfType,
  PerfUnit,
} from "./perf_counters.ts";
export { PG_STAT_REPORT_INTERVAL_MAX, PgReporter } from "./pg_report.ts";
export { type CrushDump, decompileCrushMap } from "./crush_text.ts";
export { dumpServiceMap } from "./service_map.ts";
