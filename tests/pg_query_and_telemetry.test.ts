/**
 * `ceph pg <pgid> query` (sent to the PG's primary OSD) and `ceph telemetry status`, as a real
 * 16.2.15 cluster answered them (tests/ceph-reference/cli/commands/pg_2.0_query.txt,
 * pg_query_missing_*, telemetry_status*): the query's JSON compared key by key, its values
 * against what the manager's PGMap says of the same PG; the errors and the telemetry status
 * byte for byte.
 */
import assert from "node:assert/strict";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import * as telemetry from "../modules/telemetry/module.ts";
import { referenceCli } from "./_reference.ts";
import { dataDir, runCeph } from "./_oracle_cli.ts";
import { shapeDiff } from "./sim_json_shape.ts";

async function cluster(): Promise<TestCluster> {
  const cl = await startTestCluster({
    builtins: { telemetry },
    initialModules: ["telemetry"],
    cluster: {
      hosts: 1,
      osdsPerHost: 3,
      failureDomain: "osd",
      mons: { count: 1 },
      mgrs: ["x"],
      mds: ["a"],
      pools: [
        { name: "device_health_metrics", pgNum: 1, size: 1, application: "mgr_devicehealth" },
        { name: "rbd", pgNum: 64, size: 3, application: "rbd" },
      ],
    },
  });
  await cl.run(30);
  return cl;
}

Deno.test("pg <pgid> query answers in the real OSD's shape, with the PG's own state, sets and counts", async () => {
  const cl = await cluster();
  const dir = dataDir();
  try {
    const cap = referenceCli("commands/pg_2.0_query.txt");
    const ours = await runCeph(cl, dir, cap.command);
    assert.equal(ours.rc, 0, ours.stderr);
    assert.equal(ours.stderr, cap.stderr);
    const q = JSON.parse(ours.stdout);
    const diff = shapeDiff(q, JSON.parse(cap.stdout));
    assert.deepEqual(diff, [], diff.join("\n"));
    assert.ok(ours.stdout.endsWith("}\n"), "json-pretty, as the OSD prints it");
    // The same PG as the manager's PGMap has it.
    const dump = JSON.parse((await runCeph(cl, dir, "pg dump pgs -f json")).stdout);
    const row = dump.pg_stats.find((p: { pgid: string }) => p.pgid === "2.0");
    assert.equal(q.state, row.state);
    assert.deepEqual(q.up, row.up);
    assert.deepEqual(q.acting, row.acting);
    assert.equal(q.info.stats.stat_sum.num_objects, row.stat_sum.num_objects);
    assert.equal(q.info.stats.stat_sum.num_bytes, row.stat_sum.num_bytes);
    assert.deepEqual(
      q.peer_info.map((p: { peer: string }) => p.peer),
      row.acting.filter((o: number) => o !== row.acting_primary).sort().map(String),
    );
    const json = await runCeph(cl, dir, "pg 2.0 query -f json");
    assert.deepEqual(shapeDiff(JSON.parse(json.stdout), JSON.parse(cap.stdout)), []);
    for (const file of ["pg_query_missing_pg", "pg_query_missing_pool"]) {
      const c = referenceCli(`commands/${file}.txt`);
      assert.deepEqual(await runCeph(cl, dir, c.command), {
        rc: c.rc,
        stdout: c.stdout,
        stderr: c.stderr,
      }, file);
    }
    // Until the PG peers again its down primary cannot answer: ENXIO, as for a down OSD (a
    // real client's op would wait for the new primary instead; not modelled).
    const primary = q.acting[0] as number;
    cl.cluster!.osdDown(primary);
    const down = await runCeph(cl, dir, "pg 2.0 query");
    assert.equal(down.rc, 6, down.stderr);
  } finally {
    await cl.stop();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("telemetry status prints the module's options as 16.2.15's telemetry does", async () => {
  const cl = await cluster();
  const dir = dataDir();
  try {
    for (const file of ["telemetry_status", "telemetry_status_json"]) {
      const c = referenceCli(`commands/${file}.txt`);
      assert.deepEqual(await runCeph(cl, dir, c.command), {
        rc: c.rc,
        stdout: c.stdout,
        stderr: c.stderr,
      }, file);
    }
    assert.equal(
      (await runCeph(cl, dir, "config set mgr mgr/telemetry/contact me@example.org")).rc,
      0,
    );
    await cl.run(1);
    const status = JSON.parse((await runCeph(cl, dir, "telemetry status")).stdout);
    assert.equal(status.contact, "me@example.org");
  } finally {
    await cl.stop();
    Deno.removeSync(dir, { recursive: true });
  }
});
