import assert from "node:assert/strict";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import { referenceGet } from "./_reference.ts";
import { shapeDiff } from "./sim_json_shape.ts";

const CLUSTER = {
  hosts: 3,
  osdsPerHost: 3,
  pools: [{ name: "rbd", pgNum: 32 }, { name: "cephfs_data", pgNum: 16 }],
};

async function withCluster(fn: (c: TestCluster) => Promise<void>): Promise<void> {
  const c = await startTestCluster({ cluster: CLUSTER });
  try {
    await c.run(30);
    await fn(c);
  } finally {
    await c.stop();
  }
}

const json = async (c: TestCluster, cmd: Record<string, unknown>) => {
  const r = await c.command({ ...cmd, format: "json" });
  assert.equal(r.r, 0, `${cmd.prefix}: ${r.outs}`);
  return JSON.parse(r.outb);
};

const header = (text: string) => text.split("\n")[0]!.trim().split(/\s{2,}/);

Deno.test("pg stat sums the PGs by state, plain and JSON", async () => {
  await withCluster(async (c) => {
    const plain = await c.command({ prefix: "pg stat" });
    assert.equal(plain.r, 0);
    // Client IO, when there is some, as print_oneline_summary adds it: `; 22 MiB/s rd, ...`.
    assert.match(
      plain.outb,
      /^48 pgs: 48 active\+clean; \S+ \S+ data, .+ used, .+ \/ .+ avail(; (\S+ \S+\/s rd, )?(\S+ \S+\/s wr, )?\S+ op\/s)?\n$/,
    );
    const s = await json(c, { prefix: "pg stat" });
    assert.equal(s.pg_ready, true);
    assert.equal(s.pg_summary.num_pgs, 48);
    assert.deepEqual(s.pg_summary.num_pg_by_state, [{ name: "active+clean", num: 48 }]);
    for (const k of ["num_bytes", "total_bytes", "total_avail_bytes", "total_used_raw_bytes"]) {
      assert.equal(typeof s.pg_summary[k], "number", k);
    }
  });
});

Deno.test("pg dump -f json is the PGMap as Ceph dumps it (shape of get_pg_dump.json)", async () => {
  await withCluster(async (c) => {
    const all = await json(c, { prefix: "pg dump" });
    assert.equal(all.pg_ready, true);
    assert.deepEqual(
      shapeDiff(all.pg_map, referenceGet("get_pg_dump.json").value),
      [],
    );
    const r = await c.command({ prefix: "pg dump", dumpcontents: ["pools", "osds"] });
    assert.equal(r.outs, "dumped osds,pools");
    const some = await json(c, { prefix: "pg dump", dumpcontents: ["pools", "osds", "delta"] });
    assert.deepEqual(Object.keys(some), ["pg_ready", "pool_stats", "osd_stats", "delta"]);
    assert.equal(some.pool_stats.length, 2);
    assert.equal(some.osd_stats.length, 9);
    const sum = await json(c, { prefix: "pg dump", dumpcontents: ["summary"] });
    assert.deepEqual(Object.keys(sum.pg_map), [
      "version",
      "stamp",
      "last_osdmap_epoch",
      "last_pg_scan",
      "pg_stats_sum",
      "osd_stats_sum",
      "pg_stats_delta",
    ]);
    const brief = await json(c, { prefix: "pg dump", dumpcontents: ["pgs_brief"] });
    assert.deepEqual(Object.keys(brief.pg_stats[0]), [
      "pgid",
      "state",
      "up",
      "acting",
      "up_primary",
      "acting_primary",
    ]);
  });
});

Deno.test("pg dump plain: Ceph's tables, in Ceph's order, with the omap note", async () => {
  await withCluster(async (c) => {
    const all = (await c.command({ prefix: "pg dump" })).outb;
    const lines = all.split("\n");
    assert.match(lines[0]!, /^version \d+$/);
    assert.match(lines[1]!, /^stamp \d{4}-\d\d-\d\dT/);
    assert.deepEqual(lines.slice(2, 4), ["last_osdmap_epoch 0", "last_pg_scan 0"]);
    assert.deepEqual(header(lines[4]!).slice(0, 4), [
      "PG_STAT",
      "OBJECTS",
      "MISSING_ON_PRIMARY",
      "DEGRADED",
    ]);
    assert.equal(lines.filter((l) => /^\d+\.[0-9a-f]+ /.test(l)).length, 48);
    assert.ok(lines.some((l) => l.startsWith("OSD_STAT  USED")));
    assert.ok(lines.some((l) => /^sum\s+\d+\s+0\s+0/.test(l)), "the PG sum row");
    assert.match(all, /\n\* NOTE: Omap statistics are gathered during deep scrub/);
    const brief = (await c.command({ prefix: "pg dump", dumpcontents: ["pgs_brief"] })).outb;
    assert.deepEqual(header(brief), [
      "PG_STAT",
      "STATE",
      "UP",
      "UP_PRIMARY",
      "ACTING",
      "ACTING_PRIMARY",
    ]);
    assert.match(brief.split("\n")[1]!, /^\d+\.[0-9a-f]+\s+active\+clean\s+\[\d+,\d+,\d+\]\s+\d+/);
    assert.doesNotMatch(brief, /NOTE/);
    // Right-aligned columns, two spaces apart, as Ceph's TextTable.
    const osds = (await c.command({ prefix: "pg dump", dumpcontents: ["osds"] })).outb.split("\n");
    assert.equal(osds[0]!.indexOf("  USED"), "OSD_STAT".length);
    assert.equal(osds[1]!.length, osds[0]!.length);
  });
});

Deno.test("pg ls filters by pool, OSD, primary and state", async () => {
  await withCluster(async (c) => {
    const all = await json(c, { prefix: "pg ls" });
    assert.equal(all.pg_stats.length, 48);
    const ids = all.pg_stats.map((p: { pgid: string }) => p.pgid);
    assert.deepEqual(ids.slice(0, 3), ["1.0", "1.1", "1.2"], "sorted as pg_t");
    const pool2 = await json(c, { prefix: "pg ls", pool: 2 });
    assert.equal(pool2.pg_stats.length, 16);
    const byPool = await json(c, { prefix: "pg ls-by-pool", poolstr: "rbd" });
    assert.equal(byPool.pg_stats.length, 32);
    const byOsd = await json(c, { prefix: "pg ls-by-osd", osd: 4 });
    assert.ok(byOsd.pg_stats.length > 0);
    for (const p of byOsd.pg_stats) assert.ok(p.acting.includes(4));
    const byPrimary = await json(c, { prefix: "pg ls-by-primary", osd: 4, pool: 1 });
    for (const p of byPrimary.pg_stats) {
      assert.equal(p.acting_primary, 4);
      assert.match(p.pgid, /^1\./);
    }
    assert.ok(byPrimary.pg_stats.length < byOsd.pg_stats.length);
    const clean = await json(c, { prefix: "pg ls", states: ["clean"] });
    assert.equal(clean.pg_stats.length, 48);
    const none = await json(c, { prefix: "pg ls", states: ["degraded"] });
    assert.deepEqual(none, { pg_ready: true });
    assert.equal((await c.command({ prefix: "pg ls", states: ["degraded"] })).outb, "");
    const plain = (await c.command({ prefix: "pg ls", pool: 1 })).outb;
    assert.deepEqual(header(plain), [
      "PG",
      "OBJECTS",
      "DEGRADED",
      "MISPLACED",
      "UNFOUND",
      "BYTES",
      "OMAP_BYTES*",
      "OMAP_KEYS*",
      "LOG",
      "STATE",
      "SINCE",
      "VERSION",
      "REPORTED",
      "UP",
      "ACTING",
      "SCRUB_STAMP",
      "DEEP_SCRUB_STAMP",
    ]);
    assert.match(
      plain.split("\n")[1]!,
      /^1\.0 .* active\+clean\s+\d+s\s+\d+'\d+\s+\d+:\d+\s+\[[\d,]+\]p\d+/,
    );
  });
});

Deno.test("a down OSD shows in pg ls undersized and pg dump_stuck", async () => {
  await withCluster(async (c) => {
    assert.equal((await c.command({ prefix: "pg dump_stuck" })).outb, "");
    c.cluster!.osdDown(0);
    await c.run(30);
    const undersized = await json(c, { prefix: "pg ls", states: ["undersized"] });
    assert.ok(undersized.pg_stats.length > 0);
    for (const p of undersized.pg_stats) {
      assert.match(p.state, /undersized/);
      assert.ok(!p.acting.includes(0));
    }
    // Not stuck yet: the default threshold (mon_pg_stuck_threshold) is 60 s.
    assert.deepEqual((await json(c, { prefix: "pg dump_stuck" })).stuck_pg_stats, []);
    const soon = await json(c, {
      prefix: "pg dump_stuck",
      stuckops: ["undersized"],
      threshold: 10,
    });
    assert.equal(soon.stuck_pg_stats.length, undersized.pg_stats.length);
    await c.run(60);
    const stuck = await c.command({ prefix: "pg dump_stuck", stuckops: ["unclean", "degraded"] });
    assert.equal(stuck.r, 0);
    assert.equal(stuck.outs, "ok");
    assert.deepEqual(header(stuck.outb), [
      "PG_STAT",
      "STATE",
      "UP",
      "UP_PRIMARY",
      "ACTING",
      "ACTING_PRIMARY",
    ]);
    assert.equal(stuck.outb.trim().split("\n").length - 1, undersized.pg_stats.length);
    assert.deepEqual(
      (await json(c, { prefix: "pg dump_stuck", stuckops: ["inactive", "stale"] })).stuck_pg_stats,
      [],
    );
    const byOsd = await c.command({ prefix: "pg ls-by-osd", osd: 0 });
    assert.deepEqual([byOsd.r, byOsd.outs], [-11, "osd 0 is not up"]);
    const stat = await c.command({ prefix: "pg stat" });
    assert.match(stat.outb, /^48 pgs: \d+ active\+clean, \d+ active\+undersized\+degraded;/);
  });
});

Deno.test("pg commands answer with Ceph's errors and return codes", async () => {
  await withCluster(async (c) => {
    const cases: [Record<string, unknown>, number, string | RegExp][] = [
      [{ prefix: "pg ls-by-pool", poolstr: "nope" }, -2, "pool nope does not exist"],
      [{ prefix: "pg ls", pool: 9 }, -2, "pool 9 does not exist"],
      [
        { prefix: "pg ls", states: ["bogus"] },
        -22,
        /^'bogus' is not a valid pg state, available choices: stale\+creating\+active/,
      ],
      [{ prefix: "osd pool stats", pool_name: "nope" }, -2, "unrecognized pool 'nope'"],
      [{ prefix: "device info", devid: "nope" }, -2, "device nope not found"],
      [
        { prefix: "osd df", filter_by: "name", filter: "nope" },
        -22,
        "'nope' not a pool, crush node or device class name",
      ],
      [{ prefix: "pg dump", dumpcontents: ["everything"] }, -22, /^Invalid command/],
      [{ prefix: "pg dump_stuck", stuckops: ["sad"] }, -22, /^Invalid command/],
    ];
    for (const [cmd, r, outs] of cases) {
      const res = await c.command(cmd);
      assert.equal(res.r, r, JSON.stringify(cmd));
      if (typeof outs === "string") assert.equal(res.outs, outs);
      else assert.match(res.outs, outs);
    }
  });
});

Deno.test("osd df: plain, tree and JSON from the OSD stats and the CRUSH tree", async () => {
  await withCluster(async (c) => {
    const plain = (await c.command({ prefix: "osd df" })).outb;
    const lines = plain.trimEnd().split("\n");
    assert.deepEqual(header(plain), [
      "ID",
      "CLASS",
      "WEIGHT",
      "REWEIGHT",
      "SIZE",
      "RAW USE",
      "DATA",
      "OMAP",
      "META",
      "AVAIL",
      "%USE",
      "VAR",
      "PGS",
      "STATUS",
    ]);
    assert.equal(lines.length, 1 + 9 + 2);
    assert.match(lines[1]!, /^ 0\s+hdd\s+1\.00000\s+1\.00000\s+1 TiB\s+.+\s+up$/);
    assert.match(lines[10]!, /^\s+TOTAL\s+9 TiB\s/);
    assert.match(lines[11]!, /^MIN\/MAX VAR: \d\.\d\d\/\d\.\d\d {2}STDDEV: \d\.\d\d$/);
    const tree = (await c.command({ prefix: "osd df", output_method: "tree" })).outb.split("\n");
    assert.match(tree[0]!, /STATUS {2}TYPE NAME\s*$/);
    assert.match(tree[1]!, /^-1\s+9\.00000\s+-\s+9 TiB .* root default\s*$/);
    assert.match(tree[2]!, /^-\d\s+3\.00000\s+-\s+3 TiB .* {4}host host\d\s*$/);
    assert.match(tree[3]!, / {8}osd\.\d\s*$/);
    const df = await json(c, { prefix: "osd df" });
    assert.deepEqual(Object.keys(df), ["nodes", "stray", "summary"]);
    assert.equal(df.nodes.length, 9);
    assert.deepEqual(Object.keys(df.nodes[0]), [
      "id",
      "device_class",
      "name",
      "type",
      "type_id",
      "crush_weight",
      "depth",
      "reweight",
      "kb",
      "kb_used",
      "kb_used_data",
      "kb_used_omap",
      "kb_used_meta",
      "kb_avail",
      "utilization",
      "var",
      "pgs",
      "status",
    ]);
    const total = df.nodes.reduce((n: number, o: { pgs: number }) => n + o.pgs, 0);
    assert.equal(total, 48 * 3, "every replica counted once");
    assert.equal(df.summary.total_kb, 9 * 1024 ** 3);
    const host = await json(c, { prefix: "osd df", filter_by: "name", filter: "host2" });
    assert.deepEqual(host.nodes.map((n: { id: number }) => n.id), [3, 4, 5]);
    const treeJson = await json(c, { prefix: "osd df", output_method: "tree" });
    assert.equal(treeJson.nodes[0].type, "root");
    assert.equal(treeJson.nodes[0].children.length, 3);
  });
});

Deno.test("osd perf and osd pool stats", async () => {
  await withCluster(async (c) => {
    const perf = (await c.command({ prefix: "osd perf" })).outb.trimEnd().split("\n");
    assert.equal(perf[0], "osd  commit_latency(ms)  apply_latency(ms)");
    assert.equal(perf.length, 10);
    assert.match(perf[1]!, /^ {2}\d {19}\d+ {18}\d+$/);
    const pj = await json(c, { prefix: "osd perf" });
    assert.equal(pj.osdstats.osd_perf_infos.length, 9);
    assert.deepEqual(Object.keys(pj.osdstats.osd_perf_infos[0].perf_stats), [
      "commit_latency_ms",
      "apply_latency_ms",
      "commit_latency_ns",
      "apply_latency_ns",
    ]);
    const stats = (await c.command({ prefix: "osd pool stats" })).outb;
    assert.match(
      stats,
      /^pool rbd id 1\n {2}client io \S+ \S+\/s rd, \S+ \S+\/s wr, \d+ op\/s rd, \d+ op\/s wr\n\npool cephfs_data id 2\n/,
    );
    const one = await json(c, { prefix: "osd pool stats", pool_name: "cephfs_data" });
    assert.equal(one.length, 1);
    assert.deepEqual(Object.keys(one[0]), [
      "pool_name",
      "pool_id",
      "recovery",
      "recovery_rate",
      "client_io_rate",
    ]);
    assert.deepEqual(
      shapeDiff({ pool_stats: one }, referenceGet("get_osd_pool_stats.json").value).filter((d) =>
        // Rates and recovery keys appear only when non-zero (Ceph omits zero rates).
        !d.includes("recovery") && !d.includes("client_io_rate")
      ),
      [],
    );
  });
});

Deno.test("device ls, device info and service dump", async () => {
  await withCluster(async (c) => {
    const ls = (await c.command({ prefix: "device ls" })).outb.trimEnd().split("\n");
    assert.deepEqual(header(ls.join("\n")), ["DEVICE", "HOST:DEV", "DAEMONS", "LIFE EXPECTANCY"]);
    assert.equal(ls.length, 10);
    assert.match(ls[1]!, /^\S+ {2}host1:sd[a-z] {2}osd\.0 /);
    const devices = await json(c, { prefix: "device ls" });
    assert.deepEqual(
      shapeDiff({ devices }, referenceGet("get_devices.json").value),
      [],
    );
    const devid = devices[0].devid;
    const info = await c.command({ prefix: "device info", devid });
    assert.equal(info.outb, `device ${devid}\nattachment host1 sdb\ndaemons osd.0\n`);
    assert.deepEqual(await json(c, { prefix: "device info", devid }), devices[0]);
    const dump = await c.command({ prefix: "service dump" });
    const map = JSON.parse(dump.outb);
    assert.deepEqual(Object.keys(map), ["epoch", "modified", "services"]);
    assert.match(dump.outb, /^\{\n {4}"epoch"/, "json-pretty without -f");
  });
});

Deno.test("every state command answers on a manager with no cluster", async () => {
  const c = await startTestCluster();
  try {
    const cmds: Record<string, unknown>[] = [
      { prefix: "pg stat" },
      { prefix: "pg dump" },
      { prefix: "pg dump", dumpcontents: ["summary"] },
      { prefix: "pg dump", dumpcontents: ["pgs", "pools", "osds", "pgs_brief", "delta"] },
      { prefix: "pg ls" },
      { prefix: "pg ls", states: ["active"] },
      { prefix: "pg ls-by-osd", osd: 0 },
      { prefix: "pg ls-by-primary", osd: 1 },
      { prefix: "pg ls-by-pool", poolstr: "rbd" },
      { prefix: "pg dump_stuck" },
      { prefix: "osd df" },
      { prefix: "osd df", output_method: "tree" },
      { prefix: "osd perf" },
      { prefix: "osd pool stats" },
      { prefix: "device ls" },
      { prefix: "device info", devid: "x" },
      { prefix: "service dump" },
    ];
    for (const cmd of cmds) {
      for (const format of [undefined, "json"]) {
        const r = await c.command(format ? { ...cmd, format } : cmd);
        assert.ok([0, -2, -11].includes(r.r), `${JSON.stringify(cmd)}: ${r.r} ${r.outs}`);
        if (format && r.r === 0) JSON.parse(r.outb);
      }
    }
    assert.match((await c.command({ prefix: "pg stat" })).outb, /^0 pgs: ; 0 B data, 0 B used/);
    const pools = await c.command({ prefix: "osd pool stats" });
    assert.deepEqual([pools.r, pools.outs], [0, "there are no pools!"]);
    assert.equal((await json(c, { prefix: "pg dump" })).pg_ready, false);
  } finally {
    await c.stop();
  }
});

Deno.test("pg stat counts the PGs of one pool, as the manager's command answers it", async () => {
  const c = await startTestCluster({
    cluster: { hosts: 1, osdsPerHost: 3, pools: [{ name: "rbd", pgNum: 8 }] },
  });
  try {
    await c.run(10);
    const r = await c.command({ prefix: "pg stat" });
    assert.ok(r.r === 0 && r.outb.startsWith("8 pgs: "), r.outb);
  } finally {
    await c.stop();
  }
});
