import assert from "node:assert/strict";
import { Rng } from "../sim/engine/prng.ts";
import { Scheduler } from "../sim/engine/scheduler.ts";
import { SimCluster } from "../sim/cluster/cluster.ts";
import {
  clusterAllPerfCounters,
  clusterDaemonStatus,
  clusterGet,
  clusterMetadata,
  clusterPerfSchema,
} from "../sim/cluster/get.ts";
import { shapeDiff } from "./sim_json_shape.ts";
import { referenceGet } from "./_reference.ts";

async function cluster(): Promise<{ s: Scheduler; c: SimCluster }> {
  const s = new Scheduler({ rng: new Rng(7) });
  const c = new SimCluster(s, {
    hosts: 3,
    osdsPerHost: 3,
    pools: [
      { name: "device_health_metrics", pgNum: 1, application: "mgr_devicehealth" },
      { name: "cephfs_metadata", pgNum: 16, application: "cephfs" },
      { name: "cephfs_data", pgNum: 64, application: "cephfs" },
    ],
    workload: { opsPerSecond: 800 },
  });
  c.startReporting();
  await s.runFor(30);
  return { s, c };
}

/**
 * The reference OSDs ran memstore; simulated ones are BlueStore OSDs, whose metadata names
 * their block device and whose perf counters include bluestore and bluefs. Those keys are
 * left out of the shape comparison.
 */
const BLUESTORE_ONLY = /^(bluestore_bdev_dev_node|bluestore\..+|bluefs\..+)$/;

function withoutBluestore(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutBluestore);
  if (v === null || typeof v !== "object") return v;
  return Object.fromEntries(
    Object.entries(v).filter(([k]) => !BLUESTORE_ONLY.test(k)).map((
      [k, x],
    ) => [k, withoutBluestore(x)]),
  );
}

function assertShape(actual: unknown, file: string, maps: string[] = []): void {
  const json = withoutBluestore(JSON.parse(JSON.stringify(actual)));
  const diff = shapeDiff(json, referenceGet(file).value, { maps });
  assert.deepEqual(diff, [], `${file}:\n${diff.join("\n")}`);
}

Deno.test("daemon dumps have the reference shapes: metadata, devices, ping times, fs_map, mon_map, mon_status", async (t) => {
  const { c } = await cluster();
  await t.step("metadata osd.0", () => {
    assertShape(clusterMetadata(c, "osd", "0"), "get_metadata_osd_0.json");
    assert.equal(clusterMetadata(c, "osd", "999"), null);
  });
  await t.step(
    "metadata mon.a",
    () => assertShape(clusterMetadata(c, "mon", "a"), "get_metadata_mon_a.json"),
  );
  await t.step(
    "metadata mgr",
    () => assertShape(clusterMetadata(c, "mgr", "x"), "get_metadata_mgr_self.json"),
  );
  await t.step("osd_metadata", () => {
    const m = clusterGet(c, "osd_metadata") as Record<string, unknown>;
    assertShape(m, "get_osd_metadata.json", ["$"]);
    assert.equal(Object.keys(m).length, 9);
  });
  await t.step("daemon status", () => {
    assertShape(clusterDaemonStatus(c, "osd", "0"), "get_daemon_status_osd_0.json");
    assertShape(clusterDaemonStatus(c, "mon", "a"), "get_daemon_status_mon_a.json");
  });
  await t.step("devices", () => {
    const d = clusterGet(c, "devices") as { devices: { daemons: string[] }[] };
    assertShape(d, "get_devices.json");
    assert.equal(d.devices.length, 9);
    assert.deepEqual(d.devices[3]?.daemons, ["osd.3"]);
  });
  await t.step(
    "osd_ping_times",
    () => assertShape(clusterGet(c, "osd_ping_times"), "get_osd_ping_times.json"),
  );
  await t.step("fs_map", () => {
    const fs = clusterGet(c, "fs_map") as { filesystems: unknown[]; standbys: unknown[] };
    assertShape(fs, "get_fs_map.json");
    assert.equal(fs.filesystems.length, 1);
    assert.equal(fs.standbys.length, 1);
  });
  await t.step("mon_map", () => assertShape(clusterGet(c, "mon_map"), "get_mon_map.json"));
  await t.step("mon_status", () => {
    const v = clusterGet(c, "mon_status") as { json: string };
    assertShape(v, "get_mon_status.json");
    const ref = JSON.parse((referenceGet("get_mon_status.json").value as { json: string }).json);
    const diff = shapeDiff(JSON.parse(v.json), ref);
    assert.deepEqual(diff, []);
    assert.equal(JSON.parse(v.json).quorum.length, 3);
  });
});

Deno.test("perf counter dumps have the reference shapes and count the workload", async (t) => {
  const { c } = await cluster();
  await t.step("schemas", () => {
    assertShape(clusterPerfSchema(c, "osd", "0"), "get_perf_schema_osd_0.json");
    assertShape(clusterPerfSchema(c, "mon", "a"), "get_perf_schema_mon_a.json");
    assertShape(clusterPerfSchema(c, "osd", "999"), "get_perf_schema_osd_999.json");
    // The reference OSD ran memstore; a simulated OSD is a BlueStore one, which reports its
    // bluestore and bluefs subsystems too.
    const ref = referenceGet("get_perf_schema_osd_0.json").value as Record<
      string,
      Record<string, unknown>
    >;
    const sim = clusterPerfSchema(c, "osd", "0") as Record<string, Record<string, unknown>>;
    const memstore = Object.fromEntries(
      Object.entries(sim["osd.0"]!).filter(([path]) => !/^blue(store|fs)\./.test(path)),
    );
    assert.deepEqual({ "osd.0": memstore }, ref);
    assert(sim["osd.0"]!["bluefs.wal_total_bytes"], "BlueFS counters");
  });
  await t.step("all perf counters", () => {
    const all = clusterAllPerfCounters(c) as Record<
      string,
      Record<string, { value: number; count?: number }>
    >;
    // The reference cluster's MDS was not in its get_all_perf_counters capture.
    const osdsAndMons = Object.fromEntries(
      Object.entries(all).filter(([d]) => !d.startsWith("mds.")),
    );
    assertShape(osdsAndMons, "get_all_perf_counters.json", ["$"]);
    assert(all["mds.a"]!["mds_server.handle_client_request"]!.value > 0, "the active MDS works");
    assert.equal(Object.keys(all).length, 9 + 3 + 2, "OSDs, mons and MDS daemons");
    let ops = 0;
    for (let i = 0; i < 9; i++) {
      const o = all[`osd.${i}`]!;
      assert.equal(o["osd.op"]!.value, o["osd.op_r"]!.value + o["osd.op_w"]!.value);
      assert.equal(o["osd.op_latency"]!.count, o["osd.op"]!.value);
      ops += o["osd.op"]!.value;
    }
    assert.ok(ops > 800 * 20, `${ops} ops in 30 s at 800/s`);
  });
});
