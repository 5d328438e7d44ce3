/**
 * `this.cephfs`: a module's CephFS client (what Ceph's modules get from the `cephfs` Python
 * binding of libcephfs, through mgr_util's connection pool): directories and their sizes in a
 * file system, every call async. It goes through the cluster link's CephFS port; a link that
 * reaches no MDS (mgrd's link to a real cluster has no libcephfs mount yet) makes every call
 * throw CephFSError EOPNOTSUPP.
 *
 * @module
 */
import type { CephFsDirent, CephFsOp, CephFsPort, CephFsReply } from "./cephfs_port.ts";
import type { ModuleContext } from "./module_context.ts";
import * as errno from "../ceph/errno.ts";

/**
 * A libcephfs call failed (Python's `cephfs.Error`): `errno` is positive, as in `e.args[0]`.
 *
 * @example
 * ```ts ignore
 * try { await fs.statx("/volumes"); } catch (e) {
 *   if (e instanceof CephFSError && e.errno === ENOENT) return {};
 * }
 * ```
 */
export class CephFSError extends Error {
  override name = "CephFSError";
  /** The positive errno (`ENOENT` = 2, ...). */
  readonly errno: number;
  constructor(message: string, code: number) {
    super(message);
    this.errno = Math.abs(code);
  }
}

/** What `statx` answers (the fields Ceph's `CEPH_STATX_MODE | CEPH_STATX_SIZE` fill). */
export interface CephFSStat {
  is_dir: boolean;
  mode: number;
  /** A file's bytes; a directory's recursive bytes (CephFS's `rbytes`). */
  size: number;
}

const _STRERROR: Record<number, string> = {
  [errno.ENOENT]: "No such file or directory",
  [errno.EEXIST]: "File exists",
  [errno.ENOTDIR]: "Not a directory",
  [errno.EINVAL]: "Invalid argument",
  [errno.EOPNOTSUPP]: "Operation not supported",
};

/**
 * One mounted file system (Python's `cephfs.LibCephFS` after `mount(filesystem_name=...)`).
 *
 * @example
 * ```ts ignore
 * const fs = this.cephfs.mount("vol1");
 * await fs.mkdirs("/volumes/_nogroup", 0o755);
 * const names = (await fs.listdir("/volumes")).map((e) => e.name);
 * ```
 */
export class CephFSMount {
  /** @internal */
  constructor(readonly fsName: string, readonly _port: () => CephFsPort) {}

  async #call(op: CephFsOp, what: string): Promise<CephFsReply> {
    const reply = await this._port().operate(this.fsName, op);
    if (reply.r !== 0) {
      const e = -reply.r;
      throw new CephFSError(
        `error in ${what}: ${op.path}: ${_STRERROR[e] ?? errno.errnoName(e)} [Errno ${e}]`,
        e,
      );
    }
    return reply;
  }

  /** `statx(path)`: the entry's type, mode and size. */
  async statx(path: string): Promise<CephFSStat> {
    const r = await this.#call({ op: "statx", path }, "stat");
    return { is_dir: r.is_dir ?? false, mode: r.mode ?? 0, size: r.size ?? 0 };
  }

  /** A directory's entries (opendir/readdir), without `.` and `..`. */
  async listdir(path: string): Promise<CephFsDirent[]> {
    return (await this.#call({ op: "listdir", path }, "opendir")).entries ?? [];
  }

  /** `mkdirs(path, mode)`: the directory and its missing parents (EEXIST when it exists). */
  async mkdirs(path: string, mode: number): Promise<void> {
    await this.#call({ op: "mkdirs", path, mode }, "mkdirs");
  }
}

/**
 * The module's CephFS client.
 *
 * @example
 * ```ts ignore
 * const st = await this.cephfs.mount("cephfs").statx("/");
 * ```
 */
export class CephFS {
  /** @internal */
  constructor(readonly _ctx: ModuleContext) {}

  #port(): CephFsPort {
    const port = this._ctx.cephfs?.();
    if (!port) {
      throw new CephFSError(
        "this manager's cluster link has no CephFS client (libcephfs)",
        -errno.EOPNOTSUPP,
      );
    }
    return port;
  }

  /**
   * A handle on file system `fsName`; its calls fail with ENOENT once the file system is gone.
   * Throws CephFSError EOPNOTSUPP at once when the link reaches no MDS (a mount that fails).
   */
  mount(fsName: string): CephFSMount {
    this.#port();
    return new CephFSMount(fsName, () => this.#port());
  }
}
