/**
 * The ClusterLink port: the manager's only way to the cluster (its mon session).
 *
 * Live mode and `mgrd sim` bind it to the embedded simulated mon (`sim/mon/`); a later binding
 * could speak to a real Ceph cluster. Data flows one way: the cluster pushes updates to the
 * manager through `subscribe`; the manager asks for changes only through mon commands and its
 * beacon.
 *
 * @module
 */
import type { MgrMap, ModuleInfo } from "./mgr_map.ts";

/** What a mon command answers: Ceph's (retval, outbuf, outs). */
export interface MonCommandResult {
  /** 0 or a negative errno. */
  r: number;
  /** Output data (stdout of the `ceph` CLI). */
  outb: string;
  /** Status or error message (stderr of the `ceph` CLI). */
  outs: string;
}

/** One entry of the mon's config DB (`ceph config dump -f json`). */
export interface ConfigEntry {
  /** `global`, `mgr`, `mgr.x`, `osd`, `osd.3`, ... */
  section: string;
  name: string;
  value: string;
  /** Ceph's location mask (`host:foo`); "" when none. */
  mask: string;
}

/** The state a fresh mon session starts from. */
export interface ClusterSnapshot {
  config: ConfigEntry[];
  /** Every config-key entry whose key starts with `mgr/`. */
  mgrKv: Record<string, string>;
  mgrMap: MgrMap;
}

/** A change pushed by the mon to the manager. */
export type ClusterUpdate =
  | { kind: "config"; config: ConfigEntry[] }
  | { kind: "kv"; key: string; value: string | null }
  | { kind: "mgr_map"; mgrMap: MgrMap }
  | { kind: "connection"; connected: boolean };

/** What a manager daemon tells the mon in each beacon. */
export interface MgrBeacon {
  gid: number;
  name: string;
  available: boolean;
  available_modules: ModuleInfo[];
  /** Module name → URI, for the active manager. */
  services?: Record<string, string>;
  /** The daemon's metadata (`mgr metadata`): hostname, ceph_version, arch, ... */
  metadata?: Record<string, string>;
}

/** A command in Ceph's signature grammar, as MonCommands.h lists them. */
export interface CommandSignature {
  sig: string;
  help: string;
  perm: string;
  flags?: number;
}

/** Options of one mon command call. */
export interface MonCommandOptions {
  /** Seconds to wait (for example while the mon is unreachable) before failing with -ETIMEDOUT. */
  timeout?: number;
}

/** The manager's mon session. */
export interface ClusterLink {
  /** The commands the mon answers (the manager publishes and validates them). */
  monCommands(): readonly CommandSignature[];
  /** Whether the mon session is up right now (`have_mon_connection()`). */
  connected(): boolean;
  /** The state to start from; valid while connected. */
  snapshot(): ClusterSnapshot;
  /**
   * Sends a mon command (`{prefix, ...args}`); resolves after the mon has committed it. While the
   * mon is unreachable the command waits, up to `timeout` seconds.
   */
  monCommand(
    cmd: Record<string, unknown>,
    inbuf?: string,
    options?: MonCommandOptions,
  ): Promise<MonCommandResult>;
  /** Publishes this manager's state; the mon folds it into the MgrMap. */
  beacon(beacon: MgrBeacon): Promise<void>;
  /** Receives every update the mon pushes, in order. Returns the unsubscribe function. */
  subscribe(listener: (update: ClusterUpdate) => void): () => void;
}
