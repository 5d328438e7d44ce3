import assert from "node:assert/strict";
import { startTestCluster } from "../sim/testing.ts";
import { moduleWorkers } from "../daemon/module_workers.ts";
import { moduleProcesses } from "../daemon/module_processes.ts";

const PROBES = new URL("./fixtures/sdk_probe/", import.meta.url).pathname;

for (
  const [where, isolation] of [
    ["a Worker", moduleWorkers],
    ["a process of its own", moduleProcesses],
  ] as const
) {
  Deno.test(`a module in ${where} gets the same answer from every SDK method as the same module in-process, on the same cluster`, async () => {
    let pid: number | undefined;
    const workers = isolation();
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
      pid = c.manager.host.isolated("probe_w")!.pid;
      if (where === "a process of its own") {
        assert.ok(pid !== undefined && pid !== Deno.pid, "probe_w has a process of its own");
        assert.match(await Deno.readTextFile(`/proc/${pid}/cmdline`), /process_main\.ts/);
      } else assert.equal(pid, undefined);
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
    if (pid !== undefined) {
      await assert.rejects(Deno.stat(`/proc/${pid}`), Deno.errors.NotFound, "stopped, it is gone");
    }
  });
}
