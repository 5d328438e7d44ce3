/**
 * Wall time of one `mgrd ceph health` process against a running daemon, to compare with the
 * real `ceph health` (0.44 s on this kind of machine). Starts `main.ts serve --port 0` in a
 * temporary data directory; needs `--allow-run`, so `deno task bench` (which does not grant it)
 * skips these. Run them with:
 *
 *     deno bench --allow-read --allow-write --allow-env --allow-net --allow-sys --allow-run \
 *       bench/client_bench.ts
 */
import { cephMain } from "../core/client/ceph_cli.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const CLIENT = new URL("../core/client/ceph_cli.ts", import.meta.url).pathname;
const FLAGS = ["--allow-read", "--allow-write", "--allow-env", "--allow-net", "--allow-sys"];
const canRun = (await Deno.permissions.query({ name: "run" })).state === "granted";

let dataDir = "";
if (canRun) {
  dataDir = await Deno.makeTempDir({ prefix: "mgrd_client_bench_" });
  const daemon = new Deno.Command(Deno.execPath(), {
    args: ["run", ...FLAGS, MAIN, "serve", "--data-dir", dataDir, "--port", "0"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  globalThis.addEventListener("unload", () => {
    daemon.kill("SIGTERM");
  });
  const until = Date.now() + 30_000;
  while (!(await exists(`${dataDir}/mgrd.x.url`))) {
    if (Date.now() > until) throw new Error(`the daemon wrote no url file in ${dataDir}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function runProcess(args: string[]): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...FLAGS, ...args, "--data-dir", dataDir, "health"],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (out.code !== 0) throw new Error(new TextDecoder().decode(out.stderr));
}

const sink = { write: (p: Uint8Array) => Promise.resolve(p.length) };

Deno.bench({
  name: "process: deno run main.ts ceph health (real ceph health: 0.44 s)",
  group: "ceph health",
  baseline: true,
  ignore: !canRun,
  n: 10,
  warmup: 2,
  // An async function: deno bench awaits only those (a promise-returning arrow is timed as sync).
  fn: async () => await runProcess([MAIN, "ceph"]),
});

Deno.bench({
  name: "process: deno run core/client/ceph_cli.ts health (the client's own imports only)",
  group: "ceph health",
  ignore: !canRun,
  n: 10,
  warmup: 2,
  fn: async () => await runProcess([CLIENT]),
});

Deno.bench({
  name: "in-process: cephMain(['health']) (descriptions + command over HTTP)",
  ignore: !canRun,
  fn: async () => {
    const rc = await cephMain(["--data-dir", dataDir, "health"], { stdout: sink, stderr: sink });
    if (rc !== 0) throw new Error(`health exited ${rc}`);
  },
});
