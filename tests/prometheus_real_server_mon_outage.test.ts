/**
 * A real Prometheus server (Debian's `prometheus` package) scraping the exporter of a
 * simulated cluster through a 100 s mon outage: every scrape succeeds, so Ceph's
 * CephMgrPrometheusModuleInactive (`up{job="ceph"} == 0`) never goes pending; with the module
 * disabled it does, which shows the setup would see a failed scrape.
 *
 * The rules are Ceph 16.2.15's own file, as fetched into tests/ceph-reference/monitoring/.
 * Skipped, with a warning, when the prometheus binary is not installed.
 */
import assert from "node:assert/strict";
import type * as prometheus from "../modules/prometheus/module.ts";
import {
  CEPH_ALERT_RULES,
  havePrometheus,
  query,
  sleep,
  until,
  withScrapedCluster,
} from "./_prometheus_server.ts";

Deno.test({
  name:
    "a real Prometheus sees the exporter up through a 100 s mon outage: no CephMgrPrometheusModuleInactive",
  ignore: !(await havePrometheus("the mon-outage test")),
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withScrapedCluster([CEPH_ALERT_RULES], async (c, api) => {
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
    }),
});
