/**
 * mgrd answers the error and edge cases of the cluster's and the manager's commands as a real
 * Ceph 16.2.15 cluster did: the same exit code, stdout and stderr, byte for byte, through
 * `mgrd ceph` (its client-side matching, the daemon's validation and the command itself).
 *
 * The captures are tests/ceph-reference/cli/oracle/*.txt, made in the order of CASES on a
 * fresh real cluster (1 mon `a`, 3 OSDs on one host, pools `device_health_metrics` (1 PG) and
 * `rbd` (64 PGs, size 3)); the test replays them in that order on a simulated cluster of the
 * same layout, since later answers depend on earlier ones (`osd out 2` then `osd out 2` again).
 */
import assert from "node:assert/strict";
import { osdTellCommand } from "../sim/cluster/osd_tell.ts";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import { referenceCli, referenceText } from "./_reference.ts";
import { dataDir, runCeph } from "./_oracle_cli.ts";

/** The capture files, in the order they were made. */
const CASES = [
  "health_mute_not_raised",
  "health_mute_ttl_not_a_number",
  "health_mute_ttl_bad_unit",
  "health_mute_ttl_fraction",
  "health_mute_ttl_zero",
  "health_mute_ttl_empty",
  "health_mute_ttl_overflow",
  "health_mute_ttl_valid_not_raised",
  "health_unmute_not_muted",
  "health_unmute_all_none",
  "osd_set_noout",
  "osd_set_noout_again",
  "health_mute_raised",
  "health_unmute_raised",
  "osd_unset_noout",
  "osd_unset_noout_again",
  "osd_set_pause",
  "osd_unset_pause",
  "osd_set_unknown_flag",
  "osd_unset_pglog_hardlimit",
  "osd_out_missing",
  "osd_in_missing",
  "osd_down_missing",
  "osd_out_not_a_number",
  "osd_out_bad_osd_name",
  "osd_out_negative",
  "osd_out_plus_sign",
  "osd_out_too_large",
  "osd_out_overflow",
  "osd_out_mixed",
  "osd_out_already_out",
  "osd_in_osd_name",
  "osd_in_already_in",
  "osd_reweight_missing",
  "osd_reweight_out_of_range",
  "osd_reweight_negative",
  "osd_reweight_not_a_float",
  "osd_reweight_bad_id",
  "osd_reweight_half",
  "osd_reweight_tiny",
  "osd_reweight_zero",
  "osd_reweight_one",
  "pool_create_existing",
  "pool_create_existing_other_type",
  "pool_create_unknown_rule",
  "pool_create_bad_expected_num_objects",
  "pool_create_pg_num_too_big",
  "pool_create_pgp_num_above_pg_num",
  "pool_create_size_above_rule_max",
  "pool_create_bad_pg_num",
  "pool_create_empty_name",
  "pool_create_name_slash",
  "pool_create_name_space",
  "pool_create_name_at",
  "pool_create_name_dot",
  "pool_create_name_slash_again",
  "pool_set_unknown_var",
  "pool_set_missing_pool",
  "pool_set_size_not_a_number",
  "pool_set_size_fraction",
  "pool_set_size_zero",
  "pool_set_size_negative",
  "pool_set_size_above_10",
  "pool_set_size_same",
  "pool_set_min_size_zero",
  "pool_set_min_size_above_size",
  "pool_set_min_size_not_a_number",
  "pool_set_min_size_2",
  "pool_set_pg_num_not_a_number",
  "pool_set_pg_num_zero",
  "pool_set_pg_num_too_big",
  "pool_set_pg_num_same",
  "pool_set_pgp_num_zero",
  "pool_set_pgp_num_above_pg_num",
  "pool_set_pgp_num_not_a_number",
  "pool_set_pgp_num_same",
  "pool_set_crush_rule_missing",
  "pool_set_crush_rule_same",
  "pool_set_tier_var",
  "pool_set_flag_bad_value",
  "pool_set_hashpspool_unconfirmed",
  "pool_get_missing_pool",
  "pool_get_unknown_var",
  "pool_get_tier_var",
  "pool_get_ec_var",
  "pool_get_unset_option",
  "pool_get_size",
  "pool_get_size_json",
  "pool_get_size_json_pretty",
  "pool_get_crush_rule",
  "pool_get_nodelete",
  "pool_get_use_gmt_hitset",
  "pool_get_use_gmt_hitset_json",
  "pool_ls",
  "pool_ls_json",
  "lspools",
  "lspools_json",
  "osd_tree_epoch_missing",
  "osd_tree_epoch_zero",
  "osd_tree_not_a_state",
  "osd_tree_down_none",
  "osd_tree_down_none_json",
  "osd_dump_epoch_missing",
  "osd_dump_not_an_epoch",
  "mon_stat_json",
  "config_key_get_missing",
  "config_key_exists_missing",
  "config_key_rm_missing",
  "config_key_dump_no_match_json",
  "pg_ls_bad_state",
  "pg_ls_missing_pool",
  "pg_ls_by_pool_missing",
  "pg_ls_by_osd_missing",
  "pg_ls_by_primary_missing",
  "pg_dump_stuck_bad_type",
  "pg_dump_stuck_none",
  "pg_dump_stuck_none_json",
  "pg_dump_stuck_none_json_pretty",
  "osd_df_bad_method",
  "osd_df_class_missing",
  "osd_df_name_missing",
  "device_info_missing",
  "mgr_fail_missing",
  "mgr_metadata_missing",
  "mgr_module_enable_unknown",
  "mgr_module_disable_unknown",
  "log_last_zero",
  "log_last_bad_level",
  "log_last_bad_channel",
];

/** The cluster the captures were made on, simulated. */
async function oracleLayout(): Promise<TestCluster> {
  const c = await startTestCluster({
    cluster: {
      hosts: 1,
      osdsPerHost: 3,
      failureDomain: "osd",
      mons: { count: 1 },
      pools: [
        { name: "device_health_metrics", pgNum: 1, size: 1, application: "mgr_devicehealth" },
        { name: "rbd", pgNum: 64, size: 3 },
      ],
    },
  });
  await c.run(30);
  return c;
}

Deno.test("mgrd ceph answers the error and edge cases as a real Ceph 16.2 did", async (t) => {
  const c = await oracleLayout();
  const dir = dataDir();
  try {
    for (const name of CASES) {
      const cap = referenceCli(`oracle/${name}.txt`);
      await t.step({
        name,
        fn: async () => {
          const ours = await runCeph(c, dir, cap.command);
          await c.run(1);
          assert.deepStrictEqual(
            ours,
            { rc: cap.rc, stdout: cap.stdout, stderr: cap.stderr },
          );
        },
      });
    }
  } finally {
    await c.stop();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("osd pool ls detail and osd tree have Ceph's layout: pools without blank lines between, OSDs in item order", async () => {
  const c = await oracleLayout();
  try {
    const real = referenceCli("oracle/pool_ls_detail.txt").stdout;
    const ours = (await c.command({ prefix: "osd pool ls", detail: "detail" })).outb;
    // One line per pool, then one empty line.
    assert.match(real, /^(pool \d+ '[^']*' [^\n]+\n)+\n$/);
    assert.match(ours, /^(pool \d+ '[^']*' [^\n]+\n)+\n$/);
    // A pool without an application prints none.
    const rbd = ours.split("\n").find((l) => l.includes("'rbd'"))!;
    assert.ok(
      !/application/.test(referenceCli("oracle/pool_ls_detail.txt").stdout.split("\n")[1]!),
    );
    assert.match(
      rbd,
      /^pool 2 'rbd' replicated size 3 min_size 2 crush_rule 0 object_hash rjenkins pg_num 64 pgp_num 64 /,
    );

    const tree = (await c.command({ prefix: "osd tree" })).outb;
    const ids = (text: string) =>
      text.split("\n").slice(1).filter(Boolean).map((l) => Number(l.trim().split(/\s+/)[0]));
    assert.deepEqual(ids(referenceCli("oracle/osd_tree.txt").stdout), [-1, -2, 0, 1, 2]);
    assert.deepEqual(ids(tree), [-1, -2, 0, 1, 2]);
  } finally {
    await c.stop();
  }
});

Deno.test("osd tree: JSON keys in the mon's order, and a states filter keeps only matching OSDs and their buckets", async () => {
  const c = await oracleLayout();
  try {
    // Captured with osd.1 out; the simulated host is host1 where the real one was vm.
    assert.equal((await c.command({ prefix: "osd out", ids: ["1"] })).r, 0);
    const host = (text: string) => text.replaceAll("host1", "vm");
    const real = referenceCli("oracle/osd_tree_json.txt").stdout.replace(/^\n/, "");
    const ours = (await c.command({ prefix: "osd tree", format: "json" })).outb;
    assert.equal(host(ours), real);
    const cells = (text: string) => text.trim().split("\n").map((l) => l.trim().split(/\s+/));
    const out = (await c.command({ prefix: "osd tree", states: ["out"] })).outb;
    assert.deepEqual(cells(host(out)), cells(referenceCli("oracle/osd_tree_out_state.txt").stdout));
  } finally {
    await c.stop();
  }
});

Deno.test("JSON outputs end as Ceph's do: PGMap flushes inside pg_ready, newline or not", async () => {
  const c = await oracleLayout();
  try {
    const cases: [string, Record<string, unknown>][] = [
      ["framing_pg_stat_json", { prefix: "pg stat", format: "json" }],
      ["framing_pg_stat_json_pretty", { prefix: "pg stat", format: "json-pretty" }],
      ["framing_osd_perf_json", { prefix: "osd perf", format: "json" }],
      ["framing_osd_df_json", { prefix: "osd df", format: "json" }],
      ["framing_osd_df_json_pretty", { prefix: "osd df", format: "json-pretty" }],
      ["framing_status_json", { prefix: "status", format: "json" }],
      ["framing_config_key_ls_json", { prefix: "config-key ls", format: "json" }],
      ["framing_pool_ls_detail_json", { prefix: "osd pool ls", detail: "detail", format: "json" }],
      ["framing_osd_dump_json", { prefix: "osd dump", format: "json" }],
    ];
    await c.command({ prefix: "config-key set", key: "k1", val: "v1" });
    for (const [name, cmd] of cases) {
      // The CLI prints one empty line before JSON; the daemon's text follows it.
      const real = referenceCli(`oracle/${name}.txt`).stdout.replace(/^\n/, "");
      const ours = (await c.command(cmd)).outb;
      // The OSDMap dumps' last keys differ from ours: compare only how the text closes there.
      const n = /pool_ls_detail|osd_dump/.test(name) ? 2 : 3;
      assert.equal(ours.slice(-n), real.slice(-n), `${name}: the last bytes`);
      assert.equal(ours.slice(0, 2), real.slice(0, 2), `${name}: the first bytes`);
    }
  } finally {
    await c.stop();
  }
});

Deno.test("PG tables end with Pacific's omap note and the pools in descending id order", async () => {
  const c = await oracleLayout();
  try {
    // Captured after the cases above, which left four more pools.
    for (const pool of ["a/b", "a b", "a@b", "."]) {
      assert.equal((await c.command({ prefix: "osd pool create", pool, pg_num: 8 })).r, 0);
    }
    await c.run(10);
    const real = referenceCli("oracle/pg_dump_pools.txt");
    const ours = await c.command({ prefix: "pg dump", dumpcontents: ["pools"] });
    const note = (text: string) => text.split("\n").slice(-3).join("\n");
    assert.equal(note(ours.outb), note(real.stdout));
    assert.equal(ours.outs + "\n", real.stderr);
    const ids = (text: string) =>
      text.split("\n").slice(1).filter((l) => /^\d/.test(l)).map((l) => parseInt(l));
    assert.deepEqual(ids(real.stdout), [6, 5, 4, 3, 2, 1]);
    assert.deepEqual(ids(ours.outb), [6, 5, 4, 3, 2, 1]);
  } finally {
    await c.stop();
  }
});

Deno.test("OSD and PG tell commands answer as the real OSDs did (librados osd_command/pg_command)", async () => {
  const c = await oracleLayout();
  try {
    const cluster = c.cluster!;
    const cases: [string, string, string, Record<string, unknown>][] = [
      ["tell_osd_missing", "osd", "99", { prefix: "perf dump" }],
      ["tell_osd_unknown_prefix", "osd", "0", { prefix: "nosuch" }],
      ["tell_osd_version", "osd", "0", { prefix: "version" }],
      ["tell_osd_version_json", "osd", "0", { prefix: "version", format: "json" }],
      ["tell_osd_perf_dump_unknown_logger", "osd", "0", { prefix: "perf dump", logger: "nosuch" }],
      ["tell_osd_perf_dump_unknown_counter", "osd", "0", {
        prefix: "perf dump",
        logger: "osd",
        counter: "nosuch",
      }],
      ["tell_pg_missing_pool", "pg", "99.0", { prefix: "query", pgid: "99.0" }],
      ["tell_pg_missing_pg", "pg", "2.ff", { prefix: "query", pgid: "2.ff" }],
      ["tell_pg_unknown_prefix", "pg", "2.0", { prefix: "nosuch", pgid: "2.0" }],
    ];
    for (const [name, type, id, cmd] of cases) {
      const real = referenceCli(`oracle/${name}.txt`);
      const r = osdTellCommand(cluster, type, id, cmd);
      assert.deepStrictEqual(
        { rc: Math.abs(r.r), stdout: r.outb, stderr: r.outs },
        { rc: real.rc, stdout: real.stdout, stderr: real.stderr },
        name,
      );
    }
    // Times are seconds with nine decimals, as perf_counters.cc prints them.
    const shape =
      /^\{"osd":\{"op_latency":\{"avgcount":\d+,"sum":\d+\.\d{9},"avgtime":\d+\.\d{9}\}\}\}$/;
    assert.match(referenceCli("oracle/tell_osd_perf_dump_op_latency_json.txt").stdout, shape);
    const ours = osdTellCommand(cluster, "osd", "0", {
      prefix: "perf dump",
      logger: "osd",
      counter: "op_latency",
      format: "json",
    });
    assert.match(ours.outb, shape);
    assert.ok(referenceText("cli/oracle/tell_osd_version.txt").includes('"release": "pacific"'));
  } finally {
    await c.stop();
  }
});
