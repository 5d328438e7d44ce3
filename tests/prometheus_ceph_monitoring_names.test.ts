/**
 * Every `ceph_*` metric that Ceph 16.2.15's alert rules and Grafana dashboards read
 * (tests/ceph-reference/monitoring/) is served by the exporter of the simulated cluster, with
 * samples, and carries each label those queries match it by or join on; `promtool check
 * rules` accepts the rule file as fetched.
 *
 * Left out: `ceph_rgw_*` and `ceph_rbd_*` (RGW and RBD image stats, out of scope), and the names
 * in EXCLUDED, which need a component the simulator does not have (reason given each).
 * `promtool check metrics` on the page says nothing but the `_total` lint and lints of names
 * the real 16.2.15 exporter serves as they are, several of which those queries read.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { startTestCluster } from "mgr_module/testing";
import * as prometheus from "../modules/prometheus/module.ts";
import { havePromtool, promtool } from "./_promtool.ts";
import {
  cephLabelMatchers,
  cephMetricNames,
  joinLabels,
  ruleExpressions,
} from "./_promql_names.ts";

const DIR = new URL("./ceph-reference/monitoring/", import.meta.url).pathname;

/** Names the dashboards read that need a daemon mgrd does not simulate. */
const EXCLUDED: Record<string, string> = {
  ceph_data_sync_from_zone_fetch_bytes_count:
    "radosgw's multisite data-sync perf counters (radosgw-sync-overview): no RGW daemon, no zones",
  ceph_data_sync_from_zone_fetch_bytes_sum:
    "radosgw's multisite data-sync perf counters (radosgw-sync-overview): no RGW daemon, no zones",
  ceph_data_sync_from_zone_fetch_errors:
    "radosgw's multisite data-sync perf counters (radosgw-sync-overview): no RGW daemon, no zones",
  ceph_data_sync_from_zone_poll_latency_sum:
    "radosgw's multisite data-sync perf counters (radosgw-sync-overview): no RGW daemon, no zones",
};

/** Labels Prometheus itself attaches to every scraped series (`honor_labels` keeps ours). */
const TARGET_LABELS = new Set(["job", "instance"]);

const outOfScope = (name: string) =>
  name.startsWith("ceph_rgw_") || name.startsWith("ceph_rbd_") || name in EXCLUDED;

/** What the queries read: by expression, whence it came (a rule or a dashboard). */
async function cephQueries(): Promise<{ from: string; expr: string }[]> {
  const rules = parse(await Deno.readTextFile(`${DIR}prometheus_alerts.yml`));
  const out = ruleExpressions(rules).map((expr) => ({ from: "prometheus_alerts.yml", expr }));
  const lines = (await Deno.readTextFile(`${DIR}dashboards_queries.jsonl`)).trim().split("\n");
  for (const line of lines) {
    const { dashboard, query } = JSON.parse(line) as { dashboard: string; query: string };
    out.push({ from: dashboard, expr: query });
  }
  return out;
}

/** Sample names of a text-format page, each with the label names seen on it. */
function servedLabels(page: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const line of page.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? \S+$/.exec(line);
    assert(m, `sample line: ${line}`);
    let labels = out.get(m[1]!);
    if (!labels) out.set(m[1]!, labels = new Set());
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"/g)) {
      labels.add(l[1]!);
    }
  }
  return out;
}

Deno.test("the queries read what they are expected to: 14 names in the rules, 73 in the dashboards", async () => {
  const queries = await cephQueries();
  const inRules = new Set(
    queries.filter((q) => q.from === "prometheus_alerts.yml").flatMap((q) => [
      ...cephMetricNames(q.expr),
    ]),
  );
  const inDashboards = new Set(
    queries.filter((q) => q.from !== "prometheus_alerts.yml").flatMap((q) => [
      ...cephMetricNames(q.expr),
    ]),
  );
  // The extractor keeps metric names and drops label names (`ceph_daemon`) and Grafana's
  // variables (`$ceph_hosts`): a change to it shows here.
  assert.deepStrictEqual(inRules.size, 14, [...inRules].join(" "));
  assert.deepStrictEqual(inDashboards.size, 73, [...inDashboards].join(" "));
  assert(!inDashboards.has("ceph_daemon") && !inDashboards.has("ceph_hosts"));
  assert(
    inRules.has("ceph_healthcheck_slow_ops") && inDashboards.has("ceph_disk_occupation_human"),
  );
  for (const name of Object.keys(EXCLUDED)) assert(inDashboards.has(name), `${name} is read`);
});

/** The page of the simulated cluster with an OSD down and a slow one (a check raised). */
async function faultedPage(): Promise<string> {
  const c = await startTestCluster({
    builtins: { prometheus },
    cluster: { hosts: 3, osdsPerHost: 3, pools: [{ name: "rbd", pgNum: 32 }] },
  });
  try {
    await c.command({
      prefix: "config set",
      who: "mgr",
      name: "mgr/prometheus/server_port",
      value: "0",
    });
    const enable = await c.command({ prefix: "mgr module enable", module: "prometheus" });
    assert.deepStrictEqual(enable.r, 0, enable.outs);
    // ceph_health_detail has samples only while a check is raised: an OSD down and a slow one.
    c.cluster!.osdDown(0);
    c.cluster!.setSlow(4, 50);
    await c.run(90);
    return (c.manager.host.instance("prometheus") as prometheus.Module).collect();
  } finally {
    await c.stop();
  }
}

Deno.test("the exporter serves every ceph_* metric of Ceph's alert rules and dashboards, with the labels they match and join by", async () => {
  const queries = await cephQueries();
  const served = servedLabels(await faultedPage());
  const missing: string[] = [];
  const wrongLabels: string[] = [];
  let checked = 0;
  for (const { from, expr } of queries) {
    const names = [...cephMetricNames(expr)].filter((n) => !outOfScope(n));
    for (const name of names) {
      checked++;
      if (!served.has(name)) missing.push(`${name} (${from})`);
    }
    for (const { metric, label } of cephLabelMatchers(expr)) {
      if (outOfScope(metric) || TARGET_LABELS.has(label) || !served.has(metric)) continue;
      if (!served.get(metric)!.has(label)) wrongLabels.push(`${metric}{${label}} (${from})`);
    }
    // A join or grouping label must be on some series of the expression, unless a
    // non-Ceph metric (node_exporter's, `up`) or label_replace may bring it.
    if (/\bnode_|\bup\b|label_replace/.test(expr) || names.length === 0) continue;
    for (const label of joinLabels(expr)) {
      if (TARGET_LABELS.has(label)) continue;
      if (!names.some((n) => served.get(n)?.has(label))) {
        wrongLabels.push(`${label} on none of ${names.join(", ")} (${from}: ${expr})`);
      }
    }
  }
  assert(checked > 100, `${checked} name uses checked`);
  assert.deepStrictEqual([...new Set(missing)], [], "every name served");
  assert.deepStrictEqual([...new Set(wrongLabels)], [], "every label served");
});

Deno.test({
  name: "promtool check rules accepts Ceph's rule file as fetched",
  ignore: !(await havePromtool()),
  fn: async () => {
    const out = await new Deno.Command("promtool", {
      args: ["check", "rules", `${DIR}prometheus_alerts.yml`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert(out.success, text);
    assert.match(text, /SUCCESS: 58 rules found/);
  },
});

Deno.test({
  name:
    "promtool check metrics finds nothing on the page but the _total lint and Pacific's own names",
  ignore: !(await havePromtool()),
  fn: async () => {
    const reference = await Deno.readTextFile(
      new URL("./ceph-reference/prometheus/active_metrics.txt", import.meta.url),
    );
    const realFamilies = new Set(
      [...reference.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!),
    );
    const { code, problems } = await promtool(await faultedPage());
    assert(code === 0 || code === 3, `promtool exit code ${code}: ${problems.join("\n")}`);
    const total = problems.filter((p) => p.endsWith('counter metrics should have "_total" suffix'));
    assert(total.length > 50, `${total.length} counters without _total, as Ceph names them`);
    // The rest name a metric the real exporter serves under that very name: Ceph's dashboards
    // and rules read ceph_pg_total and ceph_osd_apply_latency_ms, for one, as they are.
    const others = problems.filter((p) => !total.includes(p));
    const kinds = new Set<string>();
    for (const p of others) {
      const [name, ...rest] = p.split(" ");
      assert(realFamilies.has(name!), `${p}: ${name} is not a name of the real page`);
      kinds.add(rest.join(" "));
    }
    assert.deepStrictEqual([...kinds].sort(), [
      "metric names should not contain ':'",
      "metric names should not contain abbreviated units",
      'non-counter metrics should not have "_total" suffix',
      'non-histogram and non-summary metrics should not have "_count" suffix',
    ]);
  },
});
