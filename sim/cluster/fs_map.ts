/**
 * The FSMap: one CephFS file system served by MDS daemons, an active rank 0 and standbys.
 * When the active MDS fails a standby takes rank 0 (the epoch advances at each change).
 *
 * @module
 */

import { MdsSessions } from "./mds_sessions.ts";
import { cephStamp } from "../../ceph/time.ts";
import type { OsdMap } from "./osd_map.ts";
import type { Json } from "./osd_map_dump.ts";
import { MDS_PERF_SCHEMA, PerfCounters } from "./perf_counters.ts";
import { FsTree } from "./fs_tree.ts";

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
  /** The file system's name (`fs new`); meaningful while {@linkcode exists}. */
  get fsName(): string {
    return this.#fsName;
  }
  #fsName = "cephfs";
  /** Whether there is a file system (`fs rm` removes it, `fs new` makes one). */
  get exists(): boolean {
    return this.#exists;
  }
  #exists = true;
  /** The file system's namespace, as its MDS keeps it: new at `fs new`, gone at `fs rm`. */
  get tree(): FsTree | undefined {
    if (!this.#exists) return undefined;
    return this.#tree ??= new FsTree({
      now: () => this.#now(),
      dataPools: () => {
        const data = this.#pools?.data;
        return this.#map.pools.filter((p) => p.id === data).map((p) => ({
          id: p.id,
          name: p.name,
        }));
      },
    });
  }
  #tree: FsTree | undefined;
  /** The file system's id: each `fs new` takes the next (the FSMap's `next_filesystem_id`). */
  #fscid = 1;
  readonly daemons: MdsDaemon[];
  /** Name of the MDS holding rank 0, or undefined when none can. */
  #active: string | undefined;
  readonly #map: OsdMap;
  readonly #addrsOf:
    | ((name: string) => readonly { type: string; addr: string; nonce: number }[] | undefined)
    | undefined;
  #pools: { metadata: number; data: number } | undefined;
  readonly #now: () => number;
  /** When the file system was made (`fs new`, or the cluster's start). */
  created: number;
  modified: number;
  /** `fs set <fs> standby_count_wanted`: 0 for a new file system. */
  get standbyCountWanted(): number {
    return this.#standbyCountWanted;
  }
  #standbyCountWanted = 0;

  /** `max_mds`: 1, or 0 while the file system is marked down. */
  get maxMds(): number {
    return this.#down ? 0 : 1;
  }
  /** `fs set <fs> down true`: rank 0 stopped, max_mds 0. */
  get down(): boolean {
    return this.#down;
  }
  #down = false;
  /** Whether an MDS may take a vacant rank (`joinable`; NOT_JOINABLE clear). */
  get joinable(): boolean {
    return this.#joinable;
  }
  #joinable = true;
  /** `allow_standby_replay`: a standby follows rank 0's journal (up:standby-replay). */
  get allowStandbyReplay(): boolean {
    return this.#allowStandbyReplay;
  }
  #allowStandbyReplay = false;
  /** The clients' sessions with the active MDS (`session ls`, `session evict`). */
  readonly sessions: MdsSessions;
  /** The MDSMap's values `fs set` changes and nothing in the model acts on. */
  readonly settings = { maxFileSize: 1_099_511_627_776, sessionTimeout: 60, sessionAutoclose: 300 };
  /** Ranks that were stopped (`stopped`). */
  #stopped = false;
  /** The next gid a respawned MDS gets. */
  #nextGid = 0;

  /**
   * `fs set <fs> down <bool>`: down stops rank 0 (its MDS respawns as a standby, with a new
   * gid) and sets max_mds 0; up sets max_mds back to 1 and a standby takes rank 0. A new epoch.
   */
  setDown(down: boolean): void {
    if (down === this.#down) {
      this.#bump();
      return;
    }
    this.#down = down;
    if (down) {
      const active = this.daemons.find((d) => d.name === this.#active);
      if (active) this.#respawn(active);
      this.#active = undefined;
      this.#stopped = true;
    } else {
      this.#stopped = false;
      this.#fillRank();
    }
    this.#bump();
  }

  /** `fs set <fs> joinable <bool>` (and the deprecated `cluster_down`): a new epoch. */
  setJoinable(joinable: boolean): void {
    this.#joinable = joinable;
    if (joinable) this.#fillRank();
    this.#bump();
  }

  /** `fs set <fs> allow_standby_replay <bool>`: a new epoch. */
  setAllowStandbyReplay(allow: boolean): void {
    this.#allowStandbyReplay = allow;
    this.#bump();
  }

  /** `fs set <fs> max_file_size|session_timeout|session_autoclose <n>`: a new epoch. */
  setValue(key: keyof FsMap["settings"], n: number): void {
    this.settings[key] = n;
    this.#bump();
  }

  /** The standby following rank 0 when standby replay is allowed: the first up standby. */
  standbyReplayName(): string | undefined {
    if (!this.#allowStandbyReplay || this.#active === undefined) return undefined;
    return this.daemons.find((d) => d.up && d.name !== this.#active)?.name;
  }

  #respawn(d: MdsDaemon): void {
    d.gid = 14_000 + 7 * (this.daemons.length + this.#nextGid++) + 3;
    d.since = this.#now();
  }

  /** A vacant rank 0 of a joinable file system that is up is taken by the first standby. */
  #fillRank(): void {
    if (!this.#exists || this.#active !== undefined || this.#down || !this.#joinable) return;
    const next = this.standbyReplayName() ?? this.daemons.find((x) => x.up)?.name;
    this.#setActive(next);
  }

  /** `fs set <fs> standby_count_wanted <n>` (n >= 0, checked by the mon): a new epoch. */
  setStandbyCountWanted(n: number): void {
    if (!Number.isInteger(n) || n < 0) {
      throw new RangeError(`standby_count_wanted must be a non-negative integer, got ${n}`);
    }
    this.#standbyCountWanted = n;
    this.#bump();
  }

  /**
   * @param addrsOf where MDS `mds.<name>` listens (v2, v1), from the daemons' registry;
   * without it, 127.0.0.1 on 6800/6801 with the gid as the nonce
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
    this.sessions = new MdsSessions(now);
    this.created = this.modified = now();
    this.daemons = names.map((name, i) => ({
      name,
      gid: 14_000 + i * 7 + 3,
      host: hosts[i % Math.max(1, hosts.length)] ?? "localhost",
      up: true,
      since: this.created,
    }));
    this.#exists = fileSystem;
    this.#active = fileSystem ? this.daemons[0]?.name : undefined;
    this.#rank = { since: this.created, osdEpoch: map.epoch };
    this.perf = new PerfCounters(MDS_PERF_SCHEMA, this.daemons.map((d) => `mds.${d.name}`));
  }

  /** Each MDS's perf counters; row = position in `daemons`. */
  readonly perf: PerfCounters;

  /**
   * One stats period of metadata traffic: the active MDS serves client requests (getattr and
   * lookup, `MDS_REQUESTS_PER_SECOND`), journals them and holds a cache; standbys hold none.
   */
  step(seconds: number): void {
    const p = this.perf;
    for (let row = 0; row < this.daemons.length; row++) {
      const d = this.daemons[row]!;
      const active = d.up && d.name === this.#active;
      const requests = active ? Math.round(MDS_REQUESTS_PER_SECOND * seconds) : 0;
      p.set(row, _M.inodes, active ? MDS_CACHED_INODES : 0);
      p.set(row, _M.memIno, active ? MDS_CACHED_INODES : 0);
      p.set(row, _M.caps, active ? MDS_CACHED_INODES / 10 : 0);
      p.set(row, _M.sessions, active ? this.sessions.count : 0);
      p.set(row, _M.sessionsOpen, active ? this.sessions.count : 0);
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

  /** The MDS holding rank 0. */
  activeName(): string | undefined {
    return this.#active;
  }

  /**
   * When rank 0 was last taken, and the OSDMap epoch then (the rank's `rank_uptime` and its
   * `osdmap_epoch_barrier` in `tell mds.<name> status`).
   */
  get rank(): { readonly since: number; readonly osdEpoch: number } {
    return this.#rank;
  }
  #rank: { since: number; osdEpoch: number };

  /** An MDS stops; a standby takes rank 0 if it was the active one. */
  mdsDown(name: string): void {
    const d = this.#daemon(name);
    if (!d.up) return;
    d.up = false;
    if (this.#active === name) {
      // The standby-replay daemon takes over first; a file system not joinable keeps it failed.
      const replay = this.standbyReplayName();
      this.#active = undefined;
      if (this.#exists && !this.#down && this.#joinable) {
        this.#setActive(
          replay !== name && replay !== undefined ? replay : this.daemons.find((x) => x.up)?.name,
        );
      }
    }
    this.#bump();
  }

  /** An MDS starts (as a standby, or as active when rank 0 is vacant). */
  mdsUp(name: string): void {
    const d = this.#daemon(name);
    if (d.up) return;
    d.up = true;
    d.since = this.#now();
    if (this.#exists && this.#active === undefined && !this.#down && this.#joinable) {
      this.#setActive(name);
    }
    this.#bump();
  }

  #setActive(name: string | undefined): void {
    this.#active = name;
    if (name !== undefined) this.#rank = { since: this.#now(), osdEpoch: this.#map.epoch };
  }

  /**
   * The up daemon a `tell mds.<spec>` names, as Client::resolve_mds reads the spec: a role
   * (`0`, `cephfs:0`), a gid, or a name.
   */
  resolve(spec: string): MdsDaemon | undefined {
    const up = this.daemons.filter((d) => d.up);
    const role = /^(?:([^:]+):)?(\d+)$/.exec(spec);
    if (
      this.#exists && role && (role[1] === undefined || role[1] === this.fsName) &&
      role[2] === "0"
    ) {
      const active = up.find((d) => d.name === this.#active);
      if (active) return active;
    }
    if (/^\d+$/.test(spec)) {
      const byGid = up.find((d) => d.gid === Number(spec));
      if (byGid) return byGid;
    }
    return up.find((d) => d.name === spec);
  }

  /**
   * `fs fail <fs>`: not joinable, and rank 0 failed; its MDS respawns as a standby (a new
   * gid), as the daemon does when the mon fails it. A new epoch.
   */
  fail(): void {
    this.#joinable = false;
    const active = this.daemons.find((d) => d.name === this.#active);
    if (active) this.#respawn(active);
    this.#active = undefined;
    this.#bump();
  }

  /**
   * `mds fail <role_or_gid>` of an up MDS: it respawns as a standby (a new gid); when it held
   * rank 0, the standby-replay daemon or the first standby takes over if the file system is
   * joinable. A new epoch.
   */
  failMds(name: string): void {
    const d = this.#daemon(name);
    if (!d.up) return;
    const replay = this.standbyReplayName();
    this.#respawn(d);
    if (this.#active === name) {
      this.#active = undefined;
      if (this.#exists && !this.#down && this.#joinable) {
        const next = replay !== undefined && replay !== name
          ? replay
          : this.daemons.find((x) => x.up && x.name !== name)?.name ?? name;
        this.#setActive(next);
      }
    }
    this.#bump();
  }

  /** `fs rm <fs>` (the mon has checked that no rank is up): every MDS is a standby. A new epoch. */
  remove(): void {
    this.#exists = false;
    this.#tree = undefined;
    this.#active = undefined;
    this.#pools = undefined;
    this.#bump();
  }

  /**
   * `fs new <name> <metadata> <data>` (the mon has checked the pools): a new file system with
   * the next id, its settings as a new MDSMap has them; a standby takes rank 0. A new epoch.
   */
  create(name: string, metadata: number, data: number): void {
    this.#exists = true;
    this.#tree = undefined;
    this.#fsName = name;
    this.#fscid++;
    this.#pools = { metadata, data };
    this.#down = false;
    this.#stopped = false;
    this.#joinable = true;
    this.#allowStandbyReplay = false;
    this.#standbyCountWanted = 0;
    Object.assign(this.settings, {
      maxFileSize: 1_099_511_627_776,
      sessionTimeout: 60,
      sessionAutoclose: 300,
    });
    this.created = this.#now();
    this.#fillRank();
    this.#bump();
  }

  #bump(): void {
    this.epoch++;
    this.modified = this.#now();
  }

  #daemon(name: string): MdsDaemon {
    const d = this.daemons.find((x) => x.name === name);
    if (!d) throw new RangeError(`no mds "${name}"; mds are ${this.daemons.map((x) => x.name)}`);
    return d;
  }

  /**
   * Fixes the file system's pools as they are now (once there are pools): a file system keeps
   * its pools whatever pools come and go later.
   */
  pinPools(): void {
    if (this.#exists && this.#pools === undefined && this.#map.pools.length > 0) {
      this.#pools = this.pools();
    }
  }

  /** The file system's pools, or undefined when there is no file system. */
  poolsInUse(): { metadata: number; data: number } | undefined {
    return this.#exists ? this.pools() : undefined;
  }

  /**
   * The pools of the file system: (metadata, data) by name, else the first two pools; once
   * pinned, the pinned ones.
   */
  pools(): { metadata: number; data: number } {
    if (this.#pools) return this.#pools;
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

  /** `get("fs_map")`. */
  dump(): Json {
    const { metadata, data } = this.pools();
    const active = this.daemons.find((d) => d.name === this.#active);
    const replay = this.standbyReplayName();
    // The FSMap keeps its standbys by gid.
    const standbys = this.daemons.filter((d) =>
      d.up && d.name !== this.#active && d.name !== replay
    ).sort((a, b) => a.gid - b.gid);
    const info: { [key: string]: Json } = {};
    if (active) info[`gid_${active.gid}`] = this.#info(active, 0, "up:active");
    const r = this.daemons.find((d) => d.name === replay);
    if (r) info[`gid_${r.gid}`] = { ...this.#info(r, 0, "up:standby-replay"), state_seq: 1 };
    // MDSMap flags: ALLOW_SNAPS and ALLOW_MULTIMDS_SNAPS, NOT_JOINABLE, ALLOW_STANDBY_REPLAY.
    const flags = 0x12 | (this.#joinable ? 0 : 0x1) | (this.#allowStandbyReplay ? 0x20 : 0);
    const compat = { compat: {}, ro_compat: {}, incompat: _INCOMPAT };
    const fsCompat = { compat: {}, ro_compat: {}, incompat: _FS_INCOMPAT };
    return {
      epoch: this.epoch,
      default_fscid: this.#exists ? this.#fscid : -1,
      compat,
      feature_flags: { enable_multiple: true, ever_enabled_multiple: true },
      standbys: standbys.map((d) => ({ ...this.#info(d, -1, "up:standby"), epoch: this.epoch })),
      filesystems: this.#exists
        ? [{
          mdsmap: {
            epoch: this.epoch,
            flags,
            ever_allowed_features: 0,
            explicitly_allowed_features: 0,
            created: cephStamp(this.created),
            modified: cephStamp(this.modified),
            tableserver: 0,
            root: 0,
            session_timeout: this.settings.sessionTimeout,
            session_autoclose: this.settings.sessionAutoclose,
            required_client_features: {},
            max_file_size: this.settings.maxFileSize,
            last_failure: 0,
            last_failure_osd_epoch: 0,
            compat: fsCompat,
            max_mds: this.maxMds,
            in: this.#stopped ? [] : [0],
            up: active ? { mds_0: active.gid } : {},
            failed: active || this.#stopped ? [] : [0],
            damaged: [],
            stopped: this.#stopped ? [0] : [],
            info,
            data_pools: [data],
            metadata_pool: metadata,
            enabled: true,
            fs_name: this.fsName,
            balancer: "",
            standby_count_wanted: this.standbyCountWanted,
          },
          id: this.#fscid,
        }]
        : [],
    };
  }
}
