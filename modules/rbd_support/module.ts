/**
 * Ceph's rbd_support module (src/pybind/mgr/rbd_support of 16.2.15), an always-on module of
 * Pacific, written against the SDK and `this.rados`:
 *
 * - `rbd trash purge schedule add|remove|list|status` (trash_purge_schedule.ts),
 * - `rbd mirror snapshot schedule add|remove|list|status` (mirror_snapshot_schedule.ts),
 * - `rbd perf image stats|counters` (perf.ts),
 * - `rbd task list` (task.ts),
 *
 * with 16.2.15's descriptors, words, JSON and errnos, the schedules stored where 16.2.15
 * stores them (schedules.ts) so that mgrd and ceph-mgr read each other's. Not implemented:
 * `rbd task add ...` and `rbd task cancel`, purging trashed images and creating mirror
 * snapshots when due (see the handlers).
 *
 * @module
 */
import { EAGAIN, EINVAL, MgrModule, Option } from "mgr_module";
import { MirrorSnapshotScheduleHandler } from "./mirror_snapshot_schedule.ts";
import { PerfHandler } from "./perf.ts";
import { TaskHandler } from "./task.ts";
import { TrashPurgeScheduleHandler } from "./trash_purge_schedule.ts";

const _levelSpecCommands = (kind: string, what: string) => [
  {
    cmd: `rbd ${kind} schedule add name=level_spec,type=CephString ` +
      "name=interval,type=CephString name=start_time,type=CephString,req=false",
    desc: `Add rbd ${what} schedule`,
    perm: "w",
  },
  {
    cmd: `rbd ${kind} schedule remove name=level_spec,type=CephString ` +
      "name=interval,type=CephString,req=false name=start_time,type=CephString,req=false",
    desc: `Remove rbd ${what} schedule`,
    perm: "w",
  },
  {
    cmd: `rbd ${kind} schedule list name=level_spec,type=CephString,req=false`,
    desc: `List rbd ${what} schedule`,
    perm: "r",
  },
  {
    cmd: `rbd ${kind} schedule status name=level_spec,type=CephString,req=false`,
    desc: `Show rbd ${what} schedule status`,
    perm: "r",
  },
];

const _perfCommands = () =>
  (["stats", "counters"] as const).map((what) => ({
    cmd: `rbd perf image ${what} name=pool_spec,type=CephString,req=false ` +
      "name=sort_by,type=CephChoices,strings=" +
      "write_ops|write_bytes|write_latency|read_ops|read_bytes|read_latency,req=false",
    desc: `Retrieve current RBD IO performance ${what}`,
    perm: "r",
  }));

/** The rbd_support module. */
export class Module extends MgrModule {
  static override COMMANDS = [
    ..._levelSpecCommands("mirror snapshot", "mirror snapshot"),
    ..._perfCommands(),
    {
      cmd: "rbd task list name=task_id,type=CephString,req=false",
      desc: "List pending or running asynchronous tasks",
      perm: "r",
    },
    ..._levelSpecCommands("trash purge", "trash purge"),
  ];

  static override MODULE_OPTIONS = [
    Option({ name: MirrorSnapshotScheduleHandler.MODULE_OPTION_NAME }),
    Option({ name: "max_concurrent_snap_create", type: "int", default: 10 }),
    Option({ name: TrashPurgeScheduleHandler.MODULE_OPTION_NAME }),
  ];

  readonly trashPurgeSchedule = new TrashPurgeScheduleHandler(this);
  readonly mirrorSnapshotSchedule = new MirrorSnapshotScheduleHandler(this);
  readonly task = new TaskHandler(this);
  readonly perf = new PerfHandler(this);
  #ready = false;
  #wake: (() => void) | undefined;

  /** The pools of the OSD map, and whether each is an RBD pool (application `rbd`). */
  pools(): { id: number; name: string; rbd: boolean }[] {
    const map = this.get("osd_map") as {
      pools?: { pool: number; pool_name: string; application_metadata?: object }[];
    } | null;
    return (map?.pools ?? []).map((p) => ({
      id: p.pool,
      name: p.pool_name,
      rbd: "rbd" in (p.application_metadata ?? {}),
    }));
  }

  override async serve(): Promise<void> {
    // An object operation waits while its PG is inactive (as librados does, without a
    // timeout by default): serve() leaves it pending once the module is asked to stop.
    const stopped = (async () => {
      // A day at a time: a real clock's timer holds at most 2^31 ms.
      while (!this.shutting_down) await this.sleep(86400);
    })().catch(() => {});
    const step = <T>(p: Promise<T>) => {
      // Left pending at shutdown, its later failure must not be an unhandled rejection.
      p.catch(() => {});
      return Promise.race([p, stopped.then(() => undefined)]);
    };
    while (!this.shutting_down && !this.#ready) {
      try {
        await step((async () => {
          await this.mirrorSnapshotSchedule.setup();
          await this.task.setup();
          await this.trashPurgeSchedule.setup();
          this.#ready = true;
        })());
      } catch (e) {
        // 16.2.15 retries its setup after a blocklisting; here any failure (a link without
        // object I/O) is retried at the schedules' refresh pace rather than given up.
        this.log.error(`rbd_support setup failed, retrying: ${(e as Error).message}`);
        await step(this.sleep(60));
      }
    }
    const perfRounds = this.#perfRounds(stopped);
    while (!this.shutting_down) {
      let wait: number | undefined;
      try {
        wait = await step((async () => {
          const refresh = Math.min(
            await this.trashPurgeSchedule.refresh(),
            await this.mirrorSnapshotSchedule.refresh(),
          );
          return Math.min(refresh, await this.trashPurgeSchedule.runDue());
        })());
      } catch (e) {
        this.log.error(`rbd_support: ${(e as Error).message}`);
        wait = 5;
      }
      if (this.shutting_down || wait === undefined) break;
      // An added schedule may be due before the wait ends: handle_command wakes the loop.
      const woken = new Promise<void>((resolve) => this.#wake = resolve);
      await Promise.race([this.sleep(Math.max(wait, 1)), woken, stopped]);
      this.#wake = undefined;
    }
    await perfRounds;
    this.perf.shutdown();
  }

  /** PerfHandler's thread: a round every `mgr_stats_period`, until the module stops. */
  async #perfRounds(stopped: Promise<void>): Promise<void> {
    while (!this.shutting_down) {
      try {
        await Promise.race([this.perf.tick(), stopped]);
      } catch (e) {
        this.log.error(`rbd_support perf: ${(e as Error).message}`);
      }
      if (this.shutting_down) break;
      const period = Number(this.get_ceph_option("mgr_stats_period") ?? 5);
      await Promise.race([this.sleep(period > 0 ? period : 5), stopped]);
    }
  }

  override async handle_command(
    _inbuf: string,
    cmd: Record<string, unknown>,
  ): Promise<[number, string, string]> {
    if (!this.#ready) return [-EAGAIN, "", "rbd_support module is not ready, try again"];
    const prefix = String(cmd.prefix);
    try {
      if (prefix.startsWith("rbd mirror snapshot schedule ")) {
        return await this.mirrorSnapshotSchedule.handleCommand(prefix.slice(29), cmd);
      }
      if (prefix.startsWith("rbd perf ")) {
        // 16.2.15 first waits for the latest OSD map; the OSDs' counts come to the manager
        // without the mon, so while it is away the answer stands, said to name pools from the
        // last map.
        const [r, out, err] = await this.perf.handleCommand(prefix.slice(9), cmd);
        if (r !== 0 || this.have_mon_connection()) return [r, out, err];
        return [r, out, "the manager has no mon connection: pools are from the last OSD map"];
      }
      if (prefix === "rbd task list") {
        return this.task.list(cmd.task_id === undefined ? undefined : String(cmd.task_id));
      }
      if (prefix.startsWith("rbd trash purge schedule ")) {
        const r = await this.trashPurgeSchedule.handleCommand(prefix.slice(25), cmd);
        this.#wake?.();
        return r;
      }
    } catch (e) {
      // 16.2.15's mapping: rados errors with their errno, ValueError EINVAL.
      const err = e as Error & { errno?: number };
      if (err.name === "ValueError") return [-EINVAL, "", err.message];
      if (typeof err.errno === "number") return [-err.errno, "", err.message];
      throw e;
    }
    return [-EINVAL, "", `unknown command ${prefix}`];
  }
}
