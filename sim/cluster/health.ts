/**
 * The health checks the simulated cluster's mons raise themselves, with Ceph's codes and
 * summary wording (OSDMap::check_health, MonmapMonitor's MON_DOWN, the FSMap's):
 * OSD_DOWN, OSD_HOST_DOWN / OSD_RACK_DOWN, OSDMAP_FLAGS, MON_DOWN, FS_DEGRADED,
 * FS_WITH_FAILED_MDS, MDS_ALL_DOWN, MDS_INSUFFICIENT_STANDBY. The PG checks
 * and SLOW_OPS are the manager's (core/state/pg_health.ts), from what the daemons report.
 *
 * @module
 */

import { type HealthCheck, healthCheck } from "../../core/health.ts";
import { CRUSH_TYPES } from "./crush_map.ts";
import type { FsMap } from "./fs_map.ts";
import { monAddrText, type MonCluster } from "./mons.ts";
import type { OsdMap } from "./osd_map.ts";

export type { HealthCheck };

/** The cluster's health. */
export interface Health {
  status: "HEALTH_OK" | "HEALTH_WARN" | "HEALTH_ERR";
  checks: Record<string, HealthCheck>;
}

/** What health is computed from. */
export interface HealthInputs {
  map: OsdMap;
  mons?: MonCluster;
  fs?: FsMap;
  now: number;
}

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
    checks.OSD_DOWN = healthCheck(
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
      checks[`OSD_${type.toUpperCase()}_DOWN`] = healthCheck(
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
    checks.OSDMAP_FLAGS = healthCheck(
      "HEALTH_WARN",
      `${flags.join(",")} flag(s) set`,
      flags.length,
      [],
    );
  }
}

function _monChecks(mons: MonCluster, checks: Record<string, HealthCheck>): void {
  const down = mons.names.filter((_, r) => !mons.quorum.includes(r));
  if (down.length === 0 || !mons.hasQuorum()) return;
  checks.MON_DOWN = healthCheck(
    "HEALTH_WARN",
    `${down.length}/${mons.names.length} mons down, quorum ${mons.quorumNames().join(",")}`,
    down.length,
    down.map((name) => {
      const r = mons.names.indexOf(name);
      return `mon.${name} (rank ${r}) addr ${
        monAddrText(mons.addrs[r] ?? [])
      } is down (out of quorum)`;
    }),
  );
}

/** The MDS states MDSMap::is_degraded counts: a rank replaying its journal to rejoin. */
const _RECOVERING = new Set(["up:replay", "up:resolve", "up:reconnect", "up:rejoin"]);

/**
 * Raises `code` for the file systems in `detail`, if any, summed up as FSMap's checks count
 * them: `1 filesystem is|has ...` or `N filesystems are|have ...`.
 */
function _fsCheck(
  checks: Record<string, HealthCheck>,
  code: string,
  severity: "HEALTH_WARN" | "HEALTH_ERR",
  detail: string[],
  one: string,
  many: string,
): void {
  if (detail.length === 0) return;
  const n = detail.length;
  const summary = n === 1 ? `1 filesystem ${one}` : `${n} filesystems ${many}`;
  checks[code] = healthCheck(severity, summary, n, detail);
}

/**
 * The FSMap's checks, as FSMap::get_health_checks and MDSMap::get_health_checks raise them for
 * each file system: a failed or recovering rank makes it degraded; no rank up, offline; a
 * failed rank no standby can take, "stuck" failed; fewer ranks in than max_mds (more than the
 * MDSs could fill), MDS_UP_LESS_THAN_MAX; standbys short of the largest `standby_count_wanted`
 * warn. A file system marked down has no rank in, and nothing of it is degraded.
 */
function _fsChecks(fsMap: FsMap, checks: Record<string, HealthCheck>): void {
  const standbys = fsMap.standbys().length;
  const degraded: string[] = [], failed: string[] = [], offline: string[] = [];
  const fewer: string[] = [];
  let wanted = 0;
  for (const fs of fsMap.filesystems) {
    const holders = [...fs.holders.values()];
    const nFailed = fs.failed().length;
    if (!fs.down) {
      if (nFailed > 0 || fs.in.size === 0 || holders.some((h) => _RECOVERING.has(h.state))) {
        degraded.push(`fs ${fs.name} is degraded`);
      }
      // A failed rank a standby could take is transient, and not reported.
      if (nFailed > 0 && standbys === 0) failed.push(`fs ${fs.name} has ${nFailed} failed mds`);
      if (holders.length === 0) {
        offline.push(`fs ${fs.name} is offline because no MDS is active for it.`);
      }
    }
    if (fs.in.size < fs.maxMds) {
      fewer.push(`fs ${fs.name} has ${fs.in.size} MDS online, but wants ${fs.maxMds}`);
    }
    wanted = Math.max(wanted, fs.standbyCountWanted - standbys);
  }
  _fsCheck(checks, "FS_DEGRADED", "HEALTH_WARN", degraded, "is degraded", "are degraded");
  _fsCheck(
    checks,
    "FS_WITH_FAILED_MDS",
    "HEALTH_WARN",
    failed,
    "has a failed mds daemon",
    "have a failed mds daemon",
  );
  _fsCheck(checks, "MDS_ALL_DOWN", "HEALTH_ERR", offline, "is offline", "are offline");
  _fsCheck(
    checks,
    "MDS_UP_LESS_THAN_MAX",
    "HEALTH_WARN",
    fewer,
    "is online with fewer MDS than max_mds",
    "are online with fewer MDS than max_mds",
  );
  if (wanted > 0) {
    checks.MDS_INSUFFICIENT_STANDBY = healthCheck(
      "HEALTH_WARN",
      "insufficient standby MDS daemons available",
      1,
      [`have ${standbys}; want ${wanted} more`],
    );
  }
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
 * const h = computeHealth({ map: c.map, now: s.now });
 * if (h.checks.OSD_DOWN?.summary.message !== "1 osds down") throw new Error();
 * ```
 */
export function computeHealth(inputs: HealthInputs): Health {
  const checks: Record<string, HealthCheck> = {};
  _osdChecks(inputs.map, checks);
  if (inputs.mons) _monChecks(inputs.mons, checks);
  if (inputs.fs) _fsChecks(inputs.fs, checks);
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
