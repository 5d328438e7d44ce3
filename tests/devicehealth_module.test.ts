import assert from "node:assert/strict";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import { BUILTIN_MODULES } from "../modules/mod.ts";
import { getAtaWearLevel, getNvmeWearLevel, timeKey } from "../modules/devicehealth/module.ts";

async function withDeviceHealth(fn: (c: TestCluster) => Promise<void>): Promise<void> {
  const c = await startTestCluster({
    builtins: BUILTIN_MODULES,
    initialModules: ["devicehealth"],
    cluster: { hosts: 3, osdsPerHost: 2, pools: [{ name: "rbd", pgNum: 16 }] },
  });
  try {
    await c.run(30);
    await fn(c);
  } finally {
    await c.stop();
  }
}

const DEV0 = "SEAGATE_ST4000NM0035_ZC100000";

Deno.test("devicehealth scrapes every OSD's SMART data into its RADOS pool on start; get-health-metrics shows it", async () => {
  await withDeviceHealth(async (c) => {
    await c.run(60);
    const pools = (await c.command({ prefix: "osd pool ls" })).outb.split("\n");
    assert.ok(pools.includes("device_health_metrics"), pools.join(","));
    const r = await c.command({ prefix: "device get-health-metrics", devid: DEV0 });
    assert.equal(r.r, 0, r.outs);
    const samples = JSON.parse(r.outb);
    const keys = Object.keys(samples);
    assert.equal(keys.length, 1);
    assert.match(keys[0]!, /^\d{8}-\d{6}$/);
    assert.equal(samples[keys[0]!].model_name, "ST4000NM0035-1V4107");
    assert.equal(samples[keys[0]!].smart_status.passed, true);
    const missing = await c.command({ prefix: "device get-health-metrics", devid: "nope" });
    assert.deepEqual([missing.r, missing.outs], [-2, "device nope not found"]);
    // The pool's object (one per device) counts in df.
    const df = JSON.parse(
      (await c.command({ prefix: "osd pool ls", detail: "detail", format: "json" })).outb,
    );
    assert.ok(df.some((p: { pool_name: string }) => p.pool_name === "device_health_metrics"));
  });
});

Deno.test("devicehealth: scrapes follow scrape_frequency (aligned to it, as Ceph's); retention_period prunes old samples; query and scrape commands", async () => {
  await withDeviceHealth(async (c) => {
    const set = (name: string, value: string) =>
      c.command({ prefix: "config set", who: "mgr", name: `mgr/devicehealth/${name}`, value });
    await set("scrape_frequency", "600");
    await set("sleep_interval", "60");
    await c.run(1300);
    const samples = JSON.parse(
      (await c.command({ prefix: "device get-health-metrics", devid: DEV0 })).outb,
    );
    const keys = Object.keys(samples);
    assert.ok(
      keys.length >= 3,
      `one at start, then one at the first wake-up after each 10-minute boundary: ${keys}`,
    );
    assert.equal(new Set(keys).size, keys.length);
    await set("retention_period", "300");
    await c.run(1);
    assert.equal((await c.command({ prefix: "device scrape-health-metrics", devid: DEV0 })).r, 0);
    const pruned = JSON.parse(
      (await c.command({ prefix: "device get-health-metrics", devid: DEV0 })).outb,
    );
    const left = Object.keys(pruned);
    assert.ok(left.length < keys.length + 1 && left.length >= 1, `pruned: ${left}`);
    const sample = timeKey(c.clock.now());
    assert.ok(left.includes(sample));
    const one = await c.command({ prefix: "device get-health-metrics", devid: DEV0, sample });
    assert.deepEqual(Object.keys(JSON.parse(one.outb)), [sample]);
    const q = await c.command({ prefix: "device query-daemon-health-metrics", who: "osd.1" });
    assert.deepEqual(Object.keys(JSON.parse(q.outb)), ["SEAGATE_ST4000NM0035_ZC100001"]);
    const bad = await c.command({ prefix: "device query-daemon-health-metrics", who: "mds.a" });
    assert.deepEqual([bad.r, bad.outs], [-22, "not a valid mon or osd daemon name"]);
    assert.equal(
      (await c.command({ prefix: "device scrape-daemon-health-metrics", who: "osd.2" })).r,
      0,
    );
    const pred = await c.command({ prefix: "device predict-life-expectancy", devid: DEV0 });
    assert.deepEqual([pred.r, pred.outs], [
      -1,
      "unable to enable any disk prediction model[local/cloud]",
    ]);
  });
});

Deno.test("devicehealth: monitoring off stops scraping; check-health raises nothing on healthy disks", async () => {
  await withDeviceHealth(async (c) => {
    await c.command({
      prefix: "config set",
      who: "mgr",
      name: "mgr/devicehealth/scrape_frequency",
      value: "600",
    });
    await c.command({ prefix: "device monitoring off" });
    await c.run(1300);
    const r = JSON.parse(
      (await c.command({ prefix: "device get-health-metrics", devid: DEV0 })).outb,
    );
    assert.ok(Object.keys(r).length <= 1, "no scrapes while off");
    assert.equal((await c.command({ prefix: "device check-health" })).r, 0);
    assert.doesNotMatch((await c.command({ prefix: "health" })).outb, /DEVICE_HEALTH/);
  });
});

Deno.test("devicehealth reads an SSD's wear as Ceph's get_ata_wear_level / get_nvme_wear_level", () => {
  const ata = {
    ata_device_statistics: {
      pages: [null, { number: 1, table: [{ offset: 8, value: 99 }] }, {
        number: 7,
        table: [{ offset: 16, value: 1 }, { offset: 8, value: 12 }],
      }],
    },
  };
  assert.equal(getAtaWearLevel(ata), 0.12);
  assert.equal(
    getAtaWearLevel({ ata_device_statistics: { pages: [{ number: 1, table: [] }] } }),
    null,
  );
  assert.equal(
    getNvmeWearLevel({ nvme_smart_health_information_log: { percentage_used: 7 } }),
    0.07,
  );
  assert.equal(getNvmeWearLevel({}), null);
  // A rotational disk's sample (the simulator's) tells none.
  assert.equal(
    getAtaWearLevel({ rotation_rate: 7200 }) ?? getNvmeWearLevel({ rotation_rate: 7200 }),
    null,
  );
});
