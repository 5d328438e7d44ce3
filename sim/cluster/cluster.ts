/**
 * The simulated cluster's OSD side: a CRUSH topology, the OSDMap and the PGs, driven by the
 * scheduler. Operations (an OSD going down, a host failing, a flag being set) produce OSDMap
 * epochs; PGs peer after a delay, then recover or backfill at a rate until active+clean.
 * Down OSDs are marked out after the down-out interval unless `noout` is set. A pool's size
 * changes at once; its pg_num and pgp_num move toward their targets every `MGR_TICK_PERIOD`
 * seconds, as the manager's DaemonServer::adjust_pgs moves them (PG splits, then remapping).
 *
 * @module
 */

import type { ScheduledEvent, Scheduler } from "../engine/scheduler.ts";
import { crushTypeId } from "./crush_map.ts";
import { DaemonRegistry } from "./daemons.ts";
import { FsMap } from "./fs_map.ts";
import { type MdsMap, RANK_STATE_SECONDS } from "./mds_map.ts";
import { computeHealth, type Health, type HealthCheck } from "./health.ts";
import { IoModel, type WorkloadSpec } from "./io_model.ts";
import { MonCluster, type MonSpec } from "./mons.ts";
import { OsdMap, type Pool, type PoolSpec } from "./osd_map.ts";
import { CrushHistory } from "./crush_history.ts";
import { hostIp } from "./osd_map_dump.ts";
import { CrashAgents } from "./crash_agent.ts";
import {
  type OsdPerfQuerySet,
  type OsdPerfReport,
  queryIdentity,
} from "../../core/osd_perf_query.ts";
import { osdPerfReports } from "./osd_perf_stats.ts";
import { SimObjectStore } from "./object_store.ts";
import { rbdDirectoryEntries } from "./workload_images.ts";
import type { RngStream } from "../engine/prng.ts";
import type { PerfReport } from "./perf_counters.ts";
import { PgState } from "../../ceph/pg_state.ts";
import { pgidText } from "../../ceph/pg_stat.ts";
import { PgTable, type PgTableOptions, stableMod } from "./pg_table.ts";
import { PgReporter } from "./pg_report.ts";
import type { PgStatsReport } from "../../core/pg_stats_report.ts";
import type { DaemonHealthMetric } from "../../core/cluster_link.ts";

/** Seconds between the manager's pg_num/pgp_num adjustments (`mgr_tick_period`). */
export const MGR_TICK_PERIOD = 2;
/** PGs the manager lets pg_num run ahead of pgp_num (`mgr_max_pg_num_change`). */
export const MGR_MAX_PG_NUM_CHANGE = 128;
/** PGs the mons create at once (`mon_osd_max_creating_pgs`). */
export const MON_OSD_MAX_CREATING_PGS = 1024;
/** Misplaced fraction under which pgp_num moves (`target_max_misplaced_ratio`). */
export const TARGET_MAX_MISPLACED_RATIO = 0.05;

/** What the cluster pushes to whoever watches it (the manager's link, oracles). */
export type ClusterEvent =
  /** A new OSDMap epoch. */
  | { kind: "osd_map"; epoch: number }
  /** The quorum changed (empty during elections and without a majority). */
  | { kind: "quorum"; quorum: string[]; leader: string | undefined; electionEpoch: number }
  /** A new MonMap epoch: a mon added or removed (`mon add`, `mon rm`). */
  | { kind: "mon_map"; epoch: number }
  /** The manager's mon session came or went (quorum, or a mon outage fault). */
  | { kind: "mon_reachable"; reachable: boolean }
  /** One `mgr_stats_period`: perf counters of the daemons that reported. */
  | {
    kind: "stats";
    stamp: number;
    reports: PerfReport[];
    osdsReported: number;
    /** What the reporting OSDs published of their PGs and themselves (MPGStats). */
    pgStats: PgStatsReport;
    /**
     * The reporting daemons' health metrics (MMgrReport): the OSDs' SLOW_OPS and
     * PENDING_CREATING_PGS, the mons' SLOW_OPS.
     */
    healthMetrics: Readonly<Record<string, DaemonHealthMetric[]>>;
    /** The reporting OSDs' counts for the manager's OSD perf queries (MMgrReport). */
    osdPerf: OsdPerfReport[];
  }
  /** The FSMap changed. */
  | { kind: "fs_map"; epoch: number }
  /** The active manager failed; a standby takes over with no PG stats yet. */
  | { kind: "mgr_failover"; from: string; to: string }
  /** The cluster's daemons wrote to the cluster log (the mon takes it in). */
  | { kind: "clog"; priority: "[DBG]" | "[INF]" | "[WRN]" | "[ERR]"; message: string }
  /** A fault inside a manager module starts (`active`) or ends. */
  | {
    kind: "module_fault";
    module: string;
    fault: "serve-throw" | "notify-throw" | "shutdown-hang";
    active: boolean;
  };

/** The shape of a simulated cluster. */
export interface ClusterSpec {
  /** Racks under the root; 0 puts hosts directly under the root (default 0). */
  racks?: number;
  /** Hosts, spread evenly over the racks. */
  hosts: number;
  /** OSDs on each host; 0 makes a cluster with no OSDs yet (its PGs map nowhere). */
  osdsPerHost: number;
  /** CRUSH weight of each OSD (default 1.0). */
  osdCrushWeight?: number;
  /** Device class of each OSD (default "hdd"). */
  deviceClass?: string;
  /** CRUSH failure domain of the replicated rule (default "host"). */
  failureDomain?: "osd" | "host" | "rack";
  /**
   * The pools the cluster starts with, in use by the workload's clients: one without an
   * `application` is an RBD pool (as after `rbd pool init`); `application: ""` leaves it
   * without one, like a pool made by `osd pool create` that nothing uses yet.
   */
  pools: PoolSpec[];
  /** Seconds a PG spends peering after a map change (default 2). */
  peeringSeconds?: number;
  /** Seconds before a down OSD is marked out (mon_osd_down_out_interval, default 600). */
  downOutInterval?: number;
  /** Seconds between recovery steps (default 1). */
  recoveryTickSeconds?: number;
  /** PG model knobs. */
  pg?: PgTableOptions;
  /** Mons (default 3, named a, b, c). */
  mons?: MonSpec;
  /** Client workload (default 500 ops/s, 70% reads). */
  workload?: WorkloadSpec;
  /** Seconds between daemon reports to the manager (`mgr_stats_period`, default 5). */
  statsPeriod?: number;
  /** Manager daemon names, active first (default x, y). */
  mgrs?: string[];
  /** MDS daemon names, the first active (default a, b). */
  mds?: string[];
  /**
   * Whether the cluster starts with its CephFS file system, `cephfs` on the pools named for
   * metadata and data (default true); without, its MDSs are standbys until `fs new`.
   */
  fileSystem?: boolean;
}

/**
 * A simulated cluster bound to a scheduler.
 *
 * @example
 * ```ts
 * import { Rng } from "../engine/prng.ts";
 * import { Scheduler } from "../engine/scheduler.ts";
 * import { SimCluster } from "./cluster.ts";
 * const s = new Scheduler({ rng: new Rng(1) });
 * const c = new SimCluster(s, { hosts: 3, osdsPerHost: 2, pools: [{ name: "rbd", pgNum: 16 }] });
 * await s.runFor(10);
 * c.osdDown(0);
 * await s.runFor(10);
 * if (!c.pgs.stateCounts().has("active+undersized+degraded")) throw new Error("degraded");
 * ```
 */
export class SimCluster {
  readonly map: OsdMap;
  /** The CRUSH map of each OSDMap epoch the mon keeps (`osd getcrushmap <epoch>`). */
  readonly crushHistory: CrushHistory;
  readonly pgs: PgTable;
  readonly scheduler: Scheduler;
  /** The objects librados clients stored (modules' `this.rados`); they outlive a failover. */
  readonly objectStore: SimObjectStore = new SimObjectStore(this);
  readonly peeringSeconds: number;
  readonly downOutInterval: number;
  readonly recoveryTickSeconds: number;
  readonly statsPeriod: number;
  readonly mons: MonCluster;
  readonly io: IoModel;
  readonly daemons: DaemonRegistry;
  /** The hosts' ceph-crash agents, holding the crash reports of daemons that crashed. */
  readonly crashAgents: CrashAgents;
  readonly fs: FsMap;
  /** What the OSDs report of their PGs to the active manager each period. */
  readonly pgReporter: PgReporter;
  /** When each OSD last reported to the active manager (0 = not yet). */
  lastReport: Float64Array;
  /** Seconds each OSD's reports arrive late (Infinity: they never arrive). */
  reportDelay: Float64Array;
  /** An OSD sends no report before this time (late first reports). */
  firstReportAfter: Float64Array;
  /** Heartbeat ping multiplier per OSD. */
  pingFactor: Float64Array;
  /** Manager daemons; `activeMgr` indexes it. */
  readonly mgrs: string[];
  activeMgr = 0;
  readonly #hosts = new Map<string, number[]>();
  /** How many data disks each host has (`/dev/sdb`, `/dev/sdc`, ...); its OSDs use them in order. */
  readonly #disks = new Map<string, number>();
  readonly #osdWeight: number;
  readonly #deviceClass: string;
  #autoOut = new Uint8Array(0);
  /** When each OSD was last marked down (virtual seconds). */
  #downSince = new Float64Array(0);
  #recoveryScheduled = false;
  /** The PG table's acting version when pg_temp was last brought up to date. */
  #pgTempSeen = -1;
  #adjustScheduled = false;
  /** PG lists waiting for their peering to complete (a merge renumbers their PGs). */
  readonly #pendingPeering = new Set<number[]>();
  readonly #listeners = new Set<(e: ClusterEvent) => void>();
  #monOutageUntil = 0;
  #monOutageEvent: ScheduledEvent | undefined;
  #reachable = false;
  #reporting: ScheduledEvent | undefined;
  #lastPerf: PerfReport[] = [];
  /** The OSD perf queries each manager asked for (MMgrConfigure), by its session. */
  readonly #osdPerfQueries = new Map<object, readonly OsdPerfQuerySet[]>();
  #osdPerfRng: RngStream;

  constructor(scheduler: Scheduler, spec: ClusterSpec) {
    this.scheduler = scheduler;
    this.peeringSeconds = _nonNegative("peeringSeconds", spec.peeringSeconds ?? 2);
    this.downOutInterval = _nonNegative("downOutInterval", spec.downOutInterval ?? 600);
    this.recoveryTickSeconds = spec.recoveryTickSeconds ?? 1;
    if (!(this.recoveryTickSeconds > 0)) {
      throw new RangeError(`recoveryTickSeconds must be > 0, got ${this.recoveryTickSeconds}`);
    }
    const racks = spec.racks ?? 0;
    for (
      const [k, v] of [["racks", racks], ["hosts", spec.hosts], [
        "osdsPerHost",
        spec.osdsPerHost,
      ]] as const
    ) {
      if (!Number.isSafeInteger(v) || v < (k === "hosts" ? 1 : 0)) {
        throw new RangeError(
          `cluster ${k} must be a ${k === "hosts" ? "positive" : "non-negative"} integer, got ${v}`,
        );
      }
    }
    const rng = scheduler.rng;
    this.#osdPerfRng = rng.stream("osd-perf-query");
    this.crashAgents = new CrashAgents(scheduler, rng.stream("crash"));
    this.map = new OsdMap({ now: () => scheduler.now, ids: rng.stream("identity") });
    this.crushHistory = new CrushHistory(this.map);
    const crush = this.map.crush;
    crush.failureDomain = crushTypeId(spec.failureDomain ?? "host");
    const weight = spec.osdCrushWeight ?? 1;
    this.map.change(() => {
      const rackIds: number[] = [];
      for (let r = 0; r < racks; r++) {
        rackIds.push(crush.addBucket(`rack${r + 1}`, "rack", crush.rootId));
      }
      let osd = 0;
      for (let h = 0; h < spec.hosts; h++) {
        const parent = racks > 0
          ? rackIds[Math.floor(h * racks / spec.hosts)] as number
          : crush.rootId;
        const name = `host${h + 1}`;
        const host = crush.addBucket(name, "host", parent);
        const ids: number[] = [];
        for (let i = 0; i < spec.osdsPerHost; i++, osd++) {
          this.map.addOsd(osd, host, weight, spec.deviceClass ?? "hdd");
          ids.push(osd);
        }
        this.#hosts.set(name, ids);
        this.#disks.set(name, spec.osdsPerHost);
      }
    });
    this.#osdWeight = weight;
    this.#deviceClass = spec.deviceClass ?? "hdd";
    this.#autoOut = new Uint8Array(this.map.maxOsd);
    this.#downSince = new Float64Array(this.map.maxOsd);
    this.pgs = new PgTable(this.map, rng.stream("data"), spec.pg);
    this.statsPeriod = spec.statsPeriod ?? 5;
    if (!(this.statsPeriod > 0)) {
      throw new RangeError(`statsPeriod must be > 0, got ${this.statsPeriod}`);
    }
    const hostNames = this.hostNames();
    this.mons = new MonCluster(scheduler, {
      ...spec.mons,
      fsid: this.map.fsid,
      hosts: hostNames,
      ips: hostNames.map((h) => hostIp(crush, crush.bucketId(h) as number)),
      onChange: () => this.#quorumChanged(),
      onMonMap: () => this.#emit({ kind: "mon_map", epoch: this.mons.monmapEpoch }),
    });
    this.mgrs = spec.mgrs ?? ["x", "y"];
    if (this.mgrs.length === 0) throw new RangeError("mgrs must name at least one manager");
    this.daemons = new DaemonRegistry(this.map, () => this.mons, {
      mgrs: this.mgrs,
      mds: spec.mds ?? ["a", "b"],
    });
    this.fs = new FsMap(
      this.map,
      () => scheduler.now,
      spec.mds ?? ["a", "b"],
      hostNames,
      (name) => this.daemons.boundAddrs(name),
      spec.fileSystem ?? true,
    );
    const n = this.map.maxOsd;
    this.lastReport = new Float64Array(n);
    this.reportDelay = new Float64Array(n);
    this.firstReportAfter = new Float64Array(n);
    this.pingFactor = new Float64Array(n).fill(1);
    for (const poolSpec of spec.pools) {
      this.createPool({ ...poolSpec, application: poolSpec.application ?? "rbd" });
    }
    this.fs.pinPools();
    // `fs new` tags its pools' cephfs application with their role and the file system's name.
    const fsPools = this.fs.poolsInUse()[0] ?? { fs: "", metadata: -1, data: -1 };
    for (const pool of this.map.pools) {
      const role = pool.id === fsPools.metadata
        ? "metadata"
        : pool.id === fsPools.data
        ? "data"
        : "";
      if (!role || !pool.applications.cephfs) continue;
      pool.applications.cephfs = { [role]: fsPools.fs };
      // ...and gives the metadata pool these options (MDSMonitor's `fs new`).
      if (role === "metadata") {
        pool.options = { pg_autoscale_bias: 4, pg_num_min: 16, recovery_priority: 5 };
      }
    }
    this.io = new IoModel(this.map, this.pgs, rng.stream("workload"), spec.workload);
    if (this.io.spec.opsPerSecond > 0) {
      const { keys, values } = rbdDirectoryEntries(this.io.spec.clients);
      for (const pool of this.map.pools) {
        if (pool.application !== "rbd") continue;
        this.objectStore.preloadOmap(pool.id, "", "rbd_directory", keys, values);
      }
    }
    this.pgReporter = new PgReporter(this.pgs, this.map, this.io);
    this.pgs.onMerge((source, target, last) => this.#onMerge(source, target, last));
  }

  /** A PG merge moves the table's last PG into the source's row: the per-PG state follows. */
  #onMerge(source: number, target: number, last: number): void {
    this.io.mergePg(source, target, last);
    for (const list of this.#pendingPeering) {
      for (let i = 0; i < list.length; i++) {
        if (list[i] === source) list[i] = -1;
        else if (list[i] === last) list[i] = source;
      }
    }
  }

  /**
   * Receives every {@linkcode ClusterEvent}, in order. Returns the unsubscribe function. With
   * `observer`, the listener hears each event after every other listener (the managers'
   * sessions among them, whenever they subscribed): what checks the managers' view.
   */
  subscribe(listener: (e: ClusterEvent) => void, options: { observer?: boolean } = {}): () => void {
    const set = options.observer ? this.#observers : this.#listeners;
    set.add(listener);
    return () => set.delete(listener);
  }

  readonly #observers = new Set<(e: ClusterEvent) => void>();

  #emit(e: ClusterEvent): void {
    for (const l of this.#listeners) l(e);
    for (const l of this.#observers) l(e);
  }

  /** Whether the manager's mon session is up: a quorum exists and no mon outage is on. */
  monReachable(): boolean {
    return this.mons.hasQuorum() && this.scheduler.now >= this.#monOutageUntil;
  }

  #checkReachable(): void {
    const r = this.monReachable();
    if (r === this.#reachable) return;
    this.#reachable = r;
    this.scheduler.note(`mon session ${r ? "up" : "down"}`);
    this.#emit({ kind: "mon_reachable", reachable: r });
  }

  #quorumChanged(): void {
    this.#emit({
      kind: "quorum",
      quorum: this.mons.quorumNames(),
      leader: this.mons.leaderName(),
      electionEpoch: this.mons.electionEpoch,
    });
    this.#checkReachable();
  }

  /** The manager cannot reach any mon for `seconds` (the mons themselves are fine). */
  monOutage(seconds: number): void {
    const until = this.scheduler.now + Math.max(0, seconds);
    if (until <= this.#monOutageUntil) return;
    this.#monOutageUntil = until;
    this.#monOutageEvent?.cancel();
    this.#checkReachable();
    this.#monOutageEvent = this.scheduler.scheduleAt(until, "mon outage ends", () => {
      this.#monOutageEvent = undefined;
      this.#checkReachable();
    });
  }

  /** Ends a mon outage now. */
  endMonOutage(): void {
    this.#monOutageUntil = Math.min(this.#monOutageUntil, this.scheduler.now);
    this.#monOutageEvent?.cancel();
    this.#monOutageEvent = undefined;
    this.#checkReachable();
  }

  /**
   * Starts the daemons' reports: every `statsPeriod` the workload runs, OSDs and mons report
   * their perf counters and PG states, and a "stats" event goes out.
   */
  startReporting(): void {
    if (this.#reporting) return;
    this.#reachable = this.monReachable();
    const tick = () => {
      this.#statsTick();
      this.#reporting = this.scheduler.schedule(this.statsPeriod, "stats", tick);
    };
    this.#reporting = this.scheduler.schedule(this.statsPeriod, "stats", tick);
  }

  /** Stops the periodic reports. */
  stopReporting(): void {
    this.#reporting?.cancel();
    this.#reporting = undefined;
  }

  /**
   * The OSD perf queries the OSDs evaluate for one manager's session from the next period on
   * (its MMgrConfigure); empty stops them. Each manager's queries are kept apart, so that a
   * manager losing the active role and dropping its own cannot drop its successor's.
   */
  setOsdPerfQueries(session: object, queries: readonly OsdPerfQuerySet[]): void {
    if (queries.length === 0) this.#osdPerfQueries.delete(session);
    else this.#osdPerfQueries.set(session, queries);
  }

  /** The distinct queries of every session. */
  #allOsdPerfQueries(): OsdPerfQuerySet[] {
    const all = new Map<string, OsdPerfQuerySet>();
    for (const sets of this.#osdPerfQueries.values()) {
      for (const set of sets) {
        const id = queryIdentity(set.query);
        const known = all.get(id);
        // Limited only when every session's use of it is.
        if (!known) all.set(id, set);
        else if (known.limits.length > 0) {
          all.set(id, {
            query: set.query,
            limits: set.limits.length === 0 ? [] : [...known.limits, ...set.limits],
          });
        }
      }
    }
    return [...all.values()];
  }

  /** The perf reports of the last period (OSDs, mons, then MDS daemons). */
  lastPerfReports(): readonly PerfReport[] {
    return this.#lastPerf;
  }

  #statsTick(): void {
    const now = this.scheduler.now;
    const map = this.map;
    this.io.step(this.statsPeriod, now);
    const reported = new Uint8Array(map.maxOsd);
    const rows: number[] = [];
    const stamps: number[] = [];
    for (let o = 0; o < map.maxOsd; o++) {
      if (!map.isUp(o) || now < (this.firstReportAfter[o] as number)) continue;
      const delay = this.reportDelay[o] as number;
      if (delay === Infinity) continue;
      reported[o] = 1;
      this.lastReport[o] = now - delay;
      rows.push(o);
      stamps.push(now - delay);
    }
    const reportedAt = new Float64Array(map.maxOsd);
    for (const o of rows) reportedAt[o] = this.lastReport[o] as number;
    const pgStats = this.pgReporter.period(reported, reportedAt, now);
    const monRows: number[] = [];
    for (let r = 0; r < this.mons.names.length; r++) if (this.mons.up[r]) monRows.push(r);
    this.mons.setSessions(rows.length + this.mgrs.length);
    this.fs.step(this.statsPeriod);
    const mdsRows: number[] = [];
    for (let r = 0; r < this.fs.daemons.length; r++) if (this.fs.daemons[r]!.up) mdsRows.push(r);
    this.#lastPerf = [
      this.io.perf.report(now, Int32Array.from(rows), Float64Array.from(stamps)),
      this.mons.perf.report(
        now,
        Int32Array.from(monRows),
        new Float64Array(monRows.length).fill(now),
      ),
      this.fs.perf.report(
        now,
        Int32Array.from(mdsRows),
        new Float64Array(mdsRows.length).fill(now),
      ),
    ];
    this.#emit({
      kind: "stats",
      stamp: now,
      reports: this.#lastPerf,
      osdsReported: rows.length,
      pgStats,
      healthMetrics: this.#healthMetrics(monRows),
      osdPerf: osdPerfReports(
        this.#allOsdPerfQueries(),
        this.io,
        this.pgs,
        reported,
        this.#osdPerfRng,
      ),
    });
  }

  /**
   * This period's health metrics: the OSDs', and each up mon's SLOW_OPS (a mon's MgrClient
   * reports its op tracker's slow ops; the simulated mons have none).
   */
  #healthMetrics(monRows: readonly number[]): Record<string, DaemonHealthMetric[]> {
    const out: Record<string, DaemonHealthMetric[]> = {};
    for (const r of monRows) {
      out[`mon.${this.mons.names[r]}`] = [{ type: "SLOW_OPS", value: 0, oldest: 0 }];
    }
    return Object.assign(out, this.pgReporter.healthMetrics);
  }

  /**
   * The cluster's own health checks, as its mons raise them (OSDMap::check_health, the mons'
   * and the FSMap's); the PG checks are the manager's, from the PG stats it is sent.
   */
  health(): Health {
    return computeHealth({
      map: this.map,
      mons: this.mons,
      fs: this.fs,
      now: this.scheduler.now,
    });
  }

  #healthMemo:
    | { event: number; epoch: number; fsEpoch: number; checks: Record<string, HealthCheck> }
    | undefined;

  /**
   * The mons' checks ({@linkcode health}'s), computed once per scheduler event, OSDMap and FSMap
   * epoch however many managers' mon sessions (and the cluster log) ask. The epochs are in the
   * key for changes made outside an event (tests and commands mark OSDs down, `fs set`).
   */
  monHealthChecks(): Record<string, HealthCheck> {
    const event = this.scheduler.eventsRun;
    const epoch = this.map.epoch;
    const fsEpoch = this.fs.epoch;
    const memo = this.#healthMemo;
    if (memo && memo.event === event && memo.epoch === epoch && memo.fsEpoch === fsEpoch) {
      return memo.checks;
    }
    const checks = this.health().checks;
    this.#healthMemo = { event, epoch, fsEpoch, checks };
    return checks;
  }

  /** A fault inside a manager module starts or ends; the manager side carries it out. */
  moduleFault(
    module: string,
    fault: "serve-throw" | "notify-throw" | "shutdown-hang",
    active: boolean,
  ): void {
    this.scheduler.note(`module ${module} ${fault} ${active ? "on" : "off"}`);
    this.#emit({ kind: "module_fault", module, fault, active });
  }

  /**
   * The active manager fails; the next one takes over and has no PG stats until the OSDs
   * report to it (every PG is "unknown" until then).
   */
  mgrFailover(): void {
    const from = this.mgrs[this.activeMgr] as string;
    this.activeMgr = (this.activeMgr + 1) % this.mgrs.length;
    const to = this.mgrs[this.activeMgr] as string;
    this.lastReport.fill(0);
    this.scheduler.note(`mgr failover ${from} -> ${to}`);
    this.#emit({ kind: "mgr_failover", from, to });
  }

  /** OSD `id` becomes slow by `factor` (1 heals it): latencies rise, slow ops after 30 s. */
  setSlow(id: number, factor: number): void {
    if (!(factor >= 1) || !Number.isFinite(factor)) {
      throw new RangeError(`slow factor must be a finite number >= 1, got ${factor}`);
    }
    this.io.slowFactor[id] = factor;
    this.io.slowSince[id] = factor > 1 ? (this.io.slowSince[id] || this.scheduler.now) : 0;
    this.scheduler.note(`osd.${id} slow x${factor}`);
  }

  /**
   * An MDS daemon stops or starts. What MDSMonitor does about it (a standby taking a vacant
   * rank) goes to the cluster log as it logs it.
   */
  setMds(name: string, up: boolean): void {
    if (up) this.fs.mdsUp(name);
    else this.fs.mdsDown(name);
    this.scheduler.note(`mds.${name} ${up ? "up" : "down"}`);
    this.#fsChanged();
  }

  /** `fs set <fs> standby_count_wanted <n>`: a new FSMap epoch. */
  setStandbyCountWanted(fs: MdsMap, n: number): void {
    this.fs.setStandbyCountWanted(fs, n);
    this.scheduler.note(`fs ${fs.name} standby_count_wanted ${n}`);
    this.#emit({ kind: "fs_map", epoch: this.fs.epoch });
  }

  /**
   * A change of the FSMap (`fs set`, `fs fail`, `mds fail`, ...) made through `change`: a new
   * FSMap epoch, noted as `fs <name> <what>`, and MDSMonitor's log lines about it.
   */
  changeFs(what: string, change: (fs: FsMap) => void, fsName = this.fs.fsName): void {
    change(this.fs);
    this.scheduler.note(`fs ${fsName} ${what}`);
    this.#fsChanged();
  }

  /**
   * Tells the FSMap's new epoch and writes MDSMonitor's cluster log lines about it; while ranks
   * are on their way to up:active (or out), the MDSs' beacons move them on.
   */
  #fsChanged(): void {
    this.#emit({ kind: "fs_map", epoch: this.fs.epoch });
    for (const line of this.fs.takeLog()) this.log("[INF]", line);
    if (this.#beacons || !this.fs.settling()) return;
    const tick = () => {
      this.#beacons = false;
      const epoch = this.fs.epoch;
      this.fs.advance();
      if (this.fs.epoch !== epoch) this.scheduler.note(`fsmap e${this.fs.epoch} mds beacons`);
      this.#fsChanged();
    };
    this.#beacons = true;
    this.scheduler.schedule(RANK_STATE_SECONDS, "mds beacons", tick);
  }
  /** Whether the MDSs' next beacons are scheduled. */
  #beacons = false;

  /**
   * `fs new <name> <metadata> <data>` (the mon has checked the pools): the pools get the cephfs
   * application with their role, the metadata pool MDSMonitor's options (each a new OSDMap
   * epoch), then the file system, which a standby takes rank 0 of.
   */
  newFs(name: string, metadata: Pool, data: Pool): void {
    for (const [pool, role] of [[metadata, "metadata"], [data, "data"]] as const) {
      this.changePoolSettings(pool, `pool ${pool.name} application cephfs ${role}`, (p) => {
        p.applications.cephfs = { ...p.applications.cephfs, [role]: name };
        p.application = Object.keys(p.applications)[0] ?? "";
        if (role === "metadata") {
          p.options = { ...p.options, pg_autoscale_bias: 4, pg_num_min: 16, recovery_priority: 5 };
        }
      });
    }
    this.changeFs(`new ${name}`, (fs) => fs.create(name, metadata.id, data.id), name);
  }

  /** Creates a pool; its PGs are "unknown" until they peer. */
  createPool(spec: PoolSpec): Pool {
    const pool = this.map.createPool(spec);
    this.scheduler.note(`osdmap e${this.map.epoch} pool ${pool.id} '${pool.name}' created`);
    // Like every other epoch: whoever follows the map (the runner's PGMap oracle) hears of it.
    this.#emit({ kind: "osd_map", epoch: this.map.epoch });
    this.#peerLater(this.pgs.addPool(pool), this.map.epoch);
    return pool;
  }

  /**
   * `osd pool rm <pool>`: the pool leaves the OSDMap in one epoch and its PGs leave the PG
   * table with their objects, IO counters and pending peering; the manager's PGMap drops them
   * at that OSDMap, and what the pool had (application metadata, its share of the stats and
   * health) goes with it. The mon's guards (`mon_allow_pool_delete`, `nodelete`, CephFS) are
   * OSDMonitor's.
   */
  removePool(pool: Pool): void {
    this.fs.pinPools();
    const epoch = this.map.removePool(pool);
    const removed = this.pgs.removePool(pool.id);
    this.scheduler.note(`osdmap e${epoch} pool ${pool.id} '${pool.name}' removed (${removed} pgs)`);
    this.mons?.commit(4096);
    this.#emit({ kind: "osd_map", epoch });
  }

  /** `osd pool set <pool> nodelete true|false`: one epoch. */
  setPoolNodelete(pool: Pool, on: boolean): void {
    if (Boolean(pool.nodelete) === on) return;
    this.#applyPool(`pool ${pool.id} nodelete ${on}`, pool, () => {
      pool.nodelete = on;
    });
  }

  /**
   * `osd pool set <pool> size|min_size <n>`: one epoch; every PG of the pool peers again and
   * is mapped for the new size (growing backfills the new replicas). `size` also resets
   * min_size to its default for the new size, as the mon does.
   */
  setPoolSize(pool: Pool, size: number, minSize: number): void {
    if (!Number.isInteger(size) || size < 1 || size > this.pgs.stride) {
      throw new RangeError(`pool size must be an integer in 1..${this.pgs.stride}, got ${size}`);
    }
    if (!Number.isInteger(minSize) || minSize < 1 || minSize > size) {
      throw new RangeError(`pool min_size must be in 1..size (${size}), got ${minSize}`);
    }
    if (pool.size === size && pool.minSize === minSize) return;
    this.#applyPool(`pool ${pool.id} size ${size} min_size ${minSize}`, pool, () => {
      pool.size = size;
      pool.minSize = minSize;
    }, () => this.pgs.resizePool(pool));
  }

  /**
   * `osd pool set <pool> pg_num <n>` (Nautilus and later): sets `pg_num_target`, and
   * `pgp_num_target` too if it followed pg_num; the manager then moves pg_num and pgp_num
   * toward them every {@linkcode MGR_TICK_PERIOD} seconds: PG splits when it grows; when it
   * shrinks, pgp_num first, then PG merges one at a time.
   */
  setPoolPgNum(pool: Pool, pgNum: number): void {
    if (!Number.isInteger(pgNum) || pgNum < 1) {
      throw new RangeError(`pg_num must be a positive integer, got ${pgNum}`);
    }
    if (pool.pgNumTarget === pgNum) return;
    this.#applyPool(`pool ${pool.id} pg_num_target ${pgNum}`, pool, () => {
      if (pool.pgpNumTarget === pool.pgNumTarget) pool.pgpNumTarget = pgNum;
      pool.pgNumTarget = pgNum;
    });
    this.#ensureAdjust();
  }

  /** `osd pool set <pool> pg_autoscale_mode on|off|warn`: one epoch. */
  setPoolAutoscaleMode(pool: Pool, mode: "on" | "off" | "warn"): void {
    if (pool.autoscaleMode === mode) return;
    this.#applyPool(`pool ${pool.id} pg_autoscale_mode ${mode}`, pool, () => {
      pool.autoscaleMode = mode;
    });
  }

  /** `osd pool set <pool> <option> <n>` of a pool option; 0 unsets it, as the mon does. */
  setPoolOption(pool: Pool, key: string, value: number): void {
    if (!Number.isFinite(value)) {
      throw new RangeError(`pool option ${key}: ${value} is not a number`);
    }
    if ((pool.options[key] ?? 0) === value) return;
    this.#applyPool(`pool ${pool.id} ${key} ${value}`, pool, () => {
      const next = { ...pool.options };
      if (value === 0) delete next[key];
      else next[key] = value;
      pool.options = next;
    });
  }

  /** `osd pool set <pool> pgp_num <n>`: sets `pgp_num_target`; the manager moves pgp_num. */
  setPoolPgpNum(pool: Pool, pgpNum: number): void {
    if (!Number.isInteger(pgpNum) || pgpNum < 1 || pgpNum > pool.pgNumTarget) {
      throw new RangeError(`pgp_num must be in 1..${pool.pgNumTarget}, got ${pgpNum}`);
    }
    if (pool.pgpNumTarget === pgpNum) return;
    this.#applyPool(`pool ${pool.id} pgp_num_target ${pgpNum}`, pool, () => {
      pool.pgpNumTarget = pgpNum;
    });
    this.#ensureAdjust();
  }

  #applyPool(label: string, pool: Pool, fn: () => void, after?: () => number[]): void {
    const before = this.map.epoch;
    const epoch = this.map.changePool(pool, fn);
    if (epoch === before) return;
    this.scheduler.note(`osdmap e${epoch} ${label}`);
    this.mons?.commit(4096);
    this.#emit({ kind: "osd_map", epoch });
    if (after) {
      this.#peerLater(after(), epoch);
    }
  }

  #ensureAdjust(): void {
    if (this.#adjustScheduled) return;
    this.#adjustScheduled = true;
    const tick = () => {
      if (this.#adjustPgs()) this.scheduler.schedule(MGR_TICK_PERIOD, "adjust pgs", tick);
      else this.#adjustScheduled = false;
    };
    this.scheduler.schedule(MGR_TICK_PERIOD, "adjust pgs", tick);
  }

  /**
   * One pass of the manager's DaemonServer::adjust_pgs: a pool whose PGs are all active (or
   * peered) grows pg_num toward its target by at most `mgr_max_pg_num_change` beyond pgp_num;
   * pgp_num moves toward its target while the misplaced ratio leaves room. Returns whether
   * some pool still has a target to reach.
   */
  #adjustPgs(): boolean {
    const pgs = this.pgs;
    let pending = false;
    let left = MON_OSD_MAX_CREATING_PGS;
    // The cluster's misplaced ratio, as the manager's PGMap sums it.
    let misplaced = 0, copies = 0;
    for (let p = 0; p < pgs.count; p++) {
      misplaced += pgs.misplacedObjects(p);
      copies += (pgs.objects[p] as number) * pgs.poolOf(p).size;
    }
    const ratio = copies > 0 ? misplaced / copies : 0;
    for (const pool of [...this.map.pools]) {
      // pgp_num follows its target as far as pg_num allows (a target above pg_num after a
      // merge stays unreached, as in Ceph).
      const settled = pool.pgNum === pool.pgNumTarget &&
        pool.pgpNum === Math.min(pool.pgpNumTarget, pool.pgNum);
      if (settled) continue;
      pending = true;
      let active = true;
      for (const p of pgs.poolPgs(pool.id)) {
        if (!((pgs.state[p] as number) & (PgState.ACTIVE | PgState.PEERED))) {
          active = false;
          break;
        }
      }
      if (!active) continue;
      if (pool.pgNumTarget > pool.pgNum) {
        const gap = pool.pgNum - pool.pgpNum;
        const add = Math.min(left, MGR_MAX_PG_NUM_CHANGE - gap, pool.pgNumTarget - pool.pgNum);
        if (add > 0) {
          left -= add;
          const old = pool.pgNum;
          this.#applyPool(`pool ${pool.id} pg_num ${old + add}`, pool, () => {
            pool.pgNum = old + add;
          }, () => pgs.splitPool(pool, old));
          continue;
        }
      }
      if (pool.pgNumTarget < pool.pgNum && this.#mergeReady(pool)) {
        const old = pool.pgNum;
        this.#applyPool(`pool ${pool.id} pg_num ${old - 1}`, pool, () => {
          pool.pgNum = old - 1;
        }, () => pgs.mergePool(pool, old));
        continue;
      }
      // pgp_num stays below pg_num while a merge waits (Ceph caps it at pg_num_pending).
      const merging = pool.pgNumTarget < pool.pgNum;
      const target = Math.min(pool.pgpNumTarget, merging ? pool.pgNum - 1 : pool.pgNum);
      if (target !== pool.pgpNum) {
        const room = TARGET_MAX_MISPLACED_RATIO - ratio;
        if (room <= 0) continue;
        const max = Math.max(Math.floor(pool.pgNum * room), 1);
        const delta = Math.max(-max, Math.min(max, target - pool.pgpNum));
        const next = pool.pgpNum + delta;
        this.#applyPool(`pool ${pool.id} pgp_num ${next}`, pool, () => {
          pool.pgpNum = next;
        }, () => pgs.replacePool(pool));
      }
    }
    return pending;
  }

  /**
   * Whether the manager may merge pool `pool`'s last PG into its parent: pgp_num is below
   * pg_num (so both map alike), and both are active+clean on the same acting set.
   */
  #mergeReady(pool: Pool): boolean {
    if (pool.pgpNum >= pool.pgNum) return false;
    const pgs = this.pgs;
    const source = pgs.index(pool.id, pool.pgNum - 1);
    const target = pgs.index(pool.id, stableMod(pool.pgNum - 1, pool.pgNum - 1));
    const clean = PgState.ACTIVE | PgState.CLEAN;
    if (pgs.state[source] !== clean || pgs.state[target] !== clean) return false;
    const a = pgs.members(pgs.acting, pgs.actingN, source);
    const b = pgs.members(pgs.acting, pgs.actingN, target);
    return a.length === b.length && a.every((o, i) => o === b[i]);
  }

  /** OSD ids of host `name`. */
  hostOsds(name: string): number[] {
    const ids = this.#hosts.get(name);
    if (!ids) throw new RangeError(`no host "${name}"; hosts are host1..host${this.#hosts.size}`);
    return ids.slice();
  }

  /** Host names. */
  hostNames(): string[] {
    return [...this.#hosts.keys()];
  }

  /** An OSD stops (or is reported failed): marked down unless `nodown` is set. */
  osdDown(id: number): void {
    this.osdsDown([id], `osd.${id} down`);
  }

  /**
   * OSD `id`'s process crashes: it goes down (its peers report it), and its crash report waits
   * on its host for ceph-crash. It boots again with {@linkcode osdUp}, as systemd restarts it.
   */
  osdCrash(id: number): void {
    if (!this.map.has(id)) throw new RangeError(`no osd.${id}`);
    this.crashAgents.crashed(`osd.${id}`, this.daemons.metadata(`osd.${id}`) ?? {});
    this.osdDown(id);
  }

  /** Every OSD of a host goes down in one epoch. */
  hostDown(name: string): void {
    this.osdsDown(this.hostOsds(name), `${name} down`);
  }

  /** Every OSD of a host boots. */
  hostUp(name: string): void {
    this.osdsUp(this.hostOsds(name), `${name} up`);
  }

  /** An OSD boots: marked up unless `noup` is set, and back in if it was marked out automatically. */
  osdUp(id: number): void {
    this.osdsUp([id], `osd.${id} up`);
  }

  /** Marks OSDs down in one epoch (`label` goes to the trace). */
  osdsDown(ids: readonly number[], label: string): void {
    if (this.map.hasFlag("nodown")) {
      this.scheduler.note(`${label} ignored (nodown)`);
      return;
    }
    const changed: number[] = [];
    this.#apply(label, changed, () => {
      for (const id of ids) if (this.map.markDown(id)) changed.push(id);
    });
    for (const id of changed) {
      this.#downSince[id] = this.scheduler.now;
      const downAt = this.map.downAt[id] as number;
      this.scheduler.schedule(this.downOutInterval, `osd.${id} down-out check`, () => {
        if (this.map.downAt[id] === downAt) this.#autoMarkOut(id);
      });
    }
  }

  /** Marks OSDs up in one epoch. */
  osdsUp(ids: readonly number[], label: string): void {
    if (this.map.hasFlag("noup")) {
      this.scheduler.note(`${label} ignored (noup)`);
      return;
    }
    const changed: number[] = [];
    this.#apply(label, changed, () => {
      for (const id of ids) {
        if (this.map.markUp(id)) changed.push(id);
        if (this.#autoOut[id] === 1 && !this.map.hasFlag("noin")) {
          this.#autoOut[id] = 0;
          if (this.map.markIn(id)) changed.push(id);
        }
      }
    });
  }

  /** `ceph osd out`. */
  osdOut(id: number): void {
    const changed: number[] = [];
    this.#autoOut[id] = 0;
    this.#apply(`osd.${id} out`, changed, () => {
      if (this.map.markOut(id)) changed.push(id);
    });
  }

  /** `ceph osd in`. */
  osdIn(id: number): void {
    const changed: number[] = [];
    this.#autoOut[id] = 0;
    this.#apply(`osd.${id} in`, changed, () => {
      if (this.map.markIn(id)) changed.push(id);
    });
  }

  /**
   * `ceph osd pg-upmap-items <pgid> <from> <to> ...` (or with null `rm-pg-upmap-items`): one
   * epoch; the PG is mapped again with the items applied.
   */
  setUpmapItems(pgid: string, pairs: readonly (readonly [number, number])[] | null): void {
    const changed = [
      ...(this.map.upmapItems.get(pgid) ?? []).flat(),
      ...(pairs ?? []).flat(),
    ];
    this.#apply(`pg ${pgid} upmap items ${JSON.stringify(pairs)}`, changed, () => {
      this.map.setUpmapItems(pgid, pairs);
    });
  }

  /** `ceph osd reweight`. */
  reweight(id: number, weight: number): void {
    const changed: number[] = [];
    this.#apply(`osd.${id} reweight ${weight}`, changed, () => {
      if (this.map.reweight(id, weight)) changed.push(id);
    });
  }

  /** `ceph osd set <flag>`. */
  setFlag(flag: string): void {
    this.#apply(`set ${flag}`, [], () => this.map.setFlag(flag));
  }

  /** `ceph osd set-require-min-compat-client <release>`: one new epoch. */
  setRequireMinCompatClient(release: string): void {
    this.#apply(
      `require_min_compat_client ${release}`,
      [],
      () => this.map.setRequireMinCompatClient(release),
    );
  }

  /**
   * A change of a pool's settings that moves no PG (quotas, applications): one new epoch,
   * the pool's `last_change`.
   */
  changePoolSettings(pool: Pool, label: string, fn: (pool: Pool) => void): void {
    this.#applyPool(label, pool, () => fn(pool));
  }

  /** `ceph osd unset <flag>`; unsetting `noout` marks out OSDs down for too long. */
  unsetFlag(flag: string): void {
    this.#apply(`unset ${flag}`, [], () => this.map.unsetFlag(flag));
    if (flag === "noout") {
      const now = this.scheduler.now;
      for (let id = 0; id < this.map.maxOsd; id++) {
        if (
          this.map.has(id) && !this.map.isUp(id) &&
          now - (this.map.downStamp[id] as number) >= this.downOutInterval
        ) this.#autoMarkOut(id);
      }
    }
    this.#ensureRecovery();
  }

  #autoMarkOut(id: number): void {
    if (this.map.isUp(id) || !this.map.isIn(id) || this.map.hasFlag("noout")) return;
    // Logged as the mon prepares the change, before the epoch that carries it.
    this.log(
      "[INF]",
      `Marking osd.${id} out (has been down for ${Math.trunc(this.downSeconds(id))} seconds)`,
    );
    const changed: number[] = [];
    this.#apply(`osd.${id} auto-out`, changed, () => {
      if (this.map.markOut(id)) changed.push(id);
    });
    if (changed.length > 0) this.#autoOut[id] = 1;
  }

  /** Seconds since OSD `id` was last marked down (0 for one never marked down). */
  downSeconds(id: number): number {
    const since = this.#downSince[id];
    return since === undefined || since === 0 ? 0 : this.scheduler.now - since;
  }

  /** Writes to the cluster log, as the mon does (`mon.clog->info() << ...`). */
  log(priority: "[DBG]" | "[INF]" | "[WRN]" | "[ERR]", message: string): void {
    this.#emit({ kind: "clog", priority, message });
  }

  #apply(label: string, changed: number[], fn: () => void, allPgs = false): void {
    const before = this.map.epoch;
    const epoch = this.map.change(fn);
    if (epoch === before) return;
    this.scheduler.note(`osdmap e${epoch} ${label}`);
    this.mons?.commit(4096 + 64 * changed.length);
    this.#emit({ kind: "osd_map", epoch });
    if (changed.length > 0) this.#peerLater(this.pgs.onMapChange(changed, allPgs), epoch);
  }

  /**
   * A machine joins the cluster (`orch host add` on the simulator's orchestrator): a host
   * with `disks` empty data disks, and its bucket under the CRUSH root, empty until an OSD is
   * created on it (as `osd crush add-bucket <host> host root=default` makes it).
   */
  addHost(name: string, disks: number): void {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
      throw new RangeError(`invalid host name "${name}"`);
    }
    if (this.#hosts.has(name)) throw new RangeError(`host "${name}" already exists`);
    if (!Number.isSafeInteger(disks) || disks < 0 || disks > 24) {
      throw new RangeError(`a host has 0 to 24 data disks, got ${disks}`);
    }
    const crush = this.map.crush;
    this.#apply(`add host ${name}`, [], () => {
      crush.addBucket(name, "host", crush.rootId);
      this.map.touch();
    });
    this.#hosts.set(name, []);
    this.#disks.set(name, disks);
  }

  /**
   * `osd crush rule create-replicated <name> <root> <type>`: a rule taking bucket `take` and
   * replicating across `typeId`, in a new epoch; returns its id. No PG moves (no pool uses it).
   */
  addCrushRule(name: string, take: number, typeId: number): number {
    let id = -1;
    this.#apply(`crush rule ${name} created`, [], () => {
      id = this.map.crush.addReplicatedRule(name, take, typeId);
      this.map.touch();
    });
    return id;
  }

  /** The size of a data disk: an OSD's capacity at the cluster's CRUSH weight. */
  get diskBytes(): number {
    return Math.round(this.#osdWeight * 2 ** 40);
  }

  /** A host's data disks (`/dev/sdb`, ...) and the OSD on each, -1 where there is none. */
  hostDisks(name: string): { path: string; osd: number }[] {
    const ids = this.#hosts.get(name);
    if (!ids) throw new RangeError(`no host "${name}"`);
    return Array.from({ length: this.#disks.get(name) ?? ids.length }, (_, i) => ({
      path: `/dev/sd${String.fromCharCode(98 + i)}`,
      osd: ids[i] ?? -1,
    }));
  }

  /**
   * Creates an OSD on the next free disk of `host` (what cephadm's ceph-volume and `osd new`
   * do there), up and in at once: the lowest free OSD id, its device under the host's CRUSH
   * bucket with the cluster's OSD weight, and every PG mapped again, so that the PGs CRUSH
   * now places on it backfill there. Returns the new id.
   */
  createOsd(host: string): number {
    const ids = this.#hosts.get(host);
    if (!ids) throw new RangeError(`no host "${host}"`);
    if (ids.length >= (this.#disks.get(host) ?? 0)) {
      throw new RangeError(`host ${host} has no available disk`);
    }
    let id = 0;
    while (this.map.has(id)) id++;
    const hostId = this.map.crush.bucketId(host) as number;
    this.#growOsds(id + 1);
    this.#apply(`osd.${id} created on ${host}`, [id], () => {
      this.map.addOsd(id, hostId, this.#osdWeight, this.#deviceClass);
    }, true);
    ids.push(id);
    return id;
  }

  /** Room for OSD ids below `n` in every per-OSD array. */
  #growOsds(n: number): void {
    if (n <= this.lastReport.length) return;
    const grow = <T extends Float64Array | Uint8Array>(a: T, fill = 0): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      if (fill !== 0) b.fill(fill, a.length);
      return b;
    };
    this.#autoOut = grow(this.#autoOut);
    this.#downSince = grow(this.#downSince);
    this.lastReport = grow(this.lastReport);
    this.reportDelay = grow(this.reportDelay);
    this.firstReportAfter = grow(this.firstReportAfter);
    this.pingFactor = grow(this.pingFactor, 1);
    this.io.growOsds(n);
  }

  #peerLater(pgs: number[], epoch: number): void {
    if (pgs.length === 0) return;
    this.#pendingPeering.add(pgs);
    this.scheduler.schedule(this.peeringSeconds, `peering e${epoch} ${pgs.length} pgs`, () => {
      this.#pendingPeering.delete(pgs);
      this.pgs.completePeering(pgs, epoch, this.scheduler.now);
      this.#syncPgTemp();
      this.#ensureRecovery();
    });
  }

  /**
   * The primaries' pg_temp requests: a PG whose acting set is not its up set (old holders
   * serving until backfill ends) has a pg_temp entry, and one whose backfill ended has it
   * removed; the mon commits what changed at one moment in one OSDMap epoch.
   */
  #syncPgTemp(): void {
    const pgs = this.pgs;
    if (pgs.actingVersion === this.#pgTempSeen) return;
    this.#pgTempSeen = pgs.actingVersion;
    const next = new Map<string, number[]>();
    const stride = pgs.stride, up = pgs.up, acting = pgs.acting;
    for (let p = 0; p < pgs.count; p++) {
      const n = pgs.actingN[p]!;
      const b = p * stride;
      // No primary up to ask for one (a down PG names its last holders): the mon's
      // clean_temps drops a pg_temp whose OSDs are all down.
      if (n === 0 || !this.map.isUp(acting[b]!)) continue;
      let same = n === pgs.upN[p];
      for (let i = 0; same && i < n; i++) same = acting[b + i] === up[b + i];
      if (same) continue;
      next.set(pgidText(pgs.poolId[p]!, pgs.ps[p]!), [...acting.subarray(b, b + n)]);
    }
    this.#apply(`pg_temp ${next.size} pgs`, [], () => this.map.setPgTemp(next));
  }

  #ensureRecovery(): void {
    if (this.#recoveryScheduled || this.pgs.recoveryBacklog === 0) return;
    this.#recoveryScheduled = true;
    const dt = this.recoveryTickSeconds;
    const tick = () => {
      const r = this.pgs.recoveryStep(dt, this.scheduler.now, {
        norecover: this.map.hasFlag("norecover"),
        nobackfill: this.map.hasFlag("nobackfill"),
      });
      if (r.finished > 0) {
        this.scheduler.note(`recovered ${r.finished} pgs, ${r.remaining} left`);
        this.#syncPgTemp();
      }
      if (r.remaining > 0 && this.pgs.recoveryActive > 0) {
        this.scheduler.schedule(dt, "recovery", tick);
      } else {
        this.#recoveryScheduled = false;
      }
    };
    this.scheduler.schedule(0, "recovery", tick);
  }
}

function _nonNegative(name: string, v: number): number {
  if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`${name} must be >= 0, got ${v}`);
  return v;
}
