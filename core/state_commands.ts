/**
 * The manager's commands that read cluster state (Ceph's DaemonServer and PGMap commands,
 * `src/mgr/MgrCommands.h`): `pg stat|dump|ls|ls-by-*|dump_stuck`, `osd df|perf|pool stats`,
 * `device ls|info`, `service dump`. Everything comes from the manager's `get()` views; with no
 * cluster behind the manager (views are null) they answer as a mgr with an empty PGMap does.
 *
 * @module
 */
import type { MonCommandResult } from "./cluster_link.ts";
import { parseSignature } from "./commands/descriptor.ts";
import type { LocalCommand } from "./commands/service.ts";
import { EAGAIN, EINVAL, ENOENT } from "../ceph/errno.ts";
import { formatJson } from "../ceph/format.ts";
import { textTable } from "../ceph/text_table.ts";
import { pgStateBit, pgStateString, withPgState } from "../ceph/pg_state.ts";
import { stampSeconds, utimespanText } from "../ceph/time.ts";
import type { Manager } from "./manager.ts";
import { bytesText, siText } from "./status.ts";

type Obj = Record<string, unknown>;
type Format = "json" | "json-pretty" | null;

/** One PG's stats as `pg_dump.pg_stats[]` carries them. */
interface PgStat {
  pgid: string;
  state: string;
  up: number[];
  acting: number[];
  up_primary: number;
  acting_primary: number;
  stat_sum: Record<string, number>;
  [key: string]: unknown;
}

/** One OSD's stats as `osd_stats.osd_stats[]` carries them. */
interface OsdStat {
  osd: number;
  kb: number;
  kb_used: number;
  kb_used_data: number;
  kb_used_omap: number;
  kb_used_meta: number;
  kb_avail: number;
  hb_peers: number[];
  statfs: Record<string, number>;
  perf_stat: Record<string, number>;
  [key: string]: unknown;
}

const OMAP_NOTE =
  "\n* NOTE: Omap statistics are gathered during deep scrub and may be inaccurate " +
  "soon afterwards depending on utilization. See " +
  "http://docs.ceph.com/en/latest/dev/placement-group/#omap-statistics for further details.\n";

/** `pg_state_string(0xFFFFFFFF)`: the state names `pg ls` lists when given a bad one. */
const ALL_STATES = pgStateString(2 ** 32 - 1);

const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);
const arr = <T>(v: unknown): T[] => (Array.isArray(v) ? v as T[] : []);
const list = (v: unknown): string[] =>
  v === undefined || v === null ? [] : (Array.isArray(v) ? v : [v]).map(String);
const ok = (outb: string, outs = ""): MonCommandResult => ({ r: 0, outb, outs });
const fail = (r: number, outs: string): MonCommandResult => ({ r: -r, outb: "", outs });

function formatOf(cmd: Obj): Format {
  return cmd.format === "json" || cmd.format === "json-pretty" ? cmd.format : null;
}

/** `[1,2,3]`, as Ceph prints a vector of OSD ids. */
const vec = (v: readonly number[]) => `[${v.join(",")}]`;

/** Ceph's `weightf_t`: five decimals, `0` for nothing, `-` for buckets' reweight. */
function weightText(w: number): string {
  if (w < -0.01) return "-";
  if (w < 0.000001) return "0";
  return w.toFixed(5);
}

/** Ceph's `lowprecision_t`: two decimals, `0` below 0.001, `-` when negative (unset). */
function lowText(v: number): string {
  if (v < -0.01) return "-";
  if (v < 0.001) return "0";
  return v.toFixed(2);
}

/** A pgid's sort key: pool, then placement seed (hex), as `set<pg_t>` orders them. */
function pgOrder(a: { pgid: string }, b: { pgid: string }): number {
  const [pa, sa] = a.pgid.split(".");
  const [pb, sb] = b.pgid.split(".");
  return Number(pa) - Number(pb) || parseInt(sa ?? "0", 16) - parseInt(sb ?? "0", 16);
}

/** The state bits of a state string, by Ceph's numbering (`unknown` is 0). */
function stateBits(state: string): number {
  let bits = 0;
  for (const part of state.split("+")) bits = withPgState(bits, pgStateBit(part) ?? 0);
  return bits;
}

/** What the commands read, from the manager's views, with empty stand-ins for missing data. */
class _Views {
  constructor(readonly manager: Manager) {}

  #get(name: string): Obj | null {
    const v = this.manager.get(name);
    return v !== null && typeof v === "object" ? v as Obj : null;
  }
  get pgDump(): Obj {
    return this.#get("pg_dump") ?? {};
  }
  get pgStats(): PgStat[] {
    return arr<PgStat>(this.pgDump.pg_stats);
  }
  get osdStats(): OsdStat[] {
    return arr<OsdStat>(this.pgDump.osd_stats);
  }
  get poolStats(): Obj[] {
    return arr<Obj>(this.pgDump.pool_stats);
  }
  get osdMap(): Obj {
    return this.#get("osd_map") ?? {};
  }
  get pools(): { pool: number; pool_name: string }[] {
    return arr(this.osdMap.pools);
  }
  get osds(): { osd: number; up: number; in: number; weight: number }[] {
    return arr(this.osdMap.osds);
  }
  get tree(): Obj[] {
    return arr<Obj>(this.#get("osd_map_tree")?.nodes);
  }
  get pgReady(): boolean {
    return (this.#get("pg_ready") as { pg_ready?: boolean } | null)?.pg_ready === true;
  }
  devices(): Obj[] {
    return arr<Obj>(this.#get("devices")?.devices);
  }
  osdPoolStats(): Obj[] {
    return arr<Obj>(this.#get("osd_pool_stats")?.pool_stats);
  }
  serviceMap(): Obj {
    return this.#get("service_map") ?? { epoch: 0, modified: "0.000000", services: {} };
  }
}

/** The JSON of a PGMap command: DaemonServer wraps it in `{"pg_ready": ..., ...}`. */
function pgJson(v: _Views, f: "json" | "json-pretty", body: Obj): string {
  return formatJson({ pg_ready: v.pgReady, ...body }, f);
}

/**
 * The JSON of a PGMap command that flushes the formatter itself before DaemonServer closes its
 * `pg_ready` wrapper (`pg stat`, `osd perf`, `pg dump_stuck`): a newline before the last brace.
 */
function pgJsonFlushed(v: _Views, f: "json" | "json-pretty", body: Obj): string {
  const text = pgJson(v, f, body);
  const end = text.lastIndexOf("}");
  return text.slice(0, end) + "\n" + text.slice(end);
}

/** Used and raw-used bytes of a statfs, as `store_statfs_t::get_used()` / `get_used_raw()`. */
function statfsUse(s: Record<string, number> | undefined) {
  const total = num(s?.total);
  const available = num(s?.available);
  return { total, available, used: total - available - num(s?.internally_reserved) };
}

function numPgByOsd(stats: readonly PgStat[]) {
  const acting = new Map<number, number>();
  const primary = new Map<number, number>();
  for (const s of stats) {
    for (const o of arr<number>(s.acting)) acting.set(o, (acting.get(o) ?? 0) + 1);
    if (num(s.up_primary) >= 0 && typeof s.up_primary === "number") {
      primary.set(s.up_primary, (primary.get(s.up_primary) ?? 0) + 1);
    }
  }
  return { acting, primary };
}

// ---- pg stat -----------------------------------------------------------------------------

function pgStat(v: _Views, cmd: Obj): MonCommandResult {
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
  const f = formatOf(cmd);
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

const SUM_COLS = [
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

function sumCells(stat: Obj): string[] {
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
function pgTable(stats: readonly PgStat[], brief: boolean): string {
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

function poolTable(pools: readonly Obj[], header: boolean): string {
  const cols = [["POOLID", "L"], ...SUM_COLS] as [string, "L" | "R"][];
  return textTable(
    header ? cols : cols.map(([, a]) => ["", a] as const),
    pools.map((p) => [String(num(p.poolid)), ...sumCells(p)]),
  );
}

function osdTable(v: _Views): string {
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

function basicText(dump: Obj): string {
  return `version ${num(dump.version)}\nstamp ${dump.stamp ?? "0.000000"}\n` +
    `last_osdmap_epoch ${num(dump.last_osdmap_epoch)}\nlast_pg_scan ${num(dump.last_pg_scan)}\n`;
}

function pgDump(v: _Views, cmd: Obj): MonCommandResult {
  const what = new Set(list(cmd.dumpcontents));
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
  const f = formatOf(cmd);
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

function pgLs(v: _Views, cmd: Obj, q: LsQuery): MonCommandResult {
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
  const f = formatOf(cmd);
  if (f) return ok(pgJson(v, f, pgs.length ? { pg_stats: pgs } : {}));
  if (pgs.length === 0) return ok("");
  const now = v.manager.clock.now();
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

function pgDumpStuck(v: _Views, cmd: Obj): MonCommandResult {
  const types = list(cmd.stuckops);
  if (types.length === 0) types.push("unclean");
  for (const t of types) {
    if (!(t in STUCK)) return ok(`Unknown type: ${t}\n`, "failed");
  }
  const threshold = typeof cmd.threshold === "number"
    ? cmd.threshold
    : num(v.manager.cephOption("mon_pg_stuck_threshold") ?? 60) || 60;
  const cutoff = v.manager.clock.now() - threshold;
  const stuck = v.pgStats.filter((s) => {
    const parts = s.state.split("+");
    let since = cutoff;
    for (const t of types) {
      const [applies, field] = STUCK[t]!;
      if (applies(parts)) since = Math.min(since, stampSeconds(s[field]));
    }
    return since < cutoff;
  }).sort(pgOrder);
  const f = formatOf(cmd);
  if (f) return ok(pgJsonFlushed(v, f, { stuck_pg_stats: stuck }), "ok");
  return ok(stuck.length ? pgTable(stuck, true) : "", "ok");
}

// ---- osd perf ----------------------------------------------------------------------------

function osdPerf(v: _Views, cmd: Obj): MonCommandResult {
  const stats = v.osdStats;
  const f = formatOf(cmd);
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

function osdDf(v: _Views, cmd: Obj): MonCommandResult {
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

  const f = formatOf(cmd);
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
      lowText(r.util),
      lowText(r.variance),
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
    lowText(avg),
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
      `MIN/MAX VAR: ${lowText(minVar)}/${lowText(maxVar)}  STDDEV: ${lowText(stddev)}\n`,
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

function osdPoolStats(v: _Views, cmd: Obj): MonCommandResult {
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
  const f = formatOf(cmd);
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

// ---- device ls, device info, service dump -------------------------------------------------

function deviceLs(v: _Views, cmd: Obj): MonCommandResult {
  const devices = v.devices();
  const f = formatOf(cmd);
  if (f) return ok(formatJson(devices, f));
  return ok(textTable(
    [["DEVICE", "L"], ["HOST:DEV", "L"], ["DAEMONS", "L"], ["LIFE EXPECTANCY", "L"]],
    devices.map((d) => [
      String(d.devid),
      arr<Obj>(d.location).map((l) => `${l.host}:${l.dev}`).join(" "),
      arr<string>(d.daemons).join(" "),
      lifeExpectancy(d),
    ]),
  ));
}

/** `DeviceState::get_life_expectancy_str`: empty unless a prediction was recorded. */
function lifeExpectancy(d: Obj): string {
  const min = d.life_expectancy_min;
  const max = d.life_expectancy_max;
  if (typeof min !== "string" || min === "") return "";
  return typeof max === "string" && max !== "" ? `${min} to ${max}` : `>${min}`;
}

function deviceInfo(v: _Views, cmd: Obj): MonCommandResult {
  const devid = String(cmd.devid);
  const d = v.devices().find((x) => x.devid === devid);
  if (!d) return fail(ENOENT, `device ${devid} not found`);
  const f = formatOf(cmd);
  if (f) return ok(formatJson(d, f));
  let text = `device ${devid}\n`;
  for (const l of arr<Obj>(d.location)) text += `attachment ${l.host} ${l.dev}\n`;
  text += `daemons ${[...arr<string>(d.daemons)].sort().join(",")}\n`;
  const life = lifeExpectancy(d);
  if (life) text += `life_expectancy ${life}\n`;
  if (typeof d.wear_level === "number" && d.wear_level >= 0) {
    text += `wear_level ${d.wear_level}\n`;
  }
  return ok(text);
}

// ---- the command table -------------------------------------------------------------------

/**
 * The state-reading commands of Ceph's DaemonServer, bound to one manager. Signatures are
 * MgrCommands.h's; outputs are PGMap.cc's, OSDMap.cc's and DaemonServer.cc's, plain and JSON.
 *
 * @example
 * ```ts
 * import { startTestCluster } from "../sim/testing.ts";
 * const c = await startTestCluster({ cluster: { hosts: 1, osdsPerHost: 3, pools: [{ name: "rbd", pgNum: 8 }] } });
 * await c.run(10);
 * const r = await c.command({ prefix: "pg stat" });
 * console.assert(r.r === 0 && r.outb.startsWith("8 pgs: "));
 * await c.stop();
 * ```
 */
export function stateCommands(manager: Manager): LocalCommand[] {
  const v = new _Views(manager);
  const cmd = (
    sig: string,
    help: string,
    module: string,
    run: (c: Obj) => MonCommandResult,
  ): LocalCommand => ({
    desc: parseSignature(sig, { help, perm: "r", module }),
    run: (c) => {
      try {
        return run(c);
      } catch (e) {
        return fail(EINVAL, `${c.prefix} failed: ${(e as Error).message}`);
      }
    },
  });
  const intOr = (x: unknown, d: number) => (typeof x === "number" ? x : d);
  return [
    cmd("pg stat", "show placement group status.", "pg", (c) => pgStat(v, c)),
    cmd(
      "pg dump name=dumpcontents,type=CephChoices," +
        "strings=all|summary|sum|delta|pools|osds|pgs|pgs_brief,n=N,req=false",
      "show human-readable versions of pg map (only 'all' valid with plain)",
      "pg",
      (c) => pgDump(v, c),
    ),
    cmd(
      "pg ls name=pool,type=CephInt,req=false name=states,type=CephString,n=N,req=false",
      "list pg with specific pool, osd, state",
      "pg",
      (c) =>
        pgLs(v, c, { pool: intOr(c.pool, -1), osd: -1, primary: false, states: list(c.states) }),
    ),
    cmd(
      "pg ls-by-pool name=poolstr,type=CephString name=states,type=CephString,n=N,req=false",
      "list pg with pool = [poolname]",
      "pg",
      (c) => {
        const pool = v.pools.find((p) => p.pool_name === String(c.poolstr));
        if (!pool) return fail(ENOENT, `pool ${c.poolstr} does not exist`);
        return pgLs(v, c, { pool: pool.pool, osd: -1, primary: false, states: list(c.states) });
      },
    ),
    cmd(
      "pg ls-by-primary name=osd,type=CephOsdName name=pool,type=CephInt,req=false " +
        "name=states,type=CephString,n=N,req=false",
      "list pg with primary = [osd]",
      "pg",
      (c) =>
        pgLs(v, c, {
          pool: intOr(c.pool, -1),
          osd: intOr(c.osd, -1),
          primary: true,
          states: list(c.states),
        }),
    ),
    cmd(
      "pg ls-by-osd name=osd,type=CephOsdName name=pool,type=CephInt,req=false " +
        "name=states,type=CephString,n=N,req=false",
      "list pg on osd [osd]",
      "pg",
      (c) =>
        pgLs(v, c, {
          pool: intOr(c.pool, -1),
          osd: intOr(c.osd, -1),
          primary: false,
          states: list(c.states),
        }),
    ),
    cmd(
      "pg dump_stuck name=stuckops,type=CephChoices," +
        "strings=inactive|unclean|stale|undersized|degraded,n=N,req=false " +
        "name=threshold,type=CephInt,req=false",
      "show information about stuck pgs",
      "pg",
      (c) => pgDumpStuck(v, c),
    ),
    cmd("osd perf", "print dump of OSD perf summary stats", "osd", (c) => osdPerf(v, c)),
    cmd(
      "osd df name=output_method,type=CephChoices,strings=plain|tree,req=false " +
        "name=filter_by,type=CephChoices,strings=class|name,req=false " +
        "name=filter,type=CephString,req=false",
      "show OSD utilization",
      "osd",
      (c) => osdDf(v, c),
    ),
    cmd(
      "osd pool stats name=pool_name,type=CephPoolname,req=false",
      "obtain stats from all pools, or from specified pool",
      "osd",
      (c) => osdPoolStats(v, c),
    ),
    cmd("device ls", "Show devices", "mgr", (c) => deviceLs(v, c)),
    cmd(
      "device info name=devid,type=CephString",
      "Show information about a device",
      "mgr",
      (c) => deviceInfo(v, c),
    ),
    cmd(
      "service dump",
      "dump service map",
      "service",
      (c) => ok(formatJson(v.serviceMap(), formatOf(c) ?? "json-pretty")),
    ),
  ];
}
