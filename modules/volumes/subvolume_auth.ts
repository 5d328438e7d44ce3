/**
 * A subvolume's cephx auth IDs, as 16.2.15's volumes module keeps them
 * (fs/operations/versions/subvolume_v1.py authorize/deauthorize/authorized_list,
 * fs/operations/access.py, fs/operations/versions/auth_metadata.py): the auth ID's file
 * `/volumes/$<auth_id>.meta` (its tenant and the subvolumes it may reach, each `dirty` until
 * the mon has the caps), the subvolume's file `/volumes/_<group>:<name>.meta` (the auth IDs
 * and their access levels), and the mon's `auth get` / `auth get-or-create` / `auth caps` /
 * `auth rm` with the mds, osd and mon caps the module builds (the path, the data pool and
 * its `namespace=` when the subvolume has one). The files are JSON as Python's json.dumps
 * writes it. Checked against tests/ceph-reference/cli/commands/fs_authorize/.
 *
 * @module
 */
import { CephFSError, type CephFSMount, ENODATA, ENOENT, EPERM } from "mgr_module";

const SUBVOL_PREFIX = "/volumes";
const NO_GROUP = "_nogroup";
/** AuthMetadataManager.version; auth files need 6, subvolume files 1. */
const VERSION = 6;

/** A mon command's answer, as MgrModule.mon_command gives it. */
type MonCommand = (cmd: Record<string, unknown>) => Promise<[number, string, string]>;

/** What the auth code needs of the module. */
export interface AuthHost {
  mon_command(cmd: Record<string, unknown>): Promise<[number, string, string]>;
  readonly log: { error(message: string): void; warning(message: string): void };
}

/** The subvolume as it was opened. */
export interface AuthSubvol {
  name: string;
  group: { name: string };
  /** The data directory, the path clients mount. */
  path: string;
}

interface AuthMeta {
  dirty: boolean;
  tenant_id: string | null;
  subvolumes: Record<string, { access_level: string; dirty: boolean }>;
  volumes?: Record<string, { access_level: string; dirty: boolean }>;
  compat_version?: number;
  version?: number;
}

interface SubvolMeta {
  auths: Record<string, { access_level: string; dirty: boolean }>;
  compat_version?: number;
  version?: number;
}

interface AuthEntity {
  entity: string;
  key: string;
  caps: Record<string, string>;
}

/**
 * Python's `json.dumps(data)`: keys in their order, `", "` and `": "` between items, non-ASCII
 * escaped (ensure_ascii).
 */
export function pyJsonDumps(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") {
    return JSON.stringify(v).replace(
      /[\u0080-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  }
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(pyJsonDumps).join(", ")}]`;
  const items = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
  return `{${items.map(([k, x]) => `${pyJsonDumps(k)}: ${pyJsonDumps(x)}`).join(", ")}}`;
}

/** A volume error: errno (negative) and message, as VolumeException. */
export class AuthError extends Error {
  constructor(readonly errno: number, message: string) {
    super(message);
  }
}

/** prepare_updated_caps_list: the caps but mds and osd, then the new mds and osd caps. */
function updatedCapsList(
  existing: AuthEntity,
  mds: string,
  osd: string,
  authorize = true,
): string[] {
  const list: string[] = [];
  for (const [k, v] of Object.entries(existing.caps)) {
    if (k === "mds" || k === "osd") continue;
    if (k === "mon" && !authorize && v === "allow r") continue;
    list.push(k, v);
  }
  if (mds) list.push("mds", mds);
  if (osd) list.push("osd", osd);
  // As the source: 'mon' among the list's items (keys and values alike).
  if (authorize && !list.includes("mon")) list.push("mon", "allow r");
  return list;
}

/** Python's `list.remove`: the first equal item, or ValueError. */
function removeFirst(list: string[], item: string): void {
  const i = list.indexOf(item);
  if (i < 0) throw new Error("ValueError: list.remove(x): x not in list");
  list.splice(i, 1);
}

/** The auth files' exclusive holds, by file (the module has one table for all its commands). */
export class AuthLocks {
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `fn` once the holds on `key` taken before it are released. */
  async hold<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => release = r);
    const tail = before.then(() => mine);
    this.#tails.set(key, tail);
    await before;
    try {
      return await fn();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}

/** One subvolume's auth IDs, through the module's mount of its volume and its mon session. */
export class SubvolumeAuth {
  readonly #mon: MonCommand;
  constructor(
    readonly host: AuthHost,
    readonly fs: CephFSMount,
    readonly sv: AuthSubvol,
    readonly locks: AuthLocks,
  ) {
    this.#mon = (cmd) => host.mon_command(cmd);
  }

  /** `<group>/<name>` as the auth file keys it (`None` for the default group). */
  get #groupSubvolId(): string {
    const group = this.sv.group.name === NO_GROUP ? "None" : this.sv.group.name;
    return `${group}/${this.sv.name}`;
  }

  #authPath(authId: string): string {
    return `${SUBVOL_PREFIX}/$${authId}.meta`;
  }

  #subvolPath(group = this.sv.group.name, name = this.sv.name): string {
    return `${SUBVOL_PREFIX}/_${group === NO_GROUP ? "" : group}:${name}.meta`;
  }

  /**
   * AuthMetadataManager._lock: the file is opened with O_CREAT (a missing one is made empty)
   * and held exclusively while `fn` runs. The flock excludes the module's other commands;
   * mgrd's run in one thread, so the module's lock table does (`locks`).
   */
  async #locked<T>(path: string, fn: () => Promise<T>): Promise<T> {
    return await this.locks.hold(`${this.fs.fsName}:${path}`, async () => {
      await this.fs.touch(path, 0o755);
      return await fn();
    });
  }

  async #get<T>(path: string): Promise<T | null> {
    const bytes = await this.fs.readFile(path);
    if (bytes.length === 0) return null;
    return JSON.parse(new TextDecoder().decode(bytes)) as T;
  }

  async #set(path: string, data: unknown): Promise<void> {
    await this.fs.writeFile(path, new TextEncoder().encode(pyJsonDumps(data)), 0o644);
  }

  #authMetaSet(authId: string, meta: AuthMeta): Promise<void> {
    meta.compat_version = 6;
    meta.version = VERSION;
    return this.#set(this.#authPath(authId), meta);
  }

  #subvolMetaSet(meta: SubvolMeta): Promise<void> {
    meta.compat_version = 1;
    meta.version = VERSION;
    return this.#set(this.#subvolPath(), meta);
  }

  /** `auth get client.<id>` as JSON, or null when the mon has no such entity. */
  async #authGet(authId: string): Promise<AuthEntity[] | null> {
    const [r, out, err] = await this.#mon({
      prefix: "auth get",
      entity: `client.${authId}`,
      format: "json",
    });
    if (r === 0) return JSON.parse(out) as AuthEntity[];
    if (r === -ENOENT) return null;
    this.host.log.error(err);
    throw new AuthError(r, err);
  }

  /** The data pool and namespace of the subvolume's layout. */
  async #layout(): Promise<{ pool: string; ns: string }> {
    const pool = await this.fs.getxattr(this.sv.path, "ceph.dir.layout.pool").catch((e) => {
      if (e instanceof CephFSError) throw new AuthError(-e.errno, e.what);
      throw e;
    });
    let ns = "";
    try {
      ns = await this.fs.getxattr(this.sv.path, "ceph.dir.layout.pool_namespace");
    } catch (e) {
      if (!(e instanceof CephFSError && e.errno === ENODATA)) throw e;
    }
    return { pool, ns };
  }

  /** authorize: the auth ID's file, the subvolume's file, then the mon's caps. */
  async authorize(
    authId: string,
    accessLevel: string,
    tenantId: string | undefined,
    allowExistingId: boolean,
  ): Promise<string> {
    return await this.#locked(
      this.#authPath(authId),
      () => this.#authorizeLocked(authId, accessLevel, tenantId, allowExistingId),
    );
  }

  async #authorizeLocked(
    authId: string,
    accessLevel: string,
    tenantId: string | undefined,
    allowExistingId: boolean,
  ): Promise<string> {
    const existing = await this.#authGet(authId);
    let meta = await this.#get<AuthMeta>(this.#authPath(authId));
    const id = this.#groupSubvolId;
    const entry = { access_level: accessLevel, dirty: true };
    if (meta === null) {
      if (!allowExistingId && existing !== null) {
        const msg =
          `auth ID: ${authId} exists and not created by mgr plugin. Not allowed to modify`;
        this.host.log.error(msg);
        throw new AuthError(-EPERM, msg);
      }
      meta = { dirty: true, tenant_id: tenantId ? tenantId : null, subvolumes: { [id]: entry } };
    } else {
      if (meta.volumes) {
        meta.subvolumes = meta.volumes;
        delete meta.volumes;
      }
      // Python's str(): None is "None".
      if (String(meta.tenant_id ?? "None") !== String(tenantId ?? "None")) {
        const msg = `auth ID: ${authId} is already in use`;
        this.host.log.error(msg);
        throw new AuthError(-EPERM, msg);
      }
      if (meta.dirty) await this.#recover(authId, meta);
      meta.dirty = true;
      meta.subvolumes[id] = entry;
    }
    await this.#authMetaSet(authId, meta);
    const key = await this.#locked(
      this.#subvolPath(),
      () => this.#authorizeSubvolume(authId, accessLevel, existing),
    );
    meta.dirty = false;
    meta.subvolumes[id]!.dirty = false;
    await this.#authMetaSet(authId, meta);
    // A caller that is not multi-tenant aware gets no key.
    return tenantId ? key : "";
  }

  async #authorizeSubvolume(
    authId: string,
    accessLevel: string,
    existing: AuthEntity[] | null,
  ): Promise<string> {
    let meta = await this.#get<SubvolMeta>(this.#subvolPath());
    const auth = { access_level: accessLevel, dirty: true };
    if (meta === null) {
      meta = { auths: { [authId]: auth } };
    } else {
      meta.auths[authId] = auth;
      await this.#subvolMetaSet(meta);
    }
    const key = await this.#allow(authId, accessLevel, existing);
    meta.auths[authId]!.dirty = false;
    await this.#subvolMetaSet(meta);
    return key;
  }

  /** _authorize and allow_access: get-or-create the entity, or update its caps. */
  async #allow(authId: string, level: string, existing: AuthEntity[] | null): Promise<string> {
    const { pool, ns } = await this.#layout();
    const entity = `client.${authId}`;
    const nsPart = ns ? ` namespace=${ns}` : "";
    const wantMds = `allow ${level} path=${this.sv.path}`;
    const wantOsd = `allow ${level} pool=${pool}${nsPart}`;
    const other = level === "rw" ? "r" : "rw";
    const unwantedMds = `allow ${other} path=${this.sv.path}`;
    const unwantedOsd = `allow ${other} pool=${pool}${nsPart}`;
    let out: string;
    if (existing === null) {
      [, out] = await this.#mon({
        prefix: "auth get-or-create",
        entity,
        caps: ["mds", wantMds, "osd", wantOsd, "mon", "allow r"],
        format: "json",
      });
    } else {
      const cap = existing[0]!;
      const origMds = cap.caps.mds ?? "", origOsd = cap.caps.osd ?? "";
      let mds = origMds, osd = origOsd;
      if (!origMds) {
        mds = wantMds;
        osd = wantOsd;
      } else {
        const mdsTokens = origMds.split(",").map((x) => x.trim());
        const osdTokens = origOsd.split(",").map((x) => x.trim());
        if (!mdsTokens.includes(wantMds)) {
          if (mdsTokens.includes(unwantedMds)) {
            removeFirst(mdsTokens, unwantedMds);
            removeFirst(osdTokens, unwantedOsd);
          }
          mdsTokens.push(wantMds);
          osdTokens.push(wantOsd);
          mds = mdsTokens.join(",");
          osd = osdTokens.join(",");
        }
      }
      await this.#mon({ prefix: "auth caps", entity, caps: updatedCapsList(cap, mds, osd) });
      [, out] = await this.#mon({ prefix: "auth get", entity, format: "json" });
    }
    const caps = JSON.parse(out) as AuthEntity[];
    if (caps.length !== 1 || caps[0]!.entity !== entity) {
      throw new Error(`AssertionError: auth answer for ${entity}: ${out}`);
    }
    return caps[0]!.key;
  }

  /** _recover_auth_meta: finishes (or drops) what an interrupted authorize left dirty. */
  async #recover(authId: string, meta: AuthMeta): Promise<void> {
    const remove: string[] = [];
    for (const [subvol, data] of Object.entries(meta.subvolumes)) {
      if (!data.dirty) continue;
      const [g, n] = subvol.split("/") as [string, string];
      const group = g !== "None" ? g : NO_GROUP;
      const outcome = await this.#locked(this.#subvolPath(group, n), async () => {
        const svMeta = await this.#get<SubvolMeta>(this.#subvolPath(group, n));
        // No entry for the ID: the mon was not changed either, the partial entry goes.
        if (!svMeta || !(authId in svMeta.auths)) return "drop";
        const want = svMeta.auths[authId]!;
        if (want.access_level === data.access_level && want.dirty === false) {
          meta.subvolumes[subvol]!.dirty = false;
          await this.#authMetaSet(authId, meta);
          return "clean";
        }
        const existing = await this.#authGet(authId);
        // As the source: _authorize_subvolume of the subvolume this command opened.
        await this.#authorizeSubvolume(authId, data.access_level, existing);
        return "authorized";
      });
      if (outcome === "drop") remove.push(subvol);
      if (outcome !== "authorized") continue;
      meta.subvolumes[subvol]!.dirty = false;
      await this.#authMetaSet(authId, meta);
    }
    for (const subvol of remove) delete meta.subvolumes[subvol];
    if (Object.keys(meta.subvolumes).length === 0) {
      await this.fs.unlink(this.#authPath(authId));
      return;
    }
    meta.dirty = false;
    await this.#authMetaSet(authId, meta);
  }

  /** deauthorize: the mon's caps for this subvolume go, then the files' entries. */
  async deauthorize(authId: string): Promise<void> {
    await this.#locked(this.#authPath(authId), () => this.#deauthorizeLocked(authId));
  }

  async #deauthorizeLocked(authId: string): Promise<void> {
    const meta = await this.#get<AuthMeta>(this.#authPath(authId));
    if (meta === null) {
      const msg = `auth ID: ${authId} doesn't exist`;
      this.host.log.error(msg);
      throw new AuthError(-ENOENT, msg);
    }
    if (meta.volumes) {
      meta.subvolumes = meta.volumes;
      delete meta.volumes;
    }
    const id = this.#groupSubvolId;
    const removed = `deauthorized called for already-removed authID '${authId}' ` +
      `for subvolume '${this.sv.name}'`;
    if (!meta.subvolumes || Object.keys(meta.subvolumes).length === 0) {
      this.host.log.warning(removed);
      await this.fs.unlink(this.#authPath(authId));
      return;
    }
    if (!(id in meta.subvolumes)) {
      this.host.log.warning(removed);
      return;
    }
    if (meta.dirty) await this.#recover(authId, meta);
    meta.dirty = true;
    meta.subvolumes[id]!.dirty = true;
    await this.#authMetaSet(authId, meta);
    await this.#deauthorizeSubvolume(authId);
    delete meta.subvolumes[id];
    if (Object.keys(meta.subvolumes).length === 0) {
      await this.fs.unlink(this.#authPath(authId));
      return;
    }
    meta.dirty = false;
    await this.#authMetaSet(authId, meta);
  }

  async #deauthorizeSubvolume(authId: string): Promise<void> {
    await this.#locked(this.#subvolPath(), () => this.#deauthorizeSubvolumeLocked(authId));
  }

  async #deauthorizeSubvolumeLocked(authId: string): Promise<void> {
    const meta = await this.#get<SubvolMeta>(this.#subvolPath());
    if (meta === null || !(authId in meta.auths)) {
      this.host.log.warning(
        `deauthorized called for already-removed authID '${authId}' ` +
          `for subvolume '${this.sv.name}'`,
      );
      return;
    }
    meta.auths[authId]!.dirty = true;
    await this.#subvolMetaSet(meta);
    await this.#deny(authId);
    // The entry goes after the mon's caps, so that a crash in between recreates the caps.
    delete meta.auths[authId];
    await this.#subvolMetaSet(meta);
  }

  /** _deauthorize and deny_access: this subvolume's r or rw caps leave the entity. */
  async #deny(authId: string): Promise<void> {
    const { pool, ns } = await this.#layout();
    const entity = `client.${authId}`;
    const nsPart = ns ? ` namespace=${ns}` : "";
    const wantMds = ["r", "rw"].map((l) => `allow ${l} path=${this.sv.path}`);
    const wantOsd = ["r", "rw"].map((l) => `allow ${l} pool=${pool}${nsPart}`);
    const [r, out] = await this.#mon({ prefix: "auth get", entity, format: "json" });
    if (r === -ENOENT) return;
    const cap = (JSON.parse(out) as AuthEntity[])[0]!;
    const mdsTokens = (cap.caps.mds ?? "").split(",").map((x) => x.trim());
    const osdTokens = (cap.caps.osd ?? "").split(",").map((x) => x.trim());
    for (let i = 0; i < 2; i++) {
      if (mdsTokens.includes(wantMds[i]!)) {
        removeFirst(mdsTokens, wantMds[i]!);
        removeFirst(osdTokens, wantOsd[i]!);
        break;
      }
    }
    const caps = updatedCapsList(cap, mdsTokens.join(","), osdTokens.join(","), false);
    if (caps.length === 0) await this.#mon({ prefix: "auth rm", entity });
    else await this.#mon({ prefix: "auth caps", entity, caps });
  }

  /** authorized_list: `[{<auth_id>: <access_level>}]` of the entries that are not dirty. */
  authorizedList(): Promise<Record<string, string>[]> {
    return this.#locked(this.#subvolPath(), async () => {
      const meta = await this.#get<SubvolMeta>(this.#subvolPath());
      if (!meta || Object.keys(meta.auths).length === 0) return [];
      return Object.entries(meta.auths)
        .filter(([, a]) => !a.dirty)
        .map(([id, a]) => ({ [id]: a.access_level }));
    });
  }
}
