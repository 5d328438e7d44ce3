/**
 * The progress events modules publish (`update_progress_event`, `complete_progress_event`),
 * by id: what `status` shows under "progress".
 *
 * @module
 */

/** A progress event a module published. */
export interface ProgressEvent {
  message: string;
  /** 0 to 1. */
  progress: number;
  add_to_ceph_s: boolean;
  /** When it was first published, in seconds. */
  started: number;
}

/** The published progress events by id. */
export class ProgressEvents extends Map<string, ProgressEvent> {
  /** Publishes or updates an event; it keeps the time it was first published. */
  update(id: string, message: string, progress: number, addToCephS: boolean, now: number): void {
    this.set(id, {
      message,
      progress: Math.min(1, Math.max(0, progress)),
      add_to_ceph_s: addToCephS,
      started: this.get(id)?.started ?? now,
    });
  }
}
