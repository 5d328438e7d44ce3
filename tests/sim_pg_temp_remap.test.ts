/**
 * Marking out or reweighting an OSD that is still up remaps its PGs through pg_temp, as a real
 * Ceph 16.2 cluster does (tests/ceph-reference/cli/behaviour/osd_out_up): the old OSD stays
 * in the acting set while CRUSH maps the PG elsewhere, so the PG is remapped and backfilled,
 * never undersized or degraded; health stays OK.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { startTestCluster } from "mgr_module/testing";
import { PgState } from "../ceph/pg_state.ts";
import { Rng } from "../sim/engine/prng.ts";
import { Scheduler } from "../sim/engine/scheduler.ts";
import { SimCluster } from "../sim/cluster/cluster.ts";
import { referenceCli } from "./_reference.ts";

/** PG counts by state from a `pg dump pgs_brief` table. */
function stateCounts(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split("\n").slice(1)) {
    const state = line.trim().split(/\s+/)[1];
    if (state) out[state] = (out[state] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(out).sort());
}

Deno.test("osd out of an up OSD: its PGs stay active+clean+remapped with it in acting, health OK, as on the real cluster", async () => {
  const c = await startTestCluster({
    cluster: {
      hosts: 1,
      osdsPerHost: 3,
      failureDomain: "osd",
      mons: { count: 1 },
      mgrs: ["x"],
      mds: ["a"],
      pools: [
        { name: "device_health_metrics", pgNum: 1, size: 1, application: "mgr_devicehealth" },
        { name: "rbd", pgNum: 64, size: 3, application: "rbd" },
        { name: "cephfs_metadata", pgNum: 16, size: 3, application: "cephfs" },
        { name: "cephfs_data", pgNum: 32, size: 2, minSize: 1, application: "cephfs" },
      ],
    },
  });
  try {
    await c.run(30);
    assert.equal((await c.command({ prefix: "osd out", ids: ["0"] })).r, 0);
    // Settled: cephfs_data's PGs (size 2) have backfilled onto osd.1 and osd.2.
    await c.run(600);
    const brief = (await c.command({ prefix: "pg dump", dumpcontents: ["pgs_brief"] })).outb;
    const real = referenceCli("behaviour/osd_out_up/24_pg_dump_pgs_brief.txt").stdout;
    assert.deepEqual(stateCounts(brief), stateCounts(real));
    assert.deepEqual(stateCounts(real), { "active+clean": 33, "active+clean+remapped": 80 });
    // pg map: CRUSH has two OSDs for the pool of size 3; osd.0 serves on through pg_temp.
    const map = (await c.command({ prefix: "pg map", pgid: "2.0" })).outb;
    const realMap = referenceCli("behaviour/osd_out_up/22_pg_map_2.0.txt").stdout;
    const sets = (t: string) => /-> up (\S+) acting (\S+)/.exec(t)!.slice(1);
    assert.deepEqual(sets(map), sets(realMap));
    assert.equal((await c.command({ prefix: "health" })).outb, "HEALTH_OK\n");
    const stat = JSON.parse((await c.command({ prefix: "osd stat", format: "json" })).outb);
    assert.equal(stat.num_remapped_pgs, 80);
    // The OSDMap holds the pg_temp entries the real one held, and status counts them.
    const dump = JSON.parse((await c.command({ prefix: "osd dump", format: "json" })).outb);
    const realDump = JSON.parse(referenceCli("behaviour/osd_out_up/18_osd_dump_json.txt").stdout);
    assert.equal(realDump.pg_temp.length, 80);
    assert.deepEqual(dump.pg_temp, realDump.pg_temp);
    assert.deepEqual(dump.primary_temp, realDump.primary_temp);
    const text = (await c.command({ prefix: "osd dump" })).outb;
    assert.match(text, /\npg_temp 2\.0 \[2,1,0\]\n/);
    assert.equal(text.match(/^pg_temp /gm)?.length, 80);
    const status = (await c.command({ prefix: "status" })).outb;
    const osdLine = (t: string) => /osd: .*/.exec(t)![0].replace(/\(since [^)]*\)/g, "(since T)");
    assert.equal(
      osdLine(status),
      osdLine(referenceCli("behaviour/osd_out_up/25_status.txt").stdout),
    );
    const statusJson = JSON.parse((await c.command({ prefix: "status", format: "json" })).outb);
    assert.equal(statusJson.osdmap.num_remapped_pgs, 80);
    // osd in: the PGs map back onto osd.0; those that had moved away backfill back: clean again.
    assert.equal((await c.command({ prefix: "osd in", ids: ["0"] })).r, 0);
    await c.run(600);
    const after = (await c.command({ prefix: "pg dump", dumpcontents: ["pgs_brief"] })).outb;
    assert.deepEqual(stateCounts(after), { "active+clean": 113 });
    // Backfill done: the primaries have had their pg_temp entries removed.
    const clean = JSON.parse((await c.command({ prefix: "osd dump", format: "json" })).outb);
    assert.deepEqual(clean.pg_temp, []);
    assert.doesNotMatch((await c.command({ prefix: "status" })).outb, /remapped pgs/);
  } finally {
    await c.stop();
  }
});

type Op = { kind: "out" | "in"; osd: number } | { kind: "reweight"; osd: number; w: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constantFrom("out" as const, "in" as const), osd: fc.nat({ max: 5 }) }),
  fc.record({
    kind: fc.constant("reweight" as const),
    osd: fc.nat({ max: 5 }),
    w: fc.constantFrom(0, 0.25, 0.5, 1),
  }),
);

Deno.test("pg_temp (property): out/in/reweight of up OSDs never degrades a PG: its acting set keeps size OSDs", async () => {
  const seed = Number(Deno.env.get("FC_SEED") ?? Date.now() % 2 ** 31);
  console.log(`fast-check seed ${seed} (replay: FC_SEED=${seed} deno test -A ${import.meta.url})`);
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 2 ** 31 }),
      fc.constantFrom(2, 3),
      fc.array(fc.record({ after: fc.integer({ min: 0, max: 20 }), op: opArb }), {
        minLength: 1,
        maxLength: 8,
      }),
      async (simSeed, size, steps) => {
        const s = new Scheduler({ rng: new Rng(simSeed) });
        // Three hosts of two OSDs: with OSDs out, CRUSH often finds fewer hosts than size.
        const c = new SimCluster(s, {
          hosts: 3,
          osdsPerHost: 2,
          pools: [{ name: "rbd", pgNum: 32, size }],
        });
        await s.runFor(10);
        const check = () => {
          // No OSD goes down: every PG's old acting OSDs stay up and keep serving.
          for (let p = 0; p < c.pgs.count; p++) {
            const st = c.pgs.state[p]!;
            if ((st & PgState.PEERING) === 0) {
              assert.ok((c.pgs.actingN[p] ?? 0) >= size, `pg ${c.pgs.pgid(p)} acting shrank`);
              assert.equal(
                st & (PgState.DEGRADED | PgState.UNDERSIZED),
                0,
                `pg ${c.pgs.pgid(p)} degraded with acting ${
                  c.pgs.members(c.pgs.acting, c.pgs.actingN, p)
                } (sim seed ${simSeed})`,
              );
            }
          }
        };
        for (const { after, op } of steps) {
          if (op.kind === "reweight") c.reweight(op.osd, op.w);
          else if (op.kind === "out") c.osdOut(op.osd);
          else c.osdIn(op.osd);
          await s.runFor(after);
          check();
        }
        await s.runFor(300);
        check();
      },
    ),
    { seed, numRuns: Number(Deno.env.get("SIM_RUNS") ?? 30) },
  );
});

Deno.test("osd dump prints pg_upmap_items and pg_temp after the OSDs, as OSDMap::print does", async () => {
  const c = await startTestCluster({
    cluster: {
      hosts: 1,
      osdsPerHost: 3,
      failureDomain: "osd",
      mons: { count: 1 },
      mgrs: ["x"],
      pools: [{ name: "rbd", pgNum: 8, size: 2, application: "rbd" }],
    },
  });
  try {
    await c.run(10);
    const up = JSON.parse((await c.command({ prefix: "pg map", pgid: "1.0", format: "json" })).outb)
      .up as number[];
    const spare = [0, 1, 2].find((o) => !up.includes(o))!;
    // nobackfill holds the remapped PG on its old acting set (pg_temp) until it is unset.
    assert.equal((await c.command({ prefix: "osd set", key: "nobackfill" })).r, 0);
    const r = await c.command({ prefix: "osd pg-upmap-items", pgid: "1.0", id: [up[0]!, spare] });
    assert.equal(r.r, 0, r.outs);
    await c.run(5);
    const text = (await c.command({ prefix: "osd dump" })).outb;
    const tail = text.slice(text.lastIndexOf("\nosd.2 ") + 1).split("\n").slice(1);
    assert.deepEqual(tail.filter((l) => l !== ""), [
      `pg_upmap_items 1.0 [${up[0]},${spare}]`,
      `pg_temp 1.0 [${up.join(",")}]`,
    ]);
    // Backfilled: the pg_temp goes, the upmap stays.
    assert.equal((await c.command({ prefix: "osd unset", key: "nobackfill" })).r, 0);
    await c.run(120);
    const after = (await c.command({ prefix: "osd dump" })).outb;
    assert.match(after, /\npg_upmap_items 1\.0 /);
    assert.doesNotMatch(after, /\npg_temp /);
  } finally {
    await c.stop();
  }
});
