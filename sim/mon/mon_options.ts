/**
 * The embedded mon's option schema: Ceph's own options (ceph/options.ts) as the mon holds them,
 * and the options that manager modules declare, converted as MgrMonitor does. ConfigMonitor
 * validates `config set` against it and prints each option's level and runtime flag.
 *
 * @module
 */
import { OPTION_TYPES } from "../../core/module_options.ts";
import type { ModuleOptionInfo } from "../../ceph/mgr_map.ts";
import { ALL_CEPH_OPTIONS, type OptionFlag } from "../../ceph/options.ts";
import {
  formatOptionValue,
  type OptionLevel,
  type OptionSpec,
  type OptionType,
  type OptionValue,
  parseOptionValue,
  zeroValue,
} from "../../ceph/option_value.ts";

/** An option as the mon's schema holds it (Ceph's `Option`). */
export interface MonOption extends OptionSpec {
  level: OptionLevel;
  desc: string;
  defaultValue: OptionValue;
  daemonDefault?: OptionValue;
  flags: ReadonlySet<OptionFlag | "mgr">;
}

function parseRaw(type: OptionType, text: string): OptionValue | null {
  const r = parseOptionValue({ name: "", type, enumAllowed: [] }, text);
  return r.ok ? r.value : null;
}

function buildCephOptions(): Map<string, MonOption> {
  const out = new Map<string, MonOption>();
  for (const d of ALL_CEPH_OPTIONS) {
    const parse = (s: string, what: string): OptionValue => {
      const zero = zeroValue(d.type);
      if (s === formatOptionValue(zero)) return zero;
      const v = parseRaw(d.type, s);
      if (v === null) throw new Error(`ceph_options: bad ${what} '${s}' for ${d.name}`);
      return v;
    };
    // A bound the captured table gives beyond a double's integer precision (a uint64 limit
    // read back as 1.8e19) bounds nothing a value can reach: it is left out.
    const bound = (s: string | undefined, what: string): OptionValue | undefined => {
      if (s === undefined) return undefined;
      if (/^-?\d+$/.test(s) && !Number.isSafeInteger(Number(s))) return undefined;
      return parse(s, what);
    };
    out.set(d.name, {
      name: d.name,
      type: d.type,
      level: d.level,
      desc: d.desc,
      enumAllowed: d.enumAllowed ?? [],
      validator: d.validator,
      defaultValue: parse(d.default, "default"),
      daemonDefault: d.daemonDefault === undefined ? undefined : parse(d.daemonDefault, "default"),
      min: bound(d.min, "min"),
      max: bound(d.max, "max"),
      flags: new Set(d.flags ?? []),
    });
  }
  return out;
}

/** Ceph's options by name, in ceph/options.ts's order (`config ls` lists them so). */
export const CEPH_OPTION_MAP: ReadonlyMap<string, MonOption> = buildCephOptions();

/** Ceph's `MgrMonitor` conversion of a module option into an `Option`. */
export function moduleOption(name: string, info: ModuleOptionInfo): MonOption {
  const type = (OPTION_TYPES.has(info.type) ? info.type : "str") as OptionType;
  const level: OptionLevel = info.level === "basic" || info.level === "advanced" ||
      info.level === "dev"
    ? info.level
    : "unknown";
  const flags = new Set<OptionFlag | "mgr">(["mgr"]);
  if (info.flags & 1) flags.add("runtime");
  let defaultValue = zeroValue(type);
  if (info.default_value !== "") defaultValue = parseRaw(type, info.default_value) ?? defaultValue;
  let min: OptionValue | undefined;
  let max: OptionValue | undefined;
  if (info.min !== "" && info.max !== "") {
    const a = parseRaw(type, info.min);
    const b = parseRaw(type, info.max);
    if (a !== null && b !== null) {
      min = a;
      max = b;
    }
  }
  return {
    name,
    type,
    level,
    desc: info.desc,
    enumAllowed: [...info.enum_allowed],
    defaultValue,
    min,
    max,
    flags,
  };
}

/** Ceph's `Option::can_update_at_runtime`. */
export function canUpdateAtRuntime(opt: MonOption): boolean {
  const f = opt.flags;
  const byType = !f.has("mgr") &&
    ["bool", "int", "uint", "float", "size", "secs"].includes(opt.type);
  return (f.has("runtime") || byType) && !f.has("startup") && !f.has("cluster_create") &&
    !f.has("create");
}

/** A stray option (stored with --force, unknown to the schema): Ceph's TYPE_STR, LEVEL_UNKNOWN. */
export function strayOption(name: string): MonOption {
  return {
    name,
    type: "str",
    level: "unknown",
    desc: "",
    enumAllowed: [],
    defaultValue: { kind: "str", s: "" },
    flags: new Set(),
  };
}
