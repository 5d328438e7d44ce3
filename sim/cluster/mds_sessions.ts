/**
 * The client sessions of the simulated file system's active MDS, as `session ls` / `client ls`
 * show them (MDSRank's `dump_sessions`, Session::dump of Ceph 16.2, checked against
 * tests/ceph-reference/cli/commands/fs_authorize/31_session_ls.txt) and as `session evict` /
 * `client evict` pick them (SessionFilter: `id=`, `auth_name=`, `client_metadata.<key>=`,
 * `state=`, `reconnecting=`, or a bare id; src/mds/SessionMap.cc). The file system starts with the two clients `fs status` counts:
 * client.admin mounts of `/`. A client that mounts (`open`) adds one, with the root it mounted
 * and its auth ID as `client_metadata.root` and `entity_id`, as ceph-fuse and libcephfs send
 * them.
 *
 * @module
 */
import { CEPH_VERSION } from "../../ceph/mgr_map.ts";

/** One client session. */
export interface MdsSession {
  /** The client's global id (`client.<id>`). */
  id: number;
  /** The cephx ID the client authenticated as (`client.<entityId>`). */
  entityId: string;
  /** The directory it mounted. */
  root: string;
  /** Its messenger nonce (the address is 127.0.0.1:0/<nonce>). */
  nonce: number;
  pid: number;
  /** When it opened, in the cluster's seconds. */
  since: number;
}

const SHA1 = /\(([0-9a-f]{40})\)/.exec(CEPH_VERSION)?.[1] ?? "";

/** A filter of `session evict` / `session ls`, or the message the MDS gives for a bad one. */
type Filter = (s: MdsSession) => boolean;

/** strict_strtoll's answer: the number, or its message. */
function strictInt(v: string): number | string {
  return /^-?\d+$/.test(v) ? Number(v) : `strict_strtoll: expected integer, got: '${v}'`;
}

/** SessionFilter::parse and SessionFilter::match of one filter argument. */
function parseFilter(spec: string): Filter | string {
  const eq = spec.indexOf("=");
  if (eq < 0) {
    // A bare id, as pre-octopus `session evict` took it.
    const id = strictInt(spec);
    if (typeof id === "string") return `Invalid filter '${spec}'`;
    return (s) => id === 0 || s.id === id;
  }
  const k = spec.slice(0, eq), v = spec.slice(eq + 1);
  const prefix = "client_metadata.";
  if (k.startsWith(prefix) && k.length > prefix.length) {
    const key = k.slice(prefix.length);
    return (s) => metadata(s)[key] === v;
  }
  if (k === "auth_name") return (s) => v === "" || s.entityId === v;
  if (k === "state") return () => v === "" || v === "open";
  if (k === "id") {
    const id = strictInt(v);
    if (typeof id === "string") return id;
    return (s) => id === 0 || s.id === id;
  }
  if (k === "reconnecting") {
    if (!["true", "1", "false", "0"].includes(v)) return `Invalid boolean value '${v}'`;
    // No simulated client is reconnecting.
    return () => v === "false" || v === "0";
  }
  return `Invalid filter key '${k}'`;
}

function metadata(s: MdsSession): Record<string, string> {
  return {
    ceph_sha1: SHA1,
    ceph_version: CEPH_VERSION,
    entity_id: s.entityId,
    hostname: "localhost",
    pid: String(s.pid),
    root: s.root,
  };
}

/** A file system's client sessions. */
export class MdsSessions {
  readonly #sessions: MdsSession[] = [];
  #nextId = 4100;

  /** `clients`: client.admin mounts of `/` it starts with. */
  constructor(readonly now: () => number, clients = 0) {
    for (let i = 0; i < clients; i++) this.open("admin", "/");
  }

  get count(): number {
    return this.#sessions.length;
  }

  /** A client mounts `root` as `client.<entityId>`: a new session. */
  open(entityId: string, root: string): MdsSession {
    const id = this.#nextId;
    this.#nextId += 7;
    const s = {
      id,
      entityId,
      root,
      nonce: 1_000_000_000 + id * 7919,
      pid: 1000 + id,
      since: this.now(),
    };
    this.#sessions.push(s);
    return s;
  }

  /** The sessions `filters` pick, or the message for a bad filter. */
  select(filters: readonly string[]): MdsSession[] | string {
    const parsed: Filter[] = [];
    for (const f of filters) {
      const p = parseFilter(f);
      if (typeof p === "string") return p;
      parsed.push(p);
    }
    return this.#sessions.filter((s) => parsed.every((p) => p(s)));
  }

  /** Ends the sessions given (`session evict`). */
  evict(victims: readonly MdsSession[]): void {
    for (const v of victims) {
      const i = this.#sessions.indexOf(v);
      if (i >= 0) this.#sessions.splice(i, 1);
    }
  }

  /** Session::dump of one session, newest first as the MDS's session map lists them. */
  dump(s: MdsSession): Record<string, unknown> {
    const uptime = Math.round((this.now() - s.since) * 1e9) / 1e9;
    const decay = (halflife: number, value = 0) => ({ value, halflife });
    return {
      id: s.id,
      entity: {
        name: { type: "client", num: s.id },
        addr: { type: "any", addr: "127.0.0.1:0", nonce: s.nonce },
      },
      state: "open",
      num_leases: 0,
      num_caps: 1,
      request_load_avg: 0,
      uptime,
      requests_in_flight: 0,
      num_completed_requests: 0,
      num_completed_flushes: 0,
      reconnecting: false,
      recall_caps: decay(60),
      release_caps: decay(60),
      recall_caps_throttle: decay(1.5),
      recall_caps_throttle2o: decay(0.5),
      session_cache_liveness: decay(300),
      cap_acquisition: decay(30),
      last_trim_completed_requests_tid: 0,
      last_trim_completed_flushes_tid: 0,
      delegated_inos: [],
      inst: `client.${s.id} 127.0.0.1:0/${s.nonce}`,
      completed_requests: [],
      prealloc_inos: [],
      client_metadata: {
        client_features: { feature_bits: "0x000000000007ffff" },
        metric_spec: { metric_flags: { feature_bits: "0x000000000000ffff" } },
        ...metadata(s),
      },
    };
  }

  /** `session ls` of the sessions `filters` pick, newest first. */
  list(filters: readonly string[]): Record<string, unknown>[] | string {
    const picked = this.select(filters);
    if (typeof picked === "string") return picked;
    return [...picked].reverse().map((s) => this.dump(s));
  }
}
