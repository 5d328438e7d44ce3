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

function _writeCapsule(dir: string, scenario: Scenario, r: RunResult): string {
  Deno.mkdirSync(dir, { recursive: true });
  const path = `${dir}/${r.scenario}-seed${r.seed}-${r.hash}.json`;
  Deno.writeTextFileSync(path, JSON.stringify(capsuleOf(scenario, r), null, 2) + "\n");
  return path;
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
        const path = _writeCapsule(args.capsules, scenario, r);
        console.log(`  capsule: ${path} (deno task sim replay ${path})`);
      }
    }
  }
  return failed > 0 ? 1 : 0;
}

async function _replay(path: string | undefined): Promise<number> {
  if (!path) {
    console.error(USAGE);
    return 2;
  }
  const capsule = JSON.parse(Deno.readTextFileSync(path)) as Capsule;
  if (capsule.format !== "mgrd-sim-capsule/1") {
    throw new TypeError(`${path}: not a capsule (format ${capsule.format})`);
  }
  const scenario = validateScenario(capsule.scenario, path);
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
 * passed, 1: a run failed, 2: bad usage).
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
