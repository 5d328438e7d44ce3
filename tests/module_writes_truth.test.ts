import assert from "node:assert/strict";
import { EFBIG, ETIMEDOUT, MgrModule, MonWriteError, Option } from "mgr_module";
import { startTestCluster } from "mgr_module/testing";

class Keeper extends MgrModule {
  static override MODULE_OPTIONS = [Option({ name: "level", type: "int", default: 1 })];
  override async serve(): Promise<void> {
    while (!this.shutting_down) await this.sleep(1);
  }
}

const SMALL = { hosts: 1, osdsPerHost: 1, pools: [{ name: "rbd", pgNum: 8 }] };

async function keeperCluster() {
  const c = await startTestCluster({
    builtins: { keeper: { Keeper } },
    initialModules: ["keeper"],
    cluster: SMALL,
  });
  const keeper = c.manager.host.instance("keeper") as Keeper;
  const monValue = (key: string) =>
    c.mon.handleCommand({ prefix: "config-key get", key: `mgr/keeper/${key}` });
  return { c, keeper, monValue };
}

Deno.test("set_store of a value over the mon's entry size limit rejects with EFBIG and the module reads the committed value", async () => {
  const { c, keeper, monValue } = await keeperCluster();
  try {
    await keeper.set_store("blob", "small");
    const big = "x".repeat(70_000);
    await assert.rejects(keeper.set_store("blob", big), (e: unknown) => {
      assert.ok(e instanceof MonWriteError);
      assert.equal(e.errno, -EFBIG);
      assert.match(e.message, /entry size limited to 65536 bytes/);
      return true;
    });
    assert.equal(keeper.get_store("blob"), "small");
    assert.equal(monValue("blob").outb, "small");
  } finally {
    await c.stop();
  }
});

Deno.test("a write during a mon outage longer than the bound rejects with ETIMEDOUT and the module reads the committed value", async () => {
  const { c, keeper, monValue } = await keeperCluster();
  try {
    await keeper.set_store("foo", "committed");
    await keeper.set_module_option("level", 2);
    c.cluster!.monOutage(90);
    await c.run(1);
    const store = keeper.set_store("foo", "LOST");
    const option = keeper.set_module_option("level", 3);
    // Not visible before the mon takes it.
    assert.equal(keeper.get_store("foo"), "committed");
    const settled = Promise.allSettled([store, option]);
    await c.run(61);
    const [s, o] = await settled;
    for (const r of [s, o]) {
      assert.equal(r.status, "rejected");
      const e = (r as PromiseRejectedResult).reason;
      assert.ok(e instanceof MonWriteError, String(e));
      assert.equal(e.errno, -ETIMEDOUT);
      assert.match(e.message, /timed out after 60s waiting for the mon/);
    }
    assert.equal(keeper.get_store("foo"), "committed");
    assert.equal(keeper.get_module_option("level"), 2);
    await c.run(40);
    assert.equal(c.cluster!.monReachable(), true);
    assert.equal(monValue("foo").outb, "committed");
    assert.equal(keeper.get_store("foo"), "committed");
    // Retried once the mon is back, the write commits.
    await keeper.set_store("foo", "retried");
    assert.equal(keeper.get_store("foo"), "retried");
    assert.equal(monValue("foo").outb, "retried");
  } finally {
    await c.stop();
  }
});

Deno.test("thousands of unawaited writes leave the event loop turning between them, and all commit", async () => {
  const { c, keeper, monValue } = await keeperCluster();
  try {
    const atMon = () =>
      (JSON.parse(c.mon.handleCommand({ prefix: "config-key ls" }).outb) as string[])
        .filter((k) => k.startsWith("mgr/keeper/flood/")).length;
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 3000; i++) writes.push(keeper.set_store(`flood/${i}`, String(i)));
    // A timer stands for the admin endpoint's next request: it must run before the flood ends.
    const whenTimerRan = await new Promise<number>((r) => setTimeout(() => r(atMon()), 0));
    await Promise.all(writes);
    assert.ok(
      whenTimerRan < 3000,
      `${whenTimerRan} of 3000 writes had committed when the timer ran`,
    );
    assert.equal(atMon(), 3000);
    assert.equal(keeper.get_store("flood/2999"), "2999");
    assert.equal(monValue("flood/2999").outb, "2999");
  } finally {
    await c.stop();
  }
});
