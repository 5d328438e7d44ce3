/**
 * Scenarios: data files in sim/scenarios/ naming a topology, a workload, a fault schedule
 * (fixed and/or drawn), a duration and expectations.
 *
 * @module
 */

import type { ClusterSpec } from "../cluster/cluster.ts";
import { type FaultSpec, type RandomFaults, validateFault } from "../faults/faults.ts";

/** A check at a virtual time (seconds after the start). */
export interface Expectation {
  at: number;
  /** Health check codes that must be raised. */
  health?: string[];
  /** Health check codes that must not be raised. */
  absent?: string[];
  /** Whether the manager's mon session must be up. */
  monReachable?: boolean;
  /** At least this many PGs the manager sees as unknown. */
  minUnknownPgs?: number;
  /** Summary messages that must match, by check code (regular expressions). */
  messages?: Record<string, string>;
}

/** A scenario file. */
export interface Scenario {
  name: string;
  description?: string;
  /** The cluster: topology, pools, workload and model knobs. */
  cluster: ClusterSpec;
  /** Virtual seconds to run before the liveness check. */
  duration: number;
  faults?: FaultSpec[];
  randomFaults?: RandomFaults;
  expect?: Expectation[];
  /** Seconds after the last fault heals by which the cluster must be HEALTH_OK and clean. */
  convergeWithin?: number;
}

/** Checks a parsed scenario; throws a TypeError naming the field. */
export function validateScenario(v: unknown, source = "scenario"): Scenario {
  const s = v as Record<string, unknown>;
  if (typeof s !== "object" || s === null) throw new TypeError(`${source}: must be an object`);
  if (typeof s.name !== "string" || s.name === "") {
    throw new TypeError(`${source}: name must be a non-empty string`);
  }
  if (typeof s.cluster !== "object" || s.cluster === null) {
    throw new TypeError(`${source}: cluster must be an object`);
  }
  if (typeof s.duration !== "number" || !(s.duration > 0)) {
    throw new TypeError(`${source}: duration must be a number of seconds > 0, got ${s.duration}`);
  }
  const faults = s.faults ?? [];
  if (!Array.isArray(faults)) throw new TypeError(`${source}: faults must be an array`);
  faults.forEach((f, i) => validateFault(f, `${source}: faults[${i}]`));
  if (s.expect !== undefined && !Array.isArray(s.expect)) {
    throw new TypeError(`${source}: expect must be an array`);
  }
  return s as unknown as Scenario;
}

/** The folder of the bundled scenarios. */
export const SCENARIO_DIR: URL = new URL("../scenarios/", import.meta.url);

/** Names of the bundled scenarios, sorted. */
export function scenarioNames(dir: URL = SCENARIO_DIR): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    if (e.isFile && e.name.endsWith(".json")) out.push(e.name.slice(0, -5));
  }
  return out.sort();
}

/** Loads a bundled scenario by name, or a scenario file by path. */
export function loadScenario(nameOrPath: string, dir: URL = SCENARIO_DIR): Scenario {
  const path = nameOrPath.endsWith(".json") ? nameOrPath : new URL(`${nameOrPath}.json`, dir);
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new RangeError(`no scenario "${nameOrPath}"; known: ${scenarioNames(dir).join(", ")}`);
    }
    throw e;
  }
  return validateScenario(JSON.parse(text), String(path));
}
