/**
 * `config show <daemon> [<opt>]` and `config show-with-defaults <daemon>` for the simulated OSDs
 * and mons, as a real 16.2.15 cluster printed them (tests/ceph-reference/cli/commands/
 * config_show_*, fidelity12/config_show_*). The real daemons read a ceph.conf, whose rows
 * (source `file`) the simulated ones, which have none, cannot have: those rows are left out of
 * the comparison; everything else (their compiled-in defaults, the override, the mon's values
 * and what they override) is compared value for value.
 */
import assert from "node:assert/strict";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import { referenceCli } from "./_reference.ts";
import { dataDir, runCeph } from "./_oracle_cli.ts";

type ConfigRow = { name: string; value: string; source: string; overrides?: unknown[] };

async function cluster(): Promise<TestCluster> {
  const cl = await startTestCluster({
    cluster: {
      hosts: 1,
      osdsPerHost: 3,
      failureDomain: "osd",
      mons: { count: 1 },
      mgrs: ["x"],
      mds: ["a"],
      pools: [{ name: "rbd", pgNum: 16, size: 3, application: "rbd" }],
    },
  });
  await cl.run(10);
  return cl;
}

function jsonRows(text: string): ConfigRow[] {
  return JSON.parse(text) as ConfigRow[];
}

/** The capture's rows without those its ceph.conf set. */
function withoutFile(rows: ConfigRow[]): ConfigRow[] {
  return rows.filter((r) => r.source !== "file");
}

/** A text table's rows as their cells (two or more spaces apart), without `file` rows. */
function tableRows(text: string): string[][] {
  return text.split("\n").filter((l) => l !== "").map((l) => l.trim().split(/\s{2,}/))
    .filter((cells) => !cells.includes("file"));
}

Deno.test("config show of an OSD and a mon: their defaults, the override and the mon's values, as Ceph prints them", async () => {
  const cl = await cluster();
  const dir = dataDir();
  const run = (line: string) => runCeph(cl, dir, line);
  try {
    for (const who of ["osd.0", "mon.a"]) {
      const real = referenceCli(`commands/config_show_${who}_json.txt`);
      const ours = await run(real.command);
      assert.equal(ours.rc, 0, ours.stderr);
      assert.deepEqual(jsonRows(ours.stdout), withoutFile(jsonRows(real.stdout)), real.command);
      const plain = referenceCli(`commands/config_show_${who}.txt`);
      assert.deepEqual(tableRows((await run(plain.command)).stdout), tableRows(plain.stdout));
    }
    // Values the mon sets, and one that overrides a mon daemon's compiled-in default.
    for (
      const line of [
        "config set osd osd_max_backfills 3",
        "config set osd.0 osd_recovery_sleep 0.5",
        "config set mon leveldb_cache_size 1000",
      ]
    ) assert.equal((await run(line)).rc, 0, line);
    await cl.run(1);
    for (const who of ["osd.0", "mon.a"]) {
      const real = referenceCli(`commands/fidelity12/config_show_${who}_after_set_json.txt`);
      assert.deepEqual(
        jsonRows((await run(real.command)).stdout),
        withoutFile(jsonRows(real.stdout)),
        real.command,
      );
      const plain = referenceCli(`commands/fidelity12/config_show_${who}_after_set.txt`);
      assert.deepEqual(tableRows((await run(plain.command)).stdout), tableRows(plain.stdout));
    }
    const one = referenceCli(
      "commands/fidelity12/config_show_osd.0_osd_max_backfills_after_set.txt",
    );
    assert.deepEqual(await run(one.command), { rc: one.rc, stdout: one.stdout, stderr: "" });
    // Every option the daemon has, each with its value and source.
    const real = referenceCli(
      "commands/fidelity12/config_show_with_defaults_osd.0_after_set_json.txt",
    );
    const ours = jsonRows((await run(real.command)).stdout);
    const realRows = jsonRows(real.stdout);
    assert.deepEqual(ours.map((r) => r.name), realRows.map((r) => r.name), "the same options");
    const byName = new Map(ours.map((r) => [r.name, r]));
    for (const r of realRows.filter((x) => x.source !== "file")) {
      assert.deepEqual(byName.get(r.name), r, r.name);
    }
    const mon = referenceCli("commands/fidelity12/config_show_with_defaults_mon.a_json.txt");
    const monRows = new Map(jsonRows((await run(mon.command)).stdout).map((r) => [r.name, r]));
    for (const r of withoutFile(jsonRows(mon.stdout))) {
      assert.deepEqual(monRows.get(r.name), r, r.name);
    }
  } finally {
    await cl.stop();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("config show answers one option, the fsid, and refuses what Ceph refuses", async () => {
  const cl = await cluster();
  const dir = dataDir();
  try {
    for (
      const file of [
        "config_show_osd.0_osd_max_backfills",
        "config_show_osd.0_osd_max_backfills_json",
        "config_show_osd.0_missing_option",
        "config_show_osd.0_missing_option_json",
        "config_show_missing_daemon",
        "config_show_missing_daemon_json",
        "config_show_bad_name",
        "config_show_mon.a_mon_allow_pool_delete",
        "fidelity12/config_show_osd.0_keyring",
      ]
    ) {
      const cap = referenceCli(`commands/${file}.txt`);
      const ours = await runCeph(cl, dir, cap.command);
      // The real mon's ceph.conf allowed pool deletion; the simulated one has Ceph's default.
      const stdout = file.endsWith("mon_allow_pool_delete") ? "false\n" : cap.stdout;
      assert.deepEqual(ours, { rc: cap.rc, stdout, stderr: cap.stderr }, file);
    }
    const fsid = await runCeph(cl, dir, "config show osd.0 fsid");
    assert.deepEqual(fsid, { rc: 0, stdout: `${cl.cluster!.map.fsid}\n`, stderr: "" });
  } finally {
    await cl.stop();
    Deno.removeSync(dir, { recursive: true });
  }
});
