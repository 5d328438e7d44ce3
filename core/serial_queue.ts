/**
 * A per-module finisher: tasks run one at a time, in the order they were queued, like Ceph's
 * per-module finisher thread. A task that throws does not stop the queue. With counters, the
 * queue keeps a Finisher's `queue_len` and `complete_latency` (core/own_perf_counters.ts):
 * tasks queued and not yet finished, and how long each ran, on the given clock.
 *
 * @module
 */
import type { Clock } from "./clock.ts";
import type { FinisherCounters } from "./own_perf_counters.ts";

export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #pending = 0;
  readonly #finisher: { clock: Clock; counters: FinisherCounters } | undefined;

  constructor(finisher?: { clock: Clock; counters: FinisherCounters }) {
    this.#finisher = finisher;
  }

  /** Queues `task`; the promise settles with its outcome once it has run. */
  run<T>(task: () => T | Promise<T>): Promise<T> {
    this.#pending++;
    const f = this.#finisher;
    let step = task;
    if (f) {
      f.counters.queued();
      step = async () => {
        const t0 = f.clock.now();
        try {
          return await task();
        } finally {
          f.counters.completed(f.clock.now() - t0);
        }
      };
    }
    const result = this.#tail.then(step);
    this.#tail = result.then(
      () => this.#pending--,
      () => this.#pending--,
    );
    return result;
  }

  /** Tasks queued or running. */
  get pending(): number {
    return this.#pending;
  }

  /** Resolves once everything queued so far has run. */
  drained(): Promise<void> {
    return this.#tail.then(() => {});
  }
}
