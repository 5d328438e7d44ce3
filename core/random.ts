/**
 * The Random port: the only source of randomness for core and module code (Ceph's modules
 * call `uuid.uuid4()`). `mgrd serve` binds it to the operating system's generator; the
 * simulator and the test clusters bind it to a seeded stream, so a run repeats.
 *
 * @module
 */

/** Random bytes as core and module code get them. */
export interface Random {
  /** Fills `bytes` with random bytes. */
  fill(bytes: Uint8Array): void;
}

/**
 * A version 4 UUID (Python's `str(uuid.uuid4())`) from `random`.
 *
 * @example
 * ```ts
 * import { uuid4 } from "./random.ts";
 * const id = uuid4({ fill: (b) => b.fill(0xab) });
 * console.assert(id === "abababab-abab-4bab-abab-abababababab");
 * ```
 */
export function uuid4(random: Random): string {
  const b = new Uint8Array(16);
  random.fill(b);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
    hex.slice(20)
  }`;
}
