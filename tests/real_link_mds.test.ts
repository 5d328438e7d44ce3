/**
 * The perf counters of a real cluster's MDSs (through libcephfs' ceph_mds_command) and of its
 * real ceph-mgr (a tell command, rados_mgr_command_target) in the manager's counter store,
 * against a development cluster with a file system (tools/dev-cluster.sh --mds 2): the schema
 * a module sees is the daemons' own `perf schema` (the counters a daemon reports to its
 * manager), and the link runs on without libcephfs.
 */
import assert from "node:assert/strict";
import { Manager } from "../core/manager.ts";
import { MGR_STATS_THRESHOLD } from "../link/perf_poller.ts";
import { RealCluster, upMdsNames } from "../link/real_cluster.ts";
import { connectCephFs } from "../rados/libcephfs.ts";
import { ceph, MAIN, until, withExporter } from "./_daemon.ts";
import { referenceGet } from "./_reference.ts";
import { withRealManager } from "./_real_manager.ts";
import { devClusterWithMds, mdsCluster, radosFailure } from "./_dev_cluster.ts";

type SchemaJson = Record<string, Record<string, { type: number; priority: number }>>;

/** A manager `id` on the MDS cluster, counters every second; `log` gets the link's lines. */
async function withManager(
  id: string,
  fn: (m: Manager, cluster: RealCluster) => Promise<void>,
  o: { libcephfs?: string; log?: (line: string) => void } = {},
) {
  const dev = await devClusterWithMds();
  await withRealManager(dev, {
    id,
    cluster: {
      pollSeconds: 0.5,
      statsSeconds: 1,
      perfSeconds: 1,
      openMds: () =>
        connectCephFs({
          confFile: dev.conf,
          keyring: dev.keyring,
          conf: { admin_socket: "" },
          libraryPath: o.libcephfs,
        }),
      log: o.log,
    },
  }, fn);
}

/** The real `ceph` CLI on the MDS cluster (an oracle independent of mgrd's bindings). */
async function realCeph(...words: string[]): Promise<unknown> {
  const dev = await devClusterWithMds();
  const out = await new Deno.Command("ceph", {
    args: ["-c", dev.conf, "-k", dev.keyring!, ...words, "-f", "json"],
    stdout: "piped",
    stderr: "piped",
    env: { CEPH_ARGS: "" },
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.ok(out.success, `ceph ${words.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  return JSON.parse(text);
}

/** `{path: type}` of the counters a daemon reports to its manager (priority >= threshold). */
function reported(schema: SchemaJson): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [section, counters] of Object.entries(schema)) {
    for (const [name, c] of Object.entries(counters)) {
      if (c.priority >= MGR_STATS_THRESHOLD) out[`${section}.${name}`] = c.type;
    }
  }
  return out;
}

function typesOf(schema: Record<string, { type: number }> | undefined): Record<string, number> {
  return Object.fromEntries(Object.entries(schema ?? {}).map(([k, v]) => [k, v.type]));
}

/** The up MDSs of the cluster's FSMap, the active one first. */
async function mdsNames(): Promise<{ active: string; all: string[] }> {
  const map = await realCeph("fs", "dump") as {
    filesystems: { mdsmap: { info: Record<string, { name: string; state: string }> } }[];
  };
  const active =
    Object.values(map.filesystems[0]!.mdsmap.info).find((i) => i.state === "up:active")!.name;
  return { active, all: upMdsNames(map) };
}

Deno.test({
  name: "the real MDSs' perf counters reach a module with the schema of their own perf schema",
  ...mdsCluster,
  fn: async () => {
    const { active, all } = await mdsNames();
    assert.equal(all.length, 2, "one active MDS, one standby");
    await withManager("mgrd1", async (m) => {
      await until(
        "every MDS in the counter store",
        () => Promise.resolve(all.every((n) => m.perf.has(`mds.${n}`))),
        30,
      );
      for (const name of all) {
        const real = reported(
          await realCeph("tell", `mds.${name}`, "perf", "schema") as SchemaJson,
        );
        const ours = typesOf(m.perf.get_perf_schema("mds", name)[`mds.${name}`]);
        assert.deepEqual(ours, real, `mds.${name}: the counters and types of its perf schema`);
      }
      const ours = m.perf.get_perf_schema("mds", active)[`mds.${active}`]!;
      // The counters of an active MDS, as the real manager holds them.
      assert.equal(ours["mds_server.handle_client_request"]?.type, 10);
      assert.equal(ours["mds.inodes"]?.type, 2);
      assert.ok(!ours["mds.traverse"], "priority 0, under mgr_stats_threshold: not reported");
      assert.deepEqual(m.perf.get_counter("mds", active, "mds.traverse"), { "mds.traverse": [] });
      // The values are the MDS's own: what its perf dump says once a period has passed
      // (gauges move on the MDS's tick, so the two are read until they agree).
      await until(`mds.${active}'s values as its perf dump`, async () => {
        const dump = await realCeph("tell", `mds.${active}`, "perf", "dump") as Record<
          string,
          Record<string, number>
        >;
        const latest = (path: string) => m.perf.get_latest("mds", active, path);
        return latest("mds.inodes") === dump.mds!.inodes &&
          latest("mds.dir_commit") === dump.mds!.dir_commit &&
          latest("mds_server.handle_client_request") ===
            dump.mds_server!.handle_client_request;
      }, 30);
      // Creating the file system committed directories: a value no zero-filled row would have.
      assert.ok(m.perf.get_latest("mds", active, "mds.dir_commit") > 0);
      // get_all_perf_counters() lists MDSs (Ceph's default services) at priority >= 5.
      const all_ = m.perf.get_all_perf_counters() as Record<string, Record<string, unknown>>;
      assert.ok(all_[`mds.${active}`]?.["mds_server.handle_client_request"]);
    });
  },
});

Deno.test({
  name: "the real ceph-mgr's own perf counters are mgr.<its name>, beside mgrd's manager's own",
  ...mdsCluster,
  fn: async () => {
    await withManager("mgrd1", async (m) => {
      await until("mgr.x in the counter store", () => Promise.resolve(m.perf.has("mgr.x")), 30);
      await until("mgrd1's own counters", () => Promise.resolve(m.perf.has("mgr.mgrd1")), 30);
      // The real ceph-mgr's sections move as its modules start: compared until they agree.
      let real: Record<string, number> = {}, ours: Record<string, number> = {};
      await until("mgr.x's schema as its perf schema", async () => {
        real = reported(await realCeph("tell", "mgr.x", "perf", "schema") as SchemaJson);
        ours = typesOf(m.perf.get_perf_schema("mgr", "x")["mgr.x"]);
        return JSON.stringify(Object.keys(real).sort()) ===
          JSON.stringify(Object.keys(ours).sort());
      }, 20);
      assert.deepEqual(ours, real);
      // As the real ceph-mgr's own get_perf_schema('mgr', its name) (captured): its cache and
      // objecter counters, types and all (objecter instances are named by address).
      const captured = referenceGet("perf12/get_perf_schema_mgr_self.json").value as Record<
        string,
        Record<string, { type: number }>
      >;
      const shape = (t: Record<string, number>) =>
        Object.fromEntries(
          Object.entries(t).map(([k, v]) => [k.replace(/-0x[0-9a-f]+\./, "-ADDR."), v]),
        );
      assert.deepEqual(shape(ours), shape(typesOf(captured["mgr.x"])));
      // mgrd's own manager keeps its own schema (core/own_perf_counters.ts), not the real one's.
      const own = m.perf.get_perf_schema("mgr", "mgrd1")["mgr.mgrd1"]!;
      const mine = m.ownPerf.report(MGR_STATS_THRESHOLD).schema.map((c) => c.path).sort();
      assert.deepEqual(Object.keys(own).sort(), mine);
      // As Ceph's get_all_perf_counters(): mgr is not among its default services.
      const all = m.perf.get_all_perf_counters() as Record<string, unknown>;
      assert.ok(!("mgr.x" in all) && !("mgr.mgrd1" in all));
    });
  },
});

Deno.test({
  name: "a mgrd manager named as the real ceph-mgr keeps its own mgr.<id> counters (said once)",
  ...mdsCluster,
  fn: async () => {
    const lines: string[] = [];
    await withManager("x", async (m) => {
      const mine = m.ownPerf.report(MGR_STATS_THRESHOLD).schema.map((c) => c.path).sort();
      await until("mgr.x's own counters", () => Promise.resolve(m.perf.has("mgr.x")), 30);
      await until(
        "the link said it skips the real mgr.x",
        () => Promise.resolve(lines.some((l) => l.includes("has the name of a mgrd manager"))),
        20,
      );
      // Two more rounds: the real ceph-mgr's counters never replace the manager's own.
      const seq = m.perf.get_counter("mgr", "x", mine[0]!)[mine[0]!]!.length;
      await until(
        "two more own reports",
        () =>
          Promise.resolve(m.perf.get_counter("mgr", "x", mine[0]!)[mine[0]!]!.length >= seq + 2),
        20,
      );
      assert.deepEqual(Object.keys(m.perf.get_perf_schema("mgr", "x")["mgr.x"]!).sort(), mine);
      assert.equal(lines.filter((l) => l.includes("has the name of a mgrd manager")).length, 1);
    }, { log: (line) => lines.push(line) });
  },
});

Deno.test({
  name: "the prometheus exporter on the real cluster has the ceph_mds_* families of the real MDS",
  ...mdsCluster,
  fn: async () => {
    const { active } = await mdsNames();
    await withManager("mgrd1", async (m) => {
      await withExporter(m, async (uri) => {
        let text = "";
        const daemon = `ceph_daemon="mds.${active}"`;
        await until(`mds.${active}'s counters on the page`, async () => {
          text = await (await fetch(`${uri}metrics`)).text();
          return text.includes(`ceph_mds_server_handle_client_request{${daemon}}`);
        }, 30);
        assert.match(text, /^# TYPE ceph_mds_server_handle_client_request counter$/m);
        assert.match(text, new RegExp(`^ceph_mds_request\\{${daemon}\\} \\d`, "m"));
        assert.match(text, new RegExp(`^ceph_mds_reply_latency_count\\{${daemon}\\} \\d`, "m"));
        // The real ceph-mgr's counters are not among the exporter's services (Ceph's
        // get_all_perf_counters() default): its metadata is, its counters are not.
        assert.ok(m.perf.has("mgr.x"));
        assert.ok(!/^ceph_(objecter|mgr_cache|finisher)\w*\{ceph_daemon="mgr\./m.test(text));
        const mgrFamilies = text.split("\n").filter((l) => /ceph_daemon="mgr\./.test(l))
          .map((l) => l.split("{")[0]);
        assert.deepEqual([...new Set(mgrFamilies)].sort(), [
          "ceph_mgr_metadata",
          "ceph_mgr_status",
        ]);
      });
    });
  },
});

Deno.test({
  name: "without libcephfs the link runs on without MDS counters and says so once",
  ...mdsCluster,
  fn: async () => {
    const lines: string[] = [];
    await withManager("mgrd1", async (m) => {
      await until(
        "osd.0's and mgr.x's counters",
        () => Promise.resolve(m.perf.has("osd.0") && m.perf.has("mgr.x")),
        30,
      );
      await until(
        "two more rounds",
        () => Promise.resolve(m.perf.get_counter("osd", "0", "osd.op_w")["osd.op_w"]!.length >= 3),
        20,
      );
      assert.ok(!m.perf.daemons().some((d) => d.startsWith("mds.")), "no MDS counters");
      assert.equal((await m.command({ prefix: "fs ls" })).r, 0, "the link answers");
    }, { libcephfs: "/nonexistent/libcephfs.so.2", log: (line) => lines.push(line) });
    const said = lines.filter((l) => l.includes("MDSs' perf counters are not read"));
    assert.equal(said.length, 1, lines.join("\n"));
    assert.match(said[0]!, /libcephfs\.so\.2 not found: install libcephfs2/);
  },
});

Deno.test({
  name: "mgrd serve --libcephfs with no such library: the daemon serves, one line on its stderr",
  ...mdsCluster,
  fn: async () => {
    const dev = await devClusterWithMds();
    const dataDir = await Deno.makeTempDir({ prefix: "mgrd-real-mds-" });
    const daemon = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        MAIN,
        "serve",
        "--data-dir",
        dataDir,
        "--port",
        "0",
        "--ceph-conf",
        dev.conf,
        "--keyring",
        dev.keyring!,
        "--libcephfs",
        "/nonexistent/libcephfs.so.2",
      ],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const stderr = daemon.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let err = "";
    const reading = (async () => {
      for (;;) {
        const { value, done } = await stderr.read();
        if (done) return;
        err += value;
      }
    })();
    try {
      await until(
        "the line about the MDSs",
        () => Promise.resolve(err.includes("MDSs' perf counters are not read")),
        40,
      );
      const status = await ceph(dataDir, "fs", "status");
      assert.equal(status.rc, 0, status.stderr);
      assert.match(status.stdout, /^cephfs - \d+ clients?$/m);
    } finally {
      daemon.kill("SIGTERM");
      await daemon.status;
      await reading;
      await Deno.remove(dataDir, { recursive: true });
    }
    assert.equal(err.split("MDSs' perf counters are not read").length - 1, 1, err);
    assert.match(err, /mgrd: the MDSs' perf counters are not read .*libcephfs\.so\.2 not found/);
  },
});

Deno.test({
  name: "an MDS command to a stopped MDS fails with ETIMEDOUT, and that MDS is not asked again " +
    "until the call returns",
  ...mdsCluster,
  fn: async () => {
    const dev = await devClusterWithMds();
    const { active, all } = await mdsNames();
    const standby = all.find((n) => n !== active)!;
    const pid = Number(await Deno.readTextFile(`${dev.dir}/run/mds.${standby}.pid`));
    await using fs = await connectCephFs({
      confFile: dev.conf,
      keyring: dev.keyring,
      conf: { admin_socket: "" },
      opTimeoutSeconds: 2,
    });
    const dump = { prefix: "perf dump", format: "json" };
    Deno.kill(pid, "SIGSTOP");
    try {
      // ceph_mds_command itself would wait for ever.
      const late = await radosFailure(fs.mdsCommand(standby, dump));
      assert.equal(late.code, "ETIMEDOUT");
      const again = await radosFailure(fs.mdsCommand(standby, dump));
      assert.equal(again.code, "ETIMEDOUT");
      assert.match(again.outs, /an earlier command to mds\.\w+ has not returned/);
      const answered = await fs.mdsCommand(active, dump);
      assert.ok("mds" in (answered.json() as object), "the active MDS still answers");
    } finally {
      Deno.kill(pid, "SIGCONT");
    }
    // Once the stuck call returned (the MDS runs again), the MDS is asked again.
    await until(`mds.${standby} answers again`, async () => {
      try {
        await fs.mdsCommand(standby, dump);
        return true;
      } catch {
        return false;
      }
    }, 30);
  },
});
