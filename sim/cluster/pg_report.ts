/**
 * What the simulated OSDs report to the active manager each stats period: the `pg_stat_t` of
 * the PGs they are primary for and their own `osd_stat_t` (Ceph's MPGStats), as the columnar
 * {@linkcode PgStatsReport} of the ClusterLink port. The manager builds its PGMap from these;
 * nothing here builds the manager's dumps.
 *
 * As a Ceph OSD does (PeeringState::prepare_stats_for_publish), a primary publishes a PG's
 * stats when they changed since it last did, or when the last publication is older than
 * `osd_pg_stat_report_interval_max`; publishing bumps `reported_seq` and stamps `last_fresh`
 * with the report's time. A period's report holds the PGs published in it; a full report
 * (for a manager that has just become active) holds every PG of the OSDs that reported.
 *
 * @module
 */
import { PG_STAMP_KEYS, type PgStampKey, type StatSumKey } from "../../ceph/pg_stat.ts";
import { PgState } from "../../ceph/pg_state.ts";
import type { DaemonHealthMetric } from "../../core/cluster_link.ts";
import {
  newOsdStatRows,
  newPgStatRows,
  type OsdStatRows,
  type PgStatRows,
  type PgStatsReport,
} from "../../core/pg_stats_report.ts";
import { type IoModel, osdCapacity } from "./io_model.ts";
import type { OsdMap } from "./osd_map.ts";
import type { PgTable } from "./pg_table.ts";

/** Seconds after which a primary publishes an unchanged PG again (`osd_pg_stat_report_interval_max`). */
export const PG_STAT_REPORT_INTERVAL_MAX = 500;

/** The `stat_sum` counters the simulator models; the others are always 0. */
const STAT_KEYS: readonly StatSumKey[] = [
  "num_bytes",
  "num_objects",
  "num_object_copies",
  "num_objects_degraded",
  "num_objects_misplaced",
  "num_objects_dirty",
  "num_read",
  "num_read_kb",
  "num_write",
  "num_write_kb",
  "num_objects_recovered",
  "num_bytes_recovered",
];
const NK = STAT_KEYS.length;
/** The stamps a publication refreshes, which a stats-only update carries. */
const FRESH_KEYS: readonly PgStampKey[] = [
  "last_fresh",
  "last_unstale",
  "last_undegraded",
  "last_fullsized",
];
const NF = FRESH_KEYS.length;
const NS = PG_STAMP_KEYS.length;

/** What an OSD without slow ops reports, shared (read-only) by all of them: 10,000 OSDs a period. */
const NO_SLOW_OPS: DaemonHealthMetric[] = Object.freeze([
  Object.freeze({ type: "SLOW_OPS", value: 0, oldest: 0 }),
  Object.freeze({ type: "PENDING_CREATING_PGS", value: 0 }),
]) as DaemonHealthMetric[];

/** How many heartbeat peers an OSD lists. */
const PEERS = 10;

/**
 * The simulated OSDs' PG statistics.
 *
 * The last published stats of every PG are kept in PG-indexed columns, in the port's layout,
 * and a report hands out those columns with the positions of its rows (`index`): nothing is
 * copied or allocated per PG and period, which matters when every one of 300,000 PGs changes
 * in every period. The columns change at the next period, so a receiver copies what it keeps
 * while the report is delivered, as it would read a message buffer.
 *
 * @example
 * ```ts
 * import { Rng } from "../engine/prng.ts";
 * import { Scheduler } from "../engine/scheduler.ts";
 * import { SimCluster } from "./cluster.ts";
 * const s = new Scheduler({ rng: new Rng(1) });
 * const c = new SimCluster(s, { hosts: 3, osdsPerHost: 1, pools: [{ name: "p", pgNum: 8 }] });
 * const reports: number[] = [];
 * c.subscribe((e) => { if (e.kind === "stats") reports.push(e.pgStats.pgs.length); });
 * c.startReporting();
 * await s.runFor(30);
 * if (reports[0] !== 8) throw new Error("every PG published once it has peered");
 * if (c.pgReporter.full().pgs.length !== 8) throw new Error("a full report has them all");
 * ```
 */
export class PgReporter {
  readonly #pgs: PgTable;
  readonly #map: OsdMap;
  readonly #io: IoModel;
  /** The published stats, PG-indexed, in the port's layout (`index` picks a report's rows). */
  #cols: PgStatRows = _pgRows(0, 1);
  /** Whether the PG was ever published. */
  #published = new Uint8Array(0);
  /** The OSDs that reported in the last period, with their report times. */
  #reported: Uint8Array = new Uint8Array(0);
  #reportedAt: Float64Array = new Float64Array(0);
  #osds: OsdStatRows = _osdRows(0);
  #stamp = 0;
  #metrics: Record<string, DaemonHealthMetric[]> = {};
  /** Each pool's size, taken at the start of a period. */
  #poolSize = new Map<number, number>();
  #row = new Float64Array(0);
  /** The FRESH_KEYS stamps of each PG's last publication, PG-indexed. */
  #fresh = new Float64Array(0);
  /**
   * last_change, last_active and last_clean as last published whole, PG-indexed: compared
   * every period for every PG, hence kept apart from the 13-stamp rows.
   */
  #shape = new Float64Array(0);
  #peers: { key: string; peers: Int32Array; peerN: Uint8Array } | undefined;

  constructor(pgs: PgTable, map: OsdMap, io: IoModel) {
    this.#pgs = pgs;
    this.#map = map;
    this.#io = io;
    pgs.onMerge((source, _target, last) => this.#onMerge(source, last));
  }

  /**
   * What a manager is sent this period: the period's report, then every PG of the reporting
   * OSDs it has not heard from since `covered` was cleared (as a Ceph OSD's first MPGStats to
   * a new manager holds all its PGs). Marks them in `covered`.
   */
  reportsFor(covered: { osds: Uint8Array }, period: PgStatsReport): PgStatsReport[] {
    const reported = this.#reported;
    if (covered.osds.length < reported.length) {
      const grown = new Uint8Array(reported.length);
      grown.set(covered.osds);
      covered.osds = grown;
    }
    const fresh = new Uint8Array(reported.length);
    let any = false;
    for (let o = 0; o < reported.length; o++) {
      if (reported[o] === 1 && covered.osds[o] !== 1) {
        fresh[o] = 1;
        covered.osds[o] = 1;
        any = true;
      }
    }
    return any ? [period, this.full(fresh)] : [period];
  }

  /** Which OSDs reported in the last period (1 each). */
  get reported(): Uint8Array {
    return this.#reported;
  }

  /**
   * The health metrics of the OSDs that reported in the last period: SLOW_OPS and
   * PENDING_CREATING_PGS each, zeros included, as a Ceph OSD reports them.
   */
  get healthMetrics(): Readonly<Record<string, DaemonHealthMetric[]>> {
    return this.#metrics;
  }

  /**
   * One stats period: `reported[o]` is 1 for each OSD that reports now, at `reportedAt[o]`.
   * Returns what they publish.
   */
  period(reported: Uint8Array, reportedAt: Float64Array, now: number): PgStatsReport {
    this.#grow();
    this.#reported = reported;
    this.#reportedAt = reportedAt;
    this.#stamp = now;
    const { full, stats } = this.#publishAll(reported, reportedAt, false);
    this.#osds = this.#osdRows();
    const io = this.#io;
    const metrics: Record<string, DaemonHealthMetric[]> = {};
    for (let o = 0; o < reported.length; o++) {
      if (reported[o] !== 1) continue;
      // OSD::get_health_metrics sends both in every MMgrReport, zeros included. PGs held back
      // from creation (past the OSD's PG hard limit) are not modelled here: none.
      const n = Math.round(io.slowOps[o] ?? 0);
      metrics[`osd.${o}`] = n === 0 ? NO_SLOW_OPS : [
        { type: "SLOW_OPS", value: n, oldest: io.slowOldest[o] ?? 0 },
        { type: "PENDING_CREATING_PGS", value: 0 },
      ];
    }
    this.#metrics = metrics;
    return {
      stamp: now,
      full: false,
      pgs: this.#view(full),
      statUpdates: { ...this.#view(stats), stampKeys: FRESH_KEYS, stamps: this.#fresh },
      osds: this.#osds,
    };
  }

  /**
   * Every PG of the OSDs that reported in the last period (of those `only` marks, when given),
   * and their OSD stats: what a manager is sent by OSDs reporting to it for the first time.
   */
  full(only?: Uint8Array): PgStatsReport {
    this.#grow();
    let reported = this.#reported;
    if (only !== undefined) reported = reported.map((r, o) => r & (only[o] ?? 0));
    const { full } = this.#publishAll(reported, this.#reportedAt, true);
    return { stamp: this.#stamp, full: true, pgs: this.#view(full), osds: this.#osds };
  }

  #view(rows: Int32Array): PgStatRows {
    return { ...this.#cols, length: rows.length, index: rows };
  }

  /**
   * Publishes, of the PGs whose primary reports (`reported[primary]`, at `reportedAt`), those
   * whose stats changed since they were last published or are old; returns their positions
   * (with `force`, those of every PG of a reporting primary). The hottest loop of the
   * simulator at scale, hence the local copies of every array.
   */
  #publishAll(
    reported: Uint8Array,
    reportedAt: Float64Array,
    force: boolean,
  ): { full: Int32Array; stats: Int32Array } {
    const pgs = this.#pgs, io = this.#io, c = this.#cols;
    const stride = pgs.stride, published = this.#published, epoch = this.#map.epoch;
    const scrub = this.#map.created, objectSize = pgs.options.objectSize;
    const state = pgs.state, objectsOf = pgs.objects, bytesOf = pgs.bytes, poolId = pgs.poolId;
    const up = pgs.up, upNOf = pgs.upN, acting = pgs.acting, actingNOf = pgs.actingN;
    const lastChange = pgs.lastChange, lastActive = pgs.lastActive, lastClean = pgs.lastClean;
    const intervalOf = pgs.intervalEpoch, createdOf = pgs.createdEpoch;
    const recoveredOf = pgs.recovered;
    const numRead = io.numRead, readBytes = io.readBytes;
    const numWrite = io.numWrite, writeBytes = io.writeBytes;
    const sizes = this.#poolSize;
    const cState = c.state, cStamps = c.stamps, cStats = c.stats, cUp = c.up, cActing = c.acting;
    const cUpN = c.upN, cActingN = c.actingN, cLog = c.logSize, cInterval = c.mappingEpoch;
    const cCreated = c.created;
    const row = this.#row, fresh = this.#fresh, shape = this.#shape;
    const out = new Int32Array(pgs.count), statOut = new Int32Array(force ? 0 : pgs.count);
    let n = 0, ns = 0, lastPool = -1, size = 0;
    for (let p = 0; p < pgs.count; p++) {
      const actingN = actingNOf[p]!;
      if (actingN === 0) continue;
      const primary = acting[p * stride]!;
      // A PG the model has not peered yet has nothing to report: the manager shows it unknown.
      const s = state[p]!;
      if (reported[primary] !== 1 || s === 0) continue;
      const at = reportedAt[primary]!;
      const objects = objectsOf[p]!, bytes = bytesOf[p]!;
      const pool = poolId[p]!;
      if (pool !== lastPool) {
        lastPool = pool;
        size = sizes.get(pool) ?? pgs.poolOf(p).size;
      }
      const upN = upNOf[p]!;
      const interval = intervalOf[p]!;
      const change = lastChange[p]!;
      const active = lastActive[p]! || change;
      const clean = lastClean[p]! || change;
      const recovered = Math.round(recoveredOf[p]!);
      // The stat_sum, in STAT_KEYS order.
      row[0] = bytes;
      row[1] = objects;
      row[2] = objects * size;
      row[3] = s & PgState.DEGRADED ? pgs.degradedObjects(p, size) : 0;
      row[4] = s & PgState.REMAPPED ? pgs.misplacedObjects(p, size) : 0;
      row[5] = objects;
      row[6] = Math.round(numRead[p] ?? 0);
      row[7] = Math.round((readBytes[p] ?? 0) / 1024);
      row[8] = objects + Math.round(numWrite[p] ?? 0);
      row[9] = Math.round((bytes + (writeBytes[p] ?? 0)) / 1024);
      row[10] = recovered;
      row[11] = recovered * objectSize;
      const pb = p * stride, sb = p * NS, xb = p * NK;
      // What is published again: everything when the state, placement or intervals changed;
      // the counters and freshness alone when only they did (or the last report is old).
      const hb = p * 3;
      let sameStruct = published[p] === 1 && cState[p] === s && cInterval[p] === interval &&
        cCreated[p] === createdOf[p] && cUpN[p] === upN && cActingN[p] === actingN &&
        shape[hb] === change && shape[hb + 1] === active && shape[hb + 2] === clean;
      for (let i = 0; sameStruct && i < upN; i++) sameStruct = cUp[pb + i] === up[pb + i];
      for (let i = 0; sameStruct && i < actingN; i++) {
        sameStruct = cActing[pb + i] === acting[pb + i];
      }
      const fb = p * NF;
      let same = sameStruct && at - fresh[fb]! < PG_STAT_REPORT_INTERVAL_MAX &&
        cLog[p] === objects;
      for (let i = 0; same && i < NK; i++) same = cStats[xb + i] === row[i];
      if (!same) {
        c.reportedSeq[p] = c.reportedSeq[p]! + 1;
        c.reportedEpoch[p] = epoch;
        c.versionEpoch[p] = interval;
        c.versionV[p] = objects;
        cLog[p] = objects;
        c.ondiskLogSize[p] = objects;
        // The freshness stamps go to `fresh` only; the whole rows get them when published
        // whole (below), which keeps the hot path off the 13-stamp rows.
        fresh[fb] = at; // last_fresh
        fresh[fb + 1] = at; // last_unstale
        fresh[fb + 2] = s & PgState.DEGRADED ? change : at; // last_undegraded
        fresh[fb + 3] = s & PgState.UNDERSIZED ? change : at; // last_fullsized
        for (let i = 0; i < NK; i++) cStats[xb + i] = row[i]!;
      }
      if (!sameStruct) {
        published[p] = 1;
        c.pool[p] = poolId[p]!;
        c.ps[p] = pgs.ps[p]!;
        cState[p] = s;
        cInterval[p] = interval;
        cCreated[p] = createdOf[p]!;
        c.lastEpochClean[p] = interval;
        cUpN[p] = upN;
        cActingN[p] = actingN;
        for (let i = 0; i < upN; i++) cUp[pb + i] = up[pb + i]!;
        for (let i = 0; i < actingN; i++) cActing[pb + i] = acting[pb + i]!;
        c.upPrimary[p] = upN > 0 ? up[pb]! : -1;
        c.actingPrimary[p] = primary;
        shape[hb] = change;
        shape[hb + 1] = active;
        shape[hb + 2] = clean;
        cStamps[sb + 1] = change;
        cStamps[sb + 2] = active; // last_active
        cStamps[sb + 3] = active; // last_peered
        cStamps[sb + 4] = clean;
        cStamps[sb + 5] = active; // last_became_active
        cStamps[sb + 6] = active; // last_became_peered
        cStamps[sb + 10] = scrub;
        cStamps[sb + 11] = scrub;
        cStamps[sb + 12] = scrub;
      }
      if (!sameStruct || force) {
        out[n++] = p;
        cStamps[sb] = fresh[fb]!;
        cStamps[sb + 7] = fresh[fb + 1]!;
        cStamps[sb + 8] = fresh[fb + 2]!;
        cStamps[sb + 9] = fresh[fb + 3]!;
      } else if (!same) statOut[ns++] = p;
    }
    return { full: out.subarray(0, n), stats: statOut.subarray(0, ns) };
  }

  /** The `osd_stat_t` of the OSDs that report now. */
  #osdRows(): OsdStatRows {
    const map = this.#map, pgs = this.#pgs, io = this.#io;
    const maxOsd = map.maxOsd;
    const used = new Float64Array(maxOsd);
    const numPgs = new Uint32Array(maxOsd);
    const stride = pgs.stride, acting = pgs.acting, actingN = pgs.actingN, bytesOf = pgs.bytes;
    for (let p = 0; p < pgs.count; p++) {
      const n = actingN[p]!, base = p * stride, bytes = bytesOf[p]!;
      for (let i = 0; i < n; i++) {
        const o = acting[base + i]!;
        used[o]! += bytes;
        numPgs[o]!++;
      }
    }
    const { peers, peerN } = this.#heartbeatPeers();
    const ids: number[] = [];
    for (let o = 0; o < maxOsd; o++) if (this.#reported[o] === 1) ids.push(o);
    const out = _osdRows(ids.length);
    let peerTotal = 0;
    for (const o of ids) peerTotal += peerN[o]!;
    out.hbPeers = new Int32Array(peerTotal);
    let at = 0;
    ids.forEach((o, i) => {
      const total = osdCapacity(map, o);
      out.osd[i] = o;
      out.upFrom[i] = map.upFrom[o] as number;
      out.seq[i] = (map.upFrom[o] as number) * 2 ** 32;
      out.numPgs[i] = numPgs[o]!;
      out.statfs[i * 10] = total;
      out.statfs[i * 10 + 1] = total - used[o]!;
      out.hbPeersStart[i] = at;
      // Sorted once when the peers were computed.
      out.hbPeers.set(peers.subarray(o * PEERS, o * PEERS + peerN[o]!), at);
      at += peerN[o]!;
      const ns = Math.round(io.osdCommitMs[o] ?? 0) * 1e6;
      out.commitLatencyNs[i] = ns;
      out.applyLatencyNs[i] = ns;
    });
    out.hbPeersStart[ids.length] = at;
    return out;
  }

  /**
   * The first PEERS distinct OSDs sharing a PG with each OSD, in PG order: computed again only
   * when some acting set changed.
   */
  #heartbeatPeers(): { peers: Int32Array; peerN: Uint8Array } {
    const pgs = this.#pgs, maxOsd = this.#map.maxOsd;
    const key = `${pgs.actingVersion} ${pgs.count} ${maxOsd}`;
    if (this.#peers?.key === key) return this.#peers;
    const peers = new Int32Array(maxOsd * PEERS);
    const peerN = new Uint8Array(maxOsd);
    const stride = pgs.stride, acting = pgs.acting;
    for (let p = 0; p < pgs.count; p++) {
      const n = pgs.actingN[p]!;
      const base = p * stride;
      for (let i = 0; i < n; i++) {
        const o = acting[base + i]!;
        let k = peerN[o]!;
        const row = o * PEERS;
        for (let j = 0; j < n && k < PEERS; j++) {
          const q = acting[base + j]!;
          if (q === o) continue;
          let m = 0;
          while (m < k && peers[row + m] !== q) m++;
          if (m === k) peers[row + k++] = q;
        }
        peerN[o] = k;
      }
    }
    for (let o = 0; o < maxOsd; o++) peers.subarray(o * PEERS, o * PEERS + peerN[o]!).sort();
    this.#peers = { key, peers, peerN };
    return this.#peers;
  }

  #grow(): void {
    const n = this.#pgs.count, stride = this.#pgs.stride;
    this.#poolSize = new Map(this.#map.pools.map((pool) => [pool.id, pool.size]));
    if (this.#row.length < NK) this.#row = new Float64Array(NK);
    if (this.#published.length >= n && this.#cols.width === stride) return;
    const cap = Math.max(n, Math.ceil(this.#published.length * 1.25));
    const old = this.#cols;
    const cols = _pgRows(cap, stride);
    for (const k of _COLUMNS) (cols[k] as Float64Array).set(old[k] as Float64Array);
    for (let p = 0; p < old.length; p++) {
      cols.up.set(old.up.subarray(p * old.width, (p + 1) * old.width), p * stride);
      cols.acting.set(old.acting.subarray(p * old.width, (p + 1) * old.width), p * stride);
    }
    cols.stamps.set(old.stamps);
    cols.stats.set(old.stats);
    this.#cols = cols;
    const published = new Uint8Array(cap);
    published.set(this.#published);
    this.#published = published;
    const fresh = new Float64Array(cap * NF);
    fresh.set(this.#fresh);
    this.#fresh = fresh;
    const shape = new Float64Array(cap * 3);
    shape.set(this.#shape);
    this.#shape = shape;
  }

  /** A merge moves the table's last PG into `source`'s row: its publication follows. */
  #onMerge(source: number, last: number): void {
    this.#grow();
    const c = this.#cols, w = c.width;
    const move = (
      a: {
        copyWithin(t: number, s: number, e: number): unknown;
        fill(v: number, s: number, e: number): unknown;
      },
      per: number,
    ) => {
      if (last !== source) a.copyWithin(source * per, last * per, last * per + per);
      a.fill(0, last * per, last * per + per);
    };
    for (const k of _COLUMNS) move(c[k] as Float64Array, 1);
    move(c.up, w);
    move(c.acting, w);
    move(c.stamps, NS);
    move(c.stats, NK);
    move(this.#published, 1);
    move(this.#fresh, NF);
    move(this.#shape, 3);
  }
}

/** The one-per-PG columns of PgStatRows. */
const _COLUMNS = [
  "pool",
  "ps",
  "state",
  "reportedSeq",
  "reportedEpoch",
  "versionEpoch",
  "versionV",
  "mappingEpoch",
  "created",
  "lastEpochClean",
  "logSize",
  "ondiskLogSize",
  "upN",
  "actingN",
  "upPrimary",
  "actingPrimary",
] as const;

function _pgRows(n: number, stride: number): PgStatRows {
  return newPgStatRows(n, stride, PG_STAMP_KEYS, STAT_KEYS);
}

function _osdRows(n: number): OsdStatRows {
  return newOsdStatRows(n, 0);
}
