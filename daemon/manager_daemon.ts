/**
 * One manager daemon of `mgrd serve`: its Manager on a cluster session, its admin endpoint
 * (`Deno.serve` of the Hono app), its URL file and its log. While the MgrMap names another
 * daemon active, the endpoint redirects callers there.
 *
 * @module
 */
import type { Clock } from "../core/clock.ts";
import type { ClusterLink } from "../core/cluster_link.ts";
import { DaemonLog } from "../core/logging.ts";
import { Manager } from "../core/manager.ts";
import type { Keyring } from "../core/admin/keyring.ts";
import { createAdminApp } from "../core/admin/app.ts";
import type { LocalCommand } from "../core/commands/service.ts";
import { BUILTIN_MODULES } from "../modules/mod.ts";
import { type Front, startFront } from "./front.ts";
import { moduleProcesses } from "./module_processes.ts";
import { capsAllow } from "../ceph/mgr_cap.ts";

/** A running manager daemon. */
export interface ManagerDaemon {
  manager: Manager;
  url: string;
  /** Stops the endpoint and the manager, closes its session and log, removes its URL file. */
  stop(): Promise<void>;
}

/** What one manager daemon runs with. */
export interface ManagerDaemonOptions {
  id: string;
  dataDir: string;
  clock: Clock;
  /** The daemon's log; made here (file and stderr) when not given. */
  log: DaemonLog | undefined;
  /** Its session to the cluster; closed when the daemon stops. */
  link: ClusterLink & { close(): void };
  modulePaths: string[];
  extraCommands: LocalCommand[];
  /** The Manager's `moduleAuth`: on the simulator, the keyring's `auth` commands. */
  moduleAuth?: readonly LocalCommand[];
  keyring: Keyring;
  bind: string;
  port: number;
  /** Admin endpoint URLs by manager name, shared by the daemons of this process. */
  endpoints: Map<string, string>;
  /** The manager's `respawn` option (default true: as ceph-mgr on module changes). */
  respawn?: boolean;
  /** Whether modules from `mgr_module_path` run in Workers of their own (default true). */
  isolateModules?: boolean;
}

/**
 * Starts one manager with its admin endpoint and writes `<data-dir>/mgrd.<id>.url`. Throws
 * (having stopped what it started) when the endpoint cannot listen.
 */
export async function startManagerDaemon(o: ManagerDaemonOptions): Promise<ManagerDaemon> {
  const log = o.log ??
    new DaemonLog({ daemonName: `mgr.${o.id}`, id: o.id, dir: `${o.dataDir}/log`, stderr: true });
  const daemonLog = log.daemonLogger();
  // The admin address is the front's, in its own Worker, so that it answers while a module
  // holds this thread (daemon/front_worker.ts); the app listens behind it, on loopback.
  let front: Front;
  try {
    front = await startFront(o.bind, o.port);
  } catch (e) {
    if (!o.log) log.close();
    throw new Error(`cannot listen on ${o.bind}:${o.port}: ${(e as Error).message}`);
  }
  const manager = await Manager.start({
    id: o.id,
    clock: o.clock,
    link: o.link,
    log,
    builtins: BUILTIN_MODULES,
    modulePaths: o.modulePaths,
    extraCommands: o.extraCommands,
    moduleAuth: o.moduleAuth,
    wallTime: front.wallTime,
    respawn: o.respawn,
    ...(o.isolateModules === false ? {} : { isolation: moduleProcesses() }),
    random: { fill: (b) => void crypto.getRandomValues(b) },
  });
  const app = createAdminApp({
    service: manager,
    keyring: o.keyring,
    log: daemonLog,
    clock: o.clock,
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
    server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  } catch (e) {
    await front.stop();
    await manager.stop();
    o.link.close();
    if (!o.log) log.close();
    throw new Error(`cannot listen on 127.0.0.1 behind the front: ${(e as Error).message}`);
  }
  front.connect(`http://127.0.0.1:${server.addr.port}`, {
    health: () => manager.health(),
    readers: () =>
      o.keyring.list().filter((e) => capsAllow(e.caps.mgr ?? "", "r")).map((e) => e.key),
  });
  const { hostname, port } = front;
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
      await front.stop();
      await server.shutdown();
      await manager.stop();
      o.endpoints.delete(o.id);
      o.link.close();
      try {
        Deno.removeSync(urlFile);
      } catch { /* already gone */ }
      // A log it was given is the process's: it outlives this daemon (sim stop-mgr, start-mgr).
      if (!o.log) log.close();
    },
  };
}
