/**
 * A per-module finisher: tasks run one at a time, in the order they were queued, like Ceph's
 * per-module finisher thread. A task that throws does not stop the queue.
 *
 * @module
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #pending = 0;

  /** Queues `task`; the promise settles with its outcome once it has run. */
  run<T>(task: () => T | Promise<T>): Promise<T> {
    this.#pending++;
    const result = this.#tail.then(task);
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
