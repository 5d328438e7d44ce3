/**
 * A simulated file system's namespace, as its MDS keeps it: directories and files under `/`,
 * each with a mode. It lives as long as its file system (`fs new` makes an empty one, `fs rm`
 * drops it), and answers the CephFS port's operations with libcephfs's errnos.
 *
 * @module
 */
import type { CephFsDirent, CephFsOp, CephFsReply } from "../../core/cephfs_port.ts";
import { EEXIST, EINVAL, ENOENT, ENOTDIR } from "../../ceph/errno.ts";

interface Node {
  dir: boolean;
  mode: number;
  /** A file's bytes (directories: 0; their size is the sum below them, CephFS's rbytes). */
  bytes: number;
  children: Map<string, Node>;
}

const newDir = (mode: number): Node => ({ dir: true, mode, bytes: 0, children: new Map() });

/**
 * One file system's tree.
 *
 * @example
 * ```ts
 * import { FsTree } from "./fs_tree.ts";
 * const t = new FsTree();
 * t.operate({ op: "mkdirs", path: "/volumes/_nogroup", mode: 0o755 });
 * if (t.operate({ op: "statx", path: "/volumes" }).r !== 0) throw new Error();
 * ```
 */
export class FsTree {
  readonly #root: Node = newDir(0o755);

  /** Answers one operation. */
  operate(op: CephFsOp): CephFsReply {
    const parts = _split(op.path);
    if (!parts) return { r: -EINVAL };
    switch (op.op) {
      case "statx": {
        const n = this.#lookup(parts);
        if (typeof n === "number") return { r: n };
        return { r: 0, is_dir: n.dir, mode: n.mode, size: _size(n) };
      }
      case "listdir": {
        const n = this.#lookup(parts);
        if (typeof n === "number") return { r: n };
        if (!n.dir) return { r: -ENOTDIR };
        const entries: CephFsDirent[] = [...n.children]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([name, c]) => ({ name, is_dir: c.dir }));
        return { r: 0, entries };
      }
      case "mkdirs": {
        let n = this.#root;
        let made = false;
        for (const p of parts) {
          let c = n.children.get(p);
          if (!c) {
            c = newDir(op.mode & 0o7777);
            n.children.set(p, c);
            made = true;
          } else if (!c.dir) return { r: -ENOTDIR };
          n = c;
        }
        return { r: made ? 0 : -EEXIST };
      }
    }
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

function _size(n: Node): number {
  let s = n.bytes;
  for (const c of n.children.values()) s += _size(c);
  return s;
}
