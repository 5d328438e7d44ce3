/**
 * The Clock port: the only source of time for core and module code.
 *
 * `mgrd serve` binds it to wall-clock time (`daemon/wall_clock.ts`); `mgrd sim` binds it to the
 * simulator's virtual clock, so a module's `await this.sleep(5)` costs no wall time there.
 * Core and module code never call `Date.now()` or `setTimeout` directly.
 *
 * @module
 */

/** Time as core and module code see it. */
export interface Clock {
  /** Seconds since the Unix epoch as a float, like Python's `time.time()`. */
  now(): number;
  /**
   * Resolves after `seconds` have passed on this clock, or as soon as `signal` aborts
   * (it resolves in both cases; check `signal.aborted` to tell them apart).
   */
  sleep(seconds: number, signal?: AbortSignal): Promise<void>;
}
