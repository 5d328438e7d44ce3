/**
 * The simulated cluster grows at run time: a host joins with empty disks, OSDs are created on
 * them, and the OSDMap, CRUSH, the PGs (which backfill onto the new OSDs until active+clean)
 * and what the manager sees (maps, PG and OSD statistics, perf counters) follow.
 */
import assert from "node:assert/strict";
import { MgrModule } from "mgr_module";
import { startTestCluster } from "mgr_module/testing";

class Watch extends MgrModule {}

const CLUSTER = { hosts: 3, osdsPerHost: 2, pools: [{ name: "rbd", pgNum: 64 }] };

Deno.test("a host added at run time takes new OSDs; PGs backfill onto them and the manager sees them", async () => {
  const c = await startTestCluster({
    builtins: { watch: { Watch } },
    initialModules: ["watch"],
    cluster: CLUSTER,
  });
  try {
    await c.run(30);
    const cluster = c.cluster!;
    const epoch = cluster.map.epoch;
    cluster.addHost("host4", 3);
    assert.ok(cluster.map.epoch > epoch, "the new CRUSH bucket is a new epoch");
    assert.deepEqual(cluster.hostDisks("host4").map((d) => d.osd), [-1, -1, -1]);
    const ids = [cluster.createOsd("host4"), cluster.createOsd("host4")];
    assert.deepEqual(ids, [6, 7]);
    assert.throws(() => cluster.createOsd("host9"), /no host "host9"/);
    await c.run(5);
    const tree = (await c.command({ prefix: "osd tree", format: "json" })).outb;
    const nodes = JSON.parse(tree).nodes as {
      name: string;
      children?: number[];
      status?: string;
    }[];
    const host4 = nodes.find((n) => n.name === "host4");
    assert.deepEqual([...(host4?.children ?? [])].sort(), [6, 7]);
    assert.equal(nodes.find((n) => n.name === "osd.7")?.status, "up");
    // CRUSH gives the new OSDs their share: about a quarter of the PG copies.
    let onNew = 0;
    for (let p = 0; p < cluster.pgs.count; p++) {
      for (let i = 0; i < (cluster.pgs.upN[p] as number); i++) {
        if ((cluster.pgs.up[p * cluster.pgs.stride + i] as number) >= 6) onNew++;
      }
    }
    assert.ok(onNew > 64 * 3 * 0.15 && onNew < 64 * 3 * 0.4, `copies on the new OSDs: ${onNew}`);
    // Backfill, then everything settles.
    await c.run(600);
    const status = JSON.parse((await c.command({ prefix: "status", format: "json" })).outb);
    assert.equal(status.osdmap.num_osds, 8);
    assert.equal(status.osdmap.num_up_osds, 8);
    assert.deepEqual(status.pgmap.pgs_by_state, [{ state_name: "active+clean", count: 64 }]);
    assert.equal(status.health.status, "HEALTH_OK", JSON.stringify(status.health));
    const watch = c.manager.host.instance("watch") as Watch;
    const osdStats = (watch.get("osd_stats") as { osd_stats: { osd: number; num_pgs: number }[] })
      .osd_stats;
    assert.ok((osdStats.find((o) => o.osd === 7)?.num_pgs ?? 0) > 0, "osd.7 reports its PGs");
    assert.ok(watch.get_latest("osd", "7", "osd.numpg") > 0, "osd.7 reports its perf counters");
    assert.equal(watch.get_metadata("osd", "6")?.hostname, "host4");
    assert.equal(watch.get_osdmap().get_crush().get_item_name(6), "osd.6");
  } finally {
    await c.stop();
  }
});
