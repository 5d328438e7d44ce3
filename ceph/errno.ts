/**
 * Linux errno values as Ceph uses them (commands return their negatives), and their names,
 * which the `ceph` CLI prints as `Error <NAME>: ...`. The one errno table of mgrd.
 *
 * @module
 */

/** Operation not permitted. */
export const EPERM = 1;
/** No such file or directory (no such key, module, option...). */
export const ENOENT = 2;
/** Interrupted system call (a polling command stopped by Ctrl-C). */
export const EINTR = 4;
/** Input/output error (a failed module). */
export const EIO = 5;
/** No such device or address (an OSD id that does not exist). */
export const ENXIO = 6;
/** Argument list too long. */
export const E2BIG = 7;
/** Try again. */
export const EAGAIN = 11;
/** Out of memory. */
export const ENOMEM = 12;
/** Permission denied. */
export const EACCES = 13;
/** Device or resource busy. */
export const EBUSY = 16;
/** File exists. */
export const EEXIST = 17;
/** Not a directory. */
export const ENOTDIR = 20;
/** Is a directory. */
export const EISDIR = 21;
/** Invalid argument. */
export const EINVAL = 22;
/** File too large (a config-key value over `mon_config_key_max_entry_size`). */
export const EFBIG = 27;
/** No space left on device. */
export const ENOSPC = 28;
/** Read-only file system (a write into a CephFS snapshot). */
export const EROFS = 30;
/** Numerical argument out of domain. */
export const EDOM = 33;
/** Result out of range. */
export const ERANGE = 34;
/** Function not implemented. */
export const ENOSYS = 38;
/** Directory not empty. */
export const ENOTEMPTY = 39;
/** No data available. */
export const ENODATA = 61;
/** Operation not supported (a module that is not enabled). */
export const EOPNOTSUPP = 95;
/** Connection timed out. */
export const ETIMEDOUT = 110;
/** Connection refused: nothing listens at the daemon's address. */
export const ECONNREFUSED = 111;
/** Stale file handle (a subvolume purged with its last retained snapshot). */
export const ESTALE = 116;
/** Operation canceled. */
export const ECANCELED = 125;

const NAMES: Readonly<Record<number, string>> = {
  [EPERM]: "EPERM",
  [ENOENT]: "ENOENT",
  [EINTR]: "EINTR",
  [EIO]: "EIO",
  [ENXIO]: "ENXIO",
  [E2BIG]: "E2BIG",
  [EAGAIN]: "EAGAIN",
  [ENOMEM]: "ENOMEM",
  [EACCES]: "EACCES",
  [EBUSY]: "EBUSY",
  [EEXIST]: "EEXIST",
  [ENOTDIR]: "ENOTDIR",
  [EISDIR]: "EISDIR",
  [EINVAL]: "EINVAL",
  [EFBIG]: "EFBIG",
  [ENOSPC]: "ENOSPC",
  [EROFS]: "EROFS",
  [EDOM]: "EDOM",
  [ERANGE]: "ERANGE",
  [ENOSYS]: "ENOSYS",
  [ENOTEMPTY]: "ENOTEMPTY",
  [ENODATA]: "ENODATA",
  // Linux defines ENOTSUP as EOPNOTSUPP; the ceph CLI prints the former name.
  [EOPNOTSUPP]: "ENOTSUP",
  [ETIMEDOUT]: "ETIMEDOUT",
  [ECONNREFUSED]: "ECONNREFUSED",
  [ESTALE]: "ESTALE",
  [ECANCELED]: "ECANCELED",
};

/**
 * The errno name for a (positive or negative) errno value, as the `ceph` CLI prints it.
 *
 * @example
 * ```ts
 * import { errnoName } from "./errno.ts";
 * console.assert(errnoName(-22) === "EINVAL");
 * ```
 */
export function errnoName(errno: number): string {
  const n = Math.abs(errno);
  return NAMES[n] ?? `Unknown error ${n}`;
}
