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

import { EINVAL, ENOENT } from "../../ceph/errno.ts";
import { SerialQueue } from "../serial_queue.ts";
import {
  capsProblem,
  compareEntities,
  entityNameProblem,
  formatKeyring,
  type KeyringEntry,
  parseKeyring,
} from "../../ceph/keyring.ts";

export type { KeyringEntry };

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
