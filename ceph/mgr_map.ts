/**
 * The MgrMap and its parts, in the JSON shape Ceph dumps them (`ceph mgr dump`,
 * `get('mgr_map')`, `ceph mgr module ls`). Shared by the manager and the embedded mon.
 *
 * @module
 */

/** One module option as the MgrMap carries it: every field a string, as Ceph stores them. */
export interface ModuleOptionInfo {
  name: string;
  /** `str`, `int`, `uint`, `float`, `bool`, `secs`, `size`, `addr`, `addrvec`, `uuid`. */
  type: string;
  /** `basic`, `advanced` or `dev`. */
  level: string;
  /** 1 when the option can change at run time (Ceph's FLAG_RUNTIME). */
  flags: number;
  default_value: string;
  min: string;
  max: string;
  enum_allowed: string[];
  desc: string;
  long_desc: string;
  tags: string[];
  see_also: string[];
}

/** A module as a manager daemon reports it to the mon (Ceph's MgrMap::ModuleInfo). */
export interface ModuleInfo {
  name: string;
  can_run: boolean;
  error_string: string;
  module_options: Record<string, ModuleOptionInfo>;
}

/** One address of a daemon's address vector. */
export interface EntityAddr {
  type: "v1" | "v2" | "any";
  addr: string;
  nonce: number;
}

/** A standby manager daemon. */
export interface StandbyInfo {
  gid: number;
  name: string;
  available_modules: ModuleInfo[];
}

/** The MgrMap (MgrMap::dump). */
export interface MgrMap {
  epoch: number;
  active_gid: number;
  active_name: string;
  active_addrs: { addrvec: EntityAddr[] };
  active_addr: string;
  active_change: string;
  active_mgr_features: number;
  available: boolean;
  standbys: StandbyInfo[];
  /** Names of the modules enabled by the operator (always-on modules are not listed). */
  modules: string[];
  available_modules: ModuleInfo[];
  /** Module name → URI published with `set_uri`. */
  services: Record<string, string>;
  /** Release name → the modules that release always runs. */
  always_on_modules: Record<string, string[]>;
  /** The OSD map epoch of the last manager failure (its clients were blocklisted then). */
  last_failure_osd_epoch: number;
  /** The active manager's RADOS clients (modules' librados handles), blocklisted on failover. */
  active_clients: { name: string; addrvec: EntityAddr[] }[];
}

/** The release whose behaviour and always-on set mgrd follows. */
export const RELEASE_NAME = "pacific";
/** The version string `MgrModule.version` reports. */
export const CEPH_VERSION =
  "ceph version 16.2.15 (618f440892089921c3e944a991122ddc44e60516) pacific (stable)";
