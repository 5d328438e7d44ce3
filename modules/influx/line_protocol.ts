/**
 * InfluxDB line protocol as the Python `influxdb` client 5.3.1 writes it
 * (`influxdb/line_protocol.py`, `make_lines`), which Ceph 16.2.15's influx module sends
 * through `write_points(points, time_precision='ms')`.
 *
 * @module
 */
import { pythonFloat } from "mgr_module";

/** A tag or field value, as the module's points carry them. */
export type PointValue = string | number | boolean | null | undefined;

/** One point of `write_points`: `{measurement, tags, time, fields}`. */
export interface Point {
  measurement: string;
  tags: Record<string, PointValue>;
  /** An ISO 8601 stamp (`2026-12-03T17:02:17.716855Z`), as the module's `get_timestamp()`. */
  time: string;
  fields: Record<string, PointValue>;
}

/** Python's `str()` of a value: `True`, `None`, `5`, `1.5`. */
function pyStr(value: PointValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : pyRepr(value);
  return value;
}

/** Python's `repr(float)`, with Python's names for the non-finite ones. */
function pyRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  return pythonFloat(x);
}

/** `_escape_tag`: measurement names, tag keys and values, field keys. */
export function escapeTag(tag: PointValue): string {
  return pyStr(tag).replaceAll("\\", "\\\\").replaceAll(" ", "\\ ").replaceAll(",", "\\,")
    .replaceAll("=", "\\=").replaceAll("\n", "\\n");
}

/**
 * `_escape_value`: strings quoted, integers with `i`, booleans `True`/`False`, floats as
 * `repr(float)`. TypeScript has one number type: an integral number is written as Python
 * writes an `int`. Every value Ceph 16.2.15's influx module sends is an int there (perf
 * counters, df and PG counts), so the lines are the same.
 */
export function escapeValue(value: PointValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") {
    return `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")}"`;
  }
  if (typeof value === "boolean") return value ? "True" : "False";
  if (Number.isInteger(value)) return `${value}i`;
  return pyRepr(value);
}

/**
 * Parses the module's ISO stamp (`YYYY-MM-DDTHH:MM:SS[.ffffff]Z`, UTC) to nanoseconds since
 * the epoch, as a bigint (as Python's `_to_nanos`, exactly).
 */
export function stampToNanos(stamp: string): bigint {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?Z$/.exec(stamp);
  if (!m) throw new RangeError(`not a UTC ISO 8601 stamp: '${stamp}'`);
  const [, y, mo, d, h, mi, s, frac] = m;
  const seconds = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!) / 1000;
  const micros = Number((frac ?? "").padEnd(6, "0"));
  return BigInt(seconds) * 1_000_000_000n + BigInt(micros) * 1000n;
}

/** `_convert_timestamp(time, 'ms')` then `int()`: milliseconds, truncated. */
function timestampFor(stamp: string, precision: "ms"): string {
  const ns = stampToNanos(stamp);
  // Python divides as a float (ns / 10**6) and truncates; at today's magnitudes (~1.8e18 ns)
  // the float quotient rounds to the exact millisecond count or just above it, never below,
  // so integer division gives the same digits.
  void precision;
  return String(ns / 1_000_000n);
}

/** `make_line`: one point's line, tags and fields sorted by key, empty ones left out. */
export function makeLine(point: Point, precision: "ms"): string {
  let line = escapeTag(point.measurement);
  const tags: string[] = [];
  for (const key of Object.keys(point.tags).sort()) {
    const k = escapeTag(key);
    const v = escapeTag(point.tags[key]);
    if (k !== "" && v !== "") tags.push(`${k}=${v}`);
  }
  if (tags.length > 0) line += "," + tags.join(",");
  const fields: string[] = [];
  for (const key of Object.keys(point.fields).sort()) {
    const k = escapeTag(key);
    const v = escapeValue(point.fields[key]);
    if (k !== "" && v !== "") fields.push(`${k}=${v}`);
  }
  if (fields.length > 0) line += " " + fields.join(",");
  return line + " " + timestampFor(point.time, precision);
}

/**
 * `make_lines`: the body of one `/write` request, every line ended by a newline. No points
 * give `"\n"`, as the Python client sends for an empty batch.
 *
 * @example
 * ```ts
 * import { makeLines } from "./line_protocol.ts";
 * const body = makeLines([{
 *   measurement: "ceph_pool_stats",
 *   tags: { pool_name: "my pool", pool_id: 1 },
 *   time: "2026-12-03T17:02:17.716855Z",
 *   fields: { value: 42 },
 * }], "ms");
 * console.assert(body === "ceph_pool_stats,pool_id=1,pool_name=my\\ pool value=42i 1796317337716\n");
 * ```
 */
export function makeLines(points: readonly Point[], precision: "ms"): string {
  return points.map((p) => makeLine(p, precision)).join("\n") + "\n";
}
