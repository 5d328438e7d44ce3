/**
 * Linux errno values as Ceph uses them (commands return their negatives), and their names,
 * which the `ceph` CLI prints as `Error <NAME>: ...`.
 *
 * @module
 */

/** Operation not permitted. */
export const EPERM = 1;
/** No such file or directory (no such key, module, option...). */
export const ENOENT = 2;
/** Input/output error (a failed module). */
export const EIO = 5;
/** Try again. */
export const EAGAIN = 11;
/** Permission denied. */
export const EACCES = 13;
/** File exists. */
export const EEXIST = 17;
/** Invalid argument. */
export const EINVAL = 22;
/** Operation not supported (a module that is not enabled). */
export const EOPNOTSUPP = 95;
/** Connection timed out. */
export const ETIMEDOUT = 110;

const NAMES: Readonly<Record<number, string>> = {
  [EPERM]: "EPERM",
  [ENOENT]: "ENOENT",
  [EIO]: "EIO",
  [EAGAIN]: "EAGAIN",
  [EACCES]: "EACCES",
  [EEXIST]: "EEXIST",
  [EINVAL]: "EINVAL",
  // Linux defines ENOTSUP as EOPNOTSUPP; the ceph CLI prints the former name.
  [EOPNOTSUPP]: "ENOTSUP",
  [ETIMEDOUT]: "ETIMEDOUT",
  7: "E2BIG",
  12: "ENOMEM",
  16: "EBUSY",
  27: "EFBIG",
  28: "ENOSPC",
  34: "ERANGE",
  38: "ENOSYS",
  39: "ENOTEMPTY",
  61: "ENODATA",
  125: "ECANCELED",
};

/**
 * The errno name for a (positive or negative) errno value, as the `ceph` CLI prints it.
 *
 * @example
 * ```ts
 * import { errnoName } from "./errno.ts";
 * errnoName(-22); // "EINVAL"
 * ```
 */
export function errnoName(errno: number): string {
  const n = Math.abs(errno);
  return NAMES[n] ?? `Unknown error ${n}`;
}
