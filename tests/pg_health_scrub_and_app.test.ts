import assert from "node:assert/strict";
import { MgrModule } from "mgr_module";
import { startTestCluster } from "mgr_module/testing";
import { PgMap } from "../core/state/pg_map.ts";
import { pgHealthChecks } from "../core/state/pg_health.ts";
import { newOsdStatRows, newPgStatRows } from "../core/pg_stats_report.ts";
import { PgState } from "../ceph/pg_state.ts";
import { referenceCli } from "./_reference.ts";

/** The check of `code` in a captured `ceph health detail -f json`. */
function realCheck(file: string, code: string): Record<string, unknown> {
  const out = referenceCli(file).stdout.trim();
  return JSON.parse(out).checks[code];
}

/** A PGMap of one pool of `pgNum` active+clean PGs, scrubbed at `scrubbed`, holding objects. */
function pgMap(
  pool: Record<string, unknown>,
  pgNum: number,
  scrubbed: number,
  objects: number,
): PgMap {
  const m = new PgMap();
  m.applyOsdMap({
    epoch: 5,
    modified: "2026-12-03T11:10:16.087271+0000",
    pools: [{ pool: 2, pool_name: "noapp", size: 1, min_size: 1, pg_num: pgNum, ...pool }],
    osds: [{ osd: 0, up: 1, in: 1 }],
  }, scrubbed);
  const rows = newPgStatRows(
    pgNum,
    1,
    ["last_scrub_stamp", "last_deep_scrub_stamp", "last_active", "last_clean"],
    ["num_objects"],
  );
  for (let i = 0; i < pgNum; i++) {
    rows.pool[i] = 2;
    rows.ps[i] = i;
    rows.state[i] = PgState.ACTIVE + PgState.CLEAN;
    rows.reportedSeq[i] = 1;
    rows.reportedEpoch[i] = 5;
    rows.upN[i] = rows.actingN[i] = 1;
    rows.stamps.fill(scrubbed, i * 4, i * 4 + 4);
    rows.stats[i] = i === 0 ? objects : 0;
  }
  const osds = newOsdStatRows(0, 0);
  m.ingest({ stamp: scrubbed, full: true, pgs: rows, osds });
  return m;
}

Deno.test("POOL_APP_NOT_ENABLED: a pool holding objects with no application, in the real cluster's words", () => {
  const now = 1_796_296_216;
  const checks = pgHealthChecks(pgMap({ application_metadata: {} }, 8, now, 1), now);
  assert.deepEqual(
    checks.POOL_APP_NOT_ENABLED,
    realCheck("health_detail_pool_app_not_enabled_json.txt", "POOL_APP_NOT_ENABLED"),
  );
  // No objects, an application, a cache tier, or the option off: no warning.
  assert.equal(pgHealthChecks(pgMap({}, 8, now, 0), now).POOL_APP_NOT_ENABLED, undefined);
  const withApp = pgMap({ application_metadata: { freeform: {} } }, 8, now, 1);
  assert.equal(pgHealthChecks(withApp, now).POOL_APP_NOT_ENABLED, undefined);
  assert.equal(
    pgHealthChecks(pgMap({ tier_of: 1 }, 8, now, 1), now).POOL_APP_NOT_ENABLED,
    undefined,
  );
  const off = pgHealthChecks(pgMap({}, 8, now, 1), now, { mon_warn_on_pool_no_app: false });
  assert.equal(off.POOL_APP_NOT_ENABLED, undefined);
});

Deno.test("PG_NOT_SCRUBBED and PG_NOT_DEEP_SCRUBBED: past the interval times one plus the ratio, as the real cluster words them", () => {
  // The real cluster ran with osd_scrub_max_interval 10 and osd_deep_scrub_interval 20 for
  // its mgr; its PGs of pool 2 were scrubbed (created) at 11:10:16.087271.
  const scrubbed = Date.parse("2026-12-03T11:10:16.087Z") / 1000 + 0.000271;
  const options = { osd_scrub_max_interval: 10, osd_deep_scrub_interval: 20 };
  const m = pgMap({ application_metadata: { rbd: {} } }, 8, scrubbed, 0);
  const real = realCheck("health_detail_pg_not_scrubbed_json.txt", "PG_NOT_SCRUBBED") as {
    summary: { message: string; count: number };
    detail: { message: string }[];
  };
  // Not yet: 10 s × 1.5 = 15 s (scrub), 20 s × 1.75 = 35 s (deep).
  assert.deepEqual(Object.keys(pgHealthChecks(m, scrubbed + 14, options)), []);
  assert.deepEqual(Object.keys(pgHealthChecks(m, scrubbed + 16, options)), ["PG_NOT_SCRUBBED"]);
  const checks = pgHealthChecks(m, scrubbed + 36, options);
  assert.deepEqual(Object.keys(checks).sort(), ["PG_NOT_DEEP_SCRUBBED", "PG_NOT_SCRUBBED"]);
  const mine = checks.PG_NOT_SCRUBBED!;
  assert.equal(mine.summary.message, "8 pgs not scrubbed in time");
  assert.equal(mine.summary.count, 8);
  // Ceph lists its PGs in hash-map order: compare the lines as sets, for pool 2's PGs.
  const pool2 = real.detail.map((d) => d.message).filter((l) => l.startsWith("pg 2."));
  assert.deepEqual(mine.detail.map((d) => d.message).sort(), pool2.sort());
  assert.equal(
    checks.PG_NOT_DEEP_SCRUBBED!.detail[0]!.message,
    "pg 2.0 not deep-scrubbed since 2026-12-03T11:10:16.087271+0000",
  );
  // A pool's own scrub_max_interval wins over the OSD option; the ratio 0 turns a check off.
  const own = pgMap({ options: { scrub_max_interval: 1000 } }, 8, scrubbed, 0);
  assert.equal(pgHealthChecks(own, scrubbed + 36, options).PG_NOT_SCRUBBED, undefined);
  const offed = pgHealthChecks(m, scrubbed + 36, { ...options, mon_warn_pg_not_scrubbed_ratio: 0 });
  assert.equal(offed.PG_NOT_SCRUBBED, undefined);
  assert.ok(offed.PG_NOT_DEEP_SCRUBBED);
});

Deno.test("POOL_APP_NOT_ENABLED through the manager: a module writes to a pool nobody enabled an application on; enabling one clears it", async () => {
  class Writer extends MgrModule {}
  const c = await startTestCluster({
    builtins: { writer: { Writer } },
    initialModules: ["writer"],
    cluster: {
      hosts: 3,
      osdsPerHost: 1,
      pools: [{ name: "rbd", pgNum: 16 }, { name: "bare", pgNum: 8, application: "" }],
    },
  });
  try {
    await c.run(20);
    const m = () => c.activeManager()!;
    const health = () => JSON.parse((m().get("health") as { json: string }).json);
    assert.equal(
      health().checks.POOL_APP_NOT_ENABLED,
      undefined,
      "the workload leaves 'bare' empty",
    );
    const writer = m().host.instance("writer") as Writer;
    const ioctx = await writer.rados.open_ioctx("bare");
    await ioctx.write_full("o1", new TextEncoder().encode("hello"));
    await c.run(15);
    const raised = health().checks.POOL_APP_NOT_ENABLED;
    assert.equal(raised?.summary.message, "1 pool(s) do not have an application enabled");
    assert.equal(raised?.detail[0]?.message, "application not enabled on pool 'bare'");
    const r = await c.command({
      prefix: "osd pool application enable",
      pool: "bare",
      app: "freeform",
    });
    assert.equal(r.r, 0, r.outs);
    await c.run(15);
    assert.equal(health().checks.POOL_APP_NOT_ENABLED, undefined);
  } finally {
    await c.stop();
  }
});
