/**
 * The embedded mon: one mon that owns its monitors, as a Ceph mon does: LogMonitor (the cluster
 * log), ConfigKeyService (config-key), MgrMonitor (the MgrMap, beacons), ConfigMonitor (the
 * config DB), HealthMonitor (`health`, mutes) and the Monitor's own `status`, and, when it is
 * the mon of a simulated cluster, OSDMonitor (the OSDMap) and MonmapMonitor (the monmap). It
 * routes each command to its owner by prefix, writes the audit channel's notes of it, and
 * keeps the config DB, the config-key store, the health mutes and the MgrMap in a
 * {@link MonStore}.
 *
 * Everything here is synchronous: a command that changes state has committed before
 * `handleCommand` returns, and subscribers hear of the change right after the commit.
 *
 * @module
 */
import { auditCommand, auditCut } from "../../core/commands/audit_text.ts";
import { pythonDumps } from "../../ceph/format.ts";
import type { HealthCheck, HealthReport } from "../../core/health.ts";
import {
  type ClusterLogEntry,
  type ClusterSnapshot,
  type ClusterUpdate,
  type CommandSignature,
  type ConfigEntry,
  type MonCommandResult,
  permsByPrefix,
} from "../../core/cluster_link.ts";
import type { EntityAddr, MgrMap } from "../../ceph/mgr_map.ts";
import { EINVAL, ENOENT } from "../../ceph/errno.ts";
import { formatJson } from "../../ceph/format.ts";
import { CEPH_VERSION } from "../../ceph/mgr_map.ts";
import type { SimCluster } from "../cluster/cluster.ts";
import {
  configGetMissing,
  daemonJson,
  perfDumpValue,
  perfSchemaValue,
} from "../cluster/osd_tell.ts";
import { clusterGet } from "../cluster/get.ts";
import { HealthMonitor } from "./health_monitor.ts";
import { StatusMonitor } from "./status.ts";
import { ConfigKeyService } from "./config_key_service.ts";
import { ConfigMonitor } from "./config_monitor.ts";
import { type ClogPriority, LogMonitor } from "./log_monitor.ts";
import { MgrMonitor, type MonBeacon } from "./mgr_monitor.ts";
import type { MonOption } from "./mon_options.ts";
import { MonStore } from "./mon_store.ts";
import { MonmapMonitor } from "./monmap_monitor.ts";
import { err, type Monitor, ok, str } from "./monitor.ts";
import { OSDMonitor } from "./osd_monitor.ts";
import { OSDInfoMonitor } from "./osd_info_monitor.ts";
import { MDSMonitor } from "./mds_monitor.ts";
import { OSDPoolMonitor } from "./osd_monitor_pool_commands.ts";
import { OSDCrushMonitor } from "./osd_crush_monitor.ts";
import { SimHostMonitor } from "./sim_host_monitor.ts";

export type { MonBeacon } from "./mgr_monitor.ts";
export { canUpdateAtRuntime, type MonOption } from "./mon_options.ts";

/** Options of an {@link EmbeddedMon}. */
export interface EmbeddedMonOptions {
  /** The modules this release always runs (stored as `always_on_modules["pacific"]`). */
  alwaysOnModules: string[];
  /** Seconds since the epoch, for the mon's own timestamps (MgrMap `active_change`). */
  now: () => number;
  /** Modules enabled in a brand-new MgrMap (Ceph's `mgr_initial_modules`). */
  initialModules?: string[];
  /** The cluster fsid (`config get <who> fsid`). */
  fsid?: string;
  /** The mon's name in what it writes to the cluster log (default `a`, rank 0). */
  name?: string;
  /** The mon's addresses, as its cluster log entries carry them. */
  addrs?: EntityAddr[];
  /**
   * The simulated cluster this is the mon of: its OSDMap and monmap, which OSDMonitor and
   * MonmapMonitor answer for. Without one the mon has no OSD or mon commands.
   */
  cluster?: SimCluster;
}

/**
 * The embedded mon.
 *
 * @example
 * ```ts
 * import { EmbeddedMon } from "./mon.ts";
 * import { MonStore } from "./mon_store.ts";
 * const mon = new EmbeddedMon(MonStore.open(":memory:"), {
 *   alwaysOnModules: ["balancer"],
 *   now: () => 1_700_000_000,
 * });
 * mon.handleCommand({ prefix: "config-key set", key: "mgr/x/k", val: "v" });
 * // { r: 0, outb: "", outs: "set mgr/x/k" }
 * mon.close();
 * ```
 */
export class EmbeddedMon {
  readonly store: MonStore;
  readonly #listeners = new Set<(u: ClusterUpdate) => void>();
  readonly #log: LogMonitor;
  readonly #mgr: MgrMonitor;
  readonly #config: ConfigMonitor;
  readonly #health: HealthMonitor;
  /** The commands of every monitor, in the order the manager publishes them. */
  readonly #commands: readonly CommandSignature[];
  /** The mons' names (the cluster's monmap, or this mon alone). */
  readonly #monNames: readonly string[];
  readonly #cluster: SimCluster | undefined;
  /** Each command's monitor and perm, by prefix. */
  readonly #routes = new Map<string, { monitor: Monitor; perm: string }>();

  constructor(store: MonStore, options: EmbeddedMonOptions) {
    this.store = store;
    const emit = (u: ClusterUpdate) => this.#emit(u);
    const now = options.now;
    this.#log = new LogMonitor({
      now,
      emit,
      name: options.name ?? "a",
      addrs: options.addrs ?? [
        { type: "v2", addr: "127.0.0.1:3300", nonce: 0 },
        { type: "v1", addr: "127.0.0.1:6789", nonce: 0 },
      ],
    });
    this.#mgr = new MgrMonitor(store, {
      alwaysOnModules: options.alwaysOnModules,
      initialModules: options.initialModules ?? [],
      now,
      emit,
      clog: (priority, message) => this.#log.clog(priority, message),
      configValue: (section, name) => this.#config.value(section, name),
      hasOsds: () => (options.cluster?.map.maxOsd ?? 0) > 0,
    });
    this.#config = new ConfigMonitor(store, {
      fsid: options.fsid ?? "00000000-0000-0000-0000-000000000000",
      modules: this.#mgr,
      emit,
      now,
    });
    const configKey = new ConfigKeyService(store, {
      emit,
      monSizeOption: (name) => this.#config.monSizeOption(name),
    });
    const cluster = options.cluster;
    this.#health = new HealthMonitor(store, {
      now,
      emit,
      monChecks: () => ({ ...(cluster?.monHealthChecks() ?? {}), ...this.#mgr.healthChecks() }),
      mgrChecks: () => this.#mgr.mgrHealthChecks(),
    });
    const fsid = options.fsid ?? "00000000-0000-0000-0000-000000000000";
    const status = new StatusMonitor(() => {
      const digest = this.#mgr.mgrDigest();
      return {
        fsid: cluster?.map.fsid ?? fsid,
        health: this.#health.report(),
        mgrMap: this.#mgr.mgrMap(),
        get: (name) => (cluster ? clusterGet(cluster, name) : undefined),
        pgDigest: digest.pg_digest,
        progress: digest.progress_events ?? {},
        now: now(),
      };
    });
    this.#monNames = cluster ? cluster.mons.names : [options.name ?? "a"];
    this.#cluster = cluster;
    const monitors: Monitor[] = [
      this.#log,
      configKey,
      this.#mgr,
      this.#config,
      this.#health,
      status,
      ...(cluster
        ? [
          new OSDMonitor(cluster, {
            configValue: (section, name) => this.#config.value(section, name),
          }),
          new OSDInfoMonitor(cluster),
          new OSDPoolMonitor(cluster),
          new OSDCrushMonitor(cluster),
          new MonmapMonitor(cluster, () => this.#mgrNames()),
          new MDSMonitor(cluster),
          new SimHostMonitor(cluster),
        ]
        : []),
    ];
    this.#commands = monitors.flatMap((m) => m.commands);
    for (const monitor of monitors) {
      for (const [prefix, perm] of permsByPrefix(monitor.commands)) {
        this.#routes.set(prefix, { monitor, perm });
      }
    }
  }

  /**
   * The value daemon `who` (`osd.0`) gets for option `name` from the mon: the config DB's, else
   * the option's default (`config get`); undefined for a name no option has.
   */
  configValue(who: string, name: string): string | undefined {
    const r = this.#config.handle("config get", { prefix: "config get", who, key: name });
    return r.r === 0 ? r.outb.replace(/\n$/, "") : undefined;
  }

  /**
   * A command sent to one mon (`tell mon.<id>`, `target: ["mon", id]`): its admin commands
   * `version`, `config get`, and, of a simulated cluster's mon, `perf dump [<logger>
   * [<counter>]]` and `perf schema` of its counters, answered as json-pretty unless `json` was
   * asked for.
   */
  #tell(target: unknown[], cmd: Record<string, unknown>): MonCommandResult {
    const id = String(target[1] ?? "");
    if (!this.#monNames.includes(id)) {
      return err(-ENOENT, `problem getting command descriptions from mon.${id}`);
    }
    const f = cmd.format === "json" ? "json" : "json-pretty";
    if (cmd.prefix === "version") {
      const version = /^ceph version (\S+)/.exec(CEPH_VERSION)?.[1] ?? "";
      return ok(formatJson({ version, release: "pacific", release_type: "stable" }, f));
    }
    if (cmd.prefix === "config get") {
      const name = str(cmd.var) ?? "";
      const value = this.configValue(`mon.${id}`, name);
      if (value === undefined) return err(-ENOENT, configGetMissing(name));
      return ok(formatJson({ [name]: value }, f));
    }
    const c = this.#cluster;
    if (c && (cmd.prefix === "perf dump" || cmd.prefix === "perf schema")) {
      const perf = c.mons.perf;
      if (cmd.prefix === "perf schema") return ok(daemonJson(cmd, perfSchemaValue(perf)));
      const logger = typeof cmd.logger === "string" ? cmd.logger : undefined;
      const counter = typeof cmd.counter === "string" ? cmd.counter : undefined;
      const row = c.mons.names.indexOf(id);
      return ok(daemonJson(cmd, perfDumpValue(perf, row, logger, counter)));
    }
    return err(-EINVAL, `unknown command prefix ${String(cmd.prefix)}`);
  }

  /** The managers the MgrMap names, the active one first. */
  #mgrNames(): string[] {
    const m = this.#mgr.mgrMap();
    return [
      ...(m.available || m.active_name ? [m.active_name] : []),
      ...m.standbys.map((s) => s.name),
    ]
      .filter((n) => n !== "");
  }

  /** Opens the store at `path` (or `":memory:"`) and starts a mon on it. */
  static open(path: string, options: EmbeddedMonOptions): EmbeddedMon {
    return new EmbeddedMon(MonStore.open(path), options);
  }

  /** Closes the store. */
  close(): void {
    this.store.close();
  }

  // ---------------------------------------------------------------- sessions

  /** The commands this mon answers, in Ceph's signature grammar (MonCommands.h's). */
  monCommands(): readonly CommandSignature[] {
    return this.#commands;
  }

  /** The state a new mon session starts from (deep copies). */
  snapshot(): ClusterSnapshot {
    const mgrKv: Record<string, string> = {};
    for (const k of this.store.kvKeys()) {
      if (k.startsWith("mgr/")) mgrKv[k] = this.store.getKv(k)!;
    }
    return { config: this.configEntries(), mgrMap: this.mgrMap(), mgrKv };
  }

  /** Hears every committed change, synchronously after the commit. Returns the unsubscribe. */
  subscribe(listener: (u: ClusterUpdate) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(u: ClusterUpdate): void {
    for (const l of [...this.#listeners]) l(u);
  }

  /** The current MgrMap (a copy). */
  mgrMap(): MgrMap {
    return this.#mgr.mgrMap();
  }

  /** The config DB in `config dump` order (a copy). */
  configEntries(): ConfigEntry[] {
    return this.#config.configEntries();
  }

  /** The option called `name` (a Ceph option or a module's `mgr/<module>[/<id>]/<opt>`). */
  findOption(name: string): MonOption | undefined {
    return this.#config.findOption(name);
  }

  // ---------------------------------------------------------------- managers

  /**
   * Folds a manager's beacon into the MgrMap; returns whether a new epoch was committed. When
   * the active manager's checks changed, the managers hear `notify('health')`.
   */
  beacon(b: MonBeacon): boolean {
    const checks = this.#mgr.mgrHealthChecks();
    const committed = this.#mgr.beacon(b);
    const now = this.#mgr.mgrHealthChecks();
    if (now !== checks && JSON.stringify(now) !== JSON.stringify(checks)) {
      this.#emit({ kind: "notify", type: "health" });
    }
    return committed;
  }

  /**
   * Holds (or releases) a manager's beacon grace while its session to the mon is down; on
   * release the grace starts afresh.
   */
  holdBeaconGrace(gid: number, held: boolean): void {
    this.#mgr.holdBeaconGrace(gid, held);
  }

  /** The mon's periodic work: MgrMonitor's beacon grace. Returns whether the MgrMap changed. */
  tick(): boolean {
    const checks = this.#mgr.mgrHealthChecks();
    const changed = this.#mgr.tick();
    if (this.#mgr.mgrHealthChecks() !== checks) this.#emit({ kind: "notify", type: "health" });
    return changed;
  }

  /** The active manager's checks, as its last beacon reported them (MgrStatMonitor). */
  mgrHealthChecks(): Record<string, HealthCheck> {
    return this.#mgr.mgrHealthChecks();
  }

  /** The cluster's health report (HealthMonitor): the mon's checks and the manager's, muted. */
  health(): HealthReport {
    return this.#health.report();
  }

  /** The mon's own checks of the managers (MGR_DOWN), as the cluster's health shows them. */
  healthChecks(): Record<string, HealthCheck> {
    return this.#mgr.healthChecks();
  }

  // ---------------------------------------------------------------- commands

  /**
   * Answers one mon command (`{prefix, ...args, format?}`) by the monitor that owns it, as
   * Ceph 16.2 does. A change is committed before this returns.
   */
  handleCommand(
    cmd: Record<string, unknown>,
    inbuf?: string,
    entity = "client.admin",
  ): MonCommandResult {
    if (Array.isArray(cmd.target)) {
      const { target, ...rest } = cmd;
      return this.#tell(target, rest);
    }
    const prefix = str(cmd.prefix) ?? "";
    const route = this.#routes.get(prefix);
    const perm = route?.perm ?? "r";
    this.#audit(cmd, entity, perm, "dispatch");
    const result = route
      ? route.monitor.handle(prefix, cmd, inbuf, entity)
      : err(-EINVAL, "command not known");
    if (result.r === 0) this.#audit(cmd, entity, perm, "finished");
    return result;
  }

  /**
   * The audit channel's note of a command, as Monitor::handle_command writes it: `dispatch`
   * when it arrives (INF for commands that write, DBG for reads), then `finished` when a write
   * has been committed. `perm` is the command's (`r`, `rw`, ...).
   */
  #audit(
    cmd: Record<string, unknown>,
    entity: string,
    perm: string,
    phase: "dispatch" | "finished",
  ): void {
    const write = /[wx]/.test(perm);
    if (phase === "finished" && !write) return;
    const kind = entity.slice(0, Math.max(0, entity.indexOf("."))) || "client";
    // The ceph CLI sends Python's json.dumps of the command; a manager sends compact JSON.
    // Bounded, and without config-key values or keys (core/commands/audit_text.ts).
    const shown = auditCommand(cmd);
    const text = `[${auditCut(kind === "mgr" ? JSON.stringify(shown) : pythonDumps(shown))}]`;
    const who = `from='${kind}.? 127.0.0.1:0/0' entity='${entity}'`;
    this.clog(
      write ? "[INF]" : "[DBG]",
      phase === "dispatch" ? `${who} cmd=${text}: dispatch` : `${who} cmd='${text}': finished`,
      "audit",
    );
  }

  // ---------------------------------------------------------------- cluster log

  /** Takes an entry into the cluster log (LogMonitor), for `log last` and the subscribers. */
  log(entry: ClusterLogEntry): void {
    this.#log.log(entry);
  }

  /** An entry from the mon itself (`mon.a (mon.0)`), stamped now. */
  clog(priority: ClogPriority, message: string, channel = "cluster"): void {
    this.#log.clog(priority, message, channel);
  }
}
