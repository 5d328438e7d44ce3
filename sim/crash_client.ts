/**
 * The client ceph-crash is: it posts a host's crash reports with `ceph crash post -i meta`
 * to the active manager. Whoever runs the managers next to a simulated cluster hands the
 * cluster's crash agents one of these.
 *
 * @module
 */
import type { MonCommandResult } from "../core/cluster_link.ts";
import type { CrashPoster } from "./cluster/crash_agent.ts";

/** Sends a command to the active manager; undefined when none is active. */
export type ActiveManagerCommand = (
  cmd: Record<string, unknown>,
  inbuf: string,
) => Promise<MonCommandResult> | undefined;

/**
 * A poster that sends each report as `crash post` with the report as its input; a report is
 * taken when the manager answered 0.
 *
 * @example
 * ```ts
 * import { crashPoster } from "./crash_client.ts";
 * const sent: string[] = [];
 * const post = crashPoster(async (cmd, inbuf) => {
 *   sent.push(`${cmd.prefix} ${JSON.parse(inbuf).entity_name}`);
 *   return { r: 0, outb: "", outs: "" };
 * });
 * const report = { entity_name: "osd.1" } as Parameters<typeof post>[0];
 * if (!(await post(report)) || sent[0] !== "crash post osd.1") throw new Error("posted");
 * ```
 */
export function crashPoster(send: ActiveManagerCommand): CrashPoster {
  return async (report) => {
    const answer = await send({ prefix: "crash post" }, JSON.stringify(report, null, 4));
    return answer !== undefined && answer.r === 0;
  };
}
