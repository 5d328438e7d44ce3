/**
 * C memory for the librados binding: NUL-terminated strings, arrays of `char *`, output
 * arguments, and copies of what librados returns. Private to rados/.
 *
 * Every typed array handed to a nonblocking call must stay referenced until the call's promise
 * settles: the worker thread writes into it. The helpers return the arrays for that reason.
 *
 * @module
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A NUL-terminated copy of `text` (UTF-8). */
export function cString(text: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(encoder.encode(text).length + 1);
  encoder.encodeInto(text, bytes);
  return bytes;
}

/** `cString(text)`, or NULL for `undefined`. */
export function cStringOrNull(text: string | undefined): Uint8Array<ArrayBuffer> | null {
  return text === undefined ? null : cString(text);
}

/** The bytes of a `string | Uint8Array` argument (UTF-8 for a string). */
export function bytesOf(data: string | Uint8Array): Uint8Array<ArrayBuffer> {
  if (typeof data === "string") return encoder.encode(data) as Uint8Array<ArrayBuffer>;
  return data.buffer instanceof ArrayBuffer
    ? data as Uint8Array<ArrayBuffer>
    : new Uint8Array(data) as Uint8Array<ArrayBuffer>;
}

/**
 * An array of pointers to byte strings (`char **`, or `char const* const*`), with their lengths
 * (`size_t *`). Keeps the strings referenced as long as it lives.
 */
export class PointerArray {
  readonly pointers: BigUint64Array<ArrayBuffer>;
  readonly lengths: BigUint64Array<ArrayBuffer>;
  readonly #keep: Uint8Array[];

  constructor(items: readonly Uint8Array[]) {
    this.#keep = [...items];
    // An empty array still needs a valid address.
    this.pointers = new BigUint64Array(Math.max(1, items.length));
    this.lengths = new BigUint64Array(Math.max(1, items.length));
    items.forEach((item, i) => {
      this.pointers[i] = item.length === 0
        ? BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(EMPTY)))
        : BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(item)));
      this.lengths[i] = BigInt(item.length);
    });
  }

  get length(): number {
    return this.#keep.length;
  }
}

// A zero-length typed array may have no address; empty strings point here (with length 0).
const EMPTY = new Uint8Array(1);

/** One output pointer or `size_t` (`char **`, `size_t *`, `uint64_t *`): 8 bytes. */
export function outWord(): BigUint64Array<ArrayBuffer> {
  return new BigUint64Array(1);
}

/** The pointer an output argument received (NULL for 0). */
export function pointerIn(word: BigUint64Array): Deno.PointerValue {
  return Deno.UnsafePointer.create(word[0] ?? 0n);
}

/** A copy of `length` bytes at `pointer` (empty for NULL or 0). */
export function copyBytes(pointer: Deno.PointerValue, length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  if (pointer !== null && length > 0) Deno.UnsafePointerView.copyInto(pointer, out);
  return out;
}

/** The NUL-terminated string at `pointer` (`""` for NULL). */
export function readCString(pointer: Deno.PointerValue): string {
  return pointer === null ? "" : Deno.UnsafePointerView.getCString(pointer);
}

/** UTF-8 text of some bytes. */
export function textOf(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** A number from an FFI 64-bit value (`number | bigint`). */
export function numberOf(value: number | bigint): number {
  return typeof value === "bigint" ? Number(value) : value;
}
