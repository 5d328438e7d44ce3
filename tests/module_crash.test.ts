/**
 * The crash module answers as Ceph 16.2's did in the `crash_post` scenario of
 * tools/capture-oracle.sh (tests/ceph-reference/cli/behaviour/crash_post/): a crash posted,
 * listed, shown (with the same `stack_sig`), counted, raised as RECENT_CRASH, archived and
 * removed, through `mgrd ceph`, step by step.
 */
import assert from "node:assert/strict";
import { startTestCluster } from "mgr_module/testing";
import * as crash from "../modules/crash/module.ts";
import { referenceCli } from "./_reference.ts";
import { dataDir, runCeph } from "./_oracle_cli.ts";

const STAMP = "2026-12-02T21:28:43.273678Z";
const ID = `${STAMP}_1c8f5c6a-3d9f-4b8e-9f1a-0e2d7c4b5a61`;

/** The report the capture script posted (its crash.json). */
const REPORT = {
  crash_id: ID,
  timestamp: STAMP,
  process_name: "ceph-osd",
  entity_name: "osd.2",
  ceph_version: "16.2.15",
  utsname_hostname: "vm",
  utsname_sysname: "Linux",
  utsname_release: "6.1.0-18-amd64",
  utsname_version: "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1",
  utsname_machine: "x86_64",
  os_name: "Debian GNU/Linux",
  os_id: "debian",
  os_version_id: "12",
  os_version: "12 (bookworm)",
  assert_condition: "abort",
  assert_func: "void OSD::handle_osd_map(MOSDMap*)",
  assert_file: "./src/osd/OSD.cc",
  assert_line: 8129,
  assert_msg:
    `./src/osd/OSD.cc: In function 'void OSD::handle_osd_map(MOSDMap*)' thread 7f0a1b2c3700 time ${STAMP}\n./src/osd/OSD.cc: 8129: ceph_abort_msg("abort")\n`,
  backtrace: [
    "/lib/x86_64-linux-gnu/libc.so.6(+0x3c050) [0x7f0000000050]",
    "/lib/x86_64-linux-gnu/libc.so.6(+0x8ae2c) [0x7f000000ae2c]",
    "raise()",
    "abort()",
    "(ceph::__ceph_abort(char const*, int, char const*, std::string const&)+0x18a) [0x55d000000000]",
    "(OSD::handle_osd_map(MOSDMap*)+0x1c2) [0x55d000001000]",
  ],
};

Deno.test("crash post/ls/info/stat/archive/rm and RECENT_CRASH answer as Ceph 16.2's crash module did", async () => {
  const c = await startTestCluster({ builtins: { crash }, alwaysOn: ["crash"] });
  const dir = dataDir();
  try {
    await c.run(5);
    Deno.writeTextFileSync(`${dir}/crash.json`, JSON.stringify(REPORT));
    Deno.writeTextFileSync(
      `${dir}/crash_bad_assert_msg.json`,
      JSON.stringify({ ...REPORT, assert_msg: "abort" }),
    );
    Deno.writeTextFileSync(`${dir}/empty`, "");
    const step = async (name: string, inFile?: string, exact = true) => {
      const cap = referenceCli(`behaviour/crash_post/${name}.txt`);
      let line = cap.command;
      if (inFile) line = line.replace(/-i \S+/, `-i ${dir}/${inFile}`);
      const ours = await runCeph(c, dir, line);
      await c.run(1);
      const { command: _, ...want } = cap;
      if (exact) assert.deepStrictEqual(ours, want, name);
      else assert.equal(ours.rc, cap.rc, name);
    };
    // Ceph's module raises on an assert message it cannot parse (a Python traceback).
    await step("01_crash_post_bad_assert_msg", "crash_bad_assert_msg.json", false);
    await step("02_crash_post", "crash.json");
    await step("03_crash_post_again", "empty");
    await step("04_crash_ls");
    await step("05_crash_ls_json");
    await step("06_crash_ls_new");
    await step("07_crash_info");
    await step("08_crash_stat");
    await c.run(10);
    await step("09_health_detail");
    await step("12_crash_archive");
    await c.run(10);
    // Archived crashes no longer warn (the real mgr had not yet sent its next report).
    assert.equal((await runCeph(c, dir, "ceph health")).stdout, "HEALTH_OK\n");
    await step("14_crash_ls_new_after_archive");
    await step("15_crash_rm");
    await step("16_crash_ls_after_rm");
    await step("17_crash_info_after_rm");
  } finally {
    await c.stop();
    Deno.removeSync(dir, { recursive: true });
  }
});
