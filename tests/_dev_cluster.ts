/**
 * The development clusters the real-cluster tests share: started on first use, once per test
 * process, and stopped by their PIDs when the process ends (and by a watcher should it be
 * killed). Where Debian's Ceph packages or librados2 are missing, `REAL_CLUSTER_SKIP` says
 * why, loudly, and the tests are skipped (ignored).
 */
import { LibradosLoadError, loadLibrados, RadosError } from "../rados/librados.ts";
import {
  type DevCluster,
  devClusterMissing,
  startDevCluster,
  stopDevCluster,
} from "../tools/dev_cluster.ts";

export type { DevCluster };

function skipReason(): string | undefined {
  const missing = devClusterMissing();
  if (missing) return missing;
  try {
    loadLibrados();
  } catch (e) {
    if (e instanceof LibradosLoadError) return e.message;
    throw e;
  }
  return undefined;
}

/** Why the real-cluster tests cannot run here, or undefined when they can. */
export const REAL_CLUSTER_SKIP: string | undefined = skipReason();

if (REAL_CLUSTER_SKIP) {
  console.error(
    `\n!!! REAL-CLUSTER TESTS SKIPPED: ${REAL_CLUSTER_SKIP}\n` +
      `!!! (apt-get install ceph-mon ceph-mgr ceph-osd ceph-common ceph-base librados2)\n`,
  );
}

const started: DevCluster[] = [];
globalThis.addEventListener("unload", () => {
  for (const cluster of started) stopDevCluster(cluster);
});

let shared: Promise<DevCluster> | undefined;
let authNone: Promise<DevCluster> | undefined;

function track(p: Promise<DevCluster>): Promise<DevCluster> {
  return p.then((cluster) => {
    started.push(cluster);
    return cluster;
  });
}

/** The shared development cluster: cephx, the real mgr x, 3 memstore OSDs. */
export function devCluster(): Promise<DevCluster> {
  return shared ??= track(startDevCluster());
}

/** A second, smaller one with `auth none`: one mon, no mgr, no OSDs. */
export function devClusterAuthNone(): Promise<DevCluster> {
  return authNone ??= track(startDevCluster({ auth: "none", osds: 0, mgr: false }));
}

/** Options for `Deno.test` of a real-cluster test: ignored, loudly, where it cannot run. */
export const realCluster = { ignore: REAL_CLUSTER_SKIP !== undefined } as const;

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
