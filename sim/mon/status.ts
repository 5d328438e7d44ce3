/**
 * `status` (`ceph -s`), which the mon answers (Monitor::get_cluster_status): the cluster at a
 * glance, in Ceph's plain layout and its JSON, from the mon's own maps (monmap, OSDMap, FSMap,
 * MgrMap), its health report (HealthMonitor) and what the active manager reported to it (the
 * PGMap digest and the progress events, MgrStatMonitor).
 *
 * @module
 */
import type { CommandSignature, MonCommandResult } from "../../core/cluster_link.ts";
import type { HealthReport } from "../../core/health.ts";
import type { ProgressEvent } from "../../core/progress_events.ts";
import type { MgrMap } from "../../ceph/mgr_map.ts";
import { formatJson } from "../../ceph/format.ts";
import { stampSeconds } from "../../ceph/time.ts";
import { bytesText, siText } from "../../ceph/units.ts";
import { mutedText, muteJson } from "./health_monitor.ts";
import { formatterFor, type Monitor, ok } from "./monitor.ts";

/** What the status is made of, at the moment it is asked. */
export interface StatusInputs {
  fsid: string;
  health: HealthReport;
  mgrMap: MgrMap;
  /** The mon's maps by `get()` name: `mon_status`, `mon_map`, `osd_map`, `fs_map`. */
  get(name: string): unknown;
  /** The active manager's last PGMap digest (`pg_status`), if one reported. */
  pgDigest: Record<string, unknown> | undefined;
  /** The active manager's progress events by id. */
  progress: Readonly<Record<string, ProgressEvent>>;
  /** Now, in seconds. */
  now: number;
}

/**
 * The mon's `status` command.
 *
 * @example
 * ```ts
 * import { StatusMonitor } from "./status.ts";
 * const status = new StatusMonitor(() => ({
 *   fsid: "f",
 *   health: { status: "HEALTH_OK", checks: {}, mutes: [] },
 *   mgrMap: { active_name: "", standbys: [], available: false, modules: [], services: {} } as never,
 *   get: () => undefined,
 *   pgDigest: undefined,
 *   progress: {},
 *   now: 0,
 * }));
 * console.assert(status.handle("status", { prefix: "status" }).outb.includes("HEALTH_OK"));
 * ```
 */
export class StatusMonitor implements Monitor {
  readonly commands: readonly CommandSignature[] = [
    { sig: "status", help: "show cluster status", perm: "r" },
  ];

  constructor(readonly inputs: () => StatusInputs) {}

  handle(_prefix: string, cmd: Record<string, unknown>): MonCommandResult {
    const inputs = this.inputs();
    const f = formatterFor(cmd);
    // The mon's `status` ends with a newline in either JSON format.
    if (f) return ok(formatJson(statusJson(inputs), f) + (f === "json" ? "\n" : ""));
    return ok(statusText(inputs));
  }
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
  const pools = (osdMap.pools ?? []) as unknown[];
  const digest = inputs.pgDigest;
  const byState = (digest?.pgs_by_state ?? []) as { state_name: string; count: number }[];
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
      num_remapped_pgs: byState
        .filter((s) => s.state_name.includes("remapped"))
        .reduce((n, s) => n + s.count, 0),
    },
    // PGMapDigest::print_summary, as the manager sent it; before any report, an empty map.
    pgmap: digest ?? {
      pgs_by_state: [],
      num_pgs: 0,
      num_pools: pools.length,
      num_objects: 0,
      data_bytes: 0,
      bytes_used: 0,
      bytes_avail: 0,
      bytes_total: 0,
    },
    fsmap: { epoch: num(fsMap.epoch), by_rank: [], "up:standby": (fsMap.standbys ?? []).length },
    mgrmap: {
      available: inputs.mgrMap.available,
      num_standbys: inputs.mgrMap.standbys.length,
      modules: inputs.mgrMap.modules,
      services: inputs.mgrMap.services,
    },
    progress_events: Object.fromEntries(
      Object.entries(inputs.progress).map((
        [id, e],
      ) => [id, { message: e.message, progress: e.progress }]),
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
      read_op_per_sec?: number;
      write_op_per_sec?: number;
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
      ? `    mgr: ${mgr.active_name}(active, since ${ageText(mgrAge(inputs))})${standbys}`
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
    parts.push(
      `${siText(pg.read_op_per_sec ?? 0)} op/s rd`,
      `${siText(pg.write_op_per_sec ?? 0)} op/s wr`,
    );
    lines.push("  io:", `    client:   ${parts.join(", ")}`, " ");
  }
  const shown = Object.values(inputs.progress).filter((e) => e.add_to_ceph_s);
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

/** Seconds since the active manager took over (`active_change`, a Ceph stamp or seconds). */
function mgrAge(inputs: StatusInputs): number {
  const since = stampSeconds(inputs.mgrMap.active_change);
  return Number.isFinite(since) && since > 0 ? inputs.now - since : 0;
}
