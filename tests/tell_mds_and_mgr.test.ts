/**
 * `mgrd ceph tell mds.<name> ...`, `tell mgr ... mgr_status`, `config get` of a missing option
 * on every daemon type, and a module's `send_command` / `tell_command` to an MDS, answered as
 * a real 16.2.15 cluster did (tests/ceph-reference/cli/commands/tell_*,
 * cli/commands/fidelity12/, get/fidelity12/send_command_*: a probe module's `send_command`).
 */
import assert from "node:assert/strict";
import { CommandResult, MgrModule } from "mgr_module";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import { referenceCli, referenceText } from "./_reference.ts";
import { dataDir, runCeph } from "./_oracle_cli.ts";
import { shapeDiff } from "./sim_json_shape.ts";

class Probe extends MgrModule {}

async function fsCluster(mds: string[]): Promise<TestCluster> {
  const cl = await startTestCluster({
    builtins: { probe: { Probe } },
    initialModules: ["probe"],
    cluster: {
      hosts: 1,
      osdsPerHost: 3,
      failureDomain: "osd",
      mons: { count: 1 },
      mgrs: ["x"],
      mds,
      pools: [
        { name: "cephfs_metadata", pgNum: 16, size: 3, application: "cephfs" },
        { name: "cephfs_data", pgNum: 16, size: 2, minSize: 1, application: "cephfs" },
      ],
    },
  });
  await cl.run(30);
  return cl;
}

/**
 * The CLI's stderr without the messenger's log lines (`ms_handle_reset`, `resolve_mds`, the
 * FSMap it printed): what the command itself answered.
 */
function answer(stderr: string): string {
  return stderr.split("\n").filter((l) => !/^\d{4}-\d\d-\d\dT/.test(l) && l !== "").map((l) =>
    l + "\n"
  ).join("");
}

type Check = "exact" | "shape" | "subset";

/** Every logger and counter of `ours` is in `real`, with the same JSON shape. */
function subsetDiff(ours: Record<string, unknown>, real: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [logger, counters] of Object.entries(ours)) {
    const r = real[logger] as Record<string, unknown> | undefined;
    if (!r) {
      out.push(`${logger}: no such logger on the real daemon`);
      continue;
    }
    for (const [name, v] of Object.entries(counters as Record<string, unknown>)) {
      if (!(name in r)) out.push(`${logger}.${name}: not on the real daemon`);
      else out.push(...shapeDiff(v, r[name]).map((d) => `${logger}.${name}: ${d}`));
    }
  }
  return out;
}

async function replay(cl: TestCluster, dir: string, file: string, check: Check): Promise<void> {
  const cap = referenceCli(`commands/${file}.txt`);
  const ours = await runCeph(cl, dir, cap.command);
  assert.deepStrictEqual(
    { rc: ours.rc, stderr: ours.stderr },
    { rc: cap.rc, stderr: answer(cap.stderr) },
    `${cap.command}: ${ours.stdout.slice(0, 300)}`,
  );
  if (check === "exact") {
    assert.equal(ours.stdout, cap.stdout, cap.command);
    return;
  }
  const o = JSON.parse(ours.stdout), r = JSON.parse(cap.stdout);
  const diff = check === "shape" ? shapeDiff(o, r) : subsetDiff(o, r);
  assert.deepEqual(diff, [], `${cap.command}:\n${diff.join("\n")}`);
  if (check === "subset") assert.ok(Object.keys(o).length > 0, `${cap.command}: no loggers`);
  assert.equal(ours.stdout.slice(0, 2), cap.stdout.slice(0, 2), "framing");
  assert.equal(/\s*$/.exec(ours.stdout)![0], /\s*$/.exec(cap.stdout)![0], "framing");
}

Deno.test("tell mds.<name> answers version, status, perf, config get and ops as a real MDS", async () => {
  const cl = await fsCluster(["a"]);
  const dir = dataDir();
  try {
    for (
      const [file, check] of [
        ["tell_mds.a_version", "exact"],
        ["tell_mds.a_version_json", "exact"],
        ["tell_mds.a_status", "shape"],
        ["tell_mds.a_status_json", "shape"],
        ["tell_mds.a_dump_ops_in_flight", "exact"],
        ["tell_mds.a_dump_ops_in_flight_json", "exact"],
        ["tell_mds.a_config_get_mds_cache_memory_limit", "exact"],
        ["tell_mds.a_config_get_mds_cache_memory_limit_json", "exact"],
        ["tell_mds.a_perf_dump", "subset"],
        ["tell_mds.a_perf_dump_json", "subset"],
        ["tell_mds.a_perf_schema", "subset"],
        ["tell_mds.a_perf_schema_json", "subset"],
        ["fidelity12/tell_mds.a_perf_dump_mds_sessions", "shape"],
        ["fidelity12/tell_mds.a_perf_dump_mds_sessions_session_count_json", "shape"],
        ["fidelity12/tell_mds.a_perf_dump_nosuch_logger", "exact"],
        ["fidelity12/tell_mds.a_config_get_missing", "exact"],
        // mds.b is not in the FSMap: the CLI cannot resolve it.
        ["tell_mds_missing", "exact"],
      ] as [string, Check][]
    ) await replay(cl, dir, file, check);
    // The status of the rank holder counts from when it took the rank.
    const status = JSON.parse((await runCeph(cl, dir, "tell mds.a status -f json")).stdout);
    assert.equal(status.whoami, 0);
    assert.equal(status.fs_name, "cephfs");
    assert.equal(status.cluster_fsid, cl.cluster!.map.fsid);
    assert.ok(status.rank_uptime >= 30, `rank_uptime ${status.rank_uptime}`);
    // A command the MDS does not know: EINVAL with the closest matches, framed as ceph.in
    // prints them (the matches are of the commands mgrd's MDS has, not the real one's table).
    const nosuch = referenceCli("commands/fidelity12/tell_mds.a_nosuch.txt");
    const ours = await runCeph(cl, dir, nosuch.command);
    assert.equal(ours.rc, nosuch.rc);
    const frame = (t: string) =>
      answer(t).replace(/\d+ (closest matches:\n)[^]*(Error EINVAL)/, "N $1...\n$2");
    assert.equal(frame(ours.stderr), frame(nosuch.stderr));
  } finally {
    await cl.stop();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a standby MDS answers status without a rank and has no rank counters", async () => {
  const cl = await fsCluster(["a", "b"]);
  const dir = dataDir();
  try {
    await replay(cl, dir, "fidelity12/tell_mds.b_status_standby", "shape");
    await replay(cl, dir, "fidelity12/tell_mds.b_perf_dump_mds_sessions_standby", "exact");
    await replay(cl, dir, "fidelity12/mds_stat_with_standby", "exact");
    // By rank and by gid, as the CephFS client resolves a spec.
    const byRank = JSON.parse((await runCeph(cl, dir, "tell mds.cephfs:0 status -f json")).stdout);
    assert.equal(byRank.state, "up:active");
    const gid = cl.cluster!.fs.daemons[1]!.gid;
    const byGid = JSON.parse((await runCeph(cl, dir, `tell mds.${gid} status -f json`)).stdout);
    assert.equal(byGid.state, "up:standby");
  } finally {
    await cl.stop();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("tell mon answers its perf counters, tell mgr mgr_status, and every daemon refuses a missing option in Ceph's words", async () => {
  const cl = await fsCluster(["a"]);
  const dir = dataDir();
  try {
    for (
      const [file, check] of [
        ["tell_mon.a_perf_dump", "subset"],
        ["tell_mon.a_perf_dump_json", "subset"],
        ["tell_mon.a_perf_schema", "subset"],
        ["tell_mon.a_perf_schema_json", "subset"],
        ["tell_mgr.x_mgr_status", "shape"],
        ["tell_mgr.x_mgr_status_json", "shape"],
        ["fidelity12/tell_mgr_mgr_status", "shape"],
        ["fidelity12/tell_mgr_mgr_status_json", "shape"],
        ["fidelity12/tell_mgr.x_config_get_missing", "exact"],
        ["fidelity12/tell_mon.a_config_get_missing", "exact"],
        ["fidelity12/tell_osd.0_config_get_missing", "exact"],
      ] as [string, Check][]
    ) await replay(cl, dir, file, check);
    const status = JSON.parse((await runCeph(cl, dir, "tell mgr mgr_status -f json")).stdout);
    const mgrMap = JSON.parse((await runCeph(cl, dir, "mgr dump -f json")).stdout);
    assert.equal(status.mgrmap_epoch, mgrMap.epoch, "the MgrMap epoch the manager has");
  } finally {
    await cl.stop();
    Deno.removeSync(dir, { recursive: true });
  }
});

/** What the probe module's send_command gave on the real manager. */
function probed(name: string): Record<string, unknown> {
  return JSON.parse(referenceText(`get/fidelity12/send_command_${name}.json`));
}

async function send(
  m: MgrModule,
  type: string,
  id: string,
  cmd: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  try {
    const result = new CommandResult("");
    m.send_command(result, type, id, JSON.stringify(cmd), "");
    const [r, outb, outs] = await result.wait();
    return { ok: true, r, outb, outs };
  } catch (e) {
    return { ok: false, exc: (e as Error).message };
  }
}

Deno.test("a module's send_command and tell_command reach an MDS, and fail for what Ceph fails", async () => {
  const cl = await fsCluster(["a"]);
  try {
    const m = cl.manager.host.instance("probe") as Probe;
    for (
      const [name, type, id, cmd] of [
        ["mds_a_version", "mds", "a", { prefix: "version" }],
        ["mds_a_nosuch", "mds", "a", { prefix: "nosuch" }],
        ["mds_a_config_get_missing", "mds", "a", { prefix: "config get", var: "nosuch" }],
        ["mds_a_config_get", "mds", "a", { prefix: "config get", var: "mds_cache_memory_limit" }],
        ["mds_a_dump_ops_in_flight", "mds", "a", { prefix: "dump_ops_in_flight" }],
        ["mds_b_version", "mds", "b", { prefix: "version" }],
        ["mgr_x_version", "mgr", "x", { prefix: "version" }],
      ] as [string, string, string, Record<string, unknown>][]
    ) {
      const real = probed(name);
      const ours = await send(m, type, id, cmd);
      const { exc_type: _, ...want } = real;
      assert.deepStrictEqual(ours, want, name);
    }
    const real = probed("mds_a_status_json");
    const [r, outb] = await m.tell_command("mds", "a", { prefix: "status", format: "json" });
    assert.equal(r, 0);
    assert.deepEqual(shapeDiff(JSON.parse(outb), JSON.parse(String(real.outb))), []);
    const sessions = probed("mds_a_perf_dump_mds_json");
    const [, perf] = await m.tell_command("mds", "cephfs:0", {
      prefix: "perf dump",
      logger: "mds_sessions",
      format: "json",
    });
    assert.deepEqual(shapeDiff(JSON.parse(perf), JSON.parse(String(sessions.outb))), []);
    // Down, the daemon leaves the FSMap: the client cannot resolve it any more.
    cl.cluster!.setMds("a", false);
    await cl.run(1);
    await assert.rejects(
      () => m.tell_command("mds", "a", { prefix: "version" }),
      /failed to send command to mds: \(2\) No such file or directory/,
    );
  } finally {
    await cl.stop();
  }
});
