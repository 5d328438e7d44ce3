#!/usr/bin/env bash
# Captures the volumes module's subvolume answers (`ceph fs subvolume ...`) from a real Ceph
# 16.2.15 dev cluster into tests/ceph-reference/cli/commands/fs_subvolume/, in the order
# tests/fs_subvolume.test.ts replays them. The cluster must have no file system, at least one
# standby MDS, and allow pool deletion in its config database — as tools/capture-volumes.sh
# leaves it.
#
#   tools/capture-subvolumes.sh DIR
set -uo pipefail
RUN=${1:?usage: tools/capture-subvolumes.sh DIR}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$REPO/tests/ceph-reference/cli/commands/fs_subvolume
SCRIPT=capture-subvolumes
# shellcheck source=tools/_capture_lib.sh
. "$REPO/tools/_capture_lib.sh"

cap 01_create_volume.txt fs volume create vol1
wait_active vol1
cap 02_ls_none.txt fs subvolume ls vol1
cap 03_exist_none.txt fs subvolume exist vol1
cap 04_create.txt fs subvolume create vol1 sv1
cap 05_ls.txt fs subvolume ls vol1
cap 06_getpath.txt fs subvolume getpath vol1 sv1
cap 07_info.txt fs subvolume info vol1 sv1
cap 08_exist.txt fs subvolume exist vol1
cap 09_create_again.txt fs subvolume create vol1 sv1
cap 10_create_nogroup.txt fs subvolume create vol1 sv2 --group_name g --size 1000000 --uid 10 --gid 20 --mode 700
cap 11_group_create.txt fs subvolumegroup create vol1 g
cap 12_create_attrs.txt fs subvolume create vol1 sv2 --group_name g --size 1000000 --uid 10 --gid 20 --mode 700
cap 13_info_attrs.txt fs subvolume info vol1 sv2 --group_name g
cap 14_ls_group.txt fs subvolume ls vol1 --group_name g
cap 15_resize.txt fs subvolume resize vol1 sv2 2000000 --group_name g
cap 16_resize_inf.txt fs subvolume resize vol1 sv2 inf --group_name g
cap 17_resize_zero.txt fs subvolume resize vol1 sv2 0 --group_name g
cap 18_getpath_unknown.txt fs subvolume getpath vol1 nope
cap 19_create_badpool.txt fs subvolume create vol1 sv3 --pool_layout nosuch
cap 20_create_badmode.txt fs subvolume create vol1 sv3 --mode 9
cap 21_create_isolated.txt fs subvolume create vol1 sv3 --namespace-isolated
cap 22_info_isolated.txt fs subvolume info vol1 sv3
cap 23_ls_two.txt fs subvolume ls vol1
cap 24_group_rm_nonempty.txt fs subvolumegroup rm vol1 g
cap 25_rm.txt fs subvolume rm vol1 sv1
cap 26_rm_again.txt fs subvolume rm vol1 sv1
cap 27_rm_force.txt fs subvolume rm vol1 sv1 --force
cap 28_ls_after_rm.txt fs subvolume ls vol1
cap 29_rm_group.txt fs subvolume rm vol1 sv2 --group_name g
cap 30_rm_isolated.txt fs subvolume rm vol1 sv3
cap 31_exist_after_rm.txt fs subvolume exist vol1
cap 32_group_rm.txt fs subvolumegroup rm vol1 g
cap 33_create_internal_group.txt fs subvolume create vol1 sv4 --group_name _nogroup
cap 34_create_badname.txt fs subvolume create vol1 'bad/name'
cap 35_info_unknown.txt fs subvolume info vol1 nope
cap 36_resize_unknown.txt fs subvolume resize vol1 nope 100
cap 37_ls_novol.txt fs subvolume ls novol
sleep 3
cap 38_volume_info.txt fs volume info vol1
cap 39_rm_volume.txt fs volume rm vol1 --yes-i-really-mean-it
echo "capture-subvolumes: wrote $(ls "$OUT" | wc -l) files to $OUT"
