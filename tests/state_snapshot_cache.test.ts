/**
 * Snapshots, not copies: one frozen object per source version, shared by every caller;
 * private copies on request.
 */
import assert from "node:assert/strict";
import { deepFreeze, SnapshotCache } from "../core/state/snapshot_cache.ts";

function osdMapSource() {
  const state = { epoch: 1, computes: 0 };
  const source = {
    name: "osd_map",
    version: () => state.epoch,
    compute: () => {
      state.computes++;
      return { epoch: state.epoch, osds: [{ osd: 0, up: 1, addrs: { addrvec: [{ nonce: 0 }] } }] };
    },
  };
  return { state, source };
}

Deno.test("get() returns the identical frozen object until the version changes, then a new one", () => {
  const { state, source } = osdMapSource();
  const cache = new SnapshotCache();
  cache.register(source);
  const a = cache.get("osd_map") as { epoch: number };
  assert.equal(cache.get("osd_map"), a);
  assert.equal(cache.get("osd_map"), a);
  assert.equal(state.computes, 1);
  state.epoch = 2;
  const b = cache.get("osd_map") as { epoch: number };
  assert.notEqual(b, a);
  assert.equal(b.epoch, 2);
  assert.equal(a.epoch, 1, "the old snapshot is untouched");
  assert.equal(cache.get("osd_map"), b);
  assert.equal(state.computes, 2);
});

Deno.test("mutating a returned snapshot throws at every depth (strict mode)", () => {
  const { source } = osdMapSource();
  const cache = new SnapshotCache();
  cache.register(source);
  // deno-lint-ignore no-explicit-any
  const v = cache.get("osd_map") as any;
  assert.throws(() => {
    v.epoch = 9;
  }, TypeError);
  assert.throws(() => {
    v.osds.push({});
  }, TypeError);
  assert.throws(() => {
    v.osds[0].addrs.addrvec[0].nonce = 1;
  }, TypeError);
  assert.throws(() => {
    delete v.osds[0].up;
  }, TypeError);
});

Deno.test("mutable() gives an independent, unfrozen copy each call", () => {
  const { source } = osdMapSource();
  const cache = new SnapshotCache();
  cache.register(source);
  // deno-lint-ignore no-explicit-any
  const copy = cache.mutable("osd_map") as any;
  assert.ok(!Object.isFrozen(copy) && !Object.isFrozen(copy.osds[0]));
  copy.osds[0].up = 0;
  copy.epoch = 99;
  assert.deepEqual(cache.get("osd_map"), {
    epoch: 1,
    osds: [{ osd: 0, up: 1, addrs: { addrvec: [{ nonce: 0 }] } }],
  });
  assert.notEqual(cache.mutable("osd_map"), copy);
  assert.equal(cache.mutable("no_such_thing"), null);
});

Deno.test("unknown names answer null; has/names/unregister describe the registry", () => {
  const cache = new SnapshotCache();
  assert.equal(cache.get("no_such_thing"), null);
  cache.register(osdMapSource().source);
  cache.view("derived", 1, () => ({}));
  assert.ok(cache.has("osd_map"));
  assert.ok(!cache.has("derived"), "a view() name is not a get() name");
  assert.deepEqual(cache.names(), ["osd_map"]);
  assert.equal(cache.get("derived"), null);
  assert.ok(cache.unregister("osd_map"));
  assert.equal(cache.get("osd_map"), null);
  assert.throws(() => cache.register({ name: "", version: () => 0, compute: () => 0 }), /name/);
});

Deno.test("view() computes once per version and freezes the result", () => {
  const cache = new SnapshotCache();
  let calls = 0;
  const compute = () => ({ n: ++calls, list: [[1, 2]] });
  const a = cache.view("pg_summary", 7, compute);
  assert.equal(cache.view("pg_summary", 7, compute), a);
  assert.equal(calls, 1);
  assert.ok(Object.isFrozen(a.list[0]));
  const b = cache.view("pg_summary", 8, compute);
  assert.notEqual(b, a);
  assert.equal(b.n, 2);
  // Versions need not grow: any other number is another version.
  assert.notEqual(cache.view("pg_summary", 7, compute), b);
});

Deno.test("erase() drops a cached view so the next read recomputes", () => {
  const { state, source } = osdMapSource();
  const cache = new SnapshotCache();
  cache.register(source);
  const a = cache.get("osd_map");
  assert.ok(cache.erase("osd_map"));
  assert.equal(cache.erase("osd_map"), false);
  assert.notEqual(cache.get("osd_map"), a);
  assert.equal(state.computes, 2);
});

Deno.test("a throwing compute propagates and caches nothing", () => {
  const cache = new SnapshotCache();
  let fail = true;
  cache.register({
    name: "df",
    version: () => 1,
    compute: () => {
      if (fail) throw new Error("no pg stats yet");
      return { stats: {} };
    },
  });
  assert.throws(() => cache.get("df"), /no pg stats yet/);
  fail = false;
  assert.deepEqual(cache.get("df"), { stats: {} });
});

Deno.test("deepFreeze skips frozen subtrees and typed arrays, and passes primitives through", () => {
  const shared = Object.freeze({ inner: { x: 1 } }); // frozen shell over an unfrozen child
  const v = deepFreeze({ shared, bytes: new Uint8Array(2), s: "x" });
  assert.ok(Object.isFrozen(v));
  assert.ok(!Object.isFrozen(shared.inner), "an already-frozen object is trusted, not walked");
  v.bytes[0] = 5; // typed arrays cannot be frozen; left writable rather than throwing
  assert.equal(v.bytes[0], 5);
  assert.equal(deepFreeze(3), 3);
  assert.equal(deepFreeze(null), null);
});

Deno.test("a view of 100,000 nested objects is frozen without exhausting the stack", () => {
  let deep: Record<string, unknown> = {};
  const root = deep;
  for (let i = 0; i < 100_000; i++) deep = (deep.next = {}) as Record<string, unknown>;
  const cache = new SnapshotCache();
  const v = cache.view("deep", 1, () => root);
  assert.ok(Object.isFrozen(deep) && Object.isFrozen(v));
});

Deno.test("get(name, {mutable: true}) shares nothing between places: editing one PG's blocked_by leaves the others", async () => {
  const { startTestCluster } = await import("mgr_module/testing");
  const c = await startTestCluster({
    cluster: { hosts: 3, osdsPerHost: 1, pools: [{ name: "p", pgNum: 8 }] },
  });
  try {
    await c.run(10);
    const frozen = c.manager.get("pg_dump") as { pg_stats: { blocked_by: number[] }[] };
    // The snapshot itself shares one frozen empty array between entries, as the dump builds it.
    assert.equal(frozen.pg_stats[0]!.blocked_by, frozen.pg_stats[1]!.blocked_by);
    const copy = c.manager.get("pg_dump", true) as typeof frozen;
    copy.pg_stats[0]!.blocked_by.push(7);
    assert.deepEqual(copy.pg_stats[1]!.blocked_by, []);
    assert.deepEqual(frozen.pg_stats[0]!.blocked_by, []);
    assert.ok(!Object.isFrozen(copy.pg_stats[1]));
  } finally {
    await c.stop();
  }
});
