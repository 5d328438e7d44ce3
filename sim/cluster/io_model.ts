/**
 * Client IO from a workload, and what it leaves behind: per-PG read/write counters, new
 * objects, per-OSD perf counters (ops, bytes, latencies as long-running averages), per-OSD
 * usage and per-pool IO and recovery rates for the last stats period.
 *
 * Each PG gets a fixed share of its pool's load (drawn once from the "workload" stream); each
 * period draws the load's jitter and each OSD's latency noise from the same stream. Operations
 * are whole numbers: every PG carries its fractional remainder to the next period. Only active
 * PGs serve IO; ops on an inactive PG whose primary is up wait there and, after
 * `osd_op_complaint_time` (30 s), count as slow ops of that OSD.
 *
 * @module
 */

import type { RngStream } from "../engine/prng.ts";
import type { OsdMap } from "./osd_map.ts";
import { OSD_PERF_SCHEMA, PerfCounters } from "./perf_counters.ts";
import { PgState } from "../../ceph/pg_state.ts";
import { type PgTable, stableMod } from "./pg_table.ts";

/** A client workload. */
export interface WorkloadSpec {
  /** Client operations per second over the whole cluster (default 500). */
  opsPerSecond?: number;
  /** Fraction of operations that read (default 0.7). */
  readFraction?: number;
  /** Bytes per operation (default 64 KiB). */
  ioSize?: number;
  /** Fraction of writes that create a new object (default 0.05). */
  newObjectFraction?: number;
  /** Relative standard deviation of the load from one period to the next (default 0.1). */
  jitter?: number;
  /** Mean read latency of a healthy OSD in milliseconds (default 1.5). */
  readLatencyMs?: number;
  /** Mean write latency of a healthy OSD in milliseconds (default 4). */
  writeLatencyMs?: number;
  /**
   * Clients the load comes from (default 4): client i issues a share of every PG's ops in
   * proportion to 1 / (i + 1), so a few clients are busy and the rest light, as OSD perf
   * queries by `client_id` see them.
   */
  clients?: number;
}

const _DEFAULTS: Required<WorkloadSpec> = {
  opsPerSecond: 500,
  readFraction: 0.7,
  ioSize: 65536,
  newObjectFraction: 0.05,
  jitter: 0.1,
  readLatencyMs: 1.5,
  writeLatencyMs: 4,
  clients: 4,
};

/** Seconds an op waits before Ceph calls it slow (`osd_op_complaint_time`). */
export const OP_COMPLAINT_TIME = 30;

/** Per-pool rates over the last period, per second. */
export interface PoolRates {
  readOps: number;
  writeOps: number;
  readBytes: number;
  writeBytes: number;
  recoveredObjects: number;
  recoveredBytes: number;
}

/** Cluster-wide changes over the last period (for `io_rate`). */
export interface PeriodDelta {
  seconds: number;
  reads: number;
  readBytes: number;
  writes: number;
  writeBytes: number;
  newObjects: number;
  newBytes: number;
  recoveredObjects: number;
  recoveredBytes: number;
}

const _C = {
  op: OSD_PERF_SCHEMA.indexOf("osd.op"),
  opR: OSD_PERF_SCHEMA.indexOf("osd.op_r"),
  opW: OSD_PERF_SCHEMA.indexOf("osd.op_w"),
  inBytes: OSD_PERF_SCHEMA.indexOf("osd.op_in_bytes"),
  outBytes: OSD_PERF_SCHEMA.indexOf("osd.op_out_bytes"),
  rOutBytes: OSD_PERF_SCHEMA.indexOf("osd.op_r_out_bytes"),
  wInBytes: OSD_PERF_SCHEMA.indexOf("osd.op_w_in_bytes"),
  lat: OSD_PERF_SCHEMA.indexOf("osd.op_latency"),
  procLat: OSD_PERF_SCHEMA.indexOf("osd.op_process_latency"),
  prepLat: OSD_PERF_SCHEMA.indexOf("osd.op_prepare_latency"),
  rLat: OSD_PERF_SCHEMA.indexOf("osd.op_r_latency"),
  rProcLat: OSD_PERF_SCHEMA.indexOf("osd.op_r_process_latency"),
  rPrepLat: OSD_PERF_SCHEMA.indexOf("osd.op_r_prepare_latency"),
  wLat: OSD_PERF_SCHEMA.indexOf("osd.op_w_latency"),
  wProcLat: OSD_PERF_SCHEMA.indexOf("osd.op_w_process_latency"),
  wPrepLat: OSD_PERF_SCHEMA.indexOf("osd.op_w_prepare_latency"),
  numpg: OSD_PERF_SCHEMA.indexOf("osd.numpg"),
  statBytes: OSD_PERF_SCHEMA.indexOf("osd.stat_bytes"),
  statUsed: OSD_PERF_SCHEMA.indexOf("osd.stat_bytes_used"),
  recOps: OSD_PERF_SCHEMA.indexOf("osd.recovery_ops"),
  recBytes: OSD_PERF_SCHEMA.indexOf("osd.recovery_bytes"),
  dbTotal: OSD_PERF_SCHEMA.indexOf("bluefs.db_total_bytes"),
  dbUsed: OSD_PERF_SCHEMA.indexOf("bluefs.db_used_bytes"),
  numFiles: OSD_PERF_SCHEMA.indexOf("bluefs.num_files"),
  logBytes: OSD_PERF_SCHEMA.indexOf("bluefs.log_bytes"),
  walBytes: OSD_PERF_SCHEMA.indexOf("bluefs.bytes_written_wal"),
  sstBytes: OSD_PERF_SCHEMA.indexOf("bluefs.bytes_written_sst"),
  loggedBytes: OSD_PERF_SCHEMA.indexOf("bluefs.logged_bytes"),
  onodeHits: OSD_PERF_SCHEMA.indexOf("bluestore.onode_hits"),
  onodeMisses: OSD_PERF_SCHEMA.indexOf("bluestore.onode_misses"),
  commitLat: OSD_PERF_SCHEMA.indexOf("bluestore.commit_lat"),
  kvSyncLat: OSD_PERF_SCHEMA.indexOf("bluestore.kv_sync_lat"),
  kvFlushLat: OSD_PERF_SCHEMA.indexOf("bluestore.kv_flush_lat"),
  kvFinalLat: OSD_PERF_SCHEMA.indexOf("bluestore.kv_final_lat"),
  submitLat: OSD_PERF_SCHEMA.indexOf("bluestore.submit_lat"),
  throttleLat: OSD_PERF_SCHEMA.indexOf("bluestore.throttle_lat"),
  aioWaitLat: OSD_PERF_SCHEMA.indexOf("bluestore.state_aio_wait_lat"),
  readLat: OSD_PERF_SCHEMA.indexOf("bluestore.read_lat"),
} as const;

/** Capacity of an OSD in bytes: CRUSH weight 1.0 is 1 TiB. */
export function osdCapacity(map: OsdMap, osd: number): number {
  return Math.round(map.crush.weightOf(osd) * 2 ** 40);
}

/**
 * The workload and its effects on a cluster's PGs and OSDs.
 *
 * @example
 * ```ts
 * import { Rng } from "../engine/prng.ts";
 * import { Scheduler } from "../engine/scheduler.ts";
 * import { SimCluster } from "./cluster.ts";
 * const s = new Scheduler({ rng: new Rng(1) });
 * const c = new SimCluster(s, { hosts: 3, osdsPerHost: 1, pools: [{ name: "p", pgNum: 8 }] });
 * await s.runFor(5);
 * c.io.step(5, s.now);
 * const ops = c.io.lastDelta.reads + c.io.lastDelta.writes;
 * if (ops < 2000 || ops > 3000) throw new Error("about 500 ops/s for 5 s");
 * ```
 */
export class IoModel {
  readonly spec: Readonly<Required<WorkloadSpec>>;
  /** Per-OSD perf counters; row = OSD id. */
  readonly perf: PerfCounters;
  numRead = new Float64Array(0);
  numWrite = new Float64Array(0);
  /** Reads and writes each PG served in the last period. */
  periodReads = new Float64Array(0);
  periodWrites = new Float64Array(0);
  /** Latency of one read and of one write on each OSD in the last period, in nanoseconds. */
  readNs: Float64Array;
  writeNs: Float64Array;
  readBytes = new Float64Array(0);
  writeBytes = new Float64Array(0);
  /** Latency multiplier per OSD (1 = healthy; a slow-OSD fault raises it). */
  slowFactor: Float64Array;
  /** Slow ops per OSD in the last period and the age of the oldest (seconds). */
  slowOps: Float64Array;
  slowOldest: Float64Array;
  /** Bytes stored per OSD, from the acting sets (updated each period). */
  osdUsed: Float64Array;
  /** PGs per OSD (acting), updated each period. */
  osdPgs: Uint32Array;
  /** Mean write latency (ms) per OSD in the last period, for `perf_stat`. */
  osdCommitMs: Float64Array;
  /** Rates of the last period by pool id. */
  readonly poolRates = new Map<number, PoolRates>();
  lastDelta: PeriodDelta = _zeroDelta(0);
  /** When each OSD became slow (0 = not slow), for SLOW_OPS ages. */
  slowSince: Float64Array;
  readonly #pgs: PgTable;
  readonly #map: OsdMap;
  readonly #rng: RngStream;
  #share = new Float64Array(0);
  #carry = new Float64Array(0);
  #objCarry = new Float64Array(0);
  #prevRecovered = new Float64Array(0);
  #sized = 0;
  #ops: Float64Array;
  #reads: Float64Array;
  #rb: Float64Array;
  #wb: Float64Array;
  #rec: Float64Array;
  #recB: Float64Array;

  constructor(map: OsdMap, pgs: PgTable, rng: RngStream, spec: WorkloadSpec = {}) {
    const s = { ..._DEFAULTS, ...spec };
    for (const [k, v] of Object.entries(s)) {
      if (!(v >= 0) || !Number.isFinite(v)) {
        throw new RangeError(`workload ${k} must be a finite number >= 0, got ${v}`);
      }
    }
    if (s.readFraction > 1) {
      throw new RangeError(`readFraction must be <= 1, got ${s.readFraction}`);
    }
    if (!Number.isSafeInteger(s.clients) || s.clients < 1) {
      throw new RangeError(`workload clients must be a positive integer, got ${s.clients}`);
    }
    this.spec = s;
    this.#map = map;
    this.#pgs = pgs;
    this.#rng = rng;
    const n = map.maxOsd;
    this.perf = new PerfCounters(OSD_PERF_SCHEMA, Array.from({ length: n }, (_, i) => `osd.${i}`));
    this.slowFactor = new Float64Array(n).fill(1);
    this.slowOps = new Float64Array(n);
    this.slowOldest = new Float64Array(n);
    this.slowSince = new Float64Array(n);
    this.osdUsed = new Float64Array(n);
    this.osdPgs = new Uint32Array(n);
    this.osdCommitMs = new Float64Array(n);
    this.readNs = new Float64Array(n);
    this.writeNs = new Float64Array(n);
    this.#ops = new Float64Array(n);
    this.#reads = new Float64Array(n);
    this.#rb = new Float64Array(n);
    this.#wb = new Float64Array(n);
    this.#rec = new Float64Array(n);
    this.#recB = new Float64Array(n);
  }

  /** Makes room for OSDs up to id `n - 1` (OSDs created at run time). */
  growOsds(n: number): void {
    const old = this.slowFactor.length;
    if (n <= old) return;
    this.perf.addRows(Array.from({ length: n - old }, (_, i) => `osd.${old + i}`));
    this.slowFactor = _grown(this.slowFactor, n, 1);
    this.slowOps = _grown(this.slowOps, n);
    this.slowOldest = _grown(this.slowOldest, n);
    this.slowSince = _grown(this.slowSince, n);
    this.osdUsed = _grown(this.osdUsed, n);
    this.osdPgs = _grown(this.osdPgs, n);
    this.osdCommitMs = _grown(this.osdCommitMs, n);
    this.readNs = _grown(this.readNs, n);
    this.writeNs = _grown(this.writeNs, n);
    this.#ops = _grown(this.#ops, n);
    this.#reads = _grown(this.#reads, n);
    this.#rb = _grown(this.#rb, n);
    this.#wb = _grown(this.#wb, n);
    this.#rec = _grown(this.#rec, n);
    this.#recB = _grown(this.#recB, n);
  }

  /** Draws load shares for PGs added since the last call (new pools). */
  #size(): void {
    const pgs = this.#pgs;
    if (this.#sized === pgs.count) return;
    const grow = (a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
      // Rows freed by merges are zero and reused.
      if (a.length >= pgs.count) return a;
      const b = new Float64Array(pgs.count);
      b.set(a);
      return b;
    };
    this.numRead = grow(this.numRead);
    this.numWrite = grow(this.numWrite);
    this.periodReads = grow(this.periodReads);
    this.periodWrites = grow(this.periodWrites);
    this.readBytes = grow(this.readBytes);
    this.writeBytes = grow(this.writeBytes);
    this.#share = grow(this.#share);
    this.#carry = grow(this.#carry);
    this.#objCarry = grow(this.#objCarry);
    this.#prevRecovered = grow(this.#prevRecovered);
    // Clients write to the pools of their application (RBD, CephFS, RGW, ...): not to the
    // manager's own pool (device health), nor to a pool no application was enabled on.
    const client = (pool: { application: string }) =>
      pool.application !== "" && pool.application !== "mgr_devicehealth";
    const totalPgs = this.#map.pools.reduce((a, p) => a + (client(p) ? p.pgNum : 0), 0);
    let added = 0;
    const placed = new Set<number>();
    const children: number[] = [];
    for (let p = this.#sized; p < pgs.count; p++) {
      // A pool removed before the model sized its PGs (a create undone at once) is leaving the
      // table: its rows carry no load.
      const pool = this.#map.pools.find((x) => x.id === pgs.poolId[p]);
      if (!pool) {
        this.#share[p] = 0;
        continue;
      }
      if (placed.has(pool.id)) continue;
      if (pgs.index(pool.id, 0) < this.#sized) {
        children.push(p);
        continue;
      }
      // A new pool (its PGs are contiguous, but splits since may have appended more).
      placed.add(pool.id);
      const list = pgs.poolPgs(pool.id);
      let sum = 0;
      for (const q of list) sum += this.#share[q] = this.#rng.uniform(0.5, 1.5);
      const poolShare = client(pool) && totalPgs > 0 ? list.length / totalPgs : 0;
      for (const q of list) this.#share[q] = (this.#share[q] as number) / sum * poolShare;
      if (client(pool)) added += list.length;
    }
    // Shares of older pools were relative to fewer PGs: rescale them to the new total.
    if (this.#sized > 0 && totalPgs > 0 && (added > 0 || children.length === 0)) {
      const oldTotal = totalPgs - added;
      for (let q = 0; q < this.#sized; q++) {
        this.#share[q] = (this.#share[q] as number) * oldTotal / totalPgs;
      }
    }
    // A PG split from an older one (pg_num grew) takes half of its ancestor's load; in PG order,
    // so that a child of a child finds its parent's share in place.
    for (const p of children) {
      const pool = pgs.poolId[p] as number, ps = pgs.ps[p] as number;
      const parent = pgs.index(pool, stableMod(ps, ps));
      const half = (this.#share[parent] as number) / 2;
      this.#share[parent] = half;
      this.#share[p] = half;
    }
    this.#sized = pgs.count;
  }

  /**
   * PG `source` merges into `target` (its counters and load add up there), then the last PG
   * `last` moves to row `source`: a {@linkcode PgTable.onMerge} listener.
   */
  mergePg(source: number, target: number, last: number): void {
    this.#size();
    const summed = [
      this.numRead,
      this.numWrite,
      this.readBytes,
      this.writeBytes,
      this.#share,
      this.#carry,
      this.#objCarry,
    ];
    // A PG removed with its pool (target -1) takes its counters with it.
    if (target >= 0) {
      for (const a of summed) a[target] = (a[target] as number) + (a[source] as number);
    }
    for (const a of [...summed, this.#prevRecovered, this.periodReads, this.periodWrites]) {
      a[source] = a[last] as number;
      a[last] = 0;
    }
    this.#sized = last;
  }

  /**
   * Runs the workload for `dt` seconds ending at `now`: updates PG counters and objects, OSD
   * perf counters and usage, pool rates and slow ops.
   */
  step(dt: number, now: number): void {
    this.#size();
    const pgs = this.#pgs, map = this.#map, s = this.spec, rng = this.#rng;
    const stride = pgs.stride;
    const load = Math.max(0, 1 + s.jitter * rng.normal()) * s.opsPerSecond * dt;
    const ops = this.#ops, reads = this.#reads, rb = this.#rb, wb = this.#wb;
    const rec = this.#rec, recB = this.#recB;
    ops.fill(0), reads.fill(0), rb.fill(0), wb.fill(0), rec.fill(0), recB.fill(0);
    this.osdUsed.fill(0);
    this.osdPgs.fill(0);
    this.slowOps.fill(0);
    this.slowOldest.fill(0);
    this.periodReads.fill(0);
    this.periodWrites.fill(0);
    const objectSize = pgs.options.objectSize;
    const delta = _zeroDelta(dt);
    const perPool = new Map<number, PoolRates>();
    for (const pool of map.pools) perPool.set(pool.id, _zeroRates());
    const active = PgState.ACTIVE;
    // Over every PG each period: the hottest loop of the workload, hence every array in a
    // local and the pool's rates looked up once per run of its PGs.
    const actingNOf = pgs.actingN, actingOf = pgs.acting, bytesOf = pgs.bytes;
    const objectsOf = pgs.objects, poolIdOf = pgs.poolId, recoveredOf = pgs.recovered;
    const stateOf = pgs.state, lastActiveOf = pgs.lastActive, lastChangeOf = pgs.lastChange;
    const osdUsed = this.osdUsed, osdPgs = this.osdPgs, prevRecovered = this.#prevRecovered;
    const share = this.#share, carry = this.#carry, objCarry = this.#objCarry;
    const slowOps = this.slowOps, slowOldest = this.slowOldest;
    const numRead = this.numRead, numWrite = this.numWrite;
    const periodReads = this.periodReads, periodWrites = this.periodWrites;
    const readBytes = this.readBytes, writeBytes = this.writeBytes;
    const readFraction = s.readFraction, newObjectFraction = s.newObjectFraction;
    const ioSize = s.ioSize;
    let lastPool = -1;
    let rates = _zeroRates();
    for (let p = 0, count = pgs.count; p < count; p++) {
      const base = p * stride;
      const nActing = actingNOf[p]!;
      const bytes = bytesOf[p]!;
      for (let i = 0; i < nActing; i++) {
        const o = actingOf[base + i]!;
        osdUsed[o]! += bytes;
        osdPgs[o]!++;
      }
      const pool = poolIdOf[p]!;
      if (pool !== lastPool) {
        lastPool = pool;
        rates = perPool.get(pool) as PoolRates;
      }
      const recovered = recoveredOf[p]!;
      const recDelta = recovered - prevRecovered[p]!;
      prevRecovered[p] = recovered;
      const primary = nActing > 0 ? actingOf[base]! : -1;
      if (recDelta > 0) {
        rates.recoveredObjects += recDelta;
        rates.recoveredBytes += recDelta * objectSize;
        delta.recoveredObjects += recDelta;
        delta.recoveredBytes += recDelta * objectSize;
        if (primary >= 0) {
          rec[primary]! += recDelta;
          recB[primary]! += recDelta * objectSize;
        }
      }
      const want = load * share[p]! + carry[p]!;
      const n = Math.floor(want);
      carry[p] = want - n;
      if (n === 0) continue;
      const state = stateOf[p]!;
      if (!(state & active)) {
        const waited = now - (lastActiveOf[p]! || lastChangeOf[p]!);
        if (primary >= 0 && map.isUp(primary) && waited >= OP_COMPLAINT_TIME) {
          slowOps[primary]! += n;
          slowOldest[primary] = Math.max(slowOldest[primary]!, waited);
        }
        continue;
      }
      const r = Math.round(n * readFraction);
      const w = n - r;
      const newObjs = w * newObjectFraction + objCarry[p]!;
      const created = Math.floor(newObjs);
      objCarry[p] = newObjs - created;
      numRead[p]! += r;
      numWrite[p]! += w;
      periodReads[p] = r;
      periodWrites[p] = w;
      readBytes[p]! += r * ioSize;
      writeBytes[p]! += w * ioSize;
      if (created > 0) {
        objectsOf[p]! += created;
        bytesOf[p]! += created * objectSize;
      }
      ops[primary]! += n;
      reads[primary]! += r;
      rb[primary]! += r * ioSize;
      wb[primary]! += w * ioSize;
      rates.readOps += r;
      rates.writeOps += w;
      rates.readBytes += r * ioSize;
      rates.writeBytes += w * ioSize;
      delta.reads += r;
      delta.writes += w;
      delta.readBytes += r * ioSize;
      delta.writeBytes += w * ioSize;
      delta.newObjects += created;
      delta.newBytes += created * objectSize;
    }
    const perf = this.perf;
    for (let o = 0; o < map.maxOsd; o++) {
      if (!map.has(o)) continue;
      const capacity = osdCapacity(map, o);
      perf.set(o, _C.numpg, this.osdPgs[o] as number);
      perf.set(o, _C.statBytes, capacity);
      perf.set(o, _C.statUsed, this.osdUsed[o] as number);
      // BlueFS shares the main device (no dedicated DB or WAL): RocksDB holds ~1% of the data.
      perf.set(o, _C.dbTotal, capacity);
      perf.set(o, _C.dbUsed, Math.round((this.osdUsed[o] as number) * 0.01) + (1 << 20));
      perf.set(o, _C.numFiles, 20 + Math.floor((this.osdUsed[o] as number) / 2 ** 36));
      perf.set(o, _C.logBytes, 1 << 20);
      if ((rec[o] as number) > 0) {
        perf.add(o, _C.recOps, Math.round(rec[o] as number));
        perf.add(o, _C.recBytes, Math.round(recB[o] as number));
      }
      const slow = this.slowFactor[o] as number;
      const since = this.slowSince[o] as number;
      if (since > 0 && now - since >= OP_COMPLAINT_TIME && map.isUp(o)) {
        this.slowOps[o] = (this.slowOps[o] as number) + 1 + Math.ceil((ops[o] as number) * 0.01);
        this.slowOldest[o] = Math.max(this.slowOldest[o] as number, now - since);
      }
      const noise = Math.max(0.2, 1 + 0.1 * rng.normal());
      const wMs = s.writeLatencyMs * slow * noise;
      this.osdCommitMs[o] = wMs;
      this.readNs[o] = s.readLatencyMs * slow * noise * 1e6;
      this.writeNs[o] = wMs * 1e6;
      const n = ops[o] as number;
      if (n === 0) continue;
      const r = reads[o] as number, w = n - r;
      const rNs = s.readLatencyMs * slow * noise * 1e6, wNs = wMs * 1e6;
      const sumNs = r * rNs + w * wNs;
      perf.add(o, _C.op, n);
      perf.add(o, _C.opR, r);
      perf.add(o, _C.opW, w);
      perf.add(o, _C.inBytes, wb[o] as number);
      perf.add(o, _C.outBytes, rb[o] as number);
      perf.add(o, _C.rOutBytes, rb[o] as number);
      perf.add(o, _C.wInBytes, wb[o] as number);
      perf.avg(o, _C.lat, Math.round(sumNs), n);
      perf.avg(o, _C.procLat, Math.round(sumNs * 0.8), n);
      perf.avg(o, _C.prepLat, Math.round(sumNs * 0.6), n);
      perf.avg(o, _C.rLat, Math.round(r * rNs), r);
      perf.avg(o, _C.rProcLat, Math.round(r * rNs * 0.8), r);
      perf.avg(o, _C.rPrepLat, Math.round(r * rNs * 0.6), r);
      perf.avg(o, _C.wLat, Math.round(w * wNs), w);
      perf.avg(o, _C.wProcLat, Math.round(w * wNs * 0.8), w);
      perf.avg(o, _C.wPrepLat, Math.round(w * wNs * 0.6), w);
      const wBytes = wb[o] as number;
      perf.add(o, _C.walBytes, wBytes);
      perf.add(o, _C.sstBytes, Math.round(wBytes / 2));
      perf.add(o, _C.loggedBytes, 4096 * Math.ceil(w / 64));
      perf.add(o, _C.onodeHits, Math.round(n * 0.9));
      perf.add(o, _C.onodeMisses, n - Math.round(n * 0.9));
      perf.avg(o, _C.readLat, Math.round(r * rNs * 0.7), r);
      perf.avg(o, _C.commitLat, Math.round(w * wNs * 0.7), w);
      perf.avg(o, _C.kvSyncLat, Math.round(w * wNs * 0.3), w);
      perf.avg(o, _C.kvFlushLat, Math.round(w * wNs * 0.1), w);
      perf.avg(o, _C.kvFinalLat, Math.round(w * wNs * 0.02), w);
      perf.avg(o, _C.submitLat, Math.round(w * wNs * 0.05), w);
      perf.avg(o, _C.throttleLat, Math.round(w * wNs * 0.01), w);
      perf.avg(o, _C.aioWaitLat, Math.round(w * wNs * 0.2), w);
    }
    this.poolRates.clear();
    for (const [id, r] of perPool) {
      this.poolRates.set(id, {
        readOps: r.readOps / dt,
        writeOps: r.writeOps / dt,
        readBytes: r.readBytes / dt,
        writeBytes: r.writeBytes / dt,
        recoveredObjects: r.recoveredObjects / dt,
        recoveredBytes: r.recoveredBytes / dt,
      });
    }
    this.lastDelta = delta;
  }
}

/** `a` with room for `n` entries, the new ones `fill`. */
function _grown<T extends Float64Array | Uint8Array | Uint32Array>(a: T, n: number, fill = 0): T {
  if (a.length >= n) return a;
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

function _zeroRates(): PoolRates {
  return {
    readOps: 0,
    writeOps: 0,
    readBytes: 0,
    writeBytes: 0,
    recoveredObjects: 0,
    recoveredBytes: 0,
  };
}

function _zeroDelta(seconds: number): PeriodDelta {
  return {
    seconds,
    reads: 0,
    readBytes: 0,
    writes: 0,
    writeBytes: 0,
    newObjects: 0,
    newBytes: 0,
    recoveredObjects: 0,
    recoveredBytes: 0,
  };
}
