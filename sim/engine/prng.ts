/**
 * The simulator's seeded pseudo-random numbers: one seed, independent named streams.
 *
 * Each stream is an sfc32 generator whose 128-bit state is derived from `(seed, name)` alone,
 * so adding a stream (a new fault class, say) never changes the numbers another stream draws.
 * Simulator code takes its randomness from here, never from `Math.random()`.
 *
 * @module
 */
import type { Random } from "../../core/random.ts";

const TWO_32 = 4294967296;

/** FNV-1a over UTF-16 code units, 32 bits, from a chosen offset basis. */
function _fnv1a32(text: string, basis: number): number {
  let h = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The splitmix32 output function: a strong 32-bit mixer. */
function _mix32(x: number): number {
  let z = x | 0;
  z ^= z >>> 16;
  z = Math.imul(z, 0x21f0aaad);
  z ^= z >>> 15;
  z = Math.imul(z, 0x735a2d97);
  z ^= z >>> 15;
  return z >>> 0;
}

/**
 * The root of a simulation's randomness. It draws nothing itself: ask it for named streams.
 *
 * @example
 * ```ts
 * import { Rng } from "./prng.ts";
 * const faults = new Rng(42).stream("faults");
 * const again = new Rng(42).stream("faults");
 * if (faults.next() !== again.next()) throw new Error("streams must be reproducible");
 * ```
 */
export class Rng {
  /** The seed this generator was built from. */
  readonly seed: number;

  /** @param seed any safe integer (negative values are allowed) */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw new RangeError(`Rng seed must be a safe integer, got ${seed}`);
    }
    this.seed = seed;
  }

  /**
   * A fresh stream derived from `(seed, name)`. Two calls with the same name give two streams
   * that draw the same sequence; different names give independent sequences.
   */
  stream(name: string): RngStream {
    const lo = this.seed >>> 0;
    const hi = Math.floor(this.seed / TWO_32) >>> 0;
    const h1 = _fnv1a32(name, 0x811c9dc5);
    const h2 = _fnv1a32(name, 0x6a09e667);
    let sm = _mix32(lo ^ h1) ^ Math.imul(_mix32(hi ^ h2), 0x9e3779b1);
    const next = () => {
      sm = (sm + 0x9e3779b9) | 0;
      return _mix32(sm);
    };
    return new RngStream(next(), next(), next(), next());
  }
}

/**
 * One independent sequence of pseudo-random numbers (sfc32). `next()` allocates nothing.
 *
 * @example
 * ```ts
 * import { Rng } from "./prng.ts";
 * const s = new Rng(7).stream("workload");
 * const die = s.int(1, 6);
 * if (die < 1 || die > 6) throw new Error("int() is inclusive on both ends");
 * ```
 */
export class RngStream {
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  #spareNormal = 0;
  #hasSpare = false;

  /** Prefer {@linkcode Rng.stream}; this takes the raw 128-bit sfc32 state. */
  constructor(a: number, b: number, c: number, d: number) {
    this.#a = a | 0;
    this.#b = b | 0;
    this.#c = c | 0;
    this.#d = d | 0;
    if ((this.#a | this.#b | this.#c | this.#d) === 0) this.#d = 1;
    for (let i = 0; i < 15; i++) this.uint32();
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  uint32(): number {
    const a = this.#a, b = this.#b, c = this.#c;
    const d = (this.#d + 1) | 0;
    const t = (((a + b) | 0) + d) | 0;
    this.#a = b ^ (b >>> 9);
    this.#b = (c + (c << 3)) | 0;
    this.#c = (((c << 21) | (c >>> 11)) + t) | 0;
    this.#d = d;
    return t >>> 0;
  }

  /** A float in [0, 1) with 32 bits of randomness. */
  next(): number {
    return this.uint32() / TWO_32;
  }

  /** An integer in [lo, hi], both ends inclusive (like Python's `random.randint`). */
  int(lo: number, hi: number): number {
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || hi < lo) {
      throw new RangeError(`int(lo, hi) needs safe integers with lo <= hi, got (${lo}, ${hi})`);
    }
    const span = hi - lo + 1;
    if (span <= TWO_32) {
      // Rejection sampling keeps the distribution exactly uniform.
      const limit = TWO_32 - (TWO_32 % span);
      let x = this.uint32();
      while (x >= limit) x = this.uint32();
      return lo + (x % span);
    }
    return lo + Math.floor((this.uint32() * TWO_32 + this.uint32()) / (TWO_32 * TWO_32) * span);
  }

  /** A float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** True with probability `p` (clamped to [0, 1]). */
  chance(p: number): boolean {
    if (Number.isNaN(p)) throw new RangeError("chance(p) needs a probability, got NaN");
    return this.next() < p;
  }

  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("pick() needs a non-empty array");
    return items[this.int(0, items.length - 1)] as T;
  }

  /** Shuffles `items` in place (Fisher-Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }

  /** A normally distributed float (Box-Muller; the second value is kept for the next call). */
  normal(mean = 0, stddev = 1): number {
    if (this.#hasSpare) {
      this.#hasSpare = false;
      return mean + stddev * this.#spareNormal;
    }
    let u = this.next();
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spareNormal = r * Math.sin(2 * Math.PI * v);
    this.#hasSpare = true;
    return mean + stddev * r * Math.cos(2 * Math.PI * v);
  }

  /** A random (version 4) UUID from the next four draws: fsids, OSD uuids, crash ids. */
  uuid(): string {
    const hex = (n: number) => n.toString(16).padStart(8, "0");
    const s = hex(this.uint32()) + hex(this.uint32()) + hex(this.uint32()) + hex(this.uint32());
    // RFC 4122 version 4 layout.
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-${
      "89ab"[parseInt(s[16] ?? "0", 16) & 3]
    }${s.slice(17, 20)}-${s.slice(20, 32)}`;
  }

  /** An exponentially distributed float with the given mean (e.g. time between arrivals). */
  exponential(mean: number): number {
    if (!(mean > 0)) throw new RangeError(`exponential(mean) needs mean > 0, got ${mean}`);
    return -mean * Math.log(1 - this.next());
  }
}

const _randomStarts = new WeakMap<Rng, number>();

/**
 * The Random port (core/random.ts) for a manager started in a simulated run: a stream of
 * `rng` of its own, named after `who` and how many were made before, so that a restarted
 * manager does not draw its predecessor's bytes again, and a run with the same seed repeats.
 *
 * @example
 * ```ts
 * import { Rng, seededRandom } from "./prng.ts";
 * const a = new Uint8Array(4), b = new Uint8Array(4);
 * seededRandom(new Rng(1), "mgr.x").fill(a);
 * seededRandom(new Rng(1), "mgr.x").fill(b);
 * console.assert(a.join() === b.join());
 * ```
 */
export function seededRandom(rng: Rng, who: string): Random {
  const n = _randomStarts.get(rng) ?? 0;
  _randomStarts.set(rng, n + 1);
  const stream = rng.stream(`random:${who}:${n}`);
  return {
    fill(bytes: Uint8Array): void {
      for (let i = 0; i < bytes.length; i += 4) {
        let v = stream.uint32();
        for (let j = i; j < Math.min(i + 4, bytes.length); j++) {
          bytes[j] = v & 0xff;
          v >>>= 8;
        }
      }
    },
  };
}
