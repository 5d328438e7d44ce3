/**
 * The real-cluster binding of `mgrd serve --ceph-conf FILE [--name client.NAME] [--keyring
 * FILE]`: one librados handle for the process ({@linkcode RealCluster}), a
 * {@linkcode RadosClusterLink} per manager. It satisfies daemon/cluster_binding.ts's
 * `ClusterBinding` by shape.
 *
 * @module
 */
import type { Clock } from "../core/clock.ts";
import type { ClusterLink } from "../core/cluster_link.ts";
import type { LocalCommand } from "../core/commands/service.ts";
import { ALWAYS_ON_MODULES } from "../modules/mod.ts";
import { EEXIST } from "../ceph/errno.ts";
import { connectRados, RadosError } from "../rados/librados.ts";
import { connectCephFs } from "../rados/libcephfs.ts";
import { mountCephFs } from "../rados/libcephfs_mount.ts";
import { ACTIVE_OBJECT, ActiveLock } from "./active_lock.ts";
import { RadosClusterLink } from "./rados_cluster_link.ts";
import { RealCluster } from "./real_cluster.ts";

/** What `mgrd serve` passes when it opens a real cluster. */
export interface RadosBindingOptions {
  clock: Clock;
  managerIds: readonly string[];
  /** Admin endpoint URLs by manager name (daemon/cluster_binding.ts). */
  endpoints?: Map<string, string>;
  /**
   * `ceph-conf` (required), `name`, `keyring`, `initial-modules`, `connect-timeout`,
   * `libcephfs` (the library of the MDS tell path, default `libcephfs.so.2`), and for
   * active/standby across processes `ha-pool` and `ha-lock-seconds`.
   */
  args: Readonly<Record<string, string | undefined>>;
}

/** A real cluster opened for the managers of one process. */
export interface OpenRealCluster {
  link(id: string): ClusterLink & { close(): void };
  readonly commands: readonly LocalCommand[];
  describe(): string;
  close(): Promise<void>;
}

/**
 * Connects to the cluster (within `connect-timeout` seconds, default 10) and reads its state.
 * Rejects with the RadosError (errno and a sentence) when librados is missing or the cluster
 * cannot be reached.
 */
async function openReal(
  dataDir: string,
  o: RadosBindingOptions,
): Promise<OpenRealCluster | { refused: string }> {
  const confFile = o.args["ceph-conf"];
  if (!confFile) return { refused: "--ceph-conf FILE is required for a real cluster" };
  const timeout = Number(o.args["connect-timeout"] ?? 10);
  if (!(timeout > 0)) {
    return { refused: `--connect-timeout '${o.args["connect-timeout"]}' is not seconds > 0` };
  }
  const name = o.args.name ?? "client.admin";
  if (!/^[a-z]+\.[^\s]+$/.test(name)) return { refused: `--name '${name}' is not TYPE.ID` };
  const rados = await connectRados({
    confFile,
    name,
    keyring: o.args.keyring,
    connectTimeoutSeconds: timeout,
    opTimeoutSeconds: 30,
    // The admin socket is the `ceph` CLI's, for the same entity: mgrd must not take it.
    conf: { admin_socket: "" },
  });
  Deno.mkdirSync(`${dataDir}/mgr`, { recursive: true });
  const cluster = await RealCluster.open(rados, {
    clock: o.clock,
    mgrMapPath: `${dataDir}/mgr/mgrmap.db`,
    alwaysOnModules: ALWAYS_ON_MODULES,
    initialModules: (o.args["initial-modules"] ?? "").split(/[\s,;]+/).filter(Boolean),
    // The MDSs answer tell commands through libcephfs only; without it the link runs on
    // without their counters (and says so once).
    openMds: () =>
      connectCephFs({
        confFile,
        name,
        keyring: o.args.keyring,
        connectTimeoutSeconds: timeout,
        conf: { admin_socket: "" },
        libraryPath: o.args.libcephfs,
      }),
    // Modules' `this.cephfs` (the volumes module): a mount per file system, made on first use.
    mountCephFs: (fsName) =>
      mountCephFs(fsName, {
        confFile,
        name,
        keyring: o.args.keyring,
        connectTimeoutSeconds: timeout,
        conf: { admin_socket: "" },
        libraryPath: o.args.libcephfs,
      }),
    log: (message) => console.error(`mgrd: ${message}`),
  });
  // Managers of an earlier run of this data directory died with its process.
  const stored = cluster.mgrMon.mgrMap();
  for (const id of [stored.active_name, ...stored.standbys.map((s) => s.name)]) {
    if (id && !o.managerIds.includes(id)) cluster.mgrMon.handle("mgr fail", { who: id });
  }
  let lock: ActiveLock | undefined;
  const pool = o.args["ha-pool"];
  if (pool !== undefined) {
    try {
      lock = await openActiveLock(cluster, pool, o, Number(o.args["ha-lock-seconds"] ?? 15));
    } catch (e) {
      await cluster.close();
      throw e;
    }
  }
  return {
    link: () => new RadosClusterLink(cluster, o.clock),
    commands: [],
    describe: () =>
      `real Ceph cluster ${cluster.fsid()} through librados as ${name} (${confFile})` +
      (lock ? `, active lock ${pool}/${ACTIVE_OBJECT} (${lock.held ? "held" : "standby"})` : ""),
    async close() {
      await lock?.stop();
      await cluster.close();
    },
  };
}

/** The active lock on `pool` (made if missing), tried once before the managers start. */
async function openActiveLock(
  cluster: RealCluster,
  pool: string,
  o: RadosBindingOptions,
  seconds: number,
): Promise<ActiveLock> {
  if (!(seconds > 0)) throw new RangeError(`--ha-lock-seconds must be seconds > 0`);
  try {
    await cluster.rados.poolCreate(pool);
  } catch (e) {
    if (!(e instanceof RadosError && e.errno === -EEXIST)) throw e;
  }
  await cluster.rados.waitForLatestOsdmap();
  const io = await cluster.rados.openIoctx(pool);
  const lock = new ActiveLock(io, cluster.mgrMon, {
    clock: o.clock,
    seconds,
    cookie: `${Deno.hostname()}:${Deno.pid}`,
    localNames: o.managerIds,
    endpoints: o.endpoints ?? new Map(),
    log: (message) => console.error(`mgrd: ${message}`),
  });
  cluster.beaconAllowed = (gid) => {
    if (lock.held) return true;
    // Without the lock a local manager may only join as a standby of another's active one.
    const active = cluster.mgrMon.mgrMap().active_gid;
    return active !== 0 && active !== gid;
  };
  await lock.start();
  return lock;
}

/** The real cluster as a cluster binding of `mgrd serve`. */
export const radosBinding = {
  open: (dataDir: string, options: RadosBindingOptions) => openReal(dataDir, options),
};
