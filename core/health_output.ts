/**
 * What `ceph health` and `ceph health detail` print of a health report, in Ceph's words
 * (HealthMonitor and Monitor::get_health_status): the one renderer for the simulated mon, the
 * manager's answer from its last view while the mon is away, and the real mon's answer with
 * mgrd's own checks merged in.
 *
 * @module
 */
import type { HealthMute, HealthReport } from "./health.ts";
import { formatJson } from "../ceph/format.ts";
import { cephStamp, timespanText } from "../ceph/time.ts";

function byCode(a: HealthMute, b: HealthMute): number {
  return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
}

/** A mute as `health -f json` and `status -f json` show it: the TTL as a stamp. */
export function muteJson(m: HealthMute): Record<string, unknown> {
  return {
    code: m.code,
    ...(m.ttl !== undefined ? { ttl: cephStamp(m.ttl) } : {}),
    sticky: m.sticky,
    summary: m.summary,
    count: m.count,
  };
}

/** `(muted: A(59m) B)`: every mute in force, by code, with its time left. */
export function mutedText(mutes: readonly HealthMute[], now: number): string {
  return "(muted: " +
    [...mutes].sort(byCode).map((m) =>
      m.ttl === undefined ? m.code : `${m.code}(${timespanText(m.ttl - now)})`
    ).join(" ") + ")";
}

/**
 * `ceph health`: the status and the summaries of the live checks, as one line, then every
 * mute in force with its time left (Monitor::get_health_status):
 * `HEALTH_WARN 1 osds down; (muted: POOL_NO_REDUNDANCY(59m) OSD_NEARFULL)`.
 *
 * @example
 * ```ts
 * import { healthSummaryText } from "./health_output.ts";
 * const report = {
 *   status: "HEALTH_WARN" as const,
 *   checks: {
 *     OSD_DOWN: {
 *       severity: "HEALTH_WARN" as const,
 *       summary: { message: "1 osds down", count: 1 },
 *       detail: [],
 *       muted: false,
 *     },
 *   },
 *   mutes: [],
 * };
 * console.assert(healthSummaryText(report, 0) === "HEALTH_WARN 1 osds down");
 * ```
 */
export function healthSummaryText(report: HealthReport, now: number): string {
  let summary = Object.values(report.checks).filter((c) => !c.muted).map((c) => c.summary.message)
    .join("; ");
  if (report.mutes.length) summary += (summary ? "; " : "") + mutedText(report.mutes, now);
  return summary ? `${report.status} ${summary}` : report.status;
}

/** `ceph health detail` in plain text, laid out as Ceph prints it. */
export function healthDetailText(report: HealthReport, now: number): string {
  const lines = [healthSummaryText(report, now)];
  for (const [code, check] of Object.entries(report.checks)) {
    const tag = check.severity === "HEALTH_ERR" ? "ERR" : "WRN";
    const mute = check.muted ? report.mutes.find((m) => m.code === code) : undefined;
    const muted = mute === undefined
      ? ""
      : `(MUTED${
        mute.ttl === undefined
          ? ""
          : mute.ttl > now
          ? ` ttl ${timespanText(mute.ttl - now)}`
          : " ttl expired"
      }${mute.sticky ? ", STICKY" : ""}) `;
    lines.push(`${muted}[${tag}] ${code}: ${check.summary.message}`);
    for (const d of check.detail) lines.push(`    ${d.message}`);
  }
  return lines.join("\n");
}

/**
 * The data of `health -f json` (each check's severity, summary and muted) or, with `detail`,
 * of `health detail -f json` (their detail lines too), with the mutes in force.
 */
export function healthJson(report: HealthReport, detail: boolean): Record<string, unknown> {
  const checks = detail ? report.checks : Object.fromEntries(
    Object.entries(report.checks).map((
      [code, c],
    ) => [code, { severity: c.severity, summary: c.summary, muted: c.muted }]),
  );
  return { status: report.status, checks, mutes: report.mutes.map(muteJson) };
}

/** How `health` was asked: `health detail` or not, and in which format. */
export interface HealthAsked {
  detail: boolean;
  /** `json`, `json-pretty`, or undefined for Ceph's plain text. */
  format: "json" | "json-pretty" | undefined;
  /** Now, in seconds (for the mutes' time left). */
  now: number;
}

/**
 * What `health [detail]` answers (its output buffer), byte for byte as the mon sends it.
 *
 * @example
 * ```ts
 * import { healthOutput } from "./health_output.ts";
 * const ok = { status: "HEALTH_OK" as const, checks: {}, mutes: [] };
 * console.assert(healthOutput(ok, { detail: false, format: undefined, now: 0 }) === "HEALTH_OK\n");
 * ```
 */
export function healthOutput(report: HealthReport, asked: HealthAsked): string {
  if (asked.format) return formatJson(healthJson(report, asked.detail), asked.format);
  const text = asked.detail
    ? healthDetailText(report, asked.now)
    : healthSummaryText(report, asked.now);
  return text + "\n";
}
