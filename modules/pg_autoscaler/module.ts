/**
 * Ceph's pg_autoscaler (src/pybind/mgr/pg_autoscaler/module.py of 16.2.15), ported: for each
 * CRUSH subtree that pools take, the PGs its OSDs should hold (`mon_target_pg_per_osd` per
 * OSD) are shared among its pools by the raw space each uses (or is expected to use:
 * `target_size_bytes`, `target_size_ratio`), in three passes (small pools, bulk pools over
 * their even share, the rest evenly); a pool's target is the nearest power of two, at least
 * `pg_num_min` (32). `osd pool autoscale-status` shows it; every `sleep_interval` a pool in
 * `autoscale_mode on` more than 3× off gets `osd pool set pg_num`, one in `warn` raises
 * POOL_TOO_FEW_PGS / POOL_TOO_MANY_PGS.
 *
 * @module
 */
import {
  CLIReadCommand,
  CLIWriteCommand,
  type CRUSHMap,
  formatBytes,
  HandleCommandResult,
  type HealthChecks,
  MgrModule,
  Option,
  type OSDMap,
  PlainTable,
  type PoolDump,
  pythonJson,
} from "mgr_module";

const PG_NUM_MIN = 32;

/** Ceph's `nearest_power_of_two`: the closer of the powers of two around `n` (up on a tie). */
export function nearestPowerOfTwo(n: number): number {
  let v = Math.trunc(n);
  v -= 1;
  v |= v >> 1;
  v |= v >> 2;
  v |= v >> 4;
  v |= v >> 8;
  v |= v >> 16;
  v += 1;
  const x = v >> 1;
  return v - n > n - x ? x : v;
}

/** Ceph's `effective_target_ratio`. */
export function effectiveTargetRatio(
  targetRatio: number,
  totalTargetRatio: number,
  totalTargetBytes: number,
  capacity: number,
): number {
  let ratio = targetRatio;
  if (totalTargetRatio) ratio = ratio / totalTargetRatio;
  if (totalTargetBytes && capacity) ratio *= 1 - Math.min(1, totalTargetBytes / capacity);
  return ratio;
}

/** A CRUSH subtree pools take, and what it holds (Ceph's CrushSubtreeResourceStatus). */
interface Subtree {
  rootIds: number[];
  osds: Set<number>;
  osdCount: number;
  pgTarget: number;
  pgCurrent: number;
  pgLeft: number;
  capacity: number;
  poolIds: number[];
  poolNames: string[];
  poolCount: number;
  poolUsed: number;
  totalTargetRatio: number;
  totalTargetBytes: number;
}

/** One row of `osd pool autoscale-status -f json`. */
export interface PoolStatus {
  pool_id: number;
  pool_name: string;
  crush_root_id: number;
  pg_autoscale_mode: string;
  pg_num_target: number;
  logical_used: number;
  target_bytes: number;
  raw_used_rate: number;
  subtree_capacity: number;
  actual_raw_used: number;
  raw_used: number;
  actual_capacity_ratio: number;
  capacity_ratio: number;
  target_ratio: number;
  effective_target_ratio: number;
  pg_num_ideal: number;
  pg_num_final: number;
  would_adjust: boolean;
  bias: number;
  bulk: boolean;
}

/** The keys Ceph computes as floats (printed `3.0` in its JSON). */
const FLOAT_KEYS: ReadonlySet<string> = new Set([
  "raw_used_rate",
  "actual_raw_used",
  "raw_used",
  "actual_capacity_ratio",
  "capacity_ratio",
  "target_ratio",
  "effective_target_ratio",
  "bias",
]);

type Pass = "first" | "second" | "third";

function _opt(p: PoolDump, key: string): number | undefined {
  const v = (p.options as Record<string, unknown> | undefined)?.[key];
  return v === undefined || v === null ? undefined : Number(v);
}

/** The PG autoscaler. */
export class PgAutoscaler extends MgrModule {
  static override MODULE_OPTIONS = [
    Option({ name: "sleep_interval", type: "secs", default: 60 }),
    Option({
      name: "noautoscale",
      type: "bool",
      desc: "global autoscale flag",
      long_desc: "Option to turn on/off the autoscaler for all pools",
      default: false,
    }),
  ];

  readonly #events = new Map<number, { id: string; pgNum: number; target: number }>();
  #nextEvent = 1;

  @CLIReadCommand("osd pool autoscale-status", {
    args: { format: { type: "str", optional: true } },
    desc: "report on pool pg_num sizing recommendation and intent",
  })
  autoscale_status({ format }: { format?: string }): HandleCommandResult {
    if (!this.get("osd_map")) return new HandleCommandResult(-11, "", "no OSD map yet");
    const stale = this.have_mon_connection()
      ? ""
      : "the manager has no mon connection: this is from the last maps it received\n";
    const osdmap = this.get_osdmap();
    const ps = this.#poolStatus(osdmap, osdmap.get_pools_by_name());
    if (format === "json" || format === "json-pretty") {
      return new HandleCommandResult(0, pythonJson(ps, "json-pretty", FLOAT_KEYS), stale);
    }
    const table = new PlainTable([
      "POOL",
      "SIZE",
      "TARGET SIZE",
      "RATE",
      "RAW CAPACITY",
      "RATIO",
      "TARGET RATIO",
      "EFFECTIVE RATIO",
      "BIAS",
      "PG_NUM",
      "NEW PG_NUM",
      "AUTOSCALE",
      "BULK",
    ], {
      POOL: "l",
      SIZE: "r",
      "TARGET SIZE": "r",
      RATE: "r",
      "RAW CAPACITY": "r",
      RATIO: "r",
      "TARGET RATIO": "r",
      "EFFECTIVE RATIO": "r",
      BIAS: "r",
      PG_NUM: "r",
      "NEW PG_NUM": "r",
      AUTOSCALE: "l",
      BULK: "l",
    });
    const f = (x: number) => x.toFixed(4);
    const py = (x: number) => Number.isInteger(x) ? x.toFixed(1) : String(x);
    for (const p of ps) {
      table.addRow([
        p.pool_name,
        formatBytes(p.logical_used, 6),
        p.target_bytes > 0 ? formatBytes(p.target_bytes, 6) : "",
        py(p.raw_used_rate),
        formatBytes(p.subtree_capacity, 6),
        f(p.capacity_ratio),
        p.target_ratio > 0 ? f(p.target_ratio) : "",
        p.effective_target_ratio > 0 ? f(p.effective_target_ratio) : "",
        py(p.bias),
        p.pg_num_target,
        p.would_adjust ? String(p.pg_num_final) : "",
        p.pg_autoscale_mode,
        p.bulk ? "True" : "False",
      ]);
    }
    return new HandleCommandResult(0, ps.length > 0 ? table.toString() : "", stale);
  }

  @CLIWriteCommand("osd pool get noautoscale", {
    desc: "Get the noautoscale flag to see if all pools are setting the autoscaler on or off " +
      "as well as newly created pools in the future.",
  })
  get_noautoscale(): HandleCommandResult {
    return new HandleCommandResult(
      0,
      "",
      this.get_module_option("noautoscale") ? "noautoscale is on" : "noautoscale is off",
    );
  }

  @CLIWriteCommand("osd pool unset noautoscale", {
    desc: "Unset the noautoscale flag so all pools will have autoscale enabled (including " +
      "newly created pools in the future).",
  })
  async unset_noautoscale(): Promise<HandleCommandResult> {
    if (!this.get_module_option("noautoscale")) {
      return new HandleCommandResult(0, "", "noautoscale is already unset!");
    }
    await this.set_module_option("noautoscale", false);
    await this.#setDefaultMode("on");
    return new HandleCommandResult(0, "", "noautoscale is unset, all pools now have autoscale on");
  }

  @CLIWriteCommand("osd pool set noautoscale", {
    desc: "set the noautoscale for all pools (including newly created pools in the future) " +
      "and complete all on-going progress events regarding PG-autoscaling.",
  })
  async set_noautoscale(): Promise<HandleCommandResult> {
    if (this.get_module_option("noautoscale")) {
      return new HandleCommandResult(0, "", "noautoscale is already set!");
    }
    await this.set_module_option("noautoscale", true);
    await this.#setDefaultMode("off");
    for (const [pool, ev] of this.#events) {
      await this.remote("progress", "complete", ev.id).catch(() => undefined);
      this.#events.delete(pool);
    }
    return new HandleCommandResult(0, "", "noautoscale is set, all pools now have autoscale off");
  }

  async #setDefaultMode(mode: "on" | "off"): Promise<void> {
    await this.mon_command({
      prefix: "config set",
      who: "global",
      name: "osd_pool_default_pg_autoscale_mode",
      value: mode,
    });
    if (!this.get("osd_map")) return;
    for (const name of Object.keys(this.get_osdmap().get_pools_by_name())) {
      await this.mon_command({
        prefix: "osd pool set",
        pool: name,
        var: "pg_autoscale_mode",
        val: mode,
      });
    }
  }

  override async serve(): Promise<void> {
    while (!this.shutting_down) {
      try {
        if (this.have_mon_connection() && this.get("osd_map")) {
          await this.#maybeAdjust();
          await this.#updateProgressEvents();
        }
      } catch (e) {
        this.log.error(`pg_autoscaler: ${(e as Error).message}`);
      }
      await this.sleep(Number(this.get_module_option("sleep_interval")));
    }
  }

  #subtrees(osdmap: OSDMap, crush: CRUSHMap): {
    byRoot: Map<number, Subtree>;
    overlapped: Set<number>;
  } {
    const byRoot = new Map<number, Subtree>();
    const roots: Subtree[] = [];
    const overlapped = new Set<number>();
    for (const pool of Object.values(osdmap.get_pools())) {
      const rule = crush.get_rule_by_id(pool.crush_rule);
      const rootId = rule ? crush.get_rule_root(rule.rule_name) : null;
      if (rootId === null) continue;
      const osds = new Set(crush.get_osds_under(rootId));
      let s: Subtree | undefined;
      for (const [prevRoot, prev] of byRoot) {
        if ([...osds].some((o) => prev.osds.has(o))) {
          s = prev;
          if (prevRoot !== rootId) {
            overlapped.add(prevRoot).add(rootId);
            this.log.warning(
              `pool ${pool.pool_name} won't scale due to overlapping roots: ${[...overlapped]}`,
            );
          }
          break;
        }
      }
      if (!s) {
        s = {
          rootIds: [],
          osds: new Set(),
          osdCount: 0,
          pgTarget: 0,
          pgCurrent: 0,
          pgLeft: 0,
          capacity: 0,
          poolIds: [],
          poolNames: [],
          poolCount: 0,
          poolUsed: 0,
          totalTargetRatio: 0,
          totalTargetBytes: 0,
        };
        roots.push(s);
      }
      byRoot.set(rootId, s);
      s.rootIds.push(rootId);
      for (const o of osds) s.osds.add(o);
      s.poolIds.push(pool.pool);
      s.poolNames.push(pool.pool_name);
      s.pgCurrent += Number(pool.pg_num_target ?? pool.pg_num) * pool.size;
      const ratio = _opt(pool, "target_size_ratio") ?? 0;
      if (ratio) s.totalTargetRatio += ratio;
      else {
        const bytes = _opt(pool, "target_size_bytes") ?? 0;
        if (bytes) s.totalTargetBytes += bytes * osdmap.pool_raw_used_rate(pool.pool);
      }
    }
    const stats = (this.get("osd_stats") as { osd_stats?: { osd: number; kb: number }[] } | null)
      ?.osd_stats ?? [];
    const target = Number(this.get_ceph_option("mon_target_pg_per_osd"));
    for (const s of roots) {
      s.osdCount = s.osds.size;
      s.pgTarget = s.osdCount * target;
      s.pgLeft = s.pgTarget;
      s.poolCount = s.poolIds.length;
      s.capacity = stats.filter((o) => s.osds.has(o.osd)).reduce((a, o) => a + o.kb * 1024, 0);
    }
    return { byRoot, overlapped };
  }

  #finalTarget(
    p: PoolDump,
    name: string,
    root: Subtree,
    capacityRatio: number,
    bias: number,
    even: Map<string, PoolDump>,
    bulkPools: Map<string, PoolDump>,
    pass: Pass,
    bulk: boolean,
  ): [number, number, number] | null {
    let finalRatio: number, poolPgTarget: number;
    if (pass === "first") {
      if (bulk) {
        bulkPools.set(name, p);
        return null;
      }
      finalRatio = capacityRatio;
      const usedPg = finalRatio * root.pgLeft;
      root.pgLeft -= Math.trunc(usedPg);
      root.poolUsed += 1;
      poolPgTarget = usedPg / p.size * bias;
    } else if (pass === "second") {
      const evenRatio = 1 / (root.poolCount - root.poolUsed);
      if (capacityRatio > evenRatio) root.poolUsed += 1;
      else {
        even.set(name, p);
        return null;
      }
      finalRatio = Math.max(capacityRatio, evenRatio);
      const usedPg = finalRatio * root.pgLeft;
      root.pgLeft -= Math.trunc(usedPg);
      poolPgTarget = usedPg / p.size * bias;
    } else {
      finalRatio = 1 / (root.poolCount - root.poolUsed);
      poolPgTarget = finalRatio * root.pgLeft / p.size * bias;
    }
    const minPg = _opt(p, "pg_num_min") ?? PG_NUM_MIN;
    const maxPg = _opt(p, "pg_num_max");
    let finalPg = Math.max(minPg, nearestPowerOfTwo(poolPgTarget));
    if (maxPg && maxPg < finalPg) finalPg = maxPg;
    return [finalRatio, poolPgTarget, finalPg];
  }

  #targets(
    osdmap: OSDMap,
    pools: Map<string, PoolDump>,
    crush: CRUSHMap,
    byRoot: Map<number, Subtree>,
    poolStats: Map<number, { stored: number }>,
    ret: PoolStatus[],
    threshold: number,
    pass: Pass,
    overlapped: Set<number>,
  ): { bulkPools: Map<string, PoolDump>; even: Map<string, PoolDump> } {
    const even = new Map<string, PoolDump>(), bulkPools = new Map<string, PoolDump>();
    for (const [name, p] of pools) {
      const stats = poolStats.get(p.pool);
      if (!stats) continue;
      const rule = crush.get_rule_by_id(p.crush_rule);
      const rootId = rule ? crush.get_rule_root(rule.rule_name) : null;
      if (rootId === null || overlapped.has(rootId)) continue;
      const root = byRoot.get(rootId);
      if (!root || root.capacity === 0) continue;
      const rawUsedRate = osdmap.pool_raw_used_rate(p.pool);
      const logicalUsed = stats.stored;
      const bias = _opt(p, "pg_autoscale_bias") ?? 1.0;
      const targetSizeRatio = _opt(p, "target_size_ratio") ?? 0;
      const targetBytes = targetSizeRatio === 0 ? _opt(p, "target_size_bytes") ?? 0 : 0;
      const actualRawUsed = logicalUsed * rawUsedRate;
      const actualCapacityRatio = actualRawUsed / root.capacity;
      const poolRawUsed = Math.max(logicalUsed, targetBytes) * rawUsedRate;
      let capacityRatio = poolRawUsed / root.capacity;
      const targetRatio = effectiveTargetRatio(
        targetSizeRatio,
        root.totalTargetRatio,
        root.totalTargetBytes,
        root.capacity,
      );
      const bulk = String(p.flags_names ?? "").split(",").includes("bulk");
      capacityRatio = Math.max(capacityRatio, targetRatio);
      const r = this.#finalTarget(
        p,
        name,
        root,
        capacityRatio,
        bias,
        even,
        bulkPools,
        pass,
        bulk,
      );
      if (!r) continue;
      const [finalRatio, poolPgTarget, finalPg] = r;
      const pgNumTarget = Number(p.pg_num_target ?? p.pg_num);
      const mode = String(p.pg_autoscale_mode ?? "off");
      const adjust = (finalPg > pgNumTarget * threshold || finalPg < pgNumTarget / threshold) &&
        finalRatio >= 0 && finalRatio <= 1 && mode === "on";
      ret.push({
        pool_id: p.pool,
        pool_name: p.pool_name,
        crush_root_id: rootId,
        pg_autoscale_mode: mode,
        pg_num_target: pgNumTarget,
        logical_used: logicalUsed,
        target_bytes: targetBytes,
        raw_used_rate: rawUsedRate,
        subtree_capacity: root.capacity,
        actual_raw_used: actualRawUsed,
        raw_used: poolRawUsed,
        actual_capacity_ratio: actualCapacityRatio,
        capacity_ratio: capacityRatio,
        target_ratio: targetSizeRatio,
        effective_target_ratio: targetRatio,
        pg_num_ideal: Math.trunc(poolPgTarget),
        pg_num_final: finalPg,
        would_adjust: adjust,
        bias,
        bulk,
      });
    }
    return { bulkPools, even };
  }

  #poolStatus(osdmap: OSDMap, pools: Record<string, PoolDump>, threshold = 3.0): PoolStatus[] {
    const crush = osdmap.get_crush();
    const { byRoot, overlapped } = this.#subtrees(osdmap, crush);
    const df = this.get("df") as { pools?: { id: number; stats: { stored: number } }[] } | null;
    const poolStats = new Map((df?.pools ?? []).map((p) => [p.id, p.stats]));
    const ret: PoolStatus[] = [];
    const first = this.#targets(
      osdmap,
      new Map(Object.entries(pools)),
      crush,
      byRoot,
      poolStats,
      ret,
      threshold,
      "first",
      overlapped,
    );
    const second = this.#targets(
      osdmap,
      first.bulkPools,
      crush,
      byRoot,
      poolStats,
      ret,
      threshold,
      "second",
      overlapped,
    );
    this.#targets(
      osdmap,
      second.even,
      crush,
      byRoot,
      poolStats,
      ret,
      threshold,
      "third",
      overlapped,
    );
    return ret;
  }

  async #maybeAdjust(): Promise<void> {
    if (this.get_module_option("noautoscale")) return;
    const osdmap = this.get_osdmap();
    const pools = osdmap.get_pools_by_name();
    const ps = this.#poolStatus(osdmap, pools);
    const tooFew: string[] = [], tooMany: string[] = [], bytesAndRatio: string[] = [];
    for (const p of ps) {
      const pool = pools[p.pool_name];
      if (
        (_opt(pool!, "target_size_ratio") ?? 0) > 0 && (_opt(pool!, "target_size_bytes") ?? 0) > 0
      ) {
        bytesAndRatio.push(`Pool ${p.pool_name} has target_size_bytes and target_size_ratio set`);
      }
      if (p.pg_autoscale_mode === "warn") {
        const msg =
          `Pool ${p.pool_name} has ${p.pg_num_target} placement groups, should have ${p.pg_num_final}`;
        if (p.pg_num_final > p.pg_num_target) tooFew.push(msg);
        else tooMany.push(msg);
      }
      if (!p.would_adjust || p.pg_autoscale_mode !== "on") continue;
      const r = await this.mon_command({
        prefix: "osd pool set",
        pool: p.pool_name,
        var: "pg_num",
        val: String(p.pg_num_final),
      });
      const pgNum = Number(pool?.pg_num ?? p.pg_num_target);
      const ev = this.#events.get(p.pool_id) ??
        { id: `pg_autoscaler-${this.#nextEvent++}`, pgNum, target: p.pg_num_final };
      ev.pgNum = pgNum;
      ev.target = p.pg_num_final;
      this.#events.set(p.pool_id, ev);
      await this.#progress(ev, p.pool_id, 0);
      if (r[0] !== 0) {
        this.log.error(`pg_num adjustment on ${p.pool_name} to ${p.pg_num_final} failed: ${r}`);
      }
    }
    const checks: HealthChecks = {};
    if (tooFew.length > 0) {
      checks.POOL_TOO_FEW_PGS = {
        severity: "warning",
        summary: `${tooFew.length} pools have too few placement groups`,
        count: tooFew.length,
        detail: tooFew,
      };
    }
    if (tooMany.length > 0) {
      checks.POOL_TOO_MANY_PGS = {
        severity: "warning",
        summary: `${tooMany.length} pools have too many placement groups`,
        count: tooMany.length,
        detail: tooMany,
      };
    }
    if (bytesAndRatio.length > 0) {
      checks.POOL_HAS_TARGET_SIZE_BYTES_AND_RATIO = {
        severity: "warning",
        summary:
          `${bytesAndRatio.length} pools have both target_size_bytes and target_size_ratio set`,
        count: bytesAndRatio.length,
        detail: bytesAndRatio,
      };
    }
    this.set_health_checks(checks);
  }

  async #progress(
    ev: { id: string; pgNum: number; target: number },
    pool: number,
    progress: number,
  ) {
    const desc = ev.pgNum < ev.target ? "increasing" : "decreasing";
    await this.remote(
      "progress",
      "update",
      ev.id,
      `PG autoscaler ${desc} pool ${pool} PGs from ${ev.pgNum} to ${ev.target}`,
      progress,
      [["pool", pool]],
    ).catch((e) => this.log.debug(`progress update: ${(e as Error).message}`));
  }

  async #updateProgressEvents(): Promise<void> {
    if (this.get_module_option("noautoscale")) return;
    const pools = this.get_osdmap().get_pools();
    for (const [poolId, ev] of [...this.#events]) {
      const pool = pools[poolId];
      if (!pool || pool.pg_num === pool.pg_num_target || ev.pgNum === ev.target) {
        await this.remote("progress", "complete", ev.id).catch(() => undefined);
        this.#events.delete(poolId);
        continue;
      }
      await this.#progress(ev, poolId, (ev.pgNum - pool.pg_num) / (ev.pgNum - ev.target));
    }
  }
}
