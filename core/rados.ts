/**
 * `this.rados` for modules: a librados-like client with the Python binding's names
 * (`open_ioctx`, `write_full`, `read`, `stat`, `remove_object`, `set_omap`, `get_omap_vals`,
 * `list_objects`, `lock_exclusive`, `create_pool`, `pool_exists`, `delete_pool`), every call
 * async. Object operations go through the ClusterLink's object-I/O port (core/rados_port.ts);
 * pool operations are mon commands, as librados sends them.
 *
 * @module
 */
import type { RadosOp, RadosPort, RadosReply } from "./rados_port.ts";
import type { ModuleContext } from "./module_context.ts";
import * as errno from "../ceph/errno.ts";

/**
 * A failed librados call (Python's `rados.Error`): `errno` is positive, as in Python.
 *
 * @example
 * ```ts ignore
 * try {
 *   await ioctx.read("missing");
 * } catch (e) {
 *   if (e instanceof ObjectNotFound) this.log.info("not written yet");
 * }
 * ```
 */
export class RadosError extends Error {
  override name = "RadosError";
  /** The positive errno (`ENOENT` = 2, ...). */
  readonly errno: number;
  constructor(message: string, code: number) {
    super(message);
    this.errno = Math.abs(code);
  }
}

/** The object (or pool) does not exist (ENOENT). */
export class ObjectNotFound extends RadosError {
  override name = "ObjectNotFound";
}
/** The object (or pool) exists already (EEXIST). */
export class ObjectExists extends RadosError {
  override name = "ObjectExists";
}
/** The operation did not complete within `rados_osd_op_timeout` (ETIMEDOUT). */
export class TimedOut extends RadosError {
  override name = "TimedOut";
}
/** Someone else holds the lock (EBUSY). */
export class ObjectBusy extends RadosError {
  override name = "ObjectBusy";
}

function _raise(what: string, r: number): never {
  const message = `${what}: ${_strerror(r)}`;
  if (r === -errno.ENOENT) throw new ObjectNotFound(message, r);
  if (r === -errno.EEXIST) throw new ObjectExists(message, r);
  if (r === -errno.ETIMEDOUT) throw new TimedOut(message, r);
  if (r === -16) throw new ObjectBusy(message, r);
  throw new RadosError(message, r);
}

function _strerror(r: number): string {
  switch (-r) {
    case errno.ENOENT:
      return "[errno 2] RADOS object not found";
    case errno.EEXIST:
      return "[errno 17] RADOS object exists";
    case errno.ETIMEDOUT:
      return "[errno 110] RADOS timed out";
    case 16:
      return "[errno 16] RADOS busy";
  }
  return `[errno ${-r}] RADOS error`;
}

const _encoder = new TextEncoder();
function _bytes(data: string | Uint8Array): Uint8Array {
  return typeof data === "string" ? _encoder.encode(data) : data;
}

/** An object of a listing. */
export interface RadosObject {
  key: string;
  nspace: string;
}

/**
 * A pool's I/O context (`await this.rados.open_ioctx("pool")`).
 *
 * @example
 * ```ts ignore
 * const ioctx = await this.rados.open_ioctx(MgrModule.MGR_POOL_NAME);
 * await ioctx.write_full("state", JSON.stringify({ n: 1 }));
 * const text = new TextDecoder().decode(await ioctx.read("state"));
 * ```
 */
export class Ioctx {
  #nspace = "";
  #closed = false;

  /** @internal Made by `Rados.open_ioctx`. */
  constructor(
    readonly pool_name: string,
    readonly pool_id: number,
    readonly _port: RadosPort,
    readonly _timeout: () => number,
    readonly _client: string,
  ) {}

  async #op(what: string, op: RadosOp): Promise<RadosReply> {
    if (this.#closed) throw new RadosError(`${what}: ioctx is closed`, -errno.EINVAL);
    const reply = await this._port.operate(this.pool_id, this.#nspace, op, this._timeout());
    if (reply.r < 0) _raise(`${what} of ${"oid" in op ? op.oid : this.pool_name}`, reply.r);
    return reply;
  }

  /**
   * Objects from now on are in namespace `nspace` ("" is the default one).
   *
   * @example
   * ```ts ignore
   * ioctx.set_namespace("devicehealth");
   * ```
   */
  set_namespace(nspace: string): void {
    this.#nspace = nspace;
  }

  /**
   * The namespace objects are in.
   *
   * @example
   * ```ts ignore
   * const ns = ioctx.get_namespace();
   * ```
   */
  get_namespace(): string {
    return this.#nspace;
  }

  /**
   * Replaces the object's data with `data` (creating it).
   *
   * @example
   * ```ts ignore
   * await ioctx.write_full("obj", "hello");
   * ```
   */
  async write_full(key: string, data: string | Uint8Array): Promise<void> {
    await this.#op("write_full", { op: "write_full", oid: key, data: _bytes(data) });
  }

  /**
   * Writes `data` at `offset` (creating the object; a gap reads as zeros).
   *
   * @example
   * ```ts ignore
   * await ioctx.write("obj", "xy", 3);
   * ```
   */
  async write(key: string, data: string | Uint8Array, offset = 0): Promise<void> {
    await this.#op("write", { op: "write", oid: key, data: _bytes(data), offset });
  }

  /**
   * Appends `data` to the object (creating it).
   *
   * @example
   * ```ts ignore
   * await ioctx.append("log", "line\n");
   * ```
   */
  async append(key: string, data: string | Uint8Array): Promise<void> {
    await this.#op("append", { op: "append", oid: key, data: _bytes(data) });
  }

  /**
   * Up to `length` bytes from `offset`; throws ObjectNotFound when there is no such object.
   *
   * @example
   * ```ts ignore
   * const bytes = await ioctx.read("obj");
   * ```
   */
  async read(key: string, length = 8192, offset = 0): Promise<Uint8Array> {
    return (await this.#op("read", { op: "read", oid: key, length, offset })).data ??
      new Uint8Array(0);
  }

  /**
   * The object's size and modification time (seconds).
   *
   * @example
   * ```ts ignore
   * const { size } = await ioctx.stat("obj");
   * ```
   */
  async stat(key: string): Promise<{ size: number; mtime: number }> {
    const reply = await this.#op("stat", { op: "stat", oid: key });
    return { size: reply.size ?? 0, mtime: reply.mtime ?? 0 };
  }

  /**
   * Deletes the object; throws ObjectNotFound when there is none.
   *
   * @example
   * ```ts ignore
   * await ioctx.remove_object("obj");
   * ```
   */
  async remove_object(key: string): Promise<void> {
    await this.#op("remove", { op: "remove", oid: key });
  }

  /**
   * Sets omap keys of the object (creating it).
   *
   * @example
   * ```ts ignore
   * await ioctx.set_omap("dev", ["2026-12-03"], [JSON.stringify(metrics)]);
   * ```
   */
  async set_omap(
    key: string,
    keys: readonly string[],
    values: readonly (string | Uint8Array)[],
  ): Promise<void> {
    if (keys.length !== values.length) {
      throw new RangeError(`set_omap: ${keys.length} keys but ${values.length} values`);
    }
    await this.#op("set_omap", { op: "omap_set", oid: key, keys, values: values.map(_bytes) });
  }

  /**
   * Omap pairs of the object after `start_after` whose keys start with `filter_prefix`, at most
   * `max_return`, in key order.
   *
   * @example
   * ```ts ignore
   * for (const [k, v] of await ioctx.get_omap_vals("dev", "", "", 500)) this.log.info(k);
   * ```
   */
  async get_omap_vals(
    key: string,
    start_after = "",
    filter_prefix = "",
    max_return = 512,
  ): Promise<[string, Uint8Array][]> {
    const reply = await this.#op("get_omap_vals", {
      op: "omap_get_vals",
      oid: key,
      start_after,
      filter_prefix,
      max_return,
    });
    return reply.vals ?? [];
  }

  /**
   * Removes omap keys of the object.
   *
   * @example
   * ```ts ignore
   * await ioctx.remove_omap_keys("dev", ["2026-11-01"]);
   * ```
   */
  async remove_omap_keys(key: string, keys: readonly string[]): Promise<void> {
    await this.#op("remove_omap_keys", { op: "omap_rm_keys", oid: key, keys });
  }

  /**
   * Every object of the pool in the current namespace.
   *
   * @example
   * ```ts ignore
   * const names = (await ioctx.list_objects()).map((o) => o.key);
   * ```
   */
  async list_objects(): Promise<RadosObject[]> {
    const reply = await this.#op("list_objects", { op: "list" });
    return (reply.objects ?? []).filter((o) => o.nspace === this.#nspace).map((o) => ({
      key: o.oid,
      nspace: o.nspace,
    }));
  }

  /**
   * Takes the exclusive lock `name` on the object with `cookie` for `duration` seconds (0: until
   * unlocked); throws ObjectBusy when another client or cookie holds it, ObjectExists when this
   * one does.
   *
   * @example
   * ```ts ignore
   * await ioctx.lock_exclusive("leader", "lock", "mgr.x", "", 30);
   * ```
   */
  async lock_exclusive(
    key: string,
    name: string,
    cookie: string,
    _desc = "",
    duration = 0,
    _flags = 0,
  ): Promise<void> {
    await this.#op("lock_exclusive", {
      op: "lock",
      oid: key,
      name,
      cookie,
      client: this._client,
      exclusive: true,
      duration,
    });
  }

  /**
   * Takes the shared lock `name` with `cookie`; throws ObjectBusy when it is held exclusively.
   *
   * @example
   * ```ts ignore
   * await ioctx.lock_shared("obj", "lock", "c1", "tag");
   * ```
   */
  async lock_shared(
    key: string,
    name: string,
    cookie: string,
    _tag = "",
    _desc = "",
    duration = 0,
    _flags = 0,
  ): Promise<void> {
    await this.#op("lock_shared", {
      op: "lock",
      oid: key,
      name,
      cookie,
      client: this._client,
      exclusive: false,
      duration,
    });
  }

  /**
   * Releases the lock `name` held with `cookie`; throws ObjectNotFound when it is not held.
   *
   * @example
   * ```ts ignore
   * await ioctx.unlock("leader", "lock", "mgr.x");
   * ```
   */
  async unlock(key: string, name: string, cookie: string): Promise<void> {
    await this.#op("unlock", { op: "unlock", oid: key, name, cookie, client: this._client });
  }

  /**
   * Ends the context; later calls throw.
   *
   * @example
   * ```ts ignore
   * ioctx.close();
   * ```
   */
  close(): void {
    this.#closed = true;
  }
}

/**
 * The module's cluster handle (`this.rados`).
 *
 * @example
 * ```ts ignore
 * if (!(await this.rados.pool_exists("my_pool"))) await this.rados.create_pool("my_pool");
 * const ioctx = await this.rados.open_ioctx("my_pool");
 * ```
 */
export class Rados {
  /** @internal */
  constructor(readonly _ctx: ModuleContext) {}

  #port(): RadosPort {
    const port = this._ctx.rados?.();
    if (!port) {
      throw new RadosError(
        "this manager's cluster link has no object I/O (librados)",
        -errno.EOPNOTSUPP,
      );
    }
    return port;
  }

  #pools(): { pool: number; pool_name: string }[] {
    return (this._ctx.get("osd_map") as { pools?: { pool: number; pool_name: string }[] } | null)
      ?.pools ?? [];
  }

  #option(name: string): number {
    const v = Number(this._ctx.cephOption(name) ?? 0);
    return Number.isFinite(v) && v > 0 ? v : 0;
  }

  /**
   * Whether a pool of that name exists (in the OSD map this manager has).
   *
   * @example
   * ```ts ignore
   * const exists = await this.rados.pool_exists(".mgr");
   * ```
   */
  pool_exists(pool_name: string): Promise<boolean> {
    return Promise.resolve(this.#pools().some((p) => p.pool_name === pool_name));
  }

  /**
   * The names of the pools.
   *
   * @example
   * ```ts ignore
   * const pools = await this.rados.list_pools();
   * ```
   */
  list_pools(): Promise<string[]> {
    return Promise.resolve(this.#pools().map((p) => p.pool_name));
  }

  /**
   * Creates a pool (`osd pool create`); throws ObjectExists when it exists. Resolves once this
   * manager's OSD map has it. While the mon is away it waits, up to `rados_mon_op_timeout`.
   *
   * @example
   * ```ts ignore
   * await this.rados.create_pool("my_pool");
   * ```
   */
  async create_pool(pool_name: string): Promise<void> {
    if (await this.pool_exists(pool_name)) {
      throw new ObjectExists(`create_pool ${pool_name}: [errno 17] RADOS object exists`, 17);
    }
    await this.#monOp("create_pool", { prefix: "osd pool create", pool: pool_name });
    await this.#waitForPool(pool_name, true);
  }

  /**
   * Deletes a pool (`osd pool delete <pool> <pool> --yes-i-really-really-mean-it`; the mon
   * refuses unless `mon_allow_pool_delete`); throws ObjectNotFound when there is none.
   *
   * @example
   * ```ts ignore
   * await this.rados.delete_pool("my_pool");
   * ```
   */
  async delete_pool(pool_name: string): Promise<void> {
    if (!(await this.pool_exists(pool_name))) {
      throw new ObjectNotFound(`delete_pool ${pool_name}: [errno 2] RADOS object not found`, 2);
    }
    await this.#monOp("delete_pool", {
      prefix: "osd pool delete",
      pool: pool_name,
      pool2: pool_name,
      yes_i_really_really_mean_it: true,
    });
    await this.#waitForPool(pool_name, false);
  }

  /**
   * An I/O context on pool `pool_name`; throws ObjectNotFound when there is no such pool.
   *
   * @example
   * ```ts ignore
   * const ioctx = await this.rados.open_ioctx("rbd");
   * ```
   */
  open_ioctx(pool_name: string): Promise<Ioctx> {
    const pool = this.#pools().find((p) => p.pool_name === pool_name);
    if (!pool) {
      return Promise.reject(
        new ObjectNotFound(`open_ioctx ${pool_name}: [errno 2] RADOS object not found`, 2),
      );
    }
    return Promise.resolve(this.#ioctx(pool));
  }

  /**
   * An I/O context on the pool with id `pool_id`.
   *
   * @example
   * ```ts ignore
   * const ioctx = await this.rados.open_ioctx2(1);
   * ```
   */
  open_ioctx2(pool_id: number): Promise<Ioctx> {
    const pool = this.#pools().find((p) => p.pool === pool_id);
    if (!pool) {
      return Promise.reject(
        new ObjectNotFound(`open_ioctx2 ${pool_id}: [errno 2] RADOS object not found`, 2),
      );
    }
    return Promise.resolve(this.#ioctx(pool));
  }

  #ioctx(pool: { pool: number; pool_name: string }): Ioctx {
    return new Ioctx(
      pool.pool_name,
      pool.pool,
      this.#port(),
      () => this.#option("rados_osd_op_timeout"),
      `mgr.${this._ctx.mgrId}`,
    );
  }

  async #monOp(what: string, cmd: Record<string, unknown>): Promise<void> {
    const timeout = this.#option("rados_mon_op_timeout");
    const r = await this._ctx.monCommand(cmd, "", timeout > 0 ? { timeout } : {});
    if (r.r < 0) {
      const e = r.r === -errno.ENOENT
        ? ObjectNotFound
        : r.r === -errno.ETIMEDOUT
        ? TimedOut
        : RadosError;
      throw new e(`${what}: ${r.outs || _strerror(r.r)}`, r.r);
    }
  }

  async #waitForPool(name: string, present: boolean): Promise<void> {
    const limit = this.#option("rados_mon_op_timeout") || 60;
    for (let waited = 0; (await this.pool_exists(name)) !== present; waited += 0.1) {
      if (waited >= limit) {
        throw new TimedOut(`the OSD map did not ${present ? "show" : "drop"} pool ${name}`, 110);
      }
      await this._ctx.clock.sleep(0.1);
    }
  }
}
