import assert from "node:assert/strict";
import { startTestCluster } from "../sim/testing.ts";
import { moduleWorkers } from "../daemon/module_workers.ts";

const PROBES = new URL("./fixtures/sdk_probe/", import.meta.url).pathname;

Deno.test("a module in a Worker gets the same answer from every SDK method as the same module in-process, on the same cluster", async () => {
  const workers = moduleWorkers();
  const c = await startTestCluster({
    modulePaths: [PROBES],
    initialModules: ["probe_p", "probe_w"],
    cluster: { hosts: 2, osdsPerHost: 2, pools: [{ name: "rbd", pgNum: 32 }] },
    isolation: { ...workers, isolates: (record) => record.name === "probe_w" },
  });
  try {
    await c.run(30);
    assert.ok(c.manager.host.instance("probe_p"), "probe_p runs in-process");
    assert.ok(c.manager.host.isolated("probe_w"), "probe_w runs in a Worker");
    await c.manager.host.isolated("probe_w")!.ready;
    const inProcess = await c.command({ prefix: "probe_p run" });
    const inWorker = await c.command({ prefix: "probe_w run" });
    assert.equal(inProcess.r, 0, inProcess.outs);
    assert.equal(inWorker.r, 0, inWorker.outs);
    const a = JSON.parse(inProcess.outb) as Record<string, unknown>;
    const b = JSON.parse(inWorker.outb) as Record<string, unknown>;
    assert.deepEqual(Object.keys(b), Object.keys(a));
    const differ = Object.keys(a).filter((key) => {
      try {
        assert.deepEqual(b[key], a[key]);
        return false;
      } catch {
        return true;
      }
    });
    assert.deepEqual(
      differ.map((key) => [key, b[key]]),
      differ.map((key) => [key, a[key]]),
      `answers differ: ${differ.join(", ")}`,
    );
    // Both are the answers of a real cluster, not of an empty one.
    assert.equal((a["get osd_map"] as { epoch: number }).epoch > 0, true);
    assert.equal(typeof a["now"], "number");
    assert.deepEqual(a["cephfs"], [true, 1], "this.cephfs made, saw and removed a directory");
    assert.equal(a["uuid4"], true, "this.uuid4() drew a version 4 UUID");
  } finally {
    await c.stop();
  }
});
