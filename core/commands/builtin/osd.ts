/**
 * The `osd ...` commands the manager answers from its PGMap and the OSDMap (DaemonServer.cc,
 * PGMap.cc, OSDMap.cc's `print_osd_utilization`): `osd perf`, `osd df [tree]` and
 * `osd pool stats`, plain and JSON.
 *
 * @module
 */
import type { MonCommandResult } from "../../cluster_link.ts";
import type { LocalCommand } from "../service.ts";
import { EINVAL, ENOENT } from "../../../ceph/errno.ts";
import { formatJson } from "../../../ceph/format.ts";
import { textTable } from "../../../ceph/text_table.ts";
import { bytesText, lowPrecisionText, siText, weightText } from "../../../ceph/units.ts";
import { readCommand } from "./read_command.ts";
import { fail, jsonFormat, ok } from "./reply.ts";
import { pgJsonFlushed } from "./pg_json.ts";
import { arr, num, numPgByOsd, type Obj, StateReader, type StateSource } from "./state_reader.ts";

// ---- osd perf ----------------------------------------------------------------------------

function osdPerf(v: StateReader, cmd: Obj): MonCommandResult {
  const stats = v.osdStats;
  const f = jsonFormat(cmd);
  if (f) {
    return ok(pgJsonFlushed(v, f, {
      osdstats: {
        osd_perf_infos: stats.map((o) => ({
          id: o.osd,
          perf_stats: {
            commit_latency_ms: num(o.perf_stat?.commit_latency_ms),
            apply_latency_ms: num(o.perf_stat?.apply_latency_ms),
            commit_latency_ns: num(o.perf_stat?.commit_latency_ns),
            apply_latency_ns: num(o.perf_stat?.apply_latency_ns),
          },
        })),
      },
    }));
  }
  const ms = (ns: unknown, msv: unknown) =>
    String(typeof ns === "number" ? Math.trunc(ns / 1e6) : num(msv));
  return ok(textTable(
    [["osd", "R"], ["commit_latency(ms)", "R"], ["apply_latency(ms)", "R"]],
    stats.map((o) => [
      String(o.osd),
      ms(o.perf_stat?.commit_latency_ns, o.perf_stat?.commit_latency_ms),
      ms(o.perf_stat?.apply_latency_ns, o.perf_stat?.apply_latency_ms),
    ]),
  ));
}

// ---- osd df ------------------------------------------------------------------------------

interface DfItem {
  node: Obj;
  id: number;
  depth: number;
  kb: number;
  kbUsed: number;
  kbData: number;
  kbOmap: number;
  kbMeta: number;
  kbAvail: number;
}

function osdDf(v: StateReader, cmd: Obj): MonCommandResult {
  const tree = cmd.output_method === "tree";
  const filter = typeof cmd.filter === "string" && cmd.filter !== "" ? cmd.filter : null;
  const nodes = v.tree;
  const byId = new Map(nodes.map((n) => [num(n.id), n]));
  const stats = new Map(v.osdStats.map((o) => [o.osd, o]));
  const osds = new Map(v.osds.map((o) => [o.osd, o]));
  const pool = filter ? v.pools.find((p) => p.pool_name === filter) : undefined;
  if (
    filter && !pool && !nodes.some((n) => n.name === filter) &&
    !nodes.some((n) => n.device_class === filter)
  ) {
    return fail(EINVAL, `'${filter}' not a pool, crush node or device class name`);
  }
  // Which OSDs the filter keeps: a device class, the OSDs under a CRUSH node, or a pool's OSDs.
  let keep: ((id: number) => boolean) | null = null;
  if (filter && pool) {
    const ids = new Set<number>();
    for (const s of v.pgStats) {
      if (Number(s.pgid.split(".")[0]) === pool.pool) {
        arr<number>(s.acting).forEach((o) => ids.add(o));
      }
    }
    keep = (id) => ids.has(id);
  } else if (filter && nodes.some((n) => n.name === filter)) {
    const under = new Set<number>();
    const walk = (id: number) => {
      under.add(id);
      for (const c of arr<number>(byId.get(id)?.children)) walk(c);
    };
    walk(num(nodes.find((n) => n.name === filter)!.id));
    keep = (id) => under.has(id);
  } else if (filter) {
    keep = (id) => byId.get(id)?.device_class === filter;
  }

  const crushWeight = (id: number): number => {
    const n = byId.get(id);
    if (id >= 0 || typeof n?.crush_weight === "number") return num(n?.crush_weight);
    return arr<number>(n?.children).reduce((w, c) => w + crushWeight(c), 0);
  };
  const usage = (id: number): Omit<DfItem, "node" | "id" | "depth"> => {
    const zero = { kb: 0, kbUsed: 0, kbData: 0, kbOmap: 0, kbMeta: 0, kbAvail: 0 };
    if (id >= 0) {
      const o = stats.get(id);
      if (!o || osds.get(id)?.in === 0) return zero;
      return {
        kb: num(o.kb),
        kbUsed: num(o.kb_used),
        kbData: num(o.kb_used_data),
        kbOmap: num(o.kb_used_omap),
        kbMeta: num(o.kb_used_meta),
        kbAvail: num(o.kb_avail),
      };
    }
    const total = { ...zero };
    for (const c of arr<number>(byId.get(id)?.children)) {
      if (keep && c >= 0 && !keep(c)) continue;
      const u = usage(c);
      total.kb += u.kb;
      total.kbUsed += u.kbUsed;
      total.kbData += u.kbData;
      total.kbOmap += u.kbOmap;
      total.kbMeta += u.kbMeta;
      total.kbAvail += u.kbAvail;
    }
    return total;
  };

  // Walk the CRUSH tree depth first from the roots; OSDs in no bucket come last (stray).
  const items: DfItem[] = [];
  const touched = new Set<number>();
  const visit = (id: number, depth: number) => {
    const node = byId.get(id);
    if (!node || touched.has(id)) return;
    touched.add(id);
    if (id >= 0 && keep && !keep(id)) return;
    items.push({ node, id, depth, ...usage(id) });
    for (const c of [...arr<number>(node.children)].reverse()) visit(c, depth + 1);
  };
  const children = new Set(nodes.flatMap((n) => arr<number>(n.children)));
  for (const n of nodes) if (num(n.id) < 0 && !children.has(num(n.id))) visit(num(n.id), 0);
  const stray = v.osds.filter((o) => !touched.has(o.osd) && (!keep || keep(o.osd)))
    .map((o) => ({ node: byId.get(o.osd) ?? { id: o.osd, name: `osd.${o.osd}` }, id: o.osd }))
    .map(({ node, id }) => ({ node, id, depth: 0, ...usage(id) }));

  const counted = [...items, ...stray].filter((i) => i.id >= 0);
  const inOsds = counted.filter((i) => num(osds.get(i.id)?.weight ?? 1) > 0);
  const kbAll = inOsds.reduce((n, i) => n + i.kb, 0);
  const avg = kbAll > 0 ? 100 * inOsds.reduce((n, i) => n + i.kbUsed, 0) / kbAll : 0;
  const { acting } = numPgByOsd(v.pgStats);
  let minVar = -1, maxVar = -1, dev = 0, wsum = 0;
  const rowOf = (i: DfItem) => {
    const bucket = i.id < 0;
    const reweight = bucket ? -1 : num(osds.get(i.id)?.weight);
    const util = i.kb > 0 && i.kbUsed > 0 ? 100 * i.kbUsed / i.kb : 0;
    const variance = avg ? util / avg : 1;
    const pgs = bucket ? 0 : acting.get(i.id) ?? 0;
    const o = osds.get(i.id);
    const status = bucket ? "" : o?.up ? "up" : o ? "down" : "destroyed";
    if (!bucket && reweight > 0) {
      if (minVar < 0 || variance < minVar) minVar = variance;
      if (maxVar < 0 || variance > maxVar) maxVar = variance;
      dev += reweight * (util - avg) ** 2;
      wsum += reweight;
    }
    return { i, bucket, reweight, util, variance, pgs, status };
  };
  const shown = [...items, ...stray].filter((i) => tree || i.id >= 0).map(rowOf);
  const sum = counted.reduce(
    (t, i) => ({
      kb: t.kb + i.kb,
      kbUsed: t.kbUsed + i.kbUsed,
      kbData: t.kbData + i.kbData,
      kbOmap: t.kbOmap + i.kbOmap,
      kbMeta: t.kbMeta + i.kbMeta,
      kbAvail: t.kbAvail + i.kbAvail,
    }),
    { kb: 0, kbUsed: 0, kbData: 0, kbOmap: 0, kbMeta: 0, kbAvail: 0 },
  );
  const stddev = wsum > 0 ? Math.sqrt(dev / wsum) : 0;

  const f = jsonFormat(cmd);
  if (f) {
    const json = (r: ReturnType<typeof rowOf>) => {
      const n = r.i.node;
      return {
        id: r.i.id,
        ...(n.device_class !== undefined ? { device_class: n.device_class } : {}),
        name: n.name ?? `osd.${r.i.id}`,
        type: n.type ?? "osd",
        type_id: num(n.type_id),
        crush_weight: crushWeight(r.i.id),
        depth: r.i.depth,
        ...(r.bucket ? { pool_weights: n.pool_weights ?? {} } : {}),
        reweight: r.reweight,
        kb: r.i.kb,
        kb_used: r.i.kbUsed,
        kb_used_data: r.i.kbData,
        kb_used_omap: r.i.kbOmap,
        kb_used_meta: r.i.kbMeta,
        kb_avail: r.i.kbAvail,
        utilization: r.util,
        var: r.variance,
        pgs: r.pgs,
        ...(r.bucket ? { children: n.children ?? [] } : { status: r.status }),
      };
    };
    const strayIds = new Set(stray.map((s) => s.id));
    return ok(
      formatJson({
        nodes: shown.filter((r) => !strayIds.has(r.i.id)).map(json),
        stray: shown.filter((r) => strayIds.has(r.i.id)).map(json),
        summary: {
          total_kb: sum.kb,
          total_kb_used: sum.kbUsed,
          total_kb_used_data: sum.kbData,
          total_kb_used_omap: sum.kbOmap,
          total_kb_used_meta: sum.kbMeta,
          total_kb_avail: sum.kbAvail,
          average_utilization: avg,
          min_var: minVar,
          max_var: maxVar,
          dev: stddev,
        },
        // print_osd_utilization ends its output with a newline in either JSON format.
      }, f) + (f === "json" ? "\n" : ""),
    );
  }
  const b = (kb: number) => bytesText(kb * 1024);
  const rows = shown.map((r) => {
    const n = r.i.node;
    const cells = [
      String(r.i.id),
      String(n.device_class ?? ""),
      weightText(crushWeight(r.i.id)),
      weightText(r.reweight),
      b(r.i.kb),
      b(r.i.kbUsed),
      b(r.i.kbData),
      b(r.i.kbOmap),
      b(r.i.kbMeta),
      b(r.i.kbAvail),
      lowPrecisionText(r.util),
      lowPrecisionText(r.variance),
      r.bucket ? "-" : String(r.pgs),
      r.status,
    ];
    if (tree) {
      cells.push(
        "    ".repeat(r.i.depth) + (r.bucket ? `${n.type} ${n.name}` : `osd.${r.i.id}`),
      );
    }
    return cells;
  });
  rows.push([
    "",
    "",
    "",
    "TOTAL",
    b(sum.kb),
    b(sum.kbUsed),
    b(sum.kbData),
    b(sum.kbOmap),
    b(sum.kbMeta),
    b(sum.kbAvail),
    lowPrecisionText(avg),
    "",
  ]);
  const cols: [string, "L" | "R"][] = [
    ["ID", "R"],
    ["CLASS", "R"],
    ["WEIGHT", "R"],
    ["REWEIGHT", "R"],
    ["SIZE", "R"],
    ["RAW USE", "R"],
    ["DATA", "R"],
    ["OMAP", "R"],
    ["META", "R"],
    ["AVAIL", "R"],
    ["%USE", "R"],
    ["VAR", "R"],
    ["PGS", "R"],
    ["STATUS", "R"],
  ];
  if (tree) cols.push(["TYPE NAME", "L"]);
  return ok(
    textTable(cols, rows) +
      `MIN/MAX VAR: ${lowPrecisionText(minVar)}/${lowPrecisionText(maxVar)}  STDDEV: ${
        lowPrecisionText(stddev)
      }\n`,
  );
}

// ---- osd pool stats ----------------------------------------------------------------------

function ioText(rate: Obj): string {
  const parts: string[] = [];
  if (num(rate.read_bytes_sec)) parts.push(`${bytesText(num(rate.read_bytes_sec))}/s rd`);
  if (num(rate.write_bytes_sec)) parts.push(`${bytesText(num(rate.write_bytes_sec))}/s wr`);
  if (rate.read_op_per_sec !== undefined || rate.write_op_per_sec !== undefined) {
    parts.push(
      `${siText(num(rate.read_op_per_sec))} op/s rd`,
      `${siText(num(rate.write_op_per_sec))} op/s wr`,
    );
  }
  return parts.join(", ");
}

function recoveryLines(rec: Obj): string[] {
  const lines: string[] = [];
  const pct = (r: unknown) => (num(r) * 100).toFixed(3);
  if (rec.degraded_objects !== undefined) {
    lines.push(
      `${num(rec.degraded_objects)}/${num(rec.degraded_total)} objects degraded (${
        pct(rec.degraded_ratio)
      }%)`,
    );
  }
  if (rec.misplaced_objects !== undefined) {
    lines.push(
      `${num(rec.misplaced_objects)}/${num(rec.misplaced_total)} objects misplaced (${
        pct(rec.misplaced_ratio)
      }%)`,
    );
  }
  if (rec.unfound_objects !== undefined) {
    lines.push(
      `${num(rec.unfound_objects)}/${num(rec.unfound_total)} objects unfound (${
        pct(rec.unfound_ratio)
      }%)`,
    );
  }
  return lines;
}

function osdPoolStats(v: StateReader, cmd: Obj): MonCommandResult {
  const name = typeof cmd.pool_name === "string" && cmd.pool_name !== "" ? cmd.pool_name : null;
  const pools = v.pools;
  if (name !== null && !pools.some((p) => p.pool_name === name)) {
    return fail(ENOENT, `unrecognized pool '${name}'`);
  }
  const stats = new Map(v.osdPoolStats().map((s) => [num(s.pool_id), s]));
  const chosen = pools.filter((p) => name === null || p.pool_name === name).map((p) =>
    stats.get(p.pool) ?? {
      pool_name: p.pool_name,
      pool_id: p.pool,
      recovery: {},
      recovery_rate: {},
      client_io_rate: {},
    }
  );
  const f = jsonFormat(cmd);
  if (f) return ok(formatJson(chosen, f));
  if (pools.length === 0) return { r: 0, outb: "", outs: "there are no pools!" };
  let text = "";
  for (const s of chosen) {
    const lines = recoveryLines((s.recovery ?? {}) as Obj).map((l) => `  ${l}\n`);
    const rec = ioText((s.recovery_rate ?? {}) as Obj);
    if (rec) lines.push(`  recovery io ${rec}\n`);
    const client = ioText((s.client_io_rate ?? {}) as Obj);
    if (client) lines.push(`  client io ${client}\n`);
    text += `pool ${s.pool_name} id ${num(s.pool_id)}\n` +
      (lines.length ? lines.join("") + "\n" : "  nothing is going on\n\n");
  }
  return ok(text);
}

/** The `osd` commands, bound to a source of state. Signatures are MgrCommands.h's. */
export function osdCommands(source: StateSource): LocalCommand[] {
  const v = new StateReader(source);
  return [
    readCommand("osd perf", "print dump of OSD perf summary stats", "osd", (c) => osdPerf(v, c)),
    readCommand(
      "osd df name=output_method,type=CephChoices,strings=plain|tree,req=false " +
        "name=filter_by,type=CephChoices,strings=class|name,req=false " +
        "name=filter,type=CephString,req=false",
      "show OSD utilization",
      "osd",
      (c) => osdDf(v, c),
    ),
    readCommand(
      "osd pool stats name=pool_name,type=CephPoolname,req=false",
      "obtain stats from all pools, or from specified pool",
      "osd",
      (c) => osdPoolStats(v, c),
    ),
  ];
}
