/**
 * `mgrd serve`: the manager daemon. It parses the command line, opens the cluster through a
 * {@link ClusterBinding} (the embedded simulated cluster unless told otherwise), starts the
 * active manager and any standbys with their admin endpoints, and runs until SIGINT or SIGTERM,
 * then stops everything cleanly (standbys first) and exits 0. A bad option exits 22.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { DaemonLog } from "../core/logging.ts";
import { Keyring } from "../core/admin/keyring.ts";
import { authCommands } from "../core/admin/auth_commands.ts";
import type { ClusterLink } from "../core/cluster_link.ts";
import type { ClusterBinding } from "./cluster_binding.ts";
import { claimUncaught, errorText } from "../core/uncaught.ts";
import { type ManagerDaemon, startManagerDaemon } from "./manager_daemon.ts";
import { stopManagerCommand } from "./stop_manager_command.ts";
import { startManagerCommand } from "./start_manager_command.ts";
import type { LocalCommand } from "../core/commands/service.ts";
import { WallClock } from "./wall_clock.ts";
import { secureDataDir } from "./data_dir.ts";

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
           --reload-modules-in-place
                                    on mgr module enable/disable, start and stop only those
                                    modules instead of respawning (new gid) as ceph-mgr does
           --in-process-modules     run the modules of --mgr-module-path in the manager's
                                    thread, not each in a process of its own (one that spins
                                    then stalls the whole daemon)
           --ceph-conf FILE         run on a real Ceph cluster through librados instead
           --name client.NAME       the entity to connect as (default client.admin)
           --keyring FILE           its keyring (default: what the ceph.conf says)
           --connect-timeout S      give up connecting after S seconds (default 10)
           --libcephfs PATH         the libcephfs2 that reads the MDSs' perf counters
                                    (default libcephfs.so.2; without it none are read)
           --ha-pool POOL           agree on one active mgrd with the other mgrd processes of
                                    the cluster through a RADOS lock in POOL (made if missing)
           --ha-lock-seconds S      the lock lapses S seconds after its last renewal (default 15)
`;

function fail(message: string): never {
  console.error(`mgrd serve: ${message}\n\nusage: mgrd serve [options]\n${SERVE_USAGE}`);
  Deno.exit(22);
}

/**
 * The binding the options ask for: a real cluster through librados with `--ceph-conf`, else the
 * embedded cluster. Each is loaded here, and only here, so the daemon depends on the simulator
 * (or librados) in this one place.
 */
async function clusterBinding(real: boolean): Promise<ClusterBinding> {
  if (real) {
    const { radosBinding } = await import("../link/rados_binding.ts");
    return radosBinding;
  }
  const { embeddedBinding } = await import("../sim/embedded.ts");
  return embeddedBinding;
}

/** A cluster that cannot be opened: its message and errno, no stack trace. */
function failToOpen(e: unknown): never {
  const errno = typeof (e as { errno?: unknown }).errno === "number"
    ? Math.abs((e as { errno: number }).errno)
    : 5;
  console.error(`mgrd serve: ${(e as Error).message ?? e}`);
  Deno.exit(errno > 0 && errno < 256 ? errno : 5);
}

/** Why `path` is no folder, or undefined when it is one. */
function notAFolder(path: string): string | undefined {
  try {
    return Deno.statSync(path).isDirectory ? undefined : "is not a folder";
  } catch (e) {
    return e instanceof Deno.errors.NotFound ? "does not exist" : `cannot be read: ${e}`;
  }
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
        "reload-modules-in-place": { type: "boolean", default: false },
        "in-process-modules": { type: "boolean", default: false },
        "ceph-conf": { type: "string" },
        name: { type: "string" },
        keyring: { type: "string" },
        "connect-timeout": { type: "string" },
        libcephfs: { type: "string" },
        "ha-pool": { type: "string" },
        "ha-lock-seconds": { type: "string" },
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
  const modulePathArgs = parsed.values["mgr-module-path"];
  for (const path of modulePathArgs) {
    const why = notAFolder(path);
    if (why) fail(`--mgr-module-path '${path}' ${why}`);
  }

  const clock = new WallClock();
  const managerIds = [id, ...standbyIds];
  const real = parsed.values["ceph-conf"] !== undefined;
  for (
    const flag of [
      "name",
      "keyring",
      "connect-timeout",
      "libcephfs",
      "ha-pool",
      "ha-lock-seconds",
    ] as const
  ) {
    if (!real && parsed.values[flag] !== undefined) fail(`--${flag} needs --ceph-conf`);
  }
  try {
    await secureDataDir(dataDir);
  } catch (e) {
    fail(`--data-dir '${dataDir}': ${(e as Error).message}`);
  }
  // The managers of this process share the cluster, as the manager daemons of one cluster
  // share its mons; a standby's endpoint finds the active one's address here. A binding that
  // knows of managers in other processes (the real cluster's active lock) adds theirs.
  const endpoints = new Map<string, string>();
  let opened;
  try {
    opened = await (await clusterBinding(real)).open(dataDir, {
      endpoints,
      clock,
      managerIds,
      args: {
        seed: parsed.values.seed,
        scenario: parsed.values.scenario,
        "initial-modules": parsed.values["initial-modules"],
        "ceph-conf": parsed.values["ceph-conf"],
        name: parsed.values.name,
        keyring: parsed.values.keyring,
        "connect-timeout": parsed.values["connect-timeout"],
        libcephfs: parsed.values.libcephfs,
        "ha-pool": parsed.values["ha-pool"],
        "ha-lock-seconds": parsed.values["ha-lock-seconds"],
      },
    });
  } catch (e) {
    failToOpen(e);
  }
  if ("refused" in opened) fail(opened.refused);
  const cluster = opened;
  const log = new DaemonLog({ daemonName: `mgr.${id}`, id, dir: `${dataDir}/log`, stderr: true });
  const daemonLog = log.daemonLogger();
  // Before any module runs: what no module host claims is logged here, and the daemon lives on.
  claimUncaught(() => false, (e, kind) => {
    daemonLog.error(`${kind} (the daemon carries on): ${errorText(e)}`);
  });
  const keyring = await Keyring.open(`${dataDir}/keyring`);
  const daemons: ManagerDaemon[] = [];
  // The daemons still running, for `sim stop-mgr` (which takes the ones it stops out).
  const running: ManagerDaemon[] = [];
  // Signals are heard from before the first manager starts: one that comes while they start
  // stops them once they have (a daemon killed by the signal's default would not stop cleanly).
  let stopping = false;
  let started = false;
  const stopAll = async () => {
    // Standbys first, so none of them takes over from the active manager while it stops.
    const order = [...running].sort((a, b) =>
      Number(a.manager.isActive()) - Number(b.manager.isActive())
    );
    for (const d of order) await d.stop();
    await cluster.close();
    log.close();
    Deno.exit(0);
  };
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    daemonLog.info(`received ${signal}, shutting down`);
    if (started) await stopAll();
  };
  Deno.addSignalListener("SIGINT", () => void stop("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => void stop("SIGTERM"));
  // As Ceph's daemons: logrotate moves the files, then SIGHUP makes the daemon open new ones.
  Deno.addSignalListener("SIGHUP", () => {
    log.reopen();
    daemonLog.info("received SIGHUP, log files reopened");
  });
  const stopOne = stopManagerCommand(running, (e) => daemonLog.exception("sim stop-mgr", e));
  // Filled below: the commands every manager serves include the one that starts them again.
  const auth = authCommands(keyring);
  const commands: LocalCommand[] = [...auth, ...cluster.commands, stopOne];
  const launch = (daemonId: string) => {
    const i = managerIds.indexOf(daemonId);
    const link = cluster.link(daemonId);
    return startManagerDaemon({
      id: daemonId,
      dataDir,
      clock,
      log: i === 0 ? log : undefined,
      link,
      modulePaths: modulePathsOf(link, daemonId, modulePathArgs, daemonLog),
      extraCommands: commands,
      // The simulator has no AuthMonitor: the keyring is its auth database
      // (core/admin/module_auth_link.ts); a real cluster's mon keeps its own.
      ...(real ? {} : { moduleAuth: auth }),
      respawn: !parsed.values["reload-modules-in-place"],
      isolateModules: !parsed.values["in-process-modules"],
      keyring,
      bind: parsed.values.bind,
      port: port === 0 ? 0 : port + i,
      endpoints,
    });
  };
  commands.push(startManagerCommand(running, managerIds, launch));
  for (const daemonId of managerIds) {
    try {
      daemons.push(await launch(daemonId));
    } catch (e) {
      for (const d of daemons) await d.stop();
      await cluster.close();
      fail((e as Error).message);
    }
  }
  running.push(...daemons);
  started = true;
  cluster.connectClients?.((cmd, inbuf) =>
    running.find((d) => d.manager.isActive())?.manager.command(cmd, inbuf)
  );
  daemonLog.info(cluster.describe());
  if (stopping) await stopAll();
}

/**
 * The module folders of daemon `id`: the command line's, then `mgr_module_path` from the
 * cluster's config DB. A configured folder that does not exist is named in the log.
 */
function modulePathsOf(
  link: ClusterLink,
  id: string,
  fromArgs: readonly string[],
  log: { warn(message: string): void },
): string[] {
  const configured = link.snapshot().config
    .filter((e) =>
      e.name === "mgr_module_path" && ["global", "mgr", `mgr.${id}`].includes(e.section)
    )
    .flatMap((e) => e.value.split(/[\s,;]+/))
    .filter(Boolean);
  for (const path of configured) {
    const why = notAFolder(path);
    if (why) log.warn(`mgr.${id}: mgr_module_path folder '${path}' ${why}; no modules from it`);
  }
  return [...fromArgs, ...configured];
}
