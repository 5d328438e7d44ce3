/**
 * The command descriptor: Ceph's signature grammar (`pg ls-by-osd name=osd,type=CephOsdName
 * name=pool,type=CephInt,req=false`) parsed into a typed value, and rendered back.
 *
 * One descriptor model serves module commands (built from declarations), the mgr's built-in
 * commands and the mon commands the simulated mon serves; usage lines, validation and the JSON
 * descriptions clients fetch are all derived from it.
 *
 * @module
 */

import { parsePythonFloat, parsePythonInt } from "./python_values.ts";

/**
 * Command flags, as in MonCommands.h and `ceph_argparse.Flag`. Clients use them as hints:
 * OBSOLETE commands are never matched, DEPRECATED and HIDDEN ones are left out of help.
 *
 * @example
 * ```ts
 * import { Flag } from "./descriptor.ts";
 * console.assert((Flag.TELL & Flag.HIDDEN) !== 0);
 * ```
 */
export const Flag = {
  NOFORWARD: 1,
  OBSOLETE: 2,
  DEPRECATED: 4,
  MGR: 8,
  POLL: 16,
  HIDDEN: 32,
  TELL: 1 | 32,
} as const;

/**
 * The argument types a signature may name. CephFilepath and CephSocketpath are left out on
 * purpose: they check the client's own file system, which means nothing to a daemon.
 */
export const ARG_TYPE_NAMES = [
  "CephInt",
  "CephFloat",
  "CephString",
  "CephBool",
  "CephChoices",
  "CephPoolname",
  "CephObjectname",
  "CephOsdName",
  "CephName",
  "CephPgid",
  "CephUUID",
  "CephIPAddr",
  "CephEntityAddr",
  "CephFragment",
  "CephSizeBytes",
] as const;

/** One of {@link ARG_TYPE_NAMES}. */
export type ArgTypeName = typeof ARG_TYPE_NAMES[number];

/** `range=min` or `range=min|max`, inclusive, as Python's `CephInt.range` list. */
export type NumericRange = readonly [number] | readonly [number, number];

/** One non-literal word of a signature. */
export interface ArgDescriptor {
  readonly name: string;
  readonly type: ArgTypeName;
  /** `req=false` makes it optional. */
  readonly req: boolean;
  /** A fixed count of values, or `"N"` for one or more. */
  readonly n: number | "N";
  /** False: only accepted as `--name value` (after `--`, or `positional=false`). */
  readonly positional: boolean;
  readonly range?: NumericRange;
  readonly strings?: readonly string[];
  readonly goodchars?: string;
  /** The word's key/value pairs as written, in order; rendering uses these verbatim. */
  readonly attrs: Readonly<Record<string, string>>;
}

/** A parsed command signature plus what the registry knows about the command. */
export interface CommandDescriptor {
  /** The literal words joined by single spaces: the key commands are dispatched by. */
  readonly prefix: string;
  readonly words: readonly string[];
  readonly args: readonly ArgDescriptor[];
  /**
   * Index into `args` where a `--` word stood (later arguments are non-positional), if any.
   * Kept so the signature renders back as written.
   */
  readonly positionalEnd?: number;
  readonly help: string;
  readonly perm: string;
  readonly flags: number;
  readonly poll: boolean;
  readonly module: string;
}

/** What a signature string does not say about its command. */
export interface CommandMeta {
  readonly help: string;
  readonly perm: string;
  readonly flags?: number;
  readonly poll?: boolean;
  /** `"mgr"` unless given: what module commands are published with. */
  readonly module?: string;
}

const COMMON_KEYS = ["name", "type", "req", "n", "positional"] as const;
const TYPE_KEYS: Readonly<Record<ArgTypeName, readonly string[]>> = {
  CephInt: ["range"],
  CephFloat: ["range"],
  CephString: ["goodchars"],
  // Python's CephBool takes `strings` (unused) so pre-Nautilus rewrites stay parseable.
  CephBool: ["strings"],
  CephChoices: ["strings"],
  CephPoolname: [],
  CephObjectname: [],
  CephOsdName: [],
  CephName: [],
  CephPgid: [],
  CephUUID: [],
  CephIPAddr: [],
  CephEntityAddr: [],
  CephFragment: [],
  CephSizeBytes: [],
};
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const PERM_RE = /^[rwx]+$/;

/** True when the word is a literal (CephPrefix): it has neither `=` nor `,`. */
export function isLiteralWord(word: string): boolean {
  return !word.includes("=") && !word.includes(",");
}

/**
 * Parses a signature such as `antigravity send to blackhole name=oid,type=CephString
 * name=blackhole,req=false,type=CephString` into a descriptor.
 *
 * Throws an Error naming the offending word and the rule on a malformed signature; leading
 * and trailing spaces are ignored (Ceph's decorator leaves one after an argument-less prefix).
 *
 * @example
 * ```ts
 * import { parseSignature } from "./descriptor.ts";
 * const d = parseSignature("anchorprobe count name=n,type=CephInt,range=1|10", {
 *   help: "count",
 *   perm: "r",
 * });
 * console.assert(d.prefix === "anchorprobe count" && d.args[0]?.range?.[1] === 10);
 * ```
 */
export function parseSignature(sig: string, meta: CommandMeta): CommandDescriptor {
  const text = sig.trim();
  if (text === "") throw new Error("signature is empty: it needs at least one literal word");
  const parts = text.split(" ");
  const words: string[] = [];
  const args: ArgDescriptor[] = [];
  let positionalEnd: number | undefined;
  for (const [i, word] of parts.entries()) {
    const where = `signature "${text}", word ${i + 1}`;
    if (word === "") {
      throw new Error(`${where}: words must be separated by exactly one space`);
    }
    if (/\s/.test(word)) throw new Error(`${where} "${word}": a word cannot contain whitespace`);
    if (word === "--") {
      if (words.length === 0) throw new Error(`${where}: "--" cannot come before the prefix`);
      if (positionalEnd !== undefined) throw new Error(`${where}: "--" may appear only once`);
      positionalEnd = args.length;
      continue;
    }
    if (isLiteralWord(word)) {
      if (args.length > 0 || positionalEnd !== undefined) {
        throw new Error(
          `${where} "${word}": literal words must all come before the arguments ` +
            `(the prefix is the leading literals)`,
        );
      }
      words.push(word);
      continue;
    }
    if (words.length === 0) {
      throw new Error(`${where} "${word}": a signature must start with a literal word`);
    }
    const attrs = splitArgWord(word, where);
    const arg = argFromAttrs(attrs, positionalEnd === undefined, `${where} "${word}"`);
    if (args.some((a) => a.name === arg.name)) {
      throw new Error(`${where} "${word}": duplicate argument name '${arg.name}'`);
    }
    args.push(arg);
  }
  if (positionalEnd !== undefined && positionalEnd === args.length) {
    throw new Error(`signature "${text}": "--" must be followed by an argument`);
  }
  return buildDescriptor(words, args, positionalEnd, meta);
}

/**
 * Renders a descriptor back to its signature string; `parseSignature(signatureOf(d), meta)`
 * gives back `d`.
 *
 * @example
 * ```ts
 * import { parseSignature, signatureOf } from "./descriptor.ts";
 * const sig = "mgr self-test health clear name=checks,type=CephString,n=N,req=false";
 * console.assert(signatureOf(parseSignature(sig, { help: "", perm: "rw" })) === sig);
 * ```
 */
export function signatureOf(desc: CommandDescriptor): string {
  const out: string[] = [...desc.words];
  desc.args.forEach((arg, i) => {
    if (i === desc.positionalEnd) out.push("--");
    out.push(argWord(arg));
  });
  return out.join(" ");
}

/** Renders one argument as its signature word (`name=x,req=false,type=CephString`). */
export function argWord(arg: ArgDescriptor): string {
  return Object.entries(arg.attrs).map(([k, v]) => `${k}=${v}`).join(",");
}

/**
 * Builds an argument from its key/value pairs (in the order they should render), checking
 * every rule a signature word must follow. `positionalAllowed` is false after a `--`.
 * Shared by the signature parser, the declaration builder and the description reader, so a
 * descriptor is valid however it was made.
 */
export function argFromAttrs(
  attrs: Readonly<Record<string, string>>,
  positionalAllowed: boolean,
  where: string,
): ArgDescriptor {
  const name = attrs.name;
  if (name === undefined) throw new Error(`${where}: argument has no name= key`);
  if (!NAME_RE.test(name)) {
    throw new Error(`${where}: name '${name}' must match ${NAME_RE.source}`);
  }
  if (name === "prefix") throw new Error(`${where}: 'prefix' is reserved for the literal words`);
  // Names become keys of plain objects; "__proto__" would set a prototype instead.
  if (name.startsWith("__")) {
    throw new Error(`${where}: name '${name}' is reserved (starts with __)`);
  }
  const typeName = attrs.type;
  if (typeName === undefined) throw new Error(`${where}: argument '${name}' has no type= key`);
  if (!(ARG_TYPE_NAMES as readonly string[]).includes(typeName)) {
    throw new Error(
      `${where}: unknown type '${typeName}' for argument '${name}' (known: ${
        ARG_TYPE_NAMES.join(", ")
      })`,
    );
  }
  const type = typeName as ArgTypeName;
  const allowed = [...COMMON_KEYS, ...TYPE_KEYS[type]];
  for (const key of Object.keys(attrs)) {
    if (!allowed.includes(key)) {
      throw new Error(
        `${where}: key '${key}' is not valid for ${type} (valid: ${allowed.join(", ")})`,
      );
    }
  }
  const req = parseBoolAttr(attrs.req, true, "req", where);
  const positional = positionalAllowed &&
    parseBoolAttr(attrs.positional, true, "positional", where);
  if (!positional && req) {
    throw new Error(
      `${where}: non-positional argument '${name}' must be optional (req=false), ` +
        `as Ceph's client asserts`,
    );
  }
  let n: number | "N" = 1;
  if (attrs.n !== undefined) {
    if (attrs.n === "N" || attrs.n === "n") n = "N";
    else if (/^[1-9][0-9]{0,5}$/.test(attrs.n)) n = Number(attrs.n);
    else throw new Error(`${where}: n=${attrs.n} must be N or a positive integer`);
  }
  const out: {
    -readonly [K in keyof ArgDescriptor]: ArgDescriptor[K];
  } = { name, type, req, n, positional, attrs: { ...attrs } };
  if (attrs.range !== undefined) out.range = parseRange(attrs.range, type, where);
  if (attrs.strings !== undefined) {
    const strings = attrs.strings.split("|");
    if (strings.some((s) => s === "")) {
      throw new Error(`${where}: strings=${attrs.strings} has an empty choice`);
    }
    if (new Set(strings).size !== strings.length) {
      throw new Error(`${where}: strings=${attrs.strings} repeats a choice`);
    }
    out.strings = strings;
  } else if (type === "CephChoices") {
    throw new Error(`${where}: CephChoices argument '${name}' needs strings=a|b|...`);
  }
  if (attrs.goodchars !== undefined) {
    try {
      new RegExp(attrs.goodchars, "y");
    } catch (e) {
      throw new Error(
        `${where}: goodchars=${attrs.goodchars} is not a valid regular expression (${
          (e as Error).message
        })`,
      );
    }
    out.goodchars = attrs.goodchars;
  }
  return out;
}

/** Assembles a descriptor, reconciling `poll` with the POLL flag (either one sets both). */
export function buildDescriptor(
  words: readonly string[],
  args: readonly ArgDescriptor[],
  positionalEnd: number | undefined,
  meta: CommandMeta,
): CommandDescriptor {
  if (words.length === 0) throw new Error("a command needs at least one literal word");
  if (!PERM_RE.test(meta.perm)) {
    throw new Error(`command "${words.join(" ")}": perm '${meta.perm}' must be letters of rwx`);
  }
  const flagsIn = meta.flags ?? 0;
  if (!Number.isInteger(flagsIn) || flagsIn < 0) {
    throw new Error(`command "${words.join(" ")}": flags ${flagsIn} must be an integer >= 0`);
  }
  const poll = meta.poll ?? (flagsIn & Flag.POLL) !== 0;
  const flags = poll ? flagsIn | Flag.POLL : flagsIn & ~Flag.POLL;
  const desc: CommandDescriptor = {
    prefix: words.join(" "),
    words: [...words],
    args: [...args],
    help: meta.help,
    perm: meta.perm,
    flags,
    poll,
    module: meta.module ?? "mgr",
  };
  return positionalEnd === undefined ? desc : { ...desc, positionalEnd };
}

function splitArgWord(word: string, where: string): Record<string, string> {
  const pairs: [string, string][] = [];
  for (const kv of word.split(",")) {
    const eq = kv.indexOf("=");
    if (eq <= 0) {
      throw new Error(`${where} "${word}": '${kv}' is not key=value`);
    }
    const key = kv.slice(0, eq);
    if (pairs.some(([k]) => k === key)) {
      throw new Error(`${where} "${word}": key '${key}' is given twice`);
    }
    pairs.push([key, kv.slice(eq + 1)]);
  }
  // fromEntries defines own properties, so a "__proto__" key is kept (and then refused).
  return Object.fromEntries(pairs);
}

function parseBoolAttr(v: string | undefined, dflt: boolean, key: string, where: string): boolean {
  if (v === undefined) return dflt;
  // Python's argdesc compares against True/'True'/'true'; anything else counts as false,
  // which hides typos, so only the two spellings Ceph writes are accepted here.
  if (v === "true" || v === "True") return true;
  if (v === "false" || v === "False") return false;
  throw new Error(`${where}: ${key}=${v} must be true or false`);
}

function parseRange(raw: string, type: ArgTypeName, where: string): NumericRange {
  if (type !== "CephInt" && type !== "CephFloat") {
    throw new Error(`${where}: range= applies only to CephInt and CephFloat`);
  }
  const parts = raw.split("|");
  if (parts.length > 2) {
    throw new Error(`${where}: range=${raw} must be min or min|max`);
  }
  const nums = parts.map((p) => {
    const v = type === "CephInt" ? intBound(p) : parsePythonFloat(p);
    if (v === undefined || !Number.isFinite(v)) {
      throw new Error(
        `${where}: range=${raw}: '${p}' is not ${type === "CephInt" ? "an integer" : "a number"}`,
      );
    }
    return v;
  });
  const [min, max] = nums as [number, number | undefined];
  if (max === undefined) return [min];
  if (min > max) throw new Error(`${where}: range=${raw} has min > max`);
  return [min, max];
}

function intBound(s: string): number | undefined {
  // Python parses range bounds with int(x): base 10, so "010" is ten, not an error.
  const v = parsePythonInt(s, 10);
  if (
    v === undefined || v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)
  ) {
    return undefined;
  }
  return Number(v);
}
