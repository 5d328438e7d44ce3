/**
 * The simulator's orchestrator backend deploys: `orch host add` brings a host with empty disks
 * into the simulated cluster, `orch device ls` shows them available, `orch apply osd
 * --all-available-devices` and `orch daemon add osd <host>:<device>` create OSDs on them, and
 * the OSDMap, CRUSH and PGs follow until the cluster is active+clean again.
 */
import assert from "node:assert/strict";
import { startTestCluster } from "mgr_module/testing";
import { BUILTIN_MODULES } from "../modules/mod.ts";

Deno.test("orch host add, orch apply osd --all-available-devices and orch daemon add osd grow the simulated cluster", async () => {
  const c = await startTestCluster({
    builtins: BUILTIN_MODULES,
    initialModules: ["orchestrator", "sim_orchestrator"],
    cluster: { hosts: 3, osdsPerHost: 2, pools: [{ name: "rbd", pgNum: 32 }] },
  });
  const cmd = async (args: Record<string, unknown>) => {
    const r = await c.command(args);
    assert.equal(r.r, 0, `${JSON.stringify(args)}: ${r.outs}`);
    return r.outb;
  };
  try {
    await c.run(20);
    await cmd({ prefix: "orch set backend", module_name: "sim_orchestrator" });
    assert.match(
      await cmd({ prefix: "orch host add", hostname: "host4" }),
      /^Added host 'host4' with addr '127\.0\.0\.4'$/,
    );
    const before = Number(
      /(\d+) hosts in cluster$/.exec(await cmd({ prefix: "orch host ls" }))![1],
    );
    await cmd({ prefix: "orch host add", hostname: "host5", labels: ["osd"] });
    const hosts = await cmd({ prefix: "orch host ls" });
    // On the loopback after the three first hosts' 127.0.0.1-3.
    assert.match(hosts, /\nhost4 +127\.0\.0\.4 +\n/);
    assert.match(hosts, /\nhost5 +127\.0\.0\.5 +osd +\n/);
    assert.match(hosts, new RegExp(`\\n${before + 1} hosts in cluster$`));
    // The new disks are available; the OSDs' own are not.
    const devices = (await cmd({ prefix: "orch device ls" })).split("\n");
    const host4 = devices.filter((l) => l.startsWith("host4 "));
    assert.equal(host4.length, 3);
    assert.ok(host4.every((l) => / 1T +Yes +/.test(l)), host4.join("\n"));
    assert.ok(devices.some((l) => /^host1 .* No /.test(l)));

    // One disk by name; the next one only, as the simulated hosts fill their disks in order.
    assert.equal(
      await cmd({ prefix: "orch daemon add osd", svc_arg: "host5:/dev/sdb" }),
      "Created osd(s) 6 on host 'host5'",
    );
    const skipped = await c.command({ prefix: "orch daemon add osd", svc_arg: "host5:/dev/sdd" });
    assert.deepEqual([skipped.r, skipped.outs], [
      -22,
      "host host5 fills its disks in order: the next is /dev/sdc",
    ]);
    const noHost = await c.command({ prefix: "orch daemon add osd", svc_arg: "nohost:/dev/sdb" });
    assert.deepEqual([noHost.r, noHost.outs], [-2, "Cannot find host 'nohost' in the inventory"]);
    const bad = await c.command({ prefix: "orch daemon add osd", svc_arg: "host5" });
    assert.equal(bad.r, -22);
    assert.match(
      bad.outs,
      /^Invalid host:device spec: 'host5': .*\nUsage:\n {2}ceph orch daemon add osd host:device1,device2,\.\.\.\n/,
    );

    assert.equal(
      await cmd({ prefix: "orch apply osd", all_available_devices: true }),
      "Scheduled osd.all-available-devices update...",
    );
    // Every free disk is an OSD now: 3 on host4, 2 more on host5.
    const tree = JSON.parse(await cmd({ prefix: "osd tree", format: "json" })) as {
      nodes: { name: string; type: string; children?: number[] }[];
    };
    const children = (h: string) =>
      [...(tree.nodes.find((n) => n.name === h)?.children ?? [])].sort((a, b) => a - b);
    assert.deepEqual(children("host4"), [7, 8, 9]);
    assert.deepEqual(children("host5"), [6, 10, 11]);
    const after = (await cmd({ prefix: "orch device ls" })).split("\n");
    assert.ok(!after.some((l) => / Yes +/.test(l)), "no disk is left available");
    assert.equal(
      await cmd({ prefix: "orch daemon add osd", svc_arg: "host4:/dev/sdb" }),
      "Created no osd(s) on host host4; already created?",
    );
    // The PGs move onto the new OSDs and the cluster settles.
    await c.run(900);
    const status = JSON.parse(await cmd({ prefix: "status", format: "json" }));
    assert.equal(status.osdmap.num_osds, 12);
    assert.equal(status.osdmap.num_in_osds, 12);
    assert.deepEqual(status.pgmap.pgs_by_state, [{ state_name: "active+clean", count: 32 }]);
    const ps = await cmd({ prefix: "orch ps", daemon_type: "osd" });
    assert.match(ps, /\nosd\.11 +host5 +running/);
  } finally {
    await c.stop();
  }
});
