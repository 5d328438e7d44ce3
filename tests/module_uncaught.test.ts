import assert from "node:assert/strict";
import { startTestCluster } from "mgr_module/testing";

const UNRULY = new URL("./fixtures/unruly/", import.meta.url).pathname;
const realTime = (ms: number) => new Promise((r) => setTimeout(r, ms));

function moduleError(c: Awaited<ReturnType<typeof startTestCluster>>): string {
  const check = c.manager.health().checks.MGR_MODULE_ERROR;
  return check ? check.detail.map((d) => d.message).join("\n") : "";
}

Deno.test("an unawaited rejection in a module marks that module failed and the manager serves on", async () => {
  const c = await startTestCluster({
    modulePaths: [UNRULY],
    initialModules: ["rejecter", "timerthrow"],
  });
  try {
    await c.run(1);
    assert.equal((await c.command({ prefix: "rejecter ping" })).outb, "pong");
    await c.run(3);
    await realTime(20);
    assert.match(
      moduleError(c),
      /Module 'rejecter' has failed: unhandled rejection: rejecter forgot to await this/,
    );
    const r = await c.command({ prefix: "rejecter ping" });
    assert.equal(r.r, -5);
    // The other module was not touched.
    assert.equal((await c.command({ prefix: "timerthrow ping" })).outb, "pong");
    assert.ok(c.log.recent.some((l) => l.includes("Unhandled exception from module 'rejecter'")));
  } finally {
    await c.stop();
  }
});

Deno.test("a throw in a module's timer marks that module failed and the manager serves on", async () => {
  const c = await startTestCluster({ modulePaths: [UNRULY], initialModules: ["timerthrow"] });
  try {
    await c.run(1);
    assert.equal((await c.command({ prefix: "timerthrow arm" })).outb, "armed");
    await realTime(30);
    await c.run(1);
    assert.match(
      moduleError(c),
      /Module 'timerthrow' has failed: uncaught exception: timerthrow threw in a timer/,
    );
    assert.equal((await c.command({ prefix: "timerthrow ping" })).r, -5);
    assert.equal((await c.command({ prefix: "mgr module ls" })).r, 0);
  } finally {
    await c.stop();
  }
});
