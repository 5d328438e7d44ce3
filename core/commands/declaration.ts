/**
 * Typed argument declarations for the command decorators. Python's `@CLICommand` reads the
 * handler's annotations; TypeScript erases parameter types, so our decorators take an explicit
 * declaration instead, and this file turns it into a descriptor with the rules of Ceph's
 * `CephArgtype.to_argdesc` (so the signature a client sees is the one Ceph would publish).
 *
 * @module
 */

import { pythonFloatRepr } from "./python_values.ts";
import {
  type ArgDescriptor,
  argFromAttrs,
  type ArgTypeName,
  buildDescriptor,
  type CommandDescriptor,
  isLiteralWord,
} from "./descriptor.ts";

/** The value types a declaration can name, and the Ceph type each becomes. */
export const DECLARED_TYPES = {
  str: "CephString",
  int: "CephInt",
  float: "CephFloat",
  bool: "CephBool",
  poolname: "CephPoolname",
  objectname: "CephObjectname",
  osdname: "CephOsdName",
  name: "CephName",
  pgid: "CephPgid",
  uuid: "CephUUID",
  ipaddr: "CephIPAddr",
  entityaddr: "CephEntityAddr",
  fragment: "CephFragment",
  sizebytes: "CephSizeBytes",
} as const satisfies Record<string, ArgTypeName>;

/** A key of {@link DECLARED_TYPES}. */
export type DeclaredType = keyof typeof DECLARED_TYPES;

/** The long form of an argument declaration. */
export interface ArgSpecObject {
  /** Defaults to `"str"`; with `choices`, only `"str"` makes sense. */
  readonly type?: DeclaredType;
  /** A fixed set of strings: the argument becomes CephChoices (Python: an Enum annotation). */
  readonly choices?: readonly string[];
  /** `Optional[T]` / a default value: `req=false`. */
  readonly optional?: boolean;
  /** `true`: one or more values (`List[T]`, n=N); a number: exactly that many (`Tuple`). */
  readonly list?: boolean | number;
  /** Inclusive bounds for int and float (`CephInt(range='1|10')`); omit max for no cap. */
  readonly range?: readonly [number, number?];
  /** A regular-expression character class every character must match (str only). */
  readonly goodchars?: string;
  /**
   * `false` makes this and every later argument non-positional (`--name value`), like
   * Python's `_end_positional_` sentinel. A bool or an argument named `format` does the same
   * implicitly.
   */
  readonly positional?: boolean;
}

/** An argument declaration: a type name, a list of choices, or the long form. */
export type ArgSpec = "str" | "int" | "float" | "bool" | readonly string[] | ArgSpecObject;

/** What the decorator knows besides the arguments. */
export interface DeclarationMeta {
  /** The help text (Python: the docstring, newlines turned into spaces). */
  readonly desc: string;
  readonly perm: string;
  readonly poll?: boolean;
  readonly module?: string;
}

/**
 * Builds the descriptor for a decorated command.
 *
 * Rules, as in Ceph's `to_argdesc`: `optional` gives `req=false`; `list` gives `n=N` (or the
 * count); choices give `CephChoices,strings=a|b`; from the first argument that is a bool, is
 * named `format`, or says `positional: false`, arguments are non-positional. Keys render in
 * Ceph's order: name, req, positional, n, the type's own keys, type. Throws on a declaration
 * Ceph's client could not use (a required non-positional argument, a range on a string, ...).
 *
 * @example
 * ```ts
 * import { descriptorFromDeclaration } from "./declaration.ts";
 * import { signatureOf } from "./descriptor.ts";
 * const d = descriptorFromDeclaration(
 *   "antigravity send to blackhole",
 *   { oid: "str", blackhole: { type: "str", optional: true } },
 *   { desc: "Send the specified object to black hole", perm: "rw" },
 * );
 * console.assert(
 *   signatureOf(d) ===
 *     "antigravity send to blackhole name=oid,type=CephString name=blackhole,req=false,type=CephString",
 * );
 * ```
 */
export function descriptorFromDeclaration(
  prefix: string,
  args: Readonly<Record<string, ArgSpec>>,
  meta: DeclarationMeta,
): CommandDescriptor {
  const words = prefix.split(" ");
  for (const w of words) {
    if (w === "" || !isLiteralWord(w) || /\s/.test(w) || w === "--") {
      throw new Error(
        `command prefix "${prefix}": word "${w}" must be non-empty, single-spaced and free of ` +
          `'=', ',' and whitespace`,
      );
    }
  }
  const out: ArgDescriptor[] = [];
  let positional = true;
  for (const [name, spec] of Object.entries(args)) {
    const where = `command "${prefix}", argument '${name}'`;
    const o = normalize(spec, where);
    const type: DeclaredType = o.type ?? "str";
    const isList = o.list !== undefined && o.list !== false;
    if (o.positional === false || name === "format" || (type === "bool" && !isList)) {
      positional = false;
    }
    if (!positional && !o.optional) {
      throw new Error(
        `${where}: it is non-positional (it is a bool, is named format, or follows one, or ` +
          `positional: false), so it is passed as --${name} and must be optional`,
      );
    }
    if (o.positional === true && !positional) {
      throw new Error(`${where}: cannot be positional after a non-positional argument`);
    }
    const attrs: Record<string, string> = { name };
    if (o.optional) attrs.req = "false";
    if (!positional) attrs.positional = "false";
    if (o.list === true) attrs.n = "N";
    else if (typeof o.list === "number") {
      if (!Number.isInteger(o.list) || o.list < 1) {
        throw new Error(`${where}: list count ${o.list} must be a positive integer`);
      }
      attrs.n = String(o.list);
    }
    if (o.choices !== undefined) {
      if (type !== "str") throw new Error(`${where}: choices need type "str", not "${type}"`);
      if (o.choices.length === 0) throw new Error(`${where}: choices must not be empty`);
      for (const c of o.choices) {
        if (c === "" || /[|,\s]/.test(c)) {
          throw new Error(`${where}: choice "${c}" must be non-empty, without '|', ',' or spaces`);
        }
      }
      attrs.strings = o.choices.join("|");
    }
    if (o.range !== undefined) attrs.range = renderRange(o.range, type, where);
    if (o.goodchars !== undefined) {
      if (type !== "str" || o.choices !== undefined) {
        throw new Error(`${where}: goodchars applies only to plain "str" arguments`);
      }
      if (o.goodchars === "" || /[,\s]/.test(o.goodchars)) {
        throw new Error(
          `${where}: goodchars "${o.goodchars}" must be non-empty, without ',' or spaces`,
        );
      }
      attrs.goodchars = o.goodchars;
    }
    attrs.type = o.choices !== undefined ? "CephChoices" : DECLARED_TYPES[type];
    out.push(argFromAttrs(attrs, true, where));
  }
  return buildDescriptor(words, out, undefined, {
    help: meta.desc,
    perm: meta.perm,
    poll: meta.poll ?? false,
    module: meta.module,
  });
}

function normalize(spec: ArgSpec, where: string): ArgSpecObject {
  if (typeof spec === "string") {
    if (!Object.hasOwn(DECLARED_TYPES, spec)) throw new Error(`${where}: unknown type "${spec}"`);
    return { type: spec };
  }
  if (Array.isArray(spec)) return { choices: spec as readonly string[] };
  const o = spec as ArgSpecObject;
  if (o.type !== undefined && !Object.hasOwn(DECLARED_TYPES, o.type)) {
    throw new Error(`${where}: unknown type "${o.type}"`);
  }
  return o;
}

function renderRange(
  range: readonly [number, number?],
  type: DeclaredType,
  where: string,
): string {
  if (type !== "int" && type !== "float") {
    throw new Error(`${where}: range applies only to int and float, not "${type}"`);
  }
  const bounds = range[1] === undefined ? [range[0]] : [range[0], range[1]];
  for (const b of bounds) {
    if (!Number.isFinite(b) || (type === "int" && !Number.isSafeInteger(b))) {
      throw new Error(`${where}: range bound ${b} must be a finite ${type}`);
    }
  }
  // Python renders the bounds with str(): ints plainly, floats as 1.0.
  return bounds.map((b) => type === "int" ? String(b) : pythonFloatRepr(b)).join("|");
}
