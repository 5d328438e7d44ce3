/**
 * The OSD map a module gets from `get_osdmap()` (Ceph's `OSDMap` of `mgr_module.py`, backed by
 * `src/mgr/PyOSDMap.cc`): built from the `osd_map` and `osd_map_crush` dumps the cluster sends,
 * it maps PGs to OSDs as the OSDs do (CRUSH, then upmaps, then the up filter), and answers what
 * a change would do without sending anything.
 *
 * @module
 */

import { ITEM_NONE, WEIGHT_IN } from "../../ceph/crush_placement.ts";
import { pgPlacementSeed } from "../../ceph/pg_placement.ts";
import { type CrushDump, CRUSHMap } from "./crush_map.ts";
import { OSDMapIncremental } from "./incremental.ts";
import { comparePgids } from "../../ceph/pg_stat.ts";
import { calcPgUpmaps, pgKey } from "./calc_pg_upmaps.ts";
import type { OsdDump, OsdMapDump, PoolDump, UpActing } from "./osd_map_dump.ts";

export type { OsdDump, OsdMapDump, PoolDump, UpActing };

/**
 * The CRUSH results of a pool's PGs under one CRUSH map and one set of reweights, filled as
 * PGs are asked for. Kept across OSD maps: an epoch that changes neither (an upmap, a PG
 * state, an OSD going down) maps every PG as before, and the balancer maps every PG of every
 * pool on each run — 300,000 CRUSH descents at 10,000 OSDs.
 */
interface PoolPlacement {
  readonly reweight: Uint32Array;
  /** `size` slots per PG. */
  readonly osds: Int32Array;
  /** How many slots a PG's result fills; -1 until it is computed. */
  readonly counts: Int8Array;
  /**
   * 1 where a draw was rejected by a reweight on the way (or the rule was not traced): such a
   * PG may map elsewhere after any reweight change. Any other PG reached only the OSDs it
   * holds, so a reweight of other OSDs leaves it where it is.
   */
  readonly rejected: Uint8Array;
}

/**
 * `old`'s placements carried over to new reweights: a PG keeps its result unless it was
 * rejected somewhere or holds an OSD whose reweight changed (as the simulator's PG table
 * remaps only those). A copy: maps of older epochs keep reading `old`.
 */
function _reweighted(old: PoolPlacement, reweight: Uint32Array, size: number): PoolPlacement {
  const changed = new Uint8Array(Math.max(old.reweight.length, reweight.length));
  for (let o = 0; o < changed.length; o++) {
    if ((old.reweight[o] ?? 0) !== (reweight[o] ?? 0)) changed[o] = 1;
  }
  const counts = old.counts.slice();
  for (let ps = 0; ps < counts.length; ps++) {
    const n = counts[ps]!;
    if (n < 0) continue;
    let stale = old.rejected[ps] === 1;
    for (let i = ps * size; !stale && i < ps * size + n; i++) {
      const o = old.osds[i]!;
      stale = o >= 0 && o < changed.length && changed[o] === 1;
    }
    if (stale) counts[ps] = -1;
  }
  return { reweight, osds: old.osds.slice(), counts, rejected: old.rejected.slice() };
}

/** Per CRUSH map: pool placements by pool id, pg_placement_num, size and rule. */
const _placements = new WeakMap<CRUSHMap, Map<string, PoolPlacement>>();

/** The CRUSHMap of each `osd_map_crush` dump seen, so that later epochs share its placements. */
const _crushMaps = new WeakMap<CrushDump, CRUSHMap>();
/**
 * The last few CRUSH maps built, found again by content: a cluster sends a new dump object
 * with every OSD-map epoch, most of them with the same CRUSH map. A few, for managers of
 * several clusters in one process (tests).
 */
const _recentCrush: CRUSHMap[] = [];
const RECENT_CRUSH = 4;

/** The CRUSHMap for `dump`: one built before from an equal dump, or a new one. */
function _crushMapOf(dump: CrushDump): CRUSHMap {
  const known = _crushMaps.get(dump);
  if (known) return known;
  let map = _recentCrush.find((m) => _sameJson(m._baseDump(), dump));
  if (map) _recentCrush.splice(_recentCrush.indexOf(map), 1);
  else map = new CRUSHMap(dump);
  _recentCrush.unshift(map);
  _recentCrush.length = Math.min(_recentCrush.length, RECENT_CRUSH);
  _crushMaps.set(dump, map);
  return map;
}

/** Whether two JSON values are equal, walked without building strings (stops at the first difference). */
function _sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!_sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const ra = a as Record<string, unknown>, rb = b as Record<string, unknown>;
  for (const k of ka) if (!Object.hasOwn(rb, k) || !_sameJson(ra[k], rb[k])) return false;
  return true;
}

function _sameWeights(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * An OSD map (`this.get_osdmap()`): the cluster's, or the one an incremental would make.
 *
 * @example
 * ```ts ignore
 * const osdmap = this.get_osdmap();
 * const pools = osdmap.get_pools_by_name();
 * const rbd = pools["rbd"];
 * if (rbd) {
 *   const up = osdmap.map_pool_pgs_up(rbd.pool as number); // {"2.0": [3, 7, 1], ...}
 *   this.log.info(`epoch ${osdmap.get_epoch()}: ${Object.keys(up ?? {}).length} PGs`);
 * }
 * ```
 */
export class OSDMap {
  readonly #dump: OsdMapDump;
  readonly #crush: CRUSHMap;
  #pools: Map<number, PoolDump> | undefined;
  #reweight: Uint32Array | undefined;
  #exists: Uint8Array | undefined;
  #up: Uint8Array | undefined;
  #upmapItems: Map<string, [number, number][]> | undefined;
  #upmap: Map<string, number[]> | undefined;
  readonly #poolUp = new Map<number, Record<string, number[]>>();
  /** The shared placements this map's reweights were checked against, by key. */
  readonly #placements = new Map<string, PoolPlacement>();
  #lastPlacement: { pool: PoolDump; placement: PoolPlacement } | undefined;
  #upmappedPgs: Set<number> | undefined;

  /**
   * @param dump `get('osd_map')`
   * @param crush `get('osd_map_crush')`, or a CRUSHMap (for maps an incremental made)
   */
  constructor(dump: OsdMapDump, crush: CrushDump | CRUSHMap) {
    this.#dump = dump;
    this.#crush = crush instanceof CRUSHMap ? crush : _crushMapOf(crush);
  }

  /**
   * The map's epoch.
   *
   * @example
   * ```ts ignore
   * const epoch = this.get_osdmap().get_epoch();
   * ```
   */
  get_epoch(): number {
    return this.#dump.epoch;
  }

  /**
   * The CRUSH map's version (`crush_version`).
   *
   * @example
   * ```ts ignore
   * const v = this.get_osdmap().get_crush_version();
   * ```
   */
  get_crush_version(): number {
    return this.#dump.crush_version;
  }

  /**
   * The map as `ceph osd dump -f json` prints it (`get('osd_map')`); frozen for the cluster's
   * map.
   *
   * @example
   * ```ts ignore
   * const down = this.get_osdmap().dump().osds.filter((o) => !o.up).length;
   * ```
   */
  dump(): OsdMapDump {
    return this.#dump;
  }

  /**
   * The pools by id.
   *
   * @example
   * ```ts ignore
   * const size = this.get_osdmap().get_pools()[1]?.size;
   * ```
   */
  get_pools(): Record<number, PoolDump> {
    return Object.fromEntries(this.#dump.pools.map((p) => [p.pool, p]));
  }

  /**
   * The pools by name.
   *
   * @example
   * ```ts ignore
   * const rbd = this.get_osdmap().get_pools_by_name()["rbd"];
   * ```
   */
  get_pools_by_name(): Record<string, PoolDump> {
    return Object.fromEntries(this.#dump.pools.map((p) => [p.pool_name, p]));
  }

  /**
   * The ids of the pools whose CRUSH rule takes `take`.
   *
   * @example
   * ```ts ignore
   * const pools = this.get_osdmap().get_pools_by_take(-1);
   * ```
   */
  get_pools_by_take(take: number): number[] {
    return this.#dump.pools.filter((p) =>
      this.#crush.get_rule_by_id(p.crush_rule)?.steps.some((s) =>
        s.op === "take" && s.item === take
      ) ?? false
    ).map((p) => p.pool);
  }

  /**
   * The map's CRUSH map.
   *
   * @example
   * ```ts ignore
   * const roots = this.get_osdmap().get_crush().find_roots();
   * ```
   */
  get_crush(): CRUSHMap {
    return this.#crush;
  }

  /**
   * An empty change to this map, for the next epoch.
   *
   * @example
   * ```ts ignore
   * const inc = this.get_osdmap().new_incremental();
   * ```
   */
  new_incremental(): OSDMapIncremental {
    return new OSDMapIncremental(this.#dump.epoch + 1, this.#dump.fsid, this.#crush);
  }

  /**
   * The map `inc` would make: its reweights, compat weights and upmap items applied, at its
   * epoch. This map stays as it is.
   *
   * @example
   * ```ts ignore
   * const inc = osdmap.new_incremental();
   * inc.set_osd_reweights({ 2: 0.5 });
   * const next = osdmap.apply_incremental(inc);
   * ```
   */
  apply_incremental(inc: OSDMapIncremental): OSDMap {
    if (!(inc instanceof OSDMapIncremental)) {
      throw new TypeError("apply_incremental: expected an OSDMapIncremental");
    }
    const osds = this.#dump.osds.map((o) => {
      const w = inc._newWeight.get(o.osd);
      return w === undefined ? o : { ...o, weight: w / WEIGHT_IN, in: w > 0 ? 1 : 0 };
    });
    const items = new Map(this.#upmapItemsMap());
    for (const pgid of inc._oldPgUpmapItems) items.delete(pgid);
    for (const [pgid, pairs] of inc._newPgUpmapItems) items.set(pgid, pairs);
    const compat = inc._compatWeights.size > 0
      ? new Map([...(this.#crush._compatWeights() ?? []), ...inc._compatWeights])
      : this.#crush._compatWeights();
    const crush = compat === this.#crush._compatWeights()
      ? this.#crush
      : new CRUSHMap(this.#crush._baseDump(), compat);
    const dump: OsdMapDump = {
      ...this.#dump,
      epoch: inc.get_epoch(),
      crush_version: this.#dump.crush_version + (crush === this.#crush ? 0 : 1),
      osds,
      pg_upmap_items: [...items].sort((a, b) => comparePgids(a[0], b[0])).map(([pgid, pairs]) => ({
        pgid,
        mappings: pairs.map(([from, to]) => ({ from, to })),
      })),
    };
    return new OSDMap(dump, crush);
  }

  /**
   * Adds to `inc` the upmap items that bring each OSD within `max_deviation` PGs of its share
   * (by CRUSH weight and reweight) of the PGs of `pools` (all when empty), at most
   * `max_iterations` changes; returns how many PGs it remapped. As Ceph's
   * `OSDMap::calc_pg_upmaps`, a move keeps the rule's failure domains distinct and undoes an
   * existing upmap item before adding one.
   *
   * @example
   * ```ts ignore
   * const inc = osdmap.new_incremental();
   * const changed = osdmap.calc_pg_upmaps(inc, 5, 10, ["rbd"]);
   * ```
   */
  calc_pg_upmaps(
    inc: OSDMapIncremental,
    max_deviation: number,
    max_iterations = 10,
    pools: readonly string[] = [],
  ): number {
    if (!(inc instanceof OSDMapIncremental)) {
      throw new TypeError("calc_pg_upmaps: expected an OSDMapIncremental");
    }
    const byName = this.get_pools_by_name();
    const ids = pools.map((name) => {
      const p = byName[name];
      if (!p) throw new RangeError(`calc_pg_upmaps: pool '${name}' does not exist`);
      return p.pool;
    });
    return calcPgUpmaps(this, inc, max_deviation, max_iterations, ids);
  }

  /**
   * The up set of every PG of pool `poolid`, by pgid: `{"1.0": [3, 7, 1], ...}`; null when
   * there is no such pool. An erasure-coded pool's sets keep each shard at its position, with
   * 2147483647 (CRUSH_ITEM_NONE) for a shard that has no OSD up.
   *
   * @example
   * ```ts ignore
   * const up = this.get_osdmap().map_pool_pgs_up(1);
   * ```
   */
  map_pool_pgs_up(poolid: number): Record<string, number[]> | null {
    const known = this.#poolUp.get(poolid);
    if (known) return known;
    const pool = this.#poolMap().get(poolid);
    if (!pool) return null;
    const out: Record<string, number[]> = {};
    for (let ps = 0; ps < pool.pg_num; ps++) {
      out[`${poolid}.${ps.toString(16)}`] = this._up(pool, ps);
    }
    this.#poolUp.set(poolid, out);
    return out;
  }

  /**
   * The up and acting sets of PG `ps` of pool `pool_id` (acting follows `pg_temp` and
   * `primary_temp`); throws a RangeError for an unknown pool.
   *
   * @example
   * ```ts ignore
   * const { up, acting_primary } = this.get_osdmap().pg_to_up_acting_osds(1, 0);
   * ```
   */
  pg_to_up_acting_osds(pool_id: number, ps: number): UpActing {
    const pool = this.#poolMap().get(pool_id);
    if (!pool) throw new RangeError(`pg_to_up_acting_osds: no pool ${pool_id}`);
    const up = this._up(pool, ps);
    const pgid = `${pool_id}.${ps.toString(16)}`;
    const ec = _isErasure(pool);
    // `_get_temp_osds`: a down OSD of a pg_temp is dropped, or a hole in an EC pool's.
    const temp = this.#dump.pg_temp?.find((t) => t.pgid === pgid)?.osds.flatMap((o) =>
      this.#isUp(o) ? [o] : ec ? [ITEM_NONE] : []
    );
    const acting = temp && temp.length > 0 ? temp : up;
    const primaryTemp = this.#dump.primary_temp?.find((t) => t.pgid === pgid)?.osd;
    const first = (osds: number[]) => osds.find((o) => o !== ITEM_NONE) ?? -1;
    return {
      up,
      up_primary: first(up),
      acting,
      acting_primary: primaryTemp ?? first(acting),
    };
  }

  /**
   * How many bytes of raw space a byte stored in the pool takes: its size when replicated,
   * (k + m) / k when erasure-coded; throws a RangeError for an unknown pool.
   *
   * @example
   * ```ts ignore
   * const raw = stored * this.get_osdmap().pool_raw_used_rate(1); // 3 × for size 3
   * ```
   */
  pool_raw_used_rate(pool_id: number): number {
    const pool = this.#poolMap().get(pool_id);
    if (!pool) throw new RangeError(`pool_raw_used_rate: no pool ${pool_id}`);
    if (pool.type !== 3) return pool.size;
    const profile = this.#dump.erasure_code_profiles?.[pool.erasure_code_profile ?? ""];
    const k = Number(profile?.k), m = Number(profile?.m);
    return k > 0 && m >= 0 ? (k + m) / k : 0;
  }

  /**
   * The erasure-code profile called `name`, or null.
   *
   * @example
   * ```ts ignore
   * const k = this.get_osdmap().get_ec_profile("default")?.k;
   * ```
   */
  get_ec_profile(name: string): Record<string, string> | null {
    return this.#dump.erasure_code_profiles?.[name] ?? null;
  }

  /**
   * `require_osd_release` (`pacific`).
   *
   * @example
   * ```ts ignore
   * const release = this.get_osdmap().get_require_osd_release();
   * ```
   */
  get_require_osd_release(): string {
    return String(this.#dump.require_osd_release ?? "");
  }

  /**
   * @internal The raw CRUSH mapping of a PG, nonexistent OSDs removed (Ceph's
   * `_remove_nonexistent_osds`): taken out of a replicated pool's list, replaced by ITEM_NONE
   * in an erasure-coded pool's, whose shards keep their positions.
   */
  _raw(pool: PoolDump, ps: number): number[] {
    const pgpNum = pool.pg_placement_num || pool.pg_num;
    const placement = this.#placementOf(pool, pgpNum);
    this.#reweights();
    const exists = this.#exists as Uint8Array;
    const size = pool.size, base = ps * size, erasure = _isErasure(pool);
    const count = ps < pool.pg_num ? placement.counts[ps]! : -2;
    if (count >= 0) {
      // The hot path of the balancer: no view, no closure per PG.
      const osds = placement.osds, raw: number[] = [];
      for (let i = base; i < base + count; i++) {
        const o = osds[i]!;
        if (exists[o] === 1) raw.push(o);
        else if (erasure) raw.push(ITEM_NONE);
      }
      return raw;
    }
    const pps = pgPlacementSeed(pool.pool, ps, pgpNum);
    const outcome = { rejected: false };
    const raw = this.#crush._doRule(pool.crush_rule, pps, size, this.#reweights(), outcome);
    if (count === -1 && raw.length <= size) {
      placement.osds.set(raw, base);
      placement.counts[ps] = raw.length;
      placement.rejected[ps] = outcome.rejected ? 1 : 0;
    }
    return erasure
      ? raw.map((o) => (exists[o] === 1 ? o : ITEM_NONE))
      : raw.filter((o) => exists[o] === 1);
  }

  /** The placement of the pool `_raw` asked for last, looked up again only for another pool. */
  #placementOf(pool: PoolDump, pgpNum: number): PoolPlacement {
    const last = this.#lastPlacement;
    if (last !== undefined && last.pool === pool) return last.placement;
    const placement = this.#placement(pool, pgpNum);
    this.#lastPlacement = { pool, placement };
    return placement;
  }

  #placement(pool: PoolDump, pgpNum: number): PoolPlacement {
    const key = `${pool.pool}/${pgpNum}/${pool.pg_num}/${pool.size}/${pool.crush_rule}`;
    const checked = this.#placements.get(key);
    if (checked) return checked;
    let byKey = _placements.get(this.#crush);
    if (!byKey) _placements.set(this.#crush, byKey = new Map());
    const reweight = this.#reweights();
    let placement = byKey.get(key);
    if (!placement) {
      const n = Math.max(0, pool.pg_num);
      placement = {
        reweight,
        osds: new Int32Array(n * Math.max(0, pool.size)),
        counts: new Int8Array(n).fill(-1),
        rejected: new Uint8Array(n),
      };
      byKey.set(key, placement);
    } else if (!_sameWeights(placement.reweight, reweight)) {
      placement = _reweighted(placement, reweight, pool.size);
      byKey.set(key, placement);
    }
    this.#placements.set(key, placement);
    return placement;
  }

  /** @internal The raw mapping with the pool's upmaps applied (Ceph's `_apply_upmap`). */
  _upmapped(pgid: string, raw: number[]): number[] {
    if (this.#upmapMap().size === 0 && this.#upmapItemsMap().size === 0) return raw;
    const weights = this.#reweights();
    const full = this.#upmapMap().get(pgid);
    if (full && full.every((o) => o === 0x7fffffff || (weights[o] ?? 0) > 0)) raw = [...full];
    const items = this.#upmapItemsMap().get(pgid);
    if (!items) return raw;
    raw = [...raw];
    for (const [from, to] of items) {
      const pos = raw.indexOf(from);
      if (pos < 0 || raw.includes(to)) continue;
      if (to !== 0x7fffffff && (weights[to] ?? 0) === 0) continue;
      raw[pos] = to;
    }
    return raw;
  }

  /**
   * @internal The up set of PG `ps` of `pool` (`_raw_to_up_osds`): down OSDs left out, or, in
   * an erasure-coded pool, ITEM_NONE in their place.
   */
  _up(pool: PoolDump, ps: number): number[] {
    const pgid = `${pool.pool}.${ps.toString(16)}`;
    const raw = this._upmapped(pgid, this._raw(pool, ps));
    return _isErasure(pool)
      ? raw.map((o) => (this.#isUp(o) ? o : ITEM_NONE))
      : raw.filter((o) => this.#isUp(o));
  }

  /** @internal */
  _exists(osd: number): boolean {
    this.#reweights();
    return (this.#exists as Uint8Array)[osd] === 1;
  }

  /** @internal */
  _isUp(osd: number): boolean {
    return this.#isUp(osd);
  }

  /** @internal The reweights in 16.16 fixed point, by OSD. */
  _reweights(): Uint32Array {
    return this.#reweights();
  }

  /** @internal The PGs with a pg_upmap or pg_upmap_items entry, as `pool * 2^32 + ps`. */
  _upmappedPgs(): ReadonlySet<number> {
    if (this.#upmappedPgs) return this.#upmappedPgs;
    const keys = new Set<number>();
    for (const pgid of [...this.#upmapMap().keys(), ...this.#upmapItemsMap().keys()]) {
      const dot = pgid.indexOf(".");
      keys.add(pgKey(Number(pgid.slice(0, dot)), parseInt(pgid.slice(dot + 1), 16)));
    }
    return this.#upmappedPgs = keys;
  }

  /** @internal The upmap items by pgid. */
  _upmapItems(): ReadonlyMap<string, readonly [number, number][]> {
    return this.#upmapItemsMap();
  }

  #isUp(osd: number): boolean {
    this.#reweights();
    return (this.#up as Uint8Array)[osd] === 1;
  }

  #poolMap(): Map<number, PoolDump> {
    return this.#pools ??= new Map(this.#dump.pools.map((p) => [p.pool, p]));
  }

  #reweights(): Uint32Array {
    if (this.#reweight) return this.#reweight;
    const n = Math.max(this.#dump.max_osd, ...this.#dump.osds.map((o) => o.osd + 1), 0);
    const w = new Uint32Array(n), exists = new Uint8Array(n), up = new Uint8Array(n);
    for (const o of this.#dump.osds) {
      exists[o.osd] = 1;
      up[o.osd] = o.up ? 1 : 0;
      w[o.osd] = Math.round(o.weight * WEIGHT_IN);
    }
    this.#exists = exists;
    this.#up = up;
    return this.#reweight = w;
  }

  #upmapItemsMap(): Map<string, [number, number][]> {
    return this.#upmapItems ??= new Map(
      (this.#dump.pg_upmap_items ?? []).map((e) => [
        e.pgid,
        e.mappings.map((m): [number, number] => [m.from, m.to]),
      ]),
    );
  }

  #upmapMap(): Map<string, number[]> {
    return this.#upmap ??= new Map((this.#dump.pg_upmap ?? []).map((e) => [e.pgid, e.osds]));
  }
}

/** Whether a pool's shards keep their positions (erasure-coded: `can_shift_osds()` false). */
function _isErasure(pool: PoolDump): boolean {
  return pool.type === 3;
}
