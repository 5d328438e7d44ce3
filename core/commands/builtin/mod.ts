/**
 * The commands the manager answers itself (Ceph's DaemonServer), gathered from one file per
 * area; `health` and `status` are the mon's. Each area takes
 * the narrow view of the manager it needs; {@linkcode BuiltinSource} is all of them.
 *
 * @module
 */
import type { LocalCommand } from "../service.ts";
import { configCommands, type RunningConfigSource } from "./config.ts";
import { deviceCommands } from "./device.ts";
import { dfCommands } from "./df.ts";
import { osdCommands } from "./osd.ts";
import { osdSafetyCommands } from "./osd_safety.ts";
import { pgCommands, type PgSource } from "./pg.ts";
import { serviceCommands } from "./service.ts";
import { tellCommands, type TellSource } from "./tell.ts";

/** Everything the built-in commands read of the manager. */
export type BuiltinSource = PgSource & RunningConfigSource & TellSource;

/**
 * Every built-in command, in the order the manager publishes them.
 *
 * @example
 * ```ts
 * import { builtinCommands } from "./mod.ts";
 * const commands = builtinCommands({
 *   daemon: "mgr.x",
 *   get: () => null,
 *   now: () => 0,
 *   cephOption: () => undefined,
 *   runningConfig: () => new Map([["debug_mgr", "20/20"]]),
 *   daemonConfig: () => null,
 *   fsid: () => "00000000-0000-0000-0000-000000000000",
 *   tellDaemon: () => Promise.resolve({ r: -2, outb: "", outs: "" }),
 *   ownPerf: { dump: () => ({}), schema: () => ({}), histograms: () => ({}) },
 * });
 * const show = commands.find((c) => c.desc.prefix === "config show")!;
 * const r = await show.run({ prefix: "config show", who: "mgr.x", key: "debug_mgr" }, "", {
 *   entity: "client.admin",
 *   caps: "allow *",
 * });
 * console.assert(r.outb === "20/20\n");
 * ```
 */
export function builtinCommands(source: BuiltinSource): LocalCommand[] {
  return [
    ...pgCommands(source),
    ...osdCommands(source),
    ...dfCommands(source),
    ...osdSafetyCommands(source),
    ...deviceCommands(source),
    ...serviceCommands(source),
    ...configCommands(source),
    ...tellCommands(source),
  ];
}
