/**
 * Sample values as Ceph's exporter prints them: Python's `repr(float(value))` (`1.0`, `0.25`,
 * `3.5e-06`, `1e+16`), with Go's `NaN`, `+Inf` and `-Inf`, written straight into bytes.
 *
 * Python switches to exponent notation below 1e-4 and from 1e16 (JavaScript at 1e-7 and 1e21);
 * both print the shortest digits that read back as the same double, so only the notation
 * differs. Integers and nanosecond times (the bulk of a page) are written without a string.
 *
 * @module
 */

/** Value kinds a page template records per sample. */
export const PLAIN = 0;
/** A time in nanoseconds, printed in seconds (Ceph's `_perfvalue_to_value`). */
export const NANOS = 1;

/**
 * `repr(float(v))` in Python, with Go's names for the non-finite values.
 *
 * @example
 * ```ts
 * import { pyFloat } from "./_value.ts";
 * if (pyFloat(1) !== "1.0" || pyFloat(3.5e-6) !== "3.5e-06" || pyFloat(1e16) !== "1e+16") {
 *   throw new Error("format");
 * }
 * ```
 */
export function pyFloat(v: number): string {
  if (v !== v) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  if (v === 0) return 1 / v < 0 ? "-0.0" : "0.0";
  const a = v < 0 ? -v : v;
  if (a >= 1e-4 && a < 1e16) {
    const s = String(v);
    return Number.isInteger(v) ? s + ".0" : s;
  }
  // "1.5e-7" → "1.5e-07": Python's exponent has at least two digits.
  const s = v.toExponential();
  const e = s.indexOf("e");
  const digits = s.length - e - 2;
  return digits >= 2 ? s : `${s.slice(0, e + 2)}0${s.slice(e + 2)}`;
}

/** A DataView over exactly the bytes of `a`, for copying four bytes at a time. */
export function viewOf(a: Uint8Array): DataView {
  return new DataView(a.buffer, a.byteOffset, a.byteLength);
}

/** A growable byte buffer written at `pos`. */
export class ByteWriter {
  buf: Uint8Array;
  #view: DataView;
  pos = 0;

  constructor(capacity = 1 << 16) {
    this.buf = new Uint8Array(capacity);
    this.#view = viewOf(this.buf);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.pos));
    this.buf = b;
    this.#view = viewOf(b);
  }

  /**
   * Copies `src[from, to)`; `view` is {@linkcode viewOf}(src). A page copies a short run
   * (a name and labels) per sample: four bytes at a time through DataViews is several times
   * faster than a byte loop, and allocates nothing, unlike `set(subarray())`.
   */
  copy(src: Uint8Array, view: DataView, from: number, to: number): void {
    const n = to - from;
    if (n <= 0) return;
    this.ensure(n);
    let p = this.pos;
    if (n >= 512) {
      this.buf.set(src.subarray(from, to), p);
      this.pos = p + n;
      return;
    }
    const dst = this.#view;
    let i = from;
    for (const end = to - 3; i < end; i += 4, p += 4) dst.setUint32(p, view.getUint32(i));
    const buf = this.buf;
    while (i < to) buf[p++] = src[i++]!;
    this.pos = p;
  }

  /** Writes an ASCII string. */
  ascii(s: string): void {
    this.ensure(s.length);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Writes `v` (of `kind`) as {@linkcode pyFloat} prints it. */
  value(v: number, kind: number): void {
    this.ensure(32);
    if (kind === NANOS) {
      if (Number.isInteger(v) && v >= 1e5 && v < 1e15) {
        this.#nanos(v);
        return;
      }
      v = v / 1e9;
    }
    if (Number.isInteger(v) && v < 1e16 && v > -1e16 && (v !== 0 || 1 / v > 0)) {
      this.#integer(v);
      const buf = this.buf;
      buf[this.pos++] = 46; // .
      buf[this.pos++] = 48; // 0
      return;
    }
    this.ascii(pyFloat(v));
  }

  /** The digits of an integer below 1e16 in magnitude. */
  #integer(v: number): void {
    const buf = this.buf;
    if (v < 0) {
      buf[this.pos++] = 45; // -
      v = -v;
    }
    if (v < 2147483648) {
      this.#small(v | 0);
      return;
    }
    // Two halves that each fit int32 arithmetic: the high digits, then eight low ones.
    const high = Math.floor(v / 1e8);
    let low = (v - high * 1e8) | 0;
    this.#small(high | 0);
    let p = this.pos + 8;
    this.pos = p;
    for (let i = 0; i < 8; i++) {
      const q = (low / 10) | 0;
      buf[--p] = 48 + low - q * 10;
      low = q;
    }
  }

  /** The digits of an integer 0 <= x < 2^31. */
  #small(x: number): void {
    const n = x < 100000
      ? (x < 100 ? (x < 10 ? 1 : 2) : x < 1000 ? 3 : x < 10000 ? 4 : 5)
      : x < 10000000
      ? (x < 1000000 ? 6 : 7)
      : x < 100000000
      ? 8
      : x < 1000000000
      ? 9
      : 10;
    const buf = this.buf;
    let p = this.pos + n;
    this.pos = p;
    do {
      const q = (x / 10) | 0;
      buf[--p] = 48 + x - q * 10;
      x = q;
    } while (x > 0);
  }

  /**
   * `ns / 1e9` for an integer 1e5 <= ns < 1e15: its decimal digits with the point moved, which
   * is Python's repr (at most 15 significant digits, so no shorter string reads back the same).
   */
  #nanos(ns: number): void {
    const buf = this.buf;
    const start = this.pos;
    this.#integer(ns);
    let end = this.pos;
    const digits = end - start;
    if (digits <= 9) {
      // 0.000xyz: shift the digits right behind "0." and zeros.
      const zeros = 9 - digits;
      const shift = 2 + zeros;
      for (let i = end - 1; i >= start; i--) buf[i + shift] = buf[i]!;
      buf[start] = 48;
      buf[start + 1] = 46;
      for (let i = 0; i < zeros; i++) buf[start + 2 + i] = 48;
      end += shift;
    } else {
      // Make room for the point before the last nine digits.
      const point = end - 9;
      for (let i = end - 1; i >= point; i--) buf[i + 1] = buf[i]!;
      buf[point] = 46;
      end += 1;
    }
    // Trailing zeros go, but one digit stays after the point.
    while (buf[end - 1] === 48 && buf[end - 2] !== 46) end--;
    this.pos = end;
  }

  /** The bytes written so far (a view). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}
