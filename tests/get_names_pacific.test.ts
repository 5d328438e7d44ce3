/**
 * The `get()` names of 16.2's ActivePyModules::get_python that mgrd lacked, against what a
 * probe module's `get()` returned on a real 16.2.15 manager (tests/ceph-reference/get/
 * fidelity12/get_*.json): `config_options`, `modified_config_options`, `mds_metadata`,
 * `pg_progress`, `active_clean_pgs`, and `mon_metadata`, which is not one (None).
 */
import assert from "node:assert/strict";
import { MgrModule } from "mgr_module";
import { startTestCluster } from "mgr_module/testing";
import { referenceText } from "./_reference.ts";
import { shapeDiff } from "./sim_json_shape.ts";

class Probe extends MgrModule {}

function real(name: string): { ok: boolean; python_type: string; value: unknown } {
  return JSON.parse(referenceText(`get/fidelity12/get_${name}.json`));
}

Deno.test("get() answers config_options, modified_config_options, mds_metadata, pg_progress and active_clean_pgs as a 16.2 manager", async () => {
  const cl = await startTestCluster({
    builtins: { probe: { Probe } },
    initialModules: ["probe"],
    cluster: {
      hosts: 1,
      osdsPerHost: 3,
      failureDomain: "osd",
      mons: { count: 1 },
      mgrs: ["x"],
      mds: ["a"],
      pools: [
        { name: "device_health_metrics", pgNum: 1, size: 1 },
        { name: "rbd", pgNum: 64, size: 3 },
      ],
    },
  });
  try {
    await cl.run(30);
    const m = cl.manager.host.instance("probe") as Probe;
    // Every option's schema, as the real manager holds it.
    assert.deepEqual(m.get("config_options"), real("config_options").value);

    const modified = m.get("modified_config_options") as { options: string[] };
    const realModified = (real("modified_config_options").value as { options: string[] }).options;
    assert.deepEqual(modified.options, [...modified.options].sort(), "sorted, as a std::set");
    // What every daemon sets at its own default or override level is there; the real daemons'
    // ceph.conf options cannot be, the simulated ones having none.
    for (const name of ["keyring", "leveldb_log", "no_config_file", "rbd_default_features"]) {
      assert.ok(realModified.includes(name), name);
      assert.ok(modified.options.includes(name), name);
    }
    assert.equal(
      (await cl.command({
        prefix: "config set",
        who: "osd",
        name: "osd_max_backfills",
        value: "3",
      })).r,
      0,
    );
    await cl.run(1);
    const after = m.get("modified_config_options") as { options: string[] };
    assert.ok(after.options.includes("osd_max_backfills"), "a value the mon set for the OSDs");

    const mds = m.get("mds_metadata");
    assert.deepEqual(shapeDiff(mds, real("mds_metadata").value, { maps: ["$"] }), []);
    assert.deepEqual(Object.keys(mds as object), ["a"]);
    assert.equal(Object.keys((mds as Record<string, object>).a!)[0], "hostname");

    const progress = m.get("pg_progress") as { pgs: Record<string, unknown>; pg_ready: boolean };
    assert.deepEqual(shapeDiff(progress, real("pg_progress").value, { maps: ["$.pgs"] }), []);
    assert.equal(Object.keys(progress.pgs).length, 65);
    assert.equal(progress.pg_ready, true);

    const clean = m.get("active_clean_pgs") as {
      pg_stats: { pgid: string }[];
      total_num_pgs: number;
    };
    assert.deepEqual(shapeDiff(clean, real("active_clean_pgs").value), []);
    assert.equal(clean.total_num_pgs, 65);
    // The seed in decimal, as Ceph writes it here: PG 2.3f is "2.63".
    assert.ok(clean.pg_stats.some((p) => p.pgid === "2.63"), "2.3f as 2.63");
    assert.ok(!clean.pg_stats.some((p) => /[a-f]/.test(p.pgid)));

    assert.equal(real("mon_metadata").value, null);
    assert.equal(m.get("mon_metadata"), null);
  } finally {
    await cl.stop();
  }
});
