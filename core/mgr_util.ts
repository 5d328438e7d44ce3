/**
 * The text helpers Ceph's modules take from `prettytable` and `mgr_util`: a borderless
 * table and the five-character unit formats.
 *
 * @module
 */

/** How a column's cells (and its heading) are justified. */
export type Align = "l" | "r" | "c";

/** The units `format_units` steps through: none, then k, M, G, T, P, E. */
const _UNITS = [" ", "k", "M", "G", "T", "P", "E"];

/**
 * Ceph's `mgr_util.format_units`: `n` in at most `width` characters with a unit suffix, powers
 * of 1000 when `decimal`, else of 1024.
 *
 * @example
 * ```ts
 * import { formatUnits } from "mgr_module";
 * console.assert(formatUnits(7606272 * 1024, 5, false) === "7428M");
 * console.assert(formatUnits(0, 5, true) === "   0 ");
 * ```
 */
export function formatUnits(n: number, width: number, decimal: boolean): string {
  const factor = decimal ? 1000 : 1024;
  const value = Number.isFinite(n) ? n : 0;
  let unit = 0;
  while (
    unit < _UNITS.length - 1 &&
    String(Math.floor(Math.trunc(value) / factor ** unit)).length > width - 1
  ) unit++;
  let digits: string;
  if (unit > 0) {
    digits = (value / factor ** unit).toFixed(6).slice(0, width - 1);
    if (digits.endsWith(".")) digits = " " + digits.slice(0, -1);
  } else {
    digits = String(Math.trunc(value)).padStart(width - 1);
  }
  return digits + _UNITS[unit];
}

/** `mgr_util.format_bytes`: powers of 1024. */
export function formatBytes(n: number, width: number): string {
  return formatUnits(n, width, false);
}

/** `mgr_util.format_dimless`: powers of 1000. */
export function formatDimless(n: number, width: number): string {
  return formatUnits(n, width, true);
}

function _justify(text: string, width: number, align: Align): string {
  const excess = width - text.length;
  if (align === "l") return text + " ".repeat(excess);
  if (align === "r") return " ".repeat(excess) + text;
  const half = Math.floor(excess / 2);
  if (excess % 2 === 0) return " ".repeat(half) + text + " ".repeat(half);
  // prettytable puts the odd space right of odd-length text and left of even-length text.
  return text.length % 2 === 1
    ? " ".repeat(half) + text + " ".repeat(half + 1)
    : " ".repeat(half + 1) + text + " ".repeat(half);
}

/**
 * A `PrettyTable(border=False)` with left padding 0 and right padding 2, as Ceph's status
 * module draws it: a heading line, then one line per row; columns are centred unless aligned.
 *
 * @example
 * ```ts
 * import { PlainTable } from "mgr_module";
 * const t = new PlainTable(["ID", "HOST"], { ID: "r", HOST: "l" });
 * t.addRow([0, "host1"]);
 * console.assert(t.toString() === "ID  HOST   \n 0  host1  ");
 * ```
 */
export class PlainTable {
  readonly #headings: string[];
  readonly #align: Align[];
  readonly #rows: string[][] = [];

  constructor(headings: string[], align: Readonly<Record<string, Align>> = {}) {
    this.#headings = headings;
    this.#align = headings.map((h) => align[h] ?? "c");
  }

  /** Appends a row; cells are shown as `String(cell)`. */
  addRow(cells: readonly unknown[]): void {
    if (cells.length !== this.#headings.length) {
      throw new RangeError(
        `row has ${cells.length} cells, the table has ${this.#headings.length} columns`,
      );
    }
    this.#rows.push(cells.map((c) => String(c)));
  }

  /**
   * How many rows the table holds (PrettyTable's `rowcount`).
   *
   * @example
   * ```ts
   * import { PlainTable } from "mgr_module";
   * const t = new PlainTable(["STANDBY MDS"]);
   * console.assert(t.rowcount === 0);
   * t.addRow(["b"]);
   * console.assert(t.rowcount === 1);
   * ```
   */
  get rowcount(): number {
    return this.#rows.length;
  }

  /** The table as text, without a trailing newline. */
  toString(): string {
    const widths = this.#headings.map((h, i) =>
      Math.max(h.length, ...this.#rows.map((r) => (r[i] as string).length))
    );
    const line = (cells: string[]) =>
      cells.map((c, i) => _justify(c, widths[i] as number, this.#align[i] as Align) + "  ")
        .join("");
    return [line(this.#headings), ...this.#rows.map(line)].join("\n");
  }
}

/**
 * Python's `repr(float)`, as `json.dumps` writes a float: `3.0`, `0.25`, `1e-05`,
 * `1.6012968728773558e-08`.
 *
 * @example
 * ```ts
 * import { pythonFloat } from "mgr_module";
 * console.assert(pythonFloat(1) === "1.0" && pythonFloat(1.6e-8) === "1.6e-08");
 * ```
 */
export function pythonFloat(x: number): string {
  return _pyFloat(x);
}

function _pyFloat(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : x < 0 ? "-Infinity" : "NaN";
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return x.toFixed(1);
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    const [mant, exp] = x.toExponential().split("e") as [string, string];
    const sign = exp.startsWith("-") ? "-" : "+";
    return `${mant}e${sign}${exp.replace(/^[+-]/, "").padStart(2, "0")}`;
  }
  return String(x);
}

function _pyValue(
  value: unknown,
  indent: number | undefined,
  depth: number,
  floats: ReadonlySet<string> | undefined,
  key: string | undefined,
): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number" && key !== undefined && floats?.has(key)) return _pyFloat(value);
  if (typeof value !== "object") return JSON.stringify(value) ?? "null";
  const pad = indent === undefined ? "" : "\n" + " ".repeat(indent * (depth + 1));
  const end = indent === undefined ? "" : "\n" + " ".repeat(indent * depth);
  const sep = indent === undefined ? ", " : ",";
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return "[" +
      value.map((v) => pad + _pyValue(v, indent, depth + 1, floats, undefined)).join(sep) + end +
      "]";
  }
  const keys = Object.keys(value).sort();
  if (keys.length === 0) return "{}";
  const record = value as Record<string, unknown>;
  return "{" +
    keys.map((k) =>
      pad + JSON.stringify(k) + ": " + _pyValue(record[k], indent, depth + 1, floats, k)
    ).join(sep) +
    end + "}";
}

/**
 * Python's `json.dumps(value, sort_keys=True)` (`", "` and `": "` separators), or with
 * `indent=4` for `json-pretty`, as Ceph's modules answer `-f json`. Numbers under the keys in
 * `floats` print as Python floats (`3.0`), as Ceph's do where it computed them as floats.
 *
 * @example
 * ```ts
 * import { pythonJson } from "mgr_module";
 * console.assert(pythonJson({ b: [1, 2], a: "x" }, "json") === '{"a": "x", "b": [1, 2]}');
 * console.assert(pythonJson({ rate: 3 }, "json", new Set(["rate"])) === '{"rate": 3.0}');
 * ```
 */
export function pythonJson(
  value: unknown,
  format: "json" | "json-pretty",
  floats?: ReadonlySet<string>,
): string {
  return _pyValue(value, format === "json" ? undefined : 4, 0, floats, undefined);
}

/**
 * Python's `fnmatch.fnmatch` on a name: `*`, `?` and `[...]` wildcards, the rest literal.
 *
 * @example
 * ```ts
 * import { fnmatch } from "mgr_module";
 * console.assert(fnmatch("host1", "host*") && !fnmatch("rack1", "host?"));
 * ```
 */
export function fnmatch(name: string, pattern: string): boolean {
  return _matchTokens(Array.from(name), _globTokens(pattern));
}

/** One position of a glob: a literal, any one character, a class, or a star. */
type _GlobToken =
  | { kind: "char"; ch: string }
  | { kind: "any" }
  | { kind: "star" }
  | { kind: "class"; negated: boolean; ranges: [string, string][] };

/** The tokens of a glob, with Python's rules for `[...]` (fnmatch.translate). */
function _globTokens(pattern: string): _GlobToken[] {
  const p = Array.from(pattern);
  const out: _GlobToken[] = [];
  for (let i = 0; i < p.length; i++) {
    const ch = p[i] as string;
    if (ch === "*") {
      if (out.at(-1)?.kind !== "star") out.push({ kind: "star" });
    } else if (ch === "?") out.push({ kind: "any" });
    else if (ch === "[") {
      let j = i + 1;
      if (p[j] === "!") j++;
      if (p[j] === "]") j++;
      while (j < p.length && p[j] !== "]") j++;
      if (j >= p.length) {
        out.push({ kind: "char", ch });
        continue;
      }
      let body = p.slice(i + 1, j);
      const negated = body[0] === "!";
      if (negated) body = body.slice(1);
      const ranges: [string, string][] = [];
      for (let k = 0; k < body.length; k++) {
        const lo = body[k] as string;
        const hi = body[k + 2];
        if (body[k + 1] === "-" && hi !== undefined) {
          if (lo <= hi) ranges.push([lo, hi]);
          k += 2;
        } else ranges.push([lo, lo]);
      }
      out.push({ kind: "class", negated, ranges });
      i = j;
    } else out.push({ kind: "char", ch });
  }
  return out;
}

function _tokenMatches(t: _GlobToken, ch: string): boolean {
  switch (t.kind) {
    case "char":
      return t.ch === ch;
    case "any":
      return true;
    case "class":
      return t.ranges.some(([lo, hi]) => lo <= ch && ch <= hi) !== t.negated;
    case "star":
      return false;
  }
}

/**
 * Matches without backtracking regular expressions: on a mismatch only the last star moves on,
 * so the cost is at most the name's length times the pattern's, whatever the pattern (a
 * pattern of 36 stars then `Z` once took minutes as a RegExp).
 */
function _matchTokens(name: readonly string[], tokens: readonly _GlobToken[]): boolean {
  let n = 0, t = 0;
  let starAt = -1, starName = 0;
  while (n < name.length) {
    const tok = tokens[t];
    if (tok !== undefined && tok.kind === "star") {
      starAt = t++;
      starName = n;
    } else if (tok !== undefined && _tokenMatches(tok, name[n] as string)) {
      t++;
      n++;
    } else if (starAt >= 0) {
      t = starAt + 1;
      n = ++starName;
    } else return false;
  }
  while (tokens[t]?.kind === "star") t++;
  return t === tokens.length;
}
