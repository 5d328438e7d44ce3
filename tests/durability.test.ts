import assert from "node:assert/strict";
import { MonStore } from "../sim/mon/mon_store.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const MODULES = new URL("./fixtures/modules", import.meta.url).pathname;

function spawnDaemon(dataDir: string, ackFile: string, run: number): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      MAIN,
      "serve",
      "--data-dir",
      dataDir,
      "--mgr-module-path",
      MODULES,
      "--initial-modules",
      "writer",
      // Not the default 7480: other daemons on a shared machine may hold it.
      "--port",
      "0",
    ],
    env: { MGRD_TEST_ACK_FILE: ackFile, MGRD_TEST_RUN: String(run), NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).spawn();
}

function acknowledged(ackFile: string): string[] {
  let text = "";
  try {
    text = Deno.readTextFileSync(ackFile);
  } catch {
    return [];
  }
  // A kill can cut the last line short; only whole lines were acknowledged.
  return text.split("\n").slice(0, -1);
}

async function waitFor(what: string, check: () => boolean, seconds = 30): Promise<void> {
  const deadline = performance.now() + seconds * 1000;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("every set_store acknowledged before a SIGKILL is in the store after a restart", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mgrd-durability-" });
  const ackFile = `${dir}/acks`;
  try {
    for (let run = 1; run <= 3; run++) {
      const before = acknowledged(ackFile).length;
      const daemon = spawnDaemon(`${dir}/data`, ackFile, run);
      const stderr = daemon.stderr.pipeTo(new WritableStream());
      // Kill at a different depth into the stream each time.
      await waitFor(
        `run ${run} to acknowledge writes`,
        () => acknowledged(ackFile).length >= before + 40 * run,
      );
      daemon.kill("SIGKILL");
      const status = await daemon.status;
      await stderr.catch(() => {});
      assert.equal(status.signal, "SIGKILL");
    }

    // The store opens cleanly under a normal start and stop after the kills.
    const daemon = spawnDaemon(`${dir}/data`, `${dir}/acks-final`, 99);
    const lines: string[] = [];
    const decoder = new TextDecoderStream();
    const reading = daemon.stderr.pipeThrough(decoder).pipeTo(
      new WritableStream({ write: (chunk) => void lines.push(chunk) }),
    );
    await waitFor("the restarted daemon to start", () => lines.join("").includes("mgr.x active"));
    daemon.kill("SIGTERM");
    assert.equal((await daemon.status).code, 0);
    await reading;
    assert.match(lines.join(""), /mgr\.x stopped/);

    const store = MonStore.open(`${dir}/data/mon/store.db`);
    try {
      const acked = acknowledged(ackFile);
      assert.ok(acked.length >= 240, `only ${acked.length} writes were acknowledged`);
      const missing = acked.filter((key) => store.getKv(`mgr/writer/${key}`) === undefined);
      assert.deepEqual(missing, [], "acknowledged writes lost");
      for (const key of acked) {
        const [run, n] = key.slice(1).split("/");
        assert.equal(store.getKv(`mgr/writer/${key}`), `value ${run}.${Number(n)}`);
      }
    } finally {
      store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
