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
