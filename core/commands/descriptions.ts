/**
 * The JSON command descriptions a client fetches (`get_command_descriptions`), in the shape
 * Ceph's `dump_cmddesc_to_json` writes, and the way back to descriptors on the client.
 *
 * @module
 */

import {
  type ArgDescriptor,
  argFromAttrs,
  buildDescriptor,
  type CommandDescriptor,
  isLiteralWord,
} from "./descriptor.ts";

/** One entry of the descriptions: a literal word, or an argument's keys with string values. */
export type SigEntry = string | Record<string, string>;

/** One command as clients receive it. */
export interface CommandDescription {
  sig: SigEntry[];
  help: string;
  module: string;
  perm: string;
  flags: number;
}

/**
 * Describes commands as `{"cmd000": {sig, help, module, perm, flags}, ...}`, numbered from 0
 * with at least three digits as Ceph does. Each argument's keys are sorted, because Ceph
 * copies them through a `std::map`; a `--` in the signature is sent as a literal, as Ceph
 * sends it (our client reads it back as the end of positional arguments).
 *
 * @example
 * ```ts
 * import { describeCommands } from "./descriptions.ts";
 * import { parseSignature } from "./descriptor.ts";
 * const d = parseSignature("anchorprobe get name=what,type=CephString", { help: "h", perm: "r" });
 * const json = describeCommands([d]);
 * console.assert(JSON.stringify(json.cmd000?.sig) === '["anchorprobe","get",{"name":"what","type":"CephString"}]');
 * ```
 */
export function describeCommands(
  descs: readonly CommandDescriptor[],
): Record<string, CommandDescription> {
  const out: Record<string, CommandDescription> = {};
  descs.forEach((d, i) => {
    const sig: SigEntry[] = [...d.words];
    d.args.forEach((arg, j) => {
      if (j === d.positionalEnd) sig.push("--");
      sig.push(sortedAttrs(arg));
    });
    out[`cmd${String(i).padStart(3, "0")}`] = {
      sig,
      help: d.help,
      module: d.module,
      perm: d.perm,
      flags: d.flags,
    };
  });
  return out;
}

function sortedAttrs(arg: ArgDescriptor): Record<string, string> {
  const keys = Object.keys(arg.attrs).sort((a, b) => a < b ? -1 : a > b ? 1 : 0);
  const o: Record<string, string> = {};
  for (const k of keys) o[k] = arg.attrs[k] ?? "";
  return o;
}

/**
 * Rebuilds descriptors from fetched descriptions, in key order, checking every rule a
 * signature must follow; throws an Error naming the command key and the problem when the
 * JSON is not what {@link describeCommands} writes. Unknown top-level keys of a command
 * (older servers send `avail`) are ignored; a missing `flags` counts as 0, as Ceph's client
 * assumes.
 *
 * @example
 * ```ts
 * import { describeCommands, descriptorsFromDescriptions } from "./descriptions.ts";
 * import { parseSignature } from "./descriptor.ts";
 * const d = parseSignature("mgr module ls", { help: "list", perm: "r" });
 * const [back] = descriptorsFromDescriptions(describeCommands([d]));
 * console.assert(back?.prefix === "mgr module ls");
 * ```
 */
export function descriptorsFromDescriptions(json: unknown): CommandDescriptor[] {
  if (!isPlainObject(json)) throw new Error("command descriptions must be a JSON object");
  const out: CommandDescriptor[] = [];
  for (const [key, cmd] of Object.entries(json)) {
    if (!isPlainObject(cmd)) throw new Error(`${key}: must be an object`);
    const { sig, help, module, perm } = cmd;
    const flags = cmd.flags ?? 0;
    if (!Array.isArray(sig)) throw new Error(`${key}: "sig" must be an array`);
    for (const [field, v] of [["help", help], ["module", module], ["perm", perm]] as const) {
      if (typeof v !== "string") throw new Error(`${key}: "${field}" must be a string`);
    }
    if (typeof flags !== "number" || !Number.isInteger(flags) || flags < 0) {
      throw new Error(`${key}: "flags" must be an integer >= 0`);
    }
    const words: string[] = [];
    const args: ArgDescriptor[] = [];
    let positionalEnd: number | undefined;
    sig.forEach((entry: unknown, i: number) => {
      const where = `${key}, sig[${i}]`;
      if (typeof entry === "string") {
        if (entry === "--" && words.length > 0 && positionalEnd === undefined) {
          positionalEnd = args.length;
        } else if (
          entry === "" || entry === "--" || !isLiteralWord(entry) || /\s/.test(entry) ||
          args.length > 0 || positionalEnd !== undefined
        ) {
          throw new Error(
            `${where}: "${entry}" is not a valid literal (non-empty, no '=', ',' or spaces, ` +
              `before every argument)`,
          );
        } else {
          words.push(entry);
        }
        return;
      }
      if (!isPlainObject(entry)) throw new Error(`${where}: must be a string or an object`);
      const pairs: [string, string][] = [];
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v !== "string") throw new Error(`${where}: value of "${k}" must be a string`);
        if (/[,\s]/.test(v)) throw new Error(`${where}: value of "${k}" contains ',' or a space`);
        pairs.push([k, v]);
      }
      // fromEntries defines own properties, so a "__proto__" key is kept (and then refused).
      const attrs = Object.fromEntries(pairs);
      const arg = argFromAttrs(attrs, positionalEnd === undefined, where);
      if (args.some((a) => a.name === arg.name)) {
        throw new Error(`${where}: duplicate argument name '${arg.name}'`);
      }
      args.push(arg);
    });
    if (positionalEnd !== undefined && positionalEnd === args.length) {
      throw new Error(`${key}: "--" must be followed by an argument`);
    }
    if (words.length === 0) throw new Error(`${key}: "sig" must start with a literal word`);
    out.push(
      buildDescriptor(words, args, positionalEnd, {
        help: help as string,
        perm: perm as string,
        flags,
        module: module as string,
      }),
    );
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
