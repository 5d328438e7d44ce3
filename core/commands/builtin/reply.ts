/**
 * How a built-in command answers: output, or an errno with Ceph's message; and the JSON format
 * the caller asked for (`-f json|json-pretty`; anything else means plain text).
 *
 * @module
 */
import type { MonCommandResult } from "../../cluster_link.ts";

/** The JSON formats Ceph's formatter knows; null for plain text. */
export type JsonFormat = "json" | "json-pretty";

/** A successful answer: `outb` on stdout, `outs` on stderr. */
export function ok(outb: string, outs = ""): MonCommandResult {
  return { r: 0, outb, outs };
}

/** A failed answer: `-errno` and the message. */
export function fail(errno: number, outs: string): MonCommandResult {
  return { r: -errno, outb: "", outs };
}

/** The JSON format the command asks for, or null for plain text. */
export function jsonFormat(cmd: Record<string, unknown>): JsonFormat | null {
  return cmd.format === "json" || cmd.format === "json-pretty" ? cmd.format : null;
}
