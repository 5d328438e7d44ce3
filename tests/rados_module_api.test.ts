import assert from "node:assert/strict";
import {
  MgrModule,
  ObjectBusy,
  ObjectExists,
  ObjectNotFound,
  RadosError,
  TimedOut,
} from "mgr_module";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import { strHashRjenkins } from "../ceph/str_hash.ts";
import { stableMod } from "../ceph/pg_placement.ts";

class Rad extends MgrModule {}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function withRados(
  fn: (c: TestCluster, m: () => Rad) => Promise<void>,
  standbys: string[] = [],
): Promise<void> {
  const c = await startTestCluster({
    builtins: { rad: { Rad } },
    initialModules: ["rad"],
    standbys,
    cluster: {
      hosts: 3,
      osdsPerHost: 2,
      pools: [{ name: "rbd", pgNum: 32 }, { name: "quiet", pgNum: 8 }],
      workload: { opsPerSecond: 0 },
    },
  });
  try {
    await c.run(20);
    await fn(c, () => c.activeManager()!.host.instance("rad") as Rad);
  } finally {
    await c.stop();
  }
}

/** Settles `p` while virtual time runs `seconds`; answers how it ended and when. */
async function during<T>(
  c: TestCluster,
  p: Promise<T>,
  seconds: number,
): Promise<{ value?: T; error?: unknown; at?: number }> {
  const out: { value?: T; error?: unknown; at?: number } = {};
  p.then((v) => {
    out.value = v;
    out.at = c.clock.now();
  }, (e) => {
    out.error = e;
    out.at = c.clock.now();
  });
  for (let i = 0; i < seconds && out.at === undefined; i++) await c.run(1);
  return out;
}

Deno.test("rados: objects, data, stat, append, namespaces, listing and omap, with librados' errors", async () => {
  await withRados(async (c, m) => {
    const ioctx = await m().rados.open_ioctx("rbd");
    await ioctx.write_full("a", "hello");
    await ioctx.append("a", " world");
    await ioctx.write("a", "W", 6);
    assert.equal(text(await ioctx.read("a")), "hello World");
    assert.equal(text(await ioctx.read("a", 3, 2)), "llo");
    assert.deepEqual(await ioctx.stat("a"), { size: 11, mtime: c.clock.now() });
    await assert.rejects(ioctx.read("nope"), ObjectNotFound);
    await assert.rejects(ioctx.remove_object("nope"), (e: RadosError) => e.errno === 2);
    ioctx.set_namespace("ns1");
    await ioctx.write_full("a", "other");
    assert.deepEqual((await ioctx.list_objects()).map((o) => o.key), ["a"]);
    ioctx.set_namespace("");
    assert.equal(text(await ioctx.read("a")), "hello World", "namespaces keep objects apart");
    await ioctx.set_omap("dev", ["2026-01-02", "2026-01-01", "x"], ["b", "a", "c"]);
    const vals = await ioctx.get_omap_vals("dev", "", "2026", 10);
    assert.deepEqual(vals.map(([k, v]) => [k, text(v)]), [["2026-01-01", "a"], [
      "2026-01-02",
      "b",
    ]]);
    assert.deepEqual((await ioctx.get_omap_vals("dev", "2026-01-01", "", 1)).map(([k]) => k), [
      "2026-01-02",
    ]);
    await ioctx.remove_omap_keys("dev", ["x"]);
    assert.equal((await ioctx.get_omap_vals("dev")).length, 2);
    await ioctx.remove_object("a");
    assert.deepEqual((await ioctx.list_objects()).map((o) => o.key), ["dev"]);
    await assert.rejects(m().rados.open_ioctx("nope"), ObjectNotFound);
    ioctx.close();
    await assert.rejects(ioctx.read("dev"), RadosError);
  });
});

Deno.test("rados: exclusive locks are held per client and cookie and expire on the cluster's clock", async () => {
  await withRados(async (c, m) => {
    const ioctx = await m().rados.open_ioctx("rbd");
    await ioctx.lock_exclusive("leader", "lock", "c1", "", 30);
    await assert.rejects(ioctx.lock_exclusive("leader", "lock", "c1"), ObjectExists);
    await assert.rejects(ioctx.lock_exclusive("leader", "lock", "c2"), ObjectBusy);
    await c.run(31);
    await ioctx.lock_exclusive("leader", "lock", "c2");
    await assert.rejects(ioctx.unlock("leader", "lock", "c1"), ObjectNotFound);
    await ioctx.unlock("leader", "lock", "c2");
    await ioctx.lock_shared("leader", "lock", "s1");
    await ioctx.lock_shared("leader", "lock", "s2");
    await assert.rejects(ioctx.lock_exclusive("leader", "lock", "c3"), ObjectBusy);
  });
});

Deno.test("rados: objects count in the pool's statistics and df", async () => {
  await withRados(async (c, m) => {
    type Df = { pools: { name: string; stats: { objects: number; stored: number } }[] };
    const quietOf = () => (m().get("df") as Df).pools.find((p) => p.name === "quiet")!.stats;
    const before = { ...quietOf() };
    const ioctx = await m().rados.open_ioctx("quiet");
    for (let i = 0; i < 20; i++) await ioctx.write_full(`obj${i}`, new Uint8Array(1000));
    await c.run(15);
    assert.equal(quietOf().objects - before.objects, 20);
    assert.equal(quietOf().stored - before.stored, 20_000);
    await ioctx.remove_object("obj0");
    await c.run(15);
    assert.equal(quietOf().objects - before.objects, 19);
  });
});

Deno.test("rados: an operation on an inactive PG waits, times out after rados_osd_op_timeout, else completes when the PG is back", async () => {
  await withRados(async (c, m) => {
    const pool = 1, pgNum = 32, oid = "blocked";
    const pgid = `${pool}.${stableMod(strHashRjenkins(oid), pgNum).toString(16)}`;
    const upSets = m().get_osdmap().map_pool_pgs_up(pool)!;
    const up = upSets[pgid]!;
    const ioctx = await m().rados.open_ioctx("rbd");
    c.cluster!.osdsDown(up.slice(0, 2), "test");
    await c.run(5);
    await c.command({
      prefix: "config set",
      who: "global",
      name: "rados_osd_op_timeout",
      value: "10",
    });
    await c.run(1);
    const t0 = c.clock.now();
    const timedOut = await during(c, ioctx.write_full(oid, "x"), 30);
    assert.ok(timedOut.error instanceof TimedOut, String(timedOut.error));
    assert.equal(timedOut.at! - t0, 10);
    await c.command({ prefix: "config rm", who: "global", name: "rados_osd_op_timeout" });
    await c.run(1);
    let doneAt: number | undefined;
    const waiting = ioctx.write_full(oid, "y").then(() => doneAt = c.clock.now());
    await c.run(20);
    assert.equal(doneAt, undefined, "still waiting while the PG is inactive");
    // An object on a PG none of whose OSDs went down never waits.
    const pgOf = (o: string) => `${pool}.${stableMod(strHashRjenkins(o), pgNum).toString(16)}`;
    let elsewhere = 0;
    while (upSets[pgOf(`e${elsewhere}`)]!.some((o) => up.slice(0, 2).includes(o))) elsewhere++;
    const other = await ioctx.write_full(`e${elsewhere}`, "z").then(() => "done");
    c.cluster!.osdsUp(up.slice(0, 2), "test");
    await c.run(30);
    await waiting;
    assert.ok(doneAt! - t0 > 30, "completed only after the OSDs came back");
    assert.equal(text(await ioctx.read(oid)), "y");
    assert.equal(other, "done");
  });
});

Deno.test("rados: pool operations wait for the mon, up to rados_mon_op_timeout", async () => {
  await withRados(async (c, m) => {
    await m().rados.create_pool("made");
    assert.ok(await m().rados.pool_exists("made"));
    await assert.rejects(m().rados.create_pool("made"), ObjectExists);
    c.cluster!.monOutage(60);
    const waited = await during(c, m().rados.create_pool("later"), 120);
    assert.equal(waited.error, undefined);
    assert.ok(await m().rados.pool_exists("later"));
    await c.command({
      prefix: "config set",
      who: "global",
      name: "rados_mon_op_timeout",
      value: "5",
    });
    await c.run(1);
    c.cluster!.monOutage(60);
    const t0 = c.clock.now();
    const failed = await during(c, m().rados.create_pool("never"), 30);
    assert.ok(failed.error instanceof RadosError, String(failed.error));
    assert.equal((failed.error as RadosError).errno, 110);
    assert.ok(failed.at! - t0 <= 6);
  });
});

Deno.test("rados: objects survive a manager failover", async () => {
  await withRados(async (c, m) => {
    const first = m();
    await (await first.rados.open_ioctx("rbd")).write_full("kept", "state");
    await c.command({ prefix: "mgr fail", who: "x" });
    await c.run(30);
    const second = m();
    assert.notEqual(second, first);
    assert.equal(second.get_mgr_id(), "y");
    assert.equal(text(await (await second.rados.open_ioctx("rbd")).read("kept")), "state");
  }, ["y"]);
});
