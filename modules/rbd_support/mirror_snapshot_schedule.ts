/**
 * rbd_support's mirror snapshot schedules (mirror_snapshot_schedule.py of Ceph 16.2.15):
 * `rbd mirror snapshot schedule add|remove|list|status` on pool, namespace and image levels,
 * kept in omap object `rbd_mirror_snapshot_schedule` of each pool and the module option
 * `mirror_snapshot_schedule`. A namespace level must be in mirror image mode and an image in
 * snapshot mirror mode (`rbd_mirroring` omap), as 16.2.15's validators require.
 *
 * What is not implemented: telling whether a snapshot-mirrored image is primary (librbd reads
 * the image's mirror snapshots from its header) and so creating its mirror snapshots when due.
 * Namespaces without snapshot-mirrored images are scheduled exactly (nothing to queue);
 * `status` of a level with snapshot-mirrored images answers EOPNOTSUPP rather than a list
 * that would leave them out.
 *
 * @module
 */
import { EINVAL, EOPNOTSUPP, type Ioctx, pythonJson } from "mgr_module";
import { InvalidArgument, LevelSpec, type Validators } from "./level_spec.ts";
import {
  MIRROR_IMAGE_MODE_SNAPSHOT,
  MIRROR_MODE_IMAGE,
  mirrorImages,
  mirrorMode,
  namespaceList,
} from "./rbd_objects.ts";
import { ScheduleValueError } from "./schedule.ts";
import { Schedules } from "./schedules.ts";
import { type HandlerHost, REFRESH_DELAY_SECONDS } from "./trash_purge_schedule.ts";

/** 16.2.15's namespace_validator and image_validator. */
export const MIRROR_VALIDATORS: Validators = {
  async namespace(ioctx: Ioctx): Promise<void> {
    if (await mirrorMode(ioctx) !== MIRROR_MODE_IMAGE) {
      throw new ScheduleValueError(
        `namespace ${ioctx.get_namespace()} is not in mirror image mode`,
      );
    }
  },
  async image(ioctx: Ioctx, id: string): Promise<void> {
    if ((await mirrorImages(ioctx)).get(id)?.mode !== MIRROR_IMAGE_MODE_SNAPSHOT) {
      throw new InvalidArgument("Invalid mirror image mode");
    }
  },
};

export class MirrorSnapshotScheduleHandler {
  static readonly MODULE_OPTION_NAME = "mirror_snapshot_schedule";
  static readonly SCHEDULE_OID = "rbd_mirror_snapshot_schedule";

  readonly schedules: Schedules;
  /** pool id → namespace → snapshot-mirrored image ids whose primary state is unknown. */
  unread = new Map<string, Map<string, string[]>>();
  lastRefresh = -Infinity;

  constructor(readonly host: HandlerHost) {
    this.schedules = new Schedules(
      host,
      MirrorSnapshotScheduleHandler.MODULE_OPTION_NAME,
      MirrorSnapshotScheduleHandler.SCHEDULE_OID,
      MIRROR_VALIDATORS,
    );
  }

  async setup(): Promise<void> {
    await this.schedules.migrateLocalized();
    await this.refresh();
  }

  /** Reads schedules and mirrored images again when 60 s have passed. */
  async refresh(): Promise<number> {
    const elapsed = this.host.now() - this.lastRefresh;
    if (elapsed < REFRESH_DELAY_SECONDS) return REFRESH_DELAY_SECONDS - elapsed;
    await this.schedules.load();
    const unread = new Map<string, Map<string, string[]>>();
    if (this.schedules.size > 0) {
      for (const pool of this.host.pools().filter((p) => p.rbd)) {
        const id = String(pool.id);
        if (!this.schedules.intersects(LevelSpec.fromPoolSpec(id, pool.name))) continue;
        try {
          unread.set(id, await this.#loadPoolImages(id, pool.name));
        } catch (e) {
          this.host.log.error(
            `load_pool_images: exception when scanning pool ${pool.name}: ${(e as Error).message}`,
          );
        }
      }
    }
    this.unread = unread;
    this.lastRefresh = this.host.now();
    return REFRESH_DELAY_SECONDS;
  }

  async #loadPoolImages(poolId: string, poolName: string): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    const ioctx = await this.host.rados.open_ioctx(poolName);
    try {
      for (const ns of ["", ...await namespaceList(ioctx)]) {
        if (!this.schedules.intersects(LevelSpec.fromPoolSpec(poolId, poolName, ns))) continue;
        ioctx.set_namespace(ns);
        const snapshot = [...(await mirrorImages(ioctx))].filter(([, m]) =>
          m.mode === MIRROR_IMAGE_MODE_SNAPSHOT
        ).map(([id]) => id);
        out.set(ns, snapshot);
        if (snapshot.length > 0) {
          this.host.log.warning(
            `mirror snapshot schedule: ${snapshot.length} snapshot-mirrored images in ` +
              `${poolName}/${ns}: mgrd cannot read whether they are primary; not scheduled`,
          );
        }
      }
    } finally {
      ioctx.close();
    }
    return out;
  }

  /** `rbd mirror snapshot schedule <sub>`. */
  async handleCommand(
    sub: string,
    cmd: Record<string, unknown>,
  ): Promise<[number, string, string]> {
    const name = cmd.level_spec === undefined ? "" : String(cmd.level_spec);
    let ls: LevelSpec;
    try {
      ls = await LevelSpec.fromName(this.host, name, MIRROR_VALIDATORS);
    } catch (e) {
      if (e instanceof Error && e.name === "ValueError") {
        return [-EINVAL, "", `Invalid level spec ${name}: ${e.message}`];
      }
      throw e;
    }
    const opt = (k: string) => cmd[k] === undefined ? undefined : String(cmd[k]);
    switch (sub) {
      case "add":
        await this.schedules.add(ls, String(cmd.interval), opt("start_time"));
        return [0, "", ""];
      case "remove":
        await this.schedules.remove(ls, opt("interval"), opt("start_time"));
        return [0, "", ""];
      case "list":
        return [0, pythonJson(this.schedules.toList(ls), "json-pretty") + "\n", ""];
      case "status": {
        for (const [poolId, namespaces] of this.unread) {
          for (const [ns, ids] of namespaces) {
            const id = ids.find((i) => ls.matches(poolId, ns, i));
            if (id !== undefined) {
              return [
                -EOPNOTSUPP,
                "",
                `mirror snapshot schedule status: image ${id} of pool ${poolId} is ` +
                "snapshot-mirrored and mgrd cannot read whether it is primary",
              ];
            }
          }
        }
        return [0, pythonJson({ scheduled_images: [] }, "json-pretty") + "\n", ""];
      }
    }
    return [-EINVAL, "", `unknown command rbd mirror snapshot schedule ${sub}`];
  }
}
