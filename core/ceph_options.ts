/**
 * The schema of the daemon (non-module) options the manager and its modules read with
 * `get_ceph_option`, and that the mon accepts in `config set`. Names, types and defaults are
 * Ceph 16.2's (defaults as a Ceph 16.2 mgr reports them, ../shared/ceph-reference/get/get_config.json).
 *
 * @module
 */
import type { OptionType } from "./module_options.ts";

/** One daemon option's schema. */
export interface CephOptionSchema {
  name: string;
  type: OptionType;
  level: "basic" | "advanced" | "dev";
  default: string;
  desc: string;
  /** Can change while the daemon runs. */
  runtime: boolean;
  min?: string;
  max?: string;
  enum_allowed?: string[];
}

type Row = [
  name: string,
  type: OptionType,
  level: CephOptionSchema["level"],
  dflt: string,
  runtime: boolean,
  desc: string,
];

// deno-fmt-ignore
const ROWS: Row[] = [
  ["debug_mgr", "str", "advanced", "2/5", true, "Debug level for the manager (log/memory)"],
  ["debug_mon", "str", "advanced", "1/5", true, "Debug level for the monitor (log/memory)"],
  ["debug_ms", "str", "advanced", "0/0", true, "Debug level for messaging (log/memory)"],
  ["log_file", "str", "basic", "", false, "path to log file"],
  ["log_to_file", "bool", "advanced", "true", false, "send log lines to a file"],
  ["log_to_stderr", "bool", "basic", "false", false, "send log lines to stderr"],
  ["mgr_module_path", "str", "advanced", "", false, "Filesystem path to manager modules"],
  ["mgr_disabled_modules", "str", "advanced", "", false, "List of manager modules never get loaded"],
  ["mgr_initial_modules", "str", "basic", "restful iostat nfs", false, "List of manager modules to enable when the cluster is first started"],
  ["mgr_data", "str", "advanced", "", false, "Filesystem path to the ceph-mgr data directory"],
  ["mgr_stats_period", "int", "basic", "5", true, "Period in seconds of OSD/MDS stats reports to manager"],
  ["mgr_stats_threshold", "int", "advanced", "5", true, "Lowest perfcounter priority collected by mgr"],
  ["mgr_tick_period", "secs", "advanced", "2", true, "Period in seconds of beacon messages to monitor"],
  ["mgr_client_bytes", "size", "dev", "134217728", true, "Maximum bytes of in-flight client messages"],
  ["mon_mgr_beacon_grace", "secs", "advanced", "30", true, "Period in seconds from last beacon to monitor marking a manager daemon as failed"],
  ["mon_osd_down_out_interval", "int", "advanced", "600", true, "Number of seconds after which a down OSD is marked out"],
  ["mon_warn_on_insecure_global_id_reclaim_allowed", "bool", "advanced", "true", true, "issue AUTH_INSECURE_GLOBAL_ID_RECLAIM_ALLOWED health warning"],
  ["osd_pool_default_size", "uint", "advanced", "3", true, "the number of copies of an object for new replicated pools"],
  ["osd_pool_default_min_size", "uint", "advanced", "0", true, "the minimal number of copies allowed to write to a degraded pool for new replicated pools"],
  ["osd_pool_default_pg_num", "uint", "advanced", "32", true, "number of PGs for new pools"],
  ["mon_max_pg_per_osd", "uint", "advanced", "250", true, "Max number of PGs per OSD the cluster will allow"],
  ["public_addr", "addr", "basic", "-", false, "Public-facing address to bind to"],
  ["fsid", "uuid", "basic", "", false, "cluster fsid (uuid)"],
];

const SCHEMA = new Map<string, CephOptionSchema>(
  ROWS.map(([name, type, level, dflt, runtime, desc]) => [
    name,
    { name, type, level, default: dflt, runtime, desc },
  ]),
);

/** The schema of a daemon option, or undefined when Ceph has no such option. */
export function cephOptionSchema(name: string): CephOptionSchema | undefined {
  return SCHEMA.get(name);
}

/** Every known daemon option, by name. */
export function cephOptionNames(): string[] {
  return [...SCHEMA.keys()].sort();
}
