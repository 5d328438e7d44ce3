/**
 * Commands per second through the admin endpoint of a real `mgrd serve` process (the manager,
 * validation, dispatch and the mon), with 8 concurrent clients in this process. Each benchmark
 * run is a batch of 2,000 commands: commands/s = 2,000 / the time shown.
 *
 *   deno bench --allow-all bench/daemon_http_bench.ts
 */
const MAIN = new URL("../main.ts", import.meta.url).pathname;
const BATCH = 2000;
const CLIENTS = 8;

const dir = Deno.makeTempDirSync({ prefix: "mgrd-http-bench-" });
const daemon = new Deno.Command(Deno.execPath(), {
  args: ["run", "--allow-all", MAIN, "serve", "--data-dir", dir, "--port", "0"],
  stdout: "null",
  stderr: "null",
}).spawn();
let url = "";
for (let i = 0; i < 200 && !url; i++) {
  try {
    url = Deno.readTextFileSync(`${dir}/mgrd.x.url`).trim();
  } catch {
    await new Promise((r) => setTimeout(r, 50));
  }
}
if (!url) throw new Error("the daemon did not start");
const key = /key = (\S+)/.exec(Deno.readTextFileSync(`${dir}/keyring`))![1]!;

async function batch(cmd: Record<string, unknown>): Promise<void> {
  const init = {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(cmd),
  };
  const client = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const body = await (await fetch(`${url}/api/v1/command`, init)).json();
      if (body.retval !== 0) throw new Error(`retval ${body.retval}: ${body.stderr}`);
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, () => client(BATCH / CLIENTS)));
}

Deno.bench({
  name: `health: ${BATCH} commands, ${CLIENTS} clients`,
  n: 5,
  warmup: 1,
  async fn() {
    await batch({ prefix: "health" });
  },
});
Deno.bench({
  name: `mgr module ls -f json: ${BATCH} commands, ${CLIENTS} clients`,
  n: 5,
  warmup: 1,
  async fn() {
    await batch({ prefix: "mgr module ls", format: "json" });
  },
});
Deno.bench({
  name: "one `mgrd ceph health` process",
  n: 10,
  warmup: 1,
  async fn() {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", MAIN, "ceph", "--data-dir", dir, "health"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (out.code !== 0) throw new Error(new TextDecoder().decode(out.stderr));
  },
});

globalThis.addEventListener("unload", () => {
  daemon.kill("SIGTERM");
});
