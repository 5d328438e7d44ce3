/**
 * `mgrd sim`: runs scenarios on virtual time and replays capsules.
 *
 * ```
 * mgrd sim [run] [scenario ...] [--seed N | --seeds A..B] [--check-determinism] [--capsules DIR]
 * mgrd sim replay <capsule.json>
 * mgrd sim list
 * ```
 *
 * @module
 */

import { type Capsule, capsuleOf, resultLine, type RunResult, runScenario } from "./runner/run.ts";
import { managerParticipant } from "./manager_participant.ts";
import { loadScenario, type Scenario, scenarioNames, validateScenario } from "./runner/scenario.ts";

const USAGE =
  `usage: mgrd sim [run] [scenario ...] [--seed N | --seeds A..B] [--check-determinism] [--capsules DIR]
       mgrd sim replay <capsule.json>
       mgrd sim list`;

interface _Args {
  names: string[];
  seeds: number[];
  determinism: boolean;
  capsules: string;
}

function _parse(argv: string[]): _Args {
  const out: _Args = { names: [], seeds: [1], determinism: false, capsules: "sim-capsules" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new RangeError(`${a} needs a value`);
      return v;
    };
    if (a === "--seed") {
      const n = Number(value());
      if (!Number.isSafeInteger(n)) throw new RangeError(`--seed needs an integer, got ${argv[i]}`);
      out.seeds = [n];
    } else if (a === "--seeds") {
      const m = /^(-?\d+)\.\.(-?\d+)$/.exec(value());
      if (!m) throw new RangeError(`--seeds needs A..B, got ${argv[i]}`);
      const lo = Number(m[1]), hi = Number(m[2]);
      if (hi < lo) throw new RangeError(`--seeds ${lo}..${hi}: B must be >= A`);
      out.seeds = Array.from({ length: hi - lo + 1 }, (_, k) => lo + k);
    } else if (a === "--check-determinism") {
      out.determinism = true;
    } else if (a === "--capsules") {
      out.capsules = value();
    } else if (a.startsWith("--")) {
      throw new RangeError(`unknown option ${a}`);
    } else {
      out.names.push(a);
    }
  }
  return out;
}

function _progress(name: string, seed: number): ((f: number, t: number) => void) | undefined {
  if (!Deno.stdout.isTerminal()) return undefined;
  const enc = new TextEncoder();
  return (f, t) => {
    Deno.stdout.writeSync(
      enc.encode(`\r${name} seed=${seed} ${(f * 100).toFixed(0).padStart(3)}% t=${t.toFixed(0)}s `),
    );
  };
}

function _clearProgress(): void {
  if (Deno.stdout.isTerminal()) Deno.stdout.writeSync(new TextEncoder().encode("\r\x1b[K"));
}

/** Writes the capsule of a failed run; returns its path, or why it could not be written. */
function _writeCapsule(
  dir: string,
  scenario: Scenario,
  r: RunResult,
): { path: string } | { error: string } {
  const path = `${dir}/${r.scenario}-seed${r.seed}-${r.hash}.json`;
  try {
    Deno.mkdirSync(dir, { recursive: true });
    Deno.writeTextFileSync(path, JSON.stringify(capsuleOf(scenario, r), null, 2) + "\n");
  } catch (e) {
    return { error: `${path}: ${e instanceof Error ? e.message : String(e)}` };
  }
  return { path };
}

async function _run(args: _Args): Promise<number> {
  const names = args.names.length > 0 ? args.names : scenarioNames();
  let failed = 0;
  for (const name of names) {
    const scenario = loadScenario(name);
    for (const seed of args.seeds) {
      const r = await runScenario(scenario, seed, {
        onProgress: _progress(name, seed),
        participants: [managerParticipant()],
      });
      _clearProgress();
      let line = resultLine(r);
      if (args.determinism) {
        const again = await runScenario(scenario, seed, {
          onProgress: _progress(name, seed),
          participants: [managerParticipant()],
        });
        _clearProgress();
        if (again.hash !== r.hash) {
          r.failures.push(`determinism: hash ${r.hash} then ${again.hash}`);
          r.verdict = "FAIL";
          line = resultLine(r);
        }
        line += ` determinism=${again.hash === r.hash ? "ok" : "DIFFERENT"}`;
      }
      console.log(line);
      console.log(`  replay: deno task sim run ${name} --seed ${seed}`);
      if (r.verdict === "FAIL") {
        failed++;
        for (const f of r.failures) console.log(`  ${f}`);
        // A replay line only for a capsule that exists.
        const written = _writeCapsule(args.capsules, scenario, r);
        if ("path" in written) {
          console.log(`  capsule: ${written.path} (deno task sim replay ${written.path})`);
        } else {
          console.log(`  capsule: not written (${written.error})`);
        }
      }
    }
  }
  return failed > 0 ? 1 : 0;
}

/** The capsule at `path` and its scenario, or why there is none (one line). */
function _readCapsule(path: string): { capsule: Capsule; scenario: Scenario } | { error: string } {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { error: `${path}: no such capsule file` };
    return { error: `${path}: cannot be read (${e instanceof Error ? e.message : String(e)})` };
  }
  let capsule: Capsule;
  try {
    capsule = JSON.parse(text) as Capsule;
  } catch (e) {
    return { error: `${path}: not a capsule (not JSON: ${(e as Error).message})` };
  }
  if (typeof capsule !== "object" || capsule === null) {
    return { error: `${path}: not a capsule (not a JSON object)` };
  }
  if (capsule.format !== "mgrd-sim-capsule/1") {
    return { error: `${path}: not a capsule (format ${capsule.format})` };
  }
  try {
    return { capsule, scenario: validateScenario(capsule.scenario, path) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

async function _replay(path: string | undefined): Promise<number> {
  if (!path) {
    console.error(USAGE);
    return 2;
  }
  const read = _readCapsule(path);
  if ("error" in read) {
    console.error(`mgrd sim replay: ${read.error}`);
    return 2;
  }
  const { capsule, scenario } = read;
  const r = await runScenario(scenario, capsule.seed, {
    faults: capsule.faults,
    participants: [managerParticipant()],
  });
  console.log(resultLine(r));
  for (const f of r.failures) console.log(`  ${f}`);
  const same = r.hash === capsule.hash;
  console.log(
    `  hash ${same ? "matches the capsule" : `differs from the capsule's ${capsule.hash}`}`,
  );
  return r.verdict === "PASS" && same ? 0 : 1;
}

/**
 * Runs `mgrd sim` with the arguments after `sim`; resolves to the exit code (0: every run
 * passed, 1: a run failed, 2: bad usage or a capsule that cannot be read).
 *
 * @example
 * ```ts ignore
 * import { simMain } from "./cli.ts";
 * Deno.exit(await simMain(["run", "healthy-baseline", "--seeds", "1..3"]));
 * ```
 */
export async function simMain(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  try {
    if (first === "replay") return await _replay(rest[0]);
    if (first === "list") {
      for (const n of scenarioNames()) console.log(n);
      return 0;
    }
    if (first === "help" || first === "--help" || first === "-h") {
      console.log(USAGE);
      return 0;
    }
    return await _run(_parse(first === "run" ? rest : argv));
  } catch (e) {
    if (e instanceof RangeError || e instanceof TypeError) {
      console.error(`mgrd sim: ${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
}
