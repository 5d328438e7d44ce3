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
 * const mons = new MonCluster(s, { fsid: "f", hosts: ["h1", "h2", "h3"], ips: ["10.0.0.1", "10.0.0.2", "10.0.0.3"] });
 * await s.runFor(10);
 * mons.monDown("a");
 * await s.runFor(10);
 * if (mons.leaderName() !== "b" || mons.quorumNames().join() !== "b,c") throw new Error();
 * ```
 */
export class MonCluster {
  readonly names: readonly string[];
  readonly hosts: readonly string[];
  readonly ips: readonly string[];
  readonly fsid: string;
  readonly electionSeconds: number;
  readonly created: number;
  readonly perf: PerfCounters;
  /** Up flag per rank. */
  readonly up: Uint8Array;
  /** Ranks in quorum (empty during an election or without a majority). */
  quorum: number[] = [];
  /** Rank of the leader, or -1. */
  leader = -1;
  /** Odd while an election runs, even once it has ended. */
  electionEpoch = 0;
  /** When the current quorum formed. */
  quorumSince = 0;
  readonly monmapEpoch = 1;
  readonly #scheduler: Scheduler;
  readonly #onChange: () => void;
  #election: { cancel(): void } | undefined;

  constructor(
    scheduler: Scheduler,
    options: MonSpec & {
      fsid: string;
      hosts: readonly string[];
      ips: readonly string[];
      onChange?: () => void;
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
    this.fsid = options.fsid;
    this.names = Array.from({ length: count }, (_, i) => String.fromCharCode(97 + i));
    this.hosts = this.names.map((_, i) => options.hosts[i % options.hosts.length] ?? "localhost");
    this.ips = this.names.map((_, i) => options.ips[i % options.ips.length] ?? "127.0.0.1");
    this.created = scheduler.now;
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

function _monAddrs(ip: string): Json {
  return {
    addrvec: [
      { type: "v2", addr: `${ip}:3300`, nonce: 0 },
      { type: "v1", addr: `${ip}:6789`, nonce: 0 },
    ],
  };
}

/** The MonMap as `get("mon_map")` returns it. */
export function dumpMonMap(mons: MonCluster): Json {
  return {
    epoch: mons.monmapEpoch,
    min_mon_release: 16,
    min_mon_release_name: "pacific",
    election_strategy: 1,
    stretch_mode: false,
    tiebreaker_mon: "",
    features: { persistent: [...MON_FEATURES], optional: [] },
    mons: mons.names.map((name, rank) => ({
      rank,
      name,
      public_addrs: _monAddrs(mons.ips[rank] as string),
      priority: 0,
      weight: 0,
      addr: `${mons.ips[rank]}:6789/0`,
      public_addr: `${mons.ips[rank]}:6789/0`,
      crush_location: "{}",
    })),
    fsid: mons.fsid,
    modified: cephStamp(mons.created).replace("+0000", "Z"),
    created: cephStamp(mons.created).replace("+0000", "Z"),
    "disallowed_leaders: ": "",
    "removed_ranks: ": "",
  };
}

/**
 * The monmap as the mon's commands dump it (`mon dump`, `quorum_status`, `mon_status`):
 * MonMap::dump's key order, mons without their quorum.
 */
export function monmapCommandDump(mons: MonCluster): { [key: string]: Json } {
  const map = dumpMonMap(mons) as { [key: string]: Json };
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
    "removed_ranks: ": "",
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
