/**
 * A module's Worker (core/module_worker/worker_main.ts) behind the {@linkcode ModulePort} the
 * manager drives: the port owns the shared memory the Worker's synchronous calls wait on.
 * The daemon's Workers use it directly (daemon/module_workers.ts); a module's own process
 * (core/module_worker/process_main.ts) runs its Worker through it too and relays it.
 *
 * @module
 */
import type { ModulePort } from "./isolated_module.ts";
import {
  answerSync,
  CTRL,
  type FromWorker,
  newSyncBuffers,
  type ToModule,
  type ToWorker,
} from "./protocol.ts";

/** The Worker's own URL (the compiled binary includes it: tools/compile.ts). */
export const WORKER_MAIN = new URL("./worker_main.ts", import.meta.url);

/**
 * Starts module `name`'s Worker and answers its port. With `stdoutLock` the Worker writes its
 * messages to the process's stdout itself (see ToWorker), and the port hears none.
 */
export function workerPort(name: string, stdoutLock?: SharedArrayBuffer): ModulePort {
  const worker = new Worker(WORKER_MAIN, { type: "module", name: `mgr-module-${name}` });
  const buffers = newSyncBuffers();
  const ctrl = new Int32Array(buffers.control);
  const versions = new Int32Array(buffers.versions);
  let ended!: () => void;
  const port: ModulePort = {
    onmessage: null,
    onerror: null,
    ended: new Promise<void>((resolve) => ended = resolve),
    postMessage(m: ToModule) {
      worker.postMessage((m.t === "init" ? { ...m, buffers, stdoutLock } : m) as ToWorker);
    },
    answer: (status, bytes, slot, version) =>
      answerSync(buffers, ctrl, status, bytes, slot, version),
    setVersion: (slot, version) => void Atomics.store(versions, slot, version),
    beat: () => Atomics.load(ctrl, CTRL.BEAT),
    waiting: () => Atomics.load(ctrl, CTRL.WAITING) === 1,
    terminate() {
      worker.terminate();
      ended();
    },
  };
  worker.onmessage = (event: MessageEvent<FromWorker>) => port.onmessage?.(event.data);
  worker.onerror = (event) => {
    event.preventDefault();
    port.onerror?.(
      event.error instanceof Error ? (event.error.stack ?? event.error.message) : event.message,
    );
  };
  return port;
}
