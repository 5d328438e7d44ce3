/**
 * The CephFS port of the link to a real cluster: one libcephfs mount per file system
 * (rados/libcephfs_mount.ts), made on first use and kept, as mgr_util's connection pool keeps
 * Ceph's modules' mounts. A file system that is not in the FSMap answers -ENOENT (and its
 * mount, if any, is closed); one removed and made again under the same name (a new fscid) gets
 * a new mount.
 *
 * @module
 */
import type { CephFsOp, CephFsPort, CephFsReply } from "../core/cephfs_port.ts";
import { EIO, ENOENT } from "../ceph/errno.ts";
import type { CephFsMountHandle } from "../rados/libcephfs_mount.ts";
import { RadosError } from "../rados/rados_error.ts";

interface FsMapJson {
  filesystems?: { id: number; mdsmap: { fs_name: string } }[];
}

/** What the port mounts with. */
export interface RealCephFsOptions {
  /** Mounts file system `fsName` (libcephfs). */
  mount(fsName: string): Promise<CephFsMountHandle>;
  /** The cluster's current FSMap (`get("fs_map")`). */
  fsMap(): unknown;
  /** Where a mount that fails is said (once per failure). */
  log?: (message: string) => void;
}

/**
 * CephFS on a real cluster.
 *
 * @example
 * ```ts ignore
 * const port = new RealCephFsPort({ mount: (fs) => mountCephFs(fs, opts), fsMap: () => c.get("fs_map") });
 * await port.operate("cephfs", { op: "statx", path: "/" });
 * ```
 */
export class RealCephFsPort implements CephFsPort {
  readonly #o: RealCephFsOptions;
  readonly #mounts = new Map<string, { fscid: number; mount: Promise<CephFsMountHandle> }>();
  #closed = false;

  constructor(options: RealCephFsOptions) {
    this.#o = options;
  }

  async operate(fsName: string, op: CephFsOp): Promise<CephFsReply> {
    const fs = ((this.#o.fsMap() as FsMapJson | null)?.filesystems ?? [])
      .find((f) => f.mdsmap.fs_name === fsName);
    const known = this.#mounts.get(fsName);
    if (known && known.fscid !== fs?.id) {
      this.#mounts.delete(fsName);
      known.mount.then((m) => m.close()).catch(() => {});
    }
    if (!fs || this.#closed) return { r: -ENOENT };
    let entry = this.#mounts.get(fsName);
    if (!entry) {
      entry = { fscid: fs.id, mount: this.#o.mount(fsName) };
      this.#mounts.set(fsName, entry);
    }
    let mount: CephFsMountHandle;
    try {
      mount = await entry.mount;
    } catch (e) {
      if (this.#mounts.get(fsName) === entry) this.#mounts.delete(fsName);
      this.#o.log?.(`cannot mount file system '${fsName}': ${(e as Error).message}`);
      return { r: e instanceof RadosError ? e.errno : -EIO };
    }
    try {
      return await mount.operate(op);
    } catch (e) {
      if (e instanceof RadosError) return { r: e.errno };
      throw e;
    }
  }

  /** Closes the mount of `fsName`, if there is one. */
  async release(fsName: string): Promise<void> {
    const known = this.#mounts.get(fsName);
    this.#mounts.delete(fsName);
    await known?.mount.then((m) => m.close()).catch(() => {});
  }

  /** Closes every mount. */
  async close(): Promise<void> {
    this.#closed = true;
    const mounts = [...this.#mounts.values()];
    this.#mounts.clear();
    await Promise.all(mounts.map((m) => m.mount.then((h) => h.close()).catch(() => {})));
  }
}
