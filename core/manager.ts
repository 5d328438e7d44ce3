/**
 * The manager daemon, the composition root of core/: it joins its mon session (ClusterLink) to
 * its local copies of the config DB and KV store, its module host, its command dispatch and
 * its merged health, and runs its lifecycle: start, the role the MgrMap gives it (active or
 * standby), the beacon every tick, stop.
 *
 * @module
 */
import type { WallTime } from "./stall_watch.ts";
import type { Random } from "./random.ts";
import type { Clock } from "./clock.ts";
import type { ClusterLink, ClusterState, MonCommandResult } from "./cluster_link.ts";
import { type HealthCheck, type HealthReport, healthReport } from "./health.ts";
import type { DaemonLog, ModuleLogger } from "./logging.ts";
import type { MgrMap, ModuleInfo } from "../ceph/mgr_map.ts";
import { RELEASE_NAME } from "../ceph/mgr_map.ts";
import { ModuleHost, type ModuleIsolation } from "./module_host.ts";
import {
  discoverModules,
  loadModuleDir,
  moduleDirs,
  moduleInfo,
  type ModuleRecord,
} from "./module_loader.ts";
import type { CommandDescriptor } from "./commands/descriptor.ts";
import type { Caller, CommandService, LocalCommand } from "./commands/service.ts";
import { CommandDispatch, type ModuleCommandRoute } from "./commands/dispatch.ts";
import { builtinCommands } from "./commands/builtin/mod.ts";
import { systemMetadata } from "./daemon_metadata.ts";
import { StandbyHost } from "./standby_host.ts";
import type { SnapshotCache } from "./state/snapshot_cache.ts";
import { PerfCounterStore } from "./state/perf_counters.ts";
import {
  MGR_CACHE_HIT,
  MGR_CACHE_MISS,
  MGR_COUNTERS,
  OwnPerfCounters,
  type PerfLogger,
} from "./own_perf_counters.ts";
import type { DaemonIndex } from "./state/daemon_state.ts";
import { ConfigView } from "./config_view.ts";
import { KvStore } from "./kv_store.ts";
import { ClusterLogWriter } from "./cluster_log.ts";
import { ProgressEvents } from "./progress_events.ts";
import { clusterStateViews, GetNames } from "./get_names.ts";
import { activeCleanPgs, pgProgress } from "./pg_views.ts";
import { DaemonIndexCache } from "./daemon_index_cache.ts";
import { UpdateIntake } from "./update_intake.ts";
import { type ModuleContextFactory, moduleContextFactory } from "./module_context_factory.ts";
import { DEVICE_KEY_PREFIX, DeviceMetadata } from "./device_metadata.ts";
import { ReportIntake } from "./report_intake.ts";
import { PG_MAP_NAMES } from "./state/pg_intake.ts";
import {
  answersFromLastView,
  lastViewAnswer,
  MON_ANSWER_WAIT_SECONDS,
} from "./mon_outage_answers.ts";
import type { StatusInputs } from "./status_output.ts";
import { ETIMEDOUT } from "../ceph/errno.ts";
import { answeringAuthWith } from "./admin/module_auth_link.ts";

export type { ProgressEvent } from "./progress_events.ts";

const ADMIN: Caller = { entity: "client.admin", caps: "allow *" };

/** How a manager is put together. */
export interface ManagerOptions {
  /** The daemon id (`x` of `mgr.x`). */
  id: string;
  clock: Clock;
  link: ClusterLink;
  log: DaemonLog;
  /** Modules compiled into the binary: name → the exports of its module.ts. */
  builtins: Readonly<Record<string, Record<string, unknown>>>;
  /** Folders holding `<name>/module.ts` module folders. */
  modulePaths?: readonly string[];
  /** The daemon's global id in the MgrMap. */
  gid?: number;
  /** Seconds a module gets to stop at shutdown or disable. */
  shutdownGraceSeconds?: number;
  /**
   * Whether the daemon respawns as ceph-mgr does (default true): when the MgrMap's set of
   * enabled modules changes, or when it was active and no longer is, it stops every module,
   * takes a new gid and starts again from the store, so the MgrMap shows a new `active_gid`
   * (tools wait for it). `false` reloads modules in place instead: the gid never changes,
   * only the modules that were enabled or disabled start or stop.
   */
  respawn?: boolean;
  /** More commands the manager answers itself (`auth ...`). */
  extraCommands?: readonly LocalCommand[];
  /**
   * The commands that answer the modules' `auth ...` mon commands instead of the mon: the
   * simulator's, whose one auth database is the manager's keyring (core/admin/
   * module_auth_link.ts). Without them they go to the mon.
   */
  moduleAuth?: readonly LocalCommand[];
  /** What this daemon reports about itself; the machine's description by default. */
  metadata?: Record<string, string>;
  /** Seconds a module command may take before it answers -ETIMEDOUT (module_host.ts). */
  commandTimeoutSeconds?: number;
  /** Real time, to notice modules that hold the thread (core/stall_watch.ts). */
  wallTime?: WallTime;
  /** Runs the modules it chooses in Workers of their own (module_host.ts); none: in-process. */
  isolation?: ModuleIsolation;
  /** Randomness for modules (`this.uuid4()`); without it they have none. */
  random?: Random;
}

/**
 * What a respawn adds to the gid: gids of different daemons (4100 + a hash of the id below
 * 10000) never meet, and each respawn gets a gid no earlier incarnation had.
 */
const GID_STRIDE = 10000;

/** The enabled set an MgrMap asks for, as PyModuleRegistry::handle_mgr_map compares it. */
function modulesKey(map: MgrMap): string {
  return JSON.stringify([[...map.modules].sort(), map.always_on_modules]);
}

/** The commands after which an admin caller's answer waits for the manager to respawn. */
const RESPAWNING_COMMANDS = new Set(["mgr module enable", "mgr module disable", "mgr fail"]);

/** A running manager daemon. */
export class Manager implements CommandService {
  readonly id: string;
  readonly clock: Clock;
  readonly #random: Random | undefined;
  readonly link: ClusterLink;
  readonly log: DaemonLog;
  readonly host: ModuleHost;
  /** The standby classes of the modules, run while this daemon is a standby. */
  readonly standby: StandbyHost;
  /** What this daemon reports about itself in its beacons (`mgr metadata`). */
  readonly metadata: Readonly<Record<string, string>>;
  /** The cluster's maps and statistics, when the link carries them. */
  readonly clusterState: ClusterState | undefined;
  /** Derived views of the cluster state, computed once per version and frozen. */
  readonly views: SnapshotCache;
  /** Perf counters reported by the daemons, last 20 points each. */
  readonly perf = new PerfCounterStore();
  /** This daemon's own perf counters (`tell mgr perf dump`, `perf schema`). */
  readonly ownPerf = new OwnPerfCounters();
  /** Its `mgr` section: the modules' `get()` served from the snapshot cache, or computed. */
  readonly #mgrCounters: PerfLogger = this.ownPerf.create("mgr", MGR_COUNTERS);
  /** The own counters' section generation last declared to the counter store. */
  #ownDeclared = -1;
  /** Progress events modules published (`update_progress_event`), by id. */
  readonly progressEvents = new ProgressEvents();
  /** The daemons' reports: the PGMap and their health metrics (the active manager's). */
  readonly reports: ReportIntake;
  /** The merged health's checks last told to modules (`notify('health')` when they change). */
  #lastHealth = "";
  /** The manager's own checks last sent to the mon in a beacon. */
  #beaconedChecks = "";
  /** The progress events last sent to the mon in a beacon. */
  #beaconedProgress = "{}";
  readonly #daemonLog: ModuleLogger;
  readonly #config: ConfigView;
  readonly #kv: KvStore;
  #mgrMap: MgrMap;
  /** Service URIs the modules published (`set_uri`), sent with every beacon. */
  readonly #services = new Map<string, string>();
  readonly #intake: UpdateIntake;
  readonly #dispatch: CommandDispatch;
  #clusterLog: ClusterLogWriter;
  #gid: number;
  readonly #respawn: boolean;
  /** The enabled set of the last MgrMap received (a respawn follows its changes). */
  #modulesKey: string;
  /** How many times this daemon respawned. */
  #respawns = 0;
  readonly #getNames: GetNames;
  /** The `device/<devid>` config-keys: wear levels, life expectancies (DeviceState's). */
  readonly deviceMetadata = new DeviceMetadata();
  readonly #daemonIndex: DaemonIndexCache;
  readonly #unsubscribe: () => void;
  #stopped = false;
  readonly #modulePaths: readonly string[];
  readonly #tickAbort = new AbortController();
  #tickTask: Promise<void> = Promise.resolve();
  #role: "starting" | "active" | "standby" = "starting";
  readonly #extraCommands: readonly LocalCommand[];
  readonly #moduleAuth: readonly LocalCommand[] | undefined;

  private constructor(options: ManagerOptions, records: Map<string, ModuleRecord>) {
    this.id = options.id;
    this.#gid = options.gid ?? 4100 + Math.abs(hashString(options.id)) % GID_STRIDE;
    this.#respawn = options.respawn ?? true;
    this.clock = options.clock;
    this.#random = options.random;
    this.link = options.link;
    this.log = options.log;
    this.#daemonLog = options.log.daemonLogger();
    this.#modulePaths = options.modulePaths ?? [];
    this.#extraCommands = options.extraCommands ?? [];
    this.#moduleAuth = options.moduleAuth;
    this.metadata = options.metadata ?? systemMetadata();
    this.clusterState = options.link.state?.();
    this.views = clusterStateViews(this.clusterState);
    const snapshot = options.link.snapshot();
    this.#config = new ConfigView(`mgr.${this.id}`, snapshot.config);
    this.#kv = new KvStore(snapshot.mgrKv);
    this.#mgrMap = snapshot.mgrMap;
    this.#modulesKey = modulesKey(snapshot.mgrMap);
    this.reports = new ReportIntake({
      clock: this.clock,
      gid: () => this.#gid,
      osdMap: () => this.get("osd_map"),
      smoothIntervals: Number(this.cephOption("mon_stat_smooth_intervals") ?? 6),
      statsPeriod: Number(this.cephOption("mgr_stats_period") ?? 5),
      ...(options.link.setOsdPerfQueries
        ? { setOsdPerfQueries: (q) => options.link.setOsdPerfQueries!(q) }
        : {}),
      healthOptions: () => {
        const n = (k: string) => {
          const v = Number(this.cephOption(k));
          return Number.isFinite(v) ? v : undefined;
        };
        return {
          mon_warn_pg_not_scrubbed_ratio: n("mon_warn_pg_not_scrubbed_ratio"),
          mon_warn_pg_not_deep_scrubbed_ratio: n("mon_warn_pg_not_deep_scrubbed_ratio"),
          osd_scrub_max_interval: n("osd_scrub_max_interval"),
          osd_deep_scrub_interval: n("osd_deep_scrub_interval"),
          mon_warn_on_pool_no_app: this.cephOption("mon_warn_on_pool_no_app") !== false,
        };
      },
    });
    for (const name of PG_MAP_NAMES) {
      this.views.register({
        name,
        version: () => this.reports.pgs.version,
        compute: () => this.reports.pgs.get(name, this.#deviceClasses()),
      });
    }
    // Views of the PGMap that ActivePyModules builds from its pg_stat as well.
    this.views.register({
      name: "pg_progress",
      version: () => this.reports.pgs.version * 2 + (this.reports.pgReady() ? 1 : 0),
      compute: () => pgProgress(this.get("pg_stats"), this.reports.pgReady()),
    });
    this.views.register({
      name: "active_clean_pgs",
      version: () => this.reports.pgs.version,
      compute: () => activeCleanPgs(this.get("pg_stats")),
    });
    this.#clusterLog = this.#clusterLogWriter();
    this.#getNames = new GetNames({
      views: this.views,
      pgReady: () => this.reports.pgReady(),
      mgrMap: () => this.#mgrMap,
      addr: this.metadata.addr,
      health: () => this.health(),
      runningConfig: () => this.runningConfig(),
      daemon: `mgr.${this.id}`,
      log: this.#daemonLog,
      deviceMetadata: this.deviceMetadata,
      daemonNames: () => this.clusterState?.daemonNames() ?? [],
      metadataByType: (type) => this.daemonIndex().metadataByType(type),
      daemonConfig: (daemon) => this.clusterState?.daemonConfig?.(daemon) ?? null,
    });
    this.#daemonIndex = new DaemonIndexCache(this.clusterState, `mgr.${this.id}`, this.metadata);
    const context = this.#moduleContexts();
    const grace = options.shutdownGraceSeconds ?? 10;
    this.host = new ModuleHost({
      clock: options.clock,
      mgrId: options.id,
      log: options.log,
      shutdownGraceSeconds: grace,
      context,
      moduleOptionText: (module, key) => this.#config.moduleOptionText(module, key),
      debugMgr: () => this.#config.cephOptionText("debug_mgr"),
      clusterLog: (channel, priority, message) => this.clusterLog(channel, priority, message),
      commandTimeoutSeconds: options.commandTimeoutSeconds,
      wallTime: options.wallTime,
      perf: this.ownPerf,
      isolation: options.isolation,
    }, records);
    this.standby = new StandbyHost(options.clock, options.log, context, grace);
    this.#dispatch = new CommandDispatch({
      monCommands: () => this.link.monCommands(),
      moduleCommands: () => this.#moduleCommands(),
      localCommands: () => [...this.#builtinCommands(), ...this.#extraCommands],
      sendToMon: (cmd, inbuf, entity) => this.#sendToMon(cmd, inbuf, entity),
      clusterLog: (channel, priority, message) => this.clusterLog(channel, priority, message),
    });
    this.#intake = new UpdateIntake({
      clock: this.clock,
      config: this.#config,
      kv: this.#kv,
      perf: this.perf,
      modules: this.host,
      log: this.#daemonLog,
      isActive: () => this.isActive(),
      ownDaemon: `mgr.${this.id}`,
      stopped: () => this.#stopped,
      mgrMap: async (mgrMap) => {
        // A map older than the one in hand (one queued while a respawn read the mon's latest)
        // says nothing new, as MgrStandby::handle_mgr_map ignores older epochs.
        if (mgrMap.epoch < this.#mgrMap.epoch) return;
        const wasActive = this.#role === "active";
        const key = modulesKey(mgrMap);
        const modulesChanged = key !== this.#modulesKey;
        this.#mgrMap = mgrMap;
        this.#modulesKey = key;
        // MgrStandby::handle_mgr_map: a change of the enabled set, or the loss of the active
        // role, makes ceph-mgr respawn.
        if (this.#respawn && modulesChanged) {
          return await this.#respawnNow("set of enabled modules changed");
        }
        if (this.#respawn && wasActive && !this.isActive()) {
          return await this.#respawnNow("I was active but no longer am");
        }
        await this.#applyRole();
      },
      notified: (type) => {
        // The intake told the modules of a `health` notify itself.
        this.#healthChanged(type === "health");
      },
    });
    this.#unsubscribe = options.link.subscribe((u) => {
      // The daemons' reports go into the PGMap as they arrive; the rest is queued in order.
      if (!this.#stopped) this.reports.receive(u);
      this.#intake.receive(u);
    });
  }

  /** Discovers the modules, reports them to the mon and starts the enabled ones. */
  static async start(options: ManagerOptions): Promise<Manager> {
    const records = await discoverModules(options.builtins, options.modulePaths ?? []);
    const manager = new Manager(options, records);
    manager.#daemonLog.info(
      `mgr.${manager.id} starting with modules: ${[...records.keys()].join(", ") || "(none)"}`,
    );
    // PyModuleRegistry::init: each failure in the daemon log, their names in the cluster log.
    const failed = [...records.values()].filter((r) => !r.loaded);
    for (const r of failed) {
      manager.#daemonLog.error(`Error loading module '${r.name}': ${r.errorString}`);
    }
    if (failed.length > 0) {
      manager.clusterLog(
        "cluster",
        "error",
        `Failed to load ceph-mgr modules: ${failed.map((r) => r.name).join(", ")}`,
      );
    }
    await manager.#beacon();
    // The mon folded the beacon in; start from its MgrMap rather than the pushed copy.
    if (manager.link.connected()) manager.#mgrMap = manager.link.snapshot().mgrMap;
    await manager.#applyRole();
    manager.#tickTask = Promise.all([manager.#tick(), manager.#reportLoop()]).then(() => {});
    return manager;
  }

  /**
   * Every `mgr_tick_period`: a beacon to the mon, and a look for module folders that appeared
   * in the module paths since the last look (so a module copied in at run time can be enabled).
   */
  async #tick(): Promise<void> {
    const signal = this.#tickAbort.signal;
    while (!signal.aborted) {
      const period = Number(this.cephOption("mgr_tick_period") ?? 2);
      await this.clock.sleep(period > 0 ? period : 2, signal);
      if (signal.aborted) break;
      try {
        await this.rescanModules();
        if (this.link.connected()) await this.#beacon();
      } catch (e) {
        this.#daemonLog.error(`tick failed: ${(e as Error).stack}`);
      }
    }
  }

  /** The own counters' report, every `mgr_stats_period` (MgrClient::_send_stats). */
  async #reportLoop(): Promise<void> {
    const signal = this.#tickAbort.signal;
    while (!signal.aborted) {
      const period = Number(this.cephOption("mgr_stats_period") ?? 5);
      await this.clock.sleep(period > 0 ? period : 5, signal);
      if (signal.aborted) break;
      try {
        this.#reportOwnCounters();
      } catch (e) {
        this.#daemonLog.error(`own perf report failed: ${(e as Error).stack}`);
      }
    }
  }

  /** Mgr::load_store's part for devices: the `device/` config-keys, when the mon answers. */
  async #loadDeviceMetadata(): Promise<void> {
    if (!this.link.connected()) return;
    const r = await this.link.monCommand(
      { prefix: "config-key dump", key: DEVICE_KEY_PREFIX },
      "",
      { timeout: 10, entity: `mgr.${this.id}` },
    );
    if (r.r !== 0) {
      this.#daemonLog.warning(`could not read device metadata: ${r.r} ${r.outs}`);
      return;
    }
    try {
      for (const p of this.deviceMetadata.load(JSON.parse(r.outb || "{}"))) {
        this.#daemonLog.error(`device metadata: ${p}`);
      }
    } catch (e) {
      this.#daemonLog.error(`device metadata: ${(e as Error).message}`);
    }
  }

  /** The daemon's global id in the MgrMap; a respawn gives it a new one. */
  get gid(): number {
    return this.#gid;
  }

  /** How many times this daemon respawned since it started. */
  get respawns(): number {
    return this.#respawns;
  }

  /** Whether the MgrMap names this daemon the active manager. */
  isActive(): boolean {
    return this.#mgrMap.active_gid === this.#gid;
  }

  /** This incarnation's cluster log writer: `mgr.<gid>`, numbered from 1. */
  #clusterLogWriter(): ClusterLogWriter {
    return new ClusterLogWriter(`mgr.${this.id}`, `mgr.${this.#gid}`, {
      clock: this.clock,
      send: (entry) => this.link.clusterLog(entry),
      log: this.#daemonLog,
    });
  }

  /**
   * What ceph-mgr's respawn (an exec of itself) does, within this process: every module,
   * active or standby, stops; the daemon comes back under a new gid with no published
   * service URIs, beacons at once (the mon logs `Active manager daemon x restarted`, then
   * `Activating manager daemon x` and `Manager daemon x is now available`) and starts its
   * modules anew, from the store, in the role the MgrMap gives it. The PGMap survives: the
   * daemons' reports are this process's, and a PGMap rebuilt from nothing would only show
   * `unknown` PGs for a period.
   */
  async #respawnNow(reason: string): Promise<void> {
    if (this.#stopped) return;
    this.#daemonLog.info(`respawning because ${reason}`);
    await this.host.stopAll();
    await this.standby.stopAll();
    this.#services.clear();
    // The process's published progress events go with it; modules publish theirs anew.
    this.progressEvents.clear();
    // A new process counts from zero (its module finishers went with the modules).
    this.#mgrCounters.set(MGR_CACHE_HIT, 0);
    this.#mgrCounters.set(MGR_CACHE_MISS, 0);
    this.#role = "starting";
    this.#gid += GID_STRIDE;
    this.#respawns++;
    this.#clusterLog = this.#clusterLogWriter();
    this.#daemonLog.info(`mgr.${this.id} respawned as gid ${this.#gid}`);
    if (this.link.connected()) {
      await this.#beacon();
      this.#mgrMap = this.link.snapshot().mgrMap;
      this.#modulesKey = modulesKey(this.#mgrMap);
    }
    await this.#applyRole();
  }

  /**
   * Runs what this daemon's role asks for: the active modules when the MgrMap names it active,
   * the standby modules otherwise (spec §8). On takeover the standby modules stop before the
   * active ones start, and the active ones rehydrate from the KV store like any start.
   */
  async #applyRole(): Promise<void> {
    if (this.#stopped) return;
    if (this.isActive()) {
      if (this.#role !== "active") {
        this.reports.activate();
        await this.standby.stopAll();
        // As a ceph-mgr that becomes active runs Mgr::init, before any module starts.
        await this.#loadDeviceMetadata();
        if (this.#role === "standby") this.#daemonLog.info(`mgr.${this.id} is now active`);
        this.#role = "active";
      }
      await this.host.reconcile(this.enabledModules());
      return;
    }
    if (this.#role === "active") {
      this.#daemonLog.warning(
        `mgr.${this.id} is no longer active; the active mgr is '${this.#mgrMap.active_name}'`,
      );
      await this.host.reconcile([]);
    }
    this.#role = "standby";
    const enabled = this.enabledModules();
    this.standby.start([...this.host.records.values()].filter((r) => enabled.has(r.name)));
  }

  /** Loads module folders that are new since the daemon started; returns their names. */
  async rescanModules(): Promise<string[]> {
    const dirs = moduleDirs(this.#modulePaths).filter(([name]) => !this.host.records.has(name));
    if (dirs.length === 0) return [];
    const fresh = await Promise.all(dirs.map(([name, dir]) => loadModuleDir(name, dir)));
    this.host.addRecords(fresh);
    this.#dispatch.invalidate();
    for (const r of fresh) this.#daemonLog.info(`found module ${r.name} in ${r.source}`);
    await this.#beacon();
    await this.host.reconcile(this.enabledModules());
    return fresh.map((r) => r.name);
  }

  /** The MgrMap as last received from the mon. */
  get mgrMap(): MgrMap {
    return this.#mgrMap;
  }

  /** The modules that should run: the MgrMap's modules plus this release's always-on set. */
  enabledModules(): Set<string> {
    return new Set([
      ...this.#mgrMap.modules,
      ...(this.#mgrMap.always_on_modules[RELEASE_NAME] ?? []),
    ]);
  }

  /** Resolves once every update received so far has been applied and modules are idle. */
  async settled(): Promise<void> {
    await this.#intake.applied();
    await this.host.drained();
  }

  /** The active manager's own checks: its PGMap's, and the module host's and modules'. */
  #managerChecks(): Record<string, HealthCheck> {
    if (!this.isActive()) return {};
    return {
      ...this.reports.healthChecks(),
      ...this.host.moduleHealth(),
      ...this.host.hostHealth(),
    };
  }

  /**
   * After the maps or the PG stats changed: modules listening for `health` hear of a change of
   * the merged health, and the mon of a change of the manager's own checks at once, as
   * DaemonServer sends its report when its PGMap changes rather than at the next tick.
   */
  #healthChanged(notified = false): void {
    const health = JSON.stringify(this.health().checks);
    if (health !== this.#lastHealth) {
      this.#lastHealth = health;
      if (!notified) this.host.notifyAll("health", "");
    }
    if (this.isActive() && this.link.connected()) {
      if (JSON.stringify(this.#managerChecks()) !== this.#beaconedChecks) this.#beaconSoon();
    }
  }

  /** Each OSD's CRUSH device class (for `df`'s `stats_by_class`). */
  #deviceClasses(): (osd: number) => string | undefined {
    const crush = this.get("osd_map_crush") as
      | { devices?: { id: number; class?: string }[] }
      | null;
    const classes: (string | undefined)[] = [];
    for (const d of crush?.devices ?? []) classes[d.id] = d.class;
    return (osd) => classes[osd];
  }

  #moduleInfos: { key: string; records: readonly object[]; infos: ModuleInfo[] } | undefined;

  /**
   * The beacon's module list: the same array while the loaded modules and what they report
   * (can run, error) stay the same, so the mon need not compare it again.
   */
  #availableModules(): ModuleInfo[] {
    const records = [...this.host.records.values()];
    const key = records.map((r) => `${r.loaded && r.canRun} ${r.errorString}`).join("\n");
    const cached = this.#moduleInfos;
    if (
      cached && cached.key === key && cached.records.length === records.length &&
      cached.records.every((r, i) => r === records[i])
    ) return cached.infos;
    const infos = records.map(moduleInfo);
    this.#moduleInfos = { key, records, infos };
    return infos;
  }

  /** A beacon out of turn; one that cannot reach the mon is logged, the tick sends the next. */
  #beaconSoon(): void {
    this.#beacon().catch((e) =>
      this.#daemonLog.warning(`beacon not sent: ${(e as Error).message}`)
    );
  }

  /** Whether the active manager's checks or progress events moved since its last beacon. */
  #reportIsStale(): boolean {
    if (!this.isActive() || !this.link.connected()) return false;
    return JSON.stringify(this.#managerChecks()) !== this.#beaconedChecks ||
      JSON.stringify(Object.fromEntries(this.progressEvents)) !== this.#beaconedProgress;
  }

  /**
   * A caller's command to the mon. `status` and `health` do not wait for a mon that is away:
   * without a session, or without an answer within MON_ANSWER_WAIT_SECONDS, this manager
   * answers them from its last view (core/mon_outage_answers.ts).
   */
  async #sendToMon(
    cmd: Record<string, unknown>,
    inbuf: string,
    entity: string,
  ): Promise<MonCommandResult> {
    const fromLastView = answersFromLastView(cmd.prefix);
    if (fromLastView && !this.link.connected()) return lastViewAnswer(cmd, this.#lastView());
    // The mon answers `health` and `status` from this manager's last report: it is sent
    // first when it is out of date, so a caller sees what the manager knows.
    if (this.#reportIsStale()) await this.#beacon();
    if (!fromLastView) return await this.link.monCommand(cmd, inbuf, { entity });
    const r = await this.link.monCommand(cmd, inbuf, {
      entity,
      timeout: MON_ANSWER_WAIT_SECONDS,
    });
    return r.r === -ETIMEDOUT ? lastViewAnswer(cmd, this.#lastView()) : r;
  }

  /**
   * The cluster as this manager last saw it, as the mon's `status` is made of: the maps it
   * received last, the health the mon last reported, its own PGMap digest and progress events.
   */
  #lastView(): StatusInputs {
    return {
      fsid: this.clusterState?.fsid() ?? String(this.cephOption("fsid") ?? ""),
      health: this.health(),
      mgrMap: this.#mgrMap,
      get: (name) => this.get(name),
      pgDigest: this.reports.pgReady()
        ? this.get("pg_status") as Record<string, unknown>
        : undefined,
      progress: Object.fromEntries(this.progressEvents),
      now: this.clock.now(),
    };
  }

  async #beacon(): Promise<void> {
    const checks = this.isActive() ? this.#managerChecks() : undefined;
    this.#beaconedChecks = JSON.stringify(checks ?? {});
    if (checks) this.#beaconedProgress = JSON.stringify(Object.fromEntries(this.progressEvents));
    await this.link.beacon({
      gid: this.#gid,
      name: this.id,
      available: true,
      available_modules: this.#availableModules(),
      services: Object.fromEntries(this.#services),
      metadata: { ...this.metadata },
      ...(checks
        ? {
          health_checks: checks,
          // DaemonServer::send_report sends no PG status before pg_ready: a manager that has
          // just taken over does not make the mon show 0 PGs.
          ...(this.reports.pgReady()
            ? { pg_digest: this.get("pg_status") as Record<string, unknown> }
            : {}),
          progress_events: Object.fromEntries(this.progressEvents),
        }
        : {}),
    });
  }

  /** The module contexts, wired to this daemon's parts. */
  #moduleContexts(): ModuleContextFactory {
    return moduleContextFactory({
      mgrId: this.id,
      clock: this.clock,
      random: this.#random,
      log: this.log,
      link: this.#moduleAuth ? answeringAuthWith(this.link, this.#moduleAuth, this.id) : this.link,
      config: this.#config,
      kv: this.#kv,
      progress: this.progressEvents,
      perf: this.perf,
      host: () => this.host,
      setUri: (module, uri) => {
        this.#services.set(module, uri);
        this.#beaconSoon();
      },
      activeUri: (module) => this.#mgrMap.services[module] ?? "",
      clusterLog: (channel, priority, message) => this.clusterLog(channel, priority, message),
      get: (name, mutable) => this.#moduleGet(name, mutable),
      getVersion: (name) => this.#getNames.version(name),
      daemonHealthMetrics: () => this.reports.pgs.healthMetrics(),
      daemons: () => this.daemonIndex(),
      deviceMetadata: this.deviceMetadata,
      osdPerfStats: () => this.reports.pgs.views.osdPerfStats(),
      daemonHealthBulk: () => this.reports.pgs.healthMetricsBulk(),
      ...(this.link.setOsdPerfQueries ? { osdPerfQueries: () => this.reports.osdPerf } : {}),
    });
  }

  /** Every loaded module's commands, each routed through the module host. */
  *#moduleCommands(): Iterable<ModuleCommandRoute> {
    for (const record of this.host.records.values()) {
      for (const command of record.commands) {
        yield {
          desc: command.desc,
          run: (cmd, inbuf, caller) =>
            this.host.command({ module: record.name, command }, cmd, inbuf, caller),
        };
      }
    }
  }

  /** The manager's own commands, reading it through the narrow views they take. */
  #builtinCommands(): LocalCommand[] {
    return builtinCommands({
      daemon: `mgr.${this.id}`,
      get: (name) => this.get(name),
      now: () => this.clock.now(),
      cephOption: (key) => this.cephOption(key),
      runningConfig: () => this.runningConfig(),
      daemonConfig: (who) => this.clusterState?.daemonConfig?.(who) ?? null,
      fsid: () => this.clusterState?.fsid() ?? String(this.cephOption("fsid") ?? ""),
      tellDaemon: (type, id, cmd) => this.link.monCommand({ ...cmd, target: [type, id] }),
      ownPerf: this.ownPerf,
    });
  }

  /** The daemon index (metadata, servers), rebuilt when the cluster's daemons may have changed. */
  daemonIndex(): DaemonIndex {
    return this.#daemonIndex.current();
  }

  /**
   * This daemon's running configuration from the mon (`config show`): every name the config DB
   * sets for `global`, `mgr` or `mgr.<id>`, the most specific section winning.
   */
  runningConfig(): Map<string, string> {
    return this.#config.running();
  }

  /** A daemon option typed by its schema; undefined when the option does not exist. */
  cephOption(key: string): string | number | boolean | undefined {
    return this.#config.cephOption(key);
  }

  /** `get(name)` (spec §10): frozen, shared snapshots; `mutable` gives a private copy. */
  get(name: string, mutable = false): unknown {
    return this.#getNames.get(name, mutable);
  }

  /**
   * A module's `get(name)`: as {@linkcode get}, counting in the `mgr` section whether a
   * snapshot-cached name was answered from the cache (`cache_hit`) or had to be built
   * (`cache_miss`), as ActivePyModules::cacheable_get_python counts its api cache's. Private
   * copies are not counted, as Ceph's `get_mutable` bypasses the cache.
   */
  #moduleGet(name: string, mutable = false): unknown {
    if (mutable || !this.views.has(name)) return this.get(name, mutable);
    const misses = this.views.misses;
    const value = this.get(name);
    this.#mgrCounters.inc(this.views.misses === misses ? MGR_CACHE_HIT : MGR_CACHE_MISS);
    return value;
  }

  /**
   * What ceph-mgr's MgrClient reports about the daemon itself every `mgr_stats_period`: its
   * counters of priority `mgr_stats_threshold` and up, into the active manager's counter store
   * as `mgr.<id>` (so `get_perf_schema('mgr', id)` and `get_counter` have them).
   */
  #reportOwnCounters(): void {
    if (!this.isActive()) return;
    const threshold = Number(this.cephOption("mgr_stats_threshold") ?? 5);
    const { schema, values } = this.ownPerf.report(threshold);
    const daemon = `mgr.${this.id}`;
    if (this.#ownDeclared !== this.ownPerf.generation || !this.perf.has(daemon)) {
      this.perf.registerSchema(daemon, schema);
      this.#ownDeclared = this.ownPerf.generation;
    }
    this.perf.ingest(daemon, values, this.clock.now());
  }

  /**
   * Writes an entry to the cluster log: to the mon, which keeps it for `log last` and sends it
   * back to the managers (the modules listening for `clog` hear it then), and to the daemon log.
   */
  clusterLog(channel: string, priority: string, message: string): void {
    this.#clusterLog.write(channel, priority, message);
  }

  /**
   * The cluster's health as the mon reports it: its own checks and the ones this manager (when
   * active) and its modules reported in their beacons, with the mutes in force (`health mute`).
   * A link without a cluster state gives the manager's own checks alone.
   */
  health(): HealthReport {
    const state = this.clusterState;
    if (!state) return healthReport(this.#managerChecks());
    // The mon hears of this manager's own checks in its next beacon; send it now if they moved.
    if (this.#reportIsStale()) this.#beaconSoon();
    return state.health();
  }

  /** Whether the mon owns `prefix` in Ceph (a standby answers it while no manager is active). */
  monOwned(prefix: string): boolean {
    return this.#dispatch.descriptor(prefix)?.module === "mon";
  }

  /** The descriptors of every command, for clients (`GET /api/v1/commands`). */
  descriptors(): CommandDescriptor[] {
    return this.#dispatch.descriptors();
  }

  /**
   * Runs one command (`{prefix, ...args}`) for a caller: validated against its descriptor
   * (whoever sent it), checked against the caller's caps, then answered by its owner.
   */
  async run(
    cmd: Record<string, unknown>,
    inbuf: string,
    caller: Caller,
  ): Promise<MonCommandResult> {
    const result = await this.#dispatch.run(cmd, inbuf, caller);
    // ceph-mgr respawns a moment after these; a caller's answer waits for that here, so that
    // what it asks next (`mgr services`, the module's commands) meets the new incarnation.
    // Modules' own mon commands do not come this way: a module waiting for its own restart
    // would hold it up.
    if (result.r === 0 && RESPAWNING_COMMANDS.has(String(cmd.prefix))) {
      await this.#intake.applied();
    }
    return result;
  }

  /** Runs a command as `client.admin` (in-process callers and tests). */
  command(cmd: Record<string, unknown>, inbuf = ""): Promise<MonCommandResult> {
    return this.run(cmd, inbuf, ADMIN);
  }

  /** Stops every module (bounded wait each) and leaves the mon session. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#daemonLog.info(`mgr.${this.id} stopping`);
    this.#tickAbort.abort();
    await this.#tickTask;
    await this.host.stopAll();
    await this.standby.stopAll();
    this.#unsubscribe();
    this.#daemonLog.info(`mgr.${this.id} stopped`);
  }
}

function hashString(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}
