/**
 * telegraf — Ceph 16.2.15's telegraf module: every `interval` seconds (after a first wait of
 * 10 s) it sends the pools' df statistics, every daemon's perf counters and the cluster's
 * counts as InfluxDB line protocol (`ceph_pool_stats`, `ceph_daemon_stats`,
 * `ceph_cluster_stats`) to Telegraf's socket_listener at `address`, over the transport the
 * address's scheme names (unixgram, unix, tcp, tcp6, udp, udp6). Commands: `telegraf
 * config-set <key> <value>`, `telegraf config-show`, `telegraf send`; `mgr self-test module
 * telegraf` runs its self_test().
 *
 * As in Ceph, a send that fails on the socket (nothing listening, a missing socket file) is
 * logged ("Failed to send statistics to Telegraf:") and the module goes on; an address of an
 * unknown scheme or without a port fails `telegraf send` with EINVAL and, in serve(), fails the
 * module (MGR_MODULE_ERROR), as the Python module's uncaught exception does. `unixgram://`
 * (the default) needs Deno's `--unstable-net`; without it `telegraf send` answers EOPNOTSUPP
 * saying so, and serve() logs it at every interval (see ./_socket.ts).
 *
 * Ceph 16.2.15's get_daemon_stats iterates `get_all_perf_counters().items()` (the `.iteritems()`
 * of older releases is gone in 16.2.15's installed source), so daemon counters are sent.
 *
 * @module
 */
import {
  EAGAIN,
  EINVAL,
  EOPNOTSUPP,
  HandleCommandResult,
  MgrModule,
  Option,
  PG_STATES,
} from "mgr_module";
import { type LineValue, toLineProtocol } from "./_protocol.ts";
import {
  BaseSocket,
  PyError,
  pythonOsErrorText,
  TransportUnavailable,
  urlparse,
} from "./_socket.ts";

/** Ceph's `PERFCOUNTER_HISTOGRAM` type bit: such counters are not sent. */
const PERFCOUNTER_HISTOGRAM = 0x10;

const HEALTH_MAPPING: Readonly<Record<string, number>> = {
  HEALTH_OK: 0,
  HEALTH_WARN: 1,
  HEALTH_ERR: 2,
};

/** One measurement before it becomes a line. */
export interface Measurement {
  measurement: "ceph_pool_stats" | "ceph_daemon_stats" | "ceph_cluster_stats";
  tags: Record<string, LineValue>;
  value: LineValue;
}

interface DfPool {
  name: string;
  id: number;
  stats: Record<string, number>;
}
interface CounterInfo {
  type: number;
  value: number;
}

/** The df fields sent per pool, in Ceph's order. */
const DF_TYPES = [
  "bytes_used",
  "kb_used",
  "dirty",
  "rd",
  "rd_bytes",
  "stored_raw",
  "wr",
  "wr_bytes",
  "objects",
  "max_avail",
  "quota_objects",
  "quota_bytes",
] as const;

/** Python's `json.dumps` of a flat dict, keys in insertion order (`{"a": 1, "b": "x"}`). */
function pythonDumpsFlat(d: Readonly<Record<string, unknown>>): string {
  const ascii = (s: string) =>
    JSON.stringify(s).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  const value = (v: unknown): string =>
    typeof v === "string"
      ? ascii(v)
      : typeof v === "boolean"
      ? String(v)
      : v === null || v === undefined
      ? "null"
      : String(v);
  return "{" + Object.entries(d).map(([k, v]) => `${ascii(k)}: ${value(v)}`).join(", ") + "}";
}

/** Python's `int(value)` of an option value; RuntimeError as the module raises it. */
function pythonIntOption(option: string, value: unknown): number {
  if (typeof value === "number" && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === "string" && /^\s*[+-]?\d+(_\d+)*\s*$/.test(value)) {
    return Number(value.trim().replaceAll("_", ""));
  }
  throw new PyError(
    "RuntimeError",
    `invalid ${option} configured. Please specify a valid integer`,
  );
}

/** True for the errors Python's `except (socket.error, IOError, OSError)` catches. */
function isOsError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  if (Object.values(Deno.errors).some((cls) => e instanceof cls)) return true;
  return typeof (e as { code?: unknown }).code === "string";
}

/**
 * A cluster map the module reads has not arrived yet (Ceph's manager starts modules only once
 * it has its maps; mgrd's may start first): commands answer EAGAIN, serve() retries.
 */
export class MapNotYetReceived extends Error {
  constructor(readonly map: string) {
    super(`the manager has not received '${map}' from the cluster yet; try again`);
    this.name = "MapNotYetReceived";
  }
}

/** The telegraf module. */
export class Module extends MgrModule {
  static override COMMANDS = [
    {
      cmd: "telegraf config-set name=key,type=CephString name=value,type=CephString",
      desc: "Set a configuration value",
      perm: "rw",
    },
    { cmd: "telegraf config-show", desc: "Show current configuration", perm: "r" },
    { cmd: "telegraf send", desc: "Force sending data to Telegraf", perm: "rw" },
  ];

  static override MODULE_OPTIONS = [
    Option({ name: "address", default: "unixgram:///tmp/telegraf.sock" }),
    Option({ name: "interval", type: "secs", default: 15 }),
  ];

  /** The in-memory configuration, as the Python module's `self.config`. */
  config: Record<string, string | number> = {};
  #fsid: string | undefined;

  /** get(name), or MapNotYetReceived when the manager has no such data yet. */
  #need(name: string): unknown {
    const v = this.get(name);
    if (v === null || v === undefined) throw new MapNotYetReceived(name);
    return v;
  }

  get_fsid(): string {
    this.#fsid ??= (this.#need("mon_map") as { fsid: string }).fsid;
    return this.#fsid;
  }

  *get_pool_stats(): Generator<Measurement> {
    const df = this.#need("df") as { pools: DfPool[] };
    for (const dfType of DF_TYPES) {
      for (const pool of df.pools) {
        yield {
          measurement: "ceph_pool_stats",
          tags: {
            pool_name: pool.name,
            pool_id: pool.id,
            type_instance: dfType,
            fsid: this.get_fsid(),
          },
          value: pool.stats[dfType] as number,
        };
      }
    }
  }

  *get_daemon_stats(): Generator<Measurement> {
    const all = this.get_all_perf_counters() as Record<string, Record<string, CounterInfo>>;
    for (const [daemon, counters] of Object.entries(all)) {
      const dot = daemon.indexOf(".");
      const metadata = this.get_metadata(daemon.slice(0, dot), daemon.slice(dot + 1));
      if (!metadata) continue;
      for (const [path, info] of Object.entries(counters)) {
        if (info.type & PERFCOUNTER_HISTOGRAM) continue;
        yield {
          measurement: "ceph_daemon_stats",
          tags: {
            ceph_daemon: daemon,
            type_instance: path,
            host: metadata.hostname as string,
            fsid: this.get_fsid(),
          },
          value: info.value,
        };
      }
    }
  }

  get_pg_stats(): Map<string, number> {
    const stats = new Map<string, number>();
    const pgStatus = this.#need("pg_status") as Record<string, unknown> & {
      pgs_by_state: { state_name: string; count: number }[];
    };
    for (
      const key of [
        "bytes_total",
        "data_bytes",
        "bytes_used",
        "bytes_avail",
        "num_pgs",
        "num_objects",
        "num_pools",
      ]
    ) {
      stats.set(key, pgStatus[key] as number);
    }
    for (const state of PG_STATES) stats.set(`num_pgs_${state}`, 0);
    stats.set("num_pgs", pgStatus.num_pgs as number);
    for (const state of pgStatus.pgs_by_state) {
      const states = state.state_name.split("+");
      for (const s of PG_STATES) {
        const key = `num_pgs_${s}`;
        if (states.includes(s)) stats.set(key, (stats.get(key) ?? 0) + state.count);
      }
    }
    return stats;
  }

  *get_cluster_stats(): Generator<Measurement> {
    // A Map: Python's dict keeps insertion order, and update() keeps a key's first place.
    const stats = new Map<string, number | undefined>();
    const health = JSON.parse((this.#need("health") as { json: string }).json) as {
      status: string;
    };
    stats.set("health", HEALTH_MAPPING[health.status]);
    const monStatus = JSON.parse((this.#need("mon_status") as { json: string }).json) as {
      monmap: { mons: unknown[] };
      election_epoch: number;
      outside_quorum: unknown[];
      quorum: unknown[];
    };
    stats.set("num_mon", monStatus.monmap.mons.length);
    stats.set("mon_election_epoch", monStatus.election_epoch);
    stats.set("mon_outside_quorum", monStatus.outside_quorum.length);
    stats.set("mon_quorum", monStatus.quorum.length);
    const osdMap = this.#need("osd_map") as {
      osds: { up: number; in: number }[];
      pg_temp: unknown[];
      epoch: number;
    };
    stats.set("num_osd", osdMap.osds.length);
    stats.set("num_pg_temp", osdMap.pg_temp.length);
    stats.set("osd_epoch", osdMap.epoch);
    const mgrMap = this.#need("mgr_map") as {
      available: boolean;
      standbys: unknown[];
      epoch: number;
    };
    stats.set("mgr_available", mgrMap.available ? 1 : 0);
    stats.set("num_mgr_standby", mgrMap.standbys.length);
    stats.set("mgr_epoch", mgrMap.epoch);
    stats.set("num_osd_up", osdMap.osds.filter((o) => o.up === 1).length);
    stats.set("num_osd_in", osdMap.osds.filter((o) => o.in === 1).length);
    const fsMap = this.#need("fs_map") as {
      standbys: unknown[];
      filesystems: { mdsmap: { up: Record<string, unknown> } }[];
      epoch: number;
    };
    stats.set("num_mds_standby", fsMap.standbys.length);
    stats.set("num_fs", fsMap.filesystems.length);
    stats.set("mds_epoch", fsMap.epoch);
    let numMdsUp = 0;
    for (const fs of fsMap.filesystems) numMdsUp += Object.keys(fs.mdsmap.up).length;
    stats.set("num_mds_up", numMdsUp);
    stats.set("num_mds", numMdsUp + fsMap.standbys.length);
    for (const [k, v] of this.get_pg_stats()) stats.set(k, v);
    for (const [key, value] of stats) {
      if (value === undefined || !Number.isFinite(value)) {
        // Python's int(None) for a health status outside its mapping.
        throw new PyError(
          "TypeError",
          "int() argument must be a string, a bytes-like object or a real number, not 'NoneType'",
        );
      }
      yield {
        measurement: "ceph_cluster_stats",
        tags: { type_instance: key, fsid: this.get_fsid() },
        value: Math.trunc(value),
      };
    }
  }

  *gather_measurements(): Generator<Measurement> {
    yield* this.get_pool_stats();
    yield* this.get_daemon_stats();
    yield* this.get_cluster_stats();
  }

  /** The option names set_config_option accepts: every option the module has. */
  #configKeys(): Map<string, unknown> {
    return new Map([...this._options()].map(([name, decl]) => [name, decl.default ?? null]));
  }

  set_config_option(option: string, value: string | number): void {
    if (!this.#configKeys().has(option)) {
      throw new PyError("RuntimeError", `${option} is a unknown configuration option`);
    }
    let v = value;
    if (option === "interval") {
      v = pythonIntOption(option, value);
      if (v < 5) throw new PyError("RuntimeError", "interval should be set to at least 5 seconds");
    }
    this.config[option] = v;
  }

  init_module_config(): void {
    this.config.address = String(this.get_module_option("address"));
    this.config.interval = pythonIntOption("interval", this.get_module_option("interval"));
  }

  /** send_to_telegraf: one connection, a line per measurement; socket errors are logged. */
  async send_to_telegraf(): Promise<void> {
    const url = urlparse(String(this.config.address));
    const sock = new BaseSocket(url);
    this.log.debug(`Sending data to Telegraf at ${sock.addressText()}`);
    const now = BigInt(Math.round(this.now() * 1e9));
    try {
      await sock.connect();
      try {
        for (const m of this.gather_measurements()) {
          this.log.debug(JSON.stringify(m));
          const line = toLineProtocol(m.measurement, m.value, m.tags, now);
          this.log.debug(line);
          await sock.send(line);
        }
      } finally {
        sock.close();
      }
    } catch (e) {
      if (!isOsError(e)) throw e;
      this.log.error(`Failed to send statistics to Telegraf:\n${pythonOsErrorText(e as Error)}`);
    }
  }

  override shutdown(): void {
    this.log.info("Stopping Telegraf module");
  }

  override async handle_command(
    _inbuf: string,
    cmd: Record<string, unknown>,
  ): Promise<HandleCommandResult> {
    try {
      return await this.#command(cmd);
    } catch (e) {
      if (e instanceof PyError) {
        // Ceph answers EINVAL with the Python traceback; its last line is this one.
        return new HandleCommandResult(-EINVAL, "", `${e.pyType}: ${e.message}`);
      }
      if (e instanceof TransportUnavailable) {
        this.log.error(`Failed to send statistics to Telegraf: ${e.message}`);
        return new HandleCommandResult(-EOPNOTSUPP, "", e.message);
      }
      if (e instanceof MapNotYetReceived) return new HandleCommandResult(-EAGAIN, "", e.message);
      throw e;
    }
  }

  async #command(cmd: Record<string, unknown>): Promise<HandleCommandResult> {
    const prefix = String(cmd.prefix);
    if (prefix === "telegraf config-show") {
      return new HandleCommandResult(0, pythonDumpsFlat(this.config), "");
    }
    if (prefix === "telegraf config-set") {
      const key = String(cmd.key);
      const value = cmd.value === undefined || cmd.value === null ? "" : String(cmd.value);
      if (!value) return new HandleCommandResult(-EINVAL, "", "Value should not be empty or None");
      this.log.debug(`Setting configuration option ${key} to ${value}`);
      this.set_config_option(key, value);
      await this.set_module_option(key, value);
      return new HandleCommandResult(0, `Configuration option ${key} updated`, "");
    }
    if (prefix === "telegraf send") {
      await this.send_to_telegraf();
      return new HandleCommandResult(0, "Sending data to Telegraf", "");
    }
    return new HandleCommandResult(-EINVAL, "", `Command not found '${prefix}'`);
  }

  override self_test(): void {
    const measurements = [...this.gather_measurements()];
    if (measurements.length === 0) throw new PyError("RuntimeError", "No measurements found");
  }

  override async serve(): Promise<void> {
    this.log.info("Starting Telegraf module");
    this.init_module_config();
    this.log.debug("Waiting 10 seconds before starting");
    await this.sleep(10);
    while (!this.shutting_down) {
      const start = this.now();
      try {
        await this.send_to_telegraf();
      } catch (e) {
        // mgrd's own limits (no unixgram without --unstable-net, no maps yet) are logged and
        // retried, as a missing socket is in Ceph; anything else ends serve() as it ends
        // Ceph's thread.
        if (e instanceof MapNotYetReceived) {
          this.log.info(`Not sending to Telegraf: ${e.message}`);
        } else {
          if (!(e instanceof TransportUnavailable)) throw e;
          this.log.error(`Failed to send statistics to Telegraf: ${e.message}`);
        }
      }
      this.log.debug(`Sending data to Telegraf took ${Math.trunc((this.now() - start) * 1000)} ms`);
      this.log.debug(`Sleeping for ${this.config.interval} seconds`);
      if (this.shutting_down) break;
      await this.sleep(Number(this.config.interval));
    }
  }
}
