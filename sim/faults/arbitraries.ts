/**
 * fast-check arbitraries for fault schedules, so a failing schedule shrinks to a small one.
 *
 * @module
 */

import fc from "fast-check";
import type { FaultSpec } from "./faults.ts";

/** The topology the faults refer to. */
export interface FaultTopology {
  osds: number;
  hosts: string[];
  mons: string[];
  /** Faults fall in [0, horizon) seconds. */
  horizon: number;
  /** Longest fault (default 300 s). */
  maxDuration?: number;
}

/**
 * One fault of any kind that heals (every generated fault has a bounded duration).
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { faultArb } from "./arbitraries.ts";
 * const [f] = fc.sample(faultArb({ osds: 9, hosts: ["host1"], mons: ["a"], horizon: 600 }), { numRuns: 1, seed: 1 });
 * if (!f || f.at >= 600) throw new Error();
 * ```
 */
export function faultArb(t: FaultTopology): fc.Arbitrary<FaultSpec> {
  const at = fc.integer({ min: 0, max: t.horizon - 1 });
  const duration = fc.integer({ min: 5, max: t.maxDuration ?? 300 });
  const osd = fc.integer({ min: 0, max: t.osds - 1 });
  return fc.oneof(
    fc.record({ kind: fc.constant("mon-outage" as const), at, duration }),
    fc.record({ kind: fc.constant("quorum-loss" as const), at, duration }),
    fc.record({
      kind: fc.constant("mon-down" as const),
      at,
      duration,
      mon: fc.constantFrom(...t.mons),
    }),
    fc.record({
      kind: fc.constant("metadata-missing" as const),
      at,
      duration,
      daemons: fc.array(osd.map((o) => `osd.${o}`), { minLength: 1, maxLength: 3 }),
    }),
    fc.record({
      kind: fc.constant("metadata-orphan" as const),
      at,
      duration,
      osd: fc.integer({ min: t.osds, max: t.osds + 100 }),
    }),
    fc.record({
      kind: fc.constant("metadata-stale" as const),
      at,
      duration,
      daemons: fc.array(osd.map((o) => `osd.${o}`), { minLength: 1, maxLength: 3 }),
      version: fc.constant("16.2.16"),
    }),
    fc.record({ kind: fc.constant("late-reports" as const), at, duration }),
    fc.record({
      kind: fc.constant("slow-osd" as const),
      at,
      duration,
      osds: fc.array(osd, { minLength: 1, maxLength: 2 }),
      factor: fc.integer({ min: 2, max: 100 }),
    }),
    fc.record({
      kind: fc.constant("osd-flap" as const),
      at,
      osd,
      count: fc.integer({ min: 1, max: 4 }),
      period: fc.integer({ min: 4, max: 60 }),
    }),
    fc.record({ kind: fc.constant("osd-out" as const), at, duration, osd }),
    fc.record({ kind: fc.constant("osd-down" as const), at, duration, osd }),
    fc.record({
      kind: fc.constant("host-down" as const),
      at,
      duration,
      host: fc.constantFrom(...t.hosts),
    }),
    fc.record({ kind: fc.constant("mgr-fail" as const), at }),
    fc.record({ kind: fc.constant("mds-down" as const), at, duration }),
  );
}

/** A schedule of up to `maxLength` healing faults. */
export function faultScheduleArb(t: FaultTopology, maxLength = 6): fc.Arbitrary<FaultSpec[]> {
  return fc.array(faultArb(t), { maxLength });
}
