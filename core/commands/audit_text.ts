/**
 * A command as the audit records it: what was asked, bounded, and without secrets. A caller
 * with no caps at all can send 8 MiB commands that are all refused, and each would have been
 * logged twice in full; values of the config-key store can be keys (a dashboard's certificate,
 * a module's token), so they are never written, only their size.
 *
 * @module
 */

/** Longest string argument kept in an audit line; the rest is counted, not written. */
export const AUDIT_MAX_ARG = 256;
/** Longest audit rendering of one command. */
export const AUDIT_MAX_TEXT = 4096;

/** Arguments that hold a stored value or a key, by command. */
const SECRET_ARGS: ReadonlyMap<string, readonly string[]> = new Map([
  ["config-key set", ["val"]],
  ["config-key put", ["val"]],
  ["auth import", ["key"]],
  ["auth add", ["key"]],
]);

function shorten(s: string): string {
  if (s.length <= AUDIT_MAX_ARG) return s;
  return `${s.slice(0, AUDIT_MAX_ARG)}...(${s.length - AUDIT_MAX_ARG} more)`;
}

/**
 * The command, made fit for the audit: secret arguments replaced by their size, long strings
 * and lists cut. Render it as before (`pythonDumps`, `JSON.stringify`), then cut the text with
 * {@linkcode auditCut}.
 *
 * @example
 * ```ts
 * import { auditCommand } from "./audit_text.ts";
 * const a = auditCommand({ prefix: "config-key set", key: "mgr/x/crt", val: "-----BEGIN" });
 * if (JSON.stringify(a).includes("BEGIN")) throw new Error("a stored value reached the audit");
 * ```
 */
export function auditCommand(cmd: Record<string, unknown>): Record<string, unknown> {
  const secret = SECRET_ARGS.get(String(cmd.prefix)) ?? [];
  const out: Record<string, unknown> = {};
  let n = 0;
  for (const [k, v] of Object.entries(cmd)) {
    if (++n > 64) {
      out["..."] = `${Object.keys(cmd).length - 64} more arguments`;
      break;
    }
    const key = shorten(k);
    if (secret.includes(k) && v !== undefined) {
      out[key] = `<${typeof v === "string" ? v.length : "?"} bytes, not logged>`;
    } else if (typeof v === "string") out[key] = shorten(v);
    else if (Array.isArray(v)) {
      const items = v.slice(0, 16).map((x) => typeof x === "string" ? shorten(x) : x);
      out[key] = v.length > 16 ? [...items, `...(${v.length - 16} more)`] : items;
    } else out[key] = v;
  }
  return out;
}

/** The audit text cut to {@linkcode AUDIT_MAX_TEXT}. */
export function auditCut(text: string): string {
  return text.length <= AUDIT_MAX_TEXT
    ? text
    : `${text.slice(0, AUDIT_MAX_TEXT)}...(${text.length - AUDIT_MAX_TEXT} more)`;
}
