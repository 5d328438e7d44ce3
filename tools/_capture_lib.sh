# Sourced by the capture scripts (tools/capture-*.sh) that record a real cluster's answers for
# tests/ceph-reference/: set RUN (the dev cluster's directory), OUT (where captures go) and
# SCRIPT (the script's name, for messages) before sourcing. Makes TMPD (removed on exit).
#
#   cap FILE ARGS...   runs `ceph -c $RUN/ceph.conf ARGS` (bounded by T seconds, 60 by default)
#                      and writes FILE under $OUT as
#                      `$ ceph ARGS / --- rc=N / --- stdout: / ... / --- stderr: / ...`,
#                      with $RUN written `$RUN`
#   c ARGS...          runs `ceph ARGS` against the cluster, uncaptured
#   wait_active FS     waits (60 s at most) until file system FS has an active MDS
CONF=$RUN/ceph.conf
TMPD=$(mktemp -d)
trap 'rm -rf "$TMPD"' EXIT
mkdir -p "$OUT"

quote_word() {
  if [[ -z $1 || $1 =~ [^A-Za-z0-9_./:=,+@%*-] ]]; then printf "'%s'" "$1"; else printf '%s' "$1"; fi
}
cap() {
  local file=$OUT/$1 line='$ ceph' w rc
  shift
  for w in "$@"; do line+=" $(quote_word "$w")"; done
  timeout -k 5 "${T:-60}" ceph -c "$CONF" "$@" >"$TMPD/out" 2>"$TMPD/err" </dev/null
  rc=$?
  {
    printf '%s\n--- rc=%d\n--- stdout:\n' "$line" "$rc"
    cat "$TMPD/out"
    printf -- '--- stderr:\n'
    cat "$TMPD/err"
  } | sed "s#$RUN#\$RUN#g" >"$file"
}
c() { ceph -c "$CONF" "$@"; }
wait_active() {
  for _ in $(seq 60); do
    c fs status "$1" 2>/dev/null | grep -q active && return 0
    sleep 1
  done
  echo "$SCRIPT: $1 has no active MDS" >&2
}
