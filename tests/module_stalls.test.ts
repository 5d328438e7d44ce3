import assert from "node:assert/strict";
import { CLIReadCommand, HandleCommandResult, MgrModule } from "mgr_module";
import { startTestCluster } from "mgr_module/testing";

/** Spins synchronously for the given milliseconds of wall time. */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* hold the thread */ }
}
const realTime = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Spinner extends MgrModule {
  @CLIReadCommand("spinner spin", { args: { ms: "int" } })
  spinFor({ ms }: { ms: number }): HandleCommandResult {
    spin(ms);
    return new HandleCommandResult(0, "spun");
  }
  @CLIReadCommand("spinner ping")
  ping(): HandleCommandResult {
    return new HandleCommandResult(0, "pong");
  }
}

class Hanger extends MgrModule {
  @CLIReadCommand("hanger hang")
  hang(): Promise<HandleCommandResult> {
    return new Promise(() => {});
  }
  @CLIReadCommand("hanger ping")
  ping(): HandleCommandResult {
    return new HandleCommandResult(0, "pong");
  }
}

class Steady extends MgrModule {
  @CLIReadCommand("steady ping")
  ping(): HandleCommandResult {
    return new HandleCommandResult(0, "pong");
  }
}

/** Ignores shutting_down: Ceph's `while True: self._event.wait(1)` mistake. */
class Looper extends MgrModule {
  static afterShutdown = 0;
  override async serve(): Promise<void> {
    while (true) {
      await this.sleep(1);
      if (this.shutting_down) Looper.afterShutdown++;
    }
  }
}

function moduleError(c: Awaited<ReturnType<typeof startTestCluster>>): string {
  const check = c.manager.health().checks.MGR_MODULE_ERROR;
  return check ? check.detail.map((d) => d.message).join("\n") : "";
}

Deno.test("a module that holds the thread past the bound is reported with how long, stopped, and the others answer", async () => {
  const c = await startTestCluster({
    builtins: { spinner: { Spinner }, steady: { Steady } },
    initialModules: ["spinner", "steady"],
  });
  try {
    const r = await c.command({ prefix: "spinner spin", ms: 2500 });
    assert.equal(r.outb, "spun");
    await realTime(20);
    assert.match(
      moduleError(c),
      /Module 'spinner' has failed: blocked the manager for 2\.\ds in command 'spinner spin'/,
    );
    assert.equal((await c.command({ prefix: "spinner ping" })).r, -5);
    assert.equal((await c.command({ prefix: "steady ping" })).outb, "pong");
    // A short computation is only logged.
    const short = await c.command({ prefix: "steady ping" });
    assert.equal(short.r, 0);
  } finally {
    await c.stop();
  }
});

Deno.test("a handler that never resolves: it and the commands behind it answer ETIMEDOUT, health names it", async () => {
  const c = await startTestCluster({
    builtins: { hanger: { Hanger }, steady: { Steady } },
    initialModules: ["hanger", "steady"],
  });
  try {
    const hung = c.manager.command({ prefix: "hanger hang" });
    const behind = c.manager.command({ prefix: "hanger ping" });
    await c.run(61);
    const [a, b] = await Promise.all([hung, behind]);
    assert.equal(a.r, -110);
    assert.match(a.outs, /Module 'hanger' did not answer 'hanger hang' within 60s/);
    assert.equal(b.r, -110);
    assert.match(b.outs, /still running command 'hanger hang' \(for 6\ds\)/);
    assert.match(
      moduleError(c),
      /Module 'hanger' has failed: command 'hanger hang' has not returned for 6\ds/,
    );
    // The other modules are not held.
    assert.equal((await c.command({ prefix: "steady ping" })).outb, "pong");
  } finally {
    await c.stop();
  }
});

Deno.test("a disabled module whose serve() ignores shutting_down stops instead of spinning", async () => {
  const c = await startTestCluster({
    builtins: { looper: { Looper } },
    initialModules: ["looper"],
  });
  try {
    await c.run(3);
    // Not c.command(): it waits for the manager to settle, and the module's stop takes
    // virtual time, which only c.run() moves.
    const disabling = c.manager.command({ prefix: "mgr module disable", module: "looper" });
    await c.run(8);
    const r = await disabling;
    assert.equal(r.r, 0, r.outs);
    assert.deepEqual(c.manager.host.activeNames(), []);
    // Woken once by the shutdown, then its next sleep ends the loop.
    assert.ok(Looper.afterShutdown <= 1, `${Looper.afterShutdown} iterations after shutdown`);
    assert.ok(c.log.recent.some((l) => l.includes("Stopped module looper")));
  } finally {
    await c.stop();
  }
});
