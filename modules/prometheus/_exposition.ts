/**
 * Helpers for the Prometheus text exposition format (version 0.0.4): metric names from Ceph
 * counter paths, escaping of label values and HELP text, and number formatting.
 *
 * @module
 */

/** The content type of the text format. */
export const TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const LABEL_SPECIAL = /[\\"\n]/;
const HELP_SPECIAL = /[\\\n]/;

/**
 * A label value escaped for use between double quotes: `\`, `"` and newline.
 *
 * @example
 * ```ts
 * import { escapeLabelValue } from "./_exposition.ts";
 * if (escapeLabelValue('a"b\\c\n') !== 'a\\"b\\\\c\\n') throw new Error("escaping");
 * ```
 */
export function escapeLabelValue(value: string): string {
  if (!LABEL_SPECIAL.test(value)) return value;
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/**
 * HELP text escaped as the format requires (`\` and newline); empty text becomes the name.
 *
 * @example
 * ```ts
 * import { escapeHelp } from "./_exposition.ts";
 * if (escapeHelp("a\nb") !== "a\\nb") throw new Error("escaping");
 * ```
 */
export function escapeHelp(text: string): string {
  if (!HELP_SPECIAL.test(text)) return text;
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/**
 * A sample value as Prometheus parses it (Go's float syntax: `NaN`, `+Inf`, `-Inf`).
 *
 * @example
 * ```ts
 * import { formatValue } from "./_exposition.ts";
 * if (formatValue(Infinity) !== "+Inf" || formatValue(1.5) !== "1.5") throw new Error("format");
 * ```
 */
export function formatValue(value: number): string {
  if (Number.isFinite(value)) return String(value);
  if (Number.isNaN(value)) return "NaN";
  return value > 0 ? "+Inf" : "-Inf";
}

/**
 * Ceph's `promethize`: a counter path (`osd.op_w`, `mds_mem.ino+`, `throttle-x-`) as a metric
 * name with the `ceph_` prefix. Separators become `_`, `+` becomes `_plus`, a trailing `-`
 * becomes `_minus`; any other character, `:` included (promtool's lint rejects it; Ceph's
 * `prioritycache:full` counters carry one), becomes `_`.
 *
 * @example
 * ```ts
 * import { promethize } from "./_exposition.ts";
 * if (promethize("osd.op_w") !== "ceph_osd_op_w") throw new Error("name");
 * if (promethize("mds_mem.ino+") !== "ceph_mds_mem_ino_plus") throw new Error("name");
 * ```
 */
export function promethize(path: string): string {
  let name = path.replace(/[./\s]|::/g, "_").replace(/\+/g, "_plus");
  name = name.endsWith("-") ? name.slice(0, -1) + "_minus" : name.replace(/-/g, "_");
  return "ceph_" + name.replace(/[^a-zA-Z0-9_]/g, "_");
}

/** The HELP and TYPE lines that open a family. */
export function familyHeader(name: string, help: string, type: string): string {
  return `# HELP ${name} ${escapeHelp(help || name)}\n# TYPE ${name} ${type}\n`;
}
