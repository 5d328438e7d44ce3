import assert from "node:assert/strict";
import { EINVAL, ENOENT } from "../ceph/errno.ts";
import { libradosVersion } from "../rados/librados.ts";
import { until } from "./_daemon.ts";
import { connectDev, libradosOnly, radosFailure, realCluster } from "./_dev_cluster.ts";

Deno.test({
  name: "mon_command answers status and osd dump as the real mon does",
  ...realCluster,
  fn: async () => {
    await using cluster = await connectDev();
    const status = await cluster.monCommand({ prefix: "status" });
    assert.match(status.text(), /^ {2}cluster:\n {4}id: {5}[0-9a-f-]{36}\n/);
    assert.match(status.text(), /osd: 3 osds: 3 up/);
    const dump = (await cluster.monCommand({ prefix: "osd dump", format: "json" })).json<
      { epoch: number; fsid: string; osds: { osd: number; up: number }[] }
    >();
    assert.ok(dump.epoch > 0);
    assert.deepEqual(dump.osds.map((o) => [o.osd, o.up]), [[0, 1], [1, 1], [2, 1]]);
    // The command as JSON text works as the object does.
    const text = await cluster.monCommand('{"prefix": "osd dump", "format": "json"}');
    assert.equal(text.json<{ fsid: string }>().fsid, dump.fsid);
  },
});

Deno.test({
  name: "a failed mon_command rejects with the mon's errno and its text",
  ...realCluster,
  fn: async () => {
    await using cluster = await connectDev();
    const e = await radosFailure(
      cluster.monCommand({ prefix: "osd pool get", pool: "nosuch", var: "size" }),
    );
    assert.equal(e.errno, -ENOENT);
    assert.equal(e.code, "ENOENT");
    assert.equal(e.outs, "unrecognized pool 'nosuch'");
    assert.equal(e.message, "mon_command 'osd pool get': Error ENOENT: unrecognized pool 'nosuch'");
    const bad = await radosFailure(cluster.monCommand({ prefix: "no such command" }));
    assert.equal(bad.errno, -EINVAL);
  },
});

Deno.test({
  name: "mon_command passes its inbuf: config-key set from inbuf reads back",
  ...realCluster,
  fn: async () => {
    await using cluster = await connectDev();
    const value = "bytes from the inbuf \u00e9";
    await cluster.monCommand({ prefix: "config-key set", key: "mgrd/test/inbuf" }, value);
    const got = await cluster.monCommand({ prefix: "config-key get", key: "mgrd/test/inbuf" });
    assert.equal(got.text(), value);
    await cluster.monCommand({ prefix: "config-key rm", key: "mgrd/test/inbuf" });
    const gone = await radosFailure(
      cluster.monCommand({ prefix: "config-key get", key: "mgrd/test/inbuf" }),
    );
    assert.equal(gone.errno, -ENOENT);
  },
});

Deno.test({
  name: "mon_command_target sends to the named mon",
  ...realCluster,
  fn: async () => {
    await using cluster = await connectDev();
    const reply = await cluster.monCommandTarget("a", { prefix: "mon_status", format: "json" });
    assert.equal(reply.json<{ name: string; state: string }>().name, "a");
    const e = await radosFailure(cluster.monCommandTarget("zz", { prefix: "mon_status" }));
    assert.equal(e.errno, -ENOENT);
  },
});

Deno.test({
  name: "mgr_command reaches the real ceph-mgr: its own commands answer, the mon's do not",
  ...realCluster,
  fn: async () => {
    await using cluster = await connectDev();
    const stat = (await cluster.mgrCommand({ prefix: "pg stat", format: "json" })).json<
      { pg_summary: { num_pgs: number } }
    >();
    assert.ok(stat.pg_summary.num_pgs >= 1);
    const balancer = (await cluster.mgrCommand({ prefix: "balancer status", format: "json" }))
      .json<{ active: boolean; mode: string }>();
    assert.equal(typeof balancer.active, "boolean");
    // `mgr module ls` is the mon's (MgrMonitor), as with the real `ceph` CLI.
    const modules = (await cluster.monCommand({ prefix: "mgr module ls", format: "json" })).json<
      { always_on_modules: string[] }
    >();
    assert.ok(modules.always_on_modules.includes("balancer"));
    const e = await radosFailure(cluster.mgrCommand({ prefix: "mgr module ls" }));
    assert.equal(e.errno, -EINVAL);
    assert.equal(e.outs, "No handler found for 'mgr module ls'");
  },
});

Deno.test({
  name: "osd_command answers perf dump and version from osd.0",
  ...realCluster,
  fn: async () => {
    await using cluster = await connectDev();
    const perf = (await cluster.osdCommand(0, { prefix: "perf dump" })).json<
      Record<string, Record<string, unknown>>
    >();
    assert.equal(typeof perf["osd"]?.["op_w"], "number");
    assert.ok("op_latency" in (perf["osd"] ?? {}));
    const version = (await cluster.osdCommand(0, { prefix: "version" })).json<
      { version: string; release: string }
    >();
    assert.match(version.version, /^16\.2\./);
    assert.equal(version.release, "pacific");
    const e = await radosFailure(cluster.osdCommand(99, { prefix: "version" }));
    assert.equal(e.errno, -ENOENT);
  },
});

Deno.test({
  name: "pg_command queries a PG on its primary",
  ...realCluster,
  fn: async () => {
    await using cluster = await connectDev();
    const id = await cluster.poolLookup("device_health_metrics");
    const query = (await cluster.pgCommand(`${id}.0`, { prefix: "query" })).json<
      { info: { pgid: string }; state: string }
    >();
    assert.equal(query.info.pgid, `${id}.0`);
    assert.match(query.state, /active/);
  },
});

Deno.test({
  name: "commands from many async tasks at once each get their own answer",
  ...realCluster,
  fn: async () => {
    await using cluster = await connectDev();
    const keys = Array.from({ length: 16 }, (_, i) => `mgrd/test/concurrent/${i}`);
    await Promise.all(
      keys.map((key) => cluster.monCommand({ prefix: "config-key set", key, val: key })),
    );
    const [values, perf] = await Promise.all([
      Promise.all(keys.map((key) => cluster.monCommand({ prefix: "config-key get", key }))),
      Promise.all(
        [0, 1, 2, 0, 1, 2].map((osd) => cluster.osdCommand(osd, { prefix: "perf dump" })),
      ),
    ]);
    assert.deepEqual(values.map((v) => v.text()), keys);
    for (const p of perf) assert.ok("osd" in p.json<object>());
    await Promise.all(keys.map((key) => cluster.monCommand({ prefix: "config-key rm", key })));
  },
});

Deno.test({
  name: "cluster_stat reports the capacity of the three 1 GiB memstore OSDs",
  ...realCluster,
  fn: async () => {
    await using cluster = await connectDev();
    // The figures come from the mgr's PGMap, which counts an OSD once it has reported.
    let stat = await cluster.clusterStat();
    await until("all three OSDs' capacity", async () => {
      stat = await cluster.clusterStat();
      return stat.kb >= 3 * 1024 * 1024;
    });
    assert.equal(stat.kb, 3 * 1024 * 1024);
    assert.ok(stat.kbUsed > 0 && stat.kbAvail > 0 && stat.kbUsed + stat.kbAvail <= stat.kb);
    assert.ok(stat.numObjects >= 0);
  },
});

Deno.test({
  name: "a pool made by a mon command is seen once the client has the latest OSDMap",
  ...realCluster,
  fn: async () => {
    await using cluster = await connectDev();
    const pool = `mgrd-test-${crypto.randomUUID().slice(0, 8)}`;
    const made = await cluster.monCommand({ prefix: "osd pool create", pool, pg_num: 1 });
    assert.equal(made.outs, `pool '${pool}' created`);
    await cluster.waitForLatestOsdmap();
    const id = await cluster.poolLookup(pool);
    assert.ok(id > 0);
    await cluster.monCommand({
      prefix: "osd pool rm",
      pool,
      pool2: pool,
      yes_i_really_really_mean_it: true,
    });
  },
});

Deno.test({
  name: "libradosVersion is Ceph 16.2's librados (3.0.x)",
  ...libradosOnly,
  fn: () => {
    const [major, minor] = libradosVersion();
    assert.deepEqual([major, minor], [3, 0]);
  },
});
