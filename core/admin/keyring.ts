/**
 * The daemon's keyring: `<data-dir>/keyring`, a Ceph-style ini file (mode 0600) naming each
 * entity with its secret and its caps:
 *
 * ```ini
 * [client.admin]
 * 	key = 3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
 * 	caps mgr = "allow *"
 * ```
 *
 * The key is the entity's bearer token for the admin endpoint. mgrd keys are 32 random bytes
 * in base64 (Ceph's `AQ...` keys are an encoded AES secret; a Ceph keyring still loads, any
 * non-empty base64 key is accepted). Only `mgr` caps grant anything in mgrd; `mon`, `osd` and
 * `mds` caps are kept so a keyring round-trips, and mean nothing here.
 *
 * The file is read once by {@link Keyring.open}; every change is written whole to a temporary
 * file in the same directory, synced, then renamed over the keyring, so a crash leaves either
 * the old file or the new one. Edits made to the file while the daemon runs are overwritten
 * by its next change.
 *
 * @module
 */

import { EINVAL, ENOENT } from "../errno.ts";
import { SerialQueue } from "../serial_queue.ts";
import { parseMgrCaps } from "./caps.ts";

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

/** A refused keyring operation, with the errno a command should return (positive). */
export class KeyringError extends Error {
  /** `EINVAL`, `ENOENT`, ... */
  readonly errno: number;

  /** Makes an error with a positive errno and a message for the caller. */
  constructor(errno: number, message: string) {
    super(message);
    this.name = "KeyringError";
    this.errno = errno;
  }
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
export function parseKeyring(text: string, source = "keyring"): KeyringEntry[] {
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
      if (!isBase64(value)) {
        throw new Error(`${where}: the key of [${current.entity}] is not base64`);
      }
      current.key = value;
    } else if (name.startsWith("caps ")) {
      const service = name.slice(5);
      const problem = capsProblem(service, value);
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

function isBase64(s: string): boolean {
  if (s === "" || s.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(s)) return false;
  try {
    atob(s);
    return true;
  } catch {
    return false;
  }
}

/**
 * A new secret: 32 bytes from `crypto.getRandomValues`, base64. This is security
 * randomness on purpose, never the simulator's seeded PRNG: tokens must not be replayable
 * from a seed.
 */
export function generateKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

const encoder = new TextEncoder();

/** Compares without an early exit, so the time taken does not say how much of a guess matched. */
function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** Longest token worth comparing; longer ones are refused before any work. */
const MAX_TOKEN_LENGTH = 1024;

interface Stored {
  entry: KeyringEntry;
  keyBytes: Uint8Array;
}

/** The keyring file and its entities, kept in memory; changes are written atomically. */
export class Keyring {
  /** The keyring file. */
  readonly path: string;
  #entries: Map<string, Stored>;
  readonly #writes = new SerialQueue();

  private constructor(path: string, entries: readonly KeyringEntry[]) {
    this.path = path;
    this.#entries = new Map(entries.map((e) => [e.entity, stored(e)]));
  }

  /**
   * Opens the keyring at `path`. On first start (no file) it is created, mode 0600, with
   * `client.admin` holding `allow *` mgr caps. An existing file is parsed (a malformed one
   * throws, naming the line) and its mode tightened to 0600 if it was looser.
   *
   * @example
   * ```ts
   * import { Keyring } from "./keyring.ts";
   * const dir = await Deno.makeTempDir();
   * const keyring = await Keyring.open(`${dir}/keyring`);
   * console.assert(keyring.get("client.admin")?.caps.mgr === "allow *");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  static async open(path: string): Promise<Keyring> {
    let text: string | undefined;
    try {
      text = await Deno.readTextFile(path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    if (text === undefined) {
      const keyring = new Keyring(path, [
        { entity: "client.admin", key: generateKey(), caps: { mgr: "allow *" } },
      ]);
      await keyring.#write([...keyring.#entries.values()].map((s) => s.entry));
      return keyring;
    }
    const keyring = new Keyring(path, parseKeyring(text, path));
    if (Deno.build.os !== "windows") {
      const mode = (await Deno.stat(path)).mode ?? 0;
      if ((mode & 0o077) !== 0) await Deno.chmod(path, 0o600);
    }
    return keyring;
  }

  /**
   * The entity whose key is `token`, or undefined. Every key is compared in full, with no
   * early exit, so timing tells nothing about which entity (or how much of a key) matched.
   */
  authenticate(token: string): KeyringEntry | undefined {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return undefined;
    const bytes = encoder.encode(token);
    let found: KeyringEntry | undefined;
    for (const s of this.#entries.values()) {
      if (timingSafeEqual(bytes, s.keyBytes)) found = s.entry;
    }
    return found;
  }

  /** The entry of `entity`, or undefined. */
  get(entity: string): KeyringEntry | undefined {
    return this.#entries.get(entity)?.entry;
  }

  /** Every entry, in Ceph's entity order (mon, mds, osd, client, mgr, auth; then by id). */
  list(): KeyringEntry[] {
    return [...this.#entries.values()].map((s) => s.entry).sort((a, b) =>
      compareEntities(a.entity, b.entity)
    );
  }

  /**
   * Returns `entity`, creating it with a new key and `caps` if it does not exist. As Ceph's
   * `auth get-or-create`: for an existing entity every given cap must equal the stored one,
   * or a KeyringError (EINVAL) `key for <entity> exists but cap <service> does not match`.
   * Invalid names or caps throw a KeyringError (EINVAL) saying why.
   */
  getOrCreate(
    entity: string,
    caps: Readonly<Record<string, string>>,
  ): Promise<{ entry: KeyringEntry; created: boolean }> {
    return this.#writes.run(async () => {
      checkCaps(caps);
      const existing = this.#entries.get(entity)?.entry;
      if (existing) {
        for (const [service, value] of Object.entries(caps)) {
          if (existing.caps[service] !== value) {
            throw new KeyringError(
              EINVAL,
              `key for ${entity} exists but cap ${service} does not match`,
            );
          }
        }
        return { entry: existing, created: false };
      }
      const problem = entityNameProblem(entity);
      if (problem) throw new KeyringError(EINVAL, problem.message);
      const entry: KeyringEntry = { entity, key: generateKey(), caps: { ...caps } };
      await this.#commit(new Map(this.#entries).set(entity, stored(entry)));
      return { entry, created: true };
    });
  }

  /**
   * Replaces all caps of an existing entity (Ceph's `auth caps`); a KeyringError (ENOENT)
   * `couldn't find entry <entity>` if there is none, (EINVAL) for invalid caps.
   */
  setCaps(entity: string, caps: Readonly<Record<string, string>>): Promise<KeyringEntry> {
    return this.#writes.run(async () => {
      const existing = this.#entries.get(entity)?.entry;
      if (!existing) throw new KeyringError(ENOENT, `couldn't find entry ${entity}`);
      checkCaps(caps);
      const entry: KeyringEntry = { entity, key: existing.key, caps: { ...caps } };
      await this.#commit(new Map(this.#entries).set(entity, stored(entry)));
      return entry;
    });
  }

  /** Removes `entity`; false (and no write) if it did not exist. */
  remove(entity: string): Promise<boolean> {
    return this.#writes.run(async () => {
      if (!this.#entries.has(entity)) return false;
      const next = new Map(this.#entries);
      next.delete(entity);
      await this.#commit(next);
      return true;
    });
  }

  /** Writes `next` to disk, then makes it current: a failed write changes nothing. */
  async #commit(next: Map<string, Stored>): Promise<void> {
    await this.#write([...next.values()].map((s) => s.entry));
    this.#entries = next;
  }

  async #write(entries: readonly KeyringEntry[]): Promise<void> {
    const data = encoder.encode(formatKeyring(entries));
    const slash = this.path.lastIndexOf("/");
    const dir = slash < 0 ? "." : this.path.slice(0, slash) || "/";
    await Deno.mkdir(dir, { recursive: true });
    const tmp = `${this.path}.tmp-${crypto.randomUUID()}`;
    try {
      // createNew: never follow a planted file or symlink; mode 0600 from the first byte.
      const file = await Deno.open(tmp, { write: true, createNew: true, mode: 0o600 });
      try {
        let written = 0;
        while (written < data.length) written += await file.write(data.subarray(written));
        await file.sync();
      } finally {
        file.close();
      }
      // The process umask cannot add bits, but be explicit: the file holds secrets.
      if (Deno.build.os !== "windows") await Deno.chmod(tmp, 0o600);
      await Deno.rename(tmp, this.path);
    } catch (e) {
      await Deno.remove(tmp).catch(() => {});
      throw e;
    }
    await syncDir(dir);
  }
}

function stored(entry: KeyringEntry): Stored {
  return { entry, keyBytes: encoder.encode(entry.key) };
}

function checkCaps(caps: Readonly<Record<string, string>>): void {
  for (const [service, value] of Object.entries(caps)) {
    const problem = capsProblem(service, value);
    if (problem) throw new KeyringError(EINVAL, problem);
  }
}

/** Makes the rename durable; not every platform lets a directory be opened, so best effort. */
async function syncDir(dir: string): Promise<void> {
  let handle: Deno.FsFile | undefined;
  try {
    handle = await Deno.open(dir, { read: true });
    await handle.sync();
  } catch {
    // Durability of the rename is a bonus; the write itself already succeeded.
  } finally {
    handle?.close();
  }
}
