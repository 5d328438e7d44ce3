/**
 * The cluster's own health checks, computed from the model with Ceph's codes and summary
 * wording (OSDMap::check_health, PGMap::get_health_checks, the mgr's SLOW_OPS and the mon's
 * MON_DOWN): OSD_DOWN, OSD_HOST_DOWN / OSD_RACK_DOWN, OSDMAP_FLAGS, MON_DOWN,
 * PG_AVAILABILITY, PG_DEGRADED, SLOW_OPS, FS_DEGRADED.
 *
 * PG checks follow PGMap: degraded and down count at once; peering, stale, undersized and
 * inactive only once stuck for `mon_pg_stuck_threshold` (60 s). A PG the manager has no report
 * for ("unknown") counts as inactive at once.
 *
 * @module
 */

import type { HealthCheck } from "../../core/health.ts";
import { timespanText } from "../../ceph/time.ts";
import { CRUSH_TYPES } from "./crush_map.ts";
import type { FsMap } from "./fs_map.ts";
import type { IoModel } from "./io_model.ts";
import type { MonCluster } from "./mons.ts";
import type { OsdMap } from "./osd_map.ts";
import { PgState, pgStateString } from "../../ceph/pg_state.ts";
import type { PgTable } from "./pg_table.ts";

export type { HealthCheck };

/** The cluster's health. */
export interface Health {
  status: "HEALTH_OK" | "HEALTH_WARN" | "HEALTH_ERR";
  checks: Record<string, HealthCheck>;
}

/** What health is computed from. */
export interface HealthInputs {
  map: OsdMap;
  pgs: PgTable;
  /** The PG states the manager sees (default: the model's). */
  state?: Uint32Array;
  mons?: MonCluster;
  io?: IoModel;
  fs?: FsMap;
  now: number;
}

/** `mon_pg_stuck_threshold`. */
export const PG_STUCK_THRESHOLD = 60;
/** `mon_health_max_detail`. */
const _MAX_DETAIL = 50;

const _FLAG_CHECKS = [
  "pauserd",
  "pausewr",
  "noup",
  "nodown",
  "noout",
  "noin",
  "nobackfill",
  "norebalance",
  "norecover",
  "noscrub",
  "nodeep-scrub",
  "notieragent",
  "nosnaptrim",
];

function _check(
  severity: HealthCheck["severity"],
  message: string,
  count: number,
  detail: string[],
): HealthCheck {
  return {
    severity,
    summary: { message, count },
    detail: detail.map((m) => ({ message: m })),
    muted: false,
  };
}

/** `root=default,rack=rack1,host=host1` for an item's ancestors (root first). */
function _location(map: OsdMap, item: number): string {
  const parts: string[] = [];
  let id = item >= 0 ? map.crush.devices[item]?.parent ?? 0 : map.crush.bucket(item).parent;
  while (id !== 0) {
    const b = map.crush.bucket(id);
    parts.unshift(`${_typeName(b.typeId)}=${b.name}`);
    id = b.parent;
  }
  return parts.join(",");
}

function _typeName(typeId: number): string {
  return CRUSH_TYPES[typeId] ?? "unknown";
}

function _osdChecks(map: OsdMap, checks: Record<string, HealthCheck>): void {
  const downIn: number[] = [];
  for (let id = 0; id < map.maxOsd; id++) {
    if (map.has(id) && !map.isUp(id) && map.isIn(id)) downIn.push(id);
  }
  if (downIn.length > 0) {
    checks.OSD_DOWN = _check(
      "HEALTH_WARN",
      `${downIn.length} osds down`,
      downIn.length,
      downIn.slice(0, _MAX_DETAIL).map((id) => `osd.${id} (${_location(map, id)}) is down`),
    );
    // Subtrees whose every OSD is down; a subtree inside a down subtree is not listed.
    const crush = map.crush;
    const isDown = new Map<number, { down: boolean; osds: number }>();
    const visit = (id: number): { down: boolean; osds: number } => {
      const b = crush.bucket(id);
      let down = true, osds = 0;
      for (const item of b.items) {
        if (item >= 0) {
          osds++;
          if (map.isUp(item)) down = false;
        } else {
          const r = visit(item);
          osds += r.osds;
          if (!r.down) down = false;
        }
      }
      const r = { down: down && osds > 0, osds };
      isDown.set(id, r);
      return r;
    };
    visit(crush.rootId);
    const byType = new Map<number, { ids: number[]; osds: number }>();
    for (const [id, r] of isDown) {
      if (!r.down || id === crush.rootId) continue;
      const b = crush.bucket(id);
      if (b.parent !== 0 && isDown.get(b.parent)?.down) continue;
      const t = byType.get(b.typeId) ?? { ids: [], osds: 0 };
      t.ids.push(id);
      t.osds += r.osds;
      byType.set(b.typeId, t);
    }
    for (const [typeId, t] of [...byType].sort((a, b) => a[0] - b[0])) {
      const type = _typeName(typeId);
      const n = t.ids.length;
      checks[`OSD_${type.toUpperCase()}_DOWN`] = _check(
        "HEALTH_WARN",
        `${n} ${type}${n > 1 ? "s" : ""} (${t.osds} osds) down`,
        n,
        t.ids.sort((a, b) => b - a).map((id) => {
          const b = crush.bucket(id);
          return `${type} ${b.name} (${_location(map, id)}) with ${
            isDown.get(id)?.osds
          } osds is down`;
        }),
      );
    }
  }
  const flags = _FLAG_CHECKS.filter((f) => map.hasFlag(f));
  if (flags.length > 0) {
    checks.OSDMAP_FLAGS = _check("HEALTH_WARN", `${flags.join(",")} flag(s) set`, flags.length, []);
  }
}

function _monChecks(mons: MonCluster, checks: Record<string, HealthCheck>): void {
  const down = mons.names.filter((_, r) => !mons.quorum.includes(r));
  if (down.length === 0 || !mons.hasQuorum()) return;
  checks.MON_DOWN = _check(
    "HEALTH_WARN",
    `${down.length}/${mons.names.length} mons down, quorum ${mons.quorumNames().join(",")}`,
    down.length,
    down.map((name) => {
      const r = mons.names.indexOf(name);
      const ip = mons.ips[r];
      return `mon.${name} (rank ${r}) addr [v2:${ip}:3300/0,v1:${ip}:6789/0] is down (out of quorum)`;
    }),
  );
}

/** Ceph's PG_STATE_* bit order, which orders the summary's parts. */
const _ORDERED = [
  ["inactive", 1, "stuck"],
  ["down", 4, "now"],
  ["degraded", 10, "now"],
  ["peering", 12, "stuck"],
  ["stale", 17, "stuck"],
  ["undersized", 23, "stuck"],
] as const;

function _pgChecks(inputs: HealthInputs, checks: Record<string, HealthCheck>): void {
  const { pgs, now } = inputs;
  const states = inputs.state ?? pgs.state;
  const cutoff = now - PG_STUCK_THRESHOLD;
  const counts = {
    unavailable: new Map<string, number>(),
    degraded: new Map<string, number>(),
  };
  const messages = { unavailable: new Map<number, string>(), degraded: new Map<number, string>() };
  let degradedObjects = 0, copies = 0;
  for (let p = 0; p < pgs.count; p++) {
    const s = states[p] as number;
    copies += (pgs.objects[p] as number) * pgs.poolOf(p).size;
    if (s === (PgState.ACTIVE | PgState.CLEAN)) continue;
    if (s & PgState.DEGRADED) degradedObjects += pgs.degradedObjects(p);
    const unknown = s === 0;
    const lastActive = unknown ? 0 : pgs.lastActive[p] as number;
    const lastChange = unknown ? 0 : pgs.lastChange[p] as number;
    const lastClean = unknown ? 0 : pgs.lastClean[p] as number;
    for (const [name, , kind] of _ORDERED) {
      let hit: boolean;
      let since = 0;
      switch (name) {
        case "inactive":
          hit = !(s & PgState.ACTIVE);
          since = lastActive;
          break;
        case "down":
          hit = (s & PgState.DOWN) !== 0;
          break;
        case "degraded":
          hit = (s & PgState.DEGRADED) !== 0;
          break;
        case "peering":
          hit = (s & PgState.PEERING) !== 0;
          since = lastActive;
          break;
        case "stale":
          hit = (s & PgState.STALE) !== 0;
          since = lastChange;
          break;
        case "undersized":
          hit = (s & PgState.UNDERSIZED) !== 0;
          since = lastClean;
          break;
      }
      if (!hit) continue;
      if (kind === "stuck") {
        if (since === 0 ? lastChange >= cutoff && !unknown : since >= cutoff) continue;
      }
      const group = name === "degraded" || name === "undersized" ? "degraded" : "unavailable";
      counts[group].set(name, (counts[group].get(name) ?? 0) + 1);
      const msgs = messages[group];
      if (msgs.size > _MAX_DETAIL) continue;
      const acting = `[${pgs.members(pgs.acting, pgs.actingN, p).join(",")}]`;
      const state = pgStateString(s);
      msgs.set(
        p,
        kind === "stuck"
          ? `pg ${pgs.pgid(p)} is stuck ${name} ${
            since === 0 ? "since forever" : `for ${timespanText(now - since)}`
          }, current state ${state}, last acting ${acting}`
          : `pg ${pgs.pgid(p)} is ${state}, acting ${acting}`,
      );
    }
  }
  const summary = (m: Map<string, number>) =>
    _ORDERED.filter(([n]) => m.has(n)).map(([n]) => {
      const c = m.get(n) as number;
      return `${c} ${c > 1 ? "pgs" : "pg"} ${n}`;
    }).join(", ");
  const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const detail = (m: Map<number, string>) =>
    [...m].sort((a, b) => _pgOrder(pgs, a[0], b[0])).map(([, v]) => v);
  if (counts.unavailable.size > 0) {
    checks.PG_AVAILABILITY = _check(
      "HEALTH_WARN",
      `Reduced data availability: ${summary(counts.unavailable)}`,
      total(counts.unavailable),
      detail(messages.unavailable),
    );
  }
  if (counts.degraded.size > 0) {
    const objs = degradedObjects > 0 && copies > 0
      ? `${degradedObjects}/${copies} objects degraded (${
        (degradedObjects / copies * 100).toFixed(3)
      }%), `
      : "";
    checks.PG_DEGRADED = _check(
      "HEALTH_WARN",
      `Degraded data redundancy: ${objs}${summary(counts.degraded)}`,
      total(counts.degraded),
      detail(messages.degraded),
    );
  }
}

/**
 * PGMap's SMALLER_PGP_NUM: pools whose pgp_num target is below their pg_num target (targets,
 * not the values still converging on them). Ceph says "pools have" whatever the count.
 */
function _pgpNumCheck(inputs: HealthInputs, checks: Record<string, HealthCheck>): void {
  if (inputs.pgs.count === 0) return;
  const detail: string[] = [];
  for (const pool of inputs.map.pools) {
    if (pool.pgNumTarget > pool.pgpNumTarget) {
      detail.push(`pool ${pool.name} pg_num ${pool.pgNumTarget} > pgp_num ${pool.pgpNumTarget}`);
    }
  }
  if (detail.length === 0) return;
  checks.SMALLER_PGP_NUM = _check(
    "HEALTH_WARN",
    `${detail.length} pools have pg_num > pgp_num`,
    detail.length,
    detail,
  );
}

function _pgOrder(pgs: PgTable, a: number, b: number): number {
  const pa = pgs.poolId[a] as number, pb = pgs.poolId[b] as number;
  return pa !== pb ? pa - pb : (pgs.ps[a] as number) - (pgs.ps[b] as number);
}

function _slowOps(map: OsdMap, io: IoModel, checks: Record<string, HealthCheck>): void {
  let ops = 0, oldest = 0;
  const daemons: string[] = [];
  for (let id = 0; id < map.maxOsd; id++) {
    const n = io.slowOps[id] as number;
    if (n <= 0 || !map.isUp(id)) continue;
    ops += n;
    oldest = Math.max(oldest, io.slowOldest[id] as number);
    daemons.push(`osd.${id}`);
  }
  if (ops === 0) return;
  // Ceph sorts daemon names as strings and prints at most ten.
  daemons.sort();
  const who = daemons.length === 1
    ? `${daemons[0]} has slow ops`
    : `daemons [${daemons.slice(0, 10).join(",")}]${
      daemons.length > 10 ? "..." : ""
    } have slow ops.`;
  checks.SLOW_OPS = _check(
    "HEALTH_WARN",
    `${ops} slow ops, oldest one blocked for ${Math.floor(oldest)} sec, ${who}`,
    ops,
    [],
  );
}

/**
 * Computes the cluster's health checks.
 *
 * @example
 * ```ts
 * import { Rng } from "../engine/prng.ts";
 * import { Scheduler } from "../engine/scheduler.ts";
 * import { SimCluster } from "./cluster.ts";
 * import { computeHealth } from "./health.ts";
 * const s = new Scheduler({ rng: new Rng(1) });
 * const c = new SimCluster(s, { hosts: 3, osdsPerHost: 2, pools: [{ name: "p", pgNum: 16 }] });
 * await s.runFor(5);
 * c.osdDown(0);
 * const h = computeHealth({ map: c.map, pgs: c.pgs, now: s.now });
 * if (h.checks.OSD_DOWN?.summary.message !== "1 osds down") throw new Error();
 * ```
 */
export function computeHealth(inputs: HealthInputs): Health {
  const checks: Record<string, HealthCheck> = {};
  _osdChecks(inputs.map, checks);
  if (inputs.mons) _monChecks(inputs.mons, checks);
  _pgChecks(inputs, checks);
  _pgpNumCheck(inputs, checks);
  if (inputs.io) _slowOps(inputs.map, inputs.io, checks);
  if (inputs.fs && inputs.fs.activeName() === undefined) {
    checks.FS_DEGRADED = _check("HEALTH_WARN", "1 filesystem is degraded", 1, [
      `fs ${inputs.fs.fsName} is degraded`,
    ]);
  }
  const sorted: Record<string, HealthCheck> = {};
  for (const k of Object.keys(checks).sort()) sorted[k] = checks[k] as HealthCheck;
  const values = Object.values(sorted);
  const status = values.some((c) => c.severity === "HEALTH_ERR")
    ? "HEALTH_ERR"
    : values.length > 0
    ? "HEALTH_WARN"
    : "HEALTH_OK";
  return { status, checks: sorted };
}

/** `get("health")`: `{json: "<{status, checks, mutes}>"}`. */
export function dumpHealth(health: Health): { json: string } {
  return { json: JSON.stringify({ status: health.status, checks: health.checks, mutes: [] }) };
}
