/**
 * What each monitor of the embedded mon is (Ceph's PaxosService: OSDMonitor, MgrMonitor,
 * ConfigMonitor, ...): the commands it owns, in Ceph's signature grammar, and their handler.
 * The mon routes every command to its owner by prefix; the replies' small shared shapes live
 * here too.
 *
 * @module
 */
import type { CommandSignature, MonCommandResult } from "../../core/cluster_link.ts";

/** One monitor of the embedded mon. */
export interface Monitor {
  /** The commands it answers, as Ceph 16.2's src/mon/MonCommands.h declares them. */
  readonly commands: readonly CommandSignature[];
  /**
   * Answers one of its commands (`prefix` is one of {@linkcode commands}'); a change is
   * committed before this returns.
   */
  handle(
    prefix: string,
    cmd: Record<string, unknown>,
    inbuf: string | undefined,
    entity: string,
  ): MonCommandResult;
}

/** MonCommands.h's FLAG(DEPRECATED). */
export const DEPRECATED = 4;

/** A reply that succeeded. */
export const ok = (outb = "", outs = ""): MonCommandResult => ({ r: 0, outb, outs });
/** A reply that failed with `r` (a negative errno). */
export const err = (r: number, outs = ""): MonCommandResult => ({ r, outb: "", outs });

/** Ceph's `Formatter::create(format)`: json, json-pretty, or null (plain/unknown). */
export function formatterFor(cmd: Record<string, unknown>): "json" | "json-pretty" | null {
  const f = cmd.format;
  if (f === "json" || f === "json-pretty") return f;
  return null;
}

/** A command argument as the text the mon reads (`cmd_getval` of a string). */
export function str(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

/** Whether a `--force` / `force=true` argument was given. */
export function isForce(v: unknown): boolean {
  return v === true || v === "true" || v === "--force";
}
