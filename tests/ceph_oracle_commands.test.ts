/**
 * mgrd answers the everyday commands of issue 12 as a real Ceph 16.2.15 cluster did, through
 * `mgrd ceph`: the captures are tests/ceph-reference/cli/commands/*.txt (tools/capture-oracle.sh,
 * on 1 mon `a`, mgr `x`, 3 OSDs on one host, pools device_health_metrics, rbd, cephfs_metadata
 * and cephfs_data, CephFS `cephfs` with mds `a`), replayed here on a simulated cluster of the same
 * layout, in the order they were made (set-quota then get-quota).
 *
 * Each case checks the exit code and stderr byte for byte, and stdout as far as the values can
 * be made equal: `exact` byte for byte; `shape` JSON compared key by key (the same keys and JSON
 * types at every level); `layout` plain text with every number masked (the same lines, words
 * and headings; the simulated cluster's sizes and times differ).
 */
import assert from "node:assert/strict";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import { referenceCli } from "./_reference.ts";
import { dataDir, runCeph } from "./_oracle_cli.ts";
import { shapeDiff } from "./sim_json_shape.ts";
import * as crash from "../modules/crash/module.ts";

type Check = "exact" | "shape" | "layout";
interface Case {
  file: string;
  check: Check;
  /** Object paths whose keys are data (see shapeDiff). */
  maps?: string[];
  /** Words of the simulated cluster renamed to the real one's (host1 → vm). */
  rename?: boolean;
  /** Addresses masked as well (`[v2:127.0.0.1:43300/0,...]`). */
  addrs?: boolean;
}

const c = (file: string, check: Check, more: Partial<Case> = {}): Case => ({
  file,
  check,
  ...more,
});

/** The simulated host is `host1` where the real one was `vm`. */
const RENAME = { rename: true };

/** The FSMap's objects keyed by gid and rank. */
const FS_MAPS = ["$.filesystems[].mdsmap.info", "$.filesystems[].mdsmap.up"];

/** The MgrMap's objects keyed by module and option names. */
const MGR_MAPS = ["$.available_modules[].module_options", "$.always_on_modules"];

/** The captures replayed, in the order the capture script made them. */
const CASES: Case[] = [
  c("df", "layout"),
  c("df_json", "shape"),
  c("df_json_pretty", "shape"),
  c("df_detail", "layout"),
  c("df_detail_json", "shape"),
  c("df_detail_json_pretty", "shape"),
  c("df_bad_arg", "exact"),
  // OSDs
  c("osd_stat", "layout"),
  c("osd_stat_json", "shape"),
  c("osd_ls", "exact"),
  c("osd_ls_json", "exact"),
  c("osd_find_0", "shape"),
  c("osd_find_0_json", "shape"),
  c("osd_find_missing", "exact"),
  c("osd_find_missing_json", "exact"),
  c("osd_find_not_a_number", "exact"),
  c("osd_find_negative", "exact"),
  c("osd_metadata", "shape"),
  c("osd_metadata_json", "shape"),
  c("osd_metadata_0", "shape"),
  c("osd_metadata_0_json", "shape"),
  c("osd_metadata_missing", "exact"),
  c("osd_metadata_missing_json", "exact"),
  c("osd_metadata_not_a_number", "exact"),
  // The simulated OSDs are BlueStore ones, the captured ones MemStore: values are data.
  c("osd_count_metadata_osd_objectstore", "shape", { maps: ["$"] }),
  c("osd_count_metadata_osd_objectstore_json", "shape", { maps: ["$"] }),
  c("osd_count_metadata_nosuch", "exact"),
  c("osd_count_metadata_nosuch_json", "exact"),
  c("osd_count_metadata_no_field", "exact"),
  c("osd_versions", "exact"),
  c("osd_versions_json", "exact"),
  c("osd_utilization", "exact"),
  c("osd_utilization_json", "shape"),
  c("osd_ok_to_stop_0", "exact"),
  c("osd_ok_to_stop_0_json", "exact"),
  c("osd_ok_to_stop_0_1", "exact"),
  c("osd_ok_to_stop_0_1_json", "exact"),
  c("osd_ok_to_stop_0_max_2", "exact"),
  c("osd_ok_to_stop_0_max_2_json", "exact"),
  c("osd_ok_to_stop_missing", "exact"),
  c("osd_ok_to_stop_missing_json", "exact"),
  c("osd_ok_to_stop_not_a_number", "exact"),
  c("osd_safe_to_destroy_0", "exact"),
  c("osd_safe_to_destroy_0_json", "exact"),
  c("osd_safe_to_destroy_missing", "exact"),
  c("osd_safe_to_destroy_missing_json", "exact"),
  c("osd_safe_to_destroy_not_a_number", "exact"),
  c("osd_blocklist_ls", "exact"),
  c("osd_blocklist_ls_json", "exact"),
  c("osd_blocked_by", "exact"),
  c("osd_blocked_by_json", "exact"),
  // The same CRUSH placement as the real cluster's; only the epoch differs.
  c("osd_map_rbd_obj_1", "layout"),
  c("osd_map_rbd_obj_1_json", "shape"),
  c("osd_map_rbd_nosuch_object", "layout"),
  c("osd_map_rbd_nosuch_object_json", "shape"),
  c("osd_map_missing_pool", "exact"),
  c("osd_map_missing_pool_json", "exact"),
  c("osd_map_no_object", "exact"),
  c("osd_set_require_min_compat_client_luminous", "exact"),
  c("osd_set_require_min_compat_client_luminous_json", "exact"),
  c("osd_set_require_min_compat_client_jewel", "exact"),
  c("osd_set_require_min_compat_client_quincy", "exact"),
  c("osd_set_require_min_compat_client_nosuch", "exact"),
  // CRUSH: the same map as the real one's, with the host named host1 instead of vm.
  c("osd_crush_tree", "layout", RENAME),
  c("osd_crush_tree_json", "exact", RENAME),
  c("osd_crush_tree_show_shadow", "layout", RENAME),
  c("osd_crush_tree_show_shadow_json", "exact", RENAME),
  c("osd_crush_dump", "exact", RENAME),
  c("osd_crush_dump_json", "exact", RENAME),
  c("osd_crush_rule_ls", "exact"),
  c("osd_crush_rule_ls_json", "exact"),
  c("osd_crush_rule_dump", "exact"),
  c("osd_crush_rule_dump_json", "exact"),
  c("osd_crush_rule_dump_replicated_rule", "exact"),
  c("osd_crush_rule_dump_replicated_rule_json", "exact"),
  c("osd_crush_rule_dump_missing", "exact"),
  c("osd_crush_rule_dump_missing_json", "exact"),
  c("osd_crush_class_ls", "exact"),
  c("osd_crush_class_ls_json", "exact"),
  c("osd_crush_ls_vm", "exact", RENAME),
  c("osd_crush_ls_vm_json", "exact", RENAME),
  c("osd_crush_ls_missing", "exact"),
  c("osd_crush_ls_missing_json", "exact"),
  c("osd_crush_show_tunables", "exact"),
  c("osd_crush_show_tunables_json", "exact"),
  c("osd_crush_weight_set_ls", "exact"),
  c("osd_crush_weight_set_ls_json", "exact"),
  // Pools
  c("osd_pool_ls", "exact"),
  c("osd_pool_ls_json", "exact"),
  c("osd_pool_ls_detail", "layout"),
  c("osd_pool_ls_detail_json", "shape", { maps: ["$[].options"] }),
  c("osd_lspools", "exact"),
  c("osd_lspools_json", "exact"),
  c("osd_pool_get_quota_rbd", "exact"),
  c("osd_pool_get_quota_rbd_json", "shape"),
  c("osd_pool_get_quota_missing", "exact"),
  c("osd_pool_get_quota_missing_json", "exact"),
  c("osd_pool_set_quota_rbd_max_objects_100", "exact"),
  c("osd_pool_set_quota_rbd_max_bytes_10G", "exact"),
  c("osd_pool_get_quota_rbd_set", "layout"),
  c("osd_pool_get_quota_rbd_set_json", "shape"),
  c("osd_pool_ls_detail_quota", "layout"),
  c("osd_pool_ls_detail_quota_json", "shape", { maps: ["$[].options"] }),
  c("osd_pool_set_quota_rbd_max_objects_0", "exact"),
  c("osd_pool_set_quota_rbd_max_bytes_0", "exact"),
  c("osd_pool_set_quota_missing_pool", "exact"),
  c("osd_pool_set_quota_bad_field", "exact"),
  c("osd_pool_set_quota_not_a_number", "exact"),
  c("osd_pool_set_quota_negative", "exact"),
  c("osd_pool_application_get", "exact"),
  c("osd_pool_application_get_json", "exact"),
  c("osd_pool_application_get_rbd", "exact"),
  c("osd_pool_application_get_rbd_json", "exact"),
  c("osd_pool_application_get_rbd_rbd", "exact"),
  c("osd_pool_application_get_rbd_rbd_json", "exact"),
  c("osd_pool_application_get_rbd_nosuch", "exact"),
  c("osd_pool_application_get_rbd_nosuch_json", "exact"),
  c("osd_pool_application_get_missing_pool", "exact"),
  c("osd_pool_application_get_missing_pool_json", "exact"),
  c("osd_pool_application_enable_rbd_rbd", "exact"),
  c("osd_pool_application_enable_second_app", "exact"),
  c("osd_pool_application_enable_missing_pool", "exact"),
  c("osd_pool_application_set_rbd", "exact"),
  c("osd_pool_application_get_rbd_after_set", "exact"),
  c("osd_pool_application_get_rbd_after_set_json", "exact"),
  c("osd_pool_application_rm_rbd", "exact"),
  c("osd_erasure_code_profile_ls", "exact"),
  c("osd_erasure_code_profile_ls_json", "exact"),
  c("osd_erasure_code_profile_get_default", "exact"),
  c("osd_erasure_code_profile_get_default_json", "exact"),
  c("osd_erasure_code_profile_get_missing", "exact"),
  c("osd_erasure_code_profile_get_missing_json", "exact"),
  // PGs
  c("pg_map_2.0", "layout"),
  c("pg_map_2.0_json", "shape"),
  c("pg_map_missing_pool", "exact"),
  c("pg_map_missing_pool_json", "exact"),
  c("pg_map_missing_pg", "layout"),
  c("pg_map_missing_pg_json", "shape"),
  c("pg_map_not_a_pgid", "exact"),
  // Mons. The simulated mons listen on 3300/6789 of their host's address.
  c("mon_dump", "layout", { addrs: true }),
  c("mon_dump_json", "shape"),
  c("mon_dump_missing_epoch", "exact"),
  c("mon_dump_missing_epoch_json", "exact"),
  c("mon_stat", "layout", { addrs: true }),
  c("mon_stat_json", "exact"),
  c("mon_versions", "exact"),
  c("mon_versions_json", "exact"),
  c("mon_metadata_a", "shape"),
  c("mon_metadata_a_json", "shape"),
  c("mon_metadata_missing", "exact"),
  c("mon_metadata_missing_json", "exact"),
  c("mon_feature_ls", "exact"),
  c("mon_feature_ls_json", "exact"),
  c("quorum_status", "shape"),
  c("quorum_status_json", "shape"),
  // The FS map
  c("fs_dump", "layout", { addrs: true }),
  c("fs_dump_json", "shape", { maps: FS_MAPS }),
  c("fs_ls", "exact"),
  c("fs_ls_json", "exact"),
  c("fs_get_cephfs", "layout", { addrs: true }),
  c("fs_get_cephfs_json", "shape", { maps: FS_MAPS.map((p) => p.replace("$.filesystems[]", "$")) }),
  c("fs_get_missing", "exact"),
  c("fs_get_missing_json", "exact"),
  c("mds_stat", "exact"),
  c("mds_stat_json", "shape", { maps: FS_MAPS.map((p) => p.replace("$.", "$.fsmap.")) }),
  c("mds_metadata", "shape"),
  c("mds_metadata_json", "shape"),
  c("mds_metadata_a", "shape"),
  c("mds_metadata_a_json", "shape"),
  c("mds_versions", "exact"),
  c("mds_versions_json", "exact"),
  // The manager: the MgrMap with the addresses its beacons carry.
  c("mgr_dump", "shape", { maps: MGR_MAPS }),
  c("mgr_dump_json", "shape", { maps: MGR_MAPS }),
  c("mgr_stat", "shape"),
  c("mgr_stat_json", "shape"),
  c("mgr_versions", "exact"),
  c("mgr_versions_json", "exact"),
  c("mgr_services", "exact"),
  c("mgr_services_json", "exact"),
  c("config_dump", "exact"),
  c("config_dump_json", "exact"),
  c("config_log", "exact"),
  c("config_log_json", "exact"),
  c("config_help_osd_max_backfills", "exact"),
  c("config_help_osd_max_backfills_json", "exact"),
  c("config_help_mon_allow_pool_delete", "exact"),
  c("config_help_mon_allow_pool_delete_json", "exact"),
  c("config_help_osd_pool_default_size", "exact"),
  c("config_help_osd_pool_default_size_json", "exact"),
  c("config_help_missing", "exact"),
  c("config_help_missing_json", "exact"),
  c("crash_ls", "exact"),
  c("crash_ls_json", "exact"),
  c("crash_ls_new", "exact"),
  c("crash_ls_new_json", "exact"),
  c("crash_stat", "exact"),
  c("crash_stat_json", "exact"),
  c("crash_info_missing", "exact"),
  c("crash_info_missing_json", "exact"),
  // Daemon commands (`ceph tell`); the simulated OSDs' counters differ in value and in which
  // loggers they have, the real mon had mon_allow_pool_delete from its ceph.conf.
  c("tell_osd.0_version", "exact"),
  c("tell_osd.0_version_json", "exact"),
  c("tell_osd.0_config_get_osd_max_backfills", "exact"),
  c("tell_osd.0_config_get_osd_max_backfills_json", "exact"),
  c("tell_osd.0_dump_ops_in_flight", "exact"),
  c("tell_osd.0_dump_ops_in_flight_json", "exact"),
  c("tell_osd_missing", "exact"),
  c("tell_mon.a_version", "exact"),
  c("tell_mon.a_version_json", "exact"),
  c("tell_mon.a_config_get_mon_allow_pool_delete", "shape"),
  c("tell_mon.a_config_get_mon_allow_pool_delete_json", "shape"),
  c("tell_mon_missing", "exact"),
  c("tell_mgr.x_version", "exact"),
  c("tell_mgr.x_version_json", "exact"),
  c("tell_mgr_version", "exact"),
  c("tell_mgr_version_json", "exact"),
  c("tell_mgr.x_config_get_mgr_stats_period", "exact"),
  c("tell_mgr.x_config_get_mgr_stats_period_json", "exact"),
  c("tell_bad_target", "exact"),
];

/** The captures made before the cluster's state was changed, at the script's start. */
const FIRST: Case[] = [
  c("version_flag", "exact"),
  c("version", "exact"),
  c("version_json", "exact"),
  c("versions", "exact"),
  c("versions_json", "exact"),
  c("features", "exact"),
  c("features_json", "exact"),
  c("time_sync_status", "layout"),
  c("time_sync_status_json", "shape"),
];

/** Plain text with its numbers and sizes masked, spaces collapsed: what stays equal. */
export function skeleton(text: string): string {
  return text
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "UUID")
    .replace(/\d+(\.\d+)?(e[-+]?\d+)?/g, "#")
    .replace(/# ?(B|KiB|MiB|GiB|TiB|PiB|k|M)\b/g, "#")
    .replace(/[ \t]+/g, " ")
    .replace(/ +\n/g, "\n");
}

/** The cluster the captures were made on, simulated. */
async function fsLayout(): Promise<TestCluster> {
  const cl = await startTestCluster({
    builtins: { crash },
    alwaysOn: ["crash"],
    cluster: {
      hosts: 1,
      osdsPerHost: 3,
      failureDomain: "osd",
      mons: { count: 1 },
      mgrs: ["x"],
      mds: ["a"],
      pools: [
        { name: "device_health_metrics", pgNum: 1, size: 1, application: "mgr_devicehealth" },
        { name: "rbd", pgNum: 64, size: 3, application: "rbd" },
        { name: "cephfs_metadata", pgNum: 16, size: 3, application: "cephfs" },
        { name: "cephfs_data", pgNum: 32, size: 2, minSize: 1, application: "cephfs" },
      ],
    },
  });
  await cl.run(30);
  return cl;
}

/**
 * The simulated OSDs are BlueStore OSDs; the captured cluster's are memstore OSDs, whose
 * metadata has no block device (`bluestore_bdev_dev_node`, which the exporter's
 * ceph_disk_occupation reads). Those keys are left out of the comparison.
 */
function withoutBluestoreKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutBluestoreKeys);
  if (v === null || typeof v !== "object") return v;
  return Object.fromEntries(
    Object.entries(v).filter(([k]) => k !== "bluestore_bdev_dev_node").map((
      [k, x],
    ) => [k, withoutBluestoreKeys(x)]),
  );
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what}: not JSON: ${text.slice(0, 200)}`);
  }
}

Deno.test("mgrd ceph answers issue 12's everyday commands as a real Ceph 16.2 did", async (t) => {
  const cl = await fsLayout();
  const dir = dataDir();
  try {
    for (const k of [...FIRST, ...CASES]) {
      const cap = referenceCli(`commands/${k.file}.txt`);
      await t.step(k.file, async () => {
        const line = k.rename ? cap.command.replace(/ vm( |$)/, " host1$1") : cap.command;
        const ours = await runCeph(cl, dir, line);
        await cl.run(1);
        const rename = (s: string) => k.rename ? s.replaceAll("host1", "vm") : s;
        // Outside exact cases, stderr may name an epoch: compared with numbers masked.
        const err = (t: string) => k.check === "exact" ? t : skeleton(t);
        assert.deepStrictEqual(
          { rc: ours.rc, stderr: err(ours.stderr) },
          { rc: cap.rc, stderr: err(cap.stderr) },
          `${cap.command}: ${ours.stdout.slice(0, 300)}`,
        );
        const mask = (s: string) => k.addrs ? s.replace(/\d+\.\d+\.\d+\.\d+:\d+/g, "ADDR") : s;
        if (k.check === "exact") assert.equal(rename(ours.stdout), cap.stdout);
        else if (k.check === "layout") {
          assert.equal(skeleton(mask(rename(ours.stdout))), skeleton(mask(cap.stdout)));
        } else {
          const diff = shapeDiff(
            withoutBluestoreKeys(parseJson(ours.stdout, "ours")),
            parseJson(cap.stdout, "real"),
            { maps: k.maps },
          );
          assert.deepEqual(diff, [], diff.join("\n"));
          // Framing: the CLI's empty line, and how the daemon's text ends.
          assert.equal(ours.stdout.slice(0, 2), cap.stdout.slice(0, 2));
          assert.equal(ours.stdout.slice(-2), cap.stdout.slice(-2));
        }
      });
    }
  } finally {
    await cl.stop();
    Deno.removeSync(dir, { recursive: true });
  }
});
