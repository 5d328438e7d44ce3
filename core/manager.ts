/**
 * The manager daemon: its mon session (ClusterLink), its local copies of the config DB and
 * the module KV store, the module host, command dispatch and health.
 *
 * @module
 */
import type { Clock } from "./clock.ts";
import type {
  ClusterLink,
  ClusterUpdate,
  ConfigEntry,
  MonCommandResult,
  PerfReportBatch,
} from "./cluster_link.ts";
import { EACCES, EINVAL, ENOENT } from "../ceph/errno.ts";
import {
  applyMutes,
  type HealthCheck,
  type HealthMute,
  type HealthReport,
  healthReport,
} from "./health.ts";
import { pythonDumps } from "../ceph/format.ts";
import { cephStamp, stampSeconds } from "../ceph/time.ts";
import type { DaemonLog, ModuleLogger } from "./logging.ts";
import type { MgrMap } from "../ceph/mgr_map.ts";
import { RELEASE_NAME } from "../ceph/mgr_map.ts";
import type { ModuleContext } from "./module_context.ts";
import { type ModuleCommandTarget, ModuleHost } from "./module_host.ts";
import {
  discoverModules,
  loadModuleDir,
  moduleDirs,
  moduleInfo,
  type ModuleRecord,
} from "./module_loader.ts";
import { typedOptionValue } from "./module_options.ts";
import { cephOptionSchema } from "../ceph/options.ts";
import { type CommandDescriptor, parseSignature } from "./commands/descriptor.ts";
import type { Caller, CommandService, LocalCommand } from "./commands/service.ts";
import { validateCommand } from "./commands/validate.ts";
import { usageLine } from "./commands/usage.ts";
import { capsAllow } from "../ceph/mgr_cap.ts";
import { builtinCommands } from "./commands/builtin/mod.ts";
import { systemMetadata } from "./daemon_metadata.ts";
import { StandbyHost } from "./standby_host.ts";
import type { ClusterLogEntry, ClusterState } from "./cluster_link.ts";
import { SnapshotCache } from "./state/snapshot_cache.ts";
import type { StatusInputs } from "./status.ts";
import {
  type CounterSchemaEntry,
  PerfCounterStore,
  schemaFromColumns,
} from "./state/perf_counters.ts";
import { DaemonIndex } from "./state/daemon_state.ts";

/** A progress event a module published. */
export interface ProgressEvent {
  message: string;
  progress: number;
  add_to_ceph_s: boolean;
  started: number;
}

/** Cluster log priorities by the names modules and `log last` use. */
const CLOG_PRIORITY: Record<string, string> = {
  debug: "[DBG]",
  info: "[INF]",
  sec: "[SEC]",
  security: "[SEC]",
  warn: "[WRN]",
  warning: "[WRN]",
  error: "[ERR]",
  "0": "[DBG]",
  "1": "[INF]",
  "2": "[SEC]",
  "3": "[WRN]",
  "4": "[ERR]",
};

/** Who owns a command. */
type CommandOwner =
  | { kind: "module"; target: ModuleCommandTarget }
  | { kind: "local"; command: LocalCommand }
  | { kind: "mon" };

interface CommandEntry {
  desc: CommandDescriptor;
  owner: CommandOwner;
}

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
  readonly #daemonLog: ModuleLogger;
  /** section → option name → value, from the mon's config DB. */
  #config = new Map<string, Map<string, string>>();
  /** Full config-key → value for keys under `mgr/`. */
  #kv = new Map<string, string>();
  #mgrMap: MgrMap;
  #services = new Map<string, string>();
  #unsubscribe: () => void;
  #updates: Promise<void> = Promise.resolve();
  #stopped = false;
  #clusterLogSeq = 0;
  /** Commands the daemon itself sends to the mon go as `mgr.<id>`. */
  readonly #asMgr: { entity: string };
  /** Progress events modules published (`update_progress_event`), by id. */
  readonly progressEvents = new Map<string, ProgressEvent>();
  /** Muted health checks; kept in memory (Ceph's mon persists them). */
  #mutes: HealthMute[] = [];
  readonly #modulePaths: readonly string[];
  readonly #tickAbort = new AbortController();
  /** The standby classes of the modules, run while this daemon is a standby. */
  readonly standby: StandbyHost;
  #role: "starting" | "active" | "standby" = "starting";
  readonly #extraCommands: readonly LocalCommand[];
  /** What this daemon reports about itself in its beacons (`mgr metadata`). */
  readonly metadata: Readonly<Record<string, string>>;
  /** The cluster's maps and statistics, when the link carries them. */
  readonly clusterState: ClusterState | undefined;
  /** Derived views of the cluster state, computed once per version and frozen. */
  readonly views = new SnapshotCache();
  /** Perf counters reported by the daemons, last 20 points each. */
  readonly perf = new PerfCounterStore();
  #daemonIndex = new DaemonIndex();
  #daemonIndexVersion = -1;
  #schemas = new WeakMap<object, CounterSchemaEntry[]>();
  #commands: Map<string, CommandEntry> | undefined;
  #tickTask: Promise<void> = Promise.resolve();

  private constructor(options: ManagerOptions, records: Map<string, ModuleRecord>) {
    this.id = options.id;
    this.#asMgr = { entity: `mgr.${options.id}` };
    this.gid = options.gid ?? 4100 + Math.abs(hashString(options.id)) % 10000;
    this.clock = options.clock;
    this.link = options.link;
    this.log = options.log;
    this.#daemonLog = options.log.daemonLogger();
    this.#modulePaths = options.modulePaths ?? [];
    this.#extraCommands = options.extraCommands ?? [];
    this.metadata = options.metadata ?? systemMetadata();
    this.clusterState = options.link.state?.();
    const state = this.clusterState;
    for (const name of state?.names ?? []) {
      if (name === "health") continue; // the manager's own merged report answers `health`
      this.views.register({
        name,
        version: () => state!.version(name),
        compute: () => state!.get(name),
      });
    }
    const snapshot = options.link.snapshot();
    this.#setConfig(snapshot.config);
    for (const [k, v] of Object.entries(snapshot.mgrKv)) this.#kv.set(k, v);
    this.#mgrMap = snapshot.mgrMap;
    this.host = new ModuleHost({
      clock: options.clock,
      mgrId: options.id,
      log: options.log,
      shutdownGraceSeconds: options.shutdownGraceSeconds ?? 10,
      context: (record, log, signal) => this.#moduleContext(record, log, signal),
      moduleOptionText: (module, key) => this.#moduleOptionText(module, key),
      debugMgr: () => this.#cephOptionText("debug_mgr"),
      clusterLog: (channel, priority, message) => this.clusterLog(channel, priority, message),
    }, records);
    this.standby = new StandbyHost(
      options.clock,
      options.log,
      (record, log, signal) => this.#moduleContext(record, log, signal),
      options.shutdownGraceSeconds ?? 10,
    );
    this.#unsubscribe = options.link.subscribe((u) => {
      this.#updates = this.#updates.then(() => this.#onUpdate(u));
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
    this.#commands = undefined;
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
    await this.#updates;
    await this.host.drained();
  }

  async #beacon(): Promise<void> {
    await this.link.beacon({
      gid: this.gid,
      name: this.id,
      available: true,
      available_modules: [...this.host.records.values()].map(moduleInfo),
      services: Object.fromEntries(this.#services),
      metadata: { ...this.metadata },
      ...(this.isActive()
        ? { health_checks: { ...this.host.moduleHealth(), ...this.host.hostHealth() } }
        : {}),
    });
  }

  async #onUpdate(update: ClusterUpdate): Promise<void> {
    if (this.#stopped) return;
    switch (update.kind) {
      case "config": {
        const before = JSON.stringify([...this.#config].map(([s, m]) => [s, [...m]]));
        this.#setConfig(update.config);
        const after = JSON.stringify([...this.#config].map(([s, m]) => [s, [...m]]));
        if (before !== after) this.host.configChanged();
        break;
      }
      case "kv":
        if (update.value === null) this.#kv.delete(update.key);
        else if (update.key.startsWith("mgr/")) this.#kv.set(update.key, update.value);
        break;
      case "mgr_map":
        this.#mgrMap = update.mgrMap;
        await this.#applyRole();
        break;
      case "connection":
        this.#daemonLog.warning(`mon session ${update.connected ? "restored" : "lost"}`);
        break;
      case "notify":
        this.host.notifyAll(update.type, "");
        break;
      case "perf":
        // Daemons report to the active manager only (MMgrReport); a standby keeps no counters.
        if (this.isActive()) this.#ingest(update.reports);
        break;
      case "clog":
        // Only the active manager's modules hear the cluster log (a standby runs none).
        if (this.isActive()) this.host.notifyAll("clog", update.entry as unknown as string);
        break;
    }
  }

  #ingest(reports: readonly PerfReportBatch[]): void {
    const stamp = this.clock.now();
    for (const report of reports) {
      let schema = this.#schemas.get(report.schema);
      if (!schema) this.#schemas.set(report.schema, schema = schemaFromColumns(report.schema));
      for (const row of report.rows) {
        const daemon = report.daemons[row]!;
        if (!this.perf.has(daemon)) this.perf.registerSchema(daemon, schema);
      }
      this.perf.ingestBatch(report, stamp);
    }
  }

  /** The daemon index (metadata, servers), rebuilt when the cluster's daemons may have changed. */
  daemonIndex(): DaemonIndex {
    const state = this.clusterState;
    if (!state) return this.#daemonIndex;
    const version = state.version("osd_metadata");
    if (version !== this.#daemonIndexVersion) {
      const index = new DaemonIndex();
      for (const daemon of state.daemonNames()) {
        const meta = state.metadata(daemon);
        if (meta) index.setMetadata(daemon, meta);
        const status = state.daemonStatus(daemon);
        if (status) index.setDaemonStatus(daemon, status);
      }
      index.setMetadata(`mgr.${this.id}`, this.metadata);
      this.#daemonIndex = index;
      this.#daemonIndexVersion = version;
    }
    return this.#daemonIndex;
  }

  #setConfig(entries: readonly ConfigEntry[]): void {
    const config = new Map<string, Map<string, string>>();
    for (const e of entries) {
      if (e.mask !== "") continue;
      let section = config.get(e.section);
      if (!section) config.set(e.section, section = new Map());
      section.set(e.name, e.value);
    }
    this.#config = config;
  }

  /** The value this daemon sees for a config name: `mgr.<id>`, then `mgr`, then `global`. */
  #configValue(name: string): string | undefined {
    return this.#config.get(`mgr.${this.id}`)?.get(name) ??
      this.#config.get("mgr")?.get(name) ??
      this.#config.get("global")?.get(name);
  }

  #moduleOptionText(module: string, key: string, localizedFor?: string): string | undefined {
    if (localizedFor !== undefined) {
      const localized = this.#configValue(`mgr/${module}/${localizedFor}/${key}`);
      if (localized !== undefined) return localized;
    }
    return this.#configValue(`mgr/${module}/${key}`);
  }

  #cephOptionText(key: string): string | undefined {
    return this.#configValue(key) ?? cephOptionSchema(key)?.default;
  }

  /**
   * This daemon's running configuration from the mon (`config show`): every name the config DB
   * sets for `global`, `mgr` or `mgr.<id>`, the most specific section winning.
   */
  runningConfig(): Map<string, string> {
    const running = new Map<string, string>();
    for (const section of ["global", "mgr", `mgr.${this.id}`]) {
      for (const [name, value] of this.#config.get(section) ?? []) running.set(name, value);
    }
    return new Map([...running].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** A daemon option typed by its schema; undefined when the option does not exist. */
  cephOption(key: string): string | number | boolean | undefined {
    const schema = cephOptionSchema(key);
    const text = this.#configValue(key) ?? schema?.default;
    if (text === undefined || schema === undefined) return undefined;
    return typedOptionValue(schema.type, text);
  }

  #moduleContext(record: ModuleRecord, log: ModuleLogger, signal: AbortSignal): ModuleContext {
    const module = record.name;
    const prefix = `mgr/${module}/`;
    const ctx: ModuleContext & { options: ReadonlyMap<string, unknown> } = {
      moduleName: module,
      mgrId: this.id,
      clock: this.clock,
      log,
      shutdownSignal: signal,
      options: record.options,
      childLogger: (name) => this.log.moduleLogger(module, name),
      haveMonConnection: () => this.link.connected(),
      cephOption: (key) => this.cephOption(key),
      moduleOptionText: (m, key, localizedFor) => this.#moduleOptionText(m, key, localizedFor),
      setModuleOptionText: async (m, key, value) => {
        const name = `mgr/${m}/${key}`;
        const result = value === null
          ? await this.link.monCommand({ prefix: "config rm", who: "mgr", name }, "", this.#asMgr)
          : await this.link.monCommand(
            { prefix: "config set", who: "mgr", name, value },
            "",
            this.#asMgr,
          );
        if (result.r !== 0) {
          throw new Error(result.outs || `config set ${name} failed: ${result.r}`);
        }
        // The mon pushes the change too; applying it here makes the write visible at once.
        let section = this.#config.get("mgr");
        if (!section) this.#config.set("mgr", section = new Map());
        if (value === null) section.delete(name);
        else section.set(name, value);
      },
      storeGet: (key) => this.#kv.get(prefix + key),
      storePrefix: (p) => {
        const out: Record<string, string> = {};
        const full = prefix + p;
        for (const [k, v] of [...this.#kv].sort(([a], [b]) => (a < b ? -1 : 1))) {
          if (k.startsWith(full)) out[k.slice(prefix.length)] = v;
        }
        return out;
      },
      storeSet: async (key, value) => {
        const full = prefix + key;
        // Visible to the module at once, as in Ceph; the promise resolves after the commit.
        if (value === null) this.#kv.delete(full);
        else this.#kv.set(full, value);
        const result = value === null
          ? await this.link.monCommand({ prefix: "config-key rm", key: full }, "", this.#asMgr)
          : await this.link.monCommand(
            { prefix: "config-key set", key: full, val: value },
            "",
            this.#asMgr,
          );
        if (result.r !== 0) {
          log.error(`set_store ${key}: mon answered ${result.r}: ${result.outs}`);
        }
      },
      monCommand: (cmd, inbuf, options) =>
        this.link.monCommand(cmd, inbuf, { ...options, entity: `mgr.${this.id}` }),
      // A daemon's command travels with its target, as librados' json_command carries one.
      daemonCommand: (type, id, cmd, inbuf) =>
        this.link.monCommand(
          type === "mon" ? cmd : { ...cmd, target: [type, id] },
          inbuf,
          this.#asMgr,
        ),
      notifyCommand: (tag) => this.host.notifyAll("command", tag),
      setHealthChecks: (checks) => {
        this.host.setHealthChecks(module, checks);
      },
      setUri: (uri) => {
        this.#services.set(module, uri);
        void this.#beacon();
      },
      activeUri: () => this.#mgrMap.services[module] ?? "",
      clusterLog: (channel, priority, message) => this.clusterLog(channel, priority, message),
      updateProgress: (id, message, progress, addToCephS) => {
        const started = this.progressEvents.get(id)?.started ?? this.clock.now();
        this.progressEvents.set(id, {
          message,
          progress: Math.min(1, Math.max(0, progress)),
          add_to_ceph_s: addToCephS,
          started,
        });
      },
      completeProgress: (id) => void this.progressEvents.delete(id),
      clearProgress: () => this.progressEvents.clear(),
      remote: (m, method, args) => this.host.remote(m, method, args),
      get: (name, mutable) => this.get(name, mutable),
      daemonHealthMetrics: () => this.clusterState?.daemonHealthMetrics() ?? {},
      daemons: () => this.daemonIndex(),
      perf: this.perf,
    };
    return ctx;
  }

  /** `get(name)` (spec §10): frozen, shared snapshots; `mutable` gives a private copy. */
  get(name: string, mutable = false): unknown {
    switch (name) {
      case "mgr_map":
        return mutable ? structuredClone(this.#mgrMap) : this.#mgrMap;
      case "mgr_ips":
        return { ips: [this.metadata.addr ?? "127.0.0.1"] };
      case "health":
        return { json: JSON.stringify(this.health()) };
      case "config":
        return Object.fromEntries(this.runningConfig());
      case "pg_ready":
        return { pg_ready: this.clusterState !== undefined };
      case "have_local_config_map":
        return { have_local_config_map: true };
    }
    if (name.startsWith("device ")) {
      const devid = name.slice("device ".length);
      const devices = this.views.get("devices") as { devices?: { devid: string }[] } | null;
      const device = devices?.devices?.find((d) => d.devid === devid);
      return device ? { device: mutable ? structuredClone(device) : device } : {};
    }
    try {
      return mutable ? this.views.mutable(name) : this.views.get(name);
    } catch (e) {
      this.#daemonLog.error(`get('${name}') failed: ${(e as Error).stack}`);
      return null;
    }
  }

  /**
   * Writes an entry to the cluster log: to the mon, which keeps it for `log last` and sends it
   * back to the managers (the modules listening for `clog` hear it then), and to the daemon log.
   */
  clusterLog(channel: string, priority: string, message: string): void {
    const entry: ClusterLogEntry = {
      name: `mgr.${this.id}`,
      rank: `mgr.${this.gid}`,
      addrs: { addrvec: [] },
      stamp: cephStamp(this.clock.now()),
      seq: ++this.#clusterLogSeq,
      channel,
      priority: CLOG_PRIORITY[priority] ?? priority,
      message,
    };
    const line = `cluster log [${channel}] ${entry.priority}: ${message}`;
    if (entry.priority === "[DBG]") this.#daemonLog.debug(line);
    else this.#daemonLog.info(line);
    this.link.clusterLog(entry);
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
    const sets: Record<string, HealthCheck>[] = [
      this.clusterState?.health() ?? {},
      this.host.moduleHealth(),
      this.host.hostHealth(),
    ];
    const { report, mutes } = applyMutes(healthReport(...sets), this.#mutes, this.clock.now());
    this.#mutes = mutes;
    return report;
  }

  /** `health mute <code> [<ttl>] [--sticky]`: the check must be raised now. */
  mute(code: string, ttlSeconds: number | undefined, sticky: boolean): MonCommandResult {
    const check = this.health().checks[code];
    // HealthMonitor: only a sticky mute may wait for a check that is not raised yet.
    if (!check && !sticky) {
      return { r: -ENOENT, outb: "", outs: `health alert ${code} is not currently raised` };
    }
    this.#mutes = [
      ...this.#mutes.filter((m) => m.code !== code),
      {
        code,
        ...(ttlSeconds !== undefined ? { ttl: this.clock.now() + ttlSeconds } : {}),
        sticky,
        summary: check?.summary.message ?? "",
        count: check?.summary.count ?? 0,
      },
    ].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
    return { r: 0, outb: "", outs: "" };
  }

  /** `health unmute [<code>]`: one mute, or all. */
  unmute(code: string | undefined): MonCommandResult {
    this.#mutes = code === undefined ? [] : this.#mutes.filter((m) => m.code !== code);
    return { r: 0, outb: "", outs: "" };
  }

  /**
   * Every command the manager answers, by prefix: its own (and those given in the options), every
   * loaded module's (enabled or not, so a disabled module's command gets Ceph's message), and the
   * mon's. Built once, and again when modules appear.
   */
  #commandTable(): Map<string, CommandEntry> {
    if (this.#commands) return this.#commands;
    const table = new Map<string, CommandEntry>();
    for (const sig of this.link.monCommands()) {
      const desc = parseSignature(sig.sig, {
        help: sig.help,
        perm: sig.perm,
        flags: sig.flags,
        module: "mon",
      });
      table.set(desc.prefix, { desc, owner: { kind: "mon" } });
    }
    for (const record of this.host.records.values()) {
      for (const command of record.commands) {
        table.set(command.desc.prefix, {
          desc: command.desc,
          owner: { kind: "module", target: { module: record.name, command } },
        });
      }
    }
    for (const local of [...this.#builtinCommands(), ...this.#extraCommands]) {
      table.set(local.desc.prefix, { desc: local.desc, owner: { kind: "local", command: local } });
    }
    return this.#commands = table;
  }

  /** The descriptors of every command, for clients (`GET /api/v1/commands`). */
  descriptors(): CommandDescriptor[] {
    return [...this.#commandTable().values()].map((e) => e.desc);
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
    const prefix = cmd.prefix;
    if (typeof prefix !== "string" || prefix.trim() === "") {
      return { r: -EINVAL, outb: "", outs: "command has no prefix" };
    }
    const entry = this.#commandTable().get(prefix);
    if (!entry) return { r: -EINVAL, outb: "", outs: `No handler found for '${prefix}'` };
    const checked = validateCommand(entry.desc, cmd);
    if (!checked.ok) {
      return {
        r: -EINVAL,
        outb: "",
        outs: `Invalid command: ${checked.error}\n${usageLine(entry.desc)} :  ${entry.desc.help}`,
      };
    }
    const audit = `from='client.? 127.0.0.1:0/0' entity='${caller.entity}' cmd=[${
      pythonDumps(checked.cmd)
    }]`;
    if (!capsAllow(caller.caps, entry.desc.perm)) {
      this.clusterLog("audit", "info", `${audit}:  access denied`);
      return { r: -EACCES, outb: "", outs: "access denied" };
    }
    const owner = entry.owner;
    // DaemonServer's note of the commands the manager answers itself; the mon notes its own.
    if (owner.kind !== "mon") this.clusterLog("audit", "debug", `${audit}: dispatch`);
    switch (owner.kind) {
      case "module":
        return await this.host.command(owner.target, checked.cmd, inbuf);
      case "local":
        return await owner.command.run(checked.cmd, inbuf, caller);
      case "mon":
        return await this.link.monCommand(checked.cmd, inbuf, { entity: caller.entity });
    }
  }

  /** Runs a command as `client.admin` (in-process callers and tests). */
  command(cmd: Record<string, unknown>, inbuf = ""): Promise<MonCommandResult> {
    return this.run(cmd, inbuf, ADMIN);
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
    });
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
