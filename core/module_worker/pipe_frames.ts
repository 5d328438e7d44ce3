/**
 * The frames a module's process and the manager exchange over its stdin and stdout
 * (core/module_worker/process_main.ts, daemon/module_processes.ts): each is a 4-byte length
 * (little-endian, of what follows), a kind byte and its payload. Messages are v8's structured
 * serialization, as `postMessage` between threads is; a synchronous answer carries the bytes
 * the manager already serialized, unchanged, so a snapshot is serialized once however it
 * travels.
 *
 * @module
 */
import { deserialize, serialize } from "node:v8";

/** What a frame holds. */
export const FRAME = {
  /** A message (`ToWorker` or `FromWorker`), v8-serialized. */
  MESSAGE: 1,
  /** Manager to module: a synchronous call's answer: status, slot, version (int32 each), bytes. */
  ANSWER: 2,
  /** Manager to module: version word `slot` (int32) is now `version` (int32). */
  VERSION: 3,
  /** Module to manager: the Worker's heartbeat (int32) and whether it waits (int32). */
  BEAT: 4,
  /** Module to manager: the Worker failed outside any call (UTF-8 text). */
  ERROR: 5,
} as const;

const HEADER = 5;

/** A frame's header; `payloadBytes` of payload follow it. */
function header(kind: number, payloadBytes: number): Uint8Array {
  const h = new Uint8Array(HEADER);
  new DataView(h.buffer).setUint32(0, payloadBytes + 1, true);
  h[4] = kind;
  return h;
}

/** A whole frame of `kind` with `payload`. */
export function frame(kind: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(HEADER + payload.byteLength);
  f.set(header(kind, payload.byteLength));
  f.set(payload, HEADER);
  return f;
}

/** A frame of int32 words only. */
export function wordsFrame(kind: number, ...words: number[]): Uint8Array {
  const payload = new Uint8Array(words.length * 4);
  const view = new DataView(payload.buffer);
  words.forEach((w, i) => view.setInt32(i * 4, w, true));
  return frame(kind, payload);
}

/** A message frame. */
export function messageFrame(message: unknown): Uint8Array {
  return frame(FRAME.MESSAGE, serialize(message));
}

/**
 * An answer as two parts written one after the other (the header with its words, then the
 * bytes), so that a large answer is not copied once more to be framed.
 */
export function answerFrames(
  status: number,
  bytes: Uint8Array | undefined,
  slot: number,
  version: number,
): Uint8Array[] {
  const length = bytes?.byteLength ?? 0;
  const head = new Uint8Array(HEADER + 12);
  head.set(header(FRAME.ANSWER, 12 + length));
  const view = new DataView(head.buffer);
  view.setInt32(HEADER, status, true);
  view.setInt32(HEADER + 4, slot, true);
  view.setInt32(HEADER + 8, version, true);
  if (!bytes || length === 0) return [head];
  // A small answer is copied into one frame: one write costs less than two.
  if (length <= 1 << 16) {
    const whole = new Uint8Array(head.byteLength + length);
    whole.set(head);
    whole.set(bytes, head.byteLength);
    return [whole];
  }
  return [head, bytes];
}

/** The int32 word `i` of a payload. */
export function word(payload: Uint8Array, i: number): number {
  return new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getInt32(i * 4, true);
}

/** A message frame's message. */
export function message<T>(payload: Uint8Array): T {
  return deserialize(payload) as T;
}

/** Largest frame: the largest synchronous answer (protocol.ts) and its words. */
const MAX_FRAME = (1 << 30) + 64;

/** What was read is not a frame of `kinds` (the stream is garbled: nothing after it can be read). */
export class FrameError extends Error {
  override name = "FrameError";
}

/** What frames are read from: a stream, or a reader that reads into a buffer (`Deno.stdin`). */
export type FrameSource = ReadableStream<Uint8Array> | {
  read(p: Uint8Array): Promise<number | null>;
};

/**
 * Reads frames from `source` until it ends, handing each to `onFrame`. The payload is a view
 * into the reader's buffer, valid only until `onFrame` returns. Rejects with a
 * {@linkcode FrameError} at the first bytes that are no frame of `kinds`. A reader is read
 * straight into the buffer: one copy less, and no stream between (a module's process reads its
 * stdin so).
 */
export async function readFrames(
  source: FrameSource,
  kinds: readonly number[],
  onFrame: (kind: number, payload: Uint8Array) => void,
): Promise<void> {
  let buf = new Uint8Array(1 << 16);
  let start = 0;
  let end = 0;
  const check = (at: number) => {
    const length = new DataView(buf.buffer, at, 4).getUint32(0, true);
    if (length < 1 || length > MAX_FRAME) {
      throw new FrameError(`a frame of ${length} bytes is no frame`);
    }
    if (end - at > 4 && !kinds.includes(buf[at + 4]!)) {
      throw new FrameError(`a frame of kind ${buf[at + 4]} is none of ${kinds.join(", ")}`);
    }
    return length;
  };
  /** Room for `extra` more bytes after `end`, grown to fit the frame being read. */
  const room = (extra: number) => {
    if (end + extra <= buf.byteLength) return;
    const used = end - start;
    let need = used + extra;
    if (used >= 4) need = Math.max(need, 4 + check(start));
    const next = need > buf.byteLength ? new Uint8Array(Math.max(need, buf.byteLength * 2)) : buf;
    next.set(buf.subarray(start, end));
    buf = next;
    start = 0;
    end = used;
  };
  const frames = () => {
    while (end - start >= 4) {
      const length = check(start);
      if (end - start < 4 + length) break;
      onFrame(buf[start + 4]!, buf.subarray(start + HEADER, start + 4 + length));
      start += 4 + length;
    }
    if (start === end) start = end = 0;
  };
  if (source instanceof ReadableStream) {
    for await (const chunk of source) {
      room(chunk.byteLength);
      buf.set(chunk, end);
      end += chunk.byteLength;
      frames();
    }
    return;
  }
  while (true) {
    room(1 << 16);
    const n = await source.read(buf.subarray(end));
    if (n === null) return;
    end += n;
    frames();
  }
}

/**
 * Writes `frames` to stdout whole, holding the lock word `lock` (0 free, 1 held) that every
 * thread writing to it shares, so that no other frame lands inside them. Blocks this thread
 * while another writes (a Worker's; the main thread uses {@linkcode tryWriteLocked}).
 */
export function writeLocked(lock: Int32Array, frames: Uint8Array[]): void {
  while (Atomics.compareExchange(lock, 0, 0, 1) !== 0) Atomics.wait(lock, 0, 1);
  try {
    for (const f of frames) writeAll(f);
  } finally {
    Atomics.store(lock, 0, 0);
    Atomics.notify(lock, 0);
  }
}

/** As {@linkcode writeLocked}, but gives up (false) rather than wait for the lock. */
export function tryWriteLocked(lock: Int32Array, frames: Uint8Array[]): boolean {
  if (Atomics.compareExchange(lock, 0, 0, 1) !== 0) return false;
  try {
    for (const f of frames) writeAll(f);
  } finally {
    Atomics.store(lock, 0, 0);
    Atomics.notify(lock, 0);
  }
  return true;
}

/** The process's stdout as it was: the frames' own once {@linkcode keepStdoutForFrames} ran. */
const STDOUT = Deno.stdout;

function writeAll(f: Uint8Array): void {
  let done = 0;
  while (done < f.byteLength) done += STDOUT.writeSync(f.subarray(done));
}

/**
 * Sends what the code of this isolate prints (`console`, `Deno.stdout`, node's
 * `process.stdout`) to stderr, where the manager's process prints it too: in a module's own
 * process stdout carries the frames, and one stray line would garble them.
 */
export async function keepStdoutForFrames(): Promise<void> {
  Object.defineProperty(Deno, "stdout", { value: Deno.stderr, configurable: true });
  const process = (await import("node:process")).default;
  Object.defineProperty(process, "stdout", { value: process.stderr, configurable: true });
  const { Console } = await import("node:console");
  globalThis.console = new Console({ stdout: process.stderr, stderr: process.stderr });
}
