import assert from "node:assert/strict";
import { EBUSY, EEXIST, ENOENT } from "../ceph/errno.ts";
import type { RadosCluster } from "../rados/librados.ts";
import { until } from "./_daemon.ts";
import { connectDev, radosFailure, realCluster } from "./_dev_cluster.ts";

// The object tests share one pool (creating a pool and peering its PGs takes seconds); each
// test uses its own object names.
let pool: Promise<string> | undefined;
function sharedPool(cluster: RadosCluster): Promise<string> {
  return pool ??= cluster.poolCreate("mgrd-test").then(() => "mgrd-test");
}

async function withPool(fn: (cluster: RadosCluster, pool: string) => Promise<void>) {
  await using cluster = await connectDev();
  await fn(cluster, await sharedPool(cluster));
}

Deno.test({
  name: "pools are created, listed, looked up and deleted",
  ...realCluster,
  fn: async () => {
    await using cluster = await connectDev();
    const pool = `mgrd-test-${crypto.randomUUID().slice(0, 8)}`;
    await cluster.poolCreate(pool);
    assert.equal((await radosFailure(cluster.poolCreate(pool))).errno, -EEXIST);
    assert.ok((await cluster.poolList()).includes(pool));
    const id = await cluster.poolLookup(pool);
    const dump = (await cluster.monCommand({ prefix: "osd dump", format: "json" })).json<
      { pools: { pool: number; pool_name: string }[] }
    >();
    assert.equal(dump.pools.find((p) => p.pool_name === pool)?.pool, id);
    await cluster.poolDelete(pool);
    assert.ok(!(await cluster.poolList()).includes(pool));
    const e = await radosFailure(cluster.poolLookup(pool));
    assert.equal(e.errno, -ENOENT);
    assert.equal(e.message, `rados_pool_lookup: Error ENOENT: pool '${pool}'`);
    assert.equal((await radosFailure(cluster.openIoctx(pool))).errno, -ENOENT);
  },
});

Deno.test({
  name: "an object is written, stat'ed, read whole, listed and removed",
  ...realCluster,
  fn: () =>
    withPool(async (cluster, pool) => {
      await using io = await cluster.openIoctx(pool);
      assert.equal(io.pool, pool);
      const big = new Uint8Array(300_000).map((_, i) => i % 251);
      await io.writeFull("rw/big", big);
      await io.writeFull("rw/small", "hello");
      await io.writeFull("rw/empty", new Uint8Array());
      assert.equal((await io.stat("rw/big")).size, big.length);
      assert.ok((await io.stat("rw/small")).mtime > 1_600_000_000);
      assert.deepEqual(await io.read("rw/big"), big);
      assert.equal(new TextDecoder().decode(await io.read("rw/small")), "hello");
      assert.equal((await io.read("rw/empty")).length, 0);
      // write_full replaces the whole object.
      await io.writeFull("rw/big", "x");
      assert.equal(new TextDecoder().decode(await io.read("rw/big")), "x");
      const names = (await io.listObjects()).map((o) => o.name).filter((n) => n.startsWith("rw/"))
        .sort();
      assert.deepEqual(names, ["rw/big", "rw/empty", "rw/small"]);
      await io.remove("rw/small");
      assert.equal((await radosFailure(io.stat("rw/small"))).errno, -ENOENT);
      const e = await radosFailure(io.read("rw/small"));
      assert.equal(e.message, "rados_stat: Error ENOENT: rw/small");
      assert.equal((await radosFailure(io.remove("rw/small"))).errno, -ENOENT);
      const left = (await io.listObjects()).map((o) => o.name).filter((n) => n.startsWith("rw/"));
      assert.deepEqual(left.sort(), ["rw/big", "rw/empty"]);
    }),
});

Deno.test({
  name: "omap entries are set, read back sorted, paged by prefix and start, and removed",
  ...realCluster,
  fn: () =>
    withPool(async (cluster, pool) => {
      await using io = await cluster.openIoctx(pool);
      assert.equal((await radosFailure(io.getOmap("omap/store"))).errno, -ENOENT);
      const entries = new Map<string, string>();
      for (let i = 0; i < 2500; i++) entries.set(`k/${String(i).padStart(4, "0")}`, `v${i}`);
      await io.setOmap("omap/store", entries);
      await io.setOmap("omap/store", { "other/bin": new Uint8Array([0, 255, 0]), "other/é": "ü" });
      const all = await io.getOmap("omap/store");
      assert.equal(all.size, 2502);
      assert.deepEqual([...all.keys()].slice(0, 2), ["k/0000", "k/0001"]);
      assert.deepEqual(all.get("other/bin"), new Uint8Array([0, 255, 0]));
      assert.equal(new TextDecoder().decode(all.get("other/é")), "ü");
      const some = await io.getOmap("omap/store", { prefix: "k/", startAfter: "k/0997", max: 3 });
      assert.deepEqual(
        [...some].map(([k, v]) => [k, new TextDecoder().decode(v)]),
        [["k/0998", "v998"], ["k/0999", "v999"], ["k/1000", "v1000"]],
      );
      await io.removeOmapKeys("omap/store", ["other/bin", "k/0000", "absent"]);
      const rest = await io.getOmap("omap/store", { prefix: "other/" });
      assert.deepEqual([...rest.keys()], ["other/é"]);
      assert.equal((await io.getOmap("omap/store", { prefix: "k/" })).size, 2499);
    }),
});

Deno.test({
  name: "an exclusive lock refuses a second client until it is released",
  ...realCluster,
  fn: () =>
    withPool(async (cluster, pool) => {
      await using io = await cluster.openIoctx(pool);
      await using other = await connectDev();
      await using io2 = await other.openIoctx(pool);
      await io.lockExclusive("lock/leader", "mgrd", "cookie", { description: "active mgrd" });
      const held = await radosFailure(io2.lockExclusive("lock/leader", "mgrd", "cookie"));
      assert.equal(held.errno, -EBUSY);
      assert.equal(held.message, "rados_lock_exclusive: Error EBUSY: lock 'mgrd' on lock/leader");
      // The holder itself: EEXIST, unless it renews.
      assert.equal(
        (await radosFailure(io.lockExclusive("lock/leader", "mgrd", "cookie"))).errno,
        -EEXIST,
      );
      await io.lockExclusive("lock/leader", "mgrd", "cookie", { renew: true, durationSeconds: 60 });
      // The other client cannot release it.
      assert.equal(
        (await radosFailure(io2.unlock("lock/leader", "mgrd", "cookie"))).errno,
        -ENOENT,
      );
      await io.unlock("lock/leader", "mgrd", "cookie");
      await io2.lockExclusive("lock/leader", "mgrd", "cookie");
      assert.equal(
        (await radosFailure(io.lockExclusive("lock/leader", "mgrd", "cookie"))).errno,
        -EBUSY,
      );
      await io2.unlock("lock/leader", "mgrd", "cookie");
    }),
});

Deno.test({
  name: "an exclusive lock with a duration passes to a second client once it lapses",
  ...realCluster,
  fn: () =>
    withPool(async (cluster, pool) => {
      await using io = await cluster.openIoctx(pool);
      await using other = await connectDev();
      await using io2 = await other.openIoctx(pool);
      await io.lockExclusive("lapse/leader", "mgrd", "a", { durationSeconds: 2 });
      assert.equal(
        (await radosFailure(io2.lockExclusive("lapse/leader", "mgrd", "b"))).errno,
        -EBUSY,
      );
      // Nobody releases it: it lapses after 2 s.
      await until("the lock to lapse", async () => {
        try {
          await io2.lockExclusive("lapse/leader", "mgrd", "b", { durationSeconds: 30 });
          return true;
        } catch (e) {
          if ((e as { errno?: number }).errno === -EBUSY) return false;
          throw e;
        }
      }, 30);
      assert.equal(
        (await radosFailure(io.lockExclusive("lapse/leader", "mgrd", "a"))).errno,
        -EBUSY,
      );
    }),
});

Deno.test({
  name: "object calls from many async tasks at once all land, and close waits for them",
  ...realCluster,
  fn: () =>
    withPool(async (cluster, pool) => {
      const io = await cluster.openIoctx(pool);
      const names = Array.from({ length: 32 }, (_, i) => `many/obj-${i}`);
      const writes = names.map((n) => io.writeFull(n, n));
      const closed = io.close();
      // Calls made after close() was asked for are refused; those before it all complete.
      assert.equal((await radosFailure(io.stat("many/obj-0"))).code, "ECANCELED");
      await Promise.all(writes);
      await closed;
      await using again = await cluster.openIoctx(pool);
      const read = await Promise.all(names.map((n) => again.read(n)));
      assert.deepEqual(read.map((b) => new TextDecoder().decode(b)), names);
    }),
});
