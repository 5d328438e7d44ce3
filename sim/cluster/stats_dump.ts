/**
 * Cluster statistics as the manager's `get()` returns them: `df`, `io_rate` and
 * `osd_pool_stats`, from the PG table and the workload's last period.
 *
 * @module
 */

import { cephSeconds } from "../../ceph/time.ts";
import { type IoModel, osdCapacity } from "./io_model.ts";
import type { OsdMap } from "./osd_map.ts";
import type { Json } from "./osd_map_dump.ts";
import { clusterSums, type PgStatsView, statBlock, type StatSum, zeroSum } from "./pg_dump.ts";
import type { PgTable } from "./pg_table.ts";

/**
 * `get("df")`: raw capacity per device class and usage per pool. `sums` are the PG stat sums
 * of `pgs` and `view` (`clusterSums`), for a caller that has them already.
 */
export function dumpDf(
  pgs: PgTable,
  map: OsdMap,
  view: PgStatsView = {},
  sums: { pools: Map<number, StatSum> } = clusterSums(pgs, view),
): Json {
  const byClass = new Map<string, { total: number; used: number }>();
  let total = 0, used = 0, numOsds = 0;
  const osdUsed = new Float64Array(map.maxOsd);
  for (let p = 0; p < pgs.count; p++) {
    const base = p * pgs.stride;
    for (let i = 0; i < (pgs.actingN[p] as number); i++) {
      (osdUsed[pgs.acting[base + i] as number] as number) += pgs.bytes[p] as number;
    }
  }
  for (let id = 0; id < map.maxOsd; id++) {
    if (!map.isUp(id)) continue;
    const cap = osdCapacity(map, id);
    const u = osdUsed[id] as number;
    const cls = map.crush.devices[id]?.deviceClass ?? "hdd";
    const c = byClass.get(cls) ?? { total: 0, used: 0 };
    c.total += cap;
    c.used += u;
    byClass.set(cls, c);
    total += cap;
    used += u;
    numOsds++;
  }
  const stats = (t: number, u: number) => ({
    total_bytes: t,
    total_avail_bytes: t - u,
    total_used_bytes: u,
    total_used_raw_bytes: u,
    total_used_raw_ratio: t > 0 ? u / t : 0,
  });
  const pools = map.pools.map((pool) => {
    const s = sums.pools.get(pool.id) ?? zeroSum();
    const bytesUsed = s.num_bytes * pool.size;
    const availRaw = Math.max(0, total - used);
    const maxAvail = Math.floor(availRaw * 0.95 / pool.size);
    return {
      name: pool.name,
      id: pool.id,
      stats: {
        stored: s.num_bytes,
        stored_data: s.num_bytes,
        stored_omap: 0,
        objects: s.num_objects,
        kb_used: Math.ceil(bytesUsed / 1024),
        bytes_used: bytesUsed,
        data_bytes_used: bytesUsed,
        omap_bytes_used: 0,
        percent_used: bytesUsed + maxAvail > 0 ? bytesUsed / (bytesUsed + maxAvail) : 0,
        max_avail: maxAvail,
        quota_objects: 0,
        quota_bytes: 0,
        dirty: 0,
        rd: s.num_read,
        rd_bytes: s.num_read_kb * 1024,
        wr: s.num_write,
        wr_bytes: s.num_write_kb * 1024,
        compress_bytes_used: 0,
        compress_under_bytes: 0,
        stored_raw: s.num_bytes * pool.size,
        avail_raw: Math.floor(availRaw * 0.95),
      },
    };
  });
  return {
    stats: {
      ...stats(total, used),
      num_osds: numOsds,
      num_per_pool_osds: numOsds,
      num_per_pool_omap_osds: numOsds,
    },
    stats_by_class: Object.fromEntries(
      [...byClass].sort((a, b) => a[0] < b[0] ? -1 : 1).map((
        [k, v],
      ) => [k, stats(v.total, v.used)]),
    ),
    pools,
  };
}

/** `get("io_rate")`: the PGMap's change over the last stats period. */
export function dumpIoRate(io?: IoModel): Json {
  const sum = zeroSum();
  const d = io?.lastDelta;
  if (d) {
    sum.num_bytes = d.newBytes;
    sum.num_objects = d.newObjects;
    sum.num_object_copies = d.newObjects;
    sum.num_objects_dirty = d.newObjects;
    sum.num_read = d.reads;
    sum.num_read_kb = Math.round(d.readBytes / 1024);
    sum.num_write = d.writes;
    sum.num_write_kb = Math.round(d.writeBytes / 1024);
    sum.num_objects_recovered = Math.round(d.recoveredObjects);
    sum.num_bytes_recovered = Math.round(d.recoveredBytes);
  }
  return {
    pg_stats_delta: {
      ...(statBlock(sum, 0, 0, 0) as Record<string, Json>),
      stamp_delta: cephSeconds(d?.seconds ?? 0),
    },
  };
}

/**
 * `get("osd_pool_stats")`: per pool, recovery progress, recovery rate and client IO rate of
 * the last period (empty objects when nothing happens, as Ceph prints them).
 */
export function dumpOsdPoolStats(pgs: PgTable, map: OsdMap, io?: IoModel): Json {
  const degraded = new Map<number, [number, number, number]>();
  for (let p = 0; p < pgs.count; p++) {
    const id = pgs.poolId[p] as number;
    const d = degraded.get(id) ?? [0, 0, 0];
    d[0] += pgs.degradedObjects(p);
    d[1] += pgs.misplacedObjects(p);
    d[2] += (pgs.objects[p] as number) * pgs.poolOf(p).size;
    degraded.set(id, d);
  }
  return {
    pool_stats: map.pools.map((pool) => {
      const [deg, mis, copies] = degraded.get(pool.id) ?? [0, 0, 0];
      const recovery: { [key: string]: Json } = {};
      if (deg > 0) {
        recovery.degraded_objects = deg;
        recovery.degraded_total = copies;
        recovery.degraded_ratio = copies > 0 ? deg / copies : 0;
      }
      if (mis > 0) {
        recovery.misplaced_objects = mis;
        recovery.misplaced_total = copies;
        recovery.misplaced_ratio = copies > 0 ? mis / copies : 0;
      }
      const r = io?.poolRates.get(pool.id);
      const rate: { [key: string]: Json } = {};
      if (r && r.recoveredObjects > 0) {
        rate.recovering_objects_per_sec = Math.round(r.recoveredObjects);
        rate.recovering_bytes_per_sec = Math.round(r.recoveredBytes);
        rate.recovering_keys_per_sec = 0;
        rate.num_objects_recovered = Math.round(r.recoveredObjects * (io?.lastDelta.seconds ?? 0));
        rate.num_bytes_recovered = Math.round(r.recoveredBytes * (io?.lastDelta.seconds ?? 0));
        rate.num_keys_recovered = 0;
      }
      const client: { [key: string]: Json } = {};
      if (r && (r.readOps > 0 || r.writeOps > 0)) {
        if (r.readBytes > 0) client.read_bytes_sec = Math.round(r.readBytes);
        if (r.writeBytes > 0) client.write_bytes_sec = Math.round(r.writeBytes);
        client.read_op_per_sec = Math.round(r.readOps);
        client.write_op_per_sec = Math.round(r.writeOps);
      }
      return {
        pool_name: pool.name,
        pool_id: pool.id,
        recovery,
        recovery_rate: rate,
        client_io_rate: client,
      };
    }),
  };
}
