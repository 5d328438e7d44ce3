/**
 * The balancer's view of a placement and its score (Ceph's `MappingState` and `Eval` of
 * src/pybind/mgr/balancer/module.py, 16.2.15): per CRUSH root the share of PGs, objects and
 * bytes each OSD should hold (CRUSH weight × reweight) and holds (the up sets the OSD map
 * gives), and a score in [0, 1) from how far the overfull OSDs are over their share, 0 for a
 * perfect distribution.
 *
 * @module
 */
import { CRUSHMap, type OSDMap, type OsdMapDump } from "mgr_module";

/** `pgs`, `objects` and `bytes`. */
export type Metric = "pgs" | "objects" | "bytes";
const METRICS: readonly Metric[] = ["pgs", "objects", "bytes"];

type ByMetric<T> = Record<Metric, T>;

/** A placement to evaluate: an OSD map and the PG statistics. */
export class MappingState {
  readonly osdmapDump: OsdMapDump;
  readonly pgStat = new Map<string, { num_objects: number; num_bytes: number }>();
  readonly poolids: Set<number>;
  readonly pgUp = new Map<string, number[]>();
  readonly pgUpByPoolid = new Map<number, Record<string, number[]>>();

  constructor(
    readonly osdmap: OSDMap,
    rawPgStats: { pg_stats?: { pgid: string; stat_sum: Record<string, number> }[] } | null,
    rawPoolStats: { pool_stats?: { poolid: number }[] } | null,
    readonly desc = "",
  ) {
    this.osdmapDump = osdmap.dump();
    for (const s of rawPgStats?.pg_stats ?? []) {
      this.pgStat.set(s.pgid, {
        num_objects: s.stat_sum.num_objects ?? 0,
        num_bytes: s.stat_sum.num_bytes ?? 0,
      });
    }
    const pgPools = new Set((rawPoolStats?.pool_stats ?? []).map((p) => p.poolid));
    this.poolids = new Set(
      this.osdmapDump.pools.map((p) => p.pool).filter((id) => pgPools.has(id)),
    );
    for (const id of this.poolids) {
      const up = osdmap.map_pool_pgs_up(id) ?? {};
      this.pgUpByPoolid.set(id, up);
      for (const [pgid, set] of Object.entries(up)) this.pgUp.set(pgid, set);
    }
  }

  /** The share of `other`'s PGs whose up set differs here. */
  calcMisplacedFrom(other: MappingState): number {
    let misplaced = 0;
    for (const [pgid, before] of other.pgUp) {
      const now = this.pgUp.get(pgid) ?? [];
      if (before.length !== now.length || before.some((o, i) => o !== now[i])) misplaced++;
    }
    return other.pgUp.size > 0 ? misplaced / other.pgUp.size : 0;
  }
}

/** One metric's statistics of a root. */
export interface Stats {
  max: number;
  min: number;
  avg: number;
  stddev: number;
  sum_weight: number;
  score: number;
}

/** The evaluation of a MappingState. */
export class Eval {
  readonly rootIds = new Map<string, number>();
  readonly poolName = new Map<number, string>();
  readonly poolId = new Map<string, number>();
  readonly poolRoots = new Map<string, string[]>();
  readonly rootPools = new Map<string, string[]>();
  readonly targetByRoot = new Map<string, Map<number, number>>();
  readonly countByPool = new Map<string, ByMetric<Map<number, number>>>();
  readonly countByRoot = new Map<string, ByMetric<Map<number, number>>>();
  readonly actualByPool = new Map<string, ByMetric<Map<number, number>>>();
  readonly actualByRoot = new Map<string, ByMetric<Map<number, number>>>();
  readonly totalByPool = new Map<string, ByMetric<number>>();
  readonly totalByRoot = new Map<string, ByMetric<number>>();
  readonly statsByRoot = new Map<string, ByMetric<Stats>>();
  readonly scoreByRoot = new Map<string, ByMetric<number>>();
  score = 0;

  constructor(readonly ms: MappingState) {}

  /** `eval` / `eval-verbose` output. */
  show(verbose = false): string {
    let r: string;
    if (verbose) {
      r = this.ms.desc + "\n";
      r += `target_by_root ${pyRepr(this.targetByRoot, true)}\n`;
      r += `actual_by_pool ${pyRepr(this.actualByPool, true)}\n`;
      r += `actual_by_root ${pyRepr(this.actualByRoot, true)}\n`;
      r += `count_by_pool ${pyRepr(this.countByPool, false)}\n`;
      r += `count_by_root ${pyRepr(this.countByRoot, true)}\n`;
      r += `total_by_pool ${pyRepr(this.totalByPool, false)}\n`;
      r += `total_by_root ${pyRepr(this.totalByRoot, false)}\n`;
      r += `stats_by_root ${pyRepr(this.statsByRoot, true)}\n`;
      r += `score_by_pool {}\n`;
      r += `score_by_root ${pyRepr(this.scoreByRoot, true)}\n`;
    } else {
      r = this.ms.desc + " ";
    }
    return r + `score ${this.score.toFixed(6)} (lower is better)\n`;
  }

  /** Ceph's `calc_stats`: per metric, max/min/avg/stddev and the score. */
  calcStats(
    count: ByMetric<Map<number, number>>,
    target: Map<number, number>,
    total: ByMetric<number>,
  ): ByMetric<Stats> {
    const num = Math.max(target.size, 1);
    const r = {} as ByMetric<Stats>;
    for (const t of METRICS) {
      if (total[t] === 0) {
        r[t] = { max: 0, min: 0, avg: 0, stddev: 0, sum_weight: 0, score: 0 };
        continue;
      }
      const avg = total[t] / num;
      let dev = 0, score = 0, sumWeight = 0;
      for (const [k, v] of count[t]) {
        const w = target.get(k) ?? 0;
        const adjusted = w ? v / w / num : 0;
        if (adjusted > avg) {
          score += w * erf((adjusted - avg) / avg / Math.SQRT2);
          sumWeight += w;
        }
        dev += (avg - adjusted) * (avg - adjusted);
      }
      const values = [...count[t].values()];
      r[t] = {
        max: Math.max(...values),
        min: Math.min(...values),
        avg,
        stddev: Math.sqrt(dev / Math.max(num - 1, 1)),
        sum_weight: sumWeight,
        score: score / Math.max(sumWeight, 1),
      };
    }
    return r;
  }
}

const _empty = <T>(f: () => T): ByMetric<T> => ({ pgs: f(), objects: f(), bytes: f() });

/** Ceph's `calc_eval`: the evaluation of `ms` for `pools` (all when empty). */
export function calcEval(
  ms: MappingState,
  pools: readonly string[],
  metrics: readonly string[],
): Eval {
  const pe = new Eval(ms);
  const poolInfo = new Map<string, OsdMapDump["pools"][number]>();
  for (const p of ms.osdmapDump.pools) {
    if (pools.length > 0 && !pools.includes(p.pool_name)) continue;
    if (!ms.poolids.has(p.pool)) continue;
    pe.poolName.set(p.pool, p.pool_name);
    pe.poolId.set(p.pool_name, p.pool);
    pe.poolRoots.set(p.pool_name, []);
    poolInfo.set(p.pool_name, p);
  }
  if (poolInfo.size === 0) return pe;
  const osdWeight = new Map<number, number>();
  for (const o of ms.osdmapDump.osds) if (o.weight > 0) osdWeight.set(o.osd, o.weight);

  const crush = ms.osdmap.get_crush();
  const actualByRoot = new Map<string, ByMetric<Map<number, number>>>();
  const roots: string[] = [];
  for (const rootid of crush.find_takes()) {
    const want = ms.osdmap.get_pools_by_take(rootid).filter((id) => pe.poolName.has(id));
    if (want.length === 0) continue;
    const root = crush.get_item_name(rootid) ?? String(rootid);
    pe.rootPools.set(root, []);
    for (const poolid of want) {
      const name = pe.poolName.get(poolid) as string;
      pe.poolRoots.get(name)?.push(root);
      pe.rootPools.get(root)?.push(name);
    }
    pe.rootIds.set(root, rootid);
    roots.push(root);
    const adjusted = new Map<number, number>();
    for (const [k, cw] of Object.entries(crush.get_take_weight_osd_map(rootid))) {
      const osd = Number(k);
      const w = osdWeight.get(osd);
      if (w !== undefined && cw > 0) adjusted.set(osd, cw * w);
    }
    const sum = [...adjusted.values()].reduce((a, b) => a + b, 0);
    const target = new Map([...adjusted].map(([osd, w]) => [osd, w / sum]));
    pe.targetByRoot.set(root, target);
    const actual = _empty(() => new Map<number, number>());
    for (const osd of target.keys()) for (const t of METRICS) actual[t].set(osd, 0);
    actualByRoot.set(root, actual);
    pe.totalByRoot.set(root, { pgs: 0, objects: 0, bytes: 0 });
  }

  for (const [pool, pi] of poolInfo) {
    const pm = ms.pgUpByPoolid.get(pi.pool) ?? {};
    const total = { pgs: 0, objects: 0, bytes: 0 };
    const by = _empty(() => new Map<number, number>());
    for (const [pgid, up] of Object.entries(pm)) {
      const stat = ms.pgStat.get(pgid) ?? { num_objects: 0, num_bytes: 0 };
      for (const osd of up) {
        if (osd === CRUSHMap.ITEM_NONE) continue;
        by.pgs.set(osd, (by.pgs.get(osd) ?? 0) + 1);
        by.objects.set(osd, (by.objects.get(osd) ?? 0) + stat.num_objects);
        by.bytes.set(osd, (by.bytes.get(osd) ?? 0) + stat.num_bytes);
        for (const root of pe.poolRoots.get(pool) ?? []) {
          if (!pe.targetByRoot.get(root)?.has(osd)) continue;
          const a = actualByRoot.get(root) as ByMetric<Map<number, number>>;
          a.pgs.set(osd, (a.pgs.get(osd) ?? 0) + 1);
          a.objects.set(osd, (a.objects.get(osd) ?? 0) + stat.num_objects);
          a.bytes.set(osd, (a.bytes.get(osd) ?? 0) + stat.num_bytes);
          total.pgs += 1;
          total.objects += stat.num_objects;
          total.bytes += stat.num_bytes;
          const tr = pe.totalByRoot.get(root) as ByMetric<number>;
          tr.pgs += 1;
          tr.objects += stat.num_objects;
          tr.bytes += stat.num_bytes;
          break;
        }
      }
    }
    pe.countByPool.set(pool, by);
    pe.actualByPool.set(pool, {
      pgs: _share(by.pgs, total.pgs),
      objects: _share(by.objects, total.objects),
      bytes: _share(by.bytes, total.bytes),
    });
    pe.totalByPool.set(pool, total);
  }
  for (const [root, total] of pe.totalByRoot) {
    const a = actualByRoot.get(root) as ByMetric<Map<number, number>>;
    pe.countByRoot.set(root, a);
    pe.actualByRoot.set(root, {
      pgs: _share(a.pgs, total.pgs),
      objects: _share(a.objects, total.objects),
      bytes: _share(a.bytes, total.bytes),
    });
  }
  for (const [root, count] of pe.countByRoot) {
    pe.statsByRoot.set(
      root,
      pe.calcStats(count, pe.targetByRoot.get(root) ?? new Map(), pe.totalByRoot.get(root)!),
    );
  }
  for (const root of pe.totalByRoot.keys()) {
    const s = pe.statsByRoot.get(root) as ByMetric<Stats>;
    pe.scoreByRoot.set(root, { pgs: s.pgs.score, objects: s.objects.score, bytes: s.bytes.score });
  }
  pe.score = 0;
  for (const vs of pe.scoreByRoot.values()) {
    for (const t of METRICS) if (metrics.includes(t)) pe.score += vs[t];
  }
  pe.score /= metrics.length * roots.length;
  return pe;
}

function _share(m: Map<number, number>, total: number): Map<number, number> {
  return new Map([...m].map(([k, v]) => [k, v / Math.max(total, 1)]));
}

/** The error function (Abramowitz–Stegun 7.1.26 is too coarse for scores; this is erf to 1e-15). */
export function erf(x: number): number {
  // Series for small |x|, continued fraction (via erfc) for large.
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let sum = x, term = x;
    const x2 = x * x;
    for (let n = 1; n < 100; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // Lentz's continued fraction for erfc(ax).
  let f = ax, c = ax, d = 0;
  for (let n = 1; n < 200; n++) {
    const an = n / 2;
    d = ax + an * d;
    d = d === 0 ? 1e-300 : 1 / d;
    c = ax + an / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return x > 0 ? 1 - erfc : erfc - 1;
}

/** Python's `repr(float)`. */
function _pyFloat(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return x.toFixed(1);
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    const [mant, exp] = x.toExponential().split("e") as [string, string];
    return `${mant}e${exp.startsWith("-") ? "-" : "+"}${exp.replace(/^[+-]/, "").padStart(2, "0")}`;
  }
  return String(x);
}

/**
 * Python's `repr()` of the evaluation's dicts (`{'default': {0: 0.111}}`): numbers as floats
 * when `floats`, else as Python would print what they are.
 */
export function pyRepr(v: unknown, floats: boolean): string {
  if (typeof v === "number") {
    return floats ? _pyFloat(v) : Number.isInteger(v) ? String(v) : _pyFloat(v);
  }
  if (typeof v === "string") return `'${v}'`;
  const entries = v instanceof Map ? [...v] : Object.entries(v as Record<string, unknown>);
  return "{" + entries.map(([k, x]) => `${pyRepr(k, false)}: ${pyRepr(x, floats)}`).join(", ") +
    "}";
}
