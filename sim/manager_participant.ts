/**
 * The real managers, with the built-in modules, taking part in a simulated run: `mgr.x` starts
 * active and `mgr.y` standby, each with a session on the run's cluster and one shared in-memory
 * mon, on the run's virtual clock. When the cluster's active manager fails (the `mgr-fail`
 * fault), that daemon stops beaconing; the mon fails it after `mon_mgr_beacon_grace` and the
 * standby takes over; the failed daemon restarts a minute later, as a standby. Module faults
 * (`module-fault`) are carried out in the active manager's module host. The run fails when a
 * module crashed without an injected fault (or an injected crash did not show), or when not
 * exactly one manager ends up active.
 *
 * @module
 */
import { seededRandom } from "./engine/prng.ts";
import type { Clock } from "../core/clock.ts";
import { DaemonLog } from "../core/logging.ts";
import { Manager } from "../core/manager.ts";
import { ALWAYS_ON_MODULES, BUILTIN_MODULES } from "../modules/mod.ts";
import type { SimCluster } from "./cluster/cluster.ts";
import { SimClusterLink } from "./cluster_link.ts";
import { logClusterEvents } from "./cluster_log.ts";
import { EmbeddedMon } from "./mon/mon.ts";
import { MonLink } from "./mon/mon_link.ts";
import { IntakeView } from "./pg_observer.ts";
import { crashPoster } from "./crash_client.ts";
import type { Participant } from "./runner/run.ts";
import { PgIntake } from "../core/state/pg_intake.ts";

/**
 * Built-ins a run does not enable unless asked: prometheus, alerts, influx, telegraf and
 * zabbix (an HTTP server, SMTP, requests to InfluxDB, sockets to Telegraf, the zabbix_sender
 * process: real I/O, whose timing would make a simulated run differ from its replay; and
 * unconfigured, the last four log a failed send every interval), and the modules that act on
 * the whole cluster on their own — localpool makes a pool and a CRUSH rule per host (500 at
 * scale-10k), the balancer and pg_autoscaler change placement and pg_num behind a scenario's
 * back, and devicehealth and the orchestrator backend poll every daemon — so that a scenario
 * tests what it injects.
 */
const NOT_BY_DEFAULT = new Set([
  "prometheus",
  "alerts",
  "influx",
  "localpool",
  "telegraf",
  "zabbix",
  "balancer",
  "pg_autoscaler",
  "devicehealth",
  "orchestrator",
  "sim_orchestrator",
]);

/** Options of {@linkcode managerParticipant}. */
export interface ManagerParticipantOptions {
  builtins?: Readonly<Record<string, Record<string, unknown>>>;
  /**
   * Modules enabled from the start (default: every built-in but those in NOT_BY_DEFAULT).
   */
  modules?: readonly string[];
}

interface Daemon {
  manager: Manager;
  link: SimClusterLink;
  log: DaemonLog;
  crashed: boolean;
}

/** A participant that runs the cluster's managers for the length of a simulated run. */
export function managerParticipant(
  options: ManagerParticipantOptions = {},
): Participant & { managers(): Manager[] } {
  const builtins = options.builtins ?? BUILTIN_MODULES;
  const daemons = new Map<string, Daemon>();
  let mon: EmbeddedMon | undefined;
  let unsubscribe = () => {};
  let stopClusterLog = () => {};
  const ticking = new AbortController();
  let ticks: Promise<void> = Promise.resolve();
  const restarts: Promise<void>[] = [];
  const failures: string[] = [];
  /** Modules whose serve() was made to throw: their MGR_MODULE_ERROR is expected. */
  const crashed = new Set<string>();
  let scheduler: SimCluster["scheduler"] | undefined;
  let runCluster: SimCluster | undefined;
  const active = () => [...daemons.values()].find((d) => !d.crashed && d.manager.isActive());
  /** The daemon that was active last: while none is, the mon shows what it saw. */
  let lastActive: Daemon | undefined;
  const nobody = new PgIntake();
  return {
    managers: () => [...daemons.values()].map((d) => d.manager),
    managerView(cluster: SimCluster) {
      const current = () => (lastActive = active() ?? lastActive);
      return new IntakeView(
        cluster,
        () => current()?.manager.reports.pgs ?? nobody,
        () => active() !== undefined,
      );
    },
    async start(clock: Clock, cluster: SimCluster) {
      scheduler = cluster.scheduler;
      runCluster = cluster;
      mon = EmbeddedMon.open(":memory:", {
        alwaysOnModules: [...ALWAYS_ON_MODULES],
        initialModules: [
          ...(options.modules ?? Object.keys(builtins).filter((m) => !NOT_BY_DEFAULT.has(m))),
        ],
        now: () => clock.now(),
        fsid: cluster.map.fsid,
        cluster,
      });
      const theMon = mon;
      stopClusterLog = logClusterEvents(theMon, cluster);
      ticks = (async () => {
        while (!ticking.signal.aborted) {
          await clock.sleep(1, ticking.signal);
          if (!ticking.signal.aborted) theMon.tick();
        }
      })();
      const launch = async (id: string) => {
        const link = new SimClusterLink(new MonLink(theMon, clock), cluster);
        const log = new DaemonLog({ daemonName: `mgr.${id}`, id, memoryLines: 200 });
        const manager = await Manager.start({
          id,
          clock,
          link,
          log,
          builtins,
          metadata: cluster.daemons.metadata(`mgr.${id}`) ?? {},
          random: seededRandom(cluster.scheduler.rng, `mgr.${id}`),
        });
        daemons.set(id, { manager, link, log, crashed: false });
      };
      for (const id of cluster.mgrs) await launch(id);
      // The hosts' ceph-crash posts the crash reports of the cluster's daemons.
      cluster.crashAgents.setPoster(
        crashPoster((cmd, inbuf) => active()?.manager.command(cmd, inbuf)),
      );
      unsubscribe = cluster.subscribe((e) => {
        if (e.kind === "module_fault") {
          const active = [...daemons.values()].find((d) => !d.crashed && d.manager.isActive());
          if (active?.manager.host.injectFault(e.module, e.fault, e.active)) {
            if (e.fault === "serve-throw" && e.active) crashed.add(e.module);
          }
          return;
        }
        if (e.kind !== "mgr_failover") return;
        const daemon = daemons.get(e.from);
        if (!daemon || daemon.crashed) return;
        daemon.crashed = true;
        // The daemon dies (no more beacons); its supervisor restarts it a minute later.
        restarts.push((async () => {
          await daemon.manager.stop();
          daemon.link.close();
          daemon.log.close();
          await clock.sleep(60, ticking.signal);
          if (!ticking.signal.aborted) await launch(e.from);
        })());
      });
    },
    async stop() {
      unsubscribe();
      runCluster?.crashAgents.setPoster(undefined);
      stopClusterLog();
      const active = [...daemons.values()].filter((d) => !d.crashed && d.manager.isActive());
      if (daemons.size > 0 && active.length !== 1) {
        failures.push(`manager: ${active.length} active managers at the end of the run`);
      }
      for (const d of active) {
        const failed = new Set<string>();
        for (const line of d.manager.health().checks.MGR_MODULE_ERROR?.detail ?? []) {
          const m = /^Module '([^']+)' has failed/.exec(line.message);
          if (m) failed.add(m[1]!);
          if (m && !crashed.has(m[1]!)) failures.push(`manager: ${line.message}`);
        }
        for (const module of crashed) {
          if (!failed.has(module)) {
            failures.push(`manager: injected crash of ${module} did not show`);
          }
        }
        const dependency = d.manager.health().checks.MGR_MODULE_DEPENDENCY;
        if (dependency) failures.push(`manager: ${dependency.summary.message}`);
      }
      ticking.abort();
      await ticks;
      await Promise.all(restarts);
      for (const d of daemons.values()) {
        if (d.crashed) continue;
        // A module that hangs in shutdown is waited for on virtual time: keep time moving.
        let stopped = false;
        const stopping = d.manager.stop().then(() => (stopped = true));
        while (!stopped && scheduler) await scheduler.runFor(1);
        await stopping;
        d.link.close();
        d.log.close();
      }
      mon?.close();
    },
    failures: () => failures,
  };
}
