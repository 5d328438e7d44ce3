/**
 * Command dispatch, as DaemonServer does it: one table of every command the manager answers
 * (the mon's, every loaded module's, the manager's own), and for each command run: validation
 * against its descriptor, the caller's caps against its perm, the audit entry, and the route to
 * its owner (a module, the manager itself, or the mon).
 *
 * @module
 */
import type { CommandSignature, MonCommandResult } from "../cluster_link.ts";
import { EACCES, EINVAL } from "../../ceph/errno.ts";
import { pythonDumps } from "../../ceph/format.ts";
import { capsAllow } from "../../ceph/mgr_cap.ts";
import { type CommandDescriptor, parseSignature } from "./descriptor.ts";
import { needsAllCaps } from "./escalation.ts";
import { auditCommand, auditCut } from "./audit_text.ts";
import type { Caller, LocalCommand } from "./service.ts";
import { usageLine } from "./usage.ts";
import { validateCommand } from "./validate.ts";

/** A module's command, with the way to run it through the module host. */
export interface ModuleCommandRoute {
  desc: CommandDescriptor;
  /** `caller` is who sent it, for the handler's `is_authorized()`. */
  run(cmd: Record<string, unknown>, inbuf: string, caller?: Caller): Promise<MonCommandResult>;
}

/** Who answers the commands, and where the audit goes. */
export interface CommandOwners {
  /** The mon's command signatures. */
  monCommands(): readonly CommandSignature[];
  /** Every loaded module's commands, enabled or not (a disabled one gets Ceph's message). */
  moduleCommands(): Iterable<ModuleCommandRoute>;
  /** The commands the manager answers itself. */
  localCommands(): readonly LocalCommand[];
  /** Sends a command to the mon on the caller's behalf. */
  sendToMon(cmd: Record<string, unknown>, inbuf: string, entity: string): Promise<MonCommandResult>;
  /** Writes to the cluster log (the `audit` channel). */
  clusterLog(channel: string, priority: string, message: string): void;
}

/** Who owns a command. */
type CommandOwner =
  | { kind: "module"; route: ModuleCommandRoute }
  | { kind: "local"; command: LocalCommand }
  | { kind: "mon" };

interface CommandEntry {
  desc: CommandDescriptor;
  owner: CommandOwner;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The command table and the way a command travels to its owner. */
export class CommandDispatch {
  #table: Map<string, CommandEntry> | undefined;

  constructor(readonly owners: CommandOwners) {}

  /** Forgets the table, to be built again on next use (modules appeared). */
  invalidate(): void {
    this.#table = undefined;
  }

  /**
   * Every command, by prefix: the mon's, then every module's, then the manager's own, a later
   * owner taking a prefix over. Built once, and again after {@link invalidate}.
   */
  #commandTable(): Map<string, CommandEntry> {
    if (this.#table) return this.#table;
    const table = new Map<string, CommandEntry>();
    for (const sig of this.owners.monCommands()) {
      const desc = parseSignature(sig.sig, {
        help: sig.help,
        perm: sig.perm,
        flags: sig.flags,
        module: "mon",
      });
      table.set(desc.prefix, { desc, owner: { kind: "mon" } });
    }
    for (const route of this.owners.moduleCommands()) {
      table.set(route.desc.prefix, { desc: route.desc, owner: { kind: "module", route } });
    }
    for (const local of this.owners.localCommands()) {
      table.set(local.desc.prefix, { desc: local.desc, owner: { kind: "local", command: local } });
    }
    return this.#table = table;
  }

  /** The descriptor of the command `prefix`, if there is one. */
  descriptor(prefix: string): CommandDescriptor | undefined {
    return this.#commandTable().get(prefix)?.desc;
  }

  /**
   * The descriptors of every command, for clients (`GET /api/v1/commands`), in the order a
   * Ceph mon lists them to `ceph`: the manager's own commands (MgrCommands.h), then each
   * module's, modules by name, then the mon's. The CLI's "closest matches" follow this order.
   */
  descriptors(): CommandDescriptor[] {
    const rank = (e: CommandEntry) =>
      e.owner.kind === "local" ? 0 : e.owner.kind === "module" ? 1 : 2;
    return [...this.#commandTable().values()]
      .map((e, i) => ({ e, i }))
      .sort((a, b) =>
        rank(a.e) - rank(b.e) ||
        (a.e.owner.kind === "module" && b.e.owner.kind === "module"
          ? compareText(a.e.desc.module, b.e.desc.module)
          : 0) ||
        a.i - b.i
      )
      .map(({ e }) => e.desc);
  }

  /**
   * Runs one command (`{prefix, ...args}`) for a caller: validated against its descriptor
   * (whoever sent it), checked against the caller's caps, then answered by its owner.
   */
  async run(
    cmd: Record<string, unknown>,
    inbuf: string,
    caller: Caller,
  ): Promise<MonCommandResult> {
    const prefix = cmd.prefix;
    if (typeof prefix !== "string" || prefix.trim() === "") {
      return { r: -EINVAL, outb: "", outs: "command has no prefix" };
    }
    const entry = this.#commandTable().get(prefix);
    if (!entry) return { r: -EINVAL, outb: "", outs: `No handler found for '${prefix}'` };
    const checked = validateCommand(entry.desc, cmd);
    if (!checked.ok) {
      return {
        r: -EINVAL,
        outb: "",
        outs: `Invalid command: ${checked.error}\n${usageLine(entry.desc)} :  ${entry.desc.help}`,
      };
    }
    const audit = `from='client.? 127.0.0.1:0/0' entity='${shortEntity(caller.entity)}' cmd=[${
      auditCut(pythonDumps(auditCommand(checked.cmd)))
    }]`;
    if (!capsAllow(caller.caps, entry.desc.perm)) {
      this.owners.clusterLog("audit", "info", `${audit}:  access denied`);
      return { r: -EACCES, outb: "", outs: "access denied" };
    }
    const escalation = needsAllCaps(checked.cmd, inbuf);
    if (escalation !== undefined && !capsAllow(caller.caps, "rwx")) {
      this.owners.clusterLog("audit", "info", `${audit}:  access denied`);
      return {
        r: -EACCES,
        outb: "",
        outs: `access denied: ${escalation} needs mgr caps 'allow *'`,
      };
    }
    const owner = entry.owner;
    // DaemonServer's note of the commands the manager answers itself; the mon notes its own.
    if (owner.kind !== "mon") this.owners.clusterLog("audit", "debug", `${audit}: dispatch`);
    switch (owner.kind) {
      case "module":
        return await owner.route.run(checked.cmd, inbuf, caller);
      case "local":
        return await owner.command.run(checked.cmd, inbuf, caller);
      case "mon":
        return await this.owners.sendToMon(checked.cmd, inbuf, caller.entity);
    }
  }
}

/** An entity name as the audit writes it (names come from the keyring, but bound them anyway). */
function shortEntity(entity: string): string {
  return entity.length <= 128 ? entity : `${entity.slice(0, 128)}...`;
}
