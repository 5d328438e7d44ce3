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
import { Rng } from "./engine/prng.ts";
import { Scheduler } from "./engine/scheduler.ts";
import { type ClusterSpec, SimCluster } from "./cluster/cluster.ts";
import { SimClusterLink } from "./cluster_link.ts";
import { FaultInjector } from "./faults/faults.ts";
import { loadScenario } from "./runner/scenario.ts";
import { simCommands } from "./live_commands.ts";

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
        scenario: { type: "string" },
        seed: { type: "string", default: "1" },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    fail((e as Error).message);
  }
  const { id } = parsed.values;
  const dataDir = parsed.values["data-dir"];
  if (!/^[A-Za-z0-9_.-]+$/.test(id)) {
    fail(`--id '${id}' may hold only letters, digits, '_', '.' and '-'`);
  }
  const port = Number(parsed.values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
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
  const daemonLog = log.daemonLogger();
  const mon = EmbeddedMon.open(`${dataDir}/mon/store.db`, {
    alwaysOnModules: [...ALWAYS_ON_MODULES],
    initialModules: parsed.values["initial-modules"].split(/[\s,;]+/).filter(Boolean),
    now: () => clock.now(),
  });
  // The embedded cluster runs on its own scheduler, paced by the wall clock.
  const scheduler = new Scheduler({ rng: new Rng(seed), epoch: clock.now() });
  const cluster = new SimCluster(scheduler, scenario?.cluster ?? LIVE_CLUSTER);
  cluster.startReporting();
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
  const link = new SimClusterLink(new MonLink(mon, clock), cluster);
  const configuredPaths = mon.configEntries()
    .filter((e) =>
      e.name === "mgr_module_path" && ["global", "mgr", `mgr.${id}`].includes(e.section)
    )
    .flatMap((e) => e.value.split(/[\s,;]+/))
    .filter(Boolean);
  const keyring = await Keyring.open(`${dataDir}/keyring`);
  const manager = await Manager.start({
    id,
    clock,
    link,
    log,
    builtins: BUILTIN_MODULES,
    modulePaths: [...parsed.values["mgr-module-path"], ...configuredPaths],
    extraCommands: [...authCommands(keyring), ...simCommands(injector, seed)],
  });
  const app = createAdminApp({ service: manager, keyring, log: daemonLog });
  const urlFile = `${dataDir}/mgrd.${id}.url`;
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: parsed.values.bind,
      port,
      onListen: () => {},
    }, app.fetch);
  } catch (e) {
    await manager.stop();
    fail(`cannot listen on ${parsed.values.bind}:${port}: ${(e as Error).message}`);
  }
  const { hostname, port: boundPort } = server.addr;
  const url = `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${boundPort}`;
  Deno.writeTextFileSync(urlFile, url + "\n");
  daemonLog.info(`admin endpoint at ${url} (keyring ${keyring.path})`);
  daemonLog.info(
    `embedded cluster: ${cluster.map.maxOsd} OSDs on ${cluster.hostNames().length} hosts, seed ${seed}` +
      (scenario ? `, scenario ${scenario.name}` : ""),
  );
  daemonLog.info(
    `mgr.${id} active; data in ${dataDir}; running ${
      manager.host.activeNames().join(", ") || "no modules"
    }`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    daemonLog.info(`received ${signal}, shutting down`);
    await server.shutdown();
    await manager.stop();
    pacing.abort();
    await paced;
    link.close();
    try {
      Deno.removeSync(urlFile);
    } catch { /* already gone */ }
    mon.close();
    log.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", () => void stop("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => void stop("SIGTERM"));
}
