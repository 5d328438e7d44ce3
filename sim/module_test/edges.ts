/**
 * The cluster states that crash real modules, which every property of `mgrd module test` tries
 * first, before any generated scenario: random generation alone finds a command that divides
 * by the number of up OSDs in some runs and not others. Each edge is the smallest cluster that
 * has it (one host, at most one OSD, no pool unless the edge needs one), so a failing edge is
 * its own shrunk counterexample.
 *
 * @module
 */
import fc from "fast-check";
import type { CommandDescriptor } from "../../core/commands/descriptor.ts";
import { type ClusterShape, commandArb, type GeneratedCommand, type Scenario } from "./scenario.ts";

/** One edge: what it is, and its cluster and state. */
interface Edge {
  name: string;
  cluster: ClusterShape;
  state: Scenario["state"];
}

const ONE_OSD = { hosts: 1, osdsPerHost: 1, pools: [], mds: false };
const ONE_POOL = [{ name: "rbd", pgNum: 1, size: 1 }];

/** The edges, in the order they run. */
export const EDGES: readonly Edge[] = [
  // The manager on a bare mon: get("osd_map"), get("fs_map"), the metadata are all missing.
  { name: "no maps", cluster: null, state: [] },
  { name: "no OSDs, no pools", cluster: { ...ONE_OSD, osdsPerHost: 0 }, state: [] },
  { name: "no OSDs, a pool", cluster: { ...ONE_OSD, osdsPerHost: 0, pools: ONE_POOL }, state: [] },
  { name: "no pools, no MDS, no file systems", cluster: ONE_OSD, state: [] },
  { name: "no up OSDs", cluster: ONE_OSD, state: [{ kind: "osd-down", osd: 0 }] },
  {
    name: "no up OSDs, a pool",
    cluster: { ...ONE_OSD, pools: ONE_POOL },
    state: [{ kind: "osd-down", osd: 0 }, { kind: "osd-out", osd: 0 }],
  },
  {
    name: "all metadata missing",
    cluster: { ...ONE_OSD, pools: ONE_POOL },
    state: [{ kind: "metadata-missing", osd: 0 }],
  },
];

/** The `stale` property's edges: the mon away for 10 s from the start, the commands inside. */
const STALE_OUTAGE = { kind: "mon-outage" as const, at: 0, duration: 10 };

/**
 * The edge scenarios of one property: each edge with no faults and no storms, and, when
 * `commands` is given, one call of each command with valid arguments at the start (drawn
 * from `seed`, so a replay sees the same ones). With `stale`, the edges that have a cluster,
 * each with a mon outage of 10 s from the start and the calls 5 s into it.
 */
export function edgeScenarios(
  commands: readonly CommandDescriptor[],
  seed: number,
  stale = false,
): Scenario[] {
  return EDGES.flatMap((edge, i) => {
    if (stale && edge.cluster === null) return [];
    const pools = edge.cluster?.pools.map((p) => p.name) ?? [];
    const calls: GeneratedCommand[] = commands.map((d, j) => ({
      at: stale ? 5 : 0,
      cmd: fc.sample(commandArb(d, pools, true), { seed: seed + 1000 * i + j, numRuns: 1 })[0]!,
    }));
    return [{
      cluster: edge.cluster,
      state: edge.state,
      faults: stale ? [STALE_OUTAGE] : [],
      storms: [],
      commands: calls,
    }];
  });
}

/** The name of the edge `scenario` is, if it is one. */
export function edgeName(scenario: Scenario): string | undefined {
  return EDGES.find((e) =>
    JSON.stringify(e.cluster) === JSON.stringify(scenario.cluster) &&
    JSON.stringify(e.state) === JSON.stringify(scenario.state) &&
    (scenario.faults.length === 0 ||
      JSON.stringify(scenario.faults) === JSON.stringify([STALE_OUTAGE])) &&
    scenario.storms.length === 0
  )?.name;
}
