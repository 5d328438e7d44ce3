/**
 * The Worker a third-party module runs in (core/module_worker/isolated_module.ts starts it):
 * imports the module, builds its instance on a {@linkcode ModuleContext} whose every call
 * crosses to the manager, and runs what the host asks (`serve`, `notify`, commands, `remote`).
 * Its thread is its own: a module that computes without yielding stops only itself.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import type { ModuleContext } from "../module_context.ts";
import type { ModuleLogger } from "../logging.ts";
import type { PerfCounterStore } from "../state/perf_counters.ts";
import type { DaemonIndex } from "../state/daemon_state.ts";
import type { OsdPerfCollector } from "../osd_perf_collector.ts";
import type { RadosPort } from "../rados_port.ts";
import type { CephFsPort } from "../cephfs_port.ts";
import type { Random } from "../random.ts";
import { HandleCommandResult, type MgrModule, type NotifyType } from "../mgr_module.ts";
import { inspectModule } from "../module_loader.ts";
import { deepFreeze } from "../state/snapshot_cache.ts";
import { EINVAL } from "../../ceph/errno.ts";
import {
  BEAT_MS,
  CTRL,
  fromWire,
  type FromWorker,
  readAnswer,
  type SyncBuffers,
  toWire,
  type ToWorker,
} from "./protocol.ts";
import type { PyLogLevel } from "../logging.ts";
import { keepStdoutForFrames, messageFrame, writeLocked } from "./pipe_frames.ts";

type Init = Extract<ToWorker, { t: "init" }>;

/** To the manager: by postMessage, or as a frame on the process's stdout (see ToWorker). */
let post = (m: FromWorker) => self.postMessage(m);

let buffers: SyncBuffers;
let ctrl: Int32Array;
let versions: Int32Array;

/** A synchronous call to the manager: blocks this thread until it has answered. */
function sync(op: string, args: unknown[]): unknown {
  Atomics.store(ctrl, CTRL.STATE, 0);
  Atomics.store(ctrl, CTRL.WAITING, 1);
  post({ t: "sync", op, args });
  Atomics.wait(ctrl, CTRL.STATE, 0);
  Atomics.store(ctrl, CTRL.WAITING, 0);
  // Counted as a turn: the time the manager took to answer is not the module's.
  Atomics.add(ctrl, CTRL.BEAT, 1);
  return readAnswer(buffers, ctrl);
}

const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
let nextId = 1;

/** An asynchronous call to the manager; `signal` stops waiting (the manager is told). */
function call(op: string, args: unknown[], signal?: AbortSignal): Promise<unknown> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return resolve(undefined);
    const onAbort = () => {
      pending.delete(id);
      post({ t: "cancel", id });
      resolve(undefined);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    pending.set(id, {
      resolve: (v) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(v);
      },
      reject: (e) => {
        signal?.removeEventListener("abort", onAbort);
        reject(e);
      },
    });
    post({ t: "call", id, op, args });
  });
}

const send = (op: string, args: unknown[]) => post({ t: "send", op, args });

/**
 * `get(name)` answers kept here, each valid while its version word (which the manager bumps
 * when the name changes) stays what it was: an unchanged `get()` is a Map lookup and one
 * atomic read, as in the manager it is a lookup and a version compare.
 */
const cached = new Map<string, { slot: number; version: number; value: unknown }>();

function get(name: string, mutable?: boolean): unknown {
  if (!mutable) {
    const hit = cached.get(name);
    if (hit !== undefined && Atomics.load(versions, hit.slot) === hit.version) return hit.value;
  }
  const value = sync("get", [name, mutable === true]);
  if (mutable) return value;
  const slot = ctrl[CTRL.SLOT]!;
  // Frozen, as the manager's snapshots are: a module that edits one edits its own copy only
  // when it asked for one (`mutable`).
  deepFreeze(value);
  if (slot >= 0) cached.set(name, { slot, version: ctrl[CTRL.VERSION]!, value });
  return value;
}

/** A logger whose records go to the manager's log of the module. */
function logger(child: string | undefined): ModuleLogger {
  const log = (level: PyLogLevel, message: string) =>
    send("log", [child ?? null, level, String(message)]);
  const l = {
    get name() {
      return sync("logName", [child ?? null]) as string;
    },
    get level() {
      return sync("logLevel", [child ?? null]) as PyLogLevel;
    },
    isEnabledFor: (level: PyLogLevel) => sync("logEnabled", [child ?? null, level]) as boolean,
    log,
    debug: (m: string) => log("DEBUG", m),
    info: (m: string) => log("INFO", m),
    warning: (m: string) => log("WARNING", m),
    warn: (m: string) => log("WARNING", m),
    error: (m: string) => log("ERROR", m),
    critical: (m: string) => log("CRITICAL", m),
    exception: (m: string, error?: unknown) =>
      log("ERROR", m + (error instanceof Error ? `\n${error.stack ?? error.message}` : "")),
  };
  return l as unknown as ModuleLogger;
}

/** An object whose every method is a synchronous call `op` with the method's name. */
function syncObject<T>(op: string): T {
  return new Proxy({}, {
    get: (_, method) =>
      typeof method === "string" ? (...args: unknown[]) => sync(op, [method, args]) : undefined,
  }) as T;
}

function context(init: Init, options: ReadonlyMap<string, unknown>, abort: AbortController) {
  const rados: RadosPort = {
    operate: (pool, nspace, op, timeout) =>
      call("rados", [pool, nspace, op, timeout]) as ReturnType<RadosPort["operate"]>,
  };
  const cephfs: CephFsPort = {
    operate: (fsName, op) => call("cephfs", [fsName, op]) as ReturnType<CephFsPort["operate"]>,
    release: (fsName) => call("cephfsRelease", [fsName]) as Promise<void>,
  };
  // The manager's Random port, a synchronous round trip per fill (a UUID's 16 bytes).
  const random: Random = {
    fill: (b) => void b.set(sync("randomBytes", [b.length]) as Uint8Array),
  };
  const ctx: ModuleContext & { options: ReadonlyMap<string, unknown> } = {
    moduleName: init.module,
    mgrId: init.mgrId,
    clock: {
      now: () => sync("now", []) as number,
      sleep: async (seconds: number, signal?: AbortSignal) => {
        await call("sleep", [seconds], signal);
        enter("a step after sleep()");
      },
    },
    log: logger(undefined),
    shutdownSignal: abort.signal,
    options,
    childLogger: (name) => logger(name),
    haveMonConnection: () => sync("haveMonConnection", []) as boolean,
    cephOption: (key) => sync("cephOption", [key]) as ReturnType<ModuleContext["cephOption"]>,
    foreignCephOption: (entity, key) =>
      sync("foreignCephOption", [entity, key]) as ReturnType<ModuleContext["foreignCephOption"]>,
    setDeviceWearLevel: (devid, level) =>
      call("setDeviceWearLevel", [devid, level]) as Promise<void>,
    isAuthorized: (args) => sync("isAuthorized", [args]) as boolean,
    moduleOptionText: (m, key, localizedFor) =>
      sync("moduleOptionText", [m, key, localizedFor]) as string | undefined,
    setModuleOptionText: (m, key, value) =>
      call("setModuleOptionText", [m, key, value]) as Promise<void>,
    storeGet: (key) => sync("storeGet", [key]) as string | undefined,
    storePrefix: (p) => sync("storePrefix", [p]) as Record<string, string>,
    storeSet: (key, value) => call("storeSet", [key, value]) as Promise<void>,
    monCommand: (cmd, inbuf, options) =>
      call("monCommand", [cmd, inbuf, options]) as ReturnType<ModuleContext["monCommand"]>,
    daemonCommand: (type, id, cmd, inbuf) =>
      call("daemonCommand", [type, id, cmd, inbuf]) as ReturnType<
        ModuleContext["daemonCommand"]
      >,
    notifyCommand: (tag) => send("notifyCommand", [tag]),
    setHealthChecks: (checks) => send("setHealthChecks", [checks]),
    setUri: (uri) => send("setUri", [uri]),
    clusterLog: (channel, priority, message) => send("clusterLog", [channel, priority, message]),
    updateProgress: (id, message, progress, addToCephS) =>
      send("updateProgress", [id, message, progress, addToCephS]),
    completeProgress: (id) => send("completeProgress", [id]),
    clearProgress: () => send("clearProgress", []),
    activeUri: () => sync("activeUri", []) as string,
    remote: (m, method, args) => call("remote", [m, method, args]),
    get,
    daemonHealthMetrics: () =>
      sync("daemonHealthMetrics", []) as ReturnType<ModuleContext["daemonHealthMetrics"]>,
    daemons: (() => {
      const index = syncObject<DaemonIndex>("daemons");
      return () => index;
    })(),
    perf: syncObject<PerfCounterStore>("perf"),
    rados: () => (sync("hasRados", []) ? rados : undefined),
    cephfs: () => (sync("hasCephFs", []) ? cephfs : undefined),
    random: () => (sync("hasRandom", []) ? random : undefined),
    ...(init.has.osdPerfStats
      ? {
        osdPerfStats: () =>
          sync("osdPerfStats", []) as ReturnType<NonNullable<ModuleContext["osdPerfStats"]>>,
      }
      : {}),
    ...(init.has.daemonHealthBulk
      ? {
        daemonHealthBulk: () =>
          sync("daemonHealthBulk", []) as ReturnType<
            NonNullable<ModuleContext["daemonHealthBulk"]>
          >,
      }
      : {}),
    ...(init.has.osdPerfQueries
      ? {
        osdPerfQueries: (() => {
          const collector = syncObject<OsdPerfCollector>("osdPerfQueries");
          return () => collector;
        })(),
      }
      : {}),
  };
  return ctx;
}

/** Module code gets the thread: what the manager names if it does not give it back. */
function enter(what: string): void {
  post({ t: "enter", what });
}

let instance: MgrModule | undefined;
let abort: AbortController | undefined;

async function run(op: Extract<ToWorker, { t: "run" }>): Promise<unknown> {
  const m = instance!;
  const args = op.args;
  switch (op.op) {
    case "serve":
      enter("serve()");
      return await m.serve();
    case "notify":
      enter(`notify(${args[0]})`);
      return await m.notify(args[0] as NotifyType, args[1] as string);
    case "config_notify":
      enter("config_notify()");
      return await m.config_notify();
    case "shutdown":
      enter("shutdown()");
      return await m.shutdown();
    case "handle_command": {
      enter(`command '${args[2]}'`);
      return triple(await m.handle_command(args[0] as string, args[1] as Record<string, unknown>));
    }
    case "command": {
      const [method, cmdArgs, inbuf, prefix] = args as [
        string,
        Record<string, unknown>,
        string,
        string,
      ];
      const handler = (m as unknown as Record<string, unknown>)[method];
      if (typeof handler !== "function") throw new Error(`handler ${method} is gone`);
      // A handler declared without the inbuf parameter cannot take -i input (as in Ceph).
      if (inbuf !== "" && handler.length < 2) {
        return [-EINVAL, "", "Invalid command: Input file data (-i) not supported"];
      }
      enter(`command '${prefix}'`);
      return triple(await handler.call(m, cmdArgs, inbuf));
    }
    case "remote": {
      const [method, remoteArgs] = args as [string, unknown[]];
      const fn = (m as unknown as Record<string, unknown>)[method];
      if (typeof fn !== "function") return { missing: true };
      enter(`remote ${method}()`);
      return { value: await fn.apply(m, remoteArgs) };
    }
  }
}

/** A command's answer as it crosses: a HandleCommandResult becomes its triple. */
function triple(result: unknown): unknown {
  return result instanceof HandleCommandResult ? [...result] : result;
}

async function start(init: Init): Promise<void> {
  buffers = init.buffers;
  ctrl = new Int32Array(buffers.control);
  versions = new Int32Array(buffers.versions);
  if (init.stdoutLock) {
    const lock = new Int32Array(init.stdoutLock);
    post = (m) => {
      try {
        writeLocked(lock, [messageFrame(m)]);
      } catch (e) {
        // The manager has stopped listening (it is ending this process): nothing to tell.
        if (!(e instanceof Deno.errors.BrokenPipe)) throw e;
      }
    };
    await keepStdoutForFrames();
  }
  // A heartbeat in wall time, not the Clock port: what the manager watches is whether this
  // thread still turns (a module spinning stops it), as core/stall_watch.ts measures a slice
  // by the wall clock. Workers run only under mgrd serve, never in a simulated run.
  setInterval(() => Atomics.add(ctrl, CTRL.BEAT, 1), BEAT_MS);
  try {
    const url = new URL(
      `file://${init.source.startsWith("/") ? "" : Deno.cwd() + "/"}${init.source}`,
    );
    const exports = await import(url.href) as Record<string, unknown>;
    const record = inspectModule(init.module, init.source, exports);
    if (!record.loaded || !record.cls) throw new Error(record.errorString);
    abort = new AbortController();
    enter("its constructor");
    instance = new record.cls(init.module, context(init, record.options, abort));
    // A turn counted before any command can run: a module that spins in the first one it gets,
    // before the heartbeat's first tick, is otherwise taken for one still loading.
    Atomics.add(ctrl, CTRL.BEAT, 1);
    post({ t: "ready" });
  } catch (e) {
    post({ t: "broken", error: toWire(e) });
  }
}

self.addEventListener("unhandledrejection", (e) => {
  e.preventDefault();
  post({ t: "uncaught", kind: "unhandled rejection", text: errorText(e.reason) });
});
self.addEventListener("error", (e) => {
  e.preventDefault();
  post({ t: "uncaught", kind: "uncaught exception", text: errorText(e.error ?? e.message) });
});

function errorText(e: unknown): string {
  return e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const m = event.data;
  switch (m.t) {
    case "init":
      void start(m);
      return;
    case "reply": {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(fromWire(m.error));
      return;
    }
    case "abort":
      abort?.abort();
      return;
    case "run":
      run(m).then(cloneable).then(
        (value) => post({ t: "done", id: m.id, ok: true, value }),
        (e) => post({ t: "done", id: m.id, ok: false, error: toWire(e) }),
      );
      return;
  }
};

/** What a module returned, as it can cross (a function or class instance cannot). */
function cloneable(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch (e) {
    throw new Error(`the result cannot be passed between modules: ${(e as Error).message}`);
  }
}
