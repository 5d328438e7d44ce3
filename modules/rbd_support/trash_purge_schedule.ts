/**
 * rbd_support's trash purge schedules (trash_purge_schedule.py of Ceph 16.2.15): `rbd trash
 * purge schedule add|remove|list|status` on pool and namespace levels (an image level is
 * refused, as 16.2.15 refuses it), kept in omap object `rbd_trash_purge_schedule` of each pool
 * and the module option `trash_purge_schedule`; every 60 s the schedules and each RBD pool's
 * namespaces are read again and each scheduled namespace is queued at its next run.
 *
 * When a namespace is due its trash (`rbd_trash` omap) is listed: an empty trash is nothing to
 * purge. Removing trashed images (librbd's `trash_purge`: the image's data objects, header and
 * directory entries) is not implemented: a non-empty trash is logged as not purged.
 *
 * @module
 */
import { EINVAL, pythonJson } from "mgr_module";
import { LevelSpec } from "./level_spec.ts";
import { ScheduleQueue } from "./queue.ts";
import { namespaceList, trashIds } from "./rbd_objects.ts";
import { type ScheduleHost, Schedules } from "./schedules.ts";

/** What the handler needs of the module besides the schedules' needs. */
export interface HandlerHost extends ScheduleHost {
  now(): number;
  log: ScheduleHost["log"] & { warning(m: string): void };
}

/** One due run: which namespace, when, and how many images its trash held. */
export interface PurgeRun {
  poolId: string;
  namespace: string;
  at: number;
  trashed: number;
}

export const REFRESH_DELAY_SECONDS = 60;

export class TrashPurgeScheduleHandler {
  static readonly MODULE_OPTION_NAME = "trash_purge_schedule";
  static readonly SCHEDULE_OID = "rbd_trash_purge_schedule";

  readonly schedules: Schedules;
  readonly queue = new ScheduleQueue<[string, string]>();
  /** pool id → namespace → pool name, of the pools the schedules touch. */
  pools = new Map<string, Map<string, string>>();
  lastRefresh = -Infinity;
  /** The last due runs (at most 100), for whoever wants to see what happened. */
  readonly runs: PurgeRun[] = [];

  constructor(readonly host: HandlerHost) {
    this.schedules = new Schedules(
      host,
      TrashPurgeScheduleHandler.MODULE_OPTION_NAME,
      TrashPurgeScheduleHandler.SCHEDULE_OID,
    );
  }

  async setup(): Promise<void> {
    await this.schedules.migrateLocalized();
    await this.refresh();
  }

  /** Reads schedules and pools again when 60 s have passed; answers seconds to the next one. */
  async refresh(): Promise<number> {
    const elapsed = this.host.now() - this.lastRefresh;
    if (elapsed < REFRESH_DELAY_SECONDS) return REFRESH_DELAY_SECONDS - elapsed;
    await this.schedules.load();
    if (this.schedules.size === 0) {
      this.pools = new Map();
      this.queue.clear();
      this.lastRefresh = this.host.now();
      return REFRESH_DELAY_SECONDS;
    }
    const pools = new Map<string, Map<string, string>>();
    for (const pool of this.host.pools().filter((p) => p.rbd)) {
      const id = String(pool.id);
      if (!this.schedules.intersects(LevelSpec.fromPoolSpec(id, pool.name))) continue;
      const namespaces = new Map([["", pool.name]]);
      try {
        const ioctx = await this.host.rados.open_ioctx(pool.name);
        try {
          for (const ns of await namespaceList(ioctx)) namespaces.set(ns, pool.name);
        } finally {
          ioctx.close();
        }
      } catch (e) {
        this.host.log.error(`exception when scanning pool ${pool.name}: ${(e as Error).message}`);
      }
      pools.set(id, namespaces);
    }
    this.#refreshQueue(pools);
    this.pools = pools;
    this.lastRefresh = this.host.now();
    return REFRESH_DELAY_SECONDS;
  }

  #refreshQueue(current: Map<string, Map<string, string>>): void {
    const now = this.host.now();
    for (const [poolId, namespaces] of this.pools) {
      for (const ns of namespaces.keys()) {
        if (!current.get(poolId)?.has(ns)) this.queue.remove([poolId, ns]);
      }
    }
    for (const [poolId, namespaces] of current) {
      for (const ns of namespaces.keys()) {
        if (!this.pools.get(poolId)?.has(ns)) this.#enqueue(now, poolId, ns);
      }
    }
  }

  #rebuildQueue(): void {
    const now = this.host.now();
    this.queue.dropFuture(now);
    if (this.schedules.size === 0) return;
    for (const [poolId, namespaces] of this.pools) {
      for (const ns of namespaces.keys()) this.#enqueue(now, poolId, ns);
    }
  }

  #enqueue(now: number, poolId: string, namespace: string): void {
    const schedule = this.schedules.find(poolId, namespace);
    if (!schedule) return;
    this.queue.enqueue(schedule.nextRun(now), [poolId, namespace]);
  }

  /** Runs what is due; answers seconds until something may be due. */
  async runDue(): Promise<number> {
    for (;;) {
      const { item, wait } = this.queue.dequeue(this.host.now());
      if (!item) return wait;
      const [poolId, namespace] = item;
      await this.#purge(poolId, namespace);
      this.#enqueue(this.host.now(), poolId, namespace);
    }
  }

  async #purge(poolId: string, namespace: string): Promise<void> {
    const pool = this.host.pools().find((p) => String(p.id) === poolId);
    try {
      if (!pool) throw new Error(`pool ${poolId} does not exist`);
      const ioctx = await this.host.rados.open_ioctx(pool.name);
      let trashed: number;
      try {
        ioctx.set_namespace(namespace);
        trashed = (await trashIds(ioctx)).length;
      } finally {
        ioctx.close();
      }
      this.runs.push({ poolId, namespace, at: this.host.now(), trashed });
      if (this.runs.length > 100) this.runs.shift();
      if (trashed === 0) {
        this.host.log.debug(`trash purge ${poolId}/${namespace}: trash is empty`);
      } else {
        this.host.log.warning(
          `trash purge ${poolId}/${namespace}: ${trashed} trashed images not purged ` +
            "(mgrd does not remove RBD images)",
        );
      }
    } catch (e) {
      this.host.log.error(`exception when purgin ${poolId}/${namespace}: ${(e as Error).message}`);
    }
  }

  /** `rbd trash purge schedule <sub>` after the level spec parsed. */
  async handleCommand(
    sub: string,
    cmd: Record<string, unknown>,
  ): Promise<[number, string, string]> {
    const name = cmd.level_spec === undefined ? "" : String(cmd.level_spec);
    let ls: LevelSpec;
    try {
      ls = await LevelSpec.fromName(this.host, name, {}, false);
    } catch (e) {
      if (e instanceof Error && e.name === "ValueError") {
        return [-EINVAL, "", `Invalid level spec ${name}: ${e.message}`];
      }
      throw e;
    }
    const opt = (k: string) => cmd[k] === undefined ? undefined : String(cmd[k]);
    switch (sub) {
      case "add":
        try {
          await this.schedules.add(ls, String(cmd.interval), opt("start_time"));
        } finally {
          this.#rebuildQueue();
        }
        return [0, "", ""];
      case "remove":
        try {
          await this.schedules.remove(ls, opt("interval"), opt("start_time"));
        } finally {
          this.#rebuildQueue();
        }
        return [0, "", ""];
      case "list":
        return [0, pythonJson(this.schedules.toList(ls), "json-pretty") + "\n", ""];
      case "status": {
        const scheduled = this.queue.entries().filter(([, [p, ns]]) => ls.matches(p, ns)).map((
          [time, [poolId, namespace]],
        ) => ({
          namespace,
          pool_id: poolId,
          pool_name: this.pools.get(poolId)?.get(namespace) ?? "",
          schedule_time: time,
        }));
        return [0, pythonJson({ scheduled }, "json-pretty") + "\n", ""];
      }
    }
    return [-EINVAL, "", `unknown command rbd trash purge schedule ${sub}`];
  }
}
