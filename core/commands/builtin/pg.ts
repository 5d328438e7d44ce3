/**
 * The `pg ...` commands the manager answers from its PGMap (DaemonServer.cc, PGMap.cc):
 * `pg stat`, `pg dump`, `pg ls`, `pg ls-by-pool|primary|osd` and `pg dump_stuck`, plain and
 * JSON, with Ceph's errors.
 *
 * @module
 */
import type { MonCommandResult } from "../../cluster_link.ts";
import type { LocalCommand } from "../service.ts";
import { EAGAIN, EINVAL, ENOENT } from "../../../ceph/errno.ts";
import { textTable } from "../../../ceph/text_table.ts";
import { parsePgState, pgStateBit, pgStateString } from "../../../ceph/pg_state.ts";
import { stampSeconds, utimespanText } from "../../../ceph/time.ts";
import { bytesText, siText } from "../../../ceph/units.ts";
import { argList, intArg, readCommand } from "./read_command.ts";
import { fail, jsonFormat, ok } from "./reply.ts";
import { pgJson, pgJsonFlushed } from "./pg_json.ts";
import { OMAP_NOTE, osdTable, pgTable, poolTable, SUM_COLS, sumCells, vec } from "./pg_tables.ts";
import {
  arr,
  num,
  type Obj,
  type PgStat,
  StateReader,
  type StateSource,
  statfsUse,
} from "./state_reader.ts";

/** What the `pg` commands need of the manager: its views, the time, and one option. */
export interface PgSource extends StateSource {
  /** A daemon option typed by its schema (`mon_pg_stuck_threshold`). */
  cephOption(key: string): unknown;
}

/** `pg_state_string(0xFFFFFFFF)`: the state names `pg ls` lists when given a bad one. */
const ALL_STATES = pgStateString(2 ** 32 - 1);

/** A pgid's sort key: pool, then placement seed (hex), as `set<pg_t>` orders them. */
function pgOrder(a: { pgid: string }, b: { pgid: string }): number {
  const [pa, sa] = a.pgid.split(".");
  const [pb, sb] = b.pgid.split(".");
  return Number(pa) - Number(pb) || parseInt(sa ?? "0", 16) - parseInt(sb ?? "0", 16);
}

/** The state bits of a state string, by Ceph's numbering (`unknown` is 0). */
const stateBits = (state: string): number => parsePgState(state) ?? 0;

// ---- pg stat -----------------------------------------------------------------------------

function pgStat(v: StateReader, cmd: Obj): MonCommandResult {
  const stats = v.pgStats;
  const byState = new Map<string, number>();
  for (const s of stats) byState.set(s.state, (byState.get(s.state) ?? 0) + 1);
  const states = [...byState].sort(([a], [b]) => stateBits(a) - stateBits(b));
  const dump = v.pgDump;
  const sum = (dump.pg_stats_sum as { stat_sum?: Obj } | undefined)?.stat_sum ?? {};
  const statfs = (dump.osd_stats_sum as { statfs?: Record<string, number> } | undefined)?.statfs;
  const use = statfsUse(statfs);
  const delta = (dump.pg_stats_delta ?? {}) as { stat_sum?: Obj; stamp_delta?: unknown };
  const d = delta.stat_sum ?? {};
  const seconds = Number(delta.stamp_delta ?? 0);
  const io: Obj = {};
  const rates: string[] = [];
  if (seconds > 0 && (num(d.num_read) > 0 || num(d.num_write) > 0)) {
    if (num(d.num_read) > 0) {
      io.read_bytes_sec = Math.trunc(num(d.num_read_kb) * 1024 / seconds);
      rates.push(`${bytesText(io.read_bytes_sec as number)}/s rd`);
    }
    if (num(d.num_write) > 0) {
      io.write_bytes_sec = Math.trunc(num(d.num_write_kb) * 1024 / seconds);
      rates.push(`${bytesText(io.write_bytes_sec as number)}/s wr`);
    }
    io.io_sec = Math.trunc((num(d.num_read) + num(d.num_write)) / seconds);
    rates.push(`${siText(io.io_sec as number)} op/s`);
  }
  const f = jsonFormat(cmd);
  if (f) {
    return ok(pgJsonFlushed(v, f, {
      pg_summary: {
        num_pg_by_state: states.map(([name, n]) => ({ name, num: n })),
        num_pgs: stats.length,
        num_bytes: num(sum.num_bytes),
        total_bytes: use.total,
        total_avail_bytes: use.available,
        total_used_bytes: use.used,
        total_used_raw_bytes: use.total - use.available,
        ...io,
      },
    }));
  }
  return ok(
    `${stats.length} pgs: ${states.map(([s, n]) => `${n} ${s}`).join(", ")}; ` +
      `${bytesText(num(sum.num_bytes))} data, ${bytesText(use.used)} used, ` +
      `${bytesText(use.available)} / ${bytesText(use.total)} avail` +
      (rates.length ? `; ${rates.join(", ")}` : "") + "\n",
  );
}

// ---- pg dump -----------------------------------------------------------------------------

function basicText(dump: Obj): string {
  return `version ${num(dump.version)}\nstamp ${dump.stamp ?? "0.000000"}\n` +
    `last_osdmap_epoch ${num(dump.last_osdmap_epoch)}\nlast_pg_scan ${num(dump.last_pg_scan)}\n`;
}

function pgDump(v: StateReader, cmd: Obj): MonCommandResult {
  const what = new Set(argList(cmd.dumpcontents));
  if (what.size === 0) what.add("all");
  const outs = `dumped ${[...what].sort().join(",")}`;
  const dump = v.pgDump;
  const basic = {
    version: num(dump.version),
    stamp: dump.stamp ?? "0.000000",
    last_osdmap_epoch: num(dump.last_osdmap_epoch),
    last_pg_scan: num(dump.last_pg_scan),
    pg_stats_sum: dump.pg_stats_sum ?? {},
    osd_stats_sum: dump.osd_stats_sum ?? {},
    pg_stats_delta: dump.pg_stats_delta ?? {},
  };
  const brief = (s: PgStat) => ({
    pgid: s.pgid,
    state: s.state,
    up: s.up,
    acting: s.acting,
    up_primary: s.up_primary,
    acting_primary: s.acting_primary,
  });
  const f = jsonFormat(cmd);
  if (f) {
    let body: Obj;
    if (what.has("all")) {
      body = {
        pg_map: {
          ...basic,
          pg_stats: v.pgStats,
          pool_stats: v.poolStats,
          osd_stats: v.osdStats,
          pool_statfs: arr(dump.pool_statfs),
        },
      };
    } else if (what.has("summary") || what.has("sum")) {
      body = { pg_map: basic };
    } else {
      body = {};
      if (what.has("pools")) body.pool_stats = v.poolStats;
      if (what.has("osds")) body.osd_stats = v.osdStats;
      if (what.has("pgs")) body.pg_stats = v.pgStats;
      if (what.has("pgs_brief")) body.pg_stats = v.pgStats.map(brief);
      if (what.has("delta")) body.delta = { pg_stats_delta: basic.pg_stats_delta };
    }
    return ok(pgJson(v, f, body), outs);
  }
  const sumRow = (stat: Obj, header: boolean) =>
    textTable(
      ([["PG_STAT", "L"], ...SUM_COLS] as [string, "L" | "R"][]).map((
        [h, a],
      ) => [header ? h : "", a] as const),
      [["sum", ...sumCells(stat)]],
    );
  let text = "";
  let note = false;
  if (what.has("all")) {
    text = basicText(dump) + pgTable(v.pgStats, false) + poolTable(v.poolStats, false) +
      sumRow(basic.pg_stats_sum as Obj, false) + osdTable(v);
    note = true;
  } else if (what.has("summary") || what.has("sum")) {
    const s = statfsUse((basic.osd_stats_sum as { statfs?: Record<string, number> }).statfs);
    text = basicText(dump) + sumRow(basic.pg_stats_sum as Obj, true) + textTable(
      [["OSD_STAT", "L"], ["USED", "R"], ["AVAIL", "R"], ["USED_RAW", "R"], ["TOTAL", "R"]],
      [[
        "sum",
        bytesText(s.used),
        bytesText(s.available),
        bytesText(s.total - s.available),
        bytesText(s.total),
      ]],
    );
    note = true;
  } else {
    if (what.has("pgs_brief")) text += pgTable(v.pgStats, true);
    let header = true;
    if (what.has("pgs")) {
      text += pgTable(v.pgStats, false);
      header = false;
      note = true;
    }
    if (what.has("pools")) {
      text += poolTable(v.poolStats, header);
      note = true;
    }
    if (what.has("osds")) text += osdTable(v);
  }
  return ok(text + (note ? OMAP_NOTE : ""), outs);
}

// ---- pg ls, ls-by-* ----------------------------------------------------------------------

interface LsQuery {
  pool: number;
  osd: number;
  primary: boolean;
  states: string[];
}

function pgLs(v: StateReader, cmd: Obj, q: LsQuery): MonCommandResult {
  if (q.pool >= 0 && !v.pools.some((p) => p.pool === q.pool)) {
    return fail(ENOENT, `pool ${q.pool} does not exist`);
  }
  if (q.osd >= 0 && !v.osds.some((o) => o.osd === q.osd && o.up)) {
    return fail(EAGAIN, `osd ${q.osd} is not up`);
  }
  const wanted = new Set<string>();
  let all = q.states.length === 0;
  for (const s of q.states) {
    if (s === "all") all = true;
    else if (s === "unknown" || pgStateBit(s) !== undefined) wanted.add(s);
    else {
      return fail(EINVAL, `'${s}' is not a valid pg state, available choices: ${ALL_STATES}`);
    }
  }
  const pgs = v.pgStats.filter((s) => {
    if (q.pool >= 0 && Number(s.pgid.split(".")[0]) !== q.pool) return false;
    if (q.osd >= 0) {
      const on = q.primary ? s.acting_primary === q.osd : arr<number>(s.acting).includes(q.osd);
      if (!on) return false;
    }
    return all || s.state.split("+").some((part) => wanted.has(part));
  }).sort(pgOrder);
  const f = jsonFormat(cmd);
  if (f) return ok(pgJson(v, f, pgs.length ? { pg_stats: pgs } : {}));
  if (pgs.length === 0) return ok("");
  const now = v.source.now();
  return ok(
    textTable(
      [
        ["PG", "L"],
        ["OBJECTS", "R"],
        ["DEGRADED", "R"],
        ["MISPLACED", "R"],
        ["UNFOUND", "R"],
        ["BYTES", "R"],
        ["OMAP_BYTES*", "R"],
        ["OMAP_KEYS*", "R"],
        ["LOG", "R"],
        ["STATE", "R"],
        ["SINCE", "R"],
        ["VERSION", "R"],
        ["REPORTED", "R"],
        ["UP", "R"],
        ["ACTING", "R"],
        ["SCRUB_STAMP", "R"],
        ["DEEP_SCRUB_STAMP", "R"],
      ],
      pgs.map((s) => {
        const sum = s.stat_sum ?? {};
        return [
          s.pgid,
          String(num(sum.num_objects)),
          String(num(sum.num_objects_degraded)),
          String(num(sum.num_objects_misplaced)),
          String(num(sum.num_objects_unfound)),
          String(num(sum.num_bytes)),
          String(num(sum.num_omap_bytes)),
          String(num(sum.num_omap_keys)),
          String(num(s.log_size)),
          s.state,
          utimespanText(now - stampSeconds(s.last_change)),
          String(s.version ?? "0'0"),
          `${num(s.reported_epoch)}:${num(s.reported_seq)}`,
          `${vec(arr(s.up))}p${s.up_primary}`,
          `${vec(arr(s.acting))}p${s.acting_primary}`,
          String(s.last_scrub_stamp ?? ""),
          String(s.last_deep_scrub_stamp ?? ""),
        ];
      }),
    ) + OMAP_NOTE,
  );
}

// ---- pg dump_stuck -----------------------------------------------------------------------

/** For each stuck type: does it apply to a state, and since when has the PG been so. */
const STUCK: Readonly<Record<string, [(s: string[]) => boolean, string]>> = {
  inactive: [(s) => !s.includes("active"), "last_active"],
  unclean: [(s) => !s.includes("clean"), "last_clean"],
  degraded: [(s) => s.includes("degraded"), "last_undegraded"],
  undersized: [(s) => s.includes("undersized"), "last_fullsized"],
  stale: [(s) => s.includes("stale"), "last_unstale"],
};

function pgDumpStuck(v: StateReader, cmd: Obj, source: PgSource): MonCommandResult {
  const types = argList(cmd.stuckops);
  if (types.length === 0) types.push("unclean");
  for (const t of types) {
    if (!Object.hasOwn(STUCK, t)) return ok(`Unknown type: ${t}\n`, "failed");
  }
  const threshold = typeof cmd.threshold === "number"
    ? cmd.threshold
    : num(source.cephOption("mon_pg_stuck_threshold") ?? 60) || 60;
  const cutoff = v.source.now() - threshold;
  const stuck = v.pgStats.filter((s) => {
    const parts = s.state.split("+");
    let since = cutoff;
    for (const t of types) {
      const [applies, field] = STUCK[t]!;
      if (applies(parts)) since = Math.min(since, stampSeconds(s[field]));
    }
    return since < cutoff;
  }).sort(pgOrder);
  const f = jsonFormat(cmd);
  if (f) return ok(pgJsonFlushed(v, f, { stuck_pg_stats: stuck }), "ok");
  return ok(stuck.length ? pgTable(stuck, true) : "", "ok");
}

/**
 * The `pg` commands, bound to a source of state. Signatures are MgrCommands.h's.
 *
 * @example
 * ```ts
 * import { pgCommands } from "./pg.ts";
 * // A manager with no cluster behind it answers as one with an empty PGMap.
 * const commands = pgCommands({ get: () => null, now: () => 0, cephOption: () => undefined });
 * const stat = commands.find((c) => c.desc.prefix === "pg stat")!;
 * const caller = { entity: "client.admin", caps: "allow *" };
 * const r = await stat.run({ prefix: "pg stat" }, "", caller);
 * console.assert(r.r === 0 && r.outb.startsWith("0 pgs: ; 0 B data"));
 * ```
 */
export function pgCommands(source: PgSource): LocalCommand[] {
  const v = new StateReader(source);
  return [
    readCommand("pg stat", "show placement group status.", "pg", (c) => pgStat(v, c)),
    readCommand(
      "pg dump name=dumpcontents,type=CephChoices," +
        "strings=all|summary|sum|delta|pools|osds|pgs|pgs_brief,n=N,req=false",
      "show human-readable versions of pg map (only 'all' valid with plain)",
      "pg",
      (c) => pgDump(v, c),
    ),
    readCommand(
      "pg ls name=pool,type=CephInt,req=false name=states,type=CephString,n=N,req=false",
      "list pg with specific pool, osd, state",
      "pg",
      (c) =>
        pgLs(v, c, {
          pool: intArg(c.pool, -1),
          osd: -1,
          primary: false,
          states: argList(c.states),
        }),
    ),
    readCommand(
      "pg ls-by-pool name=poolstr,type=CephString name=states,type=CephString,n=N,req=false",
      "list pg with pool = [poolname]",
      "pg",
      (c) => {
        const pool = v.pools.find((p) => p.pool_name === String(c.poolstr));
        if (!pool) return fail(ENOENT, `pool ${c.poolstr} does not exist`);
        return pgLs(v, c, { pool: pool.pool, osd: -1, primary: false, states: argList(c.states) });
      },
    ),
    readCommand(
      "pg ls-by-primary name=osd,type=CephOsdName name=pool,type=CephInt,req=false " +
        "name=states,type=CephString,n=N,req=false",
      "list pg with primary = [osd]",
      "pg",
      (c) =>
        pgLs(v, c, {
          pool: intArg(c.pool, -1),
          osd: intArg(c.osd, -1),
          primary: true,
          states: argList(c.states),
        }),
    ),
    readCommand(
      "pg ls-by-osd name=osd,type=CephOsdName name=pool,type=CephInt,req=false " +
        "name=states,type=CephString,n=N,req=false",
      "list pg on osd [osd]",
      "pg",
      (c) =>
        pgLs(v, c, {
          pool: intArg(c.pool, -1),
          osd: intArg(c.osd, -1),
          primary: false,
          states: argList(c.states),
        }),
    ),
    readCommand(
      "pg dump_stuck name=stuckops,type=CephChoices," +
        "strings=inactive|unclean|stale|undersized|degraded,n=N,req=false " +
        "name=threshold,type=CephInt,req=false",
      "show information about stuck pgs",
      "pg",
      (c) => pgDumpStuck(v, c, source),
    ),
  ];
}
