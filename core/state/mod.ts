/**
 * The manager's state cache: frozen per-version snapshots of derived views
 * ({@linkcode SnapshotCache}), the daemon index of metadata and status
 * ({@linkcode DaemonIndex}), and the perf-counter store in ring buffers
 * ({@linkcode PerfCounterStore}).
 *
 * @module
 */
export { type DataSource, deepFreeze, SnapshotCache } from "./snapshot_cache.ts";
export {
  DaemonIndex,
  type DaemonMetadata,
  type ServerInfo,
  type ServiceInfo,
} from "./daemon_state.ts";
export {
  compareDaemonKeys,
  type CounterBatch,
  CounterLayout,
  type CounterSchemaColumns,
  type CounterSchemaEntry,
  type CounterSchemaJson,
  type CounterWithValue,
  DEFAULT_PERF_SERVICES,
  parseDaemonName,
  PERF_HISTORY,
  PERFCOUNTER_LONGRUNAVG,
  PerfCounterStore,
  PRIO_USEFUL,
  schemaFromColumns,
} from "./perf_counters.ts";
