/**
 * The errors `remote()` rejects with, named after the Python exceptions Ceph's `remote()`
 * raises: `ImportError` (no such module running), `NameError` (no such method),
 * `RuntimeError` (the method threw).
 *
 * @module
 */

/**
 * A failed `remote()` call; `kind` (and `name`) says which.
 *
 * @example
 * ```ts ignore
 * try {
 *   await this.remote("balancer", "status");
 * } catch (e) {
 *   if (e instanceof RemoteError && e.kind === "ImportError") this.log.info("balancer is off");
 * }
 * ```
 */
export class RemoteError extends Error {
  constructor(readonly kind: "ImportError" | "NameError" | "RuntimeError", message: string) {
    super(message);
    this.name = kind;
  }
}
