/**
 * CRUSH placement: straw2 buckets with rjenkins1 hashes, the `choose firstn` /
 * `chooseleaf firstn` steps of a replicated rule and the `choose indep` / `chooseleaf indep`
 * steps of an erasure-coded one, as Ceph's `src/crush/mapper.c` runs them with
 * the jewel tunables (`choose_total_tries 50`, `chooseleaf_descend_once`, `chooseleaf_vary_r 1`,
 * `chooseleaf_stable 1`).
 *
 * One copy serves both sides of the port: the simulator places its PGs with it, and the
 * manager's `OSDMap` wrapper maps PGs from the CRUSH dump a real cluster sends. Both describe
 * their hierarchy as a {@linkcode PlacementTree}.
 *
 * Descend from the take to the failure-domain type with `r = replica + retries`, reject a
 * failure domain already chosen, then pick an OSD inside it; an OSD whose reweight rejects the
 * draw ("out") causes a retry. Down OSDs are not rejected (the up set filters them).
 *
 * @module
 */

import { crushHash2, crushHash3 } from "./crush_hash.ts";

/** Reweight (OSDMap `weight`) in 16.16 fixed point: 0x10000 is fully in, 0 is out. */
export const WEIGHT_IN = 0x10000;

/** Result slot value meaning "no OSD" (Ceph's CRUSH_ITEM_NONE). */
export const ITEM_NONE = 0x7fffffff;

/** `ln((u + 1) / 65536)` for every 16-bit straw2 draw `u` (Ceph uses a fixed-point table too). */
const _LN = new Float64Array(65536).map((_, u) => Math.log((u + 1) / 65536));

/** A bucket as placement needs it. Weights are CRUSH weights as floats (1.0 ≈ 1 TiB). */
export interface PlacementBucket {
  readonly typeId: number;
  /** Children (bucket ids < 0, OSD ids >= 0). */
  readonly items: readonly number[];
  /** CRUSH weight of each child. */
  readonly weights: readonly number[];
  /** Parent bucket id, or 0 for a root. */
  readonly parent: number;
}

/** A CRUSH hierarchy: buckets by `-1 - id`, devices' parents by OSD id. */
export interface PlacementTree {
  readonly buckets: readonly (PlacementBucket | undefined)[];
  readonly devices: readonly ({ readonly parent: number } | undefined)[];
}

/** What one {@linkcode crushChooseFirstn} call noticed besides its result. */
export interface ChooseOutcome {
  /** Whether any draw was rejected by a reweight (used to limit remapping). */
  rejected: boolean;
}

/**
 * Maps placement seed `x` to up to `numRep` OSDs under bucket `take`, one per bucket of type
 * `domainType` (0: OSDs themselves), written to `out[offset..]`; returns how many.
 * `reweight[osd]` is the OSDMap weight (16.16 fixed point); 0 or a missing entry means out.
 *
 * @example
 * ```ts
 * import { crushChooseFirstn, WEIGHT_IN } from "./crush_placement.ts";
 * const tree = {
 *   buckets: [
 *     { typeId: 11, items: [-2, -3], weights: [2, 2], parent: 0 },
 *     { typeId: 1, items: [0, 1], weights: [1, 1], parent: -1 },
 *     { typeId: 1, items: [2, 3], weights: [1, 1], parent: -1 },
 *   ],
 *   devices: [{ parent: -2 }, { parent: -2 }, { parent: -3 }, { parent: -3 }],
 * };
 * const out = new Int32Array(2);
 * const reweight = new Uint32Array(4).fill(WEIGHT_IN);
 * const n = crushChooseFirstn(tree, -1, 1, 7, 2, reweight, out, 0);
 * console.assert(n === 2 && (out[0]! < 2) !== (out[1]! < 2)); // one per host
 * ```
 */
export function crushChooseFirstn(
  tree: PlacementTree,
  take: number,
  domainType: number,
  x: number,
  numRep: number,
  reweight: ArrayLike<number>,
  out: Int32Array,
  offset: number,
  outcome?: ChooseOutcome,
): number {
  const totalTries = 50;
  const buckets = tree.buckets;
  let count = 0;
  if (outcome) outcome.rejected = false;
  const root = buckets[-1 - take];
  if (take >= 0 || root === undefined) {
    // A take of a device: that device, if it is in.
    if (take >= 0 && numRep > 0 && !_isOut(take, x, reweight)) out[offset + count++] = take;
    return count;
  }
  for (let rep = 0; rep < numRep; rep++) {
    for (let ftotal = 0; ftotal < totalTries; ftotal++) {
      const r = rep + ftotal;
      let item = take;
      let typeId = root.typeId;
      // mapper.c chooses among the take bucket's items first: the bucket itself is never the
      // failure domain, so a rule taking a host and replicating across hosts finds nothing.
      for (let first = true; first || (item < 0 && typeId !== domainType); first = false) {
        const b = buckets[-1 - item];
        if (b === undefined) {
          item = ITEM_NONE;
          break;
        }
        item = _straw2(b, x, r);
        if (item === ITEM_NONE) break;
        typeId = item >= 0 ? 0 : (buckets[-1 - item]?.typeId ?? -1);
      }
      if (item === ITEM_NONE || typeId !== domainType) continue;
      const domain = item;
      let collide = false;
      for (let i = 0; i < count && !collide; i++) {
        const prev = out[offset + i] as number;
        collide = domainType === 0 ? prev === domain : _domainOf(tree, prev, domainType) === domain;
      }
      if (collide) continue;
      while (item < 0) {
        const b = buckets[-1 - item];
        item = b === undefined ? ITEM_NONE : _straw2(b, x, r);
        if (item === ITEM_NONE) break;
      }
      if (item === ITEM_NONE) continue;
      if (_isOut(item, x, reweight)) {
        if (outcome) outcome.rejected = true;
        continue;
      }
      out[offset + count++] = item;
      break;
    }
  }
  return count;
}

/** A result slot not decided yet (Ceph's CRUSH_ITEM_UNDEF). */
const ITEM_UNDEF = 0x7ffffffe;

/**
 * The `choose indep` / `chooseleaf indep` step of an erasure-coded rule (mapper.c's
 * `crush_choose_indep`): `numRep` positions under bucket `take`, one bucket of type
 * `domainType` each (with `leaf`, then an OSD inside it), written to `out[offset..]`. A position
 * keeps its place: one that finds nothing within `tries` rounds is {@linkcode ITEM_NONE}, and
 * the others do not shift, so each shard stays on its OSD when another's goes. `leafTries` is
 * the rule's `set_chooseleaf_tries` (1 when unset).
 *
 * @example
 * ```ts
 * import { crushChooseIndep, ITEM_NONE, WEIGHT_IN } from "./crush_placement.ts";
 * const tree = {
 *   buckets: [
 *     { typeId: 11, items: [-2, -3], weights: [2, 2], parent: 0 },
 *     { typeId: 1, items: [0, 1], weights: [1, 1], parent: -1 },
 *     { typeId: 1, items: [2, 3], weights: [1, 1], parent: -1 },
 *   ],
 *   devices: [{ parent: -2 }, { parent: -2 }, { parent: -3 }, { parent: -3 }],
 * };
 * const out = new Int32Array(3);
 * crushChooseIndep(tree, -1, 1, 7, 3, new Uint32Array(4).fill(WEIGHT_IN), out, 0, true, 100, 5);
 * console.assert(out.filter((o) => o === ITEM_NONE).length === 1); // two hosts for three shards
 * ```
 */
export function crushChooseIndep(
  tree: PlacementTree,
  take: number,
  domainType: number,
  x: number,
  numRep: number,
  reweight: ArrayLike<number>,
  out: Int32Array,
  offset: number,
  leaf: boolean,
  tries: number,
  leafTries: number,
): void {
  const root = tree.buckets[-1 - take];
  if (take >= 0 || root === undefined) {
    for (let i = 0; i < numRep; i++) out[offset + i] = ITEM_NONE;
    if (take >= 0 && numRep > 0 && !_isOut(take, x, reweight)) out[offset] = take;
    return;
  }
  const leaves = leaf ? new Int32Array(offset + numRep) : undefined;
  _chooseIndep(
    tree,
    take,
    x,
    numRep,
    numRep,
    domainType,
    out,
    offset,
    tries,
    leafTries,
    leaves,
    0,
    reweight,
  );
  if (leaves) out.set(leaves.subarray(offset, offset + numRep), offset);
}

function _chooseIndep(
  tree: PlacementTree,
  bucket: number,
  x: number,
  left: number,
  numRep: number,
  type: number,
  out: Int32Array,
  outpos: number,
  tries: number,
  recurseTries: number,
  out2: Int32Array | undefined,
  parentR: number,
  reweight: ArrayLike<number>,
): void {
  const buckets = tree.buckets;
  const endpos = outpos + left;
  for (let rep = outpos; rep < endpos; rep++) {
    out[rep] = ITEM_UNDEF;
    if (out2) out2[rep] = ITEM_UNDEF;
  }
  for (let ftotal = 0; left > 0 && ftotal < tries; ftotal++) {
    for (let rep = outpos; rep < endpos; rep++) {
      if (out[rep] !== ITEM_UNDEF) continue;
      let inId = bucket;
      for (;;) {
        const b = buckets[-1 - inId];
        // Straw2 buckets only: r' = r + n * f_total (uniform buckets differ).
        const r = rep + parentR + numRep * ftotal;
        if (b === undefined || b.items.length === 0) break;
        const item = _straw2(b, x, r);
        if (item === ITEM_NONE) break;
        const itemType = item >= 0 ? 0 : (buckets[-1 - item]?.typeId ?? -1);
        if (itemType !== type) {
          if (item >= 0 || buckets[-1 - item] === undefined) {
            out[rep] = ITEM_NONE;
            if (out2) out2[rep] = ITEM_NONE;
            left--;
            break;
          }
          inId = item;
          continue;
        }
        let collide = false;
        for (let i = outpos; i < endpos; i++) {
          if (out[i] === item) {
            collide = true;
            break;
          }
        }
        if (collide) break;
        if (out2) {
          if (item < 0) {
            _chooseIndep(
              tree,
              item,
              x,
              1,
              numRep,
              0,
              out2,
              rep,
              recurseTries,
              0,
              undefined,
              r,
              reweight,
            );
            if (out2[rep] === ITEM_NONE) break;
          } else {
            out2[rep] = item;
          }
        }
        if (itemType === 0 && _isOut(item, x, reweight)) break;
        out[rep] = item;
        left--;
        break;
      }
    }
  }
  for (let rep = outpos; rep < endpos; rep++) {
    if (out[rep] === ITEM_UNDEF) out[rep] = ITEM_NONE;
    if (out2 && out2[rep] === ITEM_UNDEF) out2[rep] = ITEM_NONE;
  }
}

/** The bucket of type `domainType` above `osd`, or 0. */
export function crushDomainOf(tree: PlacementTree, osd: number, domainType: number): number {
  return _domainOf(tree, osd, domainType);
}

function _isOut(osd: number, x: number, reweight: ArrayLike<number>): boolean {
  const w = reweight[osd] ?? 0;
  if (w >= WEIGHT_IN) return false;
  if (w === 0) return true;
  return (crushHash2(x, osd) & 0xffff) >= w;
}

function _domainOf(tree: PlacementTree, osd: number, domainType: number): number {
  let id = tree.devices[osd]?.parent ?? 0;
  while (id !== 0) {
    const b = tree.buckets[-1 - id];
    if (b === undefined) return 0;
    if (b.typeId === domainType) return id;
    id = b.parent;
  }
  return 0;
}

function _straw2(b: PlacementBucket, x: number, r: number): number {
  let best = ITEM_NONE;
  let bestDraw = -Infinity;
  const items = b.items, weights = b.weights;
  for (let i = 0; i < items.length; i++) {
    const w = weights[i] as number;
    if (w <= 0) continue;
    const item = items[i] as number;
    const u = crushHash3(x, item, r) & 0xffff;
    const draw = (_LN[u] as number) / w;
    if (draw > bestDraw) {
      bestDraw = draw;
      best = item;
    }
  }
  return best;
}
