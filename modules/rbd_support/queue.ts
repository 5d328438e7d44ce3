/**
 * The run queue both schedule handlers of rbd_support keep (Ceph 16.2.15): what runs next,
 * by `%Y-%m-%d %H:%M:00` schedule time, each time a list of items (a pool's namespace, or an
 * image) in the order they were queued.
 *
 * @module
 */
import { scheduleStamp } from "./schedule.ts";

export class ScheduleQueue<T extends readonly string[]> {
  readonly slots = new Map<string, T[]>();

  #same(a: T, b: T): boolean {
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }

  get size(): number {
    return this.slots.size;
  }

  clear(): void {
    this.slots.clear();
  }

  /** Queues `item` at `time` (once). */
  enqueue(time: string, item: T): void {
    const slot = this.slots.get(time) ?? [];
    if (!slot.some((i) => this.#same(i, item))) slot.push(item);
    this.slots.set(time, slot);
  }

  /** The first due item at `now` (epoch seconds), or how many seconds until one is due. */
  dequeue(now: number): { item?: T; wait: number } {
    const times = [...this.slots.keys()].sort();
    const first = times[0];
    if (first === undefined) return { wait: 1000 };
    if (scheduleStamp(now) < first) {
      const due = Date.parse(first.replace(" ", "T") + "Z") / 1000;
      return { wait: due - now };
    }
    const slot = this.slots.get(first)!;
    const item = slot.shift()!;
    if (slot.length === 0) this.slots.delete(first);
    return { item, wait: 0 };
  }

  remove(item: T): void {
    for (const [time, slot] of [...this.slots]) {
      const at = slot.findIndex((i) => this.#same(i, item));
      if (at >= 0) slot.splice(at, 1);
      if (slot.length === 0) this.slots.delete(time);
    }
  }

  /** 16.2.15's rebuild: times already due stay, later ones are dropped to be queued again. */
  dropFuture(now: number): void {
    const cut = scheduleStamp(now, true);
    for (const time of [...this.slots.keys()]) if (time > cut) this.slots.delete(time);
  }

  /** Every (time, item), times in order. */
  entries(): [string, T][] {
    return [...this.slots.keys()].sort().flatMap((t) =>
      this.slots.get(t)!.map((i): [string, T] => [t, i])
    );
  }
}
