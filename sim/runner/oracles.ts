/**
 * Oracles: safety invariants checked at every stats period while a scenario runs.
 *
 * - epochs never go backwards (OSDMap, mon election epoch, FSMap);
 * - PG counts add up (every PG in exactly one state, per pool and overall);
 * - each health check is raised exactly while its cause is present in the model (OSD_DOWN,
 *   OSD_HOST_DOWN, OSDMAP_FLAGS, MON_DOWN, SLOW_OPS), so a check clears once its cause is gone.
 *
 * @module
 */

import type { SimCluster } from "../cluster/cluster.ts";
import type { IntakeView } from "../pg_observer.ts";

/** Collects invariant violations (the first few) for a run. */
export class Oracles {
  readonly violations: string[] = [];
  readonly #c: SimCluster;
  readonly #seen: IntakeView;
  #osdEpoch = 0;
  #electionEpoch = 0;
  #fsEpoch = 0;
  /** Per OSD: 1 when its last report that reached the manager said it had slow ops. */
  #reportedSlow = new Uint8Array(0);
  checks = 0;

  constructor(cluster: SimCluster, seen: IntakeView) {
    this.#c = cluster;
    this.#seen = seen;
    cluster.subscribe((e) => {
      if (e.kind === "osd_map") {
        if (e.epoch <= this.#osdEpoch) {
          this.#fail(`osdmap epoch went from ${this.#osdEpoch} to ${e.epoch}`);
        }
        this.#osdEpoch = e.epoch;
      } else if (e.kind === "stats") {
        // Reports sent while no manager is active reach nobody.
        if (seen.receiving()) this.#noteReports(e.pgStats.osds.osd);
        this.check();
      }
    }, { observer: true });
  }

  /**
   * What the OSDs that reported this period told of slow ops: until an OSD's next report
   * reaches it, the manager holds what the last one said (an OSD whose reports are late keeps
   * its SLOW_OPS raised after its ops sped up, as DaemonServer keeps its DaemonState).
   */
  #noteReports(osds: ArrayLike<number>): void {
    const c = this.#c;
    if (this.#reportedSlow.length < c.map.maxOsd) {
      const grown = new Uint8Array(c.map.maxOsd);
      grown.set(this.#reportedSlow);
      this.#reportedSlow = grown;
    }
    for (let i = 0; i < osds.length; i++) {
      const o = osds[i]!;
      this.#reportedSlow[o] = Math.round(c.io.slowOps[o] ?? 0) > 0 ? 1 : 0;
    }
  }

  #fail(message: string): void {
    const t = this.#c.scheduler.elapsed.toFixed(3);
    if (this.violations.length < 20) this.violations.push(`t=${t} ${message}`);
  }

  /** Checks every invariant now. */
  check(): void {
    this.checks++;
    const c = this.#c;
    if (c.mons.electionEpoch < this.#electionEpoch) this.#fail("mon election epoch went backwards");
    this.#electionEpoch = c.mons.electionEpoch;
    if (c.fs.epoch < this.#fsEpoch) this.#fail("fsmap epoch went backwards");
    this.#fsEpoch = c.fs.epoch;
    // PG counts add up (per pool and overall, in the manager's view).
    const pgMap = this.#seen.intake.pgMap;
    const byPool = new Map<number, number>();
    for (const [pool, states] of pgMap.stateCounts()) {
      let n = 0;
      for (const count of states.values()) n += count;
      byPool.set(pool, n);
    }
    if (pgMap.count !== c.pgs.count) {
      this.#fail(`the PGMap counts ${pgMap.count} of ${c.pgs.count} PGs`);
    }
    for (const pool of c.map.pools) {
      const n = byPool.get(pool.id) ?? 0;
      if (n !== pool.pgNum) this.#fail(`pool ${pool.id} counts ${n} of ${pool.pgNum} PGs`);
    }
    // Health checks exactly while their cause is present.
    const h = this.#seen.health().checks;
    let downIn = 0;
    for (let o = 0; o < c.map.maxOsd; o++) {
      if (c.map.has(o) && !c.map.isUp(o) && c.map.isIn(o)) downIn++;
    }
    this.#iff("OSD_DOWN", downIn > 0, h);
    let hostDown = false;
    for (const name of c.hostNames()) {
      if (c.hostOsds(name).every((o) => !c.map.isUp(o))) hostDown = true;
    }
    if (downIn > 0 && !(c.map.crush.buckets.some((b) => b.typeId === 3))) {
      this.#iff("OSD_HOST_DOWN", hostDown, h);
    }
    const flags = [
      "noout",
      "noup",
      "nodown",
      "noin",
      "nobackfill",
      "norecover",
      "norebalance",
      "pauserd",
      "pausewr",
    ];
    this.#iff("OSDMAP_FLAGS", flags.some((f) => c.map.hasFlag(f)), h);
    const monsOut = c.mons.hasQuorum() && c.mons.quorum.length < c.mons.names.length;
    this.#iff("MON_DOWN", monsOut, h);
    // The manager knows of an OSD's slow ops only from its reports.
    let slow = false;
    for (let o = 0; o < c.map.maxOsd; o++) {
      if (this.#reportedSlow[o] === 1 && c.map.isUp(o)) slow = true;
    }
    this.#iff("SLOW_OPS", slow, h);
  }

  #iff(code: string, cause: boolean, checks: Record<string, unknown>): void {
    const raised = code in checks;
    if (raised && !cause) this.#fail(`${code} raised but its cause is gone`);
    if (!raised && cause) this.#fail(`${code} not raised although its cause is present`);
  }
}
