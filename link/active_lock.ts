/**
 * Active and standby through the cluster itself: the mgrd processes pointed at one cluster agree
 * on one active manager through an exclusive RADOS lock (`rados_lock_exclusive` with a
 * duration, renewed every third of it) on the object `mgrd.active` of a pool. The holder's
 * process makes its manager active in its MgrMap and writes who it is (name, gid, enabled
 * modules, services, its admin endpoint's URL) into the object; every other process shows that
 * manager as the active one in its own MgrMap, so its managers stay standbys, and their
 * endpoints redirect callers to the active one's. When the holder stops renewing (killed,
 * cut off), the lock lapses and the next process to try takes it: it enables the modules the
 * last active had (and disables the others) and fails it, so its own standby becomes active — within the lock's duration
 * plus one renewal.
 *
 * @module
 */
import type { Clock } from "../core/clock.ts";
import type { ModuleInfo } from "../ceph/mgr_map.ts";
import { EBUSY, EEXIST, ENOENT } from "../ceph/errno.ts";
import { RadosError, type RadosIoctx } from "../rados/librados.ts";
import type { MgrMonitor } from "../sim/mon/mgr_monitor.ts";

/** The object and lock name. */
export const ACTIVE_OBJECT = "mgrd.active";
const LOCK_NAME = "mgrd-active";

/** What the holder writes into the object. */
export interface ActiveHolder {
  name: string;
  gid: number;
  modules: string[];
  services: Record<string, string>;
  available_modules: ModuleInfo[];
  /**
   * The admin endpoint URL of the active manager, once it listens: where the standbys of the
   * other processes redirect their callers (307), as a standby of the same process does.
   */
  endpoint?: string;
}

/** How an {@linkcode ActiveLock} runs. */
export interface ActiveLockOptions {
  clock: Clock;
  /** The lock lapses this many seconds after its last renewal. */
  seconds: number;
  /** This process's lock cookie (unique per process: host and pid). */
  cookie: string;
  /** The managers of this process. */
  localNames: readonly string[];
  /**
   * Admin endpoint URLs by manager name, of this process's managers (read, to publish the
   * active one's); the active manager's of another process is added from the lock object.
   */
  endpoints: Map<string, string>;
  /** Tells the daemon log what happened. */
  log(message: string): void;
}

/** The active lock of one process. */
export class ActiveLock {
  readonly #io: RadosIoctx;
  readonly #mgr: MgrMonitor;
  readonly #o: ActiveLockOptions;
  #held = false;
  readonly #stop = new AbortController();
  #loop: Promise<void> = Promise.resolve();

  constructor(io: RadosIoctx, mgr: MgrMonitor, options: ActiveLockOptions) {
    this.#io = io;
    this.#mgr = mgr;
    this.#o = options;
  }

  /** Whether this process holds the lock (its manager is the active one). */
  get held(): boolean {
    return this.#held;
  }

  /** Tries once now (before the managers start), then every third of the duration. */
  async start(): Promise<void> {
    await this.attempt();
    this.#loop = (async () => {
      const signal = this.#stop.signal;
      while (!signal.aborted) {
        await this.#o.clock.sleep(this.#o.seconds / 3, signal);
        if (signal.aborted) break;
        await this.attempt().catch((e) => this.#o.log(`active lock: ${(e as Error).message}`));
      }
    })();
  }

  /** Stops renewing and lets go of the lock, so a standby elsewhere takes over at once. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    if (this.#held) {
      this.#held = false;
      await this.#io.unlock(ACTIVE_OBJECT, LOCK_NAME, this.#o.cookie).catch(() => {});
    }
  }

  /** Takes or renews the lock, and makes the local MgrMap say who is active. */
  async attempt(): Promise<void> {
    let got: boolean;
    try {
      await this.#io.lockExclusive(ACTIVE_OBJECT, LOCK_NAME, this.#o.cookie, {
        durationSeconds: this.#o.seconds,
        renew: true,
        description: `mgrd ${this.#o.cookie}`,
      });
      got = true;
    } catch (e) {
      if (!(e instanceof RadosError) || (e.errno !== -EBUSY && e.errno !== -EEXIST)) throw e;
      got = false;
    }
    if (got) {
      if (!this.#held) await this.#takeOver();
      this.#held = true;
      await this.#publish();
      return;
    }
    const holder = await this.#holder();
    if (this.#held) {
      this.#held = false;
      const map = this.#mgr.mgrMap();
      this.#o.log(`active lock lost to ${holder?.name ?? "another mgrd"}`);
      if (map.active_name) this.#mgr.handle("mgr fail", { who: map.active_name });
    }
    if (holder && !this.#o.localNames.includes(holder.name)) {
      if (typeof holder.endpoint === "string") this.#o.endpoints.set(holder.name, holder.endpoint);
      // The active manager is another process's: it beacons through the lock object.
      this.#mgr.beacon({
        gid: holder.gid,
        name: holder.name,
        available: true,
        available_modules: holder.available_modules,
        services: holder.services,
      });
      if (this.#mgr.mgrMap().active_gid !== holder.gid) {
        // A local manager was active (this process held the lock before): it steps down.
        this.#mgr.handle("mgr fail", { who: this.#mgr.mgrMap().active_name });
        this.#mgr.beacon({
          gid: holder.gid,
          name: holder.name,
          available: true,
          available_modules: holder.available_modules,
          services: holder.services,
        });
      }
    }
  }

  async #holder(): Promise<ActiveHolder | undefined> {
    try {
      return JSON.parse(new TextDecoder().decode(await this.#io.read(ACTIVE_OBJECT)));
    } catch (e) {
      if (e instanceof RadosError && e.errno === -ENOENT) return undefined;
      if (e instanceof SyntaxError) return undefined;
      throw e;
    }
  }

  /** The lock is ours: run what the last active ran, and fail it so a local manager is active. */
  async #takeOver(): Promise<void> {
    const last = await this.#holder();
    const map = this.#mgr.mgrMap();
    if (last && !this.#o.localNames.includes(last.name)) {
      // The modules the last active ran, no more and no fewer.
      for (const module of last.modules) {
        if (!map.modules.includes(module)) {
          this.#mgr.handle("mgr module enable", { module, force: "--force" });
        }
      }
      for (const module of map.modules) {
        if (!last.modules.includes(module)) this.#mgr.handle("mgr module disable", { module });
      }
      this.#o.log(`active lock taken over from ${last.name}`);
    }
    const now = this.#mgr.mgrMap();
    if (now.active_name && !this.#o.localNames.includes(now.active_name)) {
      this.#mgr.handle("mgr fail", { who: now.active_name });
    }
  }

  async #publish(): Promise<void> {
    const map = this.#mgr.mgrMap();
    if (!map.active_name || !this.#o.localNames.includes(map.active_name)) return;
    const holder: ActiveHolder = {
      name: map.active_name,
      gid: map.active_gid,
      modules: map.modules,
      services: map.services,
      available_modules: map.available_modules,
    };
    const endpoint = this.#o.endpoints.get(map.active_name);
    if (endpoint !== undefined) holder.endpoint = endpoint;
    await this.#io.writeFull(ACTIVE_OBJECT, JSON.stringify(holder));
  }
}
