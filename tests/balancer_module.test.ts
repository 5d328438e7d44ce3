import assert from "node:assert/strict";
import { MgrModule } from "mgr_module";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import { BUILTIN_MODULES } from "../modules/mod.ts";
import { erf } from "../modules/balancer/_eval.ts";

class Probe extends MgrModule {}

async function withBalancer(fn: (c: TestCluster, probe: Probe) => Promise<void>): Promise<void> {
  const c = await startTestCluster({
    builtins: { ...BUILTIN_MODULES, probe: { Probe } },
    initialModules: ["balancer", "probe"],
    cluster: {
      hosts: 3,
      osdsPerHost: 3,
      pools: [{ name: "rbd", pgNum: 128 }, { name: "data", pgNum: 64 }],
    },
  });
  try {
    await c.run(30);
    await fn(c, c.manager.host.instance("probe") as Probe);
  } finally {
    await c.stop();
  }
}

function score(outb: string): number {
  const m = /score (\d+\.\d{6}) \(lower is better\)\n$/.exec(outb);
  assert.ok(m, outb);
  return Number(m[1]);
}

function pgsPerOsd(probe: Probe): Map<number, number> {
  const counts = new Map<number, number>();
  const dump = probe.get("pg_dump") as { pg_stats: { up: number[] }[] };
  for (const s of dump.pg_stats) for (const o of s.up) counts.set(o, (counts.get(o) ?? 0) + 1);
  return counts;
}

Deno.test("balancer status and eval on the default cluster, as Ceph's (upmap mode, active)", async () => {
  await withBalancer(async (c) => {
    const status = JSON.parse((await c.command({ prefix: "balancer status" })).outb);
    assert.equal(status.mode, "upmap");
    assert.equal(status.active, true);
    assert.deepEqual(status.plans, []);
    const cluster = await c.command({ prefix: "balancer eval" });
    assert.match(cluster.outb, /^current cluster score 0\.\d{6} \(lower is better\)\n$/);
    assert.ok(score(cluster.outb) > 0.02, "the default cluster is uneven");
    const pool = await c.command({ prefix: "balancer eval", option: "rbd" });
    assert.match(pool.outb, /^pool "rbd" score /);
    const bad = await c.command({ prefix: "balancer eval", option: "nope" });
    assert.deepEqual([bad.r, bad.outs], [-22, 'option "nope" not a plan or a pool']);
    const verbose = (await c.command({ prefix: "balancer eval-verbose" })).outb;
    assert.match(verbose, /^current cluster\ntarget_by_root \{'default': \{0: 0\.1111/);
    assert.match(
      verbose,
      /\nstats_by_root \{'default': \{'pgs': \{'max': \d+\.0, 'min': \d+\.0, 'avg': 64\.0, /,
    );
  });
});

Deno.test("balancer optimize + execute: upmap items reach the cluster, the score drops, the map agrees with the PGs", async () => {
  await withBalancer(async (c, probe) => {
    const before = score((await c.command({ prefix: "balancer eval" })).outb);
    const spreadBefore = [...pgsPerOsd(probe).values()];
    const busy = await c.command({ prefix: "balancer optimize", plan: "p1" });
    assert.deepEqual([busy.r, busy.outs], [-22, "Balancer enabled, disable to optimize manually"]);
    await c.command({ prefix: "balancer off" });
    assert.equal((await c.command({ prefix: "balancer optimize", plan: "p1" })).r, 0);
    assert.equal((await c.command({ prefix: "balancer ls" })).outb, '[\n    "p1"\n]');
    const plan = JSON.parse((await c.command({ prefix: "balancer dump", plan: "p1" })).outb);
    const n = plan.new_pg_upmap_items.length;
    assert.ok(n > 0 && n <= 10, `${n} PGs remapped, at most upmap_max_optimizations`);
    assert.equal((await c.command({ prefix: "balancer execute", plan: "p1" })).r, 0);
    await c.run(120);
    const osdDump = probe.get("osd_map") as { pg_upmap_items: { pgid: string }[] };
    assert.deepEqual(
      osdDump.pg_upmap_items.map((i) => i.pgid).sort(),
      plan.new_pg_upmap_items.map((i: { pgid: string }) => i.pgid).sort(),
    );
    const after = score((await c.command({ prefix: "balancer eval" })).outb);
    assert.ok(after < before, `${after} < ${before}`);
    // The manager's OSDMap wrapper maps PGs as the cluster now places them.
    const map = probe.get_osdmap();
    const pgDump = probe.get("pg_dump") as { pg_stats: { pgid: string; up: number[] }[] };
    const up = { ...map.map_pool_pgs_up(1), ...map.map_pool_pgs_up(2) };
    for (const s of pgDump.pg_stats) assert.deepEqual(s.up, up[s.pgid], s.pgid);
    assert.ok(Math.max(...pgsPerOsd(probe).values()) <= Math.max(...spreadBefore));
    const gone = await c.command({ prefix: "balancer show", plan: "p1" });
    assert.deepEqual([gone.r, gone.outs], [-2, "plan p1 not found"]);
  });
});

Deno.test("automatic balancing evens out PGs per OSD until no optimization is needed", async () => {
  await withBalancer(async (c, probe) => {
    const before = score((await c.command({ prefix: "balancer eval" })).outb);
    await c.command({
      prefix: "config set",
      who: "mgr",
      name: "mgr/balancer/upmap_max_deviation",
      value: "1",
    });
    await c.run(1800);
    const status = JSON.parse((await c.command({ prefix: "balancer status" })).outb);
    assert.equal(status.no_optimization_needed, true);
    assert.match(status.optimize_result, /^Unable to find further optimization/);
    const after = score((await c.command({ prefix: "balancer eval" })).outb);
    assert.ok(after < before / 2, `${after} vs ${before}`);
    const counts = [...pgsPerOsd(probe).values()];
    // Per pool within 1 PG of its share (42.7 + 21.3 = 64 per OSD): at most 2 PGs off each way.
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 4, `${counts}`);
  });
});

Deno.test("balancer mode, pools and plans: Ceph's answers and errors", async () => {
  await withBalancer(async (c) => {
    assert.equal((await c.command({ prefix: "balancer mode", mode: "none" })).r, 0);
    assert.equal(JSON.parse((await c.command({ prefix: "balancer status" })).outb).mode, "none");
    const cc = await c.command({ prefix: "balancer mode", mode: "crush-compat" });
    assert.equal(cc.r, -95);
    await c.command({ prefix: "balancer off" });
    const none = await c.command({ prefix: "balancer optimize", plan: "x" });
    assert.deepEqual([none.r, none.outs], [
      -8,
      'Please do "ceph balancer mode" to choose a valid mode first',
    ]);
    await c.command({ prefix: "balancer mode", mode: "upmap" });
    const badPool = await c.command({ prefix: "balancer optimize", plan: "x", pools: ["nope"] });
    assert.deepEqual([badPool.r, badPool.outs], [-22, "pools ['nope'] not found"]);
    assert.equal((await c.command({ prefix: "balancer pool ls" })).outb, "");
    assert.equal((await c.command({ prefix: "balancer pool add", pools: ["data"] })).r, 0);
    assert.equal((await c.command({ prefix: "balancer pool ls" })).outb, '[\n    "data"\n]');
    const addBad = await c.command({ prefix: "balancer pool add", pools: ["zz"] });
    assert.equal(addBad.outs, "pool(s) ['zz'] not found");
    await c.command({ prefix: "balancer pool rm", pools: ["data"] });
    assert.equal((await c.command({ prefix: "balancer pool ls" })).outb, "");
    await c.command({ prefix: "balancer optimize", plan: "a", pools: ["rbd"] });
    assert.equal((await c.command({ prefix: "balancer show", plan: "a" })).outb, "upmap plan");
    await c.command({ prefix: "balancer reset" });
    assert.equal((await c.command({ prefix: "balancer ls" })).outb, "[]");
  });
});

Deno.test("the simulated mon's pg-upmap-items and rm-pg-upmap-items answer with OSDMonitor's words", async () => {
  await withBalancer(async (c) => {
    const set = await c.command({ prefix: "osd pg-upmap-items", pgid: "1.0", id: ["0", "0"] });
    assert.deepEqual([set.r, set.outs], [
      -22,
      "from osd.0 == to osd.0, no valid upmap items(pairs) is specified",
    ]);
    const odd = await c.command({ prefix: "osd pg-upmap-items", pgid: "1.0", id: ["0"] });
    assert.equal(odd.outs, "you must specify pairs of osd ids to be remapped");
    const none = await c.command({ prefix: "osd pg-upmap-items", pgid: "9.0", id: ["0", "1"] });
    assert.deepEqual([none.r, none.outs], [-2, "pg 9.0 does not exist"]);
    const up = JSON.parse((await c.command({ prefix: "pg dump", format: "json" })).outb);
    const stats = (up.pg_map?.pg_stats ?? up.pg_stats) as { pgid: string; up: number[] }[];
    const pg = stats.find((s) => s.pgid === "1.0")!;
    const to = [0, 1, 2, 3, 4, 5, 6, 7, 8].find((o) => !pg.up.includes(o))!;
    const from = pg.up[0]!;
    const ok = await c.command({
      prefix: "osd pg-upmap-items",
      pgid: "1.0",
      id: [String(from), String(to)],
    });
    assert.deepEqual([ok.r, ok.outs], [0, `set 1.0 pg_upmap_items mapping to [${from}->${to}]`]);
    const rm = await c.command({ prefix: "osd rm-pg-upmap-items", pgid: "1.0" });
    assert.deepEqual([rm.r, rm.outs], [0, "clear 1.0 pg_upmap_items mapping"]);
  });
});

Deno.test("erf matches known values to 1e-12", () => {
  for (
    const [x, v] of [
      [0, 0],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [3, 0.9999779095030014],
      [-1, -0.8427007929497149],
    ] as const
  ) {
    assert.ok(Math.abs(erf(x) - v) < 1e-12, `erf(${x}) = ${erf(x)}`);
  }
});
