/**
 * The Ceph daemon options: what the manager reads with `get_ceph_option`, and what the embedded
 * mon knows for `config set/get/dump/ls` of non-module options. Names and defaults follow Ceph 16.2 (Pacific) as the reference cluster ran it
 * (../shared/ceph-reference/get/get_config.json; where the capture shows a value the cluster
 * changed, the default is Ceph's own). A data table, in Ceph's declaration spirit; nothing here
 * runs.
 *
 * @module
 */
import {
  cephOptionHelp,
  cephOptionNames as cephOptionHelpNames,
  type OptionHelp,
} from "./option_help.ts";

/** Ceph's option types (`Option::type_t`), by the names `type_to_str` gives them. */
export type OptionType =
  | "str"
  | "uint"
  | "int"
  | "float"
  | "bool"
  | "addr"
  | "addrvec"
  | "uuid"
  | "size"
  | "secs"
  | "millisecs";

/** Ceph's option levels (`Option::level_t`). */
export type OptionLevel = "basic" | "advanced" | "dev" | "unknown";

/** Ceph's option flags (`Option::flag_t`), by name. */
export type OptionFlag = "runtime" | "no_mon_update" | "startup" | "cluster_create" | "create";

/** One Ceph daemon option, as the mon's schema needs it. */
export interface CephOptionDef {
  name: string;
  type: OptionType;
  level: OptionLevel;
  /** The default as Ceph prints it (`Option::to_str`). */
  default: string;
  /** A different default for daemons (Ceph's `daemon_value`), when there is one. */
  daemonDefault?: string;
  desc: string;
  flags?: readonly OptionFlag[];
  min?: string;
  max?: string;
  enumAllowed?: readonly string[];
  /** `debug_<subsys>` options take `N` or `N/M`. */
  validator?: "debug_level";
}

const debug = (subsys: string, dflt: string): CephOptionDef => ({
  name: `debug_${subsys}`,
  type: "str",
  level: "advanced",
  default: dflt,
  desc: `Debug level for ${subsys}`,
  flags: ["runtime"],
  validator: "debug_level",
});

/** The table, in the order `config ls` lists it. */
export const CEPH_OPTIONS: readonly CephOptionDef[] = [
  {
    name: "host",
    type: "str",
    level: "basic",
    default: "",
    desc: "local hostname",
    flags: ["no_mon_update"],
  },
  {
    name: "fsid",
    type: "uuid",
    level: "basic",
    default: "00000000-0000-0000-0000-000000000000",
    desc: "cluster fsid (uuid)",
    flags: ["no_mon_update", "startup"],
  },
  {
    name: "public_addr",
    type: "addr",
    level: "basic",
    default: "-",
    desc: "public-facing address to bind to",
    flags: ["startup"],
  },
  {
    name: "cluster_addr",
    type: "addr",
    level: "basic",
    default: "-",
    desc: "cluster-facing address to bind to",
    flags: ["startup"],
  },
  {
    name: "public_network",
    type: "str",
    level: "advanced",
    default: "",
    desc: "Network(s) from which to choose a public address to bind to",
    flags: ["startup"],
  },
  {
    name: "cluster_network",
    type: "str",
    level: "advanced",
    default: "",
    desc: "Network(s) from which to choose a cluster address to bind to",
    flags: ["startup"],
  },
  {
    name: "mon_host",
    type: "str",
    level: "basic",
    default: "",
    desc: "list of hosts or addresses to search for a monitor",
    flags: ["no_mon_update", "startup"],
  },
  {
    name: "no_config_file",
    type: "bool",
    level: "advanced",
    default: "false",
    desc: "signal that we don't require a config file to be present",
    flags: ["no_mon_update", "startup"],
  },
  {
    name: "run_dir",
    type: "str",
    level: "advanced",
    default: "/var/run/ceph",
    desc: "path for the 'run' directory for storing pid and socket files",
    flags: ["startup"],
  },
  {
    name: "admin_socket",
    type: "str",
    level: "advanced",
    default: "",
    daemonDefault: "$run_dir/$cluster-$name.asok",
    desc: "path for the runtime control socket file, used by the 'ceph daemon' command",
    flags: ["startup"],
  },
  {
    name: "daemonize",
    type: "bool",
    level: "advanced",
    default: "false",
    daemonDefault: "true",
    desc: "whether to daemonize (background) after startup",
    flags: ["startup", "no_mon_update"],
  },
  {
    name: "log_file",
    type: "str",
    level: "basic",
    default: "",
    daemonDefault: "/var/log/ceph/$cluster-$name.log",
    desc: "path to log file",
    flags: ["runtime"],
  },
  {
    name: "log_to_file",
    type: "bool",
    level: "basic",
    default: "true",
    desc: "send log lines to a file",
  },
  {
    name: "log_to_stderr",
    type: "bool",
    level: "basic",
    default: "true",
    daemonDefault: "false",
    desc: "send log lines to stderr",
  },
  {
    name: "err_to_stderr",
    type: "bool",
    level: "basic",
    default: "false",
    daemonDefault: "true",
    desc: "send critical error log lines to stderr",
  },
  {
    name: "mon_data_avail_crit",
    type: "int",
    level: "advanced",
    default: "5",
    desc: "issue MON_DISK_CRIT health error when mon available space below this percentage",
  },
  {
    name: "mon_data_avail_warn",
    type: "int",
    level: "advanced",
    default: "30",
    desc: "issue MON_DISK_LOW health warning when mon available space below this percentage",
  },
  {
    name: "mon_warn_on_insecure_global_id_reclaim_allowed",
    type: "bool",
    level: "advanced",
    default: "true",
    desc: "issue AUTH_INSECURE_GLOBAL_ID_RECLAIM_ALLOWED health warning if insecure " +
      "global_id reclaim is allowed",
  },
  {
    name: "mon_warn_on_pool_no_redundancy",
    type: "bool",
    level: "advanced",
    default: "true",
    desc: "Issue a health warning if any pool is configured with no replicas",
  },
  {
    name: "mon_allow_pool_delete",
    type: "bool",
    level: "advanced",
    default: "false",
    desc: "allow pool deletions",
  },
  {
    name: "mon_allow_pool_size_one",
    type: "bool",
    level: "advanced",
    default: "false",
    desc: "allow configuring pool with no replicas",
  },
  {
    name: "mon_clock_drift_allowed",
    type: "float",
    level: "advanced",
    default: "0.050000",
    desc: "allowed clock drift (in seconds) between mons before issuing a health warning",
  },
  {
    name: "mon_health_to_clog",
    type: "bool",
    level: "advanced",
    default: "true",
    desc: "log monitor health to cluster log",
  },
  {
    name: "mon_config_key_max_entry_size",
    type: "size",
    level: "advanced",
    default: "65536",
    desc: "Defines the number of bytes allowed to be held in a single config-key entry",
  },
  {
    name: "mon_max_mgrmap_epochs",
    type: "int",
    level: "advanced",
    default: "500",
    desc: "max number of mgrmaps to keep around",
  },
  {
    name: "mon_max_pg_per_osd",
    type: "uint",
    level: "advanced",
    default: "250",
    desc: "Max number of PGs per OSD the cluster will allow",
  },
  {
    name: "mon_target_pg_per_osd",
    type: "uint",
    level: "advanced",
    default: "100",
    desc: "Automated PG management creates this many PGs per OSD",
  },
  {
    name: "mon_pg_warn_max_object_skew",
    type: "float",
    level: "advanced",
    default: "10.000000",
    desc: "max skew few average in objects per pg",
  },
  {
    name: "mon_pg_stuck_threshold",
    type: "int",
    level: "advanced",
    default: "60",
    desc: "number of seconds after which pgs can be considered stuck inactive, unclean, etc",
  },
  {
    name: "mon_osd_down_out_interval",
    type: "int",
    level: "advanced",
    default: "600",
    desc: "mark any OSD 'out' that has been 'down' for this long (seconds)",
  },
  {
    name: "mon_osd_report_timeout",
    type: "int",
    level: "advanced",
    default: "900",
    desc: "time before OSDs who do not report to the mons are marked down (seconds)",
  },
  {
    name: "mon_osd_min_in_ratio",
    type: "float",
    level: "advanced",
    default: "0.750000",
    desc: "do not automatically mark OSDs 'out' if fewer than this many OSDs are 'in'",
  },
  {
    name: "mon_osd_min_up_ratio",
    type: "float",
    level: "advanced",
    default: "0.300000",
    desc: "do not automatically mark OSDs 'out' if fewer than this many OSDs are 'up'",
  },
  {
    name: "mon_osd_full_ratio",
    type: "float",
    level: "advanced",
    default: "0.950000",
    desc: "full ratio of OSDs to be set during initial creation of the cluster",
    flags: ["no_mon_update", "cluster_create"],
  },
  {
    name: "mon_osd_backfillfull_ratio",
    type: "float",
    level: "advanced",
    default: "0.900000",
    desc: "",
    flags: ["no_mon_update", "cluster_create"],
  },
  {
    name: "mon_osd_nearfull_ratio",
    type: "float",
    level: "advanced",
    default: "0.850000",
    desc: "nearfull ratio for OSDs to be set during initial creation of cluster",
    flags: ["no_mon_update", "cluster_create"],
  },
  {
    name: "mon_mgr_beacon_grace",
    type: "secs",
    level: "advanced",
    default: "30",
    desc: "Period in seconds from last beacon to monitor marking a manager daemon as failed",
  },
  {
    name: "mon_mgr_blocklist_interval",
    type: "float",
    level: "dev",
    default: "86400.000000",
    desc: "Duration in seconds that blocklist entries for mgr daemons remain in the OSD map",
  },
  {
    name: "mon_mgr_digest_period",
    type: "int",
    level: "dev",
    default: "5",
    desc: "Period in seconds between monitor-to-manager health/status updates",
  },
  {
    name: "mon_mgr_inactive_grace",
    type: "int",
    level: "advanced",
    default: "60",
    desc: "Period in seconds after cluster creation during which cluster may have no active " +
      "manager",
  },
  {
    name: "mon_mgr_mkfs_grace",
    type: "int",
    level: "advanced",
    default: "120",
    desc: "Period in seconds that the cluster may have no active manager before this is " +
      "reported as an ERR rather than a WARN",
  },
  {
    name: "mon_mgr_proxy_client_bytes_ratio",
    type: "float",
    level: "dev",
    default: "0.300000",
    desc: "ratio of mon_client_bytes that can be consumed by proxied mgr commands before we " +
      "error out to client",
  },
  {
    name: "osd_heartbeat_grace",
    type: "int",
    level: "advanced",
    default: "20",
    desc: "Period of time (in seconds) after which OSDs are marked down without a heartbeat",
  },
  {
    name: "osd_crush_chooseleaf_type",
    type: "int",
    level: "dev",
    default: "1",
    desc: "default chooseleaf type for osdmaptool --create",
    flags: ["cluster_create"],
  },
  {
    name: "osd_objectstore",
    type: "str",
    level: "advanced",
    default: "bluestore",
    desc: "backend type for an OSD (like filestore or bluestore)",
    flags: ["create"],
    enumAllowed: ["bluestore", "filestore", "memstore", "kstore", "seastore", "cyanstore"],
  },
  {
    name: "osd_pool_default_size",
    type: "uint",
    level: "advanced",
    default: "3",
    desc: "the number of copies of an object for new replicated pools",
    flags: ["runtime"],
    min: "0",
    max: "10",
  },
  {
    name: "osd_pool_default_min_size",
    type: "uint",
    level: "advanced",
    default: "0",
    desc: "the minimal number of copies allowed to write to a degraded pool for new " +
      "replicated pools",
    flags: ["runtime"],
    min: "0",
    max: "255",
  },
  {
    name: "osd_pool_default_pg_num",
    type: "uint",
    level: "advanced",
    default: "32",
    desc: "number of PGs for new pools",
    flags: ["runtime"],
  },
  {
    name: "osd_pool_default_pgp_num",
    type: "uint",
    level: "advanced",
    default: "0",
    desc: "number of PGs for placement purposes (0 to match pg_num)",
    flags: ["runtime"],
  },
  {
    name: "rados_mon_op_timeout",
    type: "secs",
    level: "advanced",
    default: "0",
    min: "0",
    desc: "timeout for operations handled by monitors such as statfs (0 is unlimited)",
    flags: ["runtime"],
  },
  {
    name: "rados_osd_op_timeout",
    type: "secs",
    level: "advanced",
    default: "0",
    min: "0",
    desc: "timeout for operations handled by osds such as write (0 is unlimited)",
    flags: ["runtime"],
  },
  {
    name: "target_max_misplaced_ratio",
    type: "float",
    level: "basic",
    default: "0.050000",
    desc: "Max ratio of misplaced objects to target when throttling data rebalancing activity",
    flags: [],
  },
  {
    name: "osd_pool_default_pg_autoscale_mode",
    type: "str",
    level: "advanced",
    default: "on",
    desc: "Default PG autoscaling behavior for new pools",
    flags: ["runtime"],
    enumAllowed: ["off", "warn", "on"],
  },
  {
    name: "mgr_data",
    type: "str",
    level: "advanced",
    default: "/var/lib/ceph/mgr/$cluster-$id",
    desc: "Filesystem path to the ceph-mgr data directory, used to contain keyring.",
    flags: ["no_mon_update"],
  },
  {
    name: "mgr_module_path",
    type: "str",
    level: "advanced",
    default: "/usr/share/ceph/mgr",
    desc: "Filesystem path to manager modules.",
  },
  {
    name: "mgr_disabled_modules",
    type: "str",
    level: "advanced",
    default: "diskprediction_local",
    desc: "List of manager modules never get loaded",
    flags: ["startup"],
  },
  {
    name: "mgr_initial_modules",
    type: "str",
    level: "basic",
    default: "restful iostat nfs",
    desc: "List of manager modules to enable when the cluster is first started",
    flags: ["no_mon_update", "cluster_create"],
  },
  {
    name: "mgr_standby_modules",
    type: "bool",
    level: "advanced",
    default: "true",
    desc: "Start modules in standby (redirect) mode when mgr is standby",
  },
  {
    name: "mgr_stats_period",
    type: "int",
    level: "basic",
    default: "5",
    desc: "Period in seconds of OSD/MDS stats reports to manager",
  },
  {
    name: "mgr_stats_threshold",
    type: "int",
    level: "advanced",
    default: "5",
    desc: "Lowest perfcounter priority collected by mgr",
    min: "0",
    max: "11",
  },
  {
    name: "mgr_tick_period",
    type: "secs",
    level: "advanced",
    default: "2",
    desc: "Period in seconds of beacon messages to monitor",
  },
  {
    name: "mgr_client_bytes",
    type: "size",
    level: "dev",
    default: "134217728",
    desc: "",
  },
  {
    name: "mgr_client_messages",
    type: "uint",
    level: "dev",
    default: "512",
    desc: "",
  },
  {
    name: "mgr_osd_bytes",
    type: "size",
    level: "dev",
    default: "536870912",
    desc: "",
  },
  {
    name: "mgr_osd_messages",
    type: "uint",
    level: "dev",
    default: "8192",
    desc: "",
  },
  {
    name: "mgr_mds_bytes",
    type: "size",
    level: "dev",
    default: "134217728",
    desc: "",
  },
  {
    name: "mgr_mds_messages",
    type: "uint",
    level: "dev",
    default: "128",
    desc: "",
  },
  {
    name: "mgr_mon_bytes",
    type: "size",
    level: "dev",
    default: "134217728",
    desc: "",
  },
  {
    name: "mgr_mon_messages",
    type: "uint",
    level: "dev",
    default: "128",
    desc: "",
  },
  {
    name: "mgr_connect_retry_interval",
    type: "float",
    level: "dev",
    default: "1.000000",
    desc: "",
  },
  {
    name: "mgr_service_beacon_grace",
    type: "float",
    level: "advanced",
    default: "60.000000",
    desc: "Period in seconds from last beacon to manager dropping state about a monitored " +
      "service (RGW, rbd-mirror etc)",
  },
  {
    name: "mgr_client_service_daemon_unregister_timeout",
    type: "float",
    level: "dev",
    default: "1.000000",
    desc: "Time to wait during shutdown to deregister service with mgr",
  },
  {
    name: "mgr_debug_aggressive_pg_num_changes",
    type: "bool",
    level: "dev",
    default: "false",
    desc: "Bypass most throttling and safety checks in pg[p]_num controller",
  },
  {
    name: "mgr_max_pg_num_change",
    type: "int",
    level: "advanced",
    default: "128",
    desc: "maximum change in pg_num",
  },
  {
    name: "mgr_ttl_cache_expire_seconds",
    type: "uint",
    level: "dev",
    default: "0",
    desc: "Set the time to live in seconds - set to 0 to disable the cache.",
  },
  debug("mon", "1/5"),
  debug("ms", "0/0"),
  debug("mgr", "2/5"),
  debug("mgrc", "1/5"),
];

/** A value of the captured table as Ceph's `Option::to_str` prints it (floats with `%f`). */
function toStr(type: OptionType, v: string | number | boolean): string {
  if (typeof v === "boolean") return v ? "true" : "false";
  if (type === "float" && typeof v === "number") return v.toFixed(6);
  return String(v);
}

/** A captured `config help` entry as an option definition. */
function fromHelp(o: OptionHelp): CephOptionDef {
  const type = o.type as OptionType;
  const def: CephOptionDef = {
    name: o.name,
    type,
    level: o.level as OptionLevel,
    default: toStr(type, o.default),
    desc: o.desc,
  };
  if (o.daemon_default !== "") def.daemonDefault = toStr(type, o.daemon_default);
  const flags = o.flags.filter((f): f is OptionFlag =>
    ["runtime", "no_mon_update", "startup", "cluster_create", "create"].includes(f)
  );
  if (flags.length > 0) def.flags = flags;
  if (o.min !== "") def.min = toStr(type, o.min);
  if (o.max !== "") def.max = toStr(type, o.max);
  if (o.enum_values && o.enum_values.length > 0) def.enumAllowed = o.enum_values;
  if (o.name.startsWith("debug_")) def.validator = "debug_level";
  return def;
}

/**
 * Every daemon option of 16.2.15, in `config ls` order: the captured table (ceph/option_help.ts),
 * where the definitions above take precedence for the options mgrd itself reads.
 */
export const ALL_CEPH_OPTIONS: readonly CephOptionDef[] = (() => {
  const own = new Map(CEPH_OPTIONS.map((o) => [o.name, o]));
  const out: CephOptionDef[] = [];
  for (const name of cephOptionHelpNames()) {
    out.push(own.get(name) ?? fromHelp(cephOptionHelp(name)!));
    own.delete(name);
  }
  // Options mgrd declares that the captured table does not list (none expected) come last.
  return [...out, ...own.values()];
})();

const BY_NAME = new Map(ALL_CEPH_OPTIONS.map((o) => [o.name, o]));

/**
 * A daemon option's type and the default a daemon (the manager) sees, or undefined when Ceph has
 * no such option. `forClient` gives the default a client sees instead (Ceph's `value` rather
 * than `daemon_value`).
 */
export function cephOptionSchema(
  name: string,
  forClient = false,
): { type: OptionType; default: string } | undefined {
  const def = BY_NAME.get(name);
  return def &&
    { type: def.type, default: (forClient ? undefined : def.daemonDefault) ?? def.default };
}

/** The names of every daemon option, sorted. */
export function cephOptionNames(): string[] {
  return [...BY_NAME.keys()].sort();
}
