/**
 * The object-I/O port (what librados' `rados_ioctx_t` does for a client): the operations a
 * module's `this.rados` sends to the OSDs of a pool. The cluster behind the ClusterLink
 * implements it (the simulator's object store, or a real cluster through librados); core/
 * never sees how.
 *
 * Errors are Ceph's: `r` is 0 or a negative errno, as librados returns them.
 *
 * @module
 */

/** One object operation. `data` and omap values are bytes. */
export type RadosOp =
  | { op: "write_full"; oid: string; data: Uint8Array }
  | { op: "write"; oid: string; data: Uint8Array; offset: number }
  | { op: "append"; oid: string; data: Uint8Array }
  | { op: "read"; oid: string; length: number; offset: number }
  | { op: "remove"; oid: string }
  | { op: "stat"; oid: string }
  | { op: "omap_set"; oid: string; keys: readonly string[]; values: readonly Uint8Array[] }
  | {
    op: "omap_get_vals";
    oid: string;
    start_after: string;
    filter_prefix: string;
    max_return: number;
  }
  | { op: "omap_rm_keys"; oid: string; keys: readonly string[] }
  | { op: "list" }
  | {
    op: "lock";
    oid: string;
    name: string;
    cookie: string;
    /** Who asks (`mgr.x`): a lock is held by a client and a cookie. */
    client: string;
    exclusive: boolean;
    /** Seconds; 0 holds it until unlocked. */
    duration: number;
  }
  | { op: "unlock"; oid: string; name: string; cookie: string; client: string };

/** What an operation answers. */
export interface RadosReply {
  /** 0, or a negative errno (-ENOENT no such object, -ETIMEDOUT, -EBUSY a lock is held, ...). */
  r: number;
  /** `read`: the bytes read. */
  data?: Uint8Array;
  /** `stat`: size in bytes and modification time (seconds). */
  size?: number;
  mtime?: number;
  /** `omap_get_vals`: the pairs, in key order, and whether more follow. */
  vals?: [string, Uint8Array][];
  more?: boolean;
  /** `list`: every object of the pool. */
  objects?: { nspace: string; oid: string }[];
}

/** A cluster's object I/O. */
export interface RadosPort {
  /**
   * Runs `op` on an object of pool `pool` (by id) in namespace `nspace`. While the object's PG
   * is not active the operation waits, as librados does; after `timeout` seconds (0: no limit,
   * Ceph's `rados_osd_op_timeout`) it answers -ETIMEDOUT. A pool that does not exist answers
   * -ENOENT.
   */
  operate(pool: number, nspace: string, op: RadosOp, timeout: number): Promise<RadosReply>;
}
