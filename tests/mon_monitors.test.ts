/**
 * The embedded mon is one mon that owns its monitors: it answers the OSDMonitor's and the
 * MonmapMonitor's commands when it is the mon of a simulated cluster, audits them like its own,
 * and a manager's session (SimClusterLink) sends every mon command to it.
 */
import assert from "node:assert/strict";
import type { ClusterUpdate } from "../core/cluster_link.ts";
import { SimCluster } from "../sim/cluster/cluster.ts";
import { SimClusterLink } from "../sim/cluster_link.ts";
import { Rng } from "../sim/engine/prng.ts";
import { Scheduler, VirtualClock } from "../sim/engine/scheduler.ts";
import { EmbeddedMon } from "../sim/mon/mon.ts";
import { MonLink } from "../sim/mon/mon_link.ts";

function cluster() {
  const scheduler = new Scheduler({ rng: new Rng(3) });
  const clock = new VirtualClock(scheduler);
  const c = new SimCluster(scheduler, { hosts: 3, osdsPerHost: 1, pools: [] });
  const mon = EmbeddedMon.open(":memory:", {
    alwaysOnModules: [],
    now: () => clock.now(),
    cluster: c,
  });
  return { scheduler, clock, c, mon };
}

Deno.test("a mon without a cluster has no OSD or mon commands; the mon of one has them, last", () => {
  const alone = EmbeddedMon.open(":memory:", { alwaysOnModules: [], now: () => 0 });
  const prefixes = (mon: EmbeddedMon) => mon.monCommands().map((c) => c.sig.split(" name=")[0]);
  assert.ok(!prefixes(alone).some((p) => p!.startsWith("osd ") || p === "mon stat"));
  assert.deepEqual(
    alone.handleCommand({ prefix: "osd out", ids: ["0"] }),
    { r: -22, outb: "", outs: "command not known" },
  );
  const { mon } = cluster();
  const all = prefixes(mon);
  assert.deepEqual(all.slice(0, prefixes(alone).length), prefixes(alone));
  // The cluster's commands come after the mon's own: the OSDMap's, the placement's, the monmap's,
  // and the simulator's own for its machines (`sim host add`, for an orchestrator backend).
  const extra = all.slice(prefixes(alone).length);
  assert.ok(extra.includes("osd out") && extra.includes("pg map") && extra.includes("mon stat"));
  assert.ok(
    extra.every((p) =>
      /^(osd|pg|mon|mds|fs|quorum_status|versions|features|time-sync-status|version|sim host|sim osd)( |$)/
        .test(p!)
    ),
  );
  alone.close();
  mon.close();
});

Deno.test("the mon of a cluster answers osd and mon commands and audits them as its own", () => {
  const { c, mon } = cluster();
  const out = mon.handleCommand({ prefix: "osd out", ids: ["1"] }, undefined, "client.admin");
  assert.deepEqual(out, { r: 0, outb: "", outs: "marked out osd.1. " });
  assert.equal(c.map.isIn(1), false);
  const stat = mon.handleCommand({ prefix: "mon stat", format: "json" });
  assert.equal(JSON.parse(stat.outb).num_mons, c.mons.names.length);
  const audit = mon.handleCommand({ prefix: "log last", channel: "audit", level: "debug" }).outb;
  const lines = audit.trimEnd().split("\n").map((l) => l.replace(/^\S+ /, ""));
  assert.deepEqual(lines, [
    `mon.a (mon.0) 1 : audit [INF] from='client.? 127.0.0.1:0/0' entity='client.admin' cmd=[{"prefix": "osd out", "ids": ["1"]}]: dispatch`,
    `mon.a (mon.0) 2 : audit [INF] from='client.? 127.0.0.1:0/0' entity='client.admin' cmd='[{"prefix": "osd out", "ids": ["1"]}]': finished`,
    `mon.a (mon.0) 3 : audit [DBG] from='client.? 127.0.0.1:0/0' entity='client.admin' cmd=[{"prefix": "mon stat", "format": "json"}]: dispatch`,
    `mon.a (mon.0) 4 : audit [DBG] from='client.? 127.0.0.1:0/0' entity='client.admin' cmd=[{"prefix": "log last", "channel": "audit", "level": "debug"}]: dispatch`,
  ]);
  mon.close();
});

Deno.test("SimClusterLink: a pool created by command reaches the manager as an osd_map notify before the reply", async () => {
  const { clock, c, mon } = cluster();
  const link = new SimClusterLink(new MonLink(mon, clock), c);
  const seen: ClusterUpdate[] = [];
  link.subscribe((u) => seen.push(u));
  const before = link.state().version("osd_map");
  const r = await link.monCommand({ prefix: "osd pool create", pool: "p", pg_num: 8 });
  assert.deepEqual([r.r, r.outs], [0, "pool 'p' created"]);
  assert.ok(seen.some((u) => u.kind === "notify" && u.type === "osd_map"));
  assert.equal(link.state().version("osd_map"), before + 1);
  // A read changes no epoch and notifies nothing.
  seen.length = 0;
  await link.monCommand({ prefix: "osd lspools" });
  assert.deepEqual(seen.filter((u) => u.kind === "notify"), []);
  link.close();
  mon.close();
});

Deno.test("SimClusterLink: during a mon outage an OSD command waits like any mon command, then times out", async () => {
  const { scheduler, clock, c, mon } = cluster();
  c.startReporting();
  const link = new SimClusterLink(new MonLink(mon, clock), c);
  c.monOutage(120);
  assert.equal(link.connected(), false);
  const waiting = link.monCommand({ prefix: "osd set", key: "noout" }, undefined, { timeout: 30 });
  await scheduler.runFor(31);
  assert.deepEqual(await waiting, {
    r: -110,
    outb: "",
    outs: "timed out after 30s waiting for the mon (mon session is down): 'osd set' was not sent",
  });
  assert.equal(c.map.hasFlag("noout"), false);
  const later = link.monCommand({ prefix: "osd set", key: "noout" }, undefined, { timeout: 120 });
  await scheduler.runFor(120);
  assert.deepEqual(await later, { r: 0, outb: "", outs: "noout is set" });
  c.stopReporting();
  link.close();
  mon.close();
});
