/**
 * What the module host gives each module instance: the SDK's methods delegate here. Module
 * authors never see this file; they use core/mgr_module.ts.
 *
 * @module
 */
import type { Random } from "./random.ts";
import type { Clock } from "./clock.ts";
import type { DaemonHealthMetric, MonCommandOptions, MonCommandResult } from "./cluster_link.ts";
import type { ModuleLogger } from "./logging.ts";
import type { OptionValue } from "./module_options.ts";
import type { HealthChecks } from "./health.ts";
import type { DaemonIndex } from "./state/daemon_state.ts";
import type { PerfCounterStore } from "./state/perf_counters.ts";
import type { RadosPort } from "./rados_port.ts";
import type { CephFsPort } from "./cephfs_port.ts";
import type { OsdPerfStats } from "./state/pg_map_views.ts";
import type { DaemonHealthBulk } from "./state/pg_intake.ts";
import type { OsdPerfCollector } from "./osd_perf_collector.ts";

/** The host side of one module instance. */
export interface ModuleContext {
  readonly moduleName: string;
  readonly mgrId: string;
  readonly clock: Clock;
  readonly log: ModuleLogger;
  /** Aborts when the module is being shut down: `sleep()` wakes early. */
  readonly shutdownSignal: AbortSignal;
  childLogger(name: string): ModuleLogger;

  haveMonConnection(): boolean;
  cephOption(key: string): OptionValue | undefined;
  /**
   * A Ceph option as the daemon or client `entity` (`osd.3`, `osd`, `client.admin`) gets it
   * from the config DB; throws for an unknown option or entity type.
   */
  foreignCephOption(entity: string, key: string): OptionValue;
  /** Records a device's wear level and stores its metadata in `device/<devid>`. */
  setDeviceWearLevel(devid: string, level: number): Promise<void>;
  /** Whether the caller of the command this module runs now may run it with these arguments. */
  isAuthorized(args: Readonly<Record<string, string>>): boolean;
  /** The option's stored text for `module` (localized key first when `mgrId` is given). */
  moduleOptionText(module: string, key: string, localizedFor?: string): string | undefined;
  setModuleOptionText(module: string, key: string, value: string | null): Promise<void>;
  /** Declared default of one of this module's options, or undefined when undeclared. */
  storeGet(key: string): string | undefined;
  storePrefix(prefix: string): Record<string, string>;
  storeSet(key: string, value: string | null): Promise<void>;

  monCommand(
    cmd: Record<string, unknown>,
    inbuf?: string,
    options?: MonCommandOptions,
  ): Promise<MonCommandResult>;
  /** Sends a command to one daemon (`osd`, `pg`) or to the mon (`mon`; `id` ignored). */
  daemonCommand(
    type: string,
    id: string,
    cmd: Record<string, unknown>,
    inbuf?: string,
  ): Promise<MonCommandResult>;
  /** Tells every module listening for `command` that the command tagged `tag` completed. */
  notifyCommand(tag: string): void;
  setHealthChecks(checks: HealthChecks): void;
  setUri(uri: string): void;
  clusterLog(channel: string, priority: string, message: string): void;
  updateProgress(id: string, message: string, progress: number, addToCephS: boolean): void;
  completeProgress(id: string): void;
  clearProgress(): void;
  activeUri(): string;
  remote(module: string, method: string, args: unknown[]): Promise<unknown>;
  get(dataName: string, mutable?: boolean): unknown;
  /**
   * A number that changes whenever `get(dataName)` would answer another snapshot; undefined
   * for names answered afresh on each call. A module in a Worker keeps its `get()` answers
   * while it stands (core/module_worker/).
   */
  getVersion?(dataName: string): number | string | undefined;
  /** The daemons' health metrics (`get_daemon_health_metrics()`); a fresh object per call. */
  daemonHealthMetrics(): Record<string, DaemonHealthMetric[]>;
  /** The daemon index: metadata, status, servers. */
  daemons(): DaemonIndex;
  /** The daemons' perf counters. */
  readonly perf: PerfCounterStore;
  /** The cluster's object I/O, when the link reaches the OSDs. */
  rados?(): RadosPort | undefined;
  /** The cluster's CephFS file systems (libcephfs), when the link reaches the MDSs. */
  cephfs?(): CephFsPort | undefined;
  /** The daemon's randomness (core/random.ts), when it has a source. */
  random?(): Random | undefined;
  /** OSD perf_stat latencies as typed arrays (an active manager's); absent elsewhere. */
  osdPerfStats?(): OsdPerfStats;
  /** The daemons' health metrics as typed arrays (an active manager's); absent elsewhere. */
  daemonHealthBulk?(): DaemonHealthBulk;
  /** The active manager's OSD perf queries, when the link's OSDs report to it. */
  osdPerfQueries?(): OsdPerfCollector;
}
