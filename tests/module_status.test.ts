import assert from "node:assert/strict";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import * as status from "../modules/status/module.ts";
import { NO_MON_CONNECTION, Status } from "../modules/status/module.ts";
import { FaultInjector } from "../sim/faults/faults.ts";

const CLUSTER = { hosts: 3, osdsPerHost: 3, pools: [{ name: "rbd", pgNum: 32 }] };

async function withCluster(
  builtins: Record<string, Record<string, unknown>>,
  fn: (c: TestCluster) => Promise<void>,
): Promise<void> {
  const c = await startTestCluster({ builtins, initialModules: ["status"], cluster: CLUSTER });
  try {
    await c.run(30);
    await fn(c);
  } finally {
    await c.stop();
  }
}

interface OsdRow {
  id: number;
  "host name": string;
  "kb used": number;
  "write ops rate": number;
  state: string[];
}

Deno.test("osd status lists every OSD with its host, usage, rates and state", async () => {
  await withCluster({ status }, async (c) => {
    const r = await c.command({ prefix: "osd status" });
    assert.equal(r.r, 0, r.outs);
    const lines = r.outb.split("\n");
    assert.equal(lines.length, 10);
    assert.match(
      lines[0]!,
      /^ID {2}HOST +USED {2}AVAIL {2}WR OPS {2}WR DATA {2}RD OPS {2}RD DATA {2}STATE +$/,
    );
    assert.match(lines[1]!, /^ 0 {2}host1 +\d+\.?\d*[ kMGT] {2}.* {2}exists,up +$/);
    assert.ok(lines.some((l) => l.startsWith(" 8  host3")), r.outb);

    const j = await c.command({ prefix: "osd status", format: "json" });
    assert.equal(j.r, 0, j.outs);
    const rows = (JSON.parse(j.outb) as { OSDs: OsdRow[] }).OSDs;
    assert.deepEqual(rows.map((o) => o.id), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(rows[4]!["host name"], "host2");
    assert.ok(rows.every((o) => o["kb used"] > 0 && o.state.includes("up")));
    assert.ok(rows.some((o) => o["write ops rate"] > 0), "the workload writes");
  });
});

Deno.test("osd status <bucket> filters by CRUSH bucket, with wildcards; unknown is ENOENT", async () => {
  await withCluster({ status }, async (c) => {
    const host2 = await c.command({ prefix: "osd status", bucket: "host2", format: "json" });
    const ids = (JSON.parse(host2.outb) as { OSDs: OsdRow[] }).OSDs.map((o) => o.id);
    assert.deepEqual(ids, [3, 4, 5]);
    const glob = await c.command({ prefix: "osd status", bucket: "host[13]", format: "json" });
    assert.deepEqual((JSON.parse(glob.outb) as { OSDs: OsdRow[] }).OSDs.map((o) => o.id), [
      0,
      1,
      2,
      6,
      7,
      8,
    ]);
    const none = await c.command({ prefix: "osd status", bucket: "nosuch" });
    assert.equal(none.r, -2);
    assert.equal(none.outs, "Bucket 'nosuch' not found");
  });
});

Deno.test("osd status shows an OSD without metadata with an empty host, no error", async () => {
  await withCluster({ status }, async (c) => {
    new FaultInjector(c.cluster!).schedule({
      kind: "metadata-missing",
      at: 0,
      daemons: ["osd.3"],
    });
    c.cluster!.daemons.dropMetadata("osd.4");
    await c.run(10);
    const r = await c.command({ prefix: "osd status" });
    assert.equal(r.r, 0, r.outs);
    assert.match(r.outb.split("\n")[4]!, /^ 3 {8}\s*\d/);
    const j = await c.command({ prefix: "osd status", format: "json-pretty" });
    const rows = (JSON.parse(j.outb) as { OSDs: OsdRow[] }).OSDs;
    assert.equal(rows[3]!["host name"], "");
    assert.equal(rows[4]!["host name"], "");
    assert.equal(rows[5]!["host name"], "host2");
    assert.match(j.outb, /^\{\n {4}"OSDs": \[\n/);
  });
});

Deno.test("fs status shows ranks, pools, standbys and the MDS version", async () => {
  await withCluster({ status }, async (c) => {
    const r = await c.command({ prefix: "fs status" });
    assert.equal(r.r, 0, r.outs);
    // The simulated active MDS holds two client sessions and serves 20 requests a second.
    assert.match(r.outb, /^cephfs - 2 clients\n======\n/);
    assert.match(r.outb, /\nRANK {2}STATE +MDS +ACTIVITY +DNS +INOS +DIRS +CAPS {2}\n/);
    assert.match(r.outb, /\n 0 +active +a +Reqs: +20 \/s/);
    assert.match(r.outb, /POOL .*TYPE .*USED .*AVAIL/);
    assert.match(r.outb, /rbd +metadata/);
    assert.match(r.outb, /STANDBY MDS {2}\n +b +\n/);
    assert.match(r.outb, /MDS version: ceph version 16\.2\.\d+/);

    const j = await c.command({ prefix: "fs status", format: "json" });
    const body = JSON.parse(j.outb);
    assert.deepEqual(body.clients, [{ clients: 2, fs: "cephfs" }]);
    assert.deepEqual(body.mdsmap.map((m: { name: string; state: string }) => [m.name, m.state]), [
      ["a", "active"],
      ["b", "standby"],
    ]);
    assert.equal(body.pools[0].type, "metadata");
    assert.ok(body.pools[0].avail > 0);
    assert.match(body.mds_version, /^ceph version 16\.2/);

    const one = await c.command({ prefix: "fs status", fs: "cephfs", format: "json" });
    assert.equal(one.r, 0);
    const bad = await c.command({ prefix: "fs status", fs: "nosuch" });
    assert.equal(bad.r, -22);
    assert.equal(bad.outs, "Invalid filesystem: nosuch");
  });
});

Deno.test("fs status shows a failed rank when no MDS is up", async () => {
  await withCluster({ status }, async (c) => {
    c.cluster!.setMds("a", false);
    c.cluster!.setMds("b", false);
    await c.run(5);
    const r = await c.command({ prefix: "fs status" });
    assert.equal(r.r, 0, r.outs);
    assert.match(r.outb, /\n 0 +failed/);
    const j = JSON.parse((await c.command({ prefix: "fs status", format: "json" })).outb);
    assert.deepEqual(j.mdsmap, [{ rank: 0, state: "failed" }]);
    assert.equal(j.mds_version, undefined);
  });
});

/** The status module on a cluster without CephFS: an FSMap with no file systems. */
class NoFsStatus extends Status {
  override get(name: string, options: { mutable?: boolean } = {}): unknown {
    if (name === "fs_map") return { epoch: 1, filesystems: [], standbys: [] };
    return super.get(name, options);
  }
}

Deno.test("fs status on a cluster without file systems answers empty tables", async () => {
  await withCluster({ status: { NoFsStatus } }, async (c) => {
    const r = await c.command({ prefix: "fs status" });
    assert.equal(r.r, 0, r.outs);
    // PrettyTable without a border prints nothing for a table with no rows (16.2.15's
    // prettytable), and the real command shows no blank lines around its tables.
    assert.equal(r.outb, "");
    const j = await c.command({ prefix: "fs status", format: "json" });
    assert.deepEqual(JSON.parse(j.outb), { clients: [], mdsmap: [], pools: [] });
    const named = await c.command({ prefix: "fs status", fs: "cephfs" });
    assert.equal(named.r, -22);
  });
});

Deno.test("while the mon is away, osd status and fs status answer from the last maps and say so on stderr", async () => {
  await withCluster({ status }, async (c) => {
    const before = await c.command({ prefix: "osd status", format: "json" });
    assert.equal(before.outs, "");
    c.cluster!.monOutage(60);
    await c.run(5);
    assert.equal(c.manager.link.connected(), false);

    const json = await c.command({ prefix: "osd status", format: "json" });
    assert.equal(json.r, 0);
    assert.equal(json.outs, NO_MON_CONNECTION);
    const rows = (JSON.parse(json.outb) as { OSDs: OsdRow[] }).OSDs;
    const lastRows = (JSON.parse(before.outb) as { OSDs: OsdRow[] }).OSDs;
    assert.deepEqual(
      rows.map((o) => [o.id, o["host name"], o.state]),
      lastRows.map((o) => [
        o.id,
        o["host name"],
        o.state,
      ]),
    );
    const text = await c.command({ prefix: "osd status" });
    assert.equal(text.r, 0);
    assert.equal(text.outs, NO_MON_CONNECTION);
    assert.equal(text.outb.split("\n").length, 10, text.outb);
    const fs = await c.command({ prefix: "fs status" });
    assert.equal(fs.r, 0);
    assert.equal(fs.outs, NO_MON_CONNECTION);
    assert.match(fs.outb, /^cephfs - 2 clients\n/);
    assert.match(NO_MON_CONNECTION, /no mon connection.*last cluster maps.*may be stale/);

    c.cluster!.endMonOutage();
    await c.run(5);
    const after = await c.command({ prefix: "fs status" });
    assert.deepEqual([after.r, after.outs], [0, ""]);
  });
});
