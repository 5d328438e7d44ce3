#!/usr/bin/env bash
# Captures the volumes module's snapshot answers (`ceph fs subvolume snapshot ...`, `fs
# subvolumegroup snapshot ...`, `fs subvolume rm --retain-snapshots` and the retained state)
# from a real Ceph 16.2.15 dev cluster into tests/ceph-reference/cli/commands/fs_snapshot/, in
# the order tests/fs_subvolume_snapshot.test.ts replays them. The cluster must have at least one
# MDS that no file system but `cephfs` holds, as
#   tools/dev-cluster.sh start --dir DIR --osds 1 --mds 2
# leaves it; the script removes `cephfs` first (uncaptured) and allows pool deletion.
#
#   tools/capture-snapshots.sh DIR
set -uo pipefail
RUN=${1:?usage: tools/capture-snapshots.sh DIR}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$REPO/tests/ceph-reference/cli/commands/fs_snapshot
SCRIPT=capture-snapshots
# shellcheck source=tools/_capture_lib.sh
. "$REPO/tools/_capture_lib.sh"

c config set mon mon_allow_pool_delete true
if c fs ls 2>/dev/null | grep -q 'name: cephfs,'; then
  c fs volume rm cephfs --yes-i-really-mean-it >/dev/null
fi
sleep 2

cap 01_create_volume.txt fs volume create vol1
wait_active vol1
c fs subvolume create vol1 sv1
c fs subvolumegroup create vol1 g
c fs subvolume create vol1 sv2 --group_name g
cap 02_ls_none.txt fs subvolume snapshot ls vol1 sv1
cap 03_create.txt fs subvolume snapshot create vol1 sv1 s1
cap 04_create_again.txt fs subvolume snapshot create vol1 sv1 s1
cap 05_ls.txt fs subvolume snapshot ls vol1 sv1
cap 06_ls_json.txt fs subvolume snapshot ls vol1 sv1 -f json
cap 07_info.txt fs subvolume snapshot info vol1 sv1 s1
cap 08_info_json.txt fs subvolume snapshot info vol1 sv1 s1 -f json
cap 09_info_unknown.txt fs subvolume snapshot info vol1 sv1 nope
cap 10_info_inherited.txt fs subvolume snapshot info vol1 sv1 _s1
cap 11_create_group.txt fs subvolume snapshot create vol1 sv2 s2 --group_name g
cap 12_ls_group.txt fs subvolume snapshot ls vol1 sv2 --group_name g
cap 13_info_group.txt fs subvolume snapshot info vol1 sv2 s2 --group_name g
cap 14_create_unknown_subvol.txt fs subvolume snapshot create vol1 nope s1
cap 15_create_unknown_group.txt fs subvolume snapshot create vol1 sv2 s1 --group_name nog
cap 16_create_novol.txt fs subvolume snapshot create novol sv1 s1
cap 17_ls_unknown_subvol.txt fs subvolume snapshot ls vol1 nope
cap 18_create_slash.txt fs subvolume snapshot create vol1 sv1 a/b
cap 19_protect.txt fs subvolume snapshot protect vol1 sv1 s1
cap 20_unprotect.txt fs subvolume snapshot unprotect vol1 sv1 s1
cap 21_protect_unknown_subvol.txt fs subvolume snapshot protect vol1 nope s1
cap 22_protect_unknown_snap.txt fs subvolume snapshot protect vol1 sv1 nope
cap 23_meta_set.txt fs subvolume snapshot metadata set vol1 sv1 s1 Key1 val1
cap 24_meta_set_second.txt fs subvolume snapshot metadata set vol1 sv1 s1 key2 'v 2'
cap 25_meta_get.txt fs subvolume snapshot metadata get vol1 sv1 s1 KEY1
cap 26_meta_get_unknown.txt fs subvolume snapshot metadata get vol1 sv1 s1 nokey
cap 27_meta_ls.txt fs subvolume snapshot metadata ls vol1 sv1 s1
cap 28_meta_ls_json.txt fs subvolume snapshot metadata ls vol1 sv1 s1 -f json
cap 29_meta_set_unknown_snap.txt fs subvolume snapshot metadata set vol1 sv1 nope k v
cap 30_meta_ls_unknown_snap.txt fs subvolume snapshot metadata ls vol1 sv1 nope
cap 31_meta_rm.txt fs subvolume snapshot metadata rm vol1 sv1 s1 key1
cap 32_meta_rm_unknown_key.txt fs subvolume snapshot metadata rm vol1 sv1 s1 key1
cap 33_meta_rm_last.txt fs subvolume snapshot metadata rm vol1 sv1 s1 key2
cap 34_meta_rm_no_section.txt fs subvolume snapshot metadata rm vol1 sv1 s1 key2
cap 35_meta_rm_force.txt fs subvolume snapshot metadata rm vol1 sv1 s1 key2 --force
cap 36_meta_ls_empty.txt fs subvolume snapshot metadata ls vol1 sv1 s1
cap 37_meta_get_no_section.txt fs subvolume snapshot metadata get vol1 sv1 s1 key1
cap 38_rm_with_snapshots.txt fs subvolume rm vol1 sv1
cap 39_info_with_snapshots.txt fs subvolume info vol1 sv1
cap 40_group_snap_create.txt fs subvolumegroup snapshot create vol1 g gs
cap 41_group_snap_create_unknown.txt fs subvolumegroup snapshot create vol1 nog gs
cap 42_group_snap_ls.txt fs subvolumegroup snapshot ls vol1 g
cap 43_group_snap_ls_unknown.txt fs subvolumegroup snapshot ls vol1 nog
cap 44_group_snap_rm.txt fs subvolumegroup snapshot rm vol1 g gs
cap 45_group_snap_rm_force.txt fs subvolumegroup snapshot rm vol1 g gs --force
cap 46_group_snap_create_nogroup.txt fs subvolumegroup snapshot create vol1 _nogroup gs
c fs subvolume metadata set vol1 sv1 ukey uval
c fs subvolume snapshot metadata set vol1 sv1 s1 skey sval
cap 47_rm_retain.txt fs subvolume rm vol1 sv1 --retain-snapshots
cap 48_info_retained.txt fs subvolume info vol1 sv1
cap 49_info_retained_json.txt fs subvolume info vol1 sv1 -f json
cap 50_ls_retained.txt fs subvolume ls vol1
cap 51_snap_ls_retained.txt fs subvolume snapshot ls vol1 sv1
cap 52_snap_info_retained.txt fs subvolume snapshot info vol1 sv1 s1
cap 53_getpath_retained.txt fs subvolume getpath vol1 sv1
cap 54_snap_create_retained.txt fs subvolume snapshot create vol1 sv1 s9
cap 55_snap_meta_get_retained.txt fs subvolume snapshot metadata get vol1 sv1 s1 skey
cap 56_meta_ls_retained.txt fs subvolume metadata ls vol1 sv1
cap 57_resize_retained.txt fs subvolume resize vol1 sv1 100
cap 58_protect_retained.txt fs subvolume snapshot protect vol1 sv1 s1
cap 59_rm_retain_again.txt fs subvolume rm vol1 sv1 --retain-snapshots
cap 60_rm_retained.txt fs subvolume rm vol1 sv1
cap 61_exist_retained.txt fs subvolume exist vol1
sleep 3
cap 62_volume_info.txt fs volume info vol1
cap 63_create_over_retained.txt fs subvolume create vol1 sv1
cap 64_info_recreated.txt fs subvolume info vol1 sv1
cap 65_snap_ls_recreated.txt fs subvolume snapshot ls vol1 sv1
cap 66_snap_meta_ls_recreated.txt fs subvolume snapshot metadata ls vol1 sv1 s1
cap 67_meta_ls_recreated.txt fs subvolume metadata ls vol1 sv1
cap 68_snap_rm.txt fs subvolume snapshot rm vol1 sv1 s1
cap 69_snap_rm_again.txt fs subvolume snapshot rm vol1 sv1 s1
cap 70_snap_rm_force.txt fs subvolume snapshot rm vol1 sv1 s1 --force
cap 71_snap_ls_after_rm.txt fs subvolume snapshot ls vol1 sv1
cap 72_rm_after_snaps.txt fs subvolume rm vol1 sv1
c fs subvolume snapshot create vol1 sv2 s3 --group_name g
cap 73_rm_retain_group.txt fs subvolume rm vol1 sv2 --group_name g --retain-snapshots
cap 74_ls_group_retained.txt fs subvolume ls vol1 --group_name g
cap 75_snap_rm_retained.txt fs subvolume snapshot rm vol1 sv2 s2 --group_name g
cap 76_snap_rm_retained_last.txt fs subvolume snapshot rm vol1 sv2 s3 --group_name g
sleep 3
cap 77_ls_group_after_last.txt fs subvolume ls vol1 --group_name g
cap 78_info_after_last.txt fs subvolume info vol1 sv2 --group_name g
cap 79_volume_info_after.txt fs volume info vol1
c fs subvolume create vol1 sv3
c fs subvolume snapshot create vol1 sv3 s4
cap 80_rm_retain_force.txt fs subvolume rm vol1 sv3 --retain-snapshots --force
cap 81_rm_force_retained.txt fs subvolume rm vol1 sv3 --force
cap 82_snap_rm_force_retained_last.txt fs subvolume snapshot rm vol1 sv3 s4 --force
sleep 3
cap 83_ls_end.txt fs subvolume ls vol1
c fs subvolumegroup rm vol1 g
cap 84_rm_volume.txt fs volume rm vol1 --yes-i-really-mean-it
echo "capture-snapshots: wrote $(ls "$OUT" | wc -l) files to $OUT"
