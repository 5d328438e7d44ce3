import assert from "node:assert/strict";
import { EACCES, ECANCELED, ENOENT, ETIMEDOUT } from "../ceph/errno.ts";
import { connectRados, LibradosLoadError, loadLibrados } from "../rados/librados.ts";
import {
  devCluster,
  devClusterAuthNone,
  libradosOnly,
  radosFailure,
  realCluster,
} from "./_dev_cluster.ts";

Deno.test({
  name: "connectRados authenticates with cephx from the dev cluster's ceph.conf and keyring",
  ...realCluster,
  fn: async () => {
    const dev = await devCluster();
    await using cluster = await connectRados({ confFile: dev.conf, keyring: dev.keyring });
    assert.equal(await cluster.fsid(), dev.fsid);
    assert.equal(cluster.name, "client.admin");
    assert.ok(cluster.instanceId() > 0);
    assert.equal(cluster.confGet("auth_client_required"), "cephx");
    const status = (await cluster.monCommand({ prefix: "status", format: "json" })).json<
      { fsid: string; quorum_names: string[] }
    >();
    assert.equal(status.fsid, dev.fsid);
    assert.deepEqual(status.quorum_names, ["a"]);
  },
});

Deno.test({
  name: "connectRados reaches an auth none cluster without any keyring",
  ...realCluster,
  fn: async () => {
    const dev = await devClusterAuthNone();
    assert.equal(dev.keyring, undefined);
    await using cluster = await connectRados({ confFile: dev.conf });
    assert.equal(cluster.confGet("auth_client_required"), "none");
    assert.equal(await cluster.fsid(), dev.fsid);
    const reply = await cluster.monCommand({ prefix: "mon stat", format: "json" });
    assert.equal(reply.json<{ num_mons: number }>().num_mons, 1);
  },
});

Deno.test({
  name: "a wrong cephx key is refused with EACCES and a sentence naming the keyring",
  ...realCluster,
  fn: async () => {
    const dev = await devCluster();
    const keyring = await Deno.makeTempFile({ suffix: ".keyring" });
    try {
      await Deno.writeTextFile(
        keyring,
        "[client.admin]\n\tkey = AQBhZ4Zn7PzXKhAAdXj0aSpBq0JhZCw3oSS7rA==\n",
      );
      const e = await radosFailure(connectRados({ confFile: dev.conf, keyring }));
      assert.equal(e.errno, -EACCES);
      assert.equal(e.op, "rados_connect");
      assert.match(e.message, /refused client\.admin \(auth cephx\): check its key in .*\.keyring/);
    } finally {
      await Deno.remove(keyring);
    }
  },
});

Deno.test({
  name: "a client with auth none is refused by the cephx cluster, and told so",
  ...realCluster,
  fn: async () => {
    const dev = await devCluster();
    const e = await radosFailure(
      connectRados({ confFile: dev.conf, conf: { auth_client_required: "none" } }),
    );
    assert.equal(e.errno, -EACCES);
    assert.match(e.message, /the cluster does not accept auth none/);
  },
});

Deno.test({
  name: "connecting where no mon listens fails with ETIMEDOUT within the bound, and the event " +
    "loop runs meanwhile",
  ...libradosOnly,
  fn: async () => {
    // A port of the dev-cluster blocks nobody uses: 23299 is just below the first block.
    let ticks = 0;
    const timer = setInterval(() => ticks++, 50);
    try {
      const e = await radosFailure(
        connectRados({ conf: { mon_host: "127.0.0.1:23299" }, connectTimeoutSeconds: 1 }),
      );
      assert.equal(e.errno, -ETIMEDOUT);
      assert.equal(e.code, "ETIMEDOUT");
      assert.equal(
        e.message,
        "rados_connect: Error ETIMEDOUT: the mons at 127.0.0.1:23299 did not answer " +
          "client.admin within 1 s",
      );
      // rados_connect waited a whole second on a worker thread: timers kept firing.
      assert.ok(ticks >= 5, `only ${ticks} timer ticks while connecting`);
    } finally {
      clearInterval(timer);
    }
  },
});

Deno.test({
  name: "a conf file that does not exist is ENOENT naming the file",
  ...libradosOnly,
  fn: async () => {
    const e = await radosFailure(connectRados({ confFile: "/nonexistent/ceph.conf" }));
    assert.equal(e.errno, -ENOENT);
    assert.equal(
      e.message,
      "rados_conf_read_file: Error ENOENT: cannot read /nonexistent/ceph.conf",
    );
  },
});

Deno.test("a librados that is not installed is one clear line with the errno", async () => {
  const e = await radosFailure(connectRados({ libraryPath: "librados.so.0" }));
  assert.ok(e instanceof LibradosLoadError);
  assert.equal(e.errno, -ENOENT);
  assert.equal(
    e.message,
    "librados.so.0 not found: install librados2 (Error ENOENT: librados.so.0: cannot open " +
      "shared object file: No such file or directory)",
  );
  assert.ok(!e.message.includes("\n"));
});

Deno.test("a library that is not librados is named as such", () => {
  const e = (() => {
    try {
      loadLibrados("libc.so.6");
    } catch (x) {
      return x;
    }
  })();
  assert.ok(e instanceof LibradosLoadError);
  assert.match(e.message, /^libc\.so\.6 is not librados2 \(no rados_\w+\): install librados2/);
});

Deno.test("connectRados checks its options before loading anything", async () => {
  await assert.rejects(
    connectRados({ name: "admin" }),
    {
      name: "RangeError",
      message: "connectRados: name must be TYPE.ID (client.admin), not 'admin'",
    },
  );
  await assert.rejects(
    connectRados({ connectTimeoutSeconds: 0 }),
    /connectTimeoutSeconds must be a number of seconds > 0, not 0/,
  );
});

Deno.test({
  name: "a closed handle refuses calls with ECANCELED, and closing twice is harmless",
  ...realCluster,
  fn: async () => {
    const dev = await devCluster();
    const cluster = await connectRados({ confFile: dev.conf, keyring: dev.keyring });
    const io = await cluster.openIoctx("device_health_metrics");
    await cluster.close();
    await cluster.close();
    const e = await radosFailure(cluster.monCommand({ prefix: "status" }));
    assert.equal(e.errno, -ECANCELED);
    assert.equal(e.message, "mon_command: Error ECANCELED: the cluster handle is closed");
    // Closing the cluster closed its I/O contexts.
    assert.equal((await radosFailure(io.stat("x"))).errno, -ECANCELED);
  },
});
