/**
 * `mgrd sim` tells a user what went wrong in one line, and points at a capsule only where one
 * was written.
 */
import assert from "node:assert/strict";
import { simMain } from "../sim/cli.ts";

/** Runs simMain with console.log and console.error captured, line by line. */
async function captured(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log, error = console.error;
  console.log = (...a: unknown[]) => out.push(...a.join(" ").split("\n"));
  console.error = (...a: unknown[]) => err.push(...a.join(" ").split("\n"));
  try {
    return { code: await simMain(argv), out, err };
  } finally {
    console.log = log;
    console.error = error;
  }
}

/** A scenario whose expectation cannot hold (OSD_DOWN absent while the OSD is down). */
const NEVER_CLEAN = {
  name: "never-clean",
  duration: 600,
  cluster: { hosts: 3, osdsPerHost: 2, pools: [{ name: "rbd", pgNum: 32 }] },
  faults: [{ kind: "osd-down", at: 30, duration: 60, osd: 1 }],
  expect: [{ at: 60, absent: ["OSD_DOWN"] }],
};

Deno.test("mgrd sim replay of a capsule file that does not exist: one line, exit 2, no stack trace", async () => {
  const r = await captured(["replay", "nosuch-capsule.json"]);
  assert.equal(r.code, 2);
  assert.deepEqual(r.err, ["mgrd sim replay: nosuch-capsule.json: no such capsule file"]);
  assert.deepEqual(r.out, []);
});

Deno.test("mgrd sim replay of a file that is no capsule: one line naming what is wrong", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const cases: [string, string, RegExp][] = [
      [
        "garbage.json",
        "{not json",
        /^mgrd sim replay: \S+garbage\.json: not a capsule \(not JSON: /,
      ],
      [
        "null.json",
        "null",
        /^mgrd sim replay: \S+null\.json: not a capsule \(not a JSON object\)$/,
      ],
      [
        "other.json",
        '{"format":"x"}',
        /^mgrd sim replay: \S+other\.json: not a capsule \(format x\)$/,
      ],
      [
        "no-scenario.json",
        '{"format":"mgrd-sim-capsule/1","seed":1,"faults":[]}',
        /^mgrd sim replay: \S+no-scenario\.json: must be an object$/,
      ],
    ];
    for (const [name, text, message] of cases) {
      Deno.writeTextFileSync(`${dir}/${name}`, text);
      const r = await captured(["replay", `${dir}/${name}`]);
      assert.equal(r.code, 2, name);
      assert.equal(r.err.length, 1, r.err.join("\n"));
      assert.match(r.err[0]!, message);
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("mgrd sim run: a passing run prints no capsule line, a failed one whose capsule cannot be written prints no replay of it", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const scenarioPath = `${dir}/never-clean.json`;
    Deno.writeTextFileSync(scenarioPath, JSON.stringify(NEVER_CLEAN));
    // --capsules names a file, so the capsule's folder cannot be made.
    const blocker = `${dir}/not-a-folder`;
    Deno.writeTextFileSync(blocker, "");
    const failed = await captured(["run", scenarioPath, "--seed", "5", "--capsules", blocker]);
    assert.equal(failed.code, 1);
    assert.match(failed.out[0] ?? "", /^FAIL never-clean seed=5 /);
    assert.ok(failed.out.every((l) => !l.includes("sim replay")), failed.out.join("\n"));
    const capsule = failed.out.filter((l) => l.includes("capsule:"));
    assert.equal(capsule.length, 1);
    assert.match(capsule[0]!, /^ {2}capsule: not written \(\S+not-a-folder\/never-clean-seed5-/);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
      "never-clean.json",
      "not-a-folder",
    ]);

    const cleanPath = `${dir}/clean.json`;
    Deno.writeTextFileSync(
      cleanPath,
      JSON.stringify({ ...NEVER_CLEAN, name: "clean", expect: [] }),
    );
    const passing = await captured(["run", cleanPath, "--capsules", `${dir}/capsules`]);
    assert.equal(passing.code, 0, passing.out.join("\n"));
    assert.match(passing.out[0] ?? "", /^PASS clean seed=1 /);
    assert.ok(passing.out.every((l) => !l.includes("capsule")), passing.out.join("\n"));
    assert.throws(() => Deno.statSync(`${dir}/capsules`), Deno.errors.NotFound);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
