/**
 * The simulated MDS's file-system tree answers the CephFS port as libcephfs would: mkdirs makes
 * parents and refuses an existing directory (EEXIST), statx and listdir of a missing path are
 * ENOENT, a directory's size is the bytes below it, and a relative path is EINVAL. Through a
 * module's `this.cephfs`, a file system that does not exist is ENOENT, and a link that reaches
 * no MDS refuses the mount with EOPNOTSUPP.
 */
import assert from "node:assert/strict";
import { FsTree } from "../sim/cluster/fs_tree.ts";
import { CephFS, CephFSError } from "mgr_module";
import type { ModuleContext } from "../core/module_context.ts";
import type { CephFsPort } from "../core/cephfs_port.ts";

Deno.test("the simulated file-system tree answers mkdirs, statx and listdir with libcephfs's errnos", () => {
  const t = new FsTree();
  assert.deepEqual(t.operate({ op: "statx", path: "/volumes" }), { r: -2 });
  assert.deepEqual(t.operate({ op: "mkdirs", path: "/volumes/g/sv", mode: 0o40750 }), { r: 0 });
  assert.deepEqual(t.operate({ op: "mkdirs", path: "/volumes/g", mode: 0o755 }), { r: -17 });
  assert.deepEqual(t.operate({ op: "mkdirs", path: "/volumes/a", mode: 0o755 }), { r: 0 });
  assert.deepEqual(t.operate({ op: "statx", path: "/volumes/g/sv" }), {
    r: 0,
    is_dir: true,
    mode: 0o750,
    size: 0,
  });
  assert.deepEqual(t.operate({ op: "listdir", path: "/volumes" }), {
    r: 0,
    entries: [{ name: "a", is_dir: true }, { name: "g", is_dir: true }],
  });
  assert.deepEqual(t.operate({ op: "listdir", path: "/nope" }), { r: -2 });
  assert.deepEqual(t.operate({ op: "statx", path: "volumes" }), { r: -22 });
});

Deno.test("this.cephfs turns the port's errnos into CephFSError, and refuses a mount without a port", async () => {
  const tree = new FsTree();
  const port: CephFsPort = {
    operate: (fs, op) => Promise.resolve(fs === "vol1" ? tree.operate(op) : { r: -2 }),
  };
  const fs = new CephFS({ cephfs: () => port } as unknown as ModuleContext);
  await fs.mount("vol1").mkdirs("/volumes", 0o755);
  assert.equal((await fs.mount("vol1").statx("/volumes")).is_dir, true);
  await assert.rejects(
    () => fs.mount("other").statx("/"),
    (e) => e instanceof CephFSError && e.errno === 2 && /No such file or directory/.test(e.message),
  );
  const none = new CephFS({} as unknown as ModuleContext);
  assert.throws(() => none.mount("vol1"), (e) => e instanceof CephFSError && e.errno === 95);
});
