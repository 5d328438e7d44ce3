/**
 * The CRUSH map a module gets from `get_osdmap().get_crush()` (Ceph's `CRUSHMap` of
 * `mgr_module.py`, backed by `src/mgr/PyOSDMap.cc`), built from the `osd_map_crush` dump the
 * cluster sends, with the placement of ceph/crush_placement.ts.
 *
 * @module
 */

import {
  crushChooseFirstn,
  crushChooseIndep,
  crushDomainOf,
  ITEM_NONE,
  type PlacementBucket,
  type PlacementTree,
} from "../../ceph/crush_placement.ts";

/** One item of a bucket in the dump (`weight` is 16.16 fixed point). */
export interface CrushDumpItem {
  id: number;
  weight: number;
  pos: number;
}

/** One bucket of `osd_map_crush`. */
export interface CrushDumpBucket {
  id: number;
  name: string;
  type_id: number;
  type_name: string;
  weight: number;
  alg: string;
  hash: string;
  items: CrushDumpItem[];
}

/** One step of a CRUSH rule (`take`, `chooseleaf_firstn`, `choose_firstn`, `emit`, ...). */
export interface CrushDumpStep {
  op: string;
  item?: number;
  item_name?: string;
  num?: number;
  type?: string;
}

/** One rule of `osd_map_crush`. */
export interface CrushDumpRule {
  rule_id: number;
  rule_name: string;
  ruleset?: number;
  type: number;
  min_size?: number;
  max_size?: number;
  steps: CrushDumpStep[];
}

/** `get('osd_map_crush')`: Ceph's `CrushWrapper::dump`. */
export interface CrushDump {
  devices: { id: number; name: string; class?: string }[];
  types: { type_id: number; name: string }[];
  buckets: CrushDumpBucket[];
  rules: CrushDumpRule[];
  tunables: Record<string, unknown>;
  choose_args?: Record<string, { bucket_id: number; weight_set?: number[][] }[]>;
}

/** A placement tree compiled from a dump, with float weights (16.16 / 65536). */
class _Tree implements PlacementTree {
  readonly buckets: (PlacementBucket | undefined)[] = [];
  readonly devices: ({ parent: number } | undefined)[] = [];

  constructor(dump: CrushDump, compatWeights: ReadonlyMap<number, number> | undefined) {
    const parents = new Map<number, number>();
    for (const b of dump.buckets) for (const it of b.items) parents.set(it.id, b.id);
    const sets = new Map<number, number[]>();
    for (const arg of dump.choose_args?.["-1"] ?? []) {
      const ws = arg.weight_set?.[0];
      if (ws) sets.set(arg.bucket_id, ws);
    }
    for (const b of dump.buckets) {
      const ws = sets.get(b.id);
      const weights = b.items.map((it, i) => {
        const w = it.id >= 0 ? compatWeights?.get(it.id) : undefined;
        return w ?? (ws?.[i] ?? it.weight / 0x10000);
      });
      this.buckets[-1 - b.id] = {
        typeId: b.type_id,
        items: b.items.map((it) => it.id),
        weights,
        parent: parents.get(b.id) ?? 0,
      };
      for (const it of b.items) {
        // A device's parent is its bucket in the real hierarchy, not a shadow (`host~hdd`) one.
        if (it.id >= 0 && !b.name.includes("~")) this.devices[it.id] = { parent: b.id };
      }
    }
    // Compat weights change what the buckets above weigh, as Ceph's weight-set adjust does.
    if (compatWeights && compatWeights.size > 0) this.#resum();
  }

  #resum(): void {
    const sum = (id: number): number => {
      const b = this.buckets[-1 - id];
      if (!b) return 0;
      const weights = b.items.map((item, i) => item >= 0 ? b.weights[i] as number : sum(item));
      this.buckets[-1 - id] = { ...b, weights };
      return weights.reduce((a, w) => a + w, 0);
    };
    for (let i = 0; i < this.buckets.length; i++) {
      const b = this.buckets[i];
      if (b && b.parent === 0) sum(-1 - i);
    }
  }
}

/**
 * The CRUSH map of an OSD map (`osdmap.get_crush()`).
 *
 * @example
 * ```ts ignore
 * const crush = this.get_osdmap().get_crush();
 * for (const root of crush.find_takes()) {
 *   const share = crush.get_take_weight_osd_map(root); // {osd: fraction of the root's weight}
 *   this.log.info(`${crush.get_item_name(root)}: ${Object.keys(share).length} OSDs`);
 * }
 * ```
 */
export class CRUSHMap {
  /** Ceph's CRUSH_ITEM_NONE: an empty slot of a mapping. */
  static readonly ITEM_NONE = ITEM_NONE;
  /** The name of the compat weight-set in `choose_args`. */
  static readonly DEFAULT_CHOOSE_ARGS = "-1";

  readonly #dump: CrushDump;
  readonly #byId: Map<number, CrushDumpBucket>;
  readonly #names = new Map<number, string>();
  #tree: _Tree | undefined;
  readonly #compat: ReadonlyMap<number, number> | undefined;

  /**
   * @param dump the `osd_map_crush` dump
   * @param compatWeights device weights of the compat weight-set, which override the dump's
   */
  constructor(dump: CrushDump, compatWeights?: ReadonlyMap<number, number>) {
    this.#dump = dump;
    this.#compat = compatWeights;
    this.#byId = new Map(dump.buckets.map((b) => [b.id, b]));
    for (const d of dump.devices) this.#names.set(d.id, d.name);
    for (const b of dump.buckets) this.#names.set(b.id, b.name);
  }

  /**
   * The map as `ceph osd crush dump` prints it (Ceph's `CrushWrapper::dump`); with the compat
   * weights of an incremental, they are in `choose_args["-1"]`.
   *
   * @example
   * ```ts ignore
   * const rules = this.get_osdmap().get_crush().dump().rules.map((r) => r.rule_name);
   * ```
   */
  dump(): CrushDump {
    if (!this.#compat || this.#compat.size === 0) return this.#dump;
    const tree = this.#placement();
    const args = this.#dump.buckets.filter((b) => !b.name.includes("~")).map((b) => ({
      bucket_id: b.id,
      weight_set: [[...(tree.buckets[-1 - b.id]?.weights ?? [])]],
    }));
    return { ...this.#dump, choose_args: { ...this.#dump.choose_args, "-1": args } };
  }

  /**
   * The name of an OSD or bucket, or null when the map has no such item.
   *
   * @example
   * ```ts ignore
   * const name = this.get_osdmap().get_crush().get_item_name(-1); // "default"
   * ```
   */
  get_item_name(item: number): string | null {
    return this.#names.get(item) ?? null;
  }

  /**
   * The CRUSH weight of an item as a float (1.0 ≈ 1 TiB), or null when there is no such item.
   * A bucket weighs what its children do; an OSD what its (first) bucket gives it.
   *
   * @example
   * ```ts ignore
   * const w = this.get_osdmap().get_crush().get_item_weight(0); // 0.0977
   * ```
   */
  get_item_weight(item: number): number | null {
    if (item < 0) {
      const b = this.#byId.get(item);
      return b ? b.weight / 0x10000 : null;
    }
    for (const b of this.#dump.buckets) {
      const it = b.items.find((i) => i.id === item);
      if (it) return it.weight / 0x10000;
    }
    return null;
  }

  /**
   * The items the rules `take`, sorted (Ceph's `find_takes`).
   *
   * @example
   * ```ts ignore
   * const takes = this.get_osdmap().get_crush().find_takes(); // [-1]
   * ```
   */
  find_takes(): number[] {
    const takes = new Set<number>();
    for (const r of this.#dump.rules) {
      for (const s of r.steps) if (s.op === "take" && s.item !== undefined) takes.add(s.item);
    }
    return [...takes].sort((a, b) => a - b);
  }

  /**
   * The buckets no bucket holds, shadow roots (`default~hdd`) included, sorted.
   *
   * @example
   * ```ts ignore
   * const roots = this.get_osdmap().get_crush().find_roots(); // [-4, -1]
   * ```
   */
  find_roots(): number[] {
    const held = new Set<number>();
    for (const b of this.#dump.buckets) for (const it of b.items) held.add(it.id);
    return this.#dump.buckets.map((b) => b.id).filter((id) => !held.has(id)).sort((a, b) => a - b);
  }

  /**
   * Each OSD under `root` with its share of the root's weight (the shares add up to 1);
   * throws a RangeError when there is no such bucket.
   *
   * @example
   * ```ts ignore
   * const share = this.get_osdmap().get_crush().get_take_weight_osd_map(-1); // {0: 0.111, ...}
   * ```
   */
  get_take_weight_osd_map(root: number): Record<number, number> {
    if (!this.#byId.has(root)) throw new RangeError(`no CRUSH bucket with id ${root}`);
    const tree = this.#placement();
    const weights = new Map<number, number>();
    let sum = 0;
    const queue = [root];
    while (queue.length > 0) {
      const id = queue.shift() as number;
      const b = tree.buckets[-1 - id];
      if (!b) continue;
      b.items.forEach((item, i) => {
        if (item < 0) return void queue.push(item);
        const w = b.weights[i] as number;
        weights.set(item, (weights.get(item) ?? 0) + w);
        sum += w;
      });
    }
    const out: Record<number, number> = {};
    for (const [osd, w] of weights) out[osd] = sum > 0 ? w / sum : 0;
    return out;
  }

  /**
   * The rule called `rule_name`, or null.
   *
   * @example
   * ```ts ignore
   * const rule = this.get_osdmap().get_crush().get_rule("replicated_rule");
   * ```
   */
  get_rule(rule_name: string): CrushDumpRule | null {
    return this.#dump.rules.find((r) => r.rule_name === rule_name) ?? null;
  }

  /**
   * The rule with id `rule_id`, or null.
   *
   * @example
   * ```ts ignore
   * const rule = this.get_osdmap().get_crush().get_rule_by_id(0);
   * ```
   */
  get_rule_by_id(rule_id: number): CrushDumpRule | null {
    return this.#dump.rules.find((r) => r.rule_id === rule_id) ?? null;
  }

  /**
   * The item the rule's first `take` step takes, or null.
   *
   * @example
   * ```ts ignore
   * const root = this.get_osdmap().get_crush().get_rule_root("replicated_rule"); // -1
   * ```
   */
  get_rule_root(rule_name: string): number | null {
    return this.get_rule(rule_name)?.steps.find((s) => s.op === "take")?.item ?? null;
  }

  /**
   * Every OSD under bucket `root_id`, depth first.
   *
   * @example
   * ```ts ignore
   * const osds = this.get_osdmap().get_crush().get_osds_under(-1);
   * ```
   */
  get_osds_under(root_id: number): number[] {
    const out: number[] = [];
    const walk = (id: number) => {
      for (const it of this.#byId.get(id)?.items ?? []) {
        if (it.id >= 0) out.push(it.id);
        else walk(it.id);
      }
    };
    walk(root_id);
    return out;
  }

  /**
   * How many devices of each class the map has: `{hdd: 9}`.
   *
   * @example
   * ```ts ignore
   * const classes = this.get_osdmap().get_crush().device_class_counts();
   * ```
   */
  device_class_counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const d of this.#dump.devices) {
      const cls = d.class ?? "None";
      out[cls] = (out[cls] ?? 0) + 1;
    }
    return out;
  }

  /** @internal The placement tree (compat weights applied), compiled once. */
  _placement(): PlacementTree {
    return this.#placement();
  }

  /**
   * @internal Runs rule `ruleId` for seed `x`: up to `numRep` OSDs. Rules of `take`,
   * `choose_firstn`/`chooseleaf_firstn`, `choose_indep`/`chooseleaf_indep` (whose positions
   * keep their place, ITEM_NONE where nothing was found), `set_choose_tries`,
   * `set_chooseleaf_tries` and `emit` steps are run; a rule with another step throws a
   * RangeError.
   */
  _doRule(
    ruleId: number,
    x: number,
    numRep: number,
    reweight: ArrayLike<number>,
    outcome?: { rejected: boolean },
  ): number[] {
    if (outcome) outcome.rejected = false;
    const rule = this.get_rule_by_id(ruleId);
    if (!rule) throw new RangeError(`no CRUSH rule with id ${ruleId}`);
    const tree = this.#placement();
    const result: number[] = [];
    let take: number | undefined;
    // crush_do_rule's defaults: choose_total_tries (50) retries, so 51 tries; one leaf try.
    let chooseTries = 51, leafTries = 0;
    for (const s of rule.steps) {
      if (s.op === "take") take = s.item;
      else if (s.op === "set_choose_tries") {
        if ((s.num ?? 0) > 0) chooseTries = s.num as number;
      } else if (s.op === "set_chooseleaf_tries") {
        if ((s.num ?? 0) > 0) leafTries = s.num as number;
      } else if (s.op === "chooseleaf_indep" || s.op === "choose_indep") {
        if (take === undefined) continue;
        // Not traced for indep steps: a caller that keeps results must recompute them.
        if (outcome) outcome.rejected = true;
        const num = (s.num ?? 0) <= 0 ? numRep + (s.num ?? 0) : s.num as number;
        const typeId = this.#typeId(s.type ?? "osd");
        const out = new Int32Array(Math.max(0, Math.min(num, numRep - result.length)));
        crushChooseIndep(
          tree,
          take,
          typeId,
          x,
          out.length,
          reweight,
          out,
          0,
          s.op === "chooseleaf_indep",
          chooseTries,
          leafTries || 1,
        );
        for (const o of out) result.push(o);
        take = undefined;
      } else if (s.op === "chooseleaf_firstn" || s.op === "choose_firstn") {
        if (take === undefined) continue;
        const num = (s.num ?? 0) <= 0 ? numRep + (s.num ?? 0) : s.num as number;
        const typeId = this.#typeId(s.type ?? "osd");
        if (s.op === "choose_firstn" && typeId !== 0) {
          throw new RangeError(`CRUSH rule ${rule.rule_name}: choose_firstn of ${s.type}`);
        }
        const out = new Int32Array(Math.max(0, num));
        const step = outcome ? { rejected: false } : undefined;
        const n = crushChooseFirstn(tree, take, typeId, x, num, reweight, out, 0, step);
        if (outcome && step?.rejected) outcome.rejected = true;
        for (let i = 0; i < n; i++) result.push(out[i] as number);
        take = undefined;
      } else if (s.op === "emit") take = undefined;
      else if (s.op.startsWith("set_")) continue;
      else throw new RangeError(`CRUSH rule ${rule.rule_name}: step ${s.op} is not supported`);
    }
    return result.slice(0, numRep);
  }

  /** @internal The bucket of `typeName` above `osd` (0 when none). */
  _domainOf(osd: number, typeName: string): number {
    return crushDomainOf(this.#placement(), osd, this.#typeId(typeName));
  }

  /** @internal The failure-domain type of a rule's choose step ("osd" when none). */
  _ruleDomain(ruleId: number): string {
    const s = this.get_rule_by_id(ruleId)?.steps.find((s) => s.op.startsWith("choose"));
    return s?.type ?? "osd";
  }

  /** @internal The compat weights this map was built with. */
  _compatWeights(): ReadonlyMap<number, number> | undefined {
    return this.#compat;
  }

  /** @internal The dump without compat weights. */
  _baseDump(): CrushDump {
    return this.#dump;
  }

  #typeId(name: string): number {
    const t = this.#dump.types.find((t) => t.name === name);
    if (!t) throw new RangeError(`unknown CRUSH type "${name}"`);
    return t.type_id;
  }

  #placement(): _Tree {
    return this.#tree ??= new _Tree(this.#dump, this.#compat);
  }
}

/**
 * An item's full CRUSH location (CrushWrapper::get_full_location): the type and name of each
 * bucket above it, `{host: "node1", root: "default"}`. Shadow trees (`node1~ssd`) are not
 * looked at; an item in no bucket has `{}`.
 *
 * @example
 * ```ts
 * import { crushLocation } from "./crush_map.ts";
 * const dump = {
 *   devices: [{ id: 0, name: "osd.0" }], types: [], rules: [], tunables: {},
 *   buckets: [
 *     { id: -1, name: "default", type_id: 11, type_name: "root", weight: 0, alg: "straw2", hash: "rjenkins1", items: [{ id: -2, weight: 0, pos: 0 }] },
 *     { id: -2, name: "node1", type_id: 1, type_name: "host", weight: 0, alg: "straw2", hash: "rjenkins1", items: [{ id: 0, weight: 0, pos: 0 }] },
 *   ],
 * };
 * console.assert(JSON.stringify(crushLocation(dump, 0)) === '{"host":"node1","root":"default"}');
 * ```
 */
export function crushLocation(dump: CrushDump, item: number): Record<string, string> {
  const parentOf = new Map<number, CrushDumpBucket>();
  for (const b of dump.buckets) {
    if (b.name.includes("~")) continue;
    for (const it of b.items) parentOf.set(it.id, b);
  }
  const location: Record<string, string> = {};
  const seen = new Set<number>();
  for (let b = parentOf.get(item); b && !seen.has(b.id); b = parentOf.get(b.id)) {
    seen.add(b.id);
    location[b.type_name] = b.name;
  }
  return location;
}
