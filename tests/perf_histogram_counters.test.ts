/**
 * The OSDs' histogram counters reach the manager as a real OSD declares them to a real
 * ceph-mgr (MgrClient::_send_report declares them and sends their u64, which a histogram never
 * sets): in `get_perf_schema` with type 26, and 0 in `get_all_perf_counters` and `get_counter`
 * however busy the OSD is — as in the captures of the real manager (get/perf12/).
 */
import assert from "node:assert/strict";
import { startTestCluster } from "mgr_module/testing";
import { referenceText } from "./_reference.ts";

const HIST = "osd.op_w_latency_in_bytes_histogram";

function captured(name: string): unknown {
  return (JSON.parse(referenceText(`get/${name}.json`)) as { value: unknown }).value;
}

Deno.test("a simulated OSD's histogram counters are declared as a real one's, and read 0 as the real manager's do", async () => {
  const cl = await startTestCluster({
    cluster: { hosts: 1, osdsPerHost: 3, failureDomain: "osd", pools: [{ name: "rbd", pgNum: 8 }] },
  });
  try {
    await cl.run(30);
    const perf = cl.manager.perf;
    type Schema = Record<string, Record<string, unknown>>;
    const ours = perf.get_perf_schema("osd", "0") as Schema;
    const real = captured("perf12/get_perf_schema_osd_0") as Schema;
    const hist = (s: Schema) =>
      Object.fromEntries(Object.entries(s["osd.0"]!).filter(([k]) => k.endsWith("_histogram")));
    assert.deepEqual(hist(ours), hist(real));
    assert.equal(Object.keys(hist(ours)).length, 4);
    const all = perf.get_all_perf_counters() as Record<string, Record<string, { value: number }>>;
    // The workload wrote: the write counter moved, the histogram's u64 did not.
    assert.ok(all["osd.0"]!["osd.op_w"]!.value > 0, "writes happened");
    assert.equal(all["osd.0"]![HIST]!.value, 0);
    const series = perf.get_counter("osd", "0", HIST)[HIST]!;
    assert.ok(series.length > 0);
    assert.deepEqual(
      series.map((p) => p[1]),
      series.map(() => 0),
    );
    // As the real manager's get_counter and get_latest answered.
    const realSeries = captured("perf12/get_counter_osd_0_histogram") as Record<string, number[][]>;
    assert.ok(realSeries[HIST]!.every((p) => p[1] === 0));
    assert.equal(captured("perf12/get_latest_osd_0_histogram"), 0);
  } finally {
    await cl.stop();
  }
});
