/**
 * The manager's own perf counters, as a real 16.2.15 ceph-mgr has them
 * (tests/ceph-reference/cli/commands/perf12/, get/perf12/: `tell mgr perf dump/schema` and the
 * manager's own entry in its counter store): a `finisher-<module>` per running module with its
 * queue's length and how long each task ran, and the `mgr` section's cache hits and misses.
 */
import assert from "node:assert/strict";
import { CLIReadCommand, HandleCommandResult, MgrModule } from "mgr_module";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import type { Clock } from "../core/clock.ts";
import { FINISHER_COUNTERS, finisherCounters, OwnPerfCounters } from "../core/own_perf_counters.ts";
import { SerialQueue } from "../core/serial_queue.ts";
import { BUILTIN_MODULES } from "../modules/mod.ts";
import { referenceCli, referenceText } from "./_reference.ts";
import { dataDir, runCeph } from "./_oracle_cli.ts";
import { shapeDiff } from "./sim_json_shape.ts";

type Sections = Record<string, Record<string, unknown>>;

/** The JSON of a `cli/` capture's stdout. */
function capturedJson(name: string): Sections {
  return JSON.parse(referenceCli(`commands/${name}.txt`).stdout);
}

/** A `get/` capture's value. */
function capturedGet(name: string): unknown {
  return (JSON.parse(referenceText(`get/${name}.json`)) as { value: unknown }).value;
}

class Probe extends MgrModule {
  @CLIReadCommand("probe wait", { args: { seconds: "float" }, desc: "sleeps, then answers" })
  async wait({ seconds }: { seconds: number }): Promise<HandleCommandResult> {
    await this.sleep(seconds);
    return new HandleCommandResult(0, "waited", "");
  }

  @CLIReadCommand("probe get", { desc: "reads osd_map twice" })
  read(): HandleCommandResult {
    const a = this.get("osd_map");
    const b = this.get("osd_map");
    return new HandleCommandResult(0, String(a === b), "");
  }
}

async function cluster(): Promise<TestCluster> {
  const cl = await startTestCluster({
    builtins: { ...BUILTIN_MODULES, probe: { Probe } },
    initialModules: ["probe", "iostat"],
    cluster: { hosts: 1, osdsPerHost: 3, failureDomain: "osd", pools: [{ name: "rbd", pgNum: 8 }] },
  });
  await cl.run(10);
  return cl;
}

Deno.test("a finisher's counters declare Ceph's schema, and the mgr section its cache counters", () => {
  const real = capturedJson("perf12/tell_mgr.x_perf_schema_json");
  const perf = new OwnPerfCounters();
  perf.create("finisher-balancer", FINISHER_COUNTERS);
  perf.create("mgr", [
    { name: "cache_hit", type: 10, description: "Cache hits", priority: 5 },
    { name: "cache_miss", type: 10, description: "Cache miss", priority: 5 },
  ]);
  const ours = perf.schema();
  assert.deepEqual(ours["finisher-balancer"], real["finisher-balancer"]);
  assert.deepEqual(ours["mgr"], real["mgr"]);
  // Sections in Ceph's order: bytewise by name, so `finisher-Mgr` before `finisher-balancer`.
  perf.create("finisher-Mgr", FINISHER_COUNTERS);
  assert.deepEqual(Object.keys(perf.schema()), ["finisher-Mgr", "finisher-balancer", "mgr"]);
});

Deno.test("a queue's finisher counters: queue_len counts what waits and runs, complete_latency how long each ran", async () => {
  let now = 100;
  const clock: Clock = { now: () => now, sleep: () => Promise.resolve() };
  const perf = new OwnPerfCounters();
  const logger = perf.create("finisher-probe", FINISHER_COUNTERS);
  const queue = new SerialQueue({ clock, counters: finisherCounters(logger) });
  let release!: () => void;
  const first = queue.run(() => new Promise<void>((r) => release = r));
  const second = queue.run(() => {
    now += 0.25;
  });
  assert.equal(logger.value(0), 2, "both queued, neither finished");
  await Promise.resolve();
  now += 1.5;
  release();
  await first;
  await second;
  const dump = perf.dump("finisher-probe") as {
    "finisher-probe": {
      queue_len: number;
      complete_latency: { avgcount: number; sum: { text: string }; avgtime: { text: string } };
    };
  };
  const f = dump["finisher-probe"];
  assert.equal(f.queue_len, 0);
  assert.equal(f.complete_latency.avgcount, 2);
  // 1.5 s for the first (from when it started, not when it was queued), 0.25 s the second.
  assert.equal(f.complete_latency.sum.text, "1.750000000");
  assert.equal(f.complete_latency.avgtime.text, "0.875000000");
  // Times are kept to the microsecond: what two epoch-sized readings' float error adds is not.
  const t = perf.create("finisher-t", FINISHER_COUNTERS);
  t.tinc(1, 1796304213.204 - 1796304213.201);
  assert.equal(t.value(1), 3_000_000);
  // A task that throws is counted too, and the queue goes on.
  await queue.run(() => {
    throw new Error("no");
  }).catch(() => {});
  assert.equal(logger.value(0), 0);
  assert.equal(logger.count(1), 3);
});

Deno.test("tell mgr perf dump and perf schema answer the manager's own counters as a real ceph-mgr", async () => {
  const cl = await cluster();
  const dir = dataDir();
  try {
    const run = (line: string) => runCeph(cl, dir, line);
    const dump = JSON.parse((await run("tell mgr.x perf dump -f json")).stdout) as Sections;
    const real = capturedJson("perf12/tell_mgr.x_perf_dump");
    const running = cl.manager.host.activeNames();
    assert.ok(running.includes("probe") && running.includes("iostat"));
    // One finisher per running module, and the mgr section; no section mgrd does not measure.
    assert.deepEqual(
      Object.keys(dump),
      [...running.map((m) => `finisher-${m}`), "mgr"].sort(),
    );
    for (const [section, counters] of Object.entries(dump)) {
      const model = section === "mgr" ? real["mgr"] : real["finisher-balancer"];
      assert.deepEqual(shapeDiff(counters, model), [], section);
    }
    // A command runs on its module's finisher: counted once it has, with the time it took.
    const before = dump["finisher-probe"] as { complete_latency: { avgcount: number } };
    const waited = cl.manager.command({ prefix: "probe wait", seconds: 2 });
    await cl.run(3);
    assert.equal((await waited).outb, "waited");
    const after = JSON.parse((await run("tell mgr perf dump finisher-probe -f json")).stdout) as {
      "finisher-probe": { queue_len: number; complete_latency: { avgcount: number; sum: number } };
    };
    const lat = after["finisher-probe"].complete_latency;
    assert.equal(lat.avgcount, before.complete_latency.avgcount + 1);
    assert.ok(lat.sum >= 2, `the 2 s the command slept on the virtual clock, got ${lat.sum}`);
    assert.equal(after["finisher-probe"].queue_len, 0);
    // Plain output, the logger and counter filters and the misses, byte for byte where the
    // values agree.
    const plain = await run("tell mgr perf dump finisher-probe queue_len");
    const capQueueLen = referenceCli("commands/perf12/tell_mgr_perf_dump_finisher_queue_len.txt");
    assert.equal(plain.stdout, capQueueLen.stdout.replace("finisher-perfprobe", "finisher-probe"));
    for (const name of ["tell_mgr_perf_dump_nosuch", "tell_mgr_perf_dump_mgr_nosuch"]) {
      const cap = referenceCli(`commands/perf12/${name}.txt`);
      const ours = await run(cap.command.replace(/^ceph /, ""));
      assert.deepEqual({ rc: ours.rc, stdout: ours.stdout }, { rc: cap.rc, stdout: cap.stdout });
    }
    const schema = JSON.parse((await run("tell mgr perf schema -f json")).stdout) as Sections;
    const realSchema = capturedJson("perf12/tell_mgr.x_perf_schema_json");
    assert.deepEqual(schema["finisher-iostat"], realSchema["finisher-iostat"]);
    assert.deepEqual(schema["mgr"], realSchema["mgr"]);
    const pretty = await run("tell mgr.x perf schema");
    assert.equal(pretty.stdout, JSON.stringify(schema, null, 4) + "\n", "json-pretty by default");
    // A manager has no histograms: every section, empty, as the real one prints them.
    const histograms = await run("tell mgr.x perf histogram dump");
    const realHist = capturedJson("perf12/tell_mgr.x_perf_histogram_dump");
    assert.deepEqual(
      JSON.parse(histograms.stdout),
      Object.fromEntries(Object.keys(schema).map((k) => [k, {}])),
    );
    assert.deepEqual(realHist["finisher-balancer"], {});
    assert.deepEqual(realHist["mgr"], {});
    // A module that stops takes its finisher with it.
    assert.equal((await cl.command({ prefix: "mgr module disable", module: "iostat" })).r, 0);
    await cl.run(5);
    const later = JSON.parse((await run("tell mgr perf dump -f json")).stdout) as Sections;
    assert.ok(!("finisher-iostat" in later));
    assert.ok("finisher-probe" in later);
  } finally {
    await cl.stop();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("the manager reports its own counters to itself: get_perf_schema('mgr', id) as the real one, not in get_all_perf_counters by default", async () => {
  const cl = await cluster();
  try {
    const m = cl.manager;
    const hits = () =>
      (m.ownPerf.dump("mgr", "cache_hit") as { mgr: { cache_hit: number } }).mgr.cache_hit;
    const misses = () =>
      (m.ownPerf.dump("mgr", "cache_miss") as { mgr: { cache_miss: number } }).mgr.cache_miss;
    const [h0, m0] = [hits(), misses()];
    assert.equal((await cl.command({ prefix: "probe get" })).outb, "true");
    // Two get()s of an unchanged map: at most one builds it, the other is served from cache.
    assert.equal(hits() + misses() - h0 - m0, 2);
    assert.ok(hits() > h0);
    await cl.run(6);
    const real = capturedGet("perf12/get_perf_schema_mgr_self") as Record<
      string,
      Record<string, unknown>
    >;
    const ours = m.perf.get_perf_schema("mgr", "x") as Record<string, Record<string, unknown>>;
    // The real one's, less librados's objecter sections (mgrd's librados keeps its own).
    const measured = Object.fromEntries(
      Object.entries(real["mgr.x"]!).filter(([k]) => k.startsWith("mgr.")),
    );
    assert.deepEqual(ours, { "mgr.x": measured });
    const series = m.perf.get_counter("mgr", "x", "mgr.cache_hit")["mgr.cache_hit"]!;
    assert.ok(series.length >= 1);
    assert.equal(series.at(-1)![1], hits(), "the value reported last is the section's");
    // Pacific's get_all_perf_counters leaves managers out unless asked for them.
    assert.ok(!("mgr.x" in m.perf.get_all_perf_counters()));
    assert.deepEqual(capturedGet("perf12/get_all_perf_counters_mgr"), [
      "mgr.x",
      "osd.0",
      "osd.1",
      "osd.2",
    ]);
    assert.ok("mgr.x" in m.perf.get_all_perf_counters(5, ["mgr", "osd"]));
  } finally {
    await cl.stop();
  }
});
