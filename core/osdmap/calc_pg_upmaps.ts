/**
 * The upmap optimizer behind `OSDMap.calc_pg_upmaps` (after Ceph's `OSDMap::calc_pg_upmaps`):
 * each OSD's target is its share, by CRUSH weight × reweight under its rule's take, of the
 * pools' PG replicas; while some OSD holds more than `max_deviation` PGs over its target, move
 * one PG from the most overfull OSD to the most underfull one that keeps the rule's failure
 * domains distinct, undoing an upmap item that points at the overfull OSD first.
 *
 * @module
 */

import { ITEM_NONE } from "../../ceph/crush_placement.ts";
import type { CRUSHMap } from "./crush_map.ts";
import type { OSDMapIncremental } from "./incremental.ts";
import type { PoolDump } from "./osd_map_dump.ts";

/** What the optimizer reads of an OSD map (OSDMap, in osd_map.ts, is one). */
export interface UpmapSource {
  apply_incremental(inc: OSDMapIncremental): UpmapSource;
  get_crush(): CRUSHMap;
  get_pools(): Record<number, PoolDump>;
  _reweights(): Uint32Array;
  _raw(pool: PoolDump, ps: number): number[];
  _upmapped(pgid: string, raw: number[]): number[];
  _isUp(osd: number): boolean;
  _upmapItems(): ReadonlyMap<string, readonly [number, number][]>;
}

/** Ceph's `calc_pg_upmaps`: fills `inc`, returns how many changes it made. */
export function calcPgUpmaps(
  base: UpmapSource,
  inc: OSDMapIncremental,
  maxDeviation: number,
  maxIterations: number,
  poolIds: readonly number[],
): number {
  if (!(maxDeviation >= 1)) maxDeviation = 1;
  const map = base.apply_incremental(inc);
  const crush = map.get_crush();
  const all = Object.values(map.get_pools());
  const pools: PoolDump[] = poolIds.length > 0
    ? all.filter((p) => poolIds.includes(p.pool))
    : all.filter((p) => p.type !== 3);
  const reweight = map._reweights();
  const weight = new Map<number, number>();
  let weightTotal = 0, totalPgs = 0;
  const domainType = new Map<number, string>();
  for (const pool of pools) {
    const take = crush.get_rule_by_id(pool.crush_rule)?.steps.find((s) => s.op === "take")?.item;
    if (take === undefined) continue;
    domainType.set(pool.pool, crush._ruleDomain(pool.crush_rule));
    for (const [k, w] of Object.entries(crush.get_take_weight_osd_map(take))) {
      const osd = Number(k);
      const adjusted = w * (reweight[osd] ?? 0) / 0x10000;
      if (adjusted <= 0) continue;
      weight.set(osd, (weight.get(osd) ?? 0) + adjusted);
      weightTotal += adjusted;
    }
    totalPgs += pool.size * pool.pg_num;
  }
  if (weightTotal <= 0) return 0;
  const pgsPerWeight = totalPgs / weightTotal;

  const sets = new Map<string, number[]>();
  const poolOf = new Map<string, number>();
  const byOsd = new Map<number, Set<string>>();
  for (const osd of weight.keys()) byOsd.set(osd, new Set());
  for (const pool of pools) {
    for (let ps = 0; ps < pool.pg_num; ps++) {
      const pgid = `${pool.pool}.${ps.toString(16)}`;
      const set = map._upmapped(pgid, map._raw(pool, ps));
      sets.set(pgid, set);
      poolOf.set(pgid, pool.pool);
      for (const o of set) {
        // An erasure-coded PG's empty shard counts for no OSD.
        if (o === ITEM_NONE) continue;
        if (!byOsd.has(o)) byOsd.set(o, new Set());
        byOsd.get(o)?.add(pgid);
      }
    }
  }
  const deviation = new Map<number, number>();
  for (const [osd, pgs] of byOsd) {
    deviation.set(osd, pgs.size - (weight.get(osd) ?? 0) * pgsPerWeight);
  }
  const items = new Map<string, [number, number][]>();
  const itemsOf = (pgid: string): [number, number][] => {
    let known = items.get(pgid);
    if (!known) {
      known = (map._upmapItems().get(pgid) ?? []).map(([f, t]): [number, number] => [f, t]);
      items.set(pgid, known);
    }
    return known;
  };
  const record = (pgid: string, pairs: [number, number][]) => {
    items.set(pgid, pairs);
    if (pairs.length === 0) {
      inc._newPgUpmapItems.delete(pgid);
      inc._oldPgUpmapItems.add(pgid);
    } else {
      inc._oldPgUpmapItems.delete(pgid);
      inc._newPgUpmapItems.set(pgid, pairs);
    }
  };
  const move = (pgid: string, from: number, to: number) => {
    const set = sets.get(pgid) as number[];
    set[set.indexOf(from)] = to;
    byOsd.get(from)?.delete(pgid);
    byOsd.get(to)?.add(pgid);
    deviation.set(from, (deviation.get(from) ?? 0) - 1);
    deviation.set(to, (deviation.get(to) ?? 0) + 1);
  };
  const fits = (pgid: string, from: number, to: number): boolean => {
    const set = sets.get(pgid) as number[];
    if (set.includes(to) || !weight.has(to) || !map._isUp(to)) return false;
    const type = domainType.get(poolOf.get(pgid) as number) ?? "osd";
    if (type === "osd") return true;
    const domain = crush._domainOf(to, type);
    return set.every((o) => o === from || crush._domainOf(o, type) !== domain);
  };
  const byDeviation = (a: number, b: number) =>
    (deviation.get(b) ?? 0) - (deviation.get(a) ?? 0) || a - b;

  let changes = 0;
  for (let iter = 0; iter < maxIterations; iter++) {
    const osds = [...deviation.keys()].sort(byDeviation);
    const overfull = osds.filter((o) => (deviation.get(o) ?? 0) > maxDeviation);
    if (overfull.length === 0) break;
    const underfull = osds.filter((o) => (deviation.get(o) ?? 0) < 0).reverse();
    let moved = false;
    for (const from of overfull) {
      const pgids = [...(byOsd.get(from) ?? [])].sort();
      // Undo first: an item that brought a PG here goes back where CRUSH put it.
      for (const pgid of pgids) {
        const pairs = itemsOf(pgid);
        const i = pairs.findIndex(([, t]) => t === from);
        if (i < 0) continue;
        const orig = (pairs[i] as [number, number])[0];
        if ((deviation.get(orig) ?? 0) >= 0 || !fits(pgid, from, orig)) continue;
        record(pgid, pairs.filter((_, j) => j !== i));
        move(pgid, from, orig);
        changes++;
        moved = true;
        break;
      }
      if (moved) break;
      for (const pgid of pgids) {
        const to = underfull.find((o) =>
          (deviation.get(o) ?? 0) + 1 < (deviation.get(from) ?? 0) && fits(pgid, from, o)
        );
        if (to === undefined) continue;
        const pairs = itemsOf(pgid);
        const i = pairs.findIndex(([, t]) => t === from);
        const next = i >= 0
          ? pairs.map((p, j): [number, number] => j === i ? [p[0], to] : p)
          : [...pairs, [from, to] as [number, number]];
        record(pgid, next.filter(([f, t]) => f !== t));
        move(pgid, from, to);
        changes++;
        moved = true;
        break;
      }
      if (moved) break;
    }
    if (!moved) break;
  }
  return changes;
}
