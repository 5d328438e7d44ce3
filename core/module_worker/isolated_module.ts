/**
 * A module in a Worker of its own, as the module host sees it: it takes the place of the module
 * instance (core/module_host.ts), forwards `serve`, `notify`, `config_notify`, `shutdown`,
 * commands and `remote` calls to the Worker (core/module_worker/worker_main.ts), and answers
 * the Worker's SDK calls from the module's context, as an in-process module's calls are.
 *
 * Ceph runs each module in a thread of its own; a Worker is our thread. A module that computes
 * without yielding then holds its Worker only: the manager's thread (mon session, beacon,
 * admin endpoint, the other modules) goes on, notices that the Worker's event loop has stopped
 * turning, reports it, and can end it. Where the Worker runs is the {@linkcode ModulePort}'s
 * business: in the daemon's process (core/module_worker/worker_port.ts), whose
 * `Worker.terminate()` Deno 2.9 does not let stop a loop (denoland/deno#35657), or in a process
 * of its own (daemon/module_processes.ts), which SIGKILL stops whatever it runs.
 *
 * @module
 */
import type { ModuleContext } from "../module_context.ts";
import type { ModuleLogger, PyLogLevel } from "../logging.ts";
import type { ModuleRecord } from "../module_loader.ts";
import { STALL_FAIL_MS } from "../stall_watch.ts";
import {
  fromWire,
  type FromWorker,
  type RunOp,
  serialized,
  STATUS,
  type ToModule,
  toWire,
  VERSION_SLOTS,
} from "./protocol.ts";

/**
 * A module's Worker as the manager drives it, wherever it runs: its messages, and the shared
 * memory its synchronous calls wait on (the answer, the `get()` version words, its heartbeat).
 */
export interface ModulePort {
  postMessage(message: ToModule): void;
  onmessage: ((message: FromWorker) => void) | null;
  /**
   * The Worker (or the process it runs in) failed outside any call; `text` says how. `gone`:
   * it has ended (its process is no more), and nothing it was asked will be answered.
   */
  onerror: ((text: string, gone?: boolean) => void) | null;
  /** Writes the answer of the synchronous call the Worker waits on, and wakes it. */
  answer(status: number, bytes: Uint8Array | undefined, slot: number, version: number): void;
  /** Version word `slot` of the Worker's `get()` cache is now `version`. */
  setVersion(slot: number, version: number): void;
  /** The Worker's heartbeat: it changes while its event loop turns. */
  beat(): number;
  /** Whether the Worker waits for the manager's answer (which is not holding its thread). */
  waiting(): boolean;
  /** Ends the Worker (and its process, when it has one). */
  terminate(): void;
  /** Resolves once what ran the module has ended, after `terminate()` or on its own. */
  readonly ended: Promise<void>;
  /** The process the module runs in, when it has one of its own. */
  readonly pid?: number;
}

/** What the host is given to run modules in Workers (bound by the live daemon only). */
export interface ModuleIsolation {
  /** Whether `record`'s module runs in a Worker of its own. */
  isolates(record: ModuleRecord): boolean;
  /** Starts a Worker running core/module_worker/worker_main.ts. */
  spawn(record: ModuleRecord): ModulePort;
  /** Milliseconds on a monotonic clock (measuring only). */
  nowMs(): number;
  /** Calls `fn` every `ms` milliseconds of real time until the returned stop is called. */
  every(ms: number, fn: () => void): () => void;
}

/** What the module host hears from an isolated module. */
export interface IsolatedEvents {
  /** Something the module started threw and nobody caught it. */
  uncaught(kind: string, text: string): void;
  /** The Worker's thread has been held past {@link STALL_FAIL_MS} (once per stall). */
  stalled(what: string, ms: number): void;
  /** The Worker's event loop turns again after a stall of `ms`. */
  resumed(what: string, ms: number): void;
}

/** How often the manager looks at a Worker's heartbeat (milliseconds). */
const WATCH_MS = 50;

/** Snapshots serialized once for every Worker that reads them (the snapshot is frozen). */
const serializedSnapshots = new WeakMap<object, Uint8Array>();

/** Methods of the daemon index, perf counter store and OSD perf queries a Worker may call. */
const ALLOWED: Record<string, ReadonlySet<string>> = {
  daemons: new Set([
    "get_metadata",
    "get_daemon_status",
    "get_server",
    "list_servers",
    "serviceDaemons",
    "metadataByType",
  ]),
  perf: new Set([
    "get_perf_schema",
    "get_counter",
    "get_latest_counter",
    "get_latest",
    "get_latest_avg",
    "get_all_perf_counters",
    "bulk",
    "daemons",
    "has",
  ]),
  osdPerfQueries: new Set(["add", "remove", "counters"]),
};

/** A module running in its own Worker. */
export class IsolatedModule {
  readonly #ctx: ModuleContext;
  readonly #iso: ModuleIsolation;
  readonly #events: IsolatedEvents;
  readonly #worker: ModulePort;
  /** The version words as the manager last set them (the Worker's copy follows them). */
  readonly #versions = new Int32Array(VERSION_SLOTS);
  /** Cached `get()` names: their version word and the source version it stands for. */
  readonly #slots = new Map<string, { slot: number; stamp: number | string | undefined }>();
  readonly #runs = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  readonly #calls = new Map<number, AbortController>();
  readonly #loggers = new Map<string, ModuleLogger>();
  #nextRun = 1;
  #what = "its start";
  #beat = 0;
  #lastTurn: number;
  #lastWatch: number;
  #stallReported = false;
  #terminated = false;
  readonly #stopWatch: () => void;
  /** Resolves once the module's instance is built in the Worker; rejects when it cannot be. */
  readonly ready: Promise<void>;
  /** Start-up: milliseconds from spawning the Worker to the module's instance built. */
  startupMs: number | undefined;

  constructor(
    record: ModuleRecord,
    ctx: ModuleContext,
    iso: ModuleIsolation,
    events: IsolatedEvents,
  ) {
    this.#ctx = ctx;
    this.#iso = iso;
    this.#events = events;
    const started = iso.nowMs();
    this.#lastTurn = started;
    this.#lastWatch = started;
    let ready!: () => void;
    let broken!: (e: Error) => void;
    this.ready = new Promise<void>((res, rej) => {
      ready = res;
      broken = rej;
    });
    // Nobody may wait for ready (a module that is stopped at once): its failure is the host's.
    this.ready.catch(() => {});
    this.#worker = iso.spawn(record);
    this.#worker.onmessage = (m) => {
      // What an ended Worker still said on its way out is no longer anyone's business.
      if (this.#terminated) return;
      if (m.t === "ready") {
        this.startupMs = iso.nowMs() - started;
        ready();
      } else if (m.t === "broken") broken(fromWire(m.error));
      else this.#onMessage(m);
    };
    this.#worker.onerror = (text, gone) => {
      if (this.#terminated) return;
      broken(new Error(text));
      this.#events.uncaught(gone ? "module process ended" : "uncaught exception", text);
      // What waits for it answers now, as it would at terminate().
      if (gone) this.terminate();
    };
    this.#worker.postMessage({
      t: "init",
      module: record.name,
      source: record.source,
      mgrId: ctx.mgrId,
      has: {
        osdPerfStats: ctx.osdPerfStats !== undefined,
        daemonHealthBulk: ctx.daemonHealthBulk !== undefined,
        osdPerfQueries: ctx.osdPerfQueries !== undefined,
      },
    });
    this.#stopWatch = iso.every(WATCH_MS, () => this.#watch());
  }

  serve(): Promise<void> {
    return this.#run("serve", []) as Promise<void>;
  }
  notify(type: string, id: string): Promise<void> {
    return this.#run("notify", [type, id]) as Promise<void>;
  }
  config_notify(): Promise<void> {
    return this.#run("config_notify", []) as Promise<void>;
  }
  shutdown(): Promise<void> {
    this.#post({ t: "abort" });
    return this.#run("shutdown", []) as Promise<void>;
  }
  /** A legacy `COMMANDS` command: `handle_command(inbuf, cmd)`; answers its triple. */
  handle_command(inbuf: string, cmd: Record<string, unknown>, prefix: string): Promise<unknown> {
    return this.#run("handle_command", [inbuf, cmd, prefix]);
  }
  /** A decorated command's handler `method`; answers its triple. */
  command(
    method: string,
    args: Record<string, unknown>,
    inbuf: string,
    prefix: string,
  ): Promise<unknown> {
    return this.#run("command", [method, args, inbuf, prefix]);
  }
  /** `remote()` into the module: `{missing}` when it has no such method. */
  remote(method: string, args: unknown[]): Promise<{ missing?: boolean; value?: unknown }> {
    return this.#run("remote", [method, args]) as Promise<{ missing?: boolean; value?: unknown }>;
  }
  /** The module's abort signal is raised (its `sleep()` wakes), without `shutdown()`. */
  abort(): void {
    this.#post({ t: "abort" });
  }

  /** What holds the Worker's thread, and for how long, while its event loop does not turn. */
  held(): { what: string; ms: number } | undefined {
    if (this.#terminated) return undefined;
    const ms = this.#iso.nowMs() - this.#lastTurn;
    return ms > STALL_FAIL_MS ? { what: this.#what, ms } : undefined;
  }

  /**
   * Ends the Worker; everything still waiting for it is refused. In a process of its own it
   * ends for real (SIGKILL); a Worker in the daemon's process that loops without yielding is
   * not stopped by Deno 2.9 (denoland/deno#35657): its messages are no longer heard, but its
   * thread runs until the loop ends or the process does.
   */
  terminate(): void {
    if (this.#terminated) return;
    this.#terminated = true;
    this.#stopWatch();
    this.#worker.terminate();
    for (const run of this.#runs.values()) run.reject(new Error("the module's worker was ended"));
    this.#runs.clear();
    for (const c of this.#calls.values()) c.abort();
    this.#calls.clear();
  }

  get terminated(): boolean {
    return this.#terminated;
  }

  /** Resolves once what ran the module has ended (after {@linkcode terminate}). */
  get ended(): Promise<void> {
    return this.#worker.ended;
  }

  /** The process the module runs in, when it has one of its own. */
  get pid(): number | undefined {
    return this.#worker.pid;
  }

  async #run(op: RunOp, args: unknown[]): Promise<unknown> {
    await this.ready;
    if (this.#terminated) throw new Error("the module's worker was ended");
    const id = this.#nextRun++;
    return new Promise((resolve, reject) => {
      this.#runs.set(id, { resolve, reject });
      this.#post({ t: "run", id, op, args });
    });
  }

  #post(m: ToModule): void {
    if (this.#terminated) return;
    // Whatever the module does next, it reads the state as it is now.
    this.#refreshVersions();
    this.#worker.postMessage(m);
  }

  #watch(): void {
    const beat = this.#worker.beat();
    const now = this.#iso.nowMs();
    const gap = now - this.#lastWatch;
    this.#lastWatch = now;
    // Until its event loop first turns the Worker is being loaded (and, under `deno test`,
    // type-checked), which is the runtime's time, not the module's.
    if (beat === 0) {
      this.#lastTurn = now;
      return;
    }
    // The manager's own thread was held (a module here, a type check): what the Worker did
    // meanwhile was not watched, so the count starts again rather than blame it.
    if (gap > 4 * WATCH_MS && beat === this.#beat && !this.#stallReported) {
      this.#lastTurn = now - WATCH_MS;
      return;
    }
    if (beat !== this.#beat || this.#worker.waiting()) {
      if (this.#stallReported) this.#events.resumed(this.#what, now - this.#lastTurn);
      this.#beat = beat;
      this.#lastTurn = now;
      this.#stallReported = false;
      this.#refreshVersions();
      return;
    }
    const ms = now - this.#lastTurn;
    if (ms > STALL_FAIL_MS && !this.#stallReported) {
      this.#stallReported = true;
      this.#events.stalled(this.#what, ms);
    }
  }

  /** Bumps the version word of every cached name whose source has moved on. */
  #refreshVersions(): void {
    const version = this.#ctx.getVersion;
    if (!version) return;
    for (const [name, s] of this.#slots) {
      const v = version(name);
      if (v !== s.stamp) {
        s.stamp = v;
        this.#bump(s.slot);
      }
    }
  }

  #bump(slot: number): void {
    this.#worker.setVersion(slot, ++this.#versions[slot]!);
  }

  #onMessage(m: FromWorker): void {
    switch (m.t) {
      case "sync":
        this.#answer(m.op, m.args);
        return;
      case "call":
        this.#call(m.id, m.op, m.args);
        return;
      case "cancel":
        this.#calls.get(m.id)?.abort();
        this.#calls.delete(m.id);
        return;
      case "send":
        try {
          this.#send(m.op, m.args);
        } catch (e) {
          this.#ctx.log.error(`module worker: ${m.op} failed: ${(e as Error).message}`);
        }
        return;
      case "done": {
        const run = this.#runs.get(m.id);
        if (!run) return;
        this.#runs.delete(m.id);
        if (m.ok) run.resolve(m.value);
        else run.reject(fromWire(m.error));
        return;
      }
      case "enter":
        this.#what = m.what;
        return;
      case "uncaught":
        this.#events.uncaught(m.kind, m.text);
        return;
    }
  }

  /** Answers a synchronous call; never throws (a throw is the answer). */
  #answer(op: string, args: unknown[]): void {
    const w = this.#worker;
    try {
      if (op === "get") return this.#answerGet(args[0] as string, args[1] === true);
      const value = this.#syncValue(op, args);
      w.answer(STATUS.VALUE, value === undefined ? undefined : serialized(value), -1, 0);
    } catch (e) {
      w.answer(STATUS.ERROR, serialized(toWire(e)), -1, 0);
    }
  }

  #answerGet(name: string, mutable: boolean): void {
    const ctx = this.#ctx;
    if (mutable) {
      const v = ctx.get(name, true);
      this.#worker.answer(STATUS.VALUE, v === undefined ? undefined : serialized(v), -1, 0);
      return;
    }
    const stamp = ctx.getVersion?.(name);
    const value = ctx.get(name);
    let bytes: Uint8Array | undefined;
    if (value !== null && typeof value === "object" && Object.isFrozen(value)) {
      bytes = serializedSnapshots.get(value);
      if (!bytes) serializedSnapshots.set(value, bytes = serialized(value));
    } else if (value !== undefined) bytes = serialized(value);
    let slot = -1;
    let version = 0;
    if (stamp !== undefined) {
      let s = this.#slots.get(name);
      if (!s && this.#slots.size < VERSION_SLOTS) {
        s = { slot: this.#slots.size, stamp };
        this.#slots.set(name, s);
      }
      if (s) {
        if (s.stamp !== stamp) {
          s.stamp = stamp;
          this.#bump(s.slot);
        }
        slot = s.slot;
        version = this.#versions[s.slot]!;
      }
    }
    this.#worker.answer(STATUS.VALUE, bytes, slot, version);
  }

  #logger(child: string | null): ModuleLogger {
    if (child === null) return this.#ctx.log;
    let l = this.#loggers.get(child);
    if (!l) this.#loggers.set(child, l = this.#ctx.childLogger(child));
    return l;
  }

  #syncValue(op: string, a: unknown[]): unknown {
    const ctx = this.#ctx;
    switch (op) {
      case "now":
        return ctx.clock.now();
      case "haveMonConnection":
        return ctx.haveMonConnection();
      case "cephOption":
        return ctx.cephOption(a[0] as string);
      case "foreignCephOption":
        return ctx.foreignCephOption(a[0] as string, a[1] as string);
      case "isAuthorized":
        return ctx.isAuthorized(a[0] as Record<string, string>);
      case "moduleOptionText":
        return ctx.moduleOptionText(a[0] as string, a[1] as string, a[2] as string | undefined);
      case "storeGet":
        return ctx.storeGet(a[0] as string);
      case "storePrefix":
        return ctx.storePrefix(a[0] as string);
      case "activeUri":
        return ctx.activeUri();
      case "daemonHealthMetrics":
        return ctx.daemonHealthMetrics();
      case "osdPerfStats":
        return ctx.osdPerfStats?.();
      case "daemonHealthBulk":
        return ctx.daemonHealthBulk?.();
      case "hasRados":
        return ctx.rados?.() !== undefined;
      case "hasCephFs":
        return ctx.cephfs?.() !== undefined;
      case "hasRandom":
        return ctx.random?.() !== undefined;
      case "randomBytes": {
        const source = ctx.random?.();
        if (!source) throw new Error("this manager has no source of randomness");
        const bytes = new Uint8Array(a[0] as number);
        source.fill(bytes);
        return bytes;
      }
      case "logName":
        return this.#logger(a[0] as string | null).name;
      case "logLevel":
        return this.#logger(a[0] as string | null).level;
      case "logEnabled":
        return this.#logger(a[0] as string | null).isEnabledFor(a[1] as PyLogLevel);
      case "daemons":
        return this.#method("daemons", ctx.daemons(), a);
      case "perf":
        return this.#method("perf", ctx.perf, a);
      case "osdPerfQueries": {
        const collector = ctx.osdPerfQueries?.();
        if (!collector) throw new Error("this manager has no OSD perf queries");
        return this.#method("osdPerfQueries", collector, a);
      }
    }
    throw new Error(`module worker: unknown call ${op}`);
  }

  #method(kind: string, target: object, a: unknown[]): unknown {
    const [method, args] = a as [string, unknown[]];
    const fn = (target as Record<string, unknown>)[method];
    if (!ALLOWED[kind]!.has(method) || typeof fn !== "function") {
      throw new TypeError(`${kind}.${method} is not a function`);
    }
    return fn.apply(target, args);
  }

  #call(id: number, op: string, a: unknown[]): void {
    const ctx = this.#ctx;
    const stop = new AbortController();
    this.#calls.set(id, stop);
    let p: Promise<unknown>;
    try {
      switch (op) {
        case "sleep":
          p = ctx.clock.sleep(a[0] as number, stop.signal);
          break;
        case "storeSet":
          p = ctx.storeSet(a[0] as string, a[1] as string | null);
          break;
        case "setModuleOptionText":
          p = ctx.setModuleOptionText(a[0] as string, a[1] as string, a[2] as string | null);
          break;
        case "setDeviceWearLevel":
          p = ctx.setDeviceWearLevel(a[0] as string, a[1] as number);
          break;
        case "monCommand":
          p = ctx.monCommand(
            a[0] as Record<string, unknown>,
            a[1] as string | undefined,
            a[2] as Parameters<ModuleContext["monCommand"]>[2],
          );
          break;
        case "daemonCommand":
          p = ctx.daemonCommand(
            a[0] as string,
            a[1] as string,
            a[2] as Record<string, unknown>,
            a[3] as string | undefined,
          );
          break;
        case "remote":
          p = ctx.remote(a[0] as string, a[1] as string, a[2] as unknown[]);
          break;
        case "rados": {
          const port = ctx.rados?.();
          if (!port) throw new Error("this manager's cluster link has no object I/O (librados)");
          p = port.operate(
            a[0] as number,
            a[1] as string,
            a[2] as Parameters<typeof port.operate>[2],
            a[3] as number,
          );
          break;
        }
        case "cephfs":
        case "cephfsRelease": {
          const port = ctx.cephfs?.();
          if (!port) throw new Error("this manager's cluster link has no CephFS (libcephfs)");
          p = op === "cephfs"
            ? port.operate(a[0] as string, a[1] as Parameters<typeof port.operate>[1])
            : port.release?.(a[0] as string) ?? Promise.resolve();
          break;
        }
        default:
          throw new Error(`module worker: unknown call ${op}`);
      }
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      (value) => {
        if (!this.#calls.delete(id)) return;
        this.#post({ t: "reply", id, ok: true, value });
      },
      (e) => {
        if (!this.#calls.delete(id)) return;
        this.#post({ t: "reply", id, ok: false, error: toWire(e) });
      },
    );
  }

  #send(op: string, a: unknown[]): void {
    const ctx = this.#ctx;
    switch (op) {
      case "log":
        this.#logger(a[0] as string | null).log(a[1] as PyLogLevel, a[2] as string);
        return;
      case "notifyCommand":
        return ctx.notifyCommand(a[0] as string);
      case "setHealthChecks":
        return ctx.setHealthChecks(a[0] as Parameters<ModuleContext["setHealthChecks"]>[0]);
      case "setUri":
        return ctx.setUri(a[0] as string);
      case "clusterLog":
        return ctx.clusterLog(a[0] as string, a[1] as string, a[2] as string);
      case "updateProgress":
        return ctx.updateProgress(a[0] as string, a[1] as string, a[2] as number, a[3] as boolean);
      case "completeProgress":
        return ctx.completeProgress(a[0] as string);
      case "clearProgress":
        return ctx.clearProgress();
    }
    throw new Error(`unknown message ${op}`);
  }
}
