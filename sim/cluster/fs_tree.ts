/**
 * A simulated file system's namespace, as its MDS keeps it: directories under `/`, each with
 * a mode, an owner, times and the virtual xattrs the volumes module sets (quota, layout pool),
 * files, symbolic links, and the snapshots of directories (`<dir>/.snap/<name>`: a frozen copy
 * of the subtree as it was when taken, with its time). It lives as long as its file system
 * (`fs new` makes an empty one, `fs rm` drops it), and answers the CephFS port's operations with
 * libcephfs's errnos.
 *
 * @module
 */
import type { CephFsDirent, CephFsOp, CephFsReply } from "../../core/cephfs_port.ts";
import {
  EDOM,
  EEXIST,
  EINVAL,
  EISDIR,
  ENODATA,
  ENOENT,
  ENOTDIR,
  ENOTEMPTY,
  EOPNOTSUPP,
  EPERM,
  EROFS,
} from "../../ceph/errno.ts";
import { strHashRjenkins } from "../../ceph/str_hash.ts";

const S_IFDIR = 0o40000, S_IFREG = 0o100000, S_IFLNK = 0o120000;
/** `client_snapdir`: the virtual directory of a directory's snapshots. */
const SNAP_DIR = ".snap";
/** The MDS's `mds_export_ephemeral_random_max` (16.2's default): the highest random pin. */
const MDS_EXPORT_EPHEMERAL_RANDOM_MAX = 0.01;

interface Node {
  /** The inode number: the root's is 1, the others count up from 2^40 as a new MDS's do. */
  ino: number;
  dir: boolean;
  /** A symbolic link's target (a link is not a directory and has no data). */
  link?: string;
  /** Permission bits. */
  perm: number;
  uid: number;
  gid: number;
  btime: number;
  atime: number;
  mtime: number;
  ctime: number;
  /** A file's content (directories: none; their size is the sum below them, CephFS's rbytes). */
  data: Uint8Array;
  xattrs: Map<string, string>;
  children: Map<string, Node>;
  /** A directory's snapshots, in the order they were taken (the snaprealm's snap ids). */
  snaps: Map<string, Snapshot>;
}

/** One snapshot of a directory: its subtree as it was, and when it was taken. */
interface Snapshot {
  name: string;
  /** The snapshot id: the file system's snapshots in the order they were taken. */
  id: number;
  root: Node;
  /** Seconds since the epoch, with the clock's fraction (`ceph.snap.btime`). */
  btime: number;
}

/**
 * Where a path leads: an entry (in the live tree, or inside snapshot `snap`), or the `.snap`
 * directory of `owner`.
 */
type Place =
  | { node: Node; snap?: Snapshot; snapdirOf?: undefined }
  | {
    snapdirOf: Node;
    snap?: Snapshot;
    node?: undefined;
    /** What the `.snap` lists: the directory's own snapshots and those it inherits. */
    listed: SnapEntry[];
    /** Whether a directory above it is a subvolume (the MDS refuses snapshots there). */
    inSubvolume: boolean;
  };

/** A `.snap` entry: an own snapshot by its name, an inherited one as `_<name>_<ino>`. */
interface SnapEntry {
  name: string;
  snap: Snapshot;
  /** The directory as the snapshot holds it. */
  node: Node;
}

/** What the tree needs of its file system. */
export interface FsTreeOptions {
  /** The cluster clock (seconds). */
  now(): number;
  /** The file system's data pools, by name and by id: a layout names one of them. */
  dataPools(): { id: number; name: string }[];
}

/** The order a CephFS directory lists its entries in: the dentry hash's frag value, then name. */
function _dentryOrder(a: string, b: string): number {
  const ha = strHashRjenkins(a) & 0xffffff, hb = strHashRjenkins(b) & 0xffffff;
  return ha !== hb ? ha - hb : a < b ? -1 : a > b ? 1 : 0;
}

/**
 * One file system's tree.
 *
 * @example
 * ```ts
 * import { FsTree } from "./fs_tree.ts";
 * const t = new FsTree({ now: () => 0, dataPools: () => [{ id: 2, name: "data" }] });
 * t.operate({ op: "mkdirs", path: "/volumes/_nogroup", mode: 0o755 });
 * if (t.operate({ op: "statx", path: "/volumes" }).r !== 0) throw new Error();
 * ```
 */
export class FsTree {
  readonly #opts: FsTreeOptions;
  readonly #root: Node;
  #nextIno = 2 ** 40;
  #nextSnapId = 1;

  constructor(opts: FsTreeOptions) {
    this.#opts = opts;
    this.#root = { ...this.#newDir(0o755, 0, 0), ino: 1 };
    this.#nextIno = 2 ** 40;
  }

  #newDir(perm: number, uid: number, gid: number): Node {
    const t = Math.floor(this.#opts.now());
    return {
      ino: this.#nextIno++,
      dir: true,
      perm: perm & 0o7777,
      uid,
      gid,
      btime: t,
      atime: t,
      mtime: t,
      ctime: t,
      data: new Uint8Array(),
      xattrs: new Map(),
      children: new Map(),
      snaps: new Map(),
    };
  }

  /** Answers one operation. */
  operate(op: CephFsOp): CephFsReply {
    const parts = _split(op.path);
    if (!parts) return { r: -EINVAL };
    const to = op.op === "rename" ? _split(op.to) : [];
    if (parts.includes(SNAP_DIR) || to?.includes(SNAP_DIR)) return this.#snapshotOp(op, parts);
    const now = Math.floor(this.#opts.now());
    switch (op.op) {
      case "statx": {
        const n = this.#lookup(parts);
        if (typeof n === "number") return { r: n };
        return _stat(n);
      }
      case "listdir": {
        const n = this.#lookup(parts);
        if (typeof n === "number") return { r: n };
        return _list(n);
      }
      case "symlink": {
        if (parts.length === 0) return { r: -EEXIST };
        const parent = this.#lookup(parts.slice(0, -1));
        if (typeof parent === "number") return { r: parent };
        if (!parent.dir) return { r: -ENOTDIR };
        const name = parts[parts.length - 1]!;
        if (parent.children.has(name)) return { r: -EEXIST };
        parent.children.set(name, { ...this.#newDir(0o777, 0, 0), dir: false, link: op.target });
        parent.mtime = parent.ctime = now;
        return { r: 0 };
      }
      case "readlink": {
        const n = this.#lookup(parts);
        if (typeof n === "number") return { r: n };
        return n.link === undefined ? { r: -EINVAL } : { r: 0, value: n.link };
      }
      case "mkdir": {
        if (parts.length === 0) return { r: -EEXIST };
        const parent = this.#lookup(parts.slice(0, -1));
        if (typeof parent === "number") return { r: parent };
        if (!parent.dir) return { r: -ENOTDIR };
        const name = parts[parts.length - 1]!;
        if (parent.children.has(name)) return { r: -EEXIST };
        parent.children.set(name, this.#newDir(op.mode, 0, 0));
        parent.mtime = parent.ctime = now;
        return { r: 0 };
      }
      case "mkdirs": {
        // Client::mkdirs: what exists is looked up, the rest made; all there is no error.
        let n = this.#root;
        for (const p of parts) {
          if (!n.dir) return { r: -ENOTDIR };
          let c = n.children.get(p);
          if (!c) {
            c = this.#newDir(op.mode, 0, 0);
            n.children.set(p, c);
            n.mtime = n.ctime = now;
          }
          n = c;
        }
        return { r: 0 };
      }
      case "rmdir": {
        if (parts.length === 0) return { r: -EINVAL };
        const parent = this.#lookup(parts.slice(0, -1));
        if (typeof parent === "number") return { r: parent };
        const name = parts[parts.length - 1]!;
        const n = parent.children.get(name);
        if (!n) return { r: -ENOENT };
        if (!n.dir) return { r: -ENOTDIR };
        // A directory with snapshots is not empty either (its snapshots hold its past).
        if (n.children.size > 0 || n.snaps.size > 0) return { r: -ENOTEMPTY };
        parent.children.delete(name);
        parent.mtime = parent.ctime = now;
        return { r: 0 };
      }
      case "getxattr": {
        const n = this.#lookup(parts);
        if (typeof n === "number") return { r: n };
        return this.#getxattr(n, op.name);
      }
      case "setxattr": {
        const n = this.#lookup(parts);
        if (typeof n === "number") return { r: n };
        if (op.name === "ceph.quota.max_bytes" || op.name === "ceph.quota.max_files") {
          if (!/^\d+$/.test(op.value)) return { r: -EINVAL };
          if (Number(op.value) === 0) n.xattrs.delete(op.name);
          else n.xattrs.set(op.name, String(Number(op.value)));
        } else if (op.name === "ceph.dir.layout.pool") {
          const pool = this.#opts.dataPools().find((p) =>
            p.name === op.value || String(p.id) === op.value
          );
          if (!pool) return { r: -EINVAL };
          n.xattrs.set(op.name, pool.name);
        } else if (op.name === "ceph.dir.layout.pool_namespace") {
          if (!n.dir) return { r: -EINVAL };
          // A namespace alone takes the layout the directory inherits.
          if (!n.xattrs.has("ceph.dir.layout.pool")) {
            const pool = this.#inheritedPool(parts);
            if (pool !== undefined) n.xattrs.set("ceph.dir.layout.pool", pool);
          }
          n.xattrs.set(op.name, op.value);
        } else if (op.name === "ceph.dir.pin") {
          if (!n.dir || !/^-?\d+$/.test(op.value)) return { r: -EINVAL };
          // Below -1 (no pin) is no pin, as a 16.2 MDS keeps it.
          n.xattrs.set(op.name, String(Math.max(-1, Number(op.value))));
        } else if (op.name === "ceph.dir.pin.distributed") {
          if (!n.dir || !/^[01]$/.test(op.value)) return { r: -EINVAL };
          n.xattrs.set(op.name, op.value);
        } else if (op.name === "ceph.dir.pin.random") {
          const v = Number(op.value);
          if (!n.dir || op.value.trim() === "" || Number.isNaN(v)) return { r: -EINVAL };
          if (v < 0 || v > 1) return { r: -EDOM };
          if (v > MDS_EXPORT_EPHEMERAL_RANDOM_MAX) return { r: -EINVAL };
          n.xattrs.set(op.name, op.value);
        } else if (op.name === "ceph.dir.subvolume") {
          if (!n.dir || !/^[01]$/.test(op.value)) return { r: -EINVAL };
          n.xattrs.set(op.name, op.value);
        } else return { r: -EOPNOTSUPP };
        n.ctime = now;
        return { r: 0 };
      }
      // The tree follows no symbolic link, so chown is lchown.
      case "chown":
      case "lchown": {
        const n = this.#lookup(parts);
        if (typeof n === "number") return { r: n };
        n.uid = op.uid;
        n.gid = op.gid;
        n.ctime = now;
        return { r: 0 };
      }
      case "lutimes": {
        const n = this.#lookup(parts);
        if (typeof n === "number") return { r: n };
        n.atime = op.atime;
        n.mtime = op.mtime;
        n.ctime = now;
        return { r: 0 };
      }
      case "touch":
      case "write_file": {
        if (parts.length === 0) return { r: -EISDIR };
        const parent = this.#lookup(parts.slice(0, -1));
        if (typeof parent === "number") return { r: parent };
        if (!parent.dir) return { r: -ENOTDIR };
        const name = parts[parts.length - 1]!;
        let f = parent.children.get(name);
        if (f?.dir) return { r: -EISDIR };
        if (f?.link !== undefined) return { r: -EINVAL };
        if (!f) {
          f = { ...this.#newDir(op.mode, 0, 0), dir: false };
          parent.children.set(name, f);
          parent.mtime = parent.ctime = now;
        }
        if (op.op === "write_file") {
          f.data = new Uint8Array(op.data);
          f.mtime = f.ctime = now;
        }
        return { r: 0 };
      }
      case "read_file": {
        const n = this.#lookup(parts);
        if (typeof n === "number") return { r: n };
        if (n.dir) return { r: -EISDIR };
        n.atime = now;
        return { r: 0, data: new Uint8Array(n.data) };
      }
      case "unlink": {
        const parent = this.#lookup(parts.slice(0, -1));
        if (typeof parent === "number") return { r: parent };
        const name = parts[parts.length - 1];
        const n = name === undefined ? undefined : parent.children.get(name);
        if (!n) return { r: -ENOENT };
        if (n.dir) return { r: -EISDIR };
        parent.children.delete(name!);
        parent.mtime = parent.ctime = now;
        return { r: 0 };
      }
      case "rename": {
        const to = _split(op.to);
        if (!to || parts.length === 0 || to.length === 0) return { r: -EINVAL };
        const from = this.#lookup(parts.slice(0, -1));
        if (typeof from === "number") return { r: from };
        const name = parts[parts.length - 1]!;
        const n = from.children.get(name);
        if (!n) return { r: -ENOENT };
        const dest = this.#lookup(to.slice(0, -1));
        if (typeof dest === "number") return { r: dest };
        if (!dest.dir) return { r: -ENOTDIR };
        // A directory cannot move below itself.
        if (to.length > parts.length && parts.every((p, i) => to[i] === p)) return { r: -EINVAL };
        const toName = to[to.length - 1]!;
        const there = dest.children.get(toName);
        if (there && (there.dir || n.dir)) {
          if (there.dir && there.children.size > 0) return { r: -ENOTEMPTY };
          if (there.dir !== n.dir) return { r: there.dir ? -EISDIR : -ENOTDIR };
        }
        from.children.delete(name);
        dest.children.set(toName, n);
        from.mtime =
          from.ctime =
          dest.mtime =
          dest.ctime =
          n.ctime =
            now;
        return { r: 0 };
      }
      case "chmod": {
        const n = this.#lookup(parts);
        if (typeof n === "number") return { r: n };
        n.perm = op.mode & 0o7777;
        n.ctime = now;
        return { r: 0 };
      }
    }
  }

  /** A virtual or set xattr of `n` (`ceph.snap.btime`: `snap`'s time, for what is in one). */
  #getxattr(n: Node, name: string, snap?: Snapshot): CephFsReply {
    if (name === "ceph.snap.btime") {
      if (!snap) return { r: -ENODATA };
      const sec = Math.floor(snap.btime);
      const nsec = Math.min(999_999_999, Math.round((snap.btime - sec) * 1e9));
      return { r: 0, value: `${sec}.${String(nsec).padStart(9, "0")}` };
    }
    // The subvolume mark is set, not read (16.2's MDS answers ENODATA).
    const v = name === "ceph.dir.subvolume" ? undefined : n.xattrs.get(name);
    if (v !== undefined) return { r: 0, value: v };
    // The root always has the file system's default layout.
    if (name === "ceph.dir.layout.pool" && n === this.#root) {
      const first = this.#opts.dataPools()[0];
      if (first) return { r: 0, value: first.name };
    }
    // A directory with a layout of its own has a namespace, empty unless set.
    if (name === "ceph.dir.layout.pool_namespace" && n.xattrs.has("ceph.dir.layout.pool")) {
      return { r: 0, value: "" };
    }
    return { r: -ENODATA };
  }

  /**
   * An operation on a path through a `.snap` directory: reads see the snapshot's frozen
   * subtree, `mkdir`/`rmdir` of `<dir>/.snap/<name>` take and drop a snapshot of `<dir>`, and
   * any other change is -EROFS (once the path's directory is there).
   */
  #snapshotOp(op: CephFsOp, parts: string[]): CephFsReply {
    const last = parts[parts.length - 1]!;
    switch (op.op) {
      case "statx":
      case "listdir":
      case "getxattr":
      case "read_file":
      case "readlink": {
        const at = this.#place(parts);
        if (typeof at === "number") return { r: at };
        // `.snap` reads as its directory, listing the snapshots.
        const n = at.node ?? at.snapdirOf;
        if (op.op === "statx") return _stat(n);
        if (op.op === "getxattr") return this.#getxattr(n, op.name, at.snap);
        if (op.op === "listdir") {
          if (at.snapdirOf) {
            return { r: 0, entries: at.listed.map((e) => ({ name: e.name, is_dir: true })) };
          }
          return _list(n);
        }
        if (op.op === "readlink") {
          return n.link === undefined ? { r: -EINVAL } : { r: 0, value: n.link };
        }
        return n.dir ? { r: -EISDIR } : { r: 0, data: new Uint8Array(n.data) };
      }
    }
    if (last === SNAP_DIR && op.op === "mkdir") return { r: -EEXIST };
    const parent = this.#place(parts.slice(0, -1));
    if (typeof parent === "number") return { r: parent };
    const owner = parent.snapdirOf;
    if (owner && !parent.snap && op.op === "mkdir") {
      // Only a subvolume's root takes snapshots, not what is below it.
      if (parent.inSubvolume) return { r: -EPERM };
      if (owner.snaps.has(last)) return { r: -EEXIST };
      // The MDS keeps names beginning with `_` for the snapshots a directory inherits.
      if (last.startsWith("_")) return { r: -EINVAL };
      owner.snaps.set(last, {
        name: last,
        id: this.#nextSnapId++,
        root: _freeze(owner),
        btime: this.#opts.now(),
      });
      return { r: 0 };
    }
    if (owner && !parent.snap && op.op === "rmdir") {
      return owner.snaps.delete(last) ? { r: 0 } : { r: -ENOENT };
    }
    return { r: -EROFS };
  }

  /** Where `parts` leads, through `.snap` directories into the snapshots' subtrees. */
  #place(parts: string[]): Place | number {
    let at: Place = { node: this.#root };
    // The live directories walked through, root first, and the names below each.
    const chain: Node[] = [];
    const names: string[] = [];
    for (const p of parts) {
      if (at.snapdirOf) {
        const entry: SnapEntry | undefined = at.listed.find((e) => e.name === p);
        if (!entry) return -ENOENT;
        at = { node: entry.node, snap: entry.snap };
        continue;
      }
      const n: Node = at.node;
      if (!n.dir) return -ENOTDIR;
      if (p === SNAP_DIR) {
        const listed: SnapEntry[] = at.snap ? [] : this.#snapEntries(n, chain, names);
        const inSubvolume: boolean = !at.snap &&
          chain.some((a) => a.xattrs.get("ceph.dir.subvolume") === "1");
        at = { snapdirOf: n, snap: at.snap, listed, inSubvolume };
        continue;
      }
      const c = n.children.get(p);
      if (!c) return -ENOENT;
      if (!at.snap) {
        chain.push(n);
        names.push(p);
      }
      at = { node: c, snap: at.snap };
    }
    return at;
  }

  /**
   * What `<dir>/.snap` lists, in snapshot-id order: the directory's snapshots, and those of
   * the directories above it (`ancestors`, root first, `names` the path below each) that hold
   * it, as `_<name>_<ancestor's ino>`.
   */
  #snapEntries(dir: Node, ancestors: Node[], names: string[]): SnapEntry[] {
    const out: SnapEntry[] = [...dir.snaps.values()].map((snap) => ({
      name: snap.name,
      snap,
      node: snap.root,
    }));
    ancestors.forEach((a, i) => {
      for (const snap of a.snaps.values()) {
        let n: Node | undefined = snap.root;
        for (const name of names.slice(i)) n = n?.children.get(name);
        if (n?.dir) out.push({ name: `_${snap.name}_${a.ino}`, snap, node: n });
      }
    });
    return out.sort((x, y) => x.snap.id - y.snap.id);
  }

  /** The layout pool the directory at `parts` inherits from its nearest ancestor. */
  #inheritedPool(parts: string[]): string | undefined {
    for (let i = parts.length - 1; i >= 0; i--) {
      const n = this.#lookup(parts.slice(0, i));
      if (typeof n !== "number" && n.xattrs.has("ceph.dir.layout.pool")) {
        return n.xattrs.get("ceph.dir.layout.pool");
      }
    }
    return this.#opts.dataPools()[0]?.name;
  }

  #lookup(parts: string[]): Node | number {
    let n = this.#root;
    for (const p of parts) {
      if (!n.dir) return -ENOTDIR;
      const c = n.children.get(p);
      if (!c) return -ENOENT;
      n = c;
    }
    return n;
  }
}

/** An absolute path's components (`.` dropped, `..` refused), or undefined when not absolute. */
function _split(path: string): string[] | undefined {
  if (!path.startsWith("/")) return undefined;
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  return parts.includes("..") ? undefined : parts;
}

/** `statx` of an entry, not following a symbolic link. */
function _stat(n: Node): CephFsReply {
  const type = n.dir ? S_IFDIR : n.link !== undefined ? S_IFLNK : S_IFREG;
  return {
    r: 0,
    is_dir: n.dir,
    mode: type | n.perm,
    uid: n.uid,
    gid: n.gid,
    size: n.link !== undefined ? new TextEncoder().encode(n.link).length : _size(n),
    btime: n.btime,
    atime: n.atime,
    mtime: n.mtime,
    ctime: n.ctime,
  };
}

/** A directory's entries, in dentry order. */
function _list(n: Node): CephFsReply {
  if (!n.dir) return { r: -ENOTDIR };
  const entries: CephFsDirent[] = [...n.children.keys()].sort(_dentryOrder)
    .map((name) => ({ name, is_dir: n.children.get(name)!.dir }));
  return { r: 0, entries };
}

/** A copy of the subtree at `n` as it is now (a snapshot's; its files' bytes are shared). */
function _freeze(n: Node): Node {
  return {
    ...n,
    xattrs: new Map(n.xattrs),
    children: new Map([...n.children].map(([k, c]) => [k, _freeze(c)])),
    snaps: new Map(),
  };
}

function _size(n: Node): number {
  let s = n.data.length;
  for (const c of n.children.values()) s += _size(c);
  return s;
}
