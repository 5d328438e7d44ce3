/**
 * The instruments of the harness's `stale` property: which cluster state a command's handler
 * read while the mon was away, and whether it asked `have_mon_connection()`.
 *
 * The harness runs each command it sends inside {@linkcode commandCalls}`.run(call, ...)`; the
 * module under test is a subclass the harness made (see target.ts) whose cluster-state accessors
 * and `have_mon_connection()` note into `commandCalls.getStore()`. The async context follows
 * the handler through its awaits, so what `serve()` or `notify()` read meanwhile (they run in
 * their own contexts) is not counted against the command. Nothing of this is installed outside
 * the harness: the manager's own `get()` path is untouched.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { MgrModule } from "../../core/mgr_module.ts";
import { GET_NAMES } from "../cluster/get.ts";

/** What one command call did, as the instruments saw it. */
export interface CommandCall {
  /** True while the module's handler for this call runs (set by the handler's wrapper). */
  handling: boolean;
  /** Cluster-state reads made while `have_mon_connection()` was false: `get('osd_map')`. */
  staleReads: string[];
  /** Whether the handler called `have_mon_connection()`. */
  checkedMon: boolean;
}

/** The call each harness command runs in. */
export const commandCalls: AsyncLocalStorage<CommandCall> = new AsyncLocalStorage<CommandCall>();

/** A fresh record for one command call. */
export function newCommandCall(): CommandCall {
  return { handling: false, staleReads: [], checkedMon: false };
}

/**
 * The SDK methods that read cluster state (besides `get()` of a cluster data name). Methods the
 * SDK does not have (`get_osdmap`) are skipped.
 */
export const CLUSTER_READS: readonly string[] = [
  "get_metadata",
  "get_daemon_status",
  "get_server",
  "list_servers",
  "get_counter",
  "get_latest_counter",
  "get_latest",
  "get_latest_avg",
  "get_all_perf_counters",
  "get_perf_schema",
  "pool_exists",
  "have_enough_osds",
  "get_osdmap",
  "get_daemon_health_metrics",
];

const CLUSTER_NAMES = new Set(GET_NAMES);

/**
 * Whether `get(name)` reads cluster state: the maps, statistics, metadata and health the
 * cluster reports (spec §10), and `device <devid>`. The manager's own names — `mgr_map` (its
 * modules and services), `mgr_ips`, `config`, `config_options`, `pg_ready`,
 * `have_local_config_map` — are not.
 *
 * @example
 * ```ts
 * import { isClusterDataName } from "./stale.ts";
 * if (!isClusterDataName("osd_map") || isClusterDataName("mgr_map")) throw new Error();
 * ```
 */
export function isClusterDataName(name: string): boolean {
  return CLUSTER_NAMES.has(name) || name.startsWith("device ");
}

function shown(value: unknown): string {
  return typeof value === "string" ? `'${value}'` : JSON.stringify(value) ?? String(value);
}

function note(self: MgrModule, what: () => string): void {
  const call = commandCalls.getStore();
  if (!call?.handling) return;
  // The base method: the module's own have_mon_connection() call is what we look for.
  if (!MgrModule.prototype.have_mon_connection.call(self)) call.staleReads.push(what());
}

type AnyMethod = (this: MgrModule, ...args: unknown[]) => unknown;

/**
 * Installs the read instruments on `proto` (the harness's subclass of the module's class):
 * `get()` of a cluster data name, each method of {@linkcode CLUSTER_READS}, and
 * `have_mon_connection()`. Each calls through to the method it shadows.
 */
export function instrumentClusterReads(proto: MgrModule): void {
  const base = Object.getPrototypeOf(proto) as Record<string, unknown>;
  const define = (name: string, method: AnyMethod) =>
    Object.defineProperty(proto, name, { value: method, writable: true, configurable: true });
  const get = base.get as AnyMethod;
  define("get", function (this: MgrModule, ...args: unknown[]) {
    const name = args[0];
    if (typeof name === "string" && isClusterDataName(name)) note(this, () => `get('${name}')`);
    return get.apply(this, args);
  });
  for (const name of CLUSTER_READS) {
    const method = base[name];
    if (typeof method !== "function") continue;
    define(name, function (this: MgrModule, ...args: unknown[]) {
      note(this, () => `${name}(${args.map(shown).join(", ")})`);
      return (method as AnyMethod).apply(this, args);
    });
  }
  const haveMon = base.have_mon_connection as AnyMethod;
  define("have_mon_connection", function (this: MgrModule, ...args: unknown[]) {
    const call = commandCalls.getStore();
    if (call?.handling) call.checkedMon = true;
    return haveMon.apply(this, args);
  });
}

/**
 * Wraps the command handlers of one instance (`handle_command` and the decorated methods) so
 * that the call record knows when its handler runs: reads made before it starts or after it
 * answers (a notify queued by the command, in the command's async context) are not its own.
 */
export function markHandlers(instance: MgrModule, methods: readonly (string | symbol)[]): void {
  const self = instance as unknown as Record<string | symbol, unknown>;
  for (const key of new Set<string | symbol>(["handle_command", ...methods])) {
    const handler = self[key];
    if (typeof handler !== "function") continue;
    const wrapped = async function (this: unknown, ...args: unknown[]) {
      const call = commandCalls.getStore();
      if (call) call.handling = true;
      try {
        return await handler.apply(this, args);
      } finally {
        if (call) call.handling = false;
      }
    };
    // The host reads a handler's arity (one without the inbuf parameter refuses -i input).
    Object.defineProperty(wrapped, "length", { value: handler.length });
    Object.defineProperty(self, key, { value: wrapped, writable: true, configurable: true });
  }
}

/**
 * The problem the `stale` property reports for a call, or undefined when there is none: the
 * call answered 0, read cluster state while the mon was away, and never asked
 * `have_mon_connection()`.
 */
export function staleProblem(prefix: string, r: number, call: CommandCall): string | undefined {
  if (r !== 0 || call.checkedMon || call.staleReads.length === 0) return undefined;
  return `while the mon was away, \`${prefix}\` answered 0 from cluster state (read ${
    call.staleReads[0]
  }) without checking have_mon_connection()`;
}
