import assert from "node:assert/strict";
import { BUILTIN_MODULES } from "../modules/mod.ts";
import {
  checkModule,
  DEFAULT_LIMITS,
  formatReport,
  loadModuleUnderTest,
  moduleTestMain,
  runScenario,
} from "../sim/module_test/mod.ts";

const FRAGILE = "tests/fixtures/fragile_module";

Deno.test("the harness catches the fragile module with a shrunk counterexample", async () => {
  const target = await loadModuleUnderTest(FRAGILE);
  const report = await checkModule(target, { numRuns: 20, seed: 7, only: ["loads", "faults"] });
  assert.equal(report.ok, false);
  const failed = report.verdicts.find((v) => v.property === "faults");
  assert.ok(failed && !failed.ok);
  assert.ok(
    failed.problems?.some((p) => p.includes("notify(osd_map) threw: TypeError")),
    failed.problems?.join("\n"),
  );
  // Shrunk: the only thing left is an OSD without metadata.
  const scenario = failed.counterexample!;
  assert.deepEqual(scenario.state, [{ kind: "metadata-missing", osd: 0 }]);
  assert.deepEqual([scenario.faults, scenario.storms, scenario.commands], [[], [], []]);
  const text = formatReport(report, FRAGILE);
  assert.match(text, /replay: mgrd module test tests\/fixtures\/fragile_module --seed 7 --path /);
});

Deno.test("the replay line reproduces the failure", async () => {
  const first = await checkModule(await loadModuleUnderTest(FRAGILE), {
    numRuns: 20,
    seed: 7,
    only: ["faults"],
  });
  const v = first.verdicts[0]!;
  const again = await checkModule(await loadModuleUnderTest(FRAGILE), {
    seed: v.seed,
    path: v.path,
    only: ["faults"],
  });
  assert.equal(again.ok, false);
  assert.deepEqual(again.verdicts[0]!.counterexample, v.counterexample);
});

for (const name of Object.keys(BUILTIN_MODULES)) {
  Deno.test(`built-in module ${name} passes the harness (fixed seeds)`, async () => {
    const report = await checkModule(await loadModuleUnderTest(name, BUILTIN_MODULES), {
      numRuns: 12,
      seed: 20261125,
    });
    assert.ok(report.ok, formatReport(report, name));
  });
}

Deno.test("mgrd module test exits 0 on a pass, 1 on a failure, 22 on bad usage", async () => {
  const log = console.log;
  const lines: string[] = [];
  console.log = (...a: unknown[]) => lines.push(a.join(" "));
  const error = console.error;
  console.error = () => {};
  try {
    assert.equal(await moduleTestMain(["test", "hello", "--seeds", "2", "--seed", "1"]), 0);
    assert.equal(await moduleTestMain(["test", FRAGILE, "--quick", "--seed", "7"]), 1);
    assert.ok(lines.some((l) => l.startsWith("FAIL") && l.includes("survives")), lines.join("\n"));
    assert.ok(lines.some((l) => l.includes("replay: mgrd module test")));
    assert.equal(await moduleTestMain(["test", "hello", "--seeds", "0"]), 22);
    assert.equal(await moduleTestMain(["test"]), 22);
    assert.equal(await moduleTestMain(["test", "no_such_module"]), 2);
  } finally {
    console.log = log;
    console.error = error;
  }
});

Deno.test("a manager failover restarts the module, and one that cannot come back is caught", async () => {
  const scenario = {
    cluster: { hosts: 3, osdsPerHost: 1, pools: [{ name: "p", pgNum: 8, size: 3 }], mds: false },
    state: [],
    faults: [{ kind: "mgr-fail" as const, at: 10 }],
    storms: [],
    commands: [],
  };
  const fragile = await loadModuleUnderTest("tests/fixtures/no_restart_module");
  const bad = await runScenario(fragile, scenario, { limits: DEFAULT_LIMITS });
  assert.ok(
    bad.problems.some((p) =>
      p.includes("Unhandled exception") && p.includes("already started once")
    ),
    bad.problems.join("\n"),
  );
  const hello = await loadModuleUnderTest("hello", BUILTIN_MODULES);
  const good = await runScenario(hello, scenario, { limits: DEFAULT_LIMITS });
  assert.deepEqual(good.problems, []);
});
