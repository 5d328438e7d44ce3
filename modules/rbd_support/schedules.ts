/**
 * rbd_support's Schedules (schedule.py of Ceph 16.2.15): every level's schedule of one kind,
 * kept where 16.2.15 keeps them so either manager reads the other's — the global one in the
 * module option (`mgr/rbd_support/<option>`), the others in omap object `<oid>` of each RBD
 * pool (default namespace), key the level's id (`2`, `2/ns`, `2//<image id>`), value the
 * schedule's JSON list.
 *
 * @module
 */
import { ObjectNotFound, type OptionValue } from "mgr_module";
import { LevelSpec, type PoolSource, type Validators } from "./level_spec.ts";
import { Interval, Schedule, type ScheduleItemJson, StartTime } from "./schedule.ts";
import { omapAll } from "./rbd_objects.ts";

/** What Schedules needs of the module. */
export interface ScheduleHost extends PoolSource {
  log: { info(m: string): void; error(m: string): void; debug(m: string): void };
  get_module_option(key: string, dflt?: OptionValue | null): OptionValue | null;
  get_localized_module_option(key: string, dflt?: OptionValue | null): OptionValue | null;
  set_module_option(key: string, val: OptionValue | null): Promise<void>;
  set_localized_module_option(key: string, val: OptionValue | null): Promise<void>;
}

/** What `list` answers for one level. */
export interface ListedSchedule {
  name: string;
  schedule: ScheduleItemJson[];
}

export class Schedules {
  levelSpecs = new Map<string, LevelSpec>();
  schedules = new Map<string, Schedule>();

  constructor(
    readonly host: ScheduleHost,
    /** `trash_purge_schedule` / `mirror_snapshot_schedule`. */
    readonly optionName: string,
    /** `rbd_trash_purge_schedule` / `rbd_mirror_snapshot_schedule`. */
    readonly oid: string,
    readonly validators: Validators = {},
  ) {}

  get size(): number {
    return this.schedules.size;
  }

  /**
   * 16.2.15's constructor: older releases kept the global schedule in the localized option;
   * it is moved to the global one and the localized one cleared.
   */
  async migrateLocalized(): Promise<void> {
    if (!this.host.get_module_option(this.optionName, "")) {
      const localized = this.host.get_localized_module_option(this.optionName, "");
      if (localized) await this.host.set_module_option(this.optionName, localized);
    }
    if (this.host.get_localized_module_option(this.optionName, null) !== null) {
      await this.host.set_localized_module_option(this.optionName, null);
    }
  }

  /** Reads every level's schedule again; stale keys (a level gone) are removed from omap. */
  async load(): Promise<void> {
    const levelSpecs = new Map<string, LevelSpec>();
    const schedules = new Map<string, Schedule>();
    const cfg = this.host.get_module_option(this.optionName, "");
    if (cfg) {
      try {
        const ls = LevelSpec.global();
        schedules.set(ls.id, Schedule.fromJson(ls.name, String(cfg)));
        levelSpecs.set(ls.id, ls);
      } catch {
        this.host.log.error(`Failed to decode configured schedule ${cfg}`);
      }
    }
    for (const pool of this.host.pools().filter((p) => p.rbd)) {
      try {
        await this.#loadFromPool(pool.name, levelSpecs, schedules);
      } catch (e) {
        this.host.log.error(
          `Failed to load schedules for pool ${pool.name}: ${(e as Error).message}`,
        );
      }
    }
    this.levelSpecs = levelSpecs;
    this.schedules = schedules;
  }

  async #loadFromPool(
    poolName: string,
    levelSpecs: Map<string, LevelSpec>,
    schedules: Map<string, Schedule>,
  ): Promise<void> {
    const ioctx = await this.host.rados.open_ioctx(poolName);
    try {
      const stale: string[] = [];
      for (const [k, v] of await omapAll(ioctx, this.oid)) {
        const text = new TextDecoder().decode(v);
        let ls: LevelSpec;
        try {
          ls = await LevelSpec.fromId(this.host, k, this.validators);
        } catch (e) {
          if (!(e instanceof Error && e.name === "ValueError")) throw e;
          this.host.log.debug(`Stale schedule key ${k} in pool ${poolName}`);
          stale.push(k);
          continue;
        }
        try {
          schedules.set(ls.id, Schedule.fromJson(ls.name, text));
          levelSpecs.set(ls.id, ls);
        } catch {
          this.host.log.error(`Failed to decode schedule: pool=${poolName}, ${k} ${text}`);
        }
      }
      if (stale.length > 0) await ioctx.remove_omap_keys(this.oid, stale);
    } finally {
      ioctx.close();
    }
  }

  async #save(ls: LevelSpec, schedule: Schedule | undefined): Promise<void> {
    if (ls.isGlobal()) {
      await this.host.set_module_option(this.optionName, schedule ? schedule.toJson() : null);
      return;
    }
    const pool = this.host.pools().find((p) => String(p.id) === ls.poolId);
    if (!pool) throw new ObjectNotFound(`pool ${ls.poolId}: [errno 2] RADOS object not found`, 2);
    const ioctx = await this.host.rados.open_ioctx(pool.name);
    try {
      if (schedule) await ioctx.set_omap(this.oid, [ls.id], [schedule.toJson()]);
      else await ioctx.remove_omap_keys(this.oid, [ls.id]);
    } catch (e) {
      // Python's rados binding words a failed write op so (and the module answers it as is).
      if (e instanceof ObjectNotFound) {
        throw new ObjectNotFound(
          `[errno 2] RADOS object not found (Failed to operate write op for oid ${this.oid})`,
          2,
        );
      }
      throw e;
    } finally {
      ioctx.close();
    }
  }

  /** `add`: throws ScheduleValueError for a bad interval or start time, before storing. */
  async add(ls: LevelSpec, interval: string, startTime: string | undefined): Promise<void> {
    const schedule = this.schedules.get(ls.id) ?? new Schedule(ls.name);
    schedule.add(Interval.fromString(interval), StartTime.fromString(startTime));
    this.schedules.set(ls.id, schedule);
    this.levelSpecs.set(ls.id, ls);
    await this.#save(ls, schedule);
  }

  /** `remove`: the whole level without an interval, else that item. */
  async remove(ls: LevelSpec, interval?: string, startTime?: string): Promise<void> {
    let schedule = this.schedules.get(ls.id);
    this.schedules.delete(ls.id);
    if (schedule) {
      if (interval === undefined) {
        schedule = undefined;
      } else {
        try {
          schedule.remove(Interval.fromString(interval), StartTime.fromString(startTime));
        } finally {
          if (schedule.size > 0) this.schedules.set(ls.id, schedule);
        }
        if (schedule.size === 0) schedule = undefined;
      }
      if (!schedule) this.levelSpecs.delete(ls.id);
    }
    await this.#save(ls, schedule);
  }

  /** The most specific schedule of an image, namespace or pool. */
  find(poolId: string, namespace: string, imageId?: string): Schedule | undefined {
    const levels = [poolId, namespace, ...(imageId ? [imageId] : [])];
    for (let n = levels.length; n >= 0; n--) {
      const found = this.schedules.get(levels.slice(0, n).join("/"));
      if (found) return found;
    }
    return undefined;
  }

  intersects(ls: LevelSpec): boolean {
    return [...this.levelSpecs.values()].some((l) => l.intersects(ls));
  }

  /** `list`: the level's own (or nearest parent's) schedule and every child's, by id. */
  toList(ls: LevelSpec): Record<string, ListedSchedule> {
    let parent: LevelSpec | undefined;
    if (this.schedules.has(ls.id)) {
      parent = ls;
    } else {
      for (const id of this.schedules.keys()) {
        const l = this.levelSpecs.get(id)!;
        if (l.equals(ls)) {
          parent = l;
          break;
        }
        if (ls.isChildOf(l) && (!parent || l.isChildOf(parent))) parent = l;
      }
      parent ??= ls;
    }
    const result: Record<string, ListedSchedule> = {};
    for (const [id, schedule] of this.schedules) {
      const l = this.levelSpecs.get(id)!;
      if (l.equals(parent) || l.equals(ls) || l.isChildOf(ls)) {
        result[id] = { name: schedule.name, schedule: schedule.toList() };
      }
    }
    return result;
  }
}
