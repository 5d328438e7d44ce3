/**
 * Subvolume snapshots on a real cluster (tools/dev-cluster.sh --mds 2: file system `cephfs`,
 * the real ceph-mgr with its own volumes module): what mgrd's snapshot commands make through
 * libcephfs (`.snap` directories, `.meta` sections, the retained state with its trash link) is
 * what the real ceph-mgr then reports, its answers equal to mgrd's, and the other way round.
 */
import assert from "node:assert/strict";
import type { Manager } from "../core/manager.ts";
import { mountCephFs } from "../rados/libcephfs_mount.ts";
import { devClusterWithMds, mdsCluster } from "./_dev_cluster.ts";
import { withRealManager } from "./_real_manager.ts";

async function realCeph(...words: string[]): Promise<{ rc: number; out: string; err: string }> {
  const dev = await devClusterWithMds();
  const r = await new Deno.Command("ceph", {
    args: ["-c", dev.conf, "-k", dev.keyring!, ...words],
    stdout: "piped",
    stderr: "piped",
    env: { CEPH_ARGS: "" },
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { rc: r.code, out: text(r.stdout), err: text(r.stderr) };
}

/** mgrd's answer to `fs <words>`, as `{rc, out, err}` (rc positive, as the CLI's). */
async function ours(
  m: Manager,
  cmd: Record<string, unknown>,
): Promise<{ rc: number; out: string; err: string }> {
  const r = await m.command({ vol_name: "cephfs", ...cmd });
  return { rc: r.r === 0 ? 0 : -r.r, out: r.outb, err: r.outs };
}

/** Waits (30 s at most) until `done` holds. */
async function until(what: string, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!await done()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

Deno.test({
  name:
    "on a real cluster, mgrd's subvolume snapshots and retained subvolumes are the real ceph-mgr's, and the other way",
  ...mdsCluster,
  async fn() {
    const dev = await devClusterWithMds();
    const opts = { confFile: dev.conf, keyring: dev.keyring, conf: { admin_socket: "" } };
    await withRealManager(dev, {
      id: "v",
      cluster: {
        alwaysOnModules: ["volumes"],
        pollSeconds: 0.5,
        perfSeconds: 0,
        mountCephFs: (fs) => mountCephFs(fs, opts),
      },
      manager: { random: { fill: (b) => void crypto.getRandomValues(b) } },
    }, async (m) => {
      const sv = `mgrd_snap_${Deno.pid}`;
      assert.equal((await ours(m, { prefix: "fs subvolume create", sub_name: sv })).rc, 0);
      const snap = { prefix: "fs subvolume snapshot create", sub_name: sv };
      assert.deepEqual(await ours(m, { ...snap, snap_name: "s1" }), { rc: 0, out: "", err: "" });
      // The real ceph-mgr lists and describes mgrd's snapshot as mgrd does (the snapshot's
      // time with its microseconds, from the MDS's ceph.snap.btime).
      const realLs = await realCeph("fs", "subvolume", "snapshot", "ls", "cephfs", sv);
      assert.equal(realLs.rc, 0, realLs.err);
      const ls = await ours(m, { prefix: "fs subvolume snapshot ls", sub_name: sv });
      assert.equal(ls.out, realLs.out);
      assert.deepEqual(JSON.parse(ls.out), [{ name: "s1" }]);
      const realInfo = await realCeph("fs", "subvolume", "snapshot", "info", "cephfs", sv, "s1");
      const info = await ours(m, {
        prefix: "fs subvolume snapshot info",
        sub_name: sv,
        snap_name: "s1",
      });
      assert.equal(info.out, realInfo.out);
      assert.match(JSON.parse(info.out).created_at, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$/);
      // A snapshot the real one takes, and the metadata each sets, the other reads.
      assert.equal(
        (await realCeph("fs", "subvolume", "snapshot", "create", "cephfs", sv, "s2")).rc,
        0,
      );
      const both = await ours(m, { prefix: "fs subvolume snapshot ls", sub_name: sv });
      assert.equal(
        both.out,
        (await realCeph("fs", "subvolume", "snapshot", "ls", "cephfs", sv)).out,
      );
      assert.deepEqual(
        (JSON.parse(both.out) as { name: string }[]).map((s) => s.name).sort(),
        ["s1", "s2"],
      );
      assert.equal(
        (await ours(m, {
          prefix: "fs subvolume snapshot metadata set",
          sub_name: sv,
          snap_name: "s1",
          key_name: "Owner",
          value: "mgrd",
        })).rc,
        0,
      );
      const got = await realCeph(
        "fs",
        "subvolume",
        "snapshot",
        "metadata",
        "get",
        "cephfs",
        sv,
        "s1",
        "owner",
      );
      assert.deepEqual([got.rc, got.out], [0, "mgrd\n"]);
      // Refused while it has snapshots, by both, with the same words.
      const refused = await ours(m, { prefix: "fs subvolume rm", sub_name: sv });
      const realRefused = await realCeph("fs", "subvolume", "rm", "cephfs", sv);
      assert.deepEqual(
        [refused.rc, `Error ENOTEMPTY: ${refused.err}\n`],
        [realRefused.rc, realRefused.err],
      );
      // mgrd removes it keeping its snapshots: the real ceph-mgr sees it retained.
      const retain = await ours(m, {
        prefix: "fs subvolume rm",
        sub_name: sv,
        retain_snapshots: true,
      });
      assert.deepEqual(retain, { rc: 0, out: "", err: "" });
      const realRetained = await realCeph("fs", "subvolume", "info", "cephfs", sv, "-f", "json");
      assert.equal(realRetained.rc, 0, realRetained.err);
      assert.equal(JSON.parse(realRetained.out).state, "snapshot-retained");
      const retained = await ours(m, { prefix: "fs subvolume info", sub_name: sv });
      assert.deepEqual(JSON.parse(retained.out), JSON.parse(realRetained.out));
      const realGetpath = await realCeph("fs", "subvolume", "getpath", "cephfs", sv);
      assert.equal(realGetpath.rc, 2);
      assert.match(realGetpath.err, /is removed and has only snapshots retained/);
      // mgrd's purge followed its trash link: nothing left pending.
      await until("the purge of the retained subvolume's data", async () => {
        const vol = JSON.parse((await realCeph("fs", "volume", "info", "cephfs")).out);
        return vol.pending_subvolume_deletions === 0;
      });
      const vol = JSON.parse((await ours(m, { prefix: "fs volume info" })).out);
      const realVol = JSON.parse((await realCeph("fs", "volume", "info", "cephfs")).out);
      assert.deepEqual(
        [vol.pending_subvolume_deletions, Object.keys(vol)],
        [realVol.pending_subvolume_deletions, Object.keys(realVol)],
      );
      // The real one drops one snapshot, mgrd the last: the subvolume goes with it.
      assert.equal(
        (await realCeph("fs", "subvolume", "snapshot", "rm", "cephfs", sv, "s2")).rc,
        0,
      );
      const last = await ours(m, {
        prefix: "fs subvolume snapshot rm",
        sub_name: sv,
        snap_name: "s1",
      });
      assert.deepEqual(last, { rc: 0, out: "", err: "" });
      await until("the retained subvolume's purge", async () => {
        const list = await realCeph("fs", "subvolume", "ls", "cephfs", "-f", "json");
        return !(JSON.parse(list.out) as { name: string }[]).some((x) => x.name === sv);
      });
      const gone = await realCeph("fs", "subvolume", "info", "cephfs", sv);
      assert.deepEqual([gone.rc, gone.err], [
        2,
        `Error ENOENT: subvolume '${sv}' does not exist\n`,
      ]);

      // The other way: the real ceph-mgr retains one, mgrd reads it and makes it anew.
      const theirs = `${sv}_real`;
      assert.equal((await realCeph("fs", "subvolume", "create", "cephfs", theirs)).rc, 0);
      assert.equal(
        (await realCeph("fs", "subvolume", "snapshot", "create", "cephfs", theirs, "t1")).rc,
        0,
      );
      assert.equal(
        (await realCeph("fs", "subvolume", "rm", "cephfs", theirs, "--retain-snapshots")).rc,
        0,
      );
      const theirInfo = await ours(m, { prefix: "fs subvolume info", sub_name: theirs });
      assert.deepEqual(
        JSON.parse(theirInfo.out),
        JSON.parse((await realCeph("fs", "subvolume", "info", "cephfs", theirs)).out),
      );
      assert.deepEqual(
        JSON.parse((await ours(m, { prefix: "fs subvolume snapshot ls", sub_name: theirs })).out),
        [{ name: "t1" }],
      );
      assert.equal(
        (await ours(m, {
          prefix: "fs subvolume snapshot info",
          sub_name: theirs,
          snap_name: "t1",
        })).out,
        (await realCeph("fs", "subvolume", "snapshot", "info", "cephfs", theirs, "t1")).out,
      );
      // A new incarnation over it (once the real one has purged the old data directory).
      await until("the real ceph-mgr's purge", async () => {
        const vol = JSON.parse((await realCeph("fs", "volume", "info", "cephfs")).out);
        return vol.pending_subvolume_deletions === 0;
      });
      assert.equal((await ours(m, { prefix: "fs subvolume create", sub_name: theirs })).rc, 0);
      const anew = await realCeph("fs", "subvolume", "info", "cephfs", theirs, "-f", "json");
      assert.equal(JSON.parse(anew.out).state, "complete");
      assert.deepEqual(
        JSON.parse((await ours(m, { prefix: "fs subvolume info", sub_name: theirs })).out),
        JSON.parse(anew.out),
      );
      assert.equal(
        (await realCeph("fs", "subvolume", "snapshot", "ls", "cephfs", theirs)).out,
        (await ours(m, { prefix: "fs subvolume snapshot ls", sub_name: theirs })).out,
      );
      for (
        const cmd of [
          { prefix: "fs subvolume snapshot rm", sub_name: theirs, snap_name: "t1" },
          { prefix: "fs subvolume rm", sub_name: theirs },
        ]
      ) assert.deepEqual(await ours(m, cmd), { rc: 0, out: "", err: "" });
      await until("the purge of the new incarnation", async () => {
        const list = await realCeph("fs", "subvolume", "ls", "cephfs", "-f", "json");
        return !(JSON.parse(list.out) as { name: string }[]).some((x) => x.name === theirs);
      });
      // Group snapshots: refused by both alike, listed alike.
      const group = `mgrd_g_${Deno.pid}`;
      assert.equal((await realCeph("fs", "subvolumegroup", "create", "cephfs", group)).rc, 0);
      const no = await ours(m, {
        prefix: "fs subvolumegroup snapshot create",
        group_name: group,
        snap_name: "gs",
      });
      const realNo = await realCeph(
        "fs",
        "subvolumegroup",
        "snapshot",
        "create",
        "cephfs",
        group,
        "gs",
      );
      assert.deepEqual([no.rc, `Error ENOSYS: ${no.err}\n`], [realNo.rc, realNo.err]);
      assert.equal(
        (await ours(m, { prefix: "fs subvolumegroup snapshot ls", group_name: group })).out,
        (await realCeph("fs", "subvolumegroup", "snapshot", "ls", "cephfs", group)).out,
      );
      assert.equal((await realCeph("fs", "subvolumegroup", "rm", "cephfs", group)).rc, 0);
    });
  },
});

Deno.test({
  name:
    "on a real cluster, mgrd's clones copy the snapshot's tree as the real ceph-mgr's do, and each reads the other's",
  ...mdsCluster,
  async fn() {
    const dev = await devClusterWithMds();
    const opts = { confFile: dev.conf, keyring: dev.keyring, conf: { admin_socket: "" } };
    const fs = await mountCephFs("cephfs", opts);
    await withRealManager(dev, {
      id: "w",
      cluster: {
        alwaysOnModules: ["volumes"],
        pollSeconds: 0.5,
        perfSeconds: 0,
        mountCephFs: (fs) => mountCephFs(fs, opts),
      },
      manager: { random: { fill: (b) => void crypto.getRandomValues(b) } },
    }, async (m) => {
      const src = `mgrd_csrc_${Deno.pid}`;
      assert.equal(
        (await ours(m, { prefix: "fs subvolume create", sub_name: src, mode: "750", size: 9000 }))
          .rc,
        0,
      );
      const path = (await ours(m, { prefix: "fs subvolume getpath", sub_name: src })).out.trim();
      const op = async (o: Parameters<typeof fs.operate>[0]) =>
        assert.equal((await fs.operate(o)).r, 0, JSON.stringify(o));
      await op({ op: "mkdirs", path: `${path}/d/e`, mode: 0o711 });
      const data = new TextEncoder().encode("hello from mgrd");
      await op({ op: "write_file", path: `${path}/d/e/f`, mode: 0o600, data });
      await op({ op: "lchown", path: `${path}/d/e/f`, uid: 7, gid: 8 });
      await op({ op: "lutimes", path: `${path}/d/e/f`, atime: 1_000_000, mtime: 2_000_000 });
      await op({ op: "symlink", path: `${path}/l`, target: "d/e/f" });
      assert.equal(
        (await ours(m, { prefix: "fs subvolume snapshot create", sub_name: src, snap_name: "s" }))
          .rc,
        0,
      );
      const clone = async (
        who: "mgrd" | "real",
        target: string,
      ): Promise<void> => {
        if (who === "mgrd") {
          const r = await ours(m, {
            prefix: "fs subvolume snapshot clone",
            sub_name: src,
            snap_name: "s",
            target_sub_name: target,
          });
          assert.deepEqual(r, { rc: 0, out: "", err: "" });
        } else {
          const r = await realCeph(
            "fs",
            "subvolume",
            "snapshot",
            "clone",
            "cephfs",
            src,
            "s",
            target,
          );
          assert.equal(r.rc, 0, r.err);
        }
        await until(`${who}'s clone ${target}`, async () => {
          const st = await realCeph("fs", "clone", "status", "cephfs", target, "-f", "json");
          return st.rc === 0 && JSON.parse(st.out).status.state === "complete";
        });
        // Both say so alike, and describe the clone alike.
        assert.equal(
          (await ours(m, { prefix: "fs clone status", clone_name: target })).out,
          (await realCeph("fs", "clone", "status", "cephfs", target)).out,
        );
        const info = JSON.parse(
          (await ours(m, { prefix: "fs subvolume info", sub_name: target })).out,
        );
        const realInfo = JSON.parse(
          (await realCeph("fs", "subvolume", "info", "cephfs", target, "-f", "json")).out,
        );
        assert.deepEqual(info, realInfo);
        assert.deepEqual(
          [info.type, info.mode, info.bytes_quota],
          ["clone", 0o40750, 9000],
        );
      };
      const mine = `${src}_mgrd`, theirs = `${src}_real`;
      await clone("mgrd", mine);
      await clone("real", theirs);
      // The two copies are the same tree.
      const view = async (target: string) => {
        const at = (await ours(m, { prefix: "fs subvolume getpath", sub_name: target })).out
          .trim();
        const f = await fs.operate({ op: "statx", path: `${at}/d/e/f` });
        const d = await fs.operate({ op: "statx", path: `${at}/d` });
        const content = await fs.operate({ op: "read_file", path: `${at}/d/e/f` });
        const link = await fs.operate({ op: "readlink", path: `${at}/l` });
        return {
          f: [f.mode, f.uid, f.gid, f.mtime],
          d: d.mode,
          content: new TextDecoder().decode(content.data),
          link: link.value,
        };
      };
      const a = await view(mine);
      assert.deepEqual(a, {
        f: [0o100600, 7, 8, 2_000_000],
        d: 0o40711,
        content: "hello from mgrd",
        link: "d/e/f",
      });
      assert.deepEqual(await view(theirs), a);
      // Cleanup: the snapshot goes once no clone is pending on it.
      for (
        const cmd of [
          { prefix: "fs subvolume rm", sub_name: mine },
          { prefix: "fs subvolume rm", sub_name: theirs },
          { prefix: "fs subvolume snapshot rm", sub_name: src, snap_name: "s" },
          { prefix: "fs subvolume rm", sub_name: src },
        ]
      ) assert.deepEqual(await ours(m, cmd), { rc: 0, out: "", err: "" });
    });
    await fs.close();
  },
});
