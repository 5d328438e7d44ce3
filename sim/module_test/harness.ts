/**
 * The conformance checks of `mgrd module test`, as fast-check properties over generated
 * scenarios. Module authors call {@linkcode checkModule} from their own `Deno.test`.
 *
 * @module
 */
import fc from "fast-check";
import {
  DEFAULT_LIMITS,
  runScenario,
  type Scenario,
  scenarioArb,
  type ScenarioLimits,
  staleScenarioArb,
} from "./scenario.ts";
import { edgeName, edgeScenarios } from "./edges.ts";
import { fewerCommands, smallerCluster } from "./shrink.ts";
import type { ModuleUnderTest } from "./target.ts";

/**
 * The properties, by id, in the order they run.
 *
 * `stale`: while the mon is away, a command that answers retval 0 from cluster state must have
 * checked have_mon_connection() while handling it. Each scenario has a mon outage of 10 s or
 * more, during which the harness sends the module's commands with valid generated arguments.
 * A call is a problem when it answered 0, its handler read cluster state while
 * `have_mon_connection()` was false — `get()` of a cluster data name (see
 * `isClusterDataName`), get_metadata, get_daemon_status, get_server, list_servers,
 * get_counter, get_latest_counter, get_latest, get_latest_avg, get_all_perf_counters,
 * get_perf_schema, pool_exists, have_enough_osds or get_daemon_health_metrics — and the handler
 * never called have_mon_connection(). A nonzero answer, or a command that reads no cluster state
 * (its options, its store, its own memory), is fine. Reads are attributed to the call through
 * the async context the handler runs in, so serve() and notify() reading meanwhile do not count.
 * Calling have_mon_connection() is necessary, not sufficient: the harness cannot tell whether
 * the module then told the user (status and iostat say so on stderr).
 *
 * `responsive`: the module host measures how long each call into the module (a command
 * handler, notify(), config_notify(), serve() up to its first await) and each step of serve()
 * after a sleep() kept the thread; one past `limits.blockSeconds` of wall time (0.5 s) fails,
 * naming the call and the time. What a handler does after its first await (other than sleep)
 * is not measured.
 *
 * Every property first runs the edge scenarios (./edges.ts: no maps, no OSDs, no up OSDs, no
 * pools, all metadata missing; for `stale` those with a cluster, under a mon outage), then
 * `numRuns` generated ones.
 */
export const PROPERTIES = {
  loads: "loads: exports one MgrModule subclass whose options and commands are well formed",
  lifecycle:
    "lifecycle: enables and disables cleanly; serve() keeps running; shutdown() returns in time",
  faults:
    "survives cluster states and faults: nothing thrown out of notify/config_notify/serve, health checks well formed",
  commands: "commands: every command answers with a retval and a message within the bound",
  stale:
    "stale: while the mon is away, a command that answers 0 from cluster state has checked have_mon_connection()",
  responsive:
    "responsive: no handler, notify() or step of serve() keeps the thread past the wall-time bound",
} as const;

/** One property id. */
export type PropertyId = keyof typeof PROPERTIES;

/** Commands of built-in modules that fail or stop the module by design. */
export const BY_DESIGN_SKIPS: Readonly<Record<string, readonly string[]>> = {
  selftest: ["mgr self-test command throw", "mgr self-test background start"],
};

/** Options of {@linkcode checkModule}. */
export interface CheckOptions {
  /** Runs per property (default 30; 8 with `quick`). */
  numRuns?: number;
  /** fast-check's seed (default: a fresh one, reported). */
  seed?: number;
  /** fast-check's counterexample path, to replay one failure (with `seed` and `only`). */
  path?: string;
  /** Only these properties. */
  only?: readonly PropertyId[];
  quick?: boolean;
  limits?: Partial<ScenarioLimits>;
  /** Command prefixes not to call (default: the by-design list for built-ins). */
  skipCommands?: readonly string[];
  /** Called with each verdict as it is reached. */
  onVerdict?: (v: Verdict) => void;
}

/** The outcome of one property. */
export interface Verdict {
  property: PropertyId;
  title: string;
  ok: boolean;
  runs: number;
  seed: number;
  /** On failure: fast-check's path, the shrunk scenario and what went wrong in it. */
  path?: string;
  counterexample?: Scenario;
  problems?: string[];
  /** When the counterexample is one of the edge scenarios (./edges.ts), which one. */
  edge?: string;
  /** Wall-clock milliseconds. */
  ms: number;
}

/** Every verdict, and whether all passed. */
export interface ModuleReport {
  module: string;
  ok: boolean;
  verdicts: Verdict[];
}

/**
 * Runs the harness's properties against a module and returns a verdict for each.
 *
 * @example
 * ```ts ignore
 * import { checkModule, loadModuleUnderTest } from "mgr_module/module_test";
 * const report = await checkModule(await loadModuleUnderTest("./mymodule"), { numRuns: 5, seed: 1 });
 * if (!report.ok) throw new Error(formatReport(report, "./mymodule"));
 * ```
 */
export async function checkModule(
  target: ModuleUnderTest,
  options: CheckOptions = {},
): Promise<ModuleReport> {
  const opts = {
    ...options,
    numRuns: options.numRuns ?? (options.quick ? 8 : 30),
    seed: options.seed ?? Date.now() % 2 ** 31,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
  };
  if (!Number.isInteger(opts.numRuns) || opts.numRuns < 1) {
    throw new RangeError(`numRuns must be a positive integer, got ${opts.numRuns}`);
  }
  const skipCommands = options.skipCommands ?? BY_DESIGN_SKIPS[target.name] ?? [];
  const verdicts: Verdict[] = [];
  const wanted = (id: PropertyId) => !opts.only || opts.only.includes(id);
  const emit = (v: Verdict) => {
    verdicts.push(v);
    opts.onVerdict?.(v);
  };

  if (wanted("loads")) {
    const r = target.record;
    const problems = r.loaded ? (r.canRun ? [] : [`cannot run: ${r.errorString}`]) : [
      `failed to load: ${r.errorString}`,
    ];
    emit({
      property: "loads",
      title: PROPERTIES.loads,
      ok: problems.length === 0,
      runs: 1,
      seed: opts.seed,
      problems: problems.length ? problems : undefined,
      ms: 0,
    });
    if (problems.length) return { module: target.name, ok: false, verdicts };
  }

  const commands = target.record.commands.map((c) => c.desc).filter((d) =>
    !skipCommands.includes(d.prefix)
  );
  const runs: [PropertyId, ReturnType<typeof scenarioArb>, Scenario[]][] = [
    [
      "lifecycle",
      scenarioArb(target, opts.limits).map((s) => ({ ...s, storms: [] })),
      edgeScenarios([], opts.seed),
    ],
    ["faults", scenarioArb(target, opts.limits), edgeScenarios([], opts.seed)],
    ["commands", scenarioArb(target, opts.limits, commands), edgeScenarios(commands, opts.seed)],
    [
      "stale",
      commands.length
        ? staleScenarioArb(target, opts.limits, commands)
        : scenarioArb(target, opts.limits),
      commands.length ? edgeScenarios(commands, opts.seed, true) : [],
    ],
    [
      "responsive",
      scenarioArb(target, opts.limits, commands),
      edgeScenarios(commands, opts.seed),
    ],
  ];
  for (const [property, arb, edges] of runs) {
    if (!wanted(property)) continue;
    // Without commands, nothing to call: `commands` and `stale` pass with no runs.
    if ((property === "commands" || property === "stale") && commands.length === 0) {
      emit({ property, title: PROPERTIES[property], ok: true, runs: 0, seed: opts.seed, ms: 0 });
      continue;
    }
    const started = performance.now();
    const relevant = (p: string) =>
      property === "lifecycle"
        ? /^(enable|disable|serve|shutdown|end)/.test(p)
        : property === "commands"
        ? p.startsWith("command ")
        : property === "stale"
        ? p.startsWith("while the mon was away")
        : property === "responsive"
        ? p.startsWith("responsiveness: ")
        : !p.startsWith("command ") && !p.startsWith("responsiveness: ");
    const problemsOf = async (scenario: Scenario): Promise<string[]> => {
      try {
        const outcome = await runScenario(target, scenario, {
          limits: opts.limits,
          skipCommands,
          checkStale: property === "stale",
        });
        return outcome.problems.filter(relevant);
      } catch (e) {
        return [`the run itself failed: ${e instanceof Error ? e.stack : String(e)}`];
      }
    };
    const found = new Map<Scenario, string[]>();
    const details = await fc.check(
      fc.asyncProperty(arb, async (scenario) => {
        const problems = await problemsOf(scenario);
        if (problems.length) found.set(scenario, problems);
        return problems.length === 0;
      }),
      {
        // The edges come first, on top of the generated runs.
        numRuns: opts.numRuns + edges.length,
        examples: edges.map((e) => [e] as [Scenario]),
        seed: opts.seed,
        path: opts.path,
        endOnFailure: false,
      },
    );
    const verdict: Verdict = {
      property,
      title: PROPERTIES[property],
      ok: !details.failed,
      runs: details.numRuns,
      seed: details.seed,
      ms: Math.round(performance.now() - started),
    };
    if (details.failed) {
      verdict.path = details.counterexamplePath ?? undefined;
      verdict.counterexample = details.counterexample?.[0];
      verdict.problems = verdict.counterexample
        ? found.get(verdict.counterexample)
        : [String(details.errorInstance ?? "the property failed")];
      if (verdict.counterexample && verdict.problems) {
        // fast-check cannot shrink an edge (it was not generated): keep its failing commands.
        const edge = edgeName(verdict.counterexample);
        let reduced = { scenario: verdict.counterexample, problems: verdict.problems };
        if (edge) reduced = await fewerCommands(reduced.scenario, reduced.problems, problemsOf);
        reduced = await smallerCluster(reduced.scenario, reduced.problems, problemsOf);
        verdict.counterexample = reduced.scenario;
        verdict.problems = reduced.problems;
        verdict.edge = edge;
      }
      verdict.ms = Math.round(performance.now() - started);
    }
    emit(verdict);
  }
  return { module: target.name, ok: verdicts.every((v) => v.ok), verdicts };
}

/** One verdict as the CLI prints it; a failure includes the scenario and the replay command. */
export function formatVerdict(v: Verdict, spec: string): string {
  const head = `${v.ok ? "PASS" : "FAIL"}  ${v.title} (${v.runs} runs, ${v.ms} ms)`;
  if (v.ok) return head;
  const out = [head];
  for (const p of v.problems ?? []) out.push(`      problem: ${p}`);
  if (v.counterexample) {
    const what = v.edge ? `edge case: ${v.edge}` : "shrunk";
    out.push(`      counterexample (${what}): ${JSON.stringify(v.counterexample)}`);
  }
  if (v.path !== undefined) {
    out.push(`      seed ${v.seed}, path ${v.path}`);
    out.push(
      `      replay: mgrd module test ${spec} --seed ${v.seed} --path ${v.path} --only ${v.property}`,
    );
  }
  return out.join("\n");
}

/** The whole report as text. */
export function formatReport(report: ModuleReport, spec: string): string {
  const lines = report.verdicts.map((v) => formatVerdict(v, spec));
  lines.push(
    report.ok ? `module ${report.module}: all checks passed` : `module ${report.module}: FAILED`,
  );
  return lines.join("\n");
}
