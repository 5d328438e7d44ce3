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
  /** The PGs with a pg_upmap or pg_upmap_items entry, as `pool * 2^32 + ps`. */
  _upmappedPgs(): ReadonlySet<number>;
}

/** A PG as one number: `pool * 2^32 + ps`. */
export function pgKey(pool: number, ps: number): number {
  return pool * 0x100000000 + ps;
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

  // PGs by position, and the PGs of each OSD as one array grouped by OSD (with the moves made
  // since kept beside it): 300,000 PGs at 10,000 OSDs, where a Set and a pgid string per PG
  // cost the balancer a second per run.
  let n = 0;
  for (const pool of pools) n += Math.max(0, pool.pg_num);
  const pgPool = new Int32Array(n), pgPs = new Int32Array(n);
  const sets: number[][] = new Array(n);
  const upmapped = map._upmappedPgs();
  let maxOsd = reweight.length;
  for (const osd of weight.keys()) if (osd >= maxOsd) maxOsd = osd + 1;
  {
    let k = 0;
    for (const pool of pools) {
      for (let ps = 0; ps < pool.pg_num; ps++, k++) {
        const raw = map._raw(pool, ps);
        const set = upmapped.has(pgKey(pool.pool, ps))
          ? map._upmapped(`${pool.pool}.${ps.toString(16)}`, raw)
          : raw;
        pgPool[k] = pool.pool;
        pgPs[k] = ps;
        sets[k] = set;
        for (const o of set) if (o !== ITEM_NONE && o >= maxOsd) maxOsd = o + 1;
      }
    }
  }
  const pgidOf = (k: number) => `${pgPool[k]}.${pgPs[k]!.toString(16)}`;
  const counts = new Int32Array(maxOsd);
  for (let k = 0; k < n; k++) {
    // An erasure-coded PG's empty shard counts for no OSD.
    for (const o of sets[k]!) if (o !== ITEM_NONE) counts[o]!++;
  }
  const start = new Int32Array(maxOsd + 1);
  for (let o = 0; o < maxOsd; o++) start[o + 1] = start[o]! + counts[o]!;
  const grouped = new Int32Array(start[maxOsd]!);
  {
    const fill = start.slice(0, maxOsd);
    for (let k = 0; k < n; k++) {
      for (const o of sets[k]!) if (o !== ITEM_NONE) grouped[fill[o]!++] = k;
    }
  }
  const movedOut = new Set<number>(), movedIn = new Map<number, number[]>();
  const outKey = (k: number, osd: number) => k * maxOsd + osd;
  const heldBy = (osd: number): number[] => {
    const held: number[] = [];
    if (osd < maxOsd) {
      for (let i = start[osd]!; i < start[osd + 1]!; i++) {
        const k = grouped[i]!;
        if (!movedOut.has(outKey(k, osd))) held.push(k);
      }
    }
    for (const k of movedIn.get(osd) ?? []) if (!movedOut.has(outKey(k, osd))) held.push(k);
    return held;
  };
  const osdsOf = new Set<number>(weight.keys());
  for (let o = 0; o < maxOsd; o++) if (counts[o]! > 0) osdsOf.add(o);
  const deviation = new Map<number, number>();
  for (const osd of osdsOf) {
    deviation.set(osd, (counts[osd] ?? 0) - (weight.get(osd) ?? 0) * pgsPerWeight);
  }
  const items = new Map<number, [number, number][]>();
  const itemsOf = (k: number): [number, number][] => {
    let known = items.get(k);
    if (!known) {
      known = (map._upmapItems().get(pgidOf(k)) ?? []).map(([f, t]): [number, number] => [f, t]);
      items.set(k, known);
    }
    return known;
  };
  const record = (k: number, pairs: [number, number][]) => {
    const pgid = pgidOf(k);
    items.set(k, pairs);
    if (pairs.length === 0) {
      inc._newPgUpmapItems.delete(pgid);
      inc._oldPgUpmapItems.add(pgid);
    } else {
      inc._oldPgUpmapItems.delete(pgid);
      inc._newPgUpmapItems.set(pgid, pairs);
    }
  };
  const move = (k: number, from: number, to: number) => {
    const set = sets[k]!;
    set[set.indexOf(from)] = to;
    movedOut.add(outKey(k, from));
    // Back where it was (first or after a move): visible again; elsewhere: one more arrival.
    if (!movedOut.delete(outKey(k, to))) {
      let arrived = movedIn.get(to);
      if (!arrived) movedIn.set(to, arrived = []);
      arrived.push(k);
    }
    deviation.set(from, (deviation.get(from) ?? 0) - 1);
    deviation.set(to, (deviation.get(to) ?? 0) + 1);
  };
  const fits = (k: number, from: number, to: number): boolean => {
    const set = sets[k]!;
    if (set.includes(to) || !weight.has(to) || !map._isUp(to)) return false;
    const type = domainType.get(pgPool[k]!) ?? "osd";
    if (type === "osd") return true;
    const domain = crush._domainOf(to, type);
    return set.every((o) => o === from || crush._domainOf(o, type) !== domain);
  };
  const byDeviation = (a: number, b: number) =>
    (deviation.get(b) ?? 0) - (deviation.get(a) ?? 0) || a - b;
  // In pgid order as strings, the order the optimizer has always tried them in.
  const byPgid = (a: [string, number], b: [string, number]) =>
    a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;

  let changes = 0;
  for (let iter = 0; iter < maxIterations; iter++) {
    const osds = [...deviation.keys()].sort(byDeviation);
    const overfull = osds.filter((o) => (deviation.get(o) ?? 0) > maxDeviation);
    if (overfull.length === 0) break;
    const underfull = osds.filter((o) => (deviation.get(o) ?? 0) < 0).reverse();
    let moved = false;
    for (const from of overfull) {
      const held = heldBy(from).map((k): [string, number] => [pgidOf(k), k]).sort(byPgid)
        .map(([, k]) => k);
      // Undo first: an item that brought a PG here goes back where CRUSH put it.
      for (const pgid of held) {
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
      for (const pgid of held) {
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
