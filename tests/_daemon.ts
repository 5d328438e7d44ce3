/**
 * Driving `main.ts` as separate processes, as the binary would run: a daemon and `mgrd ceph`.
 */

/** The program the binary contains. */
export const MAIN = new URL("../main.ts", import.meta.url).pathname;

/** Runs `mgrd ceph --data-dir <dir> <words...>` and returns its exit code and output. */
export async function ceph(dataDir: string, ...words: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, "ceph", "--data-dir", dataDir, ...words],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { rc: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Polls `check` every 250 ms until it holds; throws after `seconds` of wall time. */
export async function until(what: string, check: () => Promise<boolean>, seconds = 60) {
  const deadline = performance.now() + seconds * 1000;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Starts `mgrd serve --data-dir <dir> --port 0 <extra...>` and waits for its URL file. */
export async function startDaemon(dataDir: string, ...extra: string[]): Promise<Deno.ChildProcess> {
  const daemon = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, "serve", "--data-dir", dataDir, "--port", "0", ...extra],
    stdout: "null",
    stderr: "null",
  }).spawn();
  await until("the daemon's url file", async () => {
    try {
      await Deno.stat(`${dataDir}/mgrd.x.url`);
      return true;
    } catch {
      return false;
    }
  });
  return daemon;
}

/** What {@linkcode withExporter} asks of a manager: its command entry point. */
interface Commands {
  command(cmd: Record<string, unknown>): Promise<{ r: number; outb: string; outs: string }>;
}

/**
 * Enables the prometheus module of manager `m` on a free port, waits for its URI in `mgr
 * services`, runs `fn` with it (`http://host:port/`), then disables the module and removes
 * the port option again.
 */
export async function withExporter(m: Commands, fn: (uri: string) => Promise<void>) {
  const port = await m.command({
    prefix: "config set",
    who: "mgr",
    name: "mgr/prometheus/server_port",
    value: "0",
  });
  if (port.r !== 0) throw new Error(`config set server_port: ${port.outs}`);
  try {
    const enable = await m.command({ prefix: "mgr module enable", module: "prometheus" });
    if (enable.r !== 0) throw new Error(`mgr module enable prometheus: ${enable.outs}`);
    let uri = "";
    await until("the exporter's URI in mgr services", async () => {
      const services = await m.command({ prefix: "mgr services", format: "json" });
      uri = (JSON.parse(services.outb) as { prometheus?: string }).prometheus ?? "";
      return uri !== "";
    }, 20);
    await fn(uri);
  } finally {
    await m.command({ prefix: "mgr module disable", module: "prometheus" });
    await m.command({ prefix: "config rm", who: "mgr", name: "mgr/prometheus/server_port" });
  }
}
