/**
 * InfluxDB line protocol as Ceph 16.2.15's telegraf module writes it (telegraf/protocol.py and
 * telegraf/utils.py): tags sorted by key, `value=<v>` with `i` after integers, the timestamp in
 * nanoseconds.
 *
 * @module
 */
import { pythonFloat } from "mgr_module";

/** A tag or field value as the module's measurements carry it (Python str, int or float). */
export type LineValue = string | number | boolean;

/**
 * utils.format_string: escapes `,`, ` ` and `=` in strings; numbers pass through as Python's
 * `'{0}'.format(n)` prints them.
 */
export function formatString(key: LineValue): string {
  if (typeof key === "string") {
    return key.replaceAll(",", "\\,").replaceAll(" ", "\\ ").replaceAll("=", "\\=");
  }
  return pythonScalar(key);
}

/**
 * utils.format_value: strings quoted (its `replace('"', '\"')` is a no-op in Python, so inner
 * quotes stay as they are), booleans `True`/`False`, integers with `i`, floats as `str(float)`.
 */
export function formatValue(value: LineValue): string {
  if (typeof value === "string") return `"${value}"`;
  if (typeof value === "boolean") return value ? "True" : "False";
  if (Number.isInteger(value)) return `${pythonInt(value)}i`;
  return pythonFloat(value);
}

/** An integer as Python prints it (no exponent, however large). */
function pythonInt(n: number): string {
  return Math.abs(n) < 1e21 ? String(n) : BigInt(n).toString();
}

function pythonScalar(v: number | boolean): string {
  if (typeof v === "boolean") return v ? "True" : "False";
  return Number.isInteger(v) ? pythonInt(v) : pythonFloat(v);
}

/**
 * protocol.Line.to_line_protocol: `<measurement>[,<tags>] value=<v>[ <timestamp>]`.
 *
 * @example
 * ```ts
 * import { toLineProtocol } from "./_protocol.ts";
 * console.assert(
 *   toLineProtocol("ceph_pool_stats", 5, { pool_name: "rbd", pool_id: 1 }, 17n) ===
 *     "ceph_pool_stats,pool_id=1,pool_name=rbd value=5i 17",
 * );
 * ```
 */
export function toLineProtocol(
  measurement: string,
  value: LineValue,
  tags: Readonly<Record<string, LineValue>>,
  timestamp: bigint | null,
): string {
  // Python's sorted() on str keys: by code point.
  const sortedTags = Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const tagText = sortedTags.map(([k, v]) => `${formatString(k)}=${formatString(v)}`).join(",");
  // A timestamp of 0 is falsy in Python and so left out, as is none.
  const ts = timestamp ? ` ${timestamp}` : "";
  return `${formatString(measurement)}${tagText ? "," + tagText : ""} value=${
    formatValue(value)
  }${ts}`;
}
