/**
 * `osd pool set <pool> size|min_size|pg_num|pgp_num` change the simulated cluster as they do a
 * Ceph 16.2 cluster: size at once (PGs re-peer, growing backfills the new replicas), pg_num
 * through `pg_num_target`, which the manager reaches by PG splits while pgp_num follows.
 */
import assert from "node:assert/strict";
import { MgrModule } from "mgr_module";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import { Rng } from "../sim/engine/prng.ts";
import { Scheduler } from "../sim/engine/scheduler.ts";
import { SimCluster } from "../sim/cluster/cluster.ts";
import { OSDMonitor } from "../sim/mon/osd_monitor.ts";
import { stableMod } from "../sim/cluster/pg_table.ts";
import { PgObserver } from "../sim/pg_observer.ts";

interface PgStat {
  pgid: string;
  state: string;
  up: number[];
  acting: number[];
  stat_sum: { num_objects: number; num_objects_degraded: number };
}

interface PoolDump {
  pool: number;
  size: number;
  min_size: number;
  pg_num: number;
  pg_num_target: number;
  pgp_num?: number;
  pg_placement_num: number;
  pg_placement_num_target: number;
  last_change: string;
}

class Reader extends MgrModule {}

async function withCluster(
  pools: { name: string; pgNum: number; size?: number }[],
  fn: (c: TestCluster, m: Reader) => Promise<void>,
): Promise<void> {
  const c = await startTestCluster({
    builtins: { reader: { Reader } },
    initialModules: ["reader"],
    cluster: { hosts: 4, osdsPerHost: 2, pools },
  });
  try {
    await c.run(30);
    await fn(c, c.manager.host.instance("reader") as Reader);
  } finally {
    await c.stop();
  }
}

const json = async (c: TestCluster, cmd: Record<string, unknown>) => {
  const r = await c.command({ ...cmd, format: "json" });
  assert.equal(r.r, 0, `${cmd.prefix}: ${r.outs}`);
  return JSON.parse(r.outb);
};

const pgLs = async (c: TestCluster): Promise<PgStat[]> =>
  (await json(c, { prefix: "pg ls" })).pg_stats;

const poolDump = (m: Reader, id: number): PoolDump =>
  (m.get("osd_map") as { pools: PoolDump[] }).pools.find((p) => p.pool === id)!;

/**
 * Runs until every PG is active+clean and the pools reached their targets (or `limit` seconds
 * pass); returns the states `pg ls` showed on the way.
 */
async function untilClean(c: TestCluster, limit: number): Promise<Set<string>> {
  const seen = new Set<string>();
  const settled = () =>
    c.cluster!.map.pools.every((p) =>
      p.pgNum === p.pgNumTarget && p.pgpNum === Math.min(p.pgpNumTarget, p.pgNum)
    );
  for (let t = 0; t < limit; t++) {
    await c.run(1);
    const states = (await pgLs(c)).map((p) => p.state);
    for (const s of states) seen.add(s);
    if (settled() && states.every((s) => s === "active+clean")) return seen;
  }
  return seen;
}

Deno.test("osd pool set size 2 -> 3: one OSDMap epoch, the pool's PGs are undersized+degraded until backfill fills the third replica, then active+clean on 3-OSD acting sets", async () => {
  await withCluster([{ name: "rbd", pgNum: 16, size: 2 }], async (c, m) => {
    const before = await pgLs(c);
    assert.ok(before.every((p) => p.state === "active+clean" && p.acting.length === 2));
    const epoch = c.cluster!.map.epoch;
    const r = await c.command({ prefix: "osd pool set", pool: "rbd", var: "size", val: "3" });
    assert.deepEqual([r.r, r.outb, r.outs], [0, "", "set pool 1 size to 3"]);
    assert.equal(c.cluster!.map.epoch, epoch + 1, "one new epoch");
    const pool = poolDump(m, 1);
    assert.equal(pool.size, 3);
    assert.equal(pool.min_size, 2, "min_size follows the mon's default for the new size");
    assert.equal(pool.last_change, String(epoch + 1));
    assert.equal(
      (await c.command({ prefix: "osd pool get", pool: "rbd", var: "size" })).outb,
      "size: 3\n",
    );
    assert.match(
      (await c.command({ prefix: "osd dump" })).outb,
      /\npool 1 'rbd' replicated size 3 min_size 2 /,
    );

    await c.run(10);
    const growing = await pgLs(c);
    assert.ok(growing.every((p) => p.up.length === 3), "CRUSH maps every PG on 3 OSDs");
    const degraded = growing.filter((p) => /undersized\+degraded/.test(p.state));
    assert.ok(degraded.length > 0, `some PGs wait for backfill: ${growing.map((p) => p.state)}`);
    for (const p of degraded) {
      assert.equal(p.acting.length, 2);
      assert.ok(p.stat_sum.num_objects_degraded > 0);
    }
    const seen = await untilClean(c, 600);
    assert.ok([...seen].some((s) => /backfill/.test(s)), [...seen].join(" "));
    const after = await pgLs(c);
    assert.ok(after.every((p) => p.state === "active+clean"), after.map((p) => p.state).join());
    for (const p of after) {
      assert.equal(p.acting.length, 3);
      assert.deepEqual(p.acting, p.up);
      assert.equal(new Set(p.acting).size, 3, `${p.pgid} on 3 distinct OSDs`);
    }
  });
});

Deno.test("osd pool set size 3 -> 2 drops a replica: the PGs stay active+clean on 2-OSD acting sets", async () => {
  const s = new Scheduler({ rng: new Rng(7) });
  const c = new SimCluster(s, {
    hosts: 4,
    osdsPerHost: 2,
    pools: [{ name: "rbd", pgNum: 16 }],
  });
  await s.runFor(30);
  assert.ok(c.pgs.allActiveClean());
  const old = c.pgs.poolPgs(1).map((p) => c.pgs.members(c.pgs.acting, c.pgs.actingN, p));
  const r = new OSDMonitor(c).handle(
    "osd pool set",
    { prefix: "osd pool set", pool: "rbd", var: "size", val: "2" },
    undefined,
    "client.admin",
  );
  assert.deepEqual([r.r, r.outs], [0, "set pool 1 size to 2"]);
  assert.equal(c.map.pools[0]!.minSize, 1);
  await s.runFor(10);
  assert.ok(c.pgs.allActiveClean(), JSON.stringify([...c.pgs.stateCounts()]));
  for (const [i, p] of c.pgs.poolPgs(1).entries()) {
    const acting = c.pgs.members(c.pgs.acting, c.pgs.actingN, p);
    assert.equal(acting.length, 2);
    assert.deepEqual(acting, old[i]!.slice(0, 2), "the first two replicas stay");
    assert.equal(c.pgs.holdersN[p], 2, "the third copy is gone");
  }
});

Deno.test("osd pool set pg_num 16 -> 32: pg_num_target at once, then splits grow the pool to 32 PGs with Ceph's pgids, pgp_num follows and every PG ends active+clean", async () => {
  await withCluster([{ name: "rbd", pgNum: 16 }], async (c, m) => {
    const objects = (await pgLs(c)).reduce((a, p) => a + p.stat_sum.num_objects, 0);
    const epoch = c.cluster!.map.epoch;
    const r = await c.command({ prefix: "osd pool set", pool: "rbd", var: "pg_num", val: "32" });
    assert.deepEqual([r.r, r.outs], [0, "set pool 1 pg_num to 32"]);
    assert.equal(c.cluster!.map.epoch, epoch + 1);
    let pool = poolDump(m, 1);
    assert.deepEqual(
      [pool.pg_num, pool.pg_num_target, pool.pg_placement_num, pool.pg_placement_num_target],
      [16, 32, 16, 32],
      "the mon sets the targets; pg_num itself moves later",
    );
    assert.match(
      (await c.command({ prefix: "osd dump" })).outb,
      / pg_num 16 pgp_num 16 pg_num_target 32 pgp_num_target 32 /,
    );

    // The manager's next tick splits every PG in two (x.y -> x.y and x.(y+16)).
    await c.run(3);
    pool = poolDump(m, 1);
    assert.equal(pool.pg_num, 32);
    assert.equal(
      (await c.command({ prefix: "osd pool get", pool: "rbd", var: "pg_num" })).outb,
      "pg_num: 32\n",
    );
    const split = await pgLs(c);
    assert.equal(split.length, 32);
    const children = c.cluster!.pgs;
    for (let ps = 16; ps < 32; ps++) {
      const child = children.index(1, ps), parent = children.index(1, ps - 16);
      assert.equal(stableMod(ps, 16), ps - 16);
      assert.deepEqual(
        children.members(children.up, children.upN, child),
        children.members(children.up, children.upN, parent),
        "while pgp_num is 16 a child is placed with its parent",
      );
    }

    const seen = await untilClean(c, 900);
    assert.ok([...seen].some((s) => /remapped/.test(s)), "pgp_num steps move children");
    pool = poolDump(m, 1);
    assert.deepEqual(
      [pool.pg_num, pool.pg_num_target, pool.pg_placement_num, pool.pg_placement_num_target],
      [32, 32, 32, 32],
    );
    assert.equal(
      (await c.command({ prefix: "osd pool get", pool: "rbd", var: "pgp_num" })).outb,
      "pgp_num: 32\n",
    );
    const after = await pgLs(c);
    assert.equal(after.length, 32);
    assert.deepEqual(
      after.map((p) => p.pgid).sort(),
      Array.from({ length: 32 }, (_, ps) => `1.${ps.toString(16)}`).sort(),
    );
    assert.ok(after.every((p) => p.state === "active+clean" && p.acting.length === 3));
    // The split shares objects out; the workload only adds some.
    const total = after.reduce((a, p) => a + p.stat_sum.num_objects, 0);
    assert.ok(total >= objects, `${total} >= ${objects}`);
    const summary = m.get("pg_summary") as { by_pool: Record<string, Record<string, number>> };
    assert.deepEqual(summary.by_pool["1"], { "active+clean": 32 });
    const stats = (m.get("pg_stats") as { pg_stats: PgStat[] }).pg_stats;
    assert.equal(stats.length, 32);
    const dump = (m.get("pg_dump") as { pg_stats: PgStat[] }).pg_stats;
    assert.equal(dump.length, 32);
  });
});

Deno.test("pg_num splits conserve a parent's objects and place children from ceph_stable_mod(ps, pgp_num)", async () => {
  const s = new Scheduler({ rng: new Rng(3) });
  const c = new SimCluster(s, { hosts: 4, osdsPerHost: 2, pools: [{ name: "p", pgNum: 12 }] });
  await s.runFor(30);
  const pgs = c.pgs;
  const before = pgs.poolPgs(1).map((p) => pgs.objects[p] as number);
  const pool = c.map.pools[0]!;
  c.setPoolPgNum(pool, 40);
  await s.runFor(2);
  assert.equal(pool.pgNum, 40, "one step: 28 new PGs is less than mgr_max_pg_num_change");
  assert.equal(pool.pgpNum, 12);
  // Each old PG's objects are now spread over it and its descendants (ps mod 12 == old ps).
  const after = new Array(12).fill(0);
  for (const [ps, p] of pgs.poolPgs(1).entries()) {
    after[stableMod(ps, 12)] += pgs.objects[p] as number;
    assert.equal(pgs.pgid(p), `1.${ps.toString(16)}`);
  }
  assert.deepEqual(after, before);
  await s.runFor(1200);
  assert.equal(pool.pgpNum, 40);
  assert.ok(pgs.allActiveClean(), JSON.stringify([...pgs.stateCounts()]));
});

Deno.test("pgp_num below pg_num places each PG with its ancestor and warns SMALLER_PGP_NUM", async () => {
  const s = new Scheduler({ rng: new Rng(5) });
  const c = new SimCluster(s, { hosts: 4, osdsPerHost: 2, pools: [{ name: "p", pgNum: 16 }] });
  const seen = new PgObserver(c);
  await s.runFor(30);
  const set = (v: string, val: string) =>
    new OSDMonitor(c).handle(
      "osd pool set",
      { prefix: "osd pool set", pool: "p", var: v, val },
      undefined,
      "client.admin",
    );
  assert.deepEqual([set("pgp_num", "8").r, set("pgp_num", "8").outs], [
    0,
    "set pool 1 pgp_num to 8",
  ]);
  await s.runFor(600);
  const pool = c.map.pools[0]!;
  assert.equal(pool.pgpNum, 8);
  assert.equal(pool.pgNum, 16);
  const pgs = c.pgs;
  for (let ps = 8; ps < 16; ps++) {
    assert.deepEqual(
      pgs.members(pgs.up, pgs.upN, pgs.index(1, ps)),
      pgs.members(pgs.up, pgs.upN, pgs.index(1, ps - 8)),
    );
  }
  assert.ok(pgs.allActiveClean());
  // PGMap's warning about pools placed on fewer PGs than they have.
  const check = seen.health().checks.SMALLER_PGP_NUM;
  assert.equal(check?.summary.message, "1 pools have pg_num > pgp_num");
  assert.deepEqual(check?.detail, [{ message: "pool p pg_num 16 > pgp_num 8" }]);
  assert.equal(set("pgp_num", "16").r, 0);
  assert.equal(seen.health().checks.SMALLER_PGP_NUM, undefined);
});

Deno.test("shrinking a pool whose PGs are being remapped keeps the replicas that hold the data acting until backfill", async () => {
  const s = new Scheduler({ rng: new Rng(0) });
  const c = new SimCluster(s, {
    hosts: 3,
    osdsPerHost: 2,
    pools: [{ name: "p", pgNum: 32, size: 2 }],
    pg: { objectsPerPg: 40 },
  });
  const pool = c.map.pools[0]!, pgs = c.pgs;
  c.setPoolSize(pool, 3, 2);
  await s.runFor(5);
  c.setPoolPgNum(pool, 33);
  await s.runFor(5);
  // 1.20 was split from 1.0 and moved by pgp_num 33: it still serves from 1.0's OSDs.
  const child = pgs.index(1, 0x20);
  const holders = pgs.members(pgs.acting, pgs.actingN, child);
  assert.notDeepEqual(pgs.members(pgs.up, pgs.upN, child), holders);
  c.setPoolSize(pool, 2, 1);
  const acting = pgs.members(pgs.acting, pgs.actingN, child);
  assert.equal(acting.length, 2);
  assert.ok(acting.every((o) => holders.includes(o)), `${acting} hold the data (${holders})`);
  await s.runFor(60);
  assert.ok(pgs.allActiveClean(), JSON.stringify([...pgs.stateCounts()]));
});

Deno.test("osd pool set pg_num 32 -> 16: pgp_num comes down first, then PGs merge one at a time into their parents until 16 PGs, all active+clean", async () => {
  await withCluster(
    [{ name: "a", pgNum: 8 }, { name: "rbd", pgNum: 32 }, { name: "b", pgNum: 8 }],
    async (c, m) => {
      const pgs = c.cluster!.pgs;
      const objects = () => pgs.poolPgs(2).reduce((a, p) => a + (pgs.objects[p] as number), 0);
      const r = await c.command({ prefix: "osd pool set", pool: "rbd", var: "pg_num", val: "16" });
      assert.deepEqual([r.r, r.outs], [0, "set pool 2 pg_num to 16"]);
      let pool = poolDump(m, 2);
      assert.deepEqual(
        [pool.pg_num, pool.pg_num_target, pool.pg_placement_num, pool.pg_placement_num_target],
        [32, 16, 32, 16],
      );
      const pgNums: number[] = [];
      for (let t = 0; t < 900; t++) {
        const before = objects(), n = c.cluster!.map.pools[1]!.pgNum;
        await c.run(1);
        const after = c.cluster!.map.pools[1]!;
        if (after.pgNum !== n) {
          pgNums.push(after.pgNum);
          assert.equal(after.pgNum, n - 1, "one merge at a time");
          assert.ok(after.pgpNum < n, "pgp_num came down below pg_num first");
          assert.ok(objects() >= before, "the source's objects went to its parent");
        }
        const settled = after.pgNum === 16 && after.pgpNum === 16;
        if (settled && pgs.allActiveClean()) break;
      }
      assert.deepEqual(pgNums, Array.from({ length: 16 }, (_, i) => 31 - i));
      await c.run(5);
      pool = poolDump(m, 2);
      assert.deepEqual(
        [pool.pg_num, pool.pg_num_target, pool.pg_placement_num, pool.pg_placement_num_target],
        [16, 16, 16, 16],
      );
      assert.equal(
        (await c.command({ prefix: "osd pool get", pool: "rbd", var: "pg_num" })).outb,
        "pg_num: 16\n",
      );
      const ls = await json(c, { prefix: "pg ls", pool: 2 });
      assert.deepEqual(
        ls.pg_stats.map((p: PgStat) => p.pgid),
        Array.from({ length: 16 }, (_, ps) => `2.${ps.toString(16)}`),
      );
      assert.ok(ls.pg_stats.every((p: PgStat) => p.state === "active+clean"));
      // The other pools' PGs moved rows, not identities.
      const all = await pgLs(c);
      assert.equal(all.length, 32);
      for (const id of [1, 3]) {
        assert.deepEqual(
          all.filter((p) => p.pgid.startsWith(`${id}.`)).map((p) => p.pgid),
          Array.from({ length: 8 }, (_, ps) => `${id}.${ps.toString(16)}`),
        );
      }
      const summary = m.get("pg_summary") as { by_pool: Record<string, Record<string, number>> };
      assert.deepEqual(summary.by_pool["2"], { "active+clean": 16 });
    },
  );
});

Deno.test("a merge moves the table's last PG into the source's row: the manager's PGMap drops the merged PG and every other PG keeps its pgid, state and report stamps", async () => {
  const s = new Scheduler({ rng: new Rng(11) });
  const c = new SimCluster(s, {
    hosts: 4,
    osdsPerHost: 2,
    pools: [{ name: "p", pgNum: 8 }, { name: "q", pgNum: 8 }],
    workload: { opsPerSecond: 0 },
  });
  const seen = new PgObserver(c);
  c.startReporting();
  await s.runFor(30);
  const pool = c.map.pools[0]!;
  // pgp_num 7 first, so that 1.7 lives with 1.3, as the manager does before a merge.
  c.setPoolPgpNum(pool, 7);
  await s.runFor(120);
  assert.ok(c.pgs.allActiveClean());
  assert.equal(c.pgs.pgid(15), "2.7", "q's last PG is the table's last");
  const byId = (e: Record<string, unknown>[]) => new Map(e.map((x) => [x.pgid as string, x]));
  const stats = () => (seen.get("pg_stats") as { pg_stats: Record<string, unknown>[] });
  const before = byId(stats().pg_stats);
  const relocations = c.pgs.relocations;
  c.setPoolPgNum(pool, 7);
  for (let t = 0; t < 300 && c.pgs.index(1, 7) !== -1; t++) await s.runFor(1);
  await s.runFor(c.statsPeriod * 2);
  assert.equal(c.pgs.relocations, relocations + 1);
  assert.equal(c.pgs.pgid(7), "2.7", "q's last PG took row 7");
  const after = byId(stats().pg_stats);
  assert.equal(after.size, 15);
  assert.ok(!after.has("1.7"));
  for (const [id, e] of after) {
    if (id === "1.3") continue; // The merge target peers again.
    const b = before.get(id)!;
    for (
      const k of [
        "state",
        "last_fresh",
        "reported_epoch",
        "reported_seq",
        "up",
        "acting",
        "stat_sum",
      ]
    ) {
      assert.deepEqual(e[k], b[k], `${id} ${k}`);
    }
  }
});
