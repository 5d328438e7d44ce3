/**
 * The ClusterLink of one manager on a real Ceph cluster ({@linkcode RealCluster}): commands go
 * to their owner — mgrd's own MgrMap commands (`mgr module enable`, `mgr services`, ...) to
 * mgrd's MgrMonitor, a daemon's (`target`) to that daemon through librados, everything else to
 * the real mon, or to the real ceph-mgr when the mon does not know the command; `health` and
 * `status` come back with mgrd's own checks merged in, as the real mon merges its ceph-mgr's
 * (merged_health.ts). A write resolves after the mon answered, and after the poll that follows
 * it, so the manager sees what the command changed before its caller does.
 *
 * @module
 */
import type { RadosPort } from "../core/rados_port.ts";
import type { CephFsPort } from "../core/cephfs_port.ts";
import { RealRadosPort } from "./rados_object_port.ts";
import type {
  ClusterLink,
  ClusterLogEntry,
  ClusterSnapshot,
  ClusterState,
  ClusterUpdate,
  CommandSignature,
  MgrBeacon,
  MonCommandOptions,
  MonCommandResult,
} from "../core/cluster_link.ts";
import type { Clock } from "../core/clock.ts";
import { parseOptionValue } from "../ceph/option_value.ts";
import { ENOENT, EOPNOTSUPP, ETIMEDOUT } from "../ceph/errno.ts";
import { commandResult, REAL_GET_NAMES, RealCluster } from "./real_cluster.ts";
import { mergedHealth, mergedStatus } from "./merged_health.ts";

/** The commands mgrd's own MgrMonitor answers (its managers' MgrMap). */
function mgrMapPrefixes(cluster: RealCluster): Set<string> {
  return new Set(
    cluster.mgrMon.commands.map((c) => c.sig.split(" ").filter((w) => !w.includes("=")).join(" ")),
  );
}

/** One manager's session to a real cluster. */
export class RadosClusterLink implements ClusterLink {
  readonly #cluster: RealCluster;
  readonly #clock: Clock;
  readonly #objects: RealRadosPort;
  readonly #local: Set<string>;
  readonly #state: ClusterState;
  readonly #unsubscribes: (() => void)[] = [];

  constructor(cluster: RealCluster, clock: Clock) {
    this.#cluster = cluster;
    this.#clock = clock;
    this.#objects = new RealRadosPort(cluster.rados, (id) => {
      const map = cluster.get("osd_map") as { pools?: { pool: number; pool_name: string }[] };
      return map?.pools?.find((p) => p.pool === id)?.pool_name;
    });
    this.#local = mgrMapPrefixes(cluster);
    const c = cluster;
    this.#state = {
      names: REAL_GET_NAMES,
      version: (name) => c.version(name),
      get: (name) => c.get(name),
      daemonNames: () => c.daemonNames(),
      metadata: (daemon) => c.metadata(daemon),
      daemonStatus: (daemon) => c.daemonStatus(daemon),
      health: () => c.health(),
      fsid: () => c.fsid(),
    };
  }

  monCommands(): readonly CommandSignature[] {
    return this.#cluster.commands();
  }
  connected(): boolean {
    return this.#cluster.connected();
  }
  snapshot(): ClusterSnapshot {
    const c = this.#cluster;
    return { config: c.config(), mgrKv: c.mgrKv(), mgrMap: c.mgrMon.mgrMap() };
  }
  state(): ClusterState {
    return this.#state;
  }
  /** Modules' `this.rados`: real I/O contexts through librados. */
  rados(): RadosPort {
    return this.#objects;
  }
  /** Modules' `this.cephfs`: libcephfs mounts, when the cluster was opened with them. */
  get cephfs(): (() => CephFsPort) | undefined {
    const port = this.#cluster.cephfs;
    return port ? () => port : undefined;
  }
  beacon(beacon: MgrBeacon): Promise<void> {
    if (this.#cluster.beaconAllowed(beacon.gid)) this.#cluster.mgrMon.beacon(beacon);
    return Promise.resolve();
  }
  clusterLog(entry: ClusterLogEntry): void {
    // librados writes to the cluster log only through the mon's `log` command, as the client,
    // at [INF] on the cluster channel: the audit channel (every command mgrd dispatches) would
    // read as cluster events there, so it stays in mgrd's own log.
    if (entry.channel !== "cluster") return;
    void this.#cluster.rados.monCommand({
      prefix: "log",
      logtext: [`${entry.name}: ${entry.message}`],
    }).catch(() => {});
  }
  subscribe(listener: (update: ClusterUpdate) => void): () => void {
    const off = this.#cluster.subscribe(listener);
    this.#unsubscribes.push(off);
    return off;
  }
  close(): void {
    for (const off of this.#unsubscribes.splice(0)) off();
    this.#objects.close().catch(() => {});
  }

  async monCommand(
    cmd: Record<string, unknown>,
    inbuf?: string,
    options?: MonCommandOptions,
  ): Promise<MonCommandResult> {
    const sent = this.#send(cmd, inbuf);
    if (options?.timeout === undefined) return await sent;
    const ac = new AbortController();
    const late = this.#clock.sleep(options.timeout, ac.signal).then(() => undefined);
    const result = await Promise.race([sent, late]);
    ac.abort();
    return result ?? {
      r: -ETIMEDOUT,
      outb: "",
      outs: `timed out after ${options.timeout}s waiting for the mon: '${String(cmd.prefix)}'`,
    };
  }

  async #send(cmd: Record<string, unknown>, inbuf?: string): Promise<MonCommandResult> {
    const c = this.#cluster;
    const { target, ...rest } = cmd;
    if (Array.isArray(target) && target[0] !== "mon") {
      return await this.#tell(String(target[0]), String(target[1]), rest, inbuf);
    }
    const prefix = String(cmd.prefix ?? "");
    if (this.#local.has(prefix)) return c.mgrMon.handle(prefix, rest);
    let sendCmd = rest;
    // The real mon knows only the real ceph-mgr's module options; mgrd's modules' options are
    // checked here against mgrd's MgrMap, as the mon checks its own, then stored with `force`
    // (Ceph's `config set --force`).
    const option = prefix === "config set" && typeof rest.name === "string" &&
        rest.name.startsWith("mgr/")
      ? c.mgrMon.findModuleOption(rest.name)
      : undefined;
    if (option !== undefined && rest.force !== true) {
      const parsed = parseOptionValue(option, String(rest.value ?? ""));
      if (!parsed.ok) {
        return { r: parsed.r, outb: "", outs: `error parsing value: ${parsed.error}` };
      }
      sendCmd = { ...rest, value: parsed.normalized, force: true };
    }
    if (prefix === "health" || prefix === "status") {
      // The real mon never hears of mgrd's checks: merged in as the mon would (merged_health.ts).
      const sources = {
        ask: (cmd: Record<string, unknown>) => commandResult(() => c.rados.monCommand(cmd)),
        own: () => c.mgrMon.mgrHealthChecks(),
        now: () => this.#clock.now(),
      };
      return prefix === "health"
        ? await mergedHealth(rest, sources)
        : await mergedStatus(rest, sources);
    }
    let result = await commandResult(() => c.rados.monCommand(sendCmd, inbuf));
    if (!c.monOwns(prefix) && RealCluster.unknownCommand(result)) {
      result = await commandResult(() => c.rados.mgrCommand(sendCmd, inbuf));
    }
    if (result.r === 0) {
      // A module's own store write (set_store, the hot path) is known here already; any other
      // write is followed by a poll, so that the manager sees what it changed.
      if (prefix === "config-key set" || prefix === "config-key put") {
        c.noteKv(String(rest.key), typeof rest.val === "string" ? rest.val : inbuf ?? "");
      } else if (prefix === "config-key rm" || prefix === "config-key del") {
        c.noteKv(String(rest.key), null);
      } else if (/w/.test(c.perm(prefix) ?? "")) {
        await c.refresh().catch(() => {});
      }
    }
    return result;
  }

  #tell(
    type: string,
    id: string,
    cmd: Record<string, unknown>,
    inbuf?: string,
  ): Promise<MonCommandResult> {
    const rados = this.#cluster.rados;
    if (type === "osd") {
      const osd = Number(id);
      if (!Number.isInteger(osd) || osd < 0) {
        return Promise.resolve({ r: -ENOENT, outb: "", outs: `osd.${id} does not exist` });
      }
      return commandResult(() => rados.osdCommand(osd, cmd, inbuf));
    }
    // `mon-mgr` is the CLI's target for a command the mgr owns.
    if (type === "mgr" || type === "mon-mgr") {
      return commandResult(() => rados.mgrCommand(cmd, inbuf));
    }
    if (type === "pg") return commandResult(() => rados.pgCommand(id, cmd, inbuf));
    if (type === "mds") return commandResult(() => this.#cluster.mdsCommand(id, cmd));
    return Promise.resolve({
      r: -EOPNOTSUPP,
      outb: "",
      outs: `librados cannot send a command to ${type}.${id}`,
    });
  }
}
