import assert from "node:assert/strict";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import { BUILTIN_MODULES } from "../modules/mod.ts";
import { referenceText } from "./_reference.ts";

const CLUSTER = { hosts: 3, osdsPerHost: 2, pools: [{ name: "rbd", pgNum: 8, size: 3 }] };

interface PoolDetail {
  pool_name: string;
  crush_rule: number;
  size: number;
  min_size: number;
  pg_num: number;
}
interface RuleDump {
  rule_id: number;
  rule_name: string;
  steps: { op: string; item?: number; item_name?: string; num?: number; type?: string }[];
}

async function withLocalpool(
  options: Record<string, string>,
  run: (c: TestCluster) => Promise<void>,
): Promise<void> {
  const c = await startTestCluster({ builtins: BUILTIN_MODULES, cluster: CLUSTER });
  try {
    for (const [name, value] of Object.entries(options)) {
      const r = await c.command({ prefix: "config set", who: "mgr", name, value });
      assert.equal(r.r, 0, r.outs);
    }
    const r = await c.command({ prefix: "mgr module enable", module: "localpool" });
    assert.equal(r.r, 0, r.outs);
    await c.run(20);
    await run(c);
  } finally {
    await c.stop();
  }
}

async function json<T>(c: TestCluster, cmd: Record<string, unknown>): Promise<T> {
  const r = await c.command({ ...cmd, format: "json" });
  assert.equal(r.r, 0, r.outs);
  return JSON.parse(r.outb) as T;
}

/** The mon commands the manager sent, from the audit channel's `dispatch` notes. */
function dispatched(c: TestCluster, prefix: string): string[] {
  const log = c.mon.handleCommand({ prefix: "log last", num: 10000, channel: "audit" }).outb;
  return log.split("\n").filter((l) =>
    l.includes("entity='mgr.x'") &&
    (l.includes(`"prefix":"${prefix}"`) || l.includes(`"prefix": "${prefix}"`)) &&
    l.endsWith("dispatch")
  );
}

Deno.test("localpool makes one pool and rule per host of a 3-host cluster, and nothing twice", () =>
  withLocalpool({
    "mgr/localpool/subtree": "host",
    "mgr/localpool/failure_domain": "osd",
    "mgr/localpool/pg_num": "8",
    "mgr/localpool/num_rep": "2",
    "mgr/localpool/min_size": "1",
  }, async (c) => {
    const hosts = c.cluster!.hostNames();
    assert.equal(hosts.length, 3);
    const pools = await json<PoolDetail[]>(c, { prefix: "osd pool ls", detail: "detail" });
    const rules = await json<RuleDump[]>(c, { prefix: "osd crush rule dump" });
    const local = pools.filter((p) => p.pool_name.startsWith("by-host-"));
    const creates = dispatched(c, "osd pool create").filter((l) => l.includes("by-host-"));
    // serve() and the first osd_map notifications may race as in Ceph; the mon answers a
    // repeat with 0 and makes nothing new.
    assert.ok(creates.length >= 3, creates.join("\n"));
    assert.deepEqual(local.map((p) => p.pool_name).sort(), hosts.map((h) => `by-host-${h}`).sort());
    for (const host of hosts) {
      const pool = local.find((p) => p.pool_name === `by-host-${host}`)!;
      const rule = rules.find((r) => r.rule_name === `by-host-${host}`)!;
      assert.ok(rule, `rule by-host-${host}`);
      assert.equal(pool.crush_rule, rule.rule_id);
      assert.deepEqual([pool.size, pool.min_size, pool.pg_num], [2, 1, 8]);
      assert.deepEqual(rule.steps, [
        { op: "take", item: rule.steps[0]!.item, item_name: host },
        { op: "choose_firstn", num: 0, type: "osd" },
        { op: "emit" },
      ]);
      // Its PGs live on that host's OSDs only.
      const mine = new Set(c.cluster!.hostOsds(host));
      const poolId = (pools.find((p) => p.pool_name === pool.pool_name) as unknown as {
        pool_id: number;
      }).pool_id;
      for (let ps = 0; ps < 8; ps++) {
        const map = await json<{ up: number[] }>(c, {
          prefix: "pg map",
          pgid: `${poolId}.${ps.toString(16)}`,
        });
        assert.equal(map.up.length, 2);
        assert.ok(map.up.every((o) => mine.has(o)), `${host}: ${map.up}`);
      }
    }
    assert.equal(rules.length, 1 + hosts.length);

    // Later OSDMaps send nothing more.
    const before = dispatched(c, "osd crush rule create-replicated").length;
    c.cluster!.osdDown(0);
    await c.run(5);
    c.cluster!.osdUp(0);
    await c.run(5);
    assert.equal(dispatched(c, "osd crush rule create-replicated").length, before);
    const after = await json<PoolDetail[]>(c, { prefix: "osd pool ls", detail: "detail" });
    assert.equal(after.length, pools.length);
    const rulesAfter = await json<RuleDump[]>(c, { prefix: "osd crush rule dump" });
    assert.equal(rulesAfter.length, rules.length);
  }));

Deno.test("localpool's defaults under a host give 16.2.15's rule, whose PGs map nowhere", () =>
  withLocalpool({ "mgr/localpool/subtree": "host", "mgr/localpool/pg_num": "8" }, async (c) => {
    const reference = JSON.parse(
      referenceText("localpool/crush_rule_dump.json"),
    ) as RuleDump[];
    const real = reference.find((r) => r.rule_name === "by-host-vm")!;
    const rules = await json<RuleDump[]>(c, { prefix: "osd crush rule dump" });
    const host = c.cluster!.hostNames()[0]!;
    const ours = rules.find((r) => r.rule_name === `by-host-${host}`)!;
    const shape = (r: RuleDump) => r.steps.map((s) => ({ ...s, item: 0, item_name: "" }));
    assert.deepEqual(shape(ours), shape(real));
    assert.deepEqual(Object.keys(ours), Object.keys(real));
    const pools = await json<(PoolDetail & { pool_id: number })[]>(c, {
      prefix: "osd pool ls",
      detail: "detail",
    });
    const pool = pools.find((p) => p.pool_name === `by-host-${host}`)!;
    const realPool = (JSON.parse(referenceText("localpool/pool_ls_detail.json")) as (
      PoolDetail & Record<string, unknown>
    )[]).find((p) => p.pool_name === "by-host-vm")!;
    assert.deepEqual([pool.size, pool.min_size], [realPool.size, 2]);
    // A rule taking a host and replicating across hosts finds no OSD, as on the real cluster
    // (`pg map 2.0` -> up [] acting []).
    const map = await json<{ up: number[]; acting: number[] }>(c, {
      prefix: "pg map",
      pgid: `${pool.pool_id}.0`,
    });
    assert.deepEqual([map.up, map.acting], [[], []]);
  }));

Deno.test("osd crush rule create-replicated answers as the 16.2.15 mon does", async () => {
  const c = await startTestCluster({ builtins: BUILTIN_MODULES, cluster: CLUSTER });
  try {
    const ref = JSON.parse(referenceText("localpool/crush_rule_cli.json")) as Record<
      string,
      { rc: number; stderr: string }
    >;
    const host = c.cluster!.hostNames()[0]!;
    const run = (name: string, root: string, type: string, cls?: string) =>
      c.command({
        prefix: "osd crush rule create-replicated",
        name,
        root,
        type,
        ...(cls ? { class: cls } : {}),
      });
    const first = await run("r1", host, "host");
    assert.deepEqual([first.r, first.outs], [0, ""]);
    const again = await run("r1", host, "host");
    assert.deepEqual([again.r, `${again.outs}\n`], [
      ref.again!.rc,
      ref.again!.stderr.replace("by-host-vm", "r1"),
    ]);
    const noroot = await run("r2", "nosuch", "host");
    assert.deepEqual([-noroot.r, `Error ENOENT: ${noroot.outs}\n`], [
      ref.noroot!.rc,
      ref.noroot!.stderr,
    ]);
    const notype = await run("r3", host, "nosuchtype");
    assert.deepEqual([-notype.r, `Error EINVAL: ${notype.outs}\n`], [
      ref.notype!.rc,
      ref.notype!.stderr,
    ]);
    const badclass = await run("r4", "default", "host", "nvme");
    assert.deepEqual([-badclass.r, `Error EINVAL: ${badclass.outs}\n`], [
      ref.badclass!.rc,
      ref.badclass!.stderr,
    ]);
    const norule = await c.command({
      prefix: "osd pool create",
      pool: "p9",
      pg_num: 8,
      rule: "nosuchrule",
    });
    assert.deepEqual([-norule.r, `Error ENOENT: ${norule.outs}\n`], [
      ref.poolnorule!.rc,
      ref.poolnorule!.stderr,
    ]);
    const ls = await c.command({ prefix: "osd crush rule ls" });
    assert.equal(ls.outb, "replicated_rule\nr1\n");
  } finally {
    await c.stop();
  }
});
