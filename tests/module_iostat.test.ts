import assert from "node:assert/strict";
import { decoratedCommands } from "mgr_module";
import { startTestCluster } from "mgr_module/testing";
import * as iostat from "../modules/iostat/module.ts";

const CLUSTER = { hosts: 3, osdsPerHost: 3, pools: [{ name: "rbd", pgNum: 32 }] };

/** The six cells of one iostat row. */
function cells(row: string): string[] {
  return row.split("|").slice(1, -1).map((c) => c.trim());
}

Deno.test("iostat prints Ceph's header and a row of rates that follow the workload", async () => {
  const c = await startTestCluster({
    builtins: { iostat },
    initialModules: ["iostat"],
    cluster: { ...CLUSTER, workload: { opsPerSecond: 1000, readFraction: 0.5 } },
  });
  try {
    await c.run(30);
    const r = await c.command({ prefix: "iostat", print_header: true });
    assert.equal(r.r, 0, r.outs);
    const lines = r.outb.split("\n");
    assert.equal(lines.length, 4);
    assert.equal(lines[0], "+" + "------------+".repeat(6));
    assert.equal(
      lines[1],
      "|       Read |      Write |      Total |  Read IOPS | Write IOPS | Total IOPS |",
    );
    assert.equal(lines[2], lines[0]);
    const [rd, wr, total, rdOps, wrOps, totalOps] = cells(lines[3]!);
    assert.match(rd!, /^\d+ (Ki|Mi|Gi)?B\/s$/);
    assert.match(wr!, /^\d+ (Ki|Mi|Gi)?B\/s$/);
    assert.match(total!, /^\d+ (Ki|Mi|Gi)?B\/s$/);
    assert.ok(Number(wrOps) > 100, `write ops ${wrOps}`);
    assert.ok(Number(rdOps) > 100, `read ops ${rdOps}`);
    assert.equal(Number(totalOps), Number(rdOps) + Number(wrOps));
    assert.ok(Math.abs(Number(totalOps) - 1000) < 300, `total ops ${totalOps} near the workload`);
  } finally {
    await c.stop();
  }
});

Deno.test("iostat without --print-header prints one row; width sets the columns", async () => {
  const c = await startTestCluster({
    builtins: { iostat },
    initialModules: ["iostat"],
    cluster: CLUSTER,
  });
  try {
    await c.run(20);
    const r = await c.command({ prefix: "iostat", width: 120 });
    assert.equal(r.r, 0, r.outs);
    assert.ok(!r.outb.includes("\n"));
    assert.equal(r.outb.length, 1 + 6 * 20);
    const narrow = await c.command({ prefix: "iostat", width: 3, print_header: true });
    assert.equal(narrow.r, 0, narrow.outs);
    const bad = await c.command({ prefix: "iostat", width: "wide" });
    assert.notEqual(bad.r, 0);
    // A read-only caller cannot make the daemon build an answer of any size.
    for (const width of [500_000_000, 4097, -1]) {
      const huge = await c.command({ prefix: "iostat", width, print_header: true });
      assert.deepEqual([huge.r, huge.outb], [-22, ""]);
      assert.match(huge.outs, /^width must be in 0\.\.4096, got -?\d+$/);
    }
    const widest = await c.command({ prefix: "iostat", width: 4096 });
    assert.equal(widest.r, 0, widest.outs);
  } finally {
    await c.stop();
  }
});

Deno.test("iostat is a poll command and answers zeros without a cluster", async () => {
  const c = await startTestCluster({ builtins: { iostat }, initialModules: ["iostat"] });
  try {
    const declared = decoratedCommands(iostat.Iostat).find((d) => d.prefix === "iostat");
    assert.equal(declared?.poll, true);
    const r = await c.command({ prefix: "iostat" });
    assert.equal(r.r, 0, r.outs);
    assert.deepEqual(cells(r.outb), ["0 B/s", "0 B/s", "0 B/s", "0", "0", "0"]);
  } finally {
    await c.stop();
  }
});

Deno.test("while the mon is away, iostat answers the last rates and says so on stderr", async () => {
  const c = await startTestCluster({
    builtins: { iostat },
    initialModules: ["iostat"],
    cluster: { ...CLUSTER, workload: { opsPerSecond: 1000, readFraction: 0.5 } },
  });
  try {
    await c.run(30);
    const before = await c.command({ prefix: "iostat" });
    assert.deepEqual([before.r, before.outs], [0, ""]);
    c.cluster!.monOutage(60);
    await c.run(5);
    const r = await c.command({ prefix: "iostat" });
    assert.equal(r.r, 0);
    assert.equal(r.outs, iostat.NO_MON_CONNECTION);
    assert.match(r.outs, /no mon connection.*last cluster maps.*may be stale/);
    const row = cells(r.outb);
    assert.equal(row.length, 6, r.outb);
    assert.ok(Number(row[5]) > 0, `the last rates are shown: ${r.outb}`);
    c.cluster!.endMonOutage();
    await c.run(5);
    const after = await c.command({ prefix: "iostat" });
    assert.deepEqual([after.r, after.outs], [0, ""]);
  } finally {
    await c.stop();
  }
});
