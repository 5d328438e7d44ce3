/**
 * Ceph's JSON output: its JSONFormatter, and Python's `json.dumps` as the ceph CLI sends commands.
 *
 * @module
 */

/** Ceph's JSONFormatter output: compact for `json`, four-space indent and a newline otherwise. */
export function formatJson(value: unknown, format: "json" | "json-pretty"): string {
  const text = format === "json" ? JSON.stringify(value) : JSON.stringify(value, null, 4) + "\n";
  return text.replaceAll("\u007f", "\\u007f");
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
