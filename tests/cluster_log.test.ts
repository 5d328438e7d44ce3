/**
 * The cluster log lives in the mon, as Ceph's LogMonitor: managers write to it and hear it
 * (`notify('clog')`), the simulated cluster writes its own events in the words a real 16.2
 * cluster uses (tests/ceph-reference/cli/oracle/log_last_debug_real_cluster.txt), and it
 * outlasts a manager failover.
 */
import assert from "node:assert/strict";
import { ClusterLogPrio, MgrModule, NotifyType } from "mgr_module";
import { startTestCluster } from "mgr_module/testing";
import { referenceText } from "./_reference.ts";
import { shapeDiff } from "./sim_json_shape.ts";

interface Entry {
  name: string;
  rank: string;
  seq: number;
  channel: string;
  priority: string;
  message: string;
  stamp: string;
}

const heard: Entry[] = [];
class Listener extends MgrModule {
  static override NOTIFY_TYPES = [NotifyType.clog];
  override notify(_type: NotifyType, entry: unknown): void {
    heard.push(entry as Entry);
  }
}

const CLUSTER = { hosts: 3, osdsPerHost: 3, pools: [{ name: "rbd", pgNum: 32 }] };

Deno.test("the simulated cluster's events reach log last and clog listeners in Ceph's words", async () => {
  heard.length = 0;
  const c = await startTestCluster({
    builtins: { listener: { Listener } },
    initialModules: ["listener"],
    cluster: CLUSTER,
  });
  try {
    await c.run(30);
    c.cluster!.osdDown(3);
    await c.run(10);
    const out = await c.command({ prefix: "osd out", ids: ["4"] });
    assert.equal(out.r, 0, out.outs);
    await c.run(10);
    c.cluster!.osdUp(3);
    // The manager sees recovery end at the OSDs' next report and tells the mon then.
    await c.run(80);
    const text = (await c.command({ prefix: "log last", num: 50, level: "debug" })).outb;
    const lines = text.trimEnd().split("\n");
    const expected = [
      /^\S+ mon\.a \(mon\.0\) \d+ : cluster \[WRN\] Health check failed: 1 osds down \(OSD_DOWN\)$/,
      /^\S+ mon\.a \(mon\.0\) \d+ : cluster \[DBG\] osdmap e\d+: 9 total, 8 up, 9 in$/,
      /^\S+ mon\.a \(mon\.0\) \d+ : cluster \[INF\] Client client\.admin marked osd\.4 out, while it was still marked up$/,
      /^\S+ mon\.a \(mon\.0\) \d+ : cluster \[DBG\] osdmap e\d+: 9 total, 8 up, 8 in$/,
      /^\S+ mon\.a \(mon\.0\) \d+ : cluster \[INF\] osd\.3 \[v2:[\d.]+:\d+\/\d+,v1:[\d.]+:\d+\/\d+\] boot$/,
      /^\S+ mon\.a \(mon\.0\) \d+ : cluster \[INF\] Health check cleared: OSD_DOWN \(was: 1 osds down\)$/,
    ];
    let at = 0;
    for (const want of expected) {
      const found = lines.findIndex((l, i) => i >= at && want.test(l));
      assert.ok(found >= 0, `${want} after line ${at} in:\n${text}`);
      at = found + 1;
    }
    assert.match(text, /cluster \[INF\] Cluster is now healthy\n/);
    const fromMon = heard.filter((e) => e.name === "mon.a").map((e) => e.message);
    assert.ok(fromMon.includes("Health check failed: 1 osds down (OSD_DOWN)"));
    assert.ok(fromMon.includes("Health check cleared: OSD_DOWN (was: 1 osds down)"));
    // Without a level, log last shows info and up: no osdmap lines.
    assert.doesNotMatch((await c.command({ prefix: "log last", num: 50 })).outb, /osdmap e/);
  } finally {
    await c.stop();
  }
});

Deno.test("a module's health check failing and clearing is in the cluster log", async () => {
  class Checker extends MgrModule {}
  const c = await startTestCluster({
    builtins: { checker: { Checker } },
    initialModules: ["checker"],
    cluster: CLUSTER,
  });
  try {
    await c.run(30);
    const m = c.manager.host.instance("checker") as Checker;
    m.set_health_checks({
      CHECKER_SAD: { severity: "error", summary: "the checker is sad", count: 1, detail: [] },
    });
    await c.run(10);
    m.set_health_checks({});
    await c.run(10);
    const text = (await c.command({ prefix: "log last", num: 50 })).outb;
    assert.match(text, /cluster \[ERR\] Health check failed: the checker is sad \(CHECKER_SAD\)\n/);
    assert.match(
      text,
      /cluster \[INF\] Health check cleared: CHECKER_SAD \(was: the checker is sad\)\n/,
    );
  } finally {
    await c.stop();
  }
});

Deno.test("the cluster log outlasts a manager failover; the new active's modules hear it", async () => {
  heard.length = 0;
  const c = await startTestCluster({
    builtins: { listener: { Listener } },
    initialModules: ["listener"],
    standbys: ["y"],
  });
  try {
    const x = c.manager.host.instance("listener") as Listener;
    x.cluster_log("cluster", ClusterLogPrio.WARN, "written by x");
    await c.run(1);
    assert.equal((await c.command({ prefix: "mgr fail", who: "x" })).r, 0);
    await c.run(5);
    const y = c.activeManager();
    assert.equal(y?.id, "y");
    (y!.host.instance("listener") as Listener).cluster_log("cluster", ClusterLogPrio.INFO, "by y");
    await c.run(1);
    const text = (await y!.command({ prefix: "log last" })).outb;
    assert.match(text, /mgr\.x \(mgr\.\d+\) 1 : cluster \[WRN\] written by x\n/);
    assert.match(text, /mgr\.y \(mgr\.\d+\) 1 : cluster \[INF\] by y\n/);
    assert.match(
      text,
      /mon\.a \(mon\.0\) \d+ : cluster \[INF\] Manager daemon y is now available\n/,
    );
    assert.ok(heard.some((e) => e.name === "mgr.y" && e.message === "by y"));
  } finally {
    await c.stop();
  }
});

Deno.test("entries written while the mon is away reach the log when it returns", async () => {
  class Writer extends MgrModule {}
  const c = await startTestCluster({
    builtins: { writer: { Writer } },
    initialModules: ["writer"],
    cluster: CLUSTER,
  });
  try {
    await c.run(10);
    c.cluster!.monOutage(30);
    await c.run(1);
    const w = c.manager.host.instance("writer") as Writer;
    w.cluster_log("cluster", ClusterLogPrio.WARN, "while the mon was away");
    assert.doesNotMatch(c.mon.handleCommand({ prefix: "log last" }).outb, /was away/);
    await c.run(40);
    assert.match(
      (await c.command({ prefix: "log last" })).outb,
      /mgr\.x \(mgr\.\d+\) 1 : cluster \[WRN\] while the mon was away\n/,
    );
  } finally {
    await c.stop();
  }
});

Deno.test("log <text> and log last -f json answer as a real 16.2 mon", async () => {
  const c = await startTestCluster({ cluster: CLUSTER });
  try {
    assert.equal(
      (await c.command({ prefix: "log", logtext: ["hello", "from the admin"] })).r,
      0,
    );
    const text = (await c.command({ prefix: "log last", num: 1 })).outb;
    assert.match(
      text,
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+0000 client\.admin \(client\.\?\) 0 : cluster \[INF\] hello from the admin\n$/,
    );
    const ours = JSON.parse((await c.command({ prefix: "log last", num: 3, format: "json" })).outb);
    const real = JSON.parse(referenceText("cli/oracle/log_last_json.json"));
    const mon = ours.filter((e: Entry) => e.name === "mon.a");
    assert.ok(mon.length > 0);
    assert.deepEqual(shapeDiff(mon[0], real[0]), []);
    assert.deepEqual(shapeDiff(ours.at(-1), { ...real[0], addrs: { addrvec: [] } }), []);
  } finally {
    await c.stop();
  }
});

Deno.test("an OSD down past the interval is marked out, and a silent manager is replaced, in Ceph's words", async () => {
  const c = await startTestCluster({
    cluster: { ...CLUSTER, downOutInterval: 30 },
    standbys: ["y"],
  });
  try {
    await c.run(10);
    c.cluster!.osdDown(2);
    await c.run(40);
    await c.manager.stop(); // mgr.x dies: no more beacons
    await c.run(40);
    const text = (await c.activeManager()!.command({ prefix: "log last", num: 50, level: "debug" }))
      .outb;
    assert.match(
      text,
      /\[INF\] Marking osd\.2 out \(has been down for 30 seconds\)\n(.*\n)*?.* \[DBG\] osdmap e\d+: 9 total, 8 up, 8 in\n/,
    );
    assert.match(
      text,
      /\[INF\] Manager daemon x is unresponsive, replacing it with standby daemon y\n/,
    );
  } finally {
    await c.stop();
  }
});

Deno.test("commands leave audit entries as Ceph's do: writes at INF with dispatch and finished, reads at DBG, refusals", async () => {
  class Hello extends MgrModule {
    static override COMMANDS = [{ cmd: "hello", desc: "say hello", perm: "r" }];
    override async handle_command(): Promise<[number, string, string]> {
      await this.set_store("k", "v");
      return [0, "hello", ""];
    }
  }
  const c = await startTestCluster({
    builtins: { hello: { Hello } },
    initialModules: ["hello"],
    cluster: CLUSTER,
  });
  try {
    assert.equal((await c.command({ prefix: "osd out", ids: ["4"] })).r, 0);
    assert.equal((await c.command({ prefix: "hello" })).r, 0);
    const ro = { entity: "client.ro", caps: "allow r" };
    assert.equal((await c.manager.run({ prefix: "osd in", ids: ["4"] }, "", ro)).r, -13);
    const audit =
      (await c.command({ prefix: "log last", num: 50, level: "debug", channel: "audit" }))
        .outb;
    const who = "from='client.? 127.0.0.1:0/0' entity='client.admin'";
    // Captured from a real 16.2 mon: tests/ceph-reference/cli/oracle/log_last_debug_real_cluster.txt
    assert.ok(
      audit.includes(
        `mon.a (mon.0) `,
      ) &&
        audit.includes(`audit [INF] ${who} cmd=[{"prefix": "osd out", "ids": ["4"]}]: dispatch\n`),
      audit,
    );
    assert.ok(
      audit.includes(`audit [INF] ${who} cmd='[{"prefix": "osd out", "ids": ["4"]}]': finished\n`),
    );
    assert.match(
      audit,
      /mgr\.x \(mgr\.\d+\) \d+ : audit \[DBG\] from='client\.\? 127\.0\.0\.1:0\/0' entity='client\.admin' cmd=\[\{"prefix": "hello"\}\]: dispatch\n/,
    );
    assert.ok(
      audit.includes(
        `entity='client.ro' cmd=[{"prefix": "osd in", "ids": ["4"]}]:  access denied\n`,
      ),
    );
    // A module's own writes to the mon are audited as the manager's; a real mon writes the
    // value too, mgrd writes only its size (issue 13: a stored value can be a key).
    assert.ok(
      audit.includes(
        `audit [INF] from='mgr.? 127.0.0.1:0/0' entity='mgr.x' cmd=[{"prefix":"config-key set","key":"mgr/hello/k","val":"<1 bytes, not logged>"}]: dispatch\n`,
      ),
      audit,
    );
  } finally {
    await c.stop();
  }
});

Deno.test("a mon going down leaves an election won by the rest and MON_DOWN in the cluster log", async () => {
  const c = await startTestCluster({ cluster: CLUSTER });
  try {
    await c.run(10);
    c.cluster!.mons.monDown("c");
    await c.run(20);
    const text = (await c.command({ prefix: "log last", num: 50 })).outb;
    assert.match(
      text,
      / : cluster \[INF\] mon\.a is new leader, mons a,b in quorum \(ranks 0,1\)\n/,
    );
    assert.match(
      text,
      / : cluster \[WRN\] Health check failed: 1\/3 mons down, quorum a,b \(MON_DOWN\)\n/,
    );
  } finally {
    await c.stop();
  }
});
