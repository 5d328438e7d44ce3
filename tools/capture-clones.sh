#!/usr/bin/env bash
# Captures the volumes module's clone answers (`ceph fs subvolume snapshot clone`, `fs clone
# status/cancel`, and what a pending clone does to its snapshot and to itself) from a real Ceph
# 16.2.15 dev cluster into tests/ceph-reference/cli/commands/fs_clone/, in the order
# tests/fs_subvolume_clone.test.ts replays them. The cluster must have an MDS that no file
# system holds and allow pool deletion, as tools/capture-snapshots.sh leaves it. A pending clone
# is caught by the module option snapshot_clone_delay, set to 60 s and back on the way.
#
#   tools/capture-clones.sh DIR
set -uo pipefail
RUN=${1:?usage: tools/capture-clones.sh DIR}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$REPO/tests/ceph-reference/cli/commands/fs_clone
SCRIPT=capture-clones
# shellcheck source=tools/_capture_lib.sh
. "$REPO/tools/_capture_lib.sh"

cap 01_create_volume.txt fs volume create vol1
wait_active vol1
c fs subvolume create vol1 sv1 --mode 750 --uid 10 --gid 20 --size 1000000
c fs subvolumegroup create vol1 g
c fs subvolume snapshot create vol1 sv1 s1
cap 02_clone.txt fs subvolume snapshot clone vol1 sv1 s1 c1
sleep 3
cap 03_status_complete.txt fs clone status vol1 c1
cap 04_status_complete_json.txt fs clone status vol1 c1 -f json
cap 05_info_clone.txt fs subvolume info vol1 c1
cap 06_clone_exists.txt fs subvolume snapshot clone vol1 sv1 s1 c1
cap 07_clone_onto_source.txt fs subvolume snapshot clone vol1 sv1 s1 sv1
cap 08_clone_unknown_snap.txt fs subvolume snapshot clone vol1 sv1 nope c2
cap 09_clone_unknown_source.txt fs subvolume snapshot clone vol1 nope s1 c2
cap 10_clone_unknown_target_group.txt fs subvolume snapshot clone vol1 sv1 s1 c2 --target_group_name nog
cap 11_clone_bad_pool.txt fs subvolume snapshot clone vol1 sv1 s1 c2 --pool_layout nosuch
cap 12_status_not_clone.txt fs clone status vol1 sv1
cap 13_status_unknown.txt fs clone status vol1 nope
cap 14_cancel_complete.txt fs clone cancel vol1 c1
cap 15_cancel_not_clone.txt fs clone cancel vol1 sv1
cap 16_ls_with_clone.txt fs subvolume ls vol1
c config set mgr mgr/volumes/snapshot_clone_delay 60
sleep 2
cap 17_clone_delayed.txt fs subvolume snapshot clone vol1 sv1 s1 c2 --target_group_name g
cap 18_status_pending.txt fs clone status vol1 c2 --group_name g
cap 19_status_pending_json.txt fs clone status vol1 c2 --group_name g -f json
cap 20_info_pending.txt fs subvolume info vol1 c2 --group_name g
cap 21_getpath_pending.txt fs subvolume getpath vol1 c2 --group_name g
cap 22_ls_pending.txt fs subvolume ls vol1 --group_name g
cap 23_snap_info_pending.txt fs subvolume snapshot info vol1 sv1 s1
cap 24_snap_rm_pending.txt fs subvolume snapshot rm vol1 sv1 s1
cap 25_rm_source_pending.txt fs subvolume rm vol1 sv1 --retain-snapshots
cap 26_rm_pending.txt fs subvolume rm vol1 c2 --group_name g
cap 27_cancel.txt fs clone cancel vol1 c2 --group_name g
cap 28_status_canceled.txt fs clone status vol1 c2 --group_name g
cap 29_status_canceled_json.txt fs clone status vol1 c2 --group_name g -f json
cap 30_cancel_again.txt fs clone cancel vol1 c2 --group_name g
cap 31_snap_info_after_cancel.txt fs subvolume snapshot info vol1 sv1 s1
cap 32_info_canceled.txt fs subvolume info vol1 c2 --group_name g
cap 33_rm_canceled.txt fs subvolume rm vol1 c2 --group_name g
cap 34_rm_canceled_force.txt fs subvolume rm vol1 c2 --group_name g --force
c config rm mgr mgr/volumes/snapshot_clone_delay
sleep 2
cap 35_clone_into_group.txt fs subvolume snapshot clone vol1 sv1 s1 c3 --target_group_name g
sleep 3
cap 36_status_group.txt fs clone status vol1 c3 --group_name g
cap 37_info_group_clone.txt fs subvolume info vol1 c3 --group_name g
cap 38_snap_info_after.txt fs subvolume snapshot info vol1 sv1 s1
cap 39_rm_clone.txt fs subvolume rm vol1 c1
cap 40_rm_group_clone.txt fs subvolume rm vol1 c3 --group_name g
c fs subvolume snapshot rm vol1 sv1 s1
c fs subvolume rm vol1 sv1
sleep 3
c fs subvolumegroup rm vol1 g
cap 41_rm_volume.txt fs volume rm vol1 --yes-i-really-mean-it
echo "capture-clones: wrote $(ls "$OUT" | wc -l) files to $OUT"
