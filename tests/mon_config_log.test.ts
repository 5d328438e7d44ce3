/**
 * `config log` lists the config DB's versions as Ceph 16.2's ConfigMonitor does
 * (tests/ceph-reference/cli/behaviour/config_set_osd/18..24, cli/commands/config_log*): newest
 * first, `- old` and `+ new` per changed key, `num` of them, the empty version 1 last; and the
 * history survives a restart of the mon.
 */
import assert from "node:assert/strict";
import { EmbeddedMon } from "../sim/mon/mon.ts";
import { referenceCli } from "./_reference.ts";
import { shapeDiff } from "./sim_json_shape.ts";

Deno.test("config log: versions newest first with their changes, limited by num, kept across restarts", () => {
  const dir = Deno.makeTempDirSync({ prefix: "mgrd_config_log_" });
  const path = `${dir}/store.db`;
  let t = 1_796_246_910.356_7;
  const open = () => EmbeddedMon.open(path, { alwaysOnModules: [], now: () => t });
  try {
    let mon = open();
    // A fresh mon: only version 1, as on the real cluster.
    assert.equal(
      mon.handleCommand({ prefix: "config log" }).outb,
      referenceCli("commands/config_log.txt").stdout,
    );
    assert.equal(
      mon.handleCommand({ prefix: "config set", who: "mgr", name: "debug_mgr", value: "5/5" }).r,
      0,
    );
    t += 2;
    assert.equal(
      mon.handleCommand({ prefix: "config set", who: "mgr", name: "debug_mgr", value: "1/5" }).r,
      0,
    );
    // Setting the same value again, or removing what is not set, makes no version.
    assert.equal(
      mon.handleCommand({ prefix: "config set", who: "mgr", name: "debug_mgr", value: "1/5" }).r,
      0,
    );
    assert.equal(mon.handleCommand({ prefix: "config rm", who: "osd", name: "debug_mgr" }).r, 0);
    mon.close();
    mon = open();
    t += 1;
    assert.equal(mon.handleCommand({ prefix: "config rm", who: "mgr", name: "debug_mgr" }).r, 0);
    assert.equal(
      mon.handleCommand({ prefix: "config log" }).outb,
      "--- 4 --- 2026-12-02T21:28:33.356700+0000 ---\n" +
        "- mgr/debug_mgr = 1/5\n" +
        "--- 3 --- 2026-12-02T21:28:32.356700+0000 ---\n" +
        "- mgr/debug_mgr = 5/5\n" +
        "+ mgr/debug_mgr = 1/5\n" +
        "--- 2 --- 2026-12-02T21:28:30.356700+0000 ---\n" +
        "+ mgr/debug_mgr = 5/5\n" +
        "--- 1 --- 0.000000 ---\n",
    );
    const two = mon.handleCommand({ prefix: "config log", num: 2 }).outb;
    assert.deepEqual(two.split("\n").filter((l) => l.startsWith("---")).length, 2);
    // The JSON: key by key as the real cluster's after the same kinds of change.
    const ours = JSON.parse(mon.handleCommand({ prefix: "config log", format: "json" }).outb);
    const real = JSON.parse(
      referenceCli("behaviour/config_set_osd/19_config_log_json.txt").stdout,
    );
    assert.deepEqual(shapeDiff(ours, real), []);
    assert.deepEqual(ours[1].changes, [
      { name: "mgr/debug_mgr", previous_value: "5/5", new_value: "1/5" },
    ]);
    mon.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("config help of a module option: from the module's declaration, shaped as Ceph's", async () => {
  const { startTestCluster } = await import("mgr_module/testing");
  const hello = await import("../modules/hello/module.ts");
  const c = await startTestCluster({ builtins: { hello }, initialModules: ["hello"] });
  try {
    const json = JSON.parse(
      (await c.command({ prefix: "config help", key: "mgr/hello/foo", format: "json" })).outb,
    );
    const real = JSON.parse(
      referenceCli("commands/config_help_mgr_balancer_mode_json.txt").stdout,
    );
    assert.deepEqual(Object.keys(json), Object.keys(real));
    assert.deepEqual(json.enum_values, ["a", "b", "c"]);
    const text = (await c.command({ prefix: "config help", key: "mgr/hello/foo" })).outb;
    assert.equal(
      text,
      "mgr/hello/foo - \n  (str, advanced)\n  Default: a\n  Possible values:  a b c\n" +
        "  Can update at runtime: true\n",
    );
    // A module that does not run has no options to describe.
    assert.equal((await c.command({ prefix: "config help", key: "mgr/balancer/mode" })).r, -2);
  } finally {
    await c.stop();
  }
});

Deno.test("config set/get/dump/rm of an OSD option answer as in the config_set_osd scenario: the whole 16.2 option table, min without max enforced", async () => {
  const { startTestCluster } = await import("mgr_module/testing");
  const { dataDir, runCeph } = await import("./_oracle_cli.ts");
  const c = await startTestCluster({});
  const dir = dataDir();
  try {
    for (
      const step of [
        "01_config_set_osd",
        "02_config_get_osd.0",
        "06_config_dump",
        "07_config_set_not_a_number",
        "08_config_set_below_min",
        "09_config_set_negative",
        "10_config_set_unknown",
        "11_config_set_bad_who",
        "14_config_set_min_only_below",
        "21_config_rm",
        "22_config_rm_again",
      ]
    ) {
      const cap = referenceCli(`behaviour/config_set_osd/${step}.txt`);
      const ours = await runCeph(c, dir, cap.command);
      assert.deepStrictEqual(ours, { rc: cap.rc, stdout: cap.stdout, stderr: cap.stderr }, step);
    }
  } finally {
    await c.stop();
    Deno.removeSync(dir, { recursive: true });
  }
});
