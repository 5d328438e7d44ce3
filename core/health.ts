/**
 * Health checks: the form modules set (spec §6.1), and the report that `get('health')` shows
 * (spec §6.2); the mon's HealthMonitor merges, mutes and prints it.
 *
 * @module
 */

/** One health check as a module sets it. */
export interface HealthCheckInput {
  severity: "warning" | "error" | string;
  summary: string;
  count?: number;
  detail?: string[];
}

/** A module's whole set of checks, by code. */
export type HealthChecks = Record<string, HealthCheckInput>;

/** One check as the cluster reports it. */
export interface HealthCheck {
  severity: "HEALTH_WARN" | "HEALTH_ERR";
  summary: { message: string; count: number };
  detail: { message: string }[];
  muted: boolean;
}

/** A health check, unmuted, of `count` items with one detail line per message. */
export function healthCheck(
  severity: HealthCheck["severity"],
  message: string,
  count: number,
  detail: string[],
): HealthCheck {
  return {
    severity,
    summary: { message, count },
    detail: detail.map((m) => ({ message: m })),
    muted: false,
  };
}

/** A muted health check (`ceph health mute`). */
export interface HealthMute {
  code: string;
  /** Seconds since the epoch when the mute lapses; absent when it does not. */
  ttl?: number;
  /** A sticky mute stays when its check clears; others go with it. */
  sticky: boolean;
  summary: string;
  count: number;
}

/** The cluster's health report (`ceph health detail -f json`). */
export interface HealthReport {
  status: "HEALTH_OK" | "HEALTH_WARN" | "HEALTH_ERR";
  checks: Record<string, HealthCheck>;
  mutes: HealthMute[];
}

/**
 * Normalises what a module passed to `set_health_checks`. Like Ceph, malformed items are
 * skipped (with a reason each) rather than failing the call, and severities other than
 * `warning` and `error` mean the check is not raised.
 */
export function normaliseHealthChecks(
  input: unknown,
): { checks: Record<string, HealthCheck>; problems: string[] } {
  const checks: Record<string, HealthCheck> = {};
  const problems: string[] = [];
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return { checks, problems: ["health checks must be an object of CODE → check"] };
  }
  for (const [code, raw] of Object.entries(input as Record<string, unknown>)) {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      problems.push(`health check ${code} is not an object`);
      continue;
    }
    if (code === "__proto__") {
      problems.push("health check code __proto__ is not allowed; ignored");
      continue;
    }
    const item = raw as Record<string, unknown>;
    const severity = item.severity === "error"
      ? "HEALTH_ERR"
      : item.severity === "warning"
      ? "HEALTH_WARN"
      : null;
    if (severity === null) {
      problems.push(`health check ${code} has severity ${JSON.stringify(item.severity)}; ignored`);
      continue;
    }
    if (typeof item.summary !== "string") {
      problems.push(`health check ${code} has no summary string`);
      continue;
    }
    let count = 0;
    if (item.count !== undefined) {
      if (typeof item.count === "number" && Number.isInteger(item.count)) count = item.count;
      else problems.push(`health check ${code}: count is not an integer; using 0`);
    }
    const detail: { message: string }[] = [];
    if (item.detail !== undefined) {
      if (Array.isArray(item.detail)) {
        for (const line of item.detail) {
          if (typeof line === "string") detail.push({ message: line });
          else problems.push(`health check ${code}: a detail line is not a string; skipped`);
        }
      } else problems.push(`health check ${code}: detail is not a list; ignored`);
    }
    for (const key of Object.keys(item)) {
      if (!["severity", "summary", "count", "detail"].includes(key)) {
        problems.push(`health check ${code}: unknown key '${key}' ignored`);
      }
    }
    checks[code] = { severity, summary: { message: item.summary, count }, detail, muted: false };
  }
  return { checks, problems };
}

/** Merges sets of checks (later sets win on the same code) into a report with its status. */
export function healthReport(...sets: Record<string, HealthCheck>[]): HealthReport {
  const checks: Record<string, HealthCheck> = {};
  for (const set of sets) Object.assign(checks, set);
  const sorted = Object.fromEntries(
    Object.entries(checks).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  let status: HealthReport["status"] = "HEALTH_OK";
  for (const check of Object.values(sorted)) {
    if (check.muted) continue;
    if (check.severity === "HEALTH_ERR") status = "HEALTH_ERR";
    else if (status === "HEALTH_OK") status = "HEALTH_WARN";
  }
  return { status, checks: sorted, mutes: [] };
}

/**
 * Applies mutes to a report: a muted check stays listed, marked `muted`, and no longer counts
 * toward the status. Returns the mutes still in force, as Ceph's HealthMonitor keeps them
 * (check_mutes): a lapsed TTL ends a mute; a non-sticky mute ends when its check clears or its
 * count grows.
 *
 * @example
 * ```ts
 * import { applyMutes, healthReport } from "./health.ts";
 * const down = {
 *   severity: "HEALTH_WARN" as const,
 *   summary: { message: "1 osds down", count: 1 },
 *   detail: [],
 *   muted: false,
 * };
 * const mute = { code: "OSD_DOWN", sticky: false, summary: "1 osds down", count: 1 };
 * const { report } = applyMutes(healthReport({ OSD_DOWN: down }), [mute], 0);
 * console.assert(report.status === "HEALTH_OK" && report.checks.OSD_DOWN?.muted === true);
 * ```
 */
export function applyMutes(
  report: HealthReport,
  mutes: readonly HealthMute[],
  now: number,
): { report: HealthReport; mutes: HealthMute[] } {
  const kept: HealthMute[] = [];
  for (const mute of mutes) {
    if (mute.ttl !== undefined && mute.ttl <= now) continue;
    const check = Object.hasOwn(report.checks, mute.code) ? report.checks[mute.code] : undefined;
    if (!mute.sticky && (!check || check.summary.count > mute.count)) continue;
    kept.push(mute);
  }
  if (kept.length === 0) return { report, mutes: kept };
  const mutedCodes = new Set(kept.map((m) => m.code));
  const checks: Record<string, HealthCheck> = {};
  for (const [code, check] of Object.entries(report.checks)) {
    checks[code] = mutedCodes.has(code) ? { ...check, muted: true } : check;
  }
  return { report: { ...healthReport(checks), mutes: kept }, mutes: kept };
}
