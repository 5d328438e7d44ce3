/**
 * What an active manager sees of a simulated cluster's PGs: {@linkcode IntakeView} reads a
 * core {@linkcode PgIntake} (the PGMap views, and the cluster's whole health as its mons'
 * checks plus the intake's); {@linkcode PgObserver} is such a view without a manager, an
 * intake of its own fed by the cluster's OSDMap epochs and its OSDs' reports exactly as the
 * manager's is. The runner's oracles and expectations read the active manager's intake when
 * the run has managers, and an observer otherwise; the simulator's tests read observers.
 *
 * @module
 */
import type { HealthCheck } from "../core/health.ts";
import type { OsdMapFacts } from "../core/state/pg_map.ts";
import { PgIntake } from "../core/state/pg_intake.ts";
import type { SimCluster } from "./cluster/cluster.ts";
import type { Health } from "./cluster/health.ts";
import { dumpOsdMap } from "./cluster/osd_map_dump.ts";

/**
 * The PGs and health a manager sees through an intake: `intake()` names the intake to read
 * at each call (an active manager's changes when another takes over).
 *
 * @example
 * ```ts
 * import { Rng } from "./engine/prng.ts";
 * import { Scheduler } from "./engine/scheduler.ts";
 * import { SimCluster } from "./cluster/cluster.ts";
 * import { IntakeView, PgObserver } from "./pg_observer.ts";
 * const s = new Scheduler({ rng: new Rng(1) });
 * const c = new SimCluster(s, { hosts: 3, osdsPerHost: 1, pools: [{ name: "p", pgNum: 8 }] });
 * const observer = new PgObserver(c);
 * const view = new IntakeView(c, () => observer.intake);
 * c.startReporting();
 * await s.runFor(10);
 * if (view.health().status !== observer.health().status) throw new Error("one intake");
 * observer.close();
 * ```
 */
export class IntakeView {
  readonly #cluster: SimCluster;
  readonly #intake: () => PgIntake;
  readonly #receiving: () => boolean;

  /** `receiving()` says whether the intake is taking in the OSDs' reports now. */
  constructor(cluster: SimCluster, intake: () => PgIntake, receiving: () => boolean = () => true) {
    this.#cluster = cluster;
    this.#intake = intake;
    this.#receiving = receiving;
  }

  /** The intake read now. */
  get intake(): PgIntake {
    return this.#intake();
  }

  /** Whether this period's reports reach the intake (not while no manager is active). */
  receiving(): boolean {
    return this.#receiving();
  }

  /** `get(name)` of a PGMap view (`pg_dump`, `df`, ...). */
  get(name: string): unknown {
    const devices = this.#cluster.map.crush.devices;
    return this.intake.get(name, (osd) => devices[osd]?.deviceClass);
  }

  /** The PG states the manager sees, one per PG (0 is unknown). */
  states(): Float64Array {
    const m = this.intake.pgMap;
    return m.state.subarray(0, m.count);
  }

  #health: { key: string; intake: PgIntake; health: Health } | undefined;

  /** The cluster's health as the mon shows it: its own checks and the manager's. */
  health(): Health {
    const c = this.#cluster, now = c.scheduler.now, intake = this.intake;
    // Asked several times a period (digest, oracles, expectations): once per change.
    const key = `${intake.version} ${now} ${c.map.epoch} ${c.mons.electionEpoch} ${c.fs.epoch}`;
    if (this.#health?.key === key && this.#health.intake === intake) return this.#health.health;
    this.#health = { key, intake, health: this.#compute(intake, now) };
    return this.#health.health;
  }

  #compute(intake: PgIntake, now: number): Health {
    const merged: Record<string, HealthCheck> = {
      ...this.#cluster.health().checks,
      ...intake.healthChecks(now),
    };
    const checks: Record<string, HealthCheck> = {};
    for (const k of Object.keys(merged).sort()) checks[k] = merged[k]!;
    const values = Object.values(checks);
    const status = values.some((c) => c.severity === "HEALTH_ERR")
      ? "HEALTH_ERR"
      : values.length > 0
      ? "HEALTH_WARN"
      : "HEALTH_OK";
    return { status, checks };
  }

  /** Stops reading (an observer stops following the cluster). */
  close(): void {}
}

/**
 * A manager's view of the PGs, kept up to date with the cluster.
 *
 * @example
 * ```ts
 * import { Rng } from "./engine/prng.ts";
 * import { Scheduler } from "./engine/scheduler.ts";
 * import { SimCluster } from "./cluster/cluster.ts";
 * import { PgObserver } from "./pg_observer.ts";
 * const s = new Scheduler({ rng: new Rng(1) });
 * const c = new SimCluster(s, { hosts: 3, osdsPerHost: 1, pools: [{ name: "p", pgNum: 8 }] });
 * const seen = new PgObserver(c);
 * c.startReporting();
 * await s.runFor(10);
 * const summary = seen.get("pg_summary") as { all: Record<string, number> };
 * if (summary.all["active+clean"] !== 8) throw new Error(JSON.stringify(summary.all));
 * seen.close();
 * ```
 */
export class PgObserver extends IntakeView {
  readonly #cluster: SimCluster;
  readonly #unsubscribe: () => void;
  /** The OSDs that have sent this view all their PGs since it started or failed over. */
  readonly #covered = { osds: new Uint8Array(0) };

  constructor(cluster: SimCluster) {
    const intake = new PgIntake({ statsPeriod: cluster.statsPeriod });
    super(cluster, () => intake);
    this.#cluster = cluster;
    this.#activate();
    this.#unsubscribe = cluster.subscribe((e) => {
      const now = cluster.scheduler.now;
      if (e.kind === "osd_map") {
        this.intake.applyOsdMap(this.#osdMap(), now);
      } else if (e.kind === "stats") {
        for (const report of cluster.pgReporter.reportsFor(this.#covered, e.pgStats)) {
          this.intake.ingest(report, now);
        }
        const daemons = Array.from(e.pgStats.osds.osd, (o) => `osd.${o}`);
        this.intake.setHealthMetrics(daemons, e.healthMetrics);
      } else if (e.kind === "mgr_failover") {
        this.#activate();
      }
    });
  }

  #activate(): void {
    const now = this.#cluster.scheduler.now;
    this.intake.activate(now);
    this.intake.applyOsdMap(this.#osdMap(), now);
    this.#covered.osds.fill(0);
  }

  #osdMap(): OsdMapFacts {
    return dumpOsdMap(this.#cluster.map) as unknown as OsdMapFacts;
  }

  /** Stops following the cluster. */
  override close(): void {
    this.#unsubscribe();
  }
}
