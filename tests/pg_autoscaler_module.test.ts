import assert from "node:assert/strict";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import { BUILTIN_MODULES } from "../modules/mod.ts";
import { effectiveTargetRatio, nearestPowerOfTwo } from "../modules/pg_autoscaler/module.ts";

async function withAutoscaler(fn: (c: TestCluster) => Promise<void>): Promise<void> {
  const c = await startTestCluster({
    builtins: BUILTIN_MODULES,
    initialModules: ["pg_autoscaler", "progress"],
    cluster: {
      hosts: 3,
      osdsPerHost: 3,
      pools: [{ name: "rbd", pgNum: 32 }, { name: "data", pgNum: 128 }],
    },
  });
  try {
    await c.run(30);
    await fn(c);
  } finally {
    await c.stop();
  }
}

interface Row {
  pool_name: string;
  pg_num_final: number;
  pg_num_target: number;
  would_adjust: boolean;
  raw_used_rate: number;
  subtree_capacity: number;
  capacity_ratio: number;
  effective_target_ratio: number;
  pg_autoscale_mode: string;
}

async function status(c: TestCluster): Promise<Row[]> {
  const r = await c.command({ prefix: "osd pool autoscale-status", format: "json" });
  assert.equal(r.r, 0, r.outs);
  return JSON.parse(r.outb);
}

Deno.test("autoscale-status: small pools get pg_num_min, every OSD's capacity counts, Ceph's table and JSON", async () => {
  await withAutoscaler(async (c) => {
    const rows = await status(c);
    assert.deepEqual(rows.map((r) => r.pool_name), ["rbd", "data"]);
    for (const r of rows) {
      assert.equal(r.pg_num_final, 32);
      assert.equal(r.would_adjust, false);
      assert.equal(r.raw_used_rate, 3);
      assert.equal(r.subtree_capacity, 9 * 2 ** 40);
      assert.equal(r.pg_autoscale_mode, "off");
    }
    const json = (await c.command({ prefix: "osd pool autoscale-status", format: "json" })).outb;
    assert.match(json, /"raw_used_rate": 3\.0,/);
    assert.match(json, /"bias": 1\.0,/);
    const plain = (await c.command({ prefix: "osd pool autoscale-status" })).outb.split("\n");
    assert.equal(
      plain[0],
      "POOL    SIZE  TARGET SIZE  RATE  RAW CAPACITY   RATIO  TARGET RATIO  EFFECTIVE RATIO  BIAS  PG_NUM  NEW PG_NUM  AUTOSCALE  BULK   ",
    );
    assert.match(
      plain[1]!,
      /^rbd {3,}\d+(\.\d+)?[kMG ] +3\.0 +9216G +0\.\d{4} +1\.0 +32 +off +False {2}$/,
    );
  });
});

Deno.test("warn mode: a pool expected to fill the cluster raises POOL_TOO_FEW_PGS with Ceph's words", async () => {
  await withAutoscaler(async (c) => {
    const set = (v: string, val: string) =>
      c.command({ prefix: "osd pool set", pool: "data", var: v, val });
    assert.equal((await set("target_size_ratio", "0.9")).r, 0);
    assert.equal((await set("pg_autoscale_mode", "warn")).r, 0);
    assert.equal(
      (await set("pg_autoscale_mode", "sometimes")).outs,
      "specified invalid mode sometimes",
    );
    await c.run(70);
    const rows = await status(c);
    const data = rows.find((r) => r.pool_name === "data")!;
    // 9 OSDs × 100 PGs, less rbd's share, all to data (ratio 0.9 of 0.9), / size 3 → 256.
    assert.equal(data.effective_target_ratio, 1);
    assert.equal(data.pg_num_final, 256);
    assert.equal(data.would_adjust, false, "warn never adjusts");
    const health = await c.command({ prefix: "health", detail: "detail" });
    assert.match(health.outb, /\[WRN\] POOL_TOO_FEW_PGS: 1 pools have too few placement groups\n/);
    assert.match(health.outb, /Pool data has 128 placement groups, should have 256/);
    await set("pg_autoscale_mode", "off");
    await c.run(70);
    assert.doesNotMatch((await c.command({ prefix: "health" })).outb, /POOL_TOO_FEW_PGS/);
  });
});

Deno.test("on mode: the autoscaler sets pg_num more than 3x off, the cluster splits, progress shows it", async () => {
  await withAutoscaler(async (c) => {
    const set = (v: string, val: string) =>
      c.command({ prefix: "osd pool set", pool: "rbd", var: v, val });
    await set("target_size_ratio", "1");
    await set("pg_autoscale_mode", "on");
    await c.run(61);
    const map = JSON.parse((await c.command({ prefix: "osd dump", format: "json" })).outb);
    const rbd = map.pools.find((p: { pool_name: string }) => p.pool_name === "rbd");
    assert.equal(rbd.pg_num_target, 256);
    const progress = JSON.parse((await c.command({ prefix: "progress json" })).outb);
    const events = [...progress.events, ...progress.completed].map((e: { message: string }) =>
      e.message
    );
    assert.ok(
      events.includes("PG autoscaler increasing pool 1 PGs from 32 to 256"),
      JSON.stringify(events),
    );
    await c.run(900);
    const after = JSON.parse((await c.command({ prefix: "osd dump", format: "json" })).outb);
    assert.equal(after.pools.find((p: { pool: number }) => p.pool === 1).pg_num, 256);
    const done = JSON.parse((await c.command({ prefix: "progress json" })).outb);
    assert.ok(
      done.events.every((e: { message: string }) => !e.message.startsWith("PG autoscaler")),
    );
  });
});

Deno.test("noautoscale: set/unset answer as Ceph's and switch every pool's mode", async () => {
  await withAutoscaler(async (c) => {
    assert.equal(
      (await c.command({ prefix: "osd pool get noautoscale" })).outs,
      "noautoscale is off",
    );
    const set = await c.command({ prefix: "osd pool set noautoscale" });
    assert.equal(set.outs, "noautoscale is set, all pools now have autoscale off");
    assert.equal(
      (await c.command({ prefix: "osd pool set noautoscale" })).outs,
      "noautoscale is already set!",
    );
    const unset = await c.command({ prefix: "osd pool unset noautoscale" });
    assert.equal(unset.outs, "noautoscale is unset, all pools now have autoscale on");
    const rows = await status(c);
    assert.ok(rows.every((r) => r.pg_autoscale_mode === "on"));
  });
});

Deno.test("pg_autoscaler helpers: Ceph's nearest_power_of_two and effective_target_ratio", () => {
  assert.deepEqual([1, 3, 5, 6, 7, 12, 299, 384, 385].map(nearestPowerOfTwo), [
    1,
    4,
    4,
    8,
    8,
    16,
    256,
    512,
    512,
  ]);
  assert.equal(effectiveTargetRatio(0.5, 1, 0, 100), 0.5);
  assert.equal(effectiveTargetRatio(0.2, 0.4, 50, 100), 0.25);
});
