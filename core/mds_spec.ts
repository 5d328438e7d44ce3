/**
 * Which MDS a daemon spec names in an FSMap dump (`get("fs_map")`), as Ceph's
 * Client::resolve_mds reads `tell mds.<spec>` and a module's `send_command(..., "mds", spec)`:
 * a role (`0`, `cephfs:0`, by rank), a gid, or a daemon name, among the daemons the FSMap
 * holds (ranks and standbys).
 *
 * @module
 */

interface MdsInfo {
  name?: unknown;
  gid?: unknown;
  rank?: unknown;
}

/**
 * The name of the MDS `spec` resolves to in `fsMap`, or undefined when none does.
 *
 * @example
 * ```ts
 * import { resolveMds } from "./mds_spec.ts";
 * const fsMap = {
 *   standbys: [{ name: "b", gid: 14010, rank: -1 }],
 *   filesystems: [{ mdsmap: { fs_name: "cephfs", info: { gid_14003: { name: "a", gid: 14003, rank: 0 } } } }],
 * };
 * console.assert(resolveMds(fsMap, "cephfs:0") === "a");
 * console.assert(resolveMds(fsMap, "14010") === "b");
 * console.assert(resolveMds(fsMap, "c") === undefined);
 * ```
 */
export function resolveMds(fsMap: unknown, spec: string): string | undefined {
  const map = (fsMap ?? {}) as {
    standbys?: MdsInfo[];
    filesystems?: { mdsmap?: { fs_name?: unknown; info?: Record<string, MdsInfo> } }[];
  };
  const ranked = (map.filesystems ?? []).flatMap((fs) =>
    Object.values(fs.mdsmap?.info ?? {}).map((info) => ({ fs: fs.mdsmap?.fs_name, info }))
  );
  const all = [...ranked.map((r) => r.info), ...(map.standbys ?? [])];
  const role = /^(?:([^:]+):)?(\d+)$/.exec(spec);
  if (role) {
    const holder = ranked.find((r) =>
      (role[1] === undefined || r.fs === role[1]) && Number(r.info.rank) === Number(role[2])
    );
    if (holder) return String(holder.info.name);
  }
  if (/^\d+$/.test(spec)) {
    const byGid = all.find((i) => Number(i.gid) === Number(spec));
    if (byGid) return String(byGid.name);
  }
  return all.find((i) => i.name === spec) ? spec : undefined;
}
