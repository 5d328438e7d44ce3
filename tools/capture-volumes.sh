#!/usr/bin/env bash
# Captures the volumes module's answers (`ceph fs volume ...`) from a real Ceph 16.2.15 dev
# cluster into tests/ceph-reference/cli/commands/fs_volume/, in the order tests/fs_volume.test.ts
# replays them (each answer depends on the ones before it). The cluster must be a fresh
#   tools/dev-cluster.sh start --dir DIR --mds 2
# (file system `cephfs` on cephfs_metadata and cephfs_data, MDS a active and b standby, no
# orchestrator backend). It removes `cephfs` on the way; a second volume beside another file
# system is captured by tools/capture-mds-ranks.sh (fs_multiple/).
#
#   tools/capture-volumes.sh DIR
set -uo pipefail
RUN=${1:?usage: tools/capture-volumes.sh DIR}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$REPO/tests/ceph-reference/cli/commands/fs_volume
SCRIPT=capture-volumes
# shellcheck source=tools/_capture_lib.sh
. "$REPO/tools/_capture_lib.sh"

cap 01_ls.txt fs volume ls
cap 02_ls_json.txt fs volume ls -f json
cap 03_info.txt fs volume info cephfs
cap 04_info_human.txt fs volume info cephfs --human_readable
cap 05_info_unknown.txt fs volume info nope
cap 06_create_badname.txt fs volume create 'bad/name'
cap 07_rm_noflag.txt fs volume rm cephfs
cap 08_rm_noflag_wrong.txt fs volume rm cephfs yes-i-really-mean-it
# ceph.conf allows the mon to delete pools; the module asks the config database, which does not
cap 09_rm_pool_delete_off.txt fs volume rm cephfs --yes-i-really-mean-it
cap 10_config_set.txt config set mon mon_allow_pool_delete true
cap 11_create_existing_fs.txt fs volume create cephfs
cap 12_pools_after_existing.txt osd pool ls
cap 13_rm_unknown.txt fs volume rm nope --yes-i-really-mean-it
cap 14_rm_cephfs.txt fs volume rm cephfs --yes-i-really-mean-it
cap 15_ls_none.txt fs volume ls
cap 16_pools_after_rm.txt osd pool ls
cap 17_create.txt fs volume create vol1
cap 18_ls_one.txt fs volume ls
cap 19_pools.txt osd pool ls detail -f json
cap 20_fs_ls.txt fs ls
cap 21_create_again.txt fs volume create vol1
wait_active vol1
cap 22_info_vol1.txt fs volume info vol1
cap 23_info_vol1_human.txt fs volume info vol1 --human_readable
cap 24_rm_vol1.txt fs volume rm vol1 --yes-i-really-mean-it
cap 25_info_removed.txt fs volume info vol1
cap 26_pool_create.txt osd pool create cephfs.vol3.data
cap 27_pool_app.txt osd pool application enable cephfs.vol3.data rbd
cap 28_create_pool_in_use.txt fs volume create vol3
cap 29_pools_after_in_use.txt osd pool ls
cap 30_create_placement.txt fs volume create vol2 'count:1'
cap 31_rm_vol2.txt fs volume rm vol2 --yes-i-really-mean-it
cap 32_ls_end.txt fs volume ls
cap 33_info_no_name.txt fs volume info
cap 34_create_no_name.txt fs volume create
cap 35_rm_no_name.txt fs volume rm
# A subvolume makes /volumes: info then reports its size and the trash's entries.
cap 36_create_vol9.txt fs volume create vol9
wait_active vol9
c fs subvolume create vol9 sv
cap 37_info_subvol.txt fs volume info vol9
cap 38_info_subvol_human.txt fs volume info vol9 --human_readable
cap 39_rm_vol9.txt fs volume rm vol9 --yes-i-really-mean-it
# With an orchestrator backend that cannot deploy MDSs (test_orchestrator), the file system
# stays and the error is the backend's NotImplementedError, empty.
c mgr module enable test_orchestrator
sleep 3
c orch set backend test_orchestrator
sleep 2
cap 40_create_backend_no_mds.txt fs volume create vol5
cap 41_fs_ls_backend.txt fs ls
c orch set backend ''
c mgr module disable test_orchestrator
c fs volume rm vol5 --yes-i-really-mean-it >/dev/null
echo "capture-volumes: wrote $(ls "$OUT" | wc -l) files to $OUT"
