/**
 * Parsing and validation of config option values, as Ceph 16.2's `Option::parse_value` and
 * `Option::validate` (src/common/options.cc) do them, with the helpers from src/common/strtol.cc
 * and `parse_timespan` (src/common/ceph_time.cc). The error texts are Ceph's, byte for byte: the
 * mon prints them after `error parsing value: `.
 *
 * @module
 */

/** Ceph's option types (`Option::type_t`), by the names `type_to_str` gives them. */
export type { OptionType } from "./options.ts";
export type { OptionLevel } from "./options.ts";
import { EINVAL, ERANGE } from "./errno.ts";
import type { OptionType } from "./options.ts";

/** A parsed option value: integers as bigint (Ceph keeps 64-bit integers), text already normalised. */
export type OptionValue =
  | { kind: "int"; n: bigint }
  | { kind: "float"; n: number }
  | { kind: "bool"; b: boolean }
  | { kind: "str"; s: string };

/** What `parse_value` needs to know about an option. */
export interface OptionSpec {
  name: string;
  type: OptionType;
  min?: OptionValue;
  max?: OptionValue;
  /** For `str` options: the permitted values (empty: any). */
  enumAllowed: readonly string[];
  /** The `debug_<subsys>` validator (`N` or `N/M`). */
  validator?: "debug_level";
}

/** Result of {@link parseOptionValue}. */
export type ParseResult =
  | { ok: true; value: OptionValue; normalized: string }
  | { ok: false; r: number; error: string };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;

type Parsed<T> = { value: T; error: "" } | { value: T; error: string };

function isSpace(c: string | undefined): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\v" || c === "\f" || c === "\r";
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

function isAlpha(c: string | undefined): boolean {
  return c !== undefined && ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z"));
}

/** C `strtoll(s, &end, 10)`: returns the value, how many characters it used, and ERANGE. */
function cStrtoll(s: string): { value: bigint; used: number; erange: boolean } {
  let i = 0;
  while (isSpace(s[i])) i++;
  let neg = false;
  if (s[i] === "+" || s[i] === "-") {
    neg = s[i] === "-";
    i++;
  }
  const start = i;
  while (isDigit(s[i])) i++;
  if (i === start) return { value: 0n, used: 0, erange: false };
  let v = BigInt(s.slice(start, i));
  if (neg) v = -v;
  if (v < INT64_MIN) return { value: INT64_MIN, used: i, erange: true };
  if (v > INT64_MAX) return { value: INT64_MAX, used: i, erange: true };
  return { value: v, used: i, erange: false };
}

/** Ceph's `strict_strtoll(str, 10, &err)`. */
export function strictStrtoll(str: string): Parsed<bigint> {
  const { value, used, erange } = cStrtoll(str);
  if (used === 0 || used !== str.length) {
    return { value: 0n, error: `Expected option value to be integer, got '${str}'` };
  }
  if (erange) return { value: 0n, error: `The option value '${str}' seems to be invalid` };
  return { value, error: "" };
}

/** Ceph's `strict_strtol(str, 10, &err)` (an `int`). */
export function strictStrtol(str: string): Parsed<bigint> {
  const r = strictStrtoll(str);
  if (r.error) return { value: 0n, error: r.error };
  if (r.value < INT32_MIN || r.value > INT32_MAX) {
    return { value: 0n, error: `The option value '${str}' seems to be invalid` };
  }
  return r;
}

/** Ceph's `strict_si_cast<int64_t>` (signed) or `strict_si_cast<uint64_t>` (unsigned). */
export function strictSiCast(str: string, signed: boolean): Parsed<bigint> {
  if (str.length === 0) return { value: 0n, error: "strict_sistrtoll: value not specified" };
  let n = str;
  let m = 0;
  if (/[^0-9+-]/.test(str)) {
    const u = str[str.length - 1];
    const exponents: Record<string, number> = { K: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
    if (u !== undefined && u in exponents) m = exponents[u]!;
    else if (u !== "B") return { value: 0n, error: "strict_si_cast: unit prefix not recognized" };
    if (m >= 3) n = str.slice(0, -1);
  }
  const ll = strictStrtoll(n);
  // Like Ceph, carry on with 0 after a parse error; the caller sees the error.
  if (ll.value < 0n && !signed) {
    return { value: 0n, error: "strict_sistrtoll: value should not be negative" };
  }
  const coefficient = 10n ** BigInt(m);
  const lo = signed ? INT64_MIN / coefficient : 0n;
  const hi = (signed ? INT64_MAX : UINT64_MAX) / coefficient;
  if (ll.value < lo || ll.value > hi) {
    return { value: 0n, error: "strict_sistrtoll: value out of range" };
  }
  return { value: ll.value * coefficient, error: ll.error };
}

/** Ceph's `strict_iec_cast<uint64_t>` (`strict_iecstrtoll`), or the signed `int64_t` variant. */
export function strictIecCast(str: string, signed: boolean): Parsed<bigint> {
  if (str.length === 0) return { value: 0n, error: "strict_iecstrtoll: value not specified" };
  let n = str;
  let m = 0;
  const u = str.search(/[^0-9+-]/);
  if (u !== -1) {
    n = str.slice(0, u);
    let unit = str.slice(u);
    if (unit.length > 1 && unit.endsWith("B")) unit = unit.slice(0, -1);
    if (unit.length > 2) {
      return { value: 0n, error: "strict_iecstrtoll: illegal prefix (length > 2)" };
    }
    if (unit.endsWith("i") || unit.length === 1) {
      if (unit.endsWith("i") && unit.startsWith("B")) {
        return { value: 0n, error: 'strict_iecstrtoll: illegal prefix "Bi"' };
      }
      const shifts: Record<string, number> = { K: 10, M: 20, G: 30, T: 40, P: 50, E: 60, B: 0 };
      const front = unit[0]!;
      if (!(front in shifts)) {
        return { value: 0n, error: `strict_iecstrtoll: unit prefix not recognized '${unit}' ` };
      }
      m = shifts[front]!;
    } else {
      return { value: 0n, error: `strict_iecstrtoll: illegal prefix '${unit}' ` };
    }
  }
  const ll = strictStrtoll(n);
  if (ll.value < 0n && !signed) {
    return { value: 0n, error: "strict_iecstrtoll: value should not be negative" };
  }
  if (m >= 64) {
    return {
      value: 0n,
      error: "strict_iecstrtoll: the IEC prefix is too large for the designated type",
    };
  }
  const lo = signed ? INT64_MIN >> BigInt(m) : 0n;
  const hi = (signed ? INT64_MAX : UINT64_MAX) >> BigInt(m);
  if (ll.value < lo) return { value: 0n, error: "strict_iecstrtoll: value seems to be too small" };
  if (ll.value > hi) return { value: 0n, error: "strict_iecstrtoll: value seems to be too large" };
  return { value: ll.value << BigInt(m), error: ll.error };
}

const DBL_MIN = 2.2250738585072014e-308;
const FLOAT_RE =
  /^[+-]?(?:0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?|[nN][aA][nN](?:\([0-9A-Za-z_]*\))?)/;

function hexFloat(text: string): number {
  const m = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)(?:[pP]([+-]?\d+))?$/.exec(text)!;
  const digits = (m[2] ?? "") + (m[3] ?? "");
  const exp = Number(m[4] ?? "0") - 4 * (m[3] ?? "").length;
  const v = Number(BigInt("0x" + (digits || "0"))) * 2 ** exp;
  return m[1] === "-" ? -v : v;
}

/** C `strtod`: value, characters used, ERANGE. */
function cStrtod(s: string): { value: number; used: number; erange: boolean } {
  let i = 0;
  while (isSpace(s[i])) i++;
  const m = FLOAT_RE.exec(s.slice(i));
  if (!m) return { value: 0, used: 0, erange: false };
  const text = m[0];
  const body = text.replace(/^[+-]/, "").toLowerCase();
  const neg = text.startsWith("-");
  let value: number;
  if (body.startsWith("inf")) value = neg ? -Infinity : Infinity;
  else if (body.startsWith("nan")) value = NaN;
  else if (body.startsWith("0x")) value = hexFloat(text);
  else value = Number(text);
  const literalNonZero = /[1-9a-f]/i.test(body.replace(/^0x/, "").split(/[ep]/)[0] ?? "");
  const overflow = !Number.isFinite(value) && !body.startsWith("inf") && !body.startsWith("nan");
  const underflow = literalNonZero && Math.abs(value) < DBL_MIN &&
    !body.startsWith("inf") && !body.startsWith("nan");
  return { value, used: i + text.length, erange: overflow || underflow };
}

/** Ceph's `strict_strtod(str, &err)`. */
export function strictStrtod(str: string): Parsed<number> {
  const { value, used, erange } = cStrtod(str);
  if (erange) {
    return {
      value: 0,
      error: `strict_strtod: floating point overflow or underflow parsing '${str}'`,
    };
  }
  if (used === 0) return { value: 0, error: `strict_strtod: expected double, got: '${str}'` };
  if (used !== str.length) {
    return { value: 0, error: `strict_strtod: garbage at end of string. got: '${str}'` };
  }
  return { value, error: "" };
}

const TIMESPAN_UNITS: Record<string, number> = {
  s: 1,
  sec: 1,
  second: 1,
  seconds: 1,
  m: 60,
  min: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hr: 3600,
  hour: 3600,
  hours: 3600,
  d: 86400,
  day: 86400,
  days: 86400,
  w: 604800,
  wk: 604800,
  week: 604800,
  weeks: 604800,
  mo: 2592000,
  month: 2592000,
  months: 2592000,
  y: 31536000,
  yr: 31536000,
  year: 31536000,
  years: 31536000,
};

/** Ceph's `parse_timespan` (seconds), with its exception texts as errors (`unrecogized` sic). */
export function parseTimespan(s: string): Parsed<bigint> {
  let r = 0n;
  let pos = 0;
  while (pos < s.length) {
    while (isSpace(s[pos])) pos++;
    if (pos >= s.length) break;
    const valStart = pos;
    while (isDigit(s[pos])) pos++;
    if (valStart === pos) return { value: 0n, error: "expected digit" };
    const n = strictStrtoll(s.slice(valStart, pos));
    if (n.error) return { value: 0n, error: n.error };
    let val = n.value;
    while (isSpace(s[pos])) pos++;
    const unitStart = pos;
    while (isAlpha(s[pos])) pos++;
    if (unitStart !== pos) {
      const unit = s.slice(unitStart, pos);
      const mult = Object.hasOwn(TIMESPAN_UNITS, unit) ? TIMESPAN_UNITS[unit] : undefined;
      if (mult === undefined) return { value: 0n, error: `unrecogized unit '${unit}'` };
      val *= BigInt(mult);
    } else if (pos < s.length) {
      return { value: 0n, error: `unexpected trailing '${s.slice(pos)}'` };
    }
    r += val;
  }
  return { value: r, error: "" };
}

function parseIpv4(s: string): number[] | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    out.push(Number(p));
  }
  return out;
}

function parseIpv6(s: string): number[] | null {
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const groups = (part: string): number[] | null => {
    if (part === "") return [];
    const out: number[] = [];
    const items = part.split(":");
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (i === items.length - 1 && it.includes(".")) {
        const v4 = parseIpv4(it);
        if (!v4) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(it)) return null;
        out.push(parseInt(it, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  if (head.length + tail.length > 7) return null;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** inet_ntop for IPv6 (RFC 5952 compression of the longest zero run of two or more groups). */
function formatIpv6(g: number[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestLen < 2) return hex.join(":");
  return hex.slice(0, bestStart).join(":") + "::" + hex.slice(bestStart + bestLen).join(":");
}

/** Parses one entity_addr_t (`[v1:|v2:|any:]ip[:port][/nonce]`) into Ceph's printed form. */
function parseEntityAddr(text: string): string | null {
  let s = text;
  let type = "v2";
  const pfx = /^(v1|v2|any):/.exec(s);
  if (pfx) {
    type = pfx[1]!;
    s = s.slice(pfx[0].length);
  }
  let ip: string;
  let rest: string;
  if (s.startsWith("[")) {
    const close = s.indexOf("]");
    if (close < 0) return null;
    const g = parseIpv6(s.slice(1, close));
    if (!g) return null;
    ip = `[${formatIpv6(g)}]`;
    rest = s.slice(close + 1);
  } else {
    const m = /^[0-9.]+/.exec(s);
    const v4 = m ? parseIpv4(m[0]) : null;
    if (v4) {
      ip = v4.join(".");
      rest = s.slice(m![0].length);
    } else {
      const m6 = /^[0-9a-fA-F:.]+/.exec(s);
      const g = m6 ? parseIpv6(m6[0]) : null;
      if (!g) return null;
      ip = `[${formatIpv6(g)}]`;
      rest = s.slice(m6![0].length);
    }
  }
  let port = 0;
  const pm = /^:(\d{1,5})/.exec(rest);
  if (pm) {
    port = Number(pm[1]);
    if (port > 65535) return null;
    rest = rest.slice(pm[0].length);
  }
  let nonce = 0;
  const nm = /^\/(\d+)/.exec(rest);
  if (nm) {
    nonce = Number(nm[1]);
    if (nonce > 0xffffffff) return null;
    rest = rest.slice(nm[0].length);
  }
  if (rest !== "") return null;
  return `${type === "any" ? "any:" : type + ":"}${ip}:${port}/${nonce}`;
}

function parseEntityAddrvec(text: string): string | null {
  if (!text.startsWith("[")) return parseEntityAddr(text);
  if (!text.endsWith("]")) return null;
  const inner = text.slice(1, -1);
  const addrs = inner === "" ? [] : inner.split(",").map(parseEntityAddr);
  if (addrs.some((a) => a === null)) return null;
  return addrs.length === 1 ? addrs[0]! : `[${addrs.join(",")}]`;
}

function parseUuid(text: string): string | null {
  const m =
    /^\{?([0-9a-fA-F]{8})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{12})\}?$/
      .exec(text);
  if (!m) return null;
  if (text.startsWith("{") !== text.endsWith("}")) return null;
  return m.slice(1, 6).join("-").toLowerCase();
}

/** C++ `std::fixed` printing of a double (six decimals), as Ceph's option printer does it. */
export function formatFixed(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v < 0 ? "-inf" : "inf";
  if (Math.abs(v) < 1e21) return v.toFixed(6);
  return BigInt(v).toString() + ".000000";
}

/** Ceph's `Option::to_str` (the normalised text the mon stores). */
export function formatOptionValue(v: OptionValue): string {
  switch (v.kind) {
    case "int":
      return v.n.toString();
    case "float":
      return formatFixed(v.n);
    case "bool":
      return v.b ? "true" : "false";
    case "str":
      return v.s;
  }
}

/** The value an option has when nothing set it: the zero of its type (Ceph's Option ctor). */
export function zeroValue(type: OptionType): OptionValue {
  switch (type) {
    case "uint":
    case "int":
    case "size":
    case "secs":
    case "millisecs":
      return { kind: "int", n: 0n };
    case "float":
      return { kind: "float", n: 0 };
    case "bool":
      return { kind: "bool", b: false };
    case "addr":
      return { kind: "str", s: "-" };
    case "uuid":
      return { kind: "str", s: "00000000-0000-0000-0000-000000000000" };
    case "str":
    case "addrvec":
      return { kind: "str", s: "" };
  }
}

function compare(a: OptionValue, b: OptionValue): number {
  if (a.kind === "int" && b.kind === "int") return a.n < b.n ? -1 : a.n > b.n ? 1 : 0;
  if (a.kind === "float" && b.kind === "float") return a.n < b.n ? -1 : a.n > b.n ? 1 : 0;
  if (a.kind === "bool" && b.kind === "bool") return Number(a.b) - Number(b.b);
  if (a.kind === "str" && b.kind === "str") return a.s < b.s ? -1 : a.s > b.s ? 1 : 0;
  return 0;
}

/** Ceph's `Option::validate`: min, max, then enum (for `str` options). */
export function validateOptionValue(opt: OptionSpec, v: OptionValue): string {
  if (opt.min && compare(v, opt.min) < 0) {
    return `Value '${formatOptionValue(v)}' is below minimum ${formatOptionValue(opt.min)}`;
  }
  if (opt.max && compare(v, opt.max) > 0) {
    return `Value '${formatOptionValue(v)}' exceeds maximum ${formatOptionValue(opt.max)}`;
  }
  if (opt.enumAllowed.length > 0 && opt.type === "str" && v.kind === "str") {
    if (!opt.enumAllowed.includes(v.s)) {
      // Ceph's joinify() skips the separator while the result is still empty, so an
      // allowed "" is invisible in the message.
      let list = "";
      for (const e of opt.enumAllowed) {
        if (list !== "") list += ", ";
        list += e;
      }
      return `'${v.s}' is not one of the permitted values: ${list}`;
    }
  }
  return "";
}

/** The `debug_<subsys>` validator: `N` or `N/M`, normalised to `N/M`. */
function debugLevelValidator(value: string): { value: string; r: number; error: string } {
  // sscanf("%d/%d"): leading blanks, optional sign, digits; trailing text is ignored.
  const m = /^\s*([+-]?\d+)(?:\/\s*([+-]?\d+))?/.exec(value);
  if (!m) {
    return {
      value,
      r: -EINVAL,
      error: "value must take the form N or N/M, where N and M are integers",
    };
  }
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (a < 0 || a > 99 || b < 0 || b > 99) {
    return { value, r: -ERANGE, error: "value must be in range [0, 99]" };
  }
  return { value: m[2] === undefined ? `${a}/${a}` : value, r: 0, error: "" };
}

/**
 * Ceph's `Option::parse_value`: parses `raw` for the option's type, validates it, and returns the
 * normalised text the mon stores (`config set ... TRUE` stores `true`, `5K` stores `5000`).
 *
 * @example
 * ```ts
 * import { parseOptionValue } from "./option_value.ts";
 * const r = parseOptionValue({ name: "x", type: "int", enumAllowed: [] }, "abc");
 * // { ok: false, r: -22, error: "strict_si_cast: unit prefix not recognized" }
 * ```
 */
export function parseOptionValue(opt: OptionSpec, raw: string): ParseResult {
  let val = raw;
  if (opt.validator === "debug_level") {
    const v = debugLevelValidator(val);
    if (v.r !== 0) return { ok: false, r: v.r, error: v.error };
    val = v.value;
  }
  let out: OptionValue;
  const fail = (error: string): ParseResult => ({ ok: false, r: -EINVAL, error });
  switch (opt.type) {
    case "int":
    case "uint": {
      const p = strictSiCast(val, opt.type === "int");
      if (p.error) return fail(p.error);
      out = { kind: "int", n: p.value };
      break;
    }
    case "str":
      out = { kind: "str", s: val };
      break;
    case "float": {
      const p = strictStrtod(val);
      if (p.error) return fail(p.error);
      out = { kind: "float", n: p.value };
      break;
    }
    case "bool": {
      if (val.toLowerCase() === "false") out = { kind: "bool", b: false };
      else if (val.toLowerCase() === "true") out = { kind: "bool", b: true };
      else {
        const p = strictStrtol(val);
        if (p.error) return fail(p.error);
        out = { kind: "bool", b: p.value !== 0n };
      }
      break;
    }
    case "addr": {
      const a = parseEntityAddr(val);
      if (a === null) return fail("");
      out = { kind: "str", s: a };
      break;
    }
    case "addrvec": {
      const a = parseEntityAddrvec(val);
      if (a === null) return fail("");
      out = { kind: "str", s: a };
      break;
    }
    case "uuid": {
      const u = parseUuid(val);
      if (u === null) return fail("");
      out = { kind: "str", s: u };
      break;
    }
    case "size": {
      const p = strictIecCast(val, false);
      if (p.error) return fail(p.error);
      out = { kind: "int", n: p.value };
      break;
    }
    case "secs": {
      const p = parseTimespan(val);
      if (p.error) return fail(p.error);
      out = { kind: "int", n: p.value };
      break;
    }
    case "millisecs": {
      // std::stoll: leading blanks and a number prefix; its exception text is "stoll".
      const p = cStrtoll(val);
      if (p.used === 0) return fail("stoll");
      out = { kind: "int", n: p.value };
      break;
    }
  }
  const err = validateOptionValue(opt, out);
  if (err) return fail(err);
  return { ok: true, value: out, normalized: formatOptionValue(out) };
}
