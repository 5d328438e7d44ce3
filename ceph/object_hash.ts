/**
 * Ceph's object name hash, `ceph_str_hash_rjenkins` (src/common/ceph_hash.cc: Bob Jenkins'
 * lookup2), which places an object in a PG of a pool whose `object_hash` is `rjenkins`: the
 * raw pgid `<pool>.<hash hex>`, then `ceph_stable_mod(hash, pg_num)`.
 *
 * @module
 */

/**
 * `ceph_str_hash_rjenkins` of a name's UTF-8 bytes, as an unsigned 32-bit number.
 *
 * @example
 * ```ts
 * import { strHashRjenkins } from "./object_hash.ts";
 * // `ceph osd map rbd obj_1` on a real cluster: pg 2.3d986354.
 * console.assert(strHashRjenkins("obj_1").toString(16) === "3d986354");
 * ```
 */
export function strHashRjenkins(name: string): number {
  const k = new TextEncoder().encode(name);
  const length = k.length;
  let a = 0x9e3779b9 | 0, b = a, c = 0;
  const mix = () => {
    a = (a - b - c) ^ (c >>> 13);
    b = (b - c - a) ^ (a << 8);
    c = (c - a - b) ^ (b >>> 13);
    a = (a - b - c) ^ (c >>> 12);
    b = (b - c - a) ^ (a << 16);
    c = (c - a - b) ^ (b >>> 5);
    a = (a - b - c) ^ (c >>> 3);
    b = (b - c - a) ^ (a << 10);
    c = (c - a - b) ^ (b >>> 15);
  };
  const word = (i: number) => k[i]! | (k[i + 1]! << 8) | (k[i + 2]! << 16) | (k[i + 3]! << 24);
  let i = 0;
  let len = length;
  while (len >= 12) {
    a = (a + word(i)) | 0;
    b = (b + word(i + 4)) | 0;
    c = (c + word(i + 8)) | 0;
    mix();
    i += 12;
    len -= 12;
  }
  c = (c + length) | 0;
  // The cases of lookup2's fall-through switch: the last 11 bytes, c's first byte the length.
  if (len >= 11) c = (c + (k[i + 10]! << 24)) | 0;
  if (len >= 10) c = (c + (k[i + 9]! << 16)) | 0;
  if (len >= 9) c = (c + (k[i + 8]! << 8)) | 0;
  if (len >= 8) b = (b + (k[i + 7]! << 24)) | 0;
  if (len >= 7) b = (b + (k[i + 6]! << 16)) | 0;
  if (len >= 6) b = (b + (k[i + 5]! << 8)) | 0;
  if (len >= 5) b = (b + k[i + 4]!) | 0;
  if (len >= 4) a = (a + (k[i + 3]! << 24)) | 0;
  if (len >= 3) a = (a + (k[i + 2]! << 16)) | 0;
  if (len >= 2) a = (a + (k[i + 1]! << 8)) | 0;
  if (len >= 1) a = (a + k[i]!) | 0;
  mix();
  return c >>> 0;
}

/** `ceph_stable_mod`: the PG (of `b`) that a hash falls in, stable as `b` grows. */
export function cephStableMod(x: number, b: number): number {
  let mask = 1;
  while (mask < b) mask <<= 1;
  mask -= 1;
  return (x & mask) < b ? x & mask : x & (mask >> 1);
}
