/**
 * The volumes module's snapshot commands answer as a real 16.2.15 ceph-mgr did
 * (tests/ceph-reference/cli/commands/fs_snapshot/, made by tools/capture-snapshots.sh in this
 * order): `fs subvolume snapshot create/rm/ls/info/protect/unprotect`, `fs subvolume snapshot
 * metadata set/get/ls/rm`, `fs subvolumegroup snapshot create/rm/ls`, `fs subvolume rm
 * --retain-snapshots` and the 'snapshot-retained' state (info, ls, the commands it refuses, a new
 * incarnation over it, and the subvolume going with its last snapshot), plain and `-f json`;
 * and what they leave in the file system as the real module leaves it (`.snap`, the
 * subvolume's `.trash`, the trash link, the `.meta` sections). UUIDs, times and the mon's
 * address are compared by shape.
 */
import assert from "node:assert/strict";
import type { TestCluster } from "mgr_module/testing";
import { type Ceph, withFsCluster } from "./_fs_oracle.ts";
import { referenceCli } from "./_reference.ts";
import * as volumes from "../modules/volumes/module.ts";
import type { FsTree } from "../sim/cluster/fs_tree.ts";

const DIR = "commands/fs_snapshot";
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/g;
/** A time as Python prints a datetime: a snapshot's has microseconds unless they are 0. */
const TIME = /"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{6})?"/g;

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

async function ok(ceph: Ceph, line: string): Promise<void> {
  const got = await ceph(line);
  assert.equal(got.rc, 0, `${line}: ${got.stderr}`);
}

function names(tree: FsTree, path: string): string[] | undefined {
  return tree.operate({ op: "listdir", path }).entries?.map((e) => e.name);
}

function read(tree: FsTree, path: string): string | undefined {
  const r = tree.operate({ op: "read_file", path });
  return r.r === 0 ? new TextDecoder().decode(r.data) : undefined;
}

/** Replays captures `from`..`to` (their numbers) in order. */
async function replay(ceph: Ceph, all: string[], from: number, to: number): Promise<void> {
  for (const name of all) {
    const n = Number(name.slice(0, 2));
    if (n >= from && n <= to) await same(ceph, name);
  }
}

const CAPTURES = [...Deno.readDirSync(new URL(`./ceph-reference/cli/${DIR}/`, import.meta.url))]
  .map((e) => e.name.replace(/\.txt$/, "")).sort();

Deno.test("fs subvolume snapshot and subvolumegroup snapshot commands answer as 16.2.15's volumes module", async () => {
  assert.equal(CAPTURES.length, 84);
  await withCluster(async (c, ceph) => {
    await same(ceph, "01_create_volume");
    await c.run(3);
    await ok(ceph, "fs subvolume create vol1 sv1");
    await ok(ceph, "fs subvolumegroup create vol1 g");
    await ok(ceph, "fs subvolume create vol1 sv2 --group_name g");
    await replay(ceph, CAPTURES, 2, 4);
    // The snapshot is the base directory's, and holds the data directory as it was.
    const tree = c.cluster!.fs.tree!;
    const path = (await ceph("fs subvolume getpath vol1 sv1")).stdout.trim();
    const uuid = path.slice(path.lastIndexOf("/") + 1);
    assert.deepEqual(names(tree, "/volumes/_nogroup/sv1/.snap"), ["s1"]);
    assert.deepEqual(names(tree, "/volumes/_nogroup/sv1/.snap/s1"), [uuid, ".meta"].sort());
    assert.equal(
      tree.operate({ op: "write_file", path: `${path}/f`, mode: 0o644, data: new Uint8Array(9) })
        .r,
      0,
    );
    assert.equal(
      tree.operate({ op: "statx", path: `/volumes/_nogroup/sv1/.snap/s1/${uuid}/f` }).r,
      -2,
    );
    assert.equal(
      tree.operate({ op: "mkdir", path: `/volumes/_nogroup/sv1/.snap/s1/${uuid}/d`, mode: 0o755 })
        .r,
      -30,
    );
    assert.equal(tree.operate({ op: "unlink", path: `${path}/f` }).r, 0);
    await replay(ceph, CAPTURES, 5, 46);
    await ok(ceph, "fs subvolume metadata set vol1 sv1 ukey uval");
    await ok(ceph, "fs subvolume snapshot metadata set vol1 sv1 s1 skey sval");
    assert.match(read(tree, "/volumes/_nogroup/sv1/.meta")!, /\[SNAP_METADATA_s1\]\nskey = sval\n/);
    await same(ceph, "47_rm_retain");
    // The data directory went to the subvolume's trash, linked from the volume's; the user
    // metadata went, the snapshot's stayed; the auth-ID file went.
    const meta = read(tree, "/volumes/_nogroup/sv1/.meta")!;
    assert.match(
      meta,
      /^\[GLOBAL\]\nversion = 2\ntype = subvolume\npath = \nstate = snapshot-retained\n/,
    );
    assert.doesNotMatch(meta, /USER_METADATA/);
    assert.match(meta, /\[SNAP_METADATA_s1\]\nskey = sval\n/);
    assert.equal(read(tree, "/volumes/_:sv1.meta"), undefined);
    await replay(ceph, CAPTURES, 48, 61);
    await c.run(3);
    // The purge followed the link: the old data directory and the link are gone.
    assert.deepEqual(names(tree, "/volumes/_nogroup/sv1/.trash"), []);
    assert.deepEqual(names(tree, "/volumes/_deleting"), []);
    assert.deepEqual(names(tree, "/volumes/_nogroup/sv1/.snap/s1"), [uuid, ".meta"].sort());
    const vinfo = JSON.parse((await ceph("fs volume info vol1")).stdout);
    const real = JSON.parse(referenceCli(`${DIR}/62_volume_info.txt`).stdout);
    assert.deepEqual(
      [vinfo.pending_subvolume_deletions, vinfo.used_size, Object.keys(vinfo)],
      [real.pending_subvolume_deletions, real.used_size, Object.keys(real)],
    );
    await replay(ceph, CAPTURES, 63, 72);
    await ok(ceph, "fs subvolume snapshot create vol1 sv2 s3 --group_name g");
    await replay(ceph, CAPTURES, 73, 76);
    await c.run(3);
    await replay(ceph, CAPTURES, 77, 78);
    const after = JSON.parse((await ceph("fs volume info vol1")).stdout);
    const realAfter = JSON.parse(referenceCli(`${DIR}/79_volume_info_after.txt`).stdout);
    assert.deepEqual(
      [after.pending_subvolume_deletions, Object.keys(after)],
      [realAfter.pending_subvolume_deletions, Object.keys(realAfter)],
    );
    assert.deepEqual(names(tree, "/volumes/g"), []);
    await ok(ceph, "fs subvolume create vol1 sv3");
    await ok(ceph, "fs subvolume snapshot create vol1 sv3 s4");
    await replay(ceph, CAPTURES, 80, 82);
    await c.run(3);
    await same(ceph, "83_ls_end");
    assert.deepEqual(names(tree, "/volumes/_deleting"), []);
    await ok(ceph, "fs subvolumegroup rm vol1 g");
    await same(ceph, "84_rm_volume");
  });
});

Deno.test("a trash entry the purge cannot remove yet is taken again until it goes, as the purge threads do", async () => {
  await withCluster(async (c, ceph) => {
    assert.equal((await ceph("fs volume create vol1")).rc, 0);
    await c.run(3);
    await ok(ceph, "fs subvolume create vol1 sv");
    const tree = c.cluster!.fs.tree!;
    // A directory with a snapshot is not empty: its removal fails while the snapshot stays.
    const stuck = "/volumes/_deleting/0f0e0d0c-0b0a-4908-8706-050403020100";
    assert.equal(tree.operate({ op: "mkdirs", path: `${stuck}/d`, mode: 0o755 }).r, 0);
    assert.equal(tree.operate({ op: "mkdir", path: `${stuck}/d/.snap/s`, mode: 0o755 }).r, 0);
    await ok(ceph, "fs subvolume rm vol1 sv");
    await c.run(5);
    assert.deepEqual(names(tree, "/volumes/_deleting"), [stuck.slice(stuck.lastIndexOf("/") + 1)]);
    assert.deepEqual(names(tree, stuck), ["d"]);
    assert.equal(
      JSON.parse((await ceph("fs volume info vol1")).stdout).pending_subvolume_deletions,
      1,
    );
    assert.equal(tree.operate({ op: "rmdir", path: `${stuck}/d/.snap/s` }).r, 0);
    await c.run(3);
    assert.deepEqual(names(tree, "/volumes/_deleting"), []);
  });
});
