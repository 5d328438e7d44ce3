/**
 * The live daemon's module Workers (core/module_worker/): each module loaded from
 * `mgr_module_path` runs in a Worker of its own, on real time. The simulator does not bind
 * this: the order in which Workers run is the operating system's, and a simulated run must
 * replay byte for byte from its seed.
 *
 * @module
 */
import type { ModuleIsolation, WorkerPort } from "../core/module_worker/isolated_module.ts";

const WORKER_MAIN = new URL("../core/module_worker/worker_main.ts", import.meta.url);

/** Workers for the modules of `mgr_module_path`; the built-in ones stay in the manager's. */
export function moduleWorkers(): ModuleIsolation {
  return {
    isolates: (record) => record.source !== "builtin",
    spawn: (record) =>
      new Worker(WORKER_MAIN, {
        type: "module",
        name: `mgr-module-${record.name}`,
      }) as unknown as WorkerPort,
    nowMs: () => performance.now(),
    every: (ms, fn) => {
      const timer = setInterval(fn, ms);
      // The watch must not keep a daemon that is otherwise done alive.
      Deno.unrefTimer(timer);
      return () => clearInterval(timer);
    },
  };
}
