/**
 * The OSDMap and CRUSH map as the manager's `get()` returns them: `osd_map`, `osd_map_tree`,
 * `osd_map_crush`, with Ceph's key names and value types (see ceph-reference/get/).
 *
 * The per-OSD and per-pool entries come through an {@linkcode OsdMapDumpCache}, one per
 * OsdMap: an entry whose inputs did not change since the last dump is the same frozen object,
 * so a new epoch that touches one OSD costs one pass over typed arrays plus that OSD's entries,
 * and the manager's deep freeze skips the rest.
 *
 * @module
 */

import { cephSeconds, cephStamp } from "../../ceph/time.ts";
import { comparePgids } from "../../ceph/pg_stat.ts";
import { CRUSH_TYPES, type CrushBucket, type CrushMap, WEIGHT_IN } from "./crush_map.ts";
import type { OsdMap, Pool } from "./osd_map.ts";

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The OSD features bitmask a Pacific OSD reports. */
const OSD_FEATURES = 4540138314316775423;

function _fixed(w: number): number {
  return Math.round(w * 0x10000);
}

/**
 * The IP of a host bucket: on the loopback, as a real single-node cluster's daemons bind
 * 127.0.0.1; the first host 127.0.0.1, the next ones 127.0.0.2, ... in the order the hosts
 * were made (a bucket that is not a host: 127.0.0.1).
 */
export function hostIp(crush: CrushMap, hostId: number): string {
  const k = 1 + Math.max(0, crush.hostOrdinal(hostId));
  return `127.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`;
}

/** An `entity_addrvec_t` (v2 and v1 on consecutive ports), frozen. */
function _addrvec(ip: string, port: number, nonce: number): Json {
  const v2: Json = Object.freeze({ type: "v2", addr: `${ip}:${port}`, nonce });
  const v1: Json = Object.freeze({ type: "v1", addr: `${ip}:${port + 1}`, nonce });
  return Object.freeze({ addrvec: Object.freeze([v2, v1]) as Json[] });
}

/**
 * The pools as the mon's commands dump them (`osd dump`, `osd pool ls detail`): with their
 * `create_time` after the name, which the manager's `get('osd_map')` leaves out; `idKey`
 * names the id (`pool`, or `pool_id` for `ls detail`).
 */
export function commandPoolEntries(map: OsdMap, idKey = "pool"): Json[] {
  const entries = (dumpOsdMap(map) as { pools: { [key: string]: Json }[] }).pools;
  return entries.map((e, i) => {
    const { pool, pool_name, ...rest } = e;
    const created = cephStamp(map.pools[i]?.createTime ?? map.created);
    return { [idKey]: pool!, pool_name: pool_name!, create_time: created, ...rest };
  });
}

/** Freezes `value` and everything in it (a fresh tree of plain objects and arrays). */
function _frozen<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const v of Object.values(value)) _frozen(v);
    Object.freeze(value);
  }
  return value;
}

function _dumpPool(pool: Pool): Json {
  return {
    pool: pool.id,
    pool_name: pool.name,
    // pg_pool_t's FLAG_HASHPSPOOL, FLAG_NODELETE and FLAG_BULK, named in bit order.
    flags: 1 | (pool.nodelete ? 16 : 0) | (pool.bulk ? 131072 : 0),
    flags_names: "hashpspool" + (pool.nodelete ? ",nodelete" : "") + (pool.bulk ? ",bulk" : ""),
    type: 1,
    size: pool.size,
    min_size: pool.minSize,
    crush_rule: pool.crushRule,
    peering_crush_bucket_count: 0,
    peering_crush_bucket_target: 0,
    peering_crush_bucket_barrier: 0,
    peering_crush_bucket_mandatory_member: 2147483647,
    object_hash: 2,
    pg_autoscale_mode: pool.autoscaleMode,
    pg_num: pool.pgNum,
    pg_placement_num: pool.pgpNum,
    pg_placement_num_target: pool.pgpNumTarget,
    pg_num_target: pool.pgNumTarget,
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
    quota_max_bytes: pool.quotaMaxBytes,
    quota_max_objects: pool.quotaMaxObjects,
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
    options: { ...pool.options },
    application_metadata: structuredClone(pool.applications),
    create_time: cephStamp(pool.createTime),
    last_change: String(pool.lastChange),
    last_force_op_resend: "0",
    last_force_op_resend_prenautilus: "0",
    last_force_op_resend_preluminous: "0",
    removed_snaps: "[]",
  };
}

/** One `osds[]` entry of the dump: the fields an update reads back to reuse its parts. */
interface _OsdEntry {
  readonly public_addrs: Json;
  readonly cluster_addrs: Json;
  readonly heartbeat_back_addrs: Json;
  readonly heartbeat_front_addrs: Json;
  readonly uuid: string;
  readonly public_addr: string;
  readonly cluster_addr: string;
  readonly heartbeat_back_addr: string;
  readonly heartbeat_front_addr: string;
}

/** One `osd_xinfo[]` entry: the fields an update reads back. */
interface _XinfoEntry {
  readonly down_stamp: string;
  readonly last_purged_snaps_scrub: string;
}

/** A pool's entry with what it was built from. */
interface _PoolSlot {
  readonly entry: Json;
  readonly name: string;
  readonly size: number;
  readonly minSize: number;
  readonly pgNum: number;
  readonly pgNumTarget: number;
  readonly pgpNum: number;
  readonly pgpNumTarget: number;
  readonly application: string;
  readonly createTime: number;
  readonly lastChange: number;
}

/** The parts of `osd_map_crush` (all but the empty `choose_args`), frozen. */
interface _CrushParts {
  readonly devices: Json[];
  readonly types: Json[];
  readonly buckets: Json[];
  readonly rules: Json;
  readonly tunables: Json;
}

/** An OSD's node of `osd_map_tree`: the field an update reads back. */
interface _TreeNode {
  readonly device_class: string;
}

// The slots of an OSD's row of the tree in OsdMapDumpCache.
const _T_DEPTH = 0;
const _T_CRUSH_WEIGHT = 1;
const _T_EXISTS = 2;
const _T_UP = 3;
const _T_WEIGHT = 4;
const _T_AFFINITY = 5;
const _T_WIDTH = 6;

// The slots of an OSD's row in OsdMapDumpCache: what its `osds` entry was built from ...
const _R_UP = 0;
const _R_WEIGHT = 1;
const _R_AFFINITY = 2;
const _R_UP_FROM = 3;
const _R_UP_THRU = 4;
const _R_DOWN_AT = 5;
const _R_HOST = 6;
const _R_PORT = 7;
const _R_NONCE = 8;
// ... and its `osd_xinfo` entry.
const _R_DEAD_EPOCH = 9;
const _R_DOWN_STAMP = 10;
const _R_CREATED = 11;
const _R_WIDTH = 12;

/**
 * The frozen parts of an OsdMap's last dumps, with what each was built from: per OSD its
 * `osds` and `osd_xinfo` entries, per pool its `pools` entry. The next dump reuses every entry
 * whose inputs are unchanged (up, reweight, primary affinity, up_from/up_thru/down_at, host and
 * port, nonce, uuid; down stamp and creation time) and builds the others, keeping their
 * unchanged address objects; the arrays themselves are reused while no entry changed. An entry
 * depends on its OSD's (or pool's) data only, so a dump through a used cache equals one through
 * a new cache.
 *
 * @example
 * ```ts
 * import { Rng } from "../engine/prng.ts";
 * import { Scheduler } from "../engine/scheduler.ts";
 * import { SimCluster } from "./cluster.ts";
 * import { OsdMapDumpCache } from "./osd_map_dump.ts";
 * const s = new Scheduler({ rng: new Rng(1) });
 * const c = new SimCluster(s, { hosts: 3, osdsPerHost: 2, pools: [{ name: "p", pgNum: 8 }] });
 * const cache = new OsdMapDumpCache();
 * const before = cache.osdMap(c.map) as { osds: { in: number }[] };
 * c.osdOut(0);
 * const after = cache.osdMap(c.map) as { osds: { in: number }[] };
 * if (after.osds[0] === before.osds[0] || after.osds[0]!.in !== 0) throw new Error("osd.0 new");
 * if (after.osds[1] !== before.osds[1]) throw new Error("osd.1 unchanged: the same object");
 * if (!Object.isFrozen(after.osds) || !Object.isFrozen(after.osds[0])) throw new Error("frozen");
 * ```
 */
export class OsdMapDumpCache {
  #map: OsdMap | undefined;
  #osds: (_OsdEntry | undefined)[] = [];
  #xinfo: (_XinfoEntry | undefined)[] = [];
  #rows = new Float64Array(0);
  #osdList: readonly Json[] = [];
  #xinfoList: readonly Json[] = [];
  #pools = new Map<number, _PoolSlot>();
  #poolList: readonly Json[] = [];
  // Each OSD's host bucket and port (from its place among the host's OSDs), per CRUSH version.
  #placedVersion = NaN;
  #hostOf = new Int32Array(0);
  // osd_map_tree: bucket nodes (per CRUSH version), OSD nodes with what each was built from.
  #treeVersion = NaN;
  #bucketNodes = new Map<number, Json>();
  #treeNodes: (_TreeNode | undefined)[] = [];
  #treeRows = new Float64Array(0);
  #nodeList: readonly Json[] = [];
  // osd_map_crush: its parts, per CRUSH version and failure domain.
  #crushVersion = NaN;
  #crushDomain = NaN;
  #crushParts: _CrushParts | undefined;
  /** How many `osds` entries the last `osdMap()` built (the others it reused). */
  builtOsds = 0;
  /** How many `osd_xinfo` entries the last `osdMap()` built. */
  builtXinfo = 0;
  /** How many `pools` entries the last `osdMap()` built. */
  builtPools = 0;
  /** How many OSD nodes the last `tree()` built. */
  builtTreeOsds = 0;

  /** `get("osd_map")` of `map`, its per-OSD and per-pool arrays frozen. */
  osdMap(map: OsdMap): Json {
    this.#use(map);
    const { osds, xinfo } = this.#osdEntries(map);
    const flagNames = map.flagNames();
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
      pool_max: map.poolMax,
      max_osd: map.maxOsd,
      require_min_compat_client: map.requireMinCompatClient,
      min_compat_client: "jewel",
      require_osd_release: "pacific",
      pools: this.#poolEntries(map) as Json[],
      osds: osds as Json[],
      osd_xinfo: xinfo as Json[],
      pg_upmap: [],
      pg_upmap_items: _upmapItems(map),
      pg_temp: _pgTemp(map),
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

  /** Forgets everything when asked about another map than last time. */
  #use(map: OsdMap): void {
    if (map === this.#map) return;
    this.#map = map;
    this.#osds = [];
    this.#xinfo = [];
    this.#rows = new Float64Array(0);
    this.#osdList = [];
    this.#xinfoList = [];
    this.#pools = new Map();
    this.#poolList = [];
    this.#placedVersion = NaN;
    this.#treeVersion = NaN;
    this.#bucketNodes = new Map();
    this.#treeNodes = [];
    this.#treeRows = new Float64Array(0);
    this.#nodeList = [];
    this.#crushVersion = NaN;
    this.#crushDomain = NaN;
    this.#crushParts = undefined;
  }

  /**
   * `get("osd_map_tree")` of `map`: bucket nodes are rebuilt when the CRUSH version changes,
   * an OSD's node when its place, CRUSH weight, existence, up state, reweight or primary
   * affinity does.
   */
  tree(map: OsdMap): Json {
    this.#use(map);
    const crush = map.crush;
    // CRUSH weights and the hierarchy change only with the CRUSH version.
    const newCrush = crush.version !== this.#treeVersion;
    if (newCrush) {
      this.#bucketNodes = new Map();
      this.#treeVersion = crush.version;
    }
    const n = crush.devices.length;
    if (this.#treeRows.length < n * _T_WIDTH) {
      const rows = new Float64Array(n * _T_WIDTH);
      rows.set(this.#treeRows);
      this.#treeRows = rows;
    }
    const rows = this.#treeRows, osdNodes = this.#treeNodes, bucketNodes = this.#bucketNodes;
    const nodes: Json[] = [];
    let built = 0;
    const walk = (id: number, depth: number) => {
      if (id >= 0) {
        const rb = id * _T_WIDTH;
        const deviceClass = crush.devices[id]?.deviceClass ?? "hdd";
        let node = osdNodes[id];
        const crushWeight = newCrush || node === undefined
          ? crush.weightOf(id)
          : rows[rb + _T_CRUSH_WEIGHT] as number;
        const exists = map.has(id) ? 1 : 0;
        const up = map.isUp(id) ? 1 : 0;
        const weight = map.weight[id] as number;
        const affinity = map.primaryAffinity[id] as number;
        if (
          node === undefined || rows[rb + _T_DEPTH] !== depth ||
          rows[rb + _T_CRUSH_WEIGHT] !== crushWeight || rows[rb + _T_EXISTS] !== exists ||
          rows[rb + _T_UP] !== up || rows[rb + _T_WEIGHT] !== weight ||
          rows[rb + _T_AFFINITY] !== affinity || node.device_class !== deviceClass
        ) {
          built++;
          node = Object.freeze({
            id,
            device_class: deviceClass,
            type: "osd",
            type_id: 0,
            crush_weight: crushWeight,
            depth,
            pool_weights: Object.freeze({}),
            exists,
            status: up ? "up" : "down",
            reweight: weight / WEIGHT_IN,
            primary_affinity: affinity / WEIGHT_IN,
            name: `osd.${id}`,
          });
          osdNodes[id] = node;
          rows[rb + _T_DEPTH] = depth;
          rows[rb + _T_CRUSH_WEIGHT] = crushWeight;
          rows[rb + _T_EXISTS] = exists;
          rows[rb + _T_UP] = up;
          rows[rb + _T_WEIGHT] = weight;
          rows[rb + _T_AFFINITY] = affinity;
        }
        nodes.push(node as unknown as Json);
        return;
      }
      const b = crush.bucket(id);
      let node = bucketNodes.get(id);
      if (node === undefined) {
        const fresh: { [key: string]: Json } = {
          id,
          name: b.name,
          type: CRUSH_TYPES[b.typeId] ?? "unknown",
          type_id: b.typeId,
        };
        if (id !== crush.rootId) fresh.pool_weights = Object.freeze({});
        fresh.children = Object.freeze(b.items.slice().reverse()) as Json[];
        node = Object.freeze(fresh);
        bucketNodes.set(id, node);
      }
      nodes.push(node);
      for (const child of b.items) walk(child, depth + 1);
    };
    walk(crush.rootId, 0);
    this.builtTreeOsds = built;
    if (!_sameList(nodes, this.#nodeList)) this.#nodeList = Object.freeze(nodes);
    return { nodes: this.#nodeList as Json[], stray: [] };
  }

  /** `get("osd_map_crush")` of `map`: its parts are rebuilt when the CRUSH version changes. */
  crush(map: OsdMap): Json {
    this.#use(map);
    const crush = map.crush;
    let parts = this.#crushParts;
    if (
      parts === undefined || crush.version !== this.#crushVersion ||
      crush.failureDomain !== this.#crushDomain
    ) {
      parts = this.#crushParts = _crushParts(crush);
      this.#crushVersion = crush.version;
      this.#crushDomain = crush.failureDomain;
    }
    return {
      devices: parts.devices,
      types: parts.types,
      buckets: parts.buckets,
      rules: parts.rules,
      tunables: parts.tunables,
      choose_args: {},
    };
  }

  /**
   * Each OSD's host bucket, its CRUSH parent (the port is the OsdMap's, given when the OSD
   * bound). CRUSH only changes with its version, so this is one pass per CRUSH version.
   */
  #place(map: OsdMap): void {
    const crush = map.crush, n = map.maxOsd;
    if (crush.version === this.#placedVersion && this.#hostOf.length === n) return;
    const hostOf = new Int32Array(n);
    for (let id = 0; id < n; id++) hostOf[id] = crush.devices[id]?.parent ?? crush.rootId;
    this.#hostOf = hostOf;
    this.#placedVersion = crush.version;
  }

  #osdEntries(map: OsdMap): { osds: readonly Json[]; xinfo: readonly Json[] } {
    const n = map.maxOsd;
    this.#place(map);
    if (this.#rows.length < n * _R_WIDTH) {
      const rows = new Float64Array(n * _R_WIDTH);
      rows.set(this.#rows);
      this.#rows = rows;
    }
    const rows = this.#rows, entries = this.#osds, xentries = this.#xinfo;
    const hostOf = this.#hostOf, portOf = map.port;
    const exists = map.exists, upArr = map.up, weightArr = map.weight;
    const affinityArr = map.primaryAffinity, upFromArr = map.upFrom, upThruArr = map.upThru;
    const downAtArr = map.downAt, downStampArr = map.downStamp, createdArr = map.createdAt;
    const nonceArr = map.nonce, uuids = map.uuids;
    // Built entries mostly share their stamps (created together, never down): format each once.
    const texts = new Map<number, string>();
    const stamp = (t: number) => {
      let text = texts.get(t);
      if (text === undefined) texts.set(t, text = cephStamp(t));
      return text;
    };
    const secondsTexts = new Map<number, string>();
    const secondsText = (t: number) => {
      let text = secondsTexts.get(t);
      if (text === undefined) secondsTexts.set(t, text = cephSeconds(t));
      return text;
    };
    const ips = new Map<number, string>();
    const osds: Json[] = [], xinfo: Json[] = [];
    let builtOsds = 0, builtXinfo = 0;
    for (let id = 0; id < n; id++) {
      if (exists[id] !== 1) continue;
      const rb = id * _R_WIDTH;
      const up = upArr[id] === 1 ? 1 : 0;
      const weight = weightArr[id] as number;
      const affinity = affinityArr[id] as number;
      const upFrom = upFromArr[id] as number;
      const upThru = upThruArr[id] as number;
      const downAt = downAtArr[id] as number;
      const host = hostOf[id] as number;
      const port = portOf[id] as number;
      const nonce = nonceArr[id] as number;
      const uuid = uuids[id] ?? "";
      let entry = entries[id];
      if (
        entry === undefined || rows[rb + _R_UP] !== up || rows[rb + _R_WEIGHT] !== weight ||
        rows[rb + _R_AFFINITY] !== affinity || rows[rb + _R_UP_FROM] !== upFrom ||
        rows[rb + _R_UP_THRU] !== upThru || rows[rb + _R_DOWN_AT] !== downAt ||
        rows[rb + _R_HOST] !== host || rows[rb + _R_PORT] !== port ||
        rows[rb + _R_NONCE] !== nonce || entry.uuid !== uuid
      ) {
        builtOsds++;
        const prev = entry !== undefined && rows[rb + _R_HOST] === host &&
            rows[rb + _R_PORT] === port && rows[rb + _R_NONCE] === nonce
          ? entry
          : undefined;
        let ip = "";
        if (prev === undefined) {
          ip = ips.get(host) ?? "";
          if (ip === "") ips.set(host, ip = hostIp(map.crush, host));
        }
        entry = Object.freeze({
          osd: id,
          up,
          in: weight > 0 ? 1 : 0,
          weight: weight / WEIGHT_IN,
          primary_affinity: affinity / WEIGHT_IN,
          last_clean_begin: 0,
          last_clean_end: 0,
          up_from: upFrom,
          up_thru: upThru,
          down_at: downAt,
          lost_at: 0,
          public_addrs: prev?.public_addrs ?? _addrvec(ip, port, nonce),
          cluster_addrs: prev?.cluster_addrs ?? _addrvec(ip, port + 2, nonce),
          heartbeat_back_addrs: prev?.heartbeat_back_addrs ?? _addrvec(ip, port + 6, nonce),
          heartbeat_front_addrs: prev?.heartbeat_front_addrs ?? _addrvec(ip, port + 4, nonce),
          state: Object.freeze(up ? ["exists", "up"] : ["exists"]),
          uuid,
          public_addr: prev?.public_addr ?? `${ip}:${port + 1}/${nonce}`,
          cluster_addr: prev?.cluster_addr ?? `${ip}:${port + 3}/${nonce}`,
          heartbeat_back_addr: prev?.heartbeat_back_addr ?? `${ip}:${port + 7}/${nonce}`,
          heartbeat_front_addr: prev?.heartbeat_front_addr ?? `${ip}:${port + 5}/${nonce}`,
        });
        entries[id] = entry;
        rows[rb + _R_UP] = up;
        rows[rb + _R_WEIGHT] = weight;
        rows[rb + _R_AFFINITY] = affinity;
        rows[rb + _R_UP_FROM] = upFrom;
        rows[rb + _R_UP_THRU] = upThru;
        rows[rb + _R_DOWN_AT] = downAt;
        rows[rb + _R_HOST] = host;
        rows[rb + _R_PORT] = port;
        rows[rb + _R_NONCE] = nonce;
      }
      osds.push(entry as unknown as Json);
      const deadEpoch = up ? 0 : downAt;
      const downStamp = up ? 0 : downStampArr[id] as number;
      const created = createdArr[id] as number;
      let x = xentries[id];
      if (
        x === undefined || rows[rb + _R_DEAD_EPOCH] !== deadEpoch ||
        rows[rb + _R_DOWN_STAMP] !== downStamp || rows[rb + _R_CREATED] !== created
      ) {
        builtXinfo++;
        const prevDown = x !== undefined && rows[rb + _R_DOWN_STAMP] === downStamp
          ? x.down_stamp
          : undefined;
        const prevCreated = x !== undefined && rows[rb + _R_CREATED] === created
          ? x.last_purged_snaps_scrub
          : undefined;
        x = Object.freeze({
          osd: id,
          laggy_probability: 0,
          laggy_interval: 0,
          features: OSD_FEATURES,
          old_weight: 0,
          dead_epoch: deadEpoch,
          down_stamp: prevDown ?? secondsText(downStamp),
          last_purged_snaps_scrub: prevCreated ?? stamp(created),
        });
        xentries[id] = x;
        rows[rb + _R_DEAD_EPOCH] = deadEpoch;
        rows[rb + _R_DOWN_STAMP] = downStamp;
        rows[rb + _R_CREATED] = created;
      }
      xinfo.push(x as unknown as Json);
    }
    this.builtOsds = builtOsds;
    this.builtXinfo = builtXinfo;
    if (!_sameList(osds, this.#osdList)) this.#osdList = Object.freeze(osds);
    if (!_sameList(xinfo, this.#xinfoList)) this.#xinfoList = Object.freeze(xinfo);
    return { osds: this.#osdList, xinfo: this.#xinfoList };
  }

  #poolEntries(map: OsdMap): readonly Json[] {
    const list: Json[] = [];
    const slots = new Map<number, _PoolSlot>();
    let built = 0;
    for (const pool of map.pools) {
      let slot = this.#pools.get(pool.id);
      if (
        slot === undefined || slot.name !== pool.name || slot.size !== pool.size ||
        slot.minSize !== pool.minSize || slot.pgNum !== pool.pgNum ||
        slot.pgNumTarget !== pool.pgNumTarget || slot.pgpNum !== pool.pgpNum ||
        slot.pgpNumTarget !== pool.pgpNumTarget ||
        slot.application !== pool.application || slot.createTime !== pool.createTime ||
        slot.lastChange !== pool.lastChange
      ) {
        built++;
        slot = {
          entry: _frozen(_dumpPool(pool)),
          name: pool.name,
          size: pool.size,
          minSize: pool.minSize,
          pgNum: pool.pgNum,
          pgNumTarget: pool.pgNumTarget,
          pgpNum: pool.pgpNum,
          pgpNumTarget: pool.pgpNumTarget,
          application: pool.application,
          createTime: pool.createTime,
          lastChange: pool.lastChange,
        };
      }
      slots.set(pool.id, slot);
      list.push(slot.entry);
    }
    this.#pools = slots;
    this.builtPools = built;
    if (!_sameList(list, this.#poolList)) this.#poolList = Object.freeze(list);
    return this.#poolList;
  }
}

function _sameList(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const _shared = new WeakMap<OsdMap, OsdMapDumpCache>();

/**
 * The cache that the dumps of `map` share: one per cluster, so every manager's `osd_map` (and
 * `ceph osd dump`) reuses the same frozen entries.
 */
export function osdMapDumpCache(map: OsdMap): OsdMapDumpCache {
  let cache = _shared.get(map);
  if (cache === undefined) _shared.set(map, cache = new OsdMapDumpCache());
  return cache;
}

/**
 * `get("osd_map")`: the OSDMap dump. Its `osds`, `osd_xinfo` and `pools` arrays and their
 * entries are frozen and come through `cache` (by default the one every dump of `map` shares;
 * see {@linkcode OsdMapDumpCache}); the rest is new on every call.
 *
 * @example
 * ```ts
 * import { Rng } from "../engine/prng.ts";
 * import { OsdMap } from "./osd_map.ts";
 * import { dumpOsdMap, OsdMapDumpCache } from "./osd_map_dump.ts";
 * const map = new OsdMap({ now: () => 0, ids: new Rng(1).stream("identity") });
 * const d = dumpOsdMap(map) as { epoch: number };
 * if (d.epoch !== map.epoch) throw new Error();
 * const scratch = dumpOsdMap(map, new OsdMapDumpCache());
 * if (JSON.stringify(scratch) !== JSON.stringify(d)) throw new Error("same as from scratch");
 * ```
 */
export function dumpOsdMap(map: OsdMap, cache: OsdMapDumpCache = osdMapDumpCache(map)): Json {
  return cache.osdMap(map);
}

/**
 * `get("osd_map_tree")`: `ceph osd tree` as JSON — buckets and OSDs depth first from the root,
 * children listed newest first as Ceph does. The `nodes` array and its nodes are frozen and
 * come through `cache` (see {@linkcode OsdMapDumpCache}).
 */
export function dumpOsdMapTree(map: OsdMap, cache: OsdMapDumpCache = osdMapDumpCache(map)): Json {
  return cache.tree(map);
}

/**
 * `get("osd_map_crush")`: the CRUSH map dump, with the per-device-class shadow hierarchies
 * (`default~hdd`, ...) Ceph adds, numbered after the real buckets. Its parts are frozen and
 * come through `cache`, rebuilt when the CRUSH map's version changes (see
 * {@linkcode OsdMapDumpCache}).
 */
export function dumpOsdMapCrush(map: OsdMap, cache: OsdMapDumpCache = osdMapDumpCache(map)): Json {
  return cache.crush(map);
}

/** `pg_temp`, in pg_t order. */
function _pgTemp(map: OsdMap): Json[] {
  if (map.pgTemp.size === 0) return [];
  return [...map.pgTemp].sort((a, b) => comparePgids(a[0], b[0]))
    .map(([pgid, osds]) => ({ pgid, osds: [...osds] }));
}

/** `pg_upmap_items`, by pool and placement seed as Ceph orders its pg_t map. */
function _upmapItems(map: OsdMap): Json[] {
  if (map.upmapItems.size === 0) return [];
  return [...map.upmapItems].sort((a, b) => comparePgids(a[0], b[0])).map(([pgid, pairs]) => ({
    pgid,
    mappings: pairs.map(([from, to]) => ({ from, to })),
  }));
}

/** The parts of the CRUSH map dump, each frozen. */
function _crushParts(crush: CrushMap): _CrushParts {
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
  return _frozen<_CrushParts>({
    devices,
    types: CRUSH_TYPES.map((name, type_id): Json => ({ type_id, name })),
    buckets,
    rules: [
      {
        rule_id: 0,
        rule_name: "replicated_rule",
        ruleset: 0,
        type: 1,
        min_size: 1,
        max_size: 10,
        steps: [
          { op: "take", item: crush.rootId, item_name: rootName },
          domain === "osd"
            ? { op: "choose_firstn", num: 0, type: "osd" } as Json
            : { op: "chooseleaf_firstn", num: 0, type: domain },
          { op: "emit" },
        ],
      },
      ...crush.extraRules.map((r): Json => ({
        rule_id: r.id,
        rule_name: r.name,
        ruleset: r.id,
        type: 1,
        min_size: 1,
        max_size: 10,
        steps: [
          { op: "take", item: r.take, item_name: crush.bucket(r.take).name },
          r.typeId === 0
            ? { op: "choose_firstn", num: 0, type: "osd" } as Json
            : { op: "chooseleaf_firstn", num: 0, type: CRUSH_TYPES[r.typeId] ?? "host" },
          { op: "emit" },
        ],
      })),
    ],
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
  });
}
