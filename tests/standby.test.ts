import assert from "node:assert/strict";
import { Web, WebStandby } from "./_web_module.ts";
import { MgrModule } from "mgr_module";
import { DaemonLog } from "../core/logging.ts";
import { Manager } from "../core/manager.ts";
import { EmbeddedMon } from "../sim/mon/mon.ts";
import { MonLink } from "../sim/mon/mon_link.ts";
import { Rng } from "../sim/engine/prng.ts";
import { Scheduler, VirtualClock } from "../sim/engine/scheduler.ts";
import { startTestCluster } from "mgr_module/testing";

async function twoManagers() {
  const scheduler = new Scheduler({ rng: new Rng(7) });
  const clock = new VirtualClock(scheduler);
  const mon = EmbeddedMon.open(":memory:", {
    alwaysOnModules: [],
    initialModules: ["web"],
    now: () => clock.now(),
  });
  let ticking = true;
  const monTicks = (async () => {
    while (ticking) {
      await clock.sleep(1);
      mon.tick();
    }
  })();
  const start = (id: string) =>
    Manager.start({
      id,
      clock,
      link: new MonLink(mon, clock),
      log: new DaemonLog({ daemonName: `mgr.${id}`, id, memoryLines: 500 }),
      builtins: { web: { Web, WebStandby } },
      metadata: { hostname: `host-${id}`, ceph_version_short: "16.2.15" },
      shutdownGraceSeconds: 5,
    });
  const x = await start("x");
  const y = await start("y");
  const run = async (seconds: number) => {
    await scheduler.runFor(seconds);
    await x.settled();
    await y.settled();
  };
  await run(3);
  const stop = async () => {
    ticking = false;
    let done = false;
    const stopping = Promise.all([x.stop(), y.stop()]).then(() => (done = true));
    while (!done) await scheduler.runFor(1);
    await stopping;
    await monTicks;
    mon.close();
  };
  return { mon, x, y, run, stop };
}

Deno.test("a standby runs the standby class and sees the active instance's URI", async () => {
  const { x, y, run, stop } = await twoManagers();
  try {
    assert.equal(x.isActive(), true);
    assert.equal(y.isActive(), false);
    assert.deepEqual(x.host.activeNames(), ["web"]);
    assert.deepEqual(y.host.activeNames(), []);
    assert.deepEqual(y.standby.names(), ["web"]);
    await run(5);
    assert.equal((y.standby.instance("web") as WebStandby).seenActive, "http://x.example:8080/");
    assert.equal((await x.command({ prefix: "web whoami" })).outb, "x");
  } finally {
    await stop();
  }
});

Deno.test("mgr fail hands over to the standby, which starts its active modules from the store", async () => {
  const { mon, x, y, run, stop } = await twoManagers();
  try {
    const fail = await x.command({ prefix: "mgr fail", who: "x" });
    assert.equal(fail.r, 0);
    await run(5);
    assert.equal(mon.mgrMap().active_name, "y");
    assert.equal(y.isActive(), true);
    assert.deepEqual(y.host.activeNames(), ["web"]);
    assert.deepEqual(y.standby.names(), []);
    assert.equal(x.isActive(), false, "x came back as a standby");
    assert.deepEqual(x.host.activeNames(), []);
    assert.deepEqual(x.standby.names(), ["web"]);
    assert.equal(mon.store.getKv("mgr/web/runs"), "2", "y's instance read x's count and went on");
    const services = JSON.parse((await y.command({ prefix: "mgr services", format: "json" })).outb);
    assert.deepEqual(services, { web: "http://y.example:8080/" });
    const unknown = await y.command({ prefix: "mgr fail", who: "zz" });
    assert.deepEqual([unknown.r, unknown.outs], [0, "Daemon not found 'zz', already failed?"]);
  } finally {
    await stop();
  }
});

Deno.test("an active manager that stops beaconing is failed after the grace and a standby takes over", async () => {
  const { mon, x, y, run, stop } = await twoManagers();
  try {
    await x.stop(); // a crash, as the mon sees it: no more beacons
    await run(20);
    assert.equal(mon.mgrMap().active_name, "x", "still within mon_mgr_beacon_grace (30 s)");
    await run(20);
    assert.equal(mon.mgrMap().active_name, "y");
    assert.equal(y.isActive(), true);
    assert.deepEqual(y.host.activeNames(), ["web"]);
  } finally {
    await stop();
  }
});

Deno.test("startTestCluster's standbys run the standby class; get_active_uri() answers; mgr fail hands over", async () => {
  const c = await startTestCluster({
    builtins: { web: { Web, WebStandby } },
    initialModules: ["web"],
    standbys: ["y", "z"],
  });
  try {
    await c.run(5);
    const [y, z] = c.standbyManagers;
    assert.deepEqual([y!.id, z!.id], ["y", "z"]);
    assert.equal(c.activeManager(), c.manager);
    assert.deepEqual(c.mon.mgrMap().standbys.map((s) => s.name).sort(), ["y", "z"]);
    for (const m of [y!, z!]) {
      assert.deepEqual(m.host.activeNames(), []);
      const standby = m.standby.instance("web") as WebStandby;
      assert.ok(standby instanceof WebStandby, `mgr.${m.id} runs the standby class`);
      assert.equal(standby.get_active_uri(), "http://x.example:8080/");
      assert.equal(standby.seenActive, "http://x.example:8080/", "serve() sees it too");
      assert.equal(standby.get_mgr_id(), m.id);
    }
    assert.equal((await c.command({ prefix: "mgr fail", who: "x" })).r, 0);
    await c.run(5);
    const active = c.activeManager()!;
    assert.ok(active === y || active === z, `a standby took over: ${active?.id}`);
    assert.deepEqual(active.host.activeNames(), ["web"]);
    assert.deepEqual(active.standby.names(), []);
    await c.run(5);
    const standby = c.manager.standby.instance("web") as WebStandby;
    assert.equal(standby.get_active_uri(), `http://${active.id}.example:8080/`);
  } finally {
    await c.stop();
  }
});

Deno.test("TestCluster.command() reaches the active manager after a failover", async () => {
  class WhoAmI extends MgrModule {
    static override COMMANDS = [{ cmd: "whoami", desc: "the manager answering", perm: "r" }];
    override handle_command(): Promise<[number, string, string]> {
      return Promise.resolve([0, this.get_mgr_id(), ""]);
    }
  }
  const c = await startTestCluster({
    builtins: { whoami: { WhoAmI } },
    initialModules: ["whoami"],
    standbys: ["y"],
  });
  try {
    assert.equal((await c.command({ prefix: "whoami" })).outb, "x");
    assert.equal((await c.command({ prefix: "mgr fail", who: "x" })).r, 0);
    await c.run(5);
    assert.equal((await c.command({ prefix: "whoami" })).outb, "y");
  } finally {
    await c.stop();
  }
});
