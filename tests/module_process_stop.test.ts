import assert from "node:assert/strict";
import { startTestCluster, type TestCluster } from "../sim/testing.ts";
import { moduleProcesses } from "../daemon/module_processes.ts";

const FIXTURES = new URL("./fixtures/module_process/", import.meta.url).pathname;

const exists = (pid: number) => Deno.stat(`/proc/${pid}`).then(() => true, () => false);

async function withModules(fn: (c: TestCluster) => Promise<void>) {
  const c = await startTestCluster({
    modulePaths: [FIXTURES],
    initialModules: ["scribbler", "steady"],
    cluster: { hosts: 1, osdsPerHost: 2, pools: [{ name: "rbd", pgNum: 8 }] },
    isolation: moduleProcesses(),
  });
  try {
    await c.manager.host.isolated("scribbler")!.ready;
    await c.manager.host.isolated("steady")!.ready;
    await c.run(5);
    await fn(c);
  } finally {
    await c.stop();
  }
}

function moduleError(c: TestCluster, module: string): string | undefined {
  const check = c.manager.host.hostHealth().MGR_MODULE_ERROR;
  return check?.detail.map((d) => d.message).find((m) => m.startsWith(`Module '${module}'`));
}

Deno.test("a module process that writes past the frames on its stdout fails its module, is ended, and leaves the others answering", async () => {
  await withModules(async (c) => {
    const pid = c.manager.host.isolated("scribbler")!.pid!;
    assert.ok(await exists(pid));
    const r = await c.command({ prefix: "scribbler scribble" });
    assert.notEqual(r.r, 0, "its command is not answered as if nothing happened");
    assert.match(moduleError(c, "scribbler") ?? "", /garbled its channel/);
    await c.manager.host.isolated("scribbler")!.ended;
    assert.equal(await exists(pid), false, "its process is gone");
    const steady = await c.command({ prefix: "steady epoch" });
    assert.equal(steady.r, 0, steady.outs);
    assert.ok(Number(steady.outb) > 0);
  });
});

Deno.test("a module process that ends on its own (SIGKILL from outside) fails its module, and its command answers at once", async () => {
  await withModules(async (c) => {
    const steady = c.manager.host.isolated("steady")!;
    Deno.kill(steady.pid!, "SIGKILL");
    await steady.ended;
    // Its end is heard once the runtime has reaped it.
    for (let i = 0; i < 100 && moduleError(c, "steady") === undefined; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.match(moduleError(c, "steady") ?? "", /ended on its own \(signal SIGKILL\)/);
    const r = await c.command({ prefix: "steady epoch" });
    assert.equal(r.r, -5, r.outs);
    const other = c.manager.host.isolated("scribbler")!;
    assert.ok(await exists(other.pid!), "the other module's process runs on");
  });
});
