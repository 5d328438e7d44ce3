/**
 * The manager's side of the endpoint front (daemon/front_worker.ts): starts the Worker on the
 * admin address, keeps it told of the manager's health, of which module holds the thread, and
 * that the thread turns (a heartbeat every 50 ms while it does).
 *
 * @module
 */
import type { WallTime } from "../core/stall_watch.ts";
import type { HealthReport } from "../core/health.ts";

/** A running front. */
export interface Front {
  /** The address callers use. */
  hostname: string;
  port: number;
  /** What the module host reports through (core/stall_watch.ts), with enter/leave. */
  wallTime: WallTime;
  /** Starts passing requests to the manager's own listener, and publishing its state. */
  connect(internal: string, source: FrontSource): void;
  stop(): Promise<void>;
}

/** What the front publishes, asked every half second. */
export interface FrontSource {
  health(): HealthReport;
  /** Tokens of the entities that may read health. */
  readers(): string[];
}

const BEAT_MS = 50;
const STATE_MS = 500;

/**
 * Starts the front on `hostname:port`; throws if it cannot listen. Until
 * {@linkcode Front.connect} it answers 503.
 */
export async function startFront(hostname: string, port: number): Promise<Front> {
  const worker = new Worker(new URL("./front_worker.ts", import.meta.url).href, {
    type: "module",
  });
  const listening = await new Promise<{ hostname: string; port: number }>((resolve, reject) => {
    worker.onmessage = (e) => {
      if (e.data.kind === "listening") resolve(e.data);
      else if (e.data.kind === "failed") reject(new Error(e.data.error));
    };
    worker.onerror = (e) => {
      e.preventDefault();
      reject(new Error(e.message));
    };
    worker.postMessage({ kind: "init", hostname, port });
  }).catch((e) => {
    worker.terminate();
    throw e;
  });
  let lastState = "";
  let source: FrontSource | undefined;
  const publish = () => {
    if (!source) return;
    try {
      const health = source.health();
      const readers = source.readers();
      const text = JSON.stringify([health, readers]);
      if (text !== lastState) {
        lastState = text;
        worker.postMessage({ kind: "state", health, readers });
      }
    } catch { /* the next round publishes */ }
  };
  const beat = setInterval(() => worker.postMessage({ kind: "beat", at: Date.now() }), BEAT_MS);
  const state = setInterval(publish, STATE_MS);
  const wallTime: WallTime = {
    nowMs: () => performance.now(),
    defer: (fn) => void setTimeout(fn, 0),
    enter: (module, what) => worker.postMessage({ kind: "enter", module, what, at: Date.now() }),
    leave: () => worker.postMessage({ kind: "leave" }),
  };
  return {
    ...listening,
    wallTime,
    connect(internal, from) {
      source = from;
      worker.postMessage({ kind: "internal", internal });
      publish();
    },
    async stop() {
      clearInterval(beat);
      clearInterval(state);
      await new Promise<void>((resolve) => {
        const done = setTimeout(resolve, 2000);
        worker.onmessage = (e) => {
          if (e.data.kind === "stopped") {
            clearTimeout(done);
            resolve();
          }
        };
        worker.postMessage({ kind: "stop" });
      });
      worker.terminate();
    },
  };
}
