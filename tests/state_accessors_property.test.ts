/**
 * Property: under any interleaving of OSDMap/metadata inconsistencies (metadata gaps, orphan
 * metadata, stale versions, OSDs down and out) and mon outages with virtual time, no accessor
 * of the module API throws, and `have_mon_connection()` tells the truth at every step.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { MgrModule } from "mgr_module";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import { GET_NAMES } from "../sim/cluster/get.ts";

const CLUSTER = {
  hosts: 3,
  osdsPerHost: 3,
  pools: [{ name: "rbd", pgNum: 16 }, { name: "cephfs_data", pgNum: 8 }],
};
const OSDS = CLUSTER.hosts * CLUSTER.osdsPerHost;
/** OSD ids the steps touch: the cluster's, and a few it does not have. */
const ANY_OSD = fc.integer({ min: 0, max: OSDS + 3 });

type Step =
  | { kind: "drop"; daemon: string }
  | { kind: "refresh"; daemon: string }
  | { kind: "orphan"; osd: number }
  | { kind: "unorphan"; osd: number }
  | { kind: "stale"; osds: number[] }
  | { kind: "down" | "up" | "out" | "in"; osd: number }
  | { kind: "mon-outage"; seconds: number };

const daemon = fc.oneof(
  ANY_OSD.map((id) => `osd.${id}`),
  fc.constantFrom("mon.a", "mon.b", "mgr.x", "mds.a", "osd.-1", "rgw.nope"),
);
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("drop" as const), daemon }),
  fc.record({ kind: fc.constant("refresh" as const), daemon }),
  fc.record({
    kind: fc.constant("orphan" as const),
    osd: fc.integer({ min: OSDS, max: OSDS + 5 }),
  }),
  fc.record({
    kind: fc.constant("unorphan" as const),
    osd: fc.integer({ min: OSDS, max: OSDS + 5 }),
  }),
  fc.record({
    kind: fc.constant("stale" as const),
    osds: fc.uniqueArray(fc.integer({ min: 0, max: OSDS - 1 }), { minLength: 1, maxLength: 4 }),
  }),
  fc.record({
    kind: fc.constantFrom("down" as const, "up" as const, "out" as const, "in" as const),
    osd: ANY_OSD,
  }),
  fc.record({ kind: fc.constant("mon-outage" as const), seconds: fc.integer({ min: 1, max: 90 }) }),
);
const scenario = fc.array(fc.tuple(step, fc.integer({ min: 0, max: 40 })), {
  minLength: 1,
  maxLength: 10,
});

class Probe extends MgrModule {}

function apply(c: TestCluster, s: Step): void {
  const cluster = c.cluster!;
  const map = cluster.map;
  switch (s.kind) {
    case "drop":
      return cluster.daemons.dropMetadata(s.daemon);
    case "refresh":
      return cluster.daemons.refreshMetadata(s.daemon);
    case "orphan":
      return cluster.daemons.addOrphan(s.osd);
    case "unorphan":
      return cluster.daemons.removeOrphan(s.osd);
    case "stale":
      return cluster.daemons.upgrade(s.osds.map((id) => `osd.${id}`), "16.2.0");
    case "mon-outage":
      return cluster.monOutage(s.seconds);
  }
  // Only changes the map allows: these test the manager, not the simulator's argument checks.
  if (!map.has(s.osd)) return;
  if (s.kind === "down" && map.isUp(s.osd)) cluster.osdDown(s.osd);
  if (s.kind === "up" && !map.isUp(s.osd)) cluster.osdUp(s.osd);
  if (s.kind === "out" && map.isIn(s.osd)) cluster.osdOut(s.osd);
  if (s.kind === "in" && !map.isIn(s.osd)) cluster.osdIn(s.osd);
}

/** Calls every accessor a module has; any throw fails the property. */
function callEverything(c: TestCluster, m: Probe): void {
  for (const name of [...GET_NAMES, "mgr_map", "health", "config", "pg_ready", "mgr_ips"]) {
    m.get(name);
    m.get(name, { mutable: true });
  }
  m.get("device nonexistent-dev");
  const maxOsd = c.cluster!.map.maxOsd;
  for (let id = 0; id <= maxOsd + 2; id++) {
    const meta = m.get_metadata("osd", String(id));
    assert.ok(meta === null || typeof meta.hostname === "string", `osd.${id} metadata`);
    assert.equal(m.get_metadata("osd", String(id), "dflt") === null, false);
    m.get_daemon_status("osd", String(id));
    m.get_counter("osd", String(id), "osd.op_w");
    m.get_latest_counter("osd", String(id), "osd.op_w_latency");
    m.get_latest("osd", String(id), "osd.op_r");
  }
  for (const daemon of ["mon.a", "mgr.x", "mds.a"]) {
    const [type, id] = daemon.split(".") as [string, string];
    m.get_metadata(type, id);
    m.get_daemon_status(type, id);
  }
  const servers = m.list_servers() as { hostname: string }[];
  for (const s of servers) m.get_server(s.hostname);
  for (const host of c.cluster!.hostNames()) m.get_server(host);
  m.get_server("no-such-host");
  m.get_perf_schema(null, null);
  m.get_perf_schema("osd", null);
  m.get_all_perf_counters();
  assert.equal(typeof m.pool_exists("rbd"), "boolean");
  assert.equal(m.pool_exists("no-such-pool"), false);
  assert.equal(typeof m.have_enough_osds(), "boolean");
  const metrics = m.get_daemon_health_metrics();
  for (const list of Object.values(metrics)) {
    for (const metric of list) assert.ok(Number.isInteger(metric.value) && metric.value >= 0);
  }
}

Deno.test("no accessor throws under OSDMap/metadata inconsistencies and mon outages", async () => {
  const seed = Number(Deno.env.get("FC_SEED") ?? Date.now() % 2 ** 31);
  console.log(`fast-check seed ${seed} (replay: FC_SEED=${seed} deno task test)`);
  await fc.assert(
    fc.asyncProperty(scenario, async (steps) => {
      const c = await startTestCluster({
        builtins: { probe: { Probe } },
        initialModules: ["probe"],
        cluster: CLUSTER,
      });
      try {
        await c.run(10);
        const m = c.manager.host.instance("probe") as Probe;
        callEverything(c, m);
        for (const [s, wait] of steps) {
          apply(c, s);
          assert.equal(m.have_mon_connection(), c.cluster!.monReachable(), `after ${s.kind}`);
          callEverything(c, m);
          await c.run(wait);
          assert.equal(m.have_mon_connection(), c.cluster!.monReachable(), `${wait}s later`);
          callEverything(c, m);
        }
      } finally {
        await c.stop();
      }
    }),
    { seed, numRuns: 15 },
  );
});
