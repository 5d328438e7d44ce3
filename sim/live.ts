/**
 * Live mode: `mgrd serve` runs the manager on the embedded cluster in real time, with the
 * admin endpoint, until SIGINT or SIGTERM.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { DaemonLog } from "../core/logging.ts";
import { Manager } from "../core/manager.ts";
import { ALWAYS_ON_MODULES, BUILTIN_MODULES } from "../modules/mod.ts";
import { EmbeddedMon } from "./mon/mon.ts";
import { MonLink } from "./mon/mon_link.ts";
import { WallClock } from "./wall_clock.ts";
import { Keyring } from "../core/admin/keyring.ts";
import { authCommands } from "../core/admin/auth_commands.ts";
import { createAdminApp } from "../core/admin/app.ts";
import type { LocalCommand } from "../core/commands/service.ts";
import { Rng } from "./engine/prng.ts";
import { Scheduler } from "./engine/scheduler.ts";
import { type ClusterSpec, SimCluster } from "./cluster/cluster.ts";
import { SimClusterLink } from "./cluster_link.ts";
import { FaultInjector } from "./faults/faults.ts";
import { loadScenario } from "./runner/scenario.ts";
import { simCommands } from "./live_commands.ts";
import { logClusterEvents } from "./cluster_log.ts";

/** The embedded cluster of live mode: 3 mons, 3 hosts of 3 OSDs, two pools, a light workload. */
export const LIVE_CLUSTER: ClusterSpec = {
  hosts: 3,
  osdsPerHost: 3,
  pools: [
    { name: "rbd", pgNum: 64, application: "rbd" },
    { name: "cephfs_data", pgNum: 32, application: "cephfs" },
  ],
  workload: { opsPerSecond: 100, readFraction: 0.7 },
};

/** The options of `mgrd serve`. */
export const SERVE_USAGE = `  serve    run the manager daemon on the embedded cluster
           --id ID                  daemon id (default x)
           --data-dir DIR           data directory (default ./mgrd-data)
           --mgr-module-path DIR    a folder of module folders (repeatable)
           --initial-modules "A B"  modules enabled when the data dir is new (default hello)
           --bind ADDR              admin endpoint address (default 127.0.0.1)
           --port N                 admin endpoint port (default 7480; 0 picks a free one)
           --standby ID             also run a standby manager with this id (repeatable); its
                                    endpoint is on the next port and redirects to the active one
           --scenario FILE|NAME     start the embedded cluster from a scenario (its cluster, faults)
           --seed N                 the embedded cluster's seed (default 1)
`;

function fail(message: string): never {
  console.error(`mgrd serve: ${message}\n\nusage: mgrd serve [options]\n${SERVE_USAGE}`);
  Deno.exit(22);
}

/** `mgrd serve`: the daemon, until SIGINT or SIGTERM. */
export async function serveMain(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        id: { type: "string", default: "x" },
        "data-dir": { type: "string", default: "./mgrd-data" },
        "mgr-module-path": { type: "string", multiple: true, default: [] },
        "initial-modules": { type: "string", default: "hello" },
        bind: { type: "string", default: "127.0.0.1" },
        port: { type: "string", default: "7480" },
        standby: { type: "string", multiple: true, default: [] },
        scenario: { type: "string" },
        seed: { type: "string", default: "1" },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    fail((e as Error).message);
  }
  const { id, standby: standbyIds } = parsed.values;
  const dataDir = parsed.values["data-dir"];
  for (const [flag, value] of [["--id", id], ...standbyIds.map((s) => ["--standby", s])]) {
    if (!/^[A-Za-z0-9_.-]+$/.test(value!)) {
      fail(`${flag} '${value}' may hold only letters, digits, '_', '.' and '-'`);
    }
  }
  const repeated = [id, ...standbyIds].find((x, i, all) => all.indexOf(x) !== i);
  if (repeated !== undefined) fail(`manager id '${repeated}' is given twice`);
  const port = Number(parsed.values.port);
  if (!Number.isInteger(port) || port < 0 || port + standbyIds.length > 65535) {
    fail(`--port '${parsed.values.port}' is not a port number (0 to 65535)`);
  }
  const seed = Number(parsed.values.seed);
  if (!Number.isSafeInteger(seed)) fail(`--seed '${parsed.values.seed}' is not an integer`);
  let scenario;
  try {
    scenario = parsed.values.scenario ? loadScenario(parsed.values.scenario) : undefined;
  } catch (e) {
    fail((e as Error).message);
  }
  Deno.mkdirSync(`${dataDir}/mon`, { recursive: true });

  const clock = new WallClock();
  const log = new DaemonLog({ daemonName: `mgr.${id}`, id, dir: `${dataDir}/log`, stderr: true });
  // The embedded cluster runs on its own scheduler, paced by the wall clock.
  const scheduler = new Scheduler({ rng: new Rng(seed), epoch: clock.now() });
  const cluster = new SimCluster(scheduler, scenario?.cluster ?? LIVE_CLUSTER);
  const mon = EmbeddedMon.open(`${dataDir}/mon/store.db`, {
    alwaysOnModules: [...ALWAYS_ON_MODULES],
    initialModules: parsed.values["initial-modules"].split(/[\s,;]+/).filter(Boolean),
    now: () => clock.now(),
    cluster,
  });
  // The managers of an earlier run of this data directory died with its process, and the mon
  // has never heard from them: fail them, or one would stay active in the MgrMap.
  const stored = mon.mgrMap();
  for (const name of [stored.active_name, ...stored.standbys.map((s) => s.name)]) {
    if (name && ![id, ...standbyIds].includes(name)) {
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
      await scheduler.run({ until: clock.now(), signal: pacing.signal });
      mon.tick();
      await clock.sleep(0.1, pacing.signal);
    }
  })();
  const keyring = await Keyring.open(`${dataDir}/keyring`);
  // The managers of this process share the embedded mon and cluster, as the manager daemons
  // of one cluster share its mons; a standby's endpoint finds the active one's address here.
  const endpoints = new Map<string, string>();
  const daemons: LiveDaemon[] = [];
  for (const [i, daemonId] of [id, ...standbyIds].entries()) {
    try {
      daemons.push(
        await startDaemon({
          id: daemonId,
          dataDir,
          clock,
          log: i === 0 ? log : undefined,
          link: new SimClusterLink(new MonLink(mon, clock), cluster),
          modulePaths: modulePathsOf(mon, daemonId, parsed.values["mgr-module-path"]),
          extraCommands: [...authCommands(keyring), ...simCommands(injector, seed)],
          keyring,
          bind: parsed.values.bind,
          port: port === 0 ? 0 : port + i,
          endpoints,
        }),
      );
    } catch (e) {
      for (const d of daemons) await d.stop();
      pacing.abort();
      await paced;
      mon.close();
      fail((e as Error).message);
    }
  }
  const daemonLog = log.daemonLogger();
  daemonLog.info(
    `embedded cluster: ${cluster.map.maxOsd} OSDs on ${cluster.hostNames().length} hosts, seed ${seed}` +
      (scenario ? `, scenario ${scenario.name}` : ""),
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    daemonLog.info(`received ${signal}, shutting down`);
    // Standbys first, so none of them takes over from the active manager while it stops.
    const order = [...daemons].sort((a, b) =>
      Number(a.manager.isActive()) - Number(b.manager.isActive())
    );
    for (const d of order) await d.stop();
    pacing.abort();
    await paced;
    stopClusterLog();
    mon.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", () => void stop("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => void stop("SIGTERM"));
}

/** The module folders of daemon `id`: the command line's, then `mgr_module_path` from the config DB. */
function modulePathsOf(mon: EmbeddedMon, id: string, fromArgs: readonly string[]): string[] {
  const configured = mon.configEntries()
    .filter((e) =>
      e.name === "mgr_module_path" && ["global", "mgr", `mgr.${id}`].includes(e.section)
    )
    .flatMap((e) => e.value.split(/[\s,;]+/))
    .filter(Boolean);
  return [...fromArgs, ...configured];
}

/** One manager daemon of live mode: its manager, admin endpoint, url file and log. */
interface LiveDaemon {
  manager: Manager;
  url: string;
  stop(): Promise<void>;
}

interface DaemonOptions {
  id: string;
  dataDir: string;
  clock: WallClock;
  /** The daemon's log; made here (file and stderr) when not given. */
  log: DaemonLog | undefined;
  link: SimClusterLink;
  modulePaths: string[];
  extraCommands: LocalCommand[];
  keyring: Keyring;
  bind: string;
  port: number;
  /** Admin endpoint URLs by manager name, shared by the daemons of this process. */
  endpoints: Map<string, string>;
}

/**
 * Starts one manager with its admin endpoint and writes `<data-dir>/mgrd.<id>.url`. While the
 * MgrMap names another daemon active, the endpoint redirects callers there.
 */
async function startDaemon(o: DaemonOptions): Promise<LiveDaemon> {
  const log = o.log ??
    new DaemonLog({ daemonName: `mgr.${o.id}`, id: o.id, dir: `${o.dataDir}/log`, stderr: true });
  const daemonLog = log.daemonLogger();
  const manager = await Manager.start({
    id: o.id,
    clock: o.clock,
    link: o.link,
    log,
    builtins: BUILTIN_MODULES,
    modulePaths: o.modulePaths,
    extraCommands: o.extraCommands,
  });
  const app = createAdminApp({
    service: manager,
    keyring: o.keyring,
    log: daemonLog,
    standby: () => {
      if (manager.isActive()) return undefined;
      const active = manager.mgrMap.active_name;
      return {
        daemon: `mgr.${o.id}`,
        active: active ? `mgr.${active}` : null,
        activeUrl: (active && o.endpoints.get(active)) || null,
      };
    },
  });
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({ hostname: o.bind, port: o.port, onListen: () => {} }, app.fetch);
  } catch (e) {
    await manager.stop();
    o.link.close();
    if (!o.log) log.close();
    throw new Error(`cannot listen on ${o.bind}:${o.port}: ${(e as Error).message}`);
  }
  const { hostname, port } = server.addr;
  const url = `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
  o.endpoints.set(o.id, url);
  const urlFile = `${o.dataDir}/mgrd.${o.id}.url`;
  Deno.writeTextFileSync(urlFile, url + "\n");
  daemonLog.info(`admin endpoint at ${url} (keyring ${o.keyring.path})`);
  daemonLog.info(
    `mgr.${o.id} ${manager.isActive() ? "active" : "standby"}; data in ${o.dataDir}; running ${
      (manager.isActive() ? manager.host.activeNames() : manager.standby.names()).join(", ") ||
      "no modules"
    }`,
  );
  return {
    manager,
    url,
    async stop() {
      await server.shutdown();
      await manager.stop();
      o.endpoints.delete(o.id);
      o.link.close();
      try {
        Deno.removeSync(urlFile);
      } catch { /* already gone */ }
      log.close();
    },
  };
}
