/**
 * The simulated mon raises the FSMap's health checks as a real 16.2.15 mon did when its only
 * MDS was killed and when `standby_count_wanted` asked for more standbys than there were
 * (tests/ceph-reference/cli/behaviour/mds_down/, tools/capture-oracle.sh), and clears them
 * when the daemons return: FS_DEGRADED, FS_WITH_FAILED_MDS, MDS_ALL_DOWN (HEALTH_ERR),
 * MDS_INSUFFICIENT_STANDBY; `mds stat` and `fs set` as the real mon printed them.
 */
import assert from "node:assert/strict";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import { FaultInjector } from "../sim/faults/faults.ts";
import { referenceCli } from "./_reference.ts";
import { dataDir, runCeph } from "./_oracle_cli.ts";

/** The capture's layout (1 mon, 3 OSDs, the CephFS pools) with these MDS daemons. */
async function fsCluster(mds: string[]): Promise<TestCluster> {
  const cl = await startTestCluster({
    cluster: {
      hosts: 1,
      osdsPerHost: 3,
      failureDomain: "osd",
      mons: { count: 1 },
      mgrs: ["x"],
      mds,
      pools: [
        { name: "rbd", pgNum: 16, size: 3, application: "rbd" },
        { name: "cephfs_metadata", pgNum: 16, size: 3, application: "cephfs" },
        { name: "cephfs_data", pgNum: 16, size: 2, minSize: 1, application: "cephfs" },
      ],
    },
  });
  await cl.run(30);
  return cl;
}

/** An `mds-down` fault of `mds` one second from now, healed after `duration` seconds. */
function mdsDown(cl: TestCluster, mds: string, duration: number): void {
  const s = cl.cluster!.scheduler;
  new FaultInjector(cl.cluster!).schedule({
    kind: "mds-down",
    at: s.now - s.epoch + 1,
    duration,
    mds,
  });
}

const B = "behaviour/mds_down";

/** The `health:` lines and the mds / volumes lines of `ceph status`, where values agree. */
function statusParts(text: string): string[] {
  const lines = text.split("\n");
  const from = lines.findIndex((l) => l.includes("health:"));
  const to = lines.findIndex((l, i) => i > from && l.trim() === "");
  return [
    ...lines.slice(from, to),
    ...lines.filter((l) => /^ {4}(mds|volumes):/.test(l)),
  ];
}

/** The cluster log lines without their stamps and sequence numbers. */
function logMessages(text: string): string[] {
  return text.split("\n").filter((l) => l.length > 0).map((l) => l.replace(/^.* : cluster /, ""));
}

Deno.test("the only MDS going down raises FS_DEGRADED, FS_WITH_FAILED_MDS and MDS_ALL_DOWN as Ceph does, and they clear when it returns", async () => {
  const cl = await fsCluster(["a"]);
  const dir = dataDir();
  const replay = async (name: string) => {
    const cap = referenceCli(name);
    assert.deepStrictEqual(
      await runCeph(cl, dir, cap.command),
      { rc: cap.rc, stdout: cap.stdout, stderr: cap.stderr },
      name,
    );
  };
  try {
    assert.equal((await runCeph(cl, dir, "health")).stdout, "HEALTH_OK\n");
    mdsDown(cl, "a", 30);
    await cl.run(3);
    await replay(`${B}/02_health_right_after.txt`);
    await replay(`${B}/05_health_detail.txt`);
    await replay(`${B}/06_health_detail_json.txt`);
    await replay(`${B}/11_mds_stat.txt`);
    const status = await runCeph(cl, dir, "status");
    const real = referenceCli(`${B}/07_status.txt`).stdout;
    assert.deepEqual(statusParts(status.stdout), statusParts(real));
    const json = JSON.parse((await runCeph(cl, dir, "status -f json")).stdout);
    const realJson = JSON.parse(referenceCli(`${B}/08_status_json.txt`).stdout);
    assert.deepEqual(json.health, realJson.health);
    assert.deepEqual(
      { ...json.fsmap, epoch: 0 },
      { ...realJson.fsmap, epoch: 0 },
      "the fsmap summary of status",
    );
    await replay(`${B}/12_health_detail.txt`);

    await cl.run(30);
    assert.equal((await runCeph(cl, dir, "health")).stdout, "HEALTH_OK\n");
    const log = logMessages((await runCeph(cl, dir, "log last 30")).stdout);
    for (
      const line of [
        "[WRN] Health check failed: 1 filesystem is degraded (FS_DEGRADED)",
        "[ERR] Health check failed: 1 filesystem is offline (MDS_ALL_DOWN)",
        "[INF] Standby daemon mds.a assigned to filesystem cephfs as rank 0",
        "[INF] Health check cleared: MDS_ALL_DOWN (was: 1 filesystem is offline)",
        "[INF] daemon mds.a is now active in filesystem cephfs as rank 0",
        "[INF] Health check cleared: FS_DEGRADED (was: 1 filesystem is degraded)",
        "[INF] Cluster is now healthy",
      ]
    ) {
      // Every one of these is a line of the real cluster's log of the scenario.
      assert.ok(
        logMessages(referenceCli(`${B}/29_log_last_30.txt`).stdout).includes(line),
        `the capture has ${line}`,
      );
      assert.ok(log.includes(line), `${line} in\n${log.join("\n")}`);
    }
  } finally {
    await cl.stop();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("standby_count_wanted above the standbys raises MDS_INSUFFICIENT_STANDBY until a standby comes, or the wish goes", async () => {
  const cl = await fsCluster(["a", "b"]);
  const dir = dataDir();
  const replay = async (name: string) => {
    const cap = referenceCli(name);
    assert.deepStrictEqual(
      await runCeph(cl, dir, cap.command),
      { rc: cap.rc, stdout: cap.stdout, stderr: cap.stderr },
      name,
    );
  };
  try {
    // mds.b down: the capture's one-daemon state, before its standby started.
    mdsDown(cl, "b", 30);
    await cl.run(3);
    assert.equal((await runCeph(cl, dir, "health")).stdout, "HEALTH_OK\n");
    await replay(`${B}/15_fs_set_standby_count_wanted_1.txt`);
    await replay(`${B}/16_health_detail.txt`);
    await replay(`${B}/17_health_detail_json.txt`);
    const status = await runCeph(cl, dir, "status");
    assert.deepEqual(
      statusParts(status.stdout),
      statusParts(referenceCli(`${B}/18_status.txt`).stdout),
    );
    // The standby starts: the check clears.
    await cl.run(30);
    assert.equal((await runCeph(cl, dir, "health")).stdout, "HEALTH_OK\n");
    await replay(`${B}/21_mds_stat.txt`);
    // The active one fails over to the standby: none is left.
    mdsDown(cl, "a", 30);
    await cl.run(3);
    await replay(`${B}/25_health_detail_after_failover.txt`);
    await replay(`${B}/27_fs_set_standby_count_wanted_0.txt`);
    assert.equal((await runCeph(cl, dir, "health")).stdout, "HEALTH_OK\n");
    const log = logMessages((await runCeph(cl, dir, "log last 50")).stdout);
    for (
      const line of [
        "[WRN] Health check failed: insufficient standby MDS daemons available (MDS_INSUFFICIENT_STANDBY)",
        "[INF] Health check cleared: MDS_INSUFFICIENT_STANDBY (was: insufficient standby MDS daemons available)",
        "[INF] daemon mds.b is now active in filesystem cephfs as rank 0",
      ]
    ) assert.ok(log.includes(line), `${line} in\n${log.join("\n")}`);
  } finally {
    await cl.stop();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("fs set refuses what the real mon refused, in its words", async () => {
  const cl = await fsCluster(["a"]);
  const dir = dataDir();
  try {
    for (
      const name of [
        "fs_set_missing_fs",
        "fs_set_standby_count_wanted_negative",
        "fs_set_standby_count_wanted_not_a_number",
        "fs_set_bad_var",
      ]
    ) {
      const cap = referenceCli(`commands/fidelity12/${name}.txt`);
      assert.deepStrictEqual(
        await runCeph(cl, dir, cap.command),
        { rc: cap.rc, stdout: cap.stdout, stderr: cap.stderr },
        name,
      );
    }
    const epoch = cl.cluster!.fs.epoch;
    assert.equal((await runCeph(cl, dir, "fs set cephfs standby_count_wanted 2")).rc, 0);
    assert.equal(cl.cluster!.fs.epoch, epoch + 1, "a new FSMap epoch");
    const fs = JSON.parse((await runCeph(cl, dir, "fs get cephfs -f json")).stdout);
    assert.equal(fs.mdsmap.standby_count_wanted, 2);
    // A second rank with no MDS to take it stays out, and health says so (as 16.2 does).
    assert.equal((await runCeph(cl, dir, "fs set cephfs max_mds 2")).rc, 0);
    assert.match(
      (await runCeph(cl, dir, "health detail")).stdout,
      /MDS_UP_LESS_THAN_MAX: 1 filesystem is online with fewer MDS than max_mds\n {4}fs cephfs has 1 MDS online, but wants 2\n/,
    );
    // What the simulated file system does not model is refused, not ignored.
    const inline = await runCeph(cl, dir, "fs set cephfs inline_data true");
    assert.equal(inline.rc, 95);
    assert.match(inline.stderr, /does not model inline_data/);
  } finally {
    await cl.stop();
    Deno.removeSync(dir, { recursive: true });
  }
});
