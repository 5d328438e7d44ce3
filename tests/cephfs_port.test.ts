/**
 * The simulated MDS's file-system tree answers the CephFS port as libcephfs would: mkdir needs
 * its parent and refuses an existing directory (EEXIST), mkdirs makes what is missing, rmdir refuses
 * a non-empty one (ENOTEMPTY), a missing path is ENOENT, an unset xattr ENODATA, a layout pool
 * that is not the file system's data pool EINVAL; entries list in CephFS's dentry-hash order
 * (as a real 16.2.15 MDS listed 13 subvolume groups); a relative path is EINVAL. Through a
 * module's `this.cephfs`, errnos become CephFSError with the binding's words, and a link that
 * reaches no MDS refuses the mount with EOPNOTSUPP.
 */
import assert from "node:assert/strict";
import { FsTree } from "../sim/cluster/fs_tree.ts";
import { CephFS, CephFSError } from "mgr_module";
import type { ModuleContext } from "../core/module_context.ts";
import type { CephFsPort } from "../core/cephfs_port.ts";

const newTree = (now = 1_700_000_000) =>
  new FsTree({ now: () => now, dataPools: () => [{ id: 3, name: "cephfs.v.data" }] });

Deno.test("the simulated file-system tree answers mkdir(s), rmdir and statx with libcephfs's errnos", () => {
  const t = newTree();
  assert.deepEqual(t.operate({ op: "statx", path: "/volumes" }), { r: -2 });
  assert.deepEqual(t.operate({ op: "mkdir", path: "/volumes/g", mode: 0o755 }), { r: -2 });
  assert.deepEqual(t.operate({ op: "mkdirs", path: "/volumes/g/sv", mode: 0o40750 }), { r: 0 });
  // An existing path is no error to mkdirs, as a 16.2.15 libcephfs answered.
  assert.deepEqual(t.operate({ op: "mkdirs", path: "/volumes/g", mode: 0o755 }), { r: 0 });
  assert.deepEqual(t.operate({ op: "mkdir", path: "/volumes/g", mode: 0o755 }), { r: -17 });
  assert.deepEqual(t.operate({ op: "statx", path: "/volumes/g/sv" }), {
    r: 0,
    is_dir: true,
    mode: 0o40750,
    uid: 0,
    gid: 0,
    size: 0,
    btime: 1_700_000_000,
    atime: 1_700_000_000,
    mtime: 1_700_000_000,
    ctime: 1_700_000_000,
  });
  assert.deepEqual(t.operate({ op: "rmdir", path: "/volumes/g" }), { r: -39 });
  assert.deepEqual(t.operate({ op: "rmdir", path: "/volumes/g/sv" }), { r: 0 });
  assert.deepEqual(t.operate({ op: "rmdir", path: "/volumes/g/sv" }), { r: -2 });
  assert.deepEqual(t.operate({ op: "listdir", path: "/nope" }), { r: -2 });
  assert.deepEqual(t.operate({ op: "statx", path: "volumes" }), { r: -22 });
  assert.equal(t.operate({ op: "chown", path: "/volumes/g", uid: 7, gid: 8 }).r, 0);
  assert.equal(t.operate({ op: "chmod", path: "/volumes/g", mode: 0o700 }).r, 0);
  const st = t.operate({ op: "statx", path: "/volumes/g" });
  assert.deepEqual([st.uid, st.gid, st.mode], [7, 8, 0o40700]);
});

Deno.test("a directory lists in CephFS's dentry order, as a real MDS listed these groups", () => {
  const t = newTree();
  const names = ["a", "b", "c", "d", "e", "f", "g", "h", "alpha", "beta", "g1", "g2", "zz"];
  for (const n of names) t.operate({ op: "mkdirs", path: `/volumes/${n}`, mode: 0o755 });
  // `fs subvolumegroup ls` of a 16.2.15 cluster after creating them in the order above.
  assert.deepEqual(
    t.operate({ op: "listdir", path: "/volumes" }).entries?.map((e) => e.name),
    ["g2", "g1", "d", "zz", "e", "beta", "alpha", "h", "g", "c", "b", "f", "a"],
  );
});

Deno.test("quota and layout xattrs: unset is ENODATA, the root has the default pool, a foreign pool is EINVAL", () => {
  const t = newTree();
  t.operate({ op: "mkdirs", path: "/volumes/g", mode: 0o755 });
  const get = (path: string, name: string) => t.operate({ op: "getxattr", path, name });
  assert.deepEqual(get("/volumes/g", "ceph.quota.max_bytes"), { r: -61 });
  assert.deepEqual(get("/volumes/g", "ceph.dir.layout.pool"), { r: -61 });
  assert.deepEqual(get("/", "ceph.dir.layout.pool"), { r: 0, value: "cephfs.v.data" });
  const set = (name: string, value: string) =>
    t.operate({ op: "setxattr", path: "/volumes/g", name, value }).r;
  assert.equal(set("ceph.dir.layout.pool", "nosuchpool"), -22);
  assert.equal(set("ceph.dir.layout.pool", "3"), 0);
  assert.deepEqual(get("/volumes/g", "ceph.dir.layout.pool"), { r: 0, value: "cephfs.v.data" });
  assert.equal(set("ceph.quota.max_bytes", "-1"), -22);
  assert.equal(set("ceph.quota.max_bytes", "1000"), 0);
  assert.deepEqual(get("/volumes/g", "ceph.quota.max_bytes"), { r: 0, value: "1000" });
  assert.equal(set("ceph.quota.max_bytes", "0"), 0);
  assert.deepEqual(get("/volumes/g", "ceph.quota.max_bytes"), { r: -61 });
});

Deno.test("this.cephfs turns the port's errnos into CephFSError, and refuses a mount without a port", async () => {
  const tree = newTree();
  const port: CephFsPort = {
    operate: (fs, op) => Promise.resolve(fs === "vol1" ? tree.operate(op) : { r: -2 }),
  };
  const fs = new CephFS({ cephfs: () => port } as unknown as ModuleContext);
  await fs.mount("vol1").mkdirs("/volumes/g", 0o755);
  assert.equal((await fs.mount("vol1").statx("/volumes")).is_dir, true);
  await assert.rejects(
    () => fs.mount("vol1").rmdir("/volumes"),
    (e) =>
      e instanceof CephFSError && e.errno === 39 && e.what === "error in rmdir /volumes" &&
      e.message === "error in rmdir /volumes: Directory not empty [Errno 39]",
  );
  await assert.rejects(
    () => fs.mount("other").statx("/"),
    (e) => e instanceof CephFSError && e.errno === 2,
  );
  const none = new CephFS({} as unknown as ModuleContext);
  assert.throws(() => none.mount("vol1"), (e) => e instanceof CephFSError && e.errno === 95);
});

Deno.test("files: touch keeps content, write_file replaces it, rename moves, unlink removes; sizes add up", () => {
  const t = newTree();
  t.operate({ op: "mkdirs", path: "/v/a", mode: 0o755 });
  const data = new TextEncoder().encode("[GLOBAL]\n");
  assert.equal(t.operate({ op: "write_file", path: "/v/a/.meta.tmp", mode: 0o640, data }).r, 0);
  assert.equal(t.operate({ op: "rename", path: "/v/a/.meta.tmp", to: "/v/a/.meta" }).r, 0);
  assert.deepEqual(t.operate({ op: "read_file", path: "/v/a/.meta.tmp" }), { r: -2 });
  assert.equal(
    new TextDecoder().decode(t.operate({ op: "read_file", path: "/v/a/.meta" }).data),
    "[GLOBAL]\n",
  );
  assert.equal(t.operate({ op: "touch", path: "/v/a/.meta", mode: 0o755 }).r, 0);
  assert.equal(t.operate({ op: "statx", path: "/v" }).size, data.length);
  assert.equal(t.operate({ op: "statx", path: "/v/a/.meta" }).mode, 0o100640);
  assert.deepEqual(t.operate({ op: "read_file", path: "/v/a" }), { r: -21 });
  assert.deepEqual(t.operate({ op: "unlink", path: "/v/a" }), { r: -21 });
  assert.deepEqual(t.operate({ op: "rmdir", path: "/v/a/.meta" }), { r: -20 });
  // A directory moves with what it holds, not below itself, not over a non-empty one.
  t.operate({ op: "mkdirs", path: "/v/b/x", mode: 0o755 });
  assert.deepEqual(t.operate({ op: "rename", path: "/v/a", to: "/v/a/sub" }), { r: -22 });
  assert.deepEqual(t.operate({ op: "rename", path: "/v/a", to: "/v/b" }), { r: -39 });
  assert.equal(t.operate({ op: "rename", path: "/v/a", to: "/v/c" }).r, 0);
  assert.equal(t.operate({ op: "unlink", path: "/v/c/.meta" }).r, 0);
  assert.deepEqual(t.operate({ op: "listdir", path: "/v/c" }), { r: 0, entries: [] });
  assert.equal(t.operate({ op: "statx", path: "/v" }).size, 0);
});

Deno.test("a namespace alone gives the directory the layout it inherits; the subvolume mark is not read back", () => {
  const t = newTree();
  t.operate({ op: "mkdirs", path: "/volumes/_nogroup/sv/u", mode: 0o755 });
  const sv = "/volumes/_nogroup/sv/u";
  assert.equal(
    t.operate({ op: "setxattr", path: sv, name: "ceph.dir.layout.pool_namespace", value: "ns" }).r,
    0,
  );
  assert.deepEqual(t.operate({ op: "getxattr", path: sv, name: "ceph.dir.layout.pool" }), {
    r: 0,
    value: "cephfs.v.data",
  });
  assert.equal(
    t.operate({
      op: "setxattr",
      path: "/volumes/_nogroup/sv",
      name: "ceph.dir.subvolume",
      value: "1",
    })
      .r,
    0,
  );
  assert.deepEqual(
    t.operate({ op: "getxattr", path: "/volumes/_nogroup/sv", name: "ceph.dir.subvolume" }),
    { r: -61 },
  );
  assert.equal(
    t.operate({
      op: "setxattr",
      path: "/volumes/_nogroup/sv",
      name: "ceph.dir.subvolume",
      value: "2",
    })
      .r,
    -22,
  );
});

Deno.test("snapshots: .snap/<name> freezes the subtree, reads see it, writes are EROFS, as a 16.2.15 MDS answered", () => {
  let now = 1_796_414_430.25;
  const t = new FsTree({ now: () => now, dataPools: () => [{ id: 3, name: "cephfs.v.data" }] });
  const data = new Uint8Array(5);
  assert.equal(t.operate({ op: "mkdirs", path: "/p/d/sub", mode: 0o755 }).r, 0);
  assert.equal(t.operate({ op: "write_file", path: "/p/d/sub/f", mode: 0o644, data }).r, 0);
  // The answers below are those of libcephfs on a 16.2.15 cluster (tools/dev-cluster.sh).
  assert.deepEqual(t.operate({ op: "mkdir", path: "/p/d/.snap/x", mode: 0o755 }), { r: 0 });
  assert.deepEqual(t.operate({ op: "mkdir", path: "/p/d/.snap/x", mode: 0o755 }), { r: -17 });
  assert.deepEqual(t.operate({ op: "mkdir", path: "/p/d/.snap/_y", mode: 0o755 }), { r: -22 });
  assert.deepEqual(t.operate({ op: "listdir", path: "/p/d/.snap" }), {
    r: 0,
    entries: [{ name: "x", is_dir: true }],
  });
  // A directory's own listing has no .snap.
  assert.deepEqual(t.operate({ op: "listdir", path: "/p/d" }).entries, [
    { name: "sub", is_dir: true },
  ]);
  assert.deepEqual(t.operate({ op: "listdir", path: "/p/d/.snap/x" }).entries, [
    { name: "sub", is_dir: true },
  ]);
  assert.deepEqual(
    t.operate({ op: "getxattr", path: "/p/d/.snap/x/sub", name: "ceph.snap.btime" }),
    { r: 0, value: "1796414430.250000000" },
  );
  assert.deepEqual(
    t.operate({ op: "getxattr", path: "/p/d/sub", name: "ceph.snap.btime" }),
    { r: -61 },
  );
  assert.deepEqual(t.operate({ op: "mkdir", path: "/p/d/.snap/x/sub/n", mode: 0o755 }), {
    r: -30,
  });
  assert.deepEqual(
    t.operate({ op: "write_file", path: "/p/d/.snap/x/sub/g", mode: 0o644, data }),
    { r: -30 },
  );
  // What changes after the snapshot is not in it.
  now += 10;
  assert.equal(t.operate({ op: "unlink", path: "/p/d/sub/f" }).r, 0);
  assert.equal(t.operate({ op: "rmdir", path: "/p/d/sub" }).r, 0);
  const f = t.operate({ op: "statx", path: "/p/d/.snap/x/sub/f" });
  assert.deepEqual([f.r, f.mode, f.size], [0, 0o100644, 5]);
  assert.deepEqual(t.operate({ op: "read_file", path: "/p/d/.snap/x/sub/f" }), { r: 0, data });
  // A directory with a snapshot is not empty; it moves with its snapshots.
  assert.deepEqual(t.operate({ op: "rmdir", path: "/p/d" }), { r: -39 });
  assert.equal(t.operate({ op: "rename", path: "/p/d", to: "/p/d2" }).r, 0);
  assert.deepEqual(t.operate({ op: "rmdir", path: "/p/d2/.snap/nope" }), { r: -2 });
  assert.deepEqual(t.operate({ op: "rmdir", path: "/p/d2/.snap/x" }), { r: 0 });
  assert.deepEqual(t.operate({ op: "rmdir", path: "/p/d2" }), { r: 0 });
});

Deno.test("symbolic links: symlink, statx not following (S_IFLNK, the target's length), readlink, unlink", () => {
  const t = newTree();
  t.operate({ op: "mkdirs", path: "/p/d", mode: 0o755 });
  assert.deepEqual(t.operate({ op: "symlink", path: "/p/l", target: "/p/d/zz" }), { r: 0 });
  assert.deepEqual(t.operate({ op: "symlink", path: "/p/l", target: "/p/d/zz" }), { r: -17 });
  const st = t.operate({ op: "statx", path: "/p/l" });
  assert.deepEqual([st.is_dir, st.mode, st.size], [false, 0o120777, 7]);
  assert.deepEqual(t.operate({ op: "readlink", path: "/p/l" }), { r: 0, value: "/p/d/zz" });
  assert.deepEqual(t.operate({ op: "readlink", path: "/p/d" }), { r: -22 });
  assert.deepEqual(
    t.operate({ op: "listdir", path: "/p" }).entries?.find((e) => e.name === "l"),
    { name: "l", is_dir: false },
  );
  assert.deepEqual(t.operate({ op: "unlink", path: "/p/l" }), { r: 0 });
  assert.deepEqual(t.operate({ op: "readlink", path: "/p/l" }), { r: -2 });
});

Deno.test("a directory's .snap lists the snapshots above it as _<name>_<ino>, in the order taken; none below a subvolume's root", () => {
  const t = newTree();
  const ok = (op: Parameters<FsTree["operate"]>[0]) => assert.equal(t.operate(op).r, 0);
  ok({ op: "mkdirs", path: "/volumes/_nogroup/svx/u/sub", mode: 0o755 });
  ok({ op: "setxattr", path: "/volumes/_nogroup/svx", name: "ceph.dir.subvolume", value: "1" });
  // As a 16.2.15 MDS answered (tools/dev-cluster.sh, libcephfs).
  ok({ op: "mkdir", path: "/volumes/_nogroup/.snap/x", mode: 0o755 });
  ok({ op: "mkdir", path: "/volumes/.snap/x", mode: 0o755 });
  ok({ op: "mkdir", path: "/.snap/x", mode: 0o755 });
  assert.deepEqual(
    t.operate({ op: "mkdir", path: "/volumes/_nogroup/svx/u/.snap/y", mode: 0o755 }),
    {
      r: -1,
    },
  );
  assert.deepEqual(
    t.operate({ op: "mkdir", path: "/volumes/_nogroup/svx/u/sub/.snap/y", mode: 0o755 }),
    { r: -1 },
  );
  ok({ op: "mkdir", path: "/volumes/_nogroup/svx/.snap/z", mode: 0o755 });
  const ino = (path: string) => {
    // The inode numbers are the tree's: /volumes was made first, then _nogroup.
    return path === "/" ? 1 : { "/volumes": 2 ** 40, "/volumes/_nogroup": 2 ** 40 + 1 }[path];
  };
  assert.deepEqual(
    t.operate({ op: "listdir", path: "/volumes/_nogroup/svx/.snap" }).entries?.map((e) => e.name),
    [`_x_${ino("/volumes/_nogroup")}`, `_x_${ino("/volumes")}`, `_x_${ino("/")}`, "z"],
  );
  assert.deepEqual(
    t.operate({ op: "listdir", path: "/volumes/_nogroup/svx/u/.snap" }).entries?.map((e) => e.name),
    [
      `_x_${ino("/volumes/_nogroup")}`,
      `_x_${ino("/volumes")}`,
      `_x_${ino("/")}`,
      `_z_${2 ** 40 + 2}`,
    ],
  );
  // An inherited snapshot reads as the directory was then.
  assert.deepEqual(
    t.operate({ op: "listdir", path: `/volumes/_nogroup/svx/u/.snap/_x_1` }).entries,
    [{ name: "sub", is_dir: true }],
  );
  // A directory made after a snapshot above it does not inherit that one.
  ok({ op: "mkdirs", path: "/volumes/_nogroup/later", mode: 0o755 });
  assert.deepEqual(t.operate({ op: "listdir", path: "/volumes/_nogroup/later/.snap" }).entries, []);
  ok({ op: "rmdir", path: "/volumes/_nogroup/svx/.snap/z" });
  ok({ op: "rmdir", path: "/.snap/x" });
  assert.deepEqual(
    t.operate({ op: "listdir", path: "/volumes/_nogroup/svx/.snap" }).entries?.map((e) => e.name),
    [`_x_${ino("/volumes/_nogroup")}`, `_x_${ino("/volumes")}`],
  );
});
