/**
 * A manager on the embedded mon, in memory, on virtual time: what module authors' own tests
 * (and ours) start from. Import it as `mgr_module/testing`.
 *
 * @example
 * ```ts
 * import { MgrModule } from "mgr_module";
 * import { startTestCluster } from "mgr_module/testing";
 *
 * class Counter extends MgrModule {
 *   override async serve() {
 *     for (let n = 1; !this.shutting_down; n++) {
 *       await this.set_store("count", String(n));
 *       await this.sleep(10);
 *     }
 *   }
 * }
 * const cluster = await startTestCluster({ builtins: { counter: { Counter } }, initialModules: ["counter"] });
 * await cluster.run(60); // a virtual minute, in milliseconds
 * const count = (cluster.manager.host.instance("counter") as Counter).get_store("count");
 * await cluster.stop();
 * ```
 *
 * @module
 */
import { DaemonLog } from "../core/logging.ts";
import { Manager } from "../core/manager.ts";
import type { MonCommandResult } from "../core/cluster_link.ts";
import { EmbeddedMon } from "./mon/mon.ts";
import { MonLink } from "./mon/mon_link.ts";
import { Rng } from "./engine/prng.ts";
import { Scheduler, VirtualClock } from "./engine/scheduler.ts";
import type { ClusterLink } from "../core/cluster_link.ts";
import { type ClusterSpec, SimCluster } from "./cluster/cluster.ts";
import { SimClusterLink } from "./cluster_link.ts";

/** How to set up a test cluster. */
export interface TestClusterOptions {
  builtins?: Record<string, Record<string, unknown>>;
  modulePaths?: string[];
  initialModules?: string[];
  alwaysOn?: string[];
  /** A log directory, for tests of module log files. */
  logDir?: string;
  /** A mon store file instead of memory. */
  storePath?: string;
  /**
   * A simulated cluster around the manager (OSDs, pools, workload, perf reports); without it
   * the manager has only the mon (config, config-key, MgrMap).
   */
  cluster?: ClusterSpec;
}

/** A running test cluster. */
export interface TestCluster {
  scheduler: Scheduler;
  clock: VirtualClock;
  mon: EmbeddedMon;
  link: MonLink;
  log: DaemonLog;
  manager: Manager;
  /** The simulated cluster, when `cluster` was given. */
  cluster?: SimCluster;
  /** Runs a command through the manager and lets modules settle. */
  command(cmd: Record<string, unknown>, inbuf?: string): Promise<MonCommandResult>;
  /** Advances virtual time, then lets every queued update and module task settle. */
  run(seconds: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a manager with the given modules on a fresh in-memory mon. */
export async function startTestCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  const scheduler = new Scheduler({ rng: new Rng(1) });
  const clock = new VirtualClock(scheduler);
  const mon = EmbeddedMon.open(options.storePath ?? ":memory:", {
    alwaysOnModules: options.alwaysOn ?? [],
    initialModules: options.initialModules ?? [],
    now: () => clock.now(),
  });
  const monLink = new MonLink(mon, clock);
  let cluster: SimCluster | undefined;
  let link: ClusterLink = monLink;
  if (options.cluster) {
    cluster = new SimCluster(scheduler, options.cluster);
    cluster.startReporting();
    link = new SimClusterLink(monLink, cluster);
  }
  const log = new DaemonLog({
    daemonName: "mgr.x",
    id: "x",
    memoryLines: 2000,
    dir: options.logDir,
  });
  // The mon's own tick (manager beacon grace), once a second of virtual time.
  const monTicks = new AbortController();
  const ticking = (async () => {
    while (!monTicks.signal.aborted) {
      await clock.sleep(1, monTicks.signal);
      if (!monTicks.signal.aborted) mon.tick();
    }
  })();
  const manager = await Manager.start({
    id: "x",
    clock,
    link,
    log,
    builtins: options.builtins ?? {},
    modulePaths: options.modulePaths ?? [],
    shutdownGraceSeconds: 5,
  });
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      await scheduler.runFor(0);
      await manager.settled();
    }
  };
  await settle();
  return {
    scheduler,
    clock,
    mon,
    link: monLink,
    log,
    manager,
    cluster,
    async command(cmd, inbuf) {
      const result = await manager.command(cmd, inbuf);
      await settle();
      return result;
    },
    async run(seconds) {
      await scheduler.runFor(seconds);
      await settle();
    },
    async stop() {
      let stopped = false;
      const stopping = manager.stop().then(() => stopped = true);
      // A module that hangs in shutdown is waited for on virtual time.
      while (!stopped) await scheduler.runFor(1);
      await stopping;
      monTicks.abort();
      await ticking;
      cluster?.stopReporting();
      monLink.close();
      mon.close();
      log.close();
    },
  };
}
