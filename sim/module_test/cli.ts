/**
 * `mgrd module test <dir-or-module-name> [--seeds N | --seed S] [--quick]`.
 *
 * @module
 */
import { BUILTIN_MODULES } from "../../modules/mod.ts";
import { checkModule, formatVerdict, PROPERTIES, type PropertyId } from "./harness.ts";
import { loadModuleUnderTest } from "./target.ts";

/** The subcommand's help. */
export const MODULE_TEST_USAGE = `usage: mgrd module test <dir-or-module-name> [options]

Runs a module in simulated clusters (generated cluster states, fault schedules, notify storms,
commands with generated arguments) and checks that it never fails, and that while the mon is away
its commands do not answer from cluster state without checking have_mon_connection() (stale),
and that no call into it keeps the thread past a bound of wall time (responsive).
Exits 1 on a failure.

options:
  --seeds N        runs per property (default 30)
  --seed S         fast-check seed (default: fresh, printed)
  --path P         replay one counterexample (with --seed and --only)
  --only ID[,ID]   properties: ${Object.keys(PROPERTIES).join(", ")}
  --quick          8 runs per property
  --block-seconds S  the wall time a call into the module may keep the thread (default 0.5)

Every property first runs the edge cases (no maps, no OSDs, no up OSDs, no pools, all metadata
missing; for stale under a mon outage), then the generated runs.
`;

function fail(message: string): number {
  console.error(`mgrd module: ${message}\n\n${MODULE_TEST_USAGE}`);
  return 22;
}

/**
 * Runs `mgrd module <args>`; resolves to the exit code.
 *
 * @example
 * ```ts ignore
 * Deno.exit(await moduleTestMain(["test", "hello", "--quick"]));
 * ```
 */
export async function moduleTestMain(argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h" || rest.includes("--help")) {
    console.log(MODULE_TEST_USAGE);
    return sub === undefined ? 22 : 0;
  }
  if (sub !== "test") return fail(`unknown subcommand '${sub}'`);
  let spec: string | undefined;
  let numRuns: number | undefined;
  let seed: number | undefined;
  let path: string | undefined;
  let only: PropertyId[] | undefined;
  let quick = false;
  let blockSeconds: number | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const value = () => {
      const v = rest[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    try {
      if (arg === "--seeds") numRuns = Number(value());
      else if (arg === "--seed") seed = Number(value());
      else if (arg === "--path") path = value();
      else if (arg === "--quick") quick = true;
      else if (arg === "--only") only = value().split(",") as PropertyId[];
      else if (arg === "--block-seconds") blockSeconds = Number(value());
      else if (arg.startsWith("-")) return fail(`unknown option '${arg}'`);
      else if (spec === undefined) spec = arg;
      else return fail(`unexpected argument '${arg}'`);
    } catch (e) {
      return fail((e as Error).message);
    }
  }
  if (spec === undefined) return fail("which module? give a folder or a built-in's name");
  if (numRuns !== undefined && !(Number.isInteger(numRuns) && numRuns > 0)) {
    return fail(`--seeds must be a positive integer, got ${numRuns}`);
  }
  if (seed !== undefined && !Number.isInteger(seed)) {
    return fail(`--seed must be an integer, got ${seed}`);
  }
  if (blockSeconds !== undefined && !(blockSeconds > 0)) {
    return fail(`--block-seconds must be a positive number, got ${blockSeconds}`);
  }
  for (const id of only ?? []) {
    if (!(id in PROPERTIES)) return fail(`--only: no property '${id}'`);
  }
  let target;
  try {
    target = await loadModuleUnderTest(spec, BUILTIN_MODULES);
  } catch (e) {
    console.error(`mgrd module test: ${(e as Error).message}`);
    return 2;
  }
  const started = performance.now();
  const report = await checkModule(target, {
    numRuns,
    seed,
    path,
    only,
    quick,
    limits: blockSeconds === undefined ? undefined : { blockSeconds },
    onVerdict: (v) => console.log(formatVerdict(v, spec)),
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const used = report.verdicts[0]?.seed;
  console.log(
    report.ok
      ? `module ${report.module}: all checks passed in ${seconds} s (seed ${used})`
      : `module ${report.module}: FAILED in ${seconds} s (seed ${used})`,
  );
  return report.ok ? 0 : 1;
}
