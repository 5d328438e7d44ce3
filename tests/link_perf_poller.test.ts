import assert from "node:assert/strict";
import { PerfPoller } from "../link/perf_poller.ts";

const SCHEMA = {
  osd: {
    op_w: {
      type: 10,
      description: "Client write operations",
      nick: "wr",
      priority: 8,
      units: "none",
    },
    op_w_latency: {
      type: 5,
      description: "Latency of write operation",
      priority: 8,
      units: "none",
    },
    op_wip: { type: 2, description: "in progress", priority: 2, units: "none" },
  },
  bluestore: { bytes: { type: 2, description: "stored", priority: 5, units: "bytes" } },
};

/** `perf histogram schema`: every section, the histograms only (as a real OSD prints it). */
const HISTOGRAM_SCHEMA = {
  bluestore: {},
  osd: {
    op_w_latency_in_bytes_histogram: { type: 26, description: "histogram", priority: 5 },
    op_r_latency_out_bytes_histogram: { type: 26, description: "low", priority: 1 },
  },
};

function dump(n: number) {
  return {
    osd: { op_w: n, op_w_latency: { avgcount: n, sum: n * 0.5, avgtime: 0.5 }, op_wip: 1 },
    bluestore: { bytes: 4096 * n },
  };
}

Deno.test("perf counters read from daemons become one report per schema, as MMgrReport carries them", async () => {
  const asked: string[] = [];
  let inFlight = 0, most = 0;
  const poller = new PerfPoller({
    async tell(daemon, prefix) {
      asked.push(`${daemon} ${prefix}`);
      if (daemon === "osd.9") throw new Error("down");
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      if (prefix === "perf histogram schema") return HISTOGRAM_SCHEMA;
      return prefix === "perf schema" ? SCHEMA : dump(Number(daemon.slice(4)) + 1);
    },
  }, 2);
  const daemons = ["osd.0", "osd.1", "osd.2", "osd.9"];
  const [report, ...rest] = await poller.poll(daemons, 100);
  assert.equal(rest.length, 0, "the OSDs share a schema");
  assert.ok(most <= 2, `at most 2 daemons at a time, saw ${most}`);
  // Counters under mgr_stats_threshold (5) are not sent to a manager; histograms of that
  // priority are declared (MgrClient::_send_report), with the u64 they carry: 0.
  assert.deepEqual(report!.schema.paths, [
    "osd.op_w",
    "osd.op_w_latency",
    "osd.op_w_latency_in_bytes_histogram",
    "bluestore.bytes",
  ]);
  assert.deepEqual(Array.from(report!.schema.types), [10, 5, 26, 2]);
  assert.deepEqual(Array.from(report!.schema.units), [1, 1, 1, 0]);
  assert.deepEqual(report!.daemons, ["osd.0", "osd.1", "osd.2"], "osd.9 did not answer");
  // osd.1: op_w 2, latency sum 1 s = 1e9 ns over 2, the histogram 0, bytes 8192.
  assert.deepEqual(Array.from(report!.values.subarray(4, 8)), [2, 1e9, 0, 8192]);
  assert.deepEqual(Array.from(report!.counts.subarray(4, 8)), [0, 2, 0, 0]);
  const again = await poller.poll(daemons, 105);
  assert.equal(again[0]!.schema, report!.schema, "the same schema object each period");
  assert.equal(asked.filter((a) => a === "osd.0 perf schema").length, 1, "a schema is read once");
  assert.equal(asked.filter((a) => a === "osd.0 perf histogram schema").length, 1);
  assert.equal(asked.filter((a) => a === "osd.9 perf schema").length, 2, "until it answers");
});

Deno.test("a daemon whose perf dump gained sections (a standby MDS became active) has its schema read again", async () => {
  const standby = { mds_mem: { ino: { type: 2, description: "Inodes", priority: 5 } } };
  const active = {
    ...standby,
    mds: { inodes: { type: 2, description: "Inodes in cache", nick: "inos", priority: 9 } },
  };
  let isActive = false;
  const asked: string[] = [];
  const poller = new PerfPoller({
    tell(daemon, prefix) {
      asked.push(`${daemon} ${prefix}`);
      if (prefix === "perf histogram schema") return Promise.resolve({});
      if (prefix === "perf schema") return Promise.resolve(isActive ? active : standby);
      return Promise.resolve(
        isActive ? { mds_mem: { ino: 3 }, mds: { inodes: 7 } } : { mds_mem: { ino: 1 } },
      );
    },
  });
  const [before] = await poller.poll(["mds.a"], 1);
  assert.deepEqual(before!.schema.paths, ["mds_mem.ino"]);
  await poller.poll(["mds.a"], 2);
  assert.equal(asked.filter((a) => a === "mds.a perf schema").length, 1, "unchanged: read once");
  isActive = true;
  const [after] = await poller.poll(["mds.a"], 3);
  assert.deepEqual(after!.schema.paths, ["mds_mem.ino", "mds.inodes"]);
  assert.deepEqual(Array.from(after!.values), [3, 7]);
  assert.equal(asked.filter((a) => a === "mds.a perf schema").length, 2);
});
