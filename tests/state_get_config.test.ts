/**
 * `get('config')` holds every daemon option a real 16.2.15 manager's does
 * (tests/ceph-reference/get/fs_layout/get_config.json, 1,810 keys), each with the value
 * `config show mgr.x` gives where the config DB sets one and the option's default otherwise.
 */
import assert from "node:assert/strict";
import { startTestCluster } from "mgr_module/testing";
import { referenceGet } from "./_reference.ts";

Deno.test("get('config'): every option of the captured table, with config show's values", async () => {
  const c = await startTestCluster({});
  try {
    assert.equal(
      (await c.command({ prefix: "config set", who: "mgr", name: "mgr_stats_period", value: "7" }))
        .r,
      0,
    );
    await c.run(1);
    const ours = c.manager.get("config") as Record<string, string>;
    const real = referenceGet("fs_layout/get_config.json").value as Record<string, string>;
    assert.deepEqual(Object.keys(ours).sort(), Object.keys(real).sort());
    assert.equal(Object.keys(ours).length, 1810);
    assert.ok(Object.values(ours).every((v) => typeof v === "string"));
    // Defaults as Ceph prints them, equal to the real manager's where the cluster left them.
    for (const k of ["osd_max_backfills", "mon_osd_full_ratio", "osd_pool_default_pg_num"]) {
      assert.equal(ours[k], real[k], k);
    }
    assert.equal(ours.name, "mgr.x");
    const show = JSON.parse(
      (await c.command({ prefix: "config show", who: "mgr.x", format: "json" })).outb,
    ) as { name: string; value: string }[];
    assert.ok(show.some((e) => e.name === "mgr_stats_period"));
    for (const e of show) {
      if (e.name in ours) assert.equal(ours[e.name], e.value, e.name);
    }
    assert.equal(ours.mgr_stats_period, "7");
  } finally {
    await c.stop();
  }
});
