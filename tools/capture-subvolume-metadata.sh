#!/usr/bin/env bash
# Captures the volumes module's subvolume metadata and pin answers (`ceph fs subvolume
# metadata ...`, `ceph fs subvolume pin`, `ceph fs subvolumegroup pin`) from a real Ceph
# 16.2.15 dev cluster into tests/ceph-reference/cli/commands/fs_subvolume_metadata/, in the
# order tests/fs_subvolume_metadata.test.ts replays them. The cluster must have no file system, at least one
# standby MDS, and allow pool deletion in its config database — as tools/capture-volumes.sh
# leaves it.
#
#   tools/capture-subvolume-metadata.sh DIR
set -uo pipefail
RUN=${1:?usage: tools/capture-subvolume-metadata.sh DIR}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$REPO/tests/ceph-reference/cli/commands/fs_subvolume_metadata
SCRIPT=capture-subvolume-metadata
# shellcheck source=tools/_capture_lib.sh
. "$REPO/tools/_capture_lib.sh"

cap 01_create_volume.txt fs volume create vol1
wait_active vol1
cap 02_create.txt fs subvolume create vol1 sv
cap 03_ls_empty.txt fs subvolume metadata ls vol1 sv
cap 04_get_none.txt fs subvolume metadata get vol1 sv k1
cap 05_rm_none.txt fs subvolume metadata rm vol1 sv k1
cap 06_rm_none_force.txt fs subvolume metadata rm vol1 sv k1 --force
cap 07_set.txt fs subvolume metadata set vol1 sv k1 v1
cap 08_set_upper.txt fs subvolume metadata set vol1 sv Key2 'Value Two'
cap 09_get.txt fs subvolume metadata get vol1 sv k1
cap 10_get_upper.txt fs subvolume metadata get vol1 sv KEY2
cap 11_ls.txt fs subvolume metadata ls vol1 sv
cap 12_set_again.txt fs subvolume metadata set vol1 sv k1 v1bis
cap 13_ls_again.txt fs subvolume metadata ls vol1 sv
cap 14_rm.txt fs subvolume metadata rm vol1 sv k1
cap 15_rm_again.txt fs subvolume metadata rm vol1 sv k1
cap 16_rm_force.txt fs subvolume metadata rm vol1 sv k1 --force
cap 17_get_missing.txt fs subvolume metadata get vol1 sv nokey
cap 18_set_nosubvol.txt fs subvolume metadata set vol1 nope k v
cap 19_ls_nosubvol.txt fs subvolume metadata ls vol1 nope
cap 20_ls_one.txt fs subvolume metadata ls vol1 sv
cap 21_set_empty_value.txt fs subvolume metadata set vol1 sv k3 ''
cap 22_get_empty_value.txt fs subvolume metadata get vol1 sv k3
cap 23_pin_export.txt fs subvolume pin vol1 sv export 1
cap 24_pin_export_bad.txt fs subvolume pin vol1 sv export abc
cap 25_pin_distributed.txt fs subvolume pin vol1 sv distributed yes
cap 26_pin_distributed_bad.txt fs subvolume pin vol1 sv distributed maybe
cap 27_pin_random.txt fs subvolume pin vol1 sv random 0.005
cap 28_pin_random_high.txt fs subvolume pin vol1 sv random 0.5
cap 29_pin_export_low.txt fs subvolume pin vol1 sv export -2
cap 30_pin_badtype.txt fs subvolume pin vol1 sv sideways 1
cap 31_pin_nosubvol.txt fs subvolume pin vol1 nope export 1
cap 32_group_create.txt fs subvolumegroup create vol1 g
cap 33_group_pin.txt fs subvolumegroup pin vol1 g export 0
cap 34_group_pin_nogroup.txt fs subvolumegroup pin vol1 nope export 0
cap 35_group_pin_random.txt fs subvolumegroup pin vol1 g random 1.5
cap 36_info_after.txt fs subvolume info vol1 sv
echo "capture-subvolume-metadata: wrote $(ls "$OUT" | wc -l) files to $OUT"
