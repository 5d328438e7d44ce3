/**
 * `osd pool rm|delete <pool> <pool> --yes-i-really-really-mean-it` as Ceph 16.2.15 answers it
 * (tests/ceph-reference/cli/behaviour/pool_delete), and what follows a removal: the pool leaves
 * the OSDMap, its PGs the simulated cluster and then the manager's PGMap, its id is not reused.
 */
import assert from "node:assert/strict";
import { startTestCluster } from "mgr_module/testing";
import { EBUSY, EPERM } from "../ceph/errno.ts";
import { oracleCli } from "./_oracle_cli.ts";

const WARNING = (pool: string) =>
  `WARNING: this will *PERMANENTLY DESTROY* all data stored in pool ${pool}.  If you are ` +
  "*ABSOLUTELY CERTAIN* that is what you want, pass the pool name *twice*, followed by " +
  "--yes-i-really-really-mean-it.";
const DISABLED = "pool deletion is disabled; you must first set the mon_allow_pool_delete " +
  "config option to true before you can destroy a pool";

async function cluster() {
  return await startTestCluster({
    cluster: {
      hosts: 3,
      osdsPerHost: 1,
      pools: [
        { name: "cephfs_metadata", pgNum: 4, application: "cephfs" },
        { name: "cephfs_data", pgNum: 8, application: "cephfs" },
        { name: "todelete", pgNum: 16, application: "rbd" },
        { name: "todelete2", pgNum: 8 },
      ],
    },
  });
}

function rm(pool: string, extra: Record<string, unknown> = {}, prefix = "osd pool rm") {
  return { prefix, pool, ...extra };
}
const SURE = { yes_i_really_really_mean_it: true };

Deno.test("osd pool rm: Ceph's guards, messages and return codes, in the oracle's order", async () => {
  const c = await cluster();
  try {
    await c.run(10);
    const answer = async (cmd: Record<string, unknown>) => {
      const r = await c.command(cmd);
      return [r.r, r.outs];
    };
    assert.deepEqual(await answer(rm("todelete")), [-EPERM, WARNING("todelete")]);
    assert.deepEqual(await answer(rm("todelete", { pool2: "todelete" })), [
      -EPERM,
      WARNING("todelete"),
    ]);
    assert.deepEqual(await answer(rm("todelete", { pool2: "other", ...SURE })), [
      -EPERM,
      WARNING("todelete"),
    ]);
    assert.deepEqual(await answer(rm("nosuch", { pool2: "nosuch", ...SURE })), [
      0,
      "pool 'nosuch' does not exist",
    ]);
    assert.deepEqual(await answer(rm("nosuch", { pool2: "nosuch", ...SURE }, "osd pool delete")), [
      0,
      "pool 'nosuch' does not exist",
    ]);
    // mon_allow_pool_delete is false by default.
    assert.deepEqual(await answer(rm("todelete", { pool2: "todelete", ...SURE })), [
      -EPERM,
      DISABLED,
    ]);
    assert.deepEqual(
      await answer(rm("todelete", { pool2: "todelete", ...SURE }, "osd pool delete")),
      [-EPERM, DISABLED],
    );
    const set = await c.command({
      prefix: "config set",
      who: "mon",
      name: "mon_allow_pool_delete",
      value: "true",
    });
    assert.equal(set.r, 0, set.outs);
    assert.deepEqual(
      await answer({ prefix: "osd pool set", pool: "todelete", var: "nodelete", val: "true" }),
      [0, "set pool 3 nodelete to true"],
    );
    const get = await c.command({
      prefix: "osd pool get",
      pool: "todelete",
      var: "nodelete",
      format: "json",
    });
    assert.equal(JSON.parse(get.outb).nodelete, true);
    assert.deepEqual(await answer(rm("todelete", { pool2: "todelete", ...SURE })), [
      -EPERM,
      "pool deletion is disabled; you must unset nodelete flag for the pool first",
    ]);
    assert.deepEqual(
      await answer({ prefix: "osd pool set", pool: "todelete", var: "nodelete", val: "false" }),
      [0, "set pool 3 nodelete to false"],
    );
    assert.deepEqual(await answer(rm("cephfs_data", { pool2: "cephfs_data", ...SURE })), [
      -EBUSY,
      "pool 'cephfs_data' is in use by CephFS",
    ]);
    assert.deepEqual(await answer(rm("todelete", { pool2: "todelete", ...SURE })), [
      0,
      "pool 'todelete' removed",
    ]);
    assert.deepEqual(await answer(rm("todelete", { pool2: "todelete", ...SURE })), [
      0,
      "pool 'todelete' does not exist",
    ]);
    assert.deepEqual(
      await answer(rm("todelete2", { pool2: "todelete2", ...SURE }, "osd pool delete")),
      [0, "pool 'todelete2' removed"],
    );
    const ls = await c.command({ prefix: "osd pool ls" });
    assert.equal(ls.outb, "cephfs_metadata\ncephfs_data\n");
  } finally {
    await c.stop();
  }
});

Deno.test("a removed pool's PGs leave the cluster and then the manager's PGMap; its id is not reused", async () => {
  const c = await cluster();
  try {
    await c.run(20);
    const sim = c.cluster!;
    assert.equal(sim.pgs.count, 36);
    const pgStat = async () =>
      JSON.parse((await c.command({ prefix: "pg stat", format: "json" })).outb) as {
        pg_summary: { num_pgs: number };
      };
    assert.equal((await pgStat()).pg_summary.num_pgs, 36);
    await c.command({
      prefix: "config set",
      who: "mon",
      name: "mon_allow_pool_delete",
      value: "1",
    });
    const r = await c.command(rm("todelete", { pool2: "todelete", ...SURE }));
    assert.equal(r.r, 0, r.outs);
    // The simulated cluster: 20 PGs left, every row where the table's index says it is.
    assert.equal(sim.pgs.count, 20);
    for (let p = 0; p < sim.pgs.count; p++) {
      assert.notEqual(sim.pgs.poolId[p], 3, `row ${p} still holds a PG of the removed pool`);
      assert.equal(sim.pgs.index(sim.pgs.poolId[p]!, sim.pgs.ps[p]!), p);
    }
    assert.deepEqual(sim.pgs.poolPgs(3), []);
    // The manager's PGMap follows the OSDMap at once, and the reports after it.
    assert.equal((await pgStat()).pg_summary.num_pgs, 20);
    await c.run(20);
    assert.equal((await pgStat()).pg_summary.num_pgs, 20);
    const dump = c.manager.get("pg_dump") as { pg_stats: { pgid: string }[] };
    assert.ok(dump.pg_stats.every((s) => !s.pgid.startsWith("3.")), "no PG of pool 3");
    const df = c.manager.get("df") as { pools: { name: string }[] };
    assert.deepEqual(df.pools.map((p) => p.name), ["cephfs_metadata", "cephfs_data", "todelete2"]);
    const health = c.manager.health();
    assert.equal(health.status, "HEALTH_OK", JSON.stringify(health.checks));
    // Pool ids are never reused: the next pool gets 5, pool_max stays.
    assert.equal((await c.command({ prefix: "osd pool create", pool: "fresh", pg_num: 4 })).r, 0);
    const osdDump = JSON.parse((await c.command({ prefix: "osd dump", format: "json" })).outb) as {
      pool_max: number;
      pools: { pool: number; pool_name: string }[];
    };
    assert.equal(osdDump.pools.find((p) => p.pool_name === "fresh")?.pool, 5);
    assert.equal(osdDump.pool_max, 5);
    await c.run(20);
    assert.equal((await pgStat()).pg_summary.num_pgs, 24);
  } finally {
    await c.stop();
  }
});

// ---------------------------------------------------------------------------------------------
// Byte for byte through `mgrd ceph`, against the captures of the real cluster.

Deno.test("mgrd ceph osd pool rm/delete prints what Ceph 16.2.15 printed (behaviour/pool_delete)", async (t) => {
  // The capture's layout: pools 1..4 as issue 12's cluster, then todelete (5) and todelete2 (6).
  const c = await startTestCluster({
    cluster: {
      hosts: 1,
      osdsPerHost: 3,
      failureDomain: "osd",
      mons: { count: 1 },
      pools: [
        { name: "device_health_metrics", pgNum: 1, size: 1, application: "mgr_devicehealth" },
        { name: "rbd", pgNum: 64, size: 3, application: "rbd" },
        { name: "cephfs_metadata", pgNum: 16, size: 3, application: "cephfs" },
        { name: "cephfs_data", pgNum: 32, size: 2, application: "cephfs" },
        { name: "todelete", pgNum: 8, size: 2 },
        { name: "todelete2", pgNum: 8, size: 2 },
      ],
    },
  });
  const cli = oracleCli(c);
  try {
    await c.run(10);
    // 07-09 and 13 set mon_allow_pool_delete with `ceph tell mon.a config set`: here it is
    // false from the start (Ceph's default) and set through the config DB before 14.
    const steps = [
      "01_osd_pool_rm_one_name",
      "02_osd_pool_rm_no_flag",
      "03_osd_pool_rm_names_differ",
      "04_osd_pool_rm_wrong_flag",
      "05_osd_pool_rm_missing",
      "06_osd_pool_delete_missing",
      "10_osd_pool_rm_not_allowed",
      "11_osd_pool_delete_not_allowed",
      "12_osd_pool_rm_missing_not_allowed",
      "allow",
      "14_osd_pool_set_nodelete",
      "15_osd_pool_rm_nodelete",
      "16_osd_pool_set_nodelete_false",
      "17_osd_pool_rm_in_use_by_cephfs",
      "18_osd_pool_rm",
      "19_osd_pool_rm_again",
      "20_osd_pool_delete",
    ];
    for (const step of steps) {
      if (step === "allow") {
        const r = await c.command({
          prefix: "config set",
          who: "mon",
          name: "mon_allow_pool_delete",
          value: "true",
        });
        assert.equal(r.r, 0, r.outs);
        continue;
      }
      await t.step(step, () => cli.replay(`behaviour/pool_delete/${step}.txt`));
    }
    const ls = await c.command({ prefix: "osd pool ls" });
    assert.equal(ls.outb, "device_health_metrics\nrbd\ncephfs_metadata\ncephfs_data\n");
  } finally {
    await c.stop();
    cli.close();
  }
});

Deno.test("a removed pool's health checks go with it: PG_DEGRADED of its PGs clears", async () => {
  // The file system keeps the first two pools (size 1: never degraded); `victim` is size 2.
  const c = await startTestCluster({
    cluster: {
      hosts: 3,
      osdsPerHost: 1,
      pools: [
        { name: "cephfs_metadata", pgNum: 4, size: 1 },
        { name: "cephfs_data", pgNum: 4, size: 1 },
        { name: "victim", pgNum: 16, size: 2, application: "rbd" },
      ],
    },
  });
  try {
    await c.run(20);
    c.cluster!.osdDown(0);
    await c.run(20);
    assert.ok(c.manager.health().checks.PG_DEGRADED, "victim's PGs on osd.0 are degraded");
    await c.command({
      prefix: "config set",
      who: "mon",
      name: "mon_allow_pool_delete",
      value: "true",
    });
    const r = await c.command(rm("victim", { pool2: "victim", ...SURE }));
    assert.equal(r.r, 0, r.outs);
    const checks = c.manager.health().checks;
    assert.equal(checks.PG_DEGRADED, undefined, JSON.stringify(checks));
    assert.ok(checks.OSD_DOWN, "the cluster's own checks stay");
    const map = c.manager.get("osd_map") as { pools: { pool_name: string }[] };
    assert.deepEqual(map.pools.map((p) => p.pool_name), ["cephfs_metadata", "cephfs_data"]);
    // And the mon's cluster log says so with the next report.
    await c.run(10);
    const log = c.mon.handleCommand({ prefix: "log last", num: 30, channel: "cluster" }).outb;
    assert.match(log, /Health check cleared: PG_DEGRADED/);
  } finally {
    await c.stop();
  }
});
