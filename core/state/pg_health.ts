/**
 * The health checks Ceph's manager derives from its PGMap and its daemons' reports
 * (PGMap::get_health_checks, DaemonServer's SLOW_OPS), with Ceph's codes and wording:
 * PG_AVAILABILITY, PG_DEGRADED, PG_DAMAGED, PG_BACKFILL_FULL, PG_RECOVERY_FULL,
 * SMALLER_PGP_NUM, PG_NOT_SCRUBBED, PG_NOT_DEEP_SCRUBBED, POOL_APP_NOT_ENABLED and SLOW_OPS.
 * The mon folds them into the cluster's health with its own.
 *
 * A PG counts at once for the states Ceph reports at once (down, degraded, inconsistent, ...)
 * and only once stuck for `mon_pg_stuck_threshold` for the others: inactive since
 * `last_active`, peering since `last_peered`, stale since `last_unstale`, undersized since
 * `last_fullsized`.
 *
 * @module
 */
import { PG_STAMP_INDEX } from "../../ceph/pg_stat.ts";
import { hasPgState, PgState, pgStateString } from "../../ceph/pg_state.ts";
import { STAT_SUM_INDEX } from "../../ceph/pg_stat.ts";
import { pgidText } from "../../ceph/pg_stat.ts";
import { cephStamp, timespanText } from "../../ceph/time.ts";
import type { DaemonHealthMetric } from "../cluster_link.ts";
import { type HealthCheck, healthCheck } from "../health.ts";
import type { PgMap } from "./pg_map.ts";

/** `mon_pg_stuck_threshold`. */
export const PG_STUCK_THRESHOLD = 60;
/** `mon_health_max_detail`. */
const MAX_DETAIL = 50;

/** The options the checks read (the manager's values), with Ceph's defaults when absent. */
export interface PgHealthOptions {
  mon_warn_pg_not_scrubbed_ratio?: number;
  mon_warn_pg_not_deep_scrubbed_ratio?: number;
  osd_scrub_max_interval?: number;
  osd_deep_scrub_interval?: number;
  mon_warn_on_pool_no_app?: boolean;
}

type Consequence = "UNAVAILABLE" | "DEGRADED" | "BACKFILL_FULL" | "DAMAGED" | "RECOVERY_FULL";

/**
 * How a PG in a state is reported, in the order of Ceph's `state_to_response` map (by state
 * bit): the consequence, the stamp it is stuck since (none: at once), and whether the state's
 * absence is what counts (`active`).
 */
const RESPONSES: readonly {
  bit: number;
  name: string;
  consequence: Consequence;
  since?: number;
  invert?: boolean;
}[] = [
  {
    bit: PgState.ACTIVE,
    name: "inactive",
    consequence: "UNAVAILABLE",
    since: PG_STAMP_INDEX.last_active,
    invert: true,
  },
  { bit: PgState.DOWN, name: "down", consequence: "UNAVAILABLE" },
  { bit: PgState.DEGRADED, name: "degraded", consequence: "DEGRADED" },
  { bit: PgState.INCONSISTENT, name: "inconsistent", consequence: "DAMAGED" },
  {
    bit: PgState.PEERING,
    name: "peering",
    consequence: "UNAVAILABLE",
    since: PG_STAMP_INDEX.last_peered,
  },
  { bit: PgState.INCOMPLETE, name: "incomplete", consequence: "UNAVAILABLE" },
  {
    bit: PgState.STALE,
    name: "stale",
    consequence: "UNAVAILABLE",
    since: PG_STAMP_INDEX.last_unstale,
  },
  { bit: PgState.BACKFILL_TOOFULL, name: "backfill_toofull", consequence: "BACKFILL_FULL" },
  {
    bit: PgState.UNDERSIZED,
    name: "undersized",
    consequence: "DEGRADED",
    since: PG_STAMP_INDEX.last_fullsized,
  },
  { bit: PgState.RECOVERY_TOOFULL, name: "recovery_toofull", consequence: "RECOVERY_FULL" },
  { bit: PgState.SNAPTRIM_ERROR, name: "snaptrim_error", consequence: "DAMAGED" },
  { bit: PgState.RECOVERY_UNFOUND, name: "recovery_unfound", consequence: "DAMAGED" },
  { bit: PgState.BACKFILL_UNFOUND, name: "backfill_unfound", consequence: "DAMAGED" },
];

const CHECKS: Record<
  Consequence,
  { code: string; severity: HealthCheck["severity"]; summary: string }
> = {
  UNAVAILABLE: {
    code: "PG_AVAILABILITY",
    severity: "HEALTH_WARN",
    summary: "Reduced data availability: ",
  },
  DEGRADED: { code: "PG_DEGRADED", severity: "HEALTH_WARN", summary: "Degraded data redundancy: " },
  BACKFILL_FULL: {
    code: "PG_BACKFILL_FULL",
    severity: "HEALTH_WARN",
    summary: "Low space hindering backfill (add storage if this doesn't resolve itself): ",
  },
  DAMAGED: { code: "PG_DAMAGED", severity: "HEALTH_ERR", summary: "Possible data damage: " },
  RECOVERY_FULL: {
    code: "PG_RECOVERY_FULL",
    severity: "HEALTH_ERR",
    summary: "Full OSDs blocking recovery: ",
  },
};

interface _Causes {
  /** PGs per response (by its index in RESPONSES). */
  states: Map<number, number>;
  /** The PGs' rows, with the last response (its index) that named them. */
  pgs: Map<number, number>;
}

/**
 * The PG checks of `pgMap` at time `now` (seconds).
 *
 * @example
 * ```ts
 * import { PgMap } from "./pg_map.ts";
 * import { pgHealthChecks } from "./pg_health.ts";
 * const pgMap = new PgMap();
 * pgMap.applyOsdMap({
 *   epoch: 3, modified: "2026-11-25T13:18:00.000000+0000",
 *   pools: [{ pool: 1, pool_name: "rbd", size: 3, min_size: 2, pg_num: 4 }],
 *   osds: [{ osd: 0, up: 1, in: 1 }],
 * }, 1_795_612_680);
 * // Unknown PGs, stamped with the map's time: stuck inactive once it is a minute old.
 * const checks = pgHealthChecks(pgMap, 1_795_612_680 + 61);
 * if (checks.PG_AVAILABILITY?.summary.message !== "Reduced data availability: 4 pgs inactive") {
 *   throw new Error(JSON.stringify(checks));
 * }
 * ```
 */
export function pgHealthChecks(
  pgMap: PgMap,
  now: number,
  options: PgHealthOptions = {},
): Record<string, HealthCheck> {
  const checks: Record<string, HealthCheck> = {};
  const m = pgMap;
  const cutoff = now - PG_STUCK_THRESHOLD;
  const detected = new Map<Consequence, _Causes>();
  const unclean = m.uncleanRows();
  for (let u = 0; u < unclean.length; u++) {
    const r = unclean[u]!, s = m.state[r]!;
    for (let i = 0; i < RESPONSES.length; i++) {
      const resp = RESPONSES[i]!;
      if (hasPgState(s, resp.bit) === (resp.invert === true)) continue;
      let since = 0;
      if (resp.since !== undefined) {
        since = m.stampAt(r, resp.since);
        const lastChange = m.stampAt(r, PG_STAMP_INDEX.last_change);
        // Still moving, or not stuck long enough.
        if (since === 0 ? lastChange >= cutoff : since >= cutoff) continue;
      }
      let causes = detected.get(resp.consequence);
      if (causes === undefined) {
        detected.set(resp.consequence, causes = { states: new Map(), pgs: new Map() });
      }
      causes.states.set(i, (causes.states.get(i) ?? 0) + 1);
      causes.pgs.set(r, i);
    }
  }
  const total = m.totalSum().sum;
  for (
    const consequence of [
      "UNAVAILABLE",
      "DEGRADED",
      "BACKFILL_FULL",
      "DAMAGED",
      "RECOVERY_FULL",
    ] as const
  ) {
    const causes = detected.get(consequence);
    if (causes === undefined) continue;
    const { code, severity } = CHECKS[consequence];
    let summary = CHECKS[consequence].summary;
    if (consequence === "DEGRADED") {
      const degraded = total[STAT_SUM_INDEX.num_objects_degraded]!;
      const copies = total[STAT_SUM_INDEX.num_object_copies]!;
      if (degraded && copies > 0) {
        summary += `${degraded}/${copies} objects degraded (${
          (degraded / copies * 100).toFixed(3)
        }%), `;
      }
    }
    summary += [...causes.states].sort((a, b) => a[0] - b[0]).map(([i, n]) =>
      `${n} ${n > 1 ? "pgs" : "pg"} ${RESPONSES[i]!.name}`
    ).join(", ");
    const rows = [...causes.pgs.keys()].sort((a, b) =>
      m.pool[a]! - m.pool[b]! || m.ps[a]! - m.ps[b]!
    );
    const detail = rows.slice(0, MAX_DETAIL).map((r) => _detail(m, r, causes.pgs.get(r)!, now));
    checks[code] = healthCheck(severity, summary, causes.pgs.size, detail);
  }
  // SMALLER_PGP_NUM: targets, not the values still converging on them.
  if (m.count > 0) {
    const detail: string[] = [];
    for (const pool of m.pools.values()) {
      const pgNum = pool.pg_num_target ?? pool.pg_num;
      const pgpNum = pool.pg_placement_num_target ?? pgNum;
      if (pgNum > pgpNum) detail.push(`pool ${pool.pool_name} pg_num ${pgNum} > pgp_num ${pgpNum}`);
    }
    if (detail.length > 0) {
      // Ceph says "pools have" whatever the count.
      checks.SMALLER_PGP_NUM = healthCheck(
        "HEALTH_WARN",
        `${detail.length} pools have pg_num > pgp_num`,
        detail.length,
        detail,
      );
    }
  }
  _scrubChecks(m, now, options, checks);
  // POOL_APP_NOT_ENABLED: pools holding objects with no application (tiers excepted).
  if (options.mon_warn_on_pool_no_app ?? true) {
    const detail: string[] = [];
    for (const pool of m.pools.values()) {
      const sum = m.poolSum(pool.pool);
      if (sum === undefined || !(sum.sum[STAT_SUM_INDEX.num_objects]! > 0)) continue;
      const apps = pool.application_metadata as Record<string, unknown> | undefined;
      const tier = typeof pool.tier_of === "number" && pool.tier_of >= 0;
      if (Object.keys(apps ?? {}).length === 0 && !tier) {
        detail.push(`application not enabled on pool '${pool.pool_name}'`);
      }
    }
    if (detail.length > 0) {
      const pools = detail.length;
      detail.push(
        "use 'ceph osd pool application enable <pool-name> <app-name>', where <app-name> is " +
          "'cephfs', 'rbd', 'rgw', or freeform for custom applications.",
      );
      checks.POOL_APP_NOT_ENABLED = healthCheck(
        "HEALTH_WARN",
        `${pools} pool(s) do not have an application enabled`,
        pools,
        detail,
      );
    }
  }
  return checks;
}

/**
 * PG_NOT_SCRUBBED and PG_NOT_DEEP_SCRUBBED: PGs whose last (deep) scrub is older than the
 * pool's interval (its `scrub_max_interval` / `deep_scrub_interval` option, else the OSD
 * option) times one plus the warning ratio. Ceph lists them in its hash map's order; here
 * by pgid.
 */
function _scrubChecks(
  m: PgMap,
  now: number,
  options: PgHealthOptions,
  checks: Record<string, HealthCheck>,
): void {
  const ratio = options.mon_warn_pg_not_scrubbed_ratio ?? 0.5;
  const deepRatio = options.mon_warn_pg_not_deep_scrubbed_ratio ?? 0.75;
  if (!ratio && !deepRatio) return;
  const cutoffs = new Map<number, { scrub: number; deep: number }>();
  for (const pool of m.pools.values()) {
    const opts = (pool.options ?? {}) as Record<string, unknown>;
    const own = (k: string) => (typeof opts[k] === "number" && opts[k] > 0 ? opts[k] : 0);
    const interval = own("scrub_max_interval") || (options.osd_scrub_max_interval ?? 604800);
    const deep = own("deep_scrub_interval") || (options.osd_deep_scrub_interval ?? 604800);
    cutoffs.set(pool.pool, {
      scrub: ratio ? now - (ratio * interval + interval) : -Infinity,
      deep: deepRatio ? now - (deepRatio * deep + deep) : -Infinity,
    });
  }
  const late: number[] = [], deepLate: number[] = [];
  const scrubCol = PG_STAMP_INDEX.last_scrub_stamp, deepCol = PG_STAMP_INDEX.last_deep_scrub_stamp;
  const st = m.stamps, scrubBase = scrubCol * m.stampStride, deepBase = deepCol * m.stampStride;
  const oldest = m.oldestScrubs();
  for (const [pool, c] of cutoffs) {
    const o = oldest.get(pool);
    if (o === undefined || (o.scrub >= c.scrub && o.deep >= c.deep)) cutoffs.delete(pool);
  }
  if (cutoffs.size === 0) return;
  let lastPool = -1, scrubCutoff = -Infinity, deepCutoff = -Infinity;
  for (let r = 0; r < m.count; r++) {
    const pool = m.pool[r]!;
    if (pool !== lastPool) {
      lastPool = pool;
      const c = cutoffs.get(pool);
      scrubCutoff = c?.scrub ?? -Infinity;
      deepCutoff = c?.deep ?? -Infinity;
    }
    if (st[scrubBase + r]! < scrubCutoff) late.push(r);
    if (st[deepBase + r]! < deepCutoff) deepLate.push(r);
  }
  const report = (rows: number[], code: string, words: string, col: number) => {
    if (rows.length === 0) return;
    rows.sort((a, b) => m.pool[a]! - m.pool[b]! || m.ps[a]! - m.ps[b]!);
    const detail = rows.slice(0, MAX_DETAIL).map((r) =>
      `pg ${pgidText(m.pool[r]!, m.ps[r]!)} not ${words} since ${cephStamp(m.stampAt(r, col))}`
    );
    if (rows.length > MAX_DETAIL) detail.push(`${rows.length - MAX_DETAIL} more pgs... `);
    checks[code] = healthCheck(
      "HEALTH_WARN",
      `${rows.length} pgs not ${words} in time`,
      rows.length,
      detail,
    );
  };
  report(late, "PG_NOT_SCRUBBED", "scrubbed", scrubCol);
  report(deepLate, "PG_NOT_DEEP_SCRUBBED", "deep-scrubbed", deepCol);
}

/** A PG's detail line: stuck since when, or its state, and its acting set. */
function _detail(m: PgMap, r: number, response: number, now: number): string {
  const resp = RESPONSES[response]!;
  const w = m.width;
  const acting = `[${Array.from(m.acting.subarray(r * w, r * w + m.actingN[r]!)).join(",")}]`;
  const pgid = pgidText(m.pool[r]!, m.ps[r]!);
  const state = pgStateString(m.state[r]!);
  if (resp.since === undefined) return `pg ${pgid} is ${state}, acting ${acting}`;
  const since = m.stampAt(r, resp.since);
  return `pg ${pgid} is stuck ${resp.name} ${
    since === 0 ? "since forever" : `for ${timespanText(now - since)}`
  }, current state ${state}, last acting ${acting}`;
}

/**
 * DaemonServer's SLOW_OPS from the daemons' health metrics, counting only daemons that are up
 * (`isUp`): the ops, the oldest one's age, and the daemons (sorted as strings, ten at most).
 *
 * @example
 * ```ts
 * import { slowOpsCheck } from "./pg_health.ts";
 * const c = slowOpsCheck({ "osd.3": [{ type: "SLOW_OPS", value: 12, oldest: 31.5 }] }, () => true);
 * if (c?.summary.message !== "12 slow ops, oldest one blocked for 31 sec, osd.3 has slow ops") {
 *   throw new Error(c?.summary.message);
 * }
 * ```
 */
export function slowOpsCheck(
  metrics: Readonly<Record<string, readonly DaemonHealthMetric[]>>,
  isUp: (daemon: string) => boolean,
): HealthCheck | undefined {
  let ops = 0, oldest = 0;
  const daemons: string[] = [];
  for (const [daemon, list] of Object.entries(metrics)) {
    for (const metric of list) {
      if (metric.type !== "SLOW_OPS" || metric.value <= 0 || !isUp(daemon)) continue;
      ops += metric.value;
      oldest = Math.max(oldest, metric.oldest ?? 0);
      daemons.push(daemon);
    }
  }
  if (ops === 0) return undefined;
  daemons.sort();
  const who = daemons.length === 1
    ? `${daemons[0]} has slow ops`
    : `daemons [${daemons.slice(0, 10).join(",")}]${
      daemons.length > 10 ? "..." : ""
    } have slow ops.`;
  return healthCheck(
    "HEALTH_WARN",
    `${ops} slow ops, oldest one blocked for ${Math.floor(oldest)} sec, ${who}`,
    ops,
    [],
  );
}
