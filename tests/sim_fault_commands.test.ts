import assert from "node:assert/strict";
import { EINVAL, ENOENT } from "../ceph/errno.ts";
import { SimCluster } from "../sim/cluster/cluster.ts";
import { Rng } from "../sim/engine/prng.ts";
import { Scheduler } from "../sim/engine/scheduler.ts";
import { faultCommands } from "../sim/fault_commands.ts";
import { FaultInjector } from "../sim/faults/faults.ts";

function setup(racks = 0) {
  const scheduler = new Scheduler({ rng: new Rng(1) });
  const cluster = new SimCluster(scheduler, {
    hosts: 2,
    osdsPerHost: 2,
    racks,
    pools: [{ name: "rbd", pgNum: 8 }],
  });
  const injector = new FaultInjector(cluster);
  const fault = faultCommands(injector, 1)[0]!;
  const run = (kind: string, target?: string, duration?: number) =>
    fault.run(
      {
        prefix: "sim fault",
        kind,
        ...(target !== undefined ? { target } : {}),
        ...(duration !== undefined ? { duration } : {}),
      },
      "",
      { entity: "client.admin", caps: "allow *" },
    );
  return { scheduler, cluster, injector, run };
}

Deno.test("sim fault refuses targets the cluster does not have, before scheduling anything", async (t) => {
  const cases: [string, string | undefined, number | undefined, number, RegExp][] = [
    ["mds-down", "nosuch", undefined, -ENOENT, /no mds named 'nosuch' \(mds: a, b\)/],
    ["mds-down", "20", undefined, -ENOENT, /no mds named '20'.*a duration goes after the mds/],
    ["rack-down", "zz", undefined, -ENOENT, /no rack named 'zz' \(the cluster has no racks\)/],
    ["rack-down", undefined, undefined, -EINVAL, /rack-down needs a rack/],
    ["host-down", "nohost", undefined, -ENOENT, /no host named 'nohost' \(hosts: host1, host2\)/],
    ["host-down", undefined, 5, -EINVAL, /host-down needs a host/],
    ["mon-down", "z", undefined, -ENOENT, /no mon named 'z' \(mons: a, b, c\)/],
    ["osd-down", "osd.99", undefined, -ENOENT, /'osd\.99' is not an OSD of the cluster/],
    ["osd-down", "sda", undefined, -EINVAL, /'sda' is not an OSD id \(osd\.N\)/],
    ["osd-down", "osd.99999999999999999999", undefined, -EINVAL, /is not an OSD id/],
    ["osd-crash", "osd.99", undefined, -ENOENT, /'osd\.99' is not an OSD of the cluster/],
    ["slow-osd", undefined, undefined, -EINVAL, /is not an OSD id/],
    ["late-reports", "osd.42", 10, -ENOENT, /'osd\.42' is not an OSD of the cluster/],
    [
      "mon-outage",
      "abc",
      undefined,
      -EINVAL,
      /mon-outage takes no target.*usage: sim fault mon-outage \[<duration>\]/,
    ],
    ["mgr-fail", "10", undefined, -EINVAL, /mgr-fail takes no duration/],
    ["osd-flap", "osd.1", 10, -EINVAL, /osd-flap takes no duration/],
    ["mon-outage", undefined, Infinity, -EINVAL, /duration must be a number of seconds >= 0/],
  ];
  for (const [kind, target, duration, r, outs] of cases) {
    await t.step(`${kind} ${target ?? ""} ${duration ?? ""}`, async () => {
      const { scheduler, injector, run } = setup();
      const res = await run(kind, target, duration);
      assert.equal(res.r, r, res.outs);
      assert.match(res.outs, outs);
      // Nothing was scheduled: running the cluster applies no fault and throws nothing.
      await scheduler.runFor(1);
      assert.equal(injector.active.size, 0);
    });
  }
});

Deno.test("sim fault takes a lone number as the duration of a fault without a target", async () => {
  const { scheduler, cluster, run } = setup();
  const res = await run("mon-outage", "40");
  assert.equal(res.r, 0, res.outs);
  assert.match(res.outs, /"duration":40/);
  await scheduler.runFor(39);
  assert.equal(cluster.monReachable(), false);
  await scheduler.runFor(2);
  assert.equal(cluster.monReachable(), true);
});

Deno.test("sim fault injects rack-down and mds-down on targets that exist", async () => {
  const { scheduler, cluster, injector, run } = setup(2);
  const rack = cluster.map.crush.buckets.find((b) => b.name.startsWith("rack"))!.name;
  assert.equal((await run("rack-down", rack, 30)).r, 0);
  assert.equal((await run("mds-down", "b", 30)).r, 0);
  await scheduler.runFor(1);
  assert.equal(injector.active.size, 2);
});

Deno.test("sim fault osd-crash takes an OSD down with a crash report, and it boots after its restart time", async () => {
  const { scheduler, cluster, run } = setup();
  const res = await run("osd-crash", "osd.1", 20);
  assert.equal(res.r, 0, res.outs);
  await scheduler.runFor(1);
  assert.equal(cluster.map.isUp(1), false);
  assert.deepEqual(cluster.crashAgents.pending().map((r) => r.entity_name), ["osd.1"]);
  await scheduler.runFor(20);
  assert.equal(cluster.map.isUp(1), true);
});
