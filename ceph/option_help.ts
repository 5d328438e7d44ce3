/**
 * Every daemon option of Ceph 16.2.15 as `config help <name> -f json` describes it (captured
 * from a real cluster into data/options_16.2.15.json), and Ceph's `Option::print`, the plain
 * text of `config help`.
 *
 * @module
 */
import table from "./data/options_16.2.15.json" with { type: "json" };

/** One option's `config help -f json` (Option::dump), keys in Ceph's order. */
export type OptionHelp = {
  name: string;
  type: string;
  level: string;
  desc: string;
  long_desc: string;
  default: string | number | boolean;
  daemon_default: string | number | boolean;
  tags: string[];
  services: string[];
  see_also: string[];
  enum_values?: string[];
  min: string | number;
  max: string | number;
  can_update_at_runtime: boolean;
  flags: string[];
};

/**
 * The daemons' options. The capture also lists the real cluster's manager modules' options
 * (`mgr/...`); those come from the modules a manager actually runs, so they are left out.
 */
const BY_NAME: ReadonlyMap<string, OptionHelp> = new Map(
  (table.options as OptionHelp[]).filter((o) => !o.name.startsWith("mgr/")).map((o) => [o.name, o]),
);

/**
 * The help of Ceph option `name`, or undefined.
 *
 * @example
 * ```ts
 * import { cephOptionHelp } from "./option_help.ts";
 * console.assert(cephOptionHelp("osd_max_backfills")?.type === "uint");
 * ```
 */
export function cephOptionHelp(name: string): OptionHelp | undefined {
  return BY_NAME.get(name);
}

/** Every Ceph option's name, in `config ls` order. */
export function cephOptionNames(): string[] {
  return [...BY_NAME.keys()];
}

/** A value as C++'s ostream prints it: bools as words, doubles with six significant digits. */
function stringify(v: string | number | boolean): string {
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number" && !Number.isInteger(v)) return String(Number(v.toPrecision(6)));
  return String(v);
}

/** Whether a dumped value is the empty one (Option's monostate). */
const isZero = (v: string | number | boolean) => v === "";

/**
 * `Option::print`: the plain text of `config help <name>`.
 *
 * @example
 * ```ts
 * import { cephOptionHelp, optionHelpText } from "./option_help.ts";
 * const text = optionHelpText(cephOptionHelp("mon_allow_pool_delete")!);
 * console.assert(text.includes("  Services: [mon]\n"));
 * ```
 */
export function optionHelpText(o: OptionHelp): string {
  let out = `${o.name} - ${o.desc}\n  (${o.type}, ${o.level})\n`;
  if (!isZero(o.daemon_default)) {
    out += `  Default (non-daemon): ${stringify(o.default)}\n`;
    out += `  Default (daemon): ${stringify(o.daemon_default)}\n`;
  } else out += `  Default: ${stringify(o.default)}\n`;
  if (o.enum_values && o.enum_values.length > 0) {
    out += `  Possible values: ${o.enum_values.map((v) => ` ${v}`).join("")}\n`;
  }
  if (!isZero(o.min)) out += `  Minimum: ${stringify(o.min)}\n  Maximum: ${stringify(o.max)}\n`;
  out += `  Can update at runtime: ${o.can_update_at_runtime ? "true" : "false"}\n`;
  if (o.services.length > 0) out += `  Services: [${o.services.join(",")}]\n`;
  if (o.tags.length > 0) out += `  Tags: [${o.tags.join(",")}]\n`;
  if (o.see_also.length > 0) out += `  See also: [${o.see_also.join(",")}]\n`;
  if (o.long_desc) out += `\n${o.long_desc}\n`;
  return out;
}
