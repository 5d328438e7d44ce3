/**
 * What the daemons report to the active manager, taken in as it arrives (Ceph's DaemonServer
 * handling MPGStats and MMgrReport): PG statistics into the manager's PGMap, the OSDMap's
 * changes into the same, and the daemons' health metrics. A manager that becomes active starts
 * from an empty PGMap, as a new ceph-mgr does; a standby takes nothing in.
 *
 * This runs when an update is delivered, before the updates queued for the modules: a report's
 * arrays are the sender's and valid only while it is delivered, and the PGMap must follow the
 * MgrMap and OSDMap in the order they came.
 *
 * @module
 */
import type { PgHealthOptions } from "./state/pg_health.ts";
import type { Clock } from "./clock.ts";
import type { ClusterUpdate } from "./cluster_link.ts";
import type { HealthCheck } from "./health.ts";
import { PgIntake } from "./state/pg_intake.ts";
import type { OsdMapFacts } from "./state/pg_map.ts";
import { OsdPerfCollector } from "./osd_perf_collector.ts";
import type { OsdPerfQuerySet } from "./osd_perf_query.ts";

/** What the intake needs of its manager. */
export interface ReportIntakeOptions {
  clock: Clock;
  /** This manager's gid (it is active when the MgrMap names it); a function when it can change (respawns). */
  gid: number | (() => number);
  /** The OSDMap as the manager's `get('osd_map')` shows it. */
  osdMap(): unknown;
  smoothIntervals?: number;
  statsPeriod?: number;
  /** Tells the OSDs which perf queries to evaluate (the link's `setOsdPerfQueries`). */
  setOsdPerfQueries?(queries: OsdPerfQuerySet[]): void;
  /** The manager's values of the options its PG checks read (Ceph's defaults when absent). */
  healthOptions?(): PgHealthOptions;
}

/**
 * The daemons' reports to this manager.
 *
 * @example
 * ```ts
 * import { ReportIntake } from "./report_intake.ts";
 * const intake = new ReportIntake({ clock: { now: () => 100, sleep: async () => {} }, gid: 7, osdMap: () => null });
 * if (intake.active) throw new Error("not active before the MgrMap says so");
 * ```
 */
export class ReportIntake {
  readonly pgs: PgIntake;
  /** The modules' OSD perf queries and what the OSDs counted for them. */
  readonly osdPerf: OsdPerfCollector;
  #active = false;
  readonly #options: ReportIntakeOptions;

  constructor(options: ReportIntakeOptions) {
    this.#options = options;
    this.osdPerf = new OsdPerfCollector((q) => options.setOsdPerfQueries?.(q));
    this.pgs = new PgIntake({
      smoothIntervals: options.smoothIntervals,
      statsPeriod: options.statsPeriod,
    });
  }

  /** Whether this manager takes reports in (the MgrMap names it active). */
  get active(): boolean {
    return this.#active;
  }

  /** Becomes active (once): an empty PGMap on the current OSDMap. */
  activate(): void {
    if (this.#active) return;
    this.#active = true;
    this.pgs.activate(this.#options.clock.now());
    this.#applyOsdMap();
  }

  #gid(): number {
    const gid = this.#options.gid;
    return typeof gid === "function" ? gid() : gid;
  }

  /** Takes in what an update carries for the PGMap. */
  receive(u: ClusterUpdate): void {
    switch (u.kind) {
      case "mgr_map":
        if (u.mgrMap.active_gid === this.#gid()) this.activate();
        else {
          // A manager that is not active has no queries: the OSDs report to the active one.
          if (this.#active) this.osdPerf.clear();
          this.#active = false;
        }
        break;
      case "notify":
        if (u.type === "osd_map" && this.#active) this.#applyOsdMap();
        break;
      case "pg_stats":
        // MPGStats go to the active manager only.
        if (this.#active) this.pgs.ingest(u.report, this.#options.clock.now());
        break;
      case "perf":
        if (this.#active && u.healthMetrics) {
          const daemons = u.reports.flatMap((r) => Array.from(r.rows, (i) => r.daemons[i]!));
          this.pgs.setHealthMetrics(daemons, u.healthMetrics);
        }
        if (this.#active && u.osdPerf) this.osdPerf.ingest(u.osdPerf);
        break;
    }
  }

  /** The manager's own PG and daemon checks (none while it is not active). */
  healthChecks(): Record<string, HealthCheck> {
    if (!this.#active) return {};
    return this.pgs.healthChecks(this.#options.clock.now(), this.#options.healthOptions?.());
  }

  /** `get('pg_ready')`. */
  pgReady(): boolean {
    return this.#active && this.pgs.pgReady(this.#options.clock.now());
  }

  #applyOsdMap(): void {
    const map = this.#options.osdMap() as OsdMapFacts | null;
    if (map && Array.isArray(map.pools)) this.pgs.applyOsdMap(map, this.#options.clock.now());
  }
}
