/**
 * The module host (spec §1.4, §1.5): runs the enabled modules, one instance each, delivers
 * notify / config_notify / commands through each module's own queue, marks a module whose
 * `serve()` throws as failed, and raises MGR_MODULE_ERROR / MGR_MODULE_DEPENDENCY.
 *
 * @module
 */
import { RemoteError } from "./remote_error.ts";
export { RemoteError };
import { capsAllow } from "../ceph/mgr_cap.ts";
import type { Clock } from "./clock.ts";
import { EINVAL, EIO, EOPNOTSUPP, ETIMEDOUT } from "../ceph/errno.ts";
import { STALL_FAIL_MS, STALL_WARN_MS, type WallTime } from "./stall_watch.ts";
import type { HealthCheck } from "./health.ts";
import { normaliseHealthChecks } from "./health.ts";
import type { DaemonLog, ModuleLogger } from "./logging.ts";
import { levelFromDebugMgr, type PyLogLevel } from "./logging.ts";
import type { ModuleContext } from "./module_context.ts";
import type { ModuleCommand, ModuleRecord } from "./module_loader.ts";
import {
  type CommandReturn,
  HandleCommandResult,
  MgrModule,
  type NotifyType,
} from "./mgr_module.ts";
import type { MonCommandResult } from "./cluster_link.ts";
import { SerialQueue } from "./serial_queue.ts";
import {
  FINISHER_COUNTERS,
  finisherCounters,
  type OwnPerfCounters,
  type PerfLogger,
} from "./own_perf_counters.ts";
import { typedOptionValue } from "./module_options.ts";
import { claimUncaught, errorText, type UncaughtKind } from "./uncaught.ts";
import { IsolatedModule, type ModuleIsolation } from "./module_worker/isolated_module.ts";
export type { ModuleIsolation };

/** What the host needs from the manager around it. */
export interface HostServices {
  clock: Clock;
  mgrId: string;
  log: DaemonLog;
  /** Seconds a module gets to stop before the host moves on. */
  shutdownGraceSeconds: number;
  /** Builds the context of one module instance. */
  context(record: ModuleRecord, log: ModuleLogger, signal: AbortSignal): ModuleContext;
  /** The stored text of a module option (for the logging options). */
  moduleOptionText(module: string, key: string): string | undefined;
  /** The daemon's `debug_mgr`. */
  debugMgr(): string | undefined;
  /** Writes to the cluster log. */
  clusterLog(channel: string, priority: string, message: string): void;
  /**
   * Seconds a command waits for its module before it answers -ETIMEDOUT
   * ({@linkcode DEFAULT_COMMAND_TIMEOUT_SECONDS} by default).
   */
  commandTimeoutSeconds?: number;
  /** Real time, to notice modules that hold the thread (core/stall_watch.ts); none: no watch. */
  wallTime?: WallTime;
  /** The daemon's own perf counters: each running module's queue is a `finisher-<module>`. */
  perf?: OwnPerfCounters;
  /**
   * Runs the modules it chooses each in a Worker of its own (core/module_worker/); none: every
   * module runs in this isolate.
   */
  isolation?: ModuleIsolation;
}

/** Seconds a module command may take before it answers -ETIMEDOUT. */
export const DEFAULT_COMMAND_TIMEOUT_SECONDS = 60;

/** Notifications queued for a module that does not take them (it hangs) before they are dropped. */
const MAX_QUEUED = 1000;

/** One running module. */
interface ActiveModule {
  record: ModuleRecord;
  /** The module's instance, or, for a module in a Worker, what stands for it here. */
  instance: MgrModule | IsolatedModule;
  queue: SerialQueue;
  /** The queue's `finisher-<module>` counters, while the module runs. */
  finisher: PerfLogger | undefined;
  abort: AbortController;
  serveTask: Promise<void>;
  failed: boolean;
  error: string;
  dead: boolean;
  health: Record<string, HealthCheck>;
  logState: { level: string; toFile: boolean; toCluster: boolean };
  /** Faults injected by the simulator. */
  faults: Set<string>;
  /** What of the module's queue is running now, and since when (clock seconds). */
  busy: { what: string; since: number } | undefined;
  /** Notifications dropped because the queue was full (logged once per stall). */
  dropped: number;
  /** The caller of the command running now, and its perm (Ceph's m_session), for is_authorized. */
  session: { caps: string; perm: string } | undefined;
  /** Resolves when the module's Worker has been held past the bound (its commands give up). */
  stalled: Promise<void>;
  markStalled: () => void;
}

/** A module command as the host dispatches it. */
export interface ModuleCommandTarget {
  module: string;
  command: ModuleCommand;
}

/** ClusterLogHandler's levelmap: Python levels to the cluster log's priorities. */
const CLUSTER_LOG_PRIORITY: Record<PyLogLevel, string> = {
  DEBUG: "debug",
  INFO: "info",
  WARNING: "warn",
  ERROR: "error",
  CRITICAL: "error",
};

/** Structured clone that turns a failure into a clear error. */
function cloneAcross(value: unknown, what: string): unknown {
  try {
    return structuredClone(value);
  } catch (e) {
    throw new Error(`${what} cannot be passed between modules: ${(e as Error).message}`);
  }
}

/** The latest slice handed to a module, in this process (see ModuleHost.#watchResume). */
let _lastSlice: { end?: number } | undefined;

/** Runs modules; see the module doc. */
export class ModuleHost {
  readonly #svc: HostServices;
  readonly #records: Map<string, ModuleRecord>;
  readonly #active = new Map<string, ActiveModule>();
  readonly #log: ModuleLogger;
  #enabled = new Set<string>();
  #releaseUncaught: (() => void) | undefined;

  constructor(services: HostServices, records: Map<string, ModuleRecord>) {
    this.#svc = services;
    this.#records = records;
    this.#log = services.log.daemonLogger();
    for (const record of records.values()) {
      for (const w of record.warnings) this.#log.warning(w);
      if (!record.loaded) {
        this.#log.error(`module ${record.name} failed to load: ${record.errorString}`);
      }
    }
  }

  /** Every module record, by name. */
  get records(): ReadonlyMap<string, ModuleRecord> {
    return this.#records;
  }

  /** Adds or replaces module records (a module folder appeared at run time). */
  addRecords(records: Iterable<ModuleRecord>): void {
    for (const record of records) {
      if (!this.#active.has(record.name)) this.#records.set(record.name, record);
    }
  }

  /** Names of the modules running now. */
  activeNames(): string[] {
    return [...this.#active.keys()];
  }

  /** Whether the module runs and has not failed. */
  isHealthy(name: string): boolean {
    const m = this.#active.get(name);
    return m !== undefined && !m.failed;
  }

  /** The instance of a running module (tests); undefined for a module in a Worker. */
  instance(name: string): MgrModule | undefined {
    const instance = this.#active.get(name)?.instance;
    return instance instanceof IsolatedModule ? undefined : instance;
  }

  /** The stand-in of a module that runs in a Worker of its own, if it does. */
  isolated(name: string): IsolatedModule | undefined {
    const instance = this.#active.get(name)?.instance;
    return instance instanceof IsolatedModule ? instance : undefined;
  }

  /**
   * Brings the running set in line with the enabled set (the MgrMap's modules plus the
   * always-on ones): starts what is enabled, loaded and can run, stops what is no longer enabled.
   */
  async reconcile(enabled: Iterable<string>): Promise<void> {
    this.#enabled = new Set(enabled);
    const stopping = [...this.#active.keys()].filter((n) => !this.#enabled.has(n));
    await Promise.all(stopping.map((n) => this.stop(n)));
    for (const name of this.#enabled) {
      const record = this.#records.get(name);
      if (record?.loaded && record.canRun && record.cls && !this.#active.has(name)) {
        this.#start(record);
      }
    }
  }

  #start(record: ModuleRecord): void {
    const abort = new AbortController();
    const log = this.#svc.log.moduleLogger(record.name);
    const base = this.#svc.context(record, log, abort.signal);
    const self: { active?: ActiveModule } = {};
    // Each return from sleep() hands the thread to the module again: measure that slice too.
    const ctx = {
      ...base,
      clock: {
        now: () => base.clock.now(),
        sleep: async (seconds: number, signal?: AbortSignal) => {
          await base.clock.sleep(seconds, signal);
          if (self.active) this.#watchResume(self.active, "a step after sleep()");
        },
      },
    };
    let instance: MgrModule | IsolatedModule;
    try {
      // Modules from mgr_module_path run in Workers when the daemon asks (the live daemon
      // does): they are other people's code, and one that spins must not stop ours. The
      // built-in modules are ours, tested not to hold the thread (`mgrd module test`'s
      // responsiveness property), and run here, where get() costs nothing.
      const iso = this.#svc.isolation;
      instance = iso?.isolates(record)
        ? new IsolatedModule(record, base, iso, {
          uncaught: (kind, text) => self.active && this.#isolatedUncaught(self.active, kind, text),
          stalled: (what, ms) => self.active && this.#isolatedStall(self.active, what, ms),
          resumed: (what, ms) => {
            // The module stays failed, as one that held the manager's thread does; health
            // now says how long it held its own.
            if (self.active?.failed) self.active.error = this.#blockedText(what, ms);
          },
        })
        : new record.cls!(record.name, ctx);
    } catch (e) {
      this.#log.error(
        `Failed to run module in active mode ('${record.name}'): ${(e as Error).message}`,
      );
      return;
    }
    // ActivePyModules::start_one: the module's own Finisher, named after it.
    const finisher = this.#svc.perf?.create(`finisher-${record.name}`, FINISHER_COUNTERS);
    let markStalled!: () => void;
    const stalled = new Promise<void>((resolve) => markStalled = resolve);
    const active: ActiveModule = {
      record,
      instance,
      queue: new SerialQueue(
        finisher ? { clock: this.#svc.clock, counters: finisherCounters(finisher) } : undefined,
      ),
      finisher,
      abort,
      serveTask: Promise.resolve(),
      failed: false,
      error: "",
      dead: false,
      health: {},
      logState: { level: "", toFile: false, toCluster: false },
      faults: new Set(),
      busy: undefined,
      dropped: 0,
      session: undefined,
      stalled,
      markStalled,
    };
    self.active = active;
    this.#active.set(record.name, active);
    this.#releaseUncaught ??= claimUncaught(
      (e, kind) => this.#claimUncaught(e, kind),
      (e, kind) =>
        this.#log.error(
          `${kind} raised by no module (mgr.${this.#svc.mgrId} carries on): ${errorText(e)}`,
        ),
    );
    this.#applyLogOptions(active, false);
    this.#log.info(`Starting module ${record.name}`);
    // serve() runs as its own task; a throw marks the module failed, the others run on.
    active.serveTask = (async () => {
      try {
        if (instance instanceof IsolatedModule) {
          try {
            await instance.ready;
          } catch (e) {
            if (!active.dead) this.#fail(active, e, "could not start in its worker");
            return;
          }
          this.#log.info(
            `module ${record.name} runs in a worker of its own${
              instance.pid === undefined ? "" : ` in process ${instance.pid}`
            } (started in ${instance.startupMs?.toFixed(0)} ms)`,
          );
        }
        await this.#timed(active, "serve()", () => instance.serve());
      } catch (e) {
        if (!active.dead) this.#fail(active, e);
      }
    })();
  }

  /**
   * Calls into the module and measures how long its synchronous part kept the thread. Past
   * {@link STALL_FAIL_MS} the module is failed and asked to stop: it could not be interrupted
   * (nothing in one isolate can), but it must not do it again.
   */
  #timed<T>(active: ActiveModule, what: string, call: () => T): T {
    const wall = this.#svc.wallTime;
    if (!wall) return call();
    const t0 = wall.nowMs();
    if (_lastSlice && _lastSlice.end === undefined) _lastSlice.end = t0;
    _lastSlice = undefined;
    wall.enter?.(active.record.name, what);
    try {
      return call();
    } finally {
      wall.leave?.();
      this.#judge(active, what, wall.nowMs() - t0, true);
    }
  }

  /**
   * After sleep() hands the thread back to the module: on the next macrotask, which cannot run
   * before the module yields, how long it kept it. Only an estimate (other work may run before
   * that macrotask, though a slice ends at the latest when the next module's begins), so it is
   * logged, never held against the module.
   */
  #watchResume(active: ActiveModule, what: string): void {
    const wall = this.#svc.wallTime;
    if (!wall) return;
    const t0 = wall.nowMs();
    if (_lastSlice && _lastSlice.end === undefined) _lastSlice.end = t0;
    const slice: { end?: number } = {};
    _lastSlice = slice;
    wall.enter?.(active.record.name, what);
    wall.defer(() => {
      if (_lastSlice === slice) wall.leave?.();
      slice.end ??= wall.nowMs();
      this.#judge(active, what, slice.end - t0, false);
    });
  }

  #judge(active: ActiveModule, what: string, ms: number, exact: boolean): void {
    if (ms <= STALL_WARN_MS) return;
    const seconds = (ms / 1000).toFixed(1);
    if (ms <= STALL_FAIL_MS || !exact || active.dead) {
      this.#log.warning(
        `module ${active.record.name} ${exact ? "held" : "may have held"} the manager's ` +
          `thread for ${seconds}s in ${what}; nothing else ran meanwhile`,
      );
      return;
    }
    if (active.failed) return;
    this.#fail(
      active,
      new Error(
        `blocked the manager for ${seconds}s in ${what} ` +
          "(synchronous code cannot be interrupted; yield with await)",
      ),
    );
    active.abort.abort();
  }

  /**
   * The Worker of a module has not turned for longer than {@link STALL_FAIL_MS}: the module is
   * failed (health says for how long, while it lasts), the commands waiting for it answer
   * ETIMEDOUT, and it is asked to stop. Nothing else waited meanwhile.
   */
  #isolatedStall(active: ActiveModule, what: string, ms: number): void {
    if (active.dead) return;
    active.markStalled();
    if (active.failed) return;
    this.#fail(active, new Error(`${this.#blockedText(what, ms)}`));
    active.abort.abort();
    (active.instance as IsolatedModule).abort();
  }

  #blockedText(what: string, ms: number): string {
    return `blocked its worker for ${(ms / 1000).toFixed(1)}s in ${what} ` +
      "(synchronous code cannot be interrupted; yield with await)";
  }

  #isolatedUncaught(active: ActiveModule, kind: string, text: string): void {
    if (active.dead || active.failed) {
      this.#log.error(`module ${active.record.name}: ${kind} after it stopped: ${text}`);
      return;
    }
    const e = new Error(text.replace(/^\w*Error: /, ""));
    e.stack = text;
    this.#fail(active, e, kind);
  }

  /** Runs one task of the module's queue, noting what runs (for hung-task reports). */
  #queued<T>(active: ActiveModule, what: string, task: () => Promise<T>): Promise<T> {
    return active.queue.run(async () => {
      active.busy = { what, since: this.#svc.clock.now() };
      try {
        return await task();
      } finally {
        active.busy = undefined;
        active.dropped = 0;
      }
    });
  }

  /** Whether a notification may still be queued; logs once when the module stopped taking them. */
  #roomFor(active: ActiveModule, what: string): boolean {
    if (active.queue.pending < MAX_QUEUED) return true;
    if (active.dropped++ === 0) {
      this.#log.error(
        `module ${active.record.name}: ${active.queue.pending} tasks queued behind ` +
          `${active.busy?.what ?? "a task"} that has not returned; dropping ${what} and later ` +
          "notifications until it does",
      );
    }
    return false;
  }

  /**
   * Takes an error nobody caught if it came from one of this host's modules: the module's
   * folder in its stack (or, for modules defined in code, its class in a frame).
   */
  #claimUncaught(e: unknown, kind: UncaughtKind): boolean {
    const text = errorText(e);
    const classes = new Map<string, number>();
    for (const a of this.#active.values()) {
      const n = a.record.cls?.name ?? "";
      classes.set(n, (classes.get(n) ?? 0) + 1);
    }
    for (const active of this.#active.values()) {
      const { record } = active;
      const folder = record.source === "builtin"
        ? `/modules/${record.name}/`
        : record.source.replace(/\/+/g, "/").replace(/^\.\//, "").replace(/[^/]*$/, "");
      const cls = record.cls?.name ?? "";
      const byClass = cls !== "" && cls !== "Module" && classes.get(cls) === 1 &&
        new RegExp(`at (?:async )?${cls}\\.`).test(text);
      if (!text.includes(folder) && !byClass) continue;
      if (active.dead || active.failed) {
        this.#log.error(`module ${record.name}: ${kind} after it stopped: ${text}`);
      } else {
        this.#fail(active, e, kind);
      }
      return true;
    }
    return false;
  }

  /** Marks a module failed because its `serve()` threw (spec §1.5). */
  #fail(active: ActiveModule, e: unknown, how?: string): void {
    const message = e instanceof Error ? e.message : String(e);
    active.failed = true;
    const first = message.split("\n")[0] ?? message;
    active.error = how ? `${how}: ${first}` : first;
    const text = `Unhandled exception from module '${active.record.name}' while running on ` +
      `mgr.${this.#svc.mgrId}: ${active.error}`;
    this.#log.error(text + (e instanceof Error && e.stack ? `\n${e.stack}` : ""));
    this.#svc.clusterLog("cluster", "error", text);
  }

  /** Stops one module: `shutdown()`, then waits up to the grace period for `serve()` to end. */
  async stop(name: string): Promise<void> {
    const active = this.#active.get(name);
    if (!active) return;
    this.#active.delete(name);
    active.abort.abort();
    const isolated = active.instance instanceof IsolatedModule ? active.instance : undefined;
    // A Worker held past the bound would not hear shutdown(): it is ended at once.
    if (isolated?.held()) {
      this.#log.warning(
        `module ${name}: its worker has not turned for ${
          (isolated.held()!.ms / 1000).toFixed(1)
        }s in ${isolated.held()!.what}; ending it` + (isolated.pid !== undefined
          ? ` (SIGKILL to its process, pid ${isolated.pid})`
          : " (Deno's Worker.terminate() cannot interrupt a loop, denoland/deno#35657: its " +
            "thread may run on, unheard, until the loop ends)"),
      );
      active.dead = true;
      isolated.terminate();
    }
    // shutdown() and the end of serve() together get one bounded wait: a module that hangs in
    // either must not keep the daemon from moving on.
    const shutdown = (async () => {
      try {
        if (active.faults.has("shutdown-hang")) await new Promise(() => {});
        await active.instance.shutdown();
      } catch (e) {
        this.#log.error(`module ${name} shutdown() threw: ${(e as Error).message}`);
      }
      active.dead = true;
      await active.serveTask;
    })();
    const grace = new AbortController();
    const timedOut = await Promise.race([
      shutdown.then(() => false),
      this.#svc.clock.sleep(this.#svc.shutdownGraceSeconds, grace.signal).then(() => true),
    ]);
    grace.abort();
    active.dead = true;
    // Whatever the module still does in its Worker ends with the Worker (with its process,
    // when it has one: gone once this resolves).
    isolated?.terminate();
    await isolated?.ended;
    if (timedOut) {
      this.#log.warning(
        `module ${name} did not stop within ${this.#svc.shutdownGraceSeconds}s; moving on`,
      );
    }
    this.#svc.log.setModuleFile(name, false);
    this.#svc.log.setModuleCluster(name, undefined);
    if (active.finisher) this.#svc.perf?.remove(active.finisher);
    this.#log.info(`Stopped module ${name}`);
    if (this.#active.size === 0) {
      this.#releaseUncaught?.();
      this.#releaseUncaught = undefined;
    }
  }

  /**
   * Injects a fault into a running module (the simulator's module faults): `serve-throw` fails
   * it as if `serve()` had thrown; `notify-throw` makes its notifications throw while on;
   * `shutdown-hang` makes its next `shutdown()` never return. Returns false when the module
   * does not run here.
   */
  injectFault(
    name: string,
    fault: "serve-throw" | "notify-throw" | "shutdown-hang",
    on: boolean,
  ): boolean {
    const active = this.#active.get(name);
    if (!active) return false;
    if (!on) {
      active.faults.delete(fault);
      return true;
    }
    active.faults.add(fault);
    if (fault === "serve-throw" && !active.failed) {
      this.#fail(active, new Error("Synthetic exception in serve (injected module fault)"));
    }
    return true;
  }

  /** Stops every module (daemon shutdown). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.#active.keys()].map((n) => this.stop(n)));
  }

  /**
   * Delivers a notification to every running module that listed its type. For `clog`, `id` is
   * the log entry itself (as in Ceph, a dict instead of a string).
   */
  notifyAll(type: NotifyType, id: string): void {
    for (const active of this.#active.values()) {
      if (!active.record.notifyTypes.has(type)) continue;
      if (!this.#roomFor(active, `notify(${type})`)) continue;
      this.#queued(active, `notify(${type})`, async () => {
        if (active.dead) return;
        try {
          if (active.faults.has("notify-throw")) {
            throw new Error(`Synthetic exception in notify (injected module fault)`);
          }
          await this.#timed(active, `notify(${type})`, () => active.instance.notify(type, id));
        } catch (e) {
          this.#log.error(
            `module ${active.record.name} notify(${type}) threw: ${(e as Error).stack}`,
          );
        }
      });
    }
  }

  /** After a configuration change: re-applies logging options, then `config_notify()`. */
  configChanged(): void {
    for (const active of this.#active.values()) {
      if (!this.#roomFor(active, "config_notify()")) continue;
      this.#queued(active, "config_notify()", async () => {
        if (active.dead) return;
        this.#applyLogOptions(active, true);
        try {
          await this.#timed(active, "config_notify()", () => active.instance.config_notify());
        } catch (e) {
          this.#log.error(
            `module ${active.record.name} config_notify() threw: ${(e as Error).stack}`,
          );
        }
      });
    }
  }

  /**
   * Resolves once every queued notify / config_notify / command has run, except in modules
   * whose running task has not returned within the command bound.
   */
  async drained(): Promise<void> {
    // A module whose task has hung past the command bound will not drain: not waited for.
    await Promise.all(
      [...this.#active.values()].map((a) =>
        this.#hungFor(a) === undefined ? a.queue.drained() : undefined
      ),
    );
  }

  #applyLogOptions(active: ActiveModule, announce: boolean): void {
    const name = active.record.name;
    const levelText = (this.#svc.moduleOptionText(name, "log_level") ?? "").trim();
    const toFile = typedOptionValue("bool", this.#svc.moduleOptionText(name, "log_to_file") ?? "");
    const moduleLog = this.#svc.log.moduleLogger(name);
    if (levelText !== active.logState.level) {
      if (levelText === "" && announce) {
        moduleLog.warning("unsetting module log level, falling back to debug_mgr level");
      }
      active.logState.level = levelText;
    }
    const level: PyLogLevel = levelText === ""
      ? levelFromDebugMgr(this.#svc.debugMgr())
      : levelText.toUpperCase() as PyLogLevel;
    this.#svc.log.setModuleLevel(name, level);
    if (toFile !== active.logState.toFile) {
      // Each notice lands in the module's file: before it closes, or once it is open.
      if (!toFile && announce) moduleLog.warning("disabling logging to file");
      this.#svc.log.setModuleFile(name, toFile === true);
      active.logState.toFile = toFile === true;
      if (toFile && announce) moduleLog.warning("enabling logging to file");
    }
    // Ceph's ClusterLogHandler: records at or above log_to_cluster_level, from every logger of
    // the module, go to the cluster log on the module's own channel.
    const toCluster =
      typedOptionValue("bool", this.#svc.moduleOptionText(name, "log_to_cluster") ?? "") === true;
    const clusterText = (this.#svc.moduleOptionText(name, "log_to_cluster_level") ?? "info")
      .trim().toUpperCase();
    const clusterLevel: PyLogLevel = clusterText === "" ? "DEBUG" : clusterText as PyLogLevel;
    // As in Ceph, each notice is written before the change: the one that it stops is the last
    // record the cluster log gets, the one that it starts is not in it.
    if (toCluster !== active.logState.toCluster && announce) {
      moduleLog.warning(`${toCluster ? "enabling" : "disabling"} logging to cluster`);
    }
    active.logState.toCluster = toCluster;
    this.#svc.log.setModuleCluster(
      name,
      toCluster
        ? {
          level: clusterLevel,
          write: (level, message) =>
            this.#svc.clusterLog(name, CLUSTER_LOG_PRIORITY[level], message),
        }
        : undefined,
    );
  }

  /**
   * Whether the caller of the command `name` is running now may do what it asks with these
   * arguments (ActivePyModule::is_authorized): false outside a command. mgrd's caps grant
   * letters only (`allow r`, `allow *`), with no `allow service py ... with` grants for
   * arguments to narrow, so the arguments cannot refuse what the command's perm allowed.
   */
  isAuthorized(name: string, _args: Readonly<Record<string, string>>): boolean {
    const session = this.#active.get(name)?.session;
    return session !== undefined && capsAllow(session.caps, session.perm);
  }

  /** Replaces a module's health checks; returns the problems found in the input. */
  setHealthChecks(name: string, input: unknown): string[] {
    const active = this.#active.get(name);
    const { checks, problems } = normaliseHealthChecks(input);
    for (const p of problems) this.#log.warning(`module ${name}: ${p}`);
    if (active && !active.dead) {
      active.health = checks;
    }
    return problems;
  }

  /** The checks set by running modules, merged. */
  moduleHealth(): Record<string, HealthCheck> {
    const merged: Record<string, HealthCheck> = {};
    for (const active of this.#active.values()) Object.assign(merged, active.health);
    return merged;
  }

  /** Seconds the module's running task has gone past the command bound, if it has. */
  #hungFor(active: ActiveModule): number | undefined {
    if (!active.busy) return undefined;
    const seconds = Math.round(this.#svc.clock.now() - active.busy.since);
    const bound = this.#svc.commandTimeoutSeconds ?? DEFAULT_COMMAND_TIMEOUT_SECONDS;
    return seconds >= bound ? seconds : undefined;
  }

  /** MGR_MODULE_ERROR and MGR_MODULE_DEPENDENCY for enabled modules (spec §6.3). */
  hostHealth(): Record<string, HealthCheck> {
    const failedList: [string, string][] = [];
    const dependency: [string, string][] = [];
    for (const name of [...this.#enabled].sort()) {
      const record = this.#records.get(name);
      const active = this.#active.get(name);
      if (!record) failedList.push([name, "Not found or unloadable"]);
      else if (!record.loaded) failedList.push([name, record.errorString]);
      else if (!record.canRun) dependency.push([name, record.errorString]);
      else if (active?.failed) {
        const held = active.instance instanceof IsolatedModule ? active.instance.held() : undefined;
        failedList.push([name, held ? this.#blockedText(held.what, held.ms) : active.error]);
      } else if (active?.busy && this.#hungFor(active) !== undefined) {
        failedList.push([
          name,
          `${active.busy.what} has not returned for ${this.#hungFor(active)}s`,
        ]);
      }
    }
    const checks: Record<string, HealthCheck> = {};
    if (dependency.length) {
      const lines = dependency.map(([m, e]) => `Module '${m}' has failed dependency: ${e}`);
      checks.MGR_MODULE_DEPENDENCY = {
        severity: "HEALTH_WARN",
        summary: {
          message: lines.length === 1
            ? lines[0]!
            : `${lines.length} mgr modules have failed dependencies`,
          count: lines.length,
        },
        detail: lines.map((message) => ({ message })),
        muted: false,
      };
    }
    if (failedList.length) {
      const lines = failedList.map(([m, e]) => `Module '${m}' has failed: ${e}`);
      checks.MGR_MODULE_ERROR = {
        severity: "HEALTH_ERR",
        summary: {
          message: lines.length === 1 ? lines[0]! : `${lines.length} mgr modules have failed`,
          count: lines.length,
        },
        detail: lines.map((message) => ({ message })),
        muted: false,
      };
    }
    return checks;
  }

  /**
   * Runs a module command through the module's queue, with Ceph's answers for a module that is
   * disabled (-EOPNOTSUPP), failed (-EIO), or whose handler throws (-EINVAL with the error).
   */
  async command(
    target: ModuleCommandTarget,
    cmd: Record<string, unknown>,
    inbuf: string,
    caller?: { caps: string },
  ): Promise<MonCommandResult> {
    const record = this.#records.get(target.module);
    const active = this.#active.get(target.module);
    if (!active) {
      if (this.#enabled.has(target.module) && record && !record.canRun) {
        return {
          r: -EIO,
          outb: "",
          outs: `Module '${target.module}' has experienced an error and cannot handle commands: ` +
            record.errorString,
        };
      }
      return {
        r: -EOPNOTSUPP,
        outb: "",
        outs:
          `Module '${target.module}' is not enabled/loaded (required by command '${target.command.desc.prefix}'): ` +
          `use \`ceph mgr module enable ${target.module}\` to enable it`,
      };
    }
    if (active.failed) {
      return {
        r: -EIO,
        outb: "",
        outs:
          `Module '${target.module}' has experienced an error and cannot handle commands: ${active.error}`,
      };
    }
    const prefix = target.command.desc.prefix;
    const run = this.#queued(active, `command '${prefix}'`, async (): Promise<MonCommandResult> => {
      // Failed while this command waited in the queue (a stall, an uncaught error).
      if (active.failed) return this.#failedAnswer(target.module, active);
      active.session = caller && { caps: caller.caps, perm: target.command.desc.perm };
      try {
        let result: CommandReturn;
        const method = target.command.method;
        const instance = active.instance;
        if (instance instanceof IsolatedModule) {
          const args: Record<string, unknown> = {};
          for (const name of target.command.argNames) {
            if (cmd[name] !== undefined) args[name] = cmd[name];
          }
          result = await this.#timed(
            active,
            `command '${prefix}'`,
            () =>
              method === undefined
                ? instance.handle_command(inbuf, cmd, prefix)
                : instance.command(String(method), args, inbuf, prefix),
          ) as CommandReturn;
        } else if (method !== undefined) {
          const args: Record<string, unknown> = {};
          for (const name of target.command.argNames) {
            if (cmd[name] !== undefined) args[name] = cmd[name];
          }
          const handler = (instance as unknown as Record<string | symbol, unknown>)[method];
          if (typeof handler !== "function") throw new Error(`handler ${String(method)} is gone`);
          // A handler declared without the inbuf parameter cannot take -i input (as in Ceph).
          if (inbuf !== "" && handler.length < 2) {
            return {
              r: -EINVAL,
              outb: "",
              outs: "Invalid command: Input file data (-i) not supported",
            };
          }
          result = await this.#timed(
            active,
            `command '${prefix}'`,
            () => handler.call(instance, args, inbuf),
          );
        } else {
          result = await this.#timed(
            active,
            `command '${prefix}'`,
            () => instance.handle_command(inbuf, cmd),
          );
        }
        return this.#commandResult(target, result);
      } catch (e) {
        const text = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
        // A module stopped while its command ran: its caller has had its answer already.
        if (active.dead) return { r: -EIO, outb: "", outs: text };
        this.#log.error(
          `module ${target.module} command '${target.command.desc.prefix}' threw: ${text}`,
        );
        return { r: -EINVAL, outb: "", outs: text };
      } finally {
        active.session = undefined;
      }
    });
    // The queue is the module's own thread, as in Ceph: a handler that never returns holds the
    // commands behind it. Each answers ETIMEDOUT after the bound instead of waiting for ever.
    const timeout = this.#svc.commandTimeoutSeconds ?? DEFAULT_COMMAND_TIMEOUT_SECONDS;
    const ac = new AbortController();
    const expired = this.#svc.clock.sleep(timeout, ac.signal).then(() => undefined);
    // A module whose Worker is held past the bound answers nothing it waits for: at once.
    const blocked = active.stalled.then(() => "blocked" as const);
    const answer = await Promise.race([run, expired, blocked]);
    ac.abort();
    if (answer === "blocked") {
      const held = (active.instance as IsolatedModule).held();
      const why = held ? `; ${this.#blockedText(held.what, held.ms)}` : `: ${active.error}`;
      this.#log.error(`module ${target.module}: '${prefix}' given up${why}`);
      return {
        r: -ETIMEDOUT,
        outb: "",
        outs: `Module '${target.module}' cannot answer '${prefix}'${why}`,
      };
    }
    if (answer !== undefined) return answer;
    const busy = active.busy;
    const holder = busy
      ? `; it is still running ${busy.what} (for ${
        Math.round(this.#svc.clock.now() - busy.since)
      }s)`
      : "";
    this.#log.error(`module ${target.module}: '${prefix}' timed out after ${timeout}s${holder}`);
    return {
      r: -ETIMEDOUT,
      outb: "",
      outs: `Module '${target.module}' did not answer '${prefix}' within ${timeout}s${holder}`,
    };
  }

  #failedAnswer(module: string, active: ActiveModule): MonCommandResult {
    return {
      r: -EIO,
      outb: "",
      outs:
        `Module '${module}' has experienced an error and cannot handle commands: ${active.error}`,
    };
  }

  #commandResult(target: ModuleCommandTarget, result: unknown): MonCommandResult {
    let triple: unknown[] | undefined;
    if (result instanceof HandleCommandResult) triple = [...result];
    else if (Array.isArray(result) && result.length === 3) triple = result;
    const [r, outb, outs] = triple ?? [];
    if (
      typeof r !== "number" || !Number.isInteger(r) || typeof outb !== "string" ||
      typeof outs !== "string"
    ) {
      this.#log.error(
        `module ${target.module} command '${target.command.desc.prefix}' returned ${
          String(result)
        }`,
      );
      return { r: -EINVAL, outb: "", outs: "command handler returned wrong type" };
    }
    return { r, outb, outs };
  }

  /** `remote(module, method, ...args)` (spec §2.8). */
  async remote(module: string, method: string, args: unknown[]): Promise<unknown> {
    const active = this.#active.get(module);
    if (!active || active.dead) throw new RemoteError("ImportError", "Module not found");
    if (active.instance instanceof IsolatedModule) {
      const cloned = cloneAcross(args, "arguments") as unknown[];
      let answer: { missing?: boolean; value?: unknown };
      try {
        answer = await active.instance.remote(method, cloned);
      } catch (e) {
        const text = e instanceof Error ? (e.stack ?? e.message) : String(e);
        throw new RemoteError("RuntimeError", `Remote method threw exception: ${text}`);
      }
      if (answer.missing) throw new RemoteError("NameError", "Method not found");
      return answer.value;
    }
    const fn = (active.instance as unknown as Record<string, unknown>)[method];
    if (typeof fn !== "function") throw new RemoteError("NameError", "Method not found");
    const cloned = cloneAcross(args, "arguments") as unknown[];
    let result: unknown;
    try {
      result = await fn.apply(active.instance, cloned);
    } catch (e) {
      const text = e instanceof Error ? (e.stack ?? e.message) : String(e);
      throw new RemoteError("RuntimeError", `Remote method threw exception: ${text}`);
    }
    return cloneAcross(result, "the result");
  }
}
