/**
 * `status` and `health [detail]` while the mon does not answer. They are the mon's commands,
 * and Ceph's CLI waits for a mon however long it takes; mgrd's manager answers them itself
 * instead, at once when its mon session is down and after {@linkcode MON_ANSWER_WAIT_SECONDS}
 * when the mon does not answer, from its last view of the cluster (the maps it received last,
 * the health the mon last reported, its own PGMap and progress events), printed as the mon
 * prints them (core/status_output.ts, core/health_output.ts), with
 * {@linkcode NO_MON_CONNECTION} on stderr.
 *
 * @module
 */
import type { MonCommandResult } from "./cluster_link.ts";
import { healthOutput } from "./health_output.ts";
import { type StatusInputs, statusOutput } from "./status_output.ts";

/**
 * What a command answered from the manager's last maps says on stderr while the manager has no
 * mon connection: `status`, `health`, and the status module's `osd status` and `fs status`.
 *
 * @example
 * ```ts
 * import { HandleCommandResult, MgrModule, NO_MON_CONNECTION } from "mgr_module";
 * class Maps extends MgrModule {
 *   epoch(): HandleCommandResult {
 *     const osdMap = this.get("osd_map") as { epoch: number };
 *     const stale = this.have_mon_connection() ? "" : NO_MON_CONNECTION;
 *     return new HandleCommandResult(0, String(osdMap.epoch), stale);
 *   }
 * }
 * ```
 */
export const NO_MON_CONNECTION =
  "Warning: the manager has no mon connection; this is from the last cluster maps it received " +
  "and may be stale";

/**
 * Seconds the manager waits for the mon's answer to `status` or `health` while its session is
 * up, before it answers from its last view. A mon that answers at all does so within
 * milliseconds; five seconds also outlasts the real link's own finding that the mon is gone
 * (a poll unanswered for 3 s, polls 1 s apart), so the session is marked down by then.
 */
export const MON_ANSWER_WAIT_SECONDS = 5;

/** The mon commands the manager answers from its last view when the mon does not. */
const FROM_LAST_VIEW = new Set(["status", "health"]);

/** Whether the manager answers `prefix` from its last view when the mon does not. */
export function answersFromLastView(prefix: unknown): boolean {
  return typeof prefix === "string" && FROM_LAST_VIEW.has(prefix);
}

/**
 * The answer to `status` or `health [detail]` (plain, `-f json`, `-f json-pretty`) from the
 * manager's last view: what the mon prints of the same inputs, and the note on stderr.
 *
 * @example
 * ```ts
 * import { lastViewAnswer, NO_MON_CONNECTION } from "./mon_outage_answers.ts";
 * const view = {
 *   fsid: "f",
 *   health: { status: "HEALTH_OK" as const, checks: {}, mutes: [] },
 *   mgrMap: { active_name: "x", standbys: [], available: true, modules: [], services: {} } as never,
 *   get: () => undefined,
 *   pgDigest: undefined,
 *   progress: {},
 *   now: 0,
 * };
 * const r = lastViewAnswer({ prefix: "health" }, view);
 * console.assert(r.r === 0 && r.outb === "HEALTH_OK\n" && r.outs === NO_MON_CONNECTION);
 * ```
 */
export function lastViewAnswer(
  cmd: Record<string, unknown>,
  view: StatusInputs,
): MonCommandResult {
  const format = cmd.format === "json" || cmd.format === "json-pretty" ? cmd.format : undefined;
  const outb = cmd.prefix === "status"
    ? statusOutput(view, format)
    : healthOutput(view.health, { detail: cmd.detail === "detail", format, now: view.now });
  return { r: 0, outb, outs: NO_MON_CONNECTION };
}
