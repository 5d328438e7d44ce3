/**
 * The prometheus module: its HTTP server on a simulated cluster, the text format it writes
 * (checked by our own parser, and by promtool when it is installed), and the standby class.
 */
import assert from "node:assert/strict";
import { havePromtool, isCephNameLint, promtool } from "./_promtool.ts";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import * as prometheus from "../modules/prometheus/module.ts";
import { escapeHelp, escapeLabelValue, promethize } from "../modules/prometheus/_exposition.ts";
import { pyFloat } from "../modules/prometheus/_value.ts";
import { PG_STATES } from "mgr_module";
import type { ModuleContext } from "../core/module_context.ts";
import { WallClock } from "../daemon/wall_clock.ts";

/** A sample as parsed from the text format. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Families by name: type, help, samples. */
interface Page {
  families: Map<string, { type: string; help: string; samples: Sample[] }>;
}

const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/;

function unescapeLabel(v: string): string {
  return v.replace(/\\(.)/g, (_, c: string) => c === "n" ? "\n" : c);
}

/**
 * A strict reader of the text format: HELP then TYPE once per family, before its samples;
 * a family's samples together; every sample in a declared family; no series twice; label
 * values properly escaped; values that parse as Go floats.
 */
function parsePage(text: string): Page {
  const families: Page["families"] = new Map();
  const series = new Set<string>();
  let current = "";
  assert(text.endsWith("\n"), "the page ends with a newline");
  for (const line of text.slice(0, -1).split("\n")) {
    if (line.startsWith("# HELP ")) {
      const [name, ...help] = line.slice(7).split(" ");
      assert(!families.has(name!), `family ${name} declared twice`);
      families.set(name!, { type: "", help: help.join(" "), samples: [] });
      assert(help.join(" ").length > 0, `${name} has HELP text`);
      current = name!;
      continue;
    }
    if (line.startsWith("# TYPE ")) {
      const [name, type] = line.slice(7).split(" ");
      assert.deepStrictEqual(name, current, `TYPE ${name} follows its HELP`);
      const family = families.get(name!)!;
      assert.deepStrictEqual(family.type, "", `TYPE of ${name} given twice`);
      assert(["counter", "gauge", "untyped", "summary"].includes(type!), `type ${type}`);
      family.type = type!;
      continue;
    }
    assert(!line.startsWith("#"), `unexpected comment: ${line}`);
    const m = SAMPLE.exec(line);
    assert(m, `malformed sample line: ${line}`);
    const [, name, labelText, valueText] = m;
    const family = families.get(current);
    assert(family && family.type, `sample ${name} outside a declared family`);
    const belongs = name === current ||
      (family.type === "summary" && (name === `${current}_sum` || name === `${current}_count`));
    assert(belongs, `sample ${name} inside family ${current}`);
    const labels: Record<string, string> = {};
    if (labelText) {
      const inner = labelText.slice(1, -1);
      LABEL.lastIndex = 0;
      while (LABEL.lastIndex < inner.length) {
        const start = LABEL.lastIndex;
        const l = LABEL.exec(inner);
        assert(l && l.index === start, `malformed labels in ${line}`);
        assert(!(l[1]! in labels), `label ${l[1]} twice in ${line}`);
        labels[l[1]!] = unescapeLabel(l[2]!);
      }
    }
    assert.match(valueText!, /^([-+]?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?|NaN|[-+]Inf)$/);
    const key = `${name}{${Object.entries(labels).sort().map(([k, v]) => `${k}=${v}`).join(",")}}`;
    assert(!series.has(key), `series ${key} twice`);
    series.add(key);
    family.samples.push({ name: name!, labels, value: Number(valueText) });
  }
  return { families };
}

function sample(page: Page, family: string, labels: Record<string, string> = {}): number {
  const f = page.families.get(family);
  assert(f, `family ${family} present`);
  const s = f.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert(s, `${family}${JSON.stringify(labels)} present`);
  return s.value;
}

async function startExporter(
  pools = [{ name: "rbd", pgNum: 32 }],
): Promise<{ c: TestCluster; module: prometheus.Module }> {
  const c = await startTestCluster({
    builtins: { prometheus },
    cluster: { hosts: 3, osdsPerHost: 3, pools },
  });
  try {
    const set = await c.command({
      prefix: "config set",
      who: "mgr",
      name: "mgr/prometheus/server_port",
      value: "0",
    });
    assert.deepStrictEqual(set.r, 0, set.outs);
    const enable = await c.command({ prefix: "mgr module enable", module: "prometheus" });
    assert.deepStrictEqual(enable.r, 0, enable.outs);
    await c.run(30);
    const module = c.manager.host.instance("prometheus") as prometheus.Module;
    assert(module.uri, "the exporter published its URI");
    return { c, module };
  } catch (e) {
    await c.stop();
    throw e;
  }
}

async function scrape(uri: string): Promise<{ status: number; text: string; type: string }> {
  const r = await fetch(`${uri}metrics`);
  return { status: r.status, type: r.headers.get("content-type") ?? "", text: await r.text() };
}

Deno.test("exposition helpers escape labels and HELP, print values as Python, name counters as Ceph", () => {
  assert.deepStrictEqual(escapeLabelValue('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
  assert.deepStrictEqual(escapeLabelValue("plain"), "plain");
  assert.deepStrictEqual(escapeHelp("x\\y\nz"), "x\\\\y\\nz");
  assert.deepStrictEqual(pyFloat(NaN), "NaN");
  assert.deepStrictEqual(pyFloat(-Infinity), "-Inf");
  assert.deepStrictEqual(pyFloat(0.25), "0.25");
  assert.deepStrictEqual(promethize("osd.op_r_latency"), "ceph_osd_op_r_latency");
  assert.deepStrictEqual(
    promethize("throttle-msgr_dispatch_throttler-"),
    "ceph_throttle_msgr_dispatch_throttler_minus",
  );
  assert.deepStrictEqual(promethize("mds_mem.ino+"), "ceph_mds_mem_ino_plus");
  assert.deepStrictEqual(
    promethize("prioritycache:full.pri0_bytes"),
    "ceph_prioritycache:full_pri0_bytes",
  );
  assert.deepStrictEqual(promethize("a::b c/d"), "ceph_a_b_c_d");
});

Deno.test("the exporter serves Ceph's families on its published URI, in a valid text format", async (t) => {
  const { c, module } = await startExporter();
  try {
    let page!: Page;
    let text = "";
    await t.step("mgr services lists the URI with the real port", async () => {
      assert.match(module.uri, /^http:\/\/127\.0\.0\.1:[1-9][0-9]*\/$/);
      const services = await c.command({ prefix: "mgr services", format: "json" });
      assert.deepStrictEqual(JSON.parse(services.outb).prometheus, module.uri);
    });
    await t.step("/metrics answers the text format", async () => {
      const r = await scrape(module.uri);
      assert.deepStrictEqual(r.status, 200);
      // As the real 16.2 exporter (tests/ceph-reference/prometheus/active_metrics.txt).
      assert.equal(r.type, "text/plain;charset=utf-8");
      text = r.text;
      page = parsePage(text);
    });
    await t.step("the cluster families carry Ceph's names and labels", () => {
      assert.deepStrictEqual(sample(page, "ceph_health_status"), 0);
      assert.deepStrictEqual(page.families.get("ceph_health_status")!.type, "untyped");
      assert(page.families.has("ceph_health_detail"));
      for (const mon of ["a", "b", "c"]) {
        assert.deepStrictEqual(
          sample(page, "ceph_mon_quorum_status", { ceph_daemon: `mon.${mon}` }),
          1,
        );
      }
      for (let id = 0; id < 9; id++) {
        const daemon = `osd.${id}`;
        assert.deepStrictEqual(sample(page, "ceph_osd_up", { ceph_daemon: daemon }), 1);
        assert.deepStrictEqual(sample(page, "ceph_osd_in", { ceph_daemon: daemon }), 1);
        assert.deepStrictEqual(sample(page, "ceph_osd_weight", { ceph_daemon: daemon }), 1);
        const md = page.families.get("ceph_osd_metadata")!.samples
          .find((s) => s.labels.ceph_daemon === daemon)!;
        assert.deepStrictEqual(Object.keys(md.labels).sort(), [
          "back_iface",
          "ceph_daemon",
          "ceph_version",
          "cluster_addr",
          "device_class",
          "front_iface",
          "hostname",
          "objectstore",
          "public_addr",
        ]);
        assert.deepStrictEqual(md.labels.device_class, "hdd");
      }
      const pool = page.families.get("ceph_pool_metadata")!.samples[0]!;
      assert.deepStrictEqual(pool.labels.name, "rbd");
      assert.deepStrictEqual(pool.labels.type, "replicated");
      const poolId = pool.labels.pool_id!;
      assert(sample(page, "ceph_pool_stored", { pool_id: poolId }) > 0);
      assert(sample(page, "ceph_pool_max_avail", { pool_id: poolId }) > 0);
      assert.deepStrictEqual(sample(page, "ceph_pg_total", { pool_id: poolId }), 32);
      assert.deepStrictEqual(sample(page, "ceph_pg_active", { pool_id: poolId }), 32);
      for (const state of PG_STATES) assert(page.families.has(`ceph_pg_${state}`), state);
      assert(sample(page, "ceph_cluster_total_bytes") > 0);
      assert.deepStrictEqual(page.families.get("ceph_pool_objects_repaired")!.samples.length, 1);
    });
    await t.step("perf counters: counters, gauges, long-running averages as _sum/_count", () => {
      assert.deepStrictEqual(page.families.get("ceph_osd_op_w")!.type, "counter");
      assert.deepStrictEqual(page.families.get("ceph_osd_numpg")!.type, "gauge");
      assert(sample(page, "ceph_osd_op_w", { ceph_daemon: "osd.0" }) >= 0);
      // Pacific's series (<name>_sum, <name>_count) in one summary family.
      assert.deepStrictEqual(page.families.get("ceph_osd_op_r_latency")!.type, "summary");
      const of = (name: string) =>
        page.families.get("ceph_osd_op_r_latency")!.samples
          .find((s) => s.name === name && s.labels.ceph_daemon === "osd.0")!.value;
      const sum = of("ceph_osd_op_r_latency_sum");
      const count = of("ceph_osd_op_r_latency_count");
      assert(count > 0, "reads happened");
      // Seconds, not nanoseconds: an average read under a second.
      assert(sum / count < 1, `average ${sum / count}s`);
      assert(!page.families.has("ceph_osd_op_r_latency_out_bytes_histogram"));
      assert(page.families.has("ceph_prioritycache:full_pri0_bytes"), "the colon stays");
    });
    await t.step({
      name: "promtool finds no problem but Ceph's counter names",
      ignore: !(await havePromtool()),
      fn: async () => {
        const { code, problems } = await promtool(text);
        const others = problems.filter((p) => !isCephNameLint(p));
        assert.deepStrictEqual(others, []);
        assert(code === 0 || code === 3, `promtool exit code ${code}`);
      },
    });
  } finally {
    await c.stop();
  }
});

Deno.test("the exporter follows the cluster: an OSD down, health detail, cache per interval", async () => {
  const { c, module } = await startExporter();
  try {
    c.cluster!.osdDown(4);
    await c.run(60);
    const page = parsePage((await scrape(module.uri)).text);
    assert.deepStrictEqual(sample(page, "ceph_osd_up", { ceph_daemon: "osd.4" }), 0);
    assert.deepStrictEqual(sample(page, "ceph_osd_up", { ceph_daemon: "osd.3" }), 1);
    assert(sample(page, "ceph_health_status") >= 1);
    assert.deepStrictEqual(sample(page, "ceph_health_detail", { name: "OSD_DOWN" }), 1);
    // Within scrape_interval the same page is served again.
    assert.deepStrictEqual((await scrape(module.uri)).text, module.metricsText());
  } finally {
    await c.stop();
  }
});

async function setOption(c: TestCluster, key: string, value: string): Promise<void> {
  const r = await c.command({
    prefix: "config set",
    who: "mgr",
    name: `mgr/prometheus/${key}`,
    value,
  });
  assert.deepStrictEqual(r.r, 0, r.outs);
}

/** How many times the exporter collected, as its page says. */
function collections(text: string): number {
  const family = parsePage(text).families.get("ceph_prometheus_collect_duration_seconds");
  const count = family?.samples.find((s) =>
    s.name === "ceph_prometheus_collect_duration_seconds_count" && s.labels.method === "get_health"
  );
  assert(count, "the collect count of get_health is on the page");
  return count.value;
}

Deno.test("through a mon outage the exporter serves its last page (no 503), and collects again after", async () => {
  const { c, module } = await startExporter();
  try {
    const before = await scrape(module.uri);
    assert.deepStrictEqual(before.status, 200);
    c.cluster!.monOutage(100);
    // Scrapes every 10 s through the whole outage, as Prometheus would.
    const during: string[] = [];
    for (let t = 0; t < 100; t += 10) {
      await c.run(10);
      const m = c.manager.host.instance("prometheus") as prometheus.Module;
      if (t >= 10 && t < 90) assert(!m.have_mon_connection(), `the mon away at ${t + 10} s`);
      const r = await scrape(m.uri);
      assert.deepStrictEqual(r.status, 200, `scrape ${t + 10} s into the outage: ${r.text}`);
      during.push(r.text);
    }
    // The collection pauses while the mon is away, as Pacific's collection thread does:
    // every scrape of the outage's second half serves the same page.
    const late = during.slice(3);
    assert(late.every((text) => text === late[0]), "one page through the outage");
    const frozen = collections(late[0]!);
    await c.run(60);
    const after = c.manager.host.instance("prometheus") as prometheus.Module;
    assert(after.have_mon_connection());
    const again = await scrape(after.uri);
    assert.deepStrictEqual(again.status, 200);
    assert(collections(again.text) > frozen, "collecting again once the mon is back");
  } finally {
    await c.stop();
  }
});

Deno.test("with cache off each scrape collects, also while the mon is away", async () => {
  const { c, module } = await startExporter();
  try {
    await setOption(c, "cache", "false");
    const first = collections((await scrape(module.uri)).text);
    c.cluster!.monOutage(60);
    await c.run(20);
    assert(!module.have_mon_connection());
    const away = await scrape(module.uri);
    assert.deepStrictEqual(away.status, 200);
    assert(collections(away.text) > first, "a new collection per scrape");
  } finally {
    await c.stop();
  }
});

Deno.test("with cache off the exporter collects when a stats period arrives: the scrape after it finds the page current", async () => {
  const { c, module } = await startExporter();
  try {
    await setOption(c, "cache", "false");
    const first = collections((await scrape(module.uri)).text);
    // Three stats periods and no scrape: a collection after each.
    await c.run(15);
    const after = await scrape(module.uri);
    assert(collections(after.text) >= first + 3, "collected after each period");
    // What the scrape served is what a collection now gives: the page was up to date.
    const counter = (text: string) =>
      sample(parsePage(text), "ceph_osd_op_w", { ceph_daemon: "osd.0" });
    assert.deepStrictEqual(counter(after.text), counter(module.collect()));
    // No period, no collection but the scrapes' own.
    c.cluster!.stopReporting();
    await c.run(10);
    const quiet = collections((await scrape(module.uri)).text);
    await c.run(10);
    assert.deepStrictEqual(collections((await scrape(module.uri)).text), quiet + 1);
  } finally {
    await c.stop();
  }
});

Deno.test("a collection slower than scrape_interval: 503 by default (log), the stale page with return", async () => {
  const { c, module } = await startExporter();
  try {
    // Any collection takes longer than a microsecond.
    await setOption(c, "scrape_interval", "0.000001");
    await c.run(20);
    const fail = await scrape(module.uri);
    assert.deepStrictEqual(fail.status, 503);
    assert.match(
      fail.text,
      /^Gathering data took \d+\.\d\d seconds, metrics are stale for \d+\.\d\d seconds, returning "service unavailable"\.\n$/,
    );
    await setOption(c, "stale_cache_strategy", "fail");
    assert.deepStrictEqual((await scrape(module.uri)).status, 503);
    await setOption(c, "stale_cache_strategy", "return");
    const stale = await scrape(module.uri);
    assert.deepStrictEqual(stale.status, 200);
    assert(stale.text.includes("# TYPE ceph_health_status untyped\n"));
    await setOption(c, "scrape_interval", "15");
    await setOption(c, "stale_cache_strategy", "log");
    assert.deepStrictEqual((await scrape(module.uri)).status, 200, "fresh again");
  } finally {
    await c.stop();
  }
});

Deno.test("stale_cache_strategy, rbd_stats_pools and rbd_stats_pools_refresh_interval exist with 16.2.15's types and defaults", async () => {
  const { c, module } = await startExporter();
  try {
    assert.deepStrictEqual(module.get_module_option("stale_cache_strategy"), "log");
    assert.deepStrictEqual(module.get_module_option("rbd_stats_pools"), "");
    assert.deepStrictEqual(module.get_module_option("rbd_stats_pools_refresh_interval"), 300);
    const bad = await c.command({
      prefix: "config set",
      who: "mgr",
      name: "mgr/prometheus/rbd_stats_pools_refresh_interval",
      value: "soon",
    });
    assert.deepStrictEqual(bad.r, -22, bad.outs);
    await setOption(c, "rbd_stats_pools_refresh_interval", "60");
    await setOption(c, "rbd_stats_pools", "rbd, *");
    assert.deepStrictEqual(module.get_module_option("rbd_stats_pools_refresh_interval"), 60);
    assert.deepStrictEqual(module.get_module_option("rbd_stats_pools"), "rbd, *");
    // No RBD images in the simulated cluster: no ceph_rbd_* series, the page still valid.
    const text = (await scrape(module.uri)).text;
    parsePage(text);
    assert.doesNotMatch(text, /^ceph_rbd_(?!mirror_metadata)/m);
  } finally {
    await c.stop();
  }
});

Deno.test("the exporter rebinds on a port change, and closes its server on disable", async () => {
  const { c, module } = await startExporter();
  try {
    const before = module.uri;
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (probe.addr as Deno.NetAddr).port;
    probe.close();
    await c.command({
      prefix: "config set",
      who: "mgr",
      name: "mgr/prometheus/server_port",
      value: String(port),
    });
    await c.run(5);
    assert.deepStrictEqual(module.uri, `http://127.0.0.1:${port}/`);
    assert.deepStrictEqual((await scrape(module.uri)).status, 200);
    await assert.rejects(() => fetch(`${before}metrics`));
    await c.command({ prefix: "mgr module disable", module: "prometheus" });
    await c.run(5);
    await assert.rejects(() => fetch(`${module.uri}metrics`));
  } finally {
    await c.stop();
  }
});

function standbyContext(options: Record<string, string>, signal: AbortSignal): ModuleContext {
  const quiet = () => {};
  const log = { debug: quiet, info: quiet, warning: quiet, warn: quiet, error: quiet };
  const decls = new Map(prometheus.StandbyModule.MODULE_OPTIONS.map((o) => [o.name, o]));
  return {
    moduleName: "prometheus",
    mgrId: "y",
    clock: new WallClock(),
    log,
    shutdownSignal: signal,
    options: decls,
    moduleOptionText: (_m: string, key: string) => options[key],
    activeUri: () => "http://10.0.0.9:9283/",
    get: () => null,
    cephOption: () => undefined,
    storeGet: () => undefined,
  } as unknown as ModuleContext;
}

async function withStandby(
  options: Record<string, string>,
  body: (base: string) => Promise<void>,
): Promise<void> {
  const abort = new AbortController();
  const standby = new prometheus.StandbyModule(
    "prometheus",
    standbyContext({ server_port: "0", ...options }, abort.signal),
  );
  const serving = standby.serve();
  try {
    while (standby.port === 0) await new Promise((r) => setTimeout(r, 1));
    await body(`http://127.0.0.1:${standby.port}/`);
  } finally {
    abort.abort();
    await serving;
  }
}

Deno.test("the standby answers as standby_behaviour says", async (t) => {
  await t.step("default: a page pointing at the active exporter, an empty /metrics", async () => {
    await withStandby({}, async (base) => {
      const index = await fetch(base);
      assert.deepStrictEqual(index.status, 200);
      assert.match(await index.text(), /href='http:\/\/10\.0\.0\.9:9283\/metrics'/);
      const metrics = await fetch(`${base}metrics`);
      assert.deepStrictEqual(metrics.status, 200);
      assert.deepStrictEqual(await metrics.text(), "");
    });
  });
  await t.step("error: standby_error_status_code for the index, /metrics still empty", async () => {
    await withStandby(
      { standby_behaviour: "error", standby_error_status_code: "503" },
      async (base) => {
        const index = await fetch(base);
        await index.body?.cancel();
        assert.deepStrictEqual(index.status, 503);
        const metrics = await fetch(`${base}metrics`);
        assert.deepStrictEqual(
          [metrics.status, metrics.headers.get("content-type"), await metrics.text()],
          [200, "text/plain;charset=utf-8", ""],
        );
      },
    );
  });
});

Deno.test("a standby manager's exporter answers as standby_behaviour says; after mgr fail it serves metrics", async (t) => {
  // The shared port is taken, so only the localized ports (mgr/prometheus/<id>/server_port) work.
  const holder = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held = (holder.addr as Deno.NetAddr).port;
  const c = await startTestCluster({
    builtins: { prometheus },
    cluster: { hosts: 3, osdsPerHost: 1, pools: [{ name: "rbd", pgNum: 8 }] },
    standbys: ["y"],
  });
  const set = async (name: string, value: string) => {
    const r = await c.command({ prefix: "config set", who: "mgr", name, value });
    assert.deepStrictEqual(r.r, 0, r.outs);
  };
  const services = async () => {
    const r = await c.activeManager()!.command({ prefix: "mgr services", format: "json" });
    return JSON.parse(r.outb).prometheus as string;
  };
  try {
    await set("mgr/prometheus/server_port", String(held));
    await set("mgr/prometheus/x/server_port", "0");
    await set("mgr/prometheus/y/server_port", "0");
    const enable = await c.command({ prefix: "mgr module enable", module: "prometheus" });
    assert.deepStrictEqual(enable.r, 0, enable.outs);
    await c.run(30);
    const x = c.manager;
    const y = c.standbyManagers[0]!;
    assert.deepStrictEqual(c.activeManager(), x);
    const active = await services();
    assert.deepStrictEqual(active, (x.host.instance("prometheus") as prometheus.Module).uri);
    assert.match(active, /^http:\/\/127\.0\.0\.1:[1-9][0-9]*\/$/);
    assert.notStrictEqual(active, `http://127.0.0.1:${held}/`);
    const standby = y.standby.instance("prometheus") as prometheus.StandbyModule;
    assert(standby.port > 0 && standby.port !== held, `the standby listens (${standby.port})`);
    const base = `http://127.0.0.1:${standby.port}/`;

    await t.step(
      "default: a page linking to the active exporter's URI, an empty /metrics",
      async () => {
        assert.deepStrictEqual(standby.get_active_uri(), active);
        const index = await fetch(base);
        assert.deepStrictEqual(index.status, 200);
        assert(
          (await index.text()).includes(`<a href='${active}metrics'>Metrics</a>`),
          "the page links to the active exporter",
        );
        const metrics = await fetch(`${base}metrics`);
        assert.deepStrictEqual([metrics.status, await metrics.text()], [200, ""]);
      },
    );

    await t.step(
      "error: standby_error_status_code for the index, /metrics an empty 200",
      async () => {
        await set("mgr/prometheus/standby_behaviour", "error");
        await set("mgr/prometheus/standby_error_status_code", "503");
        await c.run(2);
        for (const [path, status] of [["", 503], ["metrics", 200]] as const) {
          const r = await fetch(base + path);
          await r.body?.cancel();
          assert.deepStrictEqual(r.status, status, path);
        }
        await set("mgr/prometheus/standby_behaviour", "default");
        await c.run(2);
      },
    );

    await t.step("after mgr fail the former standby serves metrics; x links to it", async () => {
      const fail = await c.command({ prefix: "mgr fail", who: "x" });
      assert.deepStrictEqual(fail.r, 0, fail.outs);
      await c.run(10);
      assert.deepStrictEqual(c.activeManager(), y);
      await assert.rejects(() => fetch(base), "the standby's server closed");
      const uri = (y.host.instance("prometheus") as prometheus.Module).uri;
      assert.match(uri, /^http:\/\/127\.0\.0\.1:[1-9][0-9]*\/$/);
      await c.run(5);
      assert.deepStrictEqual(await services(), uri);
      const r = await scrape(uri);
      assert.deepStrictEqual(r.status, 200);
      assert.deepStrictEqual(sample(parsePage(r.text), "ceph_osd_up", { ceph_daemon: "osd.0" }), 1);
      await assert.rejects(() => fetch(`${active}metrics`), "x's active exporter closed");
      const xStandby = x.standby.instance("prometheus") as prometheus.StandbyModule;
      assert(xStandby.port > 0, "x came back as a standby and runs the standby exporter");
      const page = await (await fetch(`http://127.0.0.1:${xStandby.port}/`)).text();
      assert(page.includes(`href='${uri}metrics'`), page);
    });
  } finally {
    holder.close();
    await c.stop();
  }
});

Deno.test("label values with quotes, backslashes and newlines are escaped", async () => {
  const odd = 'odd "pool"\\with\nnewline';
  const { c, module } = await startExporter([{ name: "rbd", pgNum: 8 }, { name: odd, pgNum: 8 }]);
  try {
    const { text } = await scrape(module.uri);
    const page = parsePage(text);
    const names = page.families.get("ceph_pool_metadata")!.samples.map((s) => s.labels.name);
    assert.deepStrictEqual(names.sort(), ['odd "pool"\\with\nnewline', "rbd"].sort());
    assert(text.includes('name="odd \\"pool\\"\\\\with\\nnewline"'));
  } finally {
    await c.stop();
  }
});

Deno.test("a port in use is retried, not a module failure", async () => {
  const c = await startTestCluster({
    builtins: { prometheus },
    cluster: { hosts: 1, osdsPerHost: 3, pools: [{ name: "rbd", pgNum: 8 }] },
  });
  const holder = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (holder.addr as Deno.NetAddr).port;
  let held = true;
  try {
    await c.command({
      prefix: "config set",
      who: "mgr",
      name: "mgr/prometheus/server_port",
      value: String(port),
    });
    await c.command({ prefix: "mgr module enable", module: "prometheus" });
    await c.run(30);
    const module = c.manager.host.instance("prometheus") as prometheus.Module;
    assert.deepStrictEqual(module.uri, "");
    const health = await c.command({ prefix: "health", format: "json" });
    assert(!health.outb.includes("MGR_MODULE_ERROR"), health.outb);
    holder.close();
    held = false;
    await c.run(15);
    assert.deepStrictEqual(module.uri, `http://127.0.0.1:${port}/`);
    assert.deepStrictEqual((await scrape(module.uri)).status, 200);
  } finally {
    if (held) holder.close();
    await c.stop();
  }
});

/** Family name → type of a page from Ceph's exporter. */
function referenceTypes(text: string): Map<string, string> {
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (m) types.set(m[1]!, m[2]!);
  }
  return types;
}

Deno.test("every family of a Pacific 16.2.15 page is served with its type, MDS perf counters included", async () => {
  const reference = referenceTypes(
    await Deno.readTextFile(
      new URL("./ceph-reference/prometheus/active_metrics.txt", import.meta.url),
    ),
  );
  const { c, module } = await startExporter();
  try {
    const page = parsePage((await scrape(module.uri)).text);
    const missing: string[] = [];
    for (const [name, type] of reference) {
      if (page.families.get(name)?.type === type) continue;
      // Pacific's `<name>_sum` / `<name>_count` counter pairs are one summary family here.
      const base = name.replace(/_(sum|count)$/, "");
      if (base !== name && page.families.get(base)?.type === "summary") {
        const f = page.families.get(base)!;
        if (f.samples.some((s) => s.name === name)) continue;
      }
      missing.push(`${name} (${type}, served as ${page.families.get(name)?.type ?? "nothing"})`);
    }
    assert.deepStrictEqual(missing, []);
    // Python's float repr, as Ceph prints its numbers.
    const text = (await scrape(module.uri)).text;
    assert.match(text, /\nceph_health_status 0\.0\n/);
    assert.match(text, /\nceph_pool_objects_repaired\{poolid="1"\} 0\.0\n/);
    assert.match(text, /\nceph_osd_apply_latency_ms\{ceph_daemon="osd\.8"\} [0-9.e+-]+\n/);
    // What Ceph's dashboards read of a BlueStore OSD and its disk, and of the active MDS.
    const page2 = parsePage(text);
    assert(sample(page2, "ceph_bluefs_wal_total_bytes", { ceph_daemon: "osd.3" }) >= 0);
    assert(sample(page2, "ceph_bluestore_onode_hits", { ceph_daemon: "osd.3" }) > 0);
    assert(sample(page2, "ceph_bluefs_db_total_bytes", { ceph_daemon: "osd.3" }) > 0);
    assert(sample(page2, "ceph_mds_server_handle_client_request", { ceph_daemon: "mds.a" }) > 0);
    assert(sample(page2, "ceph_mds_inodes", { ceph_daemon: "mds.a" }) > 0);
    const disk = page2.families.get("ceph_disk_occupation")!.samples
      .find((s) => s.labels.ceph_daemon === "osd.3")!;
    assert.match(disk.labels.device!, /^\/dev\/sd[a-z]$/);
    const meta = page2.families.get("ceph_osd_metadata")!.samples
      .find((s) => s.labels.ceph_daemon === "osd.3")!;
    assert.deepStrictEqual(disk.labels.instance, meta.labels.hostname);
    assert.deepStrictEqual(
      page2.families.get("ceph_disk_occupation_human")!.samples.length,
      page2.families.get("ceph_disk_occupation")!.samples.length,
    );
  } finally {
    await c.stop();
  }
});

Deno.test("slow ops show in ceph_healthcheck_slow_ops and ceph_daemon_health_metrics", async () => {
  const { c, module } = await startExporter();
  try {
    const healthy = parsePage((await scrape(module.uri)).text);
    assert.deepStrictEqual(sample(healthy, "ceph_healthcheck_slow_ops"), 0);
    c.cluster!.setSlow(2, 50);
    await c.run(60);
    const health = JSON.parse((await c.command({ prefix: "health", format: "json" })).outb);
    assert(health.checks?.SLOW_OPS, `SLOW_OPS raised: ${JSON.stringify(health.checks)}`);
    const count = Number(String(health.checks.SLOW_OPS.summary.message).split(" ")[0]);
    const page = parsePage(module.collect());
    assert.deepStrictEqual(sample(page, "ceph_healthcheck_slow_ops"), count);
    assert(count > 0);
    const slow = sample(page, "ceph_daemon_health_metrics", {
      type: "SLOW_OPS",
      ceph_daemon: "osd.2",
    });
    assert(slow > 0, `osd.2 reports ${slow} slow ops`);
    assert.deepStrictEqual(sample(page, "ceph_health_detail", { name: "SLOW_OPS" }), 1);
  } finally {
    await c.stop();
  }
});

Deno.test("ceph_daemon_health_metrics as the real page: every mon and OSD, zeros when healthy, in DaemonKey order", async () => {
  const reference = await Deno.readTextFile(
    new URL("./ceph-reference/prometheus/active_metrics.txt", import.meta.url),
  );
  const section = (text: string) =>
    text.split("\n").filter((l) => l.startsWith("ceph_daemon_health_metrics{"));
  // The real cluster's: mon.a, then osd.0..2, each OSD's SLOW_OPS before PENDING_CREATING_PGS.
  const real = section(reference);
  assert.deepStrictEqual(real.slice(0, 3), [
    'ceph_daemon_health_metrics{type="SLOW_OPS",ceph_daemon="mon.a"} 0.0',
    'ceph_daemon_health_metrics{type="SLOW_OPS",ceph_daemon="osd.0"} 0.0',
    'ceph_daemon_health_metrics{type="PENDING_CREATING_PGS",ceph_daemon="osd.0"} 0.0',
  ]);
  const c = await startTestCluster({
    builtins: { prometheus },
    cluster: { hosts: 3, osdsPerHost: 4, pools: [{ name: "rbd", pgNum: 32 }] },
  });
  try {
    await c.command({
      prefix: "config set",
      who: "mgr",
      name: "mgr/prometheus/server_port",
      value: "0",
    });
    await c.command({ prefix: "mgr module enable", module: "prometheus" });
    await c.run(30);
    const module = c.manager.host.instance("prometheus") as prometheus.Module;
    const line = (type: string, daemon: string) =>
      `ceph_daemon_health_metrics{type="${type}",ceph_daemon="${daemon}"} 0.0`;
    // Daemon names compare as strings: osd.10 and osd.11 come before osd.2.
    const osds = ["0", "1", "10", "11", "2", "3", "4", "5", "6", "7", "8", "9"];
    assert.deepStrictEqual(section(module.collect()), [
      ...["a", "b", "c"].map((m) => line("SLOW_OPS", `mon.${m}`)),
      ...osds.flatMap((
        o,
      ) => [line("SLOW_OPS", `osd.${o}`), line("PENDING_CREATING_PGS", `osd.${o}`)]),
    ]);
  } finally {
    await c.stop();
  }
});

/**
 * Alert expressions of Ceph's monitoring mixin (monitoring/ceph-mixin/prometheus_alerts.yml),
 * restated for promtool: what they read of the exporter is what must be served.
 */
const ALERT_RULES = `groups:
  - name: ceph
    rules:
      - alert: CephHealthError
        expr: ceph_health_status == 2
        for: 5m
      - alert: CephHealthWarning
        expr: ceph_health_status == 1
        for: 15m
      - alert: CephMonDown
        expr: count(ceph_mon_quorum_status == 0) <= (count(ceph_mon_metadata) - floor(count(ceph_mon_metadata) / 2) + 1)
        for: 30s
      - alert: CephOSDDownHigh
        expr: count(ceph_osd_up == 0) / count(ceph_osd_up) * 100 >= 10
      - alert: CephOSDHostDown
        expr: ceph_health_detail{name="OSD_HOST_DOWN"} == 1
        for: 5m
      - alert: CephOSDDown
        expr: ceph_health_detail{name="OSD_DOWN"} == 1
        for: 5m
      - alert: CephSlowOps
        expr: ceph_healthcheck_slow_ops > 0
        for: 30s
`;

/** A page's samples as promtool input series, each constant for `minutes`. */
function inputSeries(page: Page, minutes: number): string {
  let out = "";
  for (const [, family] of page.families) {
    for (const s of family.samples) {
      const labels = Object.entries(s.labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
      const series = `${s.name}{${labels.join(",")}}`;
      out += `      - series: '${
        series.replace(/'/g, "''")
      }'\n        values: '${s.value}x${minutes}'\n`;
    }
  }
  return out;
}

Deno.test({
  name: "Ceph's alerts fire on the exporter's series: a host down, a mon down, slow ops",
  ignore: !(await havePromtool()),
  fn: async () => {
    const { c, module } = await startExporter();
    const dir = await Deno.makeTempDir();
    try {
      c.cluster!.hostDown("host1");
      c.cluster!.mons.monDown("c");
      c.cluster!.setSlow(4, 50);
      await c.run(90);
      const page = parsePage(module.collect());
      await Deno.writeTextFile(`${dir}/rules.yml`, ALERT_RULES);
      const alert = (name: string, labels: Record<string, string> = {}) =>
        `          - exp_labels: ${JSON.stringify(labels)}\n`.replace(
          /^/,
          `      - alertname: ${name}\n        eval_time: 20m\n        exp_alerts:\n`,
        );
      const health = page.families.get("ceph_health_detail")!.samples;
      const severity = (name: string) =>
        health.find((s) => s.labels.name === name)!.labels.severity!;
      const tests = `rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
${inputSeries(page, 30)}    alert_rule_test:
${alert("CephOSDDown", { name: "OSD_DOWN", severity: severity("OSD_DOWN") })}${
        alert("CephOSDHostDown", { name: "OSD_HOST_DOWN", severity: severity("OSD_HOST_DOWN") })
      }${alert("CephOSDDownHigh")}${alert("CephMonDown")}${alert("CephSlowOps")}${
        alert("CephHealthWarning")
      }      - alertname: CephHealthError
        eval_time: 20m
        exp_alerts: []
`;
      await Deno.writeTextFile(`${dir}/tests.yml`, tests);
      const out = await new Deno.Command("promtool", {
        args: ["test", "rules", "tests.yml"],
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      assert(out.success, text);
    } finally {
      await Deno.remove(dir, { recursive: true });
      await c.stop();
    }
  },
});

Deno.test("ceph_mds_metadata gives each rank's MDS its rank once max_mds is 2", async () => {
  const { c, module } = await startExporter();
  try {
    const before = parsePage(module.collect());
    assert.deepStrictEqual(
      sample(before, "ceph_mds_metadata", { ceph_daemon: "mds.b", rank: "-1", fs_id: "-1" }),
      1,
    );
    const r = await c.command({ prefix: "fs set", fs_name: "cephfs", var: "max_mds", val: "2" });
    assert.deepStrictEqual(r.r, 0, r.outs);
    await c.run(10);
    const page = parsePage(module.collect());
    for (const [daemon, rank] of [["mds.a", "0"], ["mds.b", "1"]]) {
      assert.deepStrictEqual(
        sample(page, "ceph_mds_metadata", { ceph_daemon: daemon!, rank: rank!, fs_id: "1" }),
        1,
      );
    }
  } finally {
    await c.stop();
  }
});
