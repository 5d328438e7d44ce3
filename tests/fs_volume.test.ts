/**
 * The volumes module's volume commands answer as a real 16.2.15 ceph-mgr with no orchestrator
 * backend did (tests/ceph-reference/cli/commands/fs_volume/, made by tools/capture-volumes.sh
 * in this order on a cluster with file system `cephfs`, MDS a active and b standby): `fs
 * volume ls/create/rm/info`, their errors, the pools and file system they make and remove, and
 * the undoing of a create the mon refuses. Pool sizes and the mon's address differ from the
 * real cluster's and are compared by shape.
 */
import assert from "node:assert/strict";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import { type Ceph, withFsCluster } from "./_fs_oracle.ts";
import { dataDir, runCeph } from "./_oracle_cli.ts";
import { referenceCli } from "./_reference.ts";
import * as volumes from "../modules/volumes/module.ts";

const DIR = "commands/fs_volume";

function withVolumes(fn: (c: TestCluster, ceph: Ceph) => Promise<void>) {
  return withFsCluster({
    builtins: { volumes },
    initialModules: ["volumes"],
    mds: ["a", "b"],
    pools: [
      { name: "device_health_metrics", pgNum: 1, size: 1, application: "mgr_devicehealth" },
      { name: "cephfs_metadata", pgNum: 8, size: 1, application: "cephfs" },
      { name: "cephfs_data", pgNum: 8, size: 1, application: "cephfs" },
    ],
  }, fn);
}

/** Replays capture `name`: the same rc, stdout and stderr. */
async function same(ceph: Ceph, name: string): Promise<void> {
  const cap = referenceCli(`${DIR}/${name}.txt`);
  const got = await ceph(cap.command.replace(/^ceph /, ""));
  assert.deepEqual(got, { rc: cap.rc, stdout: cap.stdout, stderr: cap.stderr }, name);
}

/** `fs volume info`'s JSON with its numbers and the mon's address as their types. */
function infoShape(text: string): unknown {
  return JSON.parse(
    text,
    (k, v) =>
      k === "mon_addrs"
        ? v.map(() => "addr")
        : ["used", "avail", "used_size"].includes(k)
        ? (typeof v === "number" ? "int" : /^[ \d.]{4}[ KMGTPE]$/.test(v) ? "bytes" : v)
        : v,
  );
}

/** Replays capture `name` and compares stdout by shape (info). */
async function sameInfo(ceph: Ceph, name: string): Promise<void> {
  const cap = referenceCli(`${DIR}/${name}.txt`);
  const got = await ceph(cap.command.replace(/^ceph /, ""));
  assert.deepEqual([got.rc, got.stderr], [cap.rc, cap.stderr], name);
  assert.deepEqual(infoShape(got.stdout), infoShape(cap.stdout), name);
}

interface PoolDetail {
  pool_name: string;
  flags_names: string;
  pg_num: number;
  options: Record<string, number>;
  application_metadata: Record<string, Record<string, string>>;
}

/** What a volume's create sets on its pools (`creating` passes as the PGs are made). */
function poolTraits(text: string): unknown[] {
  return (JSON.parse(text) as PoolDetail[]).map((p) => ({
    name: p.pool_name,
    flags: p.flags_names.split(",").filter((f) => f !== "creating"),
    options: p.options,
    application_metadata: p.application_metadata,
  }));
}

Deno.test("fs volume ls/create/rm/info answer, and make and remove pools and file systems, as 16.2.15's volumes module", async () => {
  await withVolumes(async (c, ceph) => {
    for (const name of ["01_ls", "02_ls_json"]) await same(ceph, name);
    for (const name of ["03_info", "04_info_human"]) await sameInfo(ceph, name);
    for (
      const name of [
        "05_info_unknown",
        "06_create_badname",
        "07_rm_noflag",
        "08_rm_noflag_wrong",
        "09_rm_pool_delete_off",
        "10_config_set",
        // cephfs exists on other pools: the mon refuses, and the new pools go again.
        "11_create_existing_fs",
        "12_pools_after_existing",
        "13_rm_unknown",
        "14_rm_cephfs",
        "15_ls_none",
        "16_pools_after_rm",
        "17_create",
        "18_ls_one",
      ]
    ) await same(ceph, name);
    const real = referenceCli(`${DIR}/19_pools.txt`).stdout;
    assert.deepEqual(
      poolTraits((await ceph("osd pool ls detail -f json")).stdout),
      poolTraits(real),
    );
    await same(ceph, "20_fs_ls");
    await same(ceph, "21_create_again");
    await c.run(3);
    for (const name of ["22_info_vol1", "23_info_vol1_human"]) await sameInfo(ceph, name);
    for (
      const name of [
        "24_rm_vol1",
        "25_info_removed",
        "26_pool_create",
        "27_pool_app",
        // The data pool is someone else's: the mon refuses it, and the module removes it too.
        "28_create_pool_in_use",
        "29_pools_after_in_use",
        "30_create_placement",
        "31_rm_vol2",
        "32_ls_end",
        "33_info_no_name",
        "34_create_no_name",
        "35_rm_no_name",
      ]
    ) await same(ceph, name);
    // A subvolume's directories, as `fs subvolume create vol9 sv` makes them in the real run
    // (mgrd has no subvolume commands yet): info then reports the tree's size and the trash.
    await same(ceph, "36_create_vol9");
    const tree = c.cluster!.fs.tree!;
    const uuid = "3f4cf4a2-2d06-4f5e-9c8a-2b7f2f1f6f0e";
    assert.equal(
      tree.operate({ op: "mkdirs", path: `/volumes/_nogroup/sv/${uuid}`, mode: 0o755 }).r,
      0,
    );
    for (const name of ["37_info_subvol", "38_info_subvol_human"]) await sameInfo(ceph, name);
    await same(ceph, "39_rm_vol9");
  });
});

Deno.test("volume info counts the trash's entries and leaves the sizes out without a subvolume tree", async () => {
  await withVolumes(async (c, ceph) => {
    const info = async () => JSON.parse((await ceph("fs volume info cephfs")).stdout);
    assert.deepEqual(Object.keys(await info()), ["mon_addrs", "pools"]);
    const tree = c.cluster!.fs.tree!;
    tree.operate({ op: "mkdirs", path: "/volumes/_deleting/a", mode: 0o755 });
    tree.operate({ op: "mkdirs", path: "/volumes/_deleting/b", mode: 0o755 });
    const got = await info();
    assert.deepEqual([got.pending_subvolume_deletions, got.used_size], [2, 0]);
    // The tree is the file system's: after `fs rm` and `fs new` it starts empty.
    await ceph("config set mon mon_allow_pool_delete true");
    assert.equal((await ceph("fs volume rm cephfs --yes-i-really-mean-it")).rc, 0);
    assert.equal((await ceph("fs volume create cephfs")).rc, 0);
    assert.deepEqual(Object.keys(await info()), ["mon_addrs", "pools"]);
  });
});

Deno.test("volumes is always on: a fresh manager's always-on modules are 16.2.15's mgr module ls list", async () => {
  const { ALWAYS_ON_MODULES, BUILTIN_MODULES } = await import("../modules/mod.ts");
  const c = await startTestCluster({
    builtins: BUILTIN_MODULES,
    alwaysOn: [...ALWAYS_ON_MODULES],
    cluster: { hosts: 1, osdsPerHost: 1, pools: [], fileSystem: false },
  });
  try {
    await c.run(5);
    const ls = await c.command({ prefix: "mgr module ls", format: "json" });
    const real = JSON.parse(referenceCli("mgr_module_ls_json.txt").stdout) as {
      always_on_modules: string[];
    };
    assert.deepEqual(JSON.parse(ls.outb).always_on_modules, real.always_on_modules);
    // It runs without being enabled.
    assert.deepEqual(await c.command({ prefix: "fs volume ls" }), { r: 0, outb: "[]\n", outs: "" });
  } finally {
    await c.stop();
  }
});

Deno.test("with an orchestrator backend that cannot deploy MDSs the volume stays and the answer is its empty NotImplementedError, as 16.2.15's", async () => {
  const { BUILTIN_MODULES } = await import("../modules/mod.ts");
  const c = await startTestCluster({
    builtins: BUILTIN_MODULES,
    initialModules: ["volumes", "orchestrator", "sim_orchestrator"],
    cluster: {
      hosts: 1,
      osdsPerHost: 3,
      failureDomain: "osd",
      mgrs: ["x"],
      mds: ["a", "b"],
      fileSystem: false,
      pools: [],
    },
  });
  const dir = dataDir();
  try {
    await c.run(5);
    const ceph: Ceph = (line) => runCeph(c, dir, line);
    assert.equal((await ceph("orch set backend sim_orchestrator")).rc, 0);
    for (const name of ["40_create_backend_no_mds", "41_fs_ls_backend"]) await same(ceph, name);
    // Removing asks the backend to remove the MDS service; one that has no remove_service
    // fails the removal (the source's `except Exception`), and the file system stays.
    await ceph("config set mon mon_allow_pool_delete true");
    assert.deepEqual(await ceph("fs volume rm vol5 --yes-i-really-mean-it"), {
      rc: 22,
      stdout: "",
      stderr: "Error EINVAL: sim_orchestrator does not implement remove_service\n",
    });
    assert.equal((await ceph("orch set backend ''")).rc, 0);
    assert.equal((await ceph("fs volume rm vol5 --yes-i-really-mean-it")).rc, 0);
  } finally {
    Deno.removeSync(dir, { recursive: true });
    await c.stop();
  }
});
