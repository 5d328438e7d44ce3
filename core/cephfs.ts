/**
 * `this.cephfs`: a module's CephFS client (what Ceph's modules get from the `cephfs` Python
 * binding of libcephfs, through mgr_util's connection pool): directories, their owners, modes,
 * sizes and virtual xattrs in a file system, every call async. It goes through the cluster
 * link's CephFS port (the simulated MDS's tree, or libcephfs mounts of a real cluster); a link
 * without one refuses the mount with CephFSError EOPNOTSUPP.
 *
 * @module
 */
import type { CephFsDirent, CephFsOp, CephFsPort, CephFsReply } from "./cephfs_port.ts";
import type { ModuleContext } from "./module_context.ts";
import * as errno from "../ceph/errno.ts";

const _STRERROR: Record<number, string> = {
  [errno.ENOENT]: "No such file or directory",
  [errno.EEXIST]: "File exists",
  [errno.ENOTDIR]: "Not a directory",
  [errno.EINVAL]: "Invalid argument",
  [errno.EOPNOTSUPP]: "Operation not supported",
  [errno.ENOTEMPTY]: "Directory not empty",
  [errno.ENODATA]: "No data available",
  [errno.EISDIR]: "Is a directory",
  [errno.EROFS]: "Read-only file system",
};

/**
 * A libcephfs call failed (Python's `cephfs.Error`): `errno` is positive, as in `e.args[0]`,
 * and `what` is `e.args[1]`.
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
  /** The positive errno (`ENOENT` = 2, ...), Python's `e.args[0]`. */
  readonly errno: number;
  /** What failed, as the binding words it (`error in mkdir /volumes/g1`), `e.args[1]`. */
  readonly what: string;
  constructor(what: string, code: number) {
    const e = Math.abs(code);
    super(`${what}: ${_STRERROR[e] ?? errno.errnoName(e)} [Errno ${e}]`);
    this.errno = e;
    this.what = what;
  }
}

/** What `statx` answers (the fields of Ceph's statx that the volumes module reads). */
export interface CephFSStat {
  is_dir: boolean;
  /** `st_mode`: type and permission bits (a 0755 directory is 16877). */
  mode: number;
  uid: number;
  gid: number;
  /** A file's bytes; a directory's recursive bytes (CephFS's `rbytes`). */
  size: number;
  /** Seconds since the epoch. */
  btime: number;
  atime: number;
  mtime: number;
  ctime: number;
}

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
    if (reply.r !== 0) throw new CephFSError(what, reply.r);
    return reply;
  }

  /** `statx(path)`: the entry's type, mode, owner, times and size. */
  async statx(path: string): Promise<CephFSStat> {
    const r = await this.#call({ op: "statx", path }, `error in stat: ${path}`);
    return {
      is_dir: r.is_dir ?? false,
      mode: r.mode ?? 0,
      uid: r.uid ?? 0,
      gid: r.gid ?? 0,
      size: r.size ?? 0,
      btime: r.btime ?? 0,
      atime: r.atime ?? 0,
      mtime: r.mtime ?? 0,
      ctime: r.ctime ?? 0,
    };
  }

  /** A directory's entries (opendir/readdir), without `.` and `..`, in the MDS's order. */
  async listdir(path: string): Promise<CephFsDirent[]> {
    return (await this.#call({ op: "listdir", path }, `opendir failed at ${path}`)).entries ?? [];
  }

  /** `mkdir(path, mode)`: one directory (ENOENT without its parent, EEXIST when it exists). */
  async mkdir(path: string, mode: number): Promise<void> {
    await this.#call({ op: "mkdir", path, mode }, `error in mkdir ${path}`);
  }

  /** `mkdirs(path, mode)`: the directory and its missing parents (none missing: no error). */
  async mkdirs(path: string, mode: number): Promise<void> {
    await this.#call({ op: "mkdirs", path, mode }, `error in mkdirs ${path}`);
  }

  /** `rmdir(path)`: an empty directory (ENOTEMPTY otherwise). */
  async rmdir(path: string): Promise<void> {
    await this.#call({ op: "rmdir", path }, `error in rmdir ${path}`);
  }

  /** `getxattr(path, name)`: a virtual xattr's value (ENODATA when unset). */
  async getxattr(path: string, name: string): Promise<string> {
    return (await this.#call({ op: "getxattr", path, name }, "error in getxattr")).value ?? "";
  }

  /** `setxattr(path, name, value)` (EINVAL for a value the MDS does not take). */
  async setxattr(path: string, name: string, value: string): Promise<void> {
    await this.#call({ op: "setxattr", path, name, value }, "error in setxattr");
  }

  /** `chown(path, uid, gid)`. */
  async chown(path: string, uid: number, gid: number): Promise<void> {
    await this.#call({ op: "chown", path, uid, gid }, `error in chown ${path}`);
  }

  /** `open(path, O_CREAT, mode)` then `close`: an empty file unless there is one. */
  async touch(path: string, mode: number): Promise<void> {
    await this.#call({ op: "touch", path, mode }, `error in open ${path}`);
  }

  /** A file's whole content: `open(O_WRONLY|O_CREAT|O_TRUNC, mode)`, write, fsync, close. */
  async writeFile(path: string, data: Uint8Array, mode: number): Promise<void> {
    await this.#call({ op: "write_file", path, mode, data }, `error in open ${path}`);
  }

  /** A file's whole content (`open(O_RDONLY)`, read to the end). */
  async readFile(path: string): Promise<Uint8Array> {
    return (await this.#call({ op: "read_file", path }, `error in open ${path}`)).data ??
      new Uint8Array();
  }

  /** `rename(path, to)`. */
  async rename(path: string, to: string): Promise<void> {
    await this.#call({ op: "rename", path, to }, `error in rename ${path} to ${to}`);
  }

  /** `unlink(path)`: a file or a symbolic link. */
  async unlink(path: string): Promise<void> {
    await this.#call({ op: "unlink", path }, `error in unlink: ${path}`);
  }

  /** `symlink(existing, newname)`: a symbolic link at `path` to `target`. */
  async symlink(target: string, path: string): Promise<void> {
    await this.#call({ op: "symlink", path, target }, `error in symlink ${target} to ${path}`);
  }

  /** `readlink(path)`: a symbolic link's target. */
  async readlink(path: string): Promise<string> {
    return (await this.#call({ op: "readlink", path }, `error in readlink ${path}`)).value ?? "";
  }

  /** `lchown(path, uid, gid)`: the entry's own owner (a link's, not its target's). */
  async lchown(path: string, uid: number, gid: number): Promise<void> {
    await this.#call({ op: "lchown", path, uid, gid }, `error in lchown ${path}`);
  }

  /** `lutimes(path, (atime, mtime))`: whole seconds, not following a link. */
  async lutimes(path: string, atime: number, mtime: number): Promise<void> {
    await this.#call({ op: "lutimes", path, atime, mtime }, "error in lutimes");
  }

  /** `lchmod(path, mode)`: the permission bits. */
  async lchmod(path: string, mode: number): Promise<void> {
    await this.#call({ op: "chmod", path, mode }, `error in chmod ${path}`);
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

  /**
   * Lets go of the mount of `fsName` the link keeps (mgr_util's `del_connections`), as a
   * module does before removing the file system; nothing without one.
   */
  async unmount(fsName: string): Promise<void> {
    await this._ctx.cephfs?.()?.release?.(fsName);
  }
}
