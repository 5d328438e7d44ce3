/**
 * The mons: the MonMap, quorum and elections, and the mon perf counters.
 *
 * Any change in the set of up mons starts an election that lasts `electionSeconds`; while it
 * runs there is no quorum (the election epoch is odd). It ends with the up mons in quorum and
 * the lowest rank as leader, if they are a majority; otherwise the mons stay out of quorum
 * until enough return.
 *
 * @module
 */

import type { Scheduler } from "../engine/scheduler.ts";
import { cephStamp } from "../../ceph/time.ts";
import type { Json } from "./osd_map_dump.ts";
import { MON_PERF_SCHEMA, PerfCounters } from "./perf_counters.ts";

/** Mon knobs. */
export interface MonSpec {
  /** Number of mons, named a, b, c, ... (default 3). */
  count?: number;
  /** Seconds an election takes (default 5, `mon_election_timeout`). */
  electionSeconds?: number;
}

/** One address of a mon in the MonMap: msgr2 (`v2`) or legacy (`v1`), nonce 0. */
export interface MonAddr {
  readonly type: "v2" | "v1";
  readonly ip: string;
  readonly port: number;
}

/** The mon ports: msgr2's IANA port and the legacy one (CEPH_MON_PORT_IANA, _LEGACY). */
export const MON_PORT_V2 = 3300;
export const MON_PORT_V1 = 6789;

/** A mon's addresses as Ceph prints an entity_addrvec_t: `[v2:...,v1:...]`, one bare. */
export function monAddrText(addrs: readonly MonAddr[]): string {
  const one = (a: MonAddr) => `${a.type}:${a.ip}:${a.port}/0`;
  return addrs.length === 1 ? one(addrs[0] as MonAddr) : `[${addrs.map(one).join(",")}]`;
}

/** The addresses of a mon on `ip` at the default ports. */
export function defaultMonAddrs(ip: string): MonAddr[] {
  return [{ type: "v2", ip, port: MON_PORT_V2 }, { type: "v1", ip, port: MON_PORT_V1 }];
}

/**
 * `mon add`'s address: an IPv4 address with an optional port, as MonmapMonitor turns it into
 * addresses on a cluster with the nautilus feature: no port or 6789 gives v2 on 3300 and v1
 * on 6789; 3300 or any other port gives that one v2 address. Undefined if it does not parse.
 */
export function parseMonAddr(text: string): { addrs: MonAddr[]; given: MonAddr } | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?::(\d{1,5}))?$/.exec(text);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255)) return undefined;
  const ip = m.slice(1, 5).map(Number).join(".");
  const port = m[5] === undefined ? 0 : Number(m[5]);
  if (port > 65535) return undefined;
  if (port === 0 || port === MON_PORT_V1) {
    // The address the existence check names: the legacy port as given, else the v2 default.
    const given: MonAddr = port === MON_PORT_V1
      ? { type: "v1", ip, port }
      : { type: "v2", ip, port: MON_PORT_V2 };
    return { addrs: defaultMonAddrs(ip), given };
  }
  const given: MonAddr = { type: "v2", ip, port };
  return { addrs: [given], given };
}

/** A MonMap epoch as the mon keeps it (`mon dump <epoch>`). */
export interface MonMapEpoch {
  readonly epoch: number;
  readonly names: readonly string[];
  readonly addrs: readonly (readonly MonAddr[])[];
  readonly crushLocations: readonly (readonly (readonly [string, string])[])[];
  readonly modified: number;
  /** The ranks the change to this epoch removed (MonMap::removed_ranks). */
  readonly removedRanks: readonly number[];
}

/** The monmap features of a Pacific cluster, persistent and supported. */
export const MON_FEATURES: readonly string[] = [
  "kraken",
  "luminous",
  "mimic",
  "osdmap-prune",
  "nautilus",
  "octopus",
  "pacific",
  "elector-pinging",
];

const _P = {
  electionCall: MON_PERF_SCHEMA.indexOf("mon.election_call"),
  electionWin: MON_PERF_SCHEMA.indexOf("mon.election_win"),
  electionLose: MON_PERF_SCHEMA.indexOf("mon.election_lose"),
  numElections: MON_PERF_SCHEMA.indexOf("mon.num_elections"),
  sessions: MON_PERF_SCHEMA.indexOf("mon.num_sessions"),
  begin: MON_PERF_SCHEMA.indexOf("paxos.begin"),
  beginBytes: MON_PERF_SCHEMA.indexOf("paxos.begin_bytes"),
  beginKeys: MON_PERF_SCHEMA.indexOf("paxos.begin_keys"),
  beginLat: MON_PERF_SCHEMA.indexOf("paxos.begin_latency"),
  commit: MON_PERF_SCHEMA.indexOf("paxos.commit"),
  commitBytes: MON_PERF_SCHEMA.indexOf("paxos.commit_bytes"),
  commitKeys: MON_PERF_SCHEMA.indexOf("paxos.commit_keys"),
  commitLat: MON_PERF_SCHEMA.indexOf("paxos.commit_latency"),
  refresh: MON_PERF_SCHEMA.indexOf("paxos.refresh"),
  refreshLat: MON_PERF_SCHEMA.indexOf("paxos.refresh_latency"),
  startLeader: MON_PERF_SCHEMA.indexOf("paxos.start_leader"),
  startPeon: MON_PERF_SCHEMA.indexOf("paxos.start_peon"),
  cacheBytes: MON_PERF_SCHEMA.indexOf("prioritycache.cache_bytes"),
  targetBytes: MON_PERF_SCHEMA.indexOf("prioritycache.target_bytes"),
  rocksGet: MON_PERF_SCHEMA.indexOf("rocksdb.get"),
  rocksGetLat: MON_PERF_SCHEMA.indexOf("rocksdb.get_latency"),
} as const;

/**
 * The mon cluster.
 *
 * @example
 * ```ts
 * import { Rng } from "../engine/prng.ts";
 * import { Scheduler } from "../engine/scheduler.ts";
 * import { MonCluster } from "./mons.ts";
 * const s = new Scheduler({ rng: new Rng(1) });
 * const mons = new MonCluster(s, { fsid: "f", hosts: ["h1", "h2", "h3"], ips: ["127.0.0.1", "127.0.0.2", "127.0.0.3"] });
 * await s.runFor(10);
 * mons.monDown("a");
 * await s.runFor(10);
 * if (mons.leaderName() !== "b" || mons.quorumNames().join() !== "b,c") throw new Error();
 * ```
 */
export class MonCluster {
  /** Mon names by rank (the same array as mons come and go). */
  readonly names: string[];
  /** The host each mon runs on, by rank. */
  readonly hosts: string[];
  /** Each mon's IP, by rank. */
  readonly ips: string[];
  /** Each mon's addresses in the MonMap, by rank. */
  readonly addrs: MonAddr[][];
  /** Each mon's CRUSH location (`mon add ... <location>`), key=value pairs by key. */
  readonly crushLocations: (readonly (readonly [string, string])[])[];
  readonly fsid: string;
  readonly electionSeconds: number;
  readonly created: number;
  readonly perf: PerfCounters;
  /** Up flag per rank (replaced when the MonMap gains or loses a mon). */
  up: Uint8Array;
  /** Ranks in quorum (empty during an election or without a majority). */
  quorum: number[] = [];
  /** Rank of the leader, or -1. */
  leader = -1;
  /** Odd while an election runs, even once it has ended. */
  electionEpoch = 0;
  /** When the current quorum formed. */
  quorumSince = 0;
  monmapEpoch = 1;
  /** When the MonMap last changed (`last_changed`, `modified`). */
  modified: number;
  /** The ranks the latest MonMap change removed. */
  removedRanks: readonly number[] = [];
  readonly #scheduler: Scheduler;
  readonly #onChange: () => void;
  readonly #onMonMap: () => void;
  readonly #hostOfIp: ReadonlyMap<string, string>;
  /** Mons added to the MonMap whose daemon has not started yet (no metadata, down). */
  readonly #neverStarted = new Set<string>();
  readonly #history: MonMapEpoch[] = [];
  #election: { cancel(): void } | undefined;

  constructor(
    scheduler: Scheduler,
    options: MonSpec & {
      fsid: string;
      hosts: readonly string[];
      ips: readonly string[];
      onChange?: () => void;
      /** A new MonMap epoch (a mon added or removed). */
      onMonMap?: () => void;
    },
  ) {
    const count = options.count ?? 3;
    if (!Number.isInteger(count) || count < 1 || count > 26) {
      throw new RangeError(`mon count must be an integer in 1..26, got ${count}`);
    }
    this.electionSeconds = options.electionSeconds ?? 5;
    if (!(this.electionSeconds > 0)) {
      throw new RangeError(`electionSeconds must be > 0, got ${this.electionSeconds}`);
    }
    this.#scheduler = scheduler;
    this.#onChange = options.onChange ?? (() => {});
    this.#onMonMap = options.onMonMap ?? (() => {});
    this.fsid = options.fsid;
    this.names = Array.from({ length: count }, (_, i) => String.fromCharCode(97 + i));
    this.hosts = this.names.map((_, i) => options.hosts[i % options.hosts.length] ?? "localhost");
    this.ips = this.names.map((_, i) => options.ips[i % options.ips.length] ?? "127.0.0.1");
    this.addrs = this.ips.map(defaultMonAddrs);
    this.crushLocations = this.names.map(() => []);
    this.#hostOfIp = new Map(options.ips.map((ip, i) => [ip, options.hosts[i] ?? "localhost"]));
    this.created = this.modified = scheduler.now;
    this.up = new Uint8Array(count).fill(1);
    this.perf = new PerfCounters(MON_PERF_SCHEMA, this.names.map((n) => `mon.${n}`));
    for (let r = 0; r < count; r++) {
      this.perf.set(r, _P.cacheBytes, 1_020_054_732);
      this.perf.set(r, _P.targetBytes, 2 ** 31);
    }
    // The cluster starts with its first election over: everyone in quorum, rank 0 leads.
    this.electionEpoch = 2;
    this.quorum = this.names.map((_, r) => r);
    this.leader = 0;
    this.quorumSince = scheduler.now;
    for (let r = 0; r < count; r++) {
      this.perf.add(r, _P.electionCall, 1);
      this.perf.add(r, _P.numElections, 1);
      this.perf.add(r, r === 0 ? _P.electionWin : _P.electionLose, 1);
      this.perf.add(r, r === 0 ? _P.startLeader : _P.startPeon, 1);
    }
    this.#remember();
  }

  /** The MonMap of `epoch` (default: the current one), or undefined if it never was. */
  monmapAt(epoch = this.monmapEpoch): MonMapEpoch | undefined {
    return this.#history[epoch - 1];
  }

  /** Whether mon `name`'s daemon has run since it was added (it has sent its metadata). */
  started(name: string): boolean {
    return this.names.includes(name) && !this.#neverStarted.has(name);
  }

  /** The mon with address `a` (same type, IP and port), if any. */
  nameAt(a: MonAddr): string | undefined {
    const r = this.addrs.findIndex((list) =>
      list.some((x) => x.type === a.type && x.ip === a.ip && x.port === a.port)
    );
    return r < 0 ? undefined : this.names[r];
  }

  /**
   * `mon add`: a new MonMap epoch with mon `name` at `addrs`, last in rank. Its daemon is not
   * running (an operator starts it after adding it, as {@linkcode monUp} does): the mons
   * elect anew, and it stays out of quorum until it starts.
   */
  addMon(
    name: string,
    addrs: readonly MonAddr[],
    crushLocation: readonly (readonly [string, string])[] = [],
  ): void {
    if (this.names.includes(name)) throw new RangeError(`mon.${name} already exists`);
    const taken = addrs.map((a) => this.nameAt(a)).find((n) => n !== undefined);
    if (taken !== undefined) throw new RangeError(`mon.${taken} already has that address`);
    const ip = addrs[0]?.ip ?? "127.0.0.1";
    this.names.push(name);
    // A mon on a simulated host's IP runs there; any other IP is a machine of its own.
    this.hosts.push(this.#hostOfIp.get(ip) ?? ip);
    this.ips.push(ip);
    this.addrs.push([...addrs]);
    this.crushLocations.push(crushLocation);
    const up = new Uint8Array(this.names.length);
    up.set(this.up);
    this.up = up;
    this.perf.addRows([`mon.${name}`]);
    this.perf.set(this.names.length - 1, _P.cacheBytes, 1_020_054_732);
    this.perf.set(this.names.length - 1, _P.targetBytes, 2 ** 31);
    this.#neverStarted.add(name);
    this.#newMonMap([]);
  }

  /** `mon rm`: a new MonMap epoch without mon `name`; the ranks after it move up. */
  removeMon(name: string): void {
    const r = this.#rank(name);
    if (this.names.length === 1) throw new RangeError(`mon.${name} is the last mon`);
    this.names.splice(r, 1);
    this.hosts.splice(r, 1);
    this.ips.splice(r, 1);
    this.addrs.splice(r, 1);
    this.crushLocations.splice(r, 1);
    this.up = Uint8Array.from([...this.up].filter((_, i) => i !== r));
    this.perf.removeRow(r);
    this.#neverStarted.delete(name);
    this.#newMonMap([r]);
  }

  #newMonMap(removedRanks: number[]): void {
    this.monmapEpoch++;
    this.modified = this.#scheduler.now;
    this.removedRanks = removedRanks;
    this.#remember();
    this.#scheduler.note(`monmap e${this.monmapEpoch}: ${this.names.join(",")}`);
    this.#onMonMap();
    // Every mon bootstraps on a new MonMap: an election among those up.
    this.#startElection();
  }

  #remember(): void {
    this.#history.push({
      epoch: this.monmapEpoch,
      names: [...this.names],
      addrs: this.addrs.map((a) => [...a]),
      crushLocations: [...this.crushLocations],
      modified: this.modified,
      removedRanks: this.removedRanks,
    });
  }

  /** Whether the mons have a quorum (the cluster answers). */
  hasQuorum(): boolean {
    return this.quorum.length > 0;
  }

  /** Names of the mons in quorum, by rank. */
  quorumNames(): string[] {
    return this.quorum.map((r) => this.names[r] as string);
  }

  /** The leader's name, or undefined without quorum. */
  leaderName(): string | undefined {
    return this.leader >= 0 ? this.names[this.leader] : undefined;
  }

  /** Names of the mons that are down. */
  downNames(): string[] {
    return this.names.filter((_, r) => this.up[r] === 0);
  }

  /** A mon stops; an election follows. */
  monDown(name: string): void {
    const r = this.#rank(name);
    if (this.up[r] === 0) return;
    this.up[r] = 0;
    this.#scheduler.note(`mon.${name} down`);
    this.#startElection();
  }

  /** A mon starts again; an election follows. */
  monUp(name: string): void {
    const r = this.#rank(name);
    if (this.up[r] === 1) return;
    this.up[r] = 1;
    this.#neverStarted.delete(name);
    this.#scheduler.note(`mon.${name} up`);
    this.#startElection();
  }

  /** Records a Paxos commit of `bytes` (a new map epoch) on the quorum's counters. */
  commit(bytes: number): void {
    if (this.leader < 0) return;
    const p = this.perf;
    for (const r of this.quorum) {
      p.add(r, _P.refresh, 1);
      p.avg(r, _P.refreshLat, 2_000_000, 1);
      p.add(r, _P.rocksGet, 40);
      p.avg(r, _P.rocksGetLat, 160_000, 40);
    }
    const l = this.leader;
    p.add(l, _P.begin, 1);
    p.avg(l, _P.beginBytes, bytes, 1);
    p.avg(l, _P.beginKeys, 3, 1);
    p.avg(l, _P.beginLat, 900_000, 1);
    p.add(l, _P.commit, 1);
    p.avg(l, _P.commitBytes, bytes, 1);
    p.avg(l, _P.commitKeys, 5, 1);
    p.avg(l, _P.commitLat, 750_000, 1);
  }

  /** Sets each up mon's session gauge (clients spread over the quorum). */
  setSessions(clients: number): void {
    const n = Math.max(1, this.quorum.length);
    for (let r = 0; r < this.names.length; r++) {
      this.perf.set(r, _P.sessions, this.quorum.includes(r) ? Math.ceil(clients / n) : 0);
    }
  }

  #rank(name: string): number {
    const r = this.names.indexOf(name);
    if (r < 0) throw new RangeError(`no mon "${name}"; mons are ${this.names.join(", ")}`);
    return r;
  }

  #startElection(): void {
    this.#election?.cancel();
    if (this.electionEpoch % 2 === 0) this.electionEpoch++;
    const hadQuorum = this.quorum.length > 0;
    this.quorum = [];
    this.leader = -1;
    for (let r = 0; r < this.names.length; r++) {
      if (this.up[r]) this.perf.add(r, _P.electionCall, 1);
    }
    if (hadQuorum) this.#onChange();
    this.#election = this.#scheduler.schedule(
      this.electionSeconds,
      `mon election e${this.electionEpoch}`,
      () => this.#finishElection(),
    );
  }

  #finishElection(): void {
    this.#election = undefined;
    const upRanks: number[] = [];
    for (let r = 0; r < this.names.length; r++) if (this.up[r]) upRanks.push(r);
    if (upRanks.length * 2 <= this.names.length) {
      this.#scheduler.note(`mon election e${this.electionEpoch}: no quorum (${upRanks.length} up)`);
      return;
    }
    this.electionEpoch++;
    this.quorum = upRanks;
    this.leader = upRanks[0] as number;
    this.quorumSince = this.#scheduler.now;
    for (const r of upRanks) {
      this.perf.add(r, _P.numElections, 1);
      this.perf.add(r, r === this.leader ? _P.electionWin : _P.electionLose, 1);
      this.perf.add(r, r === this.leader ? _P.startLeader : _P.startPeon, 1);
    }
    this.#scheduler.note(
      `mon quorum e${this.electionEpoch} ${
        this.quorumNames().join(",")
      } leader ${this.leaderName()}`,
    );
    this.#onChange();
  }
}

function _addrvec(addrs: readonly MonAddr[]): Json {
  return { addrvec: addrs.map((a) => ({ type: a.type, addr: `${a.ip}:${a.port}`, nonce: 0 })) };
}

/** MonMap's legacy `addr`: the v1 address, or the v2 one of a mon without v1. */
function _legacyAddr(addrs: readonly MonAddr[]): string {
  const a = addrs.find((x) => x.type === "v1") ?? addrs[0];
  return a === undefined ? "-" : `${a.ip}:${a.port}/0`;
}

/** The MonMap as `get("mon_map")` returns it (epoch: a kept older one, default the current). */
export function dumpMonMap(mons: MonCluster, epoch?: number): Json {
  const m = mons.monmapAt(epoch) ?? mons.monmapAt()!;
  return {
    epoch: m.epoch,
    min_mon_release: 16,
    min_mon_release_name: "pacific",
    election_strategy: 1,
    stretch_mode: false,
    tiebreaker_mon: "",
    features: { persistent: [...MON_FEATURES], optional: [] },
    mons: m.names.map((name, rank) => ({
      rank,
      name,
      public_addrs: _addrvec(m.addrs[rank] ?? []),
      priority: 0,
      weight: 0,
      addr: _legacyAddr(m.addrs[rank] ?? []),
      public_addr: _legacyAddr(m.addrs[rank] ?? []),
      crush_location: `{${(m.crushLocations[rank] ?? []).map(([k, v]) => `${k}=${v}`).join(",")}}`,
    })),
    fsid: mons.fsid,
    modified: cephStamp(m.modified).replace("+0000", "Z"),
    created: cephStamp(mons.created).replace("+0000", "Z"),
    "disallowed_leaders: ": "",
    "removed_ranks: ": m.removedRanks.join(","),
  };
}

/**
 * The monmap as the mon's commands dump it (`mon dump`, `quorum_status`, `mon_status`):
 * MonMap::dump's key order, mons without their quorum.
 */
export function monmapCommandDump(mons: MonCluster, epoch?: number): { [key: string]: Json } {
  const map = dumpMonMap(mons, epoch) as { [key: string]: Json };
  const entries = (map.mons as { [key: string]: Json }[]).map((m) => ({
    rank: m.rank!,
    name: m.name!,
    public_addrs: m.public_addrs!,
    addr: m.addr!,
    public_addr: m.public_addr!,
    priority: m.priority!,
    weight: m.weight!,
    crush_location: m.crush_location!,
  }));
  return {
    epoch: map.epoch!,
    fsid: map.fsid!,
    modified: map.modified!,
    created: map.created!,
    min_mon_release: 16,
    min_mon_release_name: "pacific",
    election_strategy: 1,
    "disallowed_leaders: ": "",
    stretch_mode: false,
    tiebreaker_mon: "",
    "removed_ranks: ": map["removed_ranks: "]!,
    features: map.features!,
    mons: entries,
  };
}

/**
 * `get("mon_status")`: `{json: "<mon_status of the mon the manager talks to>"}`, as seen by
 * mon `name` (default: the leader, else the first up mon).
 */
export function dumpMonStatus(mons: MonCluster, now: number, name?: string): Json {
  const rank = name !== undefined
    ? mons.names.indexOf(name)
    : mons.leader >= 0
    ? mons.leader
    : Math.max(0, mons.up.indexOf(1));
  const inQuorum = mons.quorum.includes(rank);
  const state = mons.up[rank] === 0
    ? "down"
    : inQuorum
    ? (rank === mons.leader ? "leader" : "peon")
    : "electing";
  const features = "0x3f01cfbdfffdffff";
  const status = {
    name: mons.names[rank],
    rank,
    state,
    election_epoch: mons.electionEpoch,
    quorum: mons.quorum,
    quorum_age: inQuorum ? Math.floor(now - mons.quorumSince) : 0,
    features: {
      required_con: "2449958747317026820",
      required_mon: [...MON_FEATURES],
      quorum_con: "4540138314316775423",
      quorum_mon: [...MON_FEATURES],
    },
    outside_quorum: mons.names.filter((_, r) => mons.up[r] === 1 && !mons.quorum.includes(r)),
    extra_probe_peers: [],
    sync_provider: [],
    monmap: monmapCommandDump(mons),
    feature_map: {
      mon: [{ features, release: "luminous", num: mons.quorum.length }],
      osd: [{ features, release: "luminous", num: 1 }],
      client: [{ features, release: "luminous", num: 1 }],
      mgr: [{ features, release: "luminous", num: 1 }],
    },
    stretch_mode: false,
  };
  return { json: JSON.stringify(status) };
}
