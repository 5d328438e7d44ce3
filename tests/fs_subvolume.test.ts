/**
 * The volumes module's subvolume commands answer as a real 16.2.15 ceph-mgr did
 * (tests/ceph-reference/cli/commands/fs_subvolume/, made by tools/capture-subvolumes.sh in
 * this order): `fs subvolume create/ls/getpath/info/exist/resize/rm`, in the default group
 * and in a named one, with a quota, an owner, a mode, a RADOS namespace, the errors; and what
 * they leave in the file system as the real module leaves it (the v2 layout
 * `/volumes/<group>/<name>/<uuid>`, its `.meta`, the auth-ID file, the trash, purged). UUIDs,
 * times and the mon's address are compared by shape.
 */
import assert from "node:assert/strict";
import type { TestCluster } from "mgr_module/testing";
import { type Ceph, withFsCluster } from "./_fs_oracle.ts";
import { referenceCli } from "./_reference.ts";
import * as volumes from "../modules/volumes/module.ts";
import type { FsTree } from "../sim/cluster/fs_tree.ts";

const DIR = "commands/fs_subvolume";
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/g;
const TIME = /"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"/g;

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

/** UUIDs, times and mon addresses as their shapes. */
const shape = (text: string) =>
  text.replace(UUID, "UUID").replace(TIME, '"TIME"').replace(/"127\.0\.0\.1:\d+"/g, '"ADDR"');

async function same(ceph: Ceph, name: string): Promise<void> {
  const cap = referenceCli(`${DIR}/${name}.txt`);
  const got = await ceph(cap.command.replace(/^ceph /, ""));
  assert.deepEqual(
    { ...got, stdout: shape(got.stdout) },
    { rc: cap.rc, stdout: shape(cap.stdout), stderr: cap.stderr },
    name,
  );
}

function read(tree: FsTree, path: string): string | undefined {
  const r = tree.operate({ op: "read_file", path });
  return r.r === 0 ? new TextDecoder().decode(r.data) : undefined;
}

Deno.test("fs subvolume create/ls/getpath/info/exist/resize/rm answer as 16.2.15's volumes module", async () => {
  await withCluster(async (c, ceph) => {
    await same(ceph, "01_create_volume");
    await c.run(3);
    for (const name of ["02_ls_none", "03_exist_none", "04_create", "05_ls"]) {
      await same(ceph, name);
    }
    // The v2 layout, as the real module wrote it (read back through libcephfs).
    const tree = c.cluster!.fs.tree!;
    const path = (await ceph("fs subvolume getpath vol1 sv1")).stdout.trim();
    assert.match(path, /^\/volumes\/_nogroup\/sv1\/[0-9a-f-]{36}$/);
    assert.equal(
      read(tree, "/volumes/_nogroup/sv1/.meta"),
      `[GLOBAL]\nversion = 2\ntype = subvolume\npath = ${path}\nstate = complete\n\n`,
    );
    assert.equal(tree.operate({ op: "statx", path: "/volumes/_nogroup/sv1/.meta" }).mode, 0o100640);
    assert.equal(read(tree, "/volumes/_:sv1.meta"), "");
    for (
      const name of [
        "06_getpath",
        "07_info",
        "08_exist",
        "09_create_again",
        "10_create_nogroup",
        "11_group_create",
        "12_create_attrs",
        "13_info_attrs",
        "14_ls_group",
        "15_resize",
        "16_resize_inf",
        "17_resize_zero",
        "18_getpath_unknown",
        "19_create_badpool",
        "20_create_badmode",
        "21_create_isolated",
        "22_info_isolated",
        "23_ls_two",
        "24_group_rm_nonempty",
        "25_rm",
        "26_rm_again",
        "27_rm_force",
        "28_ls_after_rm",
        "29_rm_group",
        "30_rm_isolated",
        "31_exist_after_rm",
        "32_group_rm",
        "33_create_internal_group",
        "34_create_badname",
        "35_info_unknown",
        "36_resize_unknown",
        "37_ls_novol",
      ]
    ) await same(ceph, name);
    // A bad pool left nothing behind: the subvolume went to the trash, and the trash was purged.
    assert.deepEqual(tree.operate({ op: "listdir", path: "/volumes/_deleting" }).entries, []);
    assert.deepEqual(
      tree.operate({ op: "listdir", path: "/volumes" }).entries?.map((e) => e.name).sort(),
      ["_deleting", "_nogroup"],
    );
    await c.run(3);
    const cap = referenceCli(`${DIR}/38_volume_info.txt`);
    const info = JSON.parse((await ceph("fs volume info vol1")).stdout);
    const real = JSON.parse(cap.stdout);
    assert.deepEqual(
      [info.used_size, info.pending_subvolume_deletions],
      [real.used_size, real.pending_subvolume_deletions],
    );
    await same(ceph, "39_rm_volume");
  });
});

Deno.test("on start the module purges what the trash holds, as the VolumeClient queues its purge jobs", async () => {
  await withCluster(async (c, ceph) => {
    assert.equal((await ceph("fs volume create vol1")).rc, 0);
    await c.run(3);
    const tree = c.cluster!.fs.tree!;
    const left = "/volumes/_deleting/0f0e0d0c-0b0a-4908-8706-050403020100";
    assert.equal(tree.operate({ op: "mkdirs", path: `${left}/data/dir`, mode: 0o755 }).r, 0);
    const file = new TextEncoder().encode("x".repeat(100));
    assert.equal(
      tree.operate({ op: "write_file", path: `${left}/data/f`, mode: 0o644, data: file }).r,
      0,
    );
    assert.equal(
      JSON.parse((await ceph("fs volume info vol1")).stdout).pending_subvolume_deletions,
      1,
    );
    assert.equal((await ceph("mgr module disable volumes")).rc, 0);
    await c.run(2);
    assert.equal((await ceph("mgr module enable volumes")).rc, 0);
    await c.run(3);
    assert.deepEqual(tree.operate({ op: "listdir", path: "/volumes/_deleting" }).entries, []);
    const info = JSON.parse((await ceph("fs volume info vol1")).stdout);
    assert.deepEqual([info.pending_subvolume_deletions, info.used_size], [0, 0]);
  });
});

Deno.test("resize below what a subvolume or group holds: refused with --no_shrink, else the quota is set", async () => {
  await withCluster(async (c, ceph) => {
    assert.equal((await ceph("fs volume create vol1")).rc, 0);
    await c.run(3);
    assert.equal((await ceph("fs subvolumegroup create vol1 g")).rc, 0);
    assert.equal((await ceph("fs subvolume create vol1 sv --group_name g")).rc, 0);
    const path = (await ceph("fs subvolume getpath vol1 sv --group_name g")).stdout.trim();
    const data = new Uint8Array(5000);
    const tree = c.cluster!.fs.tree!;
    assert.equal(tree.operate({ op: "write_file", path: `${path}/f`, mode: 0o644, data }).r, 0);
    assert.deepEqual(await ceph("fs subvolume resize vol1 sv 1000 --group_name g --no_shrink"), {
      rc: 22,
      stdout: "",
      stderr: "Error EINVAL: Can't resize the subvolume. The new size '1000' would be lesser " +
        "than the current used size '5000'\n",
    });
    const shrunk = await ceph("fs subvolume resize vol1 sv 1000 --group_name g");
    assert.deepEqual(JSON.parse(shrunk.stdout), [
      { bytes_used: 5000 },
      { bytes_quota: 1000 },
      { bytes_pcent: "500.00" },
    ]);
    const group = await ceph("fs subvolumegroup resize vol1 g 100 --no_shrink");
    assert.equal(group.rc, 22);
    assert.match(group.stderr, /The new size '100' would be lesser than the current used size/);
    const info = JSON.parse((await ceph("fs subvolume info vol1 sv --group_name g")).stdout);
    assert.deepEqual([info.bytes_used, info.bytes_quota, info.bytes_pcent], [5000, 1000, "500.00"]);
  });
});
