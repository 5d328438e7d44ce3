/**
 * Usage text derived from a descriptor, as Ceph's client prints it: the `ceph -h` line
 * (`argdesc.helpstr` joined by spaces, Ceph's `concise_sig`) and the short argument label
 * used inside error messages (`argdesc.__str__`, e.g. `oid(<string>)`).
 *
 * @module
 */

import { typeLabel } from "./arg_types.ts";
import type { ArgDescriptor, CommandDescriptor } from "./descriptor.ts";

/**
 * The usage line `ceph -h` prints before a command's help text.
 *
 * A `--` in the signature is not shown: the arguments after it already render as
 * `[--name <value>]`, which says the same thing.
 *
 * @example
 * ```ts
 * import { parseSignature } from "./descriptor.ts";
 * import { usageLine } from "./usage.ts";
 * const d = parseSignature(
 *   "antigravity send to blackhole name=oid,type=CephString name=blackhole,req=false,type=CephString",
 *   { help: "", perm: "r" },
 * );
 * console.assert(usageLine(d) === "antigravity send to blackhole <oid> [<blackhole>]");
 * ```
 */
export function usageLine(desc: CommandDescriptor): string {
  return [...desc.words, ...desc.args.map(argUsage)].join(" ");
}

/**
 * One argument as the usage line shows it (Ceph's `argdesc.helpstr`): `--flag` for a
 * CephBool, `<name:a|b>` for choices (`--format {a|b}` for one called format), `<name:int>`,
 * `--name <value>` when non-positional, then `...` for n=N and `[...]` when optional.
 *
 * @example
 * ```ts
 * import { argFromAttrs } from "./descriptor.ts";
 * import { argUsage } from "./usage.ts";
 * const arg = argFromAttrs({ name: "pool", type: "CephInt", req: "false" }, true, "example");
 * console.assert(argUsage(arg) === "[<pool:int>]");
 * ```
 */
export function argUsage(arg: ArgDescriptor): string {
  let s = arg.positional ? positionalChunk(arg) : namedChunk(arg);
  if (arg.n === "N") s += "...";
  return arg.req ? s : `[${s}]`;
}

function positionalChunk(arg: ArgDescriptor): string {
  switch (arg.type) {
    case "CephBool":
      return `--${arg.name.replaceAll("_", "-")}`;
    case "CephChoices":
      // Ceph keeps this for legacy clusters whose format arguments were positional.
      return arg.name === "format" ? `--${arg.name} {${typeLabel(arg)}}` : typeLabel(arg);
    case "CephOsdName":
      return "<id|osd.id>";
    case "CephName":
      return "<type.id>";
    case "CephInt":
      return `<${arg.name}:int>`;
    case "CephFloat":
      return `<${arg.name}:float>`;
    default:
      return `<${arg.name}>`;
  }
}

function namedChunk(arg: ArgDescriptor): string {
  switch (arg.type) {
    case "CephBool":
      return `--${arg.name.replaceAll("_", "-")}`;
    case "CephChoices":
      return `--${arg.name} {${typeLabel(arg)}}`;
    case "CephOsdName":
      return `--${arg.name} <id|osd.id>`;
    case "CephName":
      return `--${arg.name} <type.id>`;
    case "CephInt":
      return `--${arg.name} <int>`;
    case "CephFloat":
      return `--${arg.name} <float>`;
    default:
      return `--${arg.name} <value>`;
  }
}

/**
 * The short label Ceph's messages use for an argument (`argdesc.__str__`): `oid(<string>)`,
 * `n(<int[1-10]>)`, `checks(<string>)...`, in brackets when optional; a single-choice
 * CephChoices shows as its one word (`--force`).
 *
 * @example
 * ```ts
 * import { argFromAttrs } from "./descriptor.ts";
 * import { argLabel } from "./usage.ts";
 * const arg = argFromAttrs({ name: "oid", type: "CephString" }, true, "example");
 * console.assert(argLabel(arg) === "oid(<string>)");
 * ```
 */
export function argLabel(arg: ArgDescriptor): string {
  let s: string;
  if (arg.type === "CephChoices" && arg.strings?.length === 1) {
    s = typeLabel(arg);
  } else {
    s = `${arg.name}(${typeLabel(arg)})`;
    if (arg.n === "N") s += "...";
  }
  return arg.req ? s : `[${s}]`;
}
