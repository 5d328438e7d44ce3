/**
 * PG states: Ceph's `PG_STATE_*` bits (src/osd/osd_types.h) and `pg_state_string()`. The one
 * PG-state list of mgrd: the simulator's PGs, the manager's PGMap and `pg ls` filters use it.
 *
 * States are numbers holding Ceph's 64-bit masks exactly (the highest bit is 2^34, well within
 * a double). Test a bit below 2^31 with `s & PgState.ACTIVE` (JavaScript's `&` reads the low 32
 * bits of any such number); set bits with {@linkcode withPgState}, since `|` would drop the
 * bits above 31.
 *
 * @module
 */

/** Ceph's PG state bits. State 0 is "unknown" (no report yet). */
export const PgState = {
  CREATING: 2 ** 0,
  ACTIVE: 2 ** 1,
  CLEAN: 2 ** 2,
  DOWN: 2 ** 4,
  RECOVERY_UNFOUND: 2 ** 5,
  BACKFILL_UNFOUND: 2 ** 6,
  PREMERGE: 2 ** 7,
  SCRUBBING: 2 ** 8,
  DEGRADED: 2 ** 10,
  INCONSISTENT: 2 ** 11,
  PEERING: 2 ** 12,
  REPAIR: 2 ** 13,
  RECOVERING: 2 ** 14,
  BACKFILL_WAIT: 2 ** 15,
  INCOMPLETE: 2 ** 16,
  STALE: 2 ** 17,
  REMAPPED: 2 ** 18,
  DEEP_SCRUB: 2 ** 19,
  BACKFILLING: 2 ** 20,
  BACKFILL_TOOFULL: 2 ** 21,
  RECOVERY_WAIT: 2 ** 22,
  UNDERSIZED: 2 ** 23,
  ACTIVATING: 2 ** 24,
  PEERED: 2 ** 25,
  SNAPTRIM: 2 ** 26,
  SNAPTRIM_WAIT: 2 ** 27,
  RECOVERY_TOOFULL: 2 ** 28,
  SNAPTRIM_ERROR: 2 ** 29,
  FORCED_RECOVERY: 2 ** 30,
  FORCED_BACKFILL: 2 ** 31,
  FAILED_REPAIR: 2 ** 32,
  LAGGY: 2 ** 33,
  WAIT: 2 ** 34,
} as const;

/** Every state name with its bit, in the order `pg_state_string()` prints them. */
export const PG_STATE_NAMES: readonly (readonly [name: string, bit: number])[] = [
  ["stale", PgState.STALE],
  ["creating", PgState.CREATING],
  ["active", PgState.ACTIVE],
  ["activating", PgState.ACTIVATING],
  ["clean", PgState.CLEAN],
  ["recovery_wait", PgState.RECOVERY_WAIT],
  ["recovery_toofull", PgState.RECOVERY_TOOFULL],
  ["recovering", PgState.RECOVERING],
  ["forced_recovery", PgState.FORCED_RECOVERY],
  ["down", PgState.DOWN],
  ["recovery_unfound", PgState.RECOVERY_UNFOUND],
  ["backfill_unfound", PgState.BACKFILL_UNFOUND],
  ["undersized", PgState.UNDERSIZED],
  ["degraded", PgState.DEGRADED],
  ["remapped", PgState.REMAPPED],
  ["premerge", PgState.PREMERGE],
  ["scrubbing", PgState.SCRUBBING],
  ["deep", PgState.DEEP_SCRUB],
  ["inconsistent", PgState.INCONSISTENT],
  ["peering", PgState.PEERING],
  ["repair", PgState.REPAIR],
  ["backfill_wait", PgState.BACKFILL_WAIT],
  ["backfilling", PgState.BACKFILLING],
  ["forced_backfill", PgState.FORCED_BACKFILL],
  ["backfill_toofull", PgState.BACKFILL_TOOFULL],
  ["incomplete", PgState.INCOMPLETE],
  ["peered", PgState.PEERED],
  ["snaptrim", PgState.SNAPTRIM],
  ["snaptrim_wait", PgState.SNAPTRIM_WAIT],
  ["snaptrim_error", PgState.SNAPTRIM_ERROR],
  ["failed_repair", PgState.FAILED_REPAIR],
  ["laggy", PgState.LAGGY],
  ["wait", PgState.WAIT],
];

const _BY_NAME: ReadonlyMap<string, number> = new Map(PG_STATE_NAMES);
const _HIGH = 2 ** 32;

/**
 * Whether state `s` has `bit` set, for any of Ceph's bits (above 2^31 as well).
 *
 * @example
 * ```ts
 * import { hasPgState, PgState } from "./pg_state.ts";
 * console.assert(hasPgState(PgState.ACTIVE + PgState.LAGGY, PgState.LAGGY));
 * ```
 */
export function hasPgState(s: number, bit: number): boolean {
  // `&` reads both operands' low 32 bits (ToInt32), which is exact for Ceph's low states.
  if (bit < _HIGH) return (s & bit) !== 0;
  return (Math.floor(s / _HIGH) & (bit / _HIGH)) !== 0;
}

/**
 * State `s` with `bit` set (or cleared with `on` false), keeping the bits above 2^31.
 *
 * @example
 * ```ts
 * import { PgState, pgStateString, withPgState } from "./pg_state.ts";
 * const s = withPgState(PgState.ACTIVE + PgState.LAGGY, PgState.STALE);
 * console.assert(pgStateString(s) === "stale+active+laggy");
 * ```
 */
export function withPgState(s: number, bit: number, on = true): number {
  return hasPgState(s, bit) === on ? s : on ? s + bit : s - bit;
}

const _strings = new Map<number, string>();

/**
 * The Ceph state string of a state ("unknown" for 0), as `pg_state_string()` prints it.
 * Results are cached: a cluster has few distinct states.
 *
 * @example
 * ```ts
 * import { PgState, pgStateString } from "./pg_state.ts";
 * const s = pgStateString(PgState.ACTIVE | PgState.UNDERSIZED | PgState.DEGRADED);
 * console.assert(s === "active+undersized+degraded");
 * ```
 */
export function pgStateString(state: number): string {
  let s = _strings.get(state);
  if (s === undefined) {
    const parts: string[] = [];
    for (const [name, bit] of PG_STATE_NAMES) if (hasPgState(state, bit)) parts.push(name);
    s = parts.length > 0 ? parts.join("+") : "unknown";
    _strings.set(state, s);
  }
  return s;
}

/**
 * The state of a Ceph state string (`active+clean+laggy`); "unknown" is 0. Undefined when a
 * part is not a state name.
 *
 * @example
 * ```ts
 * import { parsePgState, PgState } from "./pg_state.ts";
 * console.assert(parsePgState("active+clean") === (PgState.ACTIVE | PgState.CLEAN));
 * console.assert(parsePgState("unknown") === 0 && parsePgState("bogus") === undefined);
 * ```
 */
export function parsePgState(text: string): number | undefined {
  if (text === "unknown") return 0;
  let s = 0;
  for (const part of text.split("+")) {
    const bit = _BY_NAME.get(part);
    if (bit === undefined) return undefined;
    s = withPgState(s, bit);
  }
  return s;
}

/** The bit of one state name (`pg ls` filters), or undefined. */
export function pgStateBit(name: string): number | undefined {
  return _BY_NAME.get(name);
}
