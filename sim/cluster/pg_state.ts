/**
 * PG state bits and Ceph's state strings (`active+undersized+degraded`, ...).
 *
 * @module
 */

/** PG state bits (our own numbering; only the names are Ceph's). State 0 is "unknown". */
export const PgState = {
  STALE: 1 << 0,
  CREATING: 1 << 1,
  ACTIVE: 1 << 2,
  CLEAN: 1 << 3,
  RECOVERY_WAIT: 1 << 4,
  RECOVERING: 1 << 5,
  DOWN: 1 << 6,
  UNDERSIZED: 1 << 7,
  DEGRADED: 1 << 8,
  REMAPPED: 1 << 9,
  PEERING: 1 << 10,
  BACKFILL_WAIT: 1 << 11,
  BACKFILLING: 1 << 12,
  PEERED: 1 << 13,
} as const;

/** Names in the order Ceph's `pg_state_string()` prints them. */
const _ORDER: readonly [number, string][] = [
  [PgState.STALE, "stale"],
  [PgState.CREATING, "creating"],
  [PgState.ACTIVE, "active"],
  [PgState.CLEAN, "clean"],
  [PgState.RECOVERY_WAIT, "recovery_wait"],
  [PgState.RECOVERING, "recovering"],
  [PgState.DOWN, "down"],
  [PgState.UNDERSIZED, "undersized"],
  [PgState.DEGRADED, "degraded"],
  [PgState.REMAPPED, "remapped"],
  [PgState.PEERING, "peering"],
  [PgState.BACKFILL_WAIT, "backfill_wait"],
  [PgState.BACKFILLING, "backfilling"],
  [PgState.PEERED, "peered"],
];

const _cache = new Map<number, string>();

/**
 * The Ceph state string of a state bit set ("unknown" for 0). Results are cached: the number
 * of distinct states in a cluster is small.
 *
 * @example
 * ```ts
 * import { PgState, pgStateString } from "./pg_state.ts";
 * const s = pgStateString(PgState.ACTIVE | PgState.UNDERSIZED | PgState.DEGRADED);
 * if (s !== "active+undersized+degraded") throw new Error(s);
 * ```
 */
export function pgStateString(state: number): string {
  let s = _cache.get(state);
  if (s === undefined) {
    const parts = _ORDER.filter(([bit]) => state & bit).map(([, name]) => name);
    s = parts.length > 0 ? parts.join("+") : "unknown";
    _cache.set(state, s);
  }
  return s;
}
