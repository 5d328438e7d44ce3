/**
 * OSD perf queries (`add_osd_perf_query`, `get_osd_perf_counters`, `remove_osd_perf_query`)
 * on the simulated cluster: the OSDs count the workload's ops by the query's key, the manager
 * adds their reports up until the module fetches them, and what Ceph refuses is refused.
 */
import assert from "node:assert/strict";
import { MgrModule } from "mgr_module";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import { referenceText } from "./_reference.ts";

class Perf extends MgrModule {}

const CLUSTER = {
  hosts: 3,
  osdsPerHost: 2,
  pools: [
    { name: "rbd", pgNum: 32, application: "rbd" },
    { name: "data", pgNum: 16, application: "rgw" },
  ],
};

async function start(): Promise<{ c: TestCluster; perf: Perf }> {
  const c = await startTestCluster({
    builtins: { perf: { Perf } },
    initialModules: ["perf"],
    cluster: CLUSTER,
  });
  await c.run(12);
  return { c, perf: c.manager.host.instance("perf") as Perf };
}

function ioTotals(c: TestCluster): { reads: number; writes: number } {
  const io = c.cluster!.io;
  return {
    reads: io.numRead.reduce((a, b) => a + b, 0),
    writes: io.numWrite.reduce((a, b) => a + b, 0),
  };
}

Deno.test("a query by pool counts every op the workload served, per pool, once", async () => {
  const { c, perf } = await start();
  try {
    const id = perf.add_osd_perf_query({
      key_descriptor: [{ type: "pool_id", regex: "^(.*)$" }],
      performance_counter_descriptors: ["write_ops", "read_ops", "bytes"],
    });
    assert.equal(typeof id, "number");
    const before = ioTotals(c);
    await c.run(20);
    const after = ioTotals(c);
    const got = perf.get_osd_perf_counters(id!);
    assert.ok(got);
    const pools = got.counters.map((e) => e.k[0]![0]);
    assert.deepEqual(pools, ["1", "2"], "one entry per pool, in key order");
    const writes = got.counters.reduce((a, e) => a + e.c[0]![0], 0);
    const reads = got.counters.reduce((a, e) => a + e.c[1]![0], 0);
    assert.equal(writes, after.writes - before.writes);
    assert.equal(reads, after.reads - before.reads);
    assert.ok(
      writes > 0 && reads > writes,
      `the workload reads more than it writes: ${reads}/${writes}`,
    );
    // Bytes are the ops times the workload's io size; counts travel for latencies only.
    const ioSize = c.cluster!.io.spec.ioSize;
    assert.equal(got.counters.reduce((a, e) => a + e.c[2]![0], 0), (reads + writes) * ioSize);
    assert.ok(got.counters.every((e) => e.c.every(([, n]) => n === 0)));
    // Each fetch takes what came since the last one.
    assert.deepEqual(perf.get_osd_perf_counters(id!), { counters: [] });
    await c.run(5);
    assert.ok(perf.get_osd_perf_counters(id!)!.counters.length > 0);
    perf.remove_osd_perf_query(id!);
    assert.equal(perf.get_osd_perf_counters(id!), null);
  } finally {
    await c.stop();
  }
});

Deno.test("keys are the regex groups: clients, PGs of one pool, objects of RBD images", async () => {
  const { c, perf } = await start();
  try {
    const byClient = perf.add_osd_perf_query({
      key_descriptor: [
        { type: "client_id", regex: "^client\\.(\\d+)$" },
        { type: "client_address", regex: "^([\\d.]+):\\d+/(\\d+)$" },
      ],
      performance_counter_descriptors: ["ops", "read_latency"],
    })!;
    const pool1 = perf.add_osd_perf_query({
      key_descriptor: [{ type: "pg_id", regex: "^1\\.([0-9a-f]+)$" }],
      performance_counter_descriptors: ["ops"],
    })!;
    const images = perf.add_osd_perf_query({
      key_descriptor: [
        { type: "pool_id", regex: "^(.*)$" },
        { type: "object_name", regex: "^rbd_data\\.([^.]+)\\." },
      ],
      performance_counter_descriptors: ["write_bytes"],
    })!;
    await c.run(20);
    const clients = perf.get_osd_perf_counters(byClient)!.counters;
    assert.deepEqual(clients.map((e) => e.k[0]![0]), ["4121", "4122", "4123", "4124"]);
    assert.ok(
      clients.every((e) => /^10\.0\.1\.\d+$/.test(e.k[1]![0]!) && /^\d+$/.test(e.k[1]![1]!)),
    );
    // The first client is the busiest: its share is 1 / (i + 1).
    const ops = clients.map((e) => e.c[0]![0]);
    assert.ok(ops[0]! > ops[1]! && ops[1]! > ops[3]!, `ops by client: ${ops}`);
    // Latencies are summed nanoseconds with their op count: about 1.5 ms per read here.
    for (const e of clients) {
      const [ns, count] = e.c[1]!;
      assert.ok(count > 0 && ns / count > 0.5e6 && ns / count < 5e6, `${ns}/${count}`);
    }
    const pgs = perf.get_osd_perf_counters(pool1)!.counters.map((e) => e.k[0]![0]);
    assert.ok(pgs.length > 16 && pgs.length <= 32, `PGs of pool 1 only: ${pgs.length}`);
    assert.ok(pgs.every((ps) => parseInt(ps!, 16) < 32));
    // Only the rbd pool's objects are rbd_data objects: one image per client.
    const imageKeys = perf.get_osd_perf_counters(images)!.counters.map((e) => e.k);
    assert.equal(imageKeys.length, 4);
    assert.ok(imageKeys.every((k) => k[0]![0] === "1"));
  } finally {
    await c.stop();
  }
});

Deno.test("a limit keeps max_count keys per OSD report, unless another id on the query has none", async () => {
  const { c, perf } = await start();
  const query = (max_count: number) => ({
    key_descriptor: [
      { type: "osd_id", regex: "^(.*)$" },
      { type: "client_id", regex: "^(.*)$" },
    ],
    performance_counter_descriptors: ["write_ops", "ops"],
    limit: { order_by: "ops", max_count },
  });
  try {
    const id = perf.add_osd_perf_query(query(1))!;
    await c.run(5); // one report per OSD
    const osds = perf.get_osd_perf_counters(id)!.counters.map((e) => e.k[0]![0]);
    assert.deepEqual(osds, ["0", "1", "2", "3", "4", "5"], "one client per OSD");
    // The same query again, with room for every key: the OSDs evaluate it once, and report
    // everything when any of its limits is not below the number of keys (Ceph's is_limited).
    const roomy = perf.add_osd_perf_query(query(100))!;
    assert.notEqual(roomy, id);
    await c.run(5);
    assert.equal(perf.get_osd_perf_counters(roomy)!.counters.length, 6 * 4);
    assert.equal(perf.get_osd_perf_counters(id)!.counters.length, 6 * 4);
    perf.remove_osd_perf_query(roomy);
    await c.run(5);
    assert.equal(perf.get_osd_perf_counters(id)!.counters.length, 6);
  } finally {
    await c.stop();
  }
});

Deno.test("what Ceph refuses answers null, with the reason in the module's log", async () => {
  const { c, perf } = await start();
  try {
    const bad: Record<string, unknown>[] = [
      {
        key_descriptor: [{ type: "pool_id", regex: "^.*$" }],
        performance_counter_descriptors: ["ops"],
      },
      {
        key_descriptor: [{ type: "pool", regex: "^(.*)$" }],
        performance_counter_descriptors: ["ops"],
      },
      {
        key_descriptor: [{ type: "pool_id", regex: "(" }],
        performance_counter_descriptors: ["ops"],
      },
      {
        key_descriptor: [{ type: "pool_id", regex: "^(.*)$" }],
        performance_counter_descriptors: ["iops"],
      },
      { key_descriptor: [], performance_counter_descriptors: ["ops"] },
      {
        key_descriptor: [{ type: "pool_id", regex: "^(.*)$" }],
        performance_counter_descriptors: [],
      },
      {
        key_descriptor: [{ type: "pool_id", regex: "^(.*)$" }],
        performance_counter_descriptors: ["ops"],
        limit: { order_by: "bytes", max_count: 3 },
      },
      {
        key_descriptor: [{ type: "pool_id", regex: "^(.*)$" }],
        performance_counter_descriptors: ["ops"],
        x: 1,
      },
    ];
    for (const q of bad) assert.equal(perf.add_osd_perf_query(q), null, JSON.stringify(q));
    const log = c.log.recent.join("\n");
    // The words a real 16.2.15 manager logs for the first one.
    const real = referenceText("module_api/add_osd_perf_query_refused.txt").replace(/^-1 /, "")
      .trim();
    assert.ok(log.includes(real), real);
    assert.match(log, /limit order_by bytes not in performance_counter_descriptors/);
    assert.match(log, /unknown query param: x/);
    assert.equal(perf.get_osd_perf_counters(12345), null);
    perf.remove_osd_perf_query(12345);
    assert.match(c.log.recent.join("\n"), /remove_osd_perf_query for query_id=12345 failed/);
  } finally {
    await c.stop();
  }
});
