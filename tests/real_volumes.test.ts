/**
 * The volumes module on a real cluster (tools/dev-cluster.sh --mds 2: file system `cephfs`,
 * the real ceph-mgr with its own volumes module): mgrd's `this.cephfs` mounts the file system
 * through libcephfs (rados/libcephfs_mount.ts), and what mgrd's subvolume group and subvolume
 * commands make is what the real ceph-mgr then reports (its `info` equal to mgrd's), and the
 * other way round: mgrd reads and removes what the real module made.
 */
import assert from "node:assert/strict";
import { DaemonLog } from "../core/logging.ts";
import { Manager } from "../core/manager.ts";
import { WallClock } from "../daemon/wall_clock.ts";
import { RadosClusterLink } from "../link/rados_cluster_link.ts";
import { RealCluster } from "../link/real_cluster.ts";
import { BUILTIN_MODULES } from "../modules/mod.ts";
import { connectRados } from "../rados/librados.ts";
import { mountCephFs } from "../rados/libcephfs_mount.ts";
import { devClusterWithMds, mdsCluster } from "./_dev_cluster.ts";

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

Deno.test({
  name:
    "on a real cluster, mgrd's subvolume groups and subvolumes are the real ceph-mgr's, and the other way",
  ...mdsCluster,
  async fn() {
    const dev = await devClusterWithMds();
    const clock = new WallClock();
    const opts = { confFile: dev.conf, keyring: dev.keyring, conf: { admin_socket: "" } };
    const rados = await connectRados(opts);
    const cluster = await RealCluster.open(rados, {
      clock,
      mgrMapPath: ":memory:",
      alwaysOnModules: ["volumes"],
      initialModules: [],
      pollSeconds: 0.5,
      perfSeconds: 0,
      mountCephFs: (fs) => mountCephFs(fs, opts),
    });
    const link = new RadosClusterLink(cluster, clock);
    const log = new DaemonLog({ daemonName: "mgr.v", id: "v", memoryLines: 200 });
    const m = await Manager.start({
      id: "v",
      clock,
      link,
      log,
      builtins: BUILTIN_MODULES,
      random: { fill: (b) => void crypto.getRandomValues(b) },
    });
    try {
      const group = `mgrd_${Deno.pid}`;
      const create = await m.command({
        prefix: "fs subvolumegroup create",
        vol_name: "cephfs",
        group_name: group,
        size: 1000000,
        uid: 1000,
        mode: "750",
      });
      assert.deepEqual([create.r, create.outs], [0, ""]);
      // The real ceph-mgr reads the group mgrd made.
      const real = await realCeph("fs", "subvolumegroup", "info", "cephfs", group, "-f", "json");
      assert.equal(real.rc, 0, real.err);
      const info = JSON.parse(real.out);
      assert.deepEqual(
        [info.mode, info.uid, info.gid, info.bytes_quota, info.data_pool],
        [0o40750, 1000, 0, 1000000, "cephfs_data"],
      );
      // ...and mgrd's own info, ls and volume info say what the real one says.
      const ours = await m.command({
        prefix: "fs subvolumegroup info",
        vol_name: "cephfs",
        group_name: group,
      });
      const mine = JSON.parse(ours.outb);
      delete mine.mon_addrs, delete info.mon_addrs;
      assert.deepEqual(mine, info);
      const realLs = await realCeph("fs", "subvolumegroup", "ls", "cephfs");
      const ls = await m.command({ prefix: "fs subvolumegroup ls", vol_name: "cephfs" });
      assert.equal(ls.outb, realLs.out);
      const realVol = JSON.parse((await realCeph("fs", "volume", "info", "cephfs")).out);
      const vol = JSON.parse(
        (await m.command({ prefix: "fs volume info", vol_name: "cephfs" })).outb,
      );
      assert.deepEqual(
        [vol.used_size, vol.pending_subvolume_deletions, Object.keys(vol)],
        [realVol.used_size, realVol.pending_subvolume_deletions, Object.keys(realVol)],
      );
      // A group the real ceph-mgr made, mgrd removes.
      const other = `${group}_real`;
      assert.equal((await realCeph("fs", "subvolumegroup", "create", "cephfs", other)).rc, 0);
      const rm = await m.command({
        prefix: "fs subvolumegroup rm",
        vol_name: "cephfs",
        group_name: other,
      });
      assert.equal(rm.r, 0, rm.outs);
      assert.equal(
        (await m.command({ prefix: "fs subvolumegroup rm", vol_name: "cephfs", group_name: group }))
          .r,
        0,
      );
      const after = await realCeph("fs", "subvolumegroup", "ls", "cephfs", "-f", "json");
      const names = (JSON.parse(after.out) as { name: string }[]).map((g) => g.name);
      assert.ok(!names.includes(group) && !names.includes(other), after.out);
      // A subvolume mgrd makes, the real ceph-mgr opens (mgrd's .meta), and the other way.
      const sv = `mgrd_sv_${Deno.pid}`;
      const made = await m.command({
        prefix: "fs subvolume create",
        vol_name: "cephfs",
        sub_name: sv,
        size: 2000000,
        namespace_isolated: true,
      });
      assert.deepEqual([made.r, made.outs], [0, ""]);
      const realSv = await realCeph("fs", "subvolume", "info", "cephfs", sv, "-f", "json");
      assert.equal(realSv.rc, 0, realSv.err);
      const ourSv = await m.command({
        prefix: "fs subvolume info",
        vol_name: "cephfs",
        sub_name: sv,
      });
      assert.deepEqual(JSON.parse(ourSv.outb), JSON.parse(realSv.out));
      const theirs = `${sv}_real`;
      assert.equal(
        (await realCeph("fs", "subvolume", "create", "cephfs", theirs, "--mode", "700")).rc,
        0,
      );
      const realInfo = JSON.parse(
        (await realCeph("fs", "subvolume", "info", "cephfs", theirs, "-f", "json")).out,
      );
      const ourInfo = await m.command({
        prefix: "fs subvolume info",
        vol_name: "cephfs",
        sub_name: theirs,
      });
      assert.deepEqual(JSON.parse(ourInfo.outb), realInfo);
      for (const name of [sv, theirs]) {
        const gone = await m.command({
          prefix: "fs subvolume rm",
          vol_name: "cephfs",
          sub_name: name,
        });
        assert.equal(gone.r, 0, gone.outs);
      }
      const svLs = JSON.parse(
        (await realCeph("fs", "subvolume", "ls", "cephfs", "-f", "json")).out,
      ) as {
        name: string;
      }[];
      assert.ok(!svLs.some((x) => x.name === sv || x.name === theirs), JSON.stringify(svLs));
      // A volume mgrd makes, mounts and removes: the mount goes before the file system does.
      assert.equal((await realCeph("config", "set", "mon", "mon_allow_pool_delete", "true")).rc, 0);
      const newVol = `mgrdvol${Deno.pid}`;
      const made2 = await m.command({ prefix: "fs volume create", name: newVol });
      assert.deepEqual([made2.r, made2.outs], [
        0,
        "Volume created successfully (no MDS daemons created)",
      ]);
      // The standby MDS takes the new file system's rank 0.
      const deadline = Date.now() + 60_000;
      for (;;) {
        const st = await realCeph("fs", "status", newVol, "-f", "json");
        const ranks = st.rc === 0 ? JSON.parse(st.out).mdsmap as { state: string }[] : [];
        if (ranks.some((r) => r.state === "active")) break;
        assert.ok(Date.now() < deadline, `no active MDS for ${newVol}: ${st.out}${st.err}`);
        await new Promise((r) => setTimeout(r, 500));
      }
      const g = await m.command({
        prefix: "fs subvolumegroup create",
        vol_name: newVol,
        group_name: "g",
      });
      assert.equal(g.r, 0, g.outs);
      const gone = await m.command({
        prefix: "fs volume rm",
        vol_name: newVol,
        "yes-i-really-mean-it": "--yes-i-really-mean-it",
      });
      assert.deepEqual(
        [gone.r, gone.outb],
        [0, `metadata pool: cephfs.${newVol}.meta data pool: ['cephfs.${newVol}.data'] removed\n`],
      );
      const fsLs = await realCeph("fs", "ls", "-f", "json");
      assert.ok(!fsLs.out.includes(newVol), fsLs.out);
      // A file system that is not there: the mount is not even tried.
      const none = await m.command({ prefix: "fs subvolumegroup ls", vol_name: "nope" });
      assert.deepEqual([none.r, none.outs], [-2, "FS 'nope' not found"]);
    } finally {
      await m.stop();
      link.close();
      await cluster.close();
    }
  },
});
