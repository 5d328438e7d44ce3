/**
 * The manager on the development cluster through the librados link (link/): `get()` of a map
 * that did not change (a frozen snapshot, as on the simulator), one poll round at rest (a
 * `status`, `mon_status`, `config log` and `config-key dump`; nothing else when no epoch
 * moved), and — printed once — how many requests the link sends the cluster per second at rest
 * (polls, `pg dump` every 5 s, perf counters of 3 OSDs and a mon every 5 s). Ignored where
 * Debian's Ceph packages or librados2 are missing.
 */
import { DaemonLog } from "../core/logging.ts";
import { Manager } from "../core/manager.ts";
import { WallClock } from "../daemon/wall_clock.ts";
import { RadosClusterLink } from "../link/rados_cluster_link.ts";
import { RealCluster } from "../link/real_cluster.ts";
import { ALWAYS_ON_MODULES, BUILTIN_MODULES } from "../modules/mod.ts";
import { connectRados } from "../rados/librados.ts";
import { devCluster, REAL_CLUSTER_SKIP } from "../tests/_dev_cluster.ts";

const AT_REST_SECONDS = 10;

let manager: Manager | undefined;
let cluster: RealCluster | undefined;
if (!REAL_CLUSTER_SKIP) {
  const dev = await devCluster();
  const clock = new WallClock();
  const rados = await connectRados({
    confFile: dev.conf,
    keyring: dev.keyring,
    conf: { admin_socket: "" },
  });
  cluster = await RealCluster.open(rados, {
    clock,
    mgrMapPath: ":memory:",
    alwaysOnModules: ALWAYS_ON_MODULES,
    initialModules: [],
  });
  manager = await Manager.start({
    id: "x",
    clock,
    link: new RadosClusterLink(cluster, clock),
    log: new DaemonLog({ daemonName: "mgr.x", id: "x", memoryLines: 10 }),
    builtins: BUILTIN_MODULES,
  });
  const before = cluster.requests;
  await new Promise((r) => setTimeout(r, AT_REST_SECONDS * 1000));
  const rate = (cluster.requests - before) / AT_REST_SECONDS;
  console.log(`real link at rest: ${rate.toFixed(1)} requests/s to the cluster`);
}
const ignore = REAL_CLUSTER_SKIP !== undefined;

Deno.bench({
  name: "get('osd_map') of an unchanged map through the real link",
  ignore,
  fn() {
    manager!.get("osd_map");
  },
});

let n = 0;
Deno.bench({
  name: "config-key set of a mgr/ key through the real link (what set_store awaits)",
  ignore,
  async fn() {
    await manager!.link.monCommand({ prefix: "config-key set", key: "mgr/bench/k", val: `${n++}` });
  },
});

Deno.bench({
  name: "one poll round of the real link at rest",
  ignore,
  async fn() {
    await cluster!.refresh();
  },
});
