/**
 * The SIGKILL loop: kills `mgrd serve` with SIGKILL, again and again, in the middle of a stream
 * of awaited writes, restarting it on the same data dir each time, then checks that every write
 * that was acknowledged is in the store with its value.
 *
 * Three writers run in every round, each awaiting one write at a time:
 * - a module (`tools/sigkill_modules/writer`) calling `await this.set_store(key, value)` and
 *   appending the key to a file once the promise resolved;
 * - a client sending `config-key set sigkill/r<round>/<n> v<round>.<n>` over HTTP;
 * - a client sending `config set client.sigkill.<round> osd_max_backfills <n>`, one option
 *   overwritten again and again, as configuration is used.
 *
 * Each round waits for the admin endpoint, lets the writers run for a random time, and kills the
 * daemon. At the end a daemon starts normally on the data dir, `config-key dump` and
 * `config dump` are read from it, it must stop cleanly on SIGTERM, and SQLite's
 * `integrity_check` must pass. A write is lost when its key is missing (or, for `config set`,
 * holds a value older than the last acknowledged one), corrupted when it holds another value.
 *
 * ```sh
 * deno run -A tools/sigkill_loop.ts --kills 200 [--data-dir DIR] [--seed N] [--min-ms 300]
 *   [--max-ms 2500]
 * ```
 *
 * It prints one line per 10 rounds and the figures; it exits 1 if a write was lost or
 * corrupted. Without `--data-dir` it works in a temporary folder, removed at the end.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { DatabaseSync } from "node:sqlite";
import { resolveTarget } from "../core/client/daemon_client.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const MODULES = new URL("./sigkill_modules", import.meta.url).pathname;

/** How a loop runs. */
export interface SigkillLoopOptions {
  kills: number;
  dataDir: string;
  seed: number;
  /** How long the writers run in a round before the kill, at least and at most (ms). */
  minMs: number;
  maxMs: number;
  /** Called with a line of progress. */
  progress?: (line: string) => void;
}

/** What a loop found. */
export interface SigkillLoopResult {
  kills: number;
  /** Acknowledged writes, by writer. */
  acked: { setStore: number; configKeySet: number; configSet: number };
  lost: string[];
  corrupted: string[];
  integrity: string;
  wallSeconds: number;
  /** The mean time from spawning the daemon to its admin endpoint answering (ms). */
  meanStartMs: number;
}

/** A small seeded generator: a run is replayed with its seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function spawn(dataDir: string, ackFile: string, round: number): Deno.ChildProcess {
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
      "--port",
      "0",
    ],
    env: { MGRD_WRITER_ACK_FILE: ackFile, MGRD_WRITER_RUN: String(round), NO_COLOR: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for the daemon's URL file and an answer from its endpoint; undefined if it exited. */
async function endpoint(
  dataDir: string,
  daemon: Deno.ChildProcess,
  exited: { done: boolean },
): Promise<{ url: string; key: string } | undefined> {
  const deadline = performance.now() + 120_000;
  while (performance.now() < deadline) {
    if (exited.done) return undefined;
    try {
      const t = await resolveTarget({ dataDir, entity: "client.admin" });
      const res = await fetch(`${t.url}/api/v1/health`, {
        headers: { authorization: `Bearer ${t.key}` },
      });
      await res.body?.cancel();
      if (res.status === 200) return { url: t.url, key: t.key };
    } catch {
      // Not up yet.
    }
    await sleep(20);
  }
  daemon.kill("SIGKILL");
  throw new Error("the daemon's endpoint did not answer within 120 s");
}

async function command(
  target: { url: string; key: string },
  cmd: Record<string, unknown>,
): Promise<{ retval: number; stdout: string; stderr: string }> {
  const res = await fetch(`${target.url}/api/v1/command`, {
    method: "POST",
    headers: { authorization: `Bearer ${target.key}` },
    body: JSON.stringify(cmd),
  });
  const body = await res.json();
  return { retval: Number(body.retval), stdout: String(body.stdout), stderr: String(body.stderr) };
}

function ackedKeys(ackFile: string): string[] {
  let text = "";
  try {
    text = Deno.readTextFileSync(ackFile);
  } catch {
    return [];
  }
  // A kill can cut the last line short; only whole lines were acknowledged.
  return text.split("\n").slice(0, -1);
}

/** Runs the loop and checks the store; see the module doc. */
export async function runSigkillLoop(o: SigkillLoopOptions): Promise<SigkillLoopResult> {
  const started = performance.now();
  const rand = mulberry32(o.seed);
  const ackFile = `${o.dataDir}/sigkill.acks`;
  await Deno.mkdir(o.dataDir, { recursive: true });
  const configKeyAcked = new Map<string, string>();
  // Per round: the last value acknowledged and the last one sent (which may have committed).
  const configAcked = new Map<number, { acked: number; sent: number; count: number }>();
  const startTimes: number[] = [];
  for (let round = 1; round <= o.kills; round++) {
    await Deno.remove(`${o.dataDir}/mgrd.x.url`).catch(() => {});
    const spawnedAt = performance.now();
    const daemon = spawn(o.dataDir, ackFile, round);
    const exited = { done: false };
    const status = daemon.status.then((s) => {
      exited.done = true;
      return s;
    });
    const target = await endpoint(o.dataDir, daemon, exited);
    if (!target) throw new Error(`round ${round}: the daemon exited before answering`);
    startTimes.push(performance.now() - spawnedAt);
    let stop = false;
    const configKeys = (async () => {
      for (let n = 0; !stop; n++) {
        const key = `sigkill/r${round}/${String(n).padStart(6, "0")}`;
        const val = `v${round}.${n}`;
        try {
          const r = await command(target, { prefix: "config-key set", key, val });
          if (r.retval === 0) configKeyAcked.set(key, val);
        } catch {
          return; // killed
        }
      }
    })();
    const entry = { acked: 0, sent: 0, count: 0 };
    configAcked.set(round, entry);
    const configs = (async () => {
      for (let n = 1; !stop; n++) {
        entry.sent = n;
        try {
          const r = await command(target, {
            prefix: "config set",
            who: `client.sigkill.${round}`,
            name: "osd_max_backfills",
            value: String(n),
          });
          if (r.retval === 0) {
            entry.acked = n;
            entry.count++;
          }
        } catch {
          return;
        }
      }
    })();
    await sleep(o.minMs + rand() * (o.maxMs - o.minMs));
    daemon.kill("SIGKILL");
    const s = await status;
    stop = true;
    await Promise.all([configKeys, configs]);
    if (s.signal !== "SIGKILL") {
      throw new Error(`round ${round}: the daemon ended with ${JSON.stringify(s)}, not SIGKILL`);
    }
    if (round % 10 === 0 || round === o.kills) {
      o.progress?.(
        `${round} kills; acknowledged: set_store ${ackedKeys(ackFile).length}, ` +
          `config-key set ${configKeyAcked.size}, config set ${
            [...configAcked.values()].filter((e) => e.acked > 0).length
          } rounds; ${((performance.now() - started) / 1000).toFixed(0)} s`,
      );
    }
  }

  // The check, through a daemon started normally on what the kills left.
  await Deno.remove(`${o.dataDir}/mgrd.x.url`).catch(() => {});
  const daemon = spawn(o.dataDir, `${o.dataDir}/sigkill.acks-check`, 0);
  const exited = { done: false };
  const status = daemon.status.then((s) => {
    exited.done = true;
    return s;
  });
  const target = await endpoint(o.dataDir, daemon, exited);
  if (!target) throw new Error("the checking daemon exited before answering");
  // The writer module keeps writing (run 0); the keys checked are those of the kill rounds.
  const kvDump = await command(target, { prefix: "config-key dump", format: "json" });
  const configDump = await command(target, { prefix: "config dump", format: "json" });
  daemon.kill("SIGTERM");
  const end = await status;
  if (kvDump.retval !== 0 || configDump.retval !== 0) {
    throw new Error(`the dumps failed: ${kvDump.stderr} ${configDump.stderr}`);
  }
  if (end.code !== 0) throw new Error(`the checking daemon stopped with ${JSON.stringify(end)}`);
  const kv = JSON.parse(kvDump.stdout) as Record<string, string>;
  const config = new Map(
    (JSON.parse(configDump.stdout) as { section: string; name: string; value: string }[])
      .map((e) => [`${e.section}/${e.name}`, e.value]),
  );
  const lost: string[] = [];
  const corrupted: string[] = [];
  const moduleAcked = ackedKeys(ackFile);
  for (const key of moduleAcked) {
    const [run, n] = key.slice(1).split("/");
    const want = `value ${run}.${Number(n)}`;
    const got = Object.hasOwn(kv, `mgr/writer/${key}`) ? kv[`mgr/writer/${key}`] : undefined;
    if (got === undefined) lost.push(`set_store ${key}`);
    else if (got !== want) corrupted.push(`set_store ${key}: ${JSON.stringify(got)}`);
  }
  for (const [key, want] of configKeyAcked) {
    const got = Object.hasOwn(kv, key) ? kv[key] : undefined;
    if (got === undefined) lost.push(`config-key ${key}`);
    else if (got !== want) corrupted.push(`config-key ${key}: ${JSON.stringify(got)}`);
  }
  for (const [round, { acked, sent }] of configAcked) {
    if (acked === 0) continue;
    const got = config.get(`client.sigkill.${round}/osd_max_backfills`);
    const n = Number(got);
    if (got === undefined || n < acked) lost.push(`config set round ${round}: ${got} < ${acked}`);
    else if (!Number.isInteger(n) || n > sent) {
      corrupted.push(`config set round ${round}: ${JSON.stringify(got)}`);
    }
  }
  const db = new DatabaseSync(`${o.dataDir}/mon/store.db`, { readOnly: true });
  let integrity: string;
  try {
    integrity = String(db.prepare("PRAGMA integrity_check").get()?.integrity_check);
  } finally {
    db.close();
  }
  if (integrity !== "ok") corrupted.push(`integrity_check: ${integrity}`);
  return {
    kills: o.kills,
    acked: {
      setStore: moduleAcked.length,
      configKeySet: configKeyAcked.size,
      configSet: [...configAcked.values()].reduce((n, e) => n + e.count, 0),
    },
    lost,
    corrupted,
    integrity,
    wallSeconds: (performance.now() - started) / 1000,
    meanStartMs: startTimes.reduce((a, b) => a + b, 0) / Math.max(1, startTimes.length),
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      kills: { type: "string", default: "200" },
      "data-dir": { type: "string" },
      seed: { type: "string", default: String(Date.now() % 2 ** 31) },
      "min-ms": { type: "string", default: "300" },
      "max-ms": { type: "string", default: "2500" },
    },
    strict: true,
  });
  const temp = values["data-dir"] === undefined;
  const dataDir = values["data-dir"] ?? await Deno.makeTempDir({ prefix: "mgrd-sigkill-" });
  const opts = {
    kills: Number(values.kills),
    dataDir,
    seed: Number(values.seed),
    minMs: Number(values["min-ms"]),
    maxMs: Number(values["max-ms"]),
    progress: (line: string) => console.log(line),
  };
  for (const [name, v] of Object.entries(opts)) {
    if (typeof v === "number" && !(Number.isInteger(v) && v >= 0)) {
      console.error(`sigkill_loop: --${name} must be a whole number`);
      Deno.exit(22);
    }
  }
  console.log(`sigkill_loop: ${opts.kills} kills on ${dataDir}, seed ${opts.seed}`);
  try {
    const r = await runSigkillLoop(opts);
    const total = r.acked.setStore + r.acked.configKeySet + r.acked.configSet;
    console.log(
      `sigkill_loop: ${r.kills} SIGKILLs in ${r.wallSeconds.toFixed(0)} s ` +
        `(mean start to answering ${r.meanStartMs.toFixed(0)} ms); acknowledged writes ${total} ` +
        `(set_store ${r.acked.setStore}, config-key set ${r.acked.configKeySet}, ` +
        `config set ${r.acked.configSet}); lost ${r.lost.length}, corrupted ${r.corrupted.length}; ` +
        `integrity_check ${r.integrity}`,
    );
    for (const line of [...r.lost, ...r.corrupted].slice(0, 20)) console.log(`  ${line}`);
    if (r.lost.length || r.corrupted.length) Deno.exitCode = 1;
  } finally {
    if (temp) {
      await Deno.remove(dataDir, { recursive: true });
    }
  }
}
