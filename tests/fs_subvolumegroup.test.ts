/**
 * The volumes module's subvolume group commands answer as a real 16.2.15 ceph-mgr did
 * (tests/ceph-reference/cli/commands/fs_subvolumegroup/, made by
 * tools/capture-subvolumegroups.sh in this order): `fs subvolumegroup create/ls/rm/getpath/
 * exist/info/resize`, the internal names they refuse, the attributes a group is made with (quota,
 * owner, mode, data pool layout), the order groups list in, and the errors of a missing volume
 * or group. Times and the mon's address are compared by shape.
 */
import assert from "node:assert/strict";
import type { TestCluster } from "mgr_module/testing";
import { type Ceph, withFsCluster } from "./_fs_oracle.ts";
import { referenceCli } from "./_reference.ts";
import * as volumes from "../modules/volumes/module.ts";

const DIR = "commands/fs_subvolumegroup";

function withCluster(fn: (c: TestCluster, ceph: Ceph) => Promise<void>) {
  return withFsCluster({
    builtins: { volumes },
    initialModules: ["volumes"],
    mds: ["a", "b"],
    fileSystem: false,
    pools: [
      { name: "device_health_metrics", pgNum: 1, size: 1, application: "mgr_devicehealth" },
    ],
  }, async (c, ceph) => {
    // As tools/capture-volumes.sh left the real cluster.
    assert.equal((await ceph("config set mon mon_allow_pool_delete true")).rc, 0);
    await fn(c, ceph);
  });
}

async function same(ceph: Ceph, name: string): Promise<void> {
  const cap = referenceCli(`${DIR}/${name}.txt`);
  const got = await ceph(cap.command.replace(/^ceph /, ""));
  assert.deepEqual(got, { rc: cap.rc, stdout: cap.stdout, stderr: cap.stderr }, name);
}

/** A group's info with its times and the mon's address as their shapes. */
function infoShape(text: string): unknown {
  return JSON.parse(
    text,
    (k, v) =>
      k === "mon_addrs"
        ? v.map(() => "addr")
        : ["atime", "mtime", "ctime", "created_at"].includes(k) &&
            /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(v)
        ? "time"
        : v,
  );
}

async function sameInfo(ceph: Ceph, name: string): Promise<void> {
  const cap = referenceCli(`${DIR}/${name}.txt`);
  const got = await ceph(cap.command.replace(/^ceph /, ""));
  assert.deepEqual([got.rc, got.stderr], [cap.rc, cap.stderr], name);
  assert.deepEqual(infoShape(got.stdout), infoShape(cap.stdout), name);
}

Deno.test("fs subvolumegroup create/ls/rm/getpath/exist/info/resize answer as 16.2.15's volumes module", async () => {
  await withCluster(async (c, ceph) => {
    await same(ceph, "01_create_volume");
    await c.run(3);
    for (
      const name of [
        "02_ls_none",
        "03_exist_none",
        "04_create",
        "05_ls",
        "06_getpath",
        "07_exist",
        "08_create_again",
        "09_create_nogroup",
        "10_create_internal",
        "11_create_badname",
        "12_create_attrs",
      ]
    ) await same(ceph, name);
    for (const name of ["13_info_attrs", "14_info"]) await sameInfo(ceph, name);
    for (
      const name of [
        "15_create_badpool",
        "16_create_badmode",
        // The group is made, its owner refused, and it is removed again.
        "17_create_baduid",
        "18_ls_two",
        "19_getpath_unknown",
        "20_getpath_novol",
        "21_getpath_nogroup",
        "22_ls_novol",
        "23_exist_novol",
        "24_rm",
        "25_rm_again",
        "26_rm_force",
        "27_rm_nogroup",
        "28_rm_internal",
        "29_rm_novol",
        "30_ls_one",
        "31_rm_g2",
        "32_exist_after_rm",
        "33_ls_after_rm",
        "34_create_no_group",
        "35_rm_volume",
        "36_create_volume2",
        "37_create_group",
      ]
    ) await same(ceph, name);
    // What `fs subvolume create vol2 sv --group_name g` makes (mgrd has no subvolume commands).
    const tree = c.cluster!.fs.tree!;
    const sv = "/volumes/g/sv/0a6c3f1e-52f5-4a3e-8b0c-7a1d2e9f4b11";
    assert.equal(tree.operate({ op: "mkdirs", path: sv, mode: 0o755 }).r, 0);
    for (const name of ["38_rm_nonempty", "39_rm_nonempty_force"]) await same(ceph, name);
    await ceph("fs volume rm vol2 --yes-i-really-mean-it");
    await same(ceph, "40_create_volume3");
    await c.run(3);
    for (const name of ["41_create_group", "42_resize"]) await same(ceph, name);
    await sameInfo(ceph, "43_info_resized");
    for (
      const name of [
        "44_resize_same",
        "45_resize_inf",
        "46_resize_infinite_upper",
        "47_resize_zero",
        "48_resize_negative",
        "49_resize_word",
        "50_resize_underscore",
        "51_resize_unknown",
        "52_resize_nogroup",
        "53_resize_no_size",
      ]
    ) await same(ceph, name);
  });
});
