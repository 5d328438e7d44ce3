/**
 * The FSMap: the CephFS file systems (each an MdsMap, mds_map.ts) and the MDS daemons serving
 * them, as MDSMonitor keeps it: each rank of each file system held by one daemon, the others
 * standbys. A vacant rank 0 is taken at once (no journal replay is simulated for it); ranks
 * above 0 pass through the states the real mon shows (up:creating, up:replay ... up:active)
 * and, when max_mds is lowered, up:stopping. The epoch advances at each change.
 *
 * @module
 */

import { cephStamp } from "../../ceph/time.ts";
import type { OsdMap } from "./osd_map.ts";
import type { Json } from "./osd_map_dump.ts";
import { MDS_PERF_SCHEMA, PerfCounters } from "./perf_counters.ts";
import type { FsTree } from "./fs_tree.ts";
import { MdsMap, RANK_PATHS, RANK_STATE_SECONDS, RANK_STOPPING_SECONDS } from "./mds_map.ts";
import type { RankHolder } from "./mds_map.ts";

const _INCOMPAT: Json = {
  feature_1: "base v0.20",
  feature_2: "client writeable ranges",
  feature_3: "default file layouts on dirs",
  feature_4: "dir inode in separate object",
  feature_5: "mds uses versioned encoding",
  feature_6: "dirfrag is stored in omap",
  feature_8: "no anchor table",
  feature_9: "file layout v2",
  feature_10: "snaprealm v2",
};

/** A file system's MDSMap compat: the default one and inline data (feature 7). */
const _FS_INCOMPAT: Json = {
  feature_1: "base v0.20",
  feature_2: "client writeable ranges",
  feature_3: "default file layouts on dirs",
  feature_4: "dir inode in separate object",
  feature_5: "mds uses versioned encoding",
  feature_6: "dirfrag is stored in omap",
  feature_7: "mds uses inline data",
  feature_8: "no anchor table",
  feature_9: "file layout v2",
  feature_10: "snaprealm v2",
};

const _MDS_FEATURES = 4540138314316775423;

/** One MDS daemon. */
export interface MdsDaemon {
  readonly name: string;
  /** Its global id: new each time the daemon respawns (a rank it held was stopped). */
  gid: number;
  readonly host: string;
  up: boolean;
  /** When it last started (seconds, the cluster clock). */
  since: number;
}

/** Client metadata requests the active MDS serves per second. */
export const MDS_REQUESTS_PER_SECOND = 20;
const MDS_CACHED_INODES = 1000;
const MDS_REPLY_NS = 400_000;

const _M = {
  inodes: MDS_PERF_SCHEMA.indexOf("mds.inodes"),
  memIno: MDS_PERF_SCHEMA.indexOf("mds_mem.ino"),
  caps: MDS_PERF_SCHEMA.indexOf("mds.caps"),
  sessions: MDS_PERF_SCHEMA.indexOf("mds_sessions.session_count"),
  sessionsOpen: MDS_PERF_SCHEMA.indexOf("mds_sessions.sessions_open"),
  subtrees: MDS_PERF_SCHEMA.indexOf("mds.subtrees"),
  request: MDS_PERF_SCHEMA.indexOf("mds.request"),
  handleClientRequest: MDS_PERF_SCHEMA.indexOf("mds_server.handle_client_request"),
  evadd: MDS_PERF_SCHEMA.indexOf("mds_log.evadd"),
  replyLatency: MDS_PERF_SCHEMA.indexOf("mds.reply_latency"),
  getattrLatency: MDS_PERF_SCHEMA.indexOf("mds_server.req_getattr_latency"),
  jlat: MDS_PERF_SCHEMA.indexOf("mds_log.jlat"),
} as const;

/** A free standby a vacant rank may be given, and who should be preferred or avoided. */
interface Pick {
  /** The standby-replay daemon of the rank's file system: it takes rank 0 first. */
  prefer?: string;
  /** A daemon just failed by `mds fail`: it respawned as a standby, and is taken last. */
  avoid?: string;
}

/**
 * The FSMap with its MDS daemons.
 *
 * @example
 * ```ts
 * import { Rng } from "../engine/prng.ts";
 * import { OsdMap } from "./osd_map.ts";
 * import { FsMap } from "./fs_map.ts";
 * const map = new OsdMap({ now: () => 0, ids: new Rng(1).stream("identity") });
 * const fs = new FsMap(map, () => 0, ["a", "b"], ["host1", "host2"]);
 * fs.mdsDown("a");
 * if (fs.activeName() !== "b") throw new Error("the standby takes over");
 * ```
 */
export class FsMap {
  epoch = 1;
  /** The file systems, in the order they were made. */
  readonly filesystems: MdsMap[] = [];
  readonly daemons: MdsDaemon[];
  /** The FSMap's `enable_multiple` flag (`fs flag set enable_multiple`), on in 16.2. */
  enableMultiple = true;
  /** Whether enable_multiple was ever on. */
  everEnabledMultiple = true;
  /** `legacy client fscid`: the file system clients mount when they name none (-1: none). */
  #legacyFscid: number;
  /** The id the next `fs new` takes (the FSMap's `next_filesystem_id`). */
  #nextFscid = 2;
  /** The last file system's name, for {@linkcode fsName} once none is left. */
  #lastName = "cephfs";
  readonly #map: OsdMap;
  readonly #addrsOf:
    | ((name: string) => readonly { type: string; addr: string; nonce: number }[] | undefined)
    | undefined;
  readonly #now: () => number;
  /** The next gid a respawned MDS gets. */
  #nextGid = 0;
  /** Cluster log lines MDSMonitor writes about the changes, until {@linkcode takeLog}. */
  #log: string[] = [];

  /**
   * @param addrsOf where MDS `mds.<name>` listens (v2, v1), from the daemons' registry;
   * without it, 127.0.0.1 on 6800/6801 with the gid as the nonce
   * @param fileSystem whether the cluster starts with file system `cephfs` (rank 0 held by the
   * first MDS)
   */
  constructor(
    map: OsdMap,
    now: () => number,
    names: readonly string[],
    hosts: readonly string[],
    addrsOf?: (
      name: string,
    ) => readonly { type: string; addr: string; nonce: number }[] | undefined,
    fileSystem = true,
  ) {
    this.#map = map;
    this.#addrsOf = addrsOf;
    this.#now = now;
    const created = now();
    this.daemons = names.map((name, i) => ({
      name,
      gid: 14_000 + i * 7 + 3,
      host: hosts[i % Math.max(1, hosts.length)] ?? "localhost",
      up: true,
      since: created,
    }));
    this.#legacyFscid = fileSystem ? 1 : -1;
    if (fileSystem) {
      // The cluster's own file system: standby_count_wanted as the simulator has always given it.
      // ...and the two clients (client.admin mounts of /) `fs status` has always counted.
      const fs = this.#newMdsMap("cephfs", 1, undefined, 0, 2);
      const first = this.daemons[0];
      if (first) fs.holders.set(0, this.#holder(first.name, "up:active"));
      this.filesystems.push(fs);
    }
    this.perf = new PerfCounters(MDS_PERF_SCHEMA, this.daemons.map((d) => `mds.${d.name}`));
  }

  /** Each MDS's perf counters; row = position in `daemons`. */
  readonly perf: PerfCounters;

  /** The file system clients mount by default (`legacy client fscid`), if there is one. */
  legacy(): MdsMap | undefined {
    return this.filesystems.find((f) => f.fscid === this.#legacyFscid);
  }

  /** The file system named `name`. */
  byName(name: string): MdsMap | undefined {
    return this.filesystems.find((f) => f.name === name);
  }

  /** The default file system's name (the last one's once none is left). */
  get fsName(): string {
    return this.legacy()?.name ?? this.filesystems[0]?.name ?? this.#lastName;
  }

  /** Whether there is a file system. */
  get exists(): boolean {
    return this.filesystems.length > 0;
  }

  /** The default file system's namespace, as its MDSs keep it. */
  get tree(): FsTree | undefined {
    return this.legacy()?.tree;
  }

  /** The namespace of file system `name`, as its MDSs keep it. */
  treeOf(name: string): FsTree | undefined {
    return this.byName(name)?.tree;
  }

  /** The MDS holding rank 0 of the default file system. */
  activeName(): string | undefined {
    return this.legacy()?.activeAt(0);
  }

  /** The file system and rank daemon `name` holds, and how it holds it. */
  roleOf(name: string): { fs: MdsMap; rank: number; holder: RankHolder } | undefined {
    for (const fs of this.filesystems) {
      const rank = fs.rankOf(name);
      if (rank !== undefined) return { fs, rank, holder: fs.holders.get(rank)! };
    }
    return undefined;
  }

  /** Cluster log lines about the changes since the last call (MDSMonitor's `[INF]` lines). */
  takeLog(): string[] {
    const lines = this.#log;
    this.#log = [];
    return lines;
  }

  /**
   * The standby following rank 0 of `fs` when its standby replay is allowed: the first up
   * daemon holding no rank and following no earlier file system.
   */
  standbyReplayName(fs: MdsMap | undefined = this.legacy()): string | undefined {
    return fs ? this.#followers().get(fs) : undefined;
  }

  #followers(): Map<MdsMap, string> {
    const out = new Map<MdsMap, string>();
    const taken = new Set(this.#holderNames());
    for (const fs of this.filesystems) {
      if (!fs.allowStandbyReplay || !fs.holders.has(0)) continue;
      const d = this.daemons.find((x) => x.up && !taken.has(x.name));
      if (!d) break;
      out.set(fs, d.name);
      taken.add(d.name);
    }
    return out;
  }

  #holderNames(): string[] {
    return this.filesystems.flatMap((f) => [...f.holders.values()].map((h) => h.name));
  }

  /** Up daemons holding no rank and following no rank 0: the FSMap's standbys. */
  standbys(): MdsDaemon[] {
    const busy = new Set([...this.#holderNames(), ...this.#followers().values()]);
    return this.daemons.filter((d) => d.up && !busy.has(d.name));
  }

  /**
   * `fs set <fs> max_mds <n>` (n >= 1, checked by the mon): ranks are added up to n as standbys
   * allow, or the highest ones stopped down to n; a file system marked down comes up. A new
   * epoch.
   */
  setMaxMds(fs: MdsMap, n: number): void {
    fs.maxMds = n;
    this.#settle();
    this.#bump([fs]);
  }

  /**
   * `fs set <fs> down <bool>`: down stops every rank (its MDS respawns as a standby, with a new
   * gid) and sets max_mds 0; up gives max_mds back and standbys take the ranks. A new epoch.
   */
  setDown(fs: MdsMap, down: boolean): void {
    if (down !== fs.down) {
      if (down) fs.oldMaxMds = fs.maxMds;
      fs.maxMds = down ? 0 : fs.oldMaxMds || 1;
      this.#settle();
    }
    this.#bump([fs]);
  }

  /** `fs set <fs> joinable <bool>` (and the deprecated `cluster_down`): a new epoch. */
  setJoinable(fs: MdsMap, joinable: boolean): void {
    fs.joinable = joinable;
    this.#settle();
    this.#bump([fs]);
  }

  /** `fs set <fs> allow_standby_replay <bool>`: a new epoch. */
  setAllowStandbyReplay(fs: MdsMap, allow: boolean): void {
    fs.allowStandbyReplay = allow;
    this.#bump([fs]);
  }

  /** `fs set <fs> max_file_size|session_timeout|session_autoclose <n>`: a new epoch. */
  setValue(fs: MdsMap, key: keyof MdsMap["settings"], n: number): void {
    fs.settings[key] = n;
    this.#bump([fs]);
  }

  /** `fs set <fs> standby_count_wanted <n>` (n >= 0, checked by the mon): a new epoch. */
  setStandbyCountWanted(fs: MdsMap, n: number): void {
    if (!Number.isInteger(n) || n < 0) {
      throw new RangeError(`standby_count_wanted must be a non-negative integer, got ${n}`);
    }
    fs.standbyCountWanted = n;
    this.#bump([fs]);
  }

  /** `fs flag set enable_multiple <bool>`: a new epoch. */
  setEnableMultiple(on: boolean): void {
    this.enableMultiple = on;
    if (on) this.everEnabledMultiple = true;
    this.#bump([]);
  }

  #respawn(d: MdsDaemon): void {
    d.gid = 14_000 + 7 * (this.daemons.length + this.#nextGid++) + 3;
    d.since = this.#now();
  }

  #holder(name: string, state: string): RankHolder {
    const now = this.#now();
    return { name, state, stateSince: now, since: now, osdEpoch: this.#map.epoch };
  }

  /**
   * The free standby a vacant rank gets: the preferred one, else the one not avoided that the
   * real FSMap::get_available_standby ends on, walking the standbys by gid and keeping the last
   * (the newest).
   */
  #pick(pick: Pick): string | undefined {
    const free = this.standbys().sort((a, b) => b.gid - a.gid).map((d) => d.name);
    if (pick.prefer !== undefined && this.#daemon(pick.prefer).up) {
      // The standby-replay daemon is no standby while it follows: it is free to take rank 0.
      if (!this.#holderNames().includes(pick.prefer)) return pick.prefer;
    }
    return free.find((n) => n !== pick.avoid) ?? free.find((n) => n === pick.avoid);
  }

  /**
   * What MDSMonitor's tick does to each file system in turn: failed ranks get a standby (rank 0
   * at once, as the simulator always did; the others through replay), a file system with fewer
   * ranks than max_mds gets new ones, one with more stops its highest rank.
   */
  #settle(pick: Pick = {}): void {
    for (const fs of this.filesystems) {
      if (fs.down) this.#shrink(fs);
      if (fs.down || !fs.joinable) continue;
      for (const rank of fs.failed()) {
        const name = this.#pick(rank === 0 ? pick : { avoid: pick.avoid });
        if (name === undefined) break;
        this.#assign(fs, rank, name, "replay");
      }
      if ([...fs.holders.values()].some((h) => h.state === "up:stopping")) continue;
      while (fs.in.size < fs.maxMds) {
        let rank = 0;
        while (fs.in.has(rank)) rank++;
        const name = this.#pick({ avoid: pick.avoid });
        if (name === undefined) break;
        fs.in.add(rank);
        this.#assign(fs, rank, name, fs.stopped.delete(rank) ? "start" : "create");
      }
      this.#shrink(fs);
    }
  }

  /**
   * Ranks above max_mds stop, the highest first and one at a time (up:stopping); a failed one
   * has nothing to hand over and is stopped at once, and so is rank 0 of a file system marked
   * down when it is the last (at once, as the simulator always stopped it).
   */
  #shrink(fs: MdsMap): void {
    while (fs.in.size > fs.maxMds) {
      const rank = Math.max(...fs.in);
      const h = fs.holders.get(rank);
      if (h?.state === "up:stopping") return;
      if (h && rank > 0) {
        h.state = "up:stopping";
        h.stateSince = this.#now();
        this.#log.push(`stopping daemon mds.${h.name}`);
        return;
      }
      if (h) {
        this.#respawn(this.#daemon(h.name));
        fs.holders.delete(rank);
      }
      fs.in.delete(rank);
      fs.stopped.add(rank);
    }
  }

  #assign(fs: MdsMap, rank: number, name: string, path: keyof typeof RANK_PATHS): void {
    this.#log.push(`Standby daemon mds.${name} assigned to filesystem ${fs.name} as rank ${rank}`);
    // Rank 0 is taken at once, as the simulator did before it modelled more ranks.
    const state = rank === 0 ? "up:active" : RANK_PATHS[path][0];
    fs.holders.set(rank, this.#holder(name, state));
    if (state === "up:active") this.#activeLog(fs, rank, name);
  }

  #activeLog(fs: MdsMap, rank: number, name: string): void {
    this.#log.push(`daemon mds.${name} is now active in filesystem ${fs.name} as rank ${rank}`);
  }

  /** Whether a rank is on its way to up:active or out ({@linkcode advance} moves it on). */
  settling(): boolean {
    return this.filesystems.some((f) =>
      [...f.holders.values()].some((h) => h.state !== "up:active")
    );
  }

  /**
   * What the MDSs' beacons tell the mon, every RANK_STATE_SECONDS while ranks are on their way:
   * each moves on a state once it has been in its state that long (a new epoch each); a stopping
   * rank is gone after RANK_STOPPING_SECONDS.
   */
  advance(): void {
    const now = this.#now();
    for (const fs of this.filesystems) {
      for (const [rank, h] of [...fs.holders]) {
        if (h.state === "up:active") continue;
        if (h.state === "up:stopping") {
          if (now - h.stateSince < RANK_STOPPING_SECONDS) continue;
          fs.holders.delete(rank);
          fs.in.delete(rank);
          fs.stopped.add(rank);
          this.#respawn(this.#daemon(h.name));
          this.#log.push(
            `daemon mds.${h.name} finished stopping rank ${rank} in filesystem ${fs.name} ` +
              `(now has ${fs.in.size} ranks)`,
          );
          this.#settle();
          this.#bump([fs]);
          continue;
        }
        const path = Object.values(RANK_PATHS).find((p) =>
          (p as readonly string[]).includes(h.state)
        ) as readonly string[];
        if (now - h.stateSince < RANK_STATE_SECONDS) continue;
        h.state = path[path.indexOf(h.state) + 1]!;
        h.stateSince = now;
        this.#bump([fs]);
        if (h.state === "up:active") this.#activeLog(fs, rank, h.name);
      }
    }
  }

  /**
   * One stats period: each active MDS serves client requests
   * (getattr and lookup, `MDS_REQUESTS_PER_SECOND`), journals them and holds a cache; standbys
   * hold none.
   */
  step(seconds: number): void {
    const p = this.perf;
    const serving = new Set(
      this.filesystems.flatMap((f) =>
        [...f.holders.values()].filter((h) => h.state === "up:active").map((h) => h.name)
      ),
    );
    for (let row = 0; row < this.daemons.length; row++) {
      const d = this.daemons[row]!;
      const active = d.up && serving.has(d.name);
      const requests = active ? Math.round(MDS_REQUESTS_PER_SECOND * seconds) : 0;
      p.set(row, _M.inodes, active ? MDS_CACHED_INODES : 0);
      p.set(row, _M.memIno, active ? MDS_CACHED_INODES : 0);
      p.set(row, _M.caps, active ? MDS_CACHED_INODES / 10 : 0);
      const sessions = active ? this.roleOf(d.name)?.fs.sessions.count ?? 0 : 0;
      p.set(row, _M.sessions, sessions);
      p.set(row, _M.sessionsOpen, sessions);
      p.set(row, _M.subtrees, active ? 2 : 0);
      if (requests === 0) continue;
      p.add(row, _M.request, requests);
      p.add(row, _M.handleClientRequest, requests);
      p.add(row, _M.evadd, requests);
      p.avg(row, _M.replyLatency, requests * MDS_REPLY_NS, requests);
      p.avg(row, _M.getattrLatency, requests * MDS_REPLY_NS, requests);
      p.avg(row, _M.jlat, requests * 2 * MDS_REPLY_NS, requests);
    }
  }

  /** An MDS stops; a standby takes the rank it held (rank 0's standby-replay daemon first). */
  mdsDown(name: string): void {
    const d = this.#daemon(name);
    if (!d.up) return;
    const role = this.roleOf(name);
    const replay = role ? this.standbyReplayName(role.fs) : undefined;
    d.up = false;
    if (role) {
      role.fs.holders.delete(role.rank);
      // A rank stopping is stopped once its MDS is gone.
      if (role.holder.state === "up:stopping") {
        role.fs.in.delete(role.rank);
        role.fs.stopped.add(role.rank);
      }
      this.#settle({ prefer: replay !== name ? replay : undefined });
    }
    this.#bump();
  }

  /** An MDS starts (as a standby, or taking a vacant rank). */
  mdsUp(name: string): void {
    const d = this.#daemon(name);
    if (d.up) return;
    d.up = true;
    d.since = this.#now();
    this.#settle();
    this.#bump();
  }

  /**
   * The up daemon a `tell mds.<spec>` or `mds fail <spec>` names, as Client::resolve_mds reads
   * the spec: a role (`1`, `cephfs:1`; without a name, of the default file system), a gid, or
   * a name.
   */
  resolve(spec: string): MdsDaemon | undefined {
    const up = this.daemons.filter((d) => d.up);
    const role = /^(?:([^:]+):)?(\d+)$/.exec(spec);
    if (role) {
      const fs = role[1] === undefined ? this.legacy() : this.byName(role[1]);
      const holder = fs?.holders.get(Number(role[2]));
      const d = holder && up.find((x) => x.name === holder.name);
      if (d) return d;
      if (role[1] !== undefined) return undefined;
    }
    if (/^\d+$/.test(spec)) {
      const byGid = up.find((d) => d.gid === Number(spec));
      if (byGid) return byGid;
    }
    return up.find((d) => d.name === spec);
  }

  /**
   * `fs fail <fs>`: not joinable, and every rank failed; their MDSs respawn as standbys (new
   * gids), as the daemons do when the mon fails them. A new epoch.
   */
  fail(fs: MdsMap): void {
    fs.joinable = false;
    for (const h of fs.holders.values()) this.#respawn(this.#daemon(h.name));
    fs.holders.clear();
    this.#bump([fs]);
  }

  /**
   * `mds fail <role_or_gid>` of an up MDS: it respawns as a standby (a new gid); the rank it
   * held goes to rank 0's standby-replay daemon or another standby (itself, respawned, when
   * there is none) if the file system is joinable. A new epoch.
   */
  failMds(name: string): void {
    const d = this.#daemon(name);
    if (!d.up) return;
    const role = this.roleOf(name);
    const replay = role ? this.standbyReplayName(role.fs) : undefined;
    this.#respawn(d);
    if (role) {
      role.fs.holders.delete(role.rank);
      this.#settle({ prefer: replay !== name ? replay : undefined, avoid: name });
    }
    this.#bump();
  }

  /** `fs rm <fs>` (the mon has checked that no rank is up): it leaves the FSMap. A new epoch. */
  remove(fs: MdsMap): void {
    this.filesystems.splice(this.filesystems.indexOf(fs), 1);
    this.#lastName = fs.name;
    if (fs.fscid === this.#legacyFscid) this.#legacyFscid = -1;
    this.#settle();
    this.#bump([]);
  }

  /**
   * `fs new <name> <metadata> <data>` (the mon has checked the pools): a new file system with
   * the next id and a new MDSMap's settings; a standby takes rank 0. A new epoch.
   */
  create(name: string, metadata: number, data: number): void {
    const fs = this.#newMdsMap(name, this.#nextFscid++, { metadata, data }, 1);
    if (this.#legacyFscid === -1) this.#legacyFscid = fs.fscid;
    this.filesystems.push(fs);
    this.#settle();
    this.#bump([fs]);
  }

  #newMdsMap(
    name: string,
    fscid: number,
    pools: { metadata: number; data: number } | undefined,
    standbyCountWanted: number,
    clients = 0,
  ): MdsMap {
    const fs: MdsMap = new MdsMap(
      { name, fscid, epoch: this.epoch, now: this.#now(), pools, standbyCountWanted, clients },
      {
        now: () => this.#now(),
        dataPools: () => {
          const data = this.poolsOf(fs).data;
          return this.#map.pools.filter((p) => p.id === data).map((p) => ({
            id: p.id,
            name: p.name,
          }));
        },
      },
    );
    return fs;
  }

  /** A new FSMap epoch; the file systems in `touched` (all by default) take it as theirs. */
  #bump(touched: readonly MdsMap[] = this.filesystems): void {
    this.epoch++;
    for (const fs of touched) {
      fs.epoch = this.epoch;
      fs.modified = this.#now();
    }
  }

  #daemon(name: string): MdsDaemon {
    const d = this.daemons.find((x) => x.name === name);
    if (!d) throw new RangeError(`no mds "${name}"; mds are ${this.daemons.map((x) => x.name)}`);
    return d;
  }

  /**
   * Fixes the file systems' pools as they are now (once there are pools): a file system keeps
   * its pools whatever pools come and go later.
   */
  pinPools(): void {
    if (this.#map.pools.length === 0) return;
    for (const fs of this.filesystems) fs.pools ??= this.poolsOf(fs);
  }

  /** The pools of every file system. */
  poolsInUse(): { fs: string; metadata: number; data: number }[] {
    return this.filesystems.map((fs) => ({ fs: fs.name, ...this.poolsOf(fs) }));
  }

  /**
   * The pools of file system `fs`: once pinned, the pinned ones; before (the cluster's own file
   * system), (metadata, data) by name, else the first two pools.
   */
  poolsOf(fs: MdsMap): { metadata: number; data: number } {
    if (fs.pools) return fs.pools;
    const pools = this.#map.pools;
    const meta = pools.find((p) => p.name.includes("meta")) ?? pools[0];
    const data = pools.find((p) => p !== meta && p.name.includes("data")) ?? pools[1] ?? meta;
    return { metadata: meta?.id ?? 0, data: data?.id ?? 0 };
  }

  #info(d: MdsDaemon, rank: number, state: string): { [key: string]: Json } {
    const bound = this.#addrsOf?.(`mds.${d.name}`);
    const v2 = bound?.[0] ?? { addr: "127.0.0.1:6800", nonce: d.gid };
    const [ip, p] = v2.addr.split(":") as [string, string];
    const port = Number(p), nonce = v2.nonce;
    return {
      gid: d.gid,
      name: d.name,
      rank,
      incarnation: rank >= 0 ? this.epoch : 0,
      state,
      state_seq: 2,
      addr: `${ip}:${port + 1}/${nonce}`,
      addrs: {
        addrvec: [
          { type: "v2", addr: `${ip}:${port}`, nonce },
          { type: "v1", addr: `${ip}:${port + 1}`, nonce },
        ],
      },
      join_fscid: -1,
      export_targets: [],
      features: _MDS_FEATURES,
      flags: 0,
      compat: { compat: {}, ro_compat: {}, incompat: _FS_INCOMPAT },
    };
  }

  #mdsmapDump(fs: MdsMap, followers: Map<MdsMap, string>): Json {
    const { metadata, data } = this.poolsOf(fs);
    const byRank = [...fs.holders].sort(([a], [b]) => a - b);
    const entries: [MdsDaemon, { [key: string]: Json }][] = byRank.map(([rank, h]) => {
      const d = this.#daemon(h.name);
      return [d, this.#info(d, rank, h.state)];
    });
    const replay = followers.get(fs);
    if (replay !== undefined) {
      const r = this.#daemon(replay);
      entries.push([r, { ...this.#info(r, 0, "up:standby-replay"), state_seq: 1 }]);
    }
    // The MDSMap keeps its daemons by gid.
    const info: { [key: string]: Json } = {};
    for (const [d, i] of entries.sort(([a], [b]) => a.gid - b.gid)) info[`gid_${d.gid}`] = i;
    const up: { [key: string]: Json } = {};
    for (const [rank, h] of byRank) up[`mds_${rank}`] = this.#daemon(h.name).gid;
    // MDSMap flags: ALLOW_SNAPS and ALLOW_MULTIMDS_SNAPS, NOT_JOINABLE, ALLOW_STANDBY_REPLAY.
    const flags = 0x12 | (fs.joinable ? 0 : 0x1) | (fs.allowStandbyReplay ? 0x20 : 0);
    const sorted = (s: Iterable<number>) => [...s].sort((a, b) => a - b);
    return {
      epoch: fs.epoch,
      flags,
      ever_allowed_features: 0,
      explicitly_allowed_features: 0,
      created: cephStamp(fs.created),
      modified: cephStamp(fs.modified),
      tableserver: 0,
      root: 0,
      session_timeout: fs.settings.sessionTimeout,
      session_autoclose: fs.settings.sessionAutoclose,
      required_client_features: {},
      max_file_size: fs.settings.maxFileSize,
      last_failure: 0,
      last_failure_osd_epoch: 0,
      compat: { compat: {}, ro_compat: {}, incompat: _FS_INCOMPAT },
      max_mds: fs.maxMds,
      in: sorted(fs.in),
      up,
      failed: fs.failed(),
      damaged: [],
      stopped: sorted(fs.stopped),
      info,
      data_pools: [data],
      metadata_pool: metadata,
      enabled: true,
      fs_name: fs.name,
      balancer: "",
      standby_count_wanted: fs.standbyCountWanted,
    };
  }

  /** `get("fs_map")`. */
  dump(): Json {
    const followers = this.#followers();
    // The FSMap keeps its standbys by gid.
    const standbys = this.standbys().sort((a, b) => a.gid - b.gid);
    return {
      epoch: this.epoch,
      default_fscid: this.#legacyFscid,
      compat: { compat: {}, ro_compat: {}, incompat: _INCOMPAT },
      feature_flags: {
        enable_multiple: this.enableMultiple,
        ever_enabled_multiple: this.everEnabledMultiple,
      },
      standbys: standbys.map((d) => ({ ...this.#info(d, -1, "up:standby"), epoch: this.epoch })),
      filesystems: this.filesystems.map((fs) => ({
        mdsmap: this.#mdsmapDump(fs, followers),
        id: fs.fscid,
      })),
    };
  }
}
