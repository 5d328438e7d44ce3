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

Deno.test("mon add and mon rm make MonMap epochs that notify mon_map; the elections after them do not add any", async () => {
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
    const add = await c.command({ prefix: "mon add", name: "d", addr: "127.0.0.9" });
    assert.equal(add.r, 0, add.outs);
    await c.run(30);
    assert.deepEqual(heard, ["mon_map"], "one MonMap epoch, one notify");
    assert.equal(m.monmapEpoch(), epoch + 1);
    assert.deepEqual(m.quorum(), [0, 1, 2], "mon.d never started: out of quorum");

    cluster.mons.monUp("d");
    await c.run(30);
    assert.deepEqual(m.quorum(), [0, 1, 2, 3]);
    assert.deepEqual(heard, ["mon_map"], "its start is an election, no new MonMap");

    const rm = await c.command({ prefix: "mon rm", name: "b" });
    assert.equal(rm.r, 0, rm.outs);
    await c.run(30);
    assert.deepEqual(heard, ["mon_map", "mon_map"]);
    const names = (c.manager.host.instance("listener") as Listener).get("mon_map") as {
      epoch: number;
      mons: { name: string; rank: number }[];
    };
    assert.deepEqual(names.mons.map((x) => [x.rank, x.name]), [[0, "a"], [1, "c"], [2, "d"]]);
    assert.equal(names.epoch, epoch + 2);
  } finally {
    await c.stop();
  }
});
