import { checkModule, formatReport, moduleFromExports } from "../sim/module_test/mod.ts";
import { BUILTIN_MODULES } from "../modules/mod.ts";

const SEED = 20261203;

for (
  const name of [
    "crash",
    "pg_autoscaler",
    "balancer",
    "devicehealth",
    "orchestrator",
    "sim_orchestrator",
  ]
) {
  Deno.test(`${name} passes mgrd module test (seed ${SEED}; replay: mgrd module test ${name} --seed ${SEED} --quick)`, async () => {
    const exports = BUILTIN_MODULES[name]!;
    const report = await checkModule(moduleFromExports(name, "builtin", exports), {
      numRuns: 4,
      seed: SEED,
    });
    if (!report.ok) throw new Error(formatReport(report, name));
  });
}
