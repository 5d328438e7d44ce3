#!/usr/bin/env bash
# Captures the volumes module's subvolume group answers (`ceph fs subvolumegroup ...`) from a
# real Ceph 16.2.15 dev cluster into tests/ceph-reference/cli/commands/fs_subvolumegroup/, in
# the order tests/fs_subvolumegroup.test.ts replays them. The cluster must have no file system
# and at least one standby MDS, and allow pool deletion in its config database — as
# tools/capture-volumes.sh leaves it.
#
#   tools/capture-subvolumegroups.sh DIR
set -uo pipefail
RUN=${1:?usage: tools/capture-subvolumegroups.sh DIR}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$REPO/tests/ceph-reference/cli/commands/fs_subvolumegroup
SCRIPT=capture-subvolumegroups
# shellcheck source=tools/_capture_lib.sh
. "$REPO/tools/_capture_lib.sh"

cap 01_create_volume.txt fs volume create vol1
wait_active vol1
cap 02_ls_none.txt fs subvolumegroup ls vol1
cap 03_exist_none.txt fs subvolumegroup exist vol1
cap 04_create.txt fs subvolumegroup create vol1 g1
cap 05_ls.txt fs subvolumegroup ls vol1
cap 06_getpath.txt fs subvolumegroup getpath vol1 g1
cap 07_exist.txt fs subvolumegroup exist vol1
cap 08_create_again.txt fs subvolumegroup create vol1 g1
cap 09_create_nogroup.txt fs subvolumegroup create vol1 _nogroup
cap 10_create_internal.txt fs subvolumegroup create vol1 _deleting
cap 11_create_badname.txt fs subvolumegroup create vol1 'bad/name'
cap 12_create_attrs.txt fs subvolumegroup create vol1 g2 --size 1000000 --uid 1000 --gid 2000 --mode 700
cap 13_info_attrs.txt fs subvolumegroup info vol1 g2
cap 14_info.txt fs subvolumegroup info vol1 g1
cap 15_create_badpool.txt fs subvolumegroup create vol1 g3 --pool_layout nosuchpool
cap 16_create_badmode.txt fs subvolumegroup create vol1 g3 --mode 8
cap 17_create_baduid.txt fs subvolumegroup create vol1 g3 --uid -1
cap 18_ls_two.txt fs subvolumegroup ls vol1
cap 19_getpath_unknown.txt fs subvolumegroup getpath vol1 nope
cap 20_getpath_novol.txt fs subvolumegroup getpath novol g1
cap 21_getpath_nogroup.txt fs subvolumegroup getpath vol1 _nogroup
cap 22_ls_novol.txt fs subvolumegroup ls novol
cap 23_exist_novol.txt fs subvolumegroup exist novol
cap 24_rm.txt fs subvolumegroup rm vol1 g1
cap 25_rm_again.txt fs subvolumegroup rm vol1 g1
cap 26_rm_force.txt fs subvolumegroup rm vol1 g1 --force
cap 27_rm_nogroup.txt fs subvolumegroup rm vol1 _nogroup
cap 28_rm_internal.txt fs subvolumegroup rm vol1 _deleting
cap 29_rm_novol.txt fs subvolumegroup rm novol g2
cap 30_ls_one.txt fs subvolumegroup ls vol1
cap 31_rm_g2.txt fs subvolumegroup rm vol1 g2
cap 32_exist_after_rm.txt fs subvolumegroup exist vol1
cap 33_ls_after_rm.txt fs subvolumegroup ls vol1
cap 34_create_no_group.txt fs subvolumegroup create vol1
cap 35_rm_volume.txt fs volume rm vol1 --yes-i-really-mean-it
# A group holding a subvolume is not removed, --force or not.
cap 36_create_volume2.txt fs volume create vol2
wait_active vol2
cap 37_create_group.txt fs subvolumegroup create vol2 g
c fs subvolume create vol2 sv --group_name g
cap 38_rm_nonempty.txt fs subvolumegroup rm vol2 g
cap 39_rm_nonempty_force.txt fs subvolumegroup rm vol2 g --force
c fs volume rm vol2 --yes-i-really-mean-it >/dev/null
# Resizing a group: its quota, in bytes or infinite.
cap 40_create_volume3.txt fs volume create vol3
wait_active vol3
cap 41_create_group.txt fs subvolumegroup create vol3 g
cap 42_resize.txt fs subvolumegroup resize vol3 g 1000000
cap 43_info_resized.txt fs subvolumegroup info vol3 g
cap 44_resize_same.txt fs subvolumegroup resize vol3 g 1000000 --no_shrink
cap 45_resize_inf.txt fs subvolumegroup resize vol3 g inf
cap 46_resize_infinite_upper.txt fs subvolumegroup resize vol3 g Infinite
cap 47_resize_zero.txt fs subvolumegroup resize vol3 g 0
cap 48_resize_negative.txt fs subvolumegroup resize vol3 g -5
cap 49_resize_word.txt fs subvolumegroup resize vol3 g 1e3
cap 50_resize_underscore.txt fs subvolumegroup resize vol3 g 1_000
cap 51_resize_unknown.txt fs subvolumegroup resize vol3 nope 100
cap 52_resize_nogroup.txt fs subvolumegroup resize vol3 _nogroup 100
cap 53_resize_no_size.txt fs subvolumegroup resize vol3 g
c fs volume rm vol3 --yes-i-really-mean-it >/dev/null
echo "capture-subvolumegroups: wrote $(ls "$OUT" | wc -l) files to $OUT"
