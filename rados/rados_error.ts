/**
 * The one error the librados binding throws: a Ceph errno (negative, as librados returns it)
 * with the operation and, for commands, the daemon's status text (`outs`).
 *
 * @module
 */
import { errnoName } from "../ceph/errno.ts";

/**
 * A failed librados call.
 *
 * @example
 * ```ts
 * import { RadosError } from "./rados_error.ts";
 * const e = new RadosError("mon_command", -2, "unrecognized pool 'nosuch'");
 * console.assert(e.errno === -2 && e.code === "ENOENT");
 * console.assert(e.message === "mon_command: Error ENOENT: unrecognized pool 'nosuch'");
 * ```
 */
export class RadosError extends Error {
  override readonly name = "RadosError";
  /** The negative errno (`-2` for ENOENT), as librados and Ceph's commands return it. */
  readonly errno: number;
  /** The errno's name as the `ceph` CLI prints it: `ENOENT`, `ETIMEDOUT`. */
  readonly code: string;
  /** The librados call or command that failed: `rados_connect`, `mon_command`, ... */
  readonly op: string;
  /** The daemon's status text for a failed command (the `ceph` CLI's stderr), else what the
   * binding knows of the failure (`""` when nothing). */
  readonly outs: string;
  /** The output data a failed command returned anyway (usually empty). */
  readonly outbuf: Uint8Array;

  constructor(op: string, errno: number, detail = "", outbuf: Uint8Array = new Uint8Array()) {
    const code = errnoName(errno);
    super(`${op}: Error ${code}${detail ? `: ${detail}` : ""}`);
    this.errno = -Math.abs(errno);
    this.code = code;
    this.op = op;
    this.outs = detail;
    this.outbuf = outbuf;
  }
}
