/**
 * `health [detail]`, `health mute <code> [<ttl>] [--sticky]` and `health unmute [<code>]`
 * (HealthMonitor.cc): the merged health report, plain and JSON, and its mutes.
 *
 * @module
 */
import type { MonCommandResult } from "../../cluster_link.ts";
import { healthDetailText, type HealthReport, healthSummaryText, muteJson } from "../../health.ts";
import { EINVAL, ENOENT } from "../../../ceph/errno.ts";
import { formatJson } from "../../../ceph/format.ts";
import { parseTimespan } from "../../../ceph/option_value.ts";
import { parseSignature } from "../descriptor.ts";
import type { LocalCommand } from "../service.ts";
import { fail, jsonFormat, ok } from "./reply.ts";

/** What the health commands need: the merged report and its mutes, and the time. */
export interface HealthSource {
  /** The merged health report, with the mutes in force. */
  health(): HealthReport;
  /** Mutes a check (it must be raised now unless sticky). */
  mute(code: string, ttlSeconds: number | undefined, sticky: boolean): MonCommandResult;
  /** Lifts one mute, or all. */
  unmute(code: string | undefined): MonCommandResult;
  /** Now, in seconds. */
  now(): number;
}

/**
 * A mute's TTL as `health mute` takes it: Ceph's `parse_timespan` (`30`, `10s`, `5m 3s`, `2h`,
 * `1week`), seconds or the error text HealthMonitor prints after `invalid duration: <ttl> `.
 *
 * @example
 * ```ts
 * import { parseTtl } from "./health.ts";
 * console.assert(JSON.stringify(parseTtl("5m 3s")) === '{"seconds":303}');
 * console.assert("error" in parseTtl("0"));
 * ```
 */
export function parseTtl(text: string): { seconds: number } | { error: string } {
  const parsed = parseTimespan(text);
  if (parsed.error) return { error: parsed.error };
  if (parsed.value === 0n) return { error: "timespan = 0" };
  return { seconds: Number(parsed.value) };
}

/** `health [detail]`: the summary or every check's detail; JSON has the mutes too. */
function healthCommand(source: HealthSource, cmd: Record<string, unknown>): MonCommandResult {
  const report = source.health();
  const detail = cmd.detail === "detail";
  const format = jsonFormat(cmd);
  if (format) {
    const shown = detail ? report : {
      status: report.status,
      checks: Object.fromEntries(
        Object.entries(report.checks).map((
          [code, c],
        ) => [code, { severity: c.severity, summary: c.summary, muted: c.muted }]),
      ),
      mutes: report.mutes,
    };
    return ok(formatJson({ ...shown, mutes: report.mutes.map(muteJson) }, format));
  }
  const now = source.now();
  return ok((detail ? healthDetailText(report, now) : healthSummaryText(report, now)) + "\n");
}

/** The health commands, bound to a source of health. */
export function healthCommands(source: HealthSource): LocalCommand[] {
  return [
    {
      desc: parseSignature("health name=detail,type=CephChoices,strings=detail,req=false", {
        help: "show cluster health",
        perm: "r",
        module: "mon",
      }),
      run: (cmd) => healthCommand(source, cmd),
    },
    {
      desc: parseSignature(
        "health mute name=code,type=CephString name=ttl,type=CephString,req=false " +
          "name=sticky,type=CephBool,req=false",
        { help: "mute health alert", perm: "w", module: "mon" },
      ),
      run: (cmd) => {
        // HealthMonitor: the TTL is parsed first, then the check must be raised unless sticky.
        let ttl: number | undefined;
        if (typeof cmd.ttl === "string") {
          const parsed = parseTtl(cmd.ttl);
          if ("error" in parsed) {
            return fail(EINVAL, `invalid duration: ${cmd.ttl} (${parsed.error})`);
          }
          ttl = parsed.seconds;
        }
        const code = String(cmd.code);
        const sticky = cmd.sticky === true;
        if (!sticky && !Object.hasOwn(source.health().checks, code)) {
          return fail(ENOENT, `health alert ${code} is not currently raised`);
        }
        return source.mute(code, ttl, sticky);
      },
    },
    {
      desc: parseSignature("health unmute name=code,type=CephString,req=false", {
        help: "unmute existing health alert mute(s)",
        perm: "w",
        module: "mon",
      }),
      run: (cmd) => source.unmute(typeof cmd.code === "string" ? cmd.code : undefined),
    },
  ];
}
