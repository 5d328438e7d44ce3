/**
 * What `ceph status` (`ceph -s`) prints, in Ceph's plain layout and its JSON
 * (Monitor::get_cluster_status): the cluster at a glance from the mon's maps (monmap, OSDMap,
 * FSMap, MgrMap), its health report and what the active manager reported to it (the PGMap
 * digest and the progress events). The one renderer for the simulated mon's `status`, the
 * manager's answer from its last view while the mon is away, and the real mon's answer with
 * mgrd's own checks merged in.
 *
 * @module
 */
import type { HealthReport } from "./health.ts";
import type { ProgressEvent } from "./progress_events.ts";
import type { MgrMap } from "../ceph/mgr_map.ts";
import { formatJson } from "../ceph/format.ts";
import { stampSeconds, timespanText } from "../ceph/time.ts";
import { bytesText, siText } from "../ceph/units.ts";
import { mutedText, muteJson } from "./health_output.ts";

/** What the status is made of, at the moment it is asked. */
export interface StatusInputs {
  fsid: string;
  health: HealthReport;
  mgrMap: MgrMap;
  /** The maps by `get()` name: `mon_status`, `mon_map`, `osd_map`, `fs_map`, `service_map`. */
  get(name: string): unknown;
  /** The active manager's last PGMap digest (`pg_status`), if one reported. */
  pgDigest: Record<string, unknown> | undefined;
  /** The active manager's progress events by id. */
  progress: Readonly<Record<string, ProgressEvent>>;
  /** Now, in seconds. */
  now: number;
}

type Obj = Record<string, unknown>;
const num = (v: unknown) => (typeof v === "number" ? v : 0);

/** The OSDMap flags `status` leaves out (CEPH_OSDMAP_SEMIHIDDEN_FLAGS). */
const SEMIHIDDEN_FLAGS = new Set([
  "sortbitwise",
  "recovery_deletes",
  "purged_snapdirs",
  "pglog_hardlimit",
]);

interface FsSummary {
  json: Obj;
  /** `mds: ...` (FSMap::print_daemon_summary) and `volumes: ...` (print_fs_summary). */
  daemons?: string;
  volumes?: string;
}

/** FSMap::print_summary's JSON and the two lines `status` prints of it. */
function fsSummary(fsMap: Obj): FsSummary {
  const filesystems = (fsMap.filesystems ?? []) as { id: number; mdsmap: Obj }[];
  const standbys = ((fsMap.standbys ?? []) as unknown[]).length;
  const json: Obj = { epoch: num(fsMap.epoch) };
  const byRank: Obj[] = [];
  let up = 0, inn = 0, failed = 0, healthy = 0, recovering = 0, failedFs = 0, stopped = 0;
  let damaged = 0, damagedRanks = 0, standbyReplay = 0;
  for (const fs of filesystems) {
    const m = fs.mdsmap;
    const upRanks = Object.entries((m.up ?? {}) as Record<string, number>);
    const info = (m.info ?? {}) as Record<string, { name: string; state: string; gid: number }>;
    json.id = fs.id;
    json.up = upRanks.length;
    json.in = ((m.in ?? []) as unknown[]).length;
    json.max = num(m.max_mds);
    for (const [rank, gid] of upRanks) {
      const d = info[`gid_${gid}`];
      byRank.push({
        filesystem_id: fs.id,
        rank: Number(rank.replace("mds_", "")),
        name: d?.name ?? "",
        status: d?.state ?? "",
        gid,
      });
    }
    for (const d of Object.values(info)) if (d.state === "up:standby-replay") standbyReplay++;
    const nFailed = ((m.failed ?? []) as unknown[]).length;
    up += upRanks.length;
    inn += ((m.in ?? []) as unknown[]).length;
    failed += nFailed;
    const nDamaged = ((m.damaged ?? []) as unknown[]).length;
    damagedRanks += nDamaged;
    if (nDamaged > 0) damaged++;
    if (nFailed > 0) failedFs++;
    else if (upRanks.length < ((m.in ?? []) as unknown[]).length) recovering++;
    else if (num(m.max_mds) === 0) stopped++;
    else healthy++;
  }
  // The FSMap walks its daemons by gid (mds_roles), whatever their file system and rank.
  json.by_rank = byRank.sort((a, b) => num(a.gid) - num(b.gid));
  json["up:standby"] = standbys;
  // Ranks, not file systems, and only when there are some (as the real status showed).
  if (failed > 0) json.failed = failed;
  if (damagedRanks > 0) json.damaged = damagedRanks;
  if (filesystems.length === 0) return { json };
  let daemons = `${up}/${inn} daemons up`;
  if (failed) daemons += ` (${failed} failed)`;
  if (standbys) daemons += `, ${standbys} standby`;
  if (standbyReplay) daemons += `, ${standbyReplay} hot standby`;
  let volumes = `${healthy}/${filesystems.length} healthy`;
  if (recovering) volumes += `, ${recovering} recovering`;
  if (failedFs) volumes += `, ${failedFs} failed`;
  if (stopped) volumes += `, ${stopped} stopped`;
  if (damaged) volumes += `; ${damaged} damaged`;
  return { json, daemons, volumes };
}

/** OSDMap::print_summary's JSON. */
function osdSummary(osdMap: Obj): Obj {
  const osds = (osdMap.osds ?? []) as { up: number; in: number }[];
  return {
    epoch: num(osdMap.epoch),
    num_osds: osds.length,
    num_up_osds: osds.filter((o) => o.up).length,
    osd_up_since: Math.floor(stampSeconds(osdMap.last_up_change)),
    num_in_osds: osds.filter((o) => o.in).length,
    osd_in_since: Math.floor(stampSeconds(osdMap.last_in_change)),
    num_remapped_pgs: ((osdMap.pg_temp ?? []) as unknown[]).length,
  };
}

/** The `health` part of `ceph status -f json`: each check's severity, summary and muted. */
export function statusHealthJson(health: HealthReport): Obj {
  return {
    status: health.status,
    checks: Object.fromEntries(
      Object.entries(health.checks).map((
        [code, c],
      ) => [code, { severity: c.severity, summary: c.summary, muted: c.muted }]),
    ),
    mutes: health.mutes.map(muteJson),
  };
}

/**
 * The `health:` lines of `ceph status`: the status, then each live check's summary and the
 * mutes in force, one a line under it (get_health_status with its line separators).
 */
export function statusHealthLines(health: HealthReport, now: number): string[] {
  const lines = [`    health: ${health.status}`];
  for (const check of Object.values(health.checks)) {
    if (!check.muted) lines.push(`            ${check.summary.message}`);
  }
  if (health.mutes.length) lines.push(`            ${mutedText(health.mutes, now)}`);
  return lines;
}

/** The data of `ceph status -f json`. */
export function statusJson(inputs: StatusInputs): Obj {
  const monStatus = parseJsonField(inputs.get("mon_status"));
  const monMap = (inputs.get("mon_map") ?? {}) as Obj;
  const osdMap = (inputs.get("osd_map") ?? {}) as Obj;
  const pools = (osdMap.pools ?? []) as unknown[];
  const quorumNames = ((monMap.mons ?? []) as { name: string; rank: number }[])
    .filter((m) => ((monStatus.quorum ?? []) as number[]).includes(m.rank))
    .map((m) => m.name);
  const serviceMap = (inputs.get("service_map") ?? {}) as Obj;
  return {
    fsid: inputs.fsid,
    health: statusHealthJson(inputs.health),
    election_epoch: num(monStatus.election_epoch),
    quorum: monStatus.quorum ?? [],
    quorum_names: quorumNames,
    quorum_age: num(monStatus.quorum_age),
    monmap: {
      epoch: num(monMap.epoch),
      min_mon_release_name: monMap.min_mon_release_name ?? "pacific",
      num_mons: ((monMap.mons ?? []) as unknown[]).length,
    },
    osdmap: osdSummary(osdMap),
    // PGMapDigest::print_summary, as the manager sent it; before any report, an empty map.
    pgmap: inputs.pgDigest ?? {
      pgs_by_state: [],
      num_pgs: 0,
      num_pools: pools.length,
      num_objects: 0,
      data_bytes: 0,
      bytes_used: 0,
      bytes_avail: 0,
      bytes_total: 0,
    },
    fsmap: fsSummary((inputs.get("fs_map") ?? {}) as Obj).json,
    mgrmap: {
      available: inputs.mgrMap.available,
      num_standbys: inputs.mgrMap.standbys.length,
      modules: inputs.mgrMap.modules,
      services: inputs.mgrMap.services,
    },
    servicemap: {
      epoch: num(serviceMap.epoch),
      modified: serviceMap.modified ?? "0.000000",
      services: serviceMap.services ?? {},
    },
    progress_events: Object.fromEntries(
      Object.entries(inputs.progress).map((
        [id, e],
      ) => [id, { message: e.message, progress: e.progress, add_to_ceph_s: e.add_to_ceph_s }]),
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

/** `%.3lf` of a percentage, as PGMapDigest prints ratios. */
const pct = (part: number, whole: number) => (part / whole * 100).toFixed(3);

/** PGMapDigest::print_summary's `pgs:` lines: ratios, object recovery, then states by count. */
function pgLines(d: Obj): string[] {
  const lines: string[] = [];
  const numPgs = num(d.num_pgs);
  if (typeof d.unknown_pgs_ratio === "number") {
    lines.push(`${(d.unknown_pgs_ratio * 100).toFixed(3)}% pgs unknown`);
  }
  if (typeof d.inactive_pgs_ratio === "number") {
    lines.push(`${(d.inactive_pgs_ratio * 100).toFixed(3)}% pgs not active`);
  }
  for (const [kind, total] of [["degraded", "degraded_total"], ["misplaced", "misplaced_total"]]) {
    const n = d[`${kind}_objects`];
    if (typeof n === "number") {
      lines.push(`${n}/${num(d[total!])} objects ${kind} (${pct(n, num(d[total!]))}%)`);
    }
  }
  if (typeof d.unfound_objects === "number") {
    const total = num(d.unfound_total);
    lines.push(`${d.unfound_objects}/${total} objects unfound (${pct(d.unfound_objects, total)}%)`);
  }
  const states = (d.pgs_by_state ?? []) as { state_name: string; count: number }[];
  const width = Math.max(1, ...states.map((s) => String(s.count).length));
  for (const s of states) lines.push(`${String(s.count).padEnd(width)} ${s.state_name}`);
  if (numPgs === 0 && lines.length === 0) return [""];
  return lines;
}

/** The `io:` lines (client and recovery rates), as PGMapDigest prints them. */
function ioLines(d: Obj): string[] {
  const lines: string[] = [];
  if (typeof d.read_op_per_sec === "number" || typeof d.write_op_per_sec === "number") {
    let client = "";
    if (typeof d.read_bytes_sec === "number") client += `${bytesText(d.read_bytes_sec)}/s rd, `;
    if (typeof d.write_bytes_sec === "number") client += `${bytesText(d.write_bytes_sec)}/s wr, `;
    client += `${siText(num(d.read_op_per_sec))} op/s rd, ${siText(num(d.write_op_per_sec))} ` +
      "op/s wr";
    lines.push(`    client:   ${client}`);
  }
  if (typeof d.recovering_objects_per_sec === "number") {
    let recovery = `${bytesText(num(d.recovering_bytes_per_sec))}/s`;
    if (num(d.num_keys_recovered)) recovery += `, ${siText(num(d.recovering_keys_per_sec))} keys/s`;
    recovery += `, ${siText(d.recovering_objects_per_sec)} objects/s`;
    lines.push(`    recovery: ${recovery}`);
  }
  return lines;
}

/** `ceph status` in Ceph's plain layout (Monitor::get_cluster_status). */
export function statusText(inputs: StatusInputs): string {
  const s = statusJson(inputs) as {
    fsid: string;
    quorum_names: string[];
    quorum_age: number;
    monmap: { num_mons: number };
    pgmap: Obj;
  };
  const now = inputs.now;
  const lines = ["  cluster:", `    id:     ${s.fsid}`, ...statusHealthLines(inputs.health, now)];
  lines.push(" ", "  services:");
  const monMap = (inputs.get("mon_map") ?? {}) as { mons?: { name: string; rank: number }[] };
  const outOfQuorum = (monMap.mons ?? []).filter((m) => !s.quorum_names.includes(m.name));
  lines.push(
    `    mon: ${s.monmap.num_mons} daemons, quorum ${s.quorum_names.join(",")} ` +
      `(age ${timespanText(s.quorum_age)})` +
      (outOfQuorum.length ? `, out of quorum: ${outOfQuorum.map((m) => m.name).join(", ")}` : ""),
  );
  lines.push(`    mgr: ${mgrSummary(inputs)}`);
  const fs = fsSummary((inputs.get("fs_map") ?? {}) as Obj);
  if (fs.daemons) lines.push(`    mds: ${fs.daemons}`);
  const osdMap = (inputs.get("osd_map") ?? {}) as Obj;
  const osd = osdSummary(osdMap) as Record<string, number>;
  const since = (stamp: unknown) => {
    const t = stampSeconds(stamp);
    return t > 0 ? ` (since ${timespanText(now - t)})` : "";
  };
  let osdLine =
    `    osd: ${osd.num_osds} osds: ${osd.num_up_osds} up${since(osdMap.last_up_change)}, ` +
    `${osd.num_in_osds} in${since(osdMap.last_in_change)}`;
  if (osd.num_remapped_pgs) osdLine += `; ${osd.num_remapped_pgs} remapped pgs`;
  lines.push(osdLine);
  const flags = String(osdMap.flags ?? "").split(",").filter((f) => f && !SEMIHIDDEN_FLAGS.has(f));
  if (flags.length) lines.push(`         flags ${flags.join(",")}`);

  lines.push(" ", "  data:");
  if (fs.volumes) lines.push(`    volumes: ${fs.volumes}`);
  const pg = s.pgmap;
  lines.push(`    pools:   ${num(pg.num_pools)} pools, ${num(pg.num_pgs)} pgs`);
  lines.push(
    `    objects: ${siText(num(pg.num_objects))} objects, ${bytesText(num(pg.data_bytes))}`,
  );
  lines.push(
    `    usage:   ${bytesText(num(pg.bytes_used))} used, ${bytesText(num(pg.bytes_avail))} / ` +
      `${bytesText(num(pg.bytes_total))} avail`,
  );
  pgLines(pg).forEach((line, i) =>
    lines.push(`${i === 0 ? "    pgs:     " : "             "}${line}`)
  );
  const io = ioLines(pg);
  if (io.length) lines.push(" ", "  io:", ...io);
  const events = Object.values(inputs.progress);
  if (events.length) {
    lines.push(" ", "  progress:");
    for (const e of events) if (e.add_to_ceph_s) lines.push(`    ${e.message}`);
  }
  lines.push(" ");
  return lines.join("\n") + "\n";
}

/** MgrMap::print_summary: `x(active, since 4s), standbys: y`. */
function mgrSummary(inputs: StatusInputs): string {
  const m = inputs.mgrMap;
  const changed = stampSeconds(m.active_change);
  const since = changed > 0 ? timespanText(inputs.now - changed) : undefined;
  let out: string;
  if (m.active_name) {
    out = `${m.active_name}(active${m.available ? "" : ", starting"}` +
      `${since !== undefined ? `, since ${since}` : ""})`;
  } else {
    out = `no daemons active${since !== undefined ? ` (since ${since})` : ""}`;
  }
  if (m.standbys.length) out += `, standbys: ${m.standbys.map((x) => x.name).join(", ")}`;
  return out;
}

/**
 * What `status` answers (its output buffer), byte for byte as the mon sends it: Ceph's plain
 * layout, or its JSON (`json`, `json-pretty`).
 *
 * @example
 * ```ts
 * import { statusOutput } from "./status_output.ts";
 * const out = statusOutput({
 *   fsid: "f",
 *   health: { status: "HEALTH_OK", checks: {}, mutes: [] },
 *   mgrMap: { active_name: "", standbys: [], available: false, modules: [], services: {} } as never,
 *   get: () => undefined,
 *   pgDigest: undefined,
 *   progress: {},
 *   now: 0,
 * }, "json");
 * console.assert(JSON.parse(out).health.status === "HEALTH_OK");
 * ```
 */
export function statusOutput(
  inputs: StatusInputs,
  format: "json" | "json-pretty" | undefined,
): string {
  return format ? statusJsonText(statusJson(inputs), format) : statusText(inputs);
}

/** The data of `status -f json` as the mon sends it: with a newline after it in either format. */
export function statusJsonText(data: unknown, format: "json" | "json-pretty"): string {
  return formatJson(data, format) + (format === "json" ? "\n" : "");
}
