/**
 * The real mon's `health [detail]` and `status` with the checks of mgrd's active manager merged
 * in. On Ceph the active ceph-mgr sends its modules' checks to the mon (MMonMgrReport), whose
 * HealthMonitor merges them with its own; mgrd is not one of the real mon's managers, so the
 * link merges them into the mon's answer as the mon would have: the status is the worst live
 * check's, the checks are sorted by code, the mutes in force apply to them, and the text is
 * printed by the renderer the simulated mon uses (core/health_output.ts, core/status_output.ts).
 * Without checks of mgrd's the mon's answer passes unchanged.
 *
 * @module
 */
import type { MonCommandResult } from "../core/cluster_link.ts";
import { applyMutes, type HealthCheck, type HealthReport, healthReport } from "../core/health.ts";
import { healthOutput } from "../core/health_output.ts";
import { statusHealthJson, statusHealthLines, statusJsonText } from "../core/status_output.ts";
import { stampSeconds } from "../ceph/time.ts";

type Json = Record<string, unknown>;

/**
 * A health report as the real mon dumps it (`health detail -f json`, or the `health` of
 * `status -f json`, whose checks have no detail), with the mutes' TTL stamps as seconds.
 */
export function monHealthReport(json: unknown): HealthReport {
  const o = (json ?? {}) as Json;
  const checks: Record<string, HealthCheck> = {};
  for (const [code, raw] of Object.entries((o.checks ?? {}) as Record<string, Json>)) {
    const summary = (raw.summary ?? {}) as { message?: string; count?: number };
    checks[code] = {
      severity: raw.severity === "HEALTH_ERR" ? "HEALTH_ERR" : "HEALTH_WARN",
      summary: { message: summary.message ?? "", count: summary.count ?? 0 },
      detail: Array.isArray(raw.detail) ? raw.detail as { message: string }[] : [],
      muted: raw.muted === true,
    };
  }
  const mutes = ((o.mutes ?? []) as Json[]).map((m) => ({
    code: String(m.code),
    ...(m.ttl !== undefined ? { ttl: stampSeconds(m.ttl) } : {}),
    sticky: m.sticky === true,
    summary: String(m.summary ?? ""),
    count: Number(m.count ?? 0),
  }));
  const status = o.status === "HEALTH_ERR" || o.status === "HEALTH_WARN" ? o.status : "HEALTH_OK";
  return { status, checks, mutes };
}

/**
 * The mon's report with mgrd's checks merged in as the simulated mon merges the active
 * manager's (on a code both raise, the manager's), and the mon's mutes applied to them.
 *
 * @example
 * ```ts
 * import { withMgrChecks } from "./merged_health.ts";
 * const mon = { status: "HEALTH_OK" as const, checks: {}, mutes: [] };
 * const own = {
 *   MGRD_ERR: {
 *     severity: "HEALTH_ERR" as const,
 *     summary: { message: "bad", count: 1 },
 *     detail: [],
 *     muted: false,
 *   },
 * };
 * console.assert(withMgrChecks(mon, own, 0).status === "HEALTH_ERR");
 * ```
 */
export function withMgrChecks(
  mon: HealthReport,
  own: Readonly<Record<string, HealthCheck>>,
  now: number,
): HealthReport {
  if (Object.keys(own).length === 0) return mon;
  const merged = healthReport(mon.checks, { ...own });
  return applyMutes(merged, mon.mutes, now).report;
}

/** How the link asks the real mon, and what it merges in. */
export interface MergeSources {
  /** Sends a command to the real mon. */
  ask(cmd: Json): Promise<MonCommandResult>;
  /** The checks of mgrd's active manager, as its last beacon carried them. */
  own(): Readonly<Record<string, HealthCheck>>;
  /** Now, in seconds (for the mutes' time left). */
  now(): number;
}

function formatOf(cmd: Json): "json" | "json-pretty" | undefined {
  return cmd.format === "json" || cmd.format === "json-pretty" ? cmd.format : undefined;
}

/** `health [detail]` (`cmd`) from the real mon, with mgrd's checks merged in. */
export async function mergedHealth(cmd: Json, s: MergeSources): Promise<MonCommandResult> {
  const own = s.own();
  if (Object.keys(own).length === 0) return await s.ask(cmd);
  const r = await s.ask({ prefix: "health", detail: "detail", format: "json" });
  if (r.r !== 0) return r;
  const now = s.now();
  const report = withMgrChecks(monHealthReport(JSON.parse(r.outb)), own, now);
  const outb = healthOutput(report, {
    detail: cmd.detail === "detail",
    format: formatOf(cmd),
    now,
  });
  return { r: 0, outb, outs: r.outs };
}

/**
 * `status` (`cmd`) from the real mon, with mgrd's checks merged into its health: in JSON the
 * `health` part is replaced; in text the `health:` lines are, and the rest is the mon's.
 */
export async function mergedStatus(cmd: Json, s: MergeSources): Promise<MonCommandResult> {
  const own = s.own();
  if (Object.keys(own).length === 0) return await s.ask(cmd);
  const format = formatOf(cmd);
  const { format: _, ...plain } = cmd;
  const [status, health] = await Promise.all([
    s.ask(format ? { ...plain, format: "json" } : plain),
    format ? undefined : s.ask({ prefix: "health", format: "json" }),
  ]);
  if (status.r !== 0) return status;
  if (health && health.r !== 0) return health;
  const now = s.now();
  if (format) {
    const json = JSON.parse(status.outb) as Json;
    const report = withMgrChecks(monHealthReport(json.health), own, now);
    json.health = statusHealthJson(report);
    return { r: 0, outb: statusJsonText(json, format), outs: status.outs };
  }
  const report = withMgrChecks(monHealthReport(JSON.parse(health!.outb)), own, now);
  const lines = status.outb.split("\n");
  const from = lines.findIndex((l) => l.startsWith("    health: "));
  // The health lines end where the cluster section does, at the line of one space.
  const to = from < 0 ? -1 : lines.indexOf(" ", from);
  // A layout this does not know is the mon's still: better unmerged than mangled.
  if (to < 0) return status;
  lines.splice(from, to - from, ...statusHealthLines(report, now));
  return { r: 0, outb: lines.join("\n"), outs: status.outs };
}
