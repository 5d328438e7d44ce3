/**
 * The object-I/O port (core/rados_port.ts) on a real cluster: a module's `this.rados` runs on
 * real `rados_ioctx_t`s through the librados binding, one per pool, opened on first use.
 *
 * Each (pool, namespace) gets its own context, its namespace set once when it opens, so that
 * calls in flight in different namespaces cannot see each other's. Shared locks are taken
 * with an empty tag (the SDK's `lock_shared` keeps no tag). Timeouts are the connection's
 * `rados_osd_op_timeout` (librados has no per-operation one).
 *
 * @module
 */
import type { RadosOp, RadosPort, RadosReply } from "../core/rados_port.ts";
import { ENOENT } from "../ceph/errno.ts";
import type { RadosCluster } from "../rados/rados_cluster.ts";
import { RadosError } from "../rados/rados_error.ts";
import type { RadosIoctx } from "../rados/rados_ioctx.ts";

/**
 * `this.rados` on a real cluster.
 *
 * @example
 * ```ts ignore
 * const port = new RealRadosPort(rados, (id) => id === 1 ? "rbd" : undefined);
 * await port.operate(1, "", { op: "write_full", oid: "o", data: new Uint8Array([1]) }, 0);
 * ```
 */
export class RealRadosPort implements RadosPort {
  readonly #rados: RadosCluster;
  readonly #poolName: (id: number) => string | undefined;
  readonly #ioctxs = new Map<string, Promise<RadosIoctx>>();

  /** `poolName` names a pool by id (from the OSDMap the link holds). */
  constructor(rados: RadosCluster, poolName: (id: number) => string | undefined) {
    this.#rados = rados;
    this.#poolName = poolName;
  }

  async operate(pool: number, nspace: string, op: RadosOp, _timeout: number): Promise<RadosReply> {
    const name = this.#poolName(pool);
    if (name === undefined) return { r: -ENOENT };
    try {
      return await this.#run(await this.#ioctx(name, nspace), op);
    } catch (e) {
      if (e instanceof RadosError) return { r: e.errno };
      throw e;
    }
  }

  /** Closes every I/O context opened. */
  async close(): Promise<void> {
    const all = [...this.#ioctxs.values()];
    this.#ioctxs.clear();
    for (const io of all) await (await io.catch(() => undefined))?.close();
  }

  #ioctx(pool: string, nspace: string): Promise<RadosIoctx> {
    const key = `${pool}\0${nspace}`;
    let io = this.#ioctxs.get(key);
    if (!io) {
      io = this.#rados.openIoctx(pool, nspace);
      // A pool that could not be opened (removed, not yet created) is tried again next time.
      io.catch(() => this.#ioctxs.delete(key));
      this.#ioctxs.set(key, io);
    }
    return io;
  }

  async #run(io: RadosIoctx, op: RadosOp): Promise<RadosReply> {
    switch (op.op) {
      case "write_full":
        await io.writeFull(op.oid, op.data);
        return { r: 0 };
      case "read": {
        const all = await io.read(op.oid);
        const end = op.length > 0 ? op.offset + op.length : all.length;
        return { r: 0, data: all.slice(op.offset, end) };
      }
      case "remove":
        await io.remove(op.oid);
        return { r: 0 };
      case "stat": {
        const st = await io.stat(op.oid);
        return { r: 0, size: st.size, mtime: st.mtime };
      }
      case "omap_set":
        await io.setOmap(op.oid, new Map(op.keys.map((k, i) => [k, op.values[i]!])));
        return { r: 0 };
      case "omap_get_vals": {
        // One more than asked tells whether more follow.
        const max = op.max_return > 0 ? op.max_return : undefined;
        const got = await io.getOmap(op.oid, {
          ...(op.start_after ? { startAfter: op.start_after } : {}),
          ...(op.filter_prefix ? { prefix: op.filter_prefix } : {}),
          ...(max !== undefined ? { max: max + 1 } : {}),
        });
        const vals = [...got].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        const more = max !== undefined && vals.length > max;
        return { r: 0, vals: more ? vals.slice(0, max) : vals, more };
      }
      case "omap_rm_keys":
        await io.removeOmapKeys(op.oid, op.keys);
        return { r: 0 };
      case "list":
        return {
          r: 0,
          objects: (await io.listObjects()).map((o) => ({ nspace: o.namespace, oid: o.name })),
        };
      case "lock": {
        const options = op.duration > 0 ? { durationSeconds: op.duration } : {};
        if (op.exclusive) await io.lockExclusive(op.oid, op.name, op.cookie, options);
        else await io.lockShared(op.oid, op.name, op.cookie, "", options);
        return { r: 0 };
      }
      case "unlock":
        await io.unlock(op.oid, op.name, op.cookie);
        return { r: 0 };
      case "write":
        await io.write(op.oid, op.data, op.offset);
        return { r: 0 };
      case "append":
        await io.append(op.oid, op.data);
        return { r: 0 };
    }
  }
}
