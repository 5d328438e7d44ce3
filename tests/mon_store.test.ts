import assert from "node:assert/strict";
import fc from "fast-check";
import { MonStore } from "../sim/mon/mon_store.ts";
import { EmbeddedMon } from "../sim/mon/mon.ts";

async function withTempDir(fn: (dir: string) => void | Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mgrd-mon-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const OPTS = { alwaysOnModules: ["balancer", "crash"], now: () => 1_795_000_000 };

Deno.test("the mon's config, config-key and MgrMap survive close and reopen", async () => {
  await withTempDir((dir) => {
    const path = `${dir}/mon/store.db`;
    let mon = EmbeddedMon.open(path, OPTS);
    mon.handleCommand({ prefix: "config set", who: "mgr", name: "mgr_stats_period", value: "9" });
    mon.handleCommand({ prefix: "config-key set", key: "mgr/m/k", val: "v" });
    mon.beacon({ gid: 7, name: "x", available: true, available_modules: [] });
    mon.handleCommand({ prefix: "mgr module enable", module: "m", force: true });
    const before = mon.snapshot();
    mon.close();
    mon = EmbeddedMon.open(path, OPTS);
    assert.deepEqual(mon.snapshot(), before);
    assert.equal(
      mon.handleCommand({ prefix: "config get", who: "mgr.x", key: "mgr_stats_period" }).outb,
      "9\n",
    );
    assert.equal(mon.mgrMap().epoch, before.mgrMap.epoch, "reopening makes no new epoch");
    mon.close();
  });
});

Deno.test("a write acknowledged before an abrupt stop is in the store when it is opened again", async () => {
  await withTempDir((dir) => {
    const path = `${dir}/store.db`;
    const first = MonStore.open(path);
    for (let i = 0; i < 100; i++) first.setKv(`mgr/m/${i}`, `v${i}`);
    first.setConfig({ section: "mgr", name: "x", value: "1", mask: "" });
    first.putMgrMap({
      epoch: 3,
      active_gid: 0,
      active_name: "",
      active_addrs: { addrvec: [] },
      active_addr: ":/0",
      active_change: "0.000000",
      active_mgr_features: 0,
      available: false,
      standbys: [],
      modules: ["a"],
      available_modules: [],
      services: {},
      always_on_modules: {},
      last_failure_osd_epoch: 0,
      active_clients: [],
    });
    // The first handle is never closed: a second process opens the same file.
    const second = MonStore.open(path);
    assert.equal(second.kvSize, 100);
    assert.equal(second.getKv("mgr/m/99"), "v99");
    assert.equal(second.getConfig("mgr", "", "x")?.value, "1");
    assert.equal(second.mgrMap()?.epoch, 3);
    assert.deepEqual(second.mgrMapAt(3)?.modules, ["a"]);
    second.close();
    first.close();
  });
});

Deno.test("the store file is in WAL mode", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/store.db`;
    const s = MonStore.open(path);
    s.setKv("k", "v");
    const { DatabaseSync } = await import("node:sqlite");
    const db = new DatabaseSync(path);
    assert.equal(db.prepare("PRAGMA journal_mode").get()?.journal_mode, "wal");
    db.close();
    s.close();
  });
});

Deno.test("a failed transaction rolls back both the database and the in-memory view", () => {
  const s = MonStore.open(":memory:");
  s.setKv("a", "1");
  assert.throws(() =>
    s.transaction(() => {
      s.setKv("a", "2");
      s.setKv("b", "3");
      throw new Error("boom");
    }), /boom/);
  assert.equal(s.getKv("a"), "1");
  assert.equal(s.getKv("b"), undefined);
  s.close();
});

Deno.test("property: random config-key set/rm sequences, then reopen, give the in-memory model's state", async () => {
  const seed = Number(Deno.env.get("FC_SEED") ?? Date.now() % 2 ** 31);
  console.log(`fast-check seed ${seed} (replay: FC_SEED=${seed} deno task test)`);
  const dir = await Deno.makeTempDir({ prefix: "mgrd-mon-prop-" });
  try {
    let run = 0;
    const key = fc.constantFrom("mgr/a/k", "mgr/a/k2", "mgr/b/x", "other/y", "mgr/a/ü");
    const op = fc.oneof(
      fc.record({ kind: fc.constant("set" as const), key, value: fc.string({ maxLength: 12 }) }),
      fc.record({ kind: fc.constant("rm" as const), key }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const path = `${dir}/run${run++}.db`;
        const model = new Map<string, string>();
        let mon = EmbeddedMon.open(path, OPTS);
        for (const o of ops) {
          if (o.kind === "set") {
            const r = mon.handleCommand({ prefix: "config-key set", key: o.key, val: o.value });
            assert.equal(r.r, 0);
            model.set(o.key, o.value);
          } else {
            assert.equal(mon.handleCommand({ prefix: "config-key rm", key: o.key }).r, 0);
            model.delete(o.key);
          }
        }
        mon.close();
        mon = EmbeddedMon.open(path, OPTS);
        const keys = JSON.parse(mon.handleCommand({ prefix: "config-key ls" }).outb);
        assert.deepEqual(new Set(keys), new Set(model.keys()));
        for (const [k, v] of model) {
          assert.deepEqual(mon.handleCommand({ prefix: "config-key get", key: k }), {
            r: 0,
            outb: v,
            outs: "",
          });
        }
        mon.close();
      }),
      { seed, numRuns: 60 },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
