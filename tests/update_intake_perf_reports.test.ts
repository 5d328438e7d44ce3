import assert from "node:assert/strict";
import type { PerfReportBatch } from "../core/cluster_link.ts";
import { PerfCounterStore } from "../core/state/perf_counters.ts";
import { type IntakeTargets, UpdateIntake } from "../core/update_intake.ts";

function columns(paths: string[]): PerfReportBatch["schema"] {
  return {
    size: paths.length,
    paths,
    descriptions: paths.map(() => ""),
    nicks: paths.map(() => ""),
    types: Int32Array.from(paths.map(() => 2)),
    priorities: Int32Array.from(paths.map(() => 5)),
    units: Int32Array.from(paths.map(() => 1)),
  };
}

function report(schema: PerfReportBatch["schema"], daemons: string[], values: number[]) {
  return {
    schema,
    daemons,
    rows: Int32Array.from(daemons.keys()),
    values: Float64Array.from(values),
    counts: new Float64Array(values.length),
  };
}

function intake(perf: PerfCounterStore): UpdateIntake {
  const targets = {
    clock: { now: () => 100 },
    perf,
    isActive: () => true,
    stopped: () => false,
    ownDaemon: "mgr.x",
  } as unknown as IntakeTargets;
  return new UpdateIntake(targets);
}

Deno.test("a perf report of another mgr.<own id> is dropped: the manager's own counters stay its own", async () => {
  const perf = new PerfCounterStore();
  const own = [{ path: "mgr.cache_hit", description: "", type: 10, priority: 5, units: 1 }];
  perf.registerSchema("mgr.x", own);
  perf.ingest("mgr.x", Float64Array.from([7]), 90);
  const i = intake(perf);
  // The real ceph-mgr x's counters, as wide as the manager's own (the store would take them).
  i.receive({
    kind: "perf",
    reports: [report(columns(["objecter.op"]), ["osd.0", "mgr.x"], [1, 2])],
  });
  await i.applied();
  assert.deepEqual(Object.keys(perf.get_perf_schema("mgr", "x")["mgr.x"]!), ["mgr.cache_hit"]);
  assert.deepEqual(perf.get_counter("mgr", "x", "mgr.cache_hit")["mgr.cache_hit"], [[90, 7]]);
  // The other daemons of the batch are stored, at their own rows.
  assert.equal(perf.get_latest("osd", "0", "objecter.op"), 1);
});

Deno.test("a daemon reported with a new schema is declared again (a standby MDS that went active)", async () => {
  const perf = new PerfCounterStore();
  const i = intake(perf);
  i.receive({ kind: "perf", reports: [report(columns(["mds_mem.ino"]), ["mds.a"], [1])] });
  i.receive({
    kind: "perf",
    reports: [report(columns(["mds_mem.ino", "mds.inodes"]), ["mds.a"], [3, 7])],
  });
  await i.applied();
  assert.deepEqual(Object.keys(perf.get_perf_schema("mds", "a")["mds.a"]!), [
    "mds.inodes",
    "mds_mem.ino",
  ]);
  assert.equal(perf.get_latest("mds", "a", "mds.inodes"), 7);
  assert.equal(perf.get_latest("mds", "a", "mds_mem.ino"), 3);
});
