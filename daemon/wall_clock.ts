import type { Clock } from "../core/clock.ts";

/** The daemon's binding of the Clock port: real time, real timers. */
export class WallClock implements Clock {
  now(): number {
    return Date.now() / 1000;
  }

  sleep(seconds: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, Math.max(0, seconds * 1000));
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
