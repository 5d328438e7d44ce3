/**
 * The orchestrator interface (Ceph's `orchestrator/_interface.py` of 16.2.15): the base class
 * an orchestrator backend module extends, the results it answers with, and the data it
 * describes the cluster in. The `orchestrator` module (`orch ...` commands) calls the backend
 * chosen with `orch set backend` through `remote()`, so results are plain, cloneable objects.
 *
 * @module
 */
import { MgrModule } from "./mgr_module.ts";
import * as errno from "../ceph/errno.ts";

/**
 * An orchestrator error a user can cause (Ceph's OrchestratorError): `errno` is negative.
 *
 * @example
 * ```ts ignore
 * throw new OrchestratorError(`Host ${hostname} not found`, -ENOENT);
 * ```
 */
export class OrchestratorError extends Error {
  override name = "OrchestratorError";
  constructor(message: string, readonly errno: number = -22) {
    super(message);
  }
}

/**
 * No backend is configured (`orch set backend`).
 *
 * @example
 * ```ts ignore
 * if (!backend) throw new NoOrchestrator();
 * ```
 */
export class NoOrchestrator extends OrchestratorError {
  override name = "NoOrchestrator";
  constructor(message = "No orchestrator configured (try `ceph orch set backend`)") {
    super(message, -errno.ENOENT);
  }
}

/**
 * A backend does not implement an operation (Python's NotImplementedError in a backend).
 *
 * @example
 * ```ts ignore
 * throw new OrchNotImplemented();
 * ```
 */
export class OrchNotImplemented extends Error {
  override name = "NotImplementedError";
}

/**
 * What an orchestrator call answers (Ceph's OrchResult): a result or an error, as plain data so
 * it crosses `remote()`.
 */
export interface OrchResult<T> {
  result: T | null;
  /** `""` on success; else `<class>: <message>`. */
  exception_str: string;
  /** The error's errno (negative) when it is an OrchestratorError. */
  errno?: number;
  /** The backend does not implement the call. */
  not_implemented?: boolean;
}

/**
 * Runs `fn` and wraps what it returns or throws in an OrchResult (Ceph's `handle_orch_error`).
 *
 * @example
 * ```ts ignore
 * override get_hosts(): Promise<OrchResult<HostSpec[]>> {
 *   return orchResult(() => [...this.#hosts.values()]);
 * }
 * ```
 */
export async function orchResult<T>(fn: () => T | Promise<T>): Promise<OrchResult<T>> {
  try {
    return { result: await fn(), exception_str: "" };
  } catch (e) {
    if (e instanceof OrchNotImplemented) {
      return { result: null, exception_str: "NotImplementedError", not_implemented: true };
    }
    const err = e instanceof Error ? e : new Error(String(e));
    return {
      result: null,
      exception_str: `${err.name}: ${err.message}`,
      errno: e instanceof OrchestratorError ? e.errno : undefined,
    };
  }
}

/**
 * The result of `c`, or its error thrown again (Ceph's `raise_if_exception`).
 *
 * @example
 * ```ts ignore
 * const hosts = raise_if_exception(await this.get_hosts());
 * ```
 */
export function raise_if_exception<T>(c: OrchResult<T>): T {
  if (c.not_implemented) throw new OrchNotImplemented();
  if (c.exception_str) {
    const message = c.exception_str.replace(/^[A-Za-z]+: /, "");
    throw new OrchestratorError(message, c.errno ?? -errno.EINVAL);
  }
  return c.result as T;
}

/** A host the orchestrator manages (Ceph's HostSpec). */
export interface HostSpec {
  hostname: string;
  addr: string;
  labels: string[];
  /** `""`, `maintenance`, `offline`. */
  status: string;
}

/** A storage device of a host (Ceph's ceph-volume inventory Device, the fields `orch device ls` shows). */
export interface Device {
  path: string;
  device_id: string;
  human_readable_type: string;
  size: number;
  available: boolean;
  rejected_reasons: string[];
}

/** A host's devices (Ceph's InventoryHost). */
export interface InventoryHost {
  name: string;
  addr: string;
  devices: Device[];
}

/** A daemon the orchestrator knows (Ceph's DaemonDescription, the fields `orch ps` shows). */
export interface DaemonDescription {
  daemon_type: string;
  daemon_id: string;
  hostname: string;
  /** 1 running, 0 stopped, -1 error (Ceph's DaemonDescriptionStatus). */
  status: number;
  status_desc: string;
  version: string | null;
  /** Seconds since the epoch, or null. */
  started: number | null;
  created: number | null;
  last_refresh: number | null;
  memory_usage: number | null;
  ports: number[];
}

/** Where a service's daemons go (Ceph's PlacementSpec). */
export interface PlacementSpec {
  count?: number;
  hosts?: string[];
  label?: string;
  host_pattern?: string;
}

/**
 * Ceph's `PlacementSpec.from_string`, for the forms the commands take: a count, `count:N`,
 * `label:L`, a host pattern with `*`, host names; separated by spaces, `;` or `,`.
 *
 * @example
 * ```ts
 * import { placementFromString } from "mgr_module/orchestrator";
 * console.assert(placementFromString("2 host1").count === 2);
 * ```
 */
export function placementFromString(text: string | undefined): PlacementSpec {
  const p: PlacementSpec = {};
  if (!text) return p;
  const hosts: string[] = [];
  for (const word of text.split(/[ ;,]+/).filter((w) => w !== "")) {
    if (/^\d+$/.test(word) && p.count === undefined) p.count = Number(word);
    else if (word.startsWith("count:")) p.count = Number(word.slice(6));
    else if (word.startsWith("label:")) p.label = word.slice(6);
    else if (word === "*" || word.includes("*")) p.host_pattern = word;
    else hosts.push(word);
  }
  if (hosts.length > 0) p.hosts = hosts;
  return p;
}

/** What to run (Ceph's ServiceSpec). */
export interface ServiceSpec {
  service_type: string;
  service_id?: string;
  placement: PlacementSpec;
  unmanaged?: boolean;
}

/** A service and how it runs (Ceph's ServiceDescription). */
export interface ServiceDescription {
  spec: ServiceSpec;
  running: number;
  size: number;
  last_refresh: number | null;
  created: number | null;
  ports: number[];
}

/** OSDs on every available device (`orch apply osd --all-available-devices`), or a drive group. */
export interface DriveGroupSpec {
  service_id: string;
  placement: PlacementSpec;
  all_available_devices?: boolean;
  data_devices?: { paths?: string[]; all?: boolean };
}

/**
 * The base class of orchestrator backends (Ceph's `Orchestrator` mixed into a MgrModule). A
 * backend overrides what it supports; everything else answers "not implemented", which the
 * `orch` commands report as `This Orchestrator does not support ...` (ENOENT), as in Ceph.
 * Every call is async and answers an OrchResult.
 *
 * @example
 * ```ts ignore
 * import { type HostSpec, Orchestrator, orchResult, type OrchResult } from "mgr_module";
 *
 * export class MyOrch extends Orchestrator {
 *   override get_hosts(): Promise<OrchResult<HostSpec[]>> {
 *     return orchResult(() => [{ hostname: "node1", addr: "10.0.0.1", labels: [], status: "" }]);
 *   }
 * }
 * ```
 */
export abstract class Orchestrator extends MgrModule {
  /** Marks the module as a backend (`orch set backend` checks it). */
  is_orchestrator_module(): boolean {
    return true;
  }

  /** Whether the backend can work now: `[available, why not, details]`. */
  available(): [boolean, string, Record<string, unknown>] {
    return [true, "", {}];
  }

  /** Which calls the backend implements: `{name: {available: bool}}`. */
  get_feature_set(): Record<string, { available: boolean }> {
    const names = [
      "add_host",
      "remove_host",
      "get_hosts",
      "add_host_label",
      "remove_host_label",
      "get_inventory",
      "describe_service",
      "list_daemons",
      "apply",
      "apply_drivegroups",
      "create_osds",
      "add_daemon",
      "remove_daemons",
    ] as const;
    const base = Orchestrator.prototype as unknown as Record<string, unknown>;
    const self = this as unknown as Record<string, unknown>;
    return Object.fromEntries(names.map((n) => [n, { available: self[n] !== base[n] }]));
  }

  /** Adds a host. */
  add_host(_spec: HostSpec): Promise<OrchResult<string>> {
    return orchResult(() => _ni());
  }
  /** Removes a host. */
  remove_host(_hostname: string, _force: boolean, _offline: boolean): Promise<OrchResult<string>> {
    return orchResult(() => _ni());
  }
  /** The hosts. */
  get_hosts(): Promise<OrchResult<HostSpec[]>> {
    return orchResult(() => _ni());
  }
  /** Adds a label to a host. */
  add_host_label(_hostname: string, _label: string): Promise<OrchResult<string>> {
    return orchResult(() => _ni());
  }
  /** Removes a label from a host. */
  remove_host_label(
    _hostname: string,
    _label: string,
    _force: boolean,
  ): Promise<OrchResult<string>> {
    return orchResult(() => _ni());
  }
  /** The hosts' devices (all hosts when `hosts` is empty). */
  get_inventory(_hosts: string[], _refresh: boolean): Promise<OrchResult<InventoryHost[]>> {
    return orchResult(() => _ni());
  }
  /** The services. */
  describe_service(
    _service_type: string | null,
    _service_name: string | null,
    _refresh: boolean,
  ): Promise<OrchResult<ServiceDescription[]>> {
    return orchResult(() => _ni());
  }
  /** The daemons, filtered. */
  list_daemons(
    _service_name: string | null,
    _daemon_type: string | null,
    _daemon_id: string | null,
    _host: string | null,
    _refresh: boolean,
  ): Promise<OrchResult<DaemonDescription[]>> {
    return orchResult(() => _ni());
  }
  /** Applies service specs (`orch apply mon|mgr|mds ...`); one message per spec. */
  apply(_specs: ServiceSpec[]): Promise<OrchResult<string[]>> {
    return orchResult(() => _ni());
  }
  /** Creates OSDs as drive groups say (`orch apply osd`). */
  apply_drivegroups(_specs: DriveGroupSpec[]): Promise<OrchResult<string[]>> {
    return orchResult(() => _ni());
  }
  /** Creates OSDs once on a host's devices (`orch daemon add osd <host>:<device>,...`). */
  create_osds(_spec: DriveGroupSpec): Promise<OrchResult<string>> {
    return orchResult(() => _ni());
  }
  /** Adds daemons once (`orch daemon add`). */
  add_daemon(_spec: ServiceSpec): Promise<OrchResult<string[]>> {
    return orchResult(() => _ni());
  }
  /** Removes daemons by name (`mds.a`). */
  remove_daemons(_names: string[]): Promise<OrchResult<string[]>> {
    return orchResult(() => _ni());
  }
}

function _ni(): never {
  throw new OrchNotImplemented();
}
