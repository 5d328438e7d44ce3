/**
 * The CRUSH hierarchy (root → racks → hosts → OSDs, with weights) and straw2 placement.
 *
 * Placement (ceph/crush_placement.ts, shared with the manager) follows Ceph's `chooseleaf firstn` with straw2 buckets and rjenkins1 hashes:
 * descend from the root to the failure-domain type with `r = replica + retries`, reject a
 * failure domain already chosen, then pick an OSD inside it; an OSD whose reweight rejects the
 * draw ("out") causes a retry. Down OSDs are not rejected (the up set filters them), so marking
 * an OSD down moves nothing and marking it out moves only the PGs it held: straw2 changes a
 * draw only where the changed item was the winner.
 *
 * @module
 */

import {
  type ChooseOutcome,
  crushChooseFirstn,
  ITEM_NONE,
  WEIGHT_IN,
} from "../../ceph/crush_placement.ts";
import { placementSeed } from "../../ceph/pg_placement.ts";

export { ITEM_NONE, placementSeed, WEIGHT_IN };

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
 * A replicated rule made by `osd crush rule create-replicated`: take a bucket, then
 * chooseleaf firstn over a type (choose firstn for `osd`).
 */
export interface CrushRule {
  readonly id: number;
  readonly name: string;
  /** The bucket the rule takes. */
  readonly take: number;
  /** The type it replicates across. */
  readonly typeId: number;
}

/**
 * A CRUSH map with the replicated rule `replicated_rule` (id 0): take the root, chooseleaf
 * firstn over `failureDomain` (host by default); and the rules made since (`extraRules`).
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
  /**
   * Called before any change to the map (hierarchy, weights, rule), while the old map can
   * still be read: the OSDMap's history encodes a version an older epoch names.
   */
  beforeChange: (() => void) | undefined;
  #failureDomain = 1;
  readonly rootId: number;
  /** Buckets by `-1 - id`. */
  readonly buckets: CrushBucket[] = [];
  /** Devices by OSD id (holes are undefined). */
  readonly devices: (CrushDevice | undefined)[] = [];
  readonly #bucketByName = new Map<string, number>();
  /** The rules after `replicated_rule`, by id order (ids 1, 2, ...). */
  readonly extraRules: CrushRule[] = [];
  /** Set by `map()`: whether any draw was rejected by a reweight (used to limit remapping). */
  lastMapRejected = false;

  /** The failure-domain type id for the replicated rule (1 = host). */
  get failureDomain(): number {
    return this.#failureDomain;
  }

  set failureDomain(typeId: number) {
    if (typeId === this.#failureDomain) return;
    this.beforeChange?.();
    this.#failureDomain = typeId;
  }

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
    this.beforeChange?.();
    this.buckets.push({ id, name, typeId, items: [], weights: [], parent: parentId });
    this.#bucketByName.set(name, id);
    if (parentId !== 0) this.#link(parentId, id, 0);
    this.version++;
    return id;
  }

  /**
   * The position of host bucket `id` among the host buckets, in the order they were made
   * (0 for the first host), or -1 for a bucket that is not a host.
   */
  hostOrdinal(id: number): number {
    if (this.#hostOrdinals.length !== this.buckets.length) {
      let k = 0;
      this.#hostOrdinals = this.buckets.map((b) => (b.typeId === 1 ? k++ : -1));
    }
    return this.#hostOrdinals[-1 - id] ?? -1;
  }

  #hostOrdinals: number[] = [];

  /** Whether any rule besides `replicated_rule` exists (placement then looks up the pool's). */
  get hasExtraRules(): boolean {
    return this.extraRules.length > 0;
  }

  /** The id of the rule called `name` (0 for `replicated_rule`), or undefined. */
  ruleId(name: string): number | undefined {
    if (name === "replicated_rule") return 0;
    return this.extraRules.find((r) => r.name === name)?.id;
  }

  /** The name of rule `id`, or undefined. */
  ruleName(id: number): string | undefined {
    if (id === 0) return "replicated_rule";
    return this.extraRules.find((r) => r.id === id)?.name;
  }

  /** Adds a replicated rule taking bucket `take` across type `typeId`; returns its id. */
  addReplicatedRule(name: string, take: number, typeId: number): number {
    if (this.ruleId(name) !== undefined) throw new RangeError(`rule "${name}" already exists`);
    this.#bucket(take);
    this.beforeChange?.();
    const id = 1 + this.extraRules.reduce((m, r) => Math.max(m, r.id), 0);
    this.extraRules.push({ id, name, take, typeId });
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
    this.beforeChange?.();
    this.devices[id] = { id, deviceClass, parent: parentId };
    this.#link(parentId, id, _fixedWeight(weight));
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
    this.beforeChange?.();
    this.#addWeight(dev.parent, id, _fixedWeight(weight) - this.weightOf(id));
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
   * `ruleId` picks the rule (0, `replicated_rule`, by default).
   */
  map(
    x: number,
    numRep: number,
    reweight: Uint32Array,
    out: Int32Array,
    offset: number,
    ruleId = 0,
  ): number {
    const rule = ruleId === 0 ? undefined : this.extraRules.find((r) => r.id === ruleId);
    const n = crushChooseFirstn(
      this,
      rule?.take ?? this.rootId,
      rule?.typeId ?? this.failureDomain,
      x,
      numRep,
      reweight,
      out,
      offset,
      this.#outcome,
    );
    this.lastMapRejected = this.#outcome.rejected;
    return n;
  }

  readonly #outcome: ChooseOutcome = { rejected: false };

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

/** A CRUSH weight as the map stores it: 16.16 fixed point, as Ceph's `crush_bucket` does. */
function _fixedWeight(w: number): number {
  return Math.round(w * 0x10000) / 0x10000;
}
