/**
 * Module options on the manager side: declarations normalised into the MgrMap form, the
 * options every module gets, and typed reads (spec §4).
 *
 * @module
 */
import type { ModuleOptionInfo } from "../ceph/mgr_map.ts";
import type { OptionType } from "../ceph/options.ts";

/** Option value types a module can declare: Ceph's option types. */
export type { OptionType } from "../ceph/options.ts";

/** A typed option value as modules read it. */
export type OptionValue = string | number | boolean;

/** A module option declaration (Ceph's `Option(...)`); plain objects of this shape are accepted. */
export interface OptionDecl {
  name: string;
  type?: OptionType;
  default?: OptionValue | null;
  level?: "basic" | "advanced" | "dev";
  desc?: string;
  long_desc?: string;
  min?: OptionValue;
  max?: OptionValue;
  enum_allowed?: readonly string[];
  tags?: readonly string[];
  see_also?: readonly string[];
  runtime?: boolean;
}

/** The level values of the built-in logging options (spec §4.3). */
export const LOG_LEVELS: readonly string[] = ["", "critical", "debug", "error", "info", "warning"];

/** The options the host adds to every module (spec §4.3). */
export const BUILTIN_OPTIONS: readonly OptionDecl[] = [
  { name: "log_level", type: "str", default: "", runtime: true, enum_allowed: LOG_LEVELS },
  { name: "log_to_file", type: "bool", default: false, runtime: true },
  { name: "log_to_cluster", type: "bool", default: false, runtime: true },
  {
    name: "log_to_cluster_level",
    type: "str",
    default: "info",
    runtime: true,
    enum_allowed: LOG_LEVELS,
  },
];

/** Every option type label Ceph knows. */
export const OPTION_TYPES: ReadonlySet<string> = new Set<string>([
  "str",
  "uint",
  "int",
  "float",
  "bool",
  "addr",
  "addrvec",
  "uuid",
  "size",
  "secs",
  "millisecs",
]);
const OPTION_KEYS = new Set<string>([
  "name",
  "type",
  "default",
  "level",
  "desc",
  "long_desc",
  "min",
  "max",
  "enum_allowed",
  "tags",
  "see_also",
  "runtime",
]);

/**
 * Python's `str()` of an option value, which is how Ceph stores defaults and values it is given
 * (`True`, `False`, `10`, `1.5`).
 */
export function pythonStr(value: OptionValue | null | undefined): string {
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  return String(value);
}

/** Checks one MODULE_OPTIONS entry and returns it typed; throws with a message naming the fault. */
export function checkOptionDecl(raw: unknown, index: number): OptionDecl {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new Error(`MODULE_OPTIONS[${index}] is not an object`);
  }
  const decl = raw as Record<string, unknown>;
  if (typeof decl.name !== "string" || decl.name === "") {
    throw new Error(`MODULE_OPTIONS[${index}] has no name`);
  }
  for (const key of Object.keys(decl)) {
    if (!OPTION_KEYS.has(key)) {
      throw new Error(`MODULE_OPTIONS[${index}] (${decl.name}) has an unknown field '${key}'`);
    }
  }
  if (decl.type !== undefined && !OPTION_TYPES.has(decl.type as string)) {
    throw new Error(
      `MODULE_OPTIONS[${index}] (${decl.name}) has type '${String(decl.type)}', ` +
        `expected one of ${[...OPTION_TYPES].join(", ")}`,
    );
  }
  for (const key of ["enum_allowed", "tags", "see_also"]) {
    const v = decl[key];
    if (v !== undefined && (!Array.isArray(v) || v.some((s) => typeof s !== "string"))) {
      throw new Error(`MODULE_OPTIONS[${index}] (${decl.name}).${key} must be a list of strings`);
    }
  }
  return decl as unknown as OptionDecl;
}

/** The MgrMap form of an option declaration (every field a string, as Ceph stores it). */
export function optionInfo(decl: OptionDecl): ModuleOptionInfo {
  const str = (v: OptionValue | null | undefined) =>
    v === undefined || v === null ? "" : pythonStr(v);
  return {
    name: decl.name,
    type: decl.type ?? "str",
    level: decl.level ?? "advanced",
    flags: decl.runtime ? 1 : 0,
    default_value: str(decl.default),
    min: str(decl.min),
    max: str(decl.max),
    enum_allowed: [...(decl.enum_allowed ?? [])],
    desc: decl.desc ?? "",
    long_desc: decl.long_desc ?? "",
    tags: [...(decl.tags ?? [])],
    see_also: [...(decl.see_also ?? [])],
  };
}

/**
 * A module's full option table: its own declarations plus the built-ins it did not declare
 * (a module may override `log_to_cluster`, as Ceph allows), sorted by name like the MgrMap.
 */
export function moduleOptionTable(declared: readonly OptionDecl[]): Map<string, OptionDecl> {
  const table = new Map<string, OptionDecl>();
  for (const decl of declared) table.set(decl.name, decl);
  for (const decl of BUILTIN_OPTIONS) if (!table.has(decl.name)) table.set(decl.name, decl);
  return new Map([...table].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const PY_TRUE = new Set(["1", "true", "True", "on", "yes"]);

/** Python's `int(s, 0)`: decimal, 0x, 0o, 0b, with sign and underscores; NaN when it fails. */
export function parsePythonInt(text: string): number {
  const s = text.trim().replaceAll("_", "");
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0+|[1-9][0-9]*)$/.exec(s);
  if (!m) return NaN;
  const body = m[2]!;
  const prefix = body.slice(0, 2).toLowerCase();
  const value = prefix === "0x" || prefix === "0o" || prefix === "0b"
    ? Number(BigInt(body.toLowerCase()))
    : Number(body);
  return m[1] === "-" ? -value : value;
}

/**
 * A stored option string converted to the declared type (spec §4.2): int, uint and size to a
 * number (base auto-detected), float and secs to a number, bool true only for
 * `1 true True on yes`, everything else a string.
 */
export function typedOptionValue(type: OptionType | undefined, text: string): OptionValue {
  switch (type) {
    case "int":
    case "uint":
    case "size":
    case "millisecs": {
      const n = parsePythonInt(text);
      return Number.isNaN(n) ? text : n;
    }
    case "float":
    case "secs": {
      const n = Number(text.trim());
      return text.trim() === "" || Number.isNaN(n) ? text : n;
    }
    case "bool":
      return PY_TRUE.has(text.trim());
    default:
      return text;
  }
}

/** The value a module reads when nothing is set: the declared default, typed when declared. */
export function declaredDefault(decl: OptionDecl): OptionValue | null {
  if (decl.default === undefined || decl.default === null) return null;
  return decl.type === undefined ? pythonStr(decl.default) : decl.default;
}
