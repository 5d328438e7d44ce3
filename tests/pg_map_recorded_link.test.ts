import assert from "node:assert/strict";
import type {
  ClusterLink,
  ClusterSnapshot,
  ClusterState,
  ClusterUpdate,
  MonCommandResult,
} from "../core/cluster_link.ts";
import type { Clock } from "../core/clock.ts";
import { DaemonLog } from "../core/logging.ts";
import { Manager } from "../core/manager.ts";
import { Rng } from "../sim/engine/prng.ts";
import { Scheduler, VirtualClock } from "../sim/engine/scheduler.ts";
import { SimCluster } from "../sim/cluster/cluster.ts";
import { EmbeddedMon } from "../sim/mon/mon.ts";
import { MonLink } from "../sim/mon/mon_link.ts";
import { SimClusterLink } from "../sim/cluster_link.ts";

/** What a manager was told, and when, and the OSDMap it could read then. */
interface Recorded {
  at: number;
  update: ClusterUpdate;
  osdMap: unknown;
  osdMapCrush: unknown;
  version: number;
}

/** The names the PGMap's views read besides the reports. */
const MAP_NAMES = ["osd_map", "osd_map_crush"] as const;

/**
 * A ClusterLink that plays back what another link delivered: no simulator object behind it,
 * only the recorded updates (PG-stat reports among them) and the OSDMap dumps of their time.
 */
class ReplayLink implements ClusterLink {
  #listener: ((u: ClusterUpdate) => void) | undefined;
  #osdMap: unknown = null;
  #osdMapCrush: unknown = null;
  #version = 0;
  now = 0;
  constructor(readonly initial: ClusterSnapshot, first: Recorded) {
    this.#osdMap = first.osdMap;
    this.#osdMapCrush = first.osdMapCrush;
    this.#version = first.version;
    this.now = first.at;
  }
  monCommands() {
    return [];
  }
  connected() {
    return true;
  }
  snapshot() {
    return this.initial;
  }
  monCommand(): Promise<MonCommandResult> {
    return Promise.resolve({ r: -22, outb: "", outs: "a replayed cluster has no mon" });
  }
  beacon() {
    return Promise.resolve();
  }
  clusterLog() {}
  subscribe(listener: (u: ClusterUpdate) => void) {
    this.#listener = listener;
    return () => this.#listener = undefined;
  }
  state(): ClusterState {
    return {
      names: MAP_NAMES,
      version: () => this.#version,
      get: (name) => (name === "osd_map" ? this.#osdMap : this.#osdMapCrush),
      daemonNames: () => [],
      metadata: () => null,
      daemonStatus: () => null,
      health: () => ({ status: "HEALTH_OK", checks: {}, mutes: [] }),
      fsid: () => "",
    };
  }
  play(r: Recorded): void {
    this.now = r.at;
    this.#osdMap = r.osdMap;
    this.#osdMapCrush = r.osdMapCrush;
    this.#version = r.version;
    this.#listener?.(r.update);
  }
}

const json = (v: unknown) => JSON.parse(JSON.stringify(v));

Deno.test("a manager fed only recorded PG-stat reports and OSDMaps, through a second ClusterLink, shows the same pg_dump, df, pool_stats and PG health checks as the one on the simulator", async () => {
  const s = new Scheduler({ rng: new Rng(4) });
  const clock = new VirtualClock(s);
  const cluster = new SimCluster(s, {
    hosts: 4,
    osdsPerHost: 2,
    pools: [{ name: "rbd", pgNum: 32, application: "rbd" }, { name: "small", pgNum: 8, size: 2 }],
  });
  const mon = EmbeddedMon.open(":memory:", {
    alwaysOnModules: [],
    initialModules: [],
    now: () => clock.now(),
    cluster,
  });
  const link = new SimClusterLink(new MonLink(mon, clock), cluster);
  cluster.startReporting();
  const recorded: Recorded[] = [];
  let version = 0;
  // Record what the link delivers, copied at delivery (a report's arrays are the sender's).
  link.subscribe((update) => {
    if (update.kind === "notify" && update.type === "osd_map") version++;
    recorded.push({
      at: clock.now(),
      update: structuredClone(update),
      osdMap: structuredClone(link.state().get("osd_map")),
      osdMapCrush: structuredClone(link.state().get("osd_map_crush")),
      version,
    });
  });
  const initialMap = {
    at: clock.now(),
    update: { kind: "connection", connected: true } as ClusterUpdate,
    osdMap: structuredClone(link.state().get("osd_map")),
    osdMapCrush: structuredClone(link.state().get("osd_map_crush")),
    version,
  };
  const log = new DaemonLog({ daemonName: "mgr.x", id: "x", memoryLines: 100 });
  const a = await Manager.start({ id: "x", clock, link, log, builtins: {} });
  const snapshot = structuredClone(link.snapshot());
  try {
    await s.runFor(30);
    cluster.osdDown(3);
    await s.runFor(20);
    cluster.osdOut(5);
    await s.runFor(40);
    await a.settled();
    assert.ok(a.isActive());
    assert.ok(recorded.some((r) => r.update.kind === "pg_stats"), "reports were delivered");

    // The second manager: same id and gid, so the recorded MgrMap names it active.
    const replay = new ReplayLink(snapshot, initialMap);
    const replayClock: Clock = {
      now: () => replay.now,
      sleep: (_s, signal) =>
        new Promise((resolve) => signal?.addEventListener("abort", () => resolve())),
    };
    const logB = new DaemonLog({ daemonName: "mgr.x", id: "x", memoryLines: 100 });
    const b = await Manager.start({
      id: "x",
      gid: a.gid,
      clock: replayClock,
      link: replay,
      log: logB,
      builtins: {},
    });
    try {
      for (const r of recorded) replay.play(r);
      await b.settled();
      replay.now = clock.now();
      assert.ok(b.isActive());
      const dumpA = json(a.get("pg_dump")), dumpB = json(b.get("pg_dump"));
      assert.equal(dumpA.pg_stats.length, 40);
      assert.ok(dumpA.pg_stats.some((e: { state: string }) => e.state !== "unknown"));
      for (
        const k of [
          "pg_stats",
          "pool_stats",
          "osd_stats",
          "pg_stats_sum",
          "osd_stats_sum",
          "pg_stats_delta",
          "stamp",
        ]
      ) {
        assert.deepEqual(dumpB[k], dumpA[k], `pg_dump.${k}`);
      }
      for (
        const name of [
          "df",
          "pool_stats",
          "osd_stats",
          "pg_summary",
          "pg_status",
          "io_rate",
          "osd_pool_stats",
        ]
      ) {
        assert.deepEqual(json(b.get(name)), json(a.get(name)), name);
      }
      assert.deepEqual(b.reports.healthChecks(), a.reports.healthChecks());
      assert.ok(
        Object.keys(a.reports.healthChecks()).some((c) => c.startsWith("PG_")),
        `PG checks to compare: ${Object.keys(a.reports.healthChecks())}`,
      );
    } finally {
      await b.stop();
      logB.close();
    }
  } finally {
    await a.stop();
    cluster.stopReporting();
    link.close();
    mon.close();
    log.close();
  }
});
