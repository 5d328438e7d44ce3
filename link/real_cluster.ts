/**
 * A real Ceph cluster as the managers of one `mgrd serve` process see it, through one librados
 * handle: its maps, config DB, `mgr/` config-keys, daemon metadata, health and PG statistics,
 * polled cheaply (one `status` a round gives every map's epoch and the health; a map is fetched
 * again only when its epoch moved, the config DB only when `config log` moved) and pushed to the
 * managers' sessions only when they changed; the cluster log as the mon pushes it; and whether
 * the mon session is up (a `status` that does not answer within `pollTimeout` seconds).
 *
 * mgrd is not one of the real mon's ceph-mgr daemons (librados cannot send MMgrBeacon), so the
 * MgrMap of mgrd's managers (who is active, the enabled modules, their services) is mgrd's
 * own: a MgrMonitor kept in `<data-dir>/mgr/mgrmap.db`, as the embedded cluster keeps it.
 *
 * @module
 */
import type { CephFsMountHandle } from "../rados/libcephfs_mount.ts";
import { RealCephFsPort } from "./real_cephfs_port.ts";
import type { Clock } from "../core/clock.ts";
import type {
  ClusterLogEntry,
  ClusterUpdate,
  CommandSignature,
  ConfigEntry,
  MonCommandResult,
} from "../core/cluster_link.ts";
import { permsByPrefix } from "../core/cluster_link.ts";
import { parseSignature } from "../core/commands/descriptor.ts";
import type { HealthReport } from "../core/health.ts";
import { EINVAL, EOPNOTSUPP, ETIMEDOUT } from "../ceph/errno.ts";
import { cephStamp } from "../ceph/time.ts";
import {
  type ClusterLogSubscription,
  type CommandReply,
  type RadosCluster,
  type RadosCommand,
  RadosError,
} from "../rados/librados.ts";
import { MgrMonitor } from "../sim/mon/mgr_monitor.ts";
import { MonStore } from "../sim/mon/mon_store.ts";
import { type CrushDump, decompileCrushMap } from "../sim/cluster/crush_text.ts";
import { GET_NAMES } from "../sim/cluster/get.ts";
import { monHealthReport, withMgrChecks } from "./merged_health.ts";
import { PerfPoller } from "./perf_poller.ts";
import { osdPingTimes, type PgDumpJson, pgDumpReport } from "./pg_dump_report.ts";

/**
 * The `get()` names a real cluster answers through the link (the manager answers the rest): the
 * same as the simulated cluster's.
 */
export const REAL_GET_NAMES: readonly string[] = GET_NAMES;

/** How a {@linkcode RealCluster} runs. */
export interface RealClusterOptions {
  clock: Clock;
  /** Where mgrd's own MgrMap is kept (`<data-dir>/mgr/mgrmap.db`; `:memory:` for none). */
  mgrMapPath: string;
  alwaysOnModules: readonly string[];
  initialModules: readonly string[];
  /** Seconds between two polls of the maps' epochs (default 1). */
  pollSeconds?: number;
  /** Seconds between two `pg dump`s (default 5, the real mgr's `mgr_stats_period`). */
  statsSeconds?: number;
  /** A poll unanswered for this many seconds means the mon session is down (default 3). */
  pollTimeout?: number;
  /** Seconds between two reads of the daemons' perf counters (default 5); 0: none. */
  perfSeconds?: number;
  /** How many daemons are asked for their counters at once (default 4). */
  perfConcurrency?: number;
  /**
   * Opens the MDS tell path (libcephfs, rados/libcephfs.ts), on the first perf round that
   * finds an MDS; without it, or when it fails, MDS counters are not read (said once to `log`).
   */
  openMds?: () => Promise<MdsTellPort>;
  /**
   * Mounts a file system (libcephfs, rados/libcephfs_mount.ts) for modules' `this.cephfs`;
   * without it the link has no CephFS port.
   */
  mountCephFs?: (fsName: string) => Promise<CephFsMountHandle>;
  /** Where the link says what it cannot do (once each): the daemon's stderr. */
  log?: (message: string) => void;
}

/** The MDS commands of a libcephfs client (rados/libcephfs.ts's CephFsClient). */
export interface MdsTellPort {
  mdsCommand(mds: string, cmd: RadosCommand): Promise<CommandReply>;
  close(): Promise<void>;
}

/** One MDS of `fs dump -f json`. */
interface MdsInfoJson {
  name?: string;
  state?: string;
  /** Present while the MDS is laggy (its beacons stopped). */
  laggy_since?: string;
}

/** `fs dump -f json`: the MDSs of the FSMap. */
interface FsDump {
  standbys?: MdsInfoJson[];
  filesystems?: { mdsmap?: { info?: Record<string, MdsInfoJson> } }[];
}

/**
 * The MDSs of an FSMap that are up (active, replaying, standby, ...) and not laggy, by name:
 * a laggy one would not answer (and an MDS command has no timeout of its own).
 */
export function upMdsNames(map: unknown): string[] {
  const fs = (map ?? {}) as FsDump;
  const all = [
    ...(fs.filesystems ?? []).flatMap((f) => Object.values(f.mdsmap?.info ?? {})),
    ...(fs.standbys ?? []),
  ];
  const names = all.filter((d) => d.state?.startsWith("up:") && d.name && !d.laggy_since)
    .map((d) => d.name!);
  return [...new Set(names)];
}

type Json = Record<string, unknown>;

/** `service dump -f json`: the ServiceMap. */
interface ServiceDump {
  services?: Record<string, { daemons?: Record<string, unknown> }>;
}

/** `service status -f json`: each service daemon's reported status (DaemonServer's). */
type ServiceStatus = Record<string, Record<string, { status?: Record<string, unknown> }>>;

/** Daemons the link indexes from their own metadata commands, not from the service map. */
const DAEMON_TYPES = new Set(["osd", "mon", "mds", "mgr"]);

/** What one `status -f json` says about the maps and the health. */
interface StatusJson {
  fsid?: string;
  health?: unknown;
  osdmap?: { epoch?: number };
  monmap?: { epoch?: number };
  fsmap?: { epoch?: number };
  servicemap?: { epoch?: number };
  mgrmap?: { available?: boolean };
  quorum_names?: string[];
}

/**
 * A command's answer as the port's MonCommandResult (a RadosError becomes its errno). Output
 * that is not UTF-8 (`osd getcrushmap`) also keeps its bytes, which a decoding would mangle.
 */
export async function commandResult(
  send: () => Promise<{ outbuf: Uint8Array; text(): string; outs: string }>,
): Promise<MonCommandResult> {
  try {
    const reply = await send();
    const result: MonCommandResult = { r: 0, outb: reply.text(), outs: reply.outs };
    if (!_isUtf8(reply.outbuf)) result.outbBytes = reply.outbuf;
    return result;
  } catch (e) {
    if (!(e instanceof RadosError)) throw e;
    return { r: e.errno, outb: new TextDecoder().decode(e.outbuf), outs: e.outs };
  }
}

const _strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function _isUtf8(bytes: Uint8Array): boolean {
  try {
    _strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** One cluster-log line from librados as Ceph's LogEntry. */
function logEntry(e: {
  who: string;
  name: string;
  sec: number;
  nsec: number;
  seq: number;
  channel: string;
  level: string;
  message: string;
}): ClusterLogEntry {
  // `who` is `mon.0 v2:127.0.0.1:3300/0`: the rank, then the address.
  const [rank = e.name, addr] = e.who.split(" ");
  return {
    name: e.name,
    rank,
    addrs: { addrvec: addr ? [{ type: addr.split(":")[0], addr: addr.replace(/^v\d:/, "") }] : [] },
    stamp: cephStamp(e.sec + e.nsec / 1e9),
    seq: e.seq,
    channel: e.channel,
    priority: e.level,
    message: e.message,
  };
}

/** A real cluster polled for the managers of one process. */
export class RealCluster {
  readonly rados: RadosCluster;
  readonly mgrMon: MgrMonitor;
  readonly #store: MonStore;
  readonly #o: Required<
    Omit<
      RealClusterOptions,
      "alwaysOnModules" | "initialModules" | "openMds" | "mountCephFs" | "log"
    >
  >;
  readonly #openMds: (() => Promise<MdsTellPort>) | undefined;
  /** Modules' CephFS mounts, when the cluster was opened with `mountCephFs`. */
  readonly cephfs: RealCephFsPort | undefined;
  readonly #log: (message: string) => void;
  /** The MDS tell path: not tried yet (undefined), opening or open, or unavailable (null). */
  #mds: Promise<MdsTellPort | null> | undefined;
  /** What the link said once already (`#logOnce`). */
  readonly #said = new Set<string>();
  /** Whether the last `status` had an available ceph-mgr. */
  #mgrAvailable = false;
  readonly #listeners = new Set<(u: ClusterUpdate) => void>();
  #connected = true;
  #fsid = "";
  /** Every `get()` value the cluster gives, and a version per name. */
  readonly #values = new Map<string, unknown>();
  readonly #versions = new Map<string, number>();
  #epochs = { osd: -1, mon: -1, fs: -1, service: -1 };
  #healthText = "";
  /** The mons in quorum, from the last `status`. */
  #quorum: string[] = [];
  #health: HealthReport = { status: "HEALTH_OK", checks: {}, mutes: [] };
  #configVersion = -1;
  #config: ConfigEntry[] = [];
  #kv: Record<string, string> = {};
  #pgVersion = -1;
  #lastStats = -Infinity;
  /** Daemon metadata by name (`osd.0`, `mon.a`, `mds.x`). */
  #metadata = new Map<string, Record<string, string>>();
  /** The service daemons of the service map (`rgw.a`, ...), not the osd/mon/mds/mgr ones. */
  #serviceDaemons = new Set<string>();
  /**
   * Each service daemon's status as its MMgrReport gave it to the real ceph-mgr (DaemonState's
   * service_status), from `service status`; the service map does not carry it.
   */
  #serviceStatus = new Map<string, Record<string, string>>();
  #serviceStatusText = "{}";
  #lastServiceStatus = -Infinity;
  #commands: CommandSignature[] = [];
  /** The prefixes the real mon knows (others go to the real ceph-mgr). */
  #monPrefixes = new Set<string>();
  #perms = new Map<string, string>();
  #clog: ClusterLogSubscription | undefined;
  readonly #stop = new AbortController();
  #loop: Promise<void> = Promise.resolve();
  #perfLoop: Promise<void> = Promise.resolve();
  readonly #perf: PerfPoller;
  /** The poll round running now, and whether another was asked for meanwhile. */
  #round: Promise<void> | undefined;
  #again: Promise<void> | undefined;
  /** Requests sent to the cluster by the poller (for the figures of the report). */
  requests = 0;
  /**
   * Whether a local manager's beacon may reach mgrd's MgrMap now: with an active lock
   * (link/active_lock.ts), a process that does not hold it only registers standbys.
   */
  beaconAllowed: (gid: number) => boolean = () => true;

  private constructor(rados: RadosCluster, options: RealClusterOptions) {
    this.rados = rados;
    this.#o = {
      clock: options.clock,
      mgrMapPath: options.mgrMapPath,
      pollSeconds: options.pollSeconds ?? 1,
      statsSeconds: options.statsSeconds ?? 5,
      pollTimeout: options.pollTimeout ?? 3,
      perfSeconds: options.perfSeconds ?? 5,
      perfConcurrency: options.perfConcurrency ?? 4,
    };
    this.#openMds = options.openMds;
    const mount = options.mountCephFs;
    this.cephfs = mount
      ? new RealCephFsPort({
        mount,
        fsMap: () => this.get("fs_map"),
        log: options.log,
      })
      : undefined;
    this.#log = options.log ?? (() => {});
    this.#perf = new PerfPoller({
      tell: async (daemon, prefix) => {
        this.requests++;
        const dot = daemon.indexOf(".");
        const type = daemon.slice(0, dot), id = daemon.slice(dot + 1);
        const cmd = { prefix, format: "json" };
        let reply: CommandReply;
        if (type === "osd") reply = await this.rados.osdCommand(Number(id), cmd);
        else if (type === "mon") reply = await this.rados.monCommandTarget(id, cmd);
        // A tell command (MCommand): the ceph-mgr answers it from its admin socket.
        else if (type === "mgr") reply = await this.rados.mgrCommandTarget(id, cmd);
        else {
          const mds = await this.#mds;
          if (!mds) throw new Error("no MDS tell path");
          reply = await mds.mdsCommand(id, cmd);
        }
        return reply.json();
      },
    }, this.#o.perfConcurrency);
    this.#store = MonStore.open(options.mgrMapPath);
    this.mgrMon = new MgrMonitor(this.#store, {
      alwaysOnModules: options.alwaysOnModules,
      initialModules: options.initialModules,
      now: () => options.clock.now(),
      configValue: (section, name) =>
        this.#config.find((e) => e.section === section && e.name === name && e.mask === "")
          ?.value,
      // What mgrd's MgrMap does goes to the real cluster log, in mgrd's name.
      clog: (_priority, message) =>
        void this.rados.monCommand({ prefix: "log", logtext: [`mgrd: ${message}`] }).catch(
          () => {},
        ),
      emit: (u) => this.#push(u),
    });
  }

  /**
   * Reads everything once (the state a fresh session starts from), then polls until `close()`.
   * Takes ownership of `rados`.
   */
  static async open(rados: RadosCluster, options: RealClusterOptions): Promise<RealCluster> {
    const c = new RealCluster(rados, options);
    try {
      c.#fsid = await rados.fsid();
      await c.#loadCommands();
      await c.#poll(true);
      // The level a ceph-mgr subscribes at (`log-info`).
      c.#clog = await rados.monitorLog(
        "info",
        (e) => c.#push({ kind: "clog", entry: logEntry(e) }),
      );
    } catch (e) {
      await c.close();
      throw e;
    }
    c.#loop = c.#run();
    if (c.#o.perfSeconds > 0) c.#perfLoop = c.#runPerf();
    return c;
  }

  /** Stops polling and the cluster log, closes the handle and mgrd's MgrMap store. */
  async close(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    await this.#perfLoop;
    await this.#round?.catch(() => {});
    await this.#clog?.stop().catch(() => {});
    await (await this.#mds)?.close().catch(() => {});
    await this.cephfs?.close();
    await this.rados.close();
    this.#store.close();
  }

  fsid(): string {
    return this.#fsid;
  }
  connected(): boolean {
    return this.#connected;
  }
  config(): ConfigEntry[] {
    return this.#config;
  }
  mgrKv(): Record<string, string> {
    return { ...this.#kv };
  }
  /**
   * The real mon's health report, with the checks of mgrd's active manager (its PGMap's and
   * modules'), which the real mon never hears of: mgrd is not one of its ceph-mgr daemons.
   */
  health(): HealthReport {
    return withMgrChecks(this.#health, this.mgrMon.mgrHealthChecks(), this.#o.clock.now());
  }
  /** The real cluster's commands: the mon's, then the real ceph-mgr's. */
  commands(): readonly CommandSignature[] {
    return this.#commands;
  }
  /** Whether the real mon answers `prefix` itself (or proxies it to the ceph-mgr). */
  monOwns(prefix: string): boolean {
    return this.#monPrefixes.has(prefix);
  }
  /** `r`, `w`, `rw` or `x` of a real command, or undefined. */
  perm(prefix: string): string | undefined {
    return this.#perms.get(prefix);
  }
  get(name: string): unknown {
    return this.#values.get(name) ?? null;
  }
  version(name: string): number {
    return this.#versions.get(name) ?? 0;
  }
  daemonNames(): string[] {
    return [...this.#metadata.keys()];
  }
  metadata(daemon: string): Record<string, string> | null {
    return this.#metadata.get(daemon) ?? null;
  }

  subscribe(listener: (u: ClusterUpdate) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Polls now (after the round running, if any), so that what a command just changed reaches
   * the managers before the command's answer does.
   */
  refresh(): Promise<void> {
    if (!this.#round) return this.#round = this.#poll(false).finally(() => this.#round = undefined);
    return this.#again ??= this.#round.catch(() => {}).then(() => {
      this.#again = undefined;
      return this.refresh();
    });
  }

  /** A config-key write the mon committed through the link: the managers hear of it now. */
  noteKv(key: string, value: string | null): void {
    if (!key.startsWith("mgr/") || (this.#kv[key] ?? null) === value) return;
    if (value === null) delete this.#kv[key];
    else this.#kv[key] = value;
    this.#push({ kind: "kv", key, value });
  }

  #push(u: ClusterUpdate): void {
    for (const l of [...this.#listeners]) {
      try {
        l(u);
      } catch {
        // One session's fault must not keep the update from the others.
      }
    }
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      await this.#o.clock.sleep(this.#o.pollSeconds, signal);
      if (signal.aborted) break;
      this.mgrMon.tick();
      await this.refresh().catch(() => {});
    }
  }

  /** The daemons' perf counters every `perfSeconds`, on its own loop (polls do not wait). */
  async #runPerf(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      // The period is Ceph's own option, as the daemons read it to report to their manager.
      const set = Number(
        this.#config.find((e) =>
          e.name === "mgr_stats_period" && e.mask === "" &&
          (e.section === "global" || e.section === "mgr")
        )?.value,
      );
      await this.#o.clock.sleep(set > 0 ? set : this.#o.perfSeconds, signal);
      if (signal.aborted || !this.#connected) continue;
      const osdMap = this.#values.get("osd_map") as { osds?: { osd: number; up: number }[] };
      // Up OSDs and mons in quorum: a daemon that is down would hold a worker until the op
      // timeout.
      const daemons = [
        ...(osdMap?.osds ?? []).filter((o) => o.up === 1).map((o) => `osd.${o.osd}`),
        ...this.#quorum.map((name) => `mon.${name}`),
        ...(await this.#perfMdss()).map((name) => `mds.${name}`),
        ...(await this.#perfMgr().catch(() => [])).map((name) => `mgr.${name}`),
      ];
      try {
        const reports = await this.#perf.poll(daemons, this.#o.clock.now());
        if (reports.length > 0 && !signal.aborted) this.#push({ kind: "perf", reports });
      } catch {
        // The next period tries again.
      }
    }
  }

  /** The up MDSs of the FSMap, when the MDS tell path is open (opened on the first). */
  async #perfMdss(): Promise<string[]> {
    const names = upMdsNames(this.#values.get("fs_map"));
    if (names.length === 0) return [];
    this.#mds ??= this.#openMdsPath();
    return (await this.#mds) ? names : [];
  }

  /**
   * A command to MDS `id` (a name, a gid or a role) through the libcephfs client the MDS
   * counters are read with, as a module's `tell_command("mds", ...)` sends it (ceph_mds_command,
   * as mgr_util's CephFS handles do). Without that path: EOPNOTSUPP.
   */
  async mdsCommand(id: string, cmd: RadosCommand): Promise<CommandReply> {
    this.#mds ??= this.#openMdsPath();
    const mds = await this.#mds;
    if (!mds) {
      throw new RadosError("ceph_mds_command", -EOPNOTSUPP, `no MDS tell path for mds.${id}`);
    }
    return await mds.mdsCommand(id, cmd);
  }

  async #openMdsPath(): Promise<MdsTellPort | null> {
    if (!this.#openMds) return null;
    try {
      return await this.#openMds();
    } catch (e) {
      this.#logOnce(
        "mds",
        `the MDSs' perf counters are not read (no MDS tell path): ${(e as Error).message}`,
      );
      return null;
    }
  }

  /**
   * The real active ceph-mgr, unless one of mgrd's managers has its name: `mgr.<name>` in a
   * manager's counter store is that manager's own (core/manager.ts), which a daemon of another
   * process must not overwrite, as a cluster has one mgr of a name.
   */
  async #perfMgr(): Promise<string[]> {
    if (!this.#mgrAvailable) return [];
    const stat = await this.#mon({ prefix: "mgr stat" }) as { active_name?: string };
    const name = stat.active_name;
    if (!name) return [];
    const ours = this.mgrMon.mgrMap();
    if (name === ours.active_name || ours.standbys.some((s) => s.name === name)) {
      this.#logOnce(
        `mgr.${name}`,
        `the real ceph-mgr ${name} has the name of a mgrd manager: mgr.${name}'s perf ` +
          `counters are that manager's own, the real ceph-mgr's are not read`,
      );
      return [];
    }
    return [name];
  }

  #logOnce(key: string, message: string): void {
    if (this.#said.has(key)) return;
    this.#said.add(key);
    this.#log(message);
  }

  async #mon(cmd: Json): Promise<unknown> {
    this.requests++;
    return (await this.rados.monCommand({ ...cmd, format: "json" })).json();
  }
  async #mgr(cmd: Json): Promise<unknown> {
    this.requests++;
    return (await this.rados.mgrCommand({ ...cmd, format: "json" })).json();
  }

  async #loadCommands(): Promise<void> {
    const parse = (outb: string) =>
      Object.values(JSON.parse(outb) as Record<string, CommandSignature>).flatMap((c) => {
        const sig = typeof c.sig === "string" ? c.sig : (c.sig as unknown[]).map(sigWord).join(" ");
        const out = {
          sig,
          help: c.help,
          perm: c.perm,
          ...(c.flags !== undefined ? { flags: c.flags } : {}),
        };
        try {
          parseSignature(sig, { help: c.help, perm: c.perm });
        } catch {
          // A signature mgrd's grammar cannot read is left out (and so answered by no one).
          return [];
        }
        return [out];
      });
    const mon = parse((await this.rados.monCommand({ prefix: "get_command_descriptions" })).text());
    let mgr: CommandSignature[] = [];
    // Without an available ceph-mgr a mgr command would wait for one (up to the op timeout).
    const stat = (await this.rados.monCommand({ prefix: "mgr stat", format: "json" })).json<
      { available?: boolean }
    >();
    if (stat.available) {
      try {
        mgr = parse((await this.rados.mgrCommand({ prefix: "get_command_descriptions" })).text());
      } catch {
        // The ceph-mgr went away meanwhile: the mon's commands are all there is.
      }
    }
    const monPerms = permsByPrefix(mon);
    this.#monPrefixes = new Set(monPerms.keys());
    const seen = new Set(monPerms.keys());
    this.#commands = [...mon];
    for (const c of mgr) {
      const prefix = permsByPrefix([c]).keys().next().value!;
      if (!seen.has(prefix)) {
        seen.add(prefix);
        this.#commands.push(c);
      }
    }
    this.#perms = permsByPrefix(this.#commands);
  }

  #set(name: string, value: unknown): void {
    this.#values.set(name, value);
    this.#versions.set(name, (this.#versions.get(name) ?? 0) + 1);
  }

  /** One poll round; `first` reads everything. A round that fails marks the session down. */
  async #poll(first: boolean): Promise<void> {
    const clock = this.#o.clock;
    let status: StatusJson;
    const ac = new AbortController();
    try {
      const asked = this.#mon({ prefix: "status" }) as Promise<StatusJson>;
      const late = clock.sleep(this.#o.pollTimeout, ac.signal).then(() => "late" as const);
      const answer = await Promise.race([asked, late]);
      if (answer === "late") {
        if (first) throw new RadosError("mon_command 'status'", -ETIMEDOUT, "no answer");
        this.#setConnected(false);
        status = await asked;
      } else status = answer;
    } catch (e) {
      if (first) throw e;
      this.#setConnected(false);
      return;
    } finally {
      ac.abort();
    }
    const reconnected = !this.#connected;
    // Without an available ceph-mgr a mgr command would wait for one (up to the op timeout).
    const mgrUp = status.mgrmap?.available === true;
    this.#mgrAvailable = mgrUp;
    const mgr = (cmd: Json) => mgrUp ? this.#mgr(cmd) : Promise.reject(new Error("no ceph-mgr"));
    const all = first || reconnected;
    const notify: ("osd_map" | "mon_map" | "fs_map" | "pg_summary" | "health")[] = [];

    const osd = status.osdmap?.epoch ?? 0;
    if (all || osd !== this.#epochs.osd) {
      const [map, tree, crush, meta, devices] = await Promise.all([
        this.#mon({ prefix: "osd dump" }),
        this.#mon({ prefix: "osd tree" }),
        this.#mon({ prefix: "osd crush dump" }),
        this.#mon({ prefix: "osd metadata" }) as Promise<Json[]>,
        mgr({ prefix: "device ls" }).catch(() => []) as Promise<unknown[]>,
      ]);
      this.#set("osd_map", map);
      this.#set("osd_map_tree", tree);
      this.#set("osd_map_crush", crush);
      // Ceph 16.2's get() knows `osdmap_crush_map_text` only: `osd_crush_map_text` is None.
      this.#set("osd_crush_map_text", null);
      this.#set("osdmap_crush_map_text", decompileCrushMap(crush as CrushDump));
      const byId: Record<string, Json> = {};
      for (const m of meta) byId[String(m.id)] = withoutId(m);
      this.#set("osd_metadata", byId);
      this.#setMetadata("osd", meta.map((m) => [String(m.id), withoutId(m)]));
      this.#set("devices", { devices });
      this.#epochs.osd = osd;
      notify.push("osd_map");
    }
    const mon = status.monmap?.epoch ?? 0;
    if (all || mon !== this.#epochs.mon) {
      const [map, meta] = await Promise.all([
        this.#mon({ prefix: "mon dump" }),
        this.#mon({ prefix: "mon metadata" }) as Promise<Json[]>,
      ]);
      // `mon dump` adds the quorum; the MonMap a manager holds has none.
      const { quorum: _, ...monMap } = map as Json;
      this.#set("mon_map", monMap);
      this.#setMetadata("mon", meta.map((m) => [String(m.name), m]));
      this.#epochs.mon = mon;
      notify.push("mon_map");
    }
    // `mon_status` is a mon's own (tell) command; the leader answers it for any mon.
    // A mon that does not answer its own `mon_status` (down, out of quorum) keeps the last one.
    this.#quorum = status.quorum_names ?? [];
    const monStatus = await this.#monStatus(this.#quorum[0]).catch(() => undefined);
    if (monStatus !== undefined) this.#set("mon_status", { json: JSON.stringify(monStatus) });
    const fs = status.fsmap?.epoch ?? 0;
    if (all || fs !== this.#epochs.fs) {
      const [map, meta] = await Promise.all([
        this.#mon({ prefix: "fs dump" }),
        this.#mon({ prefix: "mds metadata" }) as Promise<Json[]>,
      ]);
      this.#set("fs_map", map);
      this.#setMetadata("mds", meta.map((m) => [String(m.name), m]));
      this.#epochs.fs = fs;
      notify.push("fs_map");
    }
    const service = status.servicemap?.epoch ?? 0;
    if (all || service !== this.#epochs.service) {
      const map = await mgr({ prefix: "service dump" }).catch(() => null) as ServiceDump | null;
      this.#set("service_map", map);
      if (map) this.#setServiceDaemons(map);
      this.#epochs.service = service;
    }
    const healthText = JSON.stringify(status.health ?? null);
    if (all || healthText !== this.#healthText) {
      const detail = await this.#mon({ prefix: "health", detail: "detail" });
      this.#health = monHealthReport(detail);
      this.#set("health", detail);
      this.#healthText = healthText;
      notify.push("health");
    }
    const log = await this.#mon({ prefix: "config log", num: 1 }) as { version?: number }[];
    const configVersion = log[0]?.version ?? 0;
    const updates: ClusterUpdate[] = [];
    if (all || configVersion !== this.#configVersion) {
      const dump = await this.#mon({ prefix: "config dump" }) as {
        section: string;
        name: string;
        value: string;
        mask?: string;
      }[];
      this.#config = dump.map((e) => ({
        section: e.section,
        name: e.name,
        value: String(e.value),
        mask: e.mask ?? "",
      }));
      this.#configVersion = configVersion;
      if (!first) updates.push({ kind: "config", config: this.#config });
    }
    const kv = await this.#mon({ prefix: "config-key dump", key: "mgr/" }) as Record<
      string,
      string
    >;
    for (const [key, value] of Object.entries(kv)) {
      if (this.#kv[key] !== value && !first) updates.push({ kind: "kv", key, value });
    }
    for (const key of Object.keys(this.#kv)) {
      if (!(key in kv) && !first) updates.push({ kind: "kv", key, value: null });
    }
    this.#kv = { ...kv };
    const now = clock.now();
    // A service daemon's status changes with its reports, not with the service map's epoch.
    if (
      this.#serviceDaemons.size > 0 &&
      (all || now - this.#lastServiceStatus >= this.#o.statsSeconds)
    ) {
      this.#lastServiceStatus = now;
      const st = await mgr({ prefix: "service status" }).catch(() => null) as ServiceStatus | null;
      if (st) this.#setServiceStatus(st);
    }
    let report: ClusterUpdate | undefined;
    if (all || now - this.#lastStats >= this.#o.statsSeconds) {
      this.#lastStats = now;
      const dump = await mgr({ prefix: "pg dump" }).catch(() => null) as
        | (PgDumpJson & { pg_map?: { version?: number } })
        | null;
      const version = dump?.pg_map?.version ?? -1;
      if (dump && (all || version !== this.#pgVersion)) {
        this.#pgVersion = version;
        this.#set("osd_ping_times", osdPingTimes(dump));
        report = { kind: "pg_stats", report: pgDumpReport(dump, now) };
        notify.push("pg_summary");
      }
    }
    if (reconnected) this.#setConnected(true);
    for (const u of updates) this.#push(u);
    if (report) this.#push(report);
    if (!first) { for (const type of notify) this.#push({ kind: "notify", type }); }
  }

  /** `mon_status` of a mon (a tell command: each mon answers its own). */
  async #monStatus(name: string | undefined): Promise<unknown> {
    if (name === undefined) return undefined;
    this.requests++;
    return (await this.rados.monCommandTarget(name, { prefix: "mon_status", format: "json" }))
      .json();
  }

  /**
   * `get_daemon_status(type, id)` as ActivePyModules::get_daemon_status_python answers: the
   * status a service daemon reports (`{}` for every other daemon), null for no such daemon.
   */
  daemonStatus(daemon: string): Record<string, string> | null {
    if (!this.#metadata.has(daemon)) return null;
    return this.#serviceStatus.get(daemon) ?? {};
  }

  /**
   * The service daemons of `service dump` (rgw, rbd-mirror, anything registered through
   * librados's rados_service_register) into the daemon index, with the metadata they opened
   * their session with, `hostname` first as get_metadata_python gives it. The osd, mon, mds
   * and mgr entries are the daemons read from their own metadata commands.
   */
  #setServiceDaemons(map: ServiceDump): void {
    const next = new Map<string, Json>();
    for (const [service, entry] of Object.entries(map.services ?? {})) {
      if (DAEMON_TYPES.has(service)) continue;
      for (const [id, d] of Object.entries(entry.daemons ?? {})) {
        if (id === "summary" || d === null || typeof d !== "object") continue;
        const meta = (d as { metadata?: Json }).metadata ?? {};
        next.set(`${service}.${id}`, { hostname: meta.hostname ?? "", ...meta });
      }
    }
    const before = JSON.stringify([...this.#serviceDaemons]);
    for (const daemon of this.#serviceDaemons) {
      if (!next.has(daemon)) this.#metadata.delete(daemon);
    }
    for (const [daemon, m] of next) {
      this.#metadata.set(
        daemon,
        Object.fromEntries(Object.entries(m).map(([k, v]) => [k, String(v)])),
      );
    }
    this.#serviceDaemons = new Set(next.keys());
    if (JSON.stringify([...this.#serviceDaemons]) !== before) this.#daemonsChanged();
  }

  #setServiceStatus(st: ServiceStatus): void {
    const next = new Map<string, Record<string, string>>();
    for (const [service, daemons] of Object.entries(st)) {
      for (const [id, d] of Object.entries(daemons ?? {})) {
        const status = d?.status ?? {};
        next.set(
          `${service}.${id}`,
          Object.fromEntries(Object.entries(status).map(([k, v]) => [k, String(v)])),
        );
      }
    }
    const text = JSON.stringify([...next]);
    if (text === this.#serviceStatusText) return;
    this.#serviceStatus = next;
    this.#serviceStatusText = text;
    this.#daemonsChanged();
  }

  /** The manager's daemon index is rebuilt when the `osd_metadata` version moves. */
  #daemonsChanged(): void {
    this.#versions.set("osd_metadata", (this.#versions.get("osd_metadata") ?? 0) + 1);
  }

  #setMetadata(type: string, entries: [string, Json][]): void {
    for (const key of [...this.#metadata.keys()]) {
      if (key.startsWith(`${type}.`)) this.#metadata.delete(key);
    }
    for (const [id, m] of entries) {
      this.#metadata.set(
        `${type}.${id}`,
        Object.fromEntries(Object.entries(m).map(([k, v]) => [k, String(v)])),
      );
    }
  }

  #setConnected(up: boolean): void {
    if (up === this.#connected) return;
    this.#connected = up;
    this.#push({ kind: "connection", connected: up });
    if (up) {
      // What changed meanwhile reaches the managers with the round that found the mon back.
      this.#push({ kind: "config", config: this.#config });
      this.#push({ kind: "mgr_map", mgrMap: this.mgrMon.mgrMap() });
    }
  }

  /** Whether a failed reply means the mon does not know the command (the mgr may). */
  static unknownCommand(r: MonCommandResult): boolean {
    return r.r === -EINVAL && /^unrecognized command/.test(r.outs);
  }
}

function withoutId(m: Json): Json {
  const { id: _, ...rest } = m;
  return rest;
}

/** A `get_command_descriptions` signature word (`{name, type, ...}` or a literal) as text. */
function sigWord(w: unknown): string {
  if (typeof w === "string") return w;
  const o = w as Record<string, unknown>;
  return Object.entries(o).map(([k, v]) => {
    // Ceph 16.2's MonCommands.h has `req=fasle` (osd pool application get): it means false.
    if (k === "req") return `req=${v === true || v === "true" ? "true" : "false"}`;
    return `${k}=${v}`;
  }).join(",");
}
