/**
 * The pool changes the reuse property tests (tests/pg_map_reuse.test.ts,
 * tests/sim_cluster_osd_map_reuse.test.ts) draw among their steps: what `osd pool set` makes of
 * size, pg_num (splits and merges) and pgp_num.
 */
import fc from "fast-check";
import type { SimCluster } from "../sim/cluster/cluster.ts";

/** One pool change; `pool` picks a pool modulo the pool count. */
export type PoolStep =
  | { kind: "poolSize"; pool: number; size: number }
  | { kind: "poolPgNum"; pool: number; add: number }
  | { kind: "poolPgpNum"; pool: number; pgpNum: number };

/** The arbitraries of the three pool changes, to spread into an `fc.oneof`. */
export const POOL_STEP_ARBS: fc.Arbitrary<PoolStep>[] = [
  fc.record({
    kind: fc.constant("poolSize" as const),
    pool: fc.nat(),
    size: fc.constantFrom(2, 3),
  }),
  fc.record({
    kind: fc.constant("poolPgNum" as const),
    pool: fc.nat(),
    add: fc.constantFrom(-8, -1, 1, 4, 16),
  }),
  fc.record({
    kind: fc.constant("poolPgpNum" as const),
    pool: fc.nat(),
    pgpNum: fc.integer({ min: 1, max: 64 }),
  }),
];

/** Applies a pool change as `osd pool set` makes it. */
export function poolStep(c: SimCluster, step: PoolStep): void {
  const pool = c.map.pools[step.pool % c.map.pools.length]!;
  if (step.kind === "poolSize") c.setPoolSize(pool, step.size, step.size - (step.size >> 1));
  else if (step.kind === "poolPgNum") {
    c.setPoolPgNum(pool, Math.max(1, pool.pgNumTarget + step.add));
  } else c.setPoolPgpNum(pool, Math.min(step.pgpNum, pool.pgNumTarget));
}
