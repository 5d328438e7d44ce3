/**
 * rbd_support's `rbd perf image stats|counters` against 16.2.15's answers
 * (tests/ceph-reference/cli/commands/rbd_perf/, captured by tools/capture-rbd-perf.sh while
 * `rbd bench` wrote to three images) and against the simulated workload's own IO: every RBD
 * pool the cluster starts with holds one image per workload client (`vm-disk-<n>`,
 * sim/cluster/workload_images.ts), whose data objects the OSDs count.
 */
import assert from "node:assert/strict";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import * as rbd_support from "../modules/rbd_support/module.ts";
import { dataDir, runCeph } from "./_oracle_cli.ts";
import { referenceCli } from "./_reference.ts";
import { RbdTool } from "./_rbd_cluster.ts";

const DIR = "commands/rbd_perf";
const DESCRIPTORS = [
  "write_ops",
  "read_ops",
  "write_bytes",
  "read_bytes",
  "write_latency",
  "read_latency",
];

interface Report {
  timestamp: number;
  pool_descriptors: Record<string, string>;
  [list: string]: unknown;
}

type Ceph = (line: string) => Promise<{ rc: number; stdout: string; stderr: string }>;

async function withPerfCluster(fn: (c: TestCluster, ceph: Ceph) => Promise<void>): Promise<void> {
  const c = await startTestCluster({
    builtins: { rbd_support, rbdtool: { RbdTool } },
    initialModules: ["rbd_support", "rbdtool"],
    cluster: {
      hosts: 1,
      osdsPerHost: 3,
      failureDomain: "osd",
      mons: { count: 1 },
      mgrs: ["x"],
      pools: [
        { name: "rbd", pgNum: 8, size: 1 },
        { name: "plain", pgNum: 8, size: 1, application: "" },
      ],
      workload: { opsPerSecond: 400, readFraction: 0.3, clients: 3 },
    },
  });
  const dir = dataDir();
  try {
    await c.run(10);
    await fn(c, (line) => runCeph(c, dir, line));
  } finally {
    Deno.removeSync(dir, { recursive: true });
    await c.stop();
  }
}

/** The text of a report with its timestamp and numbers replaced, for comparing the framing. */
function framing(text: string): string {
  return text.replace(/"timestamp": \d+\.0/, '"timestamp": T')
    .replace(/-?\d+(\.\d+)?(e[+-]\d+)?/g, (m) => m.includes(".") || m.includes("e") ? "F" : "I");
}

Deno.test("rbd perf image stats|counters answer with 16.2.15's framing, errors and first empty answers", async () => {
  await withPerfCluster(async (_c, ceph) => {
    for (const name of ["01_stats_fresh", "02_counters_fresh"]) {
      const cap = referenceCli(`${DIR}/${name}.txt`);
      const got = await ceph(cap.command.replace(/^ceph /, ""));
      assert.deepEqual([got.rc, got.stderr], [cap.rc, cap.stderr], name);
      // A new query has counted nothing yet: the same text but for the time.
      assert.equal(framing(got.stdout), framing(cap.stdout), name);
    }
    // The pool query is new too: empty at first, as on the real cluster.
    const first = await ceph("rbd perf image stats rbd");
    assert.equal(
      framing(first.stdout),
      framing(referenceCli(`${DIR}/07_stats_pool_first.txt`).stdout),
    );
    for (
      const name of [
        "12_stats_no_pool",
        "13_stats_bad_spec",
        "14_stats_bad_sort",
        "15_stats_plain_pool",
        "16_stats_missing_namespace",
      ]
    ) {
      const cap = referenceCli(`${DIR}/${name}.txt`);
      const got = await ceph(cap.command.replace(/^ceph /, ""));
      assert.deepEqual([got.rc, got.stderr], [cap.rc, cap.stderr], name);
      if (cap.rc === 0) assert.equal(framing(got.stdout), framing(cap.stdout), name);
      else assert.equal(got.stdout, cap.stdout, name);
    }
  });
});

Deno.test("rbd perf image stats and counters show the workload's images, with the real report's shape", async () => {
  await withPerfCluster(async (c, ceph) => {
    await ceph("rbd perf image stats");
    await c.run(6);
    await ceph("rbd perf image stats"); // the global query now maps the RBD pools
    await c.run(12);
    const stats = await ceph("rbd perf image stats");
    const counters = await ceph("rbd perf image counters");
    assert.equal(stats.rc, 0, stats.stderr);
    const capStats = referenceCli(`${DIR}/03_stats.txt`).stdout;
    const capCounters = referenceCli(`${DIR}/04_counters.txt`).stdout;
    // One entry per image, the same words and number kinds (floats for rates, ints for
    // counters) as the real module's.
    // (The capture's three images were in two pools' descriptors, ours in one.)
    const entry = (text: string) =>
      framing(
        text.replace(/"pool_descriptors": \{[^}]*\}/, '"pool_descriptors": P')
          .replace(/"\d+\/[^"]+": \[/g, '"N": ['),
      );
    assert.equal(entry(stats.stdout), entry(capStats));
    assert.equal(entry(counters.stdout), entry(capCounters));
    assert.match(stats.stdout, /"0\/vm-disk-1": \[\d+\.\d+(e[+-]\d+)?, /);
    assert.match(counters.stdout, /"0\/vm-disk-1": \[\d+, /);
    const s = JSON.parse(stats.stdout) as Report;
    const k = JSON.parse(counters.stdout) as Report;
    assert.deepEqual(s.stat_descriptors, DESCRIPTORS);
    assert.deepEqual(k.counter_descriptors, DESCRIPTORS);
    assert.deepEqual(s.pool_descriptors, { "0": "rbd" });
    const names = (r: unknown) => (r as Record<string, number[]>[]).map((e) => Object.keys(e)[0]);
    assert.deepEqual(names(s.stats).sort(), ["0/vm-disk-1", "0/vm-disk-2", "0/vm-disk-3"]);
    // Sorted by the write rate, busiest first (client 1 carries the most load).
    const rates = (s.stats as Record<string, number[]>[]).map((e) => Object.values(e)[0]![0]!);
    assert.deepEqual(rates, [...rates].sort((a, b) => b - a));
    assert.equal(names(s.stats)[0], "0/vm-disk-1");
    // --sort_by read_ops orders by reads instead.
    const byReads = JSON.parse((await ceph("rbd perf image stats --sort_by read_ops")).stdout);
    const reads = (byReads.stats as Record<string, number[]>[]).map((e) =>
      Object.values(e)[0]![1]!
    );
    assert.deepEqual(reads, [...reads].sort((a, b) => b - a));
  });
});

Deno.test("a rate is the last period's count over the period; counters sum every period's counts", async () => {
  await withPerfCluster(async (c, ceph) => {
    await ceph("rbd perf image counters");
    await c.run(6);
    await ceph("rbd perf image counters");
    await c.run(11);
    const period = 5; // mgr_stats_period
    const read = async (what: string) => {
      const r = JSON.parse((await ceph(`rbd perf image ${what}`)).stdout) as Report;
      const out = new Map<string, number[]>();
      for (const e of r[`${what}`] as Record<string, number[]>[]) {
        out.set(Object.keys(e)[0]!, Object.values(e)[0]!);
      }
      return out;
    };
    // Right after a round: the counters before and after one more round, and its rates.
    const before = await read("counters");
    await c.run(period);
    const after = await read("counters");
    const stats = await read("stats");
    assert.ok(after.size > 0);
    for (const [image, total] of after) {
      const was = before.get(image) ?? [0, 0, 0, 0, 0, 0];
      const rate = stats.get(image);
      assert.ok(rate, `${image} has a rate`);
      for (const i of [0, 1, 2, 3]) {
        assert.ok(total[i]! >= was[i]!, `${image} ${DESCRIPTORS[i]} never decreases`);
        assert.ok(
          Math.abs(rate[i]! * period - (total[i]! - was[i]!)) < 1e-6 * Math.max(1, total[i]!),
          `${image} ${DESCRIPTORS[i]}: rate ${rate[i]} x ${period} s = ${total[i]! - was[i]!}`,
        );
      }
      // Latency rates are per op: the period's summed nanoseconds over its ops.
      const ops = total[0]! - was[0]!;
      if (ops > 0) {
        const perOp = (total[4]! - was[4]!) / period / Math.max(1, ops / period);
        assert.ok(Math.abs(rate[4]! - perOp) < 1e-6 * Math.max(1, perOp), `${image} latency`);
      }
    }
  });
});

Deno.test("rbd perf queries expire a minute after the last request; a removed image leaves the report", async () => {
  await withPerfCluster(async (c, ceph) => {
    await ceph("rbd perf image counters rbd");
    await c.run(11);
    const busy = JSON.parse((await ceph("rbd perf image counters rbd")).stdout) as Report;
    assert.ok((busy.counters as unknown[]).length === 3, JSON.stringify(busy));
    // No request for over a minute: the queries are gone, the next request starts afresh.
    await c.run(70);
    const fresh = JSON.parse((await ceph("rbd perf image counters rbd")).stdout) as Report;
    assert.deepEqual(fresh.counters, []);
    assert.deepEqual(fresh.pool_descriptors, {});
    // An image removed from rbd_directory is dropped once its id no longer resolves.
    const tool = c.activeManager()!.host.instance("rbdtool") as RbdTool;
    const ioctx = await tool.rados.open_ioctx("rbd");
    const dir = await tool.omap("rbd", "", "rbd_directory");
    const id = Object.entries(dir).find(([k]) => k === "name_vm-disk-2")![1].slice(4);
    await ioctx.remove_omap_keys("rbd_directory", ["name_vm-disk-2", `id_${id}`]);
    ioctx.close();
    await c.run(6 * 60); // past the five-minute name refresh
    await ceph("rbd perf image counters rbd");
    await c.run(11);
    const later = JSON.parse((await ceph("rbd perf image counters rbd")).stdout) as Report;
    const names = (later.counters as Record<string, number[]>[]).map((e) => Object.keys(e)[0]);
    assert.deepEqual(names.sort(), ["0/vm-disk-1", "0/vm-disk-3"]);
  });
});
