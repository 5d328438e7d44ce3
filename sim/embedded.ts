/**
 * The embedded cluster: the cluster binding `mgrd serve` uses by default. One simulated cluster
 * (SimCluster) and its mon (EmbeddedMon, with its store in `<data-dir>/mon/store.db`) run in the
 * daemon's process, paced by the wall clock; a scenario can give the cluster and schedule its
 * faults, and the `sim fault/heal/status` commands inject faults while it runs. What the cluster
 * does reaches the cluster log, and each manager gets its own session (a SimClusterLink).
 *
 * It satisfies daemon/cluster_binding.ts's `ClusterBinding` by shape, so that the simulator
 * imports nothing of the daemon.
 *
 * @module
 */
import { type ActiveManagerCommand, crashPoster } from "./crash_client.ts";
import type { Clock } from "../core/clock.ts";
import type { ClusterLink } from "../core/cluster_link.ts";
import type { LocalCommand } from "../core/commands/service.ts";
import { ALWAYS_ON_MODULES } from "../modules/mod.ts";
import { type ClusterSpec, SimCluster } from "./cluster/cluster.ts";
import { SimClusterLink } from "./cluster_link.ts";
import { logClusterEvents } from "./cluster_log.ts";
import { Rng } from "./engine/prng.ts";
import { Scheduler } from "./engine/scheduler.ts";
import { faultCommands } from "./fault_commands.ts";
import { FaultInjector } from "./faults/faults.ts";
import { EmbeddedMon } from "./mon/mon.ts";
import { MonLink } from "./mon/mon_link.ts";
import { loadScenario, type Scenario } from "./runner/scenario.ts";

/**
 * The embedded cluster without a scenario: 3 mons, 3 hosts of 3 OSDs, a light workload, and
 * pools named for what they hold: `rbd`, and CephFS's metadata and data pools.
 */
export const EMBEDDED_CLUSTER: ClusterSpec = {
  hosts: 3,
  osdsPerHost: 3,
  pools: [
    { name: "rbd", pgNum: 64, application: "rbd" },
    { name: "cephfs_metadata", pgNum: 16, application: "cephfs" },
    { name: "cephfs_data", pgNum: 32, application: "cephfs" },
  ],
  workload: { opsPerSecond: 100, readFraction: 0.7 },
};

/** What `mgrd serve` passes when it opens the embedded cluster. */
export interface EmbeddedOptions {
  clock: Clock;
  /** The managers of the process; managers of an earlier run that are not among them are failed. */
  managerIds: readonly string[];
  /** `seed` (default 1), `scenario` (a name or a file), `initial-modules` (default none). */
  args: Readonly<Record<string, string | undefined>>;
}

/** The embedded cluster, opened for the managers of one process. */
export interface EmbeddedCluster {
  link(id: string): ClusterLink & { close(): void };
  readonly commands: readonly LocalCommand[];
  connectClients(send: ActiveManagerCommand): void;
  describe(): string;
  close(): Promise<void>;
}

/** Opens the embedded cluster in `dataDir`, or says why its options are refused. */
function openEmbedded(dataDir: string, o: EmbeddedOptions): EmbeddedCluster | { refused: string } {
  const seedArg = o.args.seed ?? "1";
  const seed = Number(seedArg);
  if (!Number.isSafeInteger(seed)) return { refused: `--seed '${seedArg}' is not an integer` };
  let scenario: Scenario | undefined;
  try {
    scenario = o.args.scenario ? loadScenario(o.args.scenario) : undefined;
  } catch (e) {
    return { refused: (e as Error).message };
  }
  Deno.mkdirSync(`${dataDir}/mon`, { recursive: true });
  const clock = o.clock;
  // The embedded cluster runs on its own scheduler, paced by the wall clock.
  const scheduler = new Scheduler({ rng: new Rng(seed), epoch: clock.now() });
  const cluster = new SimCluster(scheduler, scenario?.cluster ?? EMBEDDED_CLUSTER);
  const mon = EmbeddedMon.open(`${dataDir}/mon/store.db`, {
    alwaysOnModules: [...ALWAYS_ON_MODULES],
    initialModules: (o.args["initial-modules"] ?? "").split(/[\s,;]+/).filter(Boolean),
    now: () => clock.now(),
    cluster,
  });
  // The managers of an earlier run of this data directory died with its process, and the mon
  // has never heard from them: fail them, or one would stay active in the MgrMap.
  const stored = mon.mgrMap();
  for (const name of [stored.active_name, ...stored.standbys.map((s) => s.name)]) {
    if (name && !o.managerIds.includes(name)) {
      mon.handleCommand({ prefix: "mgr fail", who: name });
    }
  }
  cluster.startReporting();
  const stopClusterLog = logClusterEvents(mon, cluster);
  const injector = new FaultInjector(cluster);
  injector.scheduleAll(scenario?.faults ?? []);
  const pacing = new AbortController();
  const paced = (async () => {
    while (!pacing.signal.aborted) {
      try {
        await scheduler.run({ until: clock.now(), signal: pacing.signal });
        mon.tick();
      } catch (e) {
        // One event that throws (a scenario's fault on a target that has gone) must not stop
        // the cluster, nor end the daemon with an unhandled rejection: the event is dropped.
        console.error(`embedded cluster: an event failed: ${(e as Error).stack ?? e}`);
      }
      await clock.sleep(0.1, pacing.signal);
    }
  })();
  return {
    link: () => new SimClusterLink(new MonLink(mon, clock), cluster),
    commands: faultCommands(injector, seed),
    connectClients: (send) => cluster.crashAgents.setPoster(crashPoster(send)),
    describe: () =>
      `embedded cluster: ${cluster.map.maxOsd} OSDs on ${cluster.hostNames().length} hosts, ` +
      `seed ${seed}` + (scenario ? `, scenario ${scenario.name}` : ""),
    async close() {
      pacing.abort();
      await paced;
      stopClusterLog();
      mon.close();
    },
  };
}

/**
 * The embedded cluster as a cluster binding of `mgrd serve` (daemon/cluster_binding.ts).
 *
 * @example Options the cluster cannot use are refused, before anything is created
 * ```ts
 * import { embeddedBinding } from "./embedded.ts";
 * import { Scheduler, VirtualClock } from "./engine/scheduler.ts";
 * import { Rng } from "./engine/prng.ts";
 * const clock = new VirtualClock(new Scheduler({ rng: new Rng(1) }));
 * const opened = await embeddedBinding.open("/nonexistent/mgrd-data", {
 *   clock,
 *   managerIds: ["x"],
 *   args: { seed: "one" },
 * });
 * if (!("refused" in opened) || opened.refused !== "--seed 'one' is not an integer") {
 *   throw new Error("a seed that is not an integer is refused");
 * }
 * ```
 */
export const embeddedBinding = {
  open: (
    dataDir: string,
    options: EmbeddedOptions,
  ): Promise<EmbeddedCluster | { refused: string }> =>
    Promise.resolve(openEmbedded(dataDir, options)),
};
