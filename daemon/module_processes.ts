/**
 * The live daemon's modules from `mgr_module_path`, each in a process of its own
 * (core/module_worker/process_main.ts, which runs the module's Worker and relays it over its
 * stdin and stdout). A module is other people's code: one that loops without yielding must
 * stall nothing of ours (its Worker's thread is its own) and must be stoppable for real, which
 * a Worker in our process is not (denoland/deno#35657): `mgr module disable`, shutdown and a
 * stall past the bound end its process by SIGKILL to its PID.
 *
 * The process runs with the daemon's own permissions: the compiled binary's, baked in, when
 * it is started as `mgrd __module-host`; from source, `deno run` with an `--allow-*` flag for
 * each permission the daemon holds in full (one granted only in part, e.g. `--allow-read=/x`,
 * is not passed on: the module gets less, never more).
 *
 * @module
 */
import type { ModuleIsolation, ModulePort } from "../core/module_worker/isolated_module.ts";
import {
  answerFrames,
  FRAME,
  message,
  messageFrame,
  readFrames,
  word,
  wordsFrame,
} from "../core/module_worker/pipe_frames.ts";
import type { FromWorker } from "../core/module_worker/protocol.ts";
import { workerPort } from "../core/module_worker/worker_port.ts";
import { realTime } from "./module_workers.ts";

/** The hidden subcommand of main.ts that runs a module's process in the compiled binary. */
export const MODULE_HOST_COMMAND = "__module-host";

const PROCESS_MAIN = new URL("../core/module_worker/process_main.ts", import.meta.url);
const CONFIG = new URL("../deno.json", import.meta.url);

const PERMISSIONS = ["read", "write", "net", "env", "sys", "run", "ffi", "import"] as const;

/** Whether this is the `deno compile`d binary (its modules live in a virtual directory). */
function compiled(): boolean {
  return new URL(Deno.mainModule).pathname.includes("/deno-compile-");
}

/**
 * The program and arguments of module `name`'s process. The name is for `ps` and the like
 * only: the process learns its module from the manager.
 */
export function moduleHostCommand(name: string): { program: string; args: string[] } {
  if (compiled()) return { program: Deno.execPath(), args: [MODULE_HOST_COMMAND, name] };
  const args = ["run", "--no-prompt", "--quiet"];
  for (const name of PERMISSIONS) {
    try {
      if (Deno.permissions.querySync({ name }).state === "granted") args.push(`--allow-${name}`);
    } catch {
      // A permission this Deno does not know is one the daemon does not hold.
    }
  }
  // As the daemon was run (deno.json's tasks): a module may listen on a unix datagram socket.
  if (typeof (Deno as { listenDatagram?: unknown }).listenDatagram === "function") {
    args.push("--unstable-net");
  }
  // The import map that names the SDK ("mgr_module") for the modules' imports.
  try {
    Deno.statSync(CONFIG);
    args.push("--config", CONFIG.pathname);
  } catch {
    // No config beside the sources: the modules resolve as the daemon's Workers would.
  }
  args.push(PROCESS_MAIN.pathname, name);
  return { program: Deno.execPath(), args };
}

/**
 * Starts module `name`'s process and answers the port to its Worker. `command` is the program
 * that hosts it, this daemon's own (moduleHostCommand) unless told otherwise: the tests run
 * the compiled binary's entry (`main.ts __module-host`) through it.
 */
export function processPort(
  name: string,
  command: { program: string; args: string[] } = moduleHostCommand(name),
): ModulePort {
  const { program, args } = command;
  const child = new Deno.Command(program, {
    args,
    stdin: "piped",
    stdout: "piped",
    // What the runtime itself says of the module (a crash) goes where the daemon's does.
    stderr: "inherit",
  }).spawn();
  const input = child.stdin.getWriter();
  let beat = 0;
  let waiting = false;
  let ended = false;
  let killed = false;
  // A write to a process that has ended fails: what it would have said is no longer needed.
  const send = (f: Uint8Array) => void input.write(f).catch(() => {});
  const port: ModulePort = {
    pid: child.pid,
    onmessage: null,
    onerror: null,
    ended: child.status.then(() => {}),
    postMessage: (m) => send(messageFrame(m)),
    answer: (status, bytes, slot, version) => {
      for (const f of answerFrames(status, bytes, slot, version)) send(f);
    },
    setVersion: (slot, version) => send(wordsFrame(FRAME.VERSION, slot, version)),
    beat: () => beat,
    waiting: () => waiting,
    terminate() {
      if (!ended && !killed) {
        killed = true;
        try {
          child.kill("SIGKILL");
        } catch {
          // It ended meanwhile.
        }
      }
      void input.close().catch(() => {});
    },
  };
  readFrames(child.stdout, [FRAME.MESSAGE, FRAME.BEAT, FRAME.ERROR], (kind, payload) => {
    switch (kind) {
      case FRAME.MESSAGE:
        port.onmessage?.(message<FromWorker>(payload));
        return;
      case FRAME.BEAT:
        beat = word(payload, 0);
        waiting = word(payload, 1) === 1;
        return;
      case FRAME.ERROR:
        port.onerror?.(new TextDecoder().decode(payload));
        return;
    }
  }).catch((e) => {
    // Something in the process wrote to its stdout past the frames (keepStdoutForFrames
    // catches what modules print): what follows cannot be read, so the module has failed.
    if (killed || ended) return;
    port.onerror?.(
      `the process of module ${name} (pid ${child.pid}) garbled its channel: ${
        (e as Error).message
      }; ending it`,
      true,
    );
    port.terminate();
  });
  void child.status.then((status) => {
    ended = true;
    if (killed) return;
    port.onerror?.(
      `the process of module ${name} (pid ${child.pid}) ended on its own (${
        status.signal ? `signal ${status.signal}` : `exit code ${status.code}`
      })`,
      true,
    );
  });
  return port;
}

/** Whether this process may start its own program (`--allow-run`, or one naming it). */
function mayRunItself(): boolean {
  return Deno.permissions.querySync({ name: "run", command: Deno.execPath() }).state === "granted";
}

/**
 * A process for each module of `mgr_module_path`; the built-in ones stay in the daemon's. A
 * daemon that may not start processes runs them in Workers of its own process instead, which
 * isolate them as well but cannot stop one in a loop (the log's "runs in a worker of its own"
 * then names no process).
 */
export function moduleProcesses(): ModuleIsolation {
  const processes = mayRunItself();
  return {
    isolates: (record) => record.source !== "builtin",
    spawn: (record) => processes ? processPort(record.name) : workerPort(record.name),
    ...realTime(),
  };
}
