/**
 * `get('pg_progress')` and `get('active_clean_pgs')`, from the PGMap's `pg_stats`, as 16.2's
 * ActivePyModules::get_python builds them (PGMap::dump_pg_progress and the active+clean list).
 *
 * @module
 */
import { parsePgid } from "../ceph/pg_stat.ts";

/** The parts of a `pg_stats` entry these views read. */
interface PgStatEntry {
  pgid: string;
  state: string;
  reported_epoch: number;
  stat_sum: { num_bytes: number; num_bytes_recovered: number };
}

function entries(pgStats: unknown): readonly PgStatEntry[] {
  return ((pgStats as { pg_stats?: PgStatEntry[] } | null)?.pg_stats ?? []);
}

/**
 * `get('pg_progress')`: each PG's recovered and total bytes, epoch and state, and whether the
 * PGMap is ready (DaemonServer::dump_pg_ready).
 *
 * @example
 * ```ts
 * import { pgProgress } from "./pg_views.ts";
 * const v = pgProgress({ pg_stats: [{ pgid: "1.a", state: "active+clean", reported_epoch: 5,
 *   stat_sum: { num_bytes: 10, num_bytes_recovered: 0 } }] }, true);
 * console.assert(v.pgs["1.a"]?.num_bytes === 10 && v.pg_ready);
 * ```
 */
export function pgProgress(pgStats: unknown, pgReady: boolean): {
  pgs: Record<string, Record<string, unknown>>;
  pg_ready: boolean;
} {
  const pgs: Record<string, Record<string, unknown>> = {};
  for (const e of entries(pgStats)) {
    pgs[e.pgid] = {
      num_bytes_recovered: e.stat_sum.num_bytes_recovered,
      num_bytes: e.stat_sum.num_bytes,
      reported_epoch: e.reported_epoch,
      state: e.state,
    };
  }
  return { pgs, pg_ready: pgReady };
}

/**
 * `get('active_clean_pgs')`: the PGs that are active and clean, and how many PGs there are.
 * Ceph writes these pgids with the placement seed in decimal (`2.63` for PG `2.3f`), unlike
 * every other pgid it prints; modules that parse them expect that.
 *
 * @example
 * ```ts
 * import { activeCleanPgs } from "./pg_views.ts";
 * const v = activeCleanPgs({ pg_stats: [{ pgid: "2.3f", state: "active+clean", reported_epoch: 5,
 *   stat_sum: { num_bytes: 0, num_bytes_recovered: 0 } }] });
 * console.assert(v.pg_stats[0]?.pgid === "2.63" && v.total_num_pgs === 1);
 * ```
 */
export function activeCleanPgs(pgStats: unknown): {
  pg_stats: { pgid: string; state: string; reported_epoch: number }[];
  total_num_pgs: number;
} {
  const all = entries(pgStats);
  const list = [];
  for (const e of all) {
    const states = e.state.split("+");
    if (!states.includes("active") || !states.includes("clean")) continue;
    const id = parsePgid(e.pgid);
    const pgid = id ? `${id.pool}.${id.ps}` : e.pgid;
    list.push({ pgid, state: e.state, reported_epoch: e.reported_epoch });
  }
  return { pg_stats: list, total_num_pgs: all.length };
}
