/**
 * `insights` and `insights prune-health` on the command line, replayed against the answers of a
 * real ceph-mgr 16.2.15 with the insights module (tests/ceph-reference/cli/insights/).
 */
import assert from "node:assert/strict";
import { startTestCluster } from "mgr_module/testing";
import { BUILTIN_MODULES } from "../modules/mod.ts";
import { referenceCli } from "./_reference.ts";
import { dataDir, oracleCli, runCeph } from "./_oracle_cli.ts";

Deno.test("insights CLI: argument errors and a negative prune answer as on Ceph 16.2.15", async () => {
  const c = await startTestCluster({
    builtins: BUILTIN_MODULES,
    initialModules: ["crash", "insights", "selftest"],
    cluster: { hosts: 1, osdsPerHost: 3, pools: [{ name: "rbd", pgNum: 8, size: 1 }] },
  });
  const cli = oracleCli(c);
  const dir = dataDir();
  try {
    await c.run(10);
    await cli.replay("insights/insights_extra_arg.txt");
    await cli.replay("insights/prune_health_negative.txt");
    await cli.replay("insights/set_now_offset_bad.txt");

    // Pacific declares <hours> optional (its decorator's rendering of a handler without a
    // return annotation; README "Where we deliberately differ"), so its CLI skips the bad
    // word and then finds it unused; mgrd keeps it required and says what was wrong with it.
    const notInt = referenceCli("insights/prune_health_not_integer.txt");
    assert.match(notInt.stderr, /abc doesn't represent an int\n/);
    assert.deepEqual(await runCeph(c, dir, notInt.command), {
      rc: notInt.rc,
      stdout: notInt.stdout,
      stderr: "Invalid command: abc doesn't represent an int\n" +
        "insights prune-health <hours:int> :  Remove health history older than <hours> hours\n" +
        "Error EINVAL: invalid command\n",
    });

    // Pacific answers a missing <hours> with a Python traceback (EINVAL); mgrd with the usage.
    const missing = referenceCli("insights/prune_health_missing_arg.txt");
    const r = await runCeph(c, dir, missing.command);
    assert.equal(r.rc, missing.rc);
    assert.match(missing.stderr, /^Error EINVAL: Traceback/);
    assert.match(
      r.stderr,
      /insights prune-health <hours:int> : {2}Remove health history older than <hours> hours/,
    );
    assert.match(r.stderr, /Error EINVAL: invalid command\n$/);

    // The report on stdout, then a newline, as the real CLI printed it.
    const report = await runCeph(c, dir, "ceph insights");
    assert.equal(report.rc, 0, report.stderr);
    assert.ok(report.stdout.startsWith('{\n  "version": {\n    "full": "ceph version 16.2.15'));
    assert.ok(report.stdout.endsWith('\n  "errors": []\n}\n'), report.stdout.slice(-80));
  } finally {
    cli.close();
    Deno.removeSync(dir, { recursive: true });
    await c.stop();
  }
});
