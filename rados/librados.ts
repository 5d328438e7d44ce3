/**
 * The real-cluster binding of mgrd's ClusterLink port: librados2 through `Deno.dlopen`. Every
 * call that waits on the network is nonblocking (the event loop never stops); errors are
 * RadosErrors with Ceph's errno and text; `close()` frees every C resource.
 *
 * This file lists the whole public surface.
 *
 * @example
 * ```ts ignore
 * import { connectRados } from "./librados.ts";
 * await using cluster = await connectRados({ confFile: "dev-cluster/ceph.conf" });
 * console.log((await cluster.monCommand({ prefix: "osd dump", format: "json" })).json());
 * await using io = await cluster.openIoctx("mypool");
 * await io.writeFull("greeting", "hello");
 * ```
 *
 * @module
 */
export { LibradosLoadError, libradosVersion, loadLibrados } from "./load_librados.ts";
export { RadosError } from "./rados_error.ts";
export {
  type ClusterLogLevel,
  type ClusterLogSubscription,
  CommandReply,
  connectRados,
  RadosCluster,
  type RadosClusterStat,
  type RadosCommand,
  type RadosConnectOptions,
  type RadosLogEntry,
} from "./rados_cluster.ts";
export {
  type LockOptions,
  type OmapQuery,
  RadosIoctx,
  type RadosObjectEntry,
  type RadosObjectStat,
} from "./rados_ioctx.ts";
