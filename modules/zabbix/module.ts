/**
 * zabbix — Ceph 16.2.15's zabbix module: every `interval` seconds it sends the cluster's
 * health, capacity, IO, OSD and PG figures (get_data()) to each Zabbix server of `zabbix_host`
 * through the `zabbix_sender` executable, and every `discovery_interval` rounds the pool and
 * OSD discovery data (low-level discovery for the Zabbix template). Commands: `zabbix
 * config-set <key> <value>`, `zabbix config-show`, `zabbix send`, `zabbix discovery`;
 * `mgr self-test module zabbix` runs its self_test().
 *
 * Health: MGR_ZABBIX_NO_SERVER while no valid server is configured. MGR_ZABBIX_SEND_FAILED is
 * raised when a sender run fails and, exactly as in 16.2.15, cleared again at the end of the
 * same send() (its `set_health_checks(dict())` after the loop), so it is never seen; the
 * failure shows in the log and in `zabbix send`'s "Failed to send data to Zabbix".
 *
 * The sender is Debian's `zabbix_sender` (package zabbix-agent); running it needs the
 * process's `--allow-run`.
 *
 * @module
 */
import { EAGAIN, EINVAL, HandleCommandResult, MgrModule, Option, pythonFloat } from "mgr_module";
import { SenderError, ZabbixSender } from "./_sender.ts";

const HEALTH_MAPPING: Readonly<Record<string, number>> = {
  HEALTH_OK: 0,
  HEALTH_WARN: 1,
  HEALTH_ERR: 2,
};

/** A value Python computed as a float (printed `0.0`, `0.3333333333333333`, `1e-05`). */
export class PyFloat {
  constructor(readonly value: number) {}
  toString(): string {
    return pythonFloat(this.value);
  }
}

/** A get_data() value: a str, an int, or a float. */
export type ZabbixValue = string | number | PyFloat;

/** get_data()'s result, in Python's insertion order. */
export type ZabbixData = Map<string, ZabbixValue>;

/** A Python exception raised by the module itself. */
class PyError extends Error {
  constructor(readonly pyType: string, message: string) {
    super(message);
    this.name = pyType;
  }
}

/**
 * A cluster map the module reads has not arrived yet (Ceph's manager starts modules only once
 * it has its maps; mgrd's may start first): commands answer EAGAIN, serve() waits.
 */
export class MapNotYetReceived extends Error {
  constructor(readonly map: string) {
    super(`the manager has not received '${map}' from the cluster yet; try again`);
    this.name = "MapNotYetReceived";
  }
}

/** Python's `str()` of a value, as the sender's input line carries it. */
function pyStr(v: ZabbixValue): string {
  if (typeof v === "number") return Math.abs(v) < 1e21 ? String(v) : BigInt(v).toString();
  return v.toString();
}

/** Python's `int(value)`; RuntimeError as set_config_option raises it. */
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

function avg(data: readonly number[]): number {
  return data.length ? data.reduce((a, b) => a + b, 0) / data.length : 0;
}

/** Python's `repr()` of the parsed host list, as the module logs it. */
function hostsRepr(hosts: readonly { zabbix_host: string; zabbix_port: string | number }[]) {
  return "[" +
    hosts.map((h) =>
      `{'zabbix_host': '${h.zabbix_host}', 'zabbix_port': ${
        typeof h.zabbix_port === "string" ? `'${h.zabbix_port}'` : h.zabbix_port
      }}`
    ).join(", ") + "]";
}

/** Python's `json.dumps` (default separators, insertion order) of the discovery lists. */
function dumpsDiscovery(items: readonly (readonly [string, string | number][])[]): string {
  return '{"data": [' +
    items.map((pairs) =>
      "{" + pairs.map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(", ") + "}"
    ).join(", ") + "]}";
}

/** The PG states get_pg_stats counts, in Ceph's order. */
const PG_STATES = [
  "active",
  "peering",
  "clean",
  "scrubbing",
  "undersized",
  "backfilling",
  "recovering",
  "degraded",
  "inconsistent",
  "remapped",
  "backfill_toofull",
  "backfill_wait",
  "recovery_wait",
] as const;

/** The server pattern of _parse_zabbix_hosts (Python's re.match: anchored at the start). */
const HOST_RE = /^(?:(?:\[?)([a-z0-9\-.]+|[a-f0-9:.]+)(?:\]?))(?:((?::))([0-9]{1,5}))?$/;

interface CrushDump {
  rules: { rule_id: number; steps: { op: string; item?: number; item_name?: string }[] }[];
  buckets: { id: number; items: { id: number }[] }[];
}

/** The zabbix module. */
export class Module extends MgrModule {
  static override MODULE_OPTIONS = [
    Option({ name: "zabbix_sender", default: "/usr/bin/zabbix_sender" }),
    // 16.2.15 declares `'default': None` in a plain dict; the manager stores str(None), so the
    // option's default is the text "None" (`ceph config get mgr mgr/zabbix/zabbix_host`).
    Option({ name: "zabbix_host", default: "None" }),
    Option({ name: "zabbix_port", type: "int", default: 10051 }),
    Option({ name: "identifier", default: "" }),
    Option({ name: "interval", type: "secs", default: 60 }),
    // Declared `'type': 'count'`, a type 16.2's manager does not know: it becomes a str option
    // with the default "100", which set_config_option turns into an int.
    Option({ name: "discovery_interval", default: "100" }),
  ];

  static override COMMANDS = [
    {
      cmd: "zabbix config-set name=key,type=CephString name=value,type=CephString",
      desc: "Set a configuration value",
      perm: "rw",
    },
    { cmd: "zabbix config-show", desc: "Show current configuration", perm: "r" },
    { cmd: "zabbix send", desc: "Force sending data to Zabbix", perm: "rw" },
    { cmd: "zabbix discovery", desc: "Discovering Zabbix data", perm: "r" },
  ];

  /** The in-memory configuration, as the Python module's `self.config`. */
  config: Record<string, string | number | boolean | null> = {};
  fsid = "";
  #zabbixHosts: { zabbix_host: string; zabbix_port: string | number }[] = [];

  /** get(name), or MapNotYetReceived when the manager has no such data yet. */
  #need(name: string): unknown {
    const v = this.get(name);
    if (v === null || v === undefined) throw new MapNotYetReceived(name);
    return v;
  }

  #initialized = false;
  /** Why the last send() failed, for the command's stderr (Ceph's says nothing there). */
  #sendErrors: string[] = [];

  init_module_config(): void {
    this.fsid = (this.#need("mon_map") as { fsid: string }).fsid;
    this.log.debug(`Found Ceph fsid ${this.fsid}`);
    for (const key of this._options().keys()) {
      this.set_config_option(key, this.get_module_option(key));
    }
    if (this.config.zabbix_host) this._parse_zabbix_hosts();
    this.#initialized = true;
  }

  set_config_option(option: string, value: string | number | boolean | null): boolean {
    if (!this._options().has(option)) {
      throw new PyError("RuntimeError", `${option} is a unknown configuration option`);
    }
    let v = value;
    if (["zabbix_port", "interval", "discovery_interval"].includes(option)) {
      v = pythonIntOption(option, value);
    }
    if (option === "interval" && (v as number) < 10) {
      throw new PyError("RuntimeError", "interval should be set to at least 10 seconds");
    }
    if (option === "discovery_interval" && (v as number) < 10) {
      throw new PyError(
        "RuntimeError",
        "discovery_interval should not be more frequent than once in 10 regular data collection",
      );
    }
    this.log.debug(`Setting in-memory config option ${option} to: ${String(v)}`);
    this.config[option] = v;
    return true;
  }

  _parse_zabbix_hosts(): void {
    this.#zabbixHosts = [];
    for (const server of String(this.config.zabbix_host).split(",")) {
      const uri = HOST_RE.exec(server);
      if (uri) {
        const [, host, sep, port] = uri;
        this.#zabbixHosts.push({
          zabbix_host: host!,
          zabbix_port: sep === ":" ? port! : this.config.zabbix_port as number,
        });
      } else {
        this.log.error(`Zabbix host "${server}" is not valid`);
      }
    }
    this.log.error(`Parsed Zabbix hosts: ${hostsRepr(this.#zabbixHosts)}`);
  }

  get_pg_stats(): ZabbixData {
    const stats: ZabbixData = new Map();
    for (const state of PG_STATES) stats.set(`num_pg_${state}`, 0);
    const pgStatus = this.#need("pg_status") as {
      num_pgs: number;
      pgs_by_state: { state_name: string; count: number }[];
    };
    stats.set("num_pg", pgStatus.num_pgs);
    for (const state of pgStatus.pgs_by_state) {
      const states = state.state_name.split("+");
      for (const s of PG_STATES) {
        const key = `num_pg_${s}`;
        if (states.includes(s)) stats.set(key, (stats.get(key) as number) + state.count);
      }
    }
    return stats;
  }

  get_data(): ZabbixData {
    const data: ZabbixData = new Map();
    const health = JSON.parse((this.#need("health") as { json: string }).json) as {
      status?: string;
      overall_status?: string;
    };
    // 'status' is luminous+, 'overall_status' is legacy mode.
    const overall = health.status ?? health.overall_status ?? "None";
    data.set("overall_status", overall);
    data.set("overall_status_int", HEALTH_MAPPING[overall] ?? "None");

    const monStatus = JSON.parse((this.#need("mon_status") as { json: string }).json) as {
      monmap: { mons: unknown[] };
    };
    data.set("num_mon", monStatus.monmap.mons.length);

    const df = this.#need("df") as {
      pools: { name: string; stats: Record<string, number> }[];
      stats: Record<string, number>;
    };
    data.set("num_pools", df.pools.length);
    data.set("total_used_bytes", df.stats.total_used_bytes!);
    data.set("total_bytes", df.stats.total_bytes!);
    data.set("total_avail_bytes", df.stats.total_avail_bytes!);
    let wrOps = 0, rdOps = 0, wrBytes = 0, rdBytes = 0;
    for (const pool of df.pools) {
      const s = pool.stats;
      wrOps += s.wr!;
      rdOps += s.rd!;
      wrBytes += s.wr_bytes!;
      rdBytes += s.rd_bytes!;
      data.set(`[${pool.name},rd_bytes]`, s.rd_bytes!);
      data.set(`[${pool.name},wr_bytes]`, s.wr_bytes!);
      data.set(`[${pool.name},rd_ops]`, s.rd!);
      data.set(`[${pool.name},wr_ops]`, s.wr!);
      data.set(`[${pool.name},bytes_used]`, s.bytes_used!);
      data.set(`[${pool.name},stored_raw]`, s.stored_raw!);
      data.set(`[${pool.name},percent_used]`, new PyFloat(s.percent_used! * 100));
    }
    data.set("wr_ops", wrOps);
    data.set("rd_ops", rdOps);
    data.set("wr_bytes", wrBytes);
    data.set("rd_bytes", rdBytes);

    const osdMap = this.#need("osd_map") as {
      osds: { osd: number; up: number; in: number }[];
      nearfull_ratio: number;
      full_ratio: number;
      backfillfull_ratio: number;
      pg_temp: unknown[];
    };
    data.set("num_osd", osdMap.osds.length);
    data.set("osd_nearfull_ratio", new PyFloat(osdMap.nearfull_ratio));
    data.set("osd_full_ratio", new PyFloat(osdMap.full_ratio));
    data.set("osd_backfillfull_ratio", new PyFloat(osdMap.backfillfull_ratio));
    data.set("num_pg_temp", osdMap.pg_temp.length);
    let numUp = 0, numIn = 0;
    for (const osd of osdMap.osds) {
      data.set(`[osd.${Math.trunc(osd.osd)},up]`, osd.up);
      if (osd.up === 1) numUp++;
      data.set(`[osd.${Math.trunc(osd.osd)},in]`, osd.in);
      if (osd.in === 1) numIn++;
    }
    data.set("num_osd_up", numUp);
    data.set("num_osd_in", numIn);

    const osdFill: number[] = [];
    const osdPgs: number[] = [];
    const apply: number[] = [];
    const commit: number[] = [];
    const osdStats = this.#need("osd_stats") as {
      osd_stats: {
        osd: number;
        kb: number;
        kb_used: number;
        num_pgs: number;
        perf_stat: { apply_latency_ns: number; commit_latency_ns: number };
      }[];
    };
    for (const osd of osdStats.osd_stats) {
      // Python's ZeroDivisionError: the OSD's other figures are skipped too.
      if (Number(osd.kb) === 0) continue;
      const fill = (osd.kb_used / osd.kb) * 100;
      osdFill.push(fill);
      data.set(`[osd.${osd.osd},osd_fill]`, new PyFloat(fill));
      osdPgs.push(osd.num_pgs);
      apply.push(osd.perf_stat.apply_latency_ns);
      commit.push(osd.perf_stat.commit_latency_ns);
      data.set(`[osd.${osd.osd},num_pgs]`, osd.num_pgs);
      data.set(
        `[osd.${osd.osd},osd_latency_apply]`,
        new PyFloat(osd.perf_stat.apply_latency_ns / 1000000.0),
      );
      data.set(
        `[osd.${osd.osd},osd_latency_commit]`,
        new PyFloat(osd.perf_stat.commit_latency_ns / 1000000.0),
      );
    }
    // Python's max() of an empty list raises ValueError, which skips the whole block.
    if (osdFill.length > 0) {
      data.set("osd_max_fill", new PyFloat(Math.max(...osdFill)));
      data.set("osd_min_fill", new PyFloat(Math.min(...osdFill)));
      data.set("osd_avg_fill", new PyFloat(avg(osdFill)));
      data.set("osd_max_pgs", Math.max(...osdPgs));
      data.set("osd_min_pgs", Math.min(...osdPgs));
      data.set("osd_avg_pgs", new PyFloat(avg(osdPgs)));
    }
    if (apply.length > 0) {
      data.set("osd_latency_apply_max", new PyFloat(Math.max(...apply) / 1000000.0));
      data.set("osd_latency_apply_min", new PyFloat(Math.min(...apply) / 1000000.0));
      data.set("osd_latency_apply_avg", new PyFloat(avg(apply) / 1000000.0));
      data.set("osd_latency_commit_max", new PyFloat(Math.max(...commit) / 1000000.0));
      data.set("osd_latency_commit_min", new PyFloat(Math.min(...commit) / 1000000.0));
      data.set("osd_latency_commit_avg", new PyFloat(avg(commit) / 1000000.0));
    }
    for (const [k, v] of this.get_pg_stats()) data.set(k, v);
    return data;
  }

  /** True when every server took the data; false when one failed; null with no server. */
  async send(data: ZabbixData): Promise<boolean | null> {
    let identifier = String(this.config.identifier ?? "");
    if (identifier.length === 0) identifier = `ceph-${this.fsid}`;
    this.#sendErrors = [];
    if (!this.config.zabbix_host || this.#zabbixHosts.length === 0) {
      this.#sendErrors.push(
        "No Zabbix server configured: configure one with " +
          "'ceph zabbix config-set zabbix_host <zabbix_host>'",
      );
      this.log.error(
        "Zabbix server not set, please configure using: " +
          "ceph zabbix config-set zabbix_host <zabbix_host>",
      );
      this.set_health_checks({
        MGR_ZABBIX_NO_SERVER: {
          severity: "warning",
          summary: "No Zabbix server configured",
          detail: ["Configuration value zabbix_host not configured"],
        },
      });
      return null;
    }
    let result = true;
    const lines = new Map([...data].map(([k, v]) => [k, pyStr(v)]));
    for (const server of this.#zabbixHosts) {
      this.log.info(
        `Sending data to Zabbix server ${server.zabbix_host}, port ${server.zabbix_port} ` +
          `as host/identifier ${identifier}`,
      );
      this.log.debug(JSON.stringify(Object.fromEntries(lines)));
      try {
        const zabbix = new ZabbixSender(
          String(this.config.zabbix_sender),
          server.zabbix_host,
          server.zabbix_port,
          this.log,
        );
        await zabbix.send(identifier, lines);
      } catch (e) {
        const err = e as Error;
        const text = e instanceof SenderError ? err.message : `${err.name}: ${err.message}`;
        this.log.error(`Failed to send.\n${err.name}: ${err.message}`);
        this.#sendErrors.push(
          `Failed to send to ${server.zabbix_host}:${server.zabbix_port}: ${text}`,
        );
        this.set_health_checks({
          MGR_ZABBIX_SEND_FAILED: {
            severity: "warning",
            summary: "Failed to send data to Zabbix",
            detail: [text],
          },
        });
        result = false;
      }
    }
    // 16.2.15 clears every check here, the one just raised for a failed server included.
    this.set_health_checks({});
    return result;
  }

  async discovery(): Promise<boolean> {
    const osdMap = this.#need("osd_map") as { pools: { pool_name: string; crush_rule: number }[] };
    const crush = this.#need("osd_map_crush") as CrushDump;
    // Maps, not objects: Python's dicts keep insertion order, integer keys included.
    const poolDiscovery = new Map<string, string>();
    for (const pool of osdMap.pools) {
      for (const rule of crush.rules) {
        if (rule.rule_id !== pool.crush_rule) continue;
        for (const step of rule.steps) {
          if (step.op === "take") poolDiscovery.set(pool.pool_name, step.item_name!);
        }
      }
    }
    const osdRoots = new Map<string, number[]>();
    for (const rule of crush.rules) {
      for (const step of rule.steps) {
        if (step.op !== "take") continue;
        for (const root of crush.buckets) {
          if (root.id === step.item) osdRoots.set(step.item_name!, root.items.map((i) => i.id));
        }
      }
    }
    const osdDiscovery = new Map<number, string>();
    for (const [crushRule, roots] of osdRoots) {
      for (const root of roots) {
        for (const bucket of crush.buckets) {
          if (bucket.id !== root) continue;
          for (const item of bucket.items) osdDiscovery.set(item.id, crushRule);
        }
      }
    }
    const data: ZabbixData = new Map([
      [
        "zabbix.pool.discovery",
        dumpsDiscovery([...poolDiscovery].map(([p, r]) => [["{#POOL}", p], ["{#CRUSH_RULE}", r]])),
      ],
      [
        "zabbix.osd.discovery",
        dumpsDiscovery([...osdDiscovery].map(([o, r]) => [["{#OSD}", o], ["{#CRUSH_RULE}", r]])),
      ],
    ]);
    return Boolean(await this.send(data));
  }

  override async handle_command(
    _inbuf: string,
    cmd: Record<string, unknown>,
  ): Promise<HandleCommandResult> {
    try {
      // serve() reads the configuration once the mon map is there; a command may come first.
      if (!this.#initialized) this.init_module_config();
      return await this.#command(cmd);
    } catch (e) {
      if (e instanceof MapNotYetReceived) return new HandleCommandResult(-EAGAIN, "", e.message);
      if (!(e instanceof PyError)) throw e;
      // Ceph answers EINVAL with the Python traceback; its last line is this one.
      return new HandleCommandResult(-EINVAL, "", `${e.pyType}: ${e.message}`);
    }
  }

  async #command(cmd: Record<string, unknown>): Promise<HandleCommandResult> {
    const prefix = String(cmd.prefix);
    if (prefix === "zabbix config-show") {
      return new HandleCommandResult(0, pythonJsonPretty(this.config), "");
    }
    if (prefix === "zabbix config-set") {
      const key = String(cmd.key);
      const value = cmd.value === undefined || cmd.value === null ? "" : String(cmd.value);
      if (!value) return new HandleCommandResult(-EINVAL, "", "Value should not be empty or None");
      this.log.debug(`Setting configuration option ${key} to ${value}`);
      if (this.set_config_option(key, value)) {
        await this.set_module_option(key, value);
        if (key === "zabbix_host" || key === "zabbix_port") this._parse_zabbix_hosts();
        return new HandleCommandResult(0, `Configuration option ${key} updated`, "");
      }
      return new HandleCommandResult(1, `Failed to update configuration option ${key}`, "");
    }
    if (prefix === "zabbix send") {
      if (await this.send(this.get_data())) {
        return new HandleCommandResult(0, "Sending data to Zabbix", "");
      }
      // A positive 1 and Ceph's words, which the CLI prints before exiting 0; stderr says why,
      // where Ceph's says nothing.
      return new HandleCommandResult(1, "Failed to send data to Zabbix", this.#why());
    }
    if (prefix === "zabbix discovery") {
      if (await this.discovery()) {
        return new HandleCommandResult(0, "Sending discovery data to Zabbix", "");
      }
      return new HandleCommandResult(1, "Failed to send discovery data to Zabbix", this.#why());
    }
    return new HandleCommandResult(-EINVAL, "", `Command not found '${prefix}'`);
  }

  #why(): string {
    return this.#sendErrors.join("\n");
  }

  override shutdown(): void {
    this.log.info("Stopping zabbix");
  }

  override async serve(): Promise<void> {
    this.log.info("Zabbix module starting up");
    for (let waits = 0; !this.#initialized; waits++) {
      try {
        this.init_module_config();
      } catch (e) {
        if (!(e instanceof MapNotYetReceived)) throw e;
        if (waits === 0) this.log.info(`Waiting for the cluster's maps: ${e.message}`);
        if (this.shutting_down) return;
        await this.sleep(1);
        if (this.shutting_down) return;
      }
    }
    const discoveryInterval = this.config.discovery_interval as number;
    // Discovery is sent once the module is loaded, then every discovery_interval rounds.
    let discoveryCounter = discoveryInterval;
    while (!this.shutting_down) {
      this.log.debug("Waking up for new iteration");
      if (discoveryCounter === discoveryInterval) {
        try {
          await this.discovery();
        } catch (e) {
          this.log.error(`Unexpected error during discovery():\n${(e as Error).stack}`);
        } finally {
          discoveryCounter = 0;
        }
      }
      try {
        await this.send(this.get_data());
      } catch (e) {
        this.log.error(`Unexpected error during send():\n${(e as Error).stack}`);
      }
      const interval = this.config.interval as number;
      this.log.debug(`Sleeping for ${interval} seconds`);
      discoveryCounter += 1;
      if (this.shutting_down) break;
      await this.sleep(interval);
    }
  }

  override self_test(): void {
    const data = this.get_data();
    if (!(String(data.get("overall_status")) in HEALTH_MAPPING)) {
      throw new PyError("RuntimeError", "No valid overall_status found in data");
    }
    if (typeof data.get("overall_status_int") !== "number") {
      throw new PyError(
        "TypeError",
        "int() argument must be a string, a bytes-like object or a real number, not 'NoneType'",
      );
    }
    if ((data.get("num_mon") as number) < 1) {
      throw new PyError("RuntimeError", "num_mon is smaller than 1");
    }
  }
}

/** `json.dumps(config, indent=4, sort_keys=True)`. */
function pythonJsonPretty(config: Readonly<Record<string, unknown>>): string {
  const keys = Object.keys(config).sort();
  if (keys.length === 0) return "{}";
  const ascii = (s: string) =>
    JSON.stringify(s).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  const value = (v: unknown) =>
    typeof v === "string" ? ascii(v) : v === null || v === undefined ? "null" : String(v);
  return "{\n" + keys.map((k) => `    ${ascii(k)}: ${value(config[k])}`).join(",\n") + "\n}";
}
