/**
 * One file system of the FSMap, as its MDSMap holds it: the ranks that are in, the MDS holding
 * each (and its state), the ranks stopped, max_mds and the settings `fs set` changes. The FSMap
 * (fs_map.ts) decides which daemon holds what; this is the record it keeps per file system.
 *
 * @module
 */

import { MdsSessions } from "./mds_sessions.ts";
import { FsTree } from "./fs_tree.ts";

/** The MDS holding a rank, and where it is on its way to up:active (or out, up:stopping). */
export interface RankHolder {
  /** The MDS daemon's name. */
  name: string;
  /** `up:active`, or a state of MDSMonitor's promotion or stop (`up:creating`, `up:replay`...). */
  state: string;
  /** When it entered `state` (seconds, the cluster clock). */
  stateSince: number;
  /** When it took the rank, and the OSDMap epoch then (`tell mds.<x> status`'s rank_uptime). */
  since: number;
  osdEpoch: number;
}

/**
 * The states a daemon passes through on its way to up:active, as MDSMonitor shows them in
 * `fs dump` (tests/ceph-reference/cli/commands/mds_ranks/*transitions*): a rank never held
 * before is created, a rank stopped before starts, a failed rank is replayed from its journal
 * and resolved with the other ranks.
 */
export const RANK_PATHS = {
  create: ["up:creating", "up:active"],
  start: ["up:starting", "up:active"],
  replay: ["up:replay", "up:resolve", "up:reconnect", "up:rejoin", "up:active"],
} as const;

/** Seconds a promoted daemon spends in each state before the next (the real one took ~1 s). */
export const RANK_STATE_SECONDS = 1;
/** Seconds a rank spends up:stopping, exporting its subtrees to rank 0 (the real one ~16 s). */
export const RANK_STOPPING_SECONDS = 15;

/** One file system: its MDSMap's contents. */
export class MdsMap {
  /** `fs_name`. */
  name: string;
  /** The file system's id (fscid). */
  readonly fscid: number;
  /** The MDSMap's own epoch: the FSMap epoch at which this file system last changed. */
  epoch: number;
  created: number;
  modified: number;
  /** Its pools; undefined until pinned (the cluster's first file system takes them by name). */
  pools: { metadata: number; data: number } | undefined;
  /** `max_mds`: 0 while the file system is marked down. */
  maxMds = 1;
  /** max_mds before `fs set <fs> down true`, which `down false` gives back. */
  oldMaxMds = 1;
  /** Ranks that are in (`in`); a rank in without a holder is failed. */
  readonly in = new Set<number>([0]);
  /** The MDS holding each rank. */
  readonly holders = new Map<number, RankHolder>();
  /** Ranks that were stopped (`stopped`). */
  readonly stopped = new Set<number>();
  /** Whether an MDS may take a vacant rank (`joinable`; NOT_JOINABLE clear). */
  joinable = true;
  /** `allow_standby_replay`: a standby follows rank 0's journal (up:standby-replay). */
  allowStandbyReplay = false;
  /** `standby_count_wanted`. */
  standbyCountWanted: number;
  /** The clients' sessions with its MDSs (`session ls`, `session evict`). */
  readonly sessions: MdsSessions;
  /** The MDSMap's values `fs set` changes and nothing in the model acts on. */
  readonly settings = { maxFileSize: 1_099_511_627_776, sessionTimeout: 60, sessionAutoclose: 300 };
  #tree: FsTree | undefined;
  readonly #treeDeps: ConstructorParameters<typeof FsTree>[0];

  constructor(
    init: {
      name: string;
      fscid: number;
      epoch: number;
      now: number;
      pools: { metadata: number; data: number } | undefined;
      standbyCountWanted: number;
      /** Clients mounted at `/` as client.admin when it starts. */
      clients?: number;
    },
    treeDeps: ConstructorParameters<typeof FsTree>[0],
  ) {
    this.name = init.name;
    this.fscid = init.fscid;
    this.epoch = init.epoch;
    this.created = this.modified = init.now;
    this.pools = init.pools;
    this.standbyCountWanted = init.standbyCountWanted;
    this.#treeDeps = treeDeps;
    this.sessions = new MdsSessions(treeDeps.now, init.clients ?? 0);
  }

  /** The file system's namespace, as its MDSs keep it. */
  get tree(): FsTree {
    return this.#tree ??= new FsTree(this.#treeDeps);
  }

  /** `fs set <fs> down true`: max_mds 0. */
  get down(): boolean {
    return this.maxMds === 0;
  }

  /** Ranks in without a holder (`failed`). */
  failed(): number[] {
    return [...this.in].filter((r) => !this.holders.has(r)).sort((a, b) => a - b);
  }

  /** The rank daemon `name` holds, or undefined. */
  rankOf(name: string): number | undefined {
    for (const [rank, h] of this.holders) if (h.name === name) return rank;
    return undefined;
  }

  /** The name of the MDS holding `rank` up:active, or undefined. */
  activeAt(rank: number): string | undefined {
    const h = this.holders.get(rank);
    return h?.state === "up:active" ? h.name : undefined;
  }
}
