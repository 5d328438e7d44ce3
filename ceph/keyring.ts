/**
 * Ceph keyrings (`src/auth/KeyRing.cc`): the ini text naming each entity with its secret and
 * its caps, entity names and caps as Ceph checks them. The one keyring parser of mgrd: the
 * daemon's keyring file and the `mgrd ceph` client both read keyrings with it.
 *
 * ```ini
 * [client.admin]
 * 	key = 3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
 * 	caps mgr = "allow *"
 * ```
 *
 * @module
 */

import { parseMgrCaps } from "./mgr_cap.ts";

/** Entity types in Ceph's order (`CEPH_ENTITY_TYPE_*` values), which is how keyrings sort. */
export const ENTITY_TYPES = ["mon", "mds", "osd", "client", "mgr", "auth"] as const;

/** The services caps may be given for, as Ceph's `AuthMonitor::valid_caps` accepts them. */
export const CAP_SERVICES = ["mon", "mgr", "osd", "mds"] as const;

/** One entity of the keyring. */
export interface KeyringEntry {
  /** `client.admin`, `mgr.x`, ... */
  readonly entity: string;
  /** The secret, base64: the bearer token of this entity. */
  readonly key: string;
  /** Caps by service (`{ mgr: "allow r" }`). */
  readonly caps: Readonly<Record<string, string>>;
}

const ID_RE = /^[A-Za-z0-9_.-]+$/;

/**
 * Why `entity` is not a valid entity name, or undefined when it is. `ceph: true` marks names
 * Ceph itself refuses (no `.`, unknown type); mgrd also keeps ids to `A-Z a-z 0-9 _ . -`, so
 * they cannot break the ini file.
 *
 * @example
 * ```ts
 * import { entityNameProblem } from "./keyring.ts";
 * console.assert(entityNameProblem("client.ro") === undefined);
 * console.assert(entityNameProblem("admin")?.ceph === true);
 * ```
 */
export function entityNameProblem(entity: string): { ceph: boolean; message: string } | undefined {
  const dot = entity.indexOf(".");
  const type = dot < 0 ? entity : entity.slice(0, dot);
  if (dot < 0 || !(ENTITY_TYPES as readonly string[]).includes(type)) {
    return {
      ceph: true,
      message: `entity name '${entity}' must be <type>.<id> with type one of ${
        ENTITY_TYPES.join(", ")
      }`,
    };
  }
  if (!ID_RE.test(entity.slice(dot + 1))) {
    return {
      ceph: false,
      message: `entity name '${entity}': the id after '${type}.' must be non-empty and use ` +
        `only A-Z a-z 0-9 _ . -`,
    };
  }
  return undefined;
}

/**
 * Why `caps` is not acceptable for `service`, or undefined. Unknown services get Ceph's
 * message (`unknown cap type 'foo'`); `mgr` caps must parse (see caps.ts); other services'
 * caps are stored unchecked but must be one printable line.
 *
 * @example
 * ```ts
 * import { capsProblem } from "./keyring.ts";
 * console.assert(capsProblem("mgr", "allow r") === undefined);
 * console.assert(capsProblem("foo", "allow r") === "unknown cap type 'foo'");
 * ```
 */
export function capsProblem(service: string, caps: string): string | undefined {
  if (!(CAP_SERVICES as readonly string[]).includes(service)) {
    return `unknown cap type '${service}'`;
  }
  if (service === "mgr") {
    const parsed = parseMgrCaps(caps);
    return parsed.ok ? undefined : parsed.error;
  }
  // deno-lint-ignore no-control-regex
  if (caps.trim() === "" || /[\x00-\x1f\x7f]/.test(caps)) {
    return `${service} caps '${caps}' must be a non-empty line without control characters`;
  }
  return undefined;
}

/** Orders entity names as Ceph's `EntityName::operator<`: by type, then id (bytewise). */
export function compareEntities(a: string, b: string): number {
  const ta = typeRank(a);
  const tb = typeRank(b);
  if (ta !== tb) return ta - tb;
  const ia = a.slice(a.indexOf(".") + 1);
  const ib = b.slice(b.indexOf(".") + 1);
  return ia < ib ? -1 : ia > ib ? 1 : 0;
}

function typeRank(entity: string): number {
  const i = (ENTITY_TYPES as readonly string[]).indexOf(entity.slice(0, entity.indexOf(".")));
  return i < 0 ? ENTITY_TYPES.length : i;
}

/**
 * Renders entries as Ceph's `KeyRing::print` does: sections in entity order, caps by service
 * name, values quoted (a `"` or `\` inside is escaped with `\`).
 *
 * @example
 * ```ts
 * import { formatKeyring } from "./keyring.ts";
 * const text = formatKeyring([{ entity: "client.ro", key: "AAAA", caps: { mgr: "allow r" } }]);
 * console.assert(text === '[client.ro]\n\tkey = AAAA\n\tcaps mgr = "allow r"\n');
 * ```
 */
export function formatKeyring(entries: Iterable<KeyringEntry>): string {
  let out = "";
  for (const e of [...entries].sort((a, b) => compareEntities(a.entity, b.entity))) {
    out += `[${e.entity}]\n\tkey = ${e.key}\n`;
    for (const service of Object.keys(e.caps).sort()) {
      const value = (e.caps[service] ?? "").replace(/[\\"]/g, (c) => `\\${c}`);
      out += `\tcaps ${service} = "${value}"\n`;
    }
  }
  return out;
}

/** How strictly {@linkcode parseKeyring} reads. */
export interface ParseKeyringOptions {
  /**
   * Check every key (base64) and every cap (its grammar), as the daemon does with the keyring
   * that grants access (default true). A client only looks up its own key, and takes the
   * rest on trust.
   */
  validate?: boolean;
}

/**
 * Parses keyring text (what {@link formatKeyring} writes, and Ceph keyrings: `#`/`;`
 * comments, `[global]` skipped, `_` in keys read as a space, `auid` ignored). Throws an Error
 * naming the source, the line and the problem on anything else.
 *
 * @example
 * ```ts
 * import { parseKeyring } from "./keyring.ts";
 * const [e] = parseKeyring('[client.ro]\n\tkey = AAAA\n\tcaps mgr = "allow r"\n');
 * console.assert(e?.caps.mgr === "allow r");
 * ```
 */
export function parseKeyring(
  text: string,
  source = "keyring",
  options: ParseKeyringOptions = {},
): KeyringEntry[] {
  const validate = options.validate ?? true;
  const entries: { entity: string; key?: string; caps: Record<string, string>; line: number }[] =
    [];
  let current: (typeof entries)[number] | undefined;
  let skipping = false;
  const lines = text.split(/\r?\n/);
  lines.forEach((rawLine, i) => {
    const where = `${source}:${i + 1}`;
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) return;
    const section = /^\[([^\]]*)\]$/.exec(line);
    if (section) {
      const name = (section[1] ?? "").trim();
      skipping = name === "global";
      if (skipping) return;
      const problem = entityNameProblem(name);
      if (problem) throw new Error(`${where}: bad entity name in keyring: ${problem.message}`);
      if (entries.some((e) => e.entity === name)) {
        throw new Error(`${where}: section [${name}] appears twice`);
      }
      current = { entity: name, caps: {}, line: i + 1 };
      entries.push(current);
      return;
    }
    if (skipping) return;
    const eq = line.indexOf("=");
    if (eq < 0) throw new Error(`${where}: expected '[entity]' or 'name = value', got '${line}'`);
    if (current === undefined) throw new Error(`${where}: '${line}' comes before any [entity]`);
    const name = line.slice(0, eq).trim().replaceAll("_", " ").replace(/\s+/g, " ");
    const value = unquote(line.slice(eq + 1).trim(), where);
    if (name === "key") {
      if (validate && !isBase64(value)) {
        throw new Error(`${where}: the key of [${current.entity}] is not base64`);
      }
      current.key = value;
    } else if (name.startsWith("caps ")) {
      const service = name.slice(5);
      const problem = validate ? capsProblem(service, value) : undefined;
      if (problem) throw new Error(`${where}: [${current.entity}] ${problem}`);
      current.caps[service] = value;
    } else if (name !== "auid") {
      throw new Error(
        `${where}: error setting modifier for [${current.entity}] type=${name} val=${value}`,
      );
    }
  });
  return entries.map((e) => {
    if (e.key === undefined) throw new Error(`${source}:${e.line}: [${e.entity}] has no key`);
    return { entity: e.entity, key: e.key, caps: e.caps };
  });
}

function unquote(value: string, where: string): string {
  if (!value.startsWith('"')) return value;
  let out = "";
  for (let i = 1; i < value.length; i++) {
    const c = value[i];
    if (c === "\\" && i + 1 < value.length) {
      out += value[++i];
    } else if (c === '"') {
      const rest = value.slice(i + 1).trim();
      if (rest !== "" && !rest.startsWith("#") && !rest.startsWith(";")) {
        throw new Error(`${where}: unexpected '${rest}' after the quoted value`);
      }
      return out;
    } else {
      out += c;
    }
  }
  throw new Error(`${where}: the quoted value has no closing '"'`);
}

export function isBase64(s: string): boolean {
  if (s === "" || s.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(s)) return false;
  try {
    atob(s);
    return true;
  } catch {
    return false;
  }
}
