/**
 * Ceph's TextTable (src/common/TextTable.h), as the daemons print their plain tables.
 *
 * @module
 */

/** A column: its heading, and `R` to pad its cells on the left (numbers), `L` by default. */
export type TextTableColumn =
  | string
  | readonly [heading: string, align: "L" | "R"]
  | readonly [heading: string, align: "L" | "R", headingAlign: "L" | "R"];

/**
 * Columns two spaces apart, every cell padded to its column's width, a newline after each
 * row (the heading row included).
 *
 * @example
 * ```ts
 * import { textTable } from "./text_table.ts";
 * const text = textTable(["NAME", ["PGS", "R"]], [["rbd", "64"], ["cephfs_data", "8"]]);
 * console.assert(text === "NAME         PGS\nrbd           64\ncephfs_data    8\n");
 * ```
 */
export function textTable(columns: readonly TextTableColumn[], rows: readonly string[][]): string {
  const headings = columns.map((c) => (typeof c === "string" ? c : c[0]));
  const right = columns.map((c) => typeof c !== "string" && c[1] === "R");
  // TextTable's heading alignment is its own (define_column's hd_align): left unless given.
  const headRight = columns.map((c) => typeof c !== "string" && c[2] === "R");
  // A loop, not Math.max(...): a table of every PG has hundreds of thousands of rows.
  const widths = headings.map((h) => h.length);
  for (const row of rows) {
    for (let i = 0; i < widths.length; i++) {
      const n = row[i]?.length ?? 0;
      if (n > widths[i]!) widths[i] = n;
    }
  }
  const line = (cells: readonly string[], rightAligned: readonly boolean[]) => {
    let out = "";
    for (let i = 0; i < widths.length; i++) {
      const c = cells[i] ?? "";
      if (i > 0) out += "  ";
      out += rightAligned[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!);
    }
    return out + "\n";
  };
  let out = line(headings, headRight);
  for (const row of rows) out += line(row, right);
  return out;
}
