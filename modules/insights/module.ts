/**
 * Ceph's insights module (src/pybind/mgr/insights/module.py of 16.2.15): `insights` prints one
 * JSON report of the cluster (its maps, `df`, `config dump`, the OSD stats, the crash module's
 * summary, and the health checks seen in the past 24 hours), built from the same `get()`
 * names, counters, mon command and `remote()` call as the Python module's; `insights
 * prune-health <hours>` drops history; `testing_set_now_time_offset` (which `mgr self-test
 * insights_set_now_offset` calls) shifts the module's "now" for tests.
 *
 * One difference, on purpose: 16.2.15 masks `get_store`/`set_store` with a dict in memory
 * ("to avoid storing large keys persistently to disk as that was proving problematic"), so its
 * health history is lost when the manager restarts (tests/ceph-reference/cli/insights/restart_*).
 * Here the hourly slots go to the module's KV store, as health.py was written for and the
 * Python comment expects to return to, and survive a restart; a slot the mon refuses (over
 * `mon_config_key_max_entry_size`) is kept in memory, reported, and written again later.
 *
 * @module
 */
import {
  CLICommand,
  CLIReadCommand,
  CommandResult,
  EAGAIN,
  HandleCommandResult,
  MgrModule,
  NotifyType,
  pythonFloat,
} from "mgr_module";
import {
  HEALTH_HISTORY_KEY_PREFIX,
  type HealthHistoryChecks,
  HealthHistorySlot,
  keyRange,
  keyToTime,
  PERSIST_PERIOD,
} from "./health.ts";

/** Hours of crash history to report. */
const CRASH_HISTORY_HOURS = 24;
/** Hours of health history to report. */
const HEALTH_HISTORY_HOURS = 24;
/** How many hours of health history to keep. */
const HEALTH_RETENTION_HOURS = 30;
/** The check raised when a report came out incomplete. */
const INSIGHTS_HEALTH_CHECK = "MGR_INSIGHTS_WARNING";
/** Version tag of the stored slots. */
const ON_DISK_VERSION = 1;
const HOUR = 3600;

/** A `get("health")` report, parsed. */
type HealthReport = {
  checks: Record<
    string,
    { severity: string; summary: { message: string }; detail: { message: string }[] }
  >;
};

/** The insights module. */
export class Module extends MgrModule {
  static override NOTIFY_TYPES = [NotifyType.health];

  #pendingHealth: HealthReport[] = [];
  #healthSlot: HealthHistorySlot | undefined;
  /** health_util.NOW_OFFSET, in seconds: a module global in Python, so it ends with the module. */
  #nowOffset: number | null = null;
  #event = false;
  #wake: (() => void) | null = null;
  /** Store writes (flushes, prunes) one at a time, so a prune is never undone by a flush. */
  #storeLock: Promise<void> = Promise.resolve();

  /** HealthHistorySlot._now(): the daemon's time, shifted by the test offset. */
  #now(): number {
    return this.now() + (this.#nowOffset ?? 0);
  }

  #slot(): HealthHistorySlot {
    return this.#healthSlot ??= new HealthHistorySlot(this.#now());
  }

  #set(): void {
    this.#event = true;
    this.#wake?.();
    this.#wake = null;
  }

  /** `threading.Event.wait(timeout)`: until set, `seconds` pass, or the module stops. */
  async #wait(seconds: number): Promise<void> {
    if (this.#event || this.shutting_down) return;
    const woken = new Promise<void>((resolve) => this.#wake = resolve);
    try {
      await Promise.race([this.sleep(seconds), woken]);
    } finally {
      this.#wake = null;
    }
  }

  #locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#storeLock.then(fn);
    this.#storeLock = run.then(() => {}, () => {});
    return run;
  }

  /** Queue updates for processing. */
  override notify(type: NotifyType, _id: string): void {
    if (type !== NotifyType.health) return;
    this.log.info(`Received health check update ${this.#pendingHealth.length} pending`);
    const health = this.get("health") as { json: string };
    this.#pendingHealth.push(JSON.parse(health.json) as HealthReport);
    this.#set();
  }

  override async serve(): Promise<void> {
    this.#healthReset();
    while (true) {
      await this.#wait(PERSIST_PERIOD);
      this.#event = false;
      if (this.shutting_down) break;

      // When the current slot expires, finalize it by flushing it to the store, and
      // initialize a new empty slot.
      if (this.#slot().expired(this.#now())) {
        this.log.info(`Health history slot expired ${this.#slot()}`);
        await this.#healthMaybeFlush();
        this.#healthReset();
        await this.#healthPruneHistory(HEALTH_RETENTION_HOURS);
      }

      // Fold in pending health snapshots and flush. ceph-mgr notifies `health` with every mon
      // digest (5 s) whether it changed or not; mgrd only when it changes. Without a
      // notification a pass takes the current health itself, so a check that lasts is in
      // every hour's slot and is back after a prune, as in Ceph.
      const pending = this.#pendingHealth;
      this.#pendingHealth = [];
      if (pending.length === 0) {
        pending.push(JSON.parse((this.get("health") as { json: string }).json) as HealthReport);
      }
      this.log.info(`Applying ${pending.length} health updates to slot ${this.#slot()}`);
      for (const health of pending) this.#slot().add(this.#now(), health);
      await this.#healthMaybeFlush();
    }
    // Python's slots die with the process; stored ones should not lose their last seconds.
    await this.#healthMaybeFlush(true);
  }

  override shutdown(): void {
    this.#set();
  }

  /** The current slot, from what is already stored for its hour, else empty. */
  #healthReset(): void {
    const now = this.#now();
    const key = new HealthHistorySlot(now).key();
    const data = this.get_store(key);
    this.#healthSlot = new HealthHistorySlot(now, data ? this.#parseSlot(key, data) : {});
    this.log.info(`Reset curr health slot ${this.#healthSlot}`);
  }

  #parseSlot(key: string, data: string): { checks?: HealthHistoryChecks } {
    try {
      return JSON.parse(data) as { checks?: HealthHistoryChecks };
    } catch (e) {
      this.log.warning(`Ignoring unreadable health slot ${key}: ${(e as Error).message}`);
      return {};
    }
  }

  /** Stores the current slot if it is due (`force`: if it is dirty at all). */
  #healthMaybeFlush(force = false): Promise<void> {
    return this.#locked(async () => {
      const slot = this.#slot();
      const need = force ? slot.dirty : slot.needFlush(this.#now());
      this.log.info(`Maybe flushing slot ${slot} needed ${need ? "True" : "False"}`);
      if (!need) return;
      const key = slot.key();
      const data = JSON.stringify({ ...slot.health(), version: ON_DISK_VERSION });
      this.log.debug(`Storing health key ${key} data ${data}`);
      try {
        await this.set_store(key, data);
      } catch (e) {
        // Still dirty: the report merges the slot from memory, and the next pass writes again.
        this.log.warning(`Failed to store health key ${key}: ${(e as Error).message}`);
        return;
      }
      slot.markFlushed();
    });
  }

  /** The stored slot keys whose hour passes `f`. */
  #healthFilter(f: (t: number) => boolean): string[] {
    return Object.keys(this.get_store_prefix(HEALTH_HISTORY_KEY_PREFIX)).filter((key) => {
      const t = keyToTime(key);
      return t !== undefined && f(t);
    });
  }

  /** Drops the slots older than `hours` (by the daemon's time, not the offset one, as Ceph). */
  #healthPruneHistory(hours: number): Promise<void> {
    return this.#locked(async () => {
      const cutoff = this.now() - hours * HOUR;
      for (const key of this.#healthFilter((ts) => ts <= cutoff)) {
        this.log.info(`Removing old health slot key ${key}`);
        await this.set_store(key, null);
      }
      if (!hours) this.#healthSlot = new HealthHistorySlot(this.#now());
    });
  }

  /** The current health and the history of the past `hours` hours, merged. */
  #healthReport(hours: number): { current: unknown; history: { checks: HealthHistoryChecks } } {
    const now = this.#now();
    const collector = new HealthHistorySlot(now);
    for (const key of keyRange(now, hours)) {
      const data = this.get_store(key);
      this.log.info(`Reporting health key ${key} found ${data ? "True" : "False"}`);
      collector.merge(new HealthHistorySlot(now, data ? this.#parseSlot(key, data) : {}));
    }
    // Include history that hasn't yet been flushed.
    collector.merge(this.#slot());
    return {
      current: JSON.parse((this.get("health") as { json: string }).json),
      history: collector.health(),
    };
  }

  /** The crash module's summary (`crash json_report`), and what went wrong asking for it. */
  async #crashHistory(hours: number): Promise<[Record<string, unknown>, string[]]> {
    const params = { prefix: "crash json_report", hours };
    const result: Record<string, unknown> = { summary: {}, hours: params.hours };
    const details: string[] = [];
    try {
      const reply = await this.remote("crash", "handle_command", "", params);
      // Python unpacks `_, _, crashes`: a tuple, or a HandleCommandResult crossed as an object.
      const crashes = Array.isArray(reply)
        ? reply[2]
        : (reply as { stderr?: unknown } | null)?.stderr;
      if (typeof crashes !== "string") throw new Error(`unexpected reply ${String(reply)}`);
      result.summary = JSON.parse(crashes);
    } catch (e) {
      const errmsg = "failed to invoke crash module";
      this.log.warning(`${errmsg}: ${(e as Error)?.message ?? String(e)}`);
      details.push(errmsg);
    }
    return [result, details];
  }

  /** Each OSD of the map gets its `osd_stats` row and the numpg/stat_bytes counters. */
  #applyOsdStats(osdMap: { osds: Record<string, unknown>[] }): void {
    const idxById = new Map<unknown, number>();
    osdMap.osds.forEach((o, idx) => idxById.set(o.osd, idx));
    const stats = this.get("osd_stats") as { osd_stats?: { osd: number }[] } | null;
    for (const s of stats?.osd_stats ?? []) {
      const idx = idxById.get(s.osd);
      if (idx === undefined) this.log.warning(`inconsistent api state: ${s.osd}`);
      else (osdMap.osds[idx] as Record<string, unknown>).osd_stats = s;
    }
    for (const osd of osdMap.osds) {
      const counters: Record<string, number> = {};
      for (const path of ["osd.numpg", "osd.stat_bytes", "osd.stat_bytes_used"]) {
        counters[path.split(".")[1] as string] = this.get_latest("osd", String(osd.osd), path);
      }
      osd.stats = counters;
    }
  }

  /** The mon's `config dump` (no defaults: the version implies them). */
  async #configDump(): Promise<[unknown, string[]]> {
    const result = new CommandResult("");
    const args = { prefix: "config dump", format: "json" };
    this.send_command(result, "mon", "", JSON.stringify(args), "");
    const [ret, outb, outs] = await result.wait();
    if (ret === 0) return [JSON.parse(outb), []];
    this.log.warning(`send_command 'config dump' failed. ret=${ret}, outs="${outs}"`);
    return [[], ["Failed to read monitor config dump"]];
  }

  @CLIReadCommand("insights", { desc: "Retrieve insights report" })
  async doReport(): Promise<HandleCommandResult> {
    // ceph-mgr activates modules only once it has the maps; mgrd can be asked before that.
    if (!this.get("osd_map")) return new HandleCommandResult(-EAGAIN, "", "no OSD map yet");
    const details: string[] = [];
    const report: Record<string, unknown> = {};
    report.version = { full: this.version, ...versionParse(this.version) };

    const [crashes, crashDetails] = await this.#crashHistory(CRASH_HISTORY_HOURS);
    report.crashes = crashes;
    details.push(...crashDetails);

    report.health = this.#healthReport(HEALTH_HISTORY_HOURS);

    const [config, configDetails] = await this.#configDump();
    report.config = config;
    details.push(...configDetails);

    // The maps below are read after the mon answered, but it may have gone again since.
    const stale = this.have_mon_connection()
      ? ""
      : "the manager has no mon connection: this is from the last maps it received";

    const osdMap = this.get("osd_map", { mutable: true }) as
      & { osds: Record<string, unknown>[] }
      & Record<string, unknown>;
    delete osdMap.pg_temp;
    this.#applyOsdStats(osdMap);
    report.osd_dump = osdMap;

    report.df = this.get("df");
    report.osd_tree = this.get("osd_map_tree");
    report.fs_map = this.get("fs_map");
    report.crush_map = this.get("osd_map_crush");
    report.mon_map = this.get("mon_map");
    report.service_map = this.get("service_map");
    report.manager_map = this.get("mgr_map");
    const monStatus = this.get("mon_status") as { json: string } | null;
    report.mon_status = monStatus ? JSON.parse(monStatus.json) : null;
    report.pg_summary = this.get("pg_summary");
    report.osd_metadata = this.get("osd_metadata");
    report.errors = details;

    // As in Ceph, the warning stays once raised: only a module restart clears it.
    if (details.length > 0) {
      this.set_health_checks({
        [INSIGHTS_HEALTH_CHECK]: {
          severity: "warning",
          summary: "Generated incomplete Insights report",
          detail: details,
        },
      });
    }
    // ceph-mgr hands the CLI the report with a newline after it (cli/insights/).
    return new HandleCommandResult(0, reportJson(report) + "\n", stale);
  }

  @CLICommand("insights prune-health", {
    args: { hours: "int" },
    desc: "Remove health history older than <hours> hours",
  })
  async doPruneHealth({ hours }: { hours: number }): Promise<HandleCommandResult> {
    await this.#healthPruneHistory(hours);
    return new HandleCommandResult(0, "", "");
  }

  /**
   * Control what "now" time it is by applying an offset. This is called from the selftest
   * module to manage testing scenarios related to tracking health history.
   */
  testing_set_now_time_offset(hours: unknown): void {
    const n = pyInt(hours);
    this.#nowOffset = n * HOUR;
    this.log.warning(`Setting now time offset ${timedeltaText(this.#nowOffset)}`);
  }
}

/** The parts of `ceph version 16.2.15 (...)`; none when the string does not parse. */
export function versionParse(version: string): Record<string, number> {
  const m = /^ceph version (\d+)\.(\d+)\.(\d+)/.exec(version);
  return m ? { release: Number(m[1]), major: Number(m[2]), minor: Number(m[3]) } : {};
}

/** Python's `int(x)`: an integral number (truncated) or integer text; ValueError otherwise. */
function pyInt(x: unknown): number {
  if (typeof x === "number" && Number.isFinite(x)) return Math.trunc(x);
  if (typeof x === "string" && /^\s*[+-]?\d+\s*$/.test(x)) return Number.parseInt(x, 10);
  throw new Error(`invalid literal for int() with base 10: '${String(x)}'`);
}

/** Python's `str(datetime.timedelta(seconds=s))` for whole seconds: `-1 day, 6:00:00`. */
export function timedeltaText(seconds: number): string {
  const days = Math.floor(seconds / 86400);
  const rest = seconds - days * 86400;
  const h = Math.floor(rest / 3600);
  const m = Math.floor((rest % 3600) / 60);
  const s = rest % 60;
  const clock = `${h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
  if (days === 0) return clock;
  return `${days} day${Math.abs(days) === 1 ? "" : "s"}, ${clock}`;
}

/**
 * Where the Python module's report holds floats (what `get()` gives Python as float), found
 * in the real report (cli/insights/insights_with_crash_and_check.txt); `[]` stands for any
 * array element, `*` for any key of a map keyed by data. Whole numbers there print as `1.0`.
 */
const FLOAT_PATHS: ReadonlySet<string> = new Set([
  "df.pools[].stats.percent_used",
  "df.stats.total_used_raw_ratio",
  "df.stats_by_class.*.total_used_raw_ratio",
  "osd_dump.backfillfull_ratio",
  "osd_dump.full_ratio",
  "osd_dump.nearfull_ratio",
  "osd_dump.osd_xinfo[].laggy_probability",
  "osd_dump.osds[].osd_stats.perf_stat.apply_latency_ms",
  "osd_dump.osds[].osd_stats.perf_stat.commit_latency_ms",
  "osd_dump.osds[].primary_affinity",
  "osd_dump.osds[].weight",
  "osd_tree.nodes[].crush_weight",
  "osd_tree.nodes[].primary_affinity",
  "osd_tree.nodes[].reweight",
]);

/** The maps of the report keyed by data, for FLOAT_PATHS' `*`. */
const DATA_KEYED: ReadonlySet<string> = new Set(["df.stats_by_class"]);

/**
 * Python's `json.dumps(report, indent=2)`: insertion order, non-ASCII escaped as `\uXXXX`,
 * floats as Python writes them (`1.0`, `1.6e-08`).
 */
export function reportJson(value: unknown): string {
  const walk = (v: unknown, path: string, depth: number): string => {
    if (typeof v === "number") {
      return Number.isInteger(v) && !FLOAT_PATHS.has(path) ? String(v) : pythonFloat(v);
    }
    if (v === null || typeof v !== "object") return asciiJson(v);
    const pad = "\n" + "  ".repeat(depth + 1);
    const end = "\n" + "  ".repeat(depth);
    if (Array.isArray(v)) {
      if (v.length === 0) return "[]";
      return "[" + v.map((e) => pad + walk(e, `${path}[]`, depth + 1)).join(",") + end + "]";
    }
    const entries = Object.entries(v).filter(([, e]) => e !== undefined);
    if (entries.length === 0) return "{}";
    const keyed = DATA_KEYED.has(path);
    return "{" +
      entries.map(([k, e]) =>
        pad + asciiJson(k) + ": " +
        walk(e, keyed ? `${path}.*` : path ? `${path}.${k}` : k, depth + 1)
      ).join(",") + end + "}";
  };
  return walk(value, "", 0);
}

function asciiJson(v: unknown): string {
  return (JSON.stringify(v) ?? "null").replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
