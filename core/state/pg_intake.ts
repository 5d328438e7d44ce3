/**
 * The active manager's intake of what the daemons report to it (Ceph's DaemonServer and
 * ClusterState): PG statistics into its {@linkcode PgMap}, the OSDMap's changes into the same,
 * the daemons' health metrics, and whether the PGMap is ready (DaemonServer::maybe_ready: every
 * up OSD has reported, or four stats periods have passed since the manager became active).
 * From these come the `get()` views of the PGMap and the manager's own health checks.
 *
 * @module
 */
import type { DaemonHealthMetric } from "../cluster_link.ts";
import type { HealthCheck } from "../health.ts";
import type { PgStatsReport } from "../pg_stats_report.ts";
import { type OsdMapFacts, PgMap } from "./pg_map.ts";
import { PgMapViews } from "./pg_map_views.ts";
import { pgHealthChecks, type PgHealthOptions, slowOpsCheck } from "./pg_health.ts";

/** The `get()` names the intake answers. */
export const PG_MAP_NAMES = [
  "pg_summary",
  "pg_status",
  "pg_dump",
  "pg_stats",
  "pool_stats",
  "osd_stats",
  "osd_pool_stats",
  "df",
  "io_rate",
] as const;

/**
 * {@linkcode PgIntake.healthMetricsBulk}: every daemon's health metrics as parallel arrays, one
 * entry per metric, in `get_daemon_health_metrics()` order.
 */
export interface DaemonHealthBulk {
  /** The daemon of each entry (`osd.3`). */
  readonly daemon: readonly string[];
  /** Its metric type (`SLOW_OPS`, `PENDING_CREATING_PGS`). */
  readonly type: readonly string[];
  /** Its value. */
  readonly value: Float64Array;
}

/** Options of a {@linkcode PgIntake}. */
export interface PgIntakeOptions {
  /** `mon_stat_smooth_intervals` (default 6). */
  smoothIntervals?: number;
  /** `mgr_stats_period` (default 5): the PGMap is ready at the latest 4 periods after start. */
  statsPeriod?: number;
}

/**
 * PG statistics, health metrics and their views.
 *
 * @example
 * ```ts
 * import { PgIntake } from "./pg_intake.ts";
 * const intake = new PgIntake();
 * intake.activate(100);
 * intake.applyOsdMap({
 *   epoch: 3, modified: "1970-01-01T00:01:40.000000+0000",
 *   pools: [{ pool: 1, pool_name: "rbd", size: 3, min_size: 2, pg_num: 4 }],
 *   osds: [{ osd: 0, up: 1, in: 1 }],
 * }, 100);
 * if (intake.pgReady(101)) throw new Error("osd.0 has not reported yet");
 * if (!intake.pgReady(121)) throw new Error("ready after four stats periods anyway");
 * ```
 */
export class PgIntake {
  readonly pgMap: PgMap;
  readonly views: PgMapViews;
  #metrics: Record<string, DaemonHealthMetric[]> = {};
  #ready = false;
  #startedAt = 0;
  readonly #reported = new Set<number>();
  readonly #statsPeriod: number;
  #osdUp: (id: number) => boolean = () => false;

  constructor(options: PgIntakeOptions = {}) {
    this.pgMap = new PgMap({ smoothIntervals: options.smoothIntervals });
    this.views = new PgMapViews(this.pgMap);
    this.#statsPeriod = options.statsPeriod ?? 5;
  }

  /** Changes whenever a view would answer differently. */
  get version(): number {
    return this.pgMap.version;
  }

  /** The manager has become active: it starts from an empty PGMap, as a new ceph-mgr does. */
  activate(now: number): void {
    this.pgMap.clear();
    this.#metrics = {};
    this.#slow = {};
    this.#metricsOrder = undefined;
    this.#ready = false;
    this.#startedAt = now;
    this.#reported.clear();
    this.#metricsVersion++;
  }

  /** A new OSDMap (`get('osd_map')`). */
  applyOsdMap(map: OsdMapFacts, now: number): void {
    this.pgMap.applyOsdMap(map, now);
    const up = this.pgMap.osdUp;
    this.#osdUp = (id) => up[id] === 1;
  }

  /** One period's PG statistics. */
  ingest(report: PgStatsReport, now: number): void {
    this.pgMap.ingest(report);
    if (this.#ready) return;
    for (let i = 0; i < report.osds.length; i++) this.#reported.add(report.osds.osd[i]!);
    const m = this.pgMap;
    for (let id = 0; id < m.osdUp.length; id++) {
      if (m.osdUp[id] === 1 && !this.#reported.has(id)) {
        this.#ready = this.#gaveUp(now);
        return;
      }
    }
    this.#ready = true;
  }

  /** The health metrics `daemons` sent in their last reports (none: they have nothing to say). */
  setHealthMetrics(
    daemons: readonly string[],
    metrics: Readonly<Record<string, readonly DaemonHealthMetric[]>>,
  ): void {
    // Every OSD sends its metrics, zeros included, every period: at 10,000 OSDs only the
    // changed ones are copied, and only a change moves the checks' version.
    let changed = false;
    for (const d of daemons) {
      const list = metrics[d];
      const old = this.#metrics[d];
      if (list === undefined || list.length === 0) {
        if (old) {
          this.#metricsOrder = undefined;
          delete this.#metrics[d];
          delete this.#slow[d];
          changed = true;
        }
        continue;
      }
      if (old && _sameMetrics(old, list)) continue;
      changed = true;
      if (!old || old.length !== list.length || old.some((m, i) => m.type !== list[i]!.type)) {
        this.#metricsOrder = undefined;
      }
      const copy = list.map((m) => ({ ...m }));
      this.#metrics[d] = copy;
      if (copy.some((m) => m.type === "SLOW_OPS" && m.value > 0)) this.#slow[d] = copy;
      else delete this.#slow[d];
    }
    if (changed) this.#metricsVersion++;
  }

  /**
   * `get_daemon_health_metrics()`: each daemon's metrics as the module API shows them, daemons
   * in DaemonStateIndex's order (by type, then name, each as a string: osd.10 before osd.2).
   */
  healthMetrics(): Record<string, DaemonHealthMetric[]> {
    const out: Record<string, DaemonHealthMetric[]> = {};
    this.#metricsOrder ??= Object.keys(this.#metrics).sort(daemonKeyOrder);
    for (const d of this.#metricsOrder) {
      out[d] = this.#metrics[d]!.map((m) => ({ value: m.value, type: m.type }));
    }
    return out;
  }

  /**
   * The same as {@linkcode healthMetrics}, as typed arrays and without an object per metric:
   * what an exporter reads at 10,000 OSDs. The object and its arrays stay the same while no
   * daemon comes, goes or changes its metric types; `value` is rewritten in place after each
   * report.
   */
  healthMetricsBulk(): DaemonHealthBulk {
    let bulk = this.#bulk;
    if (bulk === undefined || this.#metricsOrder === undefined) {
      const order = this.#metricsOrder = Object.keys(this.#metrics).sort(daemonKeyOrder);
      const daemon: string[] = [], type: string[] = [];
      for (const d of order) {
        for (const m of this.#metrics[d]!) {
          daemon.push(d);
          type.push(m.type);
        }
      }
      bulk = this.#bulk = { daemon, type, value: new Float64Array(daemon.length) };
      this.#bulkVersion = -1;
    }
    if (this.#bulkVersion !== this.#metricsVersion) {
      let i = 0;
      for (const d of this.#metricsOrder) {
        for (const m of this.#metrics[d]!) bulk.value[i++] = m.value;
      }
      this.#bulkVersion = this.#metricsVersion;
    }
    return bulk;
  }

  /** Whether every up OSD has reported since the manager became active (`get('pg_ready')`). */
  pgReady(now: number): boolean {
    if (!this.#ready && this.#gaveUp(now)) this.#ready = true;
    return this.#ready;
  }

  #gaveUp(now: number): boolean {
    return now - this.#startedAt > this.#statsPeriod * 4;
  }

  /**
   * The manager's PG and daemon checks (PGMap::get_health_checks and SLOW_OPS); none until the
   * PGMap is ready, as DaemonServer sends no PG state to the mon before then.
   */
  healthChecks(now: number, options: PgHealthOptions = {}): Record<string, HealthCheck> {
    if (!this.pgReady(now)) return {};
    // Asked several times a period (the beacon, staleness, health listeners): once per change.
    const key = `${this.pgMap.version} ${now} ${this.#metricsVersion} ${JSON.stringify(options)}`;
    if (this.#checks?.key !== key) {
      this.#checks = { key, checks: this.#computeChecks(now, options) };
    }
    return structuredClone(this.#checks.checks);
  }

  #checks: { key: string; checks: Record<string, HealthCheck> } | undefined;
  #metricsVersion = 0;
  /** The daemons of #metrics with slow ops: what SLOW_OPS looks at. */
  #slow: Record<string, DaemonHealthMetric[]> = {};
  /** The daemons of #metrics in DaemonKey order, until one comes, goes or changes types. */
  #metricsOrder: string[] | undefined;
  /** #metrics as healthMetricsBulk() laid it out, for #metricsOrder, and its values' version. */
  #bulk: DaemonHealthBulk | undefined;
  #bulkVersion = -1;

  #computeChecks(now: number, options: PgHealthOptions): Record<string, HealthCheck> {
    const checks = pgHealthChecks(this.pgMap, now, options);
    const slow = slowOpsCheck(this.#slow, (daemon) => {
      const dot = daemon.indexOf(".");
      return daemon.slice(0, dot) !== "osd" || this.#osdUp(Number(daemon.slice(dot + 1)));
    });
    if (slow) checks.SLOW_OPS = slow;
    return checks;
  }

  /** `get(name)` for the names of {@linkcode PG_MAP_NAMES}; `deviceClass` names OSDs' classes. */
  get(name: string, deviceClass: (osd: number) => string | undefined = () => undefined): unknown {
    const v = this.views;
    switch (name) {
      case "pg_summary":
        return v.pgSummary();
      case "pg_status":
        return v.pgStatus();
      case "pg_dump":
        return v.pgDump();
      case "pg_stats":
        return v.pgStats();
      case "pool_stats":
        return v.poolStats();
      case "osd_stats":
        return v.osdStatsView();
      case "osd_pool_stats":
        return v.osdPoolStats();
      case "df":
        return v.df(deviceClass);
      case "io_rate":
        return v.ioRate();
    }
    return undefined;
  }
}

/** DaemonKey's `<`: the type, then the name, each compared as bytes. */
function daemonKeyOrder(a: string, b: string): number {
  const [ta, na] = splitDaemon(a), [tb, nb] = splitDaemon(b);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return na < nb ? -1 : na > nb ? 1 : 0;
}

function splitDaemon(name: string): [string, string] {
  const dot = name.indexOf(".");
  return dot < 0 ? [name, ""] : [name.slice(0, dot), name.slice(dot + 1)];
}

function _sameMetrics(a: readonly DaemonHealthMetric[], b: readonly DaemonHealthMetric[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    if (x.type !== y.type || x.value !== y.value || (x.oldest ?? 0) !== (y.oldest ?? 0)) {
      return false;
    }
  }
  return true;
}
