/**
 * A real Prometheus server (Debian's `prometheus` package) scraping the exporter of a
 * simulated cluster through a 100 s mon outage: every scrape succeeds, so Ceph's
 * CephMgrPrometheusModuleInactive (`up{job="ceph"} == 0`) never goes pending; with the module
 * disabled it does, which shows the setup would see a failed scrape.
 *
 * The rule is restated from Ceph's monitoring/ceph-mixin/prometheus_alerts.yml. Skipped when
 * the prometheus binary is not installed.
 */
import assert from "node:assert/strict";
import { startTestCluster } from "mgr_module/testing";
import * as prometheus from "../modules/prometheus/module.ts";

async function havePrometheus(): Promise<boolean> {
  try {
    const out = await new Deno.Command("prometheus", { args: ["--version"], stdout: "null" })
      .output();
    return out.success;
  } catch {
    return false;
  }
}

const RULES = `groups:
  - name: mgr
    rules:
      - alert: CephMgrPrometheusModuleInactive
        expr: up{job="ceph"} == 0
        for: 1m
        labels:
          severity: critical
`;

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface VectorResult {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant query, at `time` (Unix seconds) when given. */
async function query(api: string, expr: string, time?: number): Promise<VectorResult[]> {
  const at = time === undefined ? "" : `&time=${time}`;
  const r = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(expr)}${at}`);
  const body = await r.json() as { status: string; data?: { result: VectorResult[] } };
  assert.deepStrictEqual(body.status, "success", `query ${expr}`);
  return body.data!.result;
}

/** Polls `f` every 250 ms (wall time) for up to `seconds`. */
async function until(what: string, seconds: number, f: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    if (await f()) return;
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}`);
}

Deno.test({
  name:
    "a real Prometheus sees the exporter up through a 100 s mon outage: no CephMgrPrometheusModuleInactive",
  ignore: !(await havePrometheus()),
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const exporterPort = freePort();
    const c = await startTestCluster({
      builtins: { prometheus },
      cluster: { hosts: 3, osdsPerHost: 3, pools: [{ name: "rbd", pgNum: 32 }] },
    });
    const dir = await Deno.makeTempDir();
    let server: Deno.ChildProcess | undefined;
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

      const webPort = freePort();
      const api = `http://127.0.0.1:${webPort}`;
      await Deno.writeTextFile(`${dir}/rules.yml`, RULES);
      await Deno.writeTextFile(
        `${dir}/prometheus.yml`,
        `global:
  scrape_interval: 1s
  scrape_timeout: 900ms
  evaluation_interval: 1s
rule_files: [rules.yml]
scrape_configs:
  - job_name: ceph
    honor_labels: true
    static_configs:
      - targets: ["127.0.0.1:${exporterPort}"]
`,
      );
      server = new Deno.Command("prometheus", {
        args: [
          `--config.file=${dir}/prometheus.yml`,
          `--storage.tsdb.path=${dir}/data`,
          `--web.listen-address=127.0.0.1:${webPort}`,
        ],
        cwd: dir,
        stdout: "null",
        stderr: "null",
      }).spawn();

      const up = async () => (await query(api, 'up{job="ceph"}'))[0]?.value[1];
      await until("Prometheus scraping the exporter", 60, async () => {
        try {
          return await up() === "1";
        } catch {
          return false;
        }
      });

      // 100 s of cluster time over some 12 s of wall time, scraped every second.
      const started = Date.now();
      c.cluster!.monOutage(100);
      let away = 0;
      for (let t = 0; t < 100; t += 4) {
        await c.run(4);
        const m = c.manager.host.instance("prometheus") as prometheus.Module;
        if (!m.have_mon_connection()) away++;
        await sleep(500);
      }
      assert(away >= 20, `the manager had no mon session for most of the outage (${away}/25)`);
      const ended = Date.now();
      await c.run(30);
      // The last scrape of the outage stored.
      await sleep(2000);

      const window = `[${Math.ceil((ended - started) / 1000)}s]`;
      const at = ended / 1000;
      const scrapes = await query(api, `count_over_time(up{job="ceph"}${window})`, at);
      assert(Number(scrapes[0]?.value[1]) >= 8, `scrapes in the outage: ${scrapes[0]?.value[1]}`);
      const worst = await query(api, `min_over_time(up{job="ceph"}${window})`, at);
      assert.deepStrictEqual(worst[0]?.value[1], "1", "every scrape of the outage succeeded");
      const alerts = await query(
        api,
        `max_over_time(ALERTS{alertname="CephMgrPrometheusModuleInactive"}${window})`,
        at,
      );
      assert.deepStrictEqual(alerts, [], "CephMgrPrometheusModuleInactive never pending");

      // The same server sees a failed scrape: the alert goes pending once the module is off.
      await c.command({ prefix: "mgr module disable", module: "prometheus" });
      await c.run(5);
      await until("CephMgrPrometheusModuleInactive pending", 30, async () => {
        const r = await query(api, 'ALERTS{alertname="CephMgrPrometheusModuleInactive"}');
        return r.some((a) => a.metric.alertstate === "pending");
      });
    } finally {
      if (server) {
        server.kill("SIGTERM");
        await server.status;
      }
      await c.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
