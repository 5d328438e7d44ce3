#!/usr/bin/env bash
# Captures the volumes module's auth-ID answers (`ceph fs subvolume authorize / deauthorize /
# authorized_list / evict`), the mon's `auth get` of what they made, the auth metadata files
# they write (`/volumes/$<id>.meta`, `/volumes/_<group>:<subvolume>.meta`) and the MDS's
# `session ls` around an evict, from a real Ceph 16.2.15 dev cluster into
# tests/ceph-reference/cli/commands/fs_authorize/, in the order
# tests/fs_subvolume_authorize.test.ts replays them. The session is a libcephfs client
# (tools/_cephfs_client.ts) mounted as client.bob at the subvolume's path. The cluster must have
# an MDS that no file system but `cephfs` holds, as
#   tools/dev-cluster.sh start --dir DIR --osds 1 --mds 1
# leaves it; the script removes `cephfs` first (uncaptured).
#
#   tools/capture-authorize.sh DIR
set -uo pipefail
RUN=${1:?usage: tools/capture-authorize.sh DIR}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$REPO/tests/ceph-reference/cli/commands/fs_authorize
SCRIPT=capture-authorize
# shellcheck source=tools/_capture_lib.sh
. "$REPO/tools/_capture_lib.sh"

client() { deno run -A "$REPO/tools/_cephfs_client.ts" "$@"; }
# fcat FILE PATH: the file system's file PATH, as `$ cat PATH / ...` in FILE.
fcat() {
  { printf '$ cat %s\n' "$2"; client cat "$CONF" vol1 "$2"; printf '\n'; } >"$OUT/$1"
}

# authorize writes to the mgr's stderr (sys.stderr.write, "Creating meta for ID ..."): a
# daemonized ceph-mgr has it closed and fails with EBADF, so the mgr runs in the foreground with
# stderr open, as systemd's ceph-mgr@.service runs it (-f).
if ! tr '\0' ' ' <"/proc/$(cat "$RUN/run/mgr.x.pid")/cmdline" | grep -q -- ' -f '; then
  old=$(cat "$RUN/run/mgr.x.pid")
  kill "$old"
  while kill -0 "$old" 2>/dev/null; do sleep 1; done
  sleep 5
  ceph-mgr -c "$CONF" -i x -f </dev/null >>"$RUN/log/mgr.x.stderr" 2>&1 &
  echo "mgr.x $!" >>"$RUN/pids"
  for _ in $(seq 60); do c mgr stat -f json 2>/dev/null | grep -q '"available":true' && break; sleep 1; done
  sleep 5
fi
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
c fs subvolume create vol1 sv3 --namespace_isolated
cap 02_list_none.txt fs subvolume authorized_list vol1 sv1
cap 03_authorize_alice.txt fs subvolume authorize vol1 sv1 alice
cap 04_auth_get_alice.txt auth get client.alice
cap 05_auth_get_alice_json.txt auth get client.alice -f json
cap 06_list_alice.txt fs subvolume authorized_list vol1 sv1
cap 07_authorize_bob_r_tenant.txt fs subvolume authorize vol1 sv1 bob --access_level r --tenant_id t1
cap 08_auth_get_bob.txt auth get client.bob
cap 09_authorize_bob_other_tenant.txt fs subvolume authorize vol1 sv1 bob --tenant_id t2
cap 10_authorize_bob_group.txt fs subvolume authorize vol1 sv2 bob --group_name g --tenant_id t1
cap 11_auth_get_bob_two.txt auth get client.bob
cap 12_list_two.txt fs subvolume authorized_list vol1 sv1
cap 13_list_group.txt fs subvolume authorized_list vol1 sv2 --group_name g
fcat 14_meta_bob.txt '/volumes/$bob.meta'
fcat 15_meta_sv1.txt '/volumes/_:sv1.meta'
fcat 16_meta_sv2.txt '/volumes/_g:sv2.meta'
cap 17_authorize_unknown_subvol.txt fs subvolume authorize vol1 nope alice
cap 18_authorize_unknown_group.txt fs subvolume authorize vol1 sv2 alice --group_name nog
cap 19_authorize_novol.txt fs subvolume authorize novol sv1 alice
cap 20_list_unknown_subvol.txt fs subvolume authorized_list vol1 nope
c auth get-or-create client.carol mon 'allow r' >/dev/null
cap 21_authorize_existing_id.txt fs subvolume authorize vol1 sv1 carol
cap 22_authorize_allow_existing.txt fs subvolume authorize vol1 sv1 carol --allow_existing_id
cap 23_auth_get_carol.txt auth get client.carol
cap 24_authorize_alice_r.txt fs subvolume authorize vol1 sv1 alice --access_level r
cap 25_auth_get_alice_r.txt auth get client.alice
cap 26_authorize_alice_r_again.txt fs subvolume authorize vol1 sv1 alice --access_level r
cap 27_authorize_ns.txt fs subvolume authorize vol1 sv3 dave
cap 28_auth_get_dave.txt auth get client.dave
cap 29_evict_no_session.txt fs subvolume evict vol1 sv1 bob
cap 30_evict_unknown_subvol.txt fs subvolume evict vol1 nope bob
c auth get client.bob -o "$TMPD/bob.keyring" 2>/dev/null
SV1=$(c fs subvolume getpath vol1 sv1)
coproc HOLD { client hold "$CONF" vol1 client.bob "$TMPD/bob.keyring" "$SV1"; }
hold_pid=$HOLD_PID hold_in=${HOLD[1]}
read -r -t 60 line <&"${HOLD[0]}"
echo "$SCRIPT: bob's mount: ${line:-none}" >&2
sleep 2
cap 31_session_ls.txt tell mds.a session ls
cap 32_client_ls_json.txt tell mds.a client ls -f json
cap 33_evict_alice.txt fs subvolume evict vol1 sv1 alice
cap 34_session_ls_kept.txt tell mds.a session ls
cap 35_evict_bob_other_subvol.txt fs subvolume evict vol1 sv2 bob --group_name g
cap 36_evict_bob.txt fs subvolume evict vol1 sv1 bob
cap 37_session_ls_evicted.txt tell mds.a session ls
cap 38_blocklist_ls.txt osd blocklist ls
eval "exec $hold_in>&-"
wait "$hold_pid"
cap 39_deauthorize_alice.txt fs subvolume deauthorize vol1 sv1 alice
cap 40_auth_get_alice_gone.txt auth get client.alice
cap 41_deauthorize_bob_sv1.txt fs subvolume deauthorize vol1 sv1 bob
cap 42_auth_get_bob_left.txt auth get client.bob
fcat 43_meta_bob_left.txt '/volumes/$bob.meta'
fcat 44_meta_sv1_left.txt '/volumes/_:sv1.meta'
cap 45_deauthorize_alice_again.txt fs subvolume deauthorize vol1 sv1 alice
cap 46_deauthorize_unknown_subvol.txt fs subvolume deauthorize vol1 nope bob
cap 47_deauthorize_other_subvol.txt fs subvolume deauthorize vol1 sv3 bob
cap 48_list_after.txt fs subvolume authorized_list vol1 sv1
cap 49_deauthorize_carol.txt fs subvolume deauthorize vol1 sv1 carol
cap 50_auth_get_carol_gone.txt auth get client.carol
cap 51_deauthorize_bob_last.txt fs subvolume deauthorize vol1 sv2 bob --group_name g
cap 52_auth_get_bob_gone.txt auth get client.bob
cap 53_list_empty.txt fs subvolume authorized_list vol1 sv1
