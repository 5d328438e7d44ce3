/**
 * Ceph's unit types as its plain output prints numbers (src/include/types.h): `byte_u_t`,
 * `si_u_t`, `weightf_t` and `lowprecision_t`.
 *
 * @module
 */

/**
 * Ceph's `byte_u_t`: `69 MiB`, `2.9 GiB`, `3 GiB` (one decimal below 10, none above).
 *
 * @example
 * ```ts
 * import { bytesText } from "./units.ts";
 * console.assert(bytesText(3 * 2 ** 30) === "3 GiB" && bytesText(1536) === "1.5 KiB");
 * ```
 */
export function bytesText(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  if (i === 0 || Number.isInteger(v)) return `${Math.round(v)} ${units[i]}`;
  return `${v < 9.95 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/**
 * Ceph's `si_u_t`: `17.64k`, `1.62k`, `0` (two decimals for thousands and up).
 *
 * @example
 * ```ts
 * import { siText } from "./units.ts";
 * console.assert(siText(17640) === "17.64k" && siText(0) === "0");
 * ```
 */
export function siText(n: number): string {
  const units = ["", "k", "M", "G", "T", "P", "E"];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  if (i === 0) return `${Math.round(v)}`;
  return `${v < 99.995 ? v.toFixed(2) : v.toFixed(0)}${units[i]}`;
}

/**
 * Ceph's `weightf_t`: five decimals, `0` for nothing, `-` when negative (a bucket's reweight).
 *
 * @example
 * ```ts
 * import { weightText } from "./units.ts";
 * console.assert(weightText(0.0293) === "0.02930" && weightText(-1) === "-");
 * ```
 */
export function weightText(w: number): string {
  if (w < -0.01) return "-";
  if (w < 0.000001) return "0";
  return w.toFixed(5);
}

/**
 * Ceph's `lowprecision_t`: two decimals, `0` below 0.001, `-` when negative (unset).
 *
 * @example
 * ```ts
 * import { lowPrecisionText } from "./units.ts";
 * console.assert(lowPrecisionText(1.005) === "1.00" && lowPrecisionText(-1) === "-");
 * ```
 */
export function lowPrecisionText(v: number): string {
  if (v < -0.01) return "-";
  if (v < 0.001) return "0";
  return v.toFixed(2);
}
