import assert from "node:assert/strict";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import {
  type HostSpec,
  Orchestrator,
  OrchestratorError,
  type OrchResult,
  orchResult,
} from "mgr_module/orchestrator";
import { BUILTIN_MODULES } from "../modules/mod.ts";

/** A backend that keeps hosts in memory: what a module author's own backend looks like. */
class MemOrch extends Orchestrator {
  readonly hosts = new Map<string, HostSpec>();
  override add_host(spec: HostSpec): Promise<OrchResult<string>> {
    return orchResult(() => {
      if (this.hosts.has(spec.hostname)) {
        throw new OrchestratorError(`Host ${spec.hostname} already exists`, -17);
      }
      this.hosts.set(spec.hostname, spec);
      return `Added host '${spec.hostname}' with addr '${spec.addr}'`;
    });
  }
  override get_hosts(): Promise<OrchResult<HostSpec[]>> {
    return orchResult(() => [...this.hosts.values()]);
  }
}

async function withOrch(
  modules: string[],
  fn: (c: TestCluster) => Promise<void>,
): Promise<void> {
  const c = await startTestCluster({
    builtins: { ...BUILTIN_MODULES, mem_orch: { MemOrch } },
    initialModules: modules,
    cluster: { hosts: 3, osdsPerHost: 2, pools: [{ name: "rbd", pgNum: 16 }] },
  });
  try {
    await c.run(20);
    await fn(c);
  } finally {
    await c.stop();
  }
}

const NO_ORCH = "No orchestrator configured (try `ceph orch set backend`)";

Deno.test("orch without a backend answers ENOENT No orchestrator configured, as Ceph", async () => {
  await withOrch(["orchestrator", "hello"], async (c) => {
    for (const prefix of ["orch status", "orch host ls", "orch ps", "orch ls", "orch device ls"]) {
      const r = await c.command({ prefix });
      assert.deepEqual([r.r, r.outs], [-2, NO_ORCH], prefix);
    }
    const missing = await c.command({ prefix: "orch set backend", module_name: "nope" });
    assert.deepEqual([missing.r, missing.outs], [-22, "Module 'nope' not found"]);
    const disabled = await c.command({
      prefix: "orch set backend",
      module_name: "sim_orchestrator",
    });
    assert.equal(disabled.r, -22);
    assert.match(
      disabled.outs,
      /^Module 'sim_orchestrator' is not enabled\. \n Run `ceph mgr module enable sim_orchestrator` to enable\.$/,
    );
    const notOrch = await c.command({ prefix: "orch set backend", module_name: "hello" });
    assert.deepEqual([notOrch.r, notOrch.outs], [-22, "'hello' is not an orchestrator module"]);
  });
});

Deno.test("the simulator backend: orch status, host ls, ps, ls and device ls describe the simulated cluster", async () => {
  await withOrch(["orchestrator", "sim_orchestrator"], async (c) => {
    assert.equal(
      (await c.command({ prefix: "orch set backend", module_name: "sim_orchestrator" })).r,
      0,
    );
    const status = await c.command({ prefix: "orch status" });
    assert.equal(status.outb, "Backend: sim_orchestrator\nAvailable: Yes");
    const hosts = (await c.command({ prefix: "orch host ls" })).outb.split("\n");
    assert.match(hosts[0]!, /^HOST +ADDR +LABELS +STATUS +$/);
    // The simulated hosts, and the one this manager runs on (its own metadata's hostname).
    const names = hosts.slice(1, -1).map((l) => l.split(/ +/)[0]);
    assert.deepEqual(names.filter((n) => n!.startsWith("host")), ["host1", "host2", "host3"]);
    assert.equal(names.length, 4);
    assert.match(hosts[1]!, /^host1 +127\.0\.0\.1 /);
    assert.match(hosts[2]!, /^host2 +127\.0\.0\.2 /);
    assert.equal(hosts.at(-1), "4 hosts in cluster");
    const json = JSON.parse((await c.command({ prefix: "orch host ls", format: "json" })).outb);
    assert.equal(json.length, 4);
    c.cluster!.osdDown(3);
    await c.run(5);
    const ps = (await c.command({ prefix: "orch ps" })).outb.split("\n");
    assert.match(
      ps[0]!,
      /^NAME +HOST +PORTS +STATUS +REFRESHED +AGE +MEM USE +MEM LIM +VERSION +IMAGE ID +$/,
    );
    const osd3 = ps.find((l) => l.startsWith("osd.3 "))!;
    assert.match(osd3, /^osd\.3 +host2 +error /);
    assert.match(ps.find((l) => l.startsWith("osd.0 "))!, /^osd\.0 +host1 +running .* 16\.2\.15 /);
    const osds = JSON.parse(
      (await c.command({ prefix: "orch ps", daemon_type: "osd", format: "json" })).outb,
    );
    assert.equal(osds.length, 6);
    const ls = (await c.command({ prefix: "orch ls" })).outb;
    assert.match(ls, /\nosd +5 +/, "osd.3 is down");
    assert.match(ls, /\nmon +3\/3 +/);
    const devices = (await c.command({ prefix: "orch device ls" })).outb.split("\n");
    assert.match(devices[0]!, /^HOST +PATH +TYPE +DEVICE ID +SIZE +AVAILABLE +REJECT REASONS +$/);
    assert.equal(devices.length, 7, "six devices, one per OSD");
    assert.match(devices[1]!, /^host1 +\/dev\/sdb +hdd +SEAGATE_\S+ +1T +No +Insufficient space/);
  });
});

Deno.test("the simulator backend keeps host labels; what it does not implement answers as Ceph's CLI does", async () => {
  await withOrch(["orchestrator", "sim_orchestrator"], async (c) => {
    await c.command({ prefix: "orch set backend", module_name: "sim_orchestrator" });
    const add = await c.command({
      prefix: "orch host label add",
      hostname: "host2",
      label: "_admin",
    });
    assert.deepEqual([add.r, add.outb], [0, "Added label _admin to host host2"]);
    const labelled = await c.command({ prefix: "orch host ls", label: "_admin" });
    assert.match(labelled.outb, /\nhost2 +\S+ +_admin +\n1 hosts in cluster who had label _admin$/);
    const rm = await c.command({ prefix: "orch host label rm", hostname: "host2", label: "nope" });
    assert.deepEqual([rm.r, rm.outs], [-2, "Host host2 does not have label 'nope'"]);
    // It deploys OSDs on the simulator (tests/sim_orchestrator_deploy.test.ts), not daemons.
    const rmDaemon = await c.command({ prefix: "orch daemon rm", names: ["mds.a"] });
    assert.deepEqual([rmDaemon.r, rmDaemon.outs], [
      -2,
      "This Orchestrator does not support `orch daemon rm`",
    ]);
  });
});

Deno.test("a module's own backend: orch host add reaches it, its errors keep their errno", async () => {
  await withOrch(["orchestrator", "mem_orch"], async (c) => {
    await c.command({ prefix: "orch set backend", module_name: "mem_orch" });
    const add = await c.command({ prefix: "orch host add", hostname: "node1", addr: "10.1.1.1" });
    assert.deepEqual([add.r, add.outb], [0, "Added host 'node1' with addr '10.1.1.1'"]);
    const again = await c.command({ prefix: "orch host add", hostname: "node1" });
    assert.deepEqual([again.r, again.outs], [-17, "Host node1 already exists"]);
    const ls = (await c.command({ prefix: "orch host ls" })).outb;
    assert.match(ls, /^HOST +ADDR +LABELS +STATUS +\nnode1 +10\.1\.1\.1 +\n1 hosts in cluster$/);
    const ps = await c.command({ prefix: "orch ps" });
    assert.deepEqual([ps.r, ps.outs], [-2, "This Orchestrator does not support `orch ps`"]);
    assert.equal((await c.command({ prefix: "orch set backend" })).r, 0);
    assert.equal((await c.command({ prefix: "orch status" })).outs, NO_ORCH);
  });
});
