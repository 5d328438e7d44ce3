/**
 * `status` (`ceph -s`), which the mon answers (Monitor::get_cluster_status) from its own maps
 * (monmap, OSDMap, FSMap, MgrMap), its health report (HealthMonitor) and what the active manager
 * reported to it (the PGMap digest and the progress events, MgrStatMonitor), printed by
 * core/status_output.ts.
 *
 * @module
 */
import type { CommandSignature, MonCommandResult } from "../../core/cluster_link.ts";
import { type StatusInputs, statusOutput } from "../../core/status_output.ts";
import { formatterFor, type Monitor, ok } from "./monitor.ts";

/**
 * The mon's `status` command.
 *
 * @example
 * ```ts
 * import { StatusMonitor } from "./status.ts";
 * const status = new StatusMonitor(() => ({
 *   fsid: "f",
 *   health: { status: "HEALTH_OK", checks: {}, mutes: [] },
 *   mgrMap: { active_name: "", standbys: [], available: false, modules: [], services: {} } as never,
 *   get: () => undefined,
 *   pgDigest: undefined,
 *   progress: {},
 *   now: 0,
 * }));
 * console.assert(status.handle("status", { prefix: "status" }).outb.includes("HEALTH_OK"));
 * ```
 */
export class StatusMonitor implements Monitor {
  readonly commands: readonly CommandSignature[] = [
    { sig: "status", help: "show cluster status", perm: "r" },
  ];

  constructor(readonly inputs: () => StatusInputs) {}

  handle(_prefix: string, cmd: Record<string, unknown>): MonCommandResult {
    return ok(statusOutput(this.inputs(), formatterFor(cmd) ?? undefined));
  }
}
