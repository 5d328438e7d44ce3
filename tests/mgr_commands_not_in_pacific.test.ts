/**
 * Commands the issue asked for that Ceph 16.2.15 does not have (`mgr set down`, `mgr self-test
 * perf-schema-test`): mgrd answers them as 16.2.15 does an unknown command, byte for byte
 * through `mgrd ceph` (tests/ceph-reference/cli/behaviour/mgr_set_down, mgr_module_respawn/10),
 * with selftest's commands among the closest matches whether selftest is enabled or not.
 */
import assert from "node:assert/strict";
import { BUILTIN_MODULES } from "../modules/mod.ts";
import { startTestCluster } from "mgr_module/testing";
import { oracleCli } from "./_oracle_cli.ts";

Deno.test("mgr set down and mgr self-test perf-schema-test answer as 16.2.15: no valid command found", async (t) => {
  const c = await startTestCluster({
    builtins: BUILTIN_MODULES,
    cluster: { hosts: 1, osdsPerHost: 3, failureDomain: "osd", pools: [{ name: "rbd", pgNum: 8 }] },
  });
  const cli = oracleCli(c);
  const replay = cli.replay;
  try {
    await c.run(5);
    await t.step("selftest disabled", async () => {
      await replay("behaviour/mgr_set_down/01_mgr_set_down_true.txt");
      await replay("behaviour/mgr_set_down/02_mgr_set_down_false.txt");
    });
    await t.step("selftest enabled", async () => {
      assert.equal((await c.command({ prefix: "mgr module enable", module: "selftest" })).r, 0);
      await replay("behaviour/mgr_module_respawn/10_mgr_self_test_perf_schema_test.txt");
      await replay("behaviour/mgr_set_down/01_mgr_set_down_true.txt");
    });
  } finally {
    await c.stop();
    cli.close();
  }
});
