/**
 * Round trips through the librados binding to the development cluster (tools/dev-cluster.sh,
 * started here; cephx, 3 memstore OSDs, all on loopback): one mon command, one OSD `perf dump`
 * (about 20 KB of JSON, copied out of librados' buffer and decoded), one small object write
 * and read. Ignored where Debian's Ceph packages or librados2 are missing.
 */
import { connectRados, type RadosCluster, type RadosIoctx } from "../rados/librados.ts";
import { devCluster, REAL_CLUSTER_SKIP } from "../tests/_dev_cluster.ts";

let cluster: RadosCluster | undefined;
let io: RadosIoctx | undefined;
if (!REAL_CLUSTER_SKIP) {
  const dev = await devCluster();
  cluster = await connectRados({ confFile: dev.conf, keyring: dev.keyring });
  await cluster.poolCreate("bench");
  io = await cluster.openIoctx("bench");
  await io.writeFull("obj", "x".repeat(4096));
}
const ignore = REAL_CLUSTER_SKIP !== undefined;

Deno.bench({
  name: "mon_command round trip (`osd stat -f json`)",
  ignore,
  async fn() {
    await cluster!.monCommand({ prefix: "osd stat", format: "json" });
  },
});

Deno.bench({
  name: "osd_command `perf dump` on osd.0 (copied and decoded, not parsed)",
  ignore,
  async fn() {
    (await cluster!.osdCommand(0, { prefix: "perf dump" })).text();
  },
});

Deno.bench({
  name: "osd_command `perf dump` on osd.0, parsed as JSON",
  ignore,
  async fn() {
    (await cluster!.osdCommand(0, { prefix: "perf dump" })).json();
  },
});

Deno.bench({
  name: "mgr_command round trip (`pg stat -f json`)",
  ignore,
  async fn() {
    await cluster!.mgrCommand({ prefix: "pg stat", format: "json" });
  },
});

Deno.bench({
  name: "read of a 4 KiB object (stat + read)",
  ignore,
  async fn() {
    await io!.read("obj");
  },
});

Deno.bench({
  name: "write_full of a 4 KiB object",
  ignore,
  async fn() {
    await io!.writeFull("obj", "y".repeat(4096));
  },
});

globalThis.addEventListener("unload", () => {
  // The dev cluster itself is stopped, and its directory deleted, by its watcher.
  if (cluster) void cluster.close();
});
