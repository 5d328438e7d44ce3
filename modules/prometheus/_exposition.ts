/**
 * Helpers for the Prometheus text exposition format (version 0.0.4): metric names from Ceph
 * counter paths, escaping of label values and HELP text, and number formatting.
 *
 * @module
 */

/** The content type of the text format. */
// The real 16.2 exporter (cherrypy) sends this, not the exposition format's own type.
export const TEXT_CONTENT_TYPE = "text/plain;charset=utf-8";

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
 * Ceph's `promethize`: a counter path (`osd.op_w`, `mds_mem.ino+`, `throttle-x-`) as a metric
 * name with the `ceph_` prefix. `.`, `/`, whitespace and `::` become `_`, `+` becomes `_plus`,
 * a trailing `-` becomes `_minus` and any other `-` an `_`; anything else stays, the colon of
 * `prioritycache:full` included (Prometheus allows it in names).
 *
 * @example
 * ```ts
 * import { promethize } from "./_exposition.ts";
 * if (promethize("osd.op_w") !== "ceph_osd_op_w") throw new Error("name");
 * if (promethize("mds_mem.ino+") !== "ceph_mds_mem_ino_plus") throw new Error("name");
 * if (promethize("prioritycache:kv.pri0_bytes") !== "ceph_prioritycache:kv_pri0_bytes") {
 *   throw new Error("name");
 * }
 * ```
 */
export function promethize(path: string): string {
  const name = path.replace(/[./\s]|::/g, "_").replace(/\+/g, "_plus");
  // Pacific keeps the other hyphens of a name ending in one (`throttle-x-`), which no
  // Prometheus parser reads: they become `_` here too.
  return "ceph_" + (name.endsWith("-") ? name.slice(0, -1) + "_minus" : name).replace(/-/g, "_");
}
