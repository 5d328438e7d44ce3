/**
 * What the daemon checks on every JSON command before dispatch, whoever sent it. Ceph's mgr
 * trusts its `ceph` CLI to have validated; our admin endpoint takes raw HTTP, so the daemon
 * applies the same rules, and answers with the messages the CLI prints, because those are
 * what users already know (Ceph's server-side wording, `missing required parameter: 'oid'`,
 * is seen only by people who bypass the CLI).
 *
 * @module
 */

import { type ArgValue, checkWord, NUMERIC_TYPES } from "./arg_types.ts";
import { pythonListRepr } from "./python_values.ts";
import type { ArgDescriptor, CommandDescriptor } from "./descriptor.ts";
import { argLabel } from "./usage.ts";

/**
 * Keys clients send alongside the arguments, passed through untouched unless the command
 * declares an argument of that name: `prefix`; `format` (`-f`); `target` and `poll`, which
 * the CLI adds for MGR- and POLL-flagged commands; `fsid` and `module`, which other Ceph
 * clients add.
 */
export const CLIENT_KEYS: ReadonlySet<string> = new Set([
  "prefix",
  "format",
  "target",
  "poll",
  "fsid",
  "module",
]);

/** The daemon's verdict on a command: the cleaned command, or the message to return. */
export type ValidationResult =
  | { ok: true; cmd: Record<string, unknown> }
  | { ok: false; error: string };

/**
 * Validates and converts a JSON command against its descriptor. Values may arrive as JSON
 * numbers, booleans, strings or (for list arguments) arrays; a single value is taken as a
 * one-element list; `null` counts as absent. The cleaned command has `prefix`, then the
 * arguments with typed values (numbers, booleans, arrays), then the client keys as sent.
 * Keys that are neither arguments nor client keys are refused: Ceph ignores them, which
 * turns a misspelt optional argument into a silently different command.
 *
 * @example
 * ```ts
 * import { parseSignature } from "./descriptor.ts";
 * import { validateCommand } from "./validate.ts";
 * const d = parseSignature("anchorprobe count name=n,type=CephInt,range=1|10", { help: "", perm: "r" });
 * const r = validateCommand(d, { prefix: "anchorprobe count", n: "0x5" });
 * console.assert(r.ok && r.cmd.n === 5);
 * ```
 */
export function validateCommand(
  desc: CommandDescriptor,
  cmd: Record<string, unknown>,
): ValidationResult {
  if (typeof cmd !== "object" || cmd === null || Array.isArray(cmd)) {
    return { ok: false, error: "a command must be a JSON object" };
  }
  const prefix = own(cmd, "prefix");
  if (prefix !== undefined && prefix !== desc.prefix) {
    return {
      ok: false,
      error: `prefix ${JSON.stringify(prefix)} does not match command '${desc.prefix}'`,
    };
  }
  const out: Record<string, unknown> = { prefix: desc.prefix };
  const names = new Set<string>();
  for (const arg of desc.args) {
    names.add(arg.name);
    const raw = own(cmd, arg.name);
    if (raw === undefined || raw === null) {
      if (arg.req) return { ok: false, error: `missing required parameter ${argLabel(arg)}` };
      continue;
    }
    const r = arg.n === 1 ? checkSingle(arg, raw) : checkList(arg, raw);
    if (!r.ok) return r;
    out[arg.name] = r.value;
  }
  const unused = Object.keys(cmd).filter((k) => !names.has(k) && !CLIENT_KEYS.has(k));
  if (unused.length > 0) return { ok: false, error: `unused arguments: ${pythonListRepr(unused)}` };
  for (const k of Object.keys(cmd)) {
    if (k !== "prefix" && !names.has(k)) out[k] = cmd[k];
  }
  return { ok: true, cmd: out };
}

type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

function own(o: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

function checkList(arg: ArgDescriptor, raw: unknown): Checked<ArgValue[]> {
  const list: unknown[] = Array.isArray(raw) ? raw : [raw];
  // The CLI's wording for too few repeated values; an empty optional list is accepted, as
  // Ceph's server accepts it.
  if (arg.n === "N" && list.length === 0 && arg.req) {
    return { ok: false, error: `saw 0 of ${argLabel(arg)}, expected at least 1` };
  }
  if (typeof arg.n === "number" && list.length !== arg.n) {
    return { ok: false, error: `saw ${list.length} of ${argLabel(arg)}, expected ${arg.n}` };
  }
  const values: ArgValue[] = [];
  for (const v of list) {
    const r = checkSingle(arg, v);
    if (!r.ok) return r;
    values.push(r.value);
  }
  return { ok: true, value: values };
}

function checkSingle(arg: ArgDescriptor, v: unknown): Checked<ArgValue> {
  if (typeof v === "string") return checkWord(arg, v);
  if (typeof v === "number" && NUMERIC_TYPES.has(arg.type)) {
    // String(v) is the shortest round-trip form, so the word rules (and their messages:
    // `1.5 doesn't represent an int`, `11 not in range [1, 10]`) apply to numbers as well.
    if (!Number.isFinite(v)) return mismatch(arg, v);
    return checkWord(arg, String(v));
  }
  if (typeof v === "boolean" && arg.type === "CephBool") return { ok: true, value: v };
  return mismatch(arg, v);
}

function mismatch(arg: ArgDescriptor, v: unknown): { ok: false; error: string } {
  const expected = arg.type === "CephBool"
    ? "a boolean or a string"
    : NUMERIC_TYPES.has(arg.type)
    ? "a number or a string"
    : "a string";
  const got = Array.isArray(v) ? "a list" : describeValue(v);
  return { ok: false, error: `${argLabel(arg)} must be ${expected}, not ${got}` };
}

function describeValue(v: unknown): string {
  if (typeof v === "number" || typeof v === "boolean") return `${typeof v} ${String(v)}`;
  if (typeof v === "object") return v === null ? "null" : "an object";
  return `a ${typeof v}`;
}
