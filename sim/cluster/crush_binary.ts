/**
 * `osd getcrushmap`: the CRUSH map in Ceph's binary encoding, as Pacific's
 * `CrushWrapper::encode` writes it for a quorum of 16.2 mons (CRUSH_TUNABLES5 and
 * SERVER_LUMINOUS features, no SERVER_QUINCY: rules keep their `min_size`/`max_size`), so that
 * `crushtool -d` decompiles it. Built from the same `osd_map_crush` dump as
 * `get('osd_crush_map_text')`, so the binary and the text describe one map.
 *
 * Layout (little-endian): magic 0x00010000, max_buckets, max_rules, max_devices; one slot per
 * bucket id (`alg` 0 for an empty slot; else id, type, alg, hash, weight, size, items and, for
 * straw2, each item's 16.16 weight); one slot per rule id (len, ruleset/type/min/max bytes,
 * steps as op/arg1/arg2); the type, item-name and rule-name maps; the tunables; the device
 * classes (device or shadow bucket → class id, class id → name, bucket → class id → shadow bucket) and an empty
 * choose_args map.
 *
 * @module
 */

import type { CrushDump } from "./crush_text.ts";

/** CRUSH_MAGIC. */
const _MAGIC = 0x00010000;

/** CRUSH_BUCKET_STRAW2, the only algorithm the simulator builds buckets with. */
const _STRAW2 = 5;
/** crush_hash ids: CRUSH_HASH_RJENKINS1. */
const _HASHES: Record<string, number> = { rjenkins1: 0 };
/** crush_opcodes, by the names CrushWrapper::dump_rule gives them. */
const _OPS: Record<string, number> = {
  noop: 0,
  take: 1,
  choose_firstn: 2,
  choose_indep: 3,
  emit: 4,
  chooseleaf_firstn: 6,
  chooseleaf_indep: 7,
  set_choose_tries: 8,
  set_chooseleaf_tries: 9,
  set_choose_local_tries: 10,
  set_choose_local_fallback_tries: 11,
  set_chooseleaf_vary_r: 12,
  set_chooseleaf_stable: 13,
};

/** A growing little-endian buffer: ceph::encode of fixed-width ints and strings. */
class _Encoder {
  #buf = new Uint8Array(1024);
  #view = new DataView(this.#buf.buffer);
  #len = 0;

  /** Reserves `n` bytes; returns their offset. Read #buf/#view after: they may be new. */
  #room(n: number): number {
    if (this.#len + n > this.#buf.length) {
      const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#len + n));
      next.set(this.#buf.subarray(0, this.#len));
      this.#buf = next;
      this.#view = new DataView(next.buffer);
    }
    const at = this.#len;
    this.#len += n;
    return at;
  }

  u8(v: number): void {
    const at = this.#room(1);
    this.#view.setUint8(at, v);
  }
  u16(v: number): void {
    const at = this.#room(2);
    this.#view.setUint16(at, v, true);
  }
  u32(v: number): void {
    const at = this.#room(4);
    this.#view.setUint32(at, v >>> 0, true);
  }
  s32(v: number): void {
    const at = this.#room(4);
    this.#view.setInt32(at, v, true);
  }
  /** A std::string: u32 length, then its bytes. */
  str(s: string): void {
    const bytes = new TextEncoder().encode(s);
    this.u32(bytes.length);
    const at = this.#room(bytes.length);
    this.#buf.set(bytes, at);
  }
  /** A std::map<int32_t, string>, in key order. */
  nameMap(m: Map<number, string>): void {
    const keys = [...m.keys()].sort((a, b) => a - b);
    this.u32(keys.length);
    for (const k of keys) {
      this.s32(k);
      this.str(m.get(k) as string);
    }
  }
  bytes(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}

/**
 * How many bucket slots the map has: builder.c's crush_add_bucket starts the array at 8 and
 * doubles it until the new id fits.
 */
function _maxBuckets(slotsUsed: number): number {
  let n = 0;
  while (n < slotsUsed) n = n === 0 ? 8 : n * 2;
  return n;
}

/**
 * Encodes an `osd_map_crush` dump as `CrushWrapper::encode` does. Class ids are given in the
 * order the classes' shadow trees appear among the buckets (Ceph allocates them as classes are
 * first used, and the shadow trees are cloned in class order), then any class without one.
 * Throws RangeError for a bucket algorithm, hash or rule step the encoding does not know.
 *
 * @example
 * ```ts
 * import { Rng } from "../engine/prng.ts";
 * import { Scheduler } from "../engine/scheduler.ts";
 * import { SimCluster } from "./cluster.ts";
 * import { dumpOsdMapCrush } from "./osd_map_dump.ts";
 * import type { CrushDump } from "./crush_text.ts";
 * import { encodeCrushMap } from "./crush_binary.ts";
 * const s = new Scheduler({ rng: new Rng(1) });
 * const c = new SimCluster(s, { hosts: 2, osdsPerHost: 1, pools: [{ name: "p", pgNum: 8 }] });
 * const bin = encodeCrushMap(dumpOsdMapCrush(c.map) as unknown as CrushDump);
 * const view = new DataView(bin.buffer);
 * if (view.getUint32(0, true) !== 0x00010000) throw new Error("CRUSH_MAGIC first");
 * ```
 */
export function encodeCrushMap(crush: CrushDump): Uint8Array {
  const e = new _Encoder();
  const typeId = new Map(crush.types.map((t) => [t.name, t.type_id]));
  const bucketSlot = new Map(crush.buckets.map((b) => [-1 - b.id, b]));
  const ruleSlot = new Map(crush.rules.map((r) => [r.rule_id, r]));
  const maxBuckets = _maxBuckets(Math.max(0, ...[...bucketSlot.keys()].map((s) => s + 1)));
  const maxRules = Math.max(0, ...[...ruleSlot.keys()].map((id) => id + 1));
  const maxDevices = Math.max(0, ...crush.devices.map((d) => d.id + 1));

  e.u32(_MAGIC);
  e.s32(maxBuckets);
  e.u32(maxRules);
  e.s32(maxDevices);

  for (let slot = 0; slot < maxBuckets; slot++) {
    const b = bucketSlot.get(slot);
    if (!b) {
      e.u32(0);
      continue;
    }
    // Other algorithms encode more than one weight per item (list, straw) or a node tree.
    if (b.alg !== "straw2") {
      throw new RangeError(`bucket ${b.name}: cannot encode alg ${b.alg} (straw2 only)`);
    }
    const hash = _HASHES[b.hash];
    if (hash === undefined) throw new RangeError(`bucket ${b.name}: unknown hash ${b.hash}`);
    e.u32(_STRAW2);
    e.s32(b.id);
    e.u16(b.type_id);
    e.u8(_STRAW2);
    e.u8(hash);
    e.u32(b.weight);
    e.u32(b.items.length);
    for (const item of b.items) e.s32(item.id);
    for (const item of b.items) e.u32(item.weight);
  }

  for (let id = 0; id < maxRules; id++) {
    const r = ruleSlot.get(id);
    e.u32(r ? 1 : 0);
    if (!r) continue;
    e.u32(r.steps.length);
    // crush_rule_mask: ruleset, type, min_size, max_size (one byte each).
    e.u8(r.ruleset ?? id);
    e.u8(r.type);
    e.u8(r.min_size ?? 1);
    e.u8(r.max_size ?? 10);
    for (const s of r.steps) {
      const op = _OPS[s.op];
      if (op === undefined) throw new RangeError(`rule ${r.rule_name}: unknown step ${s.op}`);
      let arg1 = 0, arg2 = 0;
      if (s.op === "take") arg1 = s.item ?? 0;
      else if (op === 2 || op === 3 || op === 6 || op === 7) {
        arg1 = s.num ?? 0;
        const t = typeId.get(s.type ?? "");
        if (t === undefined) throw new RangeError(`rule ${r.rule_name}: unknown type ${s.type}`);
        arg2 = t;
      } else if (op >= 8) arg1 = s.num ?? 0;
      e.u32(op);
      e.s32(arg1);
      e.s32(arg2);
    }
  }

  e.nameMap(new Map(crush.types.map((t) => [t.type_id, t.name])));
  const names = new Map<number, string>();
  for (const b of crush.buckets) names.set(b.id, b.name);
  for (const d of crush.devices) names.set(d.id, d.name);
  e.nameMap(names);
  e.nameMap(new Map(crush.rules.map((r) => [r.rule_id, r.rule_name])));

  const t = (name: string, dflt: number): number => {
    const v = crush.tunables[name];
    return typeof v === "number" ? v : dflt;
  };
  e.u32(t("choose_local_tries", 2));
  e.u32(t("choose_local_fallback_tries", 5));
  e.u32(t("choose_total_tries", 19));
  e.u32(t("chooseleaf_descend_once", 0));
  e.u8(t("chooseleaf_vary_r", 0));
  e.u8(t("straw_calc_version", 0));
  e.u32(t("allowed_bucket_algs", 22));
  e.u8(t("chooseleaf_stable", 0));

  _encodeClasses(e, crush);
  e.u32(0); // choose_args: none
  return e.bytes();
}

/** class_map, class_name and class_bucket. */
function _encodeClasses(e: _Encoder, crush: CrushDump): void {
  const classId = new Map<string, number>();
  const shadows: { base: string; cls: string; id: number }[] = [];
  for (const b of crush.buckets) {
    const tilde = b.name.indexOf("~");
    if (tilde < 0) continue;
    const cls = b.name.slice(tilde + 1);
    if (!classId.has(cls)) classId.set(cls, classId.size);
    shadows.push({ base: b.name.slice(0, tilde), cls, id: b.id });
  }
  for (const d of crush.devices) {
    if (d.class !== undefined && !classId.has(d.class)) classId.set(d.class, classId.size);
  }

  // class_map: each device's class and each shadow bucket's, by item id.
  const classOf = new Map<number, number>();
  for (const s of shadows) classOf.set(s.id, classId.get(s.cls) as number);
  for (const d of crush.devices) {
    if (d.class !== undefined) classOf.set(d.id, classId.get(d.class) as number);
  }
  const items = [...classOf.keys()].sort((a, b) => a - b);
  e.u32(items.length);
  for (const id of items) {
    e.s32(id);
    e.s32(classOf.get(id) as number);
  }

  e.nameMap(new Map([...classId].map(([name, id]) => [id, name])));

  const bucketId = new Map(crush.buckets.map((b) => [b.name, b.id]));
  const byBucket = new Map<number, Map<number, number>>();
  for (const s of shadows) {
    const base = bucketId.get(s.base);
    if (base === undefined) continue;
    let m = byBucket.get(base);
    if (!m) byBucket.set(base, m = new Map());
    m.set(classId.get(s.cls) as number, s.id);
  }
  const keys = [...byBucket.keys()].sort((a, b) => a - b);
  e.u32(keys.length);
  for (const k of keys) {
    e.s32(k);
    const m = byBucket.get(k) as Map<number, number>;
    const classes = [...m.keys()].sort((a, b) => a - b);
    e.u32(classes.length);
    for (const c of classes) {
      e.s32(c);
      e.s32(m.get(c) as number);
    }
  }
}
