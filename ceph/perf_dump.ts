/**
 * How a Ceph daemon's admin commands print perf counters (`perf dump`, `perf schema`): the
 * JSONFormatter's output, times in seconds to nine places, and each counter's schema entry as
 * PerfCounters::dump_formatted_generic writes it. Shared by the simulated daemons and the
 * manager's own counters.
 *
 * @module
 */

/** Ceph's `perfcounter_type_d` bits (common/perf_counters.h). */
const TIME = 1, LONGRUNAVG = 4, COUNTER = 8;

/** A number JSONFormatter prints as given (`dump_format_unquoted`), e.g. seconds to 9 places. */
export class RawNumber {
  constructor(readonly text: string) {}
}

/**
 * A daemon's command output: json-pretty (and a newline) unless `json` was asked for, like the
 * admin socket's `Formatter::create(format, "json-pretty", "json-pretty")`.
 *
 * @example
 * ```ts
 * import { daemonJson, perfSeconds } from "./perf_dump.ts";
 * const out = daemonJson({ format: "json" }, { l: { sum: perfSeconds(1_500_000_000) } });
 * if (out !== '{"l":{"sum":1.500000000}}') throw new Error(out);
 * ```
 */
export function daemonJson(cmd: Record<string, unknown>, value: unknown): string {
  const pretty = cmd.format !== "json";
  const write = (v: unknown, indent: string): string => {
    if (v instanceof RawNumber) return v.text;
    if (v === null || typeof v !== "object") return JSON.stringify(v);
    const inner = indent + "    ";
    const entries = Array.isArray(v)
      ? v.map((x) => write(x, inner))
      : Object.entries(v).map(([k, x]) =>
        `${JSON.stringify(k)}:${pretty ? " " : ""}${write(x, inner)}`
      );
    const [open, close] = Array.isArray(v) ? ["[", "]"] : ["{", "}"];
    if (entries.length === 0) return open + close;
    if (!pretty) return open + entries.join(",") + close;
    return `${open}\n${inner}${entries.join(`,\n${inner}`)}\n${indent}${close}`;
  };
  return write(value, "") + (pretty ? "\n" : "");
}

/** Nanoseconds as perf dump prints a time: seconds with nine decimals. */
export function perfSeconds(ns: number): RawNumber {
  const n = BigInt(Math.max(0, Math.round(ns)));
  return new RawNumber(`${n / 1_000_000_000n}.${String(n % 1_000_000_000n).padStart(9, "0")}`);
}

/**
 * One counter's value as `perf dump` prints it: an integer, a time, or for a long-running
 * average `{avgcount, sum[, avgtime]}`; `v` is the value (nanoseconds for a time), `count`
 * the average's count.
 */
export function perfValueJson(type: number, v: number, count: number): unknown {
  if (type & LONGRUNAVG) {
    const n = Math.round(count);
    return type & TIME
      ? { avgcount: n, sum: perfSeconds(v), avgtime: perfSeconds(n > 0 ? Math.floor(v / n) : 0) }
      : { avgcount: n, sum: Math.round(v) };
  }
  return type & TIME ? perfSeconds(v) : Math.round(v);
}

/** One counter's entry of `perf schema`; `units` 0 is bytes, 1 none (Ceph's unit_t). */
export function perfSchemaJson(
  type: number,
  description: string,
  nick: string,
  priority: number,
  units: number,
): Record<string, unknown> {
  const time = (type & TIME) !== 0;
  return {
    type,
    metric_type: type & COUNTER ? "counter" : "gauge",
    value_type: type & LONGRUNAVG
      ? (time ? "real-integer-pair" : "integer-integer-pair")
      : (time ? "real" : "integer"),
    description,
    nick,
    priority,
    units: units === 0 ? "bytes" : "none",
  };
}
