/**
 * A connected cluster handle (`rados_t`): the mon, mgr, OSD and PG commands, the cluster log as
 * it happens, pools, and I/O contexts.
 *
 * @module
 */
import { EACCES, ECANCELED, EINVAL, ENOENT, ETIMEDOUT } from "../ceph/errno.ts";
import {
  bytesOf,
  copyBytes,
  cString,
  cStringOrNull,
  numberOf,
  outWord,
  PointerArray,
  pointerIn,
  readCString,
  textOf,
} from "./_c_memory.ts";
import { CallGate } from "./_call_gate.ts";
import { type LibradosSymbols, LOG_CALLBACK2 } from "./librados_symbols.ts";
import { loadLibrados } from "./load_librados.ts";
import { RadosError } from "./rados_error.ts";
import { RadosIoctx } from "./rados_ioctx.ts";

/** How `connectRados()` reaches the cluster. */
export interface RadosConnectOptions {
  /**
   * The ceph.conf to read. Without it, Ceph's own search: `$CEPH_CONF`, /etc/ceph/ceph.conf,
   * ~/.ceph/config, ./ceph.conf (none found is no error when `conf` names `mon_host`).
   */
  confFile?: string;
  /** The entity to authenticate as (default `client.admin`). */
  name?: string;
  /** The cluster's name, for `$cluster` in paths (default `ceph`). */
  clusterName?: string;
  /** The keyring file (default: what the conf file says). */
  keyring?: string;
  /** More options, set after the conf file (`{ mon_host: "127.0.0.1:6789" }`). */
  conf?: Readonly<Record<string, string>>;
  /** `rados_connect` fails with ETIMEDOUT after this many seconds (default 10). */
  connectTimeoutSeconds?: number;
  /** A mon, mgr or OSD command or object operation fails with ETIMEDOUT after this (default 30). */
  opTimeoutSeconds?: number;
  /** The library to load (default `librados.so.2`). */
  libraryPath?: string;
}

/** A command's answer: output data (the `ceph` CLI's stdout) and status text (its stderr). */
export class CommandReply {
  /** The output data. */
  readonly outbuf: Uint8Array;
  /** The status text. */
  readonly outs: string;

  constructor(outbuf: Uint8Array, outs: string) {
    this.outbuf = outbuf;
    this.outs = outs;
  }

  /** The output data as UTF-8 text. */
  text(): string {
    return textOf(this.outbuf);
  }

  /** The output data parsed as JSON (for commands sent with `format: "json"`). */
  json<T = unknown>(): T {
    return JSON.parse(this.text()) as T;
  }
}

/** A command: its JSON text, or the object (`{ prefix: "status", format: "json" }`). */
export type RadosCommand = string | Readonly<Record<string, unknown>>;

/** The least severe cluster-log level `monitorLog()` delivers. */
export type ClusterLogLevel = "debug" | "info" | "sec" | "warn" | "error";

/** One cluster-log entry as the mon pushes it (`rados_log_callback2_t`). */
export interface RadosLogEntry {
  /** The whole formatted line, as `ceph -w` prints it. */
  line: string;
  /** `cluster`, `audit`, ... */
  channel: string;
  /** The writer's instance: `mon.0 v2:127.0.0.1:23300/0`. */
  who: string;
  /** The writer's name: `mon.a`, `client.admin`. */
  name: string;
  /** Seconds since the epoch. */
  sec: number;
  /** Nanoseconds within the second. */
  nsec: number;
  /** The writer's own sequence number. */
  seq: number;
  /** `[DBG]`, `[INF]`, `[SEC]`, `[WRN]`, `[ERR]`. */
  level: string;
  /** The message. */
  message: string;
}

/** A running `monitorLog()`; `stop()` ends it. */
export interface ClusterLogSubscription {
  /** Stops delivering entries (and lets the process exit). Idempotent. */
  stop(): Promise<void>;
}

/** Cluster-wide usage (`rados_cluster_stat`). */
export interface RadosClusterStat {
  kb: number;
  kbUsed: number;
  kbAvail: number;
  numObjects: number;
}

interface Normalised {
  confFile: string | undefined;
  name: string;
  clusterName: string;
  keyring: string | undefined;
  conf: Readonly<Record<string, string>>;
  connectTimeoutSeconds: number;
  opTimeoutSeconds: number;
  libraryPath: string;
}

function normalise(options: RadosConnectOptions): Normalised {
  const opts = {
    confFile: undefined,
    name: "client.admin",
    clusterName: "ceph",
    keyring: undefined,
    conf: {},
    connectTimeoutSeconds: 10,
    opTimeoutSeconds: 30,
    libraryPath: "librados.so.2",
    ...options,
  };
  for (const key of ["connectTimeoutSeconds", "opTimeoutSeconds"] as const) {
    const v = opts[key];
    if (!(v > 0 && Number.isFinite(v))) {
      throw new RangeError(`connectRados: ${key} must be a number of seconds > 0, not ${v}`);
    }
  }
  if (!/^[a-z]+\.[^\s]+$/.test(opts.name)) {
    throw new RangeError(`connectRados: name must be TYPE.ID (client.admin), not '${opts.name}'`);
  }
  return opts;
}

/**
 * Connects to a Ceph cluster through librados2. Fails, within `connectTimeoutSeconds`, with a
 * RadosError carrying the errno and a sentence saying what was tried.
 *
 * @example
 * ```ts ignore
 * import { connectRados } from "./rados_cluster.ts";
 * await using cluster = await connectRados({ confFile: "dev-cluster/ceph.conf" });
 * const reply = await cluster.monCommand({ prefix: "status", format: "json" });
 * console.log(reply.json());
 * ```
 */
export async function connectRados(options: RadosConnectOptions = {}): Promise<RadosCluster> {
  const opts = normalise(options);
  const lib = loadLibrados(opts.libraryPath).symbols;
  const word = outWord();
  const rc = lib.rados_create2(word, cString(opts.clusterName), cString(opts.name), 0n);
  if (rc < 0) throw new RadosError("rados_create2", rc, `cannot create a handle for ${opts.name}`);
  const handle = pointerIn(word)!;
  try {
    configure(lib, handle, opts);
    const connected = await lib.rados_connect(handle);
    if (connected < 0) throw connectError(lib, handle, opts, connected);
  } catch (e) {
    await lib.rados_shutdown(handle);
    throw e;
  }
  return new RadosCluster(lib, handle, opts.name);
}

function configure(lib: LibradosSymbols, handle: Deno.PointerObject, opts: Normalised): void {
  const set = (option: string, value: string) => {
    const rc = lib.rados_conf_set(handle, cString(option), cString(value));
    if (rc < 0) throw new RadosError("rados_conf_set", rc, `${option} = ${value}`);
  };
  // librados' own complaints would interleave with mgrd's output; its failures come back as
  // errnos. A conf file or `conf` may turn them on again.
  set("log_to_stderr", "false");
  set("err_to_stderr", "false");
  const read = lib.rados_conf_read_file(handle, cStringOrNull(opts.confFile));
  if (read < 0) {
    if (opts.confFile !== undefined) {
      throw new RadosError("rados_conf_read_file", read, `cannot read ${opts.confFile}`);
    }
    if (read !== -ENOENT || opts.conf["mon_host"] === undefined) {
      throw new RadosError(
        "rados_conf_read_file",
        read,
        "no ceph.conf found ($CEPH_CONF, /etc/ceph/ceph.conf, ~/.ceph/config, ./ceph.conf): " +
          "name one",
      );
    }
  }
  if (opts.keyring !== undefined) set("keyring", opts.keyring);
  for (const [option, value] of Object.entries(opts.conf)) set(option, value);
  set("client_mount_timeout", String(opts.connectTimeoutSeconds));
  set("rados_mon_op_timeout", String(opts.opTimeoutSeconds));
  set("rados_osd_op_timeout", String(opts.opTimeoutSeconds));
}

function confValue(lib: LibradosSymbols, handle: Deno.PointerObject, option: string): string {
  const buf = new Uint8Array(4096);
  const rc = lib.rados_conf_get(handle, cString(option), buf, BigInt(buf.length));
  if (rc < 0) throw new RadosError("rados_conf_get", rc, option);
  return textOf(buf.subarray(0, buf.indexOf(0)));
}

function connectError(
  lib: LibradosSymbols,
  handle: Deno.PointerObject,
  opts: Normalised,
  rc: number,
): RadosError {
  let monHost = "", keyring = "", auth = "";
  try {
    monHost = confValue(lib, handle, "mon_host");
    keyring = confValue(lib, handle, "keyring");
    auth = confValue(lib, handle, "auth_client_required");
  } catch { /* the sentence goes without them */ }
  const mons = monHost ? `the mons at ${monHost}` : "the mons (no mon_host configured)";
  let why: string;
  if (rc === -ETIMEDOUT) {
    why = `${mons} did not answer ${opts.name} within ${opts.connectTimeoutSeconds} s`;
  } else if (rc === -EACCES || rc === -1) {
    why = `${mons} refused ${opts.name} (auth ${auth || "?"}): ` +
      (auth === "none"
        ? "the cluster does not accept auth none"
        : `check its key in ${keyring || "the keyring"}`);
  } else if (rc === -ENOENT) {
    why = `no key for ${opts.name} in ${keyring || "the keyring"}, or no mon address`;
  } else if (rc === -EINVAL) {
    why = `the configuration does not allow connecting to ${mons}`;
  } else {
    why = `cannot connect to ${mons} as ${opts.name}`;
  }
  return new RadosError("rados_connect", rc, why);
}

/**
 * A connected cluster; from `connectRados()`. Every method may be called from several async
 * tasks at once. `close()` (or `await using`) waits for the calls in flight and frees it all.
 */
export class RadosCluster {
  /** The entity this handle authenticated as. */
  readonly name: string;
  readonly #lib: LibradosSymbols;
  readonly #handle: Deno.PointerObject;
  readonly #gate = new CallGate("cluster handle");
  readonly #ioctxs = new Set<RadosIoctx>();
  #closing: Promise<void> | null = null;
  #logCallback: Deno.UnsafeCallback<typeof LOG_CALLBACK2> | null = null;
  #logListener: ((entry: RadosLogEntry) => void) | null = null;

  /** @internal Made by `connectRados()`. */
  constructor(lib: LibradosSymbols, handle: Deno.PointerObject, name: string) {
    this.#lib = lib;
    this.#handle = handle;
    this.name = name;
  }

  /** This client's global id (`client.4123` has 4123). */
  instanceId(): number {
    return numberOf(this.#lib.rados_get_instance_id(this.#handle));
  }

  /** A configuration value of this handle (`mon_host`, `keyring`, ...). */
  confGet(option: string): string {
    if (this.#gate.closed) {
      throw new RadosError("rados_conf_get", -ECANCELED, "the cluster handle is closed");
    }
    return confValue(this.#lib, this.#handle, option);
  }

  /** Sends a command to the mon (the leader, or whichever answers). */
  monCommand(cmd: RadosCommand, inbuf?: Uint8Array | string): Promise<CommandReply> {
    return this.#command(
      "mon_command",
      cmd,
      inbuf,
      (c, n, i, il, ob, obl, os, osl) =>
        this.#lib.rados_mon_command(this.#handle, c, n, i, il, ob, obl, os, osl),
    );
  }

  /** Sends a command to one mon, by name (`a`) or rank (`0`). */
  monCommandTarget(
    mon: string,
    cmd: RadosCommand,
    inbuf?: Uint8Array | string,
  ): Promise<CommandReply> {
    const target = cString(mon);
    return this.#command(
      `mon_command(mon.${mon})`,
      cmd,
      inbuf,
      (c, n, i, il, ob, obl, os, osl) =>
        this.#lib.rados_mon_command_target(this.#handle, target, c, n, i, il, ob, obl, os, osl),
    );
  }

  /** Sends a command to the active ceph-mgr. */
  mgrCommand(cmd: RadosCommand, inbuf?: Uint8Array | string): Promise<CommandReply> {
    return this.#command(
      "mgr_command",
      cmd,
      inbuf,
      (c, n, i, il, ob, obl, os, osl) =>
        this.#lib.rados_mgr_command(this.#handle, c, n, i, il, ob, obl, os, osl),
    );
  }

  /**
   * Sends a tell command to the ceph-mgr named `mgr` (`x`), as `ceph tell mgr.x` does: the
   * mgr's admin-socket commands (`perf dump`, `perf schema`) answer here, not through
   * `mgrCommand()`. ENOENT when `mgr` is not the active ceph-mgr (only it has a session).
   */
  mgrCommandTarget(
    mgr: string,
    cmd: RadosCommand,
    inbuf?: Uint8Array | string,
  ): Promise<CommandReply> {
    const target = cString(mgr);
    return this.#command(
      `mgr_command(mgr.${mgr})`,
      cmd,
      inbuf,
      (c, n, i, il, ob, obl, os, osl) =>
        this.#lib.rados_mgr_command_target(this.#handle, target, c, n, i, il, ob, obl, os, osl),
    );
  }

  /** Sends a command to one OSD (`perf dump`, `version`, ...). */
  osdCommand(osd: number, cmd: RadosCommand, inbuf?: Uint8Array | string): Promise<CommandReply> {
    if (!Number.isInteger(osd) || osd < 0) {
      throw new RangeError(`osdCommand: osd must be an OSD id >= 0, not ${osd}`);
    }
    return this.#command(
      `osd_command(osd.${osd})`,
      cmd,
      inbuf,
      (c, n, i, il, ob, obl, os, osl) =>
        this.#lib.rados_osd_command(this.#handle, osd, c, n, i, il, ob, obl, os, osl),
    );
  }

  /**
   * Sends a command to a PG's primary OSD (`query`, `list_unfound`, ...). The OSD reads the PG
   * from the command too: a command object gets `pgid` unless it has one.
   */
  pgCommand(pgid: string, cmd: RadosCommand, inbuf?: Uint8Array | string): Promise<CommandReply> {
    const pg = cString(pgid);
    return this.#command(
      `pg_command(${pgid})`,
      typeof cmd === "string" ? cmd : { pgid, ...cmd },
      inbuf,
      (c, n, i, il, ob, obl, os, osl) =>
        this.#lib.rados_pg_command(this.#handle, pg, c, n, i, il, ob, obl, os, osl),
    );
  }

  #command(
    op: string,
    cmd: RadosCommand,
    inbuf: Uint8Array | string | undefined,
    send: (
      cmd: BigUint64Array<ArrayBuffer>,
      cmdlen: bigint,
      inbuf: Uint8Array<ArrayBuffer> | null,
      inbuflen: bigint,
      outbuf: BigUint64Array<ArrayBuffer>,
      outbuflen: BigUint64Array<ArrayBuffer>,
      outs: BigUint64Array<ArrayBuffer>,
      outslen: BigUint64Array<ArrayBuffer>,
    ) => Promise<number>,
  ): Promise<CommandReply> {
    const json = typeof cmd === "string" ? cmd : JSON.stringify(cmd);
    return this.#gate.run(op, async () => {
      const cmds = new PointerArray([cString(json)]);
      const input = inbuf === undefined ? null : bytesOf(inbuf);
      const outbuf = outWord(), outbuflen = outWord(), outs = outWord(), outslen = outWord();
      const rc = await send(
        cmds.pointers,
        1n,
        input,
        BigInt(input?.length ?? 0),
        outbuf,
        outbuflen,
        outs,
        outslen,
      );
      const data = this.#take(outbuf, outbuflen);
      const status = textOf(this.#take(outs, outslen));
      if (rc < 0) throw new RadosError(`${op} '${prefixOf(cmd, json)}'`, rc, status, data);
      return new CommandReply(data, status);
    });
  }

  // Copies a buffer librados allocated, then frees it with rados_buffer_free.
  #take(pointer: BigUint64Array, length: BigUint64Array): Uint8Array {
    const p = pointerIn(pointer);
    const bytes = copyBytes(p, Number(length[0]));
    if (p !== null) this.#lib.rados_buffer_free(p);
    return bytes;
  }

  /**
   * Delivers the cluster log from `level` up, as the mon pushes it, to `listener` (after the
   * entries the mon already had). One subscription at a time: a new one replaces the last.
   * While one runs, the process stays alive; `stop()` or `close()` ends it.
   */
  monitorLog(
    level: ClusterLogLevel,
    listener: (entry: RadosLogEntry) => void,
  ): Promise<ClusterLogSubscription> {
    return this.#gate.run("rados_monitor_log2", async () => {
      const callback = this.#logCallback ??= Deno.UnsafeCallback.threadSafe(
        LOG_CALLBACK2,
        (_arg, line, channel, who, name, sec, nsec, seq, lvl, msg) => {
          // librados waits for this call, holding its lock: copy and return.
          const entry: RadosLogEntry = {
            line: readCString(line),
            channel: readCString(channel),
            who: readCString(who),
            name: readCString(name),
            sec: numberOf(sec),
            nsec: numberOf(nsec),
            seq: numberOf(seq),
            level: readCString(lvl),
            message: readCString(msg),
          };
          const deliver = this.#logListener;
          if (deliver) queueMicrotask(() => deliver(entry));
        },
      );
      callback.ref();
      const rc = await this.#lib.rados_monitor_log2(
        this.#handle,
        cString(level),
        callback.pointer,
        null,
      );
      if (rc < 0) {
        if (this.#logListener === null) callback.unref();
        throw new RadosError("rados_monitor_log2", rc, `level '${level}'`);
      }
      this.#logListener = listener;
      let stopped: Promise<void> | null = null;
      return {
        stop: () =>
          stopped ??= this.#logListener !== listener || this.#gate.closed
            ? Promise.resolve()
            : this.#gate.run("rados_monitor_log2", () => this.#stopLog()),
      };
    });
  }

  async #stopLog(): Promise<void> {
    if (this.#logListener === null) return;
    this.#logListener = null;
    const rc = await this.#lib.rados_monitor_log2(this.#handle, cString("info"), null, null);
    this.#logCallback?.unref();
    if (rc < 0) throw new RadosError("rados_monitor_log2", rc, "cannot stop the cluster log");
  }

  /** The cluster's fsid. */
  fsid(): Promise<string> {
    return this.#gate.run("rados_cluster_fsid", async () => {
      const buf = new Uint8Array(64);
      const rc = await this.#lib.rados_cluster_fsid(this.#handle, buf, BigInt(buf.length));
      if (rc < 0) throw new RadosError("rados_cluster_fsid", rc);
      return textOf(buf.subarray(0, buf.indexOf(0)));
    });
  }

  /**
   * Waits until this client has the cluster's latest OSDMap: after a pool was made by a mon
   * command (`osd pool create`), `poolLookup()` and `openIoctx()` see it.
   */
  waitForLatestOsdmap(): Promise<void> {
    return this.#gate.run("rados_wait_for_latest_osdmap", async () => {
      const rc = await this.#lib.rados_wait_for_latest_osdmap(this.#handle);
      if (rc < 0) throw new RadosError("rados_wait_for_latest_osdmap", rc);
    });
  }

  /** Cluster-wide usage, as the mgr last reported it to the mon. */
  clusterStat(): Promise<RadosClusterStat> {
    return this.#gate.run("rados_cluster_stat", async () => {
      const stat = new BigUint64Array(4);
      const rc = await this.#lib.rados_cluster_stat(this.#handle, stat);
      if (rc < 0) throw new RadosError("rados_cluster_stat", rc);
      const [kb = 0n, kbUsed = 0n, kbAvail = 0n, numObjects = 0n] = stat;
      return {
        kb: Number(kb),
        kbUsed: Number(kbUsed),
        kbAvail: Number(kbAvail),
        numObjects: Number(numObjects),
      };
    });
  }

  /** Creates a pool with the default settings; EEXIST when it exists. */
  poolCreate(pool: string): Promise<void> {
    return this.#gate.run("rados_pool_create", async () => {
      const rc = await this.#lib.rados_pool_create(this.#handle, cString(pool));
      if (rc < 0) throw new RadosError("rados_pool_create", rc, `pool '${pool}'`);
    });
  }

  /** A pool's id; ENOENT when there is no such pool. */
  poolLookup(pool: string): Promise<number> {
    return this.#gate.run("rados_pool_lookup", async () => {
      const id = numberOf(await this.#lib.rados_pool_lookup(this.#handle, cString(pool)));
      if (id < 0) throw new RadosError("rados_pool_lookup", id, `pool '${pool}'`);
      return id;
    });
  }

  /** Deletes a pool and its data (the mon must allow it: `mon_allow_pool_delete`). */
  poolDelete(pool: string): Promise<void> {
    return this.#gate.run("rados_pool_delete", async () => {
      const rc = await this.#lib.rados_pool_delete(this.#handle, cString(pool));
      if (rc < 0) throw new RadosError("rados_pool_delete", rc, `pool '${pool}'`);
    });
  }

  /** The pools' names. */
  poolList(): Promise<string[]> {
    return this.#gate.run("rados_pool_list", async () => {
      let size = 4096;
      for (;;) {
        const buf = new Uint8Array(size);
        const need = await this.#lib.rados_pool_list(this.#handle, buf, BigInt(size));
        if (need < 0) throw new RadosError("rados_pool_list", need);
        if (need <= size) {
          return textOf(buf.subarray(0, need)).split("\0").filter((name) => name !== "");
        }
        size = need;
      }
    });
  }

  /**
   * Opens an I/O context on a pool, in object namespace `namespace` (default: the default
   * one); ENOENT when there is no such pool.
   */
  openIoctx(pool: string, namespace = ""): Promise<RadosIoctx> {
    return this.#gate.run("rados_ioctx_create", async () => {
      const word = outWord();
      const rc = await this.#lib.rados_ioctx_create(this.#handle, cString(pool), word);
      if (rc < 0) throw new RadosError("rados_ioctx_create", rc, `pool '${pool}'`);
      const handle = pointerIn(word)!;
      // Set once, before any call: a context's namespace is read as each call starts.
      if (namespace !== "") this.#lib.rados_ioctx_set_namespace(handle, cString(namespace));
      const io = new RadosIoctx(this.#lib, handle, pool, (x) => this.#ioctxs.delete(x));
      this.#ioctxs.add(io);
      return io;
    });
  }

  /**
   * Waits for the calls in flight, closes the I/O contexts, stops the cluster log and shuts
   * the handle down. Idempotent; later calls reject with ECANCELED.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#gate.close();
      await Promise.all([...this.#ioctxs].map((io) => io.close()));
      try {
        await this.#stopLog();
      } finally {
        await this.#lib.rados_shutdown(this.#handle);
        this.#logCallback?.close();
        this.#logCallback = null;
      }
    })();
    return this.#closing;
  }

  /** `await using cluster = await connectRados(...)` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function prefixOf(cmd: RadosCommand, json: string): string {
  if (typeof cmd !== "string") return String(cmd["prefix"] ?? json);
  try {
    const parsed = JSON.parse(json) as { prefix?: unknown };
    return String(parsed.prefix ?? json);
  } catch {
    return json;
  }
}
