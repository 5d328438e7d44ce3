/**
 * The simulated OSDs' dynamic perf stats (Ceph's src/osd/DynamicPerfStats.h): each period,
 * every reporting OSD evaluates the manager's OSD perf queries on the client ops it served
 * as primary, and reports the counters per key, cut to each query's limits by Ceph's weighted
 * random sampling.
 *
 * What an op is keyed by comes from the workload (sim/cluster/io_model.ts): its client
 * (`client.<4121 + i>` at `10.0.1.<i + 1>:0/<nonce>`), its pool, PG and primary OSD, the
 * default namespace and the head (`snap_id` "head"). The workload counts ops per PG, not per
 * object: a client's ops on one PG are taken to be on one object of it, named as RBD names
 * data objects in a pool whose application is `rbd` (`rbd_data.<image id>.<object number>`,
 * one image per client: sim/cluster/workload_images.ts) and `<client>.<pgid>` elsewhere.
 *
 * @module
 */
import {
  addOsdPerfOps,
  compareOsdPerfKeys,
  type OsdPerfEntry,
  osdPerfKey,
  type OsdPerfLimit,
  type OsdPerfOps,
  type OsdPerfQuerySet,
  type OsdPerfReport,
  type OsdPerfSubKeyType,
} from "../../core/osd_perf_query.ts";
import type { RngStream } from "../engine/prng.ts";
import type { IoModel } from "./io_model.ts";
import type { PgTable } from "./pg_table.ts";
import { workloadImage } from "./workload_images.ts";

/** The name and address of workload client `i`. */
export function workloadClient(i: number): { id: string; address: string } {
  // A fixed, client-specific nonce, as a librados instance has one per process.
  const nonce = (Math.imul(i + 1, 2654435761) >>> 0) % 4000000000 + 100000000;
  return { id: `client.${4121 + i}`, address: `10.0.1.${(i % 254) + 1}:0/${nonce}` };
}

/** Splits `n` ops over the clients by weight (largest remainder, ties to the lower index). */
function split(n: number, weights: readonly number[], out: number[]): void {
  let given = 0;
  const rest: number[] = [];
  for (let i = 0; i < weights.length; i++) {
    const exact = n * weights[i]!;
    out[i] = Math.floor(exact);
    given += out[i]!;
    rest.push(exact - out[i]!);
  }
  const order = rest.map((r, i) => [r, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; k < n - given; k++) out[order[k]![1]]! += 1;
}

/**
 * The reports of one period: one per reporting OSD and query that counted something.
 * `reported[o]` is 1 for an OSD that reports this period.
 */
export function osdPerfReports(
  queries: readonly OsdPerfQuerySet[],
  io: IoModel,
  pgs: PgTable,
  reported: Uint8Array,
  rng: RngStream,
): OsdPerfReport[] {
  if (queries.length === 0) return [];
  const clients = io.spec.clients;
  const raw = Array.from({ length: clients }, (_, i) => 1 / (i + 1));
  const total = raw.reduce((a, b) => a + b, 0);
  const weights = raw.map((w) => w / total);
  const names = Array.from({ length: clients }, (_, i) => workloadClient(i));
  const compiled = queries.map((q) => ({
    set: q,
    regexes: q.query.key_descriptor.map((d) => new RegExp(d.regex)),
    /** OSD → key text → entry. */
    byOsd: new Map<number, Map<string, OsdPerfEntry>>(),
  }));
  const reads: number[] = [], writes: number[] = [];
  const ioSize = io.spec.ioSize;
  for (let p = 0; p < pgs.count; p++) {
    const r = io.periodReads[p] ?? 0, w = io.periodWrites[p] ?? 0;
    if (r + w === 0 || (pgs.actingN[p] as number) === 0) continue;
    const primary = pgs.acting[p * pgs.stride] as number;
    if (!reported[primary]) continue;
    const pool = pgs.poolOf(p);
    const ps = pgs.ps[p] as number;
    const pgid = `${pool.id}.${ps.toString(16)}`;
    split(r, weights, reads);
    split(w, weights, writes);
    for (let i = 0; i < clients; i++) {
      const cr = reads[i]!, cw = writes[i]!;
      if (cr + cw === 0) continue;
      const client = names[i]!;
      const subKeys: Record<OsdPerfSubKeyType, string> = {
        client_id: client.id,
        client_address: client.address,
        pool_id: String(pool.id),
        namespace: "",
        osd_id: String(primary),
        pg_id: pgid,
        object_name: pool.application === "rbd"
          ? `rbd_data.${workloadImage(i).id}.${ps.toString(16).padStart(16, "0")}`
          : `${client.id}.${pgid}`,
        snap_id: "head",
      };
      const ops: OsdPerfOps = {
        subKeys,
        readOps: cr,
        writeOps: cw,
        readBytes: cr * ioSize,
        writeBytes: cw * ioSize,
        readNs: cr * (io.readNs[primary] ?? 0),
        writeNs: cw * (io.writeNs[primary] ?? 0),
      };
      for (const c of compiled) {
        const key = osdPerfKey(c.set.query, c.regexes, ops);
        if (key === null) continue;
        let table = c.byOsd.get(primary);
        if (!table) c.byOsd.set(primary, table = new Map());
        const text = JSON.stringify(key);
        let entry = table.get(text);
        if (!entry) {
          table.set(
            text,
            entry = {
              key,
              counters: c.set.query.performance_counter_descriptors.map(() => [0, 0]),
            },
          );
        }
        addOsdPerfOps(c.set.query.performance_counter_descriptors, entry.counters, ops);
      }
    }
  }
  const reports: OsdPerfReport[] = [];
  for (const c of compiled) {
    for (const osd of [...c.byOsd.keys()].sort((a, b) => a - b)) {
      const entries = [...c.byOsd.get(osd)!.values()].sort((a, b) =>
        compareOsdPerfKeys(a.key, b.key)
      );
      for (const e of entries) for (const v of e.counters) v[0] = Math.round(v[0]);
      reports.push({
        query: c.set.query,
        entries: limited(entries, c.set, rng),
      });
    }
  }
  return reports;
}

/**
 * DynamicPerfStats::add_to_reports: all entries unless every limit is below their number;
 * else, per limit, `max_count` of them by Weighted Random Sampling (Algorithm A-Chao) on the
 * `order_by` counter, their union in key order.
 */
function limited(
  entries: OsdPerfEntry[],
  set: OsdPerfQuerySet,
  rng: RngStream,
): OsdPerfEntry[] {
  const limits: readonly OsdPerfLimit[] = set.limits;
  if (limits.length === 0 || limits.some((l) => l.max_count >= entries.length)) return entries;
  const kept = new Set<number>();
  for (const limit of limits) {
    const index = set.query.performance_counter_descriptors.indexOf(limit.order_by);
    if (index < 0 || limit.max_count <= 0) continue;
    const chosen: number[] = [];
    let wsum = 0;
    for (let i = 0; i < limit.max_count; i++) {
      wsum += entries[i]!.counters[index]![0];
      chosen.push(i);
    }
    for (let i = limit.max_count; i < entries.length; i++) {
      const weight = entries[i]!.counters[index]![0];
      wsum += weight;
      if (rng.int(0, wsum) <= weight) chosen[rng.int(0, limit.max_count - 1)] = i;
    }
    for (const i of chosen) kept.add(i);
  }
  return entries.filter((_, i) => kept.has(i));
}
