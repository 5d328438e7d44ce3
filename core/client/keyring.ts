/**
 * Reading a Ceph keyring (`[client.admin]` / `\tkey = <token>` / `\tcaps mgr = "allow *"`), as
 * `mgrd serve` writes it to `<data-dir>/keyring`. The client only needs an entity's key.
 *
 * @module
 */

/** One entity's section of a keyring. */
export interface KeyringEntry {
  key?: string;
  /** `caps <service>` values with their quotes removed, e.g. `{ mgr: "allow *" }`. */
  caps: Record<string, string>;
}

/**
 * Parses keyring text into entries by entity name. Blank lines and `#`/`;` comments are
 * skipped; keys are read as Ceph's ini parser reads them (spaces around `=`, optional quotes).
 * Throws an Error naming the line on a line that is neither a section, a `name = value` pair,
 * nor a comment.
 *
 * @example
 * ```ts
 * import { parseKeyring } from "./keyring.ts";
 * const k = parseKeyring('[client.admin]\n\tkey = abc\n\tcaps mgr = "allow *"\n');
 * console.assert(k.get("client.admin")?.key === "abc");
 * console.assert(k.get("client.admin")?.caps.mgr === "allow *");
 * ```
 */
export function parseKeyring(text: string): Map<string, KeyringEntry> {
  const out = new Map<string, KeyringEntry>();
  let current: KeyringEntry | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) return;
    const section = /^\[([^\]]+)\]$/.exec(line);
    if (section) {
      const name = (section[1] as string).trim();
      current = out.get(name) ?? { caps: {} };
      out.set(name, current);
      return;
    }
    const eq = line.indexOf("=");
    if (eq <= 0 || current === undefined) {
      throw new Error(`line ${i + 1}: expected [entity] or 'name = value', got '${line}'`);
    }
    const name = line.slice(0, eq).trim().replace(/\s+/g, " ");
    const value = unquote(line.slice(eq + 1).trim());
    if (name === "key") current.key = value;
    else if (name.startsWith("caps ")) current.caps[name.slice(5)] = value;
  });
  return out;
}

function unquote(v: string): string {
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
}
