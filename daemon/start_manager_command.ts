/**
 * `sim start-mgr <who>`: starts again a manager daemon of this `mgrd serve` process that
 * `sim stop-mgr` stopped, as systemd starts a ceph-mgr unit again: the daemon starts afresh,
 * joins as a standby (or takes over when no manager is active) and reopens its admin endpoint. Ceph's manager QA (qa/tasks/mgr/test_failover.py) stops and
 * restarts its daemons so.
 *
 * @module
 */
import { EEXIST, EIO, ENOENT } from "../ceph/errno.ts";
import { parseSignature } from "../core/commands/descriptor.ts";
import type { LocalCommand } from "../core/commands/service.ts";
import type { StoppableManager } from "./stop_manager_command.ts";

/**
 * The command over the process's running daemons (`running`, which it extends), the ids the
 * process was started with, and how to start one of them.
 *
 * @example
 * ```ts
 * import { startManagerCommand } from "./start_manager_command.ts";
 * const running = [{ manager: { id: "x" }, stop: () => Promise.resolve() }];
 * const cmd = startManagerCommand(running, ["x", "y"], () => Promise.reject(new Error("no")));
 * const r = await cmd.run({ prefix: "sim start-mgr", who: "x" }, "", { entity: "client.admin", caps: "allow *" });
 * if (r.r !== -17) throw new Error("a running manager is not started twice");
 * ```
 */
export function startManagerCommand<D extends StoppableManager>(
  running: D[],
  ids: readonly string[],
  start: (id: string) => Promise<D>,
): LocalCommand {
  const starting = new Set<string>();
  return {
    desc: parseSignature("sim start-mgr name=who,type=CephString", {
      help: "start manager daemon <who> of this process again, after sim stop-mgr (as " +
        "systemd restarts a unit): it joins as a standby",
      perm: "rw",
    }),
    async run(cmd) {
      const who = String(cmd.who ?? "").replace(/^mgr\./, "");
      if (!ids.includes(who)) {
        const known = ids.map((id) => `mgr.${id}`).join(", ");
        return {
          r: -ENOENT,
          outb: "",
          outs: `mgr.${who} is not a manager of this process (${known})`,
        };
      }
      if (starting.has(who) || running.some((d) => d.manager.id === who)) {
        return { r: -EEXIST, outb: "", outs: `mgr.${who} is already running` };
      }
      starting.add(who);
      try {
        running.push(await start(who));
      } catch (e) {
        return { r: -EIO, outb: "", outs: `mgr.${who} did not start: ${(e as Error).message}` };
      } finally {
        starting.delete(who);
      }
      return { r: 0, outb: "", outs: `started mgr.${who}` };
    },
  };
}
