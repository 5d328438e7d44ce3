/**
 * Measuring how long a module held the thread. Modules run in the manager's isolate, so a
 * module that computes without yielding stops everything else (the admin endpoint, the mon
 * session, the beacon, the other modules) until it returns; nothing in the same isolate can
 * interrupt it. What the host can do is notice: it notes the wall time when it hands control
 * to module code, and again on the next macrotask, which runs only once the module has given
 * the thread back. A module that held it past the bound is reported and stopped.
 *
 * Wall time and macrotasks come through this port, not the Clock: under the simulator virtual
 * time does not move while code spins, and a spin is what is being measured.
 *
 * @module
 */

/** Real time, for measuring (never for deciding what the simulation does). */
export interface WallTime {
  /** Milliseconds on a monotonic clock (`performance.now()`). */
  nowMs(): number;
  /** Runs `fn` on a later macrotask (`setTimeout(fn, 0)`). */
  defer(fn: () => void): void;
  /**
   * The thread goes to `module` (`what`: `command 'x'`, `notify(osd_map)`...): told to whoever
   * watches from another thread (the endpoint's front, daemon/front.ts), which can report it
   * while the module holds on.
   */
  enter?(module: string, what: string): void;
  /** The module gave the thread back. */
  leave?(): void;
}

/** A module slice longer than this is logged as a warning (milliseconds). */
export const STALL_WARN_MS = 100;
/** A module slice longer than this fails the module (milliseconds). */
export const STALL_FAIL_MS = 2000;
