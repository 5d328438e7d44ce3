/**
 * The manager daemon, the composition root of core/: it joins its mon session (ClusterLink) to
 * its local copies of the config DB and KV store, its module host, its command dispatch and
 * its merged health, and runs its lifecycle: start, the role the MgrMap gives it (active or
 * standby), the beacon every tick, stop.
 *
 * @module
 */
import type { Clock } from "./clock.ts";
import type { ClusterLink, ClusterState, MonCommandResult } from "./cluster_link.ts";
import type { HealthReport } from "./health.ts";
import { stampSeconds } from "../ceph/time.ts";
import type { DaemonLog, ModuleLogger } from "./logging.ts";
import type { MgrMap } from "../ceph/mgr_map.ts";
import { RELEASE_NAME } from "../ceph/mgr_map.ts";
import { ModuleHost } from "./module_host.ts";
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
import type { StatusInputs } from "./status.ts";
import { PerfCounterStore } from "./state/perf_counters.ts";
import type { DaemonIndex } from "./state/daemon_state.ts";
import { ConfigView } from "./config_view.ts";
import { KvStore } from "./kv_store.ts";
import { ClusterLogWriter } from "./cluster_log.ts";
import { MergedHealth } from "./merged_health.ts";
import { ProgressEvents } from "./progress_events.ts";
import { clusterStateViews, GetNames } from "./get_names.ts";
import { DaemonIndexCache } from "./daemon_index_cache.ts";
import { UpdateIntake } from "./update_intake.ts";
import { type ModuleContextFactory, moduleContextFactory } from "./module_context_factory.ts";
import { ReportIntake } from "./report_intake.ts";
import { PG_MAP_NAMES } from "./state/pg_intake.ts";
import type { HealthCheck } from "./health.ts";

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
  /** More commands the manager answers itself (`auth ...`). */
  extraCommands?: readonly LocalCommand[];
  /** What this daemon reports about itself; the machine's description by default. */
  metadata?: Record<string, string>;
}

/** A running manager daemon. */
export class Manager implements CommandService {
  readonly id: string;
  readonly gid: number;
  readonly clock: Clock;
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
  /** Progress events modules published (`update_progress_event`), by id. */
  readonly progressEvents = new ProgressEvents();
  /** The daemons' reports: the PGMap and their health metrics (the active manager's). */
  readonly reports: ReportIntake;
  /** The merged health's checks last told to modules (`notify('health')` when they change). */
  #lastHealth = "";
  /** The manager's own checks last sent to the mon in a beacon. */
  #beaconedChecks = "";
  readonly #daemonLog: ModuleLogger;
  readonly #config: ConfigView;
  readonly #kv: KvStore;
  #mgrMap: MgrMap;
  /** Service URIs the modules published (`set_uri`), sent with every beacon. */
  readonly #services = new Map<string, string>();
  readonly #intake: UpdateIntake;
  readonly #dispatch: CommandDispatch;
  readonly #health: MergedHealth;
  readonly #clusterLog: ClusterLogWriter;
  readonly #getNames: GetNames;
  readonly #daemonIndex: DaemonIndexCache;
  readonly #unsubscribe: () => void;
  #stopped = false;
  readonly #modulePaths: readonly string[];
  readonly #tickAbort = new AbortController();
  #tickTask: Promise<void> = Promise.resolve();
  #role: "starting" | "active" | "standby" = "starting";
  readonly #extraCommands: readonly LocalCommand[];

  private constructor(options: ManagerOptions, records: Map<string, ModuleRecord>) {
    this.id = options.id;
    this.gid = options.gid ?? 4100 + Math.abs(hashString(options.id)) % 10000;
    this.clock = options.clock;
    this.link = options.link;
    this.log = options.log;
    this.#daemonLog = options.log.daemonLogger();
    this.#modulePaths = options.modulePaths ?? [];
    this.#extraCommands = options.extraCommands ?? [];
    this.metadata = options.metadata ?? systemMetadata();
    this.clusterState = options.link.state?.();
    this.views = clusterStateViews(this.clusterState);
    const snapshot = options.link.snapshot();
    this.#config = new ConfigView(`mgr.${this.id}`, snapshot.config);
    this.#kv = new KvStore(snapshot.mgrKv);
    this.#mgrMap = snapshot.mgrMap;
    this.reports = new ReportIntake({
      clock: this.clock,
      gid: this.gid,
      osdMap: () => this.get("osd_map"),
      smoothIntervals: Number(this.cephOption("mon_stat_smooth_intervals") ?? 6),
      statsPeriod: Number(this.cephOption("mgr_stats_period") ?? 5),
    });
    for (const name of PG_MAP_NAMES) {
      this.views.register({
        name,
        version: () => this.reports.pgs.version,
        compute: () => this.reports.pgs.get(name, this.#deviceClasses()),
      });
    }
    this.#clusterLog = new ClusterLogWriter(`mgr.${this.id}`, `mgr.${this.gid}`, {
      clock: this.clock,
      send: (entry) => this.link.clusterLog(entry),
      log: this.#daemonLog,
    });
    this.#health = new MergedHealth(this.clock, () => [
      this.clusterState?.health() ?? {},
      this.reports.healthChecks(),
      this.host.moduleHealth(),
      this.host.hostHealth(),
    ]);
    this.#getNames = new GetNames({
      views: this.views,
      pgReady: () => this.reports.pgReady(),
      mgrMap: () => this.#mgrMap,
      addr: this.metadata.addr,
      health: () => this.health(),
      runningConfig: () => this.runningConfig(),
      daemon: `mgr.${this.id}`,
      log: this.#daemonLog,
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
    }, records);
    this.standby = new StandbyHost(options.clock, options.log, context, grace);
    this.#dispatch = new CommandDispatch({
      monCommands: () => this.link.monCommands(),
      moduleCommands: () => this.#moduleCommands(),
      localCommands: () => [...this.#builtinCommands(), ...this.#extraCommands],
      sendToMon: (cmd, inbuf, entity) => this.link.monCommand(cmd, inbuf, { entity }),
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
      stopped: () => this.#stopped,
      mgrMap: async (mgrMap) => {
        this.#mgrMap = mgrMap;
        await this.#applyRole();
      },
      notified: (type) => {
        if (type !== "health") this.#healthChanged();
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
    await manager.#beacon();
    // The mon folded the beacon in; start from its MgrMap rather than the pushed copy.
    if (manager.link.connected()) manager.#mgrMap = manager.link.snapshot().mgrMap;
    await manager.#applyRole();
    manager.#tickTask = manager.#tick();
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

  /** Whether the MgrMap names this daemon the active manager. */
  isActive(): boolean {
    return this.#mgrMap.active_gid === this.gid;
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
  #healthChanged(): void {
    const health = JSON.stringify(this.health().checks);
    if (health !== this.#lastHealth) {
      this.#lastHealth = health;
      this.host.notifyAll("health", "");
    }
    if (this.isActive() && this.link.connected()) {
      if (JSON.stringify(this.#managerChecks()) !== this.#beaconedChecks) void this.#beacon();
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

  async #beacon(): Promise<void> {
    const checks = this.isActive() ? this.#managerChecks() : undefined;
    this.#beaconedChecks = JSON.stringify(checks ?? {});
    await this.link.beacon({
      gid: this.gid,
      name: this.id,
      available: true,
      available_modules: [...this.host.records.values()].map(moduleInfo),
      services: Object.fromEntries(this.#services),
      metadata: { ...this.metadata },
      ...(checks ? { health_checks: checks } : {}),
    });
  }

  /** The module contexts, wired to this daemon's parts. */
  #moduleContexts(): ModuleContextFactory {
    return moduleContextFactory({
      mgrId: this.id,
      clock: this.clock,
      log: this.log,
      link: this.link,
      config: this.#config,
      kv: this.#kv,
      progress: this.progressEvents,
      perf: this.perf,
      host: () => this.host,
      setUri: (module, uri) => {
        this.#services.set(module, uri);
        void this.#beacon();
      },
      activeUri: (module) => this.#mgrMap.services[module] ?? "",
      clusterLog: (channel, priority, message) => this.clusterLog(channel, priority, message),
      get: (name, mutable) => this.get(name, mutable),
      daemonHealthMetrics: () => this.reports.pgs.healthMetrics(),
      daemons: () => this.daemonIndex(),
    });
  }

  /** Every loaded module's commands, each routed through the module host. */
  *#moduleCommands(): Iterable<ModuleCommandRoute> {
    for (const record of this.host.records.values()) {
      for (const command of record.commands) {
        yield {
          desc: command.desc,
          run: (cmd, inbuf) => this.host.command({ module: record.name, command }, cmd, inbuf),
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
      health: () => this.health(),
      mute: (code, ttl, sticky) => this.mute(code, ttl, sticky),
      unmute: (code) => this.unmute(code),
      statusInputs: () => this.statusInputs(),
      tellDaemon: (type, id, cmd) => this.link.monCommand({ ...cmd, target: [type, id] }),
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
   * Writes an entry to the cluster log: to the mon, which keeps it for `log last` and sends it
   * back to the managers (the modules listening for `clog` hear it then), and to the daemon log.
   */
  clusterLog(channel: string, priority: string, message: string): void {
    this.#clusterLog.write(channel, priority, message);
  }

  /** What `status` is built from. */
  statusInputs(): StatusInputs {
    // `active_change` is a Ceph stamp (`2026-11-25T13:18:16.859000+0000`) or bare seconds.
    const stamp = this.#mgrMap.active_change;
    const since = stampSeconds(stamp);
    return {
      fsid: this.clusterState?.fsid() ?? String(this.cephOption("fsid") ?? ""),
      health: this.health(),
      mgrMap: this.#mgrMap,
      mgrAge: Number.isFinite(since) && since > 0 ? this.clock.now() - since : 0,
      get: (name) => this.get(name),
      progress: this.progressEvents,
      now: this.clock.now(),
    };
  }

  /**
   * The merged health report: the cluster's checks, the modules' and the host's own, with the
   * mutes in force (`health mute`).
   */
  health(): HealthReport {
    return this.#health.report();
  }

  /** `health mute <code> [<ttl>] [--sticky]`: the check must be raised now. */
  mute(code: string, ttlSeconds: number | undefined, sticky: boolean): MonCommandResult {
    return this.#health.mute(code, ttlSeconds, sticky);
  }

  /** `health unmute [<code>]`: one mute, or all. */
  unmute(code: string | undefined): MonCommandResult {
    return this.#health.unmute(code);
  }

  /** The descriptors of every command, for clients (`GET /api/v1/commands`). */
  descriptors(): CommandDescriptor[] {
    return this.#dispatch.descriptors();
  }

  /**
   * Runs one command (`{prefix, ...args}`) for a caller: validated against its descriptor
   * (whoever sent it), checked against the caller's caps, then answered by its owner.
   */
  run(cmd: Record<string, unknown>, inbuf: string, caller: Caller): Promise<MonCommandResult> {
    return this.#dispatch.run(cmd, inbuf, caller);
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
