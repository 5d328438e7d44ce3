/**
 * The CRUSH hierarchy (root → racks → hosts → OSDs, with weights) and straw2 placement.
 *
 * Placement follows Ceph's `chooseleaf firstn` with straw2 buckets and rjenkins1 hashes:
 * descend from the root to the failure-domain type with `r = replica + retries`, reject a
 * failure domain already chosen, then pick an OSD inside it; an OSD whose reweight rejects the
 * draw ("out") causes a retry. Down OSDs are not rejected (the up set filters them), so marking
 * an OSD down moves nothing and marking it out moves only the PGs it held: straw2 changes a
 * draw only where the changed item was the winner.
 *
 * @module
 */

import { crushHash2, crushHash3 } from "./crush_hash.ts";

/** Ceph's default CRUSH types, by type id. */
export const CRUSH_TYPES: readonly string[] = [
  "osd",
  "host",
  "chassis",
  "rack",
  "row",
  "pdu",
  "pod",
  "room",
  "datacenter",
  "zone",
  "region",
  "root",
];

/** A CRUSH type id from its name; throws for unknown names. */
export function crushTypeId(name: string): number {
  const id = CRUSH_TYPES.indexOf(name);
  if (id < 0) {
    throw new RangeError(`unknown CRUSH type "${name}"; known: ${CRUSH_TYPES.join(", ")}`);
  }
  return id;
}

/** Reweight (OSDMap `weight`) in 16.16 fixed point: 0x10000 is fully in, 0 is out. */
export const WEIGHT_IN = 0x10000;

/** `ln((u + 1) / 65536)` for every 16-bit straw2 draw `u` (Ceph uses a fixed-point table too). */
const _LN = new Float64Array(65536).map((_, u) => Math.log((u + 1) / 65536));

/** Result slot value meaning "no OSD" (Ceph's CRUSH_ITEM_NONE). */
export const ITEM_NONE = 0x7fffffff;

/** A bucket of the hierarchy. Item weights are CRUSH weights as floats (1.0 ≈ 1 TiB). */
export interface CrushBucket {
  readonly id: number;
  readonly name: string;
  readonly typeId: number;
  /** Children (bucket ids < 0, OSD ids >= 0), in insertion order. */
  readonly items: number[];
  /** CRUSH weight of each child (a bucket's weight is the sum of its children's). */
  readonly weights: number[];
  /** Parent bucket id, or 0 for the root. */
  parent: number;
}

/** A device (OSD) in the hierarchy. */
export interface CrushDevice {
  readonly id: number;
  readonly deviceClass: string;
  /** The bucket (host) that holds it. */
  readonly parent: number;
}

/**
 * A CRUSH map with a single replicated rule: take the root, chooseleaf firstn over
 * `failureDomain` (host by default).
 *
 * @example
 * ```ts
 * import { CrushMap, WEIGHT_IN } from "./crush_map.ts";
 * const crush = new CrushMap();
 * const host = crush.addBucket("node1", "host", crush.rootId);
 * for (let osd = 0; osd < 3; osd++) crush.addDevice(osd, host, 1.0);
 * const reweight = new Uint32Array(3).fill(WEIGHT_IN);
 * const out = new Int32Array(3);
 * crush.failureDomain = 0; // "osd": one host only
 * if (crush.map(42, 3, reweight, out, 0) !== 3) throw new Error("three distinct OSDs");
 * ```
 */
export class CrushMap {
  /** Bumped on every change to the hierarchy or its weights (`crush_version`). */
  version = 1;
  /** The failure-domain type id for the replicated rule (1 = host). */
  failureDomain = 1;
  readonly rootId: number;
  /** Buckets by `-1 - id`. */
  readonly buckets: CrushBucket[] = [];
  /** Devices by OSD id (holes are undefined). */
  readonly devices: (CrushDevice | undefined)[] = [];
  readonly #bucketByName = new Map<string, number>();
  /** Set by `map()`: whether any draw was rejected by a reweight (used to limit remapping). */
  lastMapRejected = false;

  constructor(rootName = "default") {
    this.rootId = this.addBucket(rootName, "root", 0);
  }

  /** Adds a bucket of type `typeName` under `parentId` (0 only for the root); returns its id. */
  addBucket(name: string, typeName: string, parentId: number): number {
    if (this.#bucketByName.has(name)) throw new RangeError(`bucket "${name}" already exists`);
    const typeId = crushTypeId(typeName);
    const id = -1 - this.buckets.length;
    if (parentId !== 0) this.#bucket(parentId);
    else if (this.buckets.length > 0) throw new RangeError("only the root may have no parent");
    this.buckets.push({ id, name, typeId, items: [], weights: [], parent: parentId });
    this.#bucketByName.set(name, id);
    if (parentId !== 0) this.#link(parentId, id, 0);
    this.version++;
    return id;
  }

  /** The id of the bucket called `name`, or undefined. */
  bucketId(name: string): number | undefined {
    return this.#bucketByName.get(name);
  }

  /** The bucket with this id; throws if there is none. */
  bucket(id: number): CrushBucket {
    return this.#bucket(id);
  }

  /** Adds OSD `id` to bucket `parentId` with a CRUSH weight. */
  addDevice(id: number, parentId: number, weight: number, deviceClass = "hdd"): void {
    if (!Number.isSafeInteger(id) || id < 0) throw new RangeError(`OSD id must be >= 0, got ${id}`);
    if (this.devices[id]) throw new RangeError(`osd.${id} is already in the CRUSH map`);
    if (!(weight >= 0)) throw new RangeError(`CRUSH weight must be >= 0, got ${weight}`);
    this.#bucket(parentId);
    this.devices[id] = { id, deviceClass, parent: parentId };
    this.#link(parentId, id, weight);
    this.version++;
  }

  /** The CRUSH weight of an item (OSD or bucket). */
  weightOf(item: number): number {
    const parentId = item >= 0 ? this.devices[item]?.parent : this.#bucket(item).parent;
    if (parentId === undefined) throw new RangeError(`osd.${item} is not in the CRUSH map`);
    if (parentId === 0) return this.#bucket(item).weights.reduce((a, b) => a + b, 0);
    const parent = this.#bucket(parentId);
    return parent.weights[parent.items.indexOf(item)] ?? 0;
  }

  /** Sets an OSD's CRUSH weight (`ceph osd crush reweight`), updating every ancestor. */
  setDeviceWeight(id: number, weight: number): void {
    const dev = this.devices[id];
    if (!dev) throw new RangeError(`osd.${id} is not in the CRUSH map`);
    if (!(weight >= 0)) throw new RangeError(`CRUSH weight must be >= 0, got ${weight}`);
    this.#addWeight(dev.parent, id, weight - this.weightOf(id));
    this.version++;
  }

  /** Every OSD id under `bucketId`, depth first. */
  devicesUnder(bucketId: number): number[] {
    const out: number[] = [];
    const walk = (id: number) => {
      for (const item of this.#bucket(id).items) {
        if (item >= 0) out.push(item);
        else walk(item);
      }
    };
    walk(bucketId);
    return out;
  }

  /**
   * Maps placement seed `x` to up to `numRep` OSDs, written to `out[offset..]`; returns how many.
   * `reweight[osd]` is the OSDMap weight (16.16 fixed point); 0 or a missing entry means out.
   */
  map(x: number, numRep: number, reweight: Uint32Array, out: Int32Array, offset: number): number {
    const totalTries = 50;
    const domainType = this.failureDomain;
    let count = 0;
    this.lastMapRejected = false;
    for (let rep = 0; rep < numRep; rep++) {
      for (let ftotal = 0; ftotal < totalTries; ftotal++) {
        const r = rep + ftotal;
        let item = this.rootId;
        let typeId = this.#bucket(item).typeId;
        while (item < 0 && typeId !== domainType) {
          item = this.#straw2(this.buckets[-1 - item] as CrushBucket, x, r);
          if (item === ITEM_NONE) break;
          typeId = item >= 0 ? 0 : (this.buckets[-1 - item] as CrushBucket).typeId;
        }
        if (item === ITEM_NONE || typeId !== domainType) continue;
        const domain = item;
        let collide = false;
        for (let i = 0; i < count && !collide; i++) {
          const prev = out[offset + i] as number;
          collide = domainType === 0 ? prev === domain : this.#domainOf(prev) === domain;
        }
        if (collide) continue;
        while (item < 0) {
          item = this.#straw2(this.buckets[-1 - item] as CrushBucket, x, r);
          if (item === ITEM_NONE) break;
        }
        if (item === ITEM_NONE) continue;
        if (this.#isOut(item, x, reweight)) {
          this.lastMapRejected = true;
          continue;
        }
        out[offset + count++] = item;
        break;
      }
    }
    return count;
  }

  #isOut(osd: number, x: number, reweight: Uint32Array): boolean {
    const w = reweight[osd] ?? 0;
    if (w >= WEIGHT_IN) return false;
    if (w === 0) return true;
    return (crushHash2(x, osd) & 0xffff) >= w;
  }

  #domainOf(osd: number): number {
    let id = this.devices[osd]?.parent ?? 0;
    while (id !== 0) {
      const b = this.buckets[-1 - id] as CrushBucket;
      if (b.typeId === this.failureDomain) return id;
      id = b.parent;
    }
    return 0;
  }

  #straw2(b: CrushBucket, x: number, r: number): number {
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

  #bucket(id: number): CrushBucket {
    const b = id < 0 ? this.buckets[-1 - id] : undefined;
    if (!b) throw new RangeError(`no CRUSH bucket with id ${id}`);
    return b;
  }

  #link(parentId: number, item: number, weight: number): void {
    const parent = this.#bucket(parentId);
    parent.items.push(item);
    parent.weights.push(0);
    this.#addWeight(parentId, item, weight);
  }

  #addWeight(bucketId: number, item: number, delta: number): void {
    let id = bucketId, child = item;
    while (id !== 0) {
      const b = this.#bucket(id);
      const i = b.items.indexOf(child);
      b.weights[i] = Math.max(0, (b.weights[i] ?? 0) + delta);
      child = id;
      id = b.parent;
    }
  }
}

/** Placement seed of PG `ps` of pool `pool` (Ceph's hashpspool `crush_hash32_2(ps, pool)`). */
export function placementSeed(pool: number, ps: number): number {
  return crushHash2(ps, pool);
}
