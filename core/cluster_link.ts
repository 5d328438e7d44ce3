/**
 * The ClusterLink port: the manager's only way to the cluster (its mon session).
 *
 * Live mode and `mgrd sim` bind it to the embedded simulated mon (`sim/mon/`); a later binding
 * could speak to a real Ceph cluster. Data flows one way: the cluster pushes updates to the
 * manager through `subscribe`; the manager asks for changes only through mon commands and its
 * beacon.
 *
 * @module
 */
import type { MgrMap, ModuleInfo } from "../ceph/mgr_map.ts";
import type { HealthCheck, HealthReport } from "./health.ts";
import type { PgStatsReport } from "./pg_stats_report.ts";
import type { ProgressEvent } from "./progress_events.ts";
import type { RadosPort } from "./rados_port.ts";
import type { CephFsPort } from "./cephfs_port.ts";
import type { OsdPerfQuerySet, OsdPerfReport } from "./osd_perf_query.ts";

export type { PgStatsReport };

/** What a mon command answers: Ceph's (retval, outbuf, outs). */
export interface MonCommandResult {
  /** 0 or a negative errno. */
  r: number;
  /** Output data (stdout of the `ceph` CLI). */
  outb: string;
  /** Status or error message (stderr of the `ceph` CLI). */
  outs: string;
  /**
   * The output's bytes when it is binary (`osd getcrushmap`'s encoded CRUSH map): written to
   * the CLI's stdout or `-o` file as they are. `outb` then holds at most a lossy decoding.
   */
  outbBytes?: Uint8Array;
}

/** One entry of the mon's config DB (`ceph config dump -f json`). */
export interface ConfigEntry {
  /** `global`, `mgr`, `mgr.x`, `osd`, `osd.3`, ... */
  section: string;
  name: string;
  value: string;
  /** Ceph's location mask (`host:foo`); "" when none. */
  mask: string;
}

/** The state a fresh mon session starts from. */
export interface ClusterSnapshot {
  config: ConfigEntry[];
  /** Every config-key entry whose key starts with `mgr/`. */
  mgrKv: Record<string, string>;
  mgrMap: MgrMap;
}

/** Perf counters of many daemons of one type for one reporting period, in columns. */
export interface PerfReportBatch {
  /** The counter schema shared by the daemons of this type, as columns. */
  schema: {
    size: number;
    paths: readonly string[];
    descriptions: readonly string[];
    nicks: readonly string[];
    types: ArrayLike<number>;
    priorities: ArrayLike<number>;
    units: ArrayLike<number>;
  };
  /** A stable table of daemon names; `rows` index into it. */
  daemons: readonly string[];
  rows: Int32Array;
  stamps?: Float64Array;
  /** `rows.length × size` values; long-running averages take their count from `counts`. */
  values: Float64Array;
  counts: Float64Array;
}

/** One health metric a daemon reports (Ceph's DaemonHealthMetric, as the mgr API shows it). */
export interface DaemonHealthMetric {
  /** The count: slow ops, or PGs waiting to be created. */
  value: number;
  /** `SLOW_OPS` or `PENDING_CREATING_PGS`. */
  type: string;
  /** For SLOW_OPS, the age in seconds of the oldest slow op (Ceph's n2). */
  oldest?: number;
}

/**
 * One cluster log entry (Ceph's LogEntry), as `log last -f json` dumps it and as
 * `notify('clog', ...)` hands it to modules.
 */
export interface ClusterLogEntry {
  /** Who wrote it: `mon.a`, `mgr.x`, `osd.3`, `client.admin`. */
  name: string;
  /** `mon.0`, `mgr.4107`, `client.?`. */
  rank: string;
  addrs: { addrvec: unknown[] };
  /** `2026-11-25T16:03:26.447924+0000`. */
  stamp: string;
  /** The writer's own sequence number. */
  seq: number;
  /** `cluster`, `audit`, `cephadm`. */
  channel: string;
  /** `[DBG]`, `[INF]`, `[SEC]`, `[WRN]`, `[ERR]`. */
  priority: string;
  message: string;
}

/** A change pushed by the cluster to the manager. */
export type ClusterUpdate =
  | { kind: "config"; config: ConfigEntry[] }
  | { kind: "kv"; key: string; value: string | null }
  | { kind: "mgr_map"; mgrMap: MgrMap }
  | { kind: "connection"; connected: boolean }
  /** A map or the PG statistics changed: the manager notifies modules (spec §7). */
  | { kind: "notify"; type: "osd_map" | "mon_map" | "fs_map" | "pg_summary" | "health" }
  /**
   * One reporting period of daemons' perf counters (MMgrReport), with the health metrics of
   * the daemons in `reports` (a daemon that sends none has nothing to report).
   */
  | {
    kind: "perf";
    reports: readonly PerfReportBatch[];
    healthMetrics?: Readonly<Record<string, readonly DaemonHealthMetric[]>>;
    /** The OSDs' counts for the manager's OSD perf queries over the period. */
    osdPerf?: readonly OsdPerfReport[];
  }
  /** One reporting period of the OSDs' PG statistics (MPGStats), for the manager's PGMap. */
  | { kind: "pg_stats"; report: PgStatsReport }
  /** A new cluster log entry (the manager's log subscription). */
  | { kind: "clog"; entry: ClusterLogEntry };

/**
 * The cluster state the manager reads (maps, daemons, the mons' health), as of the last
 * update the manager received: it does not move while the mon session is down. The PG
 * statistics are not here: the manager builds its PGMap from the `pg_stats` updates.
 */
export interface ClusterState {
  /** The `get()` data names this cluster answers. */
  readonly names: readonly string[];
  /** Changes whenever `get(name)` would answer differently. */
  version(name: string): number;
  /** A fresh `get(name)` (the manager caches it per version). */
  get(name: string): unknown;
  /** Every daemon that has metadata (`osd.0`, `mon.a`, ...), or is known to the maps. */
  daemonNames(): string[];
  metadata(daemon: string): Record<string, string> | null;
  daemonStatus(daemon: string): Record<string, string> | null;
  /**
   * The cluster's health as the mon reports it (`health detail -f json`, Ceph's MMgrDigest
   * `health_json`): the mon's own checks and those the active manager reported to it, with the
   * mutes in force. It moves when the mon sends `notify('health')` or the maps change.
   */
  health(): HealthReport;
  /** The cluster's fsid. */
  fsid(): string;
  /**
   * The running configuration daemon `type.id` reported to the manager (Ceph's MMgrReport
   * config), or null when it reported none; absent when the cluster's daemons report none.
   */
  daemonConfig?(daemon: string): DaemonConfigReport | null;
}

/** One option of a daemon's running configuration, at each level that sets it. */
export interface DaemonConfigOption {
  name: string;
  /** Lowest level first (`default`, `file`, `mon`, `override`, ...); the last one is in force. */
  levels: { source: string; value: string }[];
}

/** A daemon's running configuration as it reports it (DaemonState's config and defaults). */
export interface DaemonConfigReport {
  /** The options set above the compiled-in defaults, sorted by name. */
  config: DaemonConfigOption[];
  /** The daemon's compiled-in defaults where they differ from the option table's. */
  defaults: Record<string, string>;
}

/** What a manager daemon tells the mon in each beacon. */
export interface MgrBeacon {
  gid: number;
  name: string;
  available: boolean;
  available_modules: ModuleInfo[];
  /** Module name → URI, for the active manager. */
  services?: Record<string, string>;
  /** The daemon's metadata (`mgr metadata`): hostname, ceph_version, arch, ... */
  metadata?: Record<string, string>;
  /**
   * The active manager's own checks (modules' and the module host's), which the mon folds
   * into the cluster's health, as Ceph's MMonMgrReport carries them.
   */
  health_checks?: Record<string, HealthCheck>;
  /**
   * The active manager's PGMap digest (what `get('pg_status')` gives: PGs by state, objects,
   * usage, rates), from which the mon prints the data and io parts of `status`, as
   * MMonMgrReport carries a PGMapDigest.
   */
  pg_digest?: Record<string, unknown>;
  /** The active manager's progress events by id, for `status` (MMonMgrReport's). */
  progress_events?: Record<string, ProgressEvent>;
}

/** A command in Ceph's signature grammar, as MonCommands.h lists them. */
export interface CommandSignature {
  sig: string;
  help: string;
  perm: string;
  flags?: number;
}

/**
 * The perm of each command by its prefix (the signature's literal words).
 *
 * @example
 * ```ts
 * import { permsByPrefix } from "./cluster_link.ts";
 * const perms = permsByPrefix([{ sig: "osd out name=ids,type=CephString,n=N", help: "", perm: "rw" }]);
 * console.assert(perms.get("osd out") === "rw");
 * ```
 */
export function permsByPrefix(sigs: readonly CommandSignature[]): Map<string, string> {
  return new Map(
    sigs.map((c) => [c.sig.split(" ").filter((w) => !w.includes("=")).join(" "), c.perm]),
  );
}

/** Options of one mon command call. */
export interface MonCommandOptions {
  /** Seconds to wait (for example while the mon is unreachable) before failing with -ETIMEDOUT. */
  timeout?: number;
  /** Who sent the command (`client.admin`), for what the mon logs about it. */
  entity?: string;
}

/** The manager's mon session. */
export interface ClusterLink {
  /** The commands the mon answers (the manager publishes and validates them). */
  monCommands(): readonly CommandSignature[];
  /** Whether the mon session is up right now (`have_mon_connection()`). */
  connected(): boolean;
  /** The state to start from; valid while connected. */
  snapshot(): ClusterSnapshot;
  /**
   * Sends a mon command (`{prefix, ...args}`); resolves after the mon has committed it. While the
   * mon is unreachable the command waits, up to `timeout` seconds.
   */
  monCommand(
    cmd: Record<string, unknown>,
    inbuf?: string,
    options?: MonCommandOptions,
  ): Promise<MonCommandResult>;
  /** Publishes this manager's state; the mon folds it into the MgrMap. */
  beacon(beacon: MgrBeacon): Promise<void>;
  /**
   * Sends an entry to the cluster log (Ceph's LogClient); the mon keeps it for `log last` and
   * pushes it to every subscriber, this manager included. While the mon is unreachable entries
   * wait, in order, and go out when it returns.
   */
  clusterLog(entry: ClusterLogEntry): void;
  /** The cluster's maps and statistics, when the link carries them (the mon alone does not). */
  state?(): ClusterState;
  /** Object I/O on the cluster's pools (librados), when the link reaches the OSDs. */
  rados?(): RadosPort;
  /** The cluster's CephFS file systems as a mounting client sees them (libcephfs), when the link reaches the MDSs. */
  cephfs?(): CephFsPort;
  /**
   * Tells the OSDs which perf queries to evaluate for this manager (Ceph's MMgrConfigure);
   * their counts come back in `perf` updates. Absent when the OSDs do not report to this
   * manager (a real cluster's OSDs report to the real ceph-mgr).
   */
  setOsdPerfQueries?(queries: readonly OsdPerfQuerySet[]): void;
  /** Receives every update the mon pushes, in order. Returns the unsubscribe function. */
  subscribe(listener: (update: ClusterUpdate) => void): () => void;
}
