/**
 * A change to an OSD map that a module builds and asks the map what it would do (Ceph's
 * `OSDMapIncremental` of `mgr_module.py`): reweights, compat weight-set weights and upmap
 * items, as the balancer proposes them.
 *
 * @module
 */

import { type CrushDump, CRUSHMap } from "./crush_map.ts";
import { comparePgids } from "../../ceph/pg_stat.ts";

/** One `new_pg_upmap_items` entry of the dump. */
export interface UpmapItemsDump {
  pgid: string;
  mappings: { from: number; to: number }[];
}

/** What {@linkcode OSDMapIncremental.dump} answers (Ceph's `OSDMap::Incremental::dump`). */
export interface IncrementalDump {
  epoch: number;
  fsid: string;
  new_pool_max: number;
  new_flags: number;
  crush: CrushDump;
  new_max_osd: number;
  new_pools: unknown[];
  new_pool_names: unknown[];
  old_pools: unknown[];
  new_up_osds: unknown[];
  /** Reweights in 16.16 fixed point. */
  new_weight: { osd: number; weight: number }[];
  osd_state_xor: unknown[];
  new_pg_temp: unknown[];
  primary_temp: unknown[];
  new_primary_affinity: unknown[];
  new_pg_upmap: unknown[];
  old_pg_upmap: unknown[];
  new_pg_upmap_items: UpmapItemsDump[];
  old_pg_upmap_items: string[];
  new_up_thru: unknown[];
  new_lost: unknown[];
  new_last_clean_interval: unknown[];
  new_blocklist: unknown[];
  old_blocklist: unknown[];
  new_xinfo: unknown[];
  cluster_snapshot: string;
  new_uuid: unknown[];
}

/**
 * A pending change to an OSD map (`osdmap.new_incremental()`); `osdmap.apply_incremental(inc)`
 * gives the map it would make. Nothing reaches the cluster: a module sends the mon commands
 * for what it decided.
 *
 * @example
 * ```ts ignore
 * const osdmap = this.get_osdmap();
 * const inc = osdmap.new_incremental();
 * inc.set_osd_reweights({ 3: 0.9 });
 * const next = osdmap.apply_incremental(inc);
 * ```
 */
export class OSDMapIncremental {
  readonly #epoch: number;
  readonly #fsid: string;
  readonly #crush: CRUSHMap;
  /** @internal OSD → reweight in 16.16 fixed point. */
  readonly _newWeight = new Map<number, number>();
  /** @internal OSD → compat weight-set weight. */
  readonly _compatWeights = new Map<number, number>();
  /** @internal pgid → [from, to] pairs. */
  readonly _newPgUpmapItems = new Map<string, [number, number][]>();
  /** @internal pgids whose upmap items go. */
  readonly _oldPgUpmapItems = new Set<string>();

  /** @internal Made by `OSDMap.new_incremental()`. */
  constructor(epoch: number, fsid: string, crush: CRUSHMap) {
    this.#epoch = epoch;
    this.#fsid = fsid;
    this.#crush = crush;
  }

  /**
   * The epoch the change would make (the map's epoch + 1).
   *
   * @example
   * ```ts ignore
   * const next = this.get_osdmap().new_incremental().get_epoch();
   * ```
   */
  get_epoch(): number {
    return this.#epoch;
  }

  /**
   * Sets OSDs' reweights: `{0: 0.9, 1: 1.0}`, each clamped to [0, 1] (Ceph stores 16.16 fixed
   * point, truncated).
   *
   * @example
   * ```ts ignore
   * inc.set_osd_reweights({ 0: 0.95, 4: 1.0 });
   * ```
   */
  set_osd_reweights(weightmap: Record<number, number>): void {
    for (const [osd, w] of _entries(weightmap, "set_osd_reweights")) {
      this._newWeight.set(osd, Math.trunc(Math.max(0, Math.min(1, w)) * 0x10000));
    }
  }

  /**
   * Sets devices' weights in the compat weight-set (`choose_args["-1"]`), which placement uses
   * instead of the CRUSH weights; the buckets above them weigh the sum.
   *
   * @example
   * ```ts ignore
   * inc.set_crush_compat_weight_set_weights({ 0: 0.0977, 1: 0.0951 });
   * ```
   */
  set_crush_compat_weight_set_weights(weightmap: Record<number, number>): void {
    for (const [osd, w] of _entries(weightmap, "set_crush_compat_weight_set_weights")) {
      if (osd < 0) {
        throw new RangeError(`set_crush_compat_weight_set_weights: ${osd} is not a device`);
      }
      this._compatWeights.set(osd, Math.max(0, w));
    }
  }

  /**
   * The change as Ceph dumps an incremental: `new_weight`, `new_pg_upmap_items`,
   * `old_pg_upmap_items`, the CRUSH map it carries (with its compat weight-set), ...
   *
   * @example
   * ```ts ignore
   * for (const item of inc.dump().new_pg_upmap_items) {
   *   const pairs = item.mappings.flatMap((m) => [String(m.from), String(m.to)]);
   *   await this.mon_command({ prefix: "osd pg-upmap-items", format: "json", pgid: item.pgid, id: pairs });
   * }
   * ```
   */
  dump(): IncrementalDump {
    const crush = this._compatWeights.size > 0
      ? new CRUSHMap(
        this.#crush._baseDump(),
        new Map([...(this.#crush._compatWeights() ?? []), ...this._compatWeights]),
      ).dump()
      : this.#crush.dump();
    return {
      epoch: this.#epoch,
      fsid: this.#fsid,
      new_pool_max: -1,
      new_flags: -1,
      crush,
      new_max_osd: -1,
      new_pools: [],
      new_pool_names: [],
      old_pools: [],
      new_up_osds: [],
      new_weight: [...this._newWeight].sort((a, b) => a[0] - b[0]).map(([osd, weight]) => ({
        osd,
        weight,
      })),
      osd_state_xor: [],
      new_pg_temp: [],
      primary_temp: [],
      new_primary_affinity: [],
      new_pg_upmap: [],
      old_pg_upmap: [],
      new_pg_upmap_items: [...this._newPgUpmapItems].sort((a, b) => comparePgids(a[0], b[0])).map((
        [pgid, pairs],
      ) => ({ pgid, mappings: pairs.map(([from, to]) => ({ from, to })) })),
      old_pg_upmap_items: [...this._oldPgUpmapItems].sort(comparePgids),
      new_up_thru: [],
      new_lost: [],
      new_last_clean_interval: [],
      new_blocklist: [],
      old_blocklist: [],
      new_xinfo: [],
      cluster_snapshot: "",
      new_uuid: [],
    };
  }
}

function _entries(weightmap: Record<number, number>, what: string): [number, number][] {
  if (weightmap === null || typeof weightmap !== "object") {
    throw new TypeError(`${what}: weightmap must be an object of id → weight`);
  }
  return Object.entries(weightmap).map(([k, v]) => {
    const id = Number(k);
    if (!Number.isInteger(id) || typeof v !== "number" || !Number.isFinite(v)) {
      throw new TypeError(`${what}: ${k} → ${String(v)} is not an integer id and a number`);
    }
    return [id, v];
  });
}
