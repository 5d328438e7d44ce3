/**
 * The simulator's engine: seeded PRNG streams, the discrete-event scheduler with its
 * VirtualClock (the Clock port on virtual time), and the hashed run trace.
 *
 * @example
 * ```ts
 * import { Rng, Scheduler, VirtualClock } from "./mod.ts";
 * const scheduler = new Scheduler({ rng: new Rng(42) });
 * const clock = new VirtualClock(scheduler, "module");
 * (async () => { for (let i = 0; i < 3; i++) await clock.sleep(5); })();
 * await scheduler.run();
 * if (scheduler.elapsed !== 15) throw new Error("15 virtual seconds");
 * ```
 *
 * @module
 */

export { Rng, RngStream } from "./prng.ts";
export {
  DEFAULT_EPOCH,
  type RunOptions,
  type RunResult,
  type ScheduledEvent,
  Scheduler,
  type SchedulerOptions,
  type StopReason,
  VirtualClock,
} from "./scheduler.ts";
export { Trace, type TraceOptions } from "./trace.ts";
