/**
 * Client-side matching of command-line words against the fetched descriptors, ported from
 * `ceph_argparse.py` (`matchnum`, `validate`, `validate_command`) so `mgrd ceph ...` picks the
 * same command, converts the same values and prints the same messages as `ceph ...`.
 * Global options (`-f`, `-i`, `--period`) are the client's business, not this file's.
 *
 * @module
 */

import { type ArgValue, checkPrefix, checkWord } from "./arg_types.ts";
import { pythonListRepr } from "./python_values.ts";
import { type ArgDescriptor, type CommandDescriptor, Flag } from "./descriptor.ts";
import { argLabel } from "./usage.ts";

/** The outcome of matching words: the command and its JSON form, or why not. */
export type MatchResult =
  | { ok: true; desc: CommandDescriptor; cmd: Record<string, unknown> }
  | {
    ok: false;
    /** `invalid command` when no command fits; otherwise the message about `matched`. */
    error: string;
    /** The command the words were taken to mean, when one was identified. */
    matched?: CommandDescriptor;
    /**
     * Why a word an optional argument refused was not valid, which `ceph` prints before the
     * error when the word ends up unused (`foo not valid:  foo not in *|cluster|audit`).
     */
    notice?: string;
    /** What `ceph` lists after the error: the identified command, or the closest ones. */
    candidates: CommandDescriptor[];
  };

type ErrorKind = "prefix" | "missing" | "toofew" | "other";

/** Ceph's ArgumentError family, reduced to what `validate_command` tells apart. */
class ArgError extends Error {
  /** What `ceph` prints on a line of its own before `Invalid command: ...`, if anything. */
  constructor(readonly kind: ErrorKind, message: string, readonly notice?: string) {
    super(message);
  }
}

type Item =
  | { readonly literal: string; readonly req: true; readonly positional: true }
  | {
    readonly literal?: undefined;
    readonly arg: ArgDescriptor;
    readonly req: boolean;
    readonly positional: boolean;
  };

/** Per-item counters of one pass (Ceph keeps them on deep-copied argdesc objects). */
interface Seen {
  numseen: number;
  n: number;
}

const KWARG_EQUALS = /^--([^=]+)=(.+)/;
const KWARG_SPACE = /^--([^=]+)/;
// Confirmation flags that pre-Nautilus daemons declared as strings; Ceph lets them through.
const DASHED_VALUES = new Set([
  "--yes-i-really-mean-it",
  "--yes-i-really-really-mean-it",
  "--yes-i-really-really-mean-it-not-faking",
  "--force",
]);
const MAX_CANDIDATES = 10;

function itemsOf(desc: CommandDescriptor): Item[] {
  return [
    ...desc.words.map((w): Item => ({ literal: w, req: true, positional: true })),
    ...desc.args.map((a): Item => ({ arg: a, req: a.req, positional: a.positional })),
  ];
}

function isN(item: Item): boolean {
  return item.literal === undefined && item.arg.n === "N";
}

function initialN(item: Item): number {
  return item.literal === undefined && typeof item.arg.n === "number" ? item.arg.n : 1;
}

function labelOf(item: Item): string {
  return item.literal ?? argLabel(item.arg);
}

function nameOf(item: Item): string {
  return item.literal === undefined ? item.arg.name : "prefix";
}

/** Ceph's `validate_one`: check a word (or its comma-separated parts) and count it. */
function validateOne(
  word: string,
  item: Item,
  seen: Seen,
  isKwarg: boolean,
  partial = false,
): ArgValue[] {
  const vals: ArgValue[] = [];
  if (item.literal !== undefined) {
    const r = checkPrefix(item.literal, word, partial);
    if (!r.ok) throw new ArgError("prefix", r.error);
    vals.push(r.value);
  } else {
    // A positional CephString may itself contain commas, so only other types are split.
    const parts = isN(item) && (isKwarg || item.arg.type !== "CephString")
      ? word.split(",")
      : [word];
    for (const part of parts) {
      const r = checkWord(item.arg, part, partial);
      if (!r.ok) throw new ArgError("other", r.error);
      vals.push(r.value);
    }
  }
  seen.numseen += 1;
  if (isN(item)) seen.n = seen.numseen + 1;
  return vals;
}

/** Ceph's `matchnum`: how many required items the words satisfy, in order. */
function matchnum(words: readonly string[], items: readonly Item[], partial: boolean): number {
  const rest = [...words];
  let matchcnt = 0;
  for (const item of items) {
    const seen: Seen = { numseen: 0, n: initialN(item) };
    while (seen.numseen < seen.n) {
      const word = rest.shift();
      if (word === undefined) return matchcnt;
      let valid = true;
      try {
        // Partial matching only on the last word, so "foo bar" does not match "foot bar".
        validateOne(word, item, seen, false, partial && rest.length === 0);
      } catch (e) {
        if (!(e instanceof ArgError)) throw e;
        valid = false;
      }
      if (!valid) {
        if (!item.req) {
          rest.unshift(word);
          break;
        }
        return matchcnt;
      }
    }
    if (item.req) matchcnt += 1;
  }
  return matchcnt;
}

function storeArg(item: Item, vals: ArgValue[], d: Record<string, unknown>): void {
  const name = nameOf(item);
  if (item.literal !== undefined) {
    d[name] = Object.hasOwn(d, name) ? `${d[name]} ${vals[0]}` : vals[0];
  } else if (item.arg.n !== 1) {
    // Ceph keeps only the last value of a fixed count n>1 (it overwrites); the handler
    // expects all of them, so fixed counts accumulate like n=N.
    const prev = Object.hasOwn(d, name) ? d[name] as ArgValue[] : [];
    const all = [...prev, ...vals];
    if (typeof item.arg.n === "number" && all.length > item.arg.n) {
      throw new ArgError("other", `saw ${all.length} of ${labelOf(item)}, expected ${item.arg.n}`);
    }
    d[name] = all;
  } else {
    d[name] = vals[0];
  }
}

/** Ceph's `validate` (non-partial): words to the command dict, or an ArgError. */
function validate(
  words: readonly string[],
  items: readonly Item[],
  flags: number,
): Record<string, unknown> {
  const myargs = [...words];
  const reqsiglen = items.filter((i) => i.req).length;
  let matchcnt = 0;
  // Ceph's save_exception: the last word an optional argument refused, and why.
  let saveException: [string, string] | undefined;
  const d: Record<string, unknown> = {};
  const byName = new Map<string, { item: Item; seen: Seen }>();
  const seenOf = new Map<Item, Seen>();
  for (const item of items) {
    const seen = { numseen: 0, n: initialN(item) };
    seenOf.set(item, seen);
    if (item.literal === undefined) byName.set(item.arg.name, { item, seen });
  }
  const injectargs = myargs[0] === "injectargs";

  for (const item of items) {
    const seen = seenOf.get(item) as Seen;
    seen.numseen = 0;
    while (seen.numseen < seen.n) {
      const myarg = myargs.shift();
      if (myarg === undefined) {
        if (!item.req) break;
        if (Object.hasOwn(d, nameOf(item))) break;
      }
      if (myarg) {
        let kw: { item: Item; seen: Seen } | undefined;
        let kwValue = "";
        const eq = KWARG_EQUALS.exec(myarg);
        if (eq) {
          kw = byName.get((eq[1] ?? "").replaceAll("-", "_"));
          kwValue = eq[2] ?? "";
        } else {
          const sp = KWARG_SPACE.exec(myarg);
          if (sp) {
            kw = byName.get((sp[1] ?? "").replaceAll("-", "_"));
            if (kw?.item.literal === undefined && kw?.item.arg.type === "CephBool") {
              kwValue = "true";
            } else if (kw && myargs.length > 0) {
              kwValue = myargs.shift() as string;
            } else {
              kw = undefined;
            }
          }
        }
        if (kw) {
          const vals = validateOne(kwValue, kw.item, kw.seen, true);
          matchcnt += 1;
          storeArg(kw.item, vals, d);
          continue;
        }
      }
      if (!item.positional) throw new ArgError("other", `Unexpected argument '${myarg}'`);
      if (myarg?.startsWith("--")) {
        const isValue = (item.literal === undefined && item.arg.type === "CephChoices") ||
          DASHED_VALUES.has(myarg) || injectargs;
        if (!isValue) throw new ArgError("other", `Unexpected argument '${myarg}'`);
      }
      if (myarg === undefined) {
        if (isN(item) && seen.numseen < 1) {
          throw new ArgError(
            "other",
            `saw ${seen.numseen} of ${labelOf(item)}, expected at least 1`,
          );
        }
        if (!isN(item) && seen.numseen < seen.n) {
          if (seen.numseen === 0 && seen.n === 1) {
            throw new ArgError("missing", `missing required parameter ${labelOf(item)}`);
          }
          throw new ArgError(
            "other",
            `saw ${seen.numseen} of ${labelOf(item)}, expected ${seen.n}`,
          );
        }
        break;
      }
      let vals: ArgValue[];
      try {
        vals = validateOne(myarg, item, seen, false);
      } catch (e) {
        // An optional argument that does not fit hands the word to the next one.
        if (e instanceof ArgError && !item.req) {
          saveException = [myarg, e.message];
          myargs.unshift(myarg);
          break;
        }
        throw e;
      }
      matchcnt += 1;
      storeArg(item, vals, d);
    }
  }
  if (matchcnt < reqsiglen) throw new ArgError("toofew", "not enough arguments given");
  // Ceph does not count values given as --name for a fixed n>1; the handler needs all n.
  for (const item of items) {
    if (item.literal !== undefined || typeof item.arg.n !== "number" || item.arg.n === 1) continue;
    const got = d[item.arg.name] as ArgValue[] | undefined;
    if (got !== undefined && got.length !== item.arg.n) {
      throw new ArgError("other", `saw ${got.length} of ${labelOf(item)}, expected ${item.arg.n}`);
    }
  }
  if (myargs.length > 0) {
    throw new ArgError(
      "other",
      `unused arguments: ${pythonListRepr(myargs)}`,
      saveException && `${saveException[0]} not valid:  ${saveException[1]}`,
    );
  }
  if (flags & Flag.MGR) d.target = ["mon-mgr", ""];
  if (flags & Flag.POLL) d.poll = true;
  return d;
}

/** Ceph's scoring pass: the best-scoring commands, in descriptor order. */
function bestCommands(
  descs: readonly CommandDescriptor[],
  words: readonly string[],
): { desc: CommandDescriptor; items: Item[] }[] {
  let best = 0;
  let bestcmds: { desc: CommandDescriptor; items: Item[] }[] = [];
  for (const desc of descs) {
    if (desc.flags & Flag.OBSOLETE) continue;
    const items = itemsOf(desc);
    let matched = matchnum(words, items, true);
    // A full match beats a partial one with the same count.
    if (matched >= Math.floor(best) && matched === matchnum(words, items, false)) {
      matched += 0.5;
    }
    if (matched < best) continue;
    if (matched > best) {
      best = matched;
      bestcmds = [{ desc, items }];
    } else {
      bestcmds.push({ desc, items });
    }
  }
  return bestcmds;
}

/**
 * Finds the command the words mean and builds its JSON command (`{"prefix": ..., name:
 * value}`; `target` and `poll` added for MGR and POLL commands). Accepts `--name value`,
 * `--name=value` and `--flag` for any argument (dashes read as underscores); an optional
 * argument that does not fit a word leaves it to the next; list values may be separate words
 * or comma-separated (not for positional strings). Among commands matching equally well,
 * those with fewer required arguments are tried first. Never throws on user input.
 *
 * @example
 * ```ts
 * import { parseSignature } from "./descriptor.ts";
 * import { matchWords } from "./match.ts";
 * const d = parseSignature("pg ls-by-osd name=osd,type=CephOsdName name=pool,type=CephInt,req=false", {
 *   help: "",
 *   perm: "r",
 * });
 * const r = matchWords([d], ["pg", "ls-by-osd", "osd.3", "--pool", "2"]);
 * console.assert(r.ok && r.cmd.osd === 3 && r.cmd.pool === 2);
 * ```
 */
export function matchWords(
  descs: readonly CommandDescriptor[],
  words: readonly string[],
): MatchResult {
  const bestcmds = bestCommands(descs, words);
  const grade = (items: Item[]) => items.filter((i) => i.req).length;
  // Ceph sorts by required count only, so ties go to whichever command was declared first;
  // preferring more literal words makes "mgr module ls" win over "mgr module <what>" in any
  // order.
  const sorted = [...bestcmds].sort((a, b) =>
    grade(a.items) - grade(b.items) || b.desc.words.length - a.desc.words.length
  );
  let error: string | undefined;
  let notice: string | undefined;
  let found: CommandDescriptor | undefined;
  for (const { desc, items } of sorted) {
    try {
      return { ok: true, desc, cmd: validate(words, items, desc.flags) };
    } catch (e) {
      if (!(e instanceof ArgError)) throw e;
      if (e.kind === "prefix" || e.kind === "toofew") continue;
      error = e.message;
      notice = e.notice;
      // A missing argument names the command only when nothing else came close.
      if (e.kind !== "missing" || bestcmds.length === 1) found = desc;
      break;
    }
  }
  if (found !== undefined) {
    return {
      ok: false,
      error: error ?? "invalid command",
      notice,
      matched: found,
      candidates: [found],
    };
  }
  return { ok: false, error: "invalid command", candidates: closest(bestcmds, MAX_CANDIDATES) };
}

/**
 * The commands `ceph` suggests when the words match none ("no valid command found; N
 * closest matches"): the best-scoring ones, leaving out deprecated and hidden commands.
 *
 * @example
 * ```ts
 * import { parseSignature } from "./descriptor.ts";
 * import { closestSignatures } from "./match.ts";
 * const ls = parseSignature("mgr module ls", { help: "", perm: "r" });
 * const dump = parseSignature("mgr dump", { help: "", perm: "r" });
 * console.assert(closestSignatures([ls, dump], ["mgr", "module"], 10)[0] === ls);
 * ```
 */
export function closestSignatures(
  descs: readonly CommandDescriptor[],
  words: readonly string[],
  max: number = MAX_CANDIDATES,
): CommandDescriptor[] {
  return closest(bestCommands(descs, words), max);
}

function closest(
  bestcmds: readonly { desc: CommandDescriptor }[],
  max: number,
): CommandDescriptor[] {
  return bestcmds
    .map((b) => b.desc)
    .filter((d) => (d.flags & (Flag.DEPRECATED | Flag.HIDDEN)) === 0)
    .slice(0, Math.max(0, max));
}
