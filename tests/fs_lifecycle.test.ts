/**
 * A file system's life as an operator (or Ceph's QA, which clears every file system before its
 * progress tests) takes it through `mds fail`, `fs fail`, `fs rm` and `fs new`, as a real
 * 16.2.15 mon answered them on a file system with MDSs b (active) and a (standby)
 * (tests/ceph-reference/cli/commands/fs_lifecycle/, in that order): the words and errnos, the
 * FSMap they leave (`fs dump`, `fs ls`, `mds stat`, `fs status`), and the health on the way.
 * Gids, stamps and addresses differ from run to run and are left out of the comparison.
 */
import assert from "node:assert/strict";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import { dataDir, runCeph } from "./_oracle_cli.ts";
import { referenceCli } from "./_reference.ts";
import { type Ceph, fsDumpState, type Out, replayCapture, withFsCluster } from "./_fs_oracle.ts";
import * as status from "../modules/status/module.ts";

const DIR = "commands/fs_lifecycle";

function withFs(fn: (c: TestCluster, ceph: Ceph) => Promise<void>) {
  return withFsCluster({
    builtins: { status },
    initialModules: ["status"],
    mds: ["b", "a"],
    pools: [
      { name: "device_health_metrics", pgNum: 1, size: 1, application: "mgr_devicehealth" },
      { name: "cephfs_metadata", pgNum: 8, size: 1, application: "cephfs" },
      { name: "cephfs_data", pgNum: 8, size: 1, application: "cephfs" },
    ],
  }, fn);
}

const noGids = (s: string) => s.replace(/gid \d+/g, "gid N");

/** Runs capture `name`'s command line; asserts its rc and stderr (gids aside). */
function replay(ceph: Ceph, name: string): Promise<Out> {
  return replayCapture(ceph, DIR, name, noGids);
}

/** An `fs dump`'s state: its file systems' flags, in/up/failed, and each MDS's name, rank, state. */
function dumpState(text: string): string[] {
  return fsDumpState(text, ["flags", "max_mds", "in", "failed", "stopped"]);
}

async function sameDump(ceph: Ceph, name: string): Promise<void> {
  const real = referenceCli(`${DIR}/${name}.txt`).stdout;
  assert.deepEqual(dumpState((await ceph("fs dump")).stdout), dumpState(real), name);
}

/** Replays capture `name` and asserts its stdout too. */
async function sameOut(ceph: Ceph, name: string): Promise<void> {
  const got = await replay(ceph, name);
  assert.equal(got.stdout, referenceCli(`${DIR}/${name}.txt`).stdout, name);
}

Deno.test("mds fail, fs fail, fs rm and fs new answer and leave the FSMap as the real mon's", async () => {
  await withFs(async (c, ceph) => {
    for (const name of ["01_fs_rm_no_flag", "02_fs_rm_active", "03_fs_rm_unknown"]) {
      await replay(ceph, name);
    }
    await replay(ceph, "04_fs_fail_unknown");
    await replay(ceph, "05_mds_fail_unknown");
    // The active MDS fails: it comes back as a standby, the standby takes rank 0.
    await replay(ceph, "06_mds_fail_a");
    await c.run(3);
    await sameDump(ceph, "08_fs_dump_after_mds_fail");
    await replay(ceph, "09_fs_fail");
    await c.run(3);
    await sameDump(ceph, "10_fs_dump_after_fail");
    await sameOut(ceph, "11_health_after_fail");
    const status = (await ceph("-s")).stdout.split("\n");
    const real = referenceCli(`${DIR}/12_status_after_fail.txt`).stdout.split("\n");
    for (const key of ["    mds:", "    volumes:", "    health:"]) {
      assert.deepEqual(status.find((l) => l.startsWith(key)), real.find((l) => l.startsWith(key)));
    }
    await replay(ceph, "13_fs_fail_again");
    await replay(ceph, "14_fs_new_exists");
    await replay(ceph, "15_fs_rm");
    await c.run(2);
    // No file system: every view says so as the real mon does, and health is OK.
    await sameOut(ceph, "16_fs_ls_none");
    assert.deepEqual(JSON.parse((await ceph("fs ls -f json")).stdout), []);
    await sameDump(ceph, "18_fs_dump_none");
    const dump = JSON.parse((await ceph("fs dump -f json")).stdout);
    assert.deepEqual([dump.default_fscid, dump.filesystems], [-1, []]);
    assert.deepEqual(dump.standbys.map((s: { name: string }) => s.name), ["b", "a"]);
    await sameOut(ceph, "20_health_none");
    await sameOut(ceph, "22_fs_status_none");
    await sameOut(ceph, "23_mds_stat_none");
    await replay(ceph, "24_fs_get_none");
    await replay(ceph, "25_fs_new_nopool");
    await replay(ceph, "26_fs_new_nonempty");
    await replay(ceph, "27_fs_new_force");
    await c.run(4);
    const again = JSON.parse((await ceph("fs dump -f json")).stdout);
    const realAgain = JSON.parse(referenceCli(`${DIR}/29_fs_dump_after_new_json.txt`).stdout);
    assert.deepEqual(
      [again.default_fscid, again.filesystems.map((f: { id: number }) => f.id)],
      [realAgain.default_fscid, realAgain.filesystems.map((f: { id: number }) => f.id)],
    );
    const pools = JSON.parse((await ceph("osd pool ls detail -f json")).stdout) as {
      pool_name: string;
      application_metadata: Record<string, Record<string, string>>;
    }[];
    assert.deepEqual(
      pools.filter((p) => p.pool_name.startsWith("cephfs")).map((p) => p.application_metadata),
      [{ cephfs: { metadata: "cephfs" } }, { cephfs: { data: "cephfs" } }],
    );
    for (
      const name of [
        "30_mds_fail_role",
        "31_mds_fail_fsrole",
        "32_fs_fail",
        "33_fs_rm_noflag_failed",
        "34_fs_set_joinable",
      ]
    ) await replay(ceph, name);
    await c.run(3);
    for (
      const name of [
        "36_fs_fail2",
        "37_fs_rm2",
        "38_fs_rm_none",
        "39_fs_fail_none",
        "40_mds_fail_standby",
        "41_mds_fail_gid_missing",
        "42_mds_fail_rank_nofs",
        "43_mds_fail_fsrole_nofs",
        "44_fs_new_badname",
        "45_fs_new_nodata",
        "46_fs_new_force2",
      ]
    ) await replay(ceph, name);
    await c.run(3);
    for (const name of ["47_fs_new_other", "48_fs_new_samepool_other"]) await replay(ceph, name);
  });
});

Deno.test("a cluster spec without a file system has standbys only, and its MDS checks stay quiet", async () => {
  const c = await startTestCluster({
    cluster: { hosts: 1, osdsPerHost: 1, pools: [], fileSystem: false },
  });
  try {
    await c.run(20);
    const fsMap = c.manager.get("fs_map") as {
      filesystems: unknown[];
      standbys: { name: string }[];
    };
    assert.deepEqual(fsMap.filesystems, []);
    assert.deepEqual(fsMap.standbys.map((s) => s.name), ["a", "b"]);
    const dir = dataDir();
    try {
      assert.equal((await runCeph(c, dir, "health")).stdout, "HEALTH_OK\n");
      assert.equal((await runCeph(c, dir, "fs ls")).stdout, "No filesystems enabled\n");
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  } finally {
    await c.stop();
  }
});
