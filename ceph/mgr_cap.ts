/**
 * Ceph-style mgr caps: parsing a caps string such as `allow rw` and deciding whether it grants
 * a command's perm (`r`, `rw`, `rx`, ...).
 *
 * The subset of Ceph's MgrCap grammar (src/mgr/MgrCap.cc) that mgrd understands:
 *
 * - `allow *` and `allow all`: every permission;
 * - `allow <rwx>`: the letters `r`, `w`, `x`, at least one, in that order (`allow wr` is a
 *   parse error in Ceph too);
 * - several grants separated by `,` or `;` (`allow r, allow x`); their letters add up.
 *
 * Refused with a clear message, because mgrd has nothing to check them against: `profile ...`,
 * `allow command "..."` (and `with` constraints), `allow service ...`, `allow module ...`,
 * and `network <cidr>` restrictions. A caps string that does not parse grants nothing, so a
 * typo in a keyring fails closed.
 *
 * @module
 */

/** Bit of `r` in a permission mask. */
const R = 1;
/** Bit of `w` in a permission mask. */
const W = 2;
/** Bit of `x` in a permission mask. */
const X = 4;
const ALL = R | W | X;

/** What a caps string means: the letters it grants, or why it was refused. */
export type ParsedCaps =
  | { ok: true; mask: number }
  | { ok: false; error: string };

const UNSUPPORTED: readonly [RegExp, string][] = [
  [/^(allow\s+)?profile(\s|=|$)/, "a profile"],
  [/^allow\s+command(\s|=|$)/, "an 'allow command' grant"],
  [/^allow\s+service(\s|=|$)/, "an 'allow service' grant"],
  [/^allow\s+module(\s|=|$)/, "an 'allow module' grant"],
];

/**
 * Parses a mgr caps string. Errors for strings Ceph itself would refuse use Ceph's wording
 * (`mgr capability parse failed, stopped at '...' of '...'`); forms Ceph accepts but mgrd
 * does not support say so.
 *
 * @example
 * ```ts
 * import { parseMgrCaps } from "./mgr_cap.ts";
 * const p = parseMgrCaps("allow r, allow x");
 * console.assert(p.ok && p.mask === 5);
 * console.assert(!parseMgrCaps("allow profile osd").ok);
 * ```
 */
export function parseMgrCaps(caps: string): ParsedCaps {
  let mask = 0;
  // Where the previous grant ended: Ceph's parser reports the text from there on when the
  // next grant does not parse.
  let previousEnd = 0;
  let offset = 0;
  for (const raw of caps.split(/[,;]/)) {
    const grant = raw.trim();
    const start = offset + (raw.length - raw.trimStart().length);
    const separatorAt = offset + raw.length;
    offset = separatorAt + 1;
    for (const [re, what] of UNSUPPORTED) {
      if (re.test(grant)) return { ok: false, error: unsupported(grant, what) };
    }
    const m = /^allow\s+(\*|all|r?w?x?)\s*/.exec(grant);
    const letters = m?.[1];
    if (m === null || letters === undefined || letters === "") {
      return { ok: false, error: stoppedAt(caps, previousEnd) };
    }
    const rest = grant.slice(m[0].length);
    if (rest !== "") {
      if (/^network(\s|$)/.test(rest)) {
        return { ok: false, error: unsupported(grant, "a network restriction") };
      }
      return { ok: false, error: stoppedAt(caps, start + m[0].length) };
    }
    mask |= letters === "*" || letters === "all" ? ALL : permMask(letters);
    previousEnd = separatorAt;
  }
  return { ok: true, mask };
}

function unsupported(grant: string, what: string): string {
  return `mgr capability '${grant}' uses ${what}, which mgrd does not support ` +
    `(only 'allow *' and 'allow [r][w][x]')`;
}

function stoppedAt(caps: string, at: number): string {
  return at >= caps.length
    ? `mgr capability parse failed, stopped at end of '${caps}'`
    : `mgr capability parse failed, stopped at '${caps.slice(at)}' of '${caps}'`;
}

function permMask(perm: string): number {
  let mask = 0;
  for (const c of perm) mask |= c === "r" ? R : c === "w" ? W : c === "x" ? X : 0;
  return mask;
}

// Caps strings come from a small keyring and repeat on every request; parse each once.
const cache = new Map<string, number>();
const CACHE_LIMIT = 1024;

/**
 * Does `caps` (an entity's mgr caps) grant `perm` (a command's perm, such as `r`, `rw`, `rx`)?
 * Every letter of the perm is needed; `allow *` grants all. Fails closed: a caps string that
 * does not parse, and a perm that is not one or more of `r`, `w`, `x`, give false.
 *
 * @example
 * ```ts
 * import { capsAllow } from "./mgr_cap.ts";
 * console.assert(capsAllow("allow r", "r"));
 * console.assert(!capsAllow("allow r", "rw"));
 * console.assert(capsAllow("allow *", "rwx"));
 * ```
 */
export function capsAllow(caps: string, perm: string): boolean {
  if (!/^[rwx]+$/.test(perm)) return false;
  let mask = cache.get(caps);
  if (mask === undefined) {
    const parsed = parseMgrCaps(caps);
    mask = parsed.ok ? parsed.mask : 0;
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(caps, mask);
  }
  const need = permMask(perm);
  return (mask & need) === need;
}
