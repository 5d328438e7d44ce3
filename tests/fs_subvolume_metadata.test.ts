/**
 * `fs subvolume metadata set/get/ls/rm`, `fs subvolume pin` and `fs subvolumegroup pin` answer
 * as a real 16.2.15 ceph-mgr did (tests/ceph-reference/cli/commands/fs_subvolume_metadata/,
 * made by tools/capture-subvolume-metadata.sh in this order), and the `.meta` and pin
 * vxattrs they leave are the real module's (`sv.meta` there is the file as the real module
 * left it, read through libcephfs).
 */
import assert from "node:assert/strict";
import { startTestCluster } from "mgr_module/testing";
import { dataDir, runCeph } from "./_oracle_cli.ts";
import { referenceCli, referenceText } from "./_reference.ts";
import * as volumes from "../modules/volumes/module.ts";

const DIR = "commands/fs_subvolume_metadata";
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/g;

Deno.test("subvolume metadata and pins answer, and leave .meta and the pin vxattrs, as 16.2.15's", async () => {
  const c = await startTestCluster({
    builtins: { volumes },
    initialModules: ["volumes"],
    cluster: {
      hosts: 1,
      osdsPerHost: 3,
      failureDomain: "osd",
      mons: { count: 1 },
      mgrs: ["x"],
      mds: ["a", "b"],
      fileSystem: false,
      pools: [],
    },
  });
  const dir = dataDir();
  try {
    await c.run(10);
    const files = [...Deno.readDirSync(new URL(`./ceph-reference/cli/${DIR}/`, import.meta.url))]
      .map((e) => e.name).filter((n) => n.endsWith(".txt")).sort();
    assert.equal(files.length, 36);
    for (const file of files) {
      const cap = referenceCli(`${DIR}/${file}`);
      const got = await runCeph(c, dir, cap.command);
      const shape = (s: string) =>
        s.replace(UUID, "UUID").replace(/"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"/g, "T").replace(
          /"127\.0\.0\.1:\d+"/g,
          "ADDR",
        );
      assert.deepEqual(
        { ...got, stdout: shape(got.stdout) },
        { rc: cap.rc, stdout: shape(cap.stdout), stderr: cap.stderr },
        file,
      );
      if (file.startsWith("01_")) await c.run(3);
    }
    const tree = c.cluster!.fs.tree!;
    const meta = tree.operate({ op: "read_file", path: "/volumes/_nogroup/sv/.meta" });
    assert.equal(
      new TextDecoder().decode(meta.data).replace(UUID, "UUID"),
      referenceText(`cli/${DIR}/sv.meta`).replace(UUID, "UUID"),
    );
    const xattr = (path: string, name: string) =>
      tree.operate({ op: "getxattr", path, name }).value;
    // As the real MDS kept them after the captures' pins (read through libcephfs).
    assert.deepEqual(
      [
        xattr("/volumes/_nogroup/sv", "ceph.dir.pin"),
        xattr("/volumes/_nogroup/sv", "ceph.dir.pin.random"),
        xattr("/volumes/_nogroup/sv", "ceph.dir.pin.distributed"),
        xattr("/volumes/g", "ceph.dir.pin"),
      ],
      ["-1", "0.005", "1", "0"],
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
    await c.stop();
  }
});
