/**
 * Ceph's timestamp formats, computed from virtual time (seconds since the Unix epoch).
 *
 * @module
 */

function _split(seconds: number): [number, number] {
  let whole = Math.floor(seconds);
  let micros = Math.round((seconds - whole) * 1e6);
  if (micros >= 1e6) {
    whole += 1;
    micros -= 1e6;
  }
  return [whole, micros];
}

/**
 * A `utime_t` as Ceph dumps dates: `2026-11-25T13:18:48.088577+0000`.
 *
 * @example
 * ```ts
 * import { cephStamp } from "./ceph_time.ts";
 * if (cephStamp(1_700_000_000.5) !== "2023-11-14T22:13:20.500000+0000") throw new Error();
 * ```
 */
export function cephStamp(seconds: number): string {
  const [whole, micros] = _split(seconds);
  const iso = new Date(whole * 1000).toISOString(); // 2023-11-14T22:13:20.000Z
  return `${iso.slice(0, 19)}.${String(micros).padStart(6, "0")}+0000`;
}

/**
 * A `utime_t` as Ceph dumps durations and raw stamps: `10.854922`.
 *
 * @example
 * ```ts
 * import { cephSeconds } from "./ceph_time.ts";
 * if (cephSeconds(0) !== "0.000000") throw new Error();
 * ```
 */
export function cephSeconds(seconds: number): string {
  const [whole, micros] = _split(seconds);
  return `${whole}.${String(micros).padStart(6, "0")}`;
}
