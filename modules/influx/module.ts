/**
 * influx — Ceph 16.2.15's influx module: every `interval` seconds (and on `influx send`) it
 * gathers the pools' df statistics, the daemons' perf counters and the PG summaries by OSD
 * and by pool, and writes them to an InfluxDB 1.x server (`POST /write?db=...&precision=ms`,
 * line protocol as the Python `influxdb` client writes it), in batches of `batch_size`
 * points; the first time a database is missing it creates it and an `8_weeks` default
 * retention policy, as 16.2.15 does. Written only against the SDK.
 *
 * As in 16.2.15: the options are declared without a type, so every one is a string option
 * whose default is Python's `str()` of the declared one (`hostname`, `username` and
 * `password` default to the text `None`, so an unconfigured module tries the host `None`
 * and raises MGR_INFLUX_DB_LIST_FAILED); the options are read when `serve()` starts and
 * `influx config-set` changes the running copy; there is no `influx self-test` command (a
 * `remote('influx', 'handle_command', '', {prefix: 'influx self-test'})` answers EINVAL
 * "Command not found"); a write that fails is logged, and reaches health only in the window
 * Ceph's does (the checks are reset at the start of each send and published at its end).
 * `threads` is honoured as the number of writes in flight at once (async workers instead of
 * threads). See client.ts for what the HTTP client does differently from Python's.
 *
 * @module
 */
import { EINVAL, HandleCommandResult, MgrModule, pythonJson } from "mgr_module";
import type { HealthChecks, OptionValue } from "mgr_module";
import {
  InfluxClient,
  InfluxDBClientError,
  InfluxDBServerError,
  RequestException,
} from "./client.ts";
import type { Point } from "./line_protocol.ts";

/** Ceph's `PERFCOUNTER_HISTOGRAM` type bit: such counters are not sent. */
const PERFCOUNTER_HISTOGRAM = 0x10;
/** The queue of batches waiting for a worker (Python's `queue.Queue(maxsize=100)`). */
const QUEUE_MAX = 100;
/** Ceph's `get_df_stats` order of a pool's statistics. */
const DF_TYPES = [
  "stored",
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

/** Python's RuntimeError, as `set_config_option` raises it (the command answers EINVAL). */
class RuntimeError extends Error {
  override name = "RuntimeError";
}

/** Python's AssertionError (`self_test` asserts there are daemon statistics). */
class AssertionError extends Error {
  override name = "AssertionError";
}

/** The running configuration, as `influx config-show` prints it. */
interface Config {
  hostname: string | null;
  port: number;
  database: string | null;
  username: string | null;
  password: string | null;
  interval: number;
  threads: number;
  batch_size: number;
  ssl: boolean;
  verify_ssl: boolean;
}

/** Python's `int()` of an option's text: surrounding blanks allowed, digits, optional sign. */
function pyInt(value: unknown, what: string): number {
  const text = String(value);
  if (/^\s*[-+]?\d+(_\d+)*\s*$/.test(text)) return Number.parseInt(text.replaceAll("_", ""), 10);
  throw new TypeError(`invalid literal for int() with base 10: '${text}' (${what})`);
}

/** Python's `datetime.utcfromtimestamp(t).isoformat() + 'Z'`: microseconds, left out when 0. */
export function isoStamp(seconds: number): string {
  const micros = Math.floor(seconds * 1e6);
  const whole = Math.floor(micros / 1e6);
  const frac = micros - whole * 1e6;
  const base = new Date(whole * 1000).toISOString().slice(0, 19);
  return frac === 0 ? `${base}Z` : `${base}.${String(frac).padStart(6, "0")}Z`;
}

/** Python's `json.dumps(value, indent=2, sort_keys=True)` of the self-test's points. */
function jsonIndent2(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v !== null && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) out[k] = sorted((v as Record<string, unknown>)[k]);
      return out;
    }
    return v;
  };
  // ensure_ascii: Python escapes every non-ASCII character.
  return JSON.stringify(sorted(value), null, 2).replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** The influx module. */
export class Module extends MgrModule {
  // No types, as in 16.2.15: each is a `str` option whose default is `str(default)`.
  static override MODULE_OPTIONS = [
    { name: "hostname", default: "None" },
    { name: "port", default: 8086 },
    { name: "database", default: "ceph" },
    { name: "username", default: "None" },
    { name: "password", default: "None" },
    { name: "interval", default: 30 },
    { name: "ssl", default: "false" },
    { name: "verify_ssl", default: "true" },
    { name: "threads", default: 5 },
    { name: "batch_size", default: 5000 },
  ];

  static override COMMANDS = [
    {
      cmd: "influx config-set name=key,type=CephString name=value,type=CephString",
      desc: "Set a configuration value",
      perm: "rw",
    },
    { cmd: "influx config-show", desc: "Show current configuration", perm: "r" },
    { cmd: "influx send", desc: "Force sending data to Influx", perm: "rw" },
  ];

  /** The running configuration; empty until `serve()` reads the options, as in Ceph. */
  config: Partial<Config> = {};
  /** The checks of the send in progress (workers add to it, as Ceph's threads do). */
  healthChecks: HealthChecks = {};
  readonly #queue: (Point[] | null)[] = [];
  /** Workers waiting in `queue.get()`: a batch put goes straight to one, as to a thread. */
  readonly #idleWorkers: ((item: Point[] | null) => void)[] = [];
  readonly #workers: Promise<void>[] = [];
  readonly #abort = new AbortController();
  #verifyWarned = false;

  /** The option names and their declared defaults (Python's `config_keys`). */
  get config_keys(): Record<string, OptionValue | null> {
    return Object.fromEntries(Module.MODULE_OPTIONS.map((o) => [o.name, o.default]));
  }

  get_fsid(): string {
    return (this.get("mon_map") as { fsid: string }).fsid;
  }

  get_timestamp(): string {
    return isoStamp(this.now());
  }

  get_df_stats(now: string): [Point[], Record<string, string>] {
    const df = this.get("df") as {
      pools: { name: string; id: number; stats: Record<string, number> }[];
    };
    const data: Point[] = [];
    const poolInfo: Record<string, string> = {};
    for (const dfType of DF_TYPES) {
      for (const pool of df.pools) {
        if (!(dfType in pool.stats)) throw new Error(`KeyError: '${dfType}'`);
        data.push({
          measurement: "ceph_pool_stats",
          tags: {
            pool_name: pool.name,
            pool_id: pool.id,
            type_instance: dfType,
            fsid: this.get_fsid(),
          },
          time: now,
          fields: { value: pool.stats[dfType] },
        });
        poolInfo[String(pool.id)] = pool.name;
      }
    }
    return [data, poolInfo];
  }

  get_pg_summary_osd(_poolInfo: Record<string, string>, now: string): Point[] {
    const byOsd = (this.get("pg_summary") as { by_osd: Record<string, Record<string, number>> })
      .by_osd;
    const points: Point[] = [];
    for (const [osdId, stats] of Object.entries(byOsd)) {
      const metadata = this.get_metadata("osd", osdId);
      if (!metadata || Object.keys(metadata).length === 0) continue;
      for (const [stat, value] of Object.entries(stats)) {
        points.push({
          measurement: "ceph_pg_summary_osd",
          tags: { ceph_daemon: `osd.${osdId}`, type_instance: stat, host: metadata.hostname },
          time: now,
          fields: { value },
        });
      }
    }
    return points;
  }

  get_pg_summary_pool(poolInfo: Record<string, string>, now: string): Point[] {
    const byPool =
      (this.get("pg_summary") as { by_pool: Record<string, Record<string, number>> }).by_pool;
    const points: Point[] = [];
    for (const [poolId, stats] of Object.entries(byPool)) {
      const name = poolInfo[poolId];
      if (name === undefined) throw new Error(`KeyError: '${poolId}'`);
      for (const [stat, value] of Object.entries(stats)) {
        points.push({
          measurement: "ceph_pg_summary_pool",
          tags: { pool_name: name, pool_id: poolId, type_instance: stat },
          time: now,
          fields: { value },
        });
      }
    }
    return points;
  }

  get_daemon_stats(now: string): Point[] {
    const all = this.get_all_perf_counters() as Record<
      string,
      Record<string, { type: number; value: number }>
    >;
    const points: Point[] = [];
    for (const [daemon, counters] of Object.entries(all)) {
      const dot = daemon.indexOf(".");
      const metadata = this.get_metadata(daemon.slice(0, dot), daemon.slice(dot + 1));
      const hostname = metadata !== null ? metadata.hostname : "N/A";
      for (const [path, info] of Object.entries(counters)) {
        if (info.type & PERFCOUNTER_HISTOGRAM) continue;
        points.push({
          measurement: "ceph_daemon_stats",
          tags: { ceph_daemon: daemon, type_instance: path, host: hostname, fsid: this.get_fsid() },
          time: now,
          fields: { value: info.value },
        });
      }
    }
    return points;
  }

  set_config_option(option: string, value: string): void {
    if (!(option in this.config_keys)) {
      throw new RuntimeError(`${option} is a unknown configuration option`);
    }
    let typed: string | number | boolean = value;
    if (["port", "interval", "threads", "batch_size"].includes(option)) {
      try {
        typed = pyInt(value, option);
      } catch {
        throw new RuntimeError(`invalid ${option} configured. Please specify a valid integer`);
      }
    }
    if (option === "interval" && (typed as number) < 5) {
      throw new RuntimeError("interval should be set to at least 5 seconds");
    }
    if (option === "ssl" || option === "verify_ssl") typed = value.toLowerCase() === "true";
    // 16.2.15 checks `1 > value > 32`, which no number passes: any thread count is taken.
    (this.config as Record<string, unknown>)[option] = typed;
  }

  init_module_config(): void {
    const opt = (key: string) => this.get_module_option(key, this.config_keys[key] ?? null);
    const str = (key: string) => {
      const v = opt(key);
      return v === null ? null : String(v);
    };
    this.config.hostname = str("hostname");
    this.config.port = pyInt(opt("port"), "port");
    this.config.database = str("database");
    this.config.username = str("username");
    this.config.password = str("password");
    this.config.interval = pyInt(opt("interval"), "interval");
    this.config.threads = pyInt(opt("threads"), "threads");
    this.config.batch_size = pyInt(opt("batch_size"), "batch_size");
    this.config.ssl = String(opt("ssl")).toLowerCase() === "true";
    this.config.verify_ssl = String(opt("verify_ssl")).toLowerCase() === "true";
  }

  gather_statistics(): Point[] {
    const now = this.get_timestamp();
    const [dfStats, pools] = this.get_df_stats(now);
    return [
      ...dfStats,
      ...this.get_daemon_stats(now),
      ...this.get_pg_summary_osd(pools, now),
      ...this.get_pg_summary_pool(pools, now),
    ];
  }

  get_influx_client(): InfluxClient {
    const c = this.config;
    if (c.ssl && c.verify_ssl === false && !this.#verifyWarned) {
      this.#verifyWarned = true;
      this.log.warning(
        "verify_ssl is false, but mgrd cannot turn off certificate verification: " +
          "the InfluxDB server's certificate is still checked",
      );
    }
    return new InfluxClient({
      host: c.hostname ?? "",
      port: c.port ?? 8086,
      username: c.username ?? null,
      password: c.password ?? null,
      database: c.database ?? "",
      ssl: c.ssl ?? false,
      verifySsl: c.verify_ssl ?? true,
      signal: this.#abort.signal,
    });
  }

  /** Python's `chunk(points, n)`: batches of `n`, then the rest, even when the rest is empty. */
  static chunk<T>(items: readonly T[], n: number): T[][] {
    const chunks: T[][] = [];
    let at = 0;
    if (n > 0) {
      while (at + n <= items.length) {
        chunks.push(items.slice(at, at + n));
        at += n;
      }
    }
    chunks.push(items.slice(at));
    return chunks;
  }

  #hostPort(): string {
    return `${this.config.hostname}:${this.config.port}`;
  }

  async #queueWorker(): Promise<void> {
    while (true) {
      const points = this.#queue.length > 0
        ? this.#queue.shift()!
        : await new Promise<Point[] | null>((resolve) => this.#idleWorkers.push(resolve));
      if (points === null) {
        this.log.debug("Worker shutting down");
        break;
      }
      try {
        const start = this.now();
        await this.get_influx_client().writePoints(points);
        this.log.debug(
          `Writing points ${points.length} to Influx took ${(this.now() - start).toFixed(3)} ` +
            "seconds",
        );
      } catch (e) {
        if (e instanceof RequestException) {
          this.log.exception(`Failed to connect to Influx host ${this.#hostPort()}`, e);
          this.healthChecks.MGR_INFLUX_SEND_FAILED = {
            severity: "warning",
            summary: `Failed to send data to InfluxDB server at ${this.#hostPort()} due to an ` +
              "connection error",
            detail: [e.message],
          };
        } else if (e instanceof InfluxDBClientError) {
          this.healthChecks.MGR_INFLUX_SEND_FAILED = {
            severity: "warning",
            summary: "Failed to send data to InfluxDB",
            detail: [e.message],
          };
          this.log.exception("Failed to send data to InfluxDB", e);
        } else {
          this.log.exception("Unhandled Exception while sending to Influx", e);
        }
      }
    }
  }

  #put(item: Point[] | null): void {
    const idle = this.#idleWorkers.shift();
    if (idle) idle(item);
    else this.#queue.push(item);
  }

  /** The batches waiting for a worker (Python's `queue.qsize()`). */
  get queued(): number {
    return this.#queue.length;
  }

  async send_to_influx(): Promise<boolean | undefined> {
    if (!this.config.hostname) {
      this.log.error(
        "No Influx server configured, please set one using: " +
          "ceph influx config-set hostname <hostname>",
      );
      this.set_health_checks({
        MGR_INFLUX_NO_SERVER: {
          severity: "warning",
          summary: "No InfluxDB server configured",
          detail: ["Configuration option hostname not set"],
        },
      });
      return false;
    }
    this.healthChecks = {};
    this.log.debug(`Sending data to Influx host: ${this.config.hostname}`);
    try {
      const client = this.get_influx_client();
      const databases = await client.getListDatabase();
      const database = this.config.database ?? "";
      if (!databases.some((d) => d.name === database)) {
        this.log.info(
          `Database '${database}' not found, trying to create (requires admin privs). You can ` +
            `also create manually and grant write privs to user '${database}'`,
        );
        await client.createDatabase(database);
        await client.createRetentionPolicy("8_weeks", "8w", "1");
      }
      this.log.debug("Gathering statistics");
      const points = this.gather_statistics();
      for (const chunk of Module.chunk(points, this.config.batch_size ?? 5000)) {
        if (this.#queue.length >= QUEUE_MAX) {
          this.healthChecks.MGR_INFLUX_QUEUE_FULL = {
            severity: "warning",
            summary: "Failed to chunk to InfluxDB Queue",
            detail: ["Queue is full. InfluxDB might be slow with processing data"],
          };
          this.log.error("Queue is full, failed to add chunk");
          return undefined;
        }
        this.#put(chunk);
      }
      this.log.debug(`Queue currently contains ${this.#queue.length} items`);
    } catch (e) {
      if (e instanceof RequestException || e instanceof InfluxDBClientError) {
        this.healthChecks.MGR_INFLUX_DB_LIST_FAILED = {
          severity: "warning",
          summary: "Failed to list/create InfluxDB database",
          detail: [e.message],
        };
        this.log.exception("Failed to list/create InfluxDB database", e);
        return false;
      }
      throw e;
    } finally {
      this.set_health_checks(this.healthChecks);
    }
    return undefined;
  }

  override async shutdown(): Promise<void> {
    this.log.info("Stopping influx module");
    this.log.debug("Shutting down queue workers");
    for (const _ of this.#workers) this.#put(null);
    // Python joins the queue and its threads, which can wait for ever on a server that does
    // not answer; here the requests in flight are aborted, so the stop is prompt (batches
    // still queued then fail fast and are logged).
    this.#abort.abort();
    await Promise.all(this.#workers);
  }

  override self_test(): string {
    const now = this.get_timestamp();
    const daemonStats = this.get_daemon_stats(now);
    if (daemonStats.length === 0) throw new AssertionError("no daemon statistics");
    const [dfStats] = this.get_df_stats(now);
    return jsonIndent2({ daemon_stats: daemonStats, df_stats: dfStats });
  }

  override async handle_command(
    _inbuf: string,
    cmd: Record<string, unknown>,
  ): Promise<HandleCommandResult> {
    const prefix = cmd.prefix;
    if (prefix === "influx config-show") {
      return new HandleCommandResult(0, pythonJson(this.config, "json"), "");
    }
    if (prefix === "influx config-set") {
      const key = String(cmd.key);
      const value = cmd.value;
      if (value === undefined || value === null || value === "") {
        return new HandleCommandResult(-EINVAL, "", "Value should not be empty or None");
      }
      this.log.debug(`Setting configuration option ${key} to ${String(value)}`);
      try {
        this.set_config_option(key, String(value));
      } catch (e) {
        // Ceph answers with the Python traceback, whose last line this is.
        if (e instanceof RuntimeError) return new HandleCommandResult(-EINVAL, "", `${e}`);
        throw e;
      }
      await this.set_module_option(key, String(value));
      return new HandleCommandResult(0, `Configuration option ${key} updated`, "");
    }
    if (prefix === "influx send") {
      await this.#sendLogged();
      return new HandleCommandResult(0, "Sending data to Influx", "");
    }
    return new HandleCommandResult(-EINVAL, "", `Command not found '${String(prefix)}'`);
  }

  /**
   * A send whose unexpected failure (a 5xx answer to the database query, cluster state the
   * module cannot read) is logged. In Ceph that exception ends `serve()` (the module fails)
   * or answers `influx send` with a traceback; here the module keeps running and says so.
   */
  async #sendLogged(): Promise<void> {
    try {
      await this.send_to_influx();
    } catch (e) {
      const what = e instanceof InfluxDBServerError ? "InfluxDB server error" : "error";
      this.log.exception(`Sending data to Influx failed with an ${what}`, e);
    }
  }

  override async serve(): Promise<void> {
    this.log.info("Starting influx module");
    this.init_module_config();
    const threads = this.config.threads ?? 5;
    this.log.debug(`Starting ${threads} queue worker threads`);
    for (let i = 0; i < threads; i++) this.#workers.push(this.#queueWorker());
    while (!this.shutting_down) {
      const start = this.now();
      await this.#sendLogged();
      this.log.debug(
        `Finished sending data to Influx in ${(this.now() - start).toFixed(3)} seconds`,
      );
      if (this.shutting_down) break;
      this.log.debug(`Sleeping for ${this.config.interval} seconds`);
      await this.sleep(this.config.interval ?? 30);
    }
  }
}
