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
import { crashPoster } from "./crash_client.ts";
import { MonLink } from "./mon/mon_link.ts";
import { Rng, seededRandom } from "./engine/prng.ts";
import { Scheduler, VirtualClock } from "./engine/scheduler.ts";
import type { ClusterLink } from "../core/cluster_link.ts";
import type { WallTime } from "../core/stall_watch.ts";
import type { ModuleIsolation } from "../core/module_worker/isolated_module.ts";
import { type ClusterSpec, SimCluster } from "./cluster/cluster.ts";
import { SimClusterLink } from "./cluster_link.ts";
import { logClusterEvents } from "./cluster_log.ts";
import { authCommands } from "../core/admin/auth_commands.ts";
import type { Keyring } from "../core/admin/keyring.ts";

/** Real time for the stall watch (core/stall_watch.ts), which measures, never decides. */
const REAL_WALL_TIME: WallTime = {
  nowMs: () => performance.now(),
  defer: (fn) => void setTimeout(fn, 0),
};

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
  /**
   * Ids of standby managers to start after `mgr.x` (e.g. `["y"]`): each a real Manager with the
   * same modules, on its own session to the same mon (and cluster), running the standby
   * classes (`MgrStandbyModule`) of the enabled modules until the mon makes it active.
   */
  standbys?: string[];
  /**
   * The managers' keyring: they answer `auth ...` from it, the modules' `auth` mon commands
   * too, as the daemon does on the simulator (core/admin/module_auth_link.ts).
   */
  keyring?: Keyring;
  /** The managers' `respawn` option (default true: they respawn as ceph-mgr does). */
  respawn?: boolean;
  /**
   * Runs the modules it chooses in Workers of their own, as `mgrd serve` runs the modules of
   * `mgr_module_path` (daemon/module_workers.ts). For tests that compare the two hosts: the
   * order in which Workers run is the operating system's, so a cluster with isolated modules
   * is no longer deterministic. None by default: every module runs in-process.
   */
  isolation?: ModuleIsolation;
}

/** A running test cluster. */
export interface TestCluster {
  scheduler: Scheduler;
  clock: VirtualClock;
  mon: EmbeddedMon;
  link: MonLink;
  log: DaemonLog;
  /** `mgr.x`, the manager started first (the active one until a failover). */
  manager: Manager;
  /**
   * The managers started as standbys (`standbys`), in that order. Roles move with the MgrMap:
   * after `mgr fail x` one of them is active and `mgr.x` comes back as a standby.
   */
  standbyManagers: Manager[];
  /** The manager the MgrMap names active now, if it is one of these. */
  activeManager(): Manager | undefined;
  /** The simulated cluster, when `cluster` was given. */
  cluster?: SimCluster;
  /**
   * Runs a command through the active manager (as a standby's admin endpoint redirects there;
   * `mgr.x` while none is active) and lets modules settle.
   */
  command(cmd: Record<string, unknown>, inbuf?: string): Promise<MonCommandResult>;
  /** Advances virtual time, then lets every queued update and module task settle. */
  run(seconds: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts `mgr.x` with the given modules on a fresh in-memory mon (and simulated cluster), and
 * optionally standby managers on the same mon.
 *
 * @example A standby manager runs the module's standby class and sees the active one's URI
 * ```ts
 * import { MgrModule, MgrStandbyModule } from "mgr_module";
 * import { startTestCluster } from "mgr_module/testing";
 *
 * class Web extends MgrModule {
 *   override async serve() {
 *     this.set_uri(`http://${this.get_mgr_id()}.example:8080/`);
 *     while (!this.shutting_down) await this.sleep(5);
 *   }
 * }
 * class WebStandby extends MgrStandbyModule {}
 *
 * const c = await startTestCluster({
 *   builtins: { web: { Web, WebStandby } },
 *   initialModules: ["web"],
 *   standbys: ["y"],
 * });
 * await c.run(5);
 * const [y] = c.standbyManagers;
 * const standby = y!.standby.instance("web") as WebStandby;
 * if (standby.get_active_uri() !== "http://x.example:8080/") throw new Error("the active URI");
 * await c.command({ prefix: "mgr fail", who: "x" });
 * await c.run(5);
 * if (c.activeManager() !== y) throw new Error("y took over");
 * await c.stop();
 * ```
 */
export async function startTestCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  const scheduler = new Scheduler({ rng: new Rng(1) });
  const clock = new VirtualClock(scheduler);
  const cluster = options.cluster ? new SimCluster(scheduler, options.cluster) : undefined;
  const mon = EmbeddedMon.open(options.storePath ?? ":memory:", {
    alwaysOnModules: options.alwaysOn ?? [],
    initialModules: options.initialModules ?? [],
    now: () => clock.now(),
    cluster,
  });
  const monLink = new MonLink(mon, clock);
  let stopClusterLog = () => {};
  if (cluster) {
    cluster.startReporting();
    stopClusterLog = logClusterEvents(mon, cluster);
  }
  /** A manager's session: to the mon, and to the cluster when there is one. */
  const linkFor = (mon: MonLink): ClusterLink & { close(): void } =>
    cluster ? new SimClusterLink(mon, cluster) : mon;
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
  const auth = options.keyring ? authCommands(options.keyring) : undefined;
  const startManager = (id: string, link: ClusterLink, log: DaemonLog) =>
    Manager.start({
      id,
      clock,
      link,
      log,
      builtins: options.builtins ?? {},
      modulePaths: options.modulePaths ?? [],
      shutdownGraceSeconds: 5,
      // Tests run in real time: a module that holds the thread is noticed as in the daemon.
      wallTime: REAL_WALL_TIME,
      respawn: options.respawn,
      isolation: options.isolation,
      random: seededRandom(scheduler.rng, `mgr.${id}`),
      ...(auth ? { extraCommands: auth, moduleAuth: auth } : {}),
    });
  const manager = await startManager("x", linkFor(monLink), log);
  const standbys: { manager: Manager; link: { close(): void }; log: DaemonLog }[] = [];
  for (const id of options.standbys ?? []) {
    if (id === "x" || standbys.some((s) => s.manager.id === id)) {
      throw new Error(`standby id '${id}' is taken`);
    }
    const link = linkFor(new MonLink(mon, clock));
    const standbyLog = new DaemonLog({ daemonName: `mgr.${id}`, id, memoryLines: 2000 });
    standbys.push({ manager: await startManager(id, link, standbyLog), link, log: standbyLog });
  }
  const managers = [manager, ...standbys.map((s) => s.manager)];
  // The hosts' ceph-crash posts the crash reports of the cluster's daemons.
  cluster?.crashAgents.setPoster(
    crashPoster((cmd, inbuf) => managers.find((m) => m.isActive())?.command(cmd, inbuf)),
  );
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      await scheduler.runFor(0);
      for (const m of managers) await m.settled();
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
    standbyManagers: standbys.map((s) => s.manager),
    activeManager: () => managers.find((m) => m.gid === mon.mgrMap().active_gid),
    cluster,
    async command(cmd, inbuf) {
      const active = managers.find((m) => m.isActive()) ?? manager;
      const result = await active.command(cmd, inbuf);
      await settle();
      return result;
    },
    async run(seconds) {
      await scheduler.runFor(seconds);
      await settle();
    },
    async stop() {
      cluster?.crashAgents.setPoster(undefined);
      let stopped = false;
      const stopping = Promise.all(managers.map((m) => m.stop())).then(() => stopped = true);
      // A module that hangs in shutdown is waited for on virtual time.
      while (!stopped) await scheduler.runFor(1);
      await stopping;
      monTicks.abort();
      await ticking;
      cluster?.stopReporting();
      stopClusterLog();
      for (const s of standbys) {
        s.link.close();
        s.log.close();
      }
      monLink.close();
      mon.close();
      log.close();
    },
  };
}
