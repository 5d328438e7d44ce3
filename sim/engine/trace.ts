/**
 * The run trace: one compact line per event, folded into a running hash.
 *
 * Only the last `tailSize` lines stay in memory (for failure capsules), so a 10,000-OSD run
 * does not hold its whole trace. The hash is FNV-1a 64 over the UTF-16 code units of every
 * line followed by `\n`, computed in two 32-bit halves: fast, allocation-free, deterministic.
 *
 * @module
 */

const FNV64_OFFSET_HI = 0xcbf29ce4;
const FNV64_OFFSET_LO = 0x84222325;
const TWO_32 = 4294967296;

/** Options for {@linkcode Trace}. */
export interface TraceOptions {
  /** How many of the most recent lines to keep in memory (default 1000, may be 0). */
  tailSize?: number;
}

/**
 * An append-only trace with a running hash and a bounded tail.
 *
 * @example
 * ```ts
 * import { Trace } from "./trace.ts";
 * const a = new Trace();
 * const b = new Trace();
 * a.append("t=0.000 osd.3 down");
 * b.append("t=0.000 osd.3 down");
 * if (a.hash() !== b.hash()) throw new Error("same lines, same hash");
 * ```
 */
export class Trace {
  #hi = FNV64_OFFSET_HI;
  #lo = FNV64_OFFSET_LO;
  #count = 0;
  readonly #tail: string[];
  readonly #tailSize: number;

  constructor(options: TraceOptions = {}) {
    const tailSize = options.tailSize ?? 1000;
    if (!Number.isSafeInteger(tailSize) || tailSize < 0) {
      throw new RangeError(`tailSize must be a non-negative integer, got ${tailSize}`);
    }
    this.#tailSize = tailSize;
    this.#tail = [];
  }

  /** Number of lines appended so far. */
  get count(): number {
    return this.#count;
  }

  /** Appends one line (it must not contain a newline). */
  append(line: string): void {
    let hi = this.#hi, lo = this.#lo;
    for (let i = 0, n = line.length; i <= n; i++) {
      lo ^= i < n ? line.charCodeAt(i) : 10;
      // h *= 0x100000001b3 (mod 2^64) = h * 0x1b3 + (h << 40)
      const loMul = (lo >>> 0) * 0x1b3;
      hi = (Math.imul(hi, 0x1b3) + Math.imul(lo, 0x100) + Math.floor(loMul / TWO_32)) | 0;
      lo = loMul | 0;
    }
    this.#hi = hi;
    this.#lo = lo;
    if (this.#tailSize > 0) {
      if (this.#tail.length < this.#tailSize) this.#tail.push(line);
      else this.#tail[this.#count % this.#tailSize] = line;
    }
    this.#count++;
  }

  /** The hash of every line appended so far, as 16 hex digits. */
  hash(): string {
    return (this.#hi >>> 0).toString(16).padStart(8, "0") +
      (this.#lo >>> 0).toString(16).padStart(8, "0");
  }

  /** The most recent lines (at most `tailSize`), oldest first. */
  tail(): string[] {
    const n = this.#tail.length;
    if (n < this.#tailSize || n === 0) return this.#tail.slice();
    const start = this.#count % this.#tailSize;
    return this.#tail.slice(start).concat(this.#tail.slice(0, start));
  }
}
