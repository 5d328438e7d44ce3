/**
 * `mgrd serve` refuses options it cannot use before it starts anything, and reaches its cluster
 * only through a cluster binding: the daemon's code names the simulator in one place.
 */
import assert from "node:assert/strict";
import { MAIN } from "./_daemon.ts";

async function serve(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, "serve", ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("mgrd serve refuses a --mgr-module-path that is no folder, with exit 22, and creates nothing", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "mgrd-serve-" });
  try {
    const file = `${dir}/a-file`;
    Deno.writeTextFileSync(file, "");
    const cases: [string, string][] = [
      [`${dir}/nosuch`, `mgrd serve: --mgr-module-path '${dir}/nosuch' does not exist`],
      [file, `mgrd serve: --mgr-module-path '${file}' is not a folder`],
    ];
    for (const [path, message] of cases) {
      const r = await serve("--data-dir", `${dir}/data`, "--port", "0", "--mgr-module-path", path);
      assert.equal(r.code, 22);
      assert.equal(r.stderr.split("\n")[0], message);
      assert.match(r.stderr, /usage: mgrd serve \[options\]/);
    }
    assert.throws(() => Deno.statSync(`${dir}/data`), Deno.errors.NotFound);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("mgrd serve refuses the embedded cluster's bad options through its binding, with exit 22", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "mgrd-serve-" });
  try {
    const seed = await serve("--data-dir", `${dir}/data`, "--seed", "1.5");
    assert.equal(seed.code, 22);
    assert.equal(seed.stderr.split("\n")[0], "mgrd serve: --seed '1.5' is not an integer");
    const scenario = await serve("--data-dir", `${dir}/data`, "--scenario", "nosuch");
    assert.equal(scenario.code, 22);
    assert.match(scenario.stderr.split("\n")[0]!, /^mgrd serve: no scenario "nosuch"; known: /);
    assert.throws(() => Deno.statSync(`${dir}/data`), Deno.errors.NotFound);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("the daemon's code imports the simulator only where serve picks the embedded binding", () => {
  const daemonDir = new URL("../daemon/", import.meta.url);
  const simImports: string[] = [];
  for (const entry of Deno.readDirSync(daemonDir)) {
    if (!entry.name.endsWith(".ts")) continue;
    const text = Deno.readTextFileSync(new URL(entry.name, daemonDir));
    for (const m of text.matchAll(/(import\s*\(|from)\s*"([^"]+)"/g)) {
      if (m[2]!.includes("/sim/")) simImports.push(`${entry.name}: ${m[0]}`);
    }
  }
  assert.deepEqual(simImports, ['serve.ts: import("../sim/embedded.ts"']);
});

Deno.test("mgrd serve refuses real-cluster options without --ceph-conf (22), and names a missing ceph.conf with its errno", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "mgrd-serve-" });
  try {
    for (const flag of ["--name", "--keyring", "--ha-pool"]) {
      const r = await serve("--data-dir", `${dir}/data`, "--port", "0", flag, "x");
      assert.equal(r.code, 22);
      assert.equal(r.stderr.split("\n")[0], `mgrd serve: ${flag} needs --ceph-conf`);
    }
    const r = await serve(
      "--data-dir",
      `${dir}/data`,
      "--port",
      "0",
      "--ceph-conf",
      `${dir}/no.conf`,
    );
    // ENOENT either way: no such ceph.conf, or (where it is not installed) no librados2.
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim().split("\n").length, 1, `one line, no stack trace: ${r.stderr}`);
    assert.match(r.stderr, /^mgrd serve: .*Error ENOENT/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
