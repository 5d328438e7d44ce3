/**
 * The file-system port (what libcephfs does for a client that mounts a CephFS file system):
 * the namespace operations a module's `this.cephfs` sends to a file system's MDS. The cluster
 * behind the ClusterLink implements it (the simulated MDS's in-memory tree, or — not yet — a
 * real cluster through libcephfs); core/ never sees how.
 *
 * Errors are Ceph's: `r` is 0 or a negative errno, as libcephfs returns them.
 *
 * @module
 */

/** One namespace operation on an absolute path (`/volumes/_nogroup`). */
export type CephFsOp =
  /** `ceph_statx`: the entry's type, mode and size (a directory's is its recursive bytes). */
  | { op: "statx"; path: string }
  /** `ceph_opendir`/`ceph_readdir`: a directory's entries, without `.` and `..`. */
  | { op: "listdir"; path: string }
  /** `ceph_mkdirs`: the directory and its missing parents; an existing one is -EEXIST. */
  | { op: "mkdirs"; path: string; mode: number };

/** A directory entry (`listdir`). */
export interface CephFsDirent {
  name: string;
  is_dir: boolean;
}

/** What an operation answers. */
export interface CephFsReply {
  /** 0, or a negative errno (-ENOENT no such file system or path, -ENOTDIR, -EEXIST, ...). */
  r: number;
  /** `statx`: whether the entry is a directory, its mode bits and size in bytes. */
  is_dir?: boolean;
  mode?: number;
  size?: number;
  /** `listdir`: the entries, in name order. */
  entries?: CephFsDirent[];
}

/** A cluster's CephFS file systems, as a client that mounts them sees them. */
export interface CephFsPort {
  /** Runs `op` in file system `fsName`; a file system that does not exist answers -ENOENT. */
  operate(fsName: string, op: CephFsOp): Promise<CephFsReply>;
}
