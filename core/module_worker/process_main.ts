/**
 * The process one module runs in (daemon/module_processes.ts starts it, as `mgrd
 * __module-host` from the compiled binary): it runs the module's Worker
 * (core/module_worker/worker_main.ts), which writes its messages to the process's stdout as
 * frames (core/module_worker/pipe_frames.ts), and relays the manager's frames from stdin to it.
 * The Worker's synchronous calls wait on shared memory here, as they would in the manager's
 * process; this thread writes the manager's answers and version words into it, and passes the
 * Worker's heartbeat on. A module that loops without yielding holds only its Worker's
 * thread: this one goes on relaying, and the manager ends the whole process by SIGKILL, which
 * no loop outlives.
 *
 * @module
 */
import { workerPort } from "./worker_port.ts";
import {
  FRAME,
  frame,
  message,
  readFrames,
  tryWriteLocked,
  word,
  wordsFrame,
} from "./pipe_frames.ts";
import type { ToModule } from "./protocol.ts";

/** How often the Worker's heartbeat is passed on (milliseconds; the manager looks every 50). */
const BEAT_RELAY_MS = 20;

/** Runs the module host on this process's stdin and stdout until the manager closes stdin. */
export async function moduleProcessMain(): Promise<void> {
  // Its life is the manager's: it ends when its stdin closes (the manager is gone) or by
  // SIGKILL. A Ctrl-C or SIGTERM meant for the daemon's process group must not end the module
  // before the manager has shut it down.
  Deno.addSignalListener("SIGINT", () => {});
  Deno.addSignalListener("SIGTERM", () => {});
  // The Worker writes its own messages to stdout; this thread only its heartbeat and errors,
  // never waiting for the Worker's lock: a Worker blocked in a write is a Worker alive.
  const stdoutLock = new SharedArrayBuffer(4);
  const lock = new Int32Array(stdoutLock);
  const errors: Uint8Array[] = [];
  // Only the latest heartbeat matters: one not yet written is replaced, not queued.
  let beatFrame: Uint8Array | undefined;
  const flush = () => {
    const frames = beatFrame ? [...errors, beatFrame] : errors;
    try {
      if (frames.length && tryWriteLocked(lock, frames)) {
        errors.length = 0;
        beatFrame = undefined;
      }
    } catch {
      // The manager is gone; its stdin's end is what ends this process.
    }
  };
  let port: ReturnType<typeof workerPort> | undefined;
  let lastBeat = -1;
  let lastWaiting = false;
  setInterval(() => {
    if (port) {
      const beat = port.beat();
      const waiting = port.waiting();
      if (beat !== lastBeat || waiting !== lastWaiting) {
        lastBeat = beat;
        lastWaiting = waiting;
        beatFrame = wordsFrame(FRAME.BEAT, beat, waiting ? 1 : 0);
      }
    }
    flush();
  }, BEAT_RELAY_MS);
  await readFrames(Deno.stdin, [FRAME.MESSAGE, FRAME.ANSWER, FRAME.VERSION], (
    kind,
    payload,
  ) => {
    switch (kind) {
      case FRAME.MESSAGE: {
        const m = message<ToModule>(payload);
        if (m.t === "init") {
          port = workerPort(m.module, stdoutLock);
          port.onerror = (text) => {
            errors.push(frame(FRAME.ERROR, new TextEncoder().encode(text)));
            flush();
          };
        }
        port?.postMessage(m);
        return;
      }
      case FRAME.ANSWER: {
        const bytes = payload.byteLength > 12 ? payload.subarray(12) : undefined;
        port?.answer(word(payload, 0), bytes, word(payload, 1), word(payload, 2));
        return;
      }
      case FRAME.VERSION:
        port?.setVersion(word(payload, 0), word(payload, 1));
        return;
    }
  });
  Deno.exit(0);
}

if (import.meta.main) await moduleProcessMain();
