/**
 * The volumes module's clones answer as a real 16.2.15 ceph-mgr's did
 * (tests/ceph-reference/cli/commands/fs_clone/, made by tools/capture-clones.sh in this order):
 * `fs subvolume snapshot clone`, `fs clone status/cancel`, a pending clone (held by
 * snapshot_clone_delay) in its snapshot's info, refusing what it is not ready for, canceled; and
 * the cloner's copy of the snapshot's tree (directories, files, links, owners, modes, times, the
 * quota) into the clone. UUIDs, times and the mon's address are compared by shape.
 */
import assert from "node:assert/strict";
import type { TestCluster } from "mgr_module/testing";
import { type Ceph, withFsCluster } from "./_fs_oracle.ts";
import { referenceCli } from "./_reference.ts";
import * as volumes from "../modules/volumes/module.ts";
import type { FsTree } from "../sim/cluster/fs_tree.ts";

const DIR = "commands/fs_clone";
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

async function ok(ceph: Ceph, line: string): Promise<string> {
  const got = await ceph(line);
  assert.equal(got.rc, 0, `${line}: ${got.stderr}`);
  return got.stdout;
}

const CAPTURES = [...Deno.readDirSync(new URL(`./ceph-reference/cli/${DIR}/`, import.meta.url))]
  .map((e) => e.name.replace(/\.txt$/, "")).sort();

async function replay(ceph: Ceph, from: number, to: number): Promise<void> {
  for (const name of CAPTURES) {
    const n = Number(name.slice(0, 2));
    if (n >= from && n <= to) await same(ceph, name);
  }
}

Deno.test("fs subvolume snapshot clone and fs clone status/cancel answer as 16.2.15's volumes module", async () => {
  assert.equal(CAPTURES.length, 41);
  await withCluster(async (c, ceph) => {
    await same(ceph, "01_create_volume");
    await c.run(3);
    await ok(ceph, "fs subvolume create vol1 sv1 --mode 750 --uid 10 --gid 20 --size 1000000");
    await ok(ceph, "fs subvolumegroup create vol1 g");
    await ok(ceph, "fs subvolume snapshot create vol1 sv1 s1");
    await same(ceph, "02_clone");
    await c.run(3);
    await replay(ceph, 3, 16);
    await ok(ceph, "config set mgr mgr/volumes/snapshot_clone_delay 60");
    await c.run(2);
    await replay(ceph, 17, 26);
    // The clone's job is waiting out the delay: the cancel is answered when the job has seen
    // it (as the real one was, 54 s later), so it is sent past the CLI, while time runs.
    // (Sent 10 s into the delay, as on the real cluster; mgrd gives a command 60 s.)
    await c.run(10);
    const cap = referenceCli(`${DIR}/27_cancel.txt`);
    assert.equal(cap.command, "ceph fs clone cancel vol1 c2 --group_name g");
    let answered = false;
    const cancel = c.activeManager()!.command({
      prefix: "fs clone cancel",
      vol_name: "vol1",
      clone_name: "c2",
      group_name: "g",
    }).then((r) => (answered = true, r));
    // (Virtual time runs without waiting for the modules to settle: the cancel would not.)
    await c.scheduler.runFor(10);
    assert.equal(answered, false);
    await c.scheduler.runFor(45);
    const r = await cancel;
    assert.deepEqual([r.r, r.outb, r.outs], [cap.rc, cap.stdout, cap.stderr]);
    await replay(ceph, 28, 34);
    // The index link of the canceled clone went with it, and the source's track of it.
    const tree = c.cluster!.fs.tree!;
    assert.deepEqual(tree.operate({ op: "listdir", path: "/volumes/_index/clone" }).entries, []);
    const meta = new TextDecoder().decode(
      tree.operate({ op: "read_file", path: "/volumes/_nogroup/sv1/.meta" }).data,
    );
    assert.doesNotMatch(meta, /clone snaps\]\n\S/);
    await ok(ceph, "config rm mgr mgr/volumes/snapshot_clone_delay");
    await c.run(2);
    await same(ceph, "35_clone_into_group");
    await c.run(3);
    // The real cluster's clone still waited out the 60 s here (its volumes module had not
    // seen the option go yet); mgrd's has: the clone is done.
    assert.equal(
      await ok(ceph, "fs clone status vol1 c3 --group_name g"),
      '{\n  "status": {\n    "state": "complete"\n  }\n}\n',
    );
    const info = JSON.parse(await ok(ceph, "fs subvolume snapshot info vol1 sv1 s1"));
    assert.equal(info.has_pending_clones, "no");
    await same(ceph, "39_rm_clone");
    await ok(ceph, "fs subvolume rm vol1 c3 --group_name g");
    await ok(ceph, "fs subvolume snapshot rm vol1 sv1 s1");
    await c.run(3);
    await ok(ceph, "fs subvolumegroup rm vol1 g");
    await same(ceph, "41_rm_volume");
  });
});

function file(tree: FsTree, path: string): string | undefined {
  const r = tree.operate({ op: "read_file", path });
  return r.r === 0 ? new TextDecoder().decode(r.data) : undefined;
}

Deno.test("the cloner copies the snapshot's tree: directories, files, links, owners, modes, times and the quota", async () => {
  await withCluster(async (c, ceph) => {
    assert.equal((await ceph("fs volume create vol1")).rc, 0);
    await c.run(3);
    await ok(ceph, "fs subvolume create vol1 src --size 5000");
    const src = (await ok(ceph, "fs subvolume getpath vol1 src")).trim();
    const tree = c.cluster!.fs.tree!;
    const put = (op: Parameters<FsTree["operate"]>[0]) => assert.equal(tree.operate(op).r, 0);
    put({ op: "mkdirs", path: `${src}/d/e`, mode: 0o711 });
    put({
      op: "write_file",
      path: `${src}/d/e/f`,
      mode: 0o600,
      data: new TextEncoder().encode("hello"),
    });
    put({ op: "chown", path: `${src}/d/e/f`, uid: 7, gid: 8 });
    put({ op: "lutimes", path: `${src}/d/e/f`, atime: 1_000_000, mtime: 2_000_000 });
    put({ op: "symlink", path: `${src}/l`, target: "d/e/f" });
    await ok(ceph, "fs subvolume snapshot create vol1 src s");
    // What changes after the snapshot is not cloned.
    put({ op: "write_file", path: `${src}/later`, mode: 0o644, data: new Uint8Array(3) });
    await ok(ceph, "fs subvolume snapshot clone vol1 src s dst");
    await c.run(3);
    assert.equal(
      JSON.parse(await ok(ceph, "fs clone status vol1 dst")).status.state,
      "complete",
    );
    const dst = (await ok(ceph, "fs subvolume getpath vol1 dst")).trim();
    const f = tree.operate({ op: "statx", path: `${dst}/d/e/f` });
    assert.equal(file(tree, `${dst}/d/e/f`), "hello");
    assert.deepEqual([f.mode, f.uid, f.gid, f.atime, f.mtime], [
      0o100600,
      7,
      8,
      1_000_000,
      2_000_000,
    ]);
    assert.equal(tree.operate({ op: "statx", path: `${dst}/d` }).mode, 0o40711);
    assert.deepEqual(tree.operate({ op: "readlink", path: `${dst}/l` }), { r: 0, value: "d/e/f" });
    assert.equal(tree.operate({ op: "statx", path: `${dst}/later` }).r, -2);
    const info = JSON.parse(await ok(ceph, "fs subvolume info vol1 dst"));
    assert.deepEqual(
      [info.type, info.state, info.bytes_quota, info.bytes_used],
      ["clone", "complete", 5000, 5],
    );
    // The clone's .meta keeps no source once complete, the source no track of it.
    const meta = file(tree, "/volumes/_nogroup/dst/.meta")!;
    assert.match(meta, /^\[GLOBAL\]\nversion = 2\ntype = clone\npath = \S+\nstate = complete\n\n$/);
    assert.deepEqual(tree.operate({ op: "listdir", path: "/volumes/_index/clone" }).entries, []);
    // A clone's source snapshot can go now; a clone of a missing snapshot is refused.
    await ok(ceph, "fs subvolume snapshot rm vol1 src s");
    const none = await ceph("fs subvolume snapshot clone vol1 src s dst2");
    assert.deepEqual([none.rc, none.stderr], [2, "Error ENOENT: snapshot 's' does not exist\n"]);
  });
});
