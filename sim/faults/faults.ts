/**
 * Faults as data: each a JSON-able record with a virtual time (`at`, seconds after the start)
 * and usually a `duration` after which it heals. {@linkcode FaultInjector} schedules them on a
 * {@linkcode SimCluster}; {@linkcode drawFaults} draws a schedule from the "faults" stream.
 *
 * @module
 */

import type { RngStream } from "../engine/prng.ts";
import type { SimCluster } from "../cluster/cluster.ts";

/** One fault. `duration` omitted means it never heals. */
export type FaultSpec =
  /** The manager cannot reach any mon (`have_mon_connection()` false). */
  | { kind: "mon-outage"; at: number; duration: number }
  /** A majority of mons stops: no quorum. */
  | { kind: "quorum-loss"; at: number; duration: number }
  /** One mon stops (default: the leader, forcing a leader change). */
  | { kind: "mon-down"; at: number; duration: number; mon?: string }
  /** The manager has no metadata for these daemons (`osd.3`, `mon.b`). */
  | { kind: "metadata-missing"; at: number; duration?: number; daemons: string[] }
  /** Metadata for an OSD id the map does not have. */
  | { kind: "metadata-orphan"; at: number; duration?: number; osd: number }
  /** Daemons restart on `version` but their metadata names the old one until healed. */
  | { kind: "metadata-stale"; at: number; duration?: number; daemons: string[]; version: string }
  /** OSDs (default all) report nothing to the manager for `duration`: their PGs stay unknown. */
  | { kind: "late-reports"; at: number; duration: number; osds?: number[] }
  /** OSDs slow by `factor` (default 20); their reports late or missing if asked. */
  | {
    kind: "slow-osd";
    at: number;
    duration: number;
    osds: number[];
    factor?: number;
    reports?: "late" | "missing";
  }
  /** An OSD goes down and up `count` times, `period` seconds apart. */
  | { kind: "osd-flap"; at: number; osd: number; count?: number; period?: number }
  | { kind: "osd-out"; at: number; duration?: number; osd: number }
  | { kind: "osd-down"; at: number; duration?: number; osd: number }
  /**
   * An OSD's process crashes: down, and up again when systemd has restarted it (`duration`,
   * default {@linkcode OSD_RESTART_SECONDS}); its crash report is posted by ceph-crash.
   */
  | { kind: "osd-crash"; at: number; duration?: number; osd: number }
  | { kind: "host-down"; at: number; duration?: number; host: string }
  | { kind: "rack-down"; at: number; duration?: number; rack: string }
  /** The active manager fails; a standby takes over. */
  | { kind: "mgr-fail"; at: number }
  | { kind: "mds-down"; at: number; duration?: number; mds?: string }
  /**
   * A fault inside a manager module: its `serve()` throws, its `notify()` throws (while the
   * fault lasts), or its `shutdown()` hangs (when the manager next stops it).
   */
  | {
    kind: "module-fault";
    at: number;
    duration?: number;
    module: string;
    fault: "serve-throw" | "notify-throw" | "shutdown-hang";
  };

/** Every fault kind. */
export const FAULT_KINDS: readonly FaultSpec["kind"][] = [
  "mon-outage",
  "quorum-loss",
  "mon-down",
  "metadata-missing",
  "metadata-orphan",
  "metadata-stale",
  "late-reports",
  "slow-osd",
  "osd-flap",
  "osd-out",
  "osd-down",
  "osd-crash",
  "host-down",
  "rack-down",
  "mgr-fail",
  "mds-down",
  "module-fault",
];

/** systemd's RestartSec for Ceph's daemons: a crashed OSD boots again this much later. */
export const OSD_RESTART_SECONDS = 10;

/** When a fault is fully healed (Infinity if never), in seconds after the start. */
export function healTime(f: FaultSpec): number {
  // Neither a manager failure nor a module fault keeps the cluster from converging.
  if (f.kind === "mgr-fail" || f.kind === "module-fault") return f.at;
  if (f.kind === "osd-flap") return f.at + (f.count ?? 3) * (f.period ?? 20);
  if (f.kind === "osd-crash") return f.at + (f.duration ?? OSD_RESTART_SECONDS);
  return f.duration === undefined ? Infinity : f.at + f.duration;
}

/** Checks a fault record (from JSON) and returns it typed; throws naming the problem. */
export function validateFault(f: unknown, where = "fault"): FaultSpec {
  const o = f as Record<string, unknown>;
  if (typeof o !== "object" || o === null) throw new TypeError(`${where} must be an object`);
  if (!FAULT_KINDS.includes(o.kind as FaultSpec["kind"])) {
    throw new TypeError(`${where}.kind must be one of ${FAULT_KINDS.join(", ")}, got ${o.kind}`);
  }
  if (typeof o.at !== "number" || !(o.at >= 0)) {
    throw new TypeError(`${where}.at must be a number of seconds >= 0, got ${o.at}`);
  }
  if (o.duration !== undefined && !(typeof o.duration === "number" && o.duration >= 0)) {
    throw new TypeError(`${where}.duration must be a number >= 0, got ${o.duration}`);
  }
  return o as unknown as FaultSpec;
}

/** How {@linkcode drawFaults} draws. */
export interface RandomFaults {
  /** Chance per minute of a new fault. */
  perMinute: number;
  /** Kinds to draw from (default: osd-down, osd-flap, host-down, slow-osd, mon-down). */
  kinds?: FaultSpec["kind"][];
  /** Draw only during [from, until) seconds (default [60, duration - 600]). */
  from?: number;
  until?: number;
  /** Longest fault (default 300 s). */
  maxDuration?: number;
}

/**
 * Draws a fault schedule from `rng` (the "faults" stream) for a cluster's topology.
 *
 * @example
 * ```ts
 * import { Rng } from "../engine/prng.ts";
 * import { drawFaults } from "./faults.ts";
 * const f = drawFaults(new Rng(1).stream("faults"), { perMinute: 1, until: 600 }, {
 *   osds: 9, hosts: ["host1", "host2", "host3"], racks: [], mons: ["a", "b", "c"],
 * });
 * if (f.length === 0 || f.some((x) => x.at >= 600)) throw new Error();
 * ```
 */
export function drawFaults(
  rng: RngStream,
  spec: RandomFaults,
  topo: { osds: number; hosts: string[]; racks: string[]; mons: string[] },
  duration = Infinity,
): FaultSpec[] {
  const kinds = spec.kinds ?? ["osd-down", "osd-flap", "host-down", "slow-osd", "mon-down"];
  const from = spec.from ?? 60;
  const until = spec.until ?? duration - 600;
  const maxDuration = spec.maxDuration ?? 300;
  const out: FaultSpec[] = [];
  for (let t = from; t < until; t += 60) {
    if (!rng.chance(spec.perMinute)) continue;
    const at = t + rng.int(0, 59);
    const duration = rng.int(10, maxDuration);
    const kind = rng.pick(kinds);
    const osd = rng.int(0, topo.osds - 1);
    switch (kind) {
      case "mon-outage":
      case "quorum-loss":
      case "late-reports":
        out.push({ kind, at, duration });
        break;
      case "mon-down":
        out.push({ kind, at, duration, mon: rng.pick(topo.mons) });
        break;
      case "slow-osd":
        out.push({ kind, at, duration, osds: [osd], factor: rng.int(5, 50) });
        break;
      case "osd-flap":
        out.push({ kind, at, osd, count: rng.int(1, 4), period: rng.int(5, 60) });
        break;
      case "osd-out":
      case "osd-down":
        out.push({ kind, at, duration, osd });
        break;
      case "host-down":
        out.push({ kind, at, duration, host: rng.pick(topo.hosts) });
        break;
      case "rack-down":
        if (topo.racks.length > 0) out.push({ kind, at, duration, rack: rng.pick(topo.racks) });
        break;
      case "mgr-fail":
        out.push({ kind, at });
        break;
      case "module-fault":
        // Modules are the manager's; a cluster's random draws leave them alone.
        break;
      case "mds-down":
        out.push({ kind, at, duration });
        break;
      case "metadata-missing":
        out.push({ kind, at, duration, daemons: [`osd.${osd}`] });
        break;
      case "metadata-orphan":
        out.push({ kind, at, duration, osd: topo.osds + osd });
        break;
      case "metadata-stale":
        out.push({ kind, at, duration, daemons: [`osd.${osd}`], version: "16.2.16" });
        break;
    }
  }
  return out;
}

/**
 * Applies fault schedules to a cluster at their virtual times and heals them.
 *
 * @example
 * ```ts
 * import { Rng } from "../engine/prng.ts";
 * import { Scheduler } from "../engine/scheduler.ts";
 * import { SimCluster } from "../cluster/cluster.ts";
 * import { FaultInjector } from "./faults.ts";
 * const s = new Scheduler({ rng: new Rng(1) });
 * const c = new SimCluster(s, { hosts: 3, osdsPerHost: 1, pools: [{ name: "p", pgNum: 8 }] });
 * new FaultInjector(c).scheduleAll([{ kind: "mon-outage", at: 10, duration: 30 }]);
 * await s.runFor(20);
 * if (c.monReachable()) throw new Error("outage");
 * await s.runFor(30);
 * if (!c.monReachable()) throw new Error("healed");
 * ```
 */
export class FaultInjector {
  readonly cluster: SimCluster;
  /** Faults applied and not yet healed. */
  readonly active = new Set<FaultSpec>();
  /** Latest heal time of everything scheduled (seconds after the start; Infinity if never). */
  lastHeal = 0;
  readonly #start: number;

  constructor(cluster: SimCluster) {
    this.cluster = cluster;
    this.#start = cluster.scheduler.epoch;
  }

  /** Schedules every fault of `faults`. */
  scheduleAll(faults: readonly FaultSpec[]): void {
    for (const f of faults) this.schedule(f);
  }

  /** Schedules one fault (and its healing). */
  schedule(f: FaultSpec): void {
    const s = this.cluster.scheduler;
    this.lastHeal = Math.max(this.lastHeal, healTime(f));
    s.scheduleAt(this.#start + f.at, `fault ${_describe(f)}`, () => this.#apply(f));
  }

  /** Heals every active fault now (`sim heal`); returns how many were healed. */
  healAll(): number {
    const active = [...this.active];
    for (const f of active) {
      this.#heals.get(f)?.();
      this.#heals.delete(f);
      this.active.delete(f);
    }
    return active.length;
  }

  readonly #heals = new Map<FaultSpec, () => void>();

  #healAfter(f: FaultSpec, duration: number | undefined, heal: () => void): void {
    this.active.add(f);
    this.#heals.set(f, heal);
    if (duration === undefined) return;
    this.cluster.scheduler.schedule(duration, `heal ${f.kind}`, () => {
      if (!this.active.has(f)) return;
      heal();
      this.#heals.delete(f);
      this.active.delete(f);
    });
  }

  #apply(f: FaultSpec): void {
    const c = this.cluster;
    switch (f.kind) {
      case "mon-outage":
        c.monOutage(f.duration);
        this.#healAfter(f, f.duration, () => c.endMonOutage());
        break;
      case "quorum-loss": {
        const down = c.mons.names.slice(0, Math.floor(c.mons.names.length / 2) + 1);
        for (const m of down) c.mons.monDown(m);
        this.#healAfter(f, f.duration, () => down.forEach((m) => c.mons.monUp(m)));
        break;
      }
      case "mon-down": {
        const m = f.mon ?? c.mons.leaderName() ?? c.mons.names[0] as string;
        c.mons.monDown(m);
        this.#healAfter(f, f.duration, () => c.mons.monUp(m));
        break;
      }
      case "metadata-missing":
        f.daemons.forEach((d) => c.daemons.dropMetadata(d));
        this.#healAfter(
          f,
          f.duration,
          () => f.daemons.forEach((d) => c.daemons.refreshMetadata(d)),
        );
        break;
      case "metadata-orphan":
        c.daemons.addOrphan(f.osd);
        this.#healAfter(f, f.duration, () => c.daemons.removeOrphan(f.osd));
        break;
      case "metadata-stale":
        c.daemons.upgrade(f.daemons, f.version);
        this.#healAfter(
          f,
          f.duration,
          () => f.daemons.forEach((d) => c.daemons.refreshMetadata(d)),
        );
        break;
      case "late-reports": {
        const osds = f.osds ?? _all(c);
        const until = c.scheduler.now + f.duration;
        for (const o of osds) {
          c.lastReport[o] = 0;
          c.firstReportAfter[o] = until;
        }
        this.#healAfter(f, f.duration, () => {
          for (const o of osds) {
            c.firstReportAfter[o] = Math.min(c.firstReportAfter[o]!, c.scheduler.now);
          }
        });
        break;
      }
      case "slow-osd": {
        for (const o of f.osds) {
          c.setSlow(o, f.factor ?? 20);
          if (f.reports) c.reportDelay[o] = f.reports === "missing" ? Infinity : c.statsPeriod * 2;
        }
        this.#healAfter(f, f.duration, () => {
          for (const o of f.osds) {
            c.setSlow(o, 1);
            c.reportDelay[o] = 0;
          }
        });
        break;
      }
      case "osd-flap": {
        const count = f.count ?? 3, period = f.period ?? 20;
        this.active.add(f);
        for (let i = 0; i < count; i++) {
          c.scheduler.schedule(i * period, `flap osd.${f.osd} down`, () => c.osdDown(f.osd));
          c.scheduler.schedule(i * period + period / 2, `flap osd.${f.osd} up`, () => {
            c.osdUp(f.osd);
            if (i === count - 1) this.active.delete(f);
          });
        }
        break;
      }
      case "osd-out":
        c.osdOut(f.osd);
        this.#healAfter(f, f.duration, () => c.osdIn(f.osd));
        break;
      case "osd-down":
        c.osdDown(f.osd);
        this.#healAfter(f, f.duration, () => c.osdUp(f.osd));
        break;
      case "osd-crash":
        c.osdCrash(f.osd);
        this.#healAfter(f, f.duration ?? OSD_RESTART_SECONDS, () => c.osdUp(f.osd));
        break;
      case "host-down":
        c.hostDown(f.host);
        this.#healAfter(f, f.duration, () => c.hostUp(f.host));
        break;
      case "rack-down": {
        const id = c.map.crush.bucketId(f.rack);
        if (id === undefined) throw new RangeError(`no rack "${f.rack}"`);
        const osds = c.map.crush.devicesUnder(id);
        c.osdsDown(osds, `${f.rack} down`);
        this.#healAfter(f, f.duration, () => c.osdsUp(osds, `${f.rack} up`));
        break;
      }
      case "module-fault":
        c.moduleFault(f.module, f.fault, true);
        this.#healAfter(f, f.duration, () => c.moduleFault(f.module, f.fault, false));
        break;
      case "mgr-fail":
        c.mgrFailover();
        break;
      case "mds-down": {
        const m = f.mds ?? c.fs.activeName() ?? c.fs.daemons[0]?.name ?? "a";
        c.setMds(m, false);
        this.#healAfter(f, f.duration, () => c.setMds(m, true));
        break;
      }
    }
  }
}

function _all(c: SimCluster): number[] {
  const out: number[] = [];
  for (let o = 0; o < c.map.maxOsd; o++) if (c.map.has(o)) out.push(o);
  return out;
}

function _describe(f: FaultSpec): string {
  const { kind, at: _at, ...rest } = f;
  const parts = Object.entries(rest).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(",") : v}`);
  return [kind, ...parts].join(" ");
}
