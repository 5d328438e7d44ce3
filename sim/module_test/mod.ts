/**
 * The module conformance harness (`mgrd module test`), importable for module authors' own
 * `Deno.test` suites.
 *
 * @example
 * ```ts ignore
 * import { checkModule, formatReport, loadModuleUnderTest } from "../sim/module_test/mod.ts";
 * Deno.test("mymodule passes the harness", async () => {
 *   const report = await checkModule(await loadModuleUnderTest("./mymodule"), { numRuns: 5, seed: 42 });
 *   if (!report.ok) throw new Error(formatReport(report, "./mymodule"));
 * });
 * ```
 *
 * @module
 */
export {
  BY_DESIGN_SKIPS,
  checkModule,
  type CheckOptions,
  formatReport,
  formatVerdict,
  type ModuleReport,
  PROPERTIES,
  type PropertyId,
  type Verdict,
} from "./harness.ts";
export {
  type ClusterShape,
  commandArb,
  DEFAULT_LIMITS,
  type GeneratedCommand,
  type NotifyStorm,
  type RunOptions,
  runScenario,
  type Scenario,
  scenarioArb,
  type ScenarioLimits,
  type ScenarioOutcome,
  staleScenarioArb,
  type StateChange,
} from "./scenario.ts";
export { CLUSTER_READS, isClusterDataName } from "./stale.ts";
export {
  loadModuleUnderTest,
  moduleFromExports,
  type ModuleUnderTest,
  type ServeProbe,
} from "./target.ts";
export { MODULE_TEST_USAGE, moduleTestMain } from "./cli.ts";
