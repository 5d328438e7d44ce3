/**
 * Where a PG's placement starts: Ceph's `ceph_stable_mod` and the placement seed (`pps`) that
 * CRUSH maps to OSDs, for pools with the `hashpspool` flag (every pool since Luminous).
 *
 * @module
 */

import { crushHash2 } from "./crush_hash.ts";

/**
 * Ceph's `ceph_stable_mod(x, b, bmask)`: where `x` falls among `b` PGs.
 *
 * @example
 * ```ts
 * import { stableMod } from "./pg_placement.ts";
 * console.assert(stableMod(13, 12) === 5); // 13 & 15 = 13 >= 12, so 13 & 7
 * ```
 */
export function stableMod(x: number, b: number): number {
  let mask = 1;
  while (mask < b) mask <<= 1;
  mask -= 1;
  return (x & mask) < b ? x & mask : x & (mask >> 1);
}

/**
 * Placement seed of PG `ps` of pool `pool` when `ps` is already folded into `pgp_num`
 * (Ceph's hashpspool `crush_hash32_2(ps, pool)`).
 *
 * @example
 * ```ts
 * import { placementSeed } from "./pg_placement.ts";
 * console.assert(placementSeed(1, 0) === placementSeed(1, 0));
 * ```
 */
export function placementSeed(pool: number, ps: number): number {
  return crushHash2(ps, pool);
}

/**
 * Ceph's `pg_pool_t::raw_pg_to_pps`: the placement seed of PG `ps` of a pool with `pgpNum`
 * placement groups.
 *
 * @example
 * ```ts
 * import { pgPlacementSeed, placementSeed } from "./pg_placement.ts";
 * console.assert(pgPlacementSeed(2, 9, 8) === placementSeed(2, 1));
 * ```
 */
export function pgPlacementSeed(pool: number, ps: number, pgpNum: number): number {
  return placementSeed(pool, stableMod(ps, pgpNum));
}
