/**
 * Ceph's time formats (src/common/ceph_time.cc, src/include/utime.h), from seconds since the
 * Unix epoch as floats: stamps as `utime_t` prints them, raw seconds, and time spans.
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
 * A `utime_t` as Ceph dumps dates (`utime_t::gmtime`): `2026-11-25T13:18:48.088577+0000`.
 * Microseconds are rounded, carrying into the seconds.
 *
 * @example
 * ```ts
 * import { cephStamp } from "./time.ts";
 * console.assert(cephStamp(1_700_000_000.5) === "2023-11-14T22:13:20.500000+0000");
 * console.assert(cephStamp(1_700_000_001.9999995) === "2023-11-14T22:13:22.000000+0000");
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
 * import { cephSeconds } from "./time.ts";
 * console.assert(cephSeconds(0) === "0.000000");
 * ```
 */
export function cephSeconds(seconds: number): string {
  const [whole, micros] = _split(seconds);
  return `${whole}.${String(micros).padStart(6, "0")}`;
}

/**
 * A `utime_t` as its `operator<<` prints it: raw seconds for a value under ten years (which
 * reads as a relative time), a date otherwise.
 *
 * @example
 * ```ts
 * import { utimeText } from "./time.ts";
 * console.assert(utimeText(5) === "5.000000");
 * console.assert(utimeText(1_700_000_000) === "2023-11-14T22:13:20.000000+0000");
 * ```
 */
export function utimeText(seconds: number): string {
  return seconds < 60 * 60 * 24 * 365 * 10 ? cephSeconds(seconds) : cephStamp(seconds);
}

/**
 * Seconds since the epoch of a Ceph stamp (`2023-11-14T22:13:22.000000+0000`, or raw seconds
 * such as `12.5`); 0 for anything else.
 *
 * @example
 * ```ts
 * import { stampSeconds } from "./time.ts";
 * console.assert(stampSeconds("2023-11-14T22:13:20.500000+0000") === 1_700_000_000.5);
 * console.assert(stampSeconds("12.5") === 12.5 && stampSeconds(undefined) === 0);
 * ```
 */
export function stampSeconds(v: unknown): number {
  if (typeof v !== "string") return 0;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(?:\+0000|Z)$/.exec(v);
  if (!m) return 0;
  const whole = Date.parse(`${m[1]}Z`);
  if (!Number.isFinite(whole)) return 0;
  const frac = m[2] ? Number(`0.${m[2]}`) : 0;
  return Math.round((whole / 1000 + frac) * 1e6) / 1e6;
}

/**
 * Ceph's `timespan_str` (health mutes' time left, "stuck ... for"): `1.5s`, `90s`, `59m`,
 * `47h`, `13d`, `11w`, `23M`, `2y`.
 *
 * @example
 * ```ts
 * import { timespanText } from "./time.ts";
 * console.assert(timespanText(3540) === "59m" && timespanText(1.5) === "1.5s");
 * ```
 */
export function timespanText(seconds: number): string {
  const t = Math.max(0, seconds);
  // C++ prints the float with six significant digits.
  if (t < 2) return `${Number(Math.fround(t).toPrecision(6))}s`;
  const sec = Math.floor(t);
  if (sec < 120) return `${sec}s`;
  const min = Math.floor(sec / 60);
  if (min < 120) return `${min}m`;
  const hr = Math.floor(min / 60);
  if (hr < 48) return `${hr}h`;
  const day = Math.floor(hr / 24);
  if (day < 14) return `${day}d`;
  const wk = Math.floor(day / 7);
  if (wk < 12) return `${wk}w`;
  const mn = Math.floor(day / 30);
  if (mn < 24) return `${mn}M`;
  return `${Math.floor(day / 365)}y`;
}

/**
 * Ceph's `utimespan_str` (ages in `pg ls`, `osd df`-style tables): `45s`, `12m`, `5h`, `3d`.
 *
 * @example
 * ```ts
 * import { utimespanText } from "./time.ts";
 * console.assert(utimespanText(45) === "45s" && utimespanText(7200) === "2h");
 * ```
 */
export function utimespanText(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * C's `ctime()` (and Python's `time.ctime()`) in UTC, without the newline: the day of the month
 * is padded with a space (`%3d`), as the OSDs' `last update` and telemetry's `last_upload`
 * print it.
 *
 * @example
 * ```ts
 * import { ctimeText } from "./time.ts";
 * console.assert(ctimeText(1_796_295_029) === "Thu Dec  3 10:50:29 2026");
 * console.assert(ctimeText(1_795_612_706) === "Wed Nov 25 13:18:26 2026");
 * ```
 */
export function ctimeText(seconds: number): string {
  const d = new Date(Math.floor(seconds) * 1000);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ${
    two(d.getUTCHours())
  }:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}
