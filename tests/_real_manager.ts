/**
 * A manager on a development cluster through the librados link, for the real-cluster tests: the
 * connection, the link, the manager and their teardown, in the order the daemon makes them.
 */
import { DaemonLog } from "../core/logging.ts";
import { Manager, type ManagerOptions } from "../core/manager.ts";
import { WallClock } from "../daemon/wall_clock.ts";
import { RadosClusterLink } from "../link/rados_cluster_link.ts";
import { RealCluster, type RealClusterOptions } from "../link/real_cluster.ts";
import { ALWAYS_ON_MODULES, BUILTIN_MODULES } from "../modules/mod.ts";
import { connectRados } from "../rados/librados.ts";
import type { DevCluster } from "./_dev_cluster.ts";

export interface RealManagerOptions {
  /** The manager's id (`x` of `mgr.x`). */
  id: string;
  /** What the link is opened with, past the clock and an in-memory MgrMap. */
  cluster?: Partial<Omit<RealClusterOptions, "clock">>;
  /** What the manager starts with, past its id, clock, link, log and the built-in modules. */
  manager?: Partial<Omit<ManagerOptions, "id" | "clock" | "link" | "log">>;
}

/** Runs `fn` with a manager on `dev`, then stops the manager, the link and the connection. */
export async function withRealManager(
  dev: DevCluster,
  o: RealManagerOptions,
  fn: (m: Manager, cluster: RealCluster) => Promise<void>,
): Promise<void> {
  const clock = new WallClock();
  const rados = await connectRados({
    confFile: dev.conf,
    keyring: dev.keyring,
    conf: { admin_socket: "" },
  });
  const cluster = await RealCluster.open(rados, {
    mgrMapPath: ":memory:",
    alwaysOnModules: ALWAYS_ON_MODULES,
    initialModules: [],
    ...o.cluster,
    clock,
  });
  const link = new RadosClusterLink(cluster, clock);
  const log = new DaemonLog({ daemonName: `mgr.${o.id}`, id: o.id, memoryLines: 200 });
  const manager = await Manager.start({
    builtins: BUILTIN_MODULES,
    ...o.manager,
    id: o.id,
    clock,
    link,
    log,
  });
  try {
    await fn(manager, cluster);
  } finally {
    await manager.stop();
    link.close();
    await cluster.close();
  }
}
