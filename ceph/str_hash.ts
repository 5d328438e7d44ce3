/**
 * Ceph's `ceph_str_hash_rjenkins` (src/common/ceph_hash.cc, Bob Jenkins' lookup2 over the
 * bytes of a name): where an object's name puts it among a pool's PGs
 * (`stable_mod(hash, pg_num)`).
 *
 * @module
 */

const _encoder = new TextEncoder();

/**
 * The rjenkins string hash of `name` (UTF-8), an unsigned 32-bit integer.
 *
 * @example
 * ```ts
 * import { strHashRjenkins } from "./str_hash.ts";
 * // `ceph osd map rbd obj_1` on a real 16.2.15 cluster: pg 2.3d986354.
 * console.assert(strHashRjenkins("obj_1") === 0x3d986354);
 * ```
 */
export function strHashRjenkins(name: string): number {
  const k = _encoder.encode(name);
  const length = k.length;
  let a = 0x9e3779b9 | 0, b = a, c = 0;
  let i = 0, len = length;
  const word = (o: number) => k[o]! | (k[o + 1]! << 8) | (k[o + 2]! << 16) | (k[o + 3]! << 24);
  while (len >= 12) {
    a = (a + word(i)) | 0;
    b = (b + word(i + 4)) | 0;
    c = (c + word(i + 8)) | 0;
    [a, b, c] = _mix(a, b, c);
    i += 12;
    len -= 12;
  }
  c = (c + length) | 0;
  // The cases fall through, as in C.
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
  [a, b, c] = _mix(a, b, c);
  return c >>> 0;
}

function _mix(a: number, b: number, c: number): [number, number, number] {
  a = (a - b - c) ^ (c >>> 13);
  b = (b - c - a) ^ (a << 8);
  c = (c - a - b) ^ (b >>> 13);
  a = (a - b - c) ^ (c >>> 12);
  b = (b - c - a) ^ (a << 16);
  c = (c - a - b) ^ (b >>> 5);
  a = (a - b - c) ^ (c >>> 3);
  b = (b - c - a) ^ (a << 10);
  c = (c - a - b) ^ (b >>> 15);
  return [a | 0, b | 0, c | 0];
}

/**
 * Ceph's `pg_pool_t::hash_key`: the hash of an object's name in namespace `nspace` (the
 * namespace and a `\x1f` before the name when there is one).
 *
 * @example
 * ```ts
 * import { objectHash, strHashRjenkins } from "./str_hash.ts";
 * console.assert(objectHash("", "a") === strHashRjenkins("a"));
 * console.assert(objectHash("ns", "a") === strHashRjenkins("ns\x1fa"));
 * ```
 */
export function objectHash(nspace: string, oid: string): number {
  return strHashRjenkins(nspace === "" ? oid : `${nspace}\x1f${oid}`);
}
