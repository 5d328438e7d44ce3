/**
 * The manager daemon's own perf counters, as a Ceph daemon keeps them in its
 * PerfCountersCollection and `tell mgr perf dump` / `perf schema` print them: named sections
 * (loggers) of counters with Ceph's types, descriptions, nicks, priorities and units. Only what
 * mgrd really measures has a section:
 *
 * - `finisher-<module>` for each running module: its queue (core/serial_queue.ts) carries the
 *   module's notify, config_notify and commands, as a ceph-mgr module's Finisher does;
 *   `queue_len` counts the tasks queued and not yet finished (Finisher::queue increments it,
 *   the finisher thread decrements it after each completion) and `complete_latency` averages
 *   how long each task ran, from the Clock port;
 * - `mgr`: `cache_hit` and `cache_miss` of the modules' `get()` (Ceph's api cache; mgrd's
 *   snapshot cache, which is always on).
 *
 * The counters of priority `mgr_stats_threshold` and up are also what this daemon reports to
 * the active manager about itself ({@linkcode OwnPerfCounters.report}), as ceph-mgr's MgrClient
 * does: `get_perf_schema('mgr', <id>)` has them.
 *
 * @module
 */
import type { CounterSchemaEntry } from "./state/perf_counters.ts";
import { perfSchemaJson, perfValueJson } from "../ceph/perf_dump.ts";

/** Ceph's `perfcounter_type_d` bits (common/perf_counters.h). */
export const PerfCounterType = {
  TIME: 1,
  U64: 2,
  LONGRUNAVG: 4,
  COUNTER: 8,
  HISTOGRAM: 0x10,
} as const;

/** One counter a section declares (PerfCountersBuilder's add_*). */
export interface OwnCounterSpec {
  readonly name: string;
  /** Ceph's type bits: 2 a gauge, 10 a counter, 5 a time average. */
  readonly type: number;
  readonly description?: string;
  readonly nick?: string;
  readonly priority?: number;
  /** Ceph's unit_t: 0 bytes, 1 none (the default). */
  readonly units?: number;
}

/**
 * One section of counters (Ceph's PerfCounters): values in slots by declaration order, times
 * in nanoseconds.
 *
 * @example
 * ```ts
 * import { OwnPerfCounters, FINISHER_COUNTERS } from "./own_perf_counters.ts";
 * const perf = new OwnPerfCounters();
 * const fin = perf.create("finisher-status", FINISHER_COUNTERS);
 * fin.inc(0);
 * fin.tinc(1, 0.25);
 * fin.dec(0);
 * const dump = perf.dump() as { "finisher-status": { complete_latency: { avgcount: number } } };
 * if (dump["finisher-status"].complete_latency.avgcount !== 1) throw new Error();
 * ```
 */
export class PerfLogger {
  readonly name: string;
  readonly specs: readonly OwnCounterSpec[];
  readonly #values: Float64Array;
  readonly #counts: Float64Array;
  readonly #index = new Map<string, number>();

  constructor(name: string, specs: readonly OwnCounterSpec[]) {
    if (!/^[^.\s]+$/.test(name)) {
      throw new RangeError(`perf logger name '${name}' must be non-empty, without dots or spaces`);
    }
    this.name = name;
    this.specs = specs;
    this.#values = new Float64Array(specs.length);
    this.#counts = new Float64Array(specs.length);
    for (const [i, s] of specs.entries()) {
      if (this.#index.has(s.name)) throw new RangeError(`${name}: counter ${s.name} twice`);
      if (s.type & PerfCounterType.HISTOGRAM) {
        throw new RangeError(`${name}.${s.name}: histogram counters are not kept here`);
      }
      this.#index.set(s.name, i);
    }
  }

  /** Adds `n` to counter `i`. */
  inc(i: number, n = 1): void {
    this.#values[i]! += n;
  }

  /** Takes `n` from counter `i`. */
  dec(i: number, n = 1): void {
    this.#values[i]! -= n;
  }

  /** Sets counter `i` to `v`. */
  set(i: number, v: number): void {
    this.#values[i] = v;
  }

  /**
   * Adds a time of `seconds` to counter `i` (and one to its count, for an average), to the
   * microsecond: a difference of two Clock readings near the epoch's magnitude carries a few
   * hundred nanoseconds of float error, which must not print as measured digits.
   */
  tinc(i: number, seconds: number): void {
    this.#values[i]! += Math.round(Math.max(0, seconds) * 1e6) * 1e3;
    this.#counts[i]!++;
  }

  /** Counter `i`'s value (nanoseconds for a time). */
  value(i: number): number {
    return this.#values[i]!;
  }

  /** Counter `i`'s count (a long-running average's). */
  count(i: number): number {
    return this.#counts[i]!;
  }

  /** The index of counter `name`, or -1. */
  indexOf(name: string): number {
    return this.#index.get(name) ?? -1;
  }
}

/** What Ceph's Finisher declares: `queue_len` and `complete_latency`, priority 0. */
export const FINISHER_COUNTERS: readonly OwnCounterSpec[] = Object.freeze([
  { name: "queue_len", type: PerfCounterType.U64 },
  { name: "complete_latency", type: PerfCounterType.TIME | PerfCounterType.LONGRUNAVG },
]);

/** l_finisher_queue_len, l_finisher_complete_lat. */
export const FINISHER_QUEUE_LEN = 0, FINISHER_COMPLETE_LAT = 1;

/** ceph-mgr's `mgr` section (mgr/mgr_perf_counters.cc): its api cache's hits and misses. */
export const MGR_COUNTERS: readonly OwnCounterSpec[] = Object.freeze([
  {
    name: "cache_hit",
    type: PerfCounterType.U64 | PerfCounterType.COUNTER,
    description: "Cache hits",
    priority: 5,
  },
  {
    name: "cache_miss",
    type: PerfCounterType.U64 | PerfCounterType.COUNTER,
    description: "Cache miss",
    priority: 5,
  },
]);

/** l_mgr_cache_hit, l_mgr_cache_miss. */
export const MGR_CACHE_HIT = 0, MGR_CACHE_MISS = 1;

/**
 * A finisher's counters around one queue: {@linkcode SerialQueue} calls `queued` when a task
 * is queued and `completed` with the seconds it ran once it has.
 */
export interface FinisherCounters {
  queued(): void;
  completed(seconds: number): void;
}

/** The `finisher-<name>` counters of one queue, in `logger` (made with FINISHER_COUNTERS). */
export function finisherCounters(logger: PerfLogger): FinisherCounters {
  return {
    queued: () => logger.inc(FINISHER_QUEUE_LEN),
    completed: (seconds) => {
      logger.tinc(FINISHER_COMPLETE_LAT, seconds);
      logger.dec(FINISHER_QUEUE_LEN);
    },
  };
}

/** The daemon's sections, by name (Ceph's PerfCountersCollection). */
export class OwnPerfCounters {
  readonly #loggers = new Map<string, PerfLogger>();
  /** The sections in Ceph's order (by name, bytewise), rebuilt after a change. */
  #sorted: PerfLogger[] | null = null;
  /** Bumped when a section comes or goes (the own report's schema changes then). */
  #generation = 0;

  /** Adds section `name` (replacing one of that name: a module that restarted). */
  create(name: string, specs: readonly OwnCounterSpec[]): PerfLogger {
    const logger = new PerfLogger(name, specs);
    this.#loggers.set(name, logger);
    this.#sorted = null;
    this.#generation++;
    return logger;
  }

  /** Removes `logger`, if it is still the section of its name. */
  remove(logger: PerfLogger): void {
    if (this.#loggers.get(logger.name) !== logger) return;
    this.#loggers.delete(logger.name);
    this.#sorted = null;
    this.#generation++;
  }

  /** The section `name`, if there is one. */
  get(name: string): PerfLogger | undefined {
    return this.#loggers.get(name);
  }

  /** Bumped whenever a section comes or goes. */
  get generation(): number {
    return this.#generation;
  }

  #all(): PerfLogger[] {
    return this.#sorted ??= [...this.#loggers.values()].sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0
    );
  }

  /**
   * `perf dump [<logger> [<counter>]]`: every section, or the one named (empty when there is
   * no such section, as the admin socket answers), or one counter of it.
   */
  dump(logger?: string, counter?: string): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const l of this.#all()) {
      if (logger !== undefined && l.name !== logger) continue;
      const values: Record<string, unknown> = out[l.name] = {};
      for (const [i, s] of l.specs.entries()) {
        if (counter !== undefined && s.name !== counter) continue;
        values[s.name] = perfValueJson(s.type, l.value(i), l.count(i));
      }
    }
    return out;
  }

  /**
   * `perf histogram dump [<logger>]` and `perf histogram schema`: every section, each empty,
   * as ceph-mgr prints them — no section here declares a histogram counter (OwnCounterSpec
   * types are gauges, counters and time averages only).
   */
  histograms(logger?: string): Record<string, Record<string, never>> {
    const out: Record<string, Record<string, never>> = {};
    for (const l of this.#all()) if (logger === undefined || l.name === logger) out[l.name] = {};
    return out;
  }

  /** `perf schema`: each section's counters with Ceph's schema fields. */
  schema(): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const l of this.#all()) {
      const entries: Record<string, unknown> = out[l.name] = {};
      for (const s of l.specs) {
        entries[s.name] = perfSchemaJson(
          s.type,
          s.description ?? "",
          s.nick ?? "",
          s.priority ?? 0,
          s.units ?? 1,
        );
      }
    }
    return out;
  }

  /**
   * What this daemon reports to its manager about itself (MgrClient::_send_report): the
   * counters of priority `threshold` and up, declared in path order, and their values in the
   * counter store's slot order (a long-running average's sum, in nanoseconds, then its count).
   */
  report(threshold: number): { schema: CounterSchemaEntry[]; values: Float64Array } {
    const schema: CounterSchemaEntry[] = [];
    const values: number[] = [];
    for (const l of this.#all()) {
      for (const [i, s] of l.specs.entries()) {
        if ((s.priority ?? 0) < threshold) continue;
        schema.push({
          path: `${l.name}.${s.name}`,
          description: s.description ?? "",
          nick: s.nick ?? "",
          type: s.type,
          priority: s.priority ?? 0,
          units: s.units ?? 1,
        });
        values.push(l.value(i));
        if (s.type & PerfCounterType.LONGRUNAVG) values.push(l.count(i));
      }
    }
    return { schema, values: Float64Array.from(values) };
  }
}
