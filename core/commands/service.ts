/**
 * What the admin endpoint and in-process callers need from a manager to run commands: the
 * descriptors of every command it answers, and a way to run one on behalf of an entity.
 *
 * @module
 */
import type { MonCommandResult } from "../cluster_link.ts";
import type { HealthReport } from "../health.ts";
import type { CommandDescriptor } from "./descriptor.ts";

/** Who is asking: an authenticated entity and its mgr caps (`allow r`, `allow rw`, `allow *`). */
export interface Caller {
  /** `client.admin`, `client.ro`, ... */
  entity: string;
  /** The entity's mgr caps as written in the keyring. */
  caps: string;
}

/** The manager as the admin endpoint sees it. */
export interface CommandService {
  /** Every command the manager answers: its own, every module's (enabled or not), the mon's. */
  descriptors(): readonly CommandDescriptor[];
  /**
   * Validates a JSON command (`{prefix, ...args}`) against its descriptor, checks the caller's
   * caps against the command's perm (-EACCES "access denied"), and runs it.
   */
  run(cmd: Record<string, unknown>, inbuf: string, caller: Caller): Promise<MonCommandResult>;
  /** The merged health report (`health detail -f json`). */
  health(): HealthReport;
  /**
   * Whether the mon owns the command in Ceph (its descriptor's module is `mon`), so that a
   * standby answers it while no manager is active.
   */
  monOwned?(prefix: string): boolean;
}

/** A command the manager answers itself (its own commands, `auth ...`). */
export interface LocalCommand {
  desc: CommandDescriptor;
  /** Runs the validated command. */
  run(
    cmd: Record<string, unknown>,
    inbuf: string,
    caller: Caller,
  ): MonCommandResult | Promise<MonCommandResult>;
}
