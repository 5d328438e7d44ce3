/**
 * The scenario runner: scenarios as data, oracles, runs with result lines and capsules.
 *
 * @module
 */

export {
  type Capsule,
  capsuleOf,
  type Participant,
  resultLine,
  type RunOptions,
  type RunResult,
  runScenario,
} from "./run.ts";
export { Oracles } from "./oracles.ts";
export {
  type Expectation,
  loadScenario,
  type Scenario,
  SCENARIO_DIR,
  scenarioNames,
  validateScenario,
} from "./scenario.ts";
