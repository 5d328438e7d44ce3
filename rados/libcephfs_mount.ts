/**
 * A mounted CephFS file system through libcephfs2 (`libcephfs.so.2`, `Deno.dlopen`), as
 * Ceph's manager modules mount one through mgr_util's connection pool: a client of its own
 * (`ceph_create`, the conf, `client_mount_uid`/`gid` 0), `ceph_select_filesystem`, then
 * `ceph_mount("/")`. It answers the CephFS port's operations (core/cephfs_port.ts) with
 * libcephfs' return codes. Every call that waits on an MDS is nonblocking (a worker thread).
 *
 * @example
 * ```ts ignore
 * import { mountCephFs } from "./libcephfs_mount.ts";
 * const fs = await mountCephFs("cephfs", { confFile: "dev-cluster/ceph.conf" });
 * console.log(await fs.operate({ op: "statx", path: "/" }));
 * await fs.close();
 * ```
 *
 * @module
 */
import type { CephFsDirent, CephFsOp, CephFsReply } from "../core/cephfs_port.ts";
import { cString, outWord, pointerIn } from "./_c_memory.ts";
import { CallGate } from "./_call_gate.ts";
import { type CephFsConnectOptions, dlopenLibcephfs, startCephFsClient } from "./libcephfs.ts";
import { RadosError } from "./rados_error.ts";

const P = "pointer", B = "buffer";

/** The functions of src/include/cephfs/libcephfs.h (Ceph 16.2) that a mount uses. */
const MOUNT_SYMBOLS = {
  ceph_create: { parameters: [B, B], result: "i32" },
  ceph_conf_read_file: { parameters: [P, B], result: "i32" },
  ceph_conf_set: { parameters: [P, B, B], result: "i32" },
  ceph_init: { parameters: [P], result: "i32", nonblocking: true },
  ceph_select_filesystem: { parameters: [P, B], result: "i32" },
  ceph_mount: { parameters: [P, B], result: "i32", nonblocking: true },
  // (cmount, path, struct ceph_statx *, unsigned want, unsigned flags)
  ceph_statx: { parameters: [P, B, B, "u32", "u32"], result: "i32", nonblocking: true },
  ceph_mkdir: { parameters: [P, B, "u32"], result: "i32", nonblocking: true },
  ceph_mkdirs: { parameters: [P, B, "u32"], result: "i32", nonblocking: true },
  ceph_rmdir: { parameters: [P, B], result: "i32", nonblocking: true },
  // (cmount, path, name, void *value, size_t size): the value's length
  ceph_getxattr: { parameters: [P, B, B, B, "usize"], result: "i32", nonblocking: true },
  ceph_setxattr: { parameters: [P, B, B, B, "usize", "i32"], result: "i32", nonblocking: true },
  ceph_chown: { parameters: [P, B, "i32", "i32"], result: "i32", nonblocking: true },
  ceph_lchmod: { parameters: [P, B, "u32"], result: "i32", nonblocking: true },
  ceph_lchown: { parameters: [P, B, "i32", "i32"], result: "i32", nonblocking: true },
  // (cmount, path, struct timeval times[2]): atime, then mtime
  ceph_lutimes: { parameters: [P, B, B], result: "i32", nonblocking: true },
  ceph_opendir: { parameters: [P, B, B], result: "i32", nonblocking: true },
  // struct dirent * (NULL at the end)
  ceph_readdir: { parameters: [P, P], result: "pointer", nonblocking: true },
  ceph_closedir: { parameters: [P, P], result: "i32", nonblocking: true },
  // (cmount, path, int flags, mode_t mode): a file descriptor
  ceph_open: { parameters: [P, B, "i32", "u32"], result: "i32", nonblocking: true },
  ceph_close: { parameters: [P, "i32"], result: "i32", nonblocking: true },
  // (cmount, fd, buf, int64_t size, int64_t offset): bytes written / read
  ceph_write: { parameters: [P, "i32", B, "i64", "i64"], result: "i32", nonblocking: true },
  ceph_read: { parameters: [P, "i32", B, "i64", "i64"], result: "i32", nonblocking: true },
  ceph_fsync: { parameters: [P, "i32", "i32"], result: "i32", nonblocking: true },
  ceph_rename: { parameters: [P, B, B], result: "i32", nonblocking: true },
  ceph_unlink: { parameters: [P, B], result: "i32", nonblocking: true },
  // (cmount, const char *existing, const char *newname)
  ceph_symlink: { parameters: [P, B, B], result: "i32", nonblocking: true },
  // (cmount, path, char *buf, int64_t size): the target's length
  ceph_readlink: { parameters: [P, B, B, "i64"], result: "i32", nonblocking: true },
  ceph_shutdown: { parameters: [P], result: "void", nonblocking: true },
} as const satisfies Deno.ForeignLibraryInterface;

type Symbols = Deno.DynamicLibrary<typeof MOUNT_SYMBOLS>["symbols"];

// struct ceph_statx (ceph_statx.h) on a 64-bit Linux: the offsets of the fields read.
const STX_SIZE = 136;
const STX = { uid: 12, gid: 16, mode: 20, size: 32, atime: 64, ctime: 80, mtime: 96, btime: 112 };
// CEPH_STATX_MODE|UID|GID|ATIME|MTIME|CTIME|SIZE|BTIME
const STX_WANT = 0x1 | 0x4 | 0x8 | 0x20 | 0x40 | 0x80 | 0x200 | 0x800;
const AT_SYMLINK_NOFOLLOW = 0x100;
const S_IFMT = 0o170000, S_IFDIR = 0o040000;
// struct dirent (glibc, 64-bit): d_ino, d_off, d_reclen, d_type, then d_name.
const DIRENT_TYPE = 18, DIRENT_NAME = 19, DT_DIR = 4;
const XATTR_MAX = 4096;
// The volumes module reads a link's target into 4096 bytes.
const PATH_MAX = 4096;
// Linux's open(2) flags, which libcephfs takes as they are.
const O_WRONLY = 0o1, O_CREAT = 0o100, O_TRUNC = 0o1000;
const READ_CHUNK = 65536;

/** A mounted file system; from `mountCephFs()`. `close()` waits for the calls in flight. */
export class CephFsMountHandle {
  readonly #lib: Symbols;
  readonly #handle: Deno.PointerObject;
  readonly #gate = new CallGate("libcephfs mount");
  #closing: Promise<void> | null = null;

  /** @internal Made by `mountCephFs()`. */
  constructor(lib: Symbols, handle: Deno.PointerObject, readonly fsName: string) {
    this.#lib = lib;
    this.#handle = handle;
  }

  /** Answers one CephFS port operation. */
  operate(op: CephFsOp): Promise<CephFsReply> {
    return this.#gate.run(`cephfs ${op.op} ${op.path}`, () => this.#operate(op));
  }

  async #operate(op: CephFsOp): Promise<CephFsReply> {
    const lib = this.#lib, h = this.#handle, path = cString(op.path);
    switch (op.op) {
      case "statx": {
        const buf = new Uint8Array(STX_SIZE);
        const r = await lib.ceph_statx(h, path, buf, STX_WANT, AT_SYMLINK_NOFOLLOW);
        if (r < 0) return { r };
        const v = new DataView(buf.buffer);
        const mode = v.getUint16(STX.mode, true);
        const time = (at: number) => Number(v.getBigInt64(at, true));
        return {
          r: 0,
          is_dir: (mode & S_IFMT) === S_IFDIR,
          mode,
          uid: v.getUint32(STX.uid, true),
          gid: v.getUint32(STX.gid, true),
          size: Number(v.getBigUint64(STX.size, true)),
          btime: time(STX.btime),
          atime: time(STX.atime),
          mtime: time(STX.mtime),
          ctime: time(STX.ctime),
        };
      }
      case "listdir": {
        const word = outWord();
        const r = await lib.ceph_opendir(h, path, word);
        if (r < 0) return { r };
        const dir = pointerIn(word)!;
        const entries: CephFsDirent[] = [];
        try {
          for (;;) {
            const d = await lib.ceph_readdir(h, dir);
            if (d === null) break;
            const view = new Deno.UnsafePointerView(d);
            const name = view.getCString(DIRENT_NAME);
            if (name === "." || name === "..") continue;
            entries.push({ name, is_dir: view.getUint8(DIRENT_TYPE) === DT_DIR });
          }
        } finally {
          await lib.ceph_closedir(h, dir);
        }
        return { r: 0, entries };
      }
      case "mkdir":
        return { r: await lib.ceph_mkdir(h, path, op.mode) };
      case "mkdirs":
        return { r: await lib.ceph_mkdirs(h, path, op.mode) };
      case "rmdir":
        return { r: await lib.ceph_rmdir(h, path) };
      case "getxattr": {
        const buf = new Uint8Array(XATTR_MAX);
        const r = await lib.ceph_getxattr(h, path, cString(op.name), buf, BigInt(buf.length));
        if (r < 0) return { r };
        return { r: 0, value: new TextDecoder().decode(buf.subarray(0, r)) };
      }
      case "setxattr": {
        const value = new TextEncoder().encode(op.value);
        const r = await lib.ceph_setxattr(
          h,
          path,
          cString(op.name),
          value.length > 0 ? value : new Uint8Array(1),
          BigInt(value.length),
          0,
        );
        return { r };
      }
      case "chown":
        return { r: await lib.ceph_chown(h, path, op.uid, op.gid) };
      case "chmod":
        return { r: await lib.ceph_lchmod(h, path, op.mode) };
      case "lchown":
        return { r: await lib.ceph_lchown(h, path, op.uid, op.gid) };
      case "lutimes": {
        // struct timeval (64-bit Linux): tv_sec, tv_usec.
        const times = new BigInt64Array([BigInt(op.atime), 0n, BigInt(op.mtime), 0n]);
        return { r: await lib.ceph_lutimes(h, path, new Uint8Array(times.buffer)) };
      }
      case "touch": {
        const fd = await lib.ceph_open(h, path, O_CREAT, op.mode);
        if (fd < 0) return { r: fd };
        return { r: Math.min(0, await lib.ceph_close(h, fd)) };
      }
      case "write_file": {
        const fd = await lib.ceph_open(h, path, O_WRONLY | O_CREAT | O_TRUNC, op.mode);
        if (fd < 0) return { r: fd };
        let r = 0;
        try {
          const data = op.data.length > 0 ? new Uint8Array(op.data) : new Uint8Array(1);
          const wrote = await lib.ceph_write(h, fd, data, BigInt(op.data.length), 0n);
          r = wrote < 0 ? wrote : await lib.ceph_fsync(h, fd, 0);
        } finally {
          const c = await lib.ceph_close(h, fd);
          if (r === 0 && c < 0) r = c;
        }
        return { r: Math.min(0, r) };
      }
      case "read_file": {
        const fd = await lib.ceph_open(h, path, 0, 0);
        if (fd < 0) return { r: fd };
        const chunks: Uint8Array[] = [];
        let r = 0, offset = 0;
        try {
          for (;;) {
            const buf = new Uint8Array(READ_CHUNK);
            const n = await lib.ceph_read(h, fd, buf, BigInt(buf.length), BigInt(offset));
            if (n < 0) {
              r = n;
              break;
            }
            if (n === 0) break;
            chunks.push(buf.subarray(0, n));
            offset += n;
          }
        } finally {
          await lib.ceph_close(h, fd);
        }
        if (r < 0) return { r };
        const data = new Uint8Array(offset);
        let at = 0;
        for (const c of chunks) {
          data.set(c, at);
          at += c.length;
        }
        return { r: 0, data };
      }
      case "rename":
        return { r: await lib.ceph_rename(h, path, cString(op.to)) };
      case "unlink":
        return { r: await lib.ceph_unlink(h, path) };
      case "symlink":
        return { r: await lib.ceph_symlink(h, cString(op.target), path) };
      case "readlink": {
        const buf = new Uint8Array(PATH_MAX);
        const r = await lib.ceph_readlink(h, path, buf, BigInt(buf.length));
        if (r < 0) return { r };
        return { r: 0, value: new TextDecoder().decode(buf.subarray(0, r)) };
      }
    }
  }

  /** Waits for the calls in flight, then unmounts and frees the client. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#gate.close();
      await this.#lib.ceph_shutdown(this.#handle);
    })();
    return this.#closing;
  }
}

/**
 * Mounts file system `fsName` as mgr_util does (root, uid/gid 0), at directory `root` (a
 * subvolume's client mounts its path). Fails with a
 * LibcephfsLoadError when the library cannot be loaded, a RadosError when the mons or the MDS
 * refuse (ENOENT: no such file system).
 */
export async function mountCephFs(
  fsName: string,
  options: CephFsConnectOptions = {},
  root = "/",
): Promise<CephFsMountHandle> {
  const lib = dlopenLibcephfs(options.libraryPath ?? "libcephfs.so.2", MOUNT_SYMBOLS).symbols;
  // mgr_util's CephfsConnectionPool: the mount acts as root.
  const handle = await startCephFsClient("mountCephFs", lib, options, {
    client_mount_uid: "0",
    client_mount_gid: "0",
  });
  try {
    const sel = lib.ceph_select_filesystem(handle, cString(fsName));
    if (sel < 0) throw new RadosError("ceph_select_filesystem", sel, `file system '${fsName}'`);
    const m = await lib.ceph_mount(handle, cString(root));
    if (m < 0) throw new RadosError("ceph_mount", m, `cannot mount '${fsName}'`);
  } catch (e) {
    await lib.ceph_shutdown(handle);
    throw e;
  }
  return new CephFsMountHandle(lib, handle, fsName);
}
