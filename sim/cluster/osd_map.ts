/**
 * The OSDMap: epochs, OSD up/in state and reweights, cluster flags, pools and the CRUSH map.
 *
 * Per-OSD state lives in typed arrays so that 10,000 OSDs cost little. Every mutation bumps the
 * epoch, unless it happens inside `change()`, which groups several mutations into one epoch.
 * The map is pure data: time comes in through the `now` function given to the constructor.
 *
 * @module
 */

import type { RngStream } from "../engine/prng.ts";
import { CrushMap, WEIGHT_IN } from "./crush_map.ts";

/** Cluster-wide OSDMap flags with their `CEPH_OSDMAP_*` bits, in Ceph's printing order. */
export const OSDMAP_FLAGS: ReadonlyMap<string, number> = new Map([
  ["nearfull", 1 << 0],
  ["full", 1 << 1],
  ["pauserd", 1 << 2],
  ["pausewr", 1 << 3],
  ["pauserec", 1 << 4],
  ["noup", 1 << 5],
  ["nodown", 1 << 6],
  ["noout", 1 << 7],
  ["noin", 1 << 8],
  ["nobackfill", 1 << 9],
  ["norebalance", 1 << 14],
  ["norecover", 1 << 10],
  ["noscrub", 1 << 11],
  ["nodeep-scrub", 1 << 12],
  ["notieragent", 1 << 13],
  ["nosnaptrim", 1 << 21],
  ["sortbitwise", 1 << 15],
  ["recovery_deletes", 1 << 19],
  ["purged_snapdirs", 1 << 20],
  ["pglog_hardlimit", 1 << 22],
]);

/** A replicated pool. */
export interface Pool {
  readonly id: number;
  readonly name: string;
  size: number;
  minSize: number;
  /** PGs the pool has now (`pg_num`); moves toward `pgNumTarget` by splits. */
  pgNum: number;
  /** The `pg_num` asked for (`pg_num_target`). */
  pgNumTarget: number;
  /** Placement groups used for placement (`pgp_num`, `pg_placement_num`). */
  pgpNum: number;
  /** The `pgp_num` asked for (`pgp_num_target`, `pg_placement_num_target`). */
  pgpNumTarget: number;
  /** Application name (`rados`, `rbd`, `cephfs`, `mgr_devicehealth`, ...): the first enabled. */
  application: string;
  /** `pg_autoscale_mode`: what the pg_autoscaler module may do with the pool. */
  autoscaleMode: "on" | "off" | "warn";
  /** The `nodelete` flag (`osd pool set <pool> nodelete true`): the pool cannot be removed. */
  nodelete?: boolean;
  /** The `bulk` flag (`osd pool create <pool> --bulk`): the autoscaler starts it at full size. */
  bulk?: boolean;
  /** Every enabled application with its key/value settings (`application_metadata`). */
  applications: Record<string, Record<string, string>>;
  /** The pool's options (`osd pool set <pool> pg_num_min ...`), by name, as pool_opts_t holds them. */
  options: Record<string, number>;
  /** The CRUSH rule's id (`crush_rule`): 0, `replicated_rule`, unless created on another. */
  crushRule: number;
  /** `osd pool set-quota`: 0 for none. */
  quotaMaxBytes: number;
  quotaMaxObjects: number;
  readonly createTime: number;
  lastChange: number;
}

/** What `createPool` needs; `minSize` defaults to `size - size / 2` like Ceph. */
export interface PoolSpec {
  name: string;
  size?: number;
  minSize?: number;
  pgNum: number;
  application?: string;
  autoscaleMode?: "on" | "off" | "warn";
  bulk?: boolean;
  /** The CRUSH rule's id (default 0, `replicated_rule`). */
  crushRule?: number;
}

/**
 * The OSDMap.
 *
 * @example
 * ```ts
 * import { OsdMap } from "./osd_map.ts";
 * import { Rng } from "../engine/prng.ts";
 * const map = new OsdMap({ now: () => 1_700_000_000, ids: new Rng(1).stream("identity") });
 * const host = map.crush.addBucket("node1", "host", map.crush.rootId);
 * map.addOsd(0, host, 1.0);
 * const before = map.epoch;
 * map.markDown(0);
 * if (map.epoch !== before + 1 || map.isUp(0)) throw new Error("one epoch per change");
 * ```
 */
export class OsdMap {
  epoch = 1;
  readonly crush: CrushMap;
  /** Told of each new epoch (the mon's store of old maps: sim/cluster/crush_history.ts). */
  onEpoch: ((epoch: number) => void) | undefined = undefined;
  readonly fsid: string;
  readonly created: number;
  modified: number;
  lastUpChange: number;
  lastInChange: number;
  flags: number;
  /** The oldest client release the cluster keeps compatible with. */
  requireMinCompatClient = "luminous";
  readonly pools: Pool[] = [];
  /** The highest pool id ever given (`pool_max`): a removed pool's id is never reused. */
  poolMax = 0;
  maxOsd = 0;
  exists = new Uint8Array(0);
  up = new Uint8Array(0);
  /** OSDMap reweight in 16.16 fixed point ({@linkcode WEIGHT_IN} = in, 0 = out). */
  weight = new Uint32Array(0);
  primaryAffinity = new Uint32Array(0);
  upFrom = new Int32Array(0);
  upThru = new Int32Array(0);
  downAt = new Int32Array(0);
  downStamp = new Float64Array(0);
  /** When each OSD was created (`last_purged_snaps_scrub` in the dump). */
  createdAt = new Float64Array(0);
  nonce = new Uint32Array(0);
  /** Each OSD's first port (public v2; v1, cluster and heartbeat ones follow: 8 in all). */
  port = new Int32Array(0);
  readonly uuids: string[] = [];
  /** `pg_upmap_items`: pgid → [from, to] pairs that replace OSDs of CRUSH's mapping. */
  readonly upmapItems = new Map<string, readonly (readonly [number, number])[]>();
  /**
   * `pg_temp`: pgid → the acting set of a PG served by other OSDs than its up set (until its
   * backfill ends, or for good when CRUSH maps too few), as its primary asked the mon for it.
   */
  readonly pgTemp = new Map<string, readonly number[]>();
  readonly #now: () => number;
  readonly #ids: RngStream;
  #batchDepth = 0;
  #dirty = false;
  /** The pid the latest daemon started got. */
  #lastPid = 27_000;
  /** The next free port on each host (by bucket id). */
  readonly #nextPort = new Map<number, number>();

  /**
   * @param options.now the current (virtual) time in seconds
   * @param options.ids the PRNG stream for identities (fsid, OSD uuids, nonces)
   */
  constructor(options: { now: () => number; ids: RngStream }) {
    this.#now = options.now;
    this.#ids = options.ids;
    this.crush = new CrushMap();
    this.fsid = this.#ids.uuid();
    this.created =
      this.modified =
      this.lastUpChange =
      this.lastInChange =
        options.now();
    this.flags = ["sortbitwise", "recovery_deletes", "purged_snapdirs", "pglog_hardlimit"]
      .reduce((acc, f) => acc | (OSDMAP_FLAGS.get(f) ?? 0), 0);
  }

  /** Runs `fn` and bumps the epoch once (if it changed anything); returns the epoch. */
  change(fn: () => void): number {
    this.#batchDepth++;
    try {
      fn();
    } finally {
      this.#batchDepth--;
    }
    if (this.#batchDepth === 0 && this.#dirty) this.#bump();
    return this.epoch;
  }

  /** Adds a new OSD, up and in, to CRUSH bucket `hostId`. */
  addOsd(id: number, hostId: number, crushWeight: number, deviceClass = "hdd"): void {
    this.crush.addDevice(id, hostId, crushWeight, deviceClass);
    this.#ensureCapacity(id + 1);
    this.maxOsd = Math.max(this.maxOsd, id + 1);
    const epoch = this.#nextEpoch();
    this.exists[id] = 1;
    this.up[id] = 1;
    this.weight[id] = WEIGHT_IN;
    this.primaryAffinity[id] = WEIGHT_IN;
    this.upFrom[id] = epoch;
    this.upThru[id] = epoch;
    this.createdAt[id] = this.#now();
    // The messenger's nonce is the daemon's pid: daemons started one after another have
    // pids a few hundred apart.
    this.#lastPid += 100 + this.#ids.int(0, 999_999) % 300;
    this.nonce[id] = this.#lastPid;
    this.port[id] = this.allocPorts(hostId, 8);
    this.uuids[id] = this.#ids.uuid();
    this.lastUpChange = this.lastInChange = this.#now();
    this.#touch();
  }

  /**
   * `count` consecutive ports on host `hostId` for a daemon that binds now: a real host's
   * daemons take the next free ones from `ms_bind_port_min` (6800) in the order they bind.
   * Returns the first.
   */
  allocPorts(hostId: number, count: number): number {
    const port = this.#nextPort.get(hostId) ?? 6800;
    this.#nextPort.set(hostId, port + count);
    return port;
  }

  /** A pid for a daemon that starts now (its messenger's nonce), after the latest one's. */
  nextPid(): number {
    return this.#lastPid += 113;
  }

  /** Marks the map changed by an edit made to its CRUSH map directly (a new bucket). */
  touch(): void {
    this.#touch();
  }

  /** Whether OSD `id` exists in the map. */
  has(id: number): boolean {
    return id >= 0 && id < this.maxOsd && this.exists[id] === 1;
  }

  /** Whether OSD `id` is up. */
  isUp(id: number): boolean {
    return this.has(id) && this.up[id] === 1;
  }

  /** Whether OSD `id` is in (reweight > 0). */
  isIn(id: number): boolean {
    return this.has(id) && (this.weight[id] ?? 0) > 0;
  }

  /** Marks an OSD down; returns false if it already was. */
  markDown(id: number): boolean {
    this.#check(id);
    if (this.up[id] === 0) return false;
    this.up[id] = 0;
    this.downAt[id] = this.#nextEpoch();
    this.downStamp[id] = this.#now();
    this.lastUpChange = this.#now();
    this.#touch();
    return true;
  }

  /** Marks an OSD up; returns false if it already was. */
  markUp(id: number): boolean {
    this.#check(id);
    if (this.up[id] === 1) return false;
    this.up[id] = 1;
    this.upFrom[id] = this.#nextEpoch();
    this.upThru[id] = this.#nextEpoch();
    this.lastUpChange = this.#now();
    this.#touch();
    return true;
  }

  /** Marks an OSD out (reweight 0); returns false if it already was. */
  markOut(id: number): boolean {
    return this.reweight(id, 0);
  }

  /** Marks an OSD in (reweight 1); returns false if it already was fully in. */
  markIn(id: number): boolean {
    return this.reweight(id, 1);
  }

  /** Sets an OSD's reweight in [0, 1]; returns false if nothing changed. */
  reweight(id: number, weight: number): boolean {
    this.#check(id);
    if (!(weight >= 0 && weight <= 1)) {
      throw new RangeError(`reweight must be in [0, 1], got ${weight}`);
    }
    const fixed = Math.round(weight * WEIGHT_IN);
    if (this.weight[id] === fixed) return false;
    const wasIn = (this.weight[id] ?? 0) > 0;
    this.weight[id] = fixed;
    if (wasIn !== fixed > 0) this.lastInChange = this.#now();
    this.#touch();
    return true;
  }

  /** Whether a cluster flag (`noout`, `noup`, ...) is set. */
  hasFlag(name: string): boolean {
    return (this.flags & _flagBit(name)) !== 0;
  }

  /** Sets a cluster flag; returns false if it was set already. */
  setFlag(name: string): boolean {
    const bit = _flagBit(name);
    if (this.flags & bit) return false;
    this.flags |= bit;
    this.#touch();
    return true;
  }

  /** Clears a cluster flag; returns false if it was not set. */
  unsetFlag(name: string): boolean {
    const bit = _flagBit(name);
    if (!(this.flags & bit)) return false;
    this.flags &= ~bit;
    this.#touch();
    return true;
  }

  /** `osd set-require-min-compat-client`: a new epoch even when the release is the same. */
  setRequireMinCompatClient(release: string): void {
    this.requireMinCompatClient = release;
    this.#touch();
  }

  /** Flag names in Ceph's printing order. */
  flagNames(): string[] {
    return [...OSDMAP_FLAGS].filter(([, bit]) => this.flags & bit).map(([name]) => name);
  }

  /** Creates a replicated pool; ids start at 1. */
  createPool(spec: PoolSpec): Pool {
    const size = spec.size ?? 3;
    const minSize = spec.minSize ?? size - Math.floor(size / 2);
    if (!Number.isInteger(size) || size < 1 || size > 10) {
      throw new RangeError(`pool size must be an integer in 1..10, got ${size}`);
    }
    if (!Number.isInteger(minSize) || minSize < 1 || minSize > size) {
      throw new RangeError(`pool min_size must be in 1..size (${size}), got ${minSize}`);
    }
    if (!Number.isInteger(spec.pgNum) || spec.pgNum < 1) {
      throw new RangeError(`pool pg_num must be a positive integer, got ${spec.pgNum}`);
    }
    if (this.pools.some((p) => p.name === spec.name)) {
      throw new RangeError(`pool "${spec.name}" already exists`);
    }
    const pool: Pool = {
      id: ++this.poolMax,
      name: spec.name,
      size,
      minSize,
      pgNum: spec.pgNum,
      pgNumTarget: spec.pgNum,
      pgpNum: spec.pgNum,
      pgpNumTarget: spec.pgNum,
      application: spec.application ?? "",
      autoscaleMode: spec.autoscaleMode ?? "off",
      ...(spec.bulk ? { bulk: true } : {}),
      applications: spec.application ? { [spec.application]: {} } : {},
      crushRule: spec.crushRule ?? 0,
      quotaMaxBytes: 0,
      quotaMaxObjects: 0,
      // The devicehealth module creates its pool with these bounds.
      options: spec.application === "mgr_devicehealth" ? { pg_num_max: 32, pg_num_min: 1 } : {},
      createTime: this.#now(),
      lastChange: this.#nextEpoch(),
    };
    this.pools.push(pool);
    this.#touch();
    return pool;
  }

  /** Removes pool `pool` (`osd pool rm`): one epoch. */
  removePool(pool: Pool): number {
    const i = this.pools.indexOf(pool);
    if (i < 0) throw new RangeError(`pool ${pool.id} is not in this map`);
    return this.change(() => {
      this.pools.splice(i, 1);
      this.#touch();
    });
  }

  /**
   * Changes pool `pool` through `fn` (size, min_size, pg_num and their targets): one epoch,
   * which becomes the pool's `last_change`.
   */
  changePool(pool: Pool, fn: (pool: Pool) => void): number {
    if (!this.pools.includes(pool)) throw new RangeError(`pool ${pool.id} is not in this map`);
    return this.change(() => {
      fn(pool);
      pool.lastChange = this.#nextEpoch();
      this.#touch();
    });
  }

  /** Sets (or with null clears) a PG's upmap items; returns false if nothing changed. */
  setUpmapItems(pgid: string, pairs: readonly (readonly [number, number])[] | null): boolean {
    const old = this.upmapItems.get(pgid);
    if (pairs === null || pairs.length === 0) {
      if (!old) return false;
      this.upmapItems.delete(pgid);
    } else {
      if (
        old && old.length === pairs.length &&
        old.every((p, i) => p[0] === pairs[i]![0] && p[1] === pairs[i]![1])
      ) {
        return false;
      }
      this.upmapItems.set(pgid, pairs.map(([f, t]) => [f, t] as const));
    }
    this.#touch();
    return true;
  }

  /**
   * Replaces every pg_temp entry (the mon commits the primaries' MOSDPGTemp requests of one
   * moment in one epoch); returns false if nothing changed.
   */
  setPgTemp(next: ReadonlyMap<string, readonly number[]>): boolean {
    if (next.size === this.pgTemp.size) {
      let same = true;
      for (const [pgid, osds] of next) {
        const old = this.pgTemp.get(pgid);
        if (!old || old.length !== osds.length || old.some((o, i) => o !== osds[i])) {
          same = false;
          break;
        }
      }
      if (same) return false;
    }
    this.pgTemp.clear();
    for (const [pgid, osds] of next) this.pgTemp.set(pgid, [...osds]);
    this.#touch();
    return true;
  }

  /** The epoch the next change will produce. */
  #nextEpoch(): number {
    return this.epoch + 1;
  }

  #touch(): void {
    this.#dirty = true;
    if (this.#batchDepth === 0) this.#bump();
  }

  #bump(): void {
    this.epoch++;
    this.modified = this.#now();
    this.#dirty = false;
    this.onEpoch?.(this.epoch);
  }

  #check(id: number): void {
    if (!this.has(id)) throw new RangeError(`osd.${id} does not exist`);
  }

  #ensureCapacity(n: number): void {
    if (n <= this.exists.length) return;
    const cap = Math.max(n, this.exists.length * 2, 16);
    const grow = <T extends Uint8Array | Uint32Array | Int32Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(cap);
      b.set(a);
      return b;
    };
    this.exists = grow(this.exists);
    this.up = grow(this.up);
    this.weight = grow(this.weight);
    this.primaryAffinity = grow(this.primaryAffinity);
    this.upFrom = grow(this.upFrom);
    this.upThru = grow(this.upThru);
    this.downAt = grow(this.downAt);
    this.downStamp = grow(this.downStamp);
    this.createdAt = grow(this.createdAt);
    this.nonce = grow(this.nonce);
    this.port = grow(this.port);
  }
}

function _flagBit(name: string): number {
  const bit = OSDMAP_FLAGS.get(name);
  if (bit === undefined) {
    throw new RangeError(
      `unknown OSDMap flag "${name}"; known: ${[...OSDMAP_FLAGS.keys()].join(", ")}`,
    );
  }
  return bit;
}
