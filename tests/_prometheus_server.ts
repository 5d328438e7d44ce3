/**
 * A real Prometheus server (Debian's `prometheus` package, which .ci/run installs) for the
 * tests that scrape the exporter with it: start it on loopback against one target, query its
 * HTTP API, poll it in wall time. The tests using it skip when the binary is not installed.
 */
import assert from "node:assert/strict";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import * as prometheus from "../modules/prometheus/module.ts";

/** Whether `prometheus` runs on this machine; when not, says so on stderr for `test`. */
export async function havePrometheus(test: string): Promise<boolean> {
  try {
    const out = await new Deno.Command("prometheus", { args: ["--version"], stdout: "null" })
      .output();
    if (out.success) return true;
  } catch {
    // Not installed: said below.
  }
  console.warn(`SKIPPED ${test}: no prometheus binary (Debian's prometheus package)`);
  return false;
}

/** A loopback port free at the time of asking. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Waits `ms` of wall time: Prometheus scrapes and evaluates by the wall clock. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One series of an instant vector. */
export interface VectorResult {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant query, at `time` (Unix seconds) when given. */
export async function query(api: string, expr: string, time?: number): Promise<VectorResult[]> {
  const at = time === undefined ? "" : `&time=${time}`;
  const r = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(expr)}${at}`);
  const body = await r.json() as { status: string; data?: { result: VectorResult[] } };
  assert.deepStrictEqual(body.status, "success", `query ${expr}`);
  return body.data!.result;
}

/** An active alert as /api/v1/alerts lists it. */
export interface ActiveAlert {
  labels: Record<string, string>;
  state: "pending" | "firing";
  value: string;
}

/** Every pending or firing alert of the server. */
export async function activeAlerts(api: string): Promise<ActiveAlert[]> {
  const r = await fetch(`${api}/api/v1/alerts`);
  const body = await r.json() as { status: string; data?: { alerts: ActiveAlert[] } };
  assert.deepStrictEqual(body.status, "success", "GET /api/v1/alerts");
  return body.data!.alerts;
}

/** Polls `f` every 250 ms (wall time) for up to `seconds`. */
export async function until(
  what: string,
  seconds: number,
  f: () => Promise<boolean>,
): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    if (await f()) return;
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A running server: its API base URL, and how to stop it. */
export interface PrometheusServer {
  api: string;
  stop(): Promise<void>;
}

/**
 * Starts Prometheus in `dir` scraping `target` (host:port) as job `ceph` with `honor_labels`,
 * as Ceph's documentation sets it up, every second, evaluating `ruleFiles` (absolute paths, or
 * relative to `dir`) every second; waits until its first scrape of the target succeeded.
 */
export async function startPrometheus(
  dir: string,
  target: string,
  ruleFiles: string[],
): Promise<PrometheusServer> {
  const webPort = freePort();
  const api = `http://127.0.0.1:${webPort}`;
  await Deno.writeTextFile(
    `${dir}/prometheus.yml`,
    `global:
  scrape_interval: 1s
  scrape_timeout: 900ms
  evaluation_interval: 1s
rule_files: ${JSON.stringify(ruleFiles)}
scrape_configs:
  - job_name: ceph
    honor_labels: true
    static_configs:
      - targets: ["${target}"]
`,
  );
  const child = new Deno.Command("prometheus", {
    args: [
      `--config.file=${dir}/prometheus.yml`,
      `--storage.tsdb.path=${dir}/data`,
      `--web.listen-address=127.0.0.1:${webPort}`,
    ],
    cwd: dir,
    stdout: "null",
    stderr: "null",
  }).spawn();
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    await child.status;
  };
  try {
    await until("Prometheus scraping the exporter", 60, async () => {
      try {
        return (await query(api, 'up{job="ceph"}'))[0]?.value[1] === "1";
      } catch {
        return false;
      }
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { api, stop };
}

/** Ceph 16.2.15's alert rules, as fetched into tests/ceph-reference/monitoring/. */
export const CEPH_ALERT_RULES =
  new URL("./ceph-reference/monitoring/prometheus_alerts.yml", import.meta.url).pathname;

/**
 * A simulated cluster of 3 hosts × 3 OSDs with the prometheus module serving on a free port,
 * 30 s in, and a real Prometheus scraping it with `ruleFiles`; all stopped after `fn`.
 */
export async function withScrapedCluster(
  ruleFiles: string[],
  fn: (c: TestCluster, api: string) => Promise<void>,
): Promise<void> {
  const exporterPort = freePort();
  const c = await startTestCluster({
    builtins: { prometheus },
    cluster: { hosts: 3, osdsPerHost: 3, pools: [{ name: "rbd", pgNum: 32 }] },
  });
  const dir = await Deno.makeTempDir();
  let server: PrometheusServer | undefined;
  try {
    const set = await c.command({
      prefix: "config set",
      who: "mgr",
      name: "mgr/prometheus/server_port",
      value: String(exporterPort),
    });
    assert.deepStrictEqual(set.r, 0, set.outs);
    await c.command({ prefix: "mgr module enable", module: "prometheus" });
    await c.run(30);
    server = await startPrometheus(dir, `127.0.0.1:${exporterPort}`, ruleFiles);
    await fn(c, server.api);
  } finally {
    await server?.stop();
    await c.stop();
    await Deno.remove(dir, { recursive: true });
  }
}
