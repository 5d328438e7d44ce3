/**
 * Commands that can make the daemon run other code or reveal keys: these need every permission
 * (`allow *`), whatever the perm their descriptor declares. In Ceph a mon `allow rw` entity
 * may `config set` any option; here that would let it point `mgr_module_path` at its own
 * folder, enable the module it put there, and read the keyring from inside the daemon. So
 * `mgr_module_path` (set, removed or assimilated), `mgr module enable --force` and every `auth`
 * command that shows a key are kept for entities that could do all of that anyway.
 *
 * @module
 */

/** Option names as the mon normalises them: `mgr module path` and `mgr-module-path` are one. */
function optionName(name: unknown): string {
  return typeof name === "string" ? name.trim().replace(/[ -]/g, "_").toLowerCase() : "";
}

const CODE_OPTIONS = new Set(["mgr_module_path"]);

const KEY_READS = new Set([
  "auth get",
  "auth get-key",
  "auth print-key",
  "auth print_key",
  "auth export",
  "auth ls",
  "auth list",
  "auth get-or-create",
  "auth get-or-create-key",
]);

/**
 * Why the command needs `allow *`, or undefined when its declared perm is enough.
 *
 * @example
 * ```ts
 * import { needsAllCaps } from "./escalation.ts";
 * const why = needsAllCaps({ prefix: "config set", who: "mgr", name: "mgr_module_path" }, "");
 * if (why === undefined) throw new Error("mgr_module_path makes the daemon load code");
 * if (needsAllCaps({ prefix: "config set", who: "mgr", name: "debug_mgr" }, "") !== undefined) {
 *   throw new Error("an ordinary option needs only its perm");
 * }
 * ```
 */
export function needsAllCaps(cmd: Record<string, unknown>, inbuf: string): string | undefined {
  const prefix = String(cmd.prefix ?? "");
  if (prefix === "config set" || prefix === "config rm") {
    const name = optionName(cmd.name);
    if (CODE_OPTIONS.has(name)) return `'${prefix}' of ${name} (it loads code into the manager)`;
    return undefined;
  }
  if (prefix === "config assimilate-conf") {
    for (const line of inbuf.split("\n")) {
      const key = optionName(line.split("=")[0]);
      if (CODE_OPTIONS.has(key)) return `a configuration that sets ${key}`;
    }
    return undefined;
  }
  if (prefix === "mgr module enable" && cmd.force !== undefined && cmd.force !== false) {
    return "'mgr module enable --force'";
  }
  if (KEY_READS.has(prefix)) return `'${prefix}' (it shows keys)`;
  return undefined;
}
