/**
 * `fs set <fs> <var> <val>` beyond standby_count_wanted, as a real 16.2.15 mon answered it on a
 * file system with MDSs a (active) and b (standby)
 * (tests/ceph-reference/cli/commands/mon12/fs_set/, in that order): the words and errnos, and
 * the FSMap they leave (`fs dump`'s flags, max_mds, in/up/stopped and the MDS lines; `fs get
 * -f json`; health; status's mds line). Stamps, epochs, fsids, gids and addresses differ from
 * run to run and are left out of the comparison.
 */
import assert from "node:assert/strict";
import type { TestCluster } from "mgr_module/testing";
import {
  type Ceph,
  fsDumpState,
  type Out,
  replayCapture,
  statusRanks,
  withFsCluster,
} from "./_fs_oracle.ts";
import { referenceCli } from "./_reference.ts";
import * as status from "../modules/status/module.ts";

const DIR = "commands/mon12/fs_set";

function withFs(fn: (c: TestCluster, ceph: Ceph) => Promise<void>) {
  return withFsCluster({
    builtins: { status },
    initialModules: ["status"],
    mds: ["a", "b"],
    pools: [
      { name: "cephfs_metadata", pgNum: 8, size: 1, application: "cephfs" },
      { name: "cephfs_data", pgNum: 8, size: 1, application: "cephfs" },
    ],
  }, fn);
}

/** Runs capture `name`'s command line; asserts its rc and stderr (the mon's words). */
function replay(ceph: Ceph, name: string): Promise<Out> {
  return replayCapture(ceph, DIR, name);
}

/**
 * The lines of an `fs dump` that say what state the file system is in: flags, max_mds, in,
 * up (ranks only), failed, stopped, the MDS lines as name, rank and state.
 */
function dumpState(text: string): string[] {
  return fsDumpState(text, [
    "flags",
    "max_mds",
    "in",
    "failed",
    "stopped",
    "session_timeout",
    "session_autoclose",
    "max_file_size",
  ]);
}

async function sameDump(ceph: (line: string) => Promise<Out>, name: string): Promise<void> {
  const real = referenceCli(`${DIR}/${name}.txt`).stdout;
  assert.deepEqual(dumpState((await ceph("fs dump")).stdout), dumpState(real), name);
}

Deno.test("fs set max_mds, joinable, down, cluster_down: the real words, the FSMap and health they leave", async () => {
  await withFs(async (c, ceph) => {
    for (const name of ["07_max_mds_0", "08_max_mds_bad", "09_max_mds_too_many"]) {
      await replay(ceph, name);
    }
    assert.equal((await ceph("fs set cephfs standby_count_wanted 1")).rc, 0);
    // Two ranks: the standby takes rank 1, and none is left standing by.
    await replay(ceph, "01_max_mds_2");
    await c.run(10);
    assert.deepEqual(
      statusRanks((await ceph("fs status")).stdout),
      statusRanks(referenceCli(`${DIR}/02_fs_status_max_mds_2.txt`).stdout),
    );
    await sameDump(ceph, "03_fs_dump_max_mds_2");
    assert.equal(
      (await ceph("health detail")).stdout,
      referenceCli(`${DIR}/04_health_max_mds_2.txt`).stdout,
    );
    // Back to one: rank 1 stops (one epoch), then is stopped and b a standby again.
    const epoch = c.cluster!.fs.epoch;
    await replay(ceph, "05_max_mds_1");
    assert.equal(c.cluster!.fs.epoch, epoch + 1);
    await c.run(20);
    await sameDump(ceph, "06_fs_dump_max_mds_1");

    await replay(ceph, "10_joinable_false");
    await sameDump(ceph, "11_fs_dump_joinable_false");
    assert.equal(
      (await ceph("health detail")).stdout,
      referenceCli(`${DIR}/12_health_joinable_false.txt`).stdout,
    );
    await replay(ceph, "13_joinable_true");
    await replay(ceph, "14_joinable_bad");

    // Down: rank 0 stops, its MDS respawns as a standby (a new gid), and health stays OK.
    const gidA = c.cluster!.fs.daemons.find((d) => d.name === "a")!.gid;
    await replay(ceph, "15_down_true");
    await c.run(8);
    // The real mds.a was still respawning when the dump was taken (status, just after, counts
    // it among 2 standbys); the simulated one is a standby at once.
    const down = dumpState((await ceph("fs dump")).stdout);
    assert.ok(down.includes("mds.a -1 up:standby"));
    assert.deepEqual(
      down.filter((l) => l !== "mds.a -1 up:standby"),
      dumpState(referenceCli(`${DIR}/17_fs_dump_down.txt`).stdout),
    );
    assert.notEqual(c.cluster!.fs.daemons.find((d) => d.name === "a")!.gid, gidA);
    assert.equal(
      (await ceph("health detail")).stdout,
      referenceCli(`${DIR}/18_health_down.txt`).stdout,
    );
    const mdsLine = (s: string) => /\n {4}mds: .*\n/.exec(s)?.[0];
    assert.equal(
      mdsLine((await ceph("status")).stdout),
      mdsLine(referenceCli(`${DIR}/19_status_down.txt`).stdout),
    );
    await replay(ceph, "20_down_true_again");
    await replay(ceph, "21_down_false");
    await c.run(8);
    await sameDump(ceph, "22_fs_dump_down_false");
    assert.equal(
      (await ceph("health detail")).stdout,
      referenceCli(`${DIR}/23_health_down_false.txt`).stdout,
    );

    await replay(ceph, "24_cluster_down_true");
    await sameDump(ceph, "25_fs_dump_cluster_down");
    await replay(ceph, "26_cluster_down_false");
  });
});

Deno.test("not joinable: a failed rank 0 stays failed although a standby is up, until joinable again", async () => {
  await withFs(async (c, ceph) => {
    assert.equal((await ceph("fs set cephfs joinable false")).rc, 0);
    c.cluster!.setMds("a", false);
    await c.run(5);
    assert.equal(c.cluster!.fs.activeName(), undefined);
    assert.match(
      (await ceph("health")).stdout,
      /^HEALTH_ERR 1 filesystem is degraded; 1 filesystem is offline/,
    );
    assert.equal((await ceph("fs set cephfs joinable true")).rc, 0);
    assert.equal(c.cluster!.fs.activeName(), "b", "the standby takes the rank once joinable");
    const log = (await ceph("log last 20")).stdout;
    assert.match(log, /daemon mds\.b is now active in filesystem cephfs as rank 0/);
  });
});

Deno.test("allow_standby_replay, max_file_size, session_timeout, session_autoclose: the real words and the FSMap", async () => {
  await withFs(async (c, ceph) => {
    // The real file system had had a rank 1 by then (the test above): it is stopped.
    assert.equal((await ceph("fs set cephfs max_mds 2")).rc, 0);
    await c.run(10);
    assert.equal((await ceph("fs set cephfs max_mds 1")).rc, 0);
    await c.run(20);
    await replay(ceph, "27_allow_standby_replay_true");
    await c.run(8);
    await sameDump(ceph, "29_fs_dump_standby_replay");
    await replay(ceph, "30_allow_standby_replay_false");
    await replay(ceph, "31_allow_standby_replay_bad");
    for (
      const name of [
        "32_max_file_size",
        "33_max_file_size_small",
        "34_max_file_size_bad",
        "35_session_timeout",
        "36_session_timeout_bad",
        "37_session_timeout_neg",
        "38_session_autoclose",
        "39_session_autoclose_bad",
        "42_nosuch_var",
      ]
    ) await replay(ceph, name);
    const real = JSON.parse(referenceCli(`${DIR}/41_fs_get_after_json.txt`).stdout).mdsmap;
    const got = JSON.parse((await ceph("fs get cephfs -f json")).stdout).mdsmap;
    const pick = (m: Record<string, unknown>) => [
      m.flags,
      m.max_mds,
      m.session_timeout,
      m.session_autoclose,
      m.max_file_size,
      m.in,
      m.failed,
    ];
    assert.deepEqual(pick(got), pick(real));
    assert.deepEqual(Object.keys(got), Object.keys(real));
    const plain = (await ceph("fs get cephfs")).stdout;
    assert.deepEqual(
      dumpState(plain),
      dumpState(referenceCli(`${DIR}/40_fs_get_after.txt`).stdout),
    );
  });
});

Deno.test("with standby replay, the standby-replay daemon takes rank 0 when the active fails", async () => {
  await withFs(async (c, ceph) => {
    assert.equal((await ceph("fs set cephfs allow_standby_replay true")).rc, 0);
    assert.equal(c.cluster!.fs.standbyReplayName(), "b");
    const st = JSON.parse((await ceph("fs dump -f json")).stdout);
    assert.deepEqual(st.standbys, [], "a standby-replay daemon is not a standby");
    c.cluster!.setMds("a", false);
    await c.run(5);
    assert.equal(c.cluster!.fs.activeName(), "b");
  });
});
