#!/usr/bin/env bash
# Captures what a real Ceph 16.2.15 mon says about more than one MDS rank and more than one file
# system, into tests/ceph-reference/cli/commands/mds_ranks/ (max_mds > 1, lowering it, `mds fail`
# of rank 1, ranks left unfilled) and tests/ceph-reference/cli/commands/fs_multiple/ (a second
# file system by `fs new` and by `fs volume create`), in the order tests/fs_ranks.test.ts and
# tests/fs_multiple.test.ts replay them (each answer depends on the ones before it). The cluster
# must be a fresh
#   tools/dev-cluster.sh start --dir DIR --osds 1 --mds 3
# (file system `cephfs`, MDS a active, b and c standbys, no orchestrator backend).
#
#   tools/capture-mds-ranks.sh DIR
set -uo pipefail
RUN=${1:?usage: tools/capture-mds-ranks.sh DIR}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCRIPT=capture-mds-ranks
OUT=$REPO/tests/ceph-reference/cli/commands/mds_ranks
# shellcheck source=tools/_capture_lib.sh
. "$REPO/tools/_capture_lib.sh"

# Waits (60 s at most) until file system $1 has $2 ranks up:active and no rank in another state.
wait_ranks() {
  for _ in $(seq 60); do
    [ "$(c fs get "$1" -f json 2>/dev/null | python3 -c '
import json, sys
m = json.load(sys.stdin)["mdsmap"]
states = [i["state"] for i in m["info"].values() if i["rank"] >= 0]
print(len([s for s in states if s == "up:active"]) if all(s == "up:active" for s in states) else -1)
')" = "$2" ] && return 0
    sleep 1
  done
  echo "$SCRIPT: $1 has not $2 active ranks" >&2
}
# The states of the ranks of the FSMap now, for the transitions (written without the gids).
states() { c fs dump -f json 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
for f in d["filesystems"]:
    for i in sorted(f["mdsmap"]["info"].values(), key=lambda i: i["rank"]):
        print(f["mdsmap"]["fs_name"], i["rank"], i["name"], i["state"])
for s in d["standbys"]:
    print("standby", s["name"], s["state"])
'; }

wait_active cephfs
c fs set cephfs standby_count_wanted 1
sleep 2
cap 00_fs_dump.txt fs dump
# Growing: the states rank 1 passes through, sampled as often as the CLI can.
cap 01_max_mds_2.txt fs set cephfs max_mds 2
for i in $(seq 1 10); do states; echo --; sleep 0.3; done >"$OUT/02_transitions_max_mds_2.txt"
wait_ranks cephfs 2
sleep 1
cap 03_fs_dump.txt fs dump
cap 03_fs_dump_json.txt fs dump -f json
cap 04_fs_status.txt fs status
cap 04_fs_status_json.txt fs status -f json
cap 05_health_detail.txt health detail
cap 05_health_detail_json.txt health detail -f json
cap 06_mds_stat.txt mds stat
cap 06_mds_stat_json.txt mds stat -f json
cap 07_status.txt status
cap 07_status_json.txt status -f json
cap 08_fs_get_json.txt fs get cephfs -f json
cap 08_fs_get.txt fs get cephfs
cap 09_tell_rank1_status.txt tell mds.cephfs:1 status
cap 10_mds_metadata_json.txt mds metadata -f json
# Failing rank 1's MDS: the standby c takes rank 1 through replay.
RANK1=$(c fs get cephfs -f json | python3 -c '
import json, sys
m = json.load(sys.stdin)["mdsmap"]
print([i["name"] for i in m["info"].values() if i["rank"] == 1][0])')
echo "$RANK1" >"$OUT/11_rank1_name.txt"
cap 11_mds_fail_rank1.txt mds fail "$RANK1"
for i in $(seq 1 10); do states; echo --; sleep 0.3; done >"$OUT/12_transitions_fail_rank1.txt"
wait_ranks cephfs 2
sleep 3
cap 13_fs_dump_after_fail.txt fs dump
cap 14_mds_fail_role.txt mds fail cephfs:1
wait_ranks cephfs 2
sleep 3
cap 15_fs_dump_after_fail_role.txt fs dump
# Three ranks for three MDSs: none is left standing by.
cap 16_max_mds_3.txt fs set cephfs max_mds 3
wait_ranks cephfs 3
sleep 2
cap 17_fs_dump_max_mds_3.txt fs dump
cap 18_health_detail_max_mds_3.txt health detail
cap 18_health_detail_max_mds_3_json.txt health detail -f json
cap 19_fs_status_max_mds_3.txt fs status
cap 20_mds_stat_max_mds_3.txt mds stat
# More ranks than MDSs: rank 3 stays unfilled.
cap 21_max_mds_4.txt fs set cephfs max_mds 4
sleep 5
cap 22_fs_dump_max_mds_4.txt fs dump
cap 23_health_detail_max_mds_4.txt health detail
cap 23_health_detail_max_mds_4_json.txt health detail -f json
cap 24_fs_status_max_mds_4.txt fs status
cap 25_mds_stat_max_mds_4.txt mds stat
cap 26_status_max_mds_4.txt status
# Failing a rank with no standby to take it.
cap 27_mds_fail_rank2.txt mds fail cephfs:2
sleep 1
cap 28_fs_dump_rank2_failed.txt fs dump
cap 29_health_detail_rank2_failed.txt health detail
wait_ranks cephfs 3
sleep 2
# Shrinking: ranks 2 and 1 stop (up:stopping), their MDSs respawn as standbys.
cap 30_max_mds_1.txt fs set cephfs max_mds 1
for i in $(seq 1 20); do states; echo --; sleep 0.3; done >"$OUT/31_transitions_max_mds_1.txt"
wait_ranks cephfs 1
sleep 5
cap 32_fs_dump_max_mds_1.txt fs dump
cap 33_health_detail_max_mds_1.txt health detail
cap 34_fs_status_max_mds_1.txt fs status
cap 35_log.txt log last 60
cap 36_mds_fail_rank_gone.txt mds fail cephfs:1
cap 37_mds_fail_nofs.txt mds fail nofs:1

OUT=$REPO/tests/ceph-reference/cli/commands/fs_multiple
mkdir -p "$OUT"
c fs set cephfs standby_count_wanted 0
c osd pool create fsb_meta 8 >/dev/null 2>&1
c osd pool create fsb_data 8 >/dev/null 2>&1
cap 00_fs_dump.txt fs dump
cap 01_flag_no_confirm.txt fs flag set enable_multiple false
cap 02_flag_false.txt fs flag set enable_multiple false --yes-i-really-mean-it
cap 03_fs_dump_flag_false.txt fs dump
cap 04_new_disabled.txt fs new b fsb_meta fsb_data
cap 05_flag_true_no_confirm.txt fs flag set enable_multiple true
cap 06_flag_true.txt fs flag set enable_multiple true --yes-i-really-mean-it
cap 07_flag_bad.txt fs flag set enable_multiple maybe --yes-i-really-mean-it
cap 08_new_b.txt fs new b fsb_meta fsb_data
wait_active b
sleep 2
cap 09_fs_ls.txt fs ls
cap 09_fs_ls_json.txt fs ls -f json
cap 10_fs_dump.txt fs dump
cap 10_fs_dump_json.txt fs dump -f json
cap 11_fs_status.txt fs status
cap 11_fs_status_json.txt fs status -f json
cap 12_fs_status_b.txt fs status b
cap 13_fs_get_b.txt fs get b
cap 13_fs_get_b_json.txt fs get b -f json
cap 14_health_detail.txt health detail
cap 15_mds_stat.txt mds stat
cap 15_mds_stat_json.txt mds stat -f json
cap 16_status.txt status
cap 17_pools_b.txt osd pool ls detail -f json
cap 18_volume_ls.txt fs volume ls
cap 19_volume_info_b.txt fs volume info b
cap 20_subvolume_create_b.txt fs subvolume create b sv1
cap 21_subvolume_ls_b.txt fs subvolume ls b
cap 22_subvolume_ls_cephfs.txt fs subvolume ls cephfs
cap 23_subvolume_getpath_b.txt fs subvolume getpath b sv1
cap 24_subvolumegroup_create_b.txt fs subvolumegroup create b g1
cap 25_subvolumegroup_ls_b.txt fs subvolumegroup ls b
cap 26_set_max_mds_b.txt fs set b max_mds 2
sleep 5
cap 27_fs_dump_b_max_mds_2.txt fs dump
cap 28_health_detail_b_max_mds_2.txt health detail
cap 29_set_max_mds_b_1.txt fs set b max_mds 1
wait_ranks b 1
sleep 5
cap 30_mds_fail_b0.txt mds fail b:0
wait_active b
sleep 3
cap 31_fs_dump_after_fail_b0.txt fs dump
cap 32_rm_b_active.txt fs rm b --yes-i-really-mean-it
cap 33_fail_b.txt fs fail b
sleep 2
cap 34_fs_dump_b_failed.txt fs dump
cap 35_health_detail_b_failed.txt health detail
cap 36_rm_b.txt fs rm b --yes-i-really-mean-it
sleep 2
cap 37_fs_ls_after_rm.txt fs ls
cap 38_fs_dump_after_rm.txt fs dump
# The volumes module: a second volume of its own.
c config set mon mon_allow_pool_delete true
cap 39_volume_create_v2.txt fs volume create v2
wait_active v2
sleep 2
cap 40_volume_ls.txt fs volume ls
cap 41_fs_ls.txt fs ls
cap 42_volume_info_v2.txt fs volume info v2
cap 43_subvolume_create_v2.txt fs subvolume create v2 sv2
cap 44_subvolume_ls_v2.txt fs subvolume ls v2
cap 45_fs_status.txt fs status
cap 46_volume_rm_v2.txt fs volume rm v2 --yes-i-really-mean-it
sleep 2
cap 47_volume_ls_after_rm.txt fs volume ls
cap 48_fs_dump_after_rm.txt fs dump
cap 49_health_detail_end.txt health detail
# Two file systems again: the flag going off with both there; b's two ranks down and up; a
# bare rank names the default file system's; the default file system removed.
# b's metadata pool still holds its objects: --force, as `fs new` asks.
c fs new b fsb_meta fsb_data --force >/dev/null
wait_active b
sleep 2
cap 50_flag_false_two_fs.txt fs flag set enable_multiple false --yes-i-really-mean-it
cap 51_fs_dump_flag_false_two.txt fs dump
c fs flag set enable_multiple true --yes-i-really-mean-it
c fs set b max_mds 2
wait_ranks b 2
sleep 2
cap 52_down_b.txt fs set b down true
for i in $(seq 1 30); do states; echo --; sleep 0.5; done >"$OUT/53_transitions_down_b.txt"
cap 54_fs_dump_b_down.txt fs dump
cap 55_health_detail_b_down.txt health detail
cap 56_down_b_false.txt fs set b down false
wait_ranks b 2
sleep 2
cap 57_fs_dump_b_up.txt fs dump
cap 58_mds_fail_bare_rank.txt mds fail 0
sleep 3
cap 59_fs_dump_after_bare_rank.txt fs dump
c fs fail cephfs
sleep 2
cap 60_rm_cephfs.txt fs rm cephfs --yes-i-really-mean-it
sleep 2
cap 61_fs_dump_no_default.txt fs dump
cap 62_mds_stat_no_default.txt mds stat
cap 63_fs_ls_no_default.txt fs ls
cap 64_mds_fail_bare_rank_no_default.txt mds fail 0
echo "capture-mds-ranks: done"
