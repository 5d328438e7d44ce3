/**
 * The live daemon's module Workers in its own process (core/module_worker/): each module loaded
 * from `mgr_module_path` runs in a Worker of its own, on real time. A Worker that loops
 * without yielding cannot be stopped this way (denoland/deno#35657); the daemon runs them in
 * processes of their own (daemon/module_processes.ts), and these serve as the measure of what
 * that costs (bench/module_worker_bench.ts). The simulator binds neither: the order in which
 * Workers run is the operating system's, and a simulated run must replay byte for byte from
 * its seed.
 *
 * @module
 */
import type { ModuleIsolation } from "../core/module_worker/isolated_module.ts";
import { workerPort } from "../core/module_worker/worker_port.ts";

/** Real time for the watch of a module's Worker, which must not keep a finished daemon alive. */
export function realTime(): Pick<ModuleIsolation, "nowMs" | "every"> {
  return {
    nowMs: () => performance.now(),
    every: (ms, fn) => {
      const timer = setInterval(fn, ms);
      Deno.unrefTimer(timer);
      return () => clearInterval(timer);
    },
  };
}

/** Workers in this process for the modules of `mgr_module_path`; the built-in ones stay here. */
export function moduleWorkers(): ModuleIsolation {
  return {
    isolates: (record) => record.source !== "builtin",
    spawn: (record) => workerPort(record.name),
    ...realTime(),
  };
}
