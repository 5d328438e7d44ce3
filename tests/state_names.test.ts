import assert from "node:assert/strict";
import { MgrModule } from "mgr_module";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import { FaultInjector } from "../sim/faults/faults.ts";

const CLUSTER = {
  hosts: 3,
  osdsPerHost: 3,
  pools: [{ name: "rbd", pgNum: 32 }, { name: "cephfs_data", pgNum: 16 }],
};

class Probe extends MgrModule {}

async function probed(): Promise<{ c: TestCluster; m: Probe }> {
  const c = await startTestCluster({
    builtins: { probe: { Probe } },
    initialModules: ["probe"],
    cluster: CLUSTER,
  });
  await c.run(30);
  return { c, m: c.manager.host.instance("probe") as Probe };
}

interface CrushDump {
  devices: { id: number; name: string; class: string }[];
  types: { type_id: number; name: string }[];
  buckets: {
    id: number;
    name: string;
    type_name: string;
    weight: number;
    items: { id: number; weight: number }[];
  }[];
  rules: { rule_name: string; steps: { op: string; item_name?: string; type?: string }[] }[];
}

/** The text's buckets read back: name → {type, id, class ids, items with weights}. */
function parseBuckets(text: string) {
  const buckets = new Map<
    string,
    { type: string; id: number; classIds: Map<string, number>; items: [string, number][] }
  >();
  const re = /^(\w+) (\S+) \{\n([\s\S]*?)^\}\n/gm;
  for (const [, type, name, body] of text.matchAll(re)) {
    if (type === "rule") continue;
    const id = Number(/^\tid (-\d+)\t\t# do not change unnecessarily$/m.exec(body!)![1]);
    const classIds = new Map<string, number>();
    for (const [, cid, cls] of body!.matchAll(/^\tid (-\d+) class (\S+)\t\t#/gm)) {
      classIds.set(cls!, Number(cid));
    }
    const items = [...body!.matchAll(/^\titem (\S+) weight (\d+\.\d{3})$/gm)].map((
      [, item, w],
    ) => [item!, Number(w)] as [string, number]);
    buckets.set(name!, { type: type!, id, classIds, items });
  }
  return buckets;
}

Deno.test("get('osd_crush_map_text') decompiles the CRUSH map as crushtool -d does", async () => {
  const { c, m } = await probed();
  try {
    const text = m.get("osd_crush_map_text");
    assert.equal(typeof text, "string");
    assert.equal(m.get("osdmap_crush_map_text"), text, "Ceph's own name is an alias");
    const t = text as string;
    assert.ok(t.startsWith("# begin crush map\n"));
    assert.ok(t.endsWith("\n# end crush map\n"));
    const sections = ["# devices", "# types", "# buckets", "# rules"].map((s) => t.indexOf(s));
    assert.deepEqual([...sections].sort((a, b) => a - b), sections, "sections in Ceph's order");
    assert.match(t, /^tunable choose_total_tries 50$/m);
    assert.match(t, /^tunable allowed_bucket_algs 54$/m);

    const crush = m.get("osd_map_crush") as CrushDump;
    for (const d of crush.devices) {
      assert.ok(t.includes(`\ndevice ${d.id} ${d.name} class ${d.class}\n`), d.name);
    }
    for (const ty of crush.types) assert.ok(t.includes(`\ntype ${ty.type_id} ${ty.name}\n`));

    // Every bucket of the hierarchy, with its id, class ids, items and weights; no shadow.
    const parsed = parseBuckets(t);
    const real = crush.buckets.filter((b) => !b.name.includes("~"));
    assert.deepEqual([...parsed.keys()].sort(), real.map((b) => b.name).sort());
    const nameOf = (id: number) =>
      id >= 0 ? `osd.${id}` : crush.buckets.find((b) => b.id === id)!.name;
    for (const b of real) {
      const p = parsed.get(b.name)!;
      assert.equal(p.type, b.type_name);
      assert.equal(p.id, b.id);
      assert.deepEqual(
        p.items,
        b.items.map((i) => [nameOf(i.id), Number((i.weight / 0x10000).toFixed(3))]),
      );
      const shadow = crush.buckets.find((s) => s.name === `${b.name}~hdd`)!;
      assert.deepEqual([...p.classIds], [["hdd", shadow.id]]);
      assert.ok(t.includes(`\t# weight ${(b.weight / 0x10000).toFixed(3)}\n`));
    }
    // Children before parents: every host is printed before the root.
    const root = t.indexOf("\nroot default {");
    for (const b of real.filter((b) => b.type_name === "host")) {
      assert.ok(t.indexOf(`\nhost ${b.name} {`) < root, b.name);
    }
    assert.ok(
      t.includes(
        "rule replicated_rule {\n\tid 0\n\ttype replicated\n\tmin_size 1\n\tmax_size 10\n" +
          "\tstep take default\n\tstep chooseleaf firstn 0 type host\n\tstep emit\n}\n",
      ),
    );

    // It moves with the OSD map's version, as `osd_map_crush` does.
    const state = c.manager.clusterState!;
    c.cluster!.osdDown(4);
    await c.run(10);
    assert.equal(state.version("osd_crush_map_text"), state.version("osd_map"));
    assert.equal(state.version("osdmap_crush_map_text"), state.version("osd_map_crush"));
  } finally {
    await c.stop();
  }
});

interface PgSummary {
  all: Record<string, number>;
  by_pool: Record<string, Record<string, number>>;
  pg_stats_sum: { stat_sum: Record<string, number> };
}
interface PgStatus {
  pgs_by_state: { state_name: string; count: number }[];
  [key: string]: unknown;
}

function assertStatusAgrees(status: PgStatus, summary: PgSummary, df: unknown): void {
  const byState = Object.fromEntries(status.pgs_by_state.map((s) => [s.state_name, s.count]));
  assert.deepEqual(byState, summary.all);
  const counts = status.pgs_by_state.map((s) => s.count);
  assert.deepEqual(counts, [...counts].sort((a, b) => b - a), "largest count first");
  const total = Object.values(summary.all).reduce((a, b) => a + b, 0);
  assert.equal(status.num_pgs, total);
  assert.equal(status.num_pools, Object.keys(summary.by_pool).length);
  assert.equal(status.num_objects, summary.pg_stats_sum.stat_sum.num_objects);
  assert.equal(status.data_bytes, summary.pg_stats_sum.stat_sum.num_bytes);
  const stats = (df as { stats: Record<string, number> }).stats;
  assert.equal(status.bytes_total, stats.total_bytes);
  assert.equal(status.bytes_avail, stats.total_avail_bytes);
  assert.equal(status.bytes_used, stats.total_used_raw_bytes);
  const sum = summary.pg_stats_sum.stat_sum;
  if (sum.num_objects_degraded! > 0) {
    assert.equal(status.degraded_objects, sum.num_objects_degraded);
    assert.equal(status.degraded_total, sum.num_object_copies);
    // Ceph divides the percentage it prints by 100.
    assert.equal(
      status.degraded_ratio,
      sum.num_objects_degraded! / sum.num_object_copies! * 100 / 100,
    );
  } else {
    assert.equal(status.degraded_objects, undefined, "absent when zero");
  }
}

Deno.test("get('pg_status') is print_summary's JSON and agrees with pg_summary and df", async () => {
  const { c, m } = await probed();
  try {
    const status = m.get("pg_status") as PgStatus;
    assert.deepEqual(Object.keys(status).slice(0, 9), [
      "pgs_by_pool_state",
      "pgs_by_state",
      "num_pgs",
      "num_pools",
      "num_objects",
      "data_bytes",
      "bytes_used",
      "bytes_avail",
      "bytes_total",
    ]);
    for (const k of Object.keys(status).slice(2)) assert.equal(typeof status[k], "number", k);
    assert.deepEqual(status.pgs_by_state, [{ state_name: "active+clean", count: 48 }]);
    const byPool = status.pgs_by_pool_state as unknown as {
      pool_id: number;
      pg_state_counts: { state_name: string; count: number }[];
    }[];
    assert.deepEqual(byPool.map((p) => p.pool_id), [2, 1], "newest pool first, as 16.2.15 lists");
    assert.equal(
      byPool.reduce((n, p) => n + p.pg_state_counts.reduce((a, s) => a + s.count, 0), 0),
      48,
    );
    assert.equal(status.num_pools, 2);
    assertStatusAgrees(status, m.get("pg_summary") as PgSummary, m.get("df"));
    // The workload runs: client IO rates are there, as integers.
    for (const k of ["read_bytes_sec", "write_bytes_sec", "read_op_per_sec", "write_op_per_sec"]) {
      assert.ok(Number.isInteger(status[k]) && (status[k] as number) > 0, k);
    }
    assert.equal(status.unknown_pgs_ratio, undefined);
    assert.equal(status.inactive_pgs_ratio, undefined);

    c.cluster!.hostDown("host1");
    await c.run(15);
    const degraded = m.get("pg_status") as PgStatus;
    assert.ok((degraded.degraded_objects as number) > 0);
    assert.ok(degraded.pgs_by_state.every((s) => s.state_name !== "active+clean"));
    assertStatusAgrees(degraded, m.get("pg_summary") as PgSummary, m.get("df"));
  } finally {
    await c.stop();
  }
});

Deno.test("get('service_map') is ServiceMap::dump with no services and backs `service dump`", async () => {
  const { c, m } = await probed();
  try {
    const map = m.get("service_map") as { epoch: number; modified: string; services: object };
    assert.deepEqual(Object.keys(map), ["epoch", "modified", "services"]);
    assert.equal(map.epoch, 1);
    assert.match(map.modified, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+0000$/);
    assert.deepEqual(map.services, {});
    assert.ok(Object.isFrozen(map));
    await c.run(20);
    assert.equal(m.get("service_map"), map, "it never changes: the same snapshot");
    const dump = await c.command({ prefix: "service dump", format: "json" });
    assert.equal(dump.r, 0, dump.outs);
    assert.deepEqual(JSON.parse(dump.outb), map);
  } finally {
    await c.stop();
  }
});

Deno.test("daemon_health_metrics_bulk() is get_daemon_health_metrics() as arrays, the same arrays until a daemon goes", async () => {
  const { c, m } = await probed();
  try {
    const flat = () =>
      Object.entries(m.get_daemon_health_metrics()).flatMap(([d, list]) =>
        list.map((x) => [d, x.type, x.value])
      );
    const asRows = (b: ReturnType<typeof m.daemon_health_metrics_bulk>) =>
      b.daemon.map((d, i) => [d, b.type[i], b.value[i]]);
    const first = m.daemon_health_metrics_bulk();
    assert.deepEqual(asRows(first), flat());
    c.cluster!.setSlow(2, 50);
    await c.run(60);
    const slow = m.daemon_health_metrics_bulk();
    assert.deepEqual(asRows(slow), flat());
    assert.ok(slow.value[slow.daemon.indexOf("osd.2")]! > 0, "osd.2's slow ops");
    // Only values moved: the same layout arrays, for an exporter to keep its template.
    assert.equal(slow.daemon, first.daemon);
    assert.equal(slow.type, first.type);
    c.cluster!.mons.monDown("c");
    await c.run(30);
    const after = m.daemon_health_metrics_bulk();
    assert.deepEqual(asRows(after), flat());
  } finally {
    await c.stop();
  }
});

Deno.test("get_daemon_health_metrics() has every OSD's and mon's metrics, zeros when healthy, and a slow OSD's slow ops", async () => {
  const { c, m } = await probed();
  try {
    const zeros = (daemon: string) =>
      daemon.startsWith("mon.")
        ? [{ value: 0, type: "SLOW_OPS" }]
        : [{ value: 0, type: "SLOW_OPS" }, { value: 0, type: "PENDING_CREATING_PGS" }];
    const healthy = m.get_daemon_health_metrics();
    const daemons = Object.keys(healthy);
    // As the real 16.2.15 page shows them: mon.a SLOW_OPS 0, each OSD SLOW_OPS then
    // PENDING_CREATING_PGS, 0 each (tests/ceph-reference/prometheus/active_metrics.txt).
    assert.deepEqual(daemons, [
      ...c.cluster!.mons.names.map((n) => `mon.${n}`),
      ...Array.from({ length: c.cluster!.map.maxOsd }, (_, o) => `osd.${o}`).sort(),
    ]);
    for (const d of daemons) assert.deepEqual(healthy[d], zeros(d), d);
    const faults = new FaultInjector(c.cluster!);
    const at = c.cluster!.scheduler.now - c.cluster!.scheduler.epoch + 1;
    faults.schedule({ kind: "slow-osd", at, duration: 120, osds: [2] });
    await c.run(60);
    const metrics = m.get_daemon_health_metrics();
    const slowOnes = Object.keys(metrics).filter((d) => metrics[d]!.some((x) => x.value > 0));
    assert.deepEqual(slowOnes, ["osd.2"]);
    const [slow, pending] = metrics["osd.2"]!;
    assert.equal(slow!.type, "SLOW_OPS");
    assert.deepEqual(pending, { value: 0, type: "PENDING_CREATING_PGS" });
    assert.ok(Number.isInteger(slow!.value) && slow!.value > 0);
    // The same count the SLOW_OPS health check gives.
    const health = JSON.parse((m.get("health") as { json: string }).json);
    assert.equal(health.checks.SLOW_OPS.summary.count, slow!.value);
    // The module's own copy: editing it changes nothing for the next caller.
    metrics["osd.2"]!.length = 0;
    assert.equal(m.get_daemon_health_metrics()["osd.2"]![0]!.value, slow!.value);

    await c.run(120);
    assert.deepEqual(m.get_daemon_health_metrics(), healthy, "healed");
  } finally {
    await c.stop();
  }
});
