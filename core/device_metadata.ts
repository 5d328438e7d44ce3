/**
 * What the manager keeps of each device beyond what the daemons report (Ceph's DeviceState
 * metadata): the `device/<devid>` config-keys, read when the manager starts (Mgr::load_store)
 * and written by `set_device_wear_level`. `get('devices')` and `get('device <devid>')` show
 * the wear level and life expectancy they hold, as DeviceState::dump does.
 *
 * @module
 */

/** A device as `get('devices')` lists it. */
interface DeviceEntry {
  devid: string;
  [field: string]: unknown;
}

/** The store prefix of device metadata. */
export const DEVICE_KEY_PREFIX = "device/";

/**
 * Device metadata by device id.
 *
 * @example
 * ```ts
 * import { DeviceMetadata } from "./device_metadata.ts";
 * const meta = new DeviceMetadata();
 * const text = meta.setWearLevel("SIM_disk0", 0.25);
 * console.assert(text === '{"wear_level":"0.25"}');
 * const [d] = meta.overlay({ devices: [{ devid: "SIM_disk0" }] }).devices;
 * console.assert(d?.wear_level === 0.25);
 * ```
 */
export class DeviceMetadata {
  readonly #meta = new Map<string, Record<string, string>>();
  #version = 0;

  /** Changes whenever the metadata changes (what `get('devices')` shows on top). */
  get version(): number {
    return this.#version;
  }
  #cache: { base: object; version: number; result: { devices: DeviceEntry[] } } | undefined;

  /** Takes in `config-key dump device/`'s answer: `{"device/<devid>": "<json>"}`. */
  load(dump: Readonly<Record<string, string>>): string[] {
    const problems: string[] = [];
    for (const [key, value] of Object.entries(dump)) {
      if (!key.startsWith(DEVICE_KEY_PREFIX)) continue;
      const devid = key.slice(DEVICE_KEY_PREFIX.length);
      try {
        const parsed = JSON.parse(value) as unknown;
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
          throw new Error("not a JSON object");
        }
        const meta: Record<string, string> = {};
        for (const [k, v] of Object.entries(parsed)) meta[k] = String(v);
        this.#meta.set(devid, meta);
      } catch (e) {
        problems.push(`failed to parse ${value}: ${(e as Error).message}`);
      }
    }
    this.#version++;
    return problems;
  }

  /**
   * DeviceState::set_wear_level: records the level (a negative one removes it) and returns
   * the device's metadata as the JSON text to store under `device/<devid>`. A device the
   * manager does not know (`known` false, and no metadata) is left alone and its text is
   * `{}`, as ActivePyModules::set_device_wear_level writes then.
   */
  setWearLevel(devid: string, level: number, known = true): string {
    if (!known && !this.#meta.has(devid)) return "{}";
    const meta = { ...this.#meta.get(devid) };
    // The level is a C++ float, printed by stringify's 6 significant digits.
    if (level >= 0) meta.wear_level = String(Number(Math.fround(level).toPrecision(6)));
    else delete meta.wear_level;
    this.#meta.set(devid, meta);
    this.#version++;
    return JSON.stringify(meta);
  }

  /** The devices with what the metadata adds (DeviceState::dump); the same object per change. */
  overlay<T extends { devices?: readonly DeviceEntry[] }>(base: T): { devices: DeviceEntry[] } {
    const c = this.#cache;
    if (c && c.base === base && c.version === this.#version) return c.result;
    const devices = (base.devices ?? []).map((d) => {
      const meta = this.#meta.get(d.devid);
      if (!meta) return d;
      const out: DeviceEntry = { ...d };
      if (meta.life_expectancy_min) {
        out.life_expectancy_min = meta.life_expectancy_min;
        out.life_expectancy_max = meta.life_expectancy_max ?? "";
        out.life_expectancy_stamp = meta.life_expectancy_stamp ?? "";
      }
      const wear = meta.wear_level === undefined ? -1 : Math.fround(Number(meta.wear_level));
      if (wear >= 0) out.wear_level = wear;
      return Object.freeze(out);
    });
    const result = Object.freeze({ ...base, devices: Object.freeze(devices) as DeviceEntry[] });
    this.#cache = { base, version: this.#version, result };
    return result;
  }
}
