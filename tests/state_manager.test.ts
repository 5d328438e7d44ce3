import assert from "node:assert/strict";
import { ClusterLogPrio, MgrModule, NotifyType } from "mgr_module";
import { startTestCluster } from "mgr_module/testing";
import { referenceGet } from "./_reference.ts";
import { shapeDiff } from "./sim_json_shape.ts";
import { clusterGet, GET_NAMES } from "../sim/cluster/get.ts";

const CLUSTER = {
  hosts: 3,
  osdsPerHost: 3,
  pools: [{ name: "rbd", pgNum: 32 }, { name: "cephfs_data", pgNum: 16 }],
};

class Watcher extends MgrModule {
  static override NOTIFY_TYPES = [NotifyType.osd_map, NotifyType.pg_summary, NotifyType.health];
  seen: string[] = [];
  override notify(type: NotifyType): void {
    this.seen.push(type);
  }
}

async function watched() {
  const c = await startTestCluster({
    builtins: { watcher: { Watcher } },
    initialModules: ["watcher"],
    cluster: CLUSTER,
  });
  await c.run(30);
  return { c, m: c.manager.host.instance("watcher") as Watcher };
}

Deno.test("get() returns the same frozen snapshot until the next epoch", async () => {
  const { c, m } = await watched();
  try {
    const map = m.get("osd_map") as { epoch: number; osds: unknown[] };
    assert.equal(map.osds.length, 9);
    assert.ok(Object.isFrozen(map));
    await c.run(20);
    assert.equal(m.get("osd_map"), map, "no new epoch: the same object");
    assert.throws(() => {
      (map as { epoch: number }).epoch = 0;
    });
    const copy = m.get("osd_map", { mutable: true }) as { epoch: number };
    copy.epoch = 0;
    assert.notEqual(copy, map);
    c.cluster!.osdDown(0);
    await c.run(10);
    const next = m.get("osd_map") as { epoch: number };
    assert.notEqual(next, map);
    assert.ok(next.epoch > map.epoch);
    assert.equal(m.get("no_such_thing"), null);
  } finally {
    await c.stop();
  }
});

Deno.test("get() serves every name the cluster models, as the cluster dumps it", async () => {
  const { c, m } = await watched();
  try {
    for (const name of GET_NAMES) {
      if (name === "health") continue; // the manager's merged report, tested below
      assert.deepEqual(m.get(name), clusterGet(c.cluster!, name), name);
    }
    const health = JSON.parse((m.get("health") as { json: string }).json);
    assert.equal(health.status, "HEALTH_OK");
    assert.deepEqual(
      shapeDiff(m.get("mgr_map"), referenceGet("get_mgr_map.json").value, {
        maps: ["$.services", "$.always_on_modules", "$.available_modules[].module_options"],
      }).filter((d) => !d.includes("active_mgr_features")),
      [],
    );
    const devices = m.get("devices") as { devices: { devid: string }[] };
    const devid = devices.devices[0]!.devid;
    assert.deepEqual(m.get(`device ${devid}`), { device: devices.devices[0] });
    assert.deepEqual(m.get("device nonexistent-dev"), {});
  } finally {
    await c.stop();
  }
});

Deno.test("modules hear osd_map, pg_summary and health notifications they listed", async () => {
  const { c, m } = await watched();
  try {
    assert.ok(m.seen.includes("pg_summary"));
    const before = m.seen.filter((t) => t === "osd_map").length;
    c.cluster!.osdDown(1);
    await c.run(10);
    assert.ok(m.seen.filter((t) => t === "osd_map").length > before);
    assert.ok(m.seen.includes("health"));
  } finally {
    await c.stop();
  }
});

Deno.test("perf counters, metadata and servers come from the daemons' reports", async () => {
  const { c, m } = await watched();
  try {
    const counter = m.get_counter("osd", "0", "osd.op_w")["osd.op_w"]!;
    assert.ok(counter.length >= 4, `only ${counter.length} points`);
    assert.equal(counter[0]!.length, 2);
    const lat = m.get_latest_counter("osd", "0", "osd.op_w_latency")["osd.op_w_latency"]!;
    assert.equal(lat.length, 3);
    assert.deepEqual(m.get_counter("osd", "999", "osd.op_w"), { "osd.op_w": [] });
    const schema = m.get_perf_schema("osd", "0") as Record<string, Record<string, unknown>>;
    assert.ok("osd.op_w" in schema["osd.0"]!);
    const meta = m.get_metadata("osd", "0");
    assert.equal(typeof meta?.hostname, "string");
    assert.equal(m.get_metadata("osd", "999", { none: true }).none, true);
    assert.equal((m.list_servers() as unknown[]).length >= 3, true);
    const all = m.get_all_perf_counters() as Record<string, unknown>;
    assert.ok("osd.0" in all);
    assert.equal(m.pool_exists("rbd"), true);
    assert.equal(m.pool_exists("nope"), false);
    assert.equal(m.have_enough_osds(), true);
  } finally {
    await c.stop();
  }
});

Deno.test("health and status merge the cluster's checks with the modules'", async () => {
  const { c, m } = await watched();
  try {
    m.set_health_checks({ MY_CHECK: { severity: "warning", summary: "mine", count: 1 } });
    c.cluster!.osdDown(2);
    await c.run(10);
    const health = JSON.parse(
      (await c.command({ prefix: "health", detail: "detail", format: "json" })).outb,
    );
    assert.equal(health.status, "HEALTH_WARN");
    assert.ok("OSD_DOWN" in health.checks);
    assert.ok("MY_CHECK" in health.checks);
    const status = await c.command({ prefix: "status" });
    assert.match(status.outb, /^ {2}cluster:\n {4}id: {5}\S+\n {4}health: HEALTH_WARN\n/);
    // OSDMap::print_summary: the time since the up and the in sets last changed.
    assert.match(status.outb, /osd: 9 osds: 8 up \(since 10s\), 9 in \(since \d+s\)\n/);
    assert.match(status.outb, /pools: {3}2 pools, 48 pgs/);
    const json = JSON.parse((await c.command({ prefix: "status", format: "json" })).outb);
    assert.equal(json.osdmap.num_up_osds, 8);
    assert.equal(json.pgmap.num_pgs, 48);
  } finally {
    await c.stop();
  }
});

Deno.test("during a mon outage the manager says so and its maps stand still", async () => {
  const { c, m } = await watched();
  try {
    assert.equal(m.have_mon_connection(), true);
    const before = m.get("osd_map") as { epoch: number };
    c.cluster!.monOutage(60);
    await c.run(1);
    assert.equal(m.have_mon_connection(), false);
    c.cluster!.osdDown(3);
    await c.run(10);
    assert.equal((m.get("osd_map") as { epoch: number }).epoch, before.epoch);
    await c.run(60);
    assert.equal(m.have_mon_connection(), true);
    assert.ok((m.get("osd_map") as { epoch: number }).epoch > before.epoch);
  } finally {
    await c.stop();
  }
});

Deno.test("a name first read during a mon outage, and the cluster's health, show the cluster as the manager last saw it", async () => {
  const { c, m } = await watched();
  try {
    const epoch = (m.get("osd_map") as { epoch: number }).epoch;
    // Moved on since it was last read: the outage must not freeze the older copy either.
    c.cluster!.osdOut(5);
    await c.run(1);
    const seen = (m.get("osd_map") as { epoch: number }).epoch;
    assert.ok(seen > epoch);
    c.cluster!.osdOut(6); // the manager hears of this one, but nothing reads it before the outage
    await c.run(1);
    // The last epoch before the outage (osd.6 out, or the pg_temp the peering after it asked for).
    const last = c.cluster!.map.epoch;
    assert.ok(last > seen);
    c.cluster!.monOutage(60);
    c.cluster!.osdDown(3);
    await c.run(10);
    assert.equal(m.have_mon_connection(), false);
    const tree = m.get("osd_map_tree") as { nodes: { id: number; status?: string }[] };
    assert.equal(tree.nodes.find((n) => n.id === 3)?.status, "up", "osd.3 went down unseen");
    const map = m.get("osd_map") as { epoch: number; osds: { osd: number; in: number }[] };
    assert.equal(map.osds.find((o) => o.osd === 6)?.in, 0, "osd.6 was out before the outage");
    assert.equal(map.epoch, last);
    assert.ok(!("OSD_DOWN" in c.manager.health().checks), "health stands still too");
    await c.run(60);
    assert.equal(m.have_mon_connection(), true);
    const after = m.get("osd_map_tree") as { nodes: { id: number; status?: string }[] };
    assert.equal(after.nodes.find((n) => n.id === 3)?.status, "down");
    assert.ok("OSD_DOWN" in c.manager.health().checks);
  } finally {
    await c.stop();
  }
});

Deno.test("health mutes show as Ceph 16.2 shows them: time left, sticky mutes of unraised checks, stamps in JSON", async () => {
  const { c } = await watched();
  try {
    c.cluster!.setFlag("noout");
    await c.run(10);
    const mute = (code: string, ttl?: string, sticky = false) =>
      c.command({ prefix: "health mute", code, ...(ttl ? { ttl } : {}), sticky });
    assert.equal((await mute("OSDMAP_FLAGS", "1h")).r, 0);
    assert.equal((await mute("POOL_NO_REDUNDANCY", undefined, true)).r, 0, "sticky: not raised");
    assert.equal((await mute("FOO_BAR", "10m", true)).r, 0);
    await c.run(30);
    // Captured from a real 16.2 cluster with the same mutes.
    const summary = "HEALTH_OK (muted: FOO_BAR(9m) OSDMAP_FLAGS(59m) POOL_NO_REDUNDANCY)";
    assert.equal((await c.command({ prefix: "health" })).outb, summary + "\n");
    assert.equal(
      (await c.command({ prefix: "health", detail: "detail" })).outb,
      `${summary}\n(MUTED ttl 59m) [WRN] OSDMAP_FLAGS: noout flag(s) set\n`,
    );
    const status = (await c.command({ prefix: "status" })).outb;
    assert.match(
      status,
      /^ {4}health: HEALTH_OK\n {12}\(muted: FOO_BAR\(9m\) OSDMAP_FLAGS\(59m\) POOL_NO_REDUNDANCY\)\n \n/m,
    );
    const json = JSON.parse((await c.command({ prefix: "health", format: "json" })).outb);
    assert.deepEqual(json.mutes.map((m: { code: string }) => m.code), [
      "FOO_BAR",
      "OSDMAP_FLAGS",
      "POOL_NO_REDUNDANCY",
    ]);
    assert.match(json.mutes[0].ttl, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+0000$/);
    assert.deepEqual(json.mutes[2], {
      code: "POOL_NO_REDUNDANCY",
      sticky: true,
      summary: "",
      count: 0,
    });
    const pretty = (await c.command({ prefix: "health", format: "json-pretty" })).outb;
    assert.ok(pretty.endsWith("}\n"));
    const statusJson = JSON.parse((await c.command({ prefix: "status", format: "json" })).outb);
    assert.equal(typeof statusJson.health.mutes[0].ttl, "string");
  } finally {
    await c.stop();
  }
});

Deno.test("cluster_log reaches log last and the modules listening for clog", async () => {
  const heard: unknown[] = [];
  class Listener extends MgrModule {
    static override NOTIFY_TYPES = [NotifyType.clog];
    override notify(_type: NotifyType, entry: unknown): void {
      heard.push(entry);
    }
  }
  class Writer extends MgrModule {}
  const c = await startTestCluster({
    builtins: { listener: { Listener }, writer: { Writer } },
    initialModules: ["listener", "writer"],
  });
  try {
    const w = c.manager.host.instance("writer") as Writer;
    w.cluster_log("cluster", ClusterLogPrio.WARN, "pool rbd is almost full");
    w.cluster_log("audit", ClusterLogPrio.INFO, "an audit line");
    w.cluster_log("cluster", ClusterLogPrio.DEBUG, "chatter");
    await c.run(0);
    const last = await c.command({ prefix: "log last" });
    assert.match(
      last.outb,
      /\n\S+\+0000 mgr\.x \(mgr\.\d+\) 1 : cluster \[WRN\] pool rbd is almost full\n$/,
    );
    assert.doesNotMatch(last.outb, /chatter|an audit line/, "info and up, cluster channel");
    const audit = JSON.parse(
      (await c.command({ prefix: "log last", channel: "audit", format: "json" })).outb,
    );
    assert.equal(audit.length, 1);
    assert.equal(audit[0].message, "an audit line");
    const debug = await c.command({ prefix: "log last", level: "debug" });
    assert.match(debug.outb, /chatter/);
    const mine = heard.filter((e) => (e as { name: string }).name === "mgr.x");
    assert.deepEqual(mine.map((e) => (e as { message: string }).message), [
      "pool rbd is almost full",
      "an audit line",
      "chatter",
    ]);
  } finally {
    await c.stop();
  }
});

Deno.test("progress events a module publishes show in status", async () => {
  class Mover extends MgrModule {}
  const c = await startTestCluster({
    builtins: { mover: { Mover } },
    initialModules: ["mover"],
    cluster: CLUSTER,
  });
  try {
    const m = c.manager.host.instance("mover") as Mover;
    m.update_progress_event("ev1", "Rebalancing after osd.3 marked out", 0.5, true);
    m.update_progress_event("ev2", "hidden", 0.1, false);
    // The mon prints each event's message as the module published it (the progress module
    // publishes its two lines with the bar; see module_progress.test.ts).
    const status = await c.command({ prefix: "status" });
    assert.match(status.outb, / {2}progress:\n {4}Rebalancing after osd\.3 marked out\n \n$/);
    assert.doesNotMatch(status.outb, /hidden/);
    const json = JSON.parse((await c.command({ prefix: "status", format: "json" })).outb);
    assert.deepEqual(Object.keys(json.progress_events), ["ev1", "ev2"]);
    assert.deepEqual(json.progress_events.ev2, {
      message: "hidden",
      progress: 0.1,
      add_to_ceph_s: false,
    });
    m.complete_progress_event("ev1");
    m.clear_all_progress_events();
    assert.doesNotMatch((await c.command({ prefix: "status" })).outb, /progress:/);
  } finally {
    await c.stop();
  }
});

Deno.test("health mute hides a check from the status until it lapses, grows or is unmuted", async () => {
  const { c } = await watched();
  try {
    c.cluster!.setFlag("noup");
    c.cluster!.osdDown(0);
    await c.run(10);
    const health = async () => (await c.command({ prefix: "health" })).outb;
    assert.match(await health(), /^HEALTH_WARN .*1 osds down/);
    const missing = await c.command({ prefix: "health mute", code: "NOPE" });
    assert.deepEqual([missing.r, missing.outs], [-2, "health alert NOPE is not currently raised"]);
    assert.equal((await c.command({ prefix: "health mute", code: "OSD_DOWN" })).r, 0);
    assert.equal((await c.command({ prefix: "health mute", code: "OSDMAP_FLAGS" })).r, 0);
    const muted = await health();
    assert.match(muted, /^HEALTH_(OK|WARN).*\(muted: OSDMAP_FLAGS OSD_DOWN\)\n$/);
    assert.doesNotMatch(muted, /1 osds down/);
    const detail = (await c.command({ prefix: "health", detail: "detail" })).outb;
    assert.match(detail, /^\(MUTED\) \[WRN\] OSD_DOWN: 1 osds down$/m);
    const json = JSON.parse((await c.command({ prefix: "health", format: "json" })).outb);
    assert.equal(json.checks.OSD_DOWN.muted, true);
    assert.deepEqual(json.mutes.map((m: { code: string }) => m.code), ["OSDMAP_FLAGS", "OSD_DOWN"]);
    c.cluster!.osdDown(1); // the count grows: a non-sticky mute ends
    await c.run(10);
    assert.match(await health(), /2 osds down/);
    assert.equal((await c.command({ prefix: "health mute", code: "OSD_DOWN", ttl: "30s" })).r, 0);
    assert.doesNotMatch(await health(), /osds down/);
    await c.run(40);
    assert.match(await health(), /2 osds down/, "the TTL lapsed");
    assert.equal((await c.command({ prefix: "health unmute" })).r, 0);
    assert.doesNotMatch(await health(), /muted/);
    const badTtl = await c.command({ prefix: "health mute", code: "OSD_DOWN", ttl: "soon" });
    assert.equal(badTtl.r, -22);
  } finally {
    await c.stop();
  }
});
