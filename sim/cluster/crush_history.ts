/**
 * The CRUSH map of every OSDMap epoch the mon still keeps, for `osd getcrushmap <epoch>`.
 *
 * The real mon stores each full OSDMap and trims the oldest once more than
 * `mon_min_osdmap_epochs` (500) lie behind the newest, in steps of at least
 * `paxos_service_trim_min` (250) and at most `paxos_service_trim_max` (500), as
 * OSDMonitor::get_trim_to and PaxosService::maybe_trim do. Here an epoch costs one number, its
 * CRUSH version: epochs whose CRUSH map did not change share one encoding, made only when the
 * map is about to change while a kept epoch still names it (or when someone asks for it).
 *
 * What differs from the real mon: it also holds back trimming while PGs are not clean
 * (min_last_epoch_clean); the simulated history trims on the epoch count alone.
 *
 * @module
 */

import { encodeCrushMap } from "./crush_binary.ts";
import type { CrushDump } from "./crush_text.ts";
import type { CrushMap } from "./crush_map.ts";
import type { OsdMap } from "./osd_map.ts";
import { dumpOsdMapCrush } from "./osd_map_dump.ts";

/** The trimming knobs, with Ceph 16.2's defaults. */
export interface CrushHistoryOptions {
  /** `mon_min_osdmap_epochs`: epochs kept behind the newest at least (default 500). */
  minEpochs?: number;
  /** `paxos_service_trim_min`: the fewest epochs one trim removes (default 250). */
  trimMin?: number;
  /** `paxos_service_trim_max`: the most epochs one trim removes (default 500). */
  trimMax?: number;
}

/** One epoch's CRUSH map: the encoding and its CRUSH version. */
export interface CrushAtEpoch {
  readonly bytes: Uint8Array;
  readonly version: number;
}

/**
 * CRUSH versions by epoch, and one encoding per version still named.
 *
 * @example
 * ```ts
 * import { Rng } from "../engine/prng.ts";
 * import { OsdMap } from "./osd_map.ts";
 * import { CrushHistory } from "./crush_history.ts";
 * const map = new OsdMap({ now: () => 0, ids: new Rng(1).stream("ids") });
 * const history = new CrushHistory(map);
 * const host = map.crush.addBucket("h", "host", map.crush.rootId);
 * map.touch();
 * const before = map.epoch;
 * map.addOsd(0, host, 1);
 * if (history.at(before)!.version >= history.at(map.epoch)!.version) {
 *   throw new Error("the older epoch keeps the older map");
 * }
 * ```
 */
export class CrushHistory {
  readonly #map: OsdMap;
  readonly #minEpochs: number;
  readonly #trimMin: number;
  readonly #trimMax: number;
  /** The oldest epoch kept. */
  #first: number;
  /** CRUSH version of epoch `#first + i`. */
  #versions: number[];
  /** Encodings by CRUSH version, for versions some kept epoch names. */
  readonly #bytes = new Map<number, Uint8Array>();

  /** Follows `map` from its current epoch on: takes its epoch and CRUSH-change hooks. */
  constructor(map: OsdMap, options: CrushHistoryOptions = {}) {
    for (const [k, v] of Object.entries(options)) {
      if (!Number.isSafeInteger(v) || v < 1) {
        throw new RangeError(`${k} must be a positive integer, got ${v}`);
      }
    }
    this.#map = map;
    this.#minEpochs = options.minEpochs ?? 500;
    this.#trimMin = options.trimMin ?? 250;
    this.#trimMax = options.trimMax ?? 500;
    this.#first = map.epoch;
    this.#versions = [map.crush.version];
    map.onEpoch = (epoch) => this.record(epoch);
    map.crush.beforeChange = () => this.beforeCrushChange(map.crush);
  }

  /** The oldest epoch whose map is kept. */
  get first(): number {
    return this.#first;
  }

  /** The newest epoch recorded. */
  get last(): number {
    return this.#first + this.#versions.length - 1;
  }

  /** How many encodings are held (one per CRUSH version a kept epoch names, once made). */
  get encodings(): number {
    return this.#bytes.size;
  }

  /** The OSDMap reached `epoch` (the next one): remembers its CRUSH version, then trims. */
  record(epoch: number): void {
    if (epoch !== this.last + 1) {
      throw new RangeError(`epoch ${epoch} does not follow ${this.last}`);
    }
    this.#versions.push(this.#map.crush.version);
    const to = this.last - this.#minEpochs;
    if (to - this.#first < this.#trimMin) return;
    const drop = Math.min(to - this.#first, this.#trimMax);
    this.#versions.splice(0, drop);
    this.#first += drop;
    const oldest = this.#versions[0] as number;
    for (const v of this.#bytes.keys()) if (v < oldest) this.#bytes.delete(v);
  }

  /**
   * The CRUSH map is about to change: if the newest kept epoch names its current version,
   * encode that version now, while it can still be read.
   */
  beforeCrushChange(crush: CrushMap): void {
    const v = crush.version;
    if (this.#versions[this.#versions.length - 1] === v && !this.#bytes.has(v)) {
      this.#bytes.set(v, this.#encodeCurrent());
    }
  }

  /** The CRUSH map of `epoch`, or undefined for an epoch trimmed or not reached yet. */
  at(epoch: number): CrushAtEpoch | undefined {
    if (!Number.isSafeInteger(epoch) || epoch < this.#first || epoch > this.last) return undefined;
    const version = this.#versions[epoch - this.#first] as number;
    let bytes = this.#bytes.get(version);
    if (bytes === undefined) {
      // Only the current version can lack its encoding (older ones were made before changing).
      if (version !== this.#map.crush.version) return undefined;
      bytes = this.#encodeCurrent();
      this.#bytes.set(version, bytes);
    }
    return { bytes, version };
  }

  #encodeCurrent(): Uint8Array {
    return encodeCrushMap(dumpOsdMapCrush(this.#map) as unknown as CrushDump);
  }
}
