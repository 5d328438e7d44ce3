/**
 * mgrd's `insights` report against the real module's: the report a real ceph-mgr 16.2.15 gave on
 * the dev cluster (tests/ceph-reference/cli/insights/insights_with_crash_and_check.txt: 3 OSDs
 * on one host, pools device_health_metrics and rbd, one posted crash, one selftest health
 * check, one `config set`), compared key by key with the report mgrd gives on a simulated
 * cluster set up the same way. Values differ (different clusters); the keys and the JSON type
 * of every value must not.
 *
 * Maps whose keys are data (check names, OSD ids, PG states, option names, addresses) are
 * compared by the shape of their values; array elements by the reference element of the same
 * `op` or `type` (CRUSH steps, tree nodes), else the first.
 */
import assert from "node:assert/strict";
import { startTestCluster } from "mgr_module/testing";
import { BUILTIN_MODULES } from "../modules/mod.ts";
import { referenceCli } from "./_reference.ts";
import { reportJson } from "../modules/insights/module.ts";

/** Paths (`.`-joined, `[]` for an array element, `*` for a data key) of maps keyed by data. */
const KEYED_BY_DATA = [
  /^crashes\.summary$/,
  /^health\.(current|history)\.checks$/,
  /^osd_dump\.pools\[\]\.(options|application_metadata)$/,
  /^osd_dump\.pools\[\]\.application_metadata\.\*$/,
  /^osd_dump\.blocklist$/,
  /^df\.stats_by_class$/,
  /^manager_map\.available_modules\[\]\.module_options$/,
  /^pg_summary\.(by_osd|by_pool|all)$/,
  /^pg_summary\.(by_osd|by_pool)\.\*$/,
  /^osd_metadata$/,
  // The keys of an OSD's metadata depend on its object store (memstore on the dev cluster).
  /^osd_metadata\.\*$/,
];

function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

/** Every difference of keys and value types between `ref` and `got`, as `PATH: what`. */
function shapeDiff(ref: unknown, got: unknown, path = ""): string[] {
  const out: string[] = [];
  const walk = (r: unknown, g: unknown, p: string) => {
    if (jsonType(r) !== jsonType(g)) {
      out.push(`${p}: ${jsonType(r)} in Ceph's, ${jsonType(g)} in mgrd's`);
      return;
    }
    if (Array.isArray(r) && Array.isArray(g)) {
      if (r.length === 0 || g.length === 0) return;
      for (const e of g) {
        const kind = (x: unknown) => {
          const o = x as Record<string, unknown> | null;
          return typeof o?.op === "string"
            ? `op=${o.op}`
            : typeof o?.type === "string"
            ? `type=${o.type}`
            : "";
        };
        const k = kind(e);
        const match = k === "" ? r[0] : r.find((x) => kind(x) === k);
        if (match === undefined) out.push(`${p}[]: no element of ${k} in Ceph's to compare with`);
        else walk(match, e, `${p}[]`);
      }
      return;
    }
    if (jsonType(r) !== "object") return;
    const ro = r as Record<string, unknown>, go = g as Record<string, unknown>;
    if (KEYED_BY_DATA.some((re) => re.test(p))) {
      const sample = Object.values(ro)[0];
      if (sample === undefined) return;
      for (const v of Object.values(go)) walk(sample, v, `${p}.*`);
      return;
    }
    for (const k of Object.keys(ro)) if (!(k in go)) out.push(`${p}.${k}: missing in mgrd's`);
    for (const k of Object.keys(go)) if (!(k in ro)) out.push(`${p}.${k}: not in Ceph's`);
    for (const k of Object.keys(ro)) if (k in go) walk(ro[k], go[k], p ? `${p}.${k}` : k);
  };
  walk(ref, got, path);
  return [...new Set(out)];
}

Deno.test("shapeDiff finds a missing key, an extra key and a changed type", () => {
  assert.deepEqual(shapeDiff({ a: 1, b: { c: "x" } }, { a: "1", b: { d: "x" } }), [
    "a: number in Ceph's, string in mgrd's",
    "b.c: missing in mgrd's",
    "b.d: not in Ceph's",
  ]);
  assert.deepEqual(
    shapeDiff({ health: { current: { checks: { A: { n: 1 } } } } }, {
      health: { current: { checks: { B: { n: "1" } } } },
    }),
    ["health.current.checks.*.n: number in Ceph's, string in mgrd's"],
  );
});

Deno.test("insights writes its report as Python's json.dumps(indent=2) wrote the real one, byte for byte", () => {
  const ref = referenceCli("insights/insights_with_crash_and_check.txt").stdout;
  // JSON.parse rounds the feature masks above 2^53; compare those as "a big number".
  const big = (text: string) => text.replace(/\b\d{17,}\b/g, "<u64>");
  assert.equal(big(reportJson(JSON.parse(ref)) + "\n"), big(ref));
});

Deno.test("insights: mgrd's report has the keys and value types of Ceph 16.2.15's, key by key", async () => {
  const ref = referenceCli("insights/insights_with_crash_and_check.txt");
  assert.equal(ref.rc, 0);
  const reference = JSON.parse(ref.stdout) as Record<string, unknown>;

  const c = await startTestCluster({
    builtins: BUILTIN_MODULES,
    initialModules: ["crash", "insights", "selftest"],
    cluster: {
      hosts: 1,
      osdsPerHost: 3,
      failureDomain: "osd",
      pools: [{ name: "rbd", pgNum: 8, size: 1 }],
    },
  });
  try {
    await c.run(30);
    // The reference's crash, dated an hour before the virtual now.
    const stamp = new Date((c.clock.now() - 3600) * 1000).toISOString().replace("T", " ")
      .replace("Z", "000Z");
    const crash = {
      crash_id: `${stamp.replace(" ", "_")}_d5775432-0742-44a3-a435-45095e32e6b2`,
      timestamp: stamp,
    };
    assert.equal((await c.command({ prefix: "crash post" }, JSON.stringify(crash))).r, 0);
    const check = {
      insights_health_check: { severity: "warning", summary: "summary", detail: ["detail"] },
    };
    const set = await c.command({
      prefix: "mgr self-test health set",
      checks: JSON.stringify(check),
    });
    assert.equal(set.r, 0, set.outs);
    const conf = await c.command({
      prefix: "config set",
      who: "osd",
      name: "osd_max_backfills",
      value: "3",
    });
    assert.equal(conf.r, 0, conf.outs);
    await c.run(30);

    const r = await c.command({ prefix: "insights" });
    assert.equal(r.r, 0, r.outs);
    assert.ok(r.outb.endsWith("}\n"), "a newline after the JSON, as the real CLI printed");
    const report = JSON.parse(r.outb) as Record<string, unknown>;

    assert.deepEqual(
      Object.keys(report),
      Object.keys(reference),
      "the same keys, in Python's order",
    );
    for (const key of Object.keys(reference)) {
      assert.deepEqual(shapeDiff(reference[key], report[key], key), [], key);
    }
    // The data-keyed parts hold what the reference's did.
    const health = report.health as { history: { checks: Record<string, unknown> } };
    assert.deepEqual(Object.keys(health.history.checks).sort(), [
      "RECENT_CRASH",
      "insights_health_check",
    ]);
    assert.deepEqual(report.crashes, { summary: { unknown: 1 }, hours: 24 });
    assert.deepEqual(report.config, reference.config);
    assert.deepEqual(report.errors, []);
    assert.deepEqual(report.version, reference.version);
  } finally {
    await c.stop();
  }
});
