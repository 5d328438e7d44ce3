/**
 * rbd_support's task list (task.py of Ceph 16.2.15): `rbd task list [<task_id>]` answers the
 * tasks queued in the `rbd_task` omap object of each RBD pool and namespace (key the sequence,
 * value the task's JSON), read when the module starts, as 16.2.15 reads them.
 *
 * Adding, running and cancelling tasks (`rbd task add flatten|remove|trash remove|migration
 * ...`, `rbd task cancel`) is not implemented: tasks are listed, never run.
 *
 * @module
 */
import { ENOENT, pythonJson } from "mgr_module";
import { namespaceList, omapAll } from "./rbd_objects.ts";
import type { HandlerHost } from "./trash_purge_schedule.ts";

export const RBD_TASK_OID = "rbd_task";

const VALID_TASK_ACTIONS = [
  "flatten",
  "remove",
  "trash remove",
  "migrate execute",
  "migrate commit",
  "migrate abort",
];

/** A queued task as 16.2.15's `Task.to_dict()` shows one just loaded. */
export interface Task {
  sequence: number;
  id: string;
  message: string;
  refs: Record<string, unknown>;
}

/** 16.2.15's `Task.from_json`; throws for what it would not decode. */
export function taskFromJson(text: string): Task {
  const d = JSON.parse(text) as Record<string, unknown>;
  const refs = (d.refs ?? {}) as Record<string, unknown>;
  if (!VALID_TASK_ACTIONS.includes(String(refs.action))) {
    throw new Error(`Invalid task action: ${refs.action}`);
  }
  for (const key of ["sequence", "id", "message", "refs"]) {
    if (!(key in d)) throw new Error(`Invalid task format (missing key '${key}')`);
  }
  return {
    sequence: Number(d.sequence),
    id: String(d.id),
    message: String(d.message),
    refs,
  };
}

export class TaskHandler {
  tasks: Task[] = [];

  constructor(readonly host: HandlerHost) {}

  async setup(): Promise<void> {
    const tasks: Task[] = [];
    for (const pool of this.host.pools().filter((p) => p.rbd)) {
      try {
        const ioctx = await this.host.rados.open_ioctx(pool.name);
        try {
          for (const ns of ["", ...await namespaceList(ioctx)]) {
            ioctx.set_namespace(ns);
            for (const [, v] of await omapAll(ioctx, RBD_TASK_OID)) {
              const text = new TextDecoder().decode(v);
              try {
                tasks.push(taskFromJson(text));
              } catch {
                this.host.log.error(
                  `Failed to decode task: pool_spec=${pool.name}${
                    ns ? "/" + ns : ""
                  }, task=${text}`,
                );
              }
            }
          }
        } finally {
          ioctx.close();
        }
      } catch (e) {
        this.host.log.error(`task: cannot read pool ${pool.name}: ${(e as Error).message}`);
      }
    }
    this.tasks = tasks.sort((a, b) => a.sequence - b.sequence);
  }

  /** `rbd task list [<task_id>]`. */
  list(taskId: string | undefined): [number, string, string] {
    if (taskId) {
      const task = this.tasks.find((t) => t.id === taskId);
      if (!task) return [-ENOENT, "", `No such task ${taskId}`];
      return [0, pythonJson(task, "json-pretty") + "\n", ""];
    }
    return [0, pythonJson(this.tasks, "json-pretty") + "\n", ""];
  }
}
