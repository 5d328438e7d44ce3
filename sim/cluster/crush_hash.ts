/**
 * CRUSH's rjenkins1 hash (Robert Jenkins' 96-bit mix), as in Ceph's `src/crush/hash.c`.
 * Placement draws from it so that a map always gives the same placement.
 *
 * @module
 */

const SEED = 1315423911;

let _a = 0, _b = 0, _c = 0;

/** One `crush_hashmix(a, b, c)` round on the module registers. */
function _mix(): void {
  let a = _a, b = _b, c = _c;
  a = (a - b - c) ^ (c >>> 13);
  b = (b - c - a) ^ (a << 8);
  c = (c - a - b) ^ (b >>> 13);
  a = (a - b - c) ^ (c >>> 12);
  b = (b - c - a) ^ (a << 16);
  c = (c - a - b) ^ (b >>> 5);
  a = (a - b - c) ^ (c >>> 3);
  b = (b - c - a) ^ (a << 10);
  c = (c - a - b) ^ (b >>> 15);
  _a = a | 0;
  _b = b | 0;
  _c = c | 0;
}

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
  let hash = (SEED ^ a ^ b) | 0;
  const x = 231232, y = 1232;
  _a = a | 0, _b = b | 0, _c = hash, _mix();
  a = _a, b = _b, hash = _c;
  _a = x, _b = a, _c = hash, _mix();
  a = _b, hash = _c;
  _a = b, _b = y, _c = hash, _mix();
  return _c >>> 0;
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
  let hash = (SEED ^ a ^ b ^ c) | 0;
  let x = 231232, y = 1232;
  _a = a | 0, _b = b | 0, _c = hash, _mix();
  a = _a, b = _b, hash = _c;
  _a = c | 0, _b = x, _c = hash, _mix();
  c = _a, x = _b, hash = _c;
  _a = y, _b = a, _c = hash, _mix();
  y = _a, a = _b, hash = _c;
  _a = b, _b = x, _c = hash, _mix();
  b = _a, x = _b, hash = _c;
  _a = y, _b = c, _c = hash, _mix();
  return _c >>> 0;
}
