/**
 * Ceph's devicehealth module (src/pybind/mgr/devicehealth/module.py of 16.2.15), ported: every
 * `scrape_frequency` it asks each OSD and mon for its disks' SMART data (`tell <daemon> smart`)
 * and keeps each sample in the `device_health_metrics` pool through `this.rados` (an object per
 * device, a `%Y%m%d-%H%M%S` omap key per sample, older than `retention_period` pruned);
 * `device get-health-metrics <devid>` shows them. Devices expected to fail within
 * `warn_threshold` raise DEVICE_HEALTH, and within `mark_out_threshold` their OSDs are marked
 * out (`self_heal`), keeping `mon_osd_min_in_ratio` (DEVICE_HEALTH_TOOMANY otherwise). A
 * sample that tells an SSD's wear (SATA device statistics page 7, NVMe `percentage_used`)
 * sets the device's wear level (`set_device_wear_level`). The simulator's disks are
 * rotational, so their samples tell none.
 *
 * Not ported: the disk-prediction plugins (`device predict-life-expectancy` answers as Ceph
 * does without one).
 *
 * @module
 */
import {
  CLICommand,
  CommandResult,
  EAGAIN,
  EINVAL,
  ENOENT,
  type HealthChecks,
  type Ioctx,
  MgrModule,
  NotifyType,
  ObjectNotFound,
  Option,
  pythonJson,
} from "mgr_module";

const DEVICE_HEALTH = "DEVICE_HEALTH";
const DEVICE_HEALTH_IN_USE = "DEVICE_HEALTH_IN_USE";
const DEVICE_HEALTH_TOOMANY = "DEVICE_HEALTH_TOOMANY";
const MAX_SAMPLES = 500;
const DAY = 86400;
const STALE = "the manager has no mon connection: this is from the last maps it received";

/**
 * A SATA SSD's wear from `smartctl -x --json` (device statistics page 7, offset 8, in
 * percent), or null.
 *
 * @example
 * ```ts
 * import { getAtaWearLevel } from "./module.ts";
 * const data = { ata_device_statistics: { pages: [{ number: 7, table: [{ offset: 8, value: 3 }] }] } };
 * console.assert(getAtaWearLevel(data) === 0.03);
 * ```
 */
export function getAtaWearLevel(data: unknown): number | null {
  const pages = (data as { ata_device_statistics?: { pages?: unknown[] } } | null)
    ?.ata_device_statistics?.pages ?? [];
  for (
    const page
      of pages as ({ number?: number; table?: { offset: number; value: number }[] } | null)[]
  ) {
    if (page == null || page.number !== 7) continue;
    for (const item of page.table ?? []) {
      if (item.offset === 8) return item.value / 100.0;
    }
  }
  return null;
}

/** An NVMe SSD's wear from `smartctl -x --json` (`percentage_used`), or null. */
export function getNvmeWearLevel(data: unknown): number | null {
  const used = (data as { nvme_smart_health_information_log?: { percentage_used?: number } } | null)
    ?.nvme_smart_health_information_log?.percentage_used;
  return used === undefined || used === null ? null : used / 100.0;
}

/** Python's `strftime('%Y%m%d-%H%M%S')` of a UTC time. */
export function timeKey(seconds: number): string {
  const d = new Date(Math.floor(seconds) * 1000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${
    p(d.getUTCMinutes())
  }${p(d.getUTCSeconds())}`;
}

function _parseTimeKey(key: string): number | null {
  const m = /^(\d{4})(\d\d)(\d\d)-(\d\d)(\d\d)(\d\d)$/.exec(key);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!) / 1000;
}

interface DeviceInfo {
  devid: string;
  location?: { host: string; dev: string }[];
  daemons?: string[];
  life_expectancy_max?: string;
}

/** The device health module. */
export class Module extends MgrModule {
  static override MODULE_OPTIONS = [
    Option({
      name: "enable_monitoring",
      default: true,
      type: "bool",
      desc: "monitor device health metrics",
      runtime: true,
    }),
    Option({
      name: "scrape_frequency",
      default: DAY,
      type: "secs",
      desc: "how frequently to scrape device health metrics",
      runtime: true,
    }),
    Option({
      name: "pool_name",
      default: "device_health_metrics",
      type: "str",
      desc: "name of pool in which to store device health metrics",
      runtime: true,
    }),
    Option({
      name: "retention_period",
      default: DAY * 180,
      type: "secs",
      desc: "how long to retain device health metrics",
      runtime: true,
    }),
    Option({
      name: "mark_out_threshold",
      default: DAY * 14 * 2,
      type: "secs",
      desc: "automatically mark OSD if it may fail before this long",
      runtime: true,
    }),
    Option({
      name: "warn_threshold",
      default: DAY * 14 * 6,
      type: "secs",
      desc: "raise health warning if OSD may fail before this long",
      runtime: true,
    }),
    Option({
      name: "self_heal",
      default: true,
      type: "bool",
      desc: "preemptively heal cluster around devices that may fail",
      runtime: true,
    }),
    Option({
      name: "sleep_interval",
      default: 600,
      type: "secs",
      desc: "how frequently to wake up and check device health",
      runtime: true,
    }),
  ];
  static override NOTIFY_TYPES = [NotifyType.osd_map];

  #hasDevicePool = false;

  #opt(name: string): number {
    return Number(this.get_module_option(name));
  }

  #poolName(): string {
    return String(this.get_module_option("pool_name"));
  }

  #validDaemon(who: string): [string, string] | null {
    const cut = who.indexOf(".");
    if (cut < 0) return null;
    const type = who.slice(0, cut);
    return type === "osd" || type === "mon" ? [type, who.slice(cut + 1)] : null;
  }

  @CLICommand("device query-daemon-health-metrics", {
    args: { who: "str" },
    desc: "Get device health metrics for a given daemon",
  }, "r")
  async query_daemon({ who }: { who: string }): Promise<[number, string, string]> {
    const d = this.#validDaemon(who);
    if (!d) return [-EINVAL, "", "not a valid mon or osd daemon name"];
    const result = new CommandResult("");
    this.send_command(result, d[0], d[1], JSON.stringify({ prefix: "smart", format: "json" }), "");
    return await result.wait();
  }

  @CLICommand("device scrape-daemon-health-metrics", {
    args: { who: "str" },
    desc: "Scrape and store device health metrics for a given daemon",
  }, "r")
  async scrape_daemon_cmd({ who }: { who: string }): Promise<[number, string, string]> {
    const d = this.#validDaemon(who);
    if (!d) return [-EINVAL, "", "not a valid mon or osd daemon name"];
    if (!this.have_mon_connection()) return [-EAGAIN, "", `${STALE}; try again later`];
    return await this.#scrapeDaemon(d[0], d[1]);
  }

  @CLICommand("device scrape-health-metrics", {
    args: { devid: { type: "str", optional: true } },
    desc: "Scrape and store device health metrics",
  }, "r")
  async scrape_cmd({ devid }: { devid?: string }): Promise<[number, string, string]> {
    if (!this.have_mon_connection()) return [-EAGAIN, "", `${STALE}; try again later`];
    return devid === undefined ? await this.#scrapeAll() : await this.#scrapeDevice(devid);
  }

  @CLICommand("device get-health-metrics", {
    args: { devid: "str", sample: { type: "str", optional: true } },
    desc: "Show stored device metrics for the device",
  }, "r")
  async get_metrics(
    { devid, sample }: { devid: string; sample?: string },
  ): Promise<[number, string, string]> {
    const stale = this.have_mon_connection() ? "" : STALE;
    const r = this.get(`device ${devid}`) as { device?: unknown } | null;
    if (!r || !("device" in r)) return [-ENOENT, "", `device ${devid} not found`];
    const res = await this.#deviceMetrics(devid, sample);
    return [0, pythonJson(res, "json-pretty"), stale];
  }

  @CLICommand("device check-health", { desc: "Check life expectancy of devices" }, "rw")
  async check_health_cmd(): Promise<[number, string, string]> {
    if (!this.have_mon_connection()) return [-EAGAIN, "", `${STALE}; try again later`];
    return await this.#checkHealth();
  }

  @CLICommand("device monitoring on", { desc: "Enable device health monitoring" }, "rw")
  async monitoring_on(): Promise<[number, string, string]> {
    await this.set_module_option("enable_monitoring", true);
    return [0, "", ""];
  }

  @CLICommand("device monitoring off", { desc: "Disable device health monitoring" }, "rw")
  async monitoring_off(): Promise<[number, string, string]> {
    await this.set_module_option("enable_monitoring", false);
    return [0, "", ""];
  }

  @CLICommand("device predict-life-expectancy", {
    args: { devid: "str" },
    desc: "Predict life expectancy with local predictor",
  }, "r")
  predict({ devid: _devid }: { devid: string }): [number, string, string] {
    let mode = "none";
    try {
      mode = String(this.get_ceph_option("device_failure_prediction_mode"));
    } catch {
      // Not in the option table: no prediction mode, as by default.
    }
    if (mode.toLowerCase() !== "local") {
      return [-1, "", "unable to enable any disk prediction model[local/cloud]"];
    }
    return [-1, "", "diskprediction_local is not available"];
  }

  override async serve(): Promise<void> {
    let lastScrape = _parseTimeKey(this.get_store("last_scrape") ?? "");
    while (!this.shutting_down) {
      if (this.get_module_option("enable_monitoring") && this.have_mon_connection()) {
        try {
          await this.#checkHealth();
          const now = this.now();
          const freq = this.#opt("scrape_frequency") || DAY;
          const next = lastScrape === null ? now : lastScrape - (lastScrape % freq) + freq;
          if (now >= next) {
            await this.#scrapeAll();
            lastScrape = now;
            await this.set_store("last_scrape", timeKey(now));
          }
        } catch (e) {
          this.log.error(`devicehealth: ${(e as Error).message}`);
        }
      }
      await this.sleep(this.#opt("sleep_interval") || 60);
    }
  }

  async #maybeCreateDevicePool(): Promise<boolean> {
    if (this.#hasDevicePool || await this.rados.pool_exists(this.#poolName())) {
      return this.#hasDevicePool = true;
    }
    if (!this.have_enough_osds()) {
      this.log.warning("Not enough OSDs yet to create monitoring pool");
      return false;
    }
    const pool = this.#poolName();
    const r = await this.mon_command({
      prefix: "osd pool create",
      format: "json",
      pool,
      pg_num: 1,
      pg_num_min: 1,
      pg_num_max: 32,
    });
    if (r[0] !== 0) {
      this.log.error(`create ${pool} pool: ${r[2]}`);
      return false;
    }
    const app = await this.mon_command({
      prefix: "osd pool application enable",
      format: "json",
      pool,
      app: "mgr_devicehealth",
    });
    if (app[0] !== 0) this.log.warning(`osd pool application enable ${pool}: ${app[2]}`);
    for (let i = 0; i < 100 && !(await this.rados.pool_exists(pool)); i++) await this.sleep(0.1);
    return this.#hasDevicePool = await this.rados.pool_exists(pool);
  }

  async #open(create = true): Promise<Ioctx | null> {
    if (create && !(await this.#maybeCreateDevicePool())) return null;
    try {
      return await this.rados.open_ioctx(this.#poolName());
    } catch (e) {
      if (e instanceof ObjectNotFound) return null;
      throw e;
    }
  }

  async #scrapeOne(type: string, id: string, devid = ""): Promise<Record<string, unknown> | null> {
    const result = new CommandResult("");
    this.send_command(
      result,
      type,
      id,
      JSON.stringify({ prefix: "smart", format: "json", devid }),
      "",
    );
    const [, outb] = await result.wait();
    try {
      const data = JSON.parse(outb);
      return data !== null && typeof data === "object" ? data : null;
    } catch {
      this.log.error(`Fail to parse JSON result from daemon ${type}.${id} (${outb})`);
      return null;
    }
  }

  async #scrapeDaemon(type: string, id: string): Promise<[number, string, string]> {
    const ioctx = await this.#open();
    if (!ioctx) return [-EAGAIN, "", "device_health_metrics pool not yet available"];
    for (const [device, raw] of Object.entries(await this.#scrapeOne(type, id) ?? {})) {
      if (device && raw) await this.#putDeviceMetrics(ioctx, device, raw);
    }
    ioctx.close();
    return [0, "", ""];
  }

  async #scrapeAll(): Promise<[number, string, string]> {
    const osdMap = this.get("osd_map") as { osds: { osd: number }[] } | null;
    if (!osdMap) return [-EAGAIN, "", "no OSD map yet"];
    const ioctx = await this.#open();
    if (!ioctx) return [-EAGAIN, "", "device_health_metrics pool not yet available"];
    const ids: [string, string][] = osdMap.osds.map((o) => ["osd", String(o.osd)]);
    const monMap = this.get("mon_map") as { mons?: { name: string }[] } | null;
    for (const m of monMap?.mons ?? []) ids.push(["mon", m.name]);
    const done = new Set<string>();
    for (const [type, id] of ids) {
      for (const [device, raw] of Object.entries(await this.#scrapeOne(type, id) ?? {})) {
        if (done.has(device)) continue;
        done.add(device);
        if (device && raw) await this.#putDeviceMetrics(ioctx, device, raw);
      }
    }
    ioctx.close();
    return [0, "", ""];
  }

  async #scrapeDevice(devid: string): Promise<[number, string, string]> {
    const r = this.get(`device ${devid}`) as { device?: DeviceInfo } | null;
    if (!r || !r.device) return [-ENOENT, "", `device ${devid} not found`];
    const daemons = r.device.daemons ?? [];
    if (daemons.length === 0) {
      return [-EAGAIN, "", `device ${devid} not claimed by any active daemons`];
    }
    const [type, id] = (daemons[0] as string).split(".") as [string, string];
    const ioctx = await this.#open();
    if (!ioctx) return [-EAGAIN, "", "device_health_metrics pool not yet available"];
    for (const [device, raw] of Object.entries(await this.#scrapeOne(type, id, devid) ?? {})) {
      if (device && raw) await this.#putDeviceMetrics(ioctx, device, raw);
    }
    ioctx.close();
    return [0, "", ""];
  }

  async #putDeviceMetrics(ioctx: Ioctx, devid: string, data: unknown): Promise<void> {
    const prune = timeKey(this.now() - this.#opt("retention_period"));
    const erase: string[] = [];
    try {
      for (const [key] of await ioctx.get_omap_vals(devid, "", "", MAX_SAMPLES)) {
        if (key >= prune) break;
        erase.push(key);
      }
    } catch (e) {
      if (!(e instanceof ObjectNotFound)) {
        this.log.error(`Error reading OMAP: ${(e as Error).message}`);
        return;
      }
    }
    await ioctx.set_omap(devid, [timeKey(this.now())], [JSON.stringify(data)]);
    if (erase.length > 0) await ioctx.remove_omap_keys(devid, erase);
    // Ceph 16.2 compares `dev_data.get(wear_level)` (a float key, never there) and looks for
    // "wear_level" at the top of `get("device <id>")` (never there either): so every sample
    // with a wear level sets it, and one without never removes it.
    const wear = getAtaWearLevel(data) ?? getNvmeWearLevel(data);
    if (wear !== null) {
      this.log.debug(`updating ${devid} wear level to ${wear}`);
      await this.set_device_wear_level(devid, wear);
    }
  }

  async #deviceMetrics(devid: string, sample?: string): Promise<Record<string, unknown>> {
    const ioctx = await this.#open(false);
    if (!ioctx) return {};
    const res: Record<string, unknown> = {};
    try {
      for (const [key, value] of await ioctx.get_omap_vals(devid, "", sample ?? "", MAX_SAMPLES)) {
        if (sample && key !== sample) break;
        try {
          res[key] = JSON.parse(new TextDecoder().decode(value));
        } catch {
          this.log.debug(`unable to parse value for ${key}`);
        }
      }
    } catch (e) {
      if (!(e instanceof ObjectNotFound)) throw e;
    } finally {
      ioctx.close();
    }
    return res;
  }

  async #checkHealth(): Promise<[number, string, string]> {
    let minInRatio = 0.75;
    try {
      minInRatio = Number(this.get_ceph_option("mon_osd_min_in_ratio"));
    } catch {
      // An option table without it: Ceph's default.
    }
    const markOut = this.#opt("mark_out_threshold");
    const warn = this.#opt("warn_threshold");
    const warnings: Record<string, string[]> = { [DEVICE_HEALTH]: [], [DEVICE_HEALTH_IN_USE]: [] };
    const checks: HealthChecks = {};
    const devs = (this.get("devices") as { devices?: DeviceInfo[] } | null)?.devices ?? [];
    const osdMap = this.get("osd_map") as { osds: { osd: number; in: number }[] } | null;
    if (!osdMap) return [-EAGAIN, "", "no OSD map yet"];
    const now = this.now();
    const osdsIn = new Map<string, number>();
    const osdsOut = new Set<string>();
    for (const dev of devs) {
      const max = dev.life_expectancy_max;
      if (!max || max === "0.000000" || (dev.daemons ?? []).length === 0) continue;
      const when = Date.parse(max.replace(/(\.\d{3})\d*/, "$1")) / 1000;
      if (!Number.isFinite(when)) continue;
      if (when - now <= markOut && this.get_module_option("self_heal")) {
        for (const d of (dev.daemons ?? []).filter((x) => x.startsWith("osd."))) {
          const id = d.slice(4);
          if (osdMap.osds.some((o) => String(o.osd) === id && o.in)) osdsIn.set(id, when);
          else osdsOut.add(id);
        }
      }
      if (when - now <= warn) {
        const locations = (dev.location ?? []).map((l) => `${l.host}:${l.dev}`).join(",");
        warnings[DEVICE_HEALTH]!.push(
          `${dev.devid} (${locations}); daemons ${(dev.daemons ?? ["none"]).join(",")}; ` +
            `life expectancy between ${max} and ${max}`,
        );
      }
    }
    // get_osd_num_pgs: the OSD stats only for OSDs marked out (at 10,000 OSDs a fresh
    // osd_stats each stats period costs tens of milliseconds).
    for (const id of osdsOut) {
      const stats =
        (this.get("osd_stats") as { osd_stats?: { osd: number; num_pgs: number }[] } | null)
          ?.osd_stats ?? [];
      const pgs = stats.find((s) => String(s.osd) === id)?.num_pgs ?? -1;
      if (pgs > 0) {
        warnings[DEVICE_HEALTH_IN_USE]!.push(`osd.${id} is marked out but still has ${pgs} PG(s)`);
      }
    }
    if (osdsIn.size > 0) {
      const numOsds = osdMap.osds.length;
      const numIn = osdMap.osds.filter((o) => o.in).length;
      const bad = [...osdsIn].sort((a, b) => a[1] - b[1]);
      const toMarkOut: string[] = [];
      for (const [id] of bad) {
        if ((numIn - toMarkOut.length - 1) / numOsds < minInRatio) {
          const final = (numIn - bad.length) / numOsds;
          checks[DEVICE_HEALTH_TOOMANY] = {
            severity: "warning",
            summary: "Too many daemons are expected to fail soon",
            detail: [
              `${
                bad.length - toMarkOut.length
              } OSDs with failing device(s) would bring "in" ratio ` +
              `to ${final.toFixed(6)} < mon_osd_min_in_ratio ${minInRatio.toFixed(6)}`,
            ],
          };
          break;
        }
        toMarkOut.push(id);
      }
      if (toMarkOut.length > 0) {
        const r = await this.mon_command({ prefix: "osd out", format: "json", ids: toMarkOut });
        if (r[0] !== 0) this.log.warning(`Could not mark OSD ${toMarkOut} out: ${r[2]}`);
      }
    }
    const summaries: Record<string, string> = {
      [DEVICE_HEALTH]: "%d device(s) expected to fail soon",
      [DEVICE_HEALTH_IN_USE]: "%d daemon(s) expected to fail soon and still contain data",
    };
    for (const [name, list] of Object.entries(warnings)) {
      if (list.length === 0) continue;
      checks[name] = {
        severity: "warning",
        summary: (summaries[name] as string).replace("%d", String(list.length)),
        count: list.length,
        detail: list,
      };
    }
    this.set_health_checks(checks);
    return [0, "", ""];
  }
}
