/**
 * CRUSH's rjenkins1 hash (Robert Jenkins' 96-bit mix), as in Ceph's `src/crush/hash.c`.
 * The mix rounds are written out in full: this is the innermost loop of placement.
 * Placement draws from it so that a map always gives the same placement.
 *
 * @module
 */

const SEED = 1315423911;

/**
 * `crush_hash32_rjenkins1_2(a, b)`, an unsigned 32-bit result.
 *
 * @example
 * ```ts
 * import { crushHash2 } from "./crush_hash.ts";
 * if (crushHash2(1, 2) !== crushHash2(1, 2)) throw new Error("deterministic");
 * ```
 */
export function crushHash2(a: number, b: number): number {
  a |= 0;
  b |= 0;
  let hash = SEED ^ a ^ b;
  let x = 231232, y = 1232;
  a = (a - b - hash) ^ (hash >>> 13);
  b = (b - hash - a) ^ (a << 8);
  hash = (hash - a - b) ^ (b >>> 13);
  a = (a - b - hash) ^ (hash >>> 12);
  b = (b - hash - a) ^ (a << 16);
  hash = (hash - a - b) ^ (b >>> 5);
  a = (a - b - hash) ^ (hash >>> 3);
  b = (b - hash - a) ^ (a << 10);
  hash = (hash - a - b) ^ (b >>> 15);
  x = (x - a - hash) ^ (hash >>> 13);
  a = (a - hash - x) ^ (x << 8);
  hash = (hash - x - a) ^ (a >>> 13);
  x = (x - a - hash) ^ (hash >>> 12);
  a = (a - hash - x) ^ (x << 16);
  hash = (hash - x - a) ^ (a >>> 5);
  x = (x - a - hash) ^ (hash >>> 3);
  a = (a - hash - x) ^ (x << 10);
  hash = (hash - x - a) ^ (a >>> 15);
  b = (b - y - hash) ^ (hash >>> 13);
  y = (y - hash - b) ^ (b << 8);
  hash = (hash - b - y) ^ (y >>> 13);
  b = (b - y - hash) ^ (hash >>> 12);
  y = (y - hash - b) ^ (b << 16);
  hash = (hash - b - y) ^ (y >>> 5);
  b = (b - y - hash) ^ (hash >>> 3);
  y = (y - hash - b) ^ (b << 10);
  hash = (hash - b - y) ^ (y >>> 15);
  return hash >>> 0;
}

/**
 * `crush_hash32_rjenkins1_3(a, b, c)`, an unsigned 32-bit result.
 *
 * @example
 * ```ts
 * import { crushHash3 } from "./crush_hash.ts";
 * if (crushHash3(1, 2, 3) === crushHash3(1, 2, 4)) throw new Error("inputs matter");
 * ```
 */
export function crushHash3(a: number, b: number, c: number): number {
  a |= 0;
  b |= 0;
  c |= 0;
  let hash = SEED ^ a ^ b ^ c;
  let x = 231232, y = 1232;
  a = (a - b - hash) ^ (hash >>> 13);
  b = (b - hash - a) ^ (a << 8);
  hash = (hash - a - b) ^ (b >>> 13);
  a = (a - b - hash) ^ (hash >>> 12);
  b = (b - hash - a) ^ (a << 16);
  hash = (hash - a - b) ^ (b >>> 5);
  a = (a - b - hash) ^ (hash >>> 3);
  b = (b - hash - a) ^ (a << 10);
  hash = (hash - a - b) ^ (b >>> 15);
  c = (c - x - hash) ^ (hash >>> 13);
  x = (x - hash - c) ^ (c << 8);
  hash = (hash - c - x) ^ (x >>> 13);
  c = (c - x - hash) ^ (hash >>> 12);
  x = (x - hash - c) ^ (c << 16);
  hash = (hash - c - x) ^ (x >>> 5);
  c = (c - x - hash) ^ (hash >>> 3);
  x = (x - hash - c) ^ (c << 10);
  hash = (hash - c - x) ^ (x >>> 15);
  y = (y - a - hash) ^ (hash >>> 13);
  a = (a - hash - y) ^ (y << 8);
  hash = (hash - y - a) ^ (a >>> 13);
  y = (y - a - hash) ^ (hash >>> 12);
  a = (a - hash - y) ^ (y << 16);
  hash = (hash - y - a) ^ (a >>> 5);
  y = (y - a - hash) ^ (hash >>> 3);
  a = (a - hash - y) ^ (y << 10);
  hash = (hash - y - a) ^ (a >>> 15);
  b = (b - x - hash) ^ (hash >>> 13);
  x = (x - hash - b) ^ (b << 8);
  hash = (hash - b - x) ^ (x >>> 13);
  b = (b - x - hash) ^ (hash >>> 12);
  x = (x - hash - b) ^ (b << 16);
  hash = (hash - b - x) ^ (x >>> 5);
  b = (b - x - hash) ^ (hash >>> 3);
  x = (x - hash - b) ^ (b << 10);
  hash = (hash - b - x) ^ (x >>> 15);
  y = (y - c - hash) ^ (hash >>> 13);
  c = (c - hash - y) ^ (y << 8);
  hash = (hash - y - c) ^ (c >>> 13);
  y = (y - c - hash) ^ (hash >>> 12);
  c = (c - hash - y) ^ (y << 16);
  hash = (hash - y - c) ^ (c >>> 5);
  y = (y - c - hash) ^ (hash >>> 3);
  c = (c - hash - y) ^ (y << 10);
  hash = (hash - y - c) ^ (c >>> 15);
  return hash >>> 0;
}
