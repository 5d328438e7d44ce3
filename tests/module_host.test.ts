import assert from "node:assert/strict";
import {
  CLICheckNonemptyFileInput,
  CLIReadCommand,
  CLIWriteCommand,
  HandleCommandResult,
  MgrModule,
  NotifyType,
} from "mgr_module";
import { referenceCli } from "./_reference.ts";
import { startTestCluster } from "mgr_module/testing";

class Steady extends MgrModule {
  ticks = 0;
  @CLIReadCommand("steady ping", { desc: "answer pong" })
  ping(): HandleCommandResult {
    return new HandleCommandResult(0, "pong");
  }
  override async serve(): Promise<void> {
    while (!this.shutting_down) {
      this.ticks++;
      await this.sleep(1);
    }
  }
}

class AnchorFail extends MgrModule {
  @CLIReadCommand("anchorfail ping")
  ping(): HandleCommandResult {
    return new HandleCommandResult(0, "pong");
  }
  override async serve(): Promise<void> {
    await this.sleep(1);
    throw new Error("anchorfail deliberately raised in serve()");
  }
}

class AnchorNoRun extends MgrModule {
  static override can_run(): [boolean, string] {
    return [false, "anchornorun: deliberately cannot run (missing fake dependency)"];
  }
  @CLIReadCommand("anchornorun ping")
  ping(): HandleCommandResult {
    return new HandleCommandResult(0, "pong");
  }
}

class Probe extends MgrModule {
  static override COMMANDS = [
    { cmd: "anchorprobe err name=kind,type=CephString", desc: "errors", perm: "r" },
  ];
  override handle_command(_inbuf: string, cmd: Record<string, unknown>) {
    switch (cmd.kind) {
      case "einval":
        return [-22, "some-stdout", "some-stderr EINVAL"] as [number, string, string];
      case "hcr":
        return new HandleCommandResult(-1, "out", "EPERM via HandleCommandResult");
      case "tuple":
        return [-2, "", "not found (ENOENT)"] as [number, string, string];
      case "wrong":
        return "nope" as unknown as HandleCommandResult;
      default:
        throw new Error("anchorprobe err raise: handler raised");
    }
  }
  @CLIWriteCommand("anchorprobe load", { desc: "load a file" })
  @CLICheckNonemptyFileInput("the data")
  load(_args: Record<string, never>, inbuf: string): HandleCommandResult {
    return new HandleCommandResult(0, `got ${JSON.stringify(inbuf)}`);
  }
}

const MODULES = {
  steady: { Steady },
  anchorfail: { AnchorFail },
  anchornorun: { AnchorNoRun },
  anchorprobe: { Probe },
};

function cliError(name: string): { r: number; outs: string } {
  const ref = referenceCli(name);
  return { r: -ref.rc, outs: ref.stderr.trim().replace(/^Error [A-Z]+: /, "") };
}

Deno.test("enable and disable answer with Ceph's codes and messages", async () => {
  const c = await startTestCluster({ builtins: MODULES, alwaysOn: ["steady"] });
  try {
    const enable = (module: string, force = false) =>
      c.command({ prefix: "mgr module enable", module, ...(force ? { force: "--force" } : {}) });
    const r1 = await enable("anchorprobe");
    assert.deepEqual([r1.r, r1.outs], [0, ""]);
    const again = await enable("anchorprobe");
    assert.deepEqual([again.r, again.outs], [0, referenceCli("enable_already.txt").stderr.trim()]);
    const missing = await enable("no_such_module");
    const ref = cliError("enable_nonexistent.txt");
    assert.deepEqual([missing.r, missing.outs], [ref.r, ref.outs]);
    const norun = await enable("anchornorun");
    const refNorun = cliError("enable_anchornorun.txt");
    assert.deepEqual([norun.r, norun.outs], [refNorun.r, refNorun.outs]);
    const alwaysOn = await c.command({ prefix: "mgr module disable", module: "steady" });
    assert.deepEqual([alwaysOn.r, alwaysOn.outs], [
      -22,
      "module 'steady' cannot be disabled (always-on)",
    ]);
    const notEnabled = await c.command({ prefix: "mgr module disable", module: "anchorfail" });
    assert.deepEqual([notEnabled.r, notEnabled.outs], [
      0,
      "module 'anchorfail' is already disabled",
    ]);
    assert.deepEqual(c.manager.host.activeNames().sort(), ["anchorprobe", "steady"]);
    await c.command({ prefix: "mgr module disable", module: "anchorprobe" });
    assert.deepEqual(c.manager.host.activeNames(), ["steady"]);
  } finally {
    await c.stop();
  }
});

Deno.test("mgr module ls lists always-on, enabled and disabled modules with their options", async () => {
  const c = await startTestCluster({
    builtins: MODULES,
    alwaysOn: ["steady"],
    initialModules: ["anchorprobe"],
  });
  try {
    const ls = await c.command({ prefix: "mgr module ls", format: "json" });
    assert.equal(ls.r, 0);
    const out = JSON.parse(ls.outb);
    assert.deepEqual(out.always_on_modules, ["steady"]);
    assert.deepEqual(out.enabled_modules, ["anchorprobe"]);
    const disabled = Object.fromEntries(
      out.disabled_modules.map((m: { name: string }) => [m.name, m]),
    );
    assert.deepEqual(Object.keys(disabled).sort(), ["anchorfail", "anchornorun"]);
    assert.equal(disabled.anchornorun.can_run, false);
    assert.equal(
      disabled.anchornorun.error_string,
      "anchornorun: deliberately cannot run (missing fake dependency)",
    );
    const refModule = JSON.parse(referenceCli("mgr_module_ls_json.txt").stdout).disabled_modules
      .find((m: { name: string }) => m.name === "anchornorun");
    assert.deepEqual(disabled.anchornorun, refModule);
  } finally {
    await c.stop();
  }
});

Deno.test("a module whose serve() throws raises MGR_MODULE_ERROR while another keeps working", async () => {
  const c = await startTestCluster({ builtins: MODULES, initialModules: ["anchorfail", "steady"] });
  try {
    await c.run(3);
    const health = await c.command({ prefix: "health", detail: "detail" });
    assert.equal(health.outb, referenceCli("health_detail_module_error.txt").stdout);
    const json = await c.command({ prefix: "health", detail: "detail", format: "json-pretty" });
    assert.deepEqual(
      JSON.parse(json.outb),
      JSON.parse(referenceCli("health_detail_module_error_json.txt").stdout),
    );
    const failPing = await c.command({ prefix: "anchorfail ping" });
    assert.deepEqual([failPing.r, failPing.outs], [
      cliError("fail_ping.txt").r,
      cliError("fail_ping.txt").outs,
    ]);
    const ticksBefore = (c.manager.host.instance("steady") as Steady).ticks;
    await c.run(5);
    assert.ok((c.manager.host.instance("steady") as Steady).ticks >= ticksBefore + 4);
    assert.equal((await c.command({ prefix: "steady ping" })).outb, "pong");
    assert.ok(
      c.log.recent.some((l) =>
        l.includes(
          "Unhandled exception from module 'anchorfail' while running on mgr.x: " +
            "anchorfail deliberately raised in serve()",
        )
      ),
    );
    await c.command({ prefix: "mgr module disable", module: "anchorfail" });
    assert.equal((await c.command({ prefix: "health" })).outb, "HEALTH_OK\n");
  } finally {
    await c.stop();
  }
});

Deno.test("a forced module that cannot run raises MGR_MODULE_DEPENDENCY and answers EIO", async () => {
  const c = await startTestCluster({ builtins: MODULES });
  try {
    const forced = await c.command({
      prefix: "mgr module enable",
      module: "anchornorun",
      force: "--force",
    });
    assert.equal(forced.r, 0);
    const ping = await c.command({ prefix: "anchornorun ping" });
    const ref = cliError("norun_ping_forced.txt");
    assert.deepEqual([ping.r, ping.outs], [ref.r, ref.outs]);
    const detail = await c.command({ prefix: "health", detail: "detail" });
    const refLines = referenceCli("health_detail_norun_forced.txt").stdout.split("\n");
    const depLines = refLines.filter((l) => l.includes("anchornorun"));
    for (const line of depLines.slice(1)) assert.ok(detail.outb.includes(line), line);
  } finally {
    await c.stop();
  }
});

Deno.test("module commands answer with Ceph's errors for disabled modules and bad handlers", async () => {
  const c = await startTestCluster({ builtins: MODULES, initialModules: ["anchorprobe"] });
  try {
    const disabled = await c.command({ prefix: "anchornorun ping" });
    const ref = cliError("norun_ping.txt");
    assert.deepEqual([disabled.r, disabled.outs], [ref.r, ref.outs]);
    const einval = await c.command({ prefix: "anchorprobe err", kind: "einval" });
    assert.deepEqual([einval.r, einval.outb, einval.outs], [
      -22,
      "some-stdout",
      "some-stderr EINVAL",
    ]);
    const hcr = await c.command({ prefix: "anchorprobe err", kind: "hcr" });
    assert.deepEqual([hcr.r, hcr.outb, hcr.outs], [-1, "out", "EPERM via HandleCommandResult"]);
    const tuple = await c.command({ prefix: "anchorprobe err", kind: "tuple" });
    assert.deepEqual([tuple.r, tuple.outs], [-2, "not found (ENOENT)"]);
    const raised = await c.command({ prefix: "anchorprobe err", kind: "raise" });
    assert.equal(raised.r, -22);
    assert.match(raised.outs, /anchorprobe err raise: handler raised/);
    const wrong = await c.command({ prefix: "anchorprobe err", kind: "wrong" });
    assert.deepEqual([wrong.r, wrong.outs], [-22, "command handler returned wrong type"]);
    const noInput = await c.command({ prefix: "anchorprobe load" });
    assert.deepEqual([noInput.r, noInput.outs], [
      -22,
      'Input file not specified: Please specify the file containing the data with "-i" option',
    ]);
    const blank = await c.command({ prefix: "anchorprobe load" }, "  \n");
    assert.deepEqual([blank.r, blank.outs], [
      -22,
      "Empty input file: Please add the data to the file",
    ]);
    const loaded = await c.command({ prefix: "anchorprobe load" }, "abc\n");
    assert.equal(loaded.outb, 'got "abc"');
  } finally {
    await c.stop();
  }
});

Deno.test("notify, config_notify and commands reach a module in order, one at a time", async () => {
  const events: string[] = [];
  let inFlight = 0;
  let overlapped = false;
  class Ordered extends MgrModule {
    static override NOTIFY_TYPES = [NotifyType.osd_map];
    async #slow(label: string) {
      inFlight++;
      if (inFlight > 1) overlapped = true;
      events.push(`start ${label}`);
      await new Promise((r) => setTimeout(r, 2));
      events.push(`end ${label}`);
      inFlight--;
    }
    override async notify(type: NotifyType, id: string) {
      await this.#slow(`notify ${type} ${id}`);
    }
    override async config_notify() {
      await this.#slow("config_notify");
    }
    @CLIReadCommand("ordered cmd")
    async cmd() {
      await this.#slow("cmd");
      return new HandleCommandResult();
    }
  }
  class Deaf extends MgrModule {
    notified = 0;
    override notify() {
      this.notified++;
    }
  }
  const c = await startTestCluster({
    builtins: { ordered: { Ordered }, deaf: { Deaf } },
    initialModules: ["ordered", "deaf"],
  });
  try {
    c.manager.host.notifyAll(NotifyType.osd_map, "1");
    c.manager.host.notifyAll(NotifyType.fs_map, "ignored");
    c.manager.host.notifyAll(NotifyType.osd_map, "2");
    const command = c.manager.command({ prefix: "ordered cmd" });
    c.manager.host.configChanged();
    await command;
    await c.manager.settled();
    assert.deepEqual(events, [
      "start notify osd_map 1",
      "end notify osd_map 1",
      "start notify osd_map 2",
      "end notify osd_map 2",
      "start cmd",
      "end cmd",
      "start config_notify",
      "end config_notify",
    ]);
    assert.equal(overlapped, false);
    assert.equal((c.manager.host.instance("deaf") as Deaf).notified, 0);
  } finally {
    await c.stop();
  }
});

Deno.test("shutdown waits a bounded time for a module that hangs, and the daemon moves on", async () => {
  class Hangs extends MgrModule {
    override async serve() {
      await new Promise(() => {});
    }
  }
  const c = await startTestCluster({
    builtins: { hangs: { Hangs }, steady: { Steady } },
    initialModules: ["hangs", "steady"],
  });
  const t0 = c.clock.now();
  await c.stop();
  const waited = c.clock.now() - t0;
  assert.ok(waited >= 5 && waited < 8, `waited ${waited}s of virtual time`);
  assert.ok(c.log.recent.some((l) => l.includes("module hangs did not stop within 5s")));
});

Deno.test("a module copied into a module path while the daemon runs loads, enables and serves", async () => {
  const base = await Deno.makeTempDir({ prefix: "mgrd-runtime-modules-" });
  const c = await startTestCluster({ modulePaths: [base] });
  try {
    const before = await c.command({ prefix: "mgr module enable", module: "latecomer" });
    assert.equal(before.r, -2);
    await Deno.mkdir(`${base}/latecomer`);
    await Deno.writeTextFile(
      `${base}/latecomer/module.ts`,
      `import { MgrModule } from "mgr_module";
export class Latecomer extends MgrModule {
  override async serve() {
    await this.set_store("served", "yes");
  }
}
`,
    );
    // The daemon's tick does this every mgr_tick_period; the import is real I/O, so the test
    // awaits it rather than a number of virtual seconds.
    assert.deepEqual(await c.manager.rescanModules(), ["latecomer"]);
    assert.deepEqual(await c.manager.rescanModules(), []);
    const enable = await c.command({ prefix: "mgr module enable", module: "latecomer" });
    assert.deepEqual([enable.r, enable.outs], [0, ""]);
    await c.run(1);
    assert.deepEqual(c.manager.host.activeNames(), ["latecomer"]);
    assert.equal(c.mon.store.getKv("mgr/latecomer/served"), "yes");
  } finally {
    await c.stop();
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("remote() calls another module with cloned arguments, and fails as Ceph does", async () => {
  class Callee extends MgrModule {
    seen: unknown;
    echo(value: { n: number }) {
      this.seen = value;
      return { doubled: value.n * 2 };
    }
    async slow(n: number) {
      await Promise.resolve();
      return n + 1;
    }
    boom() {
      throw new Error("kaput");
    }
  }
  class Caller extends MgrModule {}
  const c = await startTestCluster({
    builtins: { callee: { Callee }, caller: { Caller }, off: { Callee } },
    initialModules: ["callee", "caller"],
  });
  try {
    const caller = c.manager.host.instance("caller") as Caller;
    const callee = c.manager.host.instance("callee") as Callee;
    const arg = { n: 21 };
    assert.deepEqual(await caller.remote("callee", "echo", arg), { doubled: 42 });
    assert.deepEqual(callee.seen, arg);
    assert.notEqual(callee.seen, arg, "arguments are copies");
    assert.equal(await caller.remote("callee", "slow", 1), 2);
    await assert.rejects(caller.remote("off", "echo", arg), {
      name: "ImportError",
      message: "Module not found",
    });
    await assert.rejects(caller.remote("nope", "echo"), { name: "ImportError" });
    await assert.rejects(caller.remote("callee", "nope"), {
      name: "NameError",
      message: "Method not found",
    });
    await assert.rejects(caller.remote("callee", "boom"), (e: Error) => {
      assert.equal(e.name, "RuntimeError");
      assert.match(e.message, /^Remote method threw exception: .*kaput/s);
      return true;
    });
    await assert.rejects(
      caller.remote("callee", "echo", () => 1),
      /cannot be passed between modules/,
    );
  } finally {
    await c.stop();
  }
});
