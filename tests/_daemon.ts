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
