import assert from "node:assert/strict";
import { startTestCluster } from "mgr_module/testing";
import { BUILTIN_MODULES } from "../modules/mod.ts";
import { CRASH_SCAN_SECONDS } from "../sim/cluster/crash_agent.ts";
import { FaultInjector } from "../sim/faults/faults.ts";

const REF = new URL("./ceph-reference/cli/behaviour/crash_from_osd/", import.meta.url);

function refStdout(file: string): string {
  const text = Deno.readTextFileSync(new URL(file, REF));
  return text.split("--- stdout:\n")[1]!.split("--- stderr:")[0]!;
}

const CLUSTER = {
  hosts: 3,
  osdsPerHost: 1,
  pools: [{ name: "rbd", pgNum: 16 }],
  workload: { opsPerSecond: 10 },
};

Deno.test("an OSD that crashes posts its crash report through ceph-crash at its next scan: crash ls/info and RECENT_CRASH as a real 16.2 OSD's crash showed", async () => {
  const c = await startTestCluster({
    builtins: BUILTIN_MODULES,
    initialModules: ["crash"],
    cluster: CLUSTER,
  });
  try {
    await c.run(30);
    const at = c.cluster!.scheduler.elapsed;
    new FaultInjector(c.cluster!).schedule({ kind: "osd-crash", at, osd: 1 });
    await c.run(1);
    assert.equal(c.cluster!.map.isUp(1), false, "the crashed OSD is down");
    const ls0 = await c.command({ prefix: "crash ls" });
    assert.equal(ls0.outb, "", "nothing posted before ceph-crash scans");
    await c.run(15);
    assert.equal(c.cluster!.map.isUp(1), true, "systemd restarted it");
    await c.run(CRASH_SCAN_SECONDS);
    assert.equal(c.cluster!.crashAgents.pending().length, 0);
    const ls = await c.command({ prefix: "crash ls" });
    const real = refStdout("crash_ls.txt").split("\n");
    const mine = ls.outb.split("\n");
    assert.equal(mine[0], real[0], "the header as Ceph prints it");
    assert.match(
      mine[1]!,
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z_[0-9a-f-]{36} {2}osd\.1 {4}\* {3}$/,
    );
    const id = mine[1]!.split(" ")[0]!;
    const info = JSON.parse((await c.command({ prefix: "crash info", id })).outb);
    const realInfo = JSON.parse(refStdout("crash_info.txt"));
    assert.deepEqual(Object.keys(info), Object.keys(realInfo), "the keys of the real report");
    assert.equal(info.entity_name, "osd.1");
    assert.equal(info.process_name, "ceph-osd");
    assert.equal(info.ceph_version, "16.2.15");
    assert.deepEqual(info.backtrace, realInfo.backtrace);
    assert.equal(info.stack_sig, realInfo.stack_sig, "the same frames give Ceph's signature");
    const host = info.utsname_hostname;
    const md = c.cluster!.daemons.metadata("osd.1")!;
    assert.equal(host, md.hostname);
    const health = await c.command({ prefix: "health", detail: "detail" });
    const realHealth = refStdout("health_detail.txt")
      .replace(
        "osd.0 crashed on host vm at 2026-12-03T11:39:35.699503Z",
        `osd.1 crashed on host ${host} at ${info.timestamp}`,
      );
    assert.equal(health.outb, realHealth);
  } finally {
    await c.stop();
  }
});

Deno.test("a crash report waits on its host while no manager is active, and is posted at a later scan", async () => {
  const c = await startTestCluster({
    builtins: BUILTIN_MODULES,
    initialModules: ["crash"],
    cluster: CLUSTER,
  });
  try {
    await c.run(30);
    c.cluster!.crashAgents.setPoster(() => Promise.resolve(false));
    c.cluster!.osdCrash(2);
    await c.run(CRASH_SCAN_SECONDS);
    assert.equal(c.cluster!.crashAgents.pending().length, 1, "kept for the next scan");
    const taken: string[] = [];
    c.cluster!.crashAgents.setPoster((r) => Promise.resolve((taken.push(r.entity_name), true)));
    await c.run(CRASH_SCAN_SECONDS);
    assert.deepEqual(taken, ["osd.2"]);
    assert.equal(c.cluster!.crashAgents.pending().length, 0);
  } finally {
    await c.stop();
  }
});
