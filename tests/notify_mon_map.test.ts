/**
 * `notify('mon_map')` as 16.2's manager sends it: on an MMonMap, which the mons send only for
 * a new MonMap epoch. An election (a mon stopping or starting, a mon outage ending) moves no
 * MonMap epoch (MonmapMonitor proposes one only for new mon features), so a module listing
 * mon_map hears nothing then, while `get('mon_status')` shows the new quorum at once.
 */
import assert from "node:assert/strict";
import { MgrModule, NotifyType } from "mgr_module";
import { startTestCluster } from "mgr_module/testing";

const heard: string[] = [];

class Listener extends MgrModule {
  static override NOTIFY_TYPES = [NotifyType.mon_map];
  override notify(type: NotifyType): void {
    heard.push(type);
  }
  /** The ranks in quorum, as `get('mon_status')` shows them. */
  quorum(): number[] {
    const status = this.get("mon_status") as { json: string };
    return (JSON.parse(status.json) as { quorum: number[] }).quorum;
  }
  monmapEpoch(): number {
    return (this.get("mon_map") as { epoch: number }).epoch;
  }
}

Deno.test("elections notify no mon_map (the MonMap epoch stays); mon_status shows the new quorum", async () => {
  heard.length = 0;
  const c = await startTestCluster({
    builtins: { listener: { Listener } },
    initialModules: ["listener"],
    cluster: { hosts: 3, osdsPerHost: 1, pools: [{ name: "rbd", pgNum: 8 }] },
  });
  try {
    const cluster = c.cluster!;
    await c.run(10);
    const m = c.manager.host.instance("listener") as Listener;
    const epoch = m.monmapEpoch();
    assert.deepEqual(m.quorum(), [0, 1, 2]);

    cluster.mons.monDown("b");
    await c.run(30);
    assert.deepEqual(m.quorum(), [0, 2], "the election's quorum, read anew");
    cluster.mons.monUp("b");
    await c.run(30);
    assert.deepEqual(m.quorum(), [0, 1, 2]);

    // A mon outage (no quorum, the session down) ends in an election too.
    cluster.monOutage(20);
    await c.run(60);
    assert.ok(cluster.monReachable());
    assert.deepEqual(m.quorum(), [0, 1, 2]);

    assert.equal(m.monmapEpoch(), epoch, "no new MonMap");
    assert.deepEqual(heard, [], "no MMonMap, no mon_map notify");
  } finally {
    await c.stop();
  }
});
