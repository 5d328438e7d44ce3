/**
 * A second file system, as a real 16.2.15 mon (and its volumes module) answered with MDSs a, b
 * and c (tests/ceph-reference/cli/commands/fs_multiple/, tools/capture-mds-ranks.sh, in that
 * order, after the mds_ranks captures): `fs flag set enable_multiple`, `fs new b` refused while
 * it is off and made once on, the views of two file systems (`fs ls`, `fs dump`, `fs status`,
 * `fs get b`, `mds stat`, health, status), subvolumes on b, max_mds 2 on b, `mds fail b:0`,
 * `fs fail b`, `fs rm b`, and a second volume by `fs volume create v2` and `fs volume rm`.
 * Texts byte for byte where the values can be the same; JSON by shape; `fs dump` by its state
 * lines. Gids, stamps, epochs and addresses differ from run to run and are left out.
 *
 * The real MDSs are named as the simulated ones by their roles at the start of the mds_ranks
 * captures (pairNames).
 */
import assert from "node:assert/strict";
import type { TestCluster } from "mgr_module/testing";
import {
  type Ceph,
  fsDumpState,
  pairNames,
  replayCapture,
  statusRanks,
  withFsCluster,
} from "./_fs_oracle.ts";
import { referenceCli, referenceText } from "./_reference.ts";
import { shapeDiff } from "./sim_json_shape.ts";
import * as status from "../modules/status/module.ts";
import * as volumes from "../modules/volumes/module.ts";

const DIR = "commands/fs_multiple";
const simName: (real: string) => string = pairNames(
  referenceCli("commands/mds_ranks/00_fs_dump.txt").stdout,
  ["a", "b", "c"],
);
const real = (name: string) => referenceCli(`${DIR}/${name}.txt`);
/** A file the capture script wrote itself (rank states sampled), not a command's. */
const written = (name: string) => referenceText(`cli/${DIR}/${name}.txt`);
const noGids = (s: string) => s.replace(/gid \d+/g, "gid N");
const MAPS = ["$.filesystems[].mdsmap.info", "$.filesystems[].mdsmap.up"];

/**
 * The cluster as the mds_ranks captures left it: cephfs with ranks 1 and 2 stopped, two
 * standbys, standby_count_wanted 0, and the pools fsb_meta (4) and fsb_data (5).
 */
async function withTwo(fn: (c: TestCluster, ceph: Ceph) => Promise<void>) {
  await withFsCluster({
    builtins: { status, volumes },
    initialModules: ["status", "volumes"],
    mds: ["a", "b", "c"],
    pools: [
      // In the order the real cluster made them (17_pools_b).
      { name: "cephfs_metadata", pgNum: 8, size: 1, application: "cephfs" },
      { name: "device_health_metrics", pgNum: 1, size: 1, application: "mgr_devicehealth" },
      { name: "cephfs_data", pgNum: 8, size: 1, application: "cephfs" },
    ],
  }, async (c, ceph) => {
    for (
      const line of [
        "fs set cephfs max_mds 3",
        "fs set cephfs max_mds 1",
        "fs set cephfs standby_count_wanted 0",
        "osd pool create fsb_meta 8",
        "osd pool create fsb_data 8",
      ]
    ) {
      assert.equal((await ceph(line)).rc, 0, line);
      await c.run(line.includes("max_mds") ? 40 : 2);
    }
    await fn(c, ceph);
  });
}

function dumpState(text: string, names: (n: string) => string = (n) => n): string[] {
  return fsDumpState(text, [
    "fs_name",
    "flags",
    "max_mds",
    "in",
    "failed",
    "stopped",
    "standby_count_wanted",
    "data_pools",
    "metadata_pool",
  ], (l) => /^enable_multiple/.test(l) ? l : undefined)
    .map((l) => l.replace(/^mds\.(\w+)/, (_, n) => `mds.${names(n)}`));
}

async function sameDump(ceph: Ceph, name: string): Promise<void> {
  assert.deepEqual(
    dumpState((await ceph("fs dump")).stdout),
    dumpState(real(name).stdout, simName),
    name,
  );
}

/** Replays capture `name`: the same rc, stdout (names made the simulated ones) and stderr. */
async function same(ceph: Ceph, name: string): Promise<void> {
  const cap = real(name);
  const got = await ceph(cap.command.replace(/^ceph /, ""));
  const stdout = cap.stdout.replace(/=([abc])=/g, (_, n) => `=${simName(n)}=`);
  assert.deepEqual(got, { rc: cap.rc, stdout, stderr: cap.stderr }, name);
}

async function sameStatus(ceph: Ceph, line: string, name: string): Promise<void> {
  assert.deepEqual(
    statusRanks((await ceph(line)).stdout),
    statusRanks(real(name).stdout, simName),
    name,
  );
}

/** `fs volume info`'s JSON with its numbers and the mon's address as their types. */
function infoShape(text: string): unknown {
  return JSON.parse(
    text,
    (k, v) =>
      k === "mon_addrs"
        ? v.map(() => "addr")
        : ["used", "avail"].includes(k)
        ? typeof v === "number" ? "int" : v
        : v,
  );
}

Deno.test("enable_multiple off refuses a second file system in the real words; on, fs new b makes it, a standby takes its rank 0, and every view shows both", async () => {
  await withTwo(async (c, ceph) => {
    await sameDump(ceph, "00_fs_dump");
    for (const name of ["01_flag_no_confirm", "02_flag_false"]) await same(ceph, name);
    await sameDump(ceph, "03_fs_dump_flag_false");
    for (
      const name of [
        "04_new_disabled",
        "05_flag_true_no_confirm",
        "06_flag_true",
        "07_flag_bad",
        "08_new_b",
      ]
    ) await same(ceph, name);
    await c.run(5);
    for (const name of ["09_fs_ls", "09_fs_ls_json"]) await same(ceph, name);
    await sameDump(ceph, "10_fs_dump");
    const dump = JSON.parse((await ceph("fs dump -f json")).stdout);
    const realDump = JSON.parse(real("10_fs_dump_json").stdout);
    assert.deepEqual(shapeDiff(dump, realDump, { maps: MAPS }), []);
    assert.deepEqual(
      dump.filesystems.map((f: { id: number; mdsmap: { fs_name: string } }) => [
        f.id,
        f.mdsmap.fs_name,
      ]),
      [[1, "cephfs"], [2, "b"]],
    );
    assert.equal(dump.default_fscid, realDump.default_fscid);
    // Each file system keeps its own MDSMap epoch: cephfs' did not move with b's making.
    assert.ok(dump.filesystems[0].mdsmap.epoch < dump.filesystems[1].mdsmap.epoch);
    await sameStatus(ceph, "fs status", "11_fs_status");
    const st = JSON.parse((await ceph("fs status -f json")).stdout);
    assert.deepEqual(shapeDiff(st, JSON.parse(real("11_fs_status_json").stdout)), []);
    await sameStatus(ceph, "fs status b", "12_fs_status_b");
    assert.deepEqual(
      dumpState((await ceph("fs get b")).stdout),
      dumpState(real("13_fs_get_b").stdout, simName),
    );
    const get = JSON.parse((await ceph("fs get b -f json")).stdout);
    assert.deepEqual(
      shapeDiff(get, JSON.parse(real("13_fs_get_b_json").stdout), {
        maps: ["$.mdsmap.info", "$.mdsmap.up"],
      }),
      [],
    );
    assert.equal(get.id, 2);
    await same(ceph, "14_health_detail");
    await same(ceph, "15_mds_stat");
    const stat = JSON.parse((await ceph("mds stat -f json")).stdout);
    assert.deepEqual(
      shapeDiff(stat, JSON.parse(real("15_mds_stat_json").stdout), {
        maps: MAPS.map((m) => m.replace("$.", "$.fsmap.")),
      }),
      [],
    );
    const lines = (s: string) => s.split("\n").filter((l) => /^ {4}(mds|volumes|health):/.test(l));
    assert.deepEqual(lines((await ceph("status")).stdout), lines(real("16_status").stdout));
    // fs new gave b's pools the cephfs application with their roles, as the real mon did.
    type Pool = { pool_name: string; application_metadata: unknown };
    const apps = (l: Pool[]) =>
      l.filter((p) => p.pool_name.startsWith("fsb_")).map((
        p,
      ) => [p.pool_name, p.application_metadata]);
    assert.deepEqual(
      apps(JSON.parse((await ceph("osd pool ls detail -f json")).stdout)),
      apps(JSON.parse(real("17_pools_b").stdout)),
    );
  });
});

Deno.test("the volumes module serves either volume: info, subvolumes and groups on b leave cephfs alone", async () => {
  await withTwo(async (c, ceph) => {
    assert.equal((await ceph("fs new b fsb_meta fsb_data")).rc, 0);
    await c.run(5);
    await same(ceph, "18_volume_ls");
    const info = await ceph("fs volume info b");
    assert.deepEqual(infoShape(info.stdout), infoShape(real("19_volume_info_b").stdout));
    for (
      const name of [
        "20_subvolume_create_b",
        "21_subvolume_ls_b",
        "22_subvolume_ls_cephfs",
        "24_subvolumegroup_create_b",
        "25_subvolumegroup_ls_b",
      ]
    ) await same(ceph, name);
    const path = await ceph("fs subvolume getpath b sv1");
    assert.match(path.stdout, /^\/volumes\/_nogroup\/sv1\/[0-9a-f-]{36}\n$/);
    assert.equal(path.stdout.length, real("23_subvolume_getpath_b").stdout.length);
    // Each file system has its own tree.
    assert.ok(c.cluster!.fs.treeOf("b")!.operate({ op: "statx", path: "/volumes/g1" }).r === 0);
    assert.equal(
      c.cluster!.fs.treeOf("cephfs")!.operate({ op: "statx", path: "/volumes/g1" }).r,
      -2,
    );
  });
});

Deno.test("b's own ranks: max_mds 2 takes the last standby, mds fail b:0 hands rank 0 on, fs fail then fs rm removes it", async () => {
  await withTwo(async (c, ceph) => {
    assert.equal((await ceph("fs new b fsb_meta fsb_data")).rc, 0);
    await c.run(5);
    await same(ceph, "26_set_max_mds_b");
    await c.run(10);
    await sameDump(ceph, "27_fs_dump_b_max_mds_2");
    await same(ceph, "28_health_detail_b_max_mds_2");
    await same(ceph, "29_set_max_mds_b_1");
    await c.run(30);
    await replayCapture(ceph, DIR, "30_mds_fail_b0", noGids);
    await c.run(5);
    await sameDump(ceph, "31_fs_dump_after_fail_b0");
    await same(ceph, "32_rm_b_active");
    await same(ceph, "33_fail_b");
    await c.run(2);
    await sameDump(ceph, "34_fs_dump_b_failed");
    await same(ceph, "35_health_detail_b_failed");
    await same(ceph, "36_rm_b");
    await c.run(2);
    await same(ceph, "37_fs_ls_after_rm");
    await sameDump(ceph, "38_fs_dump_after_rm");
    assert.equal(c.cluster!.fs.treeOf("b"), undefined);
  });
});

Deno.test("fs volume create v2 makes a second volume on its own pools, and fs volume rm takes it away", async () => {
  await withTwo(async (c, ceph) => {
    assert.equal((await ceph("config set mon mon_allow_pool_delete true")).rc, 0);
    await same(ceph, "39_volume_create_v2");
    await c.run(5);
    for (const name of ["40_volume_ls", "41_fs_ls"]) await same(ceph, name);
    const info = await ceph("fs volume info v2");
    assert.deepEqual(infoShape(info.stdout), infoShape(real("42_volume_info_v2").stdout));
    for (const name of ["43_subvolume_create_v2", "44_subvolume_ls_v2"]) await same(ceph, name);
    // The real status line counted a client of cephfs (the volumes module's mount); which
    // standby took v2's rank 0 follows gids the real cluster had from b's life (the test above).
    const ranks = (l: string[]) =>
      l.filter((x) => !/clients$/.test(x)).map((x) => x.replace(/ \w+$/, " X"));
    assert.deepEqual(
      ranks(statusRanks((await ceph("fs status")).stdout)),
      ranks(statusRanks(real("45_fs_status").stdout, simName)),
    );
    await same(ceph, "46_volume_rm_v2");
    await c.run(2);
    await same(ceph, "47_volume_ls_after_rm");
    const state = dumpState((await ceph("fs dump")).stdout);
    const realState = dumpState(real("48_fs_dump_after_rm").stdout, simName);
    // The standbys' order follows gids, which the two clusters gave in other orders here.
    const sorted = (l: string[]) => [...l].sort();
    assert.deepEqual(sorted(state), sorted(realState));
    await same(ceph, "49_health_detail_end");
  });
});

Deno.test("two file systems again: enable_multiple goes off with both there, b's two ranks go down one by one and come back, a bare rank is the default file system's, which then goes", async () => {
  await withTwo(async (c, ceph) => {
    // The real cluster's way here (the tests above), for the same gids' order.
    assert.equal((await ceph("config set mon mon_allow_pool_delete true")).rc, 0);
    for (
      const line of [
        "fs new b fsb_meta fsb_data",
        "fs set b max_mds 2",
        "fs set b max_mds 1",
        "mds fail b:0",
        "fs fail b",
        "fs rm b --yes-i-really-mean-it",
        "fs volume create v2",
        "fs volume rm v2 --yes-i-really-mean-it",
        "fs new b fsb_meta fsb_data --force",
      ]
    ) {
      assert.equal((await ceph(line)).rc, 0, line);
      await c.run(30);
    }
    await same(ceph, "50_flag_false_two_fs");
    await sameDump(ceph, "51_fs_dump_flag_false_two");
    assert.equal((await ceph("fs flag set enable_multiple true")).rc, 0);
    assert.equal((await ceph("fs set b max_mds 2")).rc, 0);
    await c.run(10);
    // Down: rank 1 stops first, then rank 0; both MDSs are standbys again and health stays OK.
    await same(ceph, "52_down_b");
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const stat = (await ceph("mds stat")).stdout;
      for (const m of stat.matchAll(/b:(\d)=\w+=(up:[a-z]+)/g)) seen.add(`b ${m[1]} ${m[2]}`);
      await c.run(1);
    }
    assert.ok(seen.has("b 1 up:stopping"), [...seen].join(", "));
    assert.match(written("53_transitions_down_b"), /^b 1 \w+ up:stopping$/m);
    await sameDump(ceph, "54_fs_dump_b_down");
    await same(ceph, "55_health_detail_b_down");
    // Up: max_mds as it was before, both ranks taken again.
    await same(ceph, "56_down_b_false");
    await c.run(10);
    await sameDump(ceph, "57_fs_dump_b_up");
    // A bare rank is the default file system's (cephfs'): its only MDS, respawned, takes it.
    await replayCapture(ceph, DIR, "58_mds_fail_bare_rank", noGids);
    await c.run(5);
    // The real MDS was still rejoining rank 0 when the dump was taken; the simulated one takes
    // rank 0 at once.
    assert.deepEqual(
      dumpState((await ceph("fs dump")).stdout),
      dumpState(real("59_fs_dump_after_bare_rank").stdout, simName).map((l) =>
        l.replace(/^(mds\.\w+ 0) up:rejoin$/, "$1 up:active")
      ),
    );
    assert.equal((await ceph("fs fail cephfs")).rc, 0);
    await c.run(2);
    await same(ceph, "60_rm_cephfs");
    await c.run(2);
    // No default file system left: legacy client fscid -1; b carries on.
    await sameDump(ceph, "61_fs_dump_no_default");
    for (
      const name of [
        "62_mds_stat_no_default",
        "63_fs_ls_no_default",
        "64_mds_fail_bare_rank_no_default",
      ]
    ) await same(ceph, name);
  });
});
