/**
 * What the state commands read: the manager's `get()` views (pg_dump, osd_map, osd_map_tree,
 * devices, ...), with empty stand-ins where a view is missing, so that a manager with no
 * cluster behind it answers as a mgr with an empty PGMap does. Also the sums over those views
 * that PGMap keeps (statfs use, PGs per OSD).
 *
 * @module
 */

/** The narrow view of the manager that the state commands need. */
export interface StateSource {
  /** A `get()` name's frozen view, or null. */
  get(name: string): unknown;
  /** Now, in seconds. */
  now(): number;
}

/** An untyped JSON object of a view. */
export type Obj = Record<string, unknown>;

/** One PG's stats as `pg_dump.pg_stats[]` carries them. */
export interface PgStat {
  pgid: string;
  state: string;
  up: number[];
  acting: number[];
  up_primary: number;
  acting_primary: number;
  stat_sum: Record<string, number>;
  [key: string]: unknown;
}

/** One OSD's stats as `osd_stats.osd_stats[]` carries them. */
export interface OsdStat {
  osd: number;
  kb: number;
  kb_used: number;
  kb_used_data: number;
  kb_used_omap: number;
  kb_used_meta: number;
  kb_avail: number;
  hb_peers: number[];
  statfs: Record<string, number>;
  perf_stat: Record<string, number>;
  [key: string]: unknown;
}

/** A finite number, or 0. */
export const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);

/** An array, or an empty one. */
export const arr = <T>(v: unknown): T[] => (Array.isArray(v) ? v as T[] : []);

/** The views the state commands read, typed as far as the commands rely on them. */
export class StateReader {
  constructor(readonly source: StateSource) {}

  #get(name: string): Obj | null {
    const v = this.source.get(name);
    return v !== null && typeof v === "object" ? v as Obj : null;
  }
  get pgDump(): Obj {
    return this.#get("pg_dump") ?? {};
  }
  get pgStats(): PgStat[] {
    return arr<PgStat>(this.pgDump.pg_stats);
  }
  get osdStats(): OsdStat[] {
    return arr<OsdStat>(this.pgDump.osd_stats);
  }
  get poolStats(): Obj[] {
    return arr<Obj>(this.pgDump.pool_stats);
  }
  get osdMap(): Obj {
    return this.#get("osd_map") ?? {};
  }
  get pools(): { pool: number; pool_name: string }[] {
    return arr(this.osdMap.pools);
  }
  get osds(): { osd: number; up: number; in: number; weight: number }[] {
    return arr(this.osdMap.osds);
  }
  get tree(): Obj[] {
    return arr<Obj>(this.#get("osd_map_tree")?.nodes);
  }
  get pgReady(): boolean {
    return (this.#get("pg_ready") as { pg_ready?: boolean } | null)?.pg_ready === true;
  }
  devices(): Obj[] {
    return arr<Obj>(this.#get("devices")?.devices);
  }
  osdPoolStats(): Obj[] {
    return arr<Obj>(this.#get("osd_pool_stats")?.pool_stats);
  }
  serviceMap(): Obj {
    return this.#get("service_map") ?? { epoch: 0, modified: "0.000000", services: {} };
  }
}

/** Used and raw-used bytes of a statfs, as `store_statfs_t::get_used()` / `get_used_raw()`. */
export function statfsUse(s: Record<string, number> | undefined) {
  const total = num(s?.total);
  const available = num(s?.available);
  return { total, available, used: total - available - num(s?.internally_reserved) };
}

/** PGMap's `num_pg_by_osd`: PGs acting on each OSD, and PGs each OSD is the up primary of. */
export function numPgByOsd(stats: readonly PgStat[]) {
  const acting = new Map<number, number>();
  const primary = new Map<number, number>();
  for (const s of stats) {
    for (const o of arr<number>(s.acting)) acting.set(o, (acting.get(o) ?? 0) + 1);
    if (num(s.up_primary) >= 0 && typeof s.up_primary === "number") {
      primary.set(s.up_primary, (primary.get(s.up_primary) ?? 0) + 1);
    }
  }
  return { acting, primary };
}
