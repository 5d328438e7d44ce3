#!/usr/bin/env bash
# mgrd's development cluster, like Ceph's vstart.sh: a real single-node Ceph 16.2 from Debian's
# packages (ceph-mon ceph-mgr ceph-osd ceph-common ceph-base, and ceph-mds for --mds), on
# 127.0.0.1 only: one mon (a), the real ceph-mgr (x), N memstore OSDs, cephx on (or --auth
# none), and with --mds N N ceph-mds daemons (a, b, ...) and the file system `cephfs` on the
# pools cephfs_metadata and cephfs_data (one MDS active, the others standbys).
#
#   tools/dev-cluster.sh start  [--dir DIR] [--osds N] [--auth cephx|none] [--port-base P]
#                               [--no-mgr] [--mds N] [--watch-pid PID [--remove]] [--timeout S]
#   tools/dev-cluster.sh stop   [--dir DIR] [--remove]   stops the daemons by the PIDs it
#                               recorded (--remove: then deletes DIR)
#   tools/dev-cluster.sh status [--dir DIR]   daemons, their PIDs, and `ceph -s`
#   tools/dev-cluster.sh env    [--dir DIR]   eval "$(tools/dev-cluster.sh env)" to use it
#
# DIR defaults to $DEV_CLUSTER_DIR, else dev-cluster/ in the repository (git-ignored). It holds
# ceph.conf, the client.admin keyring (cephx), the daemons' data, logs, pid files and sockets.
#
# Ports (P = --port-base, default $DEV_CLUSTER_PORT_BASE or 23300): the mon listens on
# v2 127.0.0.1:P and v1 127.0.0.1:P+1; the mgr and the OSDs bind in P+10..P+199. The default
# block lies below Linux's ephemeral range (32768-60999), so no outgoing connection holds one of
# its ports, and away from the ports of /work/shared/tools/ceph-real/up.sh (43300, 40789,
# 46800-47300) and of Ceph's defaults (3300, 6789, 6800-7300). Two dev clusters at once need two
# bases at least 200 apart.
#
# --watch-pid PID: a watcher stops the cluster when process PID ends (the tests pass their own
# PID, so an interrupted test run leaves no daemons behind); with --remove it then deletes DIR.
set -euo pipefail

die() { echo "dev-cluster: $*" >&2; exit 1; }
# This script names its cluster itself: a caller's CEPH_CONF, CEPH_KEYRING (which overrides the
# conf file's keyring) or CEPH_ARGS, say from another cluster's `env`, must not leak into it.
unset CEPH_ARGS CEPH_CONF CEPH_KEYRING

cmd=${1:-}
[ $# -gt 0 ] && shift
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN=${DEV_CLUSTER_DIR:-$REPO/dev-cluster}
NOSD=3
AUTH=cephx
BASE=${DEV_CLUSTER_PORT_BASE:-23300}
WITH_MGR=1
NMDS=0
WATCH_PID=
REMOVE=0
TIMEOUT=120
while [ $# -gt 0 ]; do
  case $1 in
    --dir) RUN=${2:?--dir needs a directory}; shift 2 ;;
    --osds) NOSD=${2:?--osds needs a number}; shift 2 ;;
    --auth) AUTH=${2:?--auth needs cephx or none}; shift 2 ;;
    --port-base) BASE=${2:?--port-base needs a port}; shift 2 ;;
    --no-mgr) WITH_MGR=0; shift ;;
    --mds) NMDS=${2:?--mds needs a number}; shift 2 ;;
    --watch-pid) WATCH_PID=${2:?--watch-pid needs a pid}; shift 2 ;;
    --remove) REMOVE=1; shift ;;
    --timeout) TIMEOUT=${2:?--timeout needs seconds}; shift 2 ;;
    *) die "unknown argument '$1' (see the head of $0)" ;;
  esac
done
[[ $NOSD =~ ^[0-9]+$ ]] || die "--osds must be a number, not '$NOSD'"
[[ $NMDS =~ ^[0-9]+$ ]] && [ "$NMDS" -le 26 ] || die "--mds must be a number 0..26, not '$NMDS'"
# A file system's metadata pool needs an OSD before any MDS can take rank 0.
[ "$NMDS" = 0 ] || [ "$NOSD" -gt 0 ] || die "--mds needs at least one OSD (--osds)"
[[ $BASE =~ ^[0-9]+$ ]] && [ "$BASE" -ge 1024 ] && [ "$BASE" -le 65300 ] ||
  die "--port-base must be a port in 1024..65300, not '$BASE'"
[[ $AUTH == cephx || $AUTH == none ]] || die "--auth must be cephx or none, not '$AUTH'"
mkdir -p "$(dirname "$RUN")"
RUN=$(cd "$(dirname "$RUN")" && pwd)/$(basename "$RUN")
CONF=$RUN/ceph.conf

# A pid is ours only if its command line names this cluster's ceph.conf: a recorded pid that
# was reused by another process since is never signalled.
ours() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$CONF"; }
watcher() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "_watch --dir $RUN "; }
alive() { kill -0 "$1" 2>/dev/null; }
# Every pid the daemons wrote: ceph-mgr re-daemonizes on a respawn (module enable, mgr fail)
# and then has a new pid, which only its pid file knows.
all_pids() { cat "$RUN"/pids "$RUN"/run/*.pid 2>/dev/null | awk '{print $NF}' | sort -un; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
ceph_() { timeout 20 ceph -c "$CONF" --connect-timeout 15 "$@"; }

stop_cluster() {
  [ -f "$CONF" ] || die "no dev cluster in $RUN"
  local w p pids left=
  if [ "${KILL_WATCHER:-0}" = 1 ] && [ -f "$RUN/watcher.pid" ]; then
    w=$(cat "$RUN/watcher.pid")
    if [ "$w" != "$$" ] && alive "$w" && watcher "$w"; then kill "$w" 2>/dev/null || true; fi
    rm -f "$RUN/watcher.pid"
  fi
  pids=$(all_pids)
  for p in $pids; do
    if alive "$p" && ours "$p"; then kill "$p" 2>/dev/null || true; fi
  done
  for _ in $(seq 1 50); do
    left=
    for p in $pids; do alive "$p" && ours "$p" && left="$left $p"; done
    [ -z "$left" ] && break
    sleep 0.2
  done
  for p in $left; do kill -9 "$p" 2>/dev/null || true; done
  echo "dev-cluster: stopped $RUN"
  # Only a directory this script set up is deleted.
  if [ $REMOVE = 1 ] && head -n 1 "$CONF" | grep -q "^# mgrd's development cluster"; then
    rm -rf "$RUN"
  fi
}

case $cmd in
  start) ;;
  stop) KILL_WATCHER=1 stop_cluster; exit 0 ;;
  status)
    [ -f "$CONF" ] || { echo "dev-cluster: no dev cluster in $RUN"; exit 3; }
    rc=0
    while read -r name pid; do
      if [ -f "$RUN/run/$name.pid" ]; then pid=$(cat "$RUN/run/$name.pid"); fi
      if alive "$pid" && ours "$pid"; then echo "$name pid $pid running"; else echo "$name pid $pid stopped"; rc=1; fi
    done <"$RUN/pids"
    [ $rc = 0 ] && ceph_ -s
    exit $rc ;;
  env)
    [ -f "$CONF" ] || die "no dev cluster in $RUN"
    echo "export CEPH_CONF=$CONF"
    if [ -f "$RUN/keyring" ]; then echo "export CEPH_KEYRING=$RUN/keyring"; else echo "unset CEPH_KEYRING"; fi
    exit 0 ;;
  _watch)
    while alive "$WATCH_PID"; do sleep 1; done
    stop_cluster >/dev/null 2>&1
    exit 0 ;;
  *) die "usage: $0 start|stop|status|env [--dir DIR] (options: see the head of $0)" ;;
esac

# ---- start ----
for b in ceph-mon ceph-mgr ceph-osd ceph ceph-authtool monmaptool $([ "$NMDS" = 0 ] || echo ceph-mds); do
  command -v "$b" >/dev/null 2>&1 ||
    die "$b not found: install Debian's Ceph packages: apt-get install ceph-mon ceph-mgr ceph-osd ceph-common ceph-base ceph-mds"
done
if [ -e "$CONF" ]; then
  die "$RUN already holds a cluster: '$0 stop --dir $RUN' and remove it, or choose another --dir"
fi
# Unix sockets take at most 107 bytes.
[ ${#RUN} -le 80 ] || die "the run directory path is too long for the daemons' sockets (${#RUN} > 80 bytes): choose a shorter --dir"
MON2=$BASE MON1=$((BASE + 1))
for p in $MON2 $MON1; do
  port_busy "$p" && die "port $p on 127.0.0.1 is in use (another dev cluster?): choose another --port-base"
done
uuid() { if command -v uuidgen >/dev/null 2>&1; then uuidgen; else cat /proc/sys/kernel/random/uuid; fi; }

mkdir -p "$RUN"/{log,run,crash,mon.a,mgr.x}
FSID=$(uuid)
echo "$FSID" >"$RUN/fsid"
: >"$RUN/pids"
if [ "$AUTH" = cephx ]; then
  AUTH_CONF="auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx"
else
  AUTH_CONF="auth_cluster_required = none
auth_service_required = none
auth_client_required = none
auth_supported = none"
fi
cat >"$CONF" <<CONF
# mgrd's development cluster (tools/dev-cluster.sh), auth $AUTH, ports $MON2-$((BASE + 199))
[global]
fsid = $FSID
mon_host = [v2:127.0.0.1:$MON2,v1:127.0.0.1:$MON1]
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
ms_bind_ipv4 = true
ms_bind_ipv6 = false
ms_bind_port_min = $((BASE + 10))
ms_bind_port_max = $((BASE + 199))
$AUTH_CONF
run_dir = $RUN/run
admin_socket = $RUN/run/\$name.asok
pid_file = $RUN/run/\$name.pid
log_file = $RUN/log/\$name.log
crash_dir = $RUN/crash
exporter_sock_dir = $RUN/run
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
mon_allow_pool_size_one = true
mon_allow_pool_delete = true
mon_warn_on_pool_no_redundancy = false
mon_warn_on_insecure_global_id_reclaim_allowed = false
mon_max_pg_per_osd = 1000
[client]
keyring = $RUN/keyring
log_file = $RUN/log/\$name.\$pid.log
[mon]
keyring = $RUN/mon.\$id/keyring
mon_data = $RUN/mon.\$id
mon_cluster_log_file = $RUN/log/ceph.log
mon_data_avail_warn = 1
mon_data_avail_crit = 0
[mgr]
keyring = $RUN/mgr.\$id/keyring
mgr_data = $RUN/mgr.\$id
[osd]
keyring = $RUN/osd.\$id/keyring
osd_data = $RUN/osd.\$id
osd_objectstore = memstore
memstore_device_bytes = 1073741824
osd_max_object_name_len = 460
osd_max_object_namespace_len = 64
[mds]
keyring = $RUN/mds.\$id/keyring
mds_data = $RUN/mds.\$id
CONF

# The watcher starts before the daemons, so it also cleans up after a start that failed.
if [ -n "$WATCH_PID" ]; then
  setsid=$(command -v setsid || true)
  extra=$([ $REMOVE = 1 ] && echo --remove || true)
  nohup $setsid bash "$REPO/tools/dev-cluster.sh" _watch --dir "$RUN" --watch-pid "$WATCH_PID" $extra \
    </dev/null >/dev/null 2>&1 &
  echo $! >"$RUN/watcher.pid"
fi
C=(-c "$CONF")
# Stops what was started so far when a later step fails, so a failed start leaves nothing running.
trap 'rc=$?; if [ $rc != 0 ]; then echo "dev-cluster: start failed (logs in $RUN/log); stopping what started" >&2; REMOVE=0; stop_cluster >&2 || true; fi' EXIT

# A daemon forks into the background and writes its pid file; this waits for that file.
record() {
  local name=$1 f=$RUN/run/$1.pid
  for _ in $(seq 1 100); do
    if [ -s "$f" ] && alive "$(cat "$f")"; then echo "$name $(cat "$f")" >>"$RUN/pids"; return 0; fi
    sleep 0.1
  done
  die "$name did not start (see $RUN/log/$name.log)"
}
daemon() { "$@" </dev/null >>"$RUN/log/daemons.out" 2>&1; }

if [ "$AUTH" = cephx ]; then
  ceph-authtool --create-keyring "$RUN/keyring.mon" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool --create-keyring "$RUN/keyring" --gen-key -n client.admin \
    --cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *' >/dev/null
  ceph-authtool "$RUN/keyring.mon" --import-keyring "$RUN/keyring" >/dev/null
  MKFS_KEYRING=(--keyring "$RUN/keyring.mon")
else
  MKFS_KEYRING=()
fi
monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON2,v1:127.0.0.1:$MON1]" "$RUN/monmap" >/dev/null
daemon ceph-mon "${C[@]}" --mkfs -i a --monmap "$RUN/monmap" "${MKFS_KEYRING[@]}"
rm -f "$RUN/keyring.mon"
daemon ceph-mon "${C[@]}" -i a
record mon.a
ceph_ mon stat >/dev/null || die "the mon does not answer (see $RUN/log/mon.a.log)"

if [ $WITH_MGR = 1 ]; then
  if [ "$AUTH" = cephx ]; then
    ceph_ auth get-or-create mgr.x mon 'allow profile mgr' osd 'allow *' mds 'allow *' \
      -o "$RUN/mgr.x/keyring" >/dev/null
  fi
  daemon ceph-mgr "${C[@]}" -i x
  record mgr.x
fi

host=$(hostname -s 2>/dev/null || echo localhost)
for _ in $(seq 1 "$NOSD"); do
  U=$(uuid)
  if [ "$AUTH" = cephx ]; then
    KEY=$(ceph-authtool --gen-print-key)
    id=$(echo "{\"cephx_secret\": \"$KEY\"}" | ceph_ osd new "$U" -i -)
    mkdir -p "$RUN/osd.$id"
    printf '[osd.%s]\n\tkey = %s\n' "$id" "$KEY" >"$RUN/osd.$id/keyring"
    daemon ceph-osd "${C[@]}" -i "$id" --mkfs --osd-uuid "$U" --key "$KEY"
  else
    id=$(ceph_ osd new "$U")
    mkdir -p "$RUN/osd.$id"
    daemon ceph-osd "${C[@]}" -i "$id" --mkfs --osd-uuid "$U"
  fi
  ceph_ osd crush add "osd.$id" 1.0 host="$host" root=default >/dev/null 2>&1 || die "osd crush add osd.$id failed"
  daemon ceph-osd "${C[@]}" -i "$id"
  record "osd.$id"
done

MDS_NAMES=
if [ "$NMDS" -gt 0 ]; then
  # As vstart.sh: the pools first, then the file system, then the daemons (a, b, ...); one
  # takes rank 0, the others stand by. With one MDS no standby is wanted (no health warning).
  ceph_ osd pool create cephfs_metadata 8 >/dev/null 2>&1 || die "osd pool create cephfs_metadata failed"
  ceph_ osd pool create cephfs_data 8 >/dev/null 2>&1 || die "osd pool create cephfs_data failed"
  ceph_ fs new cephfs cephfs_metadata cephfs_data >/dev/null 2>&1 || die "fs new cephfs failed"
  [ "$NMDS" = 1 ] && { ceph_ fs set cephfs standby_count_wanted 0 >/dev/null 2>&1 || die "fs set standby_count_wanted failed"; }
  for i in $(seq 0 $((NMDS - 1))); do
    id=$(printf "\\$(printf '%03o' $((97 + i)))")
    mkdir -p "$RUN/mds.$id"
    if [ "$AUTH" = cephx ]; then
      ceph_ auth get-or-create "mds.$id" mon 'allow profile mds' osd 'allow rwx' mds 'allow *' \
        mgr 'allow profile mds' -o "$RUN/mds.$id/keyring" >/dev/null
    fi
    daemon ceph-mds "${C[@]}" -i "$id"
    record "mds.$id"
    MDS_NAMES="$MDS_NAMES $id"
  done
fi

# Ready: all OSDs up, with a mgr the mgr available, with MDSs rank 0 active and the others
# standbys.
deadline=$((SECONDS + TIMEOUT))
while :; do
  up=$(ceph_ osd stat -f json 2>/dev/null | sed -nE 's/.*"num_up_osds":([0-9]+).*/\1/p')
  avail=true
  if [ $WITH_MGR = 1 ]; then
    ceph_ mgr stat -f json 2>/dev/null | grep -q '"available":true' || avail=false
  fi
  mds=true
  if [ "$NMDS" -gt 0 ]; then
    # `mds stat`'s line: "cephfs:1 {0=a=up:active} 2 up:standby".
    stat=$(ceph_ mds stat 2>/dev/null || true)
    standbys=$(sed -nE 's/.* ([0-9]+) up:standby.*/\1/p' <<<"$stat")
    grep -q '=up:active}' <<<"$stat" && [ "${standbys:-0}" = $((NMDS - 1)) ] || mds=false
  fi
  [ "${up:-0}" = "$NOSD" ] && [ $avail = true ] && [ $mds = true ] && break
  [ $SECONDS -ge $deadline ] && die "not ready after ${TIMEOUT}s: ${up:-0}/$NOSD OSDs up, mgr available: $avail, MDSs ready: $mds (logs in $RUN/log)"
  sleep 0.5
done
trap - EXIT

echo "dev-cluster: up in $RUN (auth $AUTH, mon v2 127.0.0.1:$MON2 v1 127.0.0.1:$MON1, $NOSD OSDs$([ $WITH_MGR = 1 ] && echo ', mgr x')$([ "$NMDS" -gt 0 ] && echo ", file system cephfs, mds$MDS_NAMES"))"
echo "dev-cluster: pids $(awk '{printf "%s=%s ", $1, $2}' "$RUN/pids")"
echo "dev-cluster: eval \"\$($0 env --dir $RUN)\"; ceph -s"
