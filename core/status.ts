/**
 * `ceph status` (`-s`): the cluster at a glance, in Ceph's plain layout and its JSON, built from
 * the manager's views of the cluster (mon status, OSD map, PG summary, df, io rates) and its
 * merged health.
 *
 * @module
 */
import { type HealthReport, mutedText, muteJson } from "./health.ts";
import type { MgrMap } from "../ceph/mgr_map.ts";
import { bytesText, siText } from "../ceph/units.ts";

/** What the status is made of: the manager's `get()` views and its health. */
export interface StatusInputs {
  fsid: string;
  health: HealthReport;
  mgrMap: MgrMap;
  /** Seconds since the active manager took over. */
  mgrAge: number;
  get(name: string): unknown;
  /** Progress events by id. */
  progress: ReadonlyMap<
    string,
    { message: string; progress: number; add_to_ceph_s: boolean; started: number }
  >;
  /** Now, in seconds. */
  now: number;
}

type Obj = Record<string, unknown>;
const num = (v: unknown) => (typeof v === "number" ? v : 0);

function ageText(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** The data of `ceph status -f json`. */
export function statusJson(inputs: StatusInputs): Obj {
  const monStatus = parseJsonField(inputs.get("mon_status"));
  const monMap = (inputs.get("mon_map") ?? {}) as Obj;
  const osdMap = (inputs.get("osd_map") ?? {}) as Obj;
  const osds = (osdMap.osds ?? []) as { up: number; in: number }[];
  const summary = (inputs.get("pg_summary") ?? {}) as { all?: Record<string, number> };
  const df = ((inputs.get("df") ?? {}) as { stats?: Obj }).stats ?? {};
  const pools = (osdMap.pools ?? []) as unknown[];
  const pgSum = ((inputs.get("pg_summary") ?? {}) as { pg_stats_sum?: { stat_sum?: Obj } })
    .pg_stats_sum?.stat_sum ?? {};
  const rates = ioRates(inputs.get("io_rate"));
  const byState = Object.entries(summary.all ?? {})
    .map(([state_name, count]) => ({ state_name, count }))
    .sort((a, b) => b.count - a.count || (a.state_name < b.state_name ? -1 : 1));
  const fsMap = (inputs.get("fs_map") ?? {}) as { epoch?: number; standbys?: unknown[] };
  const quorumNames = ((monMap.mons ?? []) as { name: string; rank: number }[])
    .filter((m) => ((monStatus.quorum ?? []) as number[]).includes(m.rank))
    .map((m) => m.name);
  return {
    fsid: inputs.fsid,
    health: {
      status: inputs.health.status,
      checks: Object.fromEntries(
        Object.entries(inputs.health.checks).map((
          [code, c],
        ) => [code, { severity: c.severity, summary: c.summary, muted: c.muted }]),
      ),
      mutes: inputs.health.mutes.map(muteJson),
    },
    election_epoch: num(monStatus.election_epoch),
    quorum: monStatus.quorum ?? [],
    quorum_names: quorumNames,
    quorum_age: num(monStatus.quorum_age),
    monmap: {
      epoch: num(monMap.epoch),
      min_mon_release_name: monMap.min_mon_release_name ?? "pacific",
      num_mons: ((monMap.mons ?? []) as unknown[]).length,
    },
    osdmap: {
      epoch: num(osdMap.epoch),
      num_osds: osds.length,
      num_up_osds: osds.filter((o) => o.up).length,
      num_in_osds: osds.filter((o) => o.in).length,
      num_remapped_pgs: Object.entries(summary.all ?? {})
        .filter(([state]) => state.includes("remapped"))
        .reduce((n, [, count]) => n + count, 0),
    },
    pgmap: {
      pgs_by_state: byState,
      num_pgs: byState.reduce((n, s) => n + s.count, 0),
      num_pools: pools.length,
      num_objects: num(pgSum.num_objects),
      data_bytes: num(pgSum.num_bytes),
      bytes_used: num(df.total_used_raw_bytes),
      bytes_avail: num(df.total_avail_bytes),
      bytes_total: num(df.total_bytes),
      ...(rates.readBytes ? { read_bytes_sec: rates.readBytes } : {}),
      ...(rates.writeBytes ? { write_bytes_sec: rates.writeBytes } : {}),
      read_op_per_sec: rates.readOps,
      write_op_per_sec: rates.writeOps,
    },
    fsmap: { epoch: num(fsMap.epoch), by_rank: [], "up:standby": (fsMap.standbys ?? []).length },
    mgrmap: {
      available: inputs.mgrMap.available,
      num_standbys: inputs.mgrMap.standbys.length,
      modules: inputs.mgrMap.modules,
      services: inputs.mgrMap.services,
    },
    progress_events: Object.fromEntries(
      [...inputs.progress].map(([id, e]) => [id, { message: e.message, progress: e.progress }]),
    ),
  };
}

function parseJsonField(value: unknown): Obj {
  const text = (value as { json?: unknown } | null)?.json;
  if (typeof text !== "string") return {};
  try {
    return JSON.parse(text) as Obj;
  } catch {
    return {};
  }
}

function ioRates(value: unknown) {
  const delta = (value as { pg_stats_delta?: { stat_sum?: Obj; stamp_delta?: unknown } } | null)
    ?.pg_stats_delta;
  const seconds = Number(delta?.stamp_delta ?? 0);
  const sum = delta?.stat_sum ?? {};
  const per = (v: unknown) => (seconds > 0 ? Math.round(num(v) / seconds) : 0);
  return {
    readOps: per(sum.num_read),
    writeOps: per(sum.num_write),
    readBytes: per(num(sum.num_read_kb) * 1024),
    writeBytes: per(num(sum.num_write_kb) * 1024),
  };
}

/** `ceph status` in Ceph's plain layout. */
export function statusText(inputs: StatusInputs): string {
  const s = statusJson(inputs) as {
    fsid: string;
    quorum_names: string[];
    quorum_age: number;
    monmap: { num_mons: number };
    osdmap: { num_osds: number; num_up_osds: number; num_in_osds: number };
    pgmap: {
      pgs_by_state: { state_name: string; count: number }[];
      num_pgs: number;
      num_pools: number;
      num_objects: number;
      data_bytes: number;
      bytes_used: number;
      bytes_avail: number;
      bytes_total: number;
      read_bytes_sec?: number;
      write_bytes_sec?: number;
      read_op_per_sec: number;
      write_op_per_sec: number;
    };
  };
  const health = inputs.health;
  const lines = ["  cluster:", `    id:     ${s.fsid}`, `    health: ${health.status}`];
  for (const check of Object.values(health.checks)) {
    if (!check.muted) lines.push(`            ${check.summary.message}`);
  }
  if (health.mutes.length) lines.push(`            ${mutedText(health.mutes, inputs.now)}`);
  lines.push(" ", "  services:");
  lines.push(
    `    mon: ${s.monmap.num_mons} daemons, quorum ${s.quorum_names.join(",") || "(none)"} ` +
      `(age ${ageText(s.quorum_age)})`,
  );
  const mgr = inputs.mgrMap;
  const standbys = mgr.standbys.length
    ? `, standbys: ${mgr.standbys.map((m) => m.name).join(", ")}`
    : "";
  lines.push(
    mgr.active_name
      ? `    mgr: ${mgr.active_name}(active, since ${ageText(inputs.mgrAge)})${standbys}`
      : "    mgr: no daemons active",
  );
  lines.push(
    `    osd: ${s.osdmap.num_osds} osds: ${s.osdmap.num_up_osds} up, ${s.osdmap.num_in_osds} in`,
  );
  const pg = s.pgmap;
  lines.push(" ", "  data:");
  lines.push(`    pools:   ${pg.num_pools} pools, ${pg.num_pgs} pgs`);
  lines.push(`    objects: ${siText(pg.num_objects)} objects, ${bytesText(pg.data_bytes)}`);
  lines.push(
    `    usage:   ${bytesText(pg.bytes_used)} used, ${bytesText(pg.bytes_avail)} / ` +
      `${bytesText(pg.bytes_total)} avail`,
  );
  pg.pgs_by_state.forEach((st, i) => {
    lines.push(`    ${i === 0 ? "pgs:     " : "         "}${st.count} ${st.state_name}`);
  });
  if (pg.pgs_by_state.length === 0) lines.push("    pgs:     ");
  lines.push(" ");
  if (pg.read_op_per_sec || pg.write_op_per_sec) {
    const parts = [];
    if (pg.read_bytes_sec) parts.push(`${bytesText(pg.read_bytes_sec)}/s rd`);
    if (pg.write_bytes_sec) parts.push(`${bytesText(pg.write_bytes_sec)}/s wr`);
    parts.push(`${siText(pg.read_op_per_sec)} op/s rd`, `${siText(pg.write_op_per_sec)} op/s wr`);
    lines.push("  io:", `    client:   ${parts.join(", ")}`, " ");
  }
  const shown = [...inputs.progress.values()].filter((e) => e.add_to_ceph_s);
  if (shown.length) {
    lines.push("  progress:");
    for (const e of shown) {
      const done = Math.round(e.progress * 28);
      lines.push(
        `    ${e.message} (${ageText(inputs.now - e.started)})`,
        `      [${"=".repeat(done)}${".".repeat(28 - done)}] `,
      );
    }
    lines.push(" ");
  }
  return lines.join("\n") + "\n";
}
