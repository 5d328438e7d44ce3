/**
 * Shrinking a failing scenario further than fast-check does. Its shrinker leaves a chained
 * scenario's cluster larger than needed (the state and faults are generated from the cluster,
 * so a smaller cluster regenerates them), and it cannot shrink the edge scenarios at all (they
 * were not generated). So after it: fewer commands, then the cluster cut down — pools, OSDs,
 * hosts, the MDS — one step at a time, each kept only if the scenario still fails.
 *
 * @module
 */
import type { FaultSpec } from "../faults/faults.ts";
import type { Scenario } from "./scenario.ts";

/** What a scenario's run finds (the property's relevant problems); empty: it passed. */
export type ProblemsOf = (s: Scenario) => Promise<string[]>;

/** The scenario with only the commands its problems name, if it still fails with those alone. */
export async function fewerCommands(
  scenario: Scenario,
  problems: string[],
  problemsOf: ProblemsOf,
): Promise<{ scenario: Scenario; problems: string[] }> {
  const named = scenario.commands.filter((c) => {
    const shown = JSON.stringify(c.cmd);
    const prefix = `'${String(c.cmd.prefix)}'`;
    return problems.some((p) =>
      p.includes(shown) || p.includes(prefix) || p.includes(`\`${String(c.cmd.prefix)}\``)
    );
  });
  if (named.length === 0 || named.length === scenario.commands.length) {
    return { scenario, problems };
  }
  const fewer = { ...scenario, commands: named };
  const again = await problemsOf(fewer);
  return again.length ? { scenario: fewer, problems: again } : { scenario, problems };
}

/** The OSD ids a fault or state change names (orphans name ids outside the cluster on purpose). */
function osdsNamed(x: FaultSpec | Scenario["state"][number]): number[] {
  if (x.kind === "metadata-orphan") return [];
  const ids: number[] = [];
  if ("osd" in x && typeof x.osd === "number") ids.push(x.osd);
  if ("osds" in x && Array.isArray(x.osds)) ids.push(...x.osds);
  if ("daemons" in x) {
    for (const d of x.daemons) if (d.startsWith("osd.")) ids.push(Number(d.slice(4)));
  }
  return ids;
}

/** `scenario` on a cluster of `hosts` x `osdsPerHost`, dropping what names OSDs it lacks. */
function resized(scenario: Scenario, hosts: number, osdsPerHost: number): Scenario {
  const cluster = scenario.cluster!;
  const n = hosts * osdsPerHost;
  const fits = (x: FaultSpec | Scenario["state"][number]) =>
    osdsNamed(x).every((id) => id < n) &&
    (x.kind !== "host-down" || Number(x.host.replace(/^host/, "")) < hosts);
  return {
    ...scenario,
    cluster: { ...cluster, hosts, osdsPerHost },
    state: scenario.state.filter(fits),
    faults: scenario.faults.filter(fits),
  };
}

/** Scenarios one step smaller than `s` in its cluster, smallest steps first. */
function smaller(s: Scenario): Scenario[] {
  const c = s.cluster;
  if (!c) return [];
  const out: Scenario[] = [];
  for (let i = 0; i < c.pools.length; i++) {
    out.push({ ...s, cluster: { ...c, pools: c.pools.filter((_, j) => j !== i) } });
  }
  if (c.osdsPerHost > 0) out.push(resized(s, c.hosts, 0));
  if (c.osdsPerHost > 1) out.push(resized(s, c.hosts, c.osdsPerHost - 1));
  if (c.hosts > 1) out.push(resized(s, 1, c.osdsPerHost));
  if (c.hosts > 2) out.push(resized(s, c.hosts - 1, c.osdsPerHost));
  if (c.mds) out.push({ ...s, cluster: { ...c, mds: false } });
  return out;
}

/**
 * The scenario on the smallest cluster (fewest pools, then OSDs, then hosts) on which it still
 * fails, found greedily; at most `budget` runs.
 */
export async function smallerCluster(
  scenario: Scenario,
  problems: string[],
  problemsOf: ProblemsOf,
  budget = 24,
): Promise<{ scenario: Scenario; problems: string[] }> {
  let best = { scenario, problems };
  let runs = 0;
  for (let improved = true; improved && runs < budget;) {
    improved = false;
    for (const candidate of smaller(best.scenario)) {
      if (runs++ >= budget) break;
      const found = await problemsOf(candidate);
      if (found.length) {
        best = { scenario: candidate, problems: found };
        improved = true;
        break;
      }
    }
  }
  return best;
}
