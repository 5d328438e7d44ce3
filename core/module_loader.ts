/**
 * Finding and loading modules (spec §1.1, §1.2): built-ins compiled into the binary and
 * `<path>/<name>/module.ts` folders. A module that fails to load is recorded with its error, so
 * `mgr module ls` and health can say why, and never stops the others.
 *
 * @module
 */
import {
  type CommandDict,
  type DecoratedCommand,
  decoratedCommands,
  MgrModule,
  MgrStandbyModule,
  NotifyType,
} from "./mgr_module.ts";
import {
  checkOptionDecl,
  moduleOptionTable,
  type OptionDecl,
  optionInfo,
} from "./module_options.ts";
import type { ModuleInfo } from "../ceph/mgr_map.ts";
import { type CommandDescriptor, Flag, parseSignature } from "./commands/descriptor.ts";
import { descriptorFromDeclaration } from "./commands/declaration.ts";

type ModuleClass = typeof MgrModule;
type StandbyClass = typeof MgrStandbyModule;

/** One module command: its descriptor, and the decorated method that answers it. */
export interface ModuleCommand {
  desc: CommandDescriptor;
  /** The decorated handler; undefined for a legacy `COMMANDS` entry (`handle_command`). */
  method?: string | symbol;
  /** The declared argument names a decorated handler receives. */
  argNames: string[];
}

/** What the host knows of one module, loaded or not. */
export interface ModuleRecord {
  name: string;
  /** `builtin`, or the path of its module.ts. */
  source: string;
  cls?: ModuleClass;
  standbyCls?: StandbyClass;
  /** False when importing or checking the module failed (`errorString` says why). */
  loaded: boolean;
  canRun: boolean;
  errorString: string;
  options: Map<string, OptionDecl>;
  notifyTypes: Set<string>;
  /** Every command of the module, parsed: legacy `COMMANDS` entries have no method. */
  commands: ModuleCommand[];
  /** Notes for the daemon log (ignored extra classes and the like). */
  warnings: string[];
}

const KNOWN_NOTIFY_TYPES = new Set<string>(Object.values(NotifyType));

function failed(name: string, source: string, error: string): ModuleRecord {
  return {
    name,
    source,
    loaded: false,
    canRun: false,
    errorString: error,
    options: moduleOptionTable([]),
    notifyTypes: new Set(),
    commands: [],
    warnings: [],
  };
}

function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.split("\n")[0]!;
  return String(error);
}

function isSubclass(value: unknown, base: ModuleClass | StandbyClass): boolean {
  return typeof value === "function" && value !== base && value.prototype instanceof base;
}

/** Checks a module's exports and builds its record (spec §1.2 steps a–i). */
export function inspectModule(
  name: string,
  source: string,
  exports: Record<string, unknown>,
): ModuleRecord {
  const keys = Object.keys(exports).sort();
  const classes = keys.filter((k) => isSubclass(exports[k], MgrModule));
  if (classes.length === 0) {
    return failed(name, source, "Class not found: no MgrModule subclass is exported");
  }
  const warnings: string[] = [];
  if (classes.length > 1) {
    warnings.push(
      `module ${name}: using class ${classes[0]}, ignoring ${classes.slice(1).join(", ")}`,
    );
  }
  const cls = exports[classes[0]!] as ModuleClass;
  const standbyKey = keys.find((k) => isSubclass(exports[k], MgrStandbyModule));
  const standbyCls = standbyKey ? exports[standbyKey] as StandbyClass : undefined;

  const commands: unknown = cls.COMMANDS;
  if (
    !Array.isArray(commands) ||
    commands.some((c) =>
      typeof c !== "object" || c === null || typeof c.cmd !== "string" ||
      typeof c.desc !== "string" || typeof c.perm !== "string"
    )
  ) {
    return failed(
      name,
      source,
      "Missing or invalid COMMANDS attribute: expected a list of {cmd, desc, perm} objects",
    );
  }

  let declared: OptionDecl[];
  try {
    const raw: unknown = cls.MODULE_OPTIONS;
    if (!Array.isArray(raw)) throw new Error("MODULE_OPTIONS is not a list");
    declared = raw.map(checkOptionDecl);
    declared.forEach(optionInfo);
  } catch (e) {
    return failed(
      name,
      source,
      `Missing or invalid MODULE_OPTIONS attribute: ${(e as Error).message}`,
    );
  }

  const notify: unknown = cls.NOTIFY_TYPES;
  if (notify !== undefined) {
    if (!Array.isArray(notify) || notify.some((t) => typeof t !== "string")) {
      return failed(name, source, "Invalid NOTIFY_TYPES attribute: expected a list of strings");
    }
    const unknown = notify.filter((t) => !KNOWN_NOTIFY_TYPES.has(t));
    if (unknown.length) {
      return failed(
        name,
        source,
        `Invalid NOTIFY_TYPES attribute: unknown type ${unknown.map((t) => `'${t}'`).join(", ")}` +
          ` (known: ${[...KNOWN_NOTIFY_TYPES].join(", ")})`,
      );
    }
  }

  const parsed: ModuleCommand[] = [];
  try {
    for (const c of commands as CommandDict[]) {
      const desc = parseSignature(c.cmd.trim(), {
        help: c.desc,
        perm: c.perm,
        poll: c.poll === true,
        flags: c.poll === true ? Flag.POLL : 0,
      });
      parsed.push({ desc, argNames: desc.args.map((a) => a.name) });
    }
    for (const c of decoratedCommands(cls) as DecoratedCommand[]) {
      const desc = descriptorFromDeclaration(c.prefix, c.args, {
        desc: c.desc,
        perm: c.perm,
        poll: c.poll,
      });
      parsed.push({ desc, method: c.method, argNames: Object.keys(c.args) });
    }
  } catch (e) {
    return failed(name, source, `Invalid command declaration: ${(e as Error).message}`);
  }

  let canRun = true;
  let errorString = "";
  try {
    const verdict: unknown = cls.can_run();
    if (
      !Array.isArray(verdict) || verdict.length !== 2 || typeof verdict[0] !== "boolean" ||
      typeof verdict[1] !== "string"
    ) {
      canRun = false;
      errorString = "wrong type returned from can_run";
    } else if (!verdict[0]) {
      canRun = false;
      errorString = verdict[1];
    }
  } catch (e) {
    canRun = false;
    errorString = errorText(e);
  }

  return {
    name,
    source,
    cls,
    standbyCls,
    loaded: true,
    canRun,
    errorString,
    options: moduleOptionTable(declared),
    notifyTypes: new Set((notify as string[] | undefined) ?? []),
    commands: parsed,
    warnings,
  };
}

/** The ModuleInfo a manager reports for a module in its beacon. */
export function moduleInfo(record: ModuleRecord): ModuleInfo {
  const options: ModuleInfo["module_options"] = {};
  for (const [key, decl] of record.options) options[key] = optionInfo(decl);
  return {
    name: record.name,
    can_run: record.loaded && record.canRun,
    error_string: record.errorString,
    module_options: options,
  };
}

/** Imports `<dir>/module.ts` and inspects it; any failure becomes the record's error. */
export async function loadModuleDir(name: string, dir: string): Promise<ModuleRecord> {
  const path = `${dir}/module.ts`;
  try {
    const url = new URL(`file://${path.startsWith("/") ? "" : Deno.cwd() + "/"}${path}`);
    const exports = await import(url.href) as Record<string, unknown>;
    return inspectModule(name, path, exports);
  } catch (e) {
    return failed(name, path, errorText(e));
  }
}

/** Every `<path>/<name>/module.ts` folder, as `[name, folder]`, in path order then by name. */
export function moduleDirs(modulePaths: readonly string[]): [string, string][] {
  const dirs: [string, string][] = [];
  for (const base of modulePaths) {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(base)];
    } catch {
      continue;
    }
    for (const entry of entries.sort((a, b) => a.name < b.name ? -1 : 1)) {
      if (!entry.isDirectory) continue;
      try {
        Deno.statSync(`${base}/${entry.name}/module.ts`);
      } catch {
        continue;
      }
      dirs.push([entry.name, `${base}/${entry.name}`]);
    }
  }
  return dirs;
}

/**
 * Every module: the built-ins, then each `<path>/<name>/module.ts` (a folder module of the same
 * name as a built-in replaces it), minus the names in `disabled` (`mgr_disabled_modules`).
 */
export async function discoverModules(
  builtins: Readonly<Record<string, Record<string, unknown>>>,
  modulePaths: readonly string[],
  disabled: readonly string[] = [],
): Promise<Map<string, ModuleRecord>> {
  const records = new Map<string, ModuleRecord>();
  const skip = new Set(disabled);
  for (const [name, exports] of Object.entries(builtins)) {
    if (!skip.has(name)) records.set(name, inspectModule(name, "builtin", exports));
  }
  for (const [name, dir] of moduleDirs(modulePaths)) {
    if (!skip.has(name)) records.set(name, await loadModuleDir(name, dir));
  }
  return new Map([...records].sort(([a], [b]) => (a < b ? -1 : 1)));
}
