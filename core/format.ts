/**
 * Output formats Ceph's daemons use: its JSON formatter and its plain text tables.
 *
 * @module
 */

/** Ceph's TextTable: left-aligned columns, two spaces apart, every cell padded. */
export function textTable(headings: string[], rows: string[][]): string {
  const widths = headings.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ") + "\n";
  return line(headings) + rows.map(line).join("");
}

/** Ceph's JSONFormatter output: compact for `json`, four-space indent and a newline otherwise. */
export function formatJson(value: unknown, format: "json" | "json-pretty"): string {
  const text = format === "json" ? JSON.stringify(value) : JSON.stringify(value, null, 4) + "\n";
  return text.replaceAll("\u007f", "\\u007f");
}

/**
 * `2026-11-25T13:17:58.214704+0000`: a utime_t as Ceph prints stamps (cluster log, mutes).
 *
 * @example
 * ```ts
 * import { cephStamp } from "./format.ts";
 * console.assert(cephStamp(1.5) === "1970-01-01T00:00:01.500000+0000");
 * ```
 */
export function cephStamp(seconds: number): string {
  const d = new Date(Math.floor(seconds * 1000));
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const usec = Math.round((seconds % 1) * 1e6) % 1e6;
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(usec, 6)}+0000`;
}

/**
 * Python's `json.dumps` (`", "` and `": "` separators, non-ASCII escaped), keys in order: how
 * the ceph CLI sends a command, and how the audit log shows it.
 *
 * @example
 * ```ts
 * import { pythonDumps } from "./format.ts";
 * console.assert(pythonDumps({ prefix: "osd in", ids: ["2"] }) === '{"prefix": "osd in", "ids": ["2"]}');
 * console.assert(pythonDumps("é") === '"\\u00e9"');
 * ```
 */
export function pythonDumps(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(pythonDumps).join(", ")}]`;
  if (v !== null && typeof v === "object") {
    return `{${
      Object.entries(v).map(([k, x]) => `${pythonDumps(k)}: ${pythonDumps(x)}`).join(", ")
    }}`;
  }
  if (typeof v === "string") {
    return JSON.stringify(v).replace(
      /[\u0080-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  }
  return JSON.stringify(v) ?? "null";
}
