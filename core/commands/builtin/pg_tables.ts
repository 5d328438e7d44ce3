/**
 * The PGMap's plain tables as Ceph prints them (PGMap.cc): `dump_pg_stats_plain` (full and
 * brief), the pool table, the OSD table, and the object-count columns they share.
 *
 * @module
 */
import { textTable } from "../../../ceph/text_table.ts";
import { bytesText } from "../../../ceph/units.ts";
import {
  arr,
  num,
  numPgByOsd,
  type Obj,
  type PgStat,
  type StateReader,
  statfsUse,
} from "./state_reader.ts";

/** The note PGMap prints under every table with omap columns. */
export const OMAP_NOTE =
  "\n* NOTE: Omap statistics are gathered during deep scrub and may be inaccurate " +
  "soon afterwards depending on utilization. See " +
  "http://docs.ceph.com/en/latest/dev/placement-group/#omap-statistics for further details.\n";

/** `[1,2,3]`, as Ceph prints a vector of OSD ids. */
export const vec = (v: readonly number[]) => `[${v.join(",")}]`;

/** The `object_stat_sum_t` columns of the PG, pool and sum rows, as `dump_pg_stats_plain` heads them. */
export const SUM_COLS = [
  ["OBJECTS", "R"],
  ["MISSING_ON_PRIMARY", "R"],
  ["DEGRADED", "R"],
  ["MISPLACED", "R"],
  ["UNFOUND", "R"],
  ["BYTES", "R"],
  ["OMAP_BYTES*", "R"],
  ["OMAP_KEYS*", "R"],
  ["LOG", "R"],
  ["DISK_LOG", "R"],
] as const;

/** The cells of {@link SUM_COLS} for one PG, pool or sum entry. */
export function sumCells(stat: Obj): string[] {
  const s = (stat.stat_sum ?? {}) as Obj;
  return [
    s.num_objects,
    s.num_objects_missing_on_primary,
    s.num_objects_degraded,
    s.num_objects_misplaced,
    s.num_objects_unfound,
    s.num_bytes,
    s.num_omap_bytes,
    s.num_omap_keys,
    stat.log_size,
    stat.ondisk_log_size,
  ].map((x) => String(num(x)));
}

/** `dump_pg_stats_plain`: the full or the brief PG table. */
export function pgTable(stats: readonly PgStat[], brief: boolean): string {
  if (brief) {
    return textTable(
      [["PG_STAT", "L"], ["STATE", "R"], ["UP", "R"], ["UP_PRIMARY", "R"], ["ACTING", "R"], [
        "ACTING_PRIMARY",
        "R",
      ]],
      stats.map((s) => [
        s.pgid,
        s.state,
        vec(arr(s.up)),
        String(s.up_primary),
        vec(arr(s.acting)),
        String(s.acting_primary),
      ]),
    );
  }
  return textTable(
    [
      ["PG_STAT", "L"],
      ...SUM_COLS,
      ["STATE", "R"],
      ["STATE_STAMP", "R"],
      ["VERSION", "R"],
      ["REPORTED", "R"],
      ["UP", "R"],
      ["UP_PRIMARY", "R"],
      ["ACTING", "R"],
      ["ACTING_PRIMARY", "R"],
      ["LAST_SCRUB", "R"],
      ["SCRUB_STAMP", "R"],
      ["LAST_DEEP_SCRUB", "R"],
      ["DEEP_SCRUB_STAMP", "R"],
      ["SNAPTRIMQ_LEN", "R"],
    ],
    stats.map((s) => [
      s.pgid,
      ...sumCells(s),
      s.state,
      String(s.last_change ?? ""),
      String(s.version ?? "0'0"),
      `${num(s.reported_epoch)}:${num(s.reported_seq)}`,
      vec(arr(s.up)),
      String(s.up_primary),
      vec(arr(s.acting)),
      String(s.acting_primary),
      String(s.last_scrub ?? "0'0"),
      String(s.last_scrub_stamp ?? ""),
      String(s.last_deep_scrub ?? "0'0"),
      String(s.last_deep_scrub_stamp ?? ""),
      String(num(s.snaptrimq_len)),
    ]),
  );
}

/** The pool table (`POOLID` and the sums); without headings when it follows the PG table. */
export function poolTable(pools: readonly Obj[], header: boolean): string {
  const cols = [["POOLID", "L"], ...SUM_COLS] as [string, "L" | "R"][];
  return textTable(
    header ? cols : cols.map(([, a]) => ["", a] as const),
    pools.map((p) => [String(num(p.poolid)), ...sumCells(p)]),
  );
}

/** The OSD table (`OSD_STAT`): use, heartbeat peers and PG counts per OSD, and the sum. */
export function osdTable(v: StateReader): string {
  const { acting, primary } = numPgByOsd(v.pgStats);
  const rows = v.osdStats.map((o) => {
    const u = statfsUse(o.statfs);
    return [
      String(o.osd),
      bytesText(u.used),
      bytesText(u.available),
      bytesText(u.total - u.available),
      bytesText(u.total),
      vec(arr(o.hb_peers)),
      String(acting.get(o.osd) ?? 0),
      String(primary.get(o.osd) ?? 0),
    ];
  });
  const sum = statfsUse((v.pgDump.osd_stats_sum as { statfs?: Record<string, number> })?.statfs);
  rows.push([
    "sum",
    bytesText(sum.used),
    bytesText(sum.available),
    bytesText(sum.total - sum.available),
    bytesText(sum.total),
  ]);
  return textTable(
    [
      ["OSD_STAT", "L"],
      ["USED", "R"],
      ["AVAIL", "R"],
      ["USED_RAW", "R"],
      ["TOTAL", "R"],
      [
        "HB_PEERS",
        "R",
      ],
      ["PG_SUM", "R"],
      ["PRIMARY_PG_SUM", "R"],
    ],
    rows,
  );
}
