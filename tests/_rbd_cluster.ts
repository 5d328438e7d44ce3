/**
 * A test cluster shaped as the one tests/ceph-reference/cli/commands/rbd_support/ was captured
 * on (pools 1 device_health_metrics, 2 rbd, 3 plain; 4 rbd2 came later), with rbd_support running and a
 * helper module that writes what `rbd pool init`, `rbd create` and `rbd namespace create` leave
 * in a pool, and reads objects back, through `this.rados`.
 */
import { MgrModule } from "mgr_module";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import * as rbd_support from "../modules/rbd_support/module.ts";
import { dataDir, runCeph } from "./_oracle_cli.ts";
import { cephEncodedString } from "../sim/cluster/workload_images.ts";
import type { Ceph } from "./_fs_oracle.ts";

/** Writes and reads RBD objects as librbd leaves them. */
export class RbdTool extends MgrModule {
  /** A Ceph-encoded string. */
  static encoded(s: string): Uint8Array {
    return cephEncodedString(s);
  }

  async setOmap(pool: string, ns: string, oid: string, kv: Record<string, Uint8Array | string>) {
    const ioctx = await this.rados.open_ioctx(pool);
    ioctx.set_namespace(ns);
    await ioctx.set_omap(oid, Object.keys(kv), Object.values(kv));
    ioctx.close();
  }

  async omap(pool: string, ns: string, oid: string): Promise<Record<string, string>> {
    const ioctx = await this.rados.open_ioctx(pool);
    ioctx.set_namespace(ns);
    const out: Record<string, string> = {};
    try {
      for (const [k, v] of await ioctx.get_omap_vals(oid, "", "", 1000)) {
        out[k] = new TextDecoder().decode(v);
      }
    } finally {
      ioctx.close();
    }
    return out;
  }

  /** `rbd create <pool>/<name>` (the directory entries) in namespace `ns`. */
  async createImage(pool: string, ns: string, name: string, id: string): Promise<void> {
    await this.setOmap(pool, ns, "rbd_directory", {
      [`name_${name}`]: RbdTool.encoded(name === "" ? "" : id),
      [`id_${id}`]: RbdTool.encoded(name),
    });
  }

  /** `rbd namespace create <pool>/<ns>`. */
  async createNamespace(pool: string, ns: string): Promise<void> {
    await this.setOmap(pool, "", "rbd_namespace", { [`name_${ns}`]: new Uint8Array(0) });
  }
}

/** The image id `rbd create rbd/img1` gave on the capture's cluster. */
export const IMG1_ID = "1030a204fee3";

export async function withRbdCluster(
  fn: (c: TestCluster, ceph: Ceph, tool: () => RbdTool) => Promise<void>,
): Promise<void> {
  const c = await startTestCluster({
    builtins: { rbd_support, rbdtool: { RbdTool } },
    initialModules: ["rbd_support", "rbdtool"],
    cluster: {
      hosts: 1,
      osdsPerHost: 3,
      failureDomain: "osd",
      mons: { count: 1 },
      mgrs: ["x"],
      pools: [
        { name: "device_health_metrics", pgNum: 1, size: 1, application: "mgr_devicehealth" },
        { name: "rbd", pgNum: 8, size: 1, application: "rbd" },
        { name: "plain", pgNum: 8, size: 1, application: "" },
      ],
      workload: { opsPerSecond: 0 },
    },
  });
  const dir = dataDir();
  try {
    await c.run(5);
    const tool = () => c.activeManager()!.host.instance("rbdtool") as RbdTool;
    await tool().setOmap("rbd", "", "rbd_info", {});
    await tool().createImage("rbd", "", "img1", IMG1_ID);
    await tool().createNamespace("rbd", "ns1");
    await c.run(5);
    await fn(c, (line) => runCeph(c, dir, line), tool);
  } finally {
    Deno.removeSync(dir, { recursive: true });
    await c.stop();
  }
}
