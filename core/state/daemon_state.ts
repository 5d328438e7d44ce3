/**
 * The daemon index: what every daemon told the manager about itself (metadata, service
 * status), and the module API's readers built from it — `get_metadata`, `get_daemon_status`,
 * `get_server`, `list_servers`, and the `osd_metadata` / `mds_metadata` names of `get()` — in
 * Ceph's shapes (spec §2.3, §10.7).
 *
 * The index knows nothing of the OSDMap: an OSD in the map without metadata is simply
 * unknown here (`get_metadata` answers the default), and metadata for an OSD the map does not
 * have is kept and shown, as Ceph's DaemonStateIndex does. No reader throws.
 *
 * Results are frozen and shared until the daemon's record changes (DESIGN.md "Snapshots, not
 * copies"); `structuredClone` them to edit.
 *
 * @module
 */

import { compareDaemonKeys, parseDaemonName } from "./perf_counters.ts";
import type { DataSource } from "./snapshot_cache.ts";

/** A daemon's metadata as `get_metadata` returns it: `hostname` first, then every key. */
export type DaemonMetadata = Readonly<Record<string, string>>;

/** One service of a {@linkcode ServerInfo}. */
export interface ServiceInfo {
  readonly type: string;
  readonly id: string;
  readonly ceph_version: string;
  /** The metadata's `id`, when the daemon reports one (rgw). */
  readonly name?: string;
}

/** `get_server(hostname)`: a host and the daemons whose metadata names it. */
export interface ServerInfo {
  readonly hostname: string;
  readonly services: readonly ServiceInfo[];
  readonly ceph_version: string;
}

interface _Entry {
  readonly type: string;
  readonly id: string;
  /** Frozen `{hostname, ...sorted keys}`; null until metadata arrives. */
  metadata: DaemonMetadata | null;
  hostname: string;
  /** Frozen service status (string → string). */
  status: Readonly<Record<string, string>>;
}

interface _ServerTable {
  /** The index version the table was built at (-1: never). */
  version: number;
  byHost: Map<string, ServerInfo>;
  list: readonly ServerInfo[];
}

const _EMPTY: Readonly<Record<string, string>> = Object.freeze({});

/** Keeps the string-valued keys; numbers and booleans become strings, the rest is dropped. */
function _stringMap(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw === null || typeof raw !== "object") return out;
  for (const k of Object.keys(raw).sort()) {
    const v = (raw as Record<string, unknown>)[k];
    if (typeof v === "string") out[k] = v;
    else if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") {
      out[k] = String(v);
    }
  }
  return out;
}

/**
 * Daemon metadata and status, indexed by `(type, id)` and by host.
 *
 * @example
 * ```ts
 * import { DaemonIndex } from "./daemon_state.ts";
 * const index = new DaemonIndex();
 * index.setMetadata("osd.0", { hostname: "node1", ceph_version: "ceph version 16.2.15" });
 * index.setMetadata("osd.7", { ceph_version: "ceph version 16.2.15" }); // no hostname
 * if (index.get_metadata("osd", "0")?.hostname !== "node1") throw new Error();
 * if (index.get_metadata("osd", "7")?.hostname !== "") throw new Error();
 * if (index.get_metadata("osd", "5", { none: "" })?.none !== "") throw new Error();
 * if (index.get_server("node1").services.length !== 1) throw new Error();
 * ```
 */
export class DaemonIndex {
  readonly #byType = new Map<string, Map<string, _Entry>>();
  /** Bumped on every change of any daemon. */
  #version = 0;
  /** Bumped per daemon type, so `osd_metadata` is not recomputed when a mon changes. */
  readonly #typeVersion = new Map<string, number>();
  #servers: _ServerTable = { version: -1, byHost: new Map(), list: [] };

  /** Changes to the index so far: a cache key for anything derived from all daemons. */
  get version(): number {
    return this.#version;
  }

  /** Changes to daemons of `type` so far (a cache key for `osd_metadata`). */
  typeVersion(type: string): number {
    return this.#typeVersion.get(type) ?? 0;
  }

  #touch(type: string): void {
    this.#version++;
    this.#typeVersion.set(type, (this.#typeVersion.get(type) ?? 0) + 1);
  }

  #entry(name: string): _Entry {
    const [type, id] = parseDaemonName(name);
    let ids = this.#byType.get(type);
    if (ids === undefined) this.#byType.set(type, ids = new Map());
    let e = ids.get(id);
    if (e === undefined) {
      e = { type, id, metadata: null, hostname: "", status: _EMPTY };
      ids.set(id, e);
    }
    return e;
  }

  #find(type: string, id: string): _Entry | undefined {
    return this.#byType.get(type)?.get(typeof id === "string" ? id : String(id));
  }

  /**
   * Records the metadata `daemon` (`osd.3`) reported, replacing what it sent before. Values
   * are strings as in Ceph; numbers and booleans are converted, other values dropped. A
   * missing `hostname` is kept as "" (the daemon then lists under host "", as in Ceph).
   * Throws only on a malformed daemon name.
   */
  setMetadata(daemon: string, metadata: Readonly<Record<string, unknown>>): void {
    const e = this.#entry(daemon);
    const keys = _stringMap(metadata);
    const hostname = keys.hostname ?? "";
    // `hostname` leads, the rest follows in std::map order, as ActivePyModules dumps it.
    e.metadata = Object.freeze({ hostname, ...keys });
    e.hostname = hostname;
    this.#touch(e.type);
  }

  /** Records `daemon`'s service status map (rgw, rbd-mirror, ... report one). */
  setDaemonStatus(daemon: string, status: Readonly<Record<string, unknown>>): void {
    const e = this.#entry(daemon);
    e.status = Object.freeze(_stringMap(status));
    this.#touch(e.type);
  }

  /** Forgets `daemon` entirely (it left the cluster). Returns whether it was known. */
  removeDaemon(daemon: string): boolean {
    const [type, id] = parseDaemonName(daemon);
    const ids = this.#byType.get(type);
    if (ids === undefined || !ids.delete(id)) return false;
    if (ids.size === 0) this.#byType.delete(type);
    this.#touch(type);
    return true;
  }

  /** Whether anything is recorded for `(type, id)`. */
  has(type: string, id: string): boolean {
    return this.#find(type, id) !== undefined;
  }

  /**
   * `get_metadata(svc_type, svc_id, default)`: `{hostname, <every key>}` (all strings, frozen),
   * or `defaultValue` (null unless given) when the daemon sent no metadata.
   */
  get_metadata<D = null>(
    svc_type: string,
    svc_id: string,
    defaultValue: D = null as D,
  ): DaemonMetadata | D {
    return this.#find(svc_type, svc_id)?.metadata ?? defaultValue;
  }

  /**
   * `get_daemon_status(svc_type, svc_id)`: the daemon's status map (`{}` when it reports none),
   * or null for a daemon the manager knows nothing about.
   */
  get_daemon_status(svc_type: string, svc_id: string): Readonly<Record<string, string>> | null {
    return this.#find(svc_type, svc_id)?.status ?? null;
  }

  /** Every daemon with metadata, in Ceph's `DaemonKey` order (type, then id, as strings). */
  #withMetadata(type?: string): _Entry[] {
    const out: _Entry[] = [];
    for (const [t, ids] of this.#byType) {
      if (type !== undefined && t !== type) continue;
      for (const e of ids.values()) if (e.metadata !== null) out.push(e);
    }
    return out.sort((a, b) => compareDaemonKeys(a.type, a.id, b.type, b.id));
  }

  #serverTable(): _ServerTable {
    const cached = this.#servers;
    if (cached.version === this.#version) return cached;
    const groups = new Map<string, _Entry[]>();
    for (const e of this.#withMetadata()) {
      let g = groups.get(e.hostname);
      if (g === undefined) groups.set(e.hostname, g = []);
      g.push(e);
    }
    const hosts = [...groups.keys()].sort((a, b) => a < b ? -1 : a > b ? 1 : 0);
    const byHost = new Map<string, ServerInfo>();
    for (const host of hosts) byHost.set(host, _server(host, groups.get(host)!));
    const table = { version: this.#version, byHost, list: Object.freeze([...byHost.values()]) };
    this.#servers = table;
    return table;
  }

  /**
   * `get_server(hostname)`: `{hostname, services: [{type, id, ceph_version, name?}],
   * ceph_version}`; an unknown host gives `{hostname, services: [], ceph_version: ""}`.
   */
  get_server(hostname: string): ServerInfo {
    return this.#serverTable().byHost.get(hostname) ??
      Object.freeze({ hostname, services: Object.freeze([]), ceph_version: "" });
  }

  /** `list_servers()`: every host named by some daemon's metadata, sorted. Frozen, shared. */
  list_servers(): readonly ServerInfo[] {
    return this.#serverTable().list;
  }

  /**
   * Names (`osd.3`) of the daemons `list_servers()` shows, in its order: what
   * `PerfCounterStore.get_all_perf_counters` walks to match Ceph.
   */
  serviceDaemons(): readonly string[] {
    const servers = this.list_servers();
    if (this.#serviceDaemons?.servers === servers) return this.#serviceDaemons.names;
    const out: string[] = [];
    for (const s of servers) for (const d of s.services) out.push(`${d.type}.${d.id}`);
    // Frozen and kept while the names stand (a daemon's new metadata rebuilds the servers,
    // rarely their daemons): the perf store's bulk reader and the exporter's page plan key on
    // it, and rebuild for a new one.
    const old = this.#serviceDaemons?.names;
    const same = old !== undefined && old.length === out.length &&
      old.every((n, i) => n === out[i]);
    this.#serviceDaemons = { servers, names: same ? old : Object.freeze(out) };
    return this.#serviceDaemons.names;
  }

  #serviceDaemons: { servers: readonly ServerInfo[]; names: readonly string[] } | undefined;

  /** Starts from `previous`'s daemon names, kept by {@linkcode serviceDaemons} while they stand. */
  carryServiceDaemons(previous: DaemonIndex): void {
    const names = previous.#serviceDaemons?.names;
    if (names !== undefined) this.#serviceDaemons = { servers: [], names };
  }

  /**
   * `get("osd_metadata")` / `get("mds_metadata")`: `{"<id>": metadata}` for every daemon of
   * `type` with metadata. A fresh object each call; serve it through a SnapshotCache (see
   * {@linkcode DaemonIndex.dataSources}).
   */
  metadataByType(type: string): Record<string, DaemonMetadata> {
    const out: Record<string, DaemonMetadata> = {};
    for (const e of this.#withMetadata(type)) out[e.id] = e.metadata!;
    return out;
  }

  /** The `get()` names this index serves: `osd_metadata` and `mds_metadata`. */
  dataSources(): DataSource[] {
    return ["osd", "mds"].map((type) => ({
      name: `${type}_metadata`,
      version: () => this.typeVersion(type),
      compute: () => this.metadataByType(type),
    }));
  }
}

/** Builds one ServerInfo as ActivePyModules::dump_server does. */
function _server(hostname: string, entries: readonly _Entry[]): ServerInfo {
  const services: ServiceInfo[] = [];
  // Pacific carries the last seen ceph_version over to a daemon whose metadata lacks one,
  // and reports the last daemon's as the host's; kept for fidelity.
  let version = "";
  for (const e of entries) {
    const m = e.metadata!;
    if (m.ceph_version !== undefined) version = m.ceph_version;
    const s: { type: string; id: string; ceph_version: string; name?: string } = {
      type: e.type,
      id: e.id,
      ceph_version: version,
    };
    if (m.id !== undefined && m.id !== "") s.name = m.id;
    services.push(Object.freeze(s));
  }
  return Object.freeze({ hostname, services: Object.freeze(services), ceph_version: version });
}
