/**
 * The simulated cluster's OSD side: a CRUSH topology, the OSDMap and the PGs, driven by the
 * scheduler. Operations (an OSD going down, a host failing, a flag being set) produce OSDMap
 * epochs; PGs peer after a delay, then recover or backfill at a rate until active+clean.
 * Down OSDs are marked out after the down-out interval unless `noout` is set.
 *
 * @module
 */

import type { Scheduler } from "../engine/scheduler.ts";
import { crushTypeId } from "./crush_map.ts";
import { OsdMap, type PoolSpec } from "./osd_map.ts";
import { PgTable, type PgTableOptions } from "./pg_table.ts";

/** The shape of a simulated cluster. */
export interface ClusterSpec {
  /** Racks under the root; 0 puts hosts directly under the root (default 0). */
  racks?: number;
  /** Hosts, spread evenly over the racks. */
  hosts: number;
  osdsPerHost: number;
  /** CRUSH weight of each OSD (default 1.0). */
  osdCrushWeight?: number;
  /** Device class of each OSD (default "hdd"). */
  deviceClass?: string;
  /** CRUSH failure domain of the replicated rule (default "host"). */
  failureDomain?: "osd" | "host" | "rack";
  pools: PoolSpec[];
  /** Seconds a PG spends peering after a map change (default 2). */
  peeringSeconds?: number;
  /** Seconds before a down OSD is marked out (mon_osd_down_out_interval, default 600). */
  downOutInterval?: number;
  /** Seconds between recovery steps (default 1). */
  recoveryTickSeconds?: number;
  /** PG model knobs. */
  pg?: PgTableOptions;
}

/**
 * A simulated cluster bound to a scheduler.
 *
 * @example
 * ```ts
 * import { Rng } from "../engine/prng.ts";
 * import { Scheduler } from "../engine/scheduler.ts";
 * import { SimCluster } from "./cluster.ts";
 * const s = new Scheduler({ rng: new Rng(1) });
 * const c = new SimCluster(s, { hosts: 3, osdsPerHost: 2, pools: [{ name: "rbd", pgNum: 16 }] });
 * await s.runFor(10);
 * c.osdDown(0);
 * await s.runFor(10);
 * if (!c.pgs.stateCounts().has("active+undersized+degraded")) throw new Error("degraded");
 * ```
 */
export class SimCluster {
  readonly map: OsdMap;
  readonly pgs: PgTable;
  readonly scheduler: Scheduler;
  readonly peeringSeconds: number;
  readonly downOutInterval: number;
  readonly recoveryTickSeconds: number;
  readonly #hosts = new Map<string, number[]>();
  #autoOut = new Uint8Array(0);
  #recoveryScheduled = false;

  constructor(scheduler: Scheduler, spec: ClusterSpec) {
    this.scheduler = scheduler;
    this.peeringSeconds = _nonNegative("peeringSeconds", spec.peeringSeconds ?? 2);
    this.downOutInterval = _nonNegative("downOutInterval", spec.downOutInterval ?? 600);
    this.recoveryTickSeconds = spec.recoveryTickSeconds ?? 1;
    if (!(this.recoveryTickSeconds > 0)) {
      throw new RangeError(`recoveryTickSeconds must be > 0, got ${this.recoveryTickSeconds}`);
    }
    const racks = spec.racks ?? 0;
    for (
      const [k, v] of [["racks", racks], ["hosts", spec.hosts], [
        "osdsPerHost",
        spec.osdsPerHost,
      ]] as const
    ) {
      if (!Number.isSafeInteger(v) || v < (k === "racks" ? 0 : 1)) {
        throw new RangeError(
          `cluster ${k} must be a ${k === "racks" ? "non-negative" : "positive"} integer, got ${v}`,
        );
      }
    }
    const rng = scheduler.rng;
    this.map = new OsdMap({ now: () => scheduler.now, ids: rng.stream("identity") });
    const crush = this.map.crush;
    crush.failureDomain = crushTypeId(spec.failureDomain ?? "host");
    const weight = spec.osdCrushWeight ?? 1;
    this.map.change(() => {
      const rackIds: number[] = [];
      for (let r = 0; r < racks; r++) {
        rackIds.push(crush.addBucket(`rack${r + 1}`, "rack", crush.rootId));
      }
      let osd = 0;
      for (let h = 0; h < spec.hosts; h++) {
        const parent = racks > 0
          ? rackIds[Math.floor(h * racks / spec.hosts)] as number
          : crush.rootId;
        const name = `host${h + 1}`;
        const host = crush.addBucket(name, "host", parent);
        const ids: number[] = [];
        for (let i = 0; i < spec.osdsPerHost; i++, osd++) {
          this.map.addOsd(osd, host, weight, spec.deviceClass ?? "hdd");
          ids.push(osd);
        }
        this.#hosts.set(name, ids);
      }
    });
    this.#autoOut = new Uint8Array(this.map.maxOsd);
    this.pgs = new PgTable(this.map, rng.stream("data"), spec.pg);
    for (const poolSpec of spec.pools) this.createPool(poolSpec);
  }

  /** Creates a pool; its PGs are "unknown" until they peer. */
  createPool(spec: PoolSpec): void {
    const pool = this.map.createPool(spec);
    this.scheduler.note(`osdmap e${this.map.epoch} pool ${pool.id} '${pool.name}' created`);
    this.#peerLater(this.pgs.addPool(pool), this.map.epoch);
  }

  /** OSD ids of host `name`. */
  hostOsds(name: string): number[] {
    const ids = this.#hosts.get(name);
    if (!ids) throw new RangeError(`no host "${name}"; hosts are host1..host${this.#hosts.size}`);
    return ids.slice();
  }

  /** Host names. */
  hostNames(): string[] {
    return [...this.#hosts.keys()];
  }

  /** An OSD stops (or is reported failed): marked down unless `nodown` is set. */
  osdDown(id: number): void {
    this.osdsDown([id], `osd.${id} down`);
  }

  /** Every OSD of a host goes down in one epoch. */
  hostDown(name: string): void {
    this.osdsDown(this.hostOsds(name), `${name} down`);
  }

  /** Every OSD of a host boots. */
  hostUp(name: string): void {
    this.osdsUp(this.hostOsds(name), `${name} up`);
  }

  /** An OSD boots: marked up unless `noup` is set, and back in if it was marked out automatically. */
  osdUp(id: number): void {
    this.osdsUp([id], `osd.${id} up`);
  }

  /** Marks OSDs down in one epoch (`label` goes to the trace). */
  osdsDown(ids: readonly number[], label: string): void {
    if (this.map.hasFlag("nodown")) {
      this.scheduler.note(`${label} ignored (nodown)`);
      return;
    }
    const changed: number[] = [];
    this.#apply(label, changed, () => {
      for (const id of ids) if (this.map.markDown(id)) changed.push(id);
    });
    for (const id of changed) {
      const downAt = this.map.downAt[id] as number;
      this.scheduler.schedule(this.downOutInterval, `osd.${id} down-out check`, () => {
        if (this.map.downAt[id] === downAt) this.#autoMarkOut(id);
      });
    }
  }

  /** Marks OSDs up in one epoch. */
  osdsUp(ids: readonly number[], label: string): void {
    if (this.map.hasFlag("noup")) {
      this.scheduler.note(`${label} ignored (noup)`);
      return;
    }
    const changed: number[] = [];
    this.#apply(label, changed, () => {
      for (const id of ids) {
        if (this.map.markUp(id)) changed.push(id);
        if (this.#autoOut[id] === 1 && !this.map.hasFlag("noin")) {
          this.#autoOut[id] = 0;
          if (this.map.markIn(id)) changed.push(id);
        }
      }
    });
  }

  /** `ceph osd out`. */
  osdOut(id: number): void {
    const changed: number[] = [];
    this.#autoOut[id] = 0;
    this.#apply(`osd.${id} out`, changed, () => {
      if (this.map.markOut(id)) changed.push(id);
    });
  }

  /** `ceph osd in`. */
  osdIn(id: number): void {
    const changed: number[] = [];
    this.#autoOut[id] = 0;
    this.#apply(`osd.${id} in`, changed, () => {
      if (this.map.markIn(id)) changed.push(id);
    });
  }

  /** `ceph osd reweight`. */
  reweight(id: number, weight: number): void {
    const changed: number[] = [];
    this.#apply(`osd.${id} reweight ${weight}`, changed, () => {
      if (this.map.reweight(id, weight)) changed.push(id);
    });
  }

  /** `ceph osd set <flag>`. */
  setFlag(flag: string): void {
    this.#apply(`set ${flag}`, [], () => this.map.setFlag(flag));
  }

  /** `ceph osd unset <flag>`; unsetting `noout` marks out OSDs down for too long. */
  unsetFlag(flag: string): void {
    this.#apply(`unset ${flag}`, [], () => this.map.unsetFlag(flag));
    if (flag === "noout") {
      const now = this.scheduler.now;
      for (let id = 0; id < this.map.maxOsd; id++) {
        if (
          this.map.has(id) && !this.map.isUp(id) &&
          now - (this.map.downStamp[id] as number) >= this.downOutInterval
        ) this.#autoMarkOut(id);
      }
    }
    this.#ensureRecovery();
  }

  #autoMarkOut(id: number): void {
    if (this.map.isUp(id) || !this.map.isIn(id) || this.map.hasFlag("noout")) return;
    const changed: number[] = [];
    this.#apply(`osd.${id} auto-out`, changed, () => {
      if (this.map.markOut(id)) changed.push(id);
    });
    if (changed.length > 0) this.#autoOut[id] = 1;
  }

  #apply(label: string, changed: number[], fn: () => void): void {
    const before = this.map.epoch;
    const epoch = this.map.change(fn);
    if (epoch === before) return;
    this.scheduler.note(`osdmap e${epoch} ${label}`);
    if (changed.length > 0) this.#peerLater(this.pgs.onMapChange(changed), epoch);
  }

  #peerLater(pgs: number[], epoch: number): void {
    if (pgs.length === 0) return;
    this.scheduler.schedule(this.peeringSeconds, `peering e${epoch} ${pgs.length} pgs`, () => {
      this.pgs.completePeering(pgs, epoch, this.scheduler.now);
      this.#ensureRecovery();
    });
  }

  #ensureRecovery(): void {
    if (this.#recoveryScheduled || this.pgs.recoveryBacklog === 0) return;
    this.#recoveryScheduled = true;
    const dt = this.recoveryTickSeconds;
    const tick = () => {
      const r = this.pgs.recoveryStep(dt, this.scheduler.now, {
        norecover: this.map.hasFlag("norecover"),
        nobackfill: this.map.hasFlag("nobackfill"),
      });
      if (r.finished > 0) this.scheduler.note(`recovered ${r.finished} pgs, ${r.remaining} left`);
      if (r.remaining > 0 && this.pgs.recoveryActive > 0) {
        this.scheduler.schedule(dt, "recovery", tick);
      } else {
        this.#recoveryScheduled = false;
      }
    };
    this.scheduler.schedule(0, "recovery", tick);
  }
}

function _nonNegative(name: string, v: number): number {
  if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`${name} must be >= 0, got ${v}`);
  return v;
}
