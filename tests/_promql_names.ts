/**
 * The metric names a PromQL expression reads, for the tests that check Ceph's alert rules and
 * Grafana dashboards against the exporter. Run as a script on dashboard JSON files, it prints
 * each distinct query that reads a `ceph_*` name as a JSON line `{dashboard, query}` (how
 * tests/ceph-reference/monitoring/dashboards_queries.jsonl was made):
 *
 *     deno run --allow-read tests/_promql_names.ts /etc/grafana/dashboards/ceph-dashboard/*.json
 */

/**
 * The `ceph_*` metric names in one expression. Label matchers (`{...}`), label lists of
 * `by`/`without`/`on`/`ignoring`/`group_left`/`group_right` and the label argument of Grafana's
 * `label_values(metric, label)` name labels (`ceph_daemon`, ...), not metrics, and are dropped
 * first; so are quoted strings (`label_replace` arguments, regexes).
 */
export function cephMetricNames(expr: string): Set<string> {
  let e = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^{}]*\}/g, "")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)/g, "")
    .replace(/\blabel_values\s*\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,[^()]*\)/g, "$1");
  // Grafana's own variables (`$osd`, `$__interval`) and range selectors are not names either.
  e = e.replace(/\$\w+|\[[^\]]*\]/g, "");
  const names = new Set<string>();
  for (const m of e.matchAll(/(?<![a-zA-Z0-9_:])ceph_[a-zA-Z0-9_:]*[a-zA-Z0-9_]/g)) {
    names.add(m[0]);
  }
  return names;
}

/** Each `ceph_metric{label...}` matcher of an expression: the metric and the label it names. */
export function cephLabelMatchers(expr: string): { metric: string; label: string }[] {
  const out: { metric: string; label: string }[] = [];
  for (const m of expr.matchAll(/(?<![a-zA-Z0-9_:])(ceph_[a-zA-Z0-9_:]*)\s*\{([^{}]*)\}/g)) {
    const inner = m[2]!.replace(/"(?:[^"\\]|\\.)*"/g, '""');
    for (const l of inner.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)) {
      out.push({ metric: m[1]!, label: l[1]! });
    }
  }
  return out;
}

/**
 * The labels an expression joins or groups by: `on(...)`, `ignoring(...)`, `group_left(...)`,
 * `group_right(...)`, `by(...)`, `without(...)`.
 */
export function joinLabels(expr: string): Set<string> {
  const out = new Set<string>();
  for (
    const m of expr.matchAll(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^()]*)\)/g)
  ) {
    for (const l of m[1]!.split(",")) if (l.trim()) out.add(l.trim());
  }
  return out;
}

/** Every query string of a Grafana dashboard: panel targets' `expr` and templating queries. */
export function dashboardQueries(dashboard: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown, key: string) => {
    if (typeof v === "string") {
      if (key === "expr" || key === "query" || key === "definition") out.push(v);
      return;
    }
    if (Array.isArray(v)) {
      for (const x of v) walk(x, key);
      return;
    }
    if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) walk(x, k);
    }
  };
  walk(dashboard, "");
  return out;
}

/** The `expr` of every rule in a Prometheus rule file, parsed by our YAML reader. */
export function ruleExpressions(rules: { groups: { rules: { expr: string }[] }[] }): string[] {
  return rules.groups.flatMap((g) => g.rules.map((r) => r.expr));
}

if (import.meta.main) {
  const seen = new Set<string>();
  for (const file of Deno.args) {
    const dashboard = file.replace(/^.*\//, "");
    for (const query of dashboardQueries(JSON.parse(await Deno.readTextFile(file)))) {
      const line = JSON.stringify({ dashboard, query });
      if (query.includes("ceph_") && !seen.has(line)) console.log(line);
      seen.add(line);
    }
  }
}
