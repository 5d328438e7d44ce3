/**
 * The table rows of polling commands (`iostat`): Ceph's `MgrModule.to_pretty_iec`,
 * `get_pretty_row` and `get_pretty_header`, which the SDK exposes under those names.
 *
 * @module
 */

const _IEC: readonly [number, string][] = [
  [60, "Ei"],
  [50, "Pi"],
  [40, "Ti"],
  [30, "Gi"],
  [20, "Mi"],
  [10, "Ki"],
];

/**
 * `n` in whole binary units once it exceeds ten of them (`64 Mi`), else `n` and a space.
 *
 * @example
 * ```ts
 * import { toPrettyIec } from "./pretty_table.ts";
 * console.assert(toPrettyIec(0) === "0 ");
 * console.assert(toPrettyIec(64 * 1024 * 1024) === "64 Mi");
 * ```
 */
export function toPrettyIec(n: number): string {
  for (const [bits, suffix] of _IEC) {
    if (n > 10 * 2 ** bits) return `${Math.floor(n / 2 ** bits)} ${suffix}`;
  }
  return `${n} `;
}

/**
 * Each element right-aligned in `width / n` columns, `|`-separated.
 *
 * @example
 * ```ts
 * import { prettyRow } from "./pretty_table.ts";
 * console.assert(prettyRow(["a", "b"], 10) === "|  a |  b |");
 * ```
 */
export function prettyRow(elems: readonly string[], width: number): string {
  const inner = Math.max(0, Math.floor(width / elems.length) - 2);
  return "|" + elems.map((e) => `${String(e).padStart(inner)} |`).join("");
}

/**
 * The row of titles between two dashed lines, each line ending in a newline.
 *
 * @example
 * ```ts
 * import { prettyHeader } from "./pretty_table.ts";
 * console.assert(prettyHeader(["a", "b"], 10) === "+----+----+\n|  a |  b |\n+----+----+\n");
 * ```
 */
export function prettyHeader(elems: readonly string[], width: number): string {
  const dashes = "+" +
    `${"-".repeat(Math.max(0, Math.floor(width / elems.length) - 1))}+`.repeat(elems.length) +
    "\n";
  return dashes + prettyRow(elems, width) + "\n" + dashes;
}
