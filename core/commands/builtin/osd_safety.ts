/**
 * What the manager says about stopping or destroying OSDs, from its PGMap and OSDMap
 * (DaemonServer.cc): `osd ok-to-stop` (`_check_offlines_pgs`, `_maximize_ok_to_stop_set`),
 * `osd safe-to-destroy`, and `osd blocked-by` (PGMap's blocked-by sums), plain and JSON.
 *
 * @module
 */
import type { MonCommandResult } from "../../cluster_link.ts";
import type { LocalCommand } from "../service.ts";
import { EAGAIN, EBUSY, EINVAL } from "../../../ceph/errno.ts";
import { formatJson } from "../../../ceph/format.ts";
import { strictStrtol } from "../../../ceph/option_value.ts";
import { parsePgid } from "../../../ceph/pg_stat.ts";
import { textTable } from "../../../ceph/text_table.ts";
import { argList, readCommand } from "./read_command.ts";
import { jsonFormat } from "./reply.ts";
import { pgJsonFlushed } from "./pg_json.ts";
import { arr, num, type Obj, StateReader, type StateSource } from "./state_reader.ts";

/** `parse_pos_long` of an OSD id (`osd.3` or `3`): the id, or the message Ceph gives. */
function parseOsdId(text: string): number | string {
  const s = text.startsWith("osd.") ? text.slice(4) : text;
  if (s.startsWith("-") || s.startsWith("+")) return `expected numerical value, got: ${s}`;
  const r = strictStrtol(s);
  if (r.error && r.value === 0n) return r.error;
  if (r.value < 0n) return `unable to parse positive integer '${s}'`;
  return Number(r.value);
}

/** OSDMap::parse_osd_id_list: ids (or `any`/`all`/`*` first for every OSD), sorted. */
function parseOsdIdList(v: StateReader, words: string[]): number[] | string {
  const out = new Set<number>();
  for (const [i, w] of words.entries()) {
    if (i === 0 && (w === "any" || w === "all" || w === "*")) {
      return v.osds.map((o) => o.osd).sort((a, b) => a - b);
    }
    const id = parseOsdId(w);
    if (typeof id === "string") return `${id}invalid osd id '${w}'`;
    out.add(id);
  }
  return [...out].sort((a, b) => a - b);
}

/** pg_t's order: by pool, then by placement seed. */
function pgOrder(a: string, b: string): number {
  const x = parsePgid(a), y = parsePgid(b);
  if (!x || !y) return a < b ? -1 : 1;
  return x.pool - y.pool || x.ps - y.ps;
}

/** DaemonServer's offline_pg_report. */
interface OfflineReport {
  osds: number[];
  ok: string[];
  notOk: string[];
  unknown: string[];
  badNoPool: string[];
  badAlreadyInactive: string[];
  badBecomeInactive: string[];
  okBecomeDegraded: string[];
  okBecomeMoreDegraded: string[];
}

const okToStop = (r: OfflineReport) => r.notOk.length === 0 && r.unknown.length === 0;

/** `_check_offlines_pgs`: what stopping `osds` would do to each PG they hold. */
function checkOfflinePgs(v: StateReader, osds: number[]): OfflineReport {
  const set = new Set(osds);
  const r: OfflineReport = {
    osds,
    ok: [],
    notOk: [],
    unknown: [],
    badNoPool: [],
    badAlreadyInactive: [],
    badBecomeInactive: [],
    okBecomeDegraded: [],
    okBecomeMoreDegraded: [],
  };
  const minSize = new Map(
    arr<{ pool: number; min_size?: number }>(v.osdMap.pools).map((p) => [p.pool, p.min_size]),
  );
  for (const s of [...v.pgStats].sort((a, b) => pgOrder(a.pgid, b.pgid))) {
    const states = new Set(s.state.split("+"));
    if (s.state === "unknown" || s.state === "") {
      r.unknown.push(s.pgid);
      continue;
    }
    // A degraded PG counts its copies without missing objects (avail_no_missing); the
    // simulated OSDs hold every object of their acting PGs, so those are the acting set.
    const remaining = arr<number>(s.acting).filter((o) => !set.has(o) && o !== 0x7fffffff);
    if (remaining.length === arr<number>(s.acting).length) continue;
    const pool = parsePgid(s.pgid)?.pool ?? -1;
    let dangerous = false;
    const min = minSize.get(pool);
    if (min === undefined) {
      r.badNoPool.push(s.pgid);
      dangerous = true;
    }
    if (!states.has("active")) {
      r.badAlreadyInactive.push(s.pgid);
      dangerous = true;
    }
    if (remaining.length < num(min)) {
      r.badBecomeInactive.push(s.pgid);
      dangerous = true;
    }
    if (dangerous) r.notOk.push(s.pgid);
    else {
      r.ok.push(s.pgid);
      (states.has("degraded") ? r.okBecomeMoreDegraded : r.okBecomeDegraded).push(s.pgid);
    }
  }
  return r;
}

/** `_maximize_ok_to_stop_set`: more OSDs under the same CRUSH parents, up to `max`. */
function maximizeOkToStop(v: StateReader, orig: number[], max: number): OfflineReport {
  let out = checkOfflinePgs(v, orig);
  if (!okToStop(out) || orig.length >= max || orig.length === 0) return out;
  const nodes = v.tree;
  const parentOf = new Map<number, number>();
  for (const n of nodes) for (const c of arr<number>(n.children)) parentOf.set(c, num(n.id));
  const byId = new Map(nodes.map((n) => [num(n.id), n]));
  const up = new Set(v.osds.filter((o) => o.up === 1).map((o) => o.osd));
  const children = (id: number): number[] => {
    const out: number[] = [];
    const walk = (x: number) => {
      for (const c of arr<number>(byId.get(x)?.children)) {
        out.push(c);
        if (c < 0) walk(c);
      }
    };
    walk(id);
    return out.sort((a, b) => a - b);
  };
  const osds = new Set(orig);
  let parent = orig[0]!;
  while (true) {
    const next = parentOf.get(parent);
    if (next === undefined) return out;
    parent = next;
    let failed = 0;
    for (const o of children(parent)) {
      if (o < 0 || !up.has(o) || osds.has(o)) continue;
      osds.add(o);
      const report = checkOfflinePgs(v, [...osds].sort((a, b) => a - b));
      if (!okToStop(report)) {
        osds.delete(o);
        failed++;
        continue;
      }
      out = report;
      if (osds.size === max) return out;
    }
    if (failed) return out;
  }
}

function dumpReport(r: OfflineReport): Obj {
  const out: Obj = {
    ok_to_stop: okToStop(r),
    osds: r.osds,
    num_ok_pgs: r.ok.length,
    num_not_ok_pgs: r.notOk.length,
  };
  const lists: [string, string[]][] = [
    ["unknown_pgs", r.unknown],
    ["bad_no_pool_pgs", r.badNoPool],
    ["bad_already_inactive", r.badAlreadyInactive],
    ["bad_become_inactive", r.badBecomeInactive],
    ["ok_become_degraded", r.okBecomeDegraded],
    ["ok_become_more_degraded", r.okBecomeMoreDegraded],
  ];
  for (const [k, l] of lists) if (l.length > 0) out[k] = l;
  return out;
}

function osdOkToStop(v: StateReader, cmd: Obj): MonCommandResult {
  const ids = parseOsdIdList(v, argList(cmd.ids));
  if (typeof ids === "string") return { r: -EINVAL, outb: "", outs: ids };
  if (ids.length === 0) return { r: -EINVAL, outb: "", outs: "must specify one or more OSDs" };
  const max = Math.max(typeof cmd.max === "number" ? cmd.max : 1, ids.length);
  const report = maximizeOkToStop(v, ids, max);
  // Always JSON, whatever the format asked for.
  const outb = formatJson(dumpReport(report), jsonFormat(cmd) ?? "json") + "\n";
  if (report.unknown.length > 0) {
    return {
      r: -EAGAIN,
      outb,
      outs: `${report.unknown.length} pgs have unknown state; cannot draw any conclusions`,
    };
  }
  if (!okToStop(report)) {
    return {
      r: -EBUSY,
      outb,
      outs: `unsafe to stop osd(s) at this time (${report.notOk.length} PGs are or would ` +
        "become offline)",
    };
  }
  return { r: 0, outb, outs: "" };
}

function osdSafeToDestroy(v: StateReader, cmd: Obj): MonCommandResult {
  const ids = parseOsdIdList(v, argList(cmd.ids));
  if (typeof ids === "string") return { r: -EINVAL, outb: "", outs: ids };
  if (ids.length === 0) return { r: -EINVAL, outb: "", outs: "must specify one or more OSDs" };
  const stats = v.pgStats;
  const unknown = stats.filter((s) => s.state === "unknown").length;
  if (unknown > 0) {
    return {
      r: -EAGAIN,
      outb: "",
      outs: `${unknown} pgs have unknown state; cannot draw any conclusions`,
    };
  }
  const exists = new Map(v.osds.map((o) => [o.osd, o]));
  const acting = new Map<number, number>();
  const upNotActing = new Map<number, number>();
  for (const s of stats) {
    const a = arr<number>(s.acting);
    for (const o of a) acting.set(o, (acting.get(o) ?? 0) + 1);
    for (const o of arr<number>(s.up)) {
      if (!a.includes(o)) upNotActing.set(o, (upNotActing.get(o) ?? 0) + 1);
    }
  }
  const allClean = stats.every((s) => {
    const st = s.state.split("+");
    return st.includes("active") && st.includes("clean");
  });
  const osdStat = new Map(v.osdStats.map((o) => [o.osd, o]));
  const safe: number[] = [], active: number[] = [], missing: number[] = [], stored: number[] = [];
  let affected = 0;
  for (const id of ids) {
    const o = exists.get(id);
    if (!o) {
      safe.push(id);
      continue;
    }
    const n = (acting.get(id) ?? 0) + (upNotActing.get(id) ?? 0);
    if (n > 0) {
      active.push(id);
      affected += n;
      continue;
    }
    if (!allClean) {
      const st = osdStat.get(id);
      if (!st || o.up !== 1) {
        missing.push(id);
        continue;
      }
      if (num(st.num_pgs) > 0) {
        stored.push(id);
        continue;
      }
    }
    safe.push(id);
  }
  const f = jsonFormat(cmd);
  if (f) {
    const out = { safe_to_destroy: safe, active, missing_stats: missing, stored_pgs: stored };
    return { r: 0, outb: formatJson(out, f), outs: "" };
  }
  if (active.length === 0 && missing.length === 0 && stored.length === 0) {
    return {
      r: 0,
      outb: "",
      outs: `OSD(s) ${ids.join(",")} are safe to destroy without reducing data durability.`,
    };
  }
  let ss = "";
  if (safe.length > 0) {
    ss += `OSD(s) ${safe.join(",")} are safe to destroy without reducing data durability. `;
  }
  if (active.length > 0) {
    ss += `OSD(s) ${active.join(",")} have ${affected} pgs currently mapped to them. `;
  }
  if (missing.length > 0) {
    ss += `OSD(s) ${missing.join(",")} have no reported stats, and not all PGs are ` +
      "active+clean; we cannot draw any conclusions. ";
  }
  if (stored.length > 0) {
    ss += `OSD(s) ${stored.join(",")} last reported they still store some PG data, and not ` +
      "all PGs are active+clean; we cannot be sure they aren't still needed.";
  }
  const r = active.length > 0 || stored.length > 0 ? -EBUSY : -EAGAIN;
  return { r, outb: "", outs: ss };
}

function osdBlockedBy(v: StateReader, cmd: Obj): MonCommandResult {
  const sum = new Map<number, number>();
  for (const s of v.pgStats) {
    for (const o of arr<number>(s.blocked_by)) sum.set(o, (sum.get(o) ?? 0) + 1);
  }
  const rows = [...sum].sort((a, b) => a[0] - b[0]);
  const f = jsonFormat(cmd);
  if (f) {
    return {
      r: 0,
      outb: pgJsonFlushed(v, f, {
        osd_blocked_by: {
          osd_blocked_by_infos: rows.map(([id, n]) => ({ id, num_blocked: n })),
        },
      }),
      outs: "",
    };
  }
  return {
    r: 0,
    outb: textTable(
      [["osd", "R", "L"], ["num_blocked", "R", "L"]],
      rows.map(([id, n]) => [String(id), String(n)]),
    ),
    outs: "",
  };
}

/** `osd ok-to-stop`, `osd safe-to-destroy`, `osd blocked-by`; signatures are MgrCommands.h's. */
export function osdSafetyCommands(source: StateSource): LocalCommand[] {
  const v = new StateReader(source);
  return [
    readCommand(
      "osd ok-to-stop name=ids,type=CephString,n=N name=max,type=CephInt,req=false",
      "check whether osd(s) can be safely stopped without reducing immediate data availability",
      "osd",
      (c) => osdOkToStop(v, c),
    ),
    readCommand(
      "osd safe-to-destroy name=ids,type=CephString,n=N",
      "check whether osd(s) can be safely destroyed without reducing data durability",
      "osd",
      (c) => osdSafeToDestroy(v, c),
    ),
    readCommand(
      "osd blocked-by",
      "print histogram of which OSDs are blocking their peers",
      "osd",
      (c) => osdBlockedBy(v, c),
    ),
  ];
}
