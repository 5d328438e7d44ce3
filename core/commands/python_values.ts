/**
 * Python's own number and string syntax, as ceph_argparse.py relies on it: `int(s, base)`,
 * `float(s)` for parsing what a user typed, `repr()` of floats, strings and lists for the
 * messages it prints back.
 *
 * @module
 */

const INT_RE: Readonly<Record<0 | 10 | 16, RegExp>> = {
  0: /^[+-]?(?:0[xX]_?[0-9a-fA-F](?:_?[0-9a-fA-F])*|0[oO]_?[0-7](?:_?[0-7])*|0[bB]_?[01](?:_?[01])*|0(?:_?0)*|[1-9](?:_?[0-9])*)$/,
  10: /^[+-]?[0-9](?:_?[0-9])*$/,
  16: /^[+-]?(?:0[xX]_?)?[0-9a-fA-F](?:_?[0-9a-fA-F])*$/,
};
const FLOAT_RE =
  /^[+-]?(?:(?:[0-9](?:_?[0-9])*)(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9](?:_?[0-9])*)?$/;
const FLOAT_SPECIAL_RE = /^([+-]?)(inf|infinity|nan)$/i;

/**
 * Python's `int(s, base)` for bases 0 (prefix decides: `0x`, `0o`, `0b`, else decimal without
 * leading zeros), 10 and 16: surrounding whitespace, one sign and single underscores between
 * digits are allowed. Returns undefined where Python raises ValueError.
 *
 * @example
 * ```ts
 * import { parsePythonInt } from "./python_values.ts";
 * console.assert(parsePythonInt("-0x1f", 0) === -31n && parsePythonInt("010", 0) === undefined);
 * ```
 */
export function parsePythonInt(s: string, base: 0 | 10 | 16): bigint | undefined {
  const t = s.trim();
  if (!INT_RE[base].test(t)) return undefined;
  const neg = t.startsWith("-");
  let body = t.replace(/^[+-]/, "").replaceAll("_", "");
  if (base === 16 && !/^0[xX]/.test(body)) body = "0x" + body;
  const v = BigInt(body);
  return neg ? -v : v;
}

/**
 * Python's `float(s)`: decimal and exponent forms with optional underscores between digits,
 * `inf`/`infinity`/`nan` in any case. Returns undefined where Python raises ValueError.
 *
 * @example
 * ```ts
 * import { parsePythonFloat } from "./python_values.ts";
 * console.assert(parsePythonFloat(" 1_0.5e1 ") === 105 && parsePythonFloat("0x10") === undefined);
 * ```
 */
export function parsePythonFloat(s: string): number | undefined {
  const t = s.trim();
  const special = FLOAT_SPECIAL_RE.exec(t);
  if (special) {
    const v = special[2]?.toLowerCase() === "nan" ? NaN : Infinity;
    return special[1] === "-" ? -v : v;
  }
  if (!FLOAT_RE.test(t)) return undefined;
  return Number(t.replaceAll("_", ""));
}

/**
 * Python's `repr(float)`: shortest round-trip digits, fixed notation for exponents -4..15,
 * otherwise `1e+16` style; whole numbers keep a `.0`.
 *
 * @example
 * ```ts
 * import { pythonFloatRepr } from "./python_values.ts";
 * console.assert(pythonFloatRepr(10) === "10.0" && pythonFloatRepr(1e-5) === "1e-05");
 * ```
 */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const [mant = "", expText = "0"] = Math.abs(x).toExponential().split("e");
  const exp = Number(expText);
  const digits = mant.replace(".", "");
  if (exp >= -4 && exp < 16) {
    if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
    const whole = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
    const frac = digits.slice(exp + 1);
    return `${sign}${whole}.${frac === "" ? "0" : frac}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const e = `${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  return `${sign}${m}e${e}`;
}

/**
 * Python's `repr(str)`, as Ceph's messages show lists of words (`unused arguments: ['c']`).
 *
 * @example
 * ```ts
 * import { pythonStrRepr } from "./python_values.ts";
 * console.assert(pythonStrRepr("it's") === `"it's"`);
 * ```
 */
export function pythonStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += "\\" + quote;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out + quote;
}

/** Python's `str(list_of_str)`: `['a', 'b']`. */
export function pythonListRepr(items: readonly string[]): string {
  return `[${items.map(pythonStrRepr).join(", ")}]`;
}
