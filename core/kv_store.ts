/**
 * The manager's local copy of the mon's config-key store under `mgr/`: what modules read with
 * `get_store()` at once. It holds only what the mon has committed: a write changes it when the
 * mon has answered 0 (or when the mon's own update arrives), never before, so what a module
 * reads is what the mon holds.
 *
 * @module
 */
import { errnoName } from "../ceph/errno.ts";

/**
 * Seconds a module's write (`set_store`, `set_module_option` and their localized forms) waits
 * for an unreachable mon before it rejects with ETIMEDOUT. The mon link's own default is the
 * same; it is named here because the SDK documents it.
 */
export const WRITE_TIMEOUT_SECONDS = 60;

/**
 * A module's write that the mon did not commit: refused (`errno` -EFBIG for a value over
 * `mon_config_key_max_entry_size`, -EINVAL, -EACCES...) or not reached in time (-ETIMEDOUT).
 * The value the module reads is still the committed one; retrying is safe, as a write is a
 * plain set.
 *
 * @example Retrying a write the mon could not take during an outage
 * ```ts ignore
 * for (;;) {
 *   try {
 *     await this.set_store("state", state);
 *     break;
 *   } catch (e) {
 *     if (!(e instanceof MonWriteError) || e.errno !== -ETIMEDOUT) throw e;
 *     await this.sleep(5);
 *   }
 * }
 * ```
 */
export class MonWriteError extends Error {
  override name = "MonWriteError";
  constructor(
    /** The key or option that was not written. */
    readonly key: string,
    /** The mon's answer: a negative errno. */
    readonly errno: number,
    /** The mon's message. */
    readonly outs: string,
  ) {
    super(outs || `${key} was not written: ${errnoName(errno)} (${errno})`);
  }
}

/** Full config-key → value, for keys under `mgr/`. */
export class KvStore {
  readonly #entries = new Map<string, string>();

  constructor(initial: Readonly<Record<string, string>>) {
    for (const [k, v] of Object.entries(initial)) this.#entries.set(k, v);
  }

  get(key: string): string | undefined {
    return this.#entries.get(key);
  }

  /** Sets a key, or removes it when `value` is null. */
  set(key: string, value: string | null): void {
    if (value === null) this.#entries.delete(key);
    else this.#entries.set(key, value);
  }

  /** The entries whose key starts with `prefix`, sorted by key. */
  under(prefix: string): [key: string, value: string][] {
    return [...this.#entries].filter(([k]) => k.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : 1));
  }
}

/**
 * How many module writes may be at the mon at once (per manager). Each commit is synchronous
 * in the embedded mon; a module issuing thousands of unawaited writes would otherwise commit
 * them all in one turn of the event loop and starve the admin endpoint. Replies come back on
 * later turns, so at most this many commits run between two turns.
 */
export const WRITE_WINDOW = 8;

/** A FIFO window of writes in flight, waiting at most a deadline for a place. */
export class WriteWindow {
  #inFlight = 0;
  readonly #waiters: { wake: () => void; gone: boolean }[] = [];

  constructor(readonly size = WRITE_WINDOW) {}

  /**
   * Takes a place, waiting for one while `expired` has not resolved; false if it did first.
   * A place taken must be given back with {@linkcode WriteWindow.release}.
   */
  async acquire(expired: Promise<unknown>): Promise<boolean> {
    if (this.#inFlight < this.size) {
      this.#inFlight++;
      return true;
    }
    const waiter = { wake: () => {}, gone: false };
    const woken = new Promise<boolean>((resolve) => waiter.wake = () => resolve(true));
    this.#waiters.push(waiter);
    const got = await Promise.race([woken, expired.then(() => false)]);
    if (!got) {
      waiter.gone = true;
      // Woken in the same turn as the deadline: the place it was handed goes on.
      if (!this.#waiters.includes(waiter)) this.release();
    }
    return got;
  }

  /** Gives a place back: to the first waiter still waiting, else to the window. */
  release(): void {
    for (;;) {
      const next = this.#waiters.shift();
      if (next === undefined) {
        this.#inFlight--;
        return;
      }
      if (!next.gone) {
        next.wake();
        return;
      }
    }
  }
}
