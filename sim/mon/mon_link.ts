/**
 * MonLink: the ClusterLink binding of a manager to an {@link EmbeddedMon}, through a Clock.
 *
 * It simulates the mon session: `setConnected(false)` is a mon outage (the manager is told, no
 * updates arrive, commands and beacons wait), `setConnected(true)` ends it (waiting calls go
 * through, and the manager receives what it missed: the config list, the changed `mgr/` keys and
 * the current MgrMap). Updates are delivered in order, from a microtask, never inside
 * `monCommand`.
 *
 * @module
 */
import type { Clock } from "../../core/clock.ts";
import type {
  ClusterLink,
  ClusterLogEntry,
  ClusterSnapshot,
  ClusterUpdate,
  CommandSignature,
  MonCommandOptions,
  MonCommandResult,
} from "../../core/cluster_link.ts";
import { setImmediate } from "node:timers";
import { ETIMEDOUT } from "../../ceph/errno.ts";
import type { HealthReport } from "../../core/health.ts";
import type { EmbeddedMon, MonBeacon } from "./mon.ts";

/** Options of a {@link MonLink}. */
export interface MonLinkOptions {
  /** Seconds a command or beacon waits for an unreachable mon when the call gives no timeout. */
  defaultTimeout?: number;
}

/** Options of one command sent through a {@link MonLink}. */
export interface MonLinkCommandOptions extends MonCommandOptions {
  /**
   * Runs the mon's answer (`answer()`) at the moment the mon handles the command, once the
   * session is up: a session layered on this one (SimClusterLink) sees the cluster just before
   * and just after, in the same turn, before the reply is delivered.
   */
  around?: (answer: () => MonCommandResult) => MonCommandResult;
}

/** The key prefix a manager's session subscribes to in the config-key store (`kv:mgr/`). */
const KV_PREFIX = "mgr/";

/**
 * A manager's mon session on an embedded mon.
 *
 * @example
 * ```ts
 * import { EmbeddedMon } from "./mon.ts";
 * import { MonLink } from "./mon_link.ts";
 * import { Rng } from "../engine/prng.ts";
 * import { Scheduler, VirtualClock } from "../engine/scheduler.ts";
 * const mon = EmbeddedMon.open(":memory:", { alwaysOnModules: [], now: () => 0 });
 * const link = new MonLink(mon, new VirtualClock(new Scheduler({ rng: new Rng(1) })));
 * await link.monCommand({ prefix: "config-key set", key: "mgr/x/k", val: "v" });
 * link.close();
 * mon.close();
 * ```
 */
export class MonLink implements ClusterLink {
  #mon: EmbeddedMon;
  #clock: Clock;
  #defaultTimeout: number;
  #connected = true;
  /** The gid of the manager beaconing through this session. */
  #gid: number | undefined;
  #listeners = new Set<(u: ClusterUpdate) => void>();
  #queue: ClusterUpdate[] = [];
  #flushScheduled = false;
  #unsubscribe: () => void;
  #reconnect = Promise.withResolvers<void>();
  // What the manager missed while disconnected.
  #missedConfig = false;
  #missedMap = false;
  #missedKeys = new Set<string>();
  /** Cluster log entries written while the session was down. */
  #unsentLog: ClusterLogEntry[] = [];

  constructor(mon: EmbeddedMon, clock: Clock, options: MonLinkOptions = {}) {
    this.#mon = mon;
    this.#clock = clock;
    this.#defaultTimeout = options.defaultTimeout ?? 60;
    this.#unsubscribe = mon.subscribe((u) => this.#onMonUpdate(u));
  }

  /** The commands the embedded mon answers. */
  monCommands(): readonly CommandSignature[] {
    return this.#mon.monCommands();
  }

  /** Whether the mon session is up. */
  connected(): boolean {
    return this.#connected;
  }

  /**
   * Starts (`false`) or ends (`true`) a simulated mon outage. The manager hears
   * `{kind: "connection"}`; on reconnect it then receives the state it missed.
   */
  setConnected(up: boolean): void {
    if (up === this.#connected) return;
    this.#connected = up;
    // A manager cut off from the mon is not a manager that died: hold its beacon grace, and
    // give it a fresh one when the session returns (as Ceph's mons do after an election).
    if (this.#gid !== undefined) this.#mon.holdBeaconGrace(this.#gid, !up);
    this.#push({ kind: "connection", connected: up });
    if (!up) return;
    for (const entry of this.#unsentLog.splice(0)) this.#mon.log(entry);
    if (this.#missedConfig) this.#push({ kind: "config", config: this.#mon.configEntries() });
    for (const key of [...this.#missedKeys].sort()) {
      this.#push({ kind: "kv", key, value: this.#mon.store.getKv(key) ?? null });
    }
    if (this.#missedMap) this.#push({ kind: "mgr_map", mgrMap: this.#mon.mgrMap() });
    this.#missedConfig = false;
    this.#missedMap = false;
    this.#missedKeys.clear();
    const waiters = this.#reconnect;
    this.#reconnect = Promise.withResolvers<void>();
    waiters.resolve();
  }

  /** The mon's health report (HealthMonitor), as a session would be told it now. */
  health(): HealthReport {
    return this.#mon.health();
  }

  /** The mon's current state (a fresh session's starting point). */
  /** What daemon `who` gets for option `name` from the mon (EmbeddedMon.configValue). */
  configValue(who: string, name: string): string | undefined {
    return this.#mon.configValue(who, name);
  }

  snapshot(): ClusterSnapshot {
    return this.#mon.snapshot();
  }

  /** Sends a mon command; resolves after the mon committed it. Waits out an outage, up to a timeout. */
  async monCommand(
    cmd: Record<string, unknown>,
    inbuf?: string,
    options?: MonLinkCommandOptions,
  ): Promise<MonCommandResult> {
    const timeout = options?.timeout ?? this.#defaultTimeout;
    if (!(await this.#waitConnected(timeout))) {
      return {
        r: -ETIMEDOUT,
        outb: "",
        outs: `timed out after ${timeout}s waiting for the mon (mon session is down): ` +
          `'${String(cmd.prefix)}' was not sent`,
      };
    }
    const answer = () => this.#mon.handleCommand(cmd, inbuf, options?.entity);
    const result = options?.around ? options.around(answer) : answer();
    // The reply arrives as a message would: on a later turn of the event loop. Without this, a
    // module awaiting writes in a loop would run on microtasks alone and starve the daemon
    // (signals, HTTP, timers). setImmediate keeps the order deterministic under the simulator.
    await new Promise<void>((resolve) => setImmediate(resolve));
    return result;
  }

  /** Sends a beacon; waits out an outage, and rejects after the default timeout. */
  async beacon(beacon: MonBeacon): Promise<void> {
    if (!(await this.#waitConnected(this.#defaultTimeout))) {
      throw new Error(
        `beacon from mgr.${beacon.name} timed out after ${this.#defaultTimeout}s: ` +
          "the mon is unreachable (ETIMEDOUT)",
      );
    }
    this.#gid = beacon.gid;
    this.#mon.beacon(beacon);
  }

  /** Sends a cluster log entry now, or when the session returns (LogClient queues them). */
  clusterLog(entry: ClusterLogEntry): void {
    if (this.#connected) this.#mon.log(entry);
    else this.#unsentLog.push(entry);
  }

  /** Receives every update, in order, from a microtask. Returns the unsubscribe function. */
  subscribe(listener: (update: ClusterUpdate) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Detaches from the mon; later mon changes are not delivered. */
  close(): void {
    this.#unsubscribe();
  }

  async #waitConnected(timeout: number): Promise<boolean> {
    while (!this.#connected) {
      const ac = new AbortController();
      const reconnected = this.#reconnect.promise.then(() => true);
      const timedOut = this.#clock.sleep(timeout, ac.signal).then(() => false);
      const up = await Promise.race([reconnected, timedOut]);
      ac.abort();
      if (!up) return this.#connected;
    }
    return true;
  }

  #onMonUpdate(u: ClusterUpdate): void {
    if (u.kind === "kv" && !u.key.startsWith(KV_PREFIX)) return;
    if (this.#connected) {
      this.#push(u);
      return;
    }
    if (u.kind === "config") this.#missedConfig = true;
    else if (u.kind === "mgr_map") this.#missedMap = true;
    else if (u.kind === "kv") this.#missedKeys.add(u.key);
  }

  #push(u: ClusterUpdate): void {
    this.#queue.push(u);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    queueMicrotask(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    let failure: unknown = undefined;
    for (const u of batch) {
      for (const l of [...this.#listeners]) {
        try {
          l(u);
        } catch (e) {
          failure ??= e;
        }
      }
    }
    // A listener's exception must not stop delivery to the others; surface it afterwards.
    if (failure !== undefined) throw failure;
  }
}
