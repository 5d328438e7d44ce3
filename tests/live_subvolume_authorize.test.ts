/**
 * `mgrd serve` on the simulator: what the volumes module's `fs subvolume authorize` makes is
 * in the daemon's keyring, which `mgrd ceph auth get` reads (daemon/serve.ts gives the
 * managers the keyring's `auth` commands for their modules: the simulator's one auth
 * database, core/admin/module_auth_link.ts), and deauthorize takes it away again.
 */
import assert from "node:assert/strict";
import { ceph, startDaemon } from "./_daemon.ts";

Deno.test("mgrd serve: a subvolume's auth ID is in the daemon's keyring, as mgrd ceph auth get shows", async () => {
  const dir = await Deno.makeTempDir();
  const daemon = await startDaemon(dir);
  try {
    assert.equal((await ceph(dir, "fs", "subvolume", "create", "cephfs", "sv1")).rc, 0);
    const path = (await ceph(dir, "fs", "subvolume", "getpath", "cephfs", "sv1")).stdout.trim();
    const auth = await ceph(
      dir,
      ...["fs", "subvolume", "authorize", "cephfs", "sv1", "alice", "--tenant_id", "t1"],
      ...["--access_level", "r"],
    );
    assert.equal(auth.rc, 0, auth.stderr);
    const got = await ceph(dir, "auth", "get", "client.alice", "-f", "json");
    assert.equal(got.rc, 0, got.stderr);
    assert.deepEqual(JSON.parse(got.stdout), [{
      entity: "client.alice",
      key: auth.stdout.trim(),
      caps: { mds: `allow r path=${path}`, mon: "allow r", osd: "allow r pool=cephfs_data" },
    }]);
    const deauth = await ceph(dir, "fs", "subvolume", "deauthorize", "cephfs", "sv1", "alice");
    assert.equal(deauth.rc, 0, deauth.stderr);
    const gone = await ceph(dir, "auth", "get", "client.alice");
    assert.deepEqual([gone.rc, gone.stderr], [
      2,
      "Error ENOENT: failed to find client.alice in keyring\n",
    ]);
  } finally {
    daemon.kill("SIGTERM");
    await daemon.status;
    await Deno.remove(dir, { recursive: true });
  }
});
