/**
 * `sim stop-mgr <who>`: stops one manager daemon of this `mgrd serve` process alone, as if
 * it had crashed: its admin endpoint closes and it sends no more beacons, so the mon fails it
 * after `mon_mgr_beacon_grace` and a standby takes over, the path a real manager's death takes.
 * The other managers of the process run on.
 *
 * @module
 */
import { EBUSY, ENOENT } from "../ceph/errno.ts";
import { parseSignature } from "../core/commands/descriptor.ts";
import type { LocalCommand } from "../core/commands/service.ts";

/** What the command needs of the daemons of the process. */
export interface StoppableManager {
  readonly manager: { readonly id: string };
  stop(): Promise<void>;
}

/**
 * The command over the process's running daemons (`daemons`, which it edits as they stop).
 *
 * @example
 * ```ts
 * import { stopManagerCommand } from "./stop_manager_command.ts";
 * const daemons = [{ manager: { id: "x" }, stop: () => Promise.resolve() }];
 * const cmd = stopManagerCommand(daemons, () => {});
 * const r = await cmd.run({ prefix: "sim stop-mgr", who: "x" }, "", { entity: "client.admin", caps: "allow *" });
 * if (r.r !== -16) throw new Error("the last manager of the process is not stopped");
 * ```
 */
export function stopManagerCommand(
  daemons: StoppableManager[],
  onError: (e: unknown) => void,
): LocalCommand {
  return {
    desc: parseSignature("sim stop-mgr name=who,type=CephString", {
      help: "stop manager daemon <who> of this process alone, as a crash would (no more " +
        "beacons: the mon fails it after mon_mgr_beacon_grace)",
      perm: "rw",
    }),
    run(cmd) {
      const who = String(cmd.who ?? "").replace(/^mgr\./, "");
      const i = daemons.findIndex((d) => d.manager.id === who);
      if (i < 0) {
        const running = daemons.map((d) => `mgr.${d.manager.id}`).join(", ");
        return { r: -ENOENT, outb: "", outs: `no manager mgr.${who} runs here (${running})` };
      }
      if (daemons.length === 1) {
        return {
          r: -EBUSY,
          outb: "",
          outs: `mgr.${who} is the last manager of this process; stop the process instead`,
        };
      }
      const [daemon] = daemons.splice(i, 1);
      // After this answer has gone: the endpoint that carries it may be the one closing.
      setTimeout(() => daemon!.stop().catch(onError), 0);
      return { r: 0, outb: "", outs: `stopping mgr.${who}` };
    },
  };
}
