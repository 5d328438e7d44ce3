import assert from "node:assert/strict";
import { discoverModules, inspectModule, moduleInfo } from "../core/module_loader.ts";
import { CLIReadCommand, HandleCommandResult, MgrModule, MgrStandbyModule } from "mgr_module";

async function moduleFolder(files: Record<string, string>): Promise<string> {
  const base = await Deno.makeTempDir({ prefix: "mgrd-modules-" });
  for (const [name, source] of Object.entries(files)) {
    await Deno.mkdir(`${base}/${name}`);
    await Deno.writeTextFile(`${base}/${name}/module.ts`, source);
  }
  return base;
}

Deno.test("inspectModule() finds the MgrModule subclass, its standby class and its commands", () => {
  class Standby extends MgrStandbyModule {}
  class Mod extends MgrModule {
    static override NOTIFY_TYPES = ["osd_map" as const];
    static override COMMANDS = [{ cmd: "mod legacy name=x,type=CephInt", desc: "d", perm: "r" }];
    @CLIReadCommand("mod hello", { args: { who: "str" } })
    hello() {
      return new HandleCommandResult();
    }
  }
  const record = inspectModule("mod", "builtin", { Mod, Standby, helper: () => 1 });
  assert.equal(record.loaded, true);
  assert.equal(record.canRun, true);
  assert.equal(record.cls, Mod);
  assert.equal(record.standbyCls, Standby);
  assert.deepEqual([...record.notifyTypes], ["osd_map"]);
  assert.deepEqual(
    record.commands.map((c) => [c.desc.prefix, c.desc.perm, c.method ?? null, c.argNames]),
    [["mod legacy", "r", null, ["x"]], ["mod hello", "r", "hello", ["who"]]],
  );
});

Deno.test("inspectModule() records Ceph's errors for malformed modules", () => {
  assert.match(inspectModule("a", "x", { x: 1 }).errorString, /^Class not found/);
  class BadCommands extends MgrModule {
    static override COMMANDS = [{ cmd: "x" }] as never;
  }
  assert.match(
    inspectModule("b", "x", { BadCommands }).errorString,
    /^Missing or invalid COMMANDS attribute/,
  );
  class BadOptions extends MgrModule {
    static override MODULE_OPTIONS = [{ nom: "x" }] as never;
  }
  assert.match(
    inspectModule("c", "x", { BadOptions }).errorString,
    /^Missing or invalid MODULE_OPTIONS attribute: MODULE_OPTIONS\[0\] has no name/,
  );
  class BadSignature extends MgrModule {
    static override COMMANDS = [{ cmd: "e name=x,type=CephNumber", desc: "d", perm: "r" }];
  }
  assert.match(
    inspectModule("e", "x", { BadSignature }).errorString,
    /^Invalid command declaration: .*CephNumber/,
  );
  class BadNotify extends MgrModule {
    static override NOTIFY_TYPES = ["osdmap"] as never;
  }
  const bad = inspectModule("d", "x", { BadNotify });
  assert.equal(bad.loaded, false);
  assert.match(bad.errorString, /unknown type 'osdmap'/);
  assert.equal(moduleInfo(bad).can_run, false);
});

Deno.test("inspectModule() honours can_run(), including a wrong shape and a throw", () => {
  class NoRun extends MgrModule {
    static override can_run(): [boolean, string] {
      return [false, "missing fake dependency"];
    }
  }
  const noRun = inspectModule("norun", "x", { NoRun });
  assert.equal(noRun.loaded, true);
  assert.equal(noRun.canRun, false);
  assert.equal(noRun.errorString, "missing fake dependency");
  class Wrong extends MgrModule {
    static override can_run() {
      return true as unknown as [boolean, string];
    }
  }
  assert.equal(inspectModule("w", "x", { Wrong }).errorString, "wrong type returned from can_run");
  class Throws extends MgrModule {
    static override can_run(): [boolean, string] {
      throw new Error("no library");
    }
  }
  assert.equal(inspectModule("t", "x", { Throws }).errorString, "Error: no library");
});

Deno.test("discoverModules() loads folder modules and records the broken ones with their error", async () => {
  const base = await moduleFolder({
    good: `import { MgrModule } from "mgr_module";\nexport class Good extends MgrModule {}\n`,
    syntax: `import { MgrModule } from "mgr_module";\nexport class Broken extends MgrModule {\n`,
    noclass: `export const answer = 42;\n`,
    throwing: `throw new Error("import-time failure");\n`,
  });
  await Deno.mkdir(`${base}/not_a_module`);
  await Deno.writeTextFile(`${base}/README`, "ignored");
  try {
    const records = await discoverModules({}, [base]);
    assert.deepEqual([...records.keys()], ["good", "noclass", "syntax", "throwing"]);
    assert.equal(records.get("good")!.loaded, true);
    assert.equal(records.get("good")!.source, `${base}/good/module.ts`);
    assert.equal(records.get("syntax")!.loaded, false);
    assert.match(records.get("syntax")!.errorString, /SyntaxError|Expected/);
    assert.match(records.get("noclass")!.errorString, /^Class not found/);
    assert.equal(records.get("throwing")!.errorString, "Error: import-time failure");
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("discoverModules() skips names in mgr_disabled_modules and lets a folder replace a built-in", async () => {
  class Builtin extends MgrModule {}
  const base = await moduleFolder({
    hello: `import { MgrModule } from "mgr_module";\nexport class Mine extends MgrModule {}\n`,
  });
  try {
    const records = await discoverModules({ hello: { Builtin }, other: { Builtin } }, [base], [
      "other",
    ]);
    assert.deepEqual([...records.keys()], ["hello"]);
    assert.equal(records.get("hello")!.source, `${base}/hello/module.ts`);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});
