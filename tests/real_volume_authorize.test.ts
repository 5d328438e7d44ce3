/**
 * Subvolume auth IDs on a real cluster (tools/dev-cluster.sh --mds 2: file system `cephfs`,
 * the real ceph-mgr with its own volumes module): what mgrd's `fs subvolume authorize` makes
 * goes to the real mon (the real `ceph auth get` shows its caps) and into the auth files the
 * real ceph-mgr reads (its authorized_list and deauthorize act on mgrd's entry); mgrd's
 * `fs subvolume evict` ends the real MDS's session of a client of that ID mounted at the
 * subvolume's path.
 */
import assert from "node:assert/strict";
import type { Manager } from "../core/manager.ts";
import { mountCephFs } from "../rados/libcephfs_mount.ts";
import { connectCephFs } from "../rados/libcephfs.ts";
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

async function ours(
  m: Manager,
  cmd: Record<string, unknown>,
): Promise<{ rc: number; out: string; err: string }> {
  const r = await m.command({ vol_name: "cephfs", ...cmd });
  return { rc: r.r === 0 ? 0 : -r.r, out: r.outb, err: r.outs };
}

Deno.test({
  name: "on a real cluster, mgrd's subvolume authorize reaches the real mon and the real ceph-mgr",
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
        // The MDS tell path, as the daemon's binding opens it (link/rados_binding.ts).
        openMds: () => connectCephFs(opts),
      },
      manager: { random: { fill: (b) => void crypto.getRandomValues(b) } },
    }, async (m) => {
      const sv = `mgrd_auth_${Deno.pid}`, id = `mgrd_auth_${Deno.pid}`;
      assert.equal((await ours(m, { prefix: "fs subvolume create", sub_name: sv })).rc, 0);
      const path = (await ours(m, { prefix: "fs subvolume getpath", sub_name: sv })).out.trim();
      const auth = await ours(m, {
        prefix: "fs subvolume authorize",
        sub_name: sv,
        auth_id: id,
        tenant_id: "t1",
        access_level: "r",
      });
      assert.equal(auth.rc, 0, auth.err);
      const real = await realCeph("auth", "get", `client.${id}`, "-f", "json");
      assert.equal(real.rc, 0, real.err);
      const [entity] = JSON.parse(real.out);
      assert.equal(entity.key, auth.out.trim());
      assert.deepEqual(entity.caps, {
        mds: `allow r path=${path}`,
        mon: "allow r",
        osd: "allow r pool=cephfs_data",
      });
      const realList = await realCeph("fs", "subvolume", "authorized_list", "cephfs", sv);
      assert.equal(realList.rc, 0, realList.err);
      const list = await ours(m, { prefix: "fs subvolume authorized_list", sub_name: sv });
      assert.equal(list.out, realList.out);
      assert.deepEqual(JSON.parse(list.out), [{ [id]: "r" }]);
      // A client of that ID mounted at the subvolume's path is what mgrd's evict ends.
      const dir = await Deno.makeTempDir();
      await Deno.writeTextFile(`${dir}/keyring`, `[client.${id}]\n\tkey = ${entity.key}\n`);
      const client = await mountCephFs("cephfs", {
        confFile: dev.conf,
        name: `client.${id}`,
        keyring: `${dir}/keyring`,
        conf: { admin_socket: "" },
      }, path);
      const sessions = async () => {
        const ls = await realCeph("tell", "mds.cephfs:0", "session", "ls", "-f", "json");
        assert.equal(ls.rc, 0, ls.err);
        return (JSON.parse(ls.out) as { client_metadata: { entity_id?: string; root?: string } }[])
          .filter((x) => x.client_metadata.entity_id === id)
          .map((x) => x.client_metadata.root);
      };
      assert.deepEqual(await sessions(), [path]);
      const evict = await ours(m, { prefix: "fs subvolume evict", sub_name: sv, auth_id: id });
      assert.deepEqual(evict, { rc: 0, out: "", err: "" });
      assert.deepEqual(await sessions(), []);
      // An evicted (blocklisted) client's unmount would wait on the MDS: it is let go.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        client.close(),
        new Promise((r) => timer = setTimeout(r, 5000)),
      ]);
      clearTimeout(timer);
      await Deno.remove(dir, { recursive: true });
      // The real ceph-mgr takes mgrd's entry away, and the mon's entity with it.
      const deauth = await realCeph("fs", "subvolume", "deauthorize", "cephfs", sv, id);
      assert.equal(deauth.rc, 0, deauth.err);
      assert.equal((await realCeph("auth", "get", `client.${id}`)).rc, 2);
      const after = await ours(m, { prefix: "fs subvolume authorized_list", sub_name: sv });
      assert.deepEqual(JSON.parse(after.out), []);
      assert.equal((await ours(m, { prefix: "fs subvolume rm", sub_name: sv })).rc, 0);
    });
  },
});
