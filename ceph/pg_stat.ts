/**
 * The parts of Ceph's PG statistics (src/osd/osd_types.h) that the manager's PGMap sums and
 * dumps: `object_stat_sum_t`'s counters, `store_statfs_t`'s fields and `pg_stat_t`'s stamps,
 * each in the order Ceph dumps them.
 *
 * @module
 */

/** The counters of `object_stat_sum_t`, in Ceph's dump order. */
export const STAT_SUM_KEYS = [
  "num_bytes",
  "num_objects",
  "num_object_clones",
  "num_object_copies",
  "num_objects_missing_on_primary",
  "num_objects_missing",
  "num_objects_degraded",
  "num_objects_misplaced",
  "num_objects_unfound",
  "num_objects_dirty",
  "num_whiteouts",
  "num_read",
  "num_read_kb",
  "num_write",
  "num_write_kb",
  "num_scrub_errors",
  "num_shallow_scrub_errors",
  "num_deep_scrub_errors",
  "num_objects_recovered",
  "num_bytes_recovered",
  "num_keys_recovered",
  "num_objects_omap",
  "num_objects_hit_set_archive",
  "num_bytes_hit_set_archive",
  "num_flush",
  "num_flush_kb",
  "num_evict",
  "num_evict_kb",
  "num_promote",
  "num_flush_mode_high",
  "num_flush_mode_low",
  "num_evict_mode_some",
  "num_evict_mode_full",
  "num_objects_pinned",
  "num_legacy_snapsets",
  "num_large_omap_objects",
  "num_objects_manifest",
  "num_omap_bytes",
  "num_omap_keys",
  "num_objects_repaired",
] as const;

/** One counter of `object_stat_sum_t`. */
export type StatSumKey = (typeof STAT_SUM_KEYS)[number];

/** An `object_stat_sum_t` as Ceph dumps it. */
export type StatSum = Record<StatSumKey, number>;

/** The index of each counter in {@linkcode STAT_SUM_KEYS}. */
export const STAT_SUM_INDEX: Readonly<Record<StatSumKey, number>> = Object.fromEntries(
  STAT_SUM_KEYS.map((k, i) => [k, i]),
) as Record<StatSumKey, number>;

/** The fields of `store_statfs_t`, in Ceph's dump order. */
export const STATFS_KEYS = [
  "total",
  "available",
  "internally_reserved",
  "allocated",
  "data_stored",
  "data_compressed",
  "data_compressed_allocated",
  "data_compressed_original",
  "omap_allocated",
  "internal_metadata",
] as const;

/** One field of `store_statfs_t`. */
export type StatfsKey = (typeof STATFS_KEYS)[number];

/** The stamps of `pg_stat_t`, in Ceph's dump order. */
export const PG_STAMP_KEYS = [
  "last_fresh",
  "last_change",
  "last_active",
  "last_peered",
  "last_clean",
  "last_became_active",
  "last_became_peered",
  "last_unstale",
  "last_undegraded",
  "last_fullsized",
  "last_scrub_stamp",
  "last_deep_scrub_stamp",
  "last_clean_scrub_stamp",
] as const;

/** One stamp of `pg_stat_t`. */
export type PgStampKey = (typeof PG_STAMP_KEYS)[number];

/** The index of each stamp in {@linkcode PG_STAMP_KEYS}. */
export const PG_STAMP_INDEX: Readonly<Record<PgStampKey, number>> = Object.fromEntries(
  PG_STAMP_KEYS.map((k, i) => [k, i]),
) as Record<PgStampKey, number>;

/**
 * A zeroed `object_stat_sum_t`.
 *
 * @example
 * ```ts
 * import { zeroStatSum } from "./pg_stat.ts";
 * console.assert(zeroStatSum().num_objects === 0 && Object.keys(zeroStatSum()).length === 40);
 * ```
 */
export function zeroStatSum(): StatSum {
  const out = {} as StatSum;
  for (const k of STAT_SUM_KEYS) out[k] = 0;
  return out;
}

/** A `pg_t` as Ceph prints it: `<pool>.<ps in hex>`. */
export function pgidText(pool: number, ps: number): string {
  return `${pool}.${ps.toString(16)}`;
}

/**
 * Ceph's order of `pg_t`s (a pg_t map's order): by pool, then placement seed.
 *
 * @example
 * ```ts
 * import { comparePgids } from "./pg_stat.ts";
 * console.assert(["1.a", "1.2", "0.f"].sort(comparePgids).join() === "0.f,1.2,1.a");
 * ```
 */
export function comparePgids(a: string, b: string): number {
  const [ap, as] = a.split(".");
  const [bp, bs] = b.split(".");
  return Number(ap) - Number(bp) || parseInt(as ?? "0", 16) - parseInt(bs ?? "0", 16);
}

/**
 * The pool and placement seed of a pgid (`1.1f`), or undefined.
 *
 * @example
 * ```ts
 * import { parsePgid } from "./pg_stat.ts";
 * console.assert(parsePgid("2.1f")?.ps === 31 && parsePgid("x") === undefined);
 * ```
 */
export function parsePgid(text: string): { pool: number; ps: number } | undefined {
  const m = /^(\d+)\.([0-9a-f]+)$/.exec(text);
  if (!m) return undefined;
  const pool = Number(m[1]), ps = parseInt(m[2]!, 16);
  return Number.isSafeInteger(pool) && Number.isSafeInteger(ps) ? { pool, ps } : undefined;
}
