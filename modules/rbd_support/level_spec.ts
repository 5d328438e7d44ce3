/**
 * rbd_support's LevelSpec (schedule.py of Ceph 16.2.15): what a schedule applies to — every
 * pool (`""`), a pool (`rbd/`), a namespace (`rbd/ns/`) or an image (`rbd/img`, `rbd/ns/img`),
 * by name as users give it and by id (`2`, `2/ns`, `2//<image id>`) as the schedule objects
 * key it.
 *
 * @module
 */
import type { Ioctx, Rados } from "mgr_module";
import { ScheduleValueError } from "./schedule.ts";
import { imageId, imageName, namespaceList } from "./rbd_objects.ts";

/** An image failed a validator the way librbd's InvalidArgument does. */
export class InvalidArgument extends Error {
  override name = "InvalidArgument";
}

/** Checks a level must pass (mirror snapshot schedules: the mirroring modes). */
export interface Validators {
  /** Throws ScheduleValueError when the namespace of `ioctx` does not qualify. */
  namespace?: (ioctx: Ioctx) => Promise<void>;
  /** Throws InvalidArgument when image `id` (in the ioctx's namespace) does not qualify. */
  image?: (ioctx: Ioctx, id: string) => Promise<void>;
}

/** What a LevelSpec needs of the module: its pools and its object I/O. */
export interface PoolSource {
  /** Every pool: id, name, and whether its application metadata has `rbd`. */
  pools(): { id: number; name: string; rbd: boolean }[];
  rados: Rados;
}

export class LevelSpec {
  constructor(
    readonly name: string,
    readonly id: string,
    readonly poolId: string | null,
    readonly namespace: string | null,
    readonly imageId: string | null = null,
  ) {}

  equals(other: LevelSpec): boolean {
    return this.id === other.id;
  }

  isGlobal(): boolean {
    return this.poolId === null;
  }

  isChildOf(ls: LevelSpec): boolean {
    if (ls.isGlobal()) return !this.isGlobal();
    if (ls.poolId !== this.poolId) return false;
    if (ls.namespace === null) return this.namespace !== null;
    if (ls.namespace !== this.namespace) return false;
    if (ls.imageId === null) return this.imageId !== null;
    return false;
  }

  /** Python's truthiness tests: an empty namespace matches every namespace. */
  matches(poolId: string, namespace: string, imageId?: string): boolean {
    if (this.poolId && this.poolId !== poolId) return false;
    if (this.namespace && this.namespace !== namespace) return false;
    if (this.imageId && this.imageId !== imageId) return false;
    return true;
  }

  intersects(ls: LevelSpec): boolean {
    if (this.poolId === null || ls.poolId === null) return true;
    if (this.poolId !== ls.poolId) return false;
    if (this.namespace === null || ls.namespace === null) return true;
    if (this.namespace !== ls.namespace) return false;
    if (this.imageId === null || ls.imageId === null) return true;
    return this.imageId === ls.imageId;
  }

  static global(): LevelSpec {
    return new LevelSpec("", "", null, null, null);
  }

  static fromPoolSpec(poolId: string, poolName: string, namespace: string | null = null) {
    return namespace === null
      ? new LevelSpec(`${poolName}/`, poolId, poolId, null)
      : new LevelSpec(`${poolName}/${namespace}/`, `${poolId}/${namespace}`, poolId, namespace);
  }

  /** A level by the name a user gives; throws ScheduleValueError with 16.2.15's words. */
  static async fromName(
    src: PoolSource,
    name: string,
    validators: Validators = {},
    allowImageLevel = true,
  ): Promise<LevelSpec> {
    const m = /^(?:([^/]+)\/(?:(?:([^/]*)\/|)(?:([^/@]+))?)?)?$/.exec(name);
    if (!m) throw new ScheduleValueError(`failed to parse ${name}`);
    const [, poolName, nsGroup, imageGroup] = m;
    if (imageGroup && !allowImageLevel) {
      throw new ScheduleValueError(`invalid name ${name}: image level is not allowed`);
    }
    let id = "";
    let poolId: string | null = null;
    let namespace: string | null = null;
    let imageIdFound: string | null = null;
    if (poolName) {
      const pool = src.pools().find((p) => p.name === poolName);
      if (!pool) throw new ScheduleValueError(`pool ${poolName} does not exist`);
      if (!pool.rbd) throw new ScheduleValueError(`${poolName} is not an RBD pool`);
      poolId = String(pool.id);
      id += poolId;
      if (nsGroup !== undefined || imageGroup) {
        id += "/";
        const ioctx = await src.rados.open_ioctx(poolName);
        try {
          namespace = nsGroup ?? "";
          if (namespace) {
            if (!(await namespaceList(ioctx)).includes(namespace)) {
              throw new ScheduleValueError(`namespace ${namespace} does not exist`);
            }
            id += namespace;
            ioctx.set_namespace(namespace);
            await validators.namespace?.(ioctx);
          }
          if (imageGroup) {
            const found = await imageId(ioctx, imageGroup);
            if (found === undefined) {
              throw new ScheduleValueError(`image ${imageGroup} does not exist`);
            }
            imageIdFound = found;
            id += `/${found}`;
            await _validateImage(validators, ioctx, found, imageGroup);
          }
        } finally {
          ioctx.close();
        }
      }
    }
    // 16.2.15 normalizes `rbd//image` to `rbd/image`.
    const normalized = !namespace && imageGroup ? `${poolName}/${imageGroup}` : name;
    return new LevelSpec(normalized, id, poolId, namespace, imageIdFound);
  }

  /** A level by the id a schedule object keys it with; throws ScheduleValueError when stale. */
  static async fromId(
    src: PoolSource,
    id: string,
    validators: Validators = {},
  ): Promise<LevelSpec> {
    const m = /^(?:(\d+)(?:\/([^/]*)(?:\/([^/@]+))?)?)?$/.exec(id);
    if (!m) throw new ScheduleValueError(`failed to parse: ${id}`);
    const [, poolGroup, nsGroup, imageGroup] = m;
    let name = "";
    let namespace: string | null = null;
    if (poolGroup) {
      const pool = src.pools().find((p) => String(p.id) === String(Number(poolGroup)));
      if (!pool) throw new ScheduleValueError("pool None does not exist");
      name += `${pool.name}/`;
      if (nsGroup !== undefined || imageGroup) {
        const ioctx = await src.rados.open_ioctx(pool.name);
        try {
          namespace = nsGroup ?? "";
          if (namespace) {
            if (!(await namespaceList(ioctx)).includes(namespace)) {
              throw new ScheduleValueError(`namespace ${namespace} does not exist`);
            }
            name += `${namespace}/`;
            // As 16.2.15: by id, a namespace is entered but its validator not run.
            ioctx.set_namespace(namespace);
          } else if (!imageGroup) {
            name += "/";
          }
          if (imageGroup) {
            const found = await imageName(ioctx, imageGroup);
            if (found === undefined) {
              throw new ScheduleValueError(`image ${imageGroup} does not exist`);
            }
            name += found;
            await _validateImage(validators, ioctx, imageGroup, imageGroup);
          }
        } finally {
          ioctx.close();
        }
      }
    }
    return new LevelSpec(name, id, poolGroup ?? null, namespace, imageGroup ?? null);
  }
}

async function _validateImage(v: Validators, ioctx: Ioctx, id: string, shown: string) {
  try {
    await v.image?.(ioctx, id);
  } catch (e) {
    if (e instanceof InvalidArgument) {
      throw new ScheduleValueError(`image ${shown} is not in snapshot mirror mode`);
    }
    throw e;
  }
}
