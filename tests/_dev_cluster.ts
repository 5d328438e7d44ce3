/**
 * The development clusters the real-cluster tests share: one per test process, started by the
 * first test that asks, whichever module it is in. `deno test` runs each module in its own
 * isolate, so the cluster is found through a directory named after this process (its pid);
 * the watcher of tools/dev-cluster.sh stops it, by its PIDs, and deletes that
 * directory when the process ends, however it ends.
 *
 * Where Debian's Ceph packages or librados2 are missing, `REAL_CLUSTER_SKIP` says why, loudly,
 * and the tests are ignored.
 */
import { LibcephfsLoadError, loadLibcephfs } from "../rados/libcephfs.ts";
import {
  connectRados,
  LibradosLoadError,
  loadLibrados,
  type RadosCluster,
  RadosError,
} from "../rados/librados.ts";
import { type DevCluster, devClusterMissing, startDevCluster } from "../tools/dev_cluster.ts";

export type { DevCluster };

function libradosMissing(): string | undefined {
  try {
    loadLibrados();
  } catch (e) {
    if (e instanceof LibradosLoadError) return e.message;
    throw e;
  }
  return undefined;
}

/** Why librados2 cannot be loaded here, or undefined when it can. */
export const LIBRADOS_SKIP: string | undefined = libradosMissing();

/** Why the real-cluster tests cannot run here, or undefined when they can. */
export const REAL_CLUSTER_SKIP: string | undefined = devClusterMissing() ?? LIBRADOS_SKIP;

if (REAL_CLUSTER_SKIP) {
  console.error(
    `\n!!! REAL-CLUSTER TESTS SKIPPED: ${REAL_CLUSTER_SKIP}\n` +
      `!!! (apt-get install ceph-mon ceph-mgr ceph-osd ceph-common ceph-base librados2)\n`,
  );
}

// This process, across its isolates. A directory left by an earlier process with the same pid
// is gone: that process's watcher deleted it when the process ended.
function processKey(): string {
  return String(Deno.pid);
}

const TMP = Deno.env.get("TMPDIR") ?? "/tmp";

async function shared(kind: string, start: (dir: string) => Promise<DevCluster>) {
  const dir = `${TMP}/mgrd-dev-${processKey()}-${kind}`;
  const ready = `${dir}/ready.json`, failed = `${dir}/failed.txt`;
  let first = true;
  try {
    await Deno.mkdir(dir);
  } catch (e) {
    if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    first = false;
  }
  if (first) {
    try {
      const cluster = await start(dir);
      await Deno.writeTextFile(ready, JSON.stringify(cluster));
      return cluster;
    } catch (e) {
      await Deno.writeTextFile(failed, String(e));
      throw e;
    }
  }
  // Another module of this process is starting it, or has.
  for (let waited = 0; waited < 600; waited++) {
    try {
      return JSON.parse(await Deno.readTextFile(ready)) as DevCluster;
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    try {
      throw new Error(await Deno.readTextFile(failed));
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the shared development cluster in ${dir} did not become ready`);
}

function libcephfsMissing(): string | undefined {
  try {
    loadLibcephfs();
  } catch (e) {
    if (e instanceof LibcephfsLoadError) return e.message;
    throw e;
  }
  return undefined;
}

/**
 * Why the MDS tests cannot run here (ceph-mds or libcephfs2 missing), or undefined; said
 * loudly, as REAL_CLUSTER_SKIP is.
 */
export const MDS_CLUSTER_SKIP: string | undefined = REAL_CLUSTER_SKIP ??
  devClusterMissing({ mds: true }) ?? libcephfsMissing();

if (MDS_CLUSTER_SKIP && !REAL_CLUSTER_SKIP) {
  console.error(
    `\n!!! MDS CLUSTER TESTS SKIPPED: ${MDS_CLUSTER_SKIP}\n` +
      `!!! (apt-get install ceph-mds libcephfs2)\n`,
  );
}

/** Options for `Deno.test` of a test on the MDS cluster: ignored, loudly, where it cannot run. */
export const mdsCluster = { ignore: MDS_CLUSTER_SKIP !== undefined } as const;

let cephx: Promise<DevCluster> | undefined;
let withMds: Promise<DevCluster> | undefined;
let authNone: Promise<DevCluster> | undefined;

/** The shared development cluster: cephx, the real mgr x, 3 memstore OSDs. */
export function devCluster(): Promise<DevCluster> {
  return cephx ??= shared("cephx", (dir) => startDevCluster({ dir }));
}

/**
 * One with MDSs: cephx, the real mgr x, 1 memstore OSD, the file system `cephfs` with MDSs a
 * and b (one active, one standby).
 */
export function devClusterWithMds(): Promise<DevCluster> {
  return withMds ??= shared("mds", (dir) => startDevCluster({ dir, osds: 1, mds: 2 }));
}

/** A second, smaller one with `auth none`: one mon, no mgr, no OSDs. */
export function devClusterAuthNone(): Promise<DevCluster> {
  return authNone ??= shared(
    "none",
    (dir) => startDevCluster({ dir, auth: "none", osds: 0, mgr: false }),
  );
}

/** A new client.admin connection to the shared cluster (close it: `await using`). */
export async function connectDev(): Promise<RadosCluster> {
  const dev = await devCluster();
  return await connectRados({ confFile: dev.conf, keyring: dev.keyring });
}

/** Options for `Deno.test` of a real-cluster test: ignored, loudly, where it cannot run. */
export const realCluster = { ignore: REAL_CLUSTER_SKIP !== undefined } as const;

/** Options for `Deno.test` of a test that needs librados2 but no cluster. */
export const libradosOnly = { ignore: LIBRADOS_SKIP !== undefined } as const;

/** The RadosError `promise` rejects with (fails the test if it resolves or throws another). */
export async function radosFailure(promise: Promise<unknown>): Promise<RadosError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof RadosError) return e;
    throw new Error(`expected a RadosError, got ${e}`);
  }
  throw new Error("expected a RadosError, but the call succeeded");
}
