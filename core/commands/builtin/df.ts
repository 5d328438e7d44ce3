/**
 * `df [detail]`, which the manager answers from its PGMap (DaemonServer.cc: PGMap's
 * `dump_cluster_stats` and `dump_pool_stats_full`): raw storage by device class, then one row
 * per pool, plain or JSON. The values are `get('df')`'s; plain `df` and its JSON keep the
 * short set of pool columns, `detail` all of them.
 *
 * @module
 */
import type { MonCommandResult } from "../../cluster_link.ts";
import type { LocalCommand } from "../service.ts";
import { formatJson } from "../../../ceph/format.ts";
import { textTable, type TextTableColumn } from "../../../ceph/text_table.ts";
import { bytesText, siText } from "../../../ceph/units.ts";
import { readCommand } from "./read_command.ts";
import { jsonFormat, ok } from "./reply.ts";
import { arr, num, type Obj, StateReader, type StateSource } from "./state_reader.ts";

/** Ceph's `percentify`: two decimals, `0` below 0.01 (a percentage). */
export function percentify(v: number): string {
  return v < 0.01 ? "0" : v.toFixed(2);
}

/** The pool keys plain `df -f json` keeps (`dump_object_stat_sum` without verbose). */
const SHORT_POOL_KEYS = [
  "stored",
  "objects",
  "kb_used",
  "bytes_used",
  "percent_used",
  "max_avail",
] as const;

const R = (h: string): TextTableColumn => [h, "R", "R"];

function df(v: StateReader, cmd: Obj): MonCommandResult {
  const detail = cmd.detail === "detail";
  const view = (v.source.get("df") ?? {}) as Obj;
  const stats = (view.stats ?? {}) as Obj;
  const byClass = (view.stats_by_class ?? {}) as Record<string, Obj>;
  const pools = arr<{ name: string; id: number; stats: Obj }>(view.pools);
  const f = jsonFormat(cmd);
  if (f) {
    const out = {
      stats,
      stats_by_class: byClass,
      pools: pools.map((p) => ({
        name: p.name,
        id: p.id,
        stats: detail
          ? p.stats
          : Object.fromEntries(SHORT_POOL_KEYS.map((k) => [k, p.stats[k] ?? 0])),
      })),
    };
    const text = formatJson(out, f);
    return ok(text.endsWith("\n") ? text : text + "\n");
  }
  const rawRow = (name: string, s: Obj) => [
    name,
    bytesText(num(s.total_bytes)),
    bytesText(num(s.total_avail_bytes)),
    bytesText(num(s.total_used_bytes)),
    bytesText(num(s.total_used_raw_bytes)),
    percentify(num(s.total_used_raw_ratio) * 100),
  ];
  let text = "--- RAW STORAGE ---\n" + textTable(
    ["CLASS", R("SIZE"), R("AVAIL"), R("USED"), R("RAW USED"), R("%RAW USED")],
    [...Object.entries(byClass).map(([c, s]) => rawRow(c, s)), rawRow("TOTAL", stats)],
  ) + " \n";
  const pgNum = new Map(
    arr<{ pool: number; pg_num?: number }>(v.osdMap.pools).map((p) => [p.pool, num(p.pg_num)]),
  );
  const columns: TextTableColumn[] = ["POOL", R("ID"), R("PGS"), R("STORED")];
  if (detail) columns.push(R("(DATA)"), R("(OMAP)"));
  columns.push(R("OBJECTS"), R("USED"));
  if (detail) columns.push(R("(DATA)"), R("(OMAP)"));
  columns.push(R("%USED"), R("MAX AVAIL"));
  if (detail) {
    columns.push(R("QUOTA OBJECTS"), R("QUOTA BYTES"), R("DIRTY"), R("USED COMPR"));
    columns.push(R("UNDER COMPR"));
  }
  const rows = pools.map((p) => {
    const s = p.stats;
    const b = (k: string) => bytesText(num(s[k]));
    const row = [p.name, String(p.id), String(pgNum.get(p.id) ?? 0), b("stored")];
    if (detail) row.push(b("stored_data"), b("stored_omap"));
    row.push(siText(num(s.objects)), b("bytes_used"));
    if (detail) row.push(b("data_bytes_used"), b("omap_bytes_used"));
    row.push(percentify(num(s.percent_used) * 100), b("max_avail"));
    if (detail) {
      const qo = num(s.quota_objects), qb = num(s.quota_bytes);
      // DIRTY counts only for cache tiers, which the cluster has none of.
      row.push(qo === 0 ? "N/A" : siText(qo), qb === 0 ? "N/A" : bytesText(qb), "N/A");
      row.push(b("compress_bytes_used"), b("compress_under_bytes"));
    }
    return row;
  });
  text += "--- POOLS ---\n" + textTable(columns, rows);
  return ok(text);
}

/** `df [detail]`, bound to a source of state. The signature is MgrCommands.h's. */
export function dfCommands(source: StateSource): LocalCommand[] {
  const v = new StateReader(source);
  return [
    readCommand(
      "df name=detail,type=CephChoices,strings=detail,req=false",
      "show cluster free space stats",
      "mon",
      (c) => df(v, c),
    ),
  ];
}
