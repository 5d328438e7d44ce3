#!/bin/bash
# Capture what a real Ceph 16.2.15 cluster answers, into tests/ceph-reference/, so that the
# simulator can be made to match it (issues 12, 14, 15, 16). See tests/ceph-reference/README.md.
#
# Needs: Debian 12's Ceph 16.2.15 packages (ceph-mon ceph-mgr ceph-osd ceph-common, installed
#   by up.sh if missing) and ceph-mds (installed here with apt-get if missing), python3-rados for
#   /usr/bin/python3, jq, curl, promtool (optional), crushtool; root; the fixed ports of
#   /work/shared/tools/ceph-real/up.sh (43300, 40789, 46800-47300) and 9283/9284 free. Only one
#   session may run up.sh at a time. About 12 minutes on 2 cores.
#
# Layout: 1 mon (a), 1 mgr (x; a standby y only in the prometheus part), 3 memstore OSDs on one
#   host (failure domain osd), pools device_health_metrics (made by the devicehealth module),
#   rbd (64 PGs, size 3, application rbd), cephfs_metadata (16 PGs, size 3) and cephfs_data
#   (32 PGs, size 2) with CephFS `cephfs` on them and one MDS (a); 100 objects of 4 KiB in rbd and
#   200 in cephfs_data.
#
# Usage: tools/capture-oracle.sh                      everything, cluster in /tmp/oracle-run
#   CEPH_ANCHOR_RUN=/tmp/dir    the scratch directory (removed and made again)
#   CAPTURE_PHASES="commands options probe behaviour prometheus"   a subset, in that order
#   CAPTURE_KEEP=1              leave the cluster running at the end (stop: down.sh)
#   CAPTURE_REUSE=1             use the cluster already running in CEPH_ANCHOR_RUN (no setup)
# Re-runnable: the cluster is made fresh (unless CAPTURE_REUSE) and each phase first removes the
# files it writes. The cluster is stopped by PID (down.sh) on exit, also on failure.
set -uo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=${CAPTURE_OUT:-$REPO/tests/ceph-reference}
PROBE=$REPO/tools/oracle_probe
REAL=${CEPH_REAL_TOOLS:-/work/shared/tools/ceph-real}
export CEPH_ANCHOR_RUN=${CEPH_ANCHOR_RUN:-/tmp/oracle-run}
RUN=$CEPH_ANCHOR_RUN
CONF=$RUN/ceph.conf
PY=/usr/bin/python3
PHASES=${CAPTURE_PHASES:-commands options probe behaviour prometheus}
CMD_TIMEOUT=${CMD_TIMEOUT:-60}
TMPD=$(mktemp -d /tmp/capture-oracle.XXXXXX)
MODS=$RUN-modules
BG_PIDS=()

log() { echo "[capture $(date -u +%H:%M:%S)] $*" >&2; }
die() { log "FAILED: $*"; exit 1; }

stop_cluster() {
  for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  if [ "${CAPTURE_KEEP:-}" != 1 ] && [ -e "$RUN/ceph.conf" ]; then
    log "stopping the cluster (down.sh)"
    "$REAL/down.sh" >/dev/null 2>&1
    rm -rf "$MODS"
  fi
  rm -rf "$TMPD"
}
trap stop_cluster EXIT

# --- capture format (tests/_reference.ts referenceCli) -------------------------------------

# A word as the existing captures print it: bare, or in single quotes when empty or unusual.
quote_word() {
  if [[ -z $1 || $1 =~ [^A-Za-z0-9_./:=,+@%*-] ]]; then printf "'%s'" "$1"; else printf '%s' "$1"; fi
}

# The values that name this run's scratch directory are written as $RUN.
normalise() { sed "s#$RUN#\$RUN#g"; }

# cap FILE ARGS...: run `ceph ARGS`, write FILE (relative to $OUT) as
#   $ ceph ARGS / --- rc=N / --- stdout: / <stdout>--- stderr: / <stderr>
# T=<seconds> before cap bounds the run (timeout's rc 124 is then recorded).
cap() {
  local file=$OUT/$1 line='$ ceph' w rc
  shift
  mkdir -p "$(dirname "$file")"
  for w in "$@"; do line+=" $(quote_word "$w")"; done
  timeout -k 5 "${T:-$CMD_TIMEOUT}" ceph -c "$CONF" "$@" >"$TMPD/out" 2>"$TMPD/err" </dev/null
  rc=$?
  {
    printf '%s\n--- rc=%d\n--- stdout:\n' "$line" "$rc"
    cat "$TMPD/out"
    printf -- '--- stderr:\n'
    cat "$TMPD/err"
  } | normalise >"$file"
  return 0
}

# capf NAME ARGS...: NAME.txt plain and NAME_json.txt with -f json.
capf() {
  local name=$1
  shift
  cap "$name.txt" "$@"
  cap "${name}_json.txt" "$@" -f json
}
# capp: also NAME_json_pretty.txt.
capp() {
  capf "$@"
  local name=$1
  shift
  cap "${name}_json_pretty.txt" "$@" -f json-pretty
}

# Raw daemon commands through librados (tell_raw.py).
tell_raw() { "$PY" "$PROBE/tell_raw.py" "$CONF" "$@"; }

# --- cluster state helpers -------------------------------------------------------------------

c() { ceph -c "$CONF" "$@" </dev/null; }
cj() { timeout 30 ceph -c "$CONF" "$@" -f json 2>/dev/null </dev/null; }

# wait_for SECONDS WHAT CMD...: until CMD succeeds.
wait_for() {
  local t=$1 what=$2 end
  shift 2
  end=$((SECONDS + t))
  until "$@"; do
    ((SECONDS >= end)) && {
      log "timeout ($t s) waiting for $what"
      return 1
    }
    sleep 1
  done
}
all_clean() {
  cj pg stat | jq -e '.pg_summary.num_pg_by_state | length == 1 and .[0].name == "active+clean"' >/dev/null
}
mgr_available() { cj mgr stat | jq -e '.available' >/dev/null; }
mds_active() { [ "$(cj fs dump | jq '[.filesystems[].mdsmap.info[] | select(.state == "up:active")] | length')" = 1 ]; }
io_quiet() { cj status | jq -e '[.pgmap | keys[] | select(test("_sec$"))] | length == 0' >/dev/null; }
health_ok() { [ "$(c health 2>/dev/null)" = HEALTH_OK ]; }
healthy() { mgr_available && all_clean && health_ok && { [ -z "$HAVE_MDS" ] || mds_active; }; }
wait_healthy() { wait_for "${1:-120}" "HEALTH_OK, all PGs active+clean" healthy; }
active_gid() { cj mgr dump | jq -r '.active_gid'; }
# wait_new_gid OLD: until the MgrMap's active gid differs from OLD and the manager is available.
gid_changed() {
  local g
  g=$(cj mgr dump | jq -r 'if .available then .active_gid else "" end')
  [ -n "$g" ] && [ "$g" != "$1" ]
}
wait_new_gid() { wait_for 60 "a new active_gid" gid_changed "$1"; }

# Behaviour scenarios: cli/behaviour/<scenario>/NN_<step>.txt and a timeline.txt of when each
# step ran (seconds from the scenario's start), since answers depend on timing.
SCEN=""
STEP=0
T0=0
scenario() {
  SCEN=$1
  STEP=0
  T0=$EPOCHREALTIME
  rm -rf "$OUT/cli/behaviour/$SCEN"
  mkdir -p "$OUT/cli/behaviour/$SCEN"
  : >"$OUT/cli/behaviour/$SCEN/timeline.txt"
  log "scenario $SCEN"
}
note() {
  printf '%7.2f %s\n' "$(echo "$EPOCHREALTIME - $T0" | bc)" "$*" >>"$OUT/cli/behaviour/$SCEN/timeline.txt"
}
step() {
  local name
  STEP=$((STEP + 1))
  name=$(printf '%02d_%s' "$STEP" "$1")
  shift
  note "$name: ceph $*"
  cap "cli/behaviour/$SCEN/$name.txt" "$@"
}
pause() {
  sleep "$1"
  note "slept $1 s"
}
# A raw HTTP fetch, headers and body, for the exporter pages.
http_get() { # http_get FILE URL
  local file=$OUT/$1
  mkdir -p "$(dirname "$file")"
  {
    printf '$ curl -sS -D - %s\n' "$2"
    curl -sS -D - --max-time 30 "$2" 2>&1
  } >"$file"
}

# --- setup -----------------------------------------------------------------------------------

HAVE_MDS=""
setup() {
  command -v ceph-mds >/dev/null 2>&1 || {
    log "installing ceph-mds with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ceph-mds >/dev/null
  }
  if [ -e "$RUN" ]; then
    log "removing the previous run in $RUN"
    "$REAL/down.sh" >/dev/null 2>&1
    rm -rf "$RUN"
  fi
  log "starting the cluster (up.sh)"
  "$REAL/up.sh" 3 >"$TMPD/up.log" 2>&1 || {
    cat "$TMPD/up.log" >&2
    die "up.sh"
  }
  wait_for 60 "the device_health_metrics pool" eval "c osd pool ls 2>/dev/null | grep -qx device_health_metrics" || die "no device_health_metrics"
  c osd pool create rbd 64 64 replicated --size 3 >/dev/null 2>&1 || die "pool rbd"
  c osd pool set rbd min_size 2 >/dev/null 2>&1
  c osd pool application enable rbd rbd >/dev/null 2>&1
  c osd pool create cephfs_metadata 16 16 replicated --size 3 >/dev/null 2>&1 || die "pool cephfs_metadata"
  c osd pool set cephfs_metadata min_size 2 >/dev/null 2>&1
  c osd pool create cephfs_data 32 32 replicated --size 2 >/dev/null 2>&1 || die "pool cephfs_data"
  c osd pool set cephfs_data min_size 1 >/dev/null 2>&1
  c fs new cephfs cephfs_metadata cephfs_data >/dev/null 2>&1 || die "fs new"
  mkdir -p "$RUN/mds.a"
  ceph-mds -c "$CONF" -i a --mds-data "$RUN/mds.a" >/dev/null 2>&1 || die "ceph-mds"
  HAVE_MDS=1
  wait_for 60 "the MDS active" mds_active || die "mds"
  "$PY" - "$CONF" <<'PY' || die "objects"
import sys, rados
c = rados.Rados(conffile=sys.argv[1]); c.connect(timeout=30)
for pool, n in (("rbd", 100), ("cephfs_data", 200)):
    io = c.open_ioctx(pool)
    for i in range(n):
        io.write_full(f"obj_{i}", bytes([i % 256]) * 4096)
    io.close()
c.shutdown()
PY
  wait_healthy 180 || die "the cluster did not become healthy"
  # No client io line in status: the PGMap's rates of the writes above have decayed.
  wait_for 120 "client io to be 0" io_quiet || log "WARNING: status still has an io line"
  log "healthy: $(c -s | tr -s ' \n' ' ' | cut -c1-200)"
}

reuse() {
  [ -e "$CONF" ] || die "CAPTURE_REUSE=1 but no cluster in $RUN"
  ls "$RUN"/run/mds.*.pid >/dev/null 2>&1 && HAVE_MDS=1
  wait_healthy 60 || die "the reused cluster is not healthy"
}

# --- phase: commands (cli/commands/) -----------------------------------------------------------
# Issue 12's "commands that must exist", plain and -f json, and their error cases, on the
# healthy cluster. Commands that change something put it back.

phase_commands() {
  local D=cli/commands
  rm -rf "${OUT:?}/$D"
  log "phase commands"
  cap $D/version_flag.txt --version
  capf $D/version version
  capf $D/versions versions
  capf $D/features features
  capf $D/status status
  cap $D/status_s.txt -s
  capf $D/health health
  capf $D/health_detail health detail
  capf $D/time_sync_status time-sync-status
  capp $D/df df
  capp $D/df_detail df detail
  cap $D/df_bad_arg.txt df nosuch

  # OSDs
  capf $D/osd_stat osd stat
  capf $D/osd_ls osd ls
  capf $D/osd_find_0 osd find 0
  capf $D/osd_find_missing osd find 99
  cap $D/osd_find_not_a_number.txt osd find foo
  cap $D/osd_find_negative.txt osd find -1
  capf $D/osd_metadata osd metadata
  capf $D/osd_metadata_0 osd metadata 0
  capf $D/osd_metadata_missing osd metadata 99
  cap $D/osd_metadata_not_a_number.txt osd metadata foo
  capf $D/osd_count_metadata_osd_objectstore osd count-metadata osd_objectstore
  capf $D/osd_count_metadata_nosuch osd count-metadata nosuch
  cap $D/osd_count_metadata_no_field.txt osd count-metadata
  capf $D/osd_versions osd versions
  capf $D/osd_utilization osd utilization
  capf $D/osd_ok_to_stop_0 osd ok-to-stop 0
  capf $D/osd_ok_to_stop_0_1 osd ok-to-stop 0 1
  capf $D/osd_ok_to_stop_0_max_2 osd ok-to-stop 0 --max 2
  capf $D/osd_ok_to_stop_missing osd ok-to-stop 99
  cap $D/osd_ok_to_stop_not_a_number.txt osd ok-to-stop foo
  capf $D/osd_safe_to_destroy_0 osd safe-to-destroy 0
  capf $D/osd_safe_to_destroy_missing osd safe-to-destroy 99
  cap $D/osd_safe_to_destroy_not_a_number.txt osd safe-to-destroy foo
  capf $D/osd_blocklist_ls osd blocklist ls
  capf $D/osd_blocked_by osd blocked-by
  capf $D/osd_map_rbd_obj_1 osd map rbd obj_1
  capf $D/osd_map_rbd_nosuch_object osd map rbd nosuch_object
  capf $D/osd_map_missing_pool osd map nosuch obj_1
  cap $D/osd_map_no_object.txt osd map rbd
  capf $D/osd_tree osd tree
  capf $D/osd_dump osd dump
  capp $D/osd_df osd df
  capf $D/osd_df_tree osd df tree
  capf $D/osd_perf osd perf
  capf $D/osd_set_require_min_compat_client_luminous osd set-require-min-compat-client luminous
  cap $D/osd_set_require_min_compat_client_jewel.txt osd set-require-min-compat-client jewel
  cap $D/osd_set_require_min_compat_client_quincy.txt osd set-require-min-compat-client quincy
  cap $D/osd_set_require_min_compat_client_nosuch.txt osd set-require-min-compat-client nosuch
  c osd set-require-min-compat-client luminous --yes-i-really-mean-it >/dev/null 2>&1

  # CRUSH
  capf $D/osd_crush_tree osd crush tree
  capf $D/osd_crush_tree_show_shadow osd crush tree --show-shadow
  capf $D/osd_crush_dump osd crush dump
  capf $D/osd_crush_rule_ls osd crush rule ls
  capf $D/osd_crush_rule_dump osd crush rule dump
  capf $D/osd_crush_rule_dump_replicated_rule osd crush rule dump replicated_rule
  capf $D/osd_crush_rule_dump_missing osd crush rule dump nosuch
  capf $D/osd_crush_class_ls osd crush class ls
  capf $D/osd_crush_ls_vm osd crush ls "$(hostname -s)"
  capf $D/osd_crush_ls_missing osd crush ls nosuch
  capf $D/osd_crush_show_tunables osd crush show-tunables
  capf $D/osd_crush_weight_set_ls osd crush weight-set ls
  (cd "$OUT/$D" && cap $D/osd_getcrushmap.txt osd getcrushmap -o osd_getcrushmap.bin)
  crushtool -d "$OUT/$D/osd_getcrushmap.bin" -o "$OUT/$D/osd_getcrushmap_decompiled.txt"

  # Pools
  capf $D/osd_pool_ls osd pool ls
  capf $D/osd_pool_ls_detail osd pool ls detail
  capf $D/osd_lspools osd lspools
  capf $D/osd_pool_stats osd pool stats
  capf $D/osd_pool_stats_rbd osd pool stats rbd
  capf $D/osd_pool_stats_missing osd pool stats nosuch
  capf $D/osd_pool_get_rbd_all osd pool get rbd all
  capf $D/osd_pool_get_quota_rbd osd pool get-quota rbd
  capf $D/osd_pool_get_quota_missing osd pool get-quota nosuch
  cap $D/osd_pool_set_quota_rbd_max_objects_100.txt osd pool set-quota rbd max_objects 100
  cap $D/osd_pool_set_quota_rbd_max_bytes_10G.txt osd pool set-quota rbd max_bytes 10G
  capf $D/osd_pool_get_quota_rbd_set osd pool get-quota rbd
  capf $D/osd_pool_ls_detail_quota osd pool ls detail
  cap $D/osd_pool_set_quota_rbd_max_objects_0.txt osd pool set-quota rbd max_objects 0
  cap $D/osd_pool_set_quota_rbd_max_bytes_0.txt osd pool set-quota rbd max_bytes 0
  cap $D/osd_pool_set_quota_missing_pool.txt osd pool set-quota nosuch max_objects 1
  cap $D/osd_pool_set_quota_bad_field.txt osd pool set-quota rbd max_foo 1
  cap $D/osd_pool_set_quota_not_a_number.txt osd pool set-quota rbd max_objects abc
  cap $D/osd_pool_set_quota_negative.txt osd pool set-quota rbd max_objects -1
  capf $D/osd_pool_application_get osd pool application get
  capf $D/osd_pool_application_get_rbd osd pool application get rbd
  capf $D/osd_pool_application_get_rbd_rbd osd pool application get rbd rbd
  capf $D/osd_pool_application_get_rbd_nosuch osd pool application get rbd nosuch
  capf $D/osd_pool_application_get_missing_pool osd pool application get nosuch
  cap $D/osd_pool_application_enable_rbd_rbd.txt osd pool application enable rbd rbd
  cap $D/osd_pool_application_enable_second_app.txt osd pool application enable rbd rgw
  cap $D/osd_pool_application_enable_missing_pool.txt osd pool application enable nosuch rbd
  cap $D/osd_pool_application_set_rbd.txt osd pool application set rbd rbd key1 value1
  capf $D/osd_pool_application_get_rbd_after_set osd pool application get rbd
  cap $D/osd_pool_application_rm_rbd.txt osd pool application rm rbd rbd key1
  capf $D/osd_erasure_code_profile_ls osd erasure-code-profile ls
  capf $D/osd_erasure_code_profile_get_default osd erasure-code-profile get default
  capf $D/osd_erasure_code_profile_get_missing osd erasure-code-profile get nosuch
  capf $D/osd_pool_autoscale_status osd pool autoscale-status

  # PGs
  capp $D/pg_stat pg stat
  capf $D/pg_dump pg dump
  local what
  for what in all summary sum delta pools osds pgs pgs_brief; do capf $D/pg_dump_$what pg dump $what; done
  cap $D/pg_dump_bad_arg.txt pg dump nosuch
  capf $D/pg_map_2.0 pg map 2.0
  capf $D/pg_map_missing_pool pg map 99.0
  capf $D/pg_map_missing_pg pg map 2.ff
  cap $D/pg_map_not_a_pgid.txt pg map foo
  cap $D/pg_2.0_query.txt pg 2.0 query
  cap $D/pg_query_missing_pool.txt pg 99.0 query
  cap $D/pg_query_missing_pg.txt pg 2.ff query
  capf $D/pg_ls_by_pool_rbd pg ls-by-pool rbd
  capf $D/pg_ls_remapped pg ls remapped

  # Mons, the FS map, config, the manager and its modules
  capf $D/mon_dump mon dump
  capf $D/mon_dump_missing_epoch mon dump 999
  capf $D/mon_stat mon stat
  capf $D/mon_versions mon versions
  capf $D/mon_metadata_a mon metadata a
  capf $D/mon_metadata_missing mon metadata b
  capf $D/mon_feature_ls mon feature ls
  capf $D/quorum_status quorum_status
  capf $D/fs_dump fs dump
  capf $D/fs_ls fs ls
  capf $D/fs_status fs status
  capf $D/fs_status_cephfs fs status cephfs
  capf $D/fs_status_missing fs status nosuch
  capf $D/fs_get_cephfs fs get cephfs
  capf $D/fs_get_missing fs get nosuch
  capf $D/mds_stat mds stat
  capf $D/mds_metadata mds metadata
  capf $D/mds_metadata_a mds metadata a
  capf $D/mds_versions mds versions
  capf $D/config_dump config dump
  capf $D/config_log config log
  capf $D/config_help_osd_max_backfills config help osd_max_backfills
  capf $D/config_help_mon_allow_pool_delete config help mon_allow_pool_delete
  capf $D/config_help_osd_pool_default_size config help osd_pool_default_size
  capf $D/config_help_mgr_balancer_mode config help mgr/balancer/mode
  capf $D/config_help_missing config help nosuch
  local who
  for who in osd.0 mon.a mgr.x mds.a; do capf $D/config_show_$who config show $who; done
  # Every option with its value (~640 KB each); mgr.x's JSON is in options/.
  capf $D/config_show_with_defaults_osd.0 config show-with-defaults osd.0
  capf $D/config_show_osd.0_osd_max_backfills config show osd.0 osd_max_backfills
  capf $D/config_show_mon.a_mon_allow_pool_delete config show mon.a mon_allow_pool_delete
  capf $D/config_show_mgr.x_mgr_stats_period config show mgr.x mgr_stats_period
  capf $D/config_show_osd.0_missing_option config show osd.0 nosuch
  capf $D/config_show_missing_daemon config show osd.99
  cap $D/config_show_bad_name.txt config show foo
  capf $D/config_get_osd.0_osd_max_backfills config get osd.0 osd_max_backfills
  capf $D/config_get_osd.0_missing_option config get osd.0 nosuch
  capf $D/mgr_dump mgr dump
  capf $D/mgr_stat mgr stat
  capf $D/mgr_metadata mgr metadata
  capf $D/mgr_versions mgr versions
  capf $D/mgr_module_ls mgr module ls
  capf $D/mgr_services mgr services
  capf $D/crash_ls crash ls
  capf $D/crash_ls_new crash ls-new
  capf $D/crash_stat crash stat
  capf $D/crash_info_missing crash info nosuch
  capf $D/balancer_status balancer status
  capf $D/telemetry_status telemetry status
  capf $D/orch_status orch status
  capf $D/device_ls device ls
  capf $D/log_last_20 log last 20
  capf $D/auth_ls auth ls

  # Daemon commands through the CLI (`ceph tell`; its stderr has the client's ms_handle_reset
  # lines, with stamps) and through librados (raw, as cli/oracle/tell_*.txt).
  local sub
  for sub in version "perf dump" "perf schema" "config get osd_max_backfills" dump_ops_in_flight; do
    # shellcheck disable=SC2086
    capf "$D/tell_osd.0_${sub// /_}" tell osd.0 $sub
  done
  for sub in version "perf dump" "perf schema" "config get mon_allow_pool_delete" mon_status dump_ops_in_flight ops sessions; do
    # shellcheck disable=SC2086
    capf "$D/tell_mon.a_${sub// /_}" tell mon.a $sub
  done
  for sub in version "perf dump" "perf schema" "config get mgr_stats_period" status mgr_status; do
    # shellcheck disable=SC2086
    capf "$D/tell_mgr.x_${sub// /_}" tell mgr.x $sub
  done
  capf $D/tell_mgr_version tell mgr version
  for sub in version "perf dump" "perf schema" "config get mds_cache_memory_limit" status dump_ops_in_flight "session ls"; do
    # shellcheck disable=SC2086
    capf "$D/tell_mds.a_${sub// /_}" tell mds.a $sub
  done
  cap $D/tell_osd_missing.txt tell osd.99 version
  cap $D/tell_osd.0_unknown_command.txt tell osd.0 nosuch
  cap $D/tell_mon_missing.txt tell mon.b version
  cap $D/tell_mds_missing.txt tell mds.b version
  cap $D/tell_mgr_missing.txt tell mgr.y version
  cap $D/tell_bad_target.txt tell foo.0 version
  tell_raw "$OUT/$D/raw" \
    tell_osd_perf_schema osd 0 '{"prefix": "perf schema"}' \
    tell_osd_config_get osd 0 '{"prefix": "config get", "var": "osd_max_backfills"}' \
    tell_osd_config_get_missing osd 0 '{"prefix": "config get", "var": "nosuch"}' \
    tell_osd_dump_ops_in_flight osd 0 '{"prefix": "dump_ops_in_flight"}' \
    tell_osd_dump_ops_in_flight_json osd 0 '{"prefix": "dump_ops_in_flight", "format": "json"}' \
    tell_pg_query pg 2.0 '{"prefix": "query", "pgid": "2.0"}' \
    tell_mon_version mon a '{"prefix": "version"}' \
    tell_mon_version_json mon a '{"prefix": "version", "format": "json"}' \
    tell_mgr_version mgr x '{"prefix": "version"}'
  for f in "$OUT/$D"/raw/*.txt; do normalise <"$f" >"$f.n" && mv "$f.n" "$f"; done
}

# --- phase: options (options/) ----------------------------------------------------------------

phase_options() {
  local D=options
  rm -rf "${OUT:?}/$D"
  mkdir -p "$OUT/$D"
  log "phase options"
  capf $D/config_ls config ls
  "$PY" "$PROBE/options_table.py" "$CONF" "$TMPD/options.json" >&2 || die "options_table.py"
  normalise <"$TMPD/options.json" >"$OUT/$D/options_16.2.15.json"
  capf $D/config_show_mgr.x config show mgr.x
  cap $D/config_show_with_defaults_mgr.x_json.txt config show-with-defaults mgr.x -f json
}

# --- phase: probe (get/fs_layout/) ------------------------------------------------------------
# The real manager's Python API on this layout, by the oracleprobe module (enabled for the dump,
# then disabled again; each is a manager respawn).

phase_probe() {
  local D=get/fs_layout gid
  rm -rf "${OUT:?}/$D"
  mkdir -p "$OUT/$D"
  log "phase probe"
  # The probe is in the module path only while it runs, so that no other capture lists it
  # (mgr module ls, the MgrMap, config ls); it is copied so that the manager's __pycache__ stays
  # out of the repository. The manager reads its module path when it (re)spawns.
  rm -rf "$MODS"
  mkdir -p "$MODS"
  cp -r "$PROBE/oracleprobe" "$MODS/"
  ln -sfn "$MODS/oracleprobe" "$RUN/mgrmods/oracleprobe"
  gid=$(active_gid)
  c mgr module enable oracleprobe --force >/dev/null 2>&1 || die "enable oracleprobe"
  wait_new_gid "$gid" || die "no respawn after enabling oracleprobe"
  wait_healthy || die "not healthy after enabling oracleprobe"
  wait_for 60 "the probe's command" eval "c oracleprobe dump \"$TMPD/probe0\" >/dev/null 2>&1"
  sleep 6 # a few mgr_stats_period of reports, so that the manager has every daemon's state
  c oracleprobe dump "$TMPD/probe" >/dev/null 2>&1 || die "oracleprobe dump"
  cap $D/config_show_mgr.x_json.txt config show mgr.x -f json
  local f
  for f in "$TMPD"/probe/*.json; do normalise <"$f" >"$OUT/$D/$(basename "$f")"; done
  rm -f "$RUN/mgrmods/oracleprobe"
  gid=$(active_gid)
  c mgr module disable oracleprobe >/dev/null 2>&1
  wait_new_gid "$gid"
  wait_healthy || die "not healthy after disabling oracleprobe"
}

# --- phase: behaviour (cli/behaviour/<scenario>/) ---------------------------------------------
# Sequences whose answers depend on what came before and on time (issues 12 and 16). Each
# scenario leaves the cluster healthy again.

settled() {
  cj pg stat | jq -e '[.pg_summary.num_pg_by_state[].name | test("^active\\+clean(\\+remapped)?$")] | all' >/dev/null
}
pid_of() { cat "$RUN/run/$1.pid"; }
# A daemon of this run, stopped by its pid (SIGTERM, or the signal given).
stop_daemon() {
  local pid
  pid=$(pid_of "$1") || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$CONF" || return 1
  kill "${2:--TERM}" "$pid"
  note "kill ${2:--TERM} $1 (pid $pid)"
  # A daemon started again while the old one still exits fails on its pid file's lock.
  wait_for 30 "$1 (pid $pid) to exit" eval "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid"
  note "$1 exited"
}
start_mds() {
  mkdir -p "$RUN/mds.$1"
  ceph-mds -c "$CONF" -i "$1" --mds-data "$RUN/mds.$1" >/dev/null 2>&1
  note "started mds.$1"
}

# The PG-state snapshot taken at each moment of the out/reweight scenarios.
pg_snapshot() {
  step pg_dump_pgs_brief pg dump pgs_brief
  step status status
  step status_json status -f json
  step health_detail health detail
  step health_detail_json health detail -f json
}

remap_scenario() { # remap_scenario NAME UNDO-ARGS -- DO-ARGS
  local name=$1 undo=() do=()
  shift
  while [ "$1" != -- ]; do undo+=("$1"); shift; done
  shift
  do=("$@")
  scenario "$name"
  local joined="${do[*]}" undone="${undo[*]}"
  step "${joined// /_}" "${do[@]}"
  pg_snapshot
  pause 3
  pg_snapshot
  step pg_dump_pgs_brief_json pg dump pgs_brief -f json
  pause 5
  pg_snapshot
  step osd_dump_json osd dump -f json
  step osd_tree osd tree
  step osd_df osd df
  step pg_ls_remapped pg ls remapped
  step pg_map_2.0 pg map 2.0
  step pg_dump_json pg dump -f json
  wait_for 120 "the PGs settled" settled
  note "settled"
  pg_snapshot
  step pg_stat pg stat
  step "${undone// /_}" "${undo[@]}"
  pg_snapshot
  wait_healthy
  note "healthy"
  step status status
  step pg_dump_pgs_brief pg dump pgs_brief
}

phase_behaviour() {
  log "phase behaviour"

  remap_scenario osd_out_up osd in 0 -- osd out 0
  remap_scenario osd_reweight_up osd reweight 1 1 -- osd reweight 1 0.5

  scenario pool_delete
  c osd pool create todelete 8 >/dev/null 2>&1
  step osd_pool_rm_one_name osd pool rm todelete
  step osd_pool_rm_no_flag osd pool rm todelete todelete
  step osd_pool_rm_names_differ osd pool rm todelete other --yes-i-really-really-mean-it
  step osd_pool_rm_wrong_flag osd pool rm todelete todelete --yes-i-really-mean-it
  step osd_pool_rm_missing osd pool rm nosuch nosuch --yes-i-really-really-mean-it
  step osd_pool_delete_missing osd pool delete nosuch nosuch --yes-i-really-really-mean-it
  step tell_mon_allow_pool_delete_false tell mon.a config set mon_allow_pool_delete false
  step config_show_mon_allow_pool_delete config show mon.a mon_allow_pool_delete
  pause 6 # the daemon's config reaches the manager with its next report
  step config_show_mon_allow_pool_delete_later config show mon.a mon_allow_pool_delete
  step osd_pool_rm_not_allowed osd pool rm todelete todelete --yes-i-really-really-mean-it
  step osd_pool_delete_not_allowed osd pool delete todelete todelete --yes-i-really-really-mean-it
  step osd_pool_rm_missing_not_allowed osd pool rm nosuch nosuch --yes-i-really-really-mean-it
  step tell_mon_allow_pool_delete_true tell mon.a config set mon_allow_pool_delete true
  step osd_pool_set_nodelete osd pool set todelete nodelete true
  step osd_pool_rm_nodelete osd pool rm todelete todelete --yes-i-really-really-mean-it
  step osd_pool_set_nodelete_false osd pool set todelete nodelete false
  step osd_pool_rm_in_use_by_cephfs osd pool rm cephfs_data cephfs_data --yes-i-really-really-mean-it
  step osd_pool_rm osd pool rm todelete todelete --yes-i-really-really-mean-it
  step osd_pool_rm_again osd pool rm todelete todelete --yes-i-really-really-mean-it
  c osd pool create todelete2 8 >/dev/null 2>&1
  step osd_pool_delete osd pool delete todelete2 todelete2 --yes-i-really-really-mean-it
  step osd_pool_ls_detail osd pool ls detail
  step pg_stat pg stat
  step status status
  wait_healthy

  scenario config_set_osd
  step config_set_osd config set osd osd_max_backfills 3
  step config_get_osd.0 config get osd.0 osd_max_backfills
  step config_show config show osd.0 osd_max_backfills
  step config_show_osd.0 config show osd.0
  step tell_config_get tell osd.0 config get osd_max_backfills
  step config_dump config dump
  step config_set_not_a_number config set osd osd_max_backfills abc
  step config_set_below_min config set osd osd_max_backfills 0
  step config_set_negative config set osd osd_max_backfills -1
  step config_set_unknown config set osd nosuch_option 1
  step config_set_bad_who config set nosuch.0 osd_max_backfills 3
  step config_set_mgr_module_below_min config set mgr mgr/balancer/sleep_interval -5
  step config_set_enum_bad config set mgr mgr/balancer/mode nosuch
  # Declared bounds: a min without a max (mon_stat_smooth_intervals: min 1), and a module
  # option's min and max (crush_compat_max_iterations: 1..250).
  step config_set_min_only_below config set mon mon_stat_smooth_intervals 0
  step config_set_module_below_min config set mgr mgr/balancer/crush_compat_max_iterations 0
  step config_set_module_above_max config set mgr mgr/balancer/crush_compat_max_iterations 300
  step config_set_module_in_range config set mgr mgr/balancer/crush_compat_max_iterations 30
  c config rm mon mon_stat_smooth_intervals >/dev/null 2>&1
  c config rm mgr mgr/balancer/crush_compat_max_iterations >/dev/null 2>&1
  step config_log config log
  step config_log_json config log -f json
  step config_log_2 config log 2
  step config_rm config rm osd osd_max_backfills
  step config_rm_again config rm osd osd_max_backfills
  step config_show_after_rm config show osd.0 osd_max_backfills
  step config_log_after_rm config log 3

  scenario health_mute
  step osd_set_noout osd set noout
  step health health
  step health_detail health detail
  step health_mute health mute OSDMAP_FLAGS
  step health_muted health
  step health_detail_muted health detail
  step health_detail_muted_json health detail -f json
  step status_muted status
  step status_muted_json status -f json
  step health_mute_sticky_ttl health mute OSDMAP_FLAGS 1h --sticky
  step health_detail_sticky_json health detail -f json
  step osd_unset_noout osd unset noout
  step health_after_unset health
  step health_detail_after_unset_json health detail -f json
  step health_unmute health unmute OSDMAP_FLAGS
  step health_detail_after_unmute_json health detail -f json

  scenario crash_post
  local ts id
  ts=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)
  id="${ts}_1c8f5c6a-3d9f-4b8e-9f1a-0e2d7c4b5a61"
  cat >"$TMPD/crash.json" <<JSON
{"crash_id": "$id", "timestamp": "$ts", "process_name": "ceph-osd", "entity_name": "osd.2",
 "ceph_version": "16.2.15", "utsname_hostname": "$(hostname -s)", "utsname_sysname": "Linux",
 "utsname_release": "6.1.0-18-amd64", "utsname_version": "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1",
 "utsname_machine": "x86_64", "os_name": "Debian GNU/Linux", "os_id": "debian",
 "os_version_id": "12", "os_version": "12 (bookworm)",
 "assert_condition": "abort", "assert_func": "void OSD::handle_osd_map(MOSDMap*)",
 "assert_file": "./src/osd/OSD.cc", "assert_line": 8129,
 "assert_msg": "./src/osd/OSD.cc: In function 'void OSD::handle_osd_map(MOSDMap*)' thread 7f0a1b2c3700 time $ts\\n./src/osd/OSD.cc: 8129: ceph_abort_msg(\\"abort\\")\\n",
 "backtrace": ["/lib/x86_64-linux-gnu/libc.so.6(+0x3c050) [0x7f0000000050]",
  "/lib/x86_64-linux-gnu/libc.so.6(+0x8ae2c) [0x7f000000ae2c]", "raise()", "abort()",
  "(ceph::__ceph_abort(char const*, int, char const*, std::string const&)+0x18a) [0x55d000000000]",
  "(OSD::handle_osd_map(MOSDMap*)+0x1c2) [0x55d000001000]"]}
JSON
  # An assert_msg not in the form ceph-crash posts makes the module's handler raise.
  jq '.assert_msg = "abort"' "$TMPD/crash.json" >"$TMPD/crash_bad_assert_msg.json"
  cd "$TMPD" || die "cd $TMPD"
  step crash_post_bad_assert_msg crash post -i crash_bad_assert_msg.json
  step crash_post crash post -i crash.json
  cd "$REPO" || die "cd $REPO"
  step crash_post_again crash post -i /dev/null
  step crash_ls crash ls
  step crash_ls_json crash ls -f json
  step crash_ls_new crash ls-new
  step crash_info crash info "$id"
  step crash_stat crash stat
  step health_detail health detail
  step health_detail_json health detail -f json
  step status status
  step crash_archive crash archive "$id"
  step health_after_archive health
  step crash_ls_new_after_archive crash ls-new
  step crash_rm crash rm "$id"
  step crash_ls_after_rm crash ls
  step crash_info_after_rm crash info "$id"

  local gid t0
  scenario mgr_module_respawn
  gid=$(active_gid)
  step mgr_dump_before_json mgr dump -f json
  t0=$EPOCHREALTIME
  step mgr_module_enable_selftest mgr module enable selftest
  step mgr_stat_right_after mgr stat
  wait_new_gid "$gid"
  note "new active_gid $(active_gid) visible $(echo "$EPOCHREALTIME - $t0" | bc) s after the enable"
  step mgr_dump_after_enable_json mgr dump -f json
  step log_last_20_debug log last 20 debug
  step mgr_module_enable_selftest_again mgr module enable selftest
  step mgr_stat_after_enable_again mgr stat
  wait_healthy
  T=300 step mgr_self_test_run mgr self-test run
  step mgr_self_test_python_version mgr self-test python-version
  step mgr_self_test_perf_schema_test mgr self-test perf-schema-test
  step health_after_self_test health detail
  gid=$(active_gid)
  t0=$EPOCHREALTIME
  step mgr_module_disable_selftest mgr module disable selftest
  step mgr_services_right_after mgr services
  wait_new_gid "$gid"
  note "new active_gid $(active_gid) visible $(echo "$EPOCHREALTIME - $t0" | bc) s after the disable"
  step mgr_dump_after_disable_json mgr dump -f json
  step log_last_20_debug log last 20 debug
  step log_last_20_debug_json log last 20 debug cluster -f json
  wait_healthy

  scenario mgr_set_down
  step mgr_set_down_true mgr set down true
  step mgr_set_down_false mgr set down false
  step mgr_fail_no_name mgr fail
  wait_for 60 "the manager back" mgr_available
  wait_healthy

  scenario mgr_fail_only
  step mgr_dump_before_json mgr dump -f json
  step mgr_fail_x mgr fail x
  step mgr_stat mgr stat
  step osd_stat osd stat
  step health health
  step status status
  step pg_stat pg stat
  step mgr_dump_json mgr dump -f json
  step osd_blocklist_ls osd blocklist ls
  wait_for 60 "the manager back" mgr_available
  note "manager available"
  step mgr_stat mgr stat
  step pg_stat pg stat
  wait_healthy
  note "healthy"
  step log_last_20_debug log last 20 debug
  step status status

  # The manager's process killed: the mon notices after mon_mgr_beacon_grace.
  scenario mgr_killed
  stop_daemon mgr.x -KILL
  step mgr_stat mgr stat
  step osd_stat osd stat
  step health health
  wait_for 90 "the mon to drop the manager" eval "! mgr_available"
  note "MgrMap: no active manager"
  step mgr_stat mgr stat
  step mgr_dump_json mgr dump -f json
  step osd_stat osd stat
  step health_detail health detail
  step health_detail_json health detail -f json
  step status status
  step status_json status -f json
  T=10 step pg_stat_no_mgr pg stat
  pause 5
  step health_detail health detail
  ceph-mgr -c "$CONF" -i x >/dev/null 2>&1
  note "started mgr.x"
  wait_for 60 "the manager back" mgr_available
  note "manager available"
  step mgr_stat mgr stat
  wait_healthy
  note "healthy"
  step log_last_20_debug log last 20 debug
  step health health

  scenario mds_down
  step fs_status_before fs status
  stop_daemon mds.a
  step health_right_after health
  step fs_status_right_after fs status
  wait_for 90 "a health check" eval "! health_ok"
  note "health not OK"
  step health health
  step health_detail health detail
  step health_detail_json health detail -f json
  step status status
  step status_json status -f json
  step fs_status fs status
  step fs_dump_json fs dump -f json
  step mds_stat mds stat
  pause 10
  step health_detail health detail
  step status status
  start_mds a
  wait_for 90 "the MDS active" mds_active
  note "mds.a active"
  step fs_status_restarted fs status
  wait_healthy
  note "healthy"
  step fs_set_standby_count_wanted_1 fs set cephfs standby_count_wanted 1
  wait_for 60 "MDS_INSUFFICIENT_STANDBY" eval "! health_ok"
  note "health not OK"
  step health_detail health detail
  step health_detail_json health detail -f json
  step status status
  start_mds b
  wait_healthy
  note "healthy"
  step fs_status_with_standby fs status
  step fs_status_with_standby_json fs status -f json
  step mds_stat mds stat
  step status status
  stop_daemon mds.a
  step fs_status_right_after_failover fs status
  wait_for 90 "mds.b active" eval "cj fs dump | jq -e '.filesystems[0].mdsmap.info[] | select(.name == \"b\" and .state == \"up:active\")' >/dev/null"
  note "mds.b active"
  step fs_status_after_failover fs status
  step health_detail_after_failover health detail
  step status_after_failover status
  start_mds a
  wait_healthy
  stop_daemon mds.b
  wait_for 90 "mds.a active" eval "cj fs dump | jq -e '.filesystems[0].mdsmap.info[] | select(.name == \"a\" and .state == \"up:active\")' >/dev/null"
  step fs_set_standby_count_wanted_0 fs set cephfs standby_count_wanted 0
  wait_healthy
  note "healthy"
  step fs_status_end fs status
  step log_last_30 log last 30

  scenario watch
  (sleep 3; c osd set noout >/dev/null 2>&1; sleep 1; c osd unset noout >/dev/null 2>&1; c log "capture-oracle watch marker" >/dev/null 2>&1) &
  BG_PIDS+=($!)
  T=10 step ceph_w -w
  (sleep 3; c osd set noout >/dev/null 2>&1; sleep 1; c osd unset noout >/dev/null 2>&1) &
  BG_PIDS+=($!)
  T=10 step ceph_w_json -w -f json
  (sleep 3; c osd set noout >/dev/null 2>&1; sleep 1; c osd unset noout >/dev/null 2>&1) &
  BG_PIDS+=($!)
  T=10 step ceph_watch_debug --watch-debug
  wait
  BG_PIDS=()
  wait_healthy
}

# --- phase: prometheus (prometheus/, cli/behaviour/prometheus/, cli/behaviour/mon_outage/) -----

http_ok() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$1")" = 200 ]; }
standby_listed() { cj mgr dump | jq -e --arg n "$1" '.standbys[] | select(.name == $n)' >/dev/null; }
# One line per scrape: the time, status, content type, size, the number of ceph_osd_* samples,
# and the health, quorum and collection-count samples.
scrape_line() {
  local code
  code=$(curl -s -o "$TMPD/page" -w '%{http_code} %{content_type} %{size_download}' --max-time 10 "$1")
  printf '%7.2f %s osd_samples=%s | %s\n' "$(echo "$EPOCHREALTIME - $T0" | bc)" "$code" \
    "$(grep -c '^ceph_osd_' "$TMPD/page")" \
    "$(grep -E '^ceph_(health_status|mon_quorum_status|prometheus_collect_duration_seconds_count[{]method="get_health")' "$TMPD/page" | tr '\n' ' ')"
}

phase_prometheus() {
  local D=prometheus gid
  rm -rf "${OUT:?}/$D"
  mkdir -p "$OUT/$D"
  log "phase prometheus"
  scenario prometheus
  gid=$(active_gid)
  step mgr_module_enable_prometheus mgr module enable prometheus
  wait_new_gid "$gid"
  wait_for 60 "the exporter" http_ok http://127.0.0.1:9283/metrics
  note "exporter answers"
  step mgr_services mgr services
  step mgr_services_json mgr services -f json
  step prometheus_file_sd_config prometheus file_sd_config
  step prometheus_file_sd_config_json prometheus file_sd_config -f json
  pause 20 # past a scrape_interval (15 s), so that the page is a collected one
  http_get $D/active_metrics.txt http://127.0.0.1:9283/metrics
  http_get $D/active_index.txt http://127.0.0.1:9283/
  http_get $D/active_not_found.txt http://127.0.0.1:9283/nosuch
  sed '1,/^\r$/d' "$OUT/$D/active_metrics.txt" | promtool check metrics >"$OUT/$D/promtool_check_metrics.txt" 2>&1
  echo "rc=$?" >>"$OUT/$D/promtool_check_metrics.txt"

  # A standby manager on the same host: its exporter on another port.
  c config set mgr mgr/prometheus/y/server_port 9284 >/dev/null 2>&1
  mkdir -p "$RUN/mgr.y"
  ceph-mgr -c "$CONF" -i y >/dev/null 2>&1
  note "started mgr.y"
  wait_for 60 "mgr.y standby" standby_listed y
  wait_for 60 "the standby exporter" eval "curl -s -o /dev/null --max-time 5 http://127.0.0.1:9284/"
  note "standby exporter answers"
  http_get $D/standby_metrics.txt http://127.0.0.1:9284/metrics
  http_get $D/standby_index.txt http://127.0.0.1:9284/
  c config set mgr mgr/prometheus/standby_behaviour error >/dev/null 2>&1
  sleep 2
  http_get $D/standby_error_metrics.txt http://127.0.0.1:9284/metrics
  http_get $D/standby_error_index.txt http://127.0.0.1:9284/
  c config rm mgr mgr/prometheus/standby_behaviour >/dev/null 2>&1
  step mgr_dump_with_standby_json mgr dump -f json
  step mgr_stat_with_standby mgr stat
  step mgr_services_with_standby mgr services

  gid=$(active_gid)
  step mgr_fail_x mgr fail x
  wait_new_gid "$gid"
  wait_for 60 "y's exporter active" http_ok http://127.0.0.1:9284/metrics
  wait_for 60 "x standby" standby_listed x
  wait_for 60 "x's standby exporter" eval "curl -s -o /dev/null --max-time 5 http://127.0.0.1:9283/"
  note "y active, x standby"
  step mgr_services_after_failover mgr services
  step prometheus_file_sd_config_after_failover prometheus file_sd_config
  step mgr_dump_after_failover_json mgr dump -f json
  http_get $D/standby_x_index_after_failover.txt http://127.0.0.1:9283/
  http_get $D/standby_x_metrics_after_failover.txt http://127.0.0.1:9283/metrics
  gid=$(active_gid)
  step mgr_fail_y mgr fail y
  wait_new_gid "$gid"
  wait_for 60 "x's exporter active" http_ok http://127.0.0.1:9283/metrics
  note "x active again"
  wait_healthy
  # x went from standby to active without a respawn: how its page fills over the next minute.
  local f=$OUT/cli/behaviour/prometheus/scrapes_after_failback.txt i
  for i in 1 2 3 4 5 6; do
    scrape_line http://127.0.0.1:9283/metrics >>"$f"
    sleep 10
  done
  http_get $D/active_metrics_after_failback.txt http://127.0.0.1:9283/metrics

  # The exporter through a mon outage (issue 14: the page keeps being served).
  scenario mon_outage
  f=$OUT/cli/behaviour/mon_outage/scrapes.txt
  scrape_line http://127.0.0.1:9283/metrics >>"$f"
  stop_daemon mon.a
  for i in 1 2 3 4 5 6 7 8; do
    sleep 3
    scrape_line http://127.0.0.1:9283/metrics >>"$f"
  done
  T=10 step health_during_outage health
  http_get $D/active_metrics_mon_down.txt http://127.0.0.1:9283/metrics
  ceph-mon -c "$CONF" -i a >/dev/null 2>&1
  note "started mon.a"
  wait_healthy 180
  note "healthy"
  scrape_line http://127.0.0.1:9283/metrics >>"$f"
  step health_detail_after health detail
  step log_last_20_debug log last 20 debug

  # Back to the one manager of the layout, without the exporter.
  scenario prometheus_disable
  stop_daemon mgr.y
  wait_for 60 "mgr.y gone" eval "! standby_listed y"
  note "mgr.y gone from the MgrMap"
  gid=$(active_gid)
  step mgr_module_disable_prometheus mgr module disable prometheus
  step mgr_services_right_after mgr services
  wait_new_gid "$gid"
  note "respawned"
  step mgr_services_after_respawn mgr services
  http_get $D/after_disable.txt http://127.0.0.1:9283/metrics
  c config rm mgr mgr/prometheus/y/server_port >/dev/null 2>&1
  wait_healthy
}

# --- main --------------------------------------------------------------------------------------

if [ "${CAPTURE_REUSE:-}" = 1 ]; then reuse; else setup; fi
{
  echo "captured $(date -u +%Y-%m-%dT%H:%M:%SZ) by tools/capture-oracle.sh (phases: $PHASES)"
  echo "$(ceph --version)"
  echo "host $(hostname -s), fsid $(cat "$RUN/fsid"), scratch directory written as \$RUN"
} >"$OUT/capture_run.txt"
for p in $PHASES; do
  "phase_$p"
done
log "done"
