/**
 * The discrete-event scheduler on virtual time, and the virtual binding of the Clock port.
 *
 * Events sit in a binary heap keyed by (time, tie-breaker, sequence). The tie-breaker is drawn
 * from the seed's "scheduling" stream when an event is scheduled, so events due at the same
 * instant run in an order that depends on the seed and on nothing else.
 *
 * `run()` pops every event of one instant, then yields one macrotask (`setImmediate`) so that
 * everything those events woke (promise chains of sleeping tasks) settles and schedules its
 * next events before time moves on. Code under simulation must do no real asynchronous I/O.
 *
 * @module
 */

import { setImmediate } from "node:timers";
import type { Clock } from "../../core/clock.ts";
import { Rng, type RngStream } from "./prng.ts";
import { Trace } from "./trace.ts";

/** Virtual time at which a simulation starts by default: 2023-11-14T22:13:20Z. */
export const DEFAULT_EPOCH = 1_700_000_000;

/** A scheduled event; `cancel()` stops it from running (and from being traced). */
export interface ScheduledEvent {
  /** Virtual time (clock seconds) at which the event is due. */
  readonly time: number;
  /** The text traced when the event runs. */
  readonly label: string;
  /** True once cancelled. */
  readonly cancelled: boolean;
  /** Cancels the event if it has not run yet. */
  cancel(): void;
}

class _Event implements ScheduledEvent {
  cancelled = false;
  constructor(
    readonly time: number,
    readonly tie: number,
    readonly seq: number,
    readonly label: string,
    readonly action: () => void,
  ) {}
  cancel(): void {
    this.cancelled = true;
  }
}

function _before(a: _Event, b: _Event): boolean {
  if (a.time !== b.time) return a.time < b.time;
  if (a.tie !== b.tie) return a.tie < b.tie;
  return a.seq < b.seq;
}

/** Options for {@linkcode Scheduler}. */
export interface SchedulerOptions {
  /** The simulation's randomness; the scheduler uses its "scheduling" stream. */
  rng: Rng;
  /** Virtual time at the start, in clock seconds (default {@linkcode DEFAULT_EPOCH}). */
  epoch?: number;
  /** Trace to append to (default: a new Trace with a 1000-line tail). */
  trace?: Trace;
}

/** Limits for {@linkcode Scheduler.run}. */
export interface RunOptions {
  /** Stop before any event later than this virtual time (clock seconds); time ends here. */
  until?: number;
  /** Stop after this many events have run in this call. */
  maxEvents?: number;
  /** Stop (after the current instant) when this signal aborts. */
  signal?: AbortSignal;
}

/** Why {@linkcode Scheduler.run} returned. */
export type StopReason = "idle" | "until" | "maxEvents" | "stopped";

/** What one {@linkcode Scheduler.run} call did. */
export interface RunResult {
  reason: StopReason;
  /** Events run by this call. */
  events: number;
  /** Virtual time when it returned. */
  now: number;
}

/**
 * A discrete-event scheduler on virtual time.
 *
 * @example
 * ```ts
 * import { Rng } from "./prng.ts";
 * import { Scheduler } from "./scheduler.ts";
 * const s = new Scheduler({ rng: new Rng(1) });
 * s.schedule(2.5, "osd.3 down", () => {});
 * await s.run();
 * if (s.trace.tail()[0] !== "t=2.500 osd.3 down") throw new Error("traced relative to epoch");
 * ```
 */
export class Scheduler {
  /** Virtual time at the start of the run. */
  readonly epoch: number;
  /** The trace every event appends to. */
  readonly trace: Trace;
  /** The root randomness, for deriving other streams. */
  readonly rng: Rng;
  readonly #ties: RngStream;
  readonly #heap: _Event[] = [];
  #now: number;
  #seq = 0;
  #eventsRun = 0;
  #instants = 0;
  #stopRequested = false;
  #running = false;

  constructor(options: SchedulerOptions) {
    const epoch = options.epoch ?? DEFAULT_EPOCH;
    if (!Number.isFinite(epoch)) throw new RangeError(`epoch must be finite, got ${epoch}`);
    this.rng = options.rng;
    this.#ties = options.rng.stream("scheduling");
    this.epoch = epoch;
    this.#now = epoch;
    this.trace = options.trace ?? new Trace();
  }

  /** Current virtual time in clock seconds. */
  get now(): number {
    return this.#now;
  }

  /** Virtual seconds elapsed since the epoch. */
  get elapsed(): number {
    return this.#now - this.epoch;
  }

  /** Events run since construction. */
  get eventsRun(): number {
    return this.#eventsRun;
  }

  /** Distinct instants processed since construction (one macrotask yield each). */
  get instants(): number {
    return this.#instants;
  }

  /** Events waiting in the queue, including cancelled ones not yet discarded. */
  get pending(): number {
    return this.#heap.length;
  }

  /**
   * Schedules `action` to run `delay` virtual seconds from now (negative delays mean now).
   * `label` is what the trace records: `t=<elapsed> <label>`.
   */
  schedule(delay: number, label: string, action: () => void): ScheduledEvent {
    if (Number.isNaN(delay) || delay === Infinity) {
      throw new RangeError(`schedule() needs a finite delay, got ${delay}`);
    }
    return this.scheduleAt(this.#now + Math.max(0, delay), label, action);
  }

  /** Schedules `action` at absolute virtual time `time` (a time in the past means now). */
  scheduleAt(time: number, label: string, action: () => void): ScheduledEvent {
    if (!Number.isFinite(time)) {
      throw new RangeError(`scheduleAt() needs a finite time, got ${time}`);
    }
    const ev = new _Event(
      Math.max(time, this.#now),
      this.#ties.uint32(),
      this.#seq++,
      label,
      action,
    );
    this.#push(ev);
    return ev;
  }

  /** Appends a line to the trace at the current time without scheduling anything. */
  note(text: string): void {
    this.trace.append(`t=${(this.#now - this.epoch).toFixed(3)} ${text}`);
  }

  /** Asks a running `run()` to return after the current instant. */
  stop(): void {
    this.#stopRequested = true;
  }

  /**
   * Runs events in (time, tie-breaker) order until the queue is empty or a limit is reached.
   * After each instant it yields one macrotask so that woken tasks settle.
   */
  async run(options: RunOptions = {}): Promise<RunResult> {
    if (this.#running) throw new Error("Scheduler.run() is already running");
    const until = options.until ?? Infinity;
    const maxEvents = options.maxEvents ?? Infinity;
    const signal = options.signal;
    if (Number.isNaN(until)) throw new RangeError("run({ until }) must be a number, got NaN");
    if (!(maxEvents >= 0)) {
      throw new RangeError(`run({ maxEvents }) must be >= 0, got ${maxEvents}`);
    }
    this.#running = true;
    this.#stopRequested = false;
    let ran = 0;
    let reason: StopReason = "idle";
    try {
      // Let tasks started just before run() reach their first sleep.
      await _yieldMacrotask();
      for (;;) {
        if (this.#stopRequested || signal?.aborted) {
          reason = "stopped";
          break;
        }
        if (ran >= maxEvents) {
          reason = "maxEvents";
          break;
        }
        const first = this.#peekLive();
        if (first === undefined) {
          reason = "idle";
          break;
        }
        if (first.time > until) {
          this.#now = Math.max(this.#now, until);
          reason = "until";
          break;
        }
        const t = first.time;
        this.#now = t;
        const prefix = `t=${(t - this.epoch).toFixed(3)} `;
        while (ran < maxEvents) {
          const ev = this.#peekLive();
          if (ev === undefined || ev.time !== t) break;
          this.#pop();
          this.trace.append(prefix + ev.label);
          ran++;
          this.#eventsRun++;
          ev.action();
        }
        this.#instants++;
        await _yieldMacrotask();
      }
    } finally {
      this.#running = false;
      this.#stopRequested = false;
    }
    if (reason === "idle" && until !== Infinity && until > this.#now) this.#now = until;
    return { reason, events: ran, now: this.#now };
  }

  /** Runs for `seconds` of virtual time from now (see {@linkcode Scheduler.run}). */
  runFor(seconds: number, options: Omit<RunOptions, "until"> = {}): Promise<RunResult> {
    return this.run({ ...options, until: this.#now + seconds });
  }

  #peekLive(): _Event | undefined {
    const heap = this.#heap;
    while (heap.length > 0) {
      const top = heap[0] as _Event;
      if (!top.cancelled) return top;
      this.#pop();
    }
    return undefined;
  }

  #push(ev: _Event): void {
    const heap = this.#heap;
    let i = heap.length;
    heap.push(ev);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as _Event;
      if (!_before(ev, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = ev;
  }

  #pop(): _Event | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    const n = heap.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && _before(heap[r] as _Event, heap[l] as _Event)) c = r;
      const child = heap[c] as _Event;
      if (!_before(child, last)) break;
      heap[i] = child;
      i = c;
    }
    heap[i] = last;
    return top;
  }
}

function _yieldMacrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * The Clock port bound to a {@linkcode Scheduler}: `now()` is virtual time and `sleep()`
 * schedules a wake-up event, so `await clock.sleep(5)` costs no wall time.
 *
 * @example
 * ```ts
 * import { Rng } from "./prng.ts";
 * import { Scheduler, VirtualClock } from "./scheduler.ts";
 * const s = new Scheduler({ rng: new Rng(1) });
 * const clock = new VirtualClock(s, "balancer");
 * let ticks = 0;
 * (async () => { while (ticks < 3) { await clock.sleep(60); ticks++; } })();
 * await s.run();
 * if (ticks !== 3 || s.elapsed !== 180) throw new Error("three virtual minutes");
 * ```
 */
export class VirtualClock implements Clock {
  readonly #scheduler: Scheduler;
  readonly #wakeLabel: string;

  /** @param name shows in the trace as `<name> wake` for every wake-up */
  constructor(scheduler: Scheduler, name = "clock") {
    this.#scheduler = scheduler;
    this.#wakeLabel = `${name} wake`;
  }

  now(): number {
    return this.#scheduler.now;
  }

  sleep(seconds: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    if (Number.isNaN(seconds)) throw new RangeError("sleep() needs a number of seconds, got NaN");
    return new Promise<void>((resolve) => {
      let ev: ScheduledEvent | undefined;
      const onAbort = () => {
        ev?.cancel();
        resolve();
      };
      if (seconds !== Infinity) {
        ev = this.#scheduler.schedule(seconds, this.#wakeLabel, () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        });
      }
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
