/**
 * What an active manager sees of a simulated cluster's PGs, without a manager: a core
 * {@linkcode PgIntake} fed by the cluster's OSDMap epochs and its OSDs' reports, exactly as
 * the manager's is. The runner's oracles and expectations and the simulator's tests read the
 * PGMap through it, and the cluster's whole health is its mons' checks plus the intake's.
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
export class PgObserver {
  readonly intake: PgIntake;
  readonly #cluster: SimCluster;
  readonly #unsubscribe: () => void;
  /** The OSDs that have sent this view all their PGs since it started or failed over. */
  readonly #covered = { osds: new Uint8Array(0) };

  constructor(cluster: SimCluster) {
    this.#cluster = cluster;
    this.intake = new PgIntake({ statsPeriod: cluster.statsPeriod });
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

  #health: { key: string; health: Health } | undefined;

  /** The cluster's health as the mon shows it: its own checks and the manager's. */
  health(): Health {
    const c = this.#cluster, now = c.scheduler.now;
    // Asked several times a period (digest, oracles, expectations): once per change.
    const key =
      `${this.intake.version} ${now} ${c.map.epoch} ${c.mons.electionEpoch} ${c.fs.epoch}`;
    if (this.#health?.key === key) return this.#health.health;
    this.#health = { key, health: this.#compute(now) };
    return this.#health.health;
  }

  #compute(now: number): Health {
    const merged: Record<string, HealthCheck> = {
      ...this.#cluster.health().checks,
      ...this.intake.healthChecks(now),
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

  /** Stops following the cluster. */
  close(): void {
    this.#unsubscribe();
  }
}
