/**
 * The OSDMap and CRUSH map as the manager's `get()` returns them: `osd_map`, `osd_map_tree`,
 * `osd_map_crush`, with Ceph's key names and value types (see ceph-reference/get/).
 *
 * @module
 */

import { cephSeconds, cephStamp } from "./ceph_time.ts";
import { CRUSH_TYPES, type CrushBucket, WEIGHT_IN } from "./crush_map.ts";
import type { OsdMap, Pool } from "./osd_map.ts";

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The OSD features bitmask a Pacific OSD reports. */
const OSD_FEATURES = 4540138314316775423;

function _fixed(w: number): number {
  return Math.round(w * 0x10000);
}

/** The IP of a host bucket (10.x.y.z derived from its bucket id). */
export function hostIp(hostId: number): string {
  const k = -hostId;
  return `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`;
}

/** Public, cluster, heartbeat-front and heartbeat-back address pairs of an OSD. */
function _osdAddrs(map: OsdMap, id: number): { ip: string; port: number; nonce: number } {
  const dev = map.crush.devices[id];
  const hostId = dev?.parent ?? map.crush.rootId;
  const siblings = map.crush.bucket(hostId).items.filter((x) => x >= 0);
  const local = Math.max(0, siblings.indexOf(id));
  return { ip: hostIp(hostId), port: 6800 + 8 * local, nonce: map.nonce[id] as number };
}

function _addrvec(ip: string, port: number, nonce: number): Json {
  return {
    addrvec: [
      { type: "v2", nonce, addr: `${ip}:${port}` },
      { type: "v1", nonce, addr: `${ip}:${port + 1}` },
    ],
  };
}

function _dumpPool(pool: Pool): Json {
  return {
    pool: pool.id,
    pool_name: pool.name,
    flags: 1,
    flags_names: "hashpspool",
    type: 1,
    size: pool.size,
    min_size: pool.minSize,
    crush_rule: 0,
    peering_crush_bucket_count: 0,
    peering_crush_bucket_target: 0,
    peering_crush_bucket_barrier: 0,
    peering_crush_bucket_mandatory_member: 2147483647,
    object_hash: 2,
    pg_autoscale_mode: "off",
    pg_num: pool.pgNum,
    pg_placement_num: pool.pgNum,
    pg_placement_num_target: pool.pgNum,
    pg_num_target: pool.pgNum,
    pg_num_pending: pool.pgNum,
    last_pg_merge_meta: {
      ready_epoch: 0,
      last_epoch_started: 0,
      last_epoch_clean: 0,
      source_pgid: "0.0",
      source_version: "0'0",
      target_version: "0'0",
    },
    auid: 0,
    snap_mode: "selfmanaged",
    snap_seq: 0,
    snap_epoch: 0,
    pool_snaps: [],
    quota_max_bytes: 0,
    quota_max_objects: 0,
    tiers: [],
    tier_of: -1,
    read_tier: -1,
    write_tier: -1,
    cache_mode: "none",
    target_max_bytes: 0,
    target_max_objects: 0,
    cache_target_dirty_ratio_micro: 400000,
    cache_target_dirty_high_ratio_micro: 600000,
    cache_target_full_ratio_micro: 800000,
    cache_min_flush_age: 0,
    cache_min_evict_age: 0,
    erasure_code_profile: "",
    hit_set_params: { type: "none" },
    hit_set_period: 0,
    hit_set_count: 0,
    use_gmt_hitset: true,
    min_read_recency_for_promote: 0,
    min_write_recency_for_promote: 0,
    hit_set_grade_decay_rate: 0,
    hit_set_search_last_n: 0,
    grade_table: [],
    stripe_width: 0,
    expected_num_objects: 0,
    fast_read: false,
    options: {},
    application_metadata: { [pool.application]: {} },
    create_time: cephStamp(pool.createTime),
    last_change: String(pool.lastChange),
    last_force_op_resend: "0",
    last_force_op_resend_prenautilus: "0",
    last_force_op_resend_preluminous: "0",
    removed_snaps: "[]",
  };
}

function _osdIds(map: OsdMap): number[] {
  const ids: number[] = [];
  for (let id = 0; id < map.maxOsd; id++) if (map.has(id)) ids.push(id);
  return ids;
}

/**
 * `get("osd_map")`: the OSDMap dump.
 *
 * @example
 * ```ts
 * import { Rng } from "../engine/prng.ts";
 * import { OsdMap } from "./osd_map.ts";
 * import { dumpOsdMap } from "./osd_map_dump.ts";
 * const map = new OsdMap({ now: () => 0, ids: new Rng(1).stream("identity") });
 * const d = dumpOsdMap(map) as { epoch: number };
 * if (d.epoch !== map.epoch) throw new Error();
 * ```
 */
export function dumpOsdMap(map: OsdMap): Json {
  const flagNames = map.flagNames();
  const osds: Json[] = [];
  const xinfo: Json[] = [];
  // Most OSDs share their stamps (created together, never down): format each value once.
  const stamps = new Map<number, string>();
  const stamp = (t: number) => {
    let text = stamps.get(t);
    if (text === undefined) stamps.set(t, text = cephStamp(t));
    return text;
  };
  const seconds = new Map<number, string>();
  const secondsText = (t: number) => {
    let text = seconds.get(t);
    if (text === undefined) seconds.set(t, text = cephSeconds(t));
    return text;
  };
  for (const id of _osdIds(map)) {
    const { ip, port, nonce } = _osdAddrs(map, id);
    const up = map.isUp(id);
    const state = ["exists"];
    if (up) state.push("up");
    osds.push({
      osd: id,
      up: up ? 1 : 0,
      in: map.isIn(id) ? 1 : 0,
      weight: (map.weight[id] as number) / WEIGHT_IN,
      primary_affinity: (map.primaryAffinity[id] as number) / WEIGHT_IN,
      last_clean_begin: 0,
      last_clean_end: 0,
      up_from: map.upFrom[id] as number,
      up_thru: map.upThru[id] as number,
      down_at: map.downAt[id] as number,
      lost_at: 0,
      public_addrs: _addrvec(ip, port, nonce),
      cluster_addrs: _addrvec(ip, port + 2, nonce),
      heartbeat_back_addrs: _addrvec(ip, port + 6, nonce),
      heartbeat_front_addrs: _addrvec(ip, port + 4, nonce),
      state,
      uuid: map.uuids[id] ?? "",
      public_addr: `${ip}:${port + 1}/${nonce}`,
      cluster_addr: `${ip}:${port + 3}/${nonce}`,
      heartbeat_back_addr: `${ip}:${port + 7}/${nonce}`,
      heartbeat_front_addr: `${ip}:${port + 5}/${nonce}`,
    });
    xinfo.push({
      osd: id,
      laggy_probability: 0,
      laggy_interval: 0,
      features: OSD_FEATURES,
      old_weight: 0,
      dead_epoch: up ? 0 : map.downAt[id] as number,
      down_stamp: secondsText(up ? 0 : map.downStamp[id] as number),
      last_purged_snaps_scrub: stamp(map.createdAt[id] as number),
    });
  }
  return {
    epoch: map.epoch,
    flags: flagNames.join(","),
    flags_num: map.flags,
    flags_set: flagNames.slice().sort(),
    crush_version: map.crush.version,
    full_ratio: 0.949999988079071,
    backfillfull_ratio: 0.8999999761581421,
    nearfull_ratio: 0.8500000238418579,
    cluster_snapshot: "",
    pool_max: map.pools.reduce((m, p) => Math.max(m, p.id), 0),
    max_osd: map.maxOsd,
    require_min_compat_client: "luminous",
    min_compat_client: "jewel",
    require_osd_release: "pacific",
    pools: map.pools.map(_dumpPool),
    osds,
    osd_xinfo: xinfo,
    pg_upmap: [],
    pg_upmap_items: [],
    pg_temp: [],
    primary_temp: [],
    blocklist: {},
    range_blocklist: {},
    erasure_code_profiles: {
      default: { k: "2", m: "2", plugin: "jerasure", technique: "reed_sol_van" },
    },
    removed_snaps_queue: [],
    new_removed_snaps: [],
    new_purged_snaps: [],
    crush_node_flags: {},
    device_class_flags: {},
    stretch_mode: {
      stretch_mode_enabled: false,
      stretch_bucket_count: 0,
      degraded_stretch_mode: 0,
      recovering_stretch_mode: 0,
      stretch_mode_bucket: 0,
    },
    fsid: map.fsid,
    created: cephStamp(map.created),
    modified: cephStamp(map.modified),
    last_up_change: cephStamp(map.lastUpChange),
    last_in_change: cephStamp(map.lastInChange),
  };
}

/**
 * `get("osd_map_tree")`: `ceph osd tree` as JSON — buckets and OSDs depth first from the root,
 * children listed newest first as Ceph does.
 */
export function dumpOsdMapTree(map: OsdMap): Json {
  const crush = map.crush;
  const nodes: Json[] = [];
  const walk = (id: number, depth: number) => {
    if (id >= 0) {
      nodes.push({
        id,
        device_class: crush.devices[id]?.deviceClass ?? "hdd",
        type: "osd",
        type_id: 0,
        crush_weight: crush.weightOf(id),
        depth,
        pool_weights: {},
        exists: map.has(id) ? 1 : 0,
        status: map.isUp(id) ? "up" : "down",
        reweight: (map.weight[id] as number) / WEIGHT_IN,
        primary_affinity: (map.primaryAffinity[id] as number) / WEIGHT_IN,
        name: `osd.${id}`,
      });
      return;
    }
    const b = crush.bucket(id);
    const children = b.items.slice().reverse();
    const node: { [key: string]: Json } = {
      id,
      name: b.name,
      type: CRUSH_TYPES[b.typeId] ?? "unknown",
      type_id: b.typeId,
    };
    if (id !== crush.rootId) node.pool_weights = {};
    node.children = children;
    nodes.push(node);
    for (const child of b.items) walk(child, depth + 1);
  };
  walk(crush.rootId, 0);
  return { nodes, stray: [] };
}

/**
 * `get("osd_map_crush")`: the CRUSH map dump, with the per-device-class shadow hierarchies
 * (`default~hdd`, ...) Ceph adds, numbered after the real buckets.
 */
export function dumpOsdMapCrush(map: OsdMap): Json {
  const crush = map.crush;
  const devices: Json[] = [];
  const classes: string[] = [];
  for (const dev of crush.devices) {
    if (!dev) continue;
    devices.push({ id: dev.id, name: `osd.${dev.id}`, class: dev.deviceClass });
    if (!classes.includes(dev.deviceClass)) classes.push(dev.deviceClass);
  }
  const dumpBucket = (
    b: CrushBucket,
    id: number,
    name: string,
    items: number[],
    weights: number[],
  ) => ({
    id,
    name,
    type_id: b.typeId,
    type_name: CRUSH_TYPES[b.typeId] ?? "unknown",
    weight: weights.reduce((a, w) => a + _fixed(w), 0),
    alg: "straw2",
    hash: "rjenkins1",
    items: items.map((item, pos) => ({ id: item, weight: _fixed(weights[pos] ?? 0), pos })),
  });
  const buckets: Json[] = crush.buckets.map((b) => dumpBucket(b, b.id, b.name, b.items, b.weights));
  let nextId = -1 - crush.buckets.length;
  for (const cls of classes) {
    // Shadow buckets hold only the devices of one class; ids are assigned bottom-up.
    const shadowId = new Map<number, number>();
    const shadowWeight = new Map<number, number>();
    const build = (b: CrushBucket): void => {
      const items: number[] = [], weights: number[] = [];
      b.items.forEach((item, i) => {
        if (item >= 0) {
          if (crush.devices[item]?.deviceClass !== cls) return;
          items.push(item);
          weights.push(b.weights[i] ?? 0);
        } else {
          build(crush.bucket(item));
          items.push(shadowId.get(item) as number);
          weights.push(shadowWeight.get(item) as number);
        }
      });
      const id = nextId--;
      shadowId.set(b.id, id);
      shadowWeight.set(b.id, weights.reduce((a, w) => a + w, 0));
      buckets.push(dumpBucket(b, id, `${b.name}~${cls}`, items, weights));
    };
    build(crush.bucket(crush.rootId));
  }
  const domain = CRUSH_TYPES[crush.failureDomain] ?? "host";
  const rootName = crush.bucket(crush.rootId).name;
  return {
    devices,
    types: CRUSH_TYPES.map((name, type_id) => ({ type_id, name })),
    buckets,
    rules: [{
      rule_id: 0,
      rule_name: "replicated_rule",
      ruleset: 0,
      type: 1,
      min_size: 1,
      max_size: 10,
      steps: [
        { op: "take", item: crush.rootId, item_name: rootName },
        domain === "osd"
          ? { op: "choose_firstn", num: 0, type: "osd" }
          : { op: "chooseleaf_firstn", num: 0, type: domain },
        { op: "emit" },
      ],
    }],
    tunables: {
      choose_local_tries: 0,
      choose_local_fallback_tries: 0,
      choose_total_tries: 50,
      chooseleaf_descend_once: 1,
      chooseleaf_vary_r: 1,
      chooseleaf_stable: 1,
      straw_calc_version: 1,
      allowed_bucket_algs: 54,
      profile: "jewel",
      optimal_tunables: 1,
      legacy_tunables: 0,
      minimum_required_version: "jewel",
      require_feature_tunables: 1,
      require_feature_tunables2: 1,
      has_v2_rules: 0,
      require_feature_tunables3: 1,
      has_v3_rules: 0,
      has_v4_buckets: 1,
      require_feature_tunables5: 1,
      has_v5_rules: 0,
    },
    choose_args: {},
  };
}
