/**
 * `notify('fs_map')` as 16.2's Mgr::ms_dispatch2 sends it: once per new FSMap (an MDS stopping
 * or starting, `fs set ... standby_count_wanted`), with `get('fs_map')` already at the new
 * epoch, and not for changes of other maps. `service_map` is never notified: 16.2.15 disables
 * it (Mgr.cc `//no users: notify_all("service_map")`; mgr_module.py's NotifyType leaves it out),
 * so a module listing it hears nothing while the cluster changes.
 */
import assert from "node:assert/strict";
import { MgrModule, NotifyType } from "mgr_module";
import { startTestCluster } from "mgr_module/testing";

/** Each notification with the FSMap epoch `get('fs_map')` showed when it arrived. */
const heard: { type: string; fsEpoch: number }[] = [];

class Listener extends MgrModule {
  static override NOTIFY_TYPES = [NotifyType.fs_map, NotifyType.service_map];
  override notify(type: NotifyType): void {
    heard.push({ type, fsEpoch: (this.get("fs_map") as { epoch: number }).epoch });
  }
}

Deno.test("fs_map is notified once per new FSMap, get('fs_map') at its epoch; service_map never", async () => {
  heard.length = 0;
  const c = await startTestCluster({
    builtins: { listener: { Listener } },
    initialModules: ["listener"],
    cluster: { hosts: 3, osdsPerHost: 2, pools: [{ name: "rbd", pgNum: 16 }] },
  });
  try {
    const cluster = c.cluster!;
    await c.run(10);
    assert.deepEqual(heard, [], "nothing changed yet");

    const epochs: number[] = [];
    const step = async (what: string, change: () => unknown) => {
      heard.length = 0;
      const before = cluster.fs.epoch;
      await change();
      await c.run(2);
      assert.ok(cluster.fs.epoch > before, `${what}: a new FSMap`);
      epochs.push(cluster.fs.epoch);
      assert.deepEqual(heard, [{ type: "fs_map", fsEpoch: cluster.fs.epoch }], what);
    };
    const active = cluster.fs.activeName()!;
    await step(`mds.${active} stops`, () => cluster.setMds(active, false));
    assert.notEqual(cluster.fs.activeName(), active, "a standby took rank 0");
    await step(`mds.${active} starts again`, () => cluster.setMds(active, true));
    await step("fs set standby_count_wanted", async () => {
      const r = await c.command({
        prefix: "fs set",
        fs_name: cluster.fs.fsName,
        var: "standby_count_wanted",
        val: "2",
      });
      assert.equal(r.r, 0, r.outs);
    });
    assert.equal(new Set(epochs).size, 3);

    // Other maps move without an fs_map notification; the service map is never notified.
    heard.length = 0;
    cluster.osdOut(0);
    await c.run(30);
    cluster.osdIn(0);
    await c.run(30);
    assert.deepEqual(heard, []);
  } finally {
    await c.stop();
  }
});
