/**
 * The command list `mgrd ceph --help` prints, laid out as `ceph -h` lays it out (`ceph.in`
 * `format_help` and `wrap`): usage line and help text side by side, each wrapped to 40/39
 * columns, sorted by usage line.
 *
 * @module
 */

import { type CommandDescriptor, Flag } from "../commands/descriptor.ts";
import { usageLine } from "../commands/usage.ts";

const DONTSPLIT = new Set(
  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ{[<>]}",
);

/**
 * Ceph's `wrap(s, width, indent)`: cuts `s` into lines of at most `width` characters, breaking
 * anywhere except inside runs of letters and brackets (unless there is no other place), and
 * indents every line after the first by `indent` spaces.
 *
 * @example
 * ```ts
 * import { wrapText } from "./help.ts";
 * // Ceph's docstring promises "long string" lines; its code (and this port) breaks after spaces.
 * console.assert(JSON.stringify(wrapText("long string long string", 11, 1)) ===
 *   JSON.stringify(["long ", " string ", " long ", " string"]));
 * ```
 */
export function wrapText(s: string, width: number, indent: number): string[] {
  const out: string[] = [];
  let rest = s;
  let w = width;
  let result = "";
  let leader = "";
  while (rest.length > 0) {
    if (rest.length <= w) {
      out.push(leader + rest);
      break;
    }
    let split = w;
    while (split > 0 && DONTSPLIT.has(rest[split - 1] as string)) split--;
    if (split === 0) split = w;
    if (result) {
      result = leader;
    } else {
      leader = " ".repeat(indent);
      w -= 1;
    }
    result += rest.slice(0, split).trimStart();
    rest = rest.slice(split);
    out.push(result);
  }
  return out;
}

/**
 * The two-column command list: one `'{usage:40s} {help}'` line per wrapped line, for every
 * command with help text that is not obsolete, deprecated or hidden, and whose usage line
 * starts with `partial` (the words given after `--help`, joined by spaces), sorted by usage
 * line.
 *
 * @example
 * ```ts
 * import { parseSignature } from "../commands/descriptor.ts";
 * import { formatHelp } from "./help.ts";
 * const d = parseSignature("mgr module ls", { help: "list active mgr modules", perm: "r" });
 * console.assert(formatHelp([d], "mgr") === "mgr module ls".padEnd(40) + " list active mgr modules\n");
 * ```
 */
export function formatHelp(descs: readonly CommandDescriptor[], partial = ""): string {
  const rows = descs
    .filter((d) =>
      d.help !== "" && (d.flags & (Flag.OBSOLETE | Flag.DEPRECATED | Flag.HIDDEN)) === 0
    )
    .map((d) => ({ usage: usageLine(d), help: d.help }))
    .filter((r) => partial === "" || r.usage.startsWith(partial))
    .sort((a, b) => (a.usage < b.usage ? -1 : a.usage > b.usage ? 1 : 0));
  let out = "";
  for (const { usage, help } of rows) {
    const sig = wrapText(usage, 40, 1);
    const text = wrapText(help, 39, 1);
    const n = Math.max(sig.length, text.length);
    for (let i = 0; i < n; i++) out += `${(sig[i] ?? "").padEnd(40)} ${text[i] ?? ""}\n`;
  }
  return out;
}

/**
 * Ceph's `hdr(s)`: a section title as `print('\n', s, '\n', '=' * len(s))` prints it.
 *
 * @example
 * ```ts
 * import { sectionHeader } from "./help.ts";
 * console.assert(sectionHeader("Monitor commands:") === "\n Monitor commands: \n =================\n");
 * ```
 */
export function sectionHeader(s: string): string {
  return `\n ${s} \n ${"=".repeat(s.length)}\n`;
}
