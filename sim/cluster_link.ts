/**
 * The manager's session with a whole simulated cluster: the embedded mon (config, config-key,
 * MgrMap, mon commands) through a MonLink, and the cluster's maps, statistics, daemons and perf
 * reports from a SimCluster. While the cluster says the mon is unreachable (a mon outage or a
 * lost quorum), the session is down: commands wait, and the state the manager reads stays as
 * it was when the session dropped; when it returns, the manager catches up at once.
 *
 * @module
 */
import type { OsdPerfQuerySet } from "../core/osd_perf_query.ts";
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
import type { HealthReport } from "../core/health.ts";
import type { MonLink } from "./mon/mon_link.ts";
import type { ClusterEvent, SimCluster } from "./cluster/cluster.ts";
import type { Json } from "./cluster/osd_map_dump.ts";
import { clusterDaemonStatus, clusterGet, GET_NAMES } from "./cluster/get.ts";
import { setImmediate } from "node:timers";
import { osdTellCommand } from "./cluster/osd_tell.ts";
import { mdsTellCommand } from "./cluster/mds_tell.ts";
import { simDaemonConfig } from "./cluster/daemon_config.ts";
import type { RadosPort } from "../core/rados_port.ts";
import type { CephFsPort } from "../core/cephfs_port.ts";
import { ENOENT } from "../ceph/errno.ts";

/** Which counter versions each `get()` name: maps move with their epochs. */
const MAP_NAMES = new Set([
  "osd_map",
  "osd_map_tree",
  "osd_map_crush",
  "osd_crush_map_text",
  "osdmap_crush_map_text",
]);
const MON_NAMES = new Set(["mon_map"]);

/**
 * Every `get()` name as of the moment the managers' mon session dropped, computed once however
 * many links ask (they all hear of the drop in the same turn). During the outage the links
 * answer with these: the manager keeps the last maps it received, while the model moves on.
 */
const heldDumps = new WeakMap<SimCluster, Map<string, Json | null>>();
function holdDumps(cluster: SimCluster): Map<string, Json | null> {
  let dumps = heldDumps.get(cluster);
  if (dumps) return dumps;
  dumps = new Map(GET_NAMES.map((name) => [name, clusterGet(cluster, name) ?? null]));
  heldDumps.set(cluster, dumps);
  // Good for this turn only: the model may change by any call after it.
  queueMicrotask(() => heldDumps.delete(cluster));
  return dumps;
}

/** CEPH_FEATURES_ALL of a Pacific build, which an active manager reports. */
const MGR_FEATURES = 4540138314316775423;

/** A ClusterLink over a simulated cluster and its embedded mon. */
export class SimClusterLink implements ClusterLink {
  readonly #mon: MonLink;
  readonly #cluster: SimCluster;
  readonly #listeners = new Set<(u: ClusterUpdate) => void>();
  readonly #unsubscribe: () => void;
  // Versions of what the manager has been told about; they stand still during an outage.
  #osdVersion = 0;
  #monVersion = 0;
  #fsVersion = 0;
  #statsVersion = 0;
  // What happened while the session was down, to tell the manager when it returns.
  #missed = new Set<"osd_map" | "mon_map" | "fs_map" | "pg_summary">();
  #heldHealth: HealthReport | undefined;
  #held: Map<string, Json | null> | undefined;
  readonly #state: ClusterState;
  /** This link's manager, from its beacons, and whether the MgrMap names it active. */
  #gid: number | undefined;
  #active = false;
  /**
   * The OSDs that have sent this link's manager all their PGs since it became active (its
   * PGMap starts empty) or its session came back after missing reports.
   */
  #covered = { osds: new Uint8Array(0) };

  constructor(mon: MonLink, cluster: SimCluster) {
    this.#mon = mon;
    this.#cluster = cluster;
    this.#mon.subscribe((u) => this.#push(u));
    this.#unsubscribe = cluster.subscribe((e) => this.#onClusterEvent(e));
    if (!cluster.monReachable()) mon.setConnected(false);
    this.#state = this.#makeState();
  }

  monCommands(): readonly CommandSignature[] {
    return this.#mon.monCommands();
  }
  connected(): boolean {
    return this.#mon.connected();
  }
  snapshot(): ClusterSnapshot {
    return this.#mon.snapshot();
  }
  monCommand(
    cmd: Record<string, unknown>,
    inbuf?: string,
    options?: MonCommandOptions,
  ): Promise<MonCommandResult> {
    // `target: [type, id]` sends the command to one daemon (osd_command, tell_command); OSDs
    // and MDSs answer without the mon session, as in Ceph, where the Objecter (or the
    // CephFS client, for an MDS) talks to them directly.
    const target = cmd.target;
    if (Array.isArray(target) && target[0] !== "mon") {
      const { target: _, ...rest } = cmd;
      const config = (who: string, name: string) => this.#mon.configValue(who, name);
      const result = target[0] === "mds"
        ? mdsTellCommand(this.#cluster, String(target[1]), rest, config)
        : osdTellCommand(
          this.#cluster,
          String(target[0]),
          String(target[1]),
          rest,
          config,
        );
      return new Promise((resolve) => setImmediate(() => resolve(result)));
    }
    // Every other command goes to the mon, which routes it to its owner (OSDMonitor,
    // MgrMonitor, ...). Changes the cluster applies without an event (pool create) still reach
    // the manager before the command completes.
    const around = (answer: () => MonCommandResult): MonCommandResult => {
      const epoch = this.#cluster.map.epoch;
      const seen = this.#osdVersion;
      const result = answer();
      if (this.#cluster.map.epoch !== epoch && this.#osdVersion === seen) this.#notify("osd_map");
      return result;
    };
    return this.#mon.monCommand(cmd, inbuf, { ...options, around });
  }
  beacon(beacon: MgrBeacon): Promise<void> {
    this.#gid = beacon.gid;
    // The messenger's part of a beacon: where the simulated manager listens, and the
    // features a Pacific build connects with.
    const addrs = this.#cluster.daemons.mgrAddrs(beacon.name);
    return this.#mon.beacon({ ...beacon, ...(addrs ? { addrs } : {}), mgr_features: MGR_FEATURES });
  }
  clusterLog(entry: ClusterLogEntry): void {
    this.#mon.clusterLog(entry);
  }
  subscribe(listener: (update: ClusterUpdate) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  /** The OSD perf queries of this link's manager, for the OSDs to evaluate (MMgrConfigure). */
  setOsdPerfQueries(queries: readonly OsdPerfQuerySet[]): void {
    this.#cluster.setOsdPerfQueries(this, queries);
  }
  /** The cluster's object store (librados for modules' `this.rados`). */
  rados(): RadosPort {
    return this.#cluster.objectStore;
  }

  /** The simulated MDSs' file-system trees (libcephfs for modules' `this.cephfs`). */
  cephfs(): CephFsPort {
    const fs = this.#cluster.fs;
    return {
      operate: (fsName, op) => {
        const tree = fs.treeOf(fsName);
        return Promise.resolve(tree ? tree.operate(op) : { r: -ENOENT });
      },
    };
  }

  state(): ClusterState {
    return this.#state;
  }

  /** Stops listening to the cluster and the mon. */
  close(): void {
    this.#unsubscribe();
    this.#mon.close();
  }

  #push(u: ClusterUpdate): void {
    if (u.kind === "mgr_map") {
      const active = this.#gid !== undefined && u.mgrMap.active_gid === this.#gid;
      // The OSDs send a newly active manager everything they hold, as to a new ceph-mgr.
      if (active && !this.#active) this.#covered.osds.fill(0);
      this.#active = active;
    }
    for (const l of [...this.#listeners]) {
      try {
        l(u);
      } catch {
        // One listener's fault must not keep the update from the others.
      }
    }
  }

  #notify(type: "osd_map" | "mon_map" | "fs_map" | "pg_summary"): void {
    if (type === "osd_map") this.#osdVersion++;
    else if (type === "mon_map") this.#monVersion++;
    else if (type === "fs_map") this.#fsVersion++;
    else this.#statsVersion++;
    this.#push({ kind: "notify", type });
  }

  #onClusterEvent(e: ClusterEvent): void {
    if (e.kind === "mon_reachable") {
      // The session drops now, before the cluster moves on: what the manager holds until it
      // returns is the cluster as it is at this moment.
      if (!e.reachable) {
        this.#heldHealth = this.#mon.health();
        this.#held = holdDumps(this.#cluster);
      } else {
        this.#held = undefined;
      }
      this.#mon.setConnected(e.reachable);
      if (e.reachable) {
        // The quorum that ends an outage is read anew (mon_status, health).
        this.#monVersion++;
        if (this.#missed.has("pg_summary")) this.#covered.osds.fill(0);
        for (const type of this.#missed) this.#notify(type);
        this.#missed.clear();
      }
      return;
    }
    if (e.kind === "quorum") {
      // An election moves no MonMap epoch (MonmapMonitor proposes one only for new mon
      // features), so the mons send no MMonMap and 16.2's manager notifies no mon_map
      // (Mgr::ms_dispatch2 does on CEPH_MSG_MON_MAP only). What changed, the quorum in
      // mon_status and the health, is read anew.
      this.#monVersion++;
      return;
    }
    const type = e.kind === "osd_map"
      ? "osd_map"
      : e.kind === "mon_map"
      ? "mon_map"
      : e.kind === "fs_map"
      ? "fs_map"
      : e.kind === "stats"
      ? "pg_summary"
      : undefined;
    if (type === undefined) return;
    if (!this.#mon.connected()) {
      this.#missed.add(type);
      return;
    }
    if (e.kind === "stats") {
      // Reports reach the manager directly from the daemons, as MPGStats and MMgrReport do.
      for (const report of this.#cluster.pgReporter.reportsFor(this.#covered, e.pgStats)) {
        this.#push({ kind: "pg_stats", report });
      }
      this.#push({
        kind: "perf",
        reports: e.reports,
        healthMetrics: e.healthMetrics,
        ...(e.osdPerf.length > 0 ? { osdPerf: e.osdPerf } : {}),
      });
    }
    this.#notify(type);
  }

  #makeState(): ClusterState {
    const cluster = this.#cluster;
    return {
      names: GET_NAMES,
      version: (name: string): number => {
        if (MAP_NAMES.has(name)) return this.#osdVersion;
        if (MON_NAMES.has(name)) return this.#monVersion;
        if (name === "fs_map") return this.#fsVersion;
        // No daemon of the simulated cluster registers a service: the map never changes.
        if (name === "service_map") return 0;
        // Metadata moves with the map (daemons come and go) and with the daemons' own reports;
        // rebuilding it every stats period would cost seconds at 10,000 OSDs.
        if (name === "osd_metadata") {
          return this.#osdVersion * 1_000_003 + this.#cluster.daemons.version;
        }
        // Health and ping times also move with map changes (OSDs go down).
        return this.#statsVersion * 1_000_003 + this.#osdVersion * 1009 + this.#monVersion;
      },
      get: (name) => {
        const held = this.#mon.connected() ? undefined : this.#held?.get(name);
        return held !== undefined ? held : clusterGet(cluster, name) ?? null;
      },
      daemonNames: () => cluster.daemons.daemonNames(),
      metadata: (daemon) => cluster.daemons.metadata(daemon),
      daemonStatus(daemon) {
        const dot = daemon.indexOf(".");
        return clusterDaemonStatus(cluster, daemon.slice(0, dot), daemon.slice(dot + 1)) as
          | Record<string, string>
          | null;
      },
      // The mon's report as of the last update the manager received: it stands still while
      // the session is down, like the maps.
      health: () =>
        this.#mon.connected() ? this.#mon.health() : this.#heldHealth ?? this.#mon.health(),
      fsid: () => cluster.map.fsid,
      // The OSDs, mons and MDSs report their running configuration with their stats; a
      // daemon the cluster has no metadata for has reported nothing.
      daemonConfig: (daemon) => {
        const dot = daemon.indexOf(".");
        const type = daemon.slice(0, dot);
        if (!["osd", "mon", "mds"].includes(type) || !cluster.daemons.metadata(daemon)) return null;
        return simDaemonConfig(type, daemon.slice(dot + 1), this.#mon.snapshot().config);
      },
    };
  }
}
