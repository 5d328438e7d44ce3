/**
 * What a module's Worker and the manager say to each other (core/module_worker/): the messages,
 * the shared memory of the synchronous calls, and how values and errors cross.
 *
 * A module's synchronous SDK calls (`get()`, `get_store()`, options, perf counters, ...) must
 * answer synchronously in the Worker too. The Worker posts the request and blocks on
 * `Atomics.wait`; the manager answers from its message handler, writing the value (v8's
 * structured serialization: typed arrays, `undefined` and Maps survive, and at 10,000 OSDs it
 * measured 72 ms to serialize `osd_map` where `JSON.stringify` took 250 ms) into a growable
 * SharedArrayBuffer, and wakes it. The manager never waits for the Worker, so nothing can
 * deadlock: a Worker that spins holds only itself.
 *
 * @module
 */
import { deserialize, serialize } from "node:v8";
import { MonWriteError } from "../kv_store.ts";
import { RemoteError } from "../remote_error.ts";

/** Slots of the control words (Int32Array over {@linkcode SyncBuffers.control}). */
export const CTRL = {
  /** 0 while a request waits, 1 once answered (what the Worker waits on). */
  STATE: 0,
  /** Bytes of the answer in `data`. */
  LENGTH: 1,
  /** {@linkcode STATUS}. */
  STATUS: 2,
  /** For `get()`: the version slot of the name, or -1 when its answer must not be cached. */
  SLOT: 3,
  /** For `get()`: the slot's version the answer belongs to. */
  VERSION: 4,
  /** Incremented by the Worker's event loop every {@linkcode BEAT_MS}: stops when it spins. */
  BEAT: 5,
  /** 1 while the Worker waits for the manager's answer: waiting is not holding its thread. */
  WAITING: 6,
} as const;
const CTRL_WORDS = 8;

/** How an answer is to be read. */
export const STATUS = { VALUE: 0, ERROR: 1, UNDEFINED: 2 } as const;

/** Names of `get()` whose answers the Worker may cache, each with a version word. */
export const VERSION_SLOTS = 256;

/** How often the Worker's event loop proves it turns (milliseconds). */
export const BEAT_MS = 10;

/** The shared memory of one module's Worker. */
export interface SyncBuffers {
  control: SharedArrayBuffer;
  /** The answer's bytes; grows (never shrinks) to the largest answer. */
  data: SharedArrayBuffer;
  /** One version word per cached `get()` name; the manager bumps it when the name changes. */
  versions: SharedArrayBuffer;
}

/** Largest answer of one synchronous call (bytes): a `pg_dump` of 10,000 OSDs is ~150 MB. */
const MAX_ANSWER_BYTES = 1 << 30;

/** Shared memory for a new Worker. */
export function newSyncBuffers(): SyncBuffers {
  return {
    control: new SharedArrayBuffer(CTRL_WORDS * 4),
    data: new SharedArrayBuffer(1 << 16, { maxByteLength: MAX_ANSWER_BYTES }),
    versions: new SharedArrayBuffer(VERSION_SLOTS * 4),
  };
}

/** An error as it crosses: enough to rebuild the classes the SDK documents. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  /** MonWriteError's. */
  key?: string;
  errno?: number;
  outs?: string;
  /** RemoteError's (its name is its kind). */
  remote?: boolean;
}

/** An error made crossable. */
export function toWire(e: unknown): WireError {
  if (e instanceof MonWriteError) {
    return {
      name: e.name,
      message: e.message,
      stack: e.stack,
      key: e.key,
      errno: e.errno,
      outs: e.outs,
    };
  }
  if (e instanceof RemoteError) {
    return { name: e.name, message: e.message, stack: e.stack, remote: true };
  }
  if (e instanceof Error) {
    const w: WireError = { name: e.name, message: e.message, stack: e.stack };
    const errno = (e as { errno?: unknown }).errno;
    if (typeof errno === "number") w.errno = errno;
    return w;
  }
  return { name: "Error", message: String(e) };
}

/** The error again, of the class it had where it was thrown when the SDK documents that class. */
export function fromWire(w: WireError): Error {
  let e: Error;
  if (w.name === "MonWriteError" && w.key !== undefined) {
    e = new MonWriteError(w.key, w.errno ?? 0, w.outs ?? "");
  } else if (w.remote) {
    e = new RemoteError(w.name as RemoteError["kind"], w.message);
  } else {
    e = new Error(w.message);
    e.name = w.name;
    if (w.errno !== undefined) (e as Error & { errno: number }).errno = w.errno;
  }
  if (w.stack) e.stack = w.stack;
  return e;
}

/**
 * Writes the answer of a synchronous call (`bytes` serialized by {@linkcode serialized}, none for
 * `undefined`) and wakes the Worker (the manager's side).
 */
export function answerSync(
  b: SyncBuffers,
  ctrl: Int32Array,
  status: number,
  bytes: Uint8Array | undefined,
  slot = -1,
  version = 0,
): void {
  const length = bytes?.byteLength ?? 0;
  if (bytes && length > b.data.byteLength) {
    if (length > b.data.maxByteLength) {
      return answerSync(
        b,
        ctrl,
        STATUS.ERROR,
        serialized(toWire(
          new RangeError(`the answer (${length} bytes) is larger than a module worker takes`),
        )),
      );
    }
    b.data.grow(Math.min(b.data.maxByteLength, Math.max(length, b.data.byteLength * 2)));
  }
  if (bytes) new Uint8Array(b.data, 0, length).set(bytes);
  ctrl[CTRL.LENGTH] = length;
  ctrl[CTRL.STATUS] = bytes ? status : STATUS.UNDEFINED;
  ctrl[CTRL.SLOT] = slot;
  ctrl[CTRL.VERSION] = version;
  Atomics.store(ctrl, CTRL.STATE, 1);
  Atomics.notify(ctrl, CTRL.STATE);
}

/** Serializes a value once, so that several Workers reading one snapshot share the cost. */
export function serialized(value: unknown): Uint8Array {
  return serialize(value);
}

/** Reads the answer the manager wrote (the Worker's side). */
export function readAnswer(b: SyncBuffers, ctrl: Int32Array): unknown {
  const status = ctrl[CTRL.STATUS];
  if (status === STATUS.UNDEFINED) return undefined;
  // deserialize() reads a Buffer-like view; a copy, as the buffer is reused by the next answer.
  const bytes = new Uint8Array(ctrl[CTRL.LENGTH]!);
  bytes.set(new Uint8Array(b.data, 0, bytes.byteLength));
  const value = deserialize(bytes);
  if (status === STATUS.ERROR) throw fromWire(value as WireError);
  return value;
}

/** Worker to manager. */
export type FromWorker =
  /** A synchronous call: answered in the shared memory. */
  | { t: "sync"; op: string; args: unknown[] }
  /** An asynchronous call: answered by a `reply` of the same id. */
  | { t: "call"; id: number; op: string; args: unknown[] }
  /** The Worker no longer waits for call `id` (a sleep woken early). */
  | { t: "cancel"; id: number }
  /** A call that answers nothing. */
  | { t: "send"; op: string; args: unknown[] }
  /** The answer to a `run`. */
  | { t: "done"; id: number; ok: true; value: unknown }
  | { t: "done"; id: number; ok: false; error: WireError }
  /** Module code gets the thread for `what` (labels a stall). */
  | { t: "enter"; what: string }
  /** The module is ready (constructed), or could not be. */
  | { t: "ready" }
  | { t: "broken"; error: WireError }
  /** Something the module started threw and nobody caught it. */
  | { t: "uncaught"; kind: string; text: string };

/** What a Worker runs for the host. */
export type RunOp =
  | "serve"
  | "notify"
  | "config_notify"
  | "shutdown"
  | "handle_command"
  | "command"
  | "remote";

/** What the manager tells a module to start it. */
export interface InitMessage {
  t: "init";
  module: string;
  source: string;
  mgrId: string;
  has: { osdPerfStats: boolean; daemonHealthBulk: boolean; osdPerfQueries: boolean };
}

/**
 * Manager to module. The start carries no shared memory: whoever runs the Worker
 * (core/module_worker/worker_port.ts) owns it and adds it ({@linkcode ToWorker}).
 */
export type ToModule =
  | InitMessage
  | { t: "run"; id: number; op: RunOp; args: unknown[] }
  | { t: "reply"; id: number; ok: true; value: unknown }
  | { t: "reply"; id: number; ok: false; error: WireError }
  /** The module is being shut down: its `shutdownSignal` aborts. */
  | { t: "abort" };

/**
 * What the Worker hears: the start with the shared memory of its synchronous calls, and, in a
 * module's own process (core/module_worker/process_main.ts), the lock word of its stdout: the
 * Worker then writes its messages there itself, as frames (core/module_worker/pipe_frames.ts),
 * which spares each synchronous call a hop through the process's main thread.
 */
export type ToWorker =
  | Exclude<ToModule, InitMessage>
  | InitMessage & { buffers: SyncBuffers; stdoutLock?: SharedArrayBuffer };
