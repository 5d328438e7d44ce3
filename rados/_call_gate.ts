/**
 * The calls in flight on one librados handle, so `close()` frees the handle only after the last
 * call that uses it has returned, and refuses calls after it. Private to rados/.
 *
 * @module
 */
import { ECANCELED } from "../ceph/errno.ts";
import { RadosError } from "./rados_error.ts";

/** Counts the calls on a handle; `close()` waits for them. */
export class CallGate {
  readonly #what: string;
  #inFlight = 0;
  #closed = false;
  #idle: PromiseWithResolvers<void> | null = null;

  constructor(what: string) {
    this.#what = what;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Runs `call` unless the gate is closed (then rejects with ECANCELED). */
  async run<T>(op: string, call: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new RadosError(op, -ECANCELED, `the ${this.#what} is closed`);
    this.#inFlight++;
    try {
      return await call();
    } finally {
      if (--this.#inFlight === 0) this.#idle?.resolve();
    }
  }

  /** Refuses new calls; resolves when the calls in flight have returned. */
  close(): Promise<void> {
    this.#closed = true;
    if (this.#inFlight === 0) return Promise.resolve();
    this.#idle ??= Promise.withResolvers<void>();
    return this.#idle.promise;
  }
}
