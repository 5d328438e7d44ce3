/**
 * What the simulated cluster writes to its cluster log, through the embedded mon: an entry
 * per OSDMap epoch (`osdmap e24: 3 total, 2 up, 3 in`, at DBG), OSDs booting, elections won
 * (`mon.a is new leader, mons a,b,c in quorum (ranks 0,1,2)`), what the
 * cluster's daemons log ({@linkcode SimCluster.log}: OSDs marked out), and the health checks
 * failing, changing and clearing, as Ceph's HealthMonitor::log_health words them, over the
 * cluster's checks and the active manager's (its beacons carry them). Texts are those of a
 * real 16.2 cluster's `ceph log last`.
 *
 * @module
 */
import type { HealthCheck } from "../core/health.ts";
import type { SimCluster } from "./cluster/cluster.ts";
import type { EmbeddedMon } from "./mon/mon.ts";

/** Seconds between two "Health check update" entries of one check (`mon_health_log_update_period`). */
const HEALTH_LOG_UPDATE_PERIOD = 5;

/**
 * Writes the cluster's events to `mon`'s cluster log until the returned function is called.
 *
 * @example
 * ```ts
 * import { Rng } from "./engine/prng.ts";
 * import { Scheduler } from "./engine/scheduler.ts";
 * import { SimCluster } from "./cluster/cluster.ts";
 * import { EmbeddedMon } from "./mon/mon.ts";
 * import { logClusterEvents } from "./cluster_log.ts";
 * const s = new Scheduler({ rng: new Rng(1) });
 * const c = new SimCluster(s, { hosts: 3, osdsPerHost: 1, pools: [] });
 * const mon = EmbeddedMon.open(":memory:", { alwaysOnModules: [], now: () => s.now });
 * const stop = logClusterEvents(mon, c);
 * c.osdDown(1);
 * const text = mon.handleCommand({ prefix: "log last", level: "debug" }).outb;
 * if (!text.includes("Health check failed: 1 osds down (OSD_DOWN)")) throw new Error(text);
 * stop();
 * mon.close();
 * ```
 */
export function logClusterEvents(mon: EmbeddedMon, cluster: SimCluster): () => void {
  let wasUp = upSet(cluster);
  let previous: Record<string, HealthCheck> = {};
  const lastUpdate = new Map<string, number>();

  const logHealth = () => {
    const now = cluster.scheduler.now;
    const current: Record<string, HealthCheck> = {
      ...cluster.monHealthChecks(),
      ...mon.healthChecks(),
      ...mon.mgrHealthChecks(),
    };
    for (const [code, check] of Object.entries(current)) {
      const before = previous[code];
      const priority = check.severity === "HEALTH_ERR" ? "[ERR]" : "[WRN]";
      if (!before) {
        mon.clog(priority, `Health check failed: ${check.summary.message} (${code})`);
        lastUpdate.set(code, now);
      } else if (
        (before.summary.message !== check.summary.message || before.severity !== check.severity) &&
        now - (lastUpdate.get(code) ?? -Infinity) >= HEALTH_LOG_UPDATE_PERIOD
      ) {
        mon.clog(priority, `Health check update: ${check.summary.message} (${code})`);
        lastUpdate.set(code, now);
      }
    }
    for (const [code, check] of Object.entries(previous)) {
      if (current[code]) continue;
      mon.clog("[INF]", `Health check cleared: ${code} (was: ${check.summary.message})`);
      lastUpdate.delete(code);
    }
    if (Object.keys(previous).length > 0 && Object.keys(current).length === 0) {
      mon.clog("[INF]", "Cluster is now healthy");
    }
    previous = current;
  };

  const logOsdMap = (epoch: number) => {
    const map = cluster.map;
    const up = upSet(cluster);
    let total = 0, nUp = 0, nIn = 0;
    for (let id = 0; id < map.maxOsd; id++) {
      if (!map.has(id)) continue;
      total++;
      if (map.isIn(id)) nIn++;
      if (!up[id]) continue;
      nUp++;
      if (!wasUp[id]) {
        const addr = cluster.daemons.metadata(`osd.${id}`)?.front_addr;
        mon.clog("[INF]", `osd.${id}${addr ? ` ${addr}` : ""} boot`);
      }
    }
    wasUp = up;
    logHealth();
    mon.clog("[DBG]", `osdmap e${epoch}: ${total} total, ${nUp} up, ${nIn} in`);
  };

  // MGR_DOWN comes and goes with the MgrMap.
  const unsubscribeMon = mon.subscribe((u) => {
    if (u.kind === "mgr_map") logHealth();
  });
  const unsubscribeCluster = cluster.subscribe((e) => {
    switch (e.kind) {
      case "clog":
        mon.clog(e.priority, e.message);
        break;
      case "osd_map":
        logOsdMap(e.epoch);
        break;
      case "quorum":
        if (e.leader !== undefined && e.quorum.length > 0) {
          // Monitor::win_election.
          const ranks = e.quorum.map((n) => cluster.mons.names.indexOf(n)).sort((a, b) => a - b);
          mon.clog(
            "[INF]",
            `mon.${e.leader} is new leader, mons ${e.quorum.join(",")} in quorum (ranks ${
              ranks.join(",")
            })`,
          );
        }
        logHealth();
        break;
      case "stats":
      case "fs_map":
        logHealth();
        break;
    }
  });
  return () => {
    unsubscribeMon();
    unsubscribeCluster();
  };
}

function upSet(cluster: SimCluster): Uint8Array {
  const map = cluster.map;
  const up = new Uint8Array(map.maxOsd);
  for (let id = 0; id < map.maxOsd; id++) if (map.has(id) && map.isUp(id)) up[id] = 1;
  return up;
}
