import assert from "node:assert/strict";
import { PgIntake } from "../core/state/pg_intake.ts";
import type { OsdMapFacts } from "../core/state/pg_map.ts";
import { osdPingTimes, type PgDumpJson, pgDumpReport } from "../link/pg_dump_report.ts";
import { referenceGet } from "./_reference.ts";

type Dump = NonNullable<PgDumpJson["pg_map"]> & {
  pg_stats: Record<string, unknown>[];
  osd_stats: Record<string, unknown>[];
};

Deno.test("a real pg dump turned into a PG-stat report rebuilds the same pg_stat_t and osd_stat_t", () => {
  // The captured get('pg_dump') of a real 16.2 cluster is the PGMap the real `pg dump` wraps.
  const real = referenceGet("get_pg_dump.json").value as Dump;
  const osdMap = referenceGet("get_osd_map.json").value as OsdMapFacts;
  const intake = new PgIntake();
  intake.activate(1000);
  intake.applyOsdMap(osdMap, 1000);
  const report = pgDumpReport({ pg_map: real }, 1001);
  assert.equal(report.full, true);
  assert.equal(report.pgs.length, real.pg_stats.length);
  intake.ingest(report, 1001);
  const ours = intake.get("pg_dump") as Dump;
  const byId = (d: Dump) =>
    new Map(d.pg_stats.map((p) => [p.pgid as string, JSON.parse(JSON.stringify(p))]));
  assert.deepEqual(byId(ours), byId(real));
  const osds = (d: Dump) => d.osd_stats.map(({ network_ping_times: _, ...rest }) => rest);
  assert.deepEqual(
    JSON.parse(JSON.stringify(osds(ours))),
    osds(real),
    "osd_stat_t, but for the ping times (osd_ping_times)",
  );
  const sum = (d: Dump) => (d as unknown as { pg_stats_sum: unknown }).pg_stats_sum;
  assert.deepEqual(JSON.parse(JSON.stringify(sum(ours))), sum(real));
});

Deno.test("osd_ping_times from a real pg dump has the captured shape", () => {
  const real = referenceGet("get_pg_dump.json").value as Dump;
  const ping = osdPingTimes({ pg_map: real });
  const ref = referenceGet("get_osd_ping_times.json").value as typeof ping;
  assert.deepEqual(
    ping.osd_ping_times.map((p) => (p as { osd: number }).osd).sort(),
    ref.osd_ping_times.map((p) => (p as { osd: number }).osd).sort(),
  );
});
