/**
 * The file-system port (what libcephfs does for a client that mounts a CephFS file system):
 * the namespace operations a module's `this.cephfs` sends to a file system's MDS. The cluster
 * behind the ClusterLink implements it (the simulated MDS's in-memory tree, or a real cluster
 * through libcephfs, link/real_cephfs_port.ts); core/ never sees how.
 *
 * Errors are Ceph's: `r` is 0 or a negative errno, as libcephfs returns them.
 *
 * Snapshots are CephFS's: `<dir>/.snap` is a directory no listing shows, `mkdir
 * <dir>/.snap/<name>` takes a snapshot of `<dir>`'s subtree, `rmdir` of it drops it, `listdir
 * <dir>/.snap` names the snapshots, and the paths below `<dir>/.snap/<name>` read the subtree as
 * it was (a write there is -EROFS; `ceph.snap.btime` is when the snapshot was taken). A
 * directory's `.snap` also lists the snapshots of the directories above it that hold it, as
 * `_<name>_<their inode number>`; below a subvolume's root (`ceph.dir.subvolume`) no directory
 * takes snapshots (-EPERM).
 *
 * @module
 */

/** One namespace operation on an absolute path (`/volumes/_nogroup`). */
export type CephFsOp =
  /** `ceph_statx`: the entry's type, mode, owner, times and size (a directory's: rbytes). */
  | { op: "statx"; path: string }
  /** `ceph_opendir`/`ceph_readdir`: a directory's entries, without `.` and `..`, in MDS order. */
  | { op: "listdir"; path: string }
  /** `ceph_mkdir`: one directory; its parent must exist (-ENOENT), it must not (-EEXIST). */
  | { op: "mkdir"; path: string; mode: number }
  /** `ceph_mkdirs`: the directory and its missing parents; an existing one is no error. */
  | { op: "mkdirs"; path: string; mode: number }
  /** `ceph_rmdir`: an empty directory (-ENOTEMPTY otherwise). */
  | { op: "rmdir"; path: string }
  /** `ceph_getxattr`: a virtual xattr (`ceph.quota.max_bytes`, ...); -ENODATA when unset. */
  | { op: "getxattr"; path: string; name: string }
  /** `ceph_setxattr`: a virtual xattr; a value the MDS does not take is -EINVAL. */
  | { op: "setxattr"; path: string; name: string; value: string }
  /** `ceph_chown`. */
  | { op: "chown"; path: string; uid: number; gid: number }
  /** `ceph_lchown`: the owner of the entry itself (a symbolic link's, not its target's). */
  | { op: "lchown"; path: string; uid: number; gid: number }
  /** `ceph_lutimes`: access and modification times (whole seconds), not following a link. */
  | { op: "lutimes"; path: string; atime: number; mtime: number }
  /** `ceph_lchmod`: the permission bits. */
  | { op: "chmod"; path: string; mode: number }
  /** `open(O_CREAT)` then `close`: makes an empty file unless there is one. */
  | { op: "touch"; path: string; mode: number }
  /** `open(O_WRONLY|O_CREAT|O_TRUNC)`, `write`, `fsync`, `close`: the file's whole content. */
  | { op: "write_file"; path: string; mode: number; data: Uint8Array }
  /** `open(O_RDONLY)` and `read` to the end. */
  | { op: "read_file"; path: string }
  /** `ceph_rename`: a file or directory moves (and replaces a file at `to`). */
  | { op: "rename"; path: string; to: string }
  /** `ceph_unlink`: a file or a symbolic link. */
  | { op: "unlink"; path: string }
  /** `ceph_symlink(target, path)`: a symbolic link at `path` to `target` (-EEXIST if taken). */
  | { op: "symlink"; path: string; target: string }
  /** `ceph_readlink`: a symbolic link's target (-EINVAL for anything else). */
  | { op: "readlink"; path: string };

/** A directory entry (`listdir`). */
export interface CephFsDirent {
  name: string;
  is_dir: boolean;
}

/** What an operation answers. */
export interface CephFsReply {
  /** 0, or a negative errno (-ENOENT no such file system or path, -ENOTDIR, -EEXIST, ...). */
  r: number;
  /**
   * `statx`: whether the entry is a directory, `st_mode` (type and permission bits: a symbolic
   * link, not followed, is S_IFLNK), owner.
   */
  is_dir?: boolean;
  mode?: number;
  uid?: number;
  gid?: number;
  /** `statx`: size in bytes (a directory's recursive bytes, a symbolic link's target's length). */
  size?: number;
  /** `statx`: birth, access, modification and change times (seconds since the epoch). */
  btime?: number;
  atime?: number;
  mtime?: number;
  ctime?: number;
  /** `listdir`: the entries. */
  entries?: CephFsDirent[];
  /** `getxattr`: the value; `readlink`: the target. */
  value?: string;
  /** `read_file`: the bytes. */
  data?: Uint8Array;
}

/** A cluster's CephFS file systems, as a client that mounts them sees them. */
export interface CephFsPort {
  /** Runs `op` in file system `fsName`; a file system that does not exist answers -ENOENT. */
  operate(fsName: string, op: CephFsOp): Promise<CephFsReply>;
  /** Lets go of the client's mount of `fsName`, if it keeps one (before the file system goes). */
  release?(fsName: string): Promise<void>;
}
