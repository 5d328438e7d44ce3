/**
 * Where a module's `auth ...` mon commands go (the volumes module's `fs subvolume authorize`
 * sends `auth get`, `auth get-or-create`, `auth caps`, `auth rm`).
 *
 * On a real cluster they go to the mon, whose AuthMonitor holds the cluster's entities. The
 * simulated mon has no AuthMonitor: on the simulator the manager's keyring is the one auth
 * database there is (it is what `mgrd ceph auth ...` reads and writes, core/admin/
 * auth_commands.ts). So that what a module makes is what `mgrd ceph auth get` shows — one
 * database, not a second one in the simulated mon — the simulator's managers answer a
 * module's `auth` commands with those same commands, as the mon would answer them.
 *
 * @module
 */
import type { ClusterLink, MonCommandResult } from "../cluster_link.ts";
import type { LocalCommand } from "../commands/service.ts";

/** What a module context needs of the link. */
export type ModuleLink = Pick<ClusterLink, "connected" | "monCommand" | "rados" | "cephfs">;

/**
 * `link` with its `auth ...` mon commands answered by `auth` (the keyring's commands) as
 * manager `mgrId` (a mon grants the mgr profile those commands).
 */
export function answeringAuthWith(
  link: ClusterLink,
  auth: readonly LocalCommand[],
  mgrId: string,
): ModuleLink {
  return {
    connected: () => link.connected(),
    rados: link.rados ? () => link.rados!() : undefined,
    cephfs: link.cephfs ? () => link.cephfs!() : undefined,
    async monCommand(cmd, inbuf, options): Promise<MonCommandResult> {
      const command = auth.find((c) => c.desc.prefix === cmd.prefix);
      if (!command) return await link.monCommand(cmd, inbuf, options);
      return await command.run(cmd, inbuf ?? "", { entity: `mgr.${mgrId}`, caps: "allow *" });
    },
  };
}
