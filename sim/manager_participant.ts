/**
 * The real manager, with the built-in modules, taking part in a simulated run: it starts on the
 * run's virtual clock with its own in-memory mon and a session on the simulated cluster, and
 * reports a failure when a module crashed during the run.
 *
 * @module
 */
import type { Clock } from "../core/clock.ts";
import { DaemonLog } from "../core/logging.ts";
import { Manager } from "../core/manager.ts";
import { ALWAYS_ON_MODULES, BUILTIN_MODULES } from "../modules/mod.ts";
import type { SimCluster } from "./cluster/cluster.ts";
import { SimClusterLink } from "./cluster_link.ts";
import { EmbeddedMon } from "./mon/mon.ts";
import { MonLink } from "./mon/mon_link.ts";
import type { Participant } from "./runner/run.ts";

/** Options of {@linkcode managerParticipant}. */
export interface ManagerParticipantOptions {
  builtins?: Readonly<Record<string, Record<string, unknown>>>;
  /** Modules enabled from the start (default: every built-in). */
  modules?: readonly string[];
}

/** A participant that runs a manager (`mgr.x`) for the length of a simulated run. */
export function managerParticipant(
  options: ManagerParticipantOptions = {},
): Participant & { manager(): Manager | undefined } {
  const builtins = options.builtins ?? BUILTIN_MODULES;
  let manager: Manager | undefined;
  let link: SimClusterLink | undefined;
  let mon: EmbeddedMon | undefined;
  let log: DaemonLog | undefined;
  const failures: string[] = [];
  return {
    manager: () => manager,
    async start(clock: Clock, cluster: SimCluster) {
      mon = EmbeddedMon.open(":memory:", {
        alwaysOnModules: [...ALWAYS_ON_MODULES],
        initialModules: [...(options.modules ?? Object.keys(builtins))],
        now: () => clock.now(),
        fsid: cluster.map.fsid,
      });
      link = new SimClusterLink(new MonLink(mon, clock), cluster);
      log = new DaemonLog({ daemonName: "mgr.x", id: "x", memoryLines: 200 });
      manager = await Manager.start({
        id: "x",
        clock,
        link,
        log,
        builtins,
        metadata: cluster.daemons.metadata("mgr.x") ?? {},
      });
    },
    async stop() {
      if (!manager) return;
      const health = manager.health();
      for (const code of ["MGR_MODULE_ERROR", "MGR_MODULE_DEPENDENCY"]) {
        const check = health.checks[code];
        if (check) {
          failures.push(`manager: ${code}: ${check.detail.map((d) => d.message).join("; ")}`);
        }
      }
      await manager.stop();
      link?.close();
      mon?.close();
      log?.close();
    },
    failures: () => failures,
  };
}
