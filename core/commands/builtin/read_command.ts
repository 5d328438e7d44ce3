/**
 * A read-only built-in command (perm `r`) and its validated arguments: what the state commands
 * are made of. A command that throws on an unexpected view answers -EINVAL, never crashes.
 *
 * @module
 */
import type { MonCommandResult } from "../../cluster_link.ts";
import { EINVAL } from "../../../ceph/errno.ts";
import { parseSignature } from "../descriptor.ts";
import type { LocalCommand } from "../service.ts";
import { fail } from "./reply.ts";

/** A validated command: its prefix and arguments. */
export type CommandArgs = Record<string, unknown>;

/** A read-only command from its signature (MgrCommands.h), help text and Ceph module name. */
export function readCommand(
  sig: string,
  help: string,
  module: string,
  run: (cmd: CommandArgs) => MonCommandResult,
): LocalCommand {
  return {
    desc: parseSignature(sig, { help, perm: "r", module }),
    run: (cmd) => {
      try {
        return run(cmd);
      } catch (e) {
        return fail(EINVAL, `${cmd.prefix} failed: ${(e as Error).message}`);
      }
    },
  };
}

/** An `n=N` argument's values (none when absent). */
export function argList(v: unknown): string[] {
  return v === undefined || v === null ? [] : (Array.isArray(v) ? v : [v]).map(String);
}

/** An optional CephInt argument, or the default. */
export function intArg(v: unknown, otherwise: number): number {
  return typeof v === "number" ? v : otherwise;
}
