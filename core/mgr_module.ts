/**
 * The mgrd module SDK: the only file a module author imports.
 *
 * It mirrors Ceph's `mgr_module.py`: a module is a folder with one `module.ts` that exports one
 * subclass of {@linkcode MgrModule} (and optionally one of {@linkcode MgrStandbyModule}). Method
 * names are Ceph's, so the Ceph module guide stays true and Python modules port line by line.
 * Reads (`get_module_option`, `get_store`, ...) answer from memory; writes (`set_store`,
 * `set_module_option`, ...) return promises that resolve once the mon has committed them.
 *
 * @example A complete module
 * ```ts
 * import { CLIReadCommand, HandleCommandResult, MgrModule, Option } from "mgr_module";
 *
 * export class Hello extends MgrModule {
 *   static override MODULE_OPTIONS = [
 *     Option({ name: "place", default: "world", desc: "a place to greet" }),
 *   ];
 *
 *   @CLIReadCommand("hello", { args: { person: { type: "str", optional: true } }, desc: "Say hello" })
 *   hello({ person }: { person?: string }): HandleCommandResult {
 *     return new HandleCommandResult(0, `Hello, ${person ?? this.get_module_option("place")}`);
 *   }
 *
 *   override async serve(): Promise<void> {
 *     while (!this.shutting_down) await this.sleep(60);
 *   }
 * }
 * ```
 *
 * @module
 */
import { CEPH_RELEASES } from "../ceph/releases.ts";
import type { ModuleContext } from "./module_context.ts";
import type { DaemonHealthMetric } from "./cluster_link.ts";
import type { PerfCounterBulk } from "./state/perf_counters.ts";
import type { OsdPerfStats } from "./state/pg_map_views.ts";
import type { DaemonHealthBulk } from "./state/pg_intake.ts";
import type { ModuleLogger } from "./logging.ts";
import {
  declaredDefault,
  type OptionDecl,
  type OptionValue,
  pythonStr,
  typedOptionValue,
} from "./module_options.ts";
import type { HealthCheckInput, HealthChecks } from "./health.ts";
import { CEPH_VERSION, RELEASE_NAME } from "../ceph/mgr_map.ts";
import type { ArgSpec, ArgSpecObject, DeclaredType } from "./commands/declaration.ts";
import * as errno from "../ceph/errno.ts";
import { OSDMap, type OsdMapDump } from "./osdmap/osd_map.ts";
import type { CrushDump } from "./osdmap/crush_map.ts";
import { Rados } from "./rados.ts";
import { uuid4 } from "./random.ts";
import { CephFS } from "./cephfs.ts";
import { prettyHeader, prettyRow, toPrettyIec } from "./pretty_table.ts";
import { OsdPerfQueryError, parseOsdPerfQuery } from "./osd_perf_query.ts";
import type { OsdPerfCounters } from "./osd_perf_collector.ts";
import { resolveMds } from "./mds_spec.ts";

export type { CounterLayout, PerfCounterBulk } from "./state/perf_counters.ts";
export type { OsdPerfStats } from "./state/pg_map_views.ts";
export type { DaemonHealthBulk } from "./state/pg_intake.ts";
export type { OsdPerfCounters } from "./osd_perf_collector.ts";
export type {
  DaemonHealthMetric,
  HealthCheckInput,
  HealthChecks,
  ModuleLogger,
  OptionDecl,
  OptionValue,
};
export {
  EACCES,
  EAGAIN,
  EEXIST,
  EFBIG,
  EINTR,
  EINVAL,
  EIO,
  ENODATA,
  ENOENT,
  ENOSYS,
  ENOTEMPTY,
  EOPNOTSUPP,
  EPERM,
  ESTALE,
  ETIMEDOUT,
} from "../ceph/errno.ts";
export { MonWriteError, WRITE_TIMEOUT_SECONDS } from "./kv_store.ts";
export { RemoteError } from "./remote_error.ts";
// The note on stderr of what answers from the last maps while the mon is away.
export { NO_MON_CONNECTION } from "./mon_outage_answers.ts";

// Ceph's mgr_util and prettytable text helpers, for the tables and units modules print.
export {
  type Align,
  fnmatch,
  formatBytes,
  formatDimless,
  formatUnits,
  PlainTable,
  pythonFloat,
  pythonJson,
} from "./mgr_util.ts";

// `this.rados`: librados for modules.
export {
  Ioctx,
  ObjectBusy,
  ObjectExists,
  ObjectNotFound,
  Rados,
  RadosError,
  type RadosObject,
  TimedOut,
} from "./rados.ts";

// `this.cephfs`: libcephfs for modules.
export { CephFS, CephFSError, CephFSMount, type CephFSStat } from "./cephfs.ts";

// The OSD map and CRUSH wrappers (Ceph's OSDMap, OSDMapIncremental, CRUSHMap).
export { OSDMap } from "./osdmap/osd_map.ts";
export type { OsdDump, OsdMapDump, PoolDump, UpActing } from "./osdmap/osd_map.ts";
export { OSDMapIncremental } from "./osdmap/incremental.ts";
export type { IncrementalDump, UpmapItemsDump } from "./osdmap/incremental.ts";
export { CRUSHMap } from "./osdmap/crush_map.ts";
export type {
  CrushDump,
  CrushDumpBucket,
  CrushDumpItem,
  CrushDumpRule,
  CrushDumpStep,
} from "./osdmap/crush_map.ts";

/**
 * The notification types a module can list in `NOTIFY_TYPES` (spec §7).
 *
 * @example
 * ```ts
 * import { MgrModule, NotifyType } from "mgr_module";
 * class Watcher extends MgrModule {
 *   static override NOTIFY_TYPES = [NotifyType.osd_map, NotifyType.health];
 *   override notify(type: NotifyType, id: string): void {
 *     this.log.info(`${type} ${id}`);
 *   }
 * }
 * ```
 */
export const NotifyType = {
  mon_map: "mon_map",
  pg_summary: "pg_summary",
  health: "health",
  clog: "clog",
  osd_map: "osd_map",
  fs_map: "fs_map",
  command: "command",
  service_map: "service_map",
  mon_status: "mon_status",
  perf_schema_update: "perf_schema_update",
} as const;
export type { ArgSpec, ArgSpecObject, DeclaredType };

type ScalarValue<T> = T extends "int" | "float" | "sizebytes" ? number
  : T extends "bool" ? boolean
  : T extends "osdname" ? number | "*"
  : string;
type SpecValue<S> = S extends readonly (infer C)[] ? C
  : S extends { type: infer T; choices: readonly (infer C)[] }
    ? (S extends { list: true | number } ? C[] : C)
  : S extends { type: infer T; list: true | number } ? ScalarValue<T>[]
  : S extends { type: infer T } ? ScalarValue<T>
  : ScalarValue<S>;
type OptionalKeys<A> = { [K in keyof A]: A[K] extends { optional: true } ? K : never }[keyof A];

/** The handler's argument object for a declaration: typed values by name. */
export type ArgValues<A extends Record<string, ArgSpec>> =
  & { [K in Exclude<keyof A, OptionalKeys<A>>]: SpecValue<A[K]> }
  & { [K in OptionalKeys<A>]?: SpecValue<A[K]> };

/**
 * Cluster log priorities (Ceph's `ClusterLogPrio`), for `cluster_log`.
 *
 * @example
 * ```ts ignore
 * this.cluster_log("audit", ClusterLogPrio.INFO, "something changed");
 * ```
 */
export const ClusterLogPrio = { DEBUG: 0, INFO: 1, SEC: 2, WARN: 3, ERROR: 4 } as const;

/**
 * The words PG states are made of (Ceph's `mgr_module.PG_STATES`): a PG's state is some of them
 * joined by `+`, e.g. `active+clean`.
 *
 * @example
 * ```ts
 * import { PG_STATES } from "mgr_module";
 * const known = "active+clean".split("+").every((w) => PG_STATES.includes(w));
 * ```
 */
export const PG_STATES: readonly string[] = [
  "active",
  "clean",
  "down",
  "recovery_unfound",
  "backfill_unfound",
  "scrubbing",
  "degraded",
  "inconsistent",
  "peering",
  "repair",
  "recovering",
  "forced_recovery",
  "backfill_wait",
  "incomplete",
  "stale",
  "remapped",
  "deep",
  "backfilling",
  "forced_backfill",
  "backfill_toofull",
  "recovery_wait",
  "recovery_toofull",
  "undersized",
  "activating",
  "peered",
  "snaptrim",
  "snaptrim_wait",
  "snaptrim_error",
  "creating",
  "unknown",
  "premerge",
  "failed_repair",
  "laggy",
  "wait",
];

/** One of {@linkcode NotifyType}'s values. */
export type NotifyType = typeof NotifyType[keyof typeof NotifyType];

/**
 * Declares a module option (Ceph's `Option(...)`). Put the result in `MODULE_OPTIONS`.
 *
 * @example
 * ```ts
 * import { MgrModule, Option } from "mgr_module";
 * class M extends MgrModule {
 *   static override MODULE_OPTIONS = [
 *     Option({ name: "interval", type: "secs", default: 60, min: 1, desc: "seconds between runs" }),
 *     Option({ name: "mode", enum_allowed: ["fast", "slow"], default: "fast" }),
 *   ];
 * }
 * ```
 */
export function Option(decl: OptionDecl): OptionDecl {
  return Object.freeze({ ...decl });
}

/**
 * What a command handler returns: a return value (0 or a negative errno), the output and a
 * status or error message. A handler may also return the plain tuple `[retval, stdout, stderr]`.
 *
 * @example
 * ```ts
 * import { EINVAL, HandleCommandResult } from "mgr_module";
 * const ok = new HandleCommandResult(0, "42\n");
 * const bad = new HandleCommandResult(-EINVAL, "", "pool name is required");
 * const [retval, stdout, stderr] = bad;
 * ```
 */
export class HandleCommandResult {
  constructor(
    readonly retval: number = 0,
    readonly stdout: string = "",
    readonly stderr: string = "",
  ) {}

  *[Symbol.iterator](): IterableIterator<number | string> {
    yield this.retval;
    yield this.stdout;
    yield this.stderr;
  }
}

/** What a command handler may return. */
export type CommandReturn = HandleCommandResult | [number, string, string];

/**
 * The outcome of `send_command`: completed by the host, awaited by the module.
 *
 * @example
 * ```ts
 * import { CommandResult } from "mgr_module";
 * const result = new CommandResult("my-tag");
 * result.complete(0, "out", "");
 * const [r, outb, outs] = await result.wait();
 * ```
 */
export class CommandResult {
  r = 0;
  outb = "";
  outs = "";
  #done = false;
  #waiters: (() => void)[] = [];
  #clock: ModuleContext["clock"] | undefined;

  constructor(readonly tag: string = "") {}

  /** Records the result and wakes every waiter. */
  complete(r: number, outb: string, outs: string): void {
    this.r = r;
    this.outb = outb;
    this.outs = outs;
    this.#done = true;
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Whether `complete` has been called. */
  get done(): boolean {
    return this.#done;
  }

  /** @internal The daemon clock `wait(timeout)` counts on (set by `send_command`). */
  _useClock(clock: ModuleContext["clock"]): void {
    this.#clock = clock;
  }

  /**
   * Resolves to `[r, outb, outs]` once the command has completed. With `timeout` (seconds, on
   * the daemon's clock, virtual under `mgrd sim`), resolves to `[-ETIMEDOUT, "", "timed out"]`
   * if the command has not completed by then — librados's errno and the message of Ceph's
   * `run_in_thread`; the command itself is not cancelled and may still complete later.
   *
   * @example
   * ```ts ignore
   * const result = new CommandResult("probe");
   * this.send_command(result, "mon", "", JSON.stringify({ prefix: "mon stat", format: "json" }), "probe");
   * const [r, outb] = await result.wait(5);
   * if (r === -ETIMEDOUT) this.log.warning("mon did not answer within 5 s");
   * ```
   */
  async wait(timeout?: number): Promise<[number, string, string]> {
    if (!this.#done) {
      const completed = new Promise<boolean>((resolve) => this.#waiters.push(() => resolve(true)));
      if (timeout === undefined) {
        await completed;
      } else {
        const ac = new AbortController();
        const expired = this.#clock
          ? this.#clock.sleep(Math.max(0, timeout), ac.signal).then(() => false)
          : new Promise<boolean>((resolve) => {
            const t = setTimeout(() => resolve(false), Math.max(0, timeout) * 1000);
            ac.signal.addEventListener("abort", () => clearTimeout(t));
          });
        const done = await Promise.race([completed, expired]);
        ac.abort();
        if (!done && !this.#done) return [-errno.ETIMEDOUT, "", "timed out"];
      }
    }
    return [this.r, this.outb, this.outs];
  }
}

/** `sleep()` was called after the module's shutdown began: its loop should have ended. */
export class ModuleShuttingDown extends Error {
  override name = "ModuleShuttingDown";
  constructor(module: string) {
    super(`module ${module} is shutting down: sleep() after shutdown (check shutting_down)`);
  }
}

/** A mon command failed (`check_mon_command`). */
export class MonCommandFailed extends Error {
  override name = "MonCommandFailed";
}

/**
 * A legacy `COMMANDS` entry: the signature in Ceph's grammar, help text, permission and
 * whether the CLI may poll it. Its handler is the module's `handle_command`.
 */
export interface CommandDict {
  cmd: string;
  desc: string;
  perm: string;
  poll?: boolean;
}

/** The declaration a command decorator takes. */
export interface CommandDecl<A extends Record<string, ArgSpec> = Record<string, ArgSpec>> {
  /** Arguments by name, in order (TypeScript erases parameter types, so they are declared). */
  args?: A;
  /** One-line help, as Ceph takes from the docstring. */
  desc?: string;
  /** The CLI may re-run the command every `--period` seconds. */
  poll?: boolean;
}

/** @internal A decorated command as the host reads it. */
export interface DecoratedCommand {
  prefix: string;
  perm: string;
  poll: boolean;
  desc: string;
  args: Record<string, ArgSpec>;
  method: string | symbol;
}

/** A decorated command handler: arguments by name, then the input buffer (`-i`). */
export type CommandHandler<A extends Record<string, ArgSpec>, This> = (
  this: This,
  args: ArgValues<A>,
  inbuf: string,
) => CommandReturn | Promise<CommandReturn>;

const decorated = new WeakMap<object, Omit<DecoratedCommand, "method">>();

/**
 * Declares a module command with an explicit permission (Ceph's `@CLICommand`).
 *
 * @example
 * ```ts
 * import { CLICommand, HandleCommandResult, MgrModule } from "mgr_module";
 * class Antigravity extends MgrModule {
 *   @CLICommand("antigravity send to blackhole", {
 *     args: { oid: "str", blackhole: { type: "str", optional: true } },
 *     desc: "Send the specified object to black hole",
 *   }, "rw")
 *   send({ oid }: { oid: string; blackhole?: string }): HandleCommandResult {
 *     return new HandleCommandResult(0, "", `sent ${oid}`);
 *   }
 * }
 * ```
 */
export function CLICommand<const A extends Record<string, ArgSpec> = Record<never, never>>(
  prefix: string,
  decl: CommandDecl<A> = {},
  perm = "rw",
) {
  return function register<This>(
    method: CommandHandler<A, This>,
    context: ClassMethodDecoratorContext<This>,
  ): void {
    if (context.static) throw new Error(`command '${prefix}' must be an instance method`);
    decorated.set(method, {
      prefix,
      perm,
      poll: decl.poll ?? false,
      desc: decl.desc ?? "",
      args: decl.args ?? {},
    });
  };
}

/**
 * Declares a read-only module command (perm `r`; Ceph's `@CLIReadCommand`).
 *
 * @example
 * ```ts
 * import { CLIReadCommand, HandleCommandResult, MgrModule } from "mgr_module";
 * class Greeter extends MgrModule {
 *   @CLIReadCommand("greeter hello", { args: { name: "str" }, desc: "Greet someone" })
 *   hello({ name }: { name: string }): HandleCommandResult {
 *     return new HandleCommandResult(0, `hello ${name}\n`);
 *   }
 * }
 * ```
 */
export function CLIReadCommand<const A extends Record<string, ArgSpec> = Record<never, never>>(
  prefix: string,
  decl: CommandDecl<A> = {},
) {
  return CLICommand(prefix, decl, "r");
}

/**
 * Declares a state-changing module command (perm `w`; Ceph's `@CLIWriteCommand`).
 *
 * @example
 * ```ts
 * import { CLIWriteCommand, HandleCommandResult, MgrModule } from "mgr_module";
 * class Counter extends MgrModule {
 *   @CLIWriteCommand("counter reset", { desc: "Reset the counter" })
 *   async reset(): Promise<HandleCommandResult> {
 *     await this.set_store("count", "0");
 *     return new HandleCommandResult(0, "", "reset");
 *   }
 * }
 * ```
 */
export function CLIWriteCommand<const A extends Record<string, ArgSpec> = Record<never, never>>(
  prefix: string,
  decl: CommandDecl<A> = {},
) {
  return CLICommand(prefix, decl, "w");
}

/**
 * Wraps a command handler that needs an input file (`-i FILE`), like Ceph's
 * `CLICheckNonemptyFileInput`: no input or a blank one answers -EINVAL with Ceph's message;
 * one trailing newline is stripped before the handler sees the input.
 *
 * @example
 * ```ts
 * import { CLICheckNonemptyFileInput, CLIWriteCommand, HandleCommandResult, MgrModule } from "mgr_module";
 * class Certs extends MgrModule {
 *   @CLIWriteCommand("certs set", { desc: "Set the certificate" })
 *   @CLICheckNonemptyFileInput("certificate")
 *   async set(_args: Record<string, never>, inbuf: string): Promise<HandleCommandResult> {
 *     await this.set_store("crt", inbuf);
 *     return new HandleCommandResult(0, "", "certificate set");
 *   }
 * }
 * ```
 */
export function CLICheckNonemptyFileInput(desc: string) {
  return function wrap<This, A, R extends CommandReturn | Promise<CommandReturn>>(
    method: (this: This, args: A, inbuf: string) => R,
    _context: ClassMethodDecoratorContext<This>,
  ): (this: This, args: A, inbuf: string) => R {
    return function checked(this: This, args: A, inbuf: string): R {
      // The early answers are plain results even for an async handler: the host awaits both.
      if (inbuf === undefined || inbuf === null || inbuf === "") {
        return new HandleCommandResult(
          -22,
          "",
          `Input file not specified: Please specify the file containing ${desc} with "-i" option`,
        ) as R;
      }
      const stripped = inbuf.endsWith("\n") ? inbuf.slice(0, -1) : inbuf;
      if (stripped.trim() === "") {
        return new HandleCommandResult(
          -22,
          "",
          `Empty input file: Please add ${desc} to the file`,
        ) as R;
      }
      return method.call(this, args, stripped);
    };
  };
}

/** @internal The decorated commands of a module class, base classes included. */
export function decoratedCommands(cls: abstract new (...args: never[]) => unknown) {
  const found: DecoratedCommand[] = [];
  const seen = new Set<string | symbol>();
  for (let proto = cls.prototype; proto && proto !== Object.prototype;) {
    for (const key of Reflect.ownKeys(proto)) {
      if (seen.has(key) || key === "constructor") continue;
      seen.add(key);
      const value = Object.getOwnPropertyDescriptor(proto, key)?.value;
      const info = typeof value === "function" ? decorated.get(value) : undefined;
      if (info) found.push({ ...info, method: key });
    }
    proto = Object.getPrototypeOf(proto);
  }
  return found;
}

/** Shared by active and standby modules: identity, logging, time, options and store reads. */
abstract class ModuleBase {
  /** @internal */
  protected readonly _ctx: ModuleContext;
  /** The module's name (its folder's name). */
  readonly module_name: string;

  constructor(module_name: string, ctx: ModuleContext) {
    this.module_name = module_name;
    this._ctx = ctx;
  }

  /** The module's logger (`this.log.info(...)`), at the level `log_level` or `debug_mgr` sets. */
  get log(): ModuleLogger {
    return this._ctx.log;
  }

  /** A child logger named `<module>.<name>`. */
  getLogger(name?: string): ModuleLogger {
    return name ? this._ctx.childLogger(name) : this._ctx.log;
  }

  /** Seconds since the epoch, from the daemon's clock (virtual time under `mgrd sim`). */
  now(): number {
    return this._ctx.clock.now();
  }

  /**
   * Waits `seconds` on the daemon's clock; wakes early when the module is shut down (check
   * `shutting_down` after it, as Ceph modules check the event `wait()` returns).
   *
   * A sleep begun once shutdown has started waits its full time, then rejects with
   * {@linkcode ModuleShuttingDown}: a loop that never looks at `shutting_down`
   * (`while (true) await this.sleep(1)`) ends instead of spinning, and cannot keep
   * `mgr module disable` or the daemon's stop from finishing.
   */
  async sleep(seconds: number): Promise<void> {
    const signal = this._ctx.shutdownSignal;
    if (signal.aborted) {
      await this._ctx.clock.sleep(seconds);
      throw new ModuleShuttingDown(this.module_name);
    }
    await this._ctx.clock.sleep(seconds, signal);
  }

  /** True once the host has asked the module to stop: `serve()` loops should end. */
  get shutting_down(): boolean {
    return this._ctx.shutdownSignal.aborted;
  }

  /** This manager daemon's id (the `x` of `mgr.x`). */
  get_mgr_id(): string {
    return this._ctx.mgrId;
  }

  /** The full version string, e.g. `ceph version 16.2.15 (...) pacific (stable)`. */
  get version(): string {
    return CEPH_VERSION;
  }

  /** The release name, `pacific`. */
  get release_name(): string {
    return RELEASE_NAME;
  }

  /** @internal The option declarations of this module, with the built-ins. */
  protected abstract _options(): ReadonlyMap<string, OptionDecl>;

  /** @internal */
  protected _typedOption(key: string, text: string | undefined, dflt: unknown): unknown {
    const decl = this._options().get(key);
    if (text !== undefined) return typedOptionValue(decl?.type, text);
    const declared = decl ? declaredDefault(decl) : null;
    return declared ?? dflt ?? null;
  }

  /**
   * This module's option, typed as declared (spec §4.2). When unset: the declared default,
   * else `dflt`.
   *
   * @example
   * ```ts ignore
   * const interval = this.get_module_option("interval") as number;
   * ```
   */
  get_module_option(key: string, dflt: OptionValue | null = null): OptionValue | null {
    return this._typedOption(key, this._ctx.moduleOptionText(this.module_name, key), dflt) as
      | OptionValue
      | null;
  }

  /** Like `get_module_option`, but `mgr/<module>/<mgr_id>/<key>` wins over `mgr/<module>/<key>`. */
  get_localized_module_option(key: string, dflt: OptionValue | null = null): OptionValue | null {
    const text = this._ctx.moduleOptionText(this.module_name, key, this._ctx.mgrId);
    return this._typedOption(key, text, dflt) as OptionValue | null;
  }

  /**
   * This module's option as another manager daemon sees it (Ceph's `_get_module_option` with
   * a `localized_prefix`): `mgr/<module>/<localizedPrefix>/<key>` wins over
   * `mgr/<module>/<key>`; unset, the declared default, else `dflt`. Without a prefix it is
   * `get_module_option`.
   *
   * @example Each manager's exporter port, as `prometheus file_sd_config` lists them
   * ```ts ignore
   * const port = this._get_module_option("server_port", 9283, "y") as number;
   * ```
   */
  _get_module_option(
    key: string,
    dflt: OptionValue | null = null,
    localizedPrefix = "",
  ): OptionValue | null {
    const text = this._ctx.moduleOptionText(this.module_name, key, localizedPrefix || undefined);
    return this._typedOption(key, text, dflt) as OptionValue | null;
  }

  /** The module's value for `key` in its KV store, or `dflt`. */
  get_store(key: string, dflt: string | null = null): string | null {
    return this._ctx.storeGet(key) ?? dflt;
  }

  /** `<mgr_id>/<key>` from the KV store, else `<key>`, else `dflt`. */
  get_localized_store(key: string, dflt: string | null = null): string | null {
    return this._ctx.storeGet(`${this._ctx.mgrId}/${key}`) ?? this._ctx.storeGet(key) ?? dflt;
  }

  /** This manager's first IP address (127.0.0.1 for the embedded cluster). */
  get_mgr_ip(): string {
    const ips = this._ctx.get("mgr_ips") as { ips?: string[] } | null;
    return ips?.ips?.[0] ?? this.get_hostname();
  }

  /** The local host's name. */
  get_hostname(): string {
    return Deno.hostname();
  }

  /** Runs until the module is shut down. Override it; return when `shutting_down`. */
  async serve(): Promise<void> {}

  /** Called on disable and daemon stop; must make `serve()` return. */
  shutdown(): void | Promise<void> {}
}

/**
 * The base class of every manager module (Ceph's `MgrModule`).
 *
 * @example
 * ```ts
 * import { MgrModule, NotifyType, Option } from "mgr_module";
 *
 * export class Watch extends MgrModule {
 *   static override NOTIFY_TYPES = [NotifyType.osd_map];
 *   static override MODULE_OPTIONS = [Option({ name: "threshold", type: "int", default: 3 })];
 *
 *   override notify(type: NotifyType, id: string): void {
 *     this.log.debug(`got ${type} ${id}`);
 *   }
 *
 *   override async serve(): Promise<void> {
 *     while (!this.shutting_down) {
 *       await this.set_store("last_run", String(this.now()));
 *       await this.sleep(30);
 *     }
 *   }
 * }
 * ```
 */
export class MgrModule extends ModuleBase {
  /** Legacy command list, answered by {@linkcode MgrModule.handle_command}. */
  static COMMANDS: CommandDict[] = [];
  /** The module's options (built-in logging options are added by the host). */
  static MODULE_OPTIONS: OptionDecl[] = [];
  /** The notifications the module wants (none when empty). */
  static NOTIFY_TYPES: NotifyType[] = [];
  /** The cluster pool modules may keep data in. */
  static readonly MGR_POOL_NAME = ".mgr";

  static readonly PRIO_CRITICAL = 10;
  static readonly PRIO_INTERESTING = 8;
  static readonly PRIO_USEFUL = 5;
  static readonly PRIO_UNINTERESTING = 2;
  static readonly PRIO_DEBUGONLY = 0;

  /**
   * Whether the module can run here, and why not. Checked at load; `[false, reason]` keeps the
   * module from being enabled without `--force`.
   */
  static can_run(): [boolean, string] {
    return [true, ""];
  }

  /** @internal */
  protected override _options(): ReadonlyMap<string, OptionDecl> {
    return (this._ctx as ModuleContext & { options: ReadonlyMap<string, OptionDecl> }).options;
  }

  /** Called for each notification type listed in `NOTIFY_TYPES`, in order, one at a time. */
  notify(_notify_type: NotifyType, _notify_id: string): void | Promise<void> {}

  /** Called after any change of the manager's configuration. */
  config_notify(): void | Promise<void> {}

  /** Answers commands from `COMMANDS` (the legacy path; decorated commands go to their method). */
  handle_command(
    _inbuf: string,
    cmd: Record<string, unknown>,
  ): CommandReturn | Promise<CommandReturn> {
    return new HandleCommandResult(-22, "", `Command not handled: ${String(cmd.prefix)}`);
  }

  /** Runs by `mgr self-test module <name>`; throw to fail; may return a string. */
  self_test(): unknown {
    return undefined;
  }

  /**
   * Sets one of this module's options through the mon. Rejects (ValueError-like) with the mon's
   * message when the value does not fit the declaration; `null` removes it.
   */
  async set_module_option(key: string, val: OptionValue | null): Promise<void> {
    if (!this._options().has(key)) {
      throw new Error(
        `Config option '${key}' is not in ${this.constructor.name}.MODULE_OPTIONS`,
      );
    }
    await this._ctx.setModuleOptionText(
      this.module_name,
      key,
      val === null ? null : pythonStr(val),
    );
  }

  /** Sets `mgr/<module>/<mgr_id>/<key>`. */
  async set_localized_module_option(key: string, val: OptionValue | null): Promise<void> {
    if (!this._options().has(key)) {
      throw new Error(
        `Config option '${key}' is not in ${this.constructor.name}.MODULE_OPTIONS`,
      );
    }
    await this._ctx.setModuleOptionText(
      this.module_name,
      `${this._ctx.mgrId}/${key}`,
      val === null ? null : pythonStr(val),
    );
  }

  override get_module_option(key: string, dflt: OptionValue | null = null): OptionValue | null {
    if (!this._options().has(key)) {
      throw new Error(
        `Config option '${key}' is not in ${this.constructor.name}.MODULE_OPTIONS`,
      );
    }
    return super.get_module_option(key, dflt);
  }

  /**
   * Another module's option `mgr/<module>/<key>`, typed by that module's declaration when it is
   * known; unset → `dflt` (that module's declared default is not applied, as in Ceph).
   */
  get_module_option_ex(
    module: string,
    key: string,
    dflt: OptionValue | null = null,
  ): OptionValue | null {
    if (module === this.module_name) return this.get_module_option(key, dflt);
    const text = this._ctx.moduleOptionText(module, key);
    if (text === undefined) return dflt;
    const info = this._ctx.get("mgr_map") as
      | { available_modules?: { name: string; module_options: Record<string, { type: string }> }[] }
      | null;
    const type = info?.available_modules?.find((m) => m.name === module)?.module_options[key]?.type;
    return typedOptionValue(type as OptionDecl["type"], text);
  }

  /** Sets another module's option `mgr/<module>/<key>`. */
  async set_module_option_ex(module: string, key: string, val: OptionValue | null): Promise<void> {
    if (module === this.module_name) return this.set_module_option(key, val);
    await this._ctx.setModuleOptionText(module, key, val === null ? null : pythonStr(val));
  }

  /** A daemon option (`debug_mgr`, `mgr_stats_period`, ...); throws for an unknown key. */
  get_ceph_option(key: string): OptionValue {
    const value = this._ctx.cephOption(key);
    if (value === undefined) throw new Error(`option not found: ${key}`);
    return value;
  }

  /**
   * A Ceph option as another daemon or client (`osd.3`, `mon.a`, `osd`, `client.admin`) gets
   * it from the mon's config DB: its own section over its type's over `global`, an OSD's
   * `host:` and `class:` masked entries by its CRUSH location and device class, else the
   * compiled-in default (a client's for `client.*`). Typed as the option's schema says. Only
   * Ceph's own options, not modules'; throws `option not found: <key>` for an unknown option
   * and `invalid entity: <entity>` for an unknown daemon type, as Ceph raises KeyError.
   *
   * @example
   * ```ts ignore
   * const backfills = this.get_foreign_ceph_option("osd.3", "osd_max_backfills") as number;
   * ```
   */
  get_foreign_ceph_option(entity: string, key: string): OptionValue {
    return this._ctx.foreignCephOption(entity, key);
  }

  /**
   * Whether the caller of the command being handled may run it with `arguments` (Ceph checks
   * its caps for service `py`, this module and these arguments). False outside a command
   * handler. mgrd's caps are `allow *` and `allow [r][w][x]` only, so arguments narrow
   * nothing: during a command this is whether the caller's caps grant the command's perm.
   *
   * @example
   * ```ts ignore
   * if (!this.is_authorized({ pool: poolName })) {
   *   return new HandleCommandResult(-EACCES, "", "access denied");
   * }
   * ```
   */
  is_authorized(arguments_: Readonly<Record<string, string>>): boolean {
    return this._ctx.isAuthorized(arguments_);
  }

  /**
   * Stores `val` under `key` in the module's KV store (`null` deletes). Resolves once the mon has
   * committed it; `get_store(key)` answers the new value from then on, and the old one until
   * then. Rejects with a {@linkcode MonWriteError} when the mon refuses it (`errno` -EFBIG for a
   * value over `mon_config_key_max_entry_size`, 64 KiB by default) or cannot be reached within
   * {@linkcode WRITE_TIMEOUT_SECONDS} (-ETIMEDOUT); the store then still holds the old value,
   * and the write may simply be retried.
   */
  async set_store(key: string, val: string | null): Promise<void> {
    await this._ctx.storeSet(key, val);
  }

  /** Stores under `<mgr_id>/<key>`. */
  async set_localized_store(key: string, val: string | null): Promise<void> {
    await this._ctx.storeSet(`${this._ctx.mgrId}/${key}`, val);
  }

  /** Every KV entry whose key starts with `prefix`, keyed relative to the module. */
  get_store_prefix(prefix: string): Record<string, string> {
    return this._ctx.storePrefix(prefix);
  }

  /** Whether the manager's mon session is up. */
  have_mon_connection(): boolean {
    return this._ctx.haveMonConnection();
  }

  /**
   * Sends a mon command and waits for `[retval, stdout, stderr]`. While the mon is unreachable
   * the command waits; `timeout` (seconds) ends the wait with `-ETIMEDOUT`.
   *
   * @example
   * ```ts ignore
   * const [r, outb, outs] = await this.mon_command({ prefix: "osd pool ls", format: "json" });
   * const [r2] = await this.mon_command({ prefix: "osd set", key: "noout" }, undefined, { timeout: 10 });
   * ```
   */
  async mon_command(
    cmd: Record<string, unknown>,
    inbuf?: string,
    options: { timeout?: number } = {},
  ): Promise<[number, string, string]> {
    const started = this.now();
    const result = await this._ctx.monCommand(cmd, inbuf, options);
    this.log.debug(
      `mon_command: '${String(cmd.prefix)}' -> ${result.r} in ${
        (this.now() - started).toFixed(3)
      }s`,
    );
    return [result.r, result.outb, result.outs];
  }

  /** Like `mon_command`, but throws {@linkcode MonCommandFailed} when the retval is not 0. */
  async check_mon_command(
    cmd: Record<string, unknown>,
    inbuf?: string,
  ): Promise<HandleCommandResult> {
    const [r, outb, outs] = await this.mon_command(cmd, inbuf);
    if (r !== 0) throw new MonCommandFailed(`${String(cmd.prefix)} failed: ${outs} retval: ${r}`);
    return new HandleCommandResult(r, outb, outs);
  }

  /**
   * Sends `command` (a JSON string, `{"prefix": ..., ...args}`) to a daemon, without waiting:
   * `result` is completed when the answer arrives, then every module listing
   * `NotifyType.command` gets `notify("command", tag)`. `svc_type` is `mon` (`svc_id` ignored),
   * `osd` (`svc_id` a numeric id), `mds` (`svc_id` a name, gid or rank like `cephfs:0`) or `pg`
   * (`svc_id` a pgid like `1.1f`). Throws (Ceph's ValueError) for an invalid id or service type,
   * and (its RuntimeError) for an MDS the FSMap does not hold.
   *
   * @example
   * ```ts ignore
   * const result = new CommandResult("noout");
   * this.send_command(result, "mon", "", JSON.stringify({ prefix: "osd set", key: "noout" }), "noout");
   * const [r, outb, outs] = await result.wait(); // outs: "noout is set"
   * ```
   */
  send_command(
    result: CommandResult,
    svc_type: string,
    svc_id: string,
    command: string,
    tag: string,
    inbuf?: string,
  ): void {
    if (svc_type === "osd") {
      if (!/^\d+$/.test(String(svc_id))) throw new Error(`invalid osd_id: "${svc_id}"`);
    } else if (svc_type === "pg") {
      if (!/^\d+\.[0-9a-fA-F]+$/.test(String(svc_id))) throw new Error("invalid pgid");
    } else if (svc_type === "mds") {
      // The CephFS client resolves the MDS before sending, and fails at once when it cannot.
      if (resolveMds(this.get("fs_map"), String(svc_id)) === undefined) {
        throw new Error("failed to send command to mds: (2) No such file or directory");
      }
    } else if (svc_type !== "mon") {
      throw new Error(`unknown service type: ${svc_type}`);
    }
    result._useClock(this._ctx.clock);
    const finish = (r: number, outb: string, outs: string) => {
      result.complete(r, outb, outs);
      this._ctx.notifyCommand(tag);
    };
    let cmd: Record<string, unknown>;
    try {
      cmd = JSON.parse(command);
    } catch (e) {
      // The daemon rejects a command it cannot parse; the answer still arrives asynchronously.
      queueMicrotask(() =>
        finish(-errno.EINVAL, "", `failed to parse json: ${(e as Error).message}`)
      );
      return;
    }
    this._ctx.daemonCommand(svc_type, String(svc_id), cmd, inbuf).then(
      (res) => finish(res.r, res.outb, res.outs),
      (e) => finish(-errno.EIO, "", String((e as Error)?.message ?? e)),
    );
  }

  /**
   * Sends a command to the OSD `cmd_dict.id` and waits for `[retval, stdout, stderr]`.
   *
   * @example
   * ```ts ignore
   * const [r, outb] = await this.osd_command({ prefix: "perf dump", id: 3 });
   * ```
   */
  osd_command(
    cmd_dict: Record<string, unknown>,
    inbuf?: string,
  ): Promise<[number, string, string]> {
    return this.tell_command("osd", String(cmd_dict.id), cmd_dict, inbuf);
  }

  /**
   * `ceph tell <daemon_type>.<daemon_id> ...`: sends `cmd_dict` and waits for
   * `[retval, stdout, stderr]`; `daemon_type` as {@linkcode send_command} takes it (`osd`,
   * `mds`, `mon`, `pg`), and it throws as that does. Later Ceph releases' helper: 16.2's
   * MgrModule has no `tell_command`, modules written for it call `send_command`.
   *
   * @example
   * ```ts ignore
   * const [r, outb] = await this.tell_command("osd", "0", { prefix: "version" });
   * const [, status] = await this.tell_command("mds", "cephfs:0", { prefix: "status" });
   * ```
   */
  async tell_command(
    daemon_type: string,
    daemon_id: string,
    cmd_dict: Record<string, unknown>,
    inbuf?: string,
  ): Promise<[number, string, string]> {
    const result = new CommandResult("");
    this.send_command(result, daemon_type, daemon_id, JSON.stringify(cmd_dict), "", inbuf);
    return await result.wait();
  }

  /** Replaces this module's health checks; `{}` clears them. */
  set_health_checks(checks: HealthChecks): void {
    this._ctx.setHealthChecks(checks);
  }

  /**
   * Writes to the cluster log (`log last` shows it; modules listening for `clog` hear it).
   *
   * @example
   * ```ts ignore
   * this.cluster_log("cluster", ClusterLogPrio.WARN, "pool rbd is almost full");
   * ```
   */
  cluster_log(channel: string, priority: number | string, message: string): void {
    this._ctx.clusterLog(channel, String(priority), message);
  }

  /**
   * Creates or updates a progress event (shown by `status` when `add_to_ceph_s`); `progress`
   * runs from 0 to 1.
   */
  update_progress_event(
    evid: string,
    desc: string,
    progress: number,
    add_to_ceph_s = false,
  ): void {
    this._ctx.updateProgress(evid, desc, progress, add_to_ceph_s);
  }

  /** Removes a progress event. */
  complete_progress_event(evid: string): void {
    this._ctx.completeProgress(evid);
  }

  /** Removes every progress event. */
  clear_all_progress_events(): void {
    this._ctx.clearProgress();
  }

  /**
   * `n` in whole binary units once it is over ten of them (`64 Mi`), else `n` and a space:
   * append the unit (`B/s`) yourself.
   *
   * @example
   * ```ts
   * import { MgrModule } from "mgr_module";
   * console.assert(MgrModule.to_pretty_iec(64 * 1024 * 1024) + "B/s" === "64 MiB/s");
   * ```
   */
  static to_pretty_iec(n: number): string {
    return toPrettyIec(n);
  }

  /**
   * The name of major release `major` as a 16.2 manager knows them (`ceph_release_name`):
   * `argonaut` (1) to `pacific` (16), `unknown` for 0 and later ones, `unspecified` below 0.
   *
   * @example
   * ```ts
   * import { MgrModule } from "mgr_module";
   * console.assert(MgrModule.lookup_release_name(16) === "pacific");
   * ```
   */
  static lookup_release_name(major: number): string {
    if (major < 0) return "unspecified";
    return CEPH_RELEASES[major - 1] ?? "unknown";
  }

  /** {@linkcode MgrModule.lookup_release_name}, called on the module. */
  lookup_release_name(major: number): string {
    return MgrModule.lookup_release_name(major);
  }

  /** {@linkcode MgrModule.to_pretty_iec}, called on the module as Ceph's modules do. */
  to_pretty_iec(n: number): string {
    return toPrettyIec(n);
  }

  /**
   * A table row for polling commands: each element right-aligned in `width / elems.length`
   * columns, `|`-separated, no newline.
   *
   * @example
   * ```ts
   * import { MgrModule } from "mgr_module";
   * console.assert(MgrModule.get_pretty_row(["a", "b"], 10) === "|  a |  b |");
   * ```
   */
  static get_pretty_row(elems: readonly string[], width: number): string {
    return prettyRow(elems, width);
  }

  /** {@linkcode MgrModule.get_pretty_row}, called on the module as Ceph's modules do. */
  get_pretty_row(elems: readonly string[], width: number): string {
    return prettyRow(elems, width);
  }

  /**
   * Like `get_pretty_row`, between two dashed lines, for a table's title; ends in a newline.
   *
   * @example
   * ```ts ignore
   * const out = this.get_pretty_header(["Read", "Write"], 80) + this.get_pretty_row(["1", "2"], 80);
   * ```
   */
  get_pretty_header(elems: readonly string[], width: number): string {
    return prettyHeader(elems, width);
  }

  /** Publishes the module's service URI (shown by `mgr services`). */
  set_uri(uri: string): void {
    this._ctx.setUri(uri);
  }

  /** Calls `method` of another enabled module with structured-cloned arguments. */
  remote(module_name: string, method_name: string, ...args: unknown[]): Promise<unknown> {
    return this._ctx.remote(module_name, method_name, args);
  }

  /**
   * A named piece of cluster state (spec §10): `osd_map`, `pg_summary`, `df`, `health`, ...
   * The result is a frozen snapshot shared by every caller until the state changes (so a call
   * costs next to nothing); ask for `{ mutable: true }` to get a private copy. Unknown names
   * answer null. V8 walks frozen arrays several times more slowly than plain ones (`find` over
   * 10,000 entries: 200 µs instead of 11 µs): to look many things up, index the array once
   * (`new Map(osds.map((o) => [o.osd, o]))`).
   *
   * @example
   * ```ts ignore
   * const osdMap = this.get("osd_map") as { epoch: number; osds: { osd: number; up: number }[] };
   * const down = osdMap.osds.filter((o) => !o.up).length;
   * ```
   */
  get(data_name: string, options: { mutable?: boolean } = {}): unknown {
    return this._ctx.get(data_name, options.mutable === true);
  }

  /** A daemon's metadata (`{hostname, ...}`), or `dflt` when the daemon is unknown. */
  get_metadata<D = null>(
    svc_type: string,
    svc_id: string,
    dflt: D = null as D,
  ): Readonly<Record<string, string>> | D {
    return this._ctx.daemons().get_metadata(svc_type, String(svc_id), dflt);
  }

  /** A daemon's status map, or null when the daemon is unknown. */
  get_daemon_status(svc_type: string, svc_id: string): Readonly<Record<string, string>> | null {
    return this._ctx.daemons().get_daemon_status(svc_type, String(svc_id));
  }

  /** A host and the daemons on it (`{hostname, services, ceph_version}`). */
  get_server(hostname: string): unknown {
    return this._ctx.daemons().get_server(hostname);
  }

  /** Every host that some daemon's metadata names. */
  list_servers(): readonly unknown[] {
    return this._ctx.daemons().list_servers();
  }

  /** Counter schemas, `{"osd.0": {path: {description, type, priority, units}}}`; null or "" match all. */
  get_perf_schema(svc_type: string | null, svc_name: string | null): unknown {
    return this._ctx.perf.get_perf_schema(svc_type, svc_name);
  }

  /** The last points of a counter: `{path: [[t, v], ...]}` (averages: `[t, sum, count]`). */
  get_counter(svc_type: string, svc_name: string, path: string): Record<string, number[][]> {
    return this._ctx.perf.get_counter(svc_type, String(svc_name), path);
  }

  /** The newest point of a counter: `{path: [t, v]}` or `{path: []}`. */
  get_latest_counter(svc_type: string, svc_name: string, path: string): Record<string, number[]> {
    return this._ctx.perf.get_latest_counter(svc_type, String(svc_name), path);
  }

  /** The newest value of a counter, or 0. */
  get_latest(svc_type: string, svc_name: string, path: string): number {
    return this._ctx.perf.get_latest(svc_type, String(svc_name), path);
  }

  /** The newest `[sum, count]` of a long-running average, or `[0, 0]`. */
  get_latest_avg(svc_type: string, svc_name: string, path: string): [number, number] {
    return this._ctx.perf.get_latest_avg(svc_type, String(svc_name), path);
  }

  /**
   * Every counter of priority ≥ `prio_limit` of the listed services' daemons, with its
   * latest value: `{"osd.0": {path: {...schema, value, count?}}}`.
   */
  get_all_perf_counters(
    prio_limit: number = MgrModule.PRIO_USEFUL,
    services: readonly string[] = ["mds", "mon", "osd", "rbd-mirror", "rgw", "tcmu-runner"],
  ): unknown {
    return this._ctx.perf.get_all_perf_counters(
      prio_limit,
      services,
      this._ctx.daemons().serviceDaemons(),
    );
  }

  /**
   * The health metrics the daemons report, by daemon: `{"mon.a": [{value: 0, type:
   * "SLOW_OPS"}], "osd.2": [{value: 12, type: "SLOW_OPS"}, {value: 0, type:
   * "PENDING_CREATING_PGS"}]}` (`value` counts slow ops, or PGs waiting to be created). Every
   * OSD and mon that has reported is there, zeros included, as in Ceph; daemons by type, then
   * name as a string. The result is the module's own copy.
   *
   * @example
   * ```ts ignore
   * for (const [daemon, metrics] of Object.entries(this.get_daemon_health_metrics())) {
   *   const slow = metrics.find((m) => m.type === "SLOW_OPS")?.value ?? 0;
   *   if (slow > 0) this.log.warning(`${daemon} has ${slow} slow ops`);
   * }
   * ```
   */
  get_daemon_health_metrics(): Record<string, DaemonHealthMetric[]> {
    return this._ctx.daemonHealthMetrics();
  }

  /**
   * Records a device's wear level (0 new, 1 worn out; negative removes it): `get('devices')`,
   * `get('device <devid>')` and `device info` show it from then on, and it is stored in the
   * mon's `device/<devid>` config-key with the device's other metadata, where the next
   * manager reads it. Resolves once the mon has it; rejects with a `MonWriteError` as
   * `set_store` does.
   *
   * @example
   * ```ts ignore
   * await this.set_device_wear_level("SEAGATE_ST4000_Z1Z0AB12", 0.12);
   * ```
   */
  async set_device_wear_level(devid: string, wear_level: number): Promise<void> {
    await this._ctx.setDeviceWearLevel(devid, wear_level);
  }

  // --- OSD perf queries (Ceph's add_osd_perf_query and its kin) ---

  /**
   * Asks the OSDs to count their client ops by a key, and returns the query's id, or null
   * when the query is refused (the reason is in the module's log, as Ceph logs it) or the
   * cluster's OSDs do not report to this manager (a real cluster's report to its ceph-mgr).
   * The query is Ceph's dict:
   *
   * - `key_descriptor`: a list of `{type, regex}`; `type` one of `client_id`,
   *   `client_address`, `pool_id`, `namespace`, `osd_id`, `pg_id`, `object_name`, `snap_id`;
   *   the regex (JavaScript's, which is ECMAScript as std::regex is) needs a capturing group:
   *   an op counts under the groups it captures, and not at all when it does not match;
   * - `performance_counter_descriptors`: what to count, from `ops`, `write_ops`, `read_ops`,
   *   `bytes`, `write_bytes`, `read_bytes`, `latency`, `write_latency`, `read_latency`;
   * - `limit` (optional): `{order_by, max_count}`, at most `max_count` keys per OSD report,
   *   drawn by weight of the `order_by` counter.
   *
   * The simulator's OSDs count the workload's clients (sim/cluster/osd_perf_stats.ts says how
   * its ops are keyed).
   *
   * @example Write ops per pool, fetched once a minute
   * ```ts ignore
   * const id = this.add_osd_perf_query({
   *   key_descriptor: [{ type: "pool_id", regex: "^(.*)$" }],
   *   performance_counter_descriptors: ["write_ops", "write_latency"],
   * });
   * await this.sleep(60);
   * for (const { k, c } of this.get_osd_perf_counters(id!)?.counters ?? []) {
   *   this.log.info(`pool ${k[0]![0]}: ${c[0]![0]} writes, ${c[1]![0] / (c[1]![1] || 1)} ns each`);
   * }
   * ```
   */
  add_osd_perf_query(query: Readonly<Record<string, unknown>>): number | null {
    const collector = this._ctx.osdPerfQueries?.();
    if (!collector) {
      this.log.error(
        "add_osd_perf_query: the cluster's OSDs do not report to this manager; no query added",
      );
      return null;
    }
    try {
      const { query: checked, limit } = parseOsdPerfQuery(query);
      return collector.add(checked, limit);
    } catch (e) {
      if (!(e instanceof OsdPerfQueryError)) throw e;
      this.log.error(e.message);
      return null;
    }
  }

  /** Stops an OSD perf query; an unknown id is logged and ignored, as in Ceph. */
  remove_osd_perf_query(query_id: number): void {
    if (!this._ctx.osdPerfQueries?.()?.remove(query_id)) {
      this.log.error(
        `remove_osd_perf_query for query_id=${query_id} failed: (2) No such file or directory`,
      );
    }
  }

  /**
   * What the OSDs counted for a query since the last call (each call takes what came since):
   * `{counters: [{k, c}]}`, one entry per key in key order, `k` the regex groups of each
   * sub-key, `c` a `[value, count]` pair per counter descriptor (`count` is the number of ops
   * for latencies, which are summed nanoseconds, and 0 for the others). Null for an unknown id.
   */
  get_osd_perf_counters(query_id: number): OsdPerfCounters | null {
    return this._ctx.osdPerfQueries?.()?.counters(query_id) ?? null;
  }

  /** Whether a pool of that name exists in the OSD map. */
  pool_exists(pool_name: string): boolean {
    const map = this.get("osd_map") as { pools?: { pool_name: string }[] } | null;
    return map?.pools?.some((p) => p.pool_name === pool_name) ?? false;
  }

  /** Whether at least `osd_pool_default_size` OSDs are up and in. */
  have_enough_osds(): boolean {
    const map = this.get("osd_map") as { osds?: { up: number; in: number }[] } | null;
    const upIn = map?.osds?.filter((o) => o.up && o.in).length ?? 0;
    return upIn >= Number(this._ctx.cephOption("osd_pool_default_size") ?? 3);
  }

  // --- librados (Ceph's self.rados) ---

  #rados: Rados | undefined;

  /**
   * The module's librados handle: pools and objects of the cluster, every call async. Objects
   * live on the pool's PGs: an operation on an object whose PG is not active waits, up to
   * `rados_osd_op_timeout` (then TimedOut); pool operations are mon commands and wait for the
   * mon, up to `rados_mon_op_timeout`.
   *
   * @example
   * ```ts ignore
   * const ioctx = await this.rados.open_ioctx("rbd");
   * await ioctx.set_omap("state", ["last_run"], [String(this.now())]);
   * ```
   */
  get rados(): Rados {
    return this.#rados ??= new Rados(this._ctx);
  }

  // --- libcephfs (what Ceph's modules mount through mgr_util's CephfsClient) ---

  #cephfs: CephFS | undefined;

  /**
   * The module's CephFS client: directories and their sizes in the cluster's file systems,
   * every call async. On a link that reaches no MDS every call throws CephFSError EOPNOTSUPP.
   *
   * @example
   * ```ts ignore
   * const used = (await this.cephfs.mount("vol1").statx("/volumes")).size;
   * ```
   */
  get cephfs(): CephFS {
    return this.#cephfs ??= new CephFS(this._ctx);
  }

  /**
   * A random version 4 UUID (Python's `str(uuid.uuid4())`), from the daemon's Random port
   * (seeded in the simulator, so a run repeats). Throws when the daemon has no source.
   *
   * @example
   * ```ts ignore
   * const dir = `/volumes/_nogroup/${name}/${this.uuid4()}`;
   * ```
   */
  uuid4(): string {
    const random = this._ctx.random?.();
    if (!random) throw new Error("this manager has no source of randomness (Random port)");
    return uuid4(random);
  }

  // --- The OSD map as an object (Ceph's get_osdmap()) ---

  /**
   * The cluster's OSD map as an {@linkcode OSDMap}: placement of PGs (`map_pool_pgs_up`),
   * pools, the CRUSH map (`get_crush()`) and what a change would do (`new_incremental()`,
   * `apply_incremental()`, `calc_pg_upmaps()`). Built from `get('osd_map')` and
   * `get('osd_map_crush')`, once per epoch: callers share it until the map changes.
   *
   * @example
   * ```ts ignore
   * const osdmap = this.get_osdmap();
   * const inc = osdmap.new_incremental();
   * const moved = osdmap.calc_pg_upmaps(inc, 5, 10, []);
   * this.log.info(`epoch ${osdmap.get_epoch()}: ${moved} PGs could move`);
   * ```
   */
  get_osdmap(): OSDMap {
    const dump = this.get("osd_map") as OsdMapDump | null;
    const crush = this.get("osd_map_crush") as CrushDump | null;
    if (!dump || !crush) throw new Error("get_osdmap: the manager has no OSD map yet");
    const known = _osdMaps.get(dump);
    if (known && known.crush === crush) return known.map;
    const map = new OSDMap(dump, crush);
    _osdMaps.set(dump, { crush, map });
    return map;
  }

  // ---- Bulk readers for exporters (not in Ceph's API; the prometheus module's) ----

  /**
   * The perf counters {@linkcode get_all_perf_counters} lists (same daemons, same order), as
   * typed arrays instead of an object per counter: per daemon its counter layout (paths and
   * schema in `layouts[i].schemaJson`, `priorities`, `slotOf`, `avg`, `sorted`), its ring of
   * points and where its newest point starts. Filter by priority yourself. The arrays are the
   * SDK's own, read-only, and stay the same objects until a daemon comes, goes or redeclares
   * its counters; `offsets` moves with every report.
   *
   * @example
   * ```ts ignore
   * const bulk = this.perf_counters_bulk();
   * for (let i = 0; i < bulk.names.length; i++) {
   *   const layout = bulk.layouts[i]!, c = layout.indexOf("osd.op_w");
   *   const value = c < 0 || bulk.offsets[i]! < 0
   *     ? 0
   *     : bulk.rings[i]![bulk.offsets[i]! + layout.slotOf[c]!]!;
   *   this.log.info(`${bulk.names[i]} op_w ${value}`);
   * }
   * ```
   */
  perf_counters_bulk(
    services: readonly string[] = ["mds", "mon", "osd", "rbd-mirror", "rgw", "tcmu-runner"],
  ): PerfCounterBulk {
    return this._ctx.perf.bulk(services, this._ctx.daemons().serviceDaemons());
  }

  /**
   * What `get("osd_stats")` says of each OSD's `perf_stat` latencies, as typed arrays in the
   * same order (highest OSD id first), without building its entries. Read-only; the same
   * object while the PG statistics do not change.
   *
   * @example
   * ```ts ignore
   * const s = this.osd_perf_stats_bulk();
   * for (let i = 0; i < s.osd.length; i++) {
   *   if (s.commit_latency_ms[i]! > 100) this.log.warning(`osd.${s.osd[i]} is slow`);
   * }
   * ```
   */
  osd_perf_stats_bulk(): OsdPerfStats {
    if (this._ctx.osdPerfStats) return this._ctx.osdPerfStats();
    const view = this.get("osd_stats") as
      | { osd_stats?: readonly { osd: number; perf_stat?: Record<string, number> }[] }
      | null;
    const list = view?.osd_stats ?? [];
    return {
      osd: Int32Array.from(list, (o) => o.osd),
      apply_latency_ms: Float64Array.from(list, (o) => o.perf_stat?.apply_latency_ms ?? 0),
      commit_latency_ms: Float64Array.from(list, (o) => o.perf_stat?.commit_latency_ms ?? 0),
    };
  }

  /**
   * What {@linkcode get_daemon_health_metrics} says, as parallel arrays with one entry per
   * metric in the same order, without an object per metric. Read-only; the same object while
   * no daemon comes, goes or changes its metric types, its `value` rewritten after reports.
   *
   * @example
   * ```ts ignore
   * const h = this.daemon_health_metrics_bulk();
   * for (let i = 0; i < h.daemon.length; i++) {
   *   if (h.type[i] === "SLOW_OPS" && h.value[i]! > 0) this.log.warning(`${h.daemon[i]} is slow`);
   * }
   * ```
   */
  daemon_health_metrics_bulk(): DaemonHealthBulk {
    if (this._ctx.daemonHealthBulk) return this._ctx.daemonHealthBulk();
    const daemon: string[] = [], type: string[] = [], value: number[] = [];
    for (const [d, list] of Object.entries(this.get_daemon_health_metrics())) {
      for (const m of list) {
        daemon.push(d);
        type.push(m.type);
        value.push(m.value);
      }
    }
    return { daemon, type, value: Float64Array.from(value) };
  }
}

/** OSDMap objects by the frozen `osd_map` snapshot they were built from. */
const _osdMaps = new WeakMap<object, { crush: object; map: OSDMap }>();

/**
 * The class a module runs on standby managers (Ceph's `MgrStandbyModule`): no commands, no
 * notifications, no cluster maps; options, store reads and the active instance's URI.
 *
 * @example
 * ```ts
 * import { MgrStandbyModule } from "mgr_module";
 * export class StandbyModule extends MgrStandbyModule {
 *   override async serve(): Promise<void> {
 *     while (!this.shutting_down) {
 *       this.log.info(`active instance at ${this.get_active_uri()}`);
 *       await this.sleep(10);
 *     }
 *   }
 * }
 * ```
 */
export class MgrStandbyModule extends ModuleBase {
  /** Options mirror the active class's (set this to the active class's list). */
  static MODULE_OPTIONS: OptionDecl[] = [];

  /** @internal */
  protected override _options(): ReadonlyMap<string, OptionDecl> {
    return (this._ctx as ModuleContext & { options: ReadonlyMap<string, OptionDecl> }).options;
  }

  /** A daemon option as a string; undefined when unknown (no error, as in Ceph). */
  get_ceph_option(key: string): string | undefined {
    const value = this._ctx.cephOption(key);
    return value === undefined ? undefined : String(value);
  }

  /** The URI the active instance of this module published, "" when none. */
  get_active_uri(): string {
    return this._ctx.activeUri();
  }

  /** Only `mgr_ips` is available on a standby; anything else is null. */
  get(data_name: string): unknown {
    return data_name === "mgr_ips" ? this._ctx.get("mgr_ips") : null;
  }
}
