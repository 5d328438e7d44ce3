/**
 * Update intake: the updates the mon session and the daemons push through the ClusterLink
 * (config DB, config-key store, MgrMap, notifications, perf reports, cluster log), applied one
 * after another, in the order they came, to the manager's copies and its modules.
 *
 * @module
 */
import type { Clock } from "./clock.ts";
import type { ClusterUpdate, PerfReportBatch } from "./cluster_link.ts";
import type { ConfigView } from "./config_view.ts";
import type { KvStore } from "./kv_store.ts";
import type { ModuleLogger } from "./logging.ts";
import type { ModuleHost } from "./module_host.ts";
import type { MgrMap } from "../ceph/mgr_map.ts";
import {
  type CounterSchemaEntry,
  type PerfCounterStore,
  schemaFromColumns,
} from "./state/perf_counters.ts";

/** What the updates are applied to. */
export interface IntakeTargets {
  clock: Clock;
  config: ConfigView;
  kv: KvStore;
  perf: PerfCounterStore;
  /** The running modules: told of config changes and notifications. */
  modules: Pick<ModuleHost, "configChanged" | "notifyAll">;
  /** The daemon log (mon session lost or restored). */
  log: ModuleLogger;
  /** Whether this daemon is the active manager (only it hears reports and the cluster log). */
  isActive(): boolean;
  /**
   * This manager's own daemon name (`mgr.x`): its counters are its own (core/manager.ts), and a
   * report of another daemon of that name (a real ceph-mgr `x` beside mgrd's manager `x`) is
   * dropped, never mixed into them.
   */
  ownDaemon?: string;
  /** Whether the daemon has stopped (updates are dropped then). */
  stopped(): boolean;
  /** A new MgrMap: the manager takes it and runs what its role asks for. */
  mgrMap(map: MgrMap): Promise<void>;
  /** After the modules were told of a notification. */
  notified?(type: string): void;
}

/** Applies cluster updates in order, one at a time. */
export class UpdateIntake {
  #applied: Promise<void> = Promise.resolve();
  /** The counter schema of each report schema object, converted once. */
  readonly #schemas = new WeakMap<object, CounterSchemaEntry[]>();
  /**
   * The report schema each daemon was last declared with: a daemon whose schema changed (an
   * MDS that went from standby to active has the `mds` sections now) is declared again, as
   * MgrClient declares a new schema in its next report.
   */
  readonly #declared = new Map<string, object>();

  constructor(readonly targets: IntakeTargets) {}

  /** Queues an update behind the ones received before it. */
  receive(update: ClusterUpdate): void {
    this.#applied = this.#applied.then(() => this.#apply(update));
  }

  /** Resolves once every update received so far has been applied. */
  applied(): Promise<void> {
    return this.#applied;
  }

  async #apply(update: ClusterUpdate): Promise<void> {
    const t = this.targets;
    if (t.stopped()) return;
    switch (update.kind) {
      case "config":
        if (t.config.replace(update.config)) t.modules.configChanged();
        break;
      case "kv":
        if (update.value === null || update.key.startsWith("mgr/")) {
          t.kv.set(update.key, update.value);
        }
        break;
      case "mgr_map":
        await t.mgrMap(update.mgrMap);
        break;
      case "connection":
        t.log.warning(`mon session ${update.connected ? "restored" : "lost"}`);
        break;
      case "notify":
        t.modules.notifyAll(update.type, "");
        t.notified?.(update.type);
        break;
      case "perf":
        // Daemons report to the active manager only (MMgrReport); a standby keeps no counters.
        if (t.isActive()) this.#ingest(update.reports);
        break;
      case "clog":
        // Only the active manager's modules hear the cluster log (a standby runs none).
        if (t.isActive()) t.modules.notifyAll("clog", update.entry as unknown as string);
        break;
    }
  }

  #ingest(reports: readonly PerfReportBatch[]): void {
    const { perf, clock } = this.targets;
    const stamp = clock.now();
    for (const report of reports) {
      let schema = this.#schemas.get(report.schema);
      if (!schema) this.#schemas.set(report.schema, schema = schemaFromColumns(report.schema));
      let own = -1;
      for (const [i, row] of report.rows.entries()) {
        const daemon = report.daemons[row]!;
        if (daemon === this.targets.ownDaemon) {
          own = i;
          continue;
        }
        if (this.#declared.get(daemon) !== report.schema || !perf.has(daemon)) {
          perf.registerSchema(daemon, schema);
          this.#declared.set(daemon, report.schema);
        }
      }
      perf.ingestBatch(own < 0 ? report : withoutRow(report, own), stamp);
    }
  }
}

/** `report` without its `i`-th row. */
function withoutRow(report: PerfReportBatch, i: number): PerfReportBatch {
  const size = report.schema.size;
  const cut = <T extends Float64Array>(a: T): Float64Array => {
    const out = new Float64Array(a.length - size);
    out.set(a.subarray(0, i * size));
    out.set(a.subarray((i + 1) * size), i * size);
    return out;
  };
  const rows = Int32Array.from([...report.rows.subarray(0, i), ...report.rows.subarray(i + 1)]);
  const stamps = report.stamps &&
    Float64Array.from([...report.stamps.subarray(0, i), ...report.stamps.subarray(i + 1)]);
  return {
    ...report,
    rows,
    ...(stamps ? { stamps } : {}),
    values: cut(report.values),
    counts: cut(report.counts),
  };
}
