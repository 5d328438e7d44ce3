/**
 * Every PG of the cluster in typed arrays: placement (raw CRUSH result, up, acting, holders of
 * a copy), state bits, object counts and recovery progress.
 *
 * The model, in Ceph's terms:
 * - A map change that touches a PG's raw mapping, up set or acting set starts a new interval:
 *   the PG is `peering` until `completePeering()` (the cluster calls it after a delay); a PG
 *   none of whose acting or up OSDs is up is `stale` instead.
 * - Peering chooses the acting set. OSDs of the up set that hold the latest data keep serving;
 *   an up OSD that held a copy but missed writes while down needs log-based recovery
 *   (`recovery_wait` → `recovering`, degraded); an up OSD with no copy needs backfill
 *   (`backfill_wait` → `backfilling`), and while it fills the old holders that are still up
 *   stay in the acting set (`remapped`, like a pg_temp). Fewer acting OSDs than the pool size
 *   is `undersized+degraded`; fewer than min_size is `peered` (not active); no up OSD with the
 *   latest data is `down`.
 * - Recovery and backfill take a reservation on the primary and on each target OSD (at most
 *   `maxBackfills` per OSD), copy `recoveryObjectsPerSecond` objects per second and finish
 *   `active+clean` (or `active+undersized+degraded` if CRUSH finds too few OSDs).
 * - Pool changes (`resizePool`, `splitPool`, `mergePool`, `replacePool`): a new size re-peers
 *   every PG of the pool on its new CRUSH mapping (growing backfills the new replicas,
 *   shrinking drops them); a larger pg_num splits each PG into children
 *   `ceph_stable_mod`-descended from it (Ceph's pgids, `<pool>.<hex ps>`), which start on their
 *   parent's OSDs with their share of its objects; a smaller one merges the last PG into its
 *   parent; a new pgp_num places PGs from `ceph_stable_mod(ps, pgp_num)`. A pool's first PGs
 *   are contiguous and children are appended; a merge moves the table's last PG into the
 *   source's row (`onMerge` listeners follow it, `relocations` counts the moves), the only
 *   time a PG changes index.
 *
 * @module
 */

import type { RngStream } from "../engine/prng.ts";
import { placementSeed, stableMod } from "../../ceph/pg_placement.ts";

export { stableMod };
import type { OsdMap, Pool } from "./osd_map.ts";
import { PgState, pgStateString } from "../../ceph/pg_state.ts";

/** Options for {@linkcode PgTable}. */
export interface PgTableOptions {
  /** Largest pool size the table can hold (default 3). */
  maxReplicas?: number;
  /** Mean number of objects per PG when a pool is created (default 100). */
  objectsPerPg?: number;
  /** Bytes per object (default 4 MiB). */
  objectSize?: number;
  /** Objects one PG recovers or backfills per second (default 20). */
  recoveryObjectsPerSecond?: number;
  /** Objects written per PG per second that a down replica misses (default 0.05). */
  writeObjectsPerPgPerSecond?: number;
  /** Recovery/backfill reservations per OSD (Ceph's osd_max_backfills, default 1). */
  maxBackfills?: number;
}

const _DEFAULTS: Required<PgTableOptions> = {
  maxReplicas: 3,
  objectsPerPg: 100,
  objectSize: 4 * 1024 * 1024,
  recoveryObjectsPerSecond: 20,
  writeObjectsPerPgPerSecond: 0.05,
  maxBackfills: 1,
};

const _WORK = PgState.RECOVERY_WAIT | PgState.RECOVERING | PgState.BACKFILL_WAIT |
  PgState.BACKFILLING;

/** What one `recoveryStep()` did. */
export interface RecoveryStepResult {
  /** PGs that finished recovery or backfill in this step. */
  finished: number;
  /** PGs still waiting for or doing recovery or backfill. */
  remaining: number;
}

/**
 * All PGs of all pools.
 *
 * @example
 * ```ts
 * import { Rng } from "../engine/prng.ts";
 * import { OsdMap } from "./osd_map.ts";
 * import { PgTable } from "./pg_table.ts";
 * const rng = new Rng(1);
 * const map = new OsdMap({ now: () => 0, ids: rng.stream("identity") });
 * map.crush.failureDomain = 0;
 * const host = map.crush.addBucket("h", "host", map.crush.rootId);
 * for (let i = 0; i < 3; i++) map.addOsd(i, host, 1);
 * const pgs = new PgTable(map, rng.stream("data"));
 * const created = pgs.addPool(map.createPool({ name: "rbd", pgNum: 8 }));
 * pgs.completePeering(created, pgs.intervalEpoch[0]!, 0);
 * if (pgs.stateCounts().get("active+clean") !== 8) throw new Error("clean after peering");
 * ```
 */
export class PgTable {
  readonly stride: number;
  readonly options: Readonly<Required<PgTableOptions>>;
  count = 0;
  poolId = new Uint32Array(0);
  ps = new Uint32Array(0);
  seed = new Uint32Array(0);
  /** CRUSH result including down OSDs (`stride` slots per PG). */
  raw = new Int32Array(0);
  rawN = new Uint8Array(0);
  up = new Int32Array(0);
  upN = new Uint8Array(0);
  acting = new Int32Array(0);
  actingN = new Uint8Array(0);
  /** OSDs that hold a copy, possibly behind (latest or stale). */
  holders = new Int32Array(0);
  holdersN = new Uint8Array(0);
  /** OSDs to reserve for recovery/backfill (`stride + 1` slots per PG): primary, targets. */
  resv = new Int32Array(0);
  resvN = new Uint8Array(0);
  /** Whether the last CRUSH mapping rejected an out OSD (an OSD coming in may claim it back). */
  rejected = new Uint8Array(0);
  state = new Uint32Array(0);
  objects = new Uint32Array(0);
  bytes = new Float64Array(0);
  /** Objects still to copy for the current recovery or backfill. */
  missing = new Float64Array(0);
  /** Objects recovered or backfilled so far (`num_objects_recovered`). */
  recovered = new Float64Array(0);
  /** Epoch at which the current interval (peering) started. */
  intervalEpoch = new Uint32Array(0);
  createdEpoch = new Uint32Array(0);
  lastChange = new Float64Array(0);
  lastActive = new Float64Array(0);
  lastClean = new Float64Array(0);
  /** Reports counter (`reported_seq`). */
  reportedSeq = new Uint32Array(0);

  /**
   * Changes whenever any PG's acting set may have changed (or a PG moved): what is computed
   * from the acting sets alone (heartbeat peers) can be kept while it stands.
   */
  actingVersion = 0;

  /**
   * How many times a PG moved to another index (each merge moves the table's last PG into the
   * merged source's row): caches keyed by PG index start over when it changes.
   */
  relocations = 0;

  readonly #map: OsdMap;
  readonly #data: RngStream;
  readonly #mergeListeners: ((source: number, target: number, last: number) => void)[] = [];
  /** Per pool, the PG index of each `ps` (a pool's first PGs are contiguous, splits append). */
  readonly #poolPgs = new Map<number, number[]>();
  #osdResv = new Int32Array(0);
  readonly #waiting = new Set<number>();
  readonly #working = new Set<number>();
  readonly #scratch: Int32Array;
  readonly #targets: Int32Array;
  readonly #oldRaw: Int32Array;
  readonly #oldUp: Int32Array;
  /** The acting set before a finished backfill adopts the up set (`#finish`). */
  readonly #finishOld: Int32Array;

  /**
   * @param map the OSDMap whose pools and OSDs the PGs live on
   * @param data the PRNG stream for initial object counts
   */
  constructor(map: OsdMap, data: RngStream, options: PgTableOptions = {}) {
    const opts = { ..._DEFAULTS, ...options };
    if (!Number.isInteger(opts.maxReplicas) || opts.maxReplicas < 1 || opts.maxReplicas > 10) {
      throw new RangeError(`maxReplicas must be an integer in 1..10, got ${opts.maxReplicas}`);
    }
    if (!(opts.recoveryObjectsPerSecond > 0)) {
      throw new RangeError(
        `recoveryObjectsPerSecond must be > 0, got ${opts.recoveryObjectsPerSecond}`,
      );
    }
    if (!Number.isInteger(opts.maxBackfills) || opts.maxBackfills < 1) {
      throw new RangeError(`maxBackfills must be a positive integer, got ${opts.maxBackfills}`);
    }
    this.options = opts;
    this.stride = opts.maxReplicas;
    this.#map = map;
    this.#data = data;
    this.#scratch = new Int32Array(this.stride);
    this.#targets = new Int32Array(this.stride);
    this.#oldRaw = new Int32Array(this.stride);
    this.#oldUp = new Int32Array(this.stride);
    this.#finishOld = new Int32Array(this.stride);
  }

  /** Index of PG `pool.ps`, or -1. */
  index(poolId: number, ps: number): number {
    const list = this.#poolPgs.get(poolId);
    if (list === undefined || !Number.isInteger(ps) || ps < 0 || ps >= list.length) return -1;
    return list[ps] as number;
  }

  /** PG indices of pool `poolId`, by `ps` (a copy). */
  poolPgs(poolId: number): number[] {
    return (this.#poolPgs.get(poolId) ?? []).slice();
  }

  /** The PG that PG `p` was split from (its ancestor when the pool had `oldPgNum` PGs). */
  splitParent(p: number, oldPgNum: number): number {
    return this.index(this.poolId[p] as number, stableMod(this.ps[p] as number, oldPgNum));
  }

  /** The pool of PG `p`. */
  poolOf(p: number): Pool {
    const id = this.poolId[p];
    const pool = this.#map.pools.find((x) => x.id === id);
    if (!pool) throw new RangeError(`PG index ${p} has no pool`);
    return pool;
  }

  /** `"<pool>.<ps hex>"`, Ceph's pgid. */
  pgid(p: number): string {
    return `${this.poolId[p]}.${(this.ps[p] ?? 0).toString(16)}`;
  }

  /** The OSDs in slot array `arr` for PG `p` (allocates; for dumps and tests). */
  members(arr: Int32Array, counts: Uint8Array, p: number): number[] {
    const n = counts[p] ?? 0;
    return Array.from(arr.subarray(p * this.stride, p * this.stride + n));
  }

  /**
   * Adds the PGs of a new pool, placed by CRUSH, in state "unknown" until their first
   * peering; returns their indices (pass them to `completePeering`).
   */
  addPool(pool: Pool): number[] {
    if (pool.size > this.stride) {
      throw new RangeError(
        `pool "${pool.name}" has size ${pool.size} but the PG table holds maxReplicas=${this.stride}`,
      );
    }
    if (this.#poolPgs.has(pool.id)) throw new RangeError(`pool ${pool.id} is already placed`);
    const start = this.count;
    this.#grow(start + pool.pgNum);
    const list: number[] = [];
    this.#poolPgs.set(pool.id, list);
    const epoch = this.#map.epoch;
    const now = this.#map.modified;
    const o = this.options;
    const created: number[] = [];
    // A pool in use holds data from the start; one no application was enabled on (as
    // `osd pool create` makes it) is empty until something writes to it.
    const filled = pool.application !== "";
    for (let ps = 0; ps < pool.pgNum; ps++) {
      const p = start + ps;
      this.poolId[p] = pool.id;
      this.ps[p] = ps;
      list.push(p);
      this.seed[p] = placementSeed(pool.id, stableMod(ps, pool.pgpNum));
      const objs = o.objectsPerPg === 0 || !filled ? 0 : Math.max(
        0,
        Math.round(o.objectsPerPg * (0.75 + 0.5 * this.#data.next())),
      );
      this.objects[p] = objs;
      this.bytes[p] = objs * o.objectSize;
      this.#placeRaw(p, pool.size);
      this.#filterUp(p);
      this.#copy(this.up, this.upN, this.acting, this.actingN, p);
      this.actingVersion++;
      this.#copy(this.up, this.upN, this.holders, this.holdersN, p);
      this.state[p] = 0;
      this.intervalEpoch[p] = epoch;
      this.createdEpoch[p] = epoch;
      this.lastChange[p] = now;
      created.push(p);
    }
    return created;
  }

  /**
   * Applies a map change that touched `osds` (up/down, in/out, reweight): recomputes the CRUSH
   * mapping of the PGs that held one of them (or were rejected before), and starts a new
   * interval for every PG whose raw, up or acting set involves them. Returns the PGs now
   * peering. `allPgs` recomputes every mapping (after a CRUSH change).
   */
  onMapChange(osds: readonly number[], allPgs = false): number[] {
    const map = this.#map;
    this.#growOsds();
    const mark = new Uint8Array(map.maxOsd);
    for (const o of osds) if (o >= 0 && o < map.maxOsd) mark[o] = 1;
    const peering: number[] = [];
    const stride = this.stride;
    for (let p = 0; p < this.count; p++) {
      const base = p * stride;
      let touched = allPgs || this.rejected[p] === 1;
      for (let i = 0; !touched && i < (this.rawN[p] as number); i++) {
        touched = mark[this.raw[base + i] as number] === 1;
      }
      let involved = false;
      for (let i = 0; !involved && i < (this.actingN[p] as number); i++) {
        involved = mark[this.acting[base + i] as number] === 1;
      }
      if (!touched && !involved) continue;
      const rawN = this.rawN[p] as number, upN = this.upN[p] as number;
      this.#oldRaw.set(this.raw.subarray(base, base + rawN));
      this.#oldUp.set(this.up.subarray(base, base + upN));
      this.#placeRaw(p, this.poolOf(p).size);
      this.#filterUp(p);
      if (
        !involved && _same(this.#oldRaw, rawN, this.raw, base, this.rawN[p] as number) &&
        _same(this.#oldUp, upN, this.up, base, this.upN[p] as number)
      ) continue;
      this.#startInterval(p, peering);
    }
    return peering;
  }

  /**
   * Applies a change of pool `pool`'s size or min_size: every PG of the pool is mapped again by
   * CRUSH for the new size and starts a new interval (Ceph's PastIntervals::is_new_interval).
   * Growing leaves the PGs undersized+degraded until backfill fills the new replicas;
   * shrinking drops the extra replicas. Returns the PGs now peering.
   */
  resizePool(pool: Pool): number[] {
    if (pool.size > this.stride) {
      throw new RangeError(
        `pool "${pool.name}" has size ${pool.size} but the PG table holds maxReplicas=${this.stride}`,
      );
    }
    const peering: number[] = [];
    const stride = this.stride;
    for (const p of this.#poolPgs.get(pool.id) ?? []) {
      this.#placeRaw(p, pool.size);
      this.#filterUp(p);
      const base = p * stride;
      // A smaller acting set keeps the replicas CRUSH still names first, then the others (a
      // PG whose mapping moved keeps serving from them until backfill, like a pg_temp). The
      // replicas it drops are deleted: neither acting nor holders.
      const actingN = this.actingN[p] as number;
      if (actingN > pool.size) {
        const keep = this.#scratch;
        let n = 0;
        for (let pass = 0; pass < 2; pass++) {
          for (let i = 0; i < actingN && n < pool.size; i++) {
            const o = this.acting[base + i] as number;
            if (this.#has(this.raw, this.rawN, p, o) === (pass === 0)) keep[n++] = o;
          }
        }
        this.acting.set(keep.subarray(0, n), base);
        this.actingN[p] = n;
        this.actingVersion++;
      }
      if ((this.holdersN[p] as number) > pool.size) {
        let n = 0;
        for (let i = 0; i < (this.holdersN[p] as number); i++) {
          const o = this.holders[base + i] as number;
          if (this.#has(this.raw, this.rawN, p, o) || this.#has(this.acting, this.actingN, p, o)) {
            this.holders[base + n++] = o;
          }
        }
        this.holdersN[p] = n;
      }
      this.#startInterval(p, peering);
    }
    return peering;
  }

  /**
   * Splits the PGs of pool `pool`, whose `pgNum` has just grown from `oldPgNum`: PG `ps` for
   * each new `ps` is a child of the PG `ceph_stable_mod(ps, oldPgNum)` (Ceph's
   * pg_t::get_ancestor), takes its share of the parent's objects and starts on the parent's
   * OSDs (placed by CRUSH from `ceph_stable_mod(ps, pgpNum)`, the parent's seed while pgp_num
   * has not moved). Parents and children start a new interval. Returns the PGs now peering.
   */
  splitPool(pool: Pool, oldPgNum: number): number[] {
    const list = this.#poolPgs.get(pool.id);
    if (list === undefined) throw new RangeError(`pool ${pool.id} is not placed`);
    if (list.length !== oldPgNum || pool.pgNum < oldPgNum) {
      throw new RangeError(
        `pool ${pool.id} has ${list.length} PGs, cannot split from ${oldPgNum} to ${pool.pgNum}`,
      );
    }
    const start = this.count;
    const added = pool.pgNum - oldPgNum;
    this.#grow(start + added);
    const epoch = this.#map.epoch;
    const now = this.#map.modified;
    const stride = this.stride;
    // Objects spread evenly over a parent and all its children.
    const shares = new Map<number, number>();
    for (let ps = oldPgNum; ps < pool.pgNum; ps++) {
      const parent = list[stableMod(ps, oldPgNum)] as number;
      shares.set(parent, (shares.get(parent) ?? 1) + 1);
    }
    const parentObjects = new Map<number, number>();
    for (const parent of shares.keys()) parentObjects.set(parent, this.objects[parent] as number);
    const peering: number[] = [];
    for (let ps = oldPgNum; ps < pool.pgNum; ps++) {
      const p = start + ps - oldPgNum;
      const parent = list[stableMod(ps, oldPgNum)] as number;
      list.push(p);
      this.poolId[p] = pool.id;
      this.ps[p] = ps;
      this.seed[p] = placementSeed(pool.id, stableMod(ps, pool.pgpNum));
      const share = Math.floor(
        (parentObjects.get(parent) as number) / (shares.get(parent) as number),
      );
      this.objects[p] = share;
      this.bytes[p] = share * this.options.objectSize;
      this.objects[parent] = (this.objects[parent] as number) - share;
      this.bytes[parent] = (this.objects[parent] as number) * this.options.objectSize;
      this.#placeRaw(p, pool.size);
      this.#filterUp(p);
      // The child lives where its parent lives: same acting set, same copies.
      const pb = parent * stride, cb = p * stride;
      this.acting.set(this.acting.subarray(pb, pb + (this.actingN[parent] as number)), cb);
      this.actingN[p] = this.actingN[parent] as number;
      this.actingVersion++;
      this.holders.set(this.holders.subarray(pb, pb + (this.holdersN[parent] as number)), cb);
      this.holdersN[p] = this.holdersN[parent] as number;
      this.state[p] = (this.state[parent] as number) & ~_WORK;
      this.missing[p] = 0;
      this.recovered[p] = 0;
      this.createdEpoch[p] = epoch;
      this.intervalEpoch[p] = epoch;
      this.lastChange[p] = now;
      this.lastActive[p] = this.lastActive[parent] as number;
      this.lastClean[p] = this.lastClean[parent] as number;
      this.reportedSeq[p] = 0;
      this.#startInterval(p, peering);
    }
    for (const parent of shares.keys()) this.#startInterval(parent, peering);
    return peering;
  }

  /**
   * Calls `fn(source, target, last)` before each merge: PG `source` merges into `target`, then
   * the table's last PG `last` moves to index `source` (nothing moves when `last === source`)
   * and the table is one PG shorter. Whoever keeps per-PG arrays follows it there.
   */
  onMerge(fn: (source: number, target: number, last: number) => void): void {
    this.#mergeListeners.push(fn);
  }

  /**
   * Merges the last PG of pool `pool`, whose `pgNum` has just dropped by one from `oldPgNum`
   * (Ceph merges one PG at a time): PG `ps = oldPgNum - 1` merges into its parent
   * `ceph_stable_mod(ps, pgNum)`, which takes its objects and starts a new interval. The
   * table's last PG moves into the source's row (see {@linkcode onMerge}). Returns the PGs now
   * peering (the target).
   */
  mergePool(pool: Pool, oldPgNum: number): number[] {
    const list = this.#poolPgs.get(pool.id);
    if (list === undefined || list.length !== oldPgNum || pool.pgNum !== oldPgNum - 1) {
      throw new RangeError(
        `pool ${pool.id} has ${list?.length} PGs, cannot merge from ${oldPgNum} to ${pool.pgNum}`,
      );
    }
    const ps = oldPgNum - 1;
    const source = list[ps] as number;
    let target = list[stableMod(ps, pool.pgNum)] as number;
    const last = this.count - 1;
    for (const fn of this.#mergeListeners) fn(source, target, last);
    this.objects[target] = (this.objects[target] as number) + (this.objects[source] as number);
    this.bytes[target] = (this.bytes[target] as number) + (this.bytes[source] as number);
    this.#release(source);
    list.pop();
    if (last !== source) {
      this.#moveRow(last, source);
      if (target === last) target = source;
    }
    this.#clearRow(last);
    this.count = last;
    this.relocations++;
    const peering: number[] = [];
    this.#startInterval(target, peering);
    return peering;
  }

  /**
   * Removes every PG of pool `poolId` (the pool was deleted): each removed row takes the
   * table's last PG, as a merge does, and the {@linkcode onMerge} listeners hear of each move
   * with target -1. Returns how many PGs went.
   */
  removePool(poolId: number): number {
    const list = this.#poolPgs.get(poolId);
    if (list === undefined) return 0;
    // Highest rows first: a row the pool still holds is never the one moved into a freed row.
    const rows = [...list].sort((a, b) => b - a);
    for (const source of rows) {
      const last = this.count - 1;
      for (const fn of this.#mergeListeners) fn(source, -1, last);
      this.#release(source);
      if (last !== source) this.#moveRow(last, source);
      this.#clearRow(last);
      this.count = last;
    }
    this.#poolPgs.delete(poolId);
    this.relocations++;
    this.actingVersion++;
    return rows.length;
  }

  /** Every per-PG array with its row width. */
  #rows(): [Uint8Array | Uint32Array | Int32Array | Float64Array, number][] {
    const s = this.stride;
    return [
      [this.poolId, 1],
      [this.ps, 1],
      [this.seed, 1],
      [this.raw, s],
      [this.rawN, 1],
      [this.up, s],
      [this.upN, 1],
      [this.acting, s],
      [this.actingN, 1],
      [this.holders, s],
      [this.holdersN, 1],
      [this.resv, s + 1],
      [this.resvN, 1],
      [this.rejected, 1],
      [this.state, 1],
      [this.objects, 1],
      [this.bytes, 1],
      [this.missing, 1],
      [this.recovered, 1],
      [this.intervalEpoch, 1],
      [this.createdEpoch, 1],
      [this.lastChange, 1],
      [this.lastActive, 1],
      [this.lastClean, 1],
      [this.reportedSeq, 1],
    ];
  }

  /** Moves PG `from` to row `to` (whose PG is gone), with its reservations and pool slot. */
  #moveRow(from: number, to: number): void {
    for (const [a, w] of this.#rows()) a.copyWithin(to * w, from * w, from * w + w);
    this.actingVersion++;
    const list = this.#poolPgs.get(this.poolId[to] as number);
    if (list !== undefined) list[this.ps[to] as number] = to;
    if (this.#waiting.delete(from)) this.#waiting.add(to);
    if (this.#working.delete(from)) this.#working.add(to);
  }

  /** Zeroes row `p` (a row past the end, to be reused by the next pool or split). */
  #clearRow(p: number): void {
    for (const [a, w] of this.#rows()) a.fill(0, p * w, p * w + w);
  }

  /**
   * Applies a change of pool `pool`'s `pgpNum`: each PG is placed by CRUSH from
   * `ceph_stable_mod(ps, pgpNum)`; the PGs whose mapping changed start a new interval (and
   * backfill to their new OSDs). Returns the PGs now peering.
   */
  replacePool(pool: Pool): number[] {
    const peering: number[] = [];
    const stride = this.stride;
    for (const p of this.#poolPgs.get(pool.id) ?? []) {
      const seed = placementSeed(pool.id, stableMod(this.ps[p] as number, pool.pgpNum));
      if (seed === this.seed[p]) continue;
      this.seed[p] = seed;
      const base = p * stride;
      const rawN = this.rawN[p] as number, upN = this.upN[p] as number;
      this.#oldRaw.set(this.raw.subarray(base, base + rawN));
      this.#oldUp.set(this.up.subarray(base, base + upN));
      this.#placeRaw(p, pool.size);
      this.#filterUp(p);
      if (
        _same(this.#oldRaw, rawN, this.raw, base, this.rawN[p] as number) &&
        _same(this.#oldUp, upN, this.up, base, this.upN[p] as number)
      ) continue;
      this.#startInterval(p, peering);
    }
    return peering;
  }

  /**
   * Finishes peering for the PGs in `pgs` whose interval started at `epoch` (a PG that
   * re-peered since is left to its newer interval). `now` stamps the state change.
   */
  completePeering(pgs: readonly number[], epoch: number, now: number): void {
    for (const p of pgs) {
      if (this.intervalEpoch[p] !== epoch) continue;
      const s = this.state[p] as number;
      if ((s !== 0 && !(s & PgState.PEERING)) || (s & PgState.STALE)) continue;
      this.#peer(p, now);
    }
  }

  /**
   * Advances recovery and backfill by `dt` seconds: progresses the PGs holding reservations,
   * finishes those done, then grants reservations to waiting PGs (unless `norecover` /
   * `nobackfill` forbid it).
   */
  recoveryStep(
    dt: number,
    now: number,
    flags: { norecover: boolean; nobackfill: boolean },
  ): RecoveryStepResult {
    let finished = 0;
    const step = this.options.recoveryObjectsPerSecond * dt;
    for (const p of this.#working) {
      const missing = this.missing[p] as number;
      const left = missing - step;
      (this.recovered[p] as number) += Math.min(step, missing);
      if (left > 0) {
        this.missing[p] = left;
        continue;
      }
      this.#finish(p, now);
      finished++;
    }
    const limit = this.options.maxBackfills;
    for (const p of this.#waiting) {
      const s = this.state[p] as number;
      const backfill = (s & PgState.BACKFILL_WAIT) !== 0;
      if (backfill ? flags.nobackfill : flags.norecover) continue;
      const base = p * (this.stride + 1);
      const n = this.resvN[p] as number;
      let free = true;
      for (let i = 0; free && i < n; i++) {
        free = (this.#osdResv[this.resv[base + i] as number] as number) < limit;
      }
      if (!free) continue;
      for (let i = 0; i < n; i++) (this.#osdResv[this.resv[base + i] as number] as number)++;
      this.#waiting.delete(p);
      this.#working.add(p);
      this.state[p] = backfill
        ? (s & ~PgState.BACKFILL_WAIT) | PgState.BACKFILLING
        : (s & ~PgState.RECOVERY_WAIT) | PgState.RECOVERING;
      this.lastChange[p] = now;
    }
    return { finished, remaining: this.#waiting.size + this.#working.size };
  }

  /** PGs holding reservations and copying objects. */
  get recoveryActive(): number {
    return this.#working.size;
  }

  /** PGs waiting for or doing recovery/backfill. */
  get recoveryBacklog(): number {
    return this.#waiting.size + this.#working.size;
  }

  /** Reservations currently held on OSD `osd`. */
  reservationsOn(osd: number): number {
    return this.#osdResv[osd] ?? 0;
  }

  /** PG count by state string. */
  stateCounts(): Map<string, number> {
    const byBits = new Map<number, number>();
    for (let p = 0; p < this.count; p++) {
      const s = this.state[p] as number;
      byBits.set(s, (byBits.get(s) ?? 0) + 1);
    }
    const out = new Map<string, number>();
    for (const [bits, n] of [...byBits].sort((a, b) => a[0] - b[0])) {
      const name = pgStateString(bits);
      out.set(name, (out.get(name) ?? 0) + n);
    }
    return out;
  }

  /** Whether every PG is active+clean. */
  allActiveClean(): boolean {
    const want = PgState.ACTIVE | PgState.CLEAN;
    for (let p = 0; p < this.count; p++) if (this.state[p] !== want) return false;
    return true;
  }

  /** Objects degraded (copies missing) in PG `p` (`size`: its pool's, when the caller has it). */
  degradedObjects(p: number, size?: number): number {
    const s = this.state[p] as number;
    if (!(s & PgState.DEGRADED)) return 0;
    const short = Math.max(0, (size ?? this.poolOf(p).size) - (this.actingN[p] as number));
    const missing = Math.ceil(this.missing[p] as number);
    if (short === 0) return missing; // recovery of replicas that came back behind
    // Each missing replica lacks every object until a backfill fills it: the copies still to
    // make count once, not on top of the missing replicas they are filling.
    const full = short * (this.objects[p] as number);
    return missing > 0 ? Math.min(full, missing) : full;
  }

  /** Objects misplaced (held, but not where CRUSH wants them) in PG `p`. */
  misplacedObjects(p: number, size?: number): number {
    const s = this.state[p] as number;
    if (!(s & PgState.REMAPPED)) return 0;
    // What remains to copy beyond the degraded copies moves data that exists elsewhere.
    return Math.max(0, Math.ceil(this.missing[p] as number) - this.degradedObjects(p, size));
  }

  #startInterval(p: number, peering: number[]): void {
    const map = this.#map;
    const base = p * this.stride;
    this.#release(p);
    let anyUp = (this.upN[p] as number) > 0;
    for (let i = 0; !anyUp && i < (this.actingN[p] as number); i++) {
      anyUp = map.isUp(this.acting[base + i] as number);
    }
    this.intervalEpoch[p] = map.epoch;
    this.lastChange[p] = map.modified;
    if (!anyUp) {
      // Nobody reports for it any more: the last known state stays, marked stale.
      this.state[p] = ((this.state[p] as number) & ~_WORK) | PgState.STALE;
      return;
    }
    this.state[p] = PgState.PEERING;
    peering.push(p);
  }

  #peer(p: number, now: number): void {
    const map = this.#map;
    const pool = this.poolOf(p);
    const stride = this.stride;
    const base = p * stride;
    const upN = this.upN[p] as number;
    this.lastChange[p] = now;
    this.missing[p] = 0;
    if (upN === 0) {
      this.state[p] = PgState.STALE;
      return;
    }
    // Up OSDs of the previous acting set hold the latest data.
    let current = 0;
    for (let i = 0; i < (this.actingN[p] as number); i++) {
      if (map.isUp(this.acting[base + i] as number)) current++;
    }
    if (current === 0 && this.lastActive[p] === 0) {
      // Never active: nothing to wait for, the PG is created on its up set.
      this.#adoptUp(p);
      current = this.upN[p] as number;
    }
    if (current === 0) {
      // Peering is blocked: the acting set keeps naming the OSDs with the latest data.
      this.state[p] = PgState.DOWN;
      return;
    }
    // Classify the up set: keep (latest copy), returning (behind), fresh (no copy).
    const acting = this.#scratch;
    const targets = this.#targets;
    let nActing = 0, nTargets = 0;
    let lag = 0, fresh = 0, returning = 0;
    let remapped = false;
    for (let i = 0; i < upN; i++) {
      const o = this.up[base + i] as number;
      if (this.#has(this.acting, this.actingN, p, o)) {
        acting[nActing++] = o;
      } else if (this.#has(this.holders, this.holdersN, p, o)) {
        acting[nActing++] = o;
        targets[nTargets++] = o;
        returning++;
        const behind = Math.max(
          1,
          Math.round(
            this.options.writeObjectsPerPgPerSecond * (now - (map.downStamp[o] as number)),
          ),
        );
        lag += Math.min(this.objects[p] as number, behind);
      } else {
        targets[nTargets++] = o;
        fresh++;
      }
    }
    if (fresh > 0 || nActing < pool.size) {
      // Old holders still up keep serving (pg_temp): until backfill completes, or for good
      // when CRUSH finds too few OSDs for the pool (an out OSD that is still up stays in the
      // acting set, as PeeringState::calc_replicated_acting keeps it).
      for (let i = 0; i < (this.actingN[p] as number) && nActing < pool.size; i++) {
        const o = this.acting[base + i] as number;
        // Not in the up set, so not yet among those kept (old acting OSDs are distinct).
        if (map.isUp(o) && !this.#has(this.up, this.upN, p, o)) {
          acting[nActing++] = o;
          remapped = true;
        }
      }
      if (fresh > 0 && nActing < upN) remapped = true;
    }
    // The primary, as PeeringState::calc_replicated_acting picks it: the up primary when it
    // holds the data, else the OSD with the best log, the old primary while it still serves.
    if (nActing > 1 && acting[0] !== this.up[base]) {
      const oldPrimary = this.acting[base] as number;
      let at = -1;
      for (let i = 1; i < nActing; i++) if (acting[i] === oldPrimary) at = i;
      if (at > 0) {
        acting.copyWithin(1, 0, at);
        acting[0] = oldPrimary;
      }
    }
    this.acting.set(acting.subarray(0, nActing), base);
    this.actingN[p] = nActing;
    this.actingVersion++;
    this.resvN[p] = 0;
    if (nTargets > 0) this.#setReservations(p, targets, nTargets);

    const objs = this.objects[p] as number;
    const work = lag + fresh * objs;
    let s = nActing >= pool.minSize ? PgState.ACTIVE : PgState.PEERED;
    if (nActing < pool.size) s |= PgState.UNDERSIZED | PgState.DEGRADED;
    if (remapped) s |= PgState.REMAPPED;
    if (work > 0) {
      this.missing[p] = work;
      if (returning > 0) s |= PgState.RECOVERY_WAIT | PgState.DEGRADED;
      else s |= PgState.BACKFILL_WAIT;
      this.#waiting.add(p);
    } else {
      this.resvN[p] = 0;
      if (fresh > 0 || returning > 0) {
        // Nothing to copy: the PG serves from its up set at once.
        this.#adoptUp(p);
        const n = this.actingN[p] as number;
        s = n >= pool.minSize ? PgState.ACTIVE : PgState.PEERED;
        if (n < pool.size) s |= PgState.UNDERSIZED | PgState.DEGRADED;
      }
      // Clean, though remapped when an out OSD still serves through pg_temp.
      if (!(s & PgState.UNDERSIZED)) s |= PgState.CLEAN;
    }
    if (s & PgState.ACTIVE) this.lastActive[p] = now;
    if (s & PgState.CLEAN) this.lastClean[p] = now;
    this.state[p] = s;
  }

  #finish(p: number, now: number): void {
    this.#release(p);
    const pool = this.poolOf(p);
    const base = p * this.stride;
    // When CRUSH maps fewer OSDs than the pool's size, the old acting OSDs that are still up
    // keep serving (pg_temp, as PeeringState::calc_replicated_acting fills the want set).
    const short = (this.upN[p] as number) < pool.size;
    const oldN = short ? this.actingN[p] as number : 0;
    const old = this.#finishOld;
    if (short) old.set(this.acting.subarray(base, base + oldN));
    this.#adoptUp(p);
    let n = this.actingN[p] as number;
    let remapped = false;
    for (let i = 0; i < oldN && n < pool.size; i++) {
      const o = old[i] as number;
      if (!this.#map.isUp(o) || this.#has(this.acting, this.actingN, p, o)) continue;
      this.acting[base + n] = o;
      this.holders[base + n] = o;
      n++;
      remapped = true;
    }
    if (remapped) {
      this.actingN[p] = n;
      this.holdersN[p] = n;
    }
    let s = n >= pool.minSize ? PgState.ACTIVE : PgState.PEERED;
    if (n < pool.size) s |= PgState.UNDERSIZED | PgState.DEGRADED;
    else s |= PgState.CLEAN;
    if (remapped) s |= PgState.REMAPPED;
    this.state[p] = s;
    this.missing[p] = 0;
    this.lastChange[p] = now;
    if (s & PgState.ACTIVE) this.lastActive[p] = now;
    if (s & PgState.CLEAN) this.lastClean[p] = now;
  }

  /** The up set becomes the acting set and the set of holders. */
  #adoptUp(p: number): void {
    this.#copy(this.up, this.upN, this.acting, this.actingN, p);
    this.actingVersion++;
    this.#copy(this.up, this.upN, this.holders, this.holdersN, p);
  }

  #setReservations(p: number, targets: Int32Array, n: number): void {
    const base = p * (this.stride + 1);
    const primary = (this.actingN[p] as number) > 0 ? this.acting[p * this.stride] as number : -1;
    let k = 0;
    if (primary >= 0 && !targets.subarray(0, n).includes(primary)) this.resv[base + k++] = primary;
    for (let i = 0; i < n; i++) this.resv[base + k++] = targets[i] as number;
    this.resvN[p] = k;
  }

  #release(p: number): void {
    if (this.#working.delete(p)) {
      const base = p * (this.stride + 1);
      for (let i = 0; i < (this.resvN[p] as number); i++) {
        (this.#osdResv[this.resv[base + i] as number] as number)--;
      }
    }
    this.#waiting.delete(p);
  }

  #placeRaw(p: number, size: number): void {
    const crush = this.#map.crush;
    const n = crush.map(
      this.seed[p] as number,
      size,
      this.#map.weight,
      this.raw,
      p * this.stride,
      crush.hasExtraRules ? this.poolOf(p).crushRule : 0,
    );
    this.rawN[p] = n;
    this.rejected[p] = this.#map.crush.lastMapRejected ? 1 : 0;
    if (this.#map.upmapItems.size > 0) this.#applyUpmap(p, n);
  }

  /** Ceph's `_apply_upmap`: each item replaces `from` by `to` unless `to` is out or there. */
  #applyUpmap(p: number, n: number): void {
    const items = this.#map.upmapItems.get(this.pgid(p));
    if (!items) return;
    const base = p * this.stride;
    for (const [from, to] of items) {
      let pos = -1, present = false;
      for (let i = 0; i < n; i++) {
        const o = this.raw[base + i];
        if (o === from) pos = i;
        if (o === to) present = true;
      }
      if (pos < 0 || present || !this.#map.isIn(to)) continue;
      this.raw[base + pos] = to;
    }
  }

  #filterUp(p: number): void {
    const base = p * this.stride;
    let n = 0;
    for (let i = 0; i < (this.rawN[p] as number); i++) {
      const o = this.raw[base + i] as number;
      if (this.#map.isUp(o)) this.up[base + n++] = o;
    }
    this.upN[p] = n;
  }

  #has(arr: Int32Array, counts: Uint8Array, p: number, osd: number): boolean {
    const base = p * this.stride;
    for (let i = 0; i < (counts[p] as number); i++) if (arr[base + i] === osd) return true;
    return false;
  }

  #copy(from: Int32Array, fromN: Uint8Array, to: Int32Array, toN: Uint8Array, p: number): void {
    const base = p * this.stride;
    const n = fromN[p] as number;
    to.set(from.subarray(base, base + n), base);
    toN[p] = n;
  }

  /** Room in the per-OSD reservation counts for every OSD of the map (OSDs created later). */
  #growOsds(): void {
    if (this.#osdResv.length < this.#map.maxOsd) {
      const r = new Int32Array(this.#map.maxOsd);
      r.set(this.#osdResv);
      this.#osdResv = r;
    }
  }

  #grow(n: number): void {
    this.#growOsds();
    if (n <= this.count) return;
    if (n <= this.poolId.length) {
      // Rows freed by merges were cleared: reuse them.
      this.count = n;
      return;
    }
    const s = this.stride;
    const g = <T extends Uint8Array | Uint32Array | Int32Array | Float64Array>(
      a: T,
      per = 1,
    ): T => {
      const b = new (a.constructor as new (len: number) => T)(n * per);
      b.set(a);
      return b;
    };
    this.poolId = g(this.poolId);
    this.ps = g(this.ps);
    this.seed = g(this.seed);
    this.raw = g(this.raw, s);
    this.rawN = g(this.rawN);
    this.up = g(this.up, s);
    this.upN = g(this.upN);
    this.acting = g(this.acting, s);
    this.actingN = g(this.actingN);
    this.holders = g(this.holders, s);
    this.holdersN = g(this.holdersN);
    this.resv = g(this.resv, s + 1);
    this.resvN = g(this.resvN);
    this.rejected = g(this.rejected);
    this.state = g(this.state);
    this.objects = g(this.objects);
    this.bytes = g(this.bytes);
    this.missing = g(this.missing);
    this.recovered = g(this.recovered);
    this.intervalEpoch = g(this.intervalEpoch);
    this.createdEpoch = g(this.createdEpoch);
    this.lastChange = g(this.lastChange);
    this.lastActive = g(this.lastActive);
    this.lastClean = g(this.lastClean);
    this.reportedSeq = g(this.reportedSeq);
    this.count = n;
  }
}

function _same(a: Int32Array, an: number, b: Int32Array, base: number, bn: number): boolean {
  if (an !== bn) return false;
  for (let i = 0; i < an; i++) if (a[i] !== b[base + i]) return false;
  return true;
}
