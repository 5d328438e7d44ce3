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
      for (const row of report.rows) {
        const daemon = report.daemons[row]!;
        if (!perf.has(daemon)) perf.registerSchema(daemon, schema);
      }
      perf.ingestBatch(report, stamp);
    }
  }
}
