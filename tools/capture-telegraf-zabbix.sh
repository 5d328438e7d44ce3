#!/bin/bash
# Capture what Ceph 16.2.15's telegraf and zabbix manager modules answer on a real cluster, and
# what they send, into tests/ceph-reference/cli/telegraf/ and cli/zabbix/ (the format of
# tests/_reference.ts referenceCli; *.lines / *.json are what the listeners received).
#
# Needs: a running development cluster (tools/dev-cluster.sh start --dir DIR --port-base P),
#   Debian's zabbix-agent (it ships /usr/bin/zabbix_sender), deno. Listens on 127.0.0.1 ports
#   P+90 (zabbix trapper), P+91 (telegraf udp), P+92 (telegraf tcp); P+99 is left closed.
#
# Usage: tools/capture-telegraf-zabbix.sh DIR P     about 3 minutes (each module enable respawns)
set -uo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
DIR=${1:?dev-cluster dir}
P=${2:?port base}
OUT=$REPO/tests/ceph-reference/cli
TMPD=$(mktemp -d /tmp/capture-telzab.XXXXXX)
eval "$("$REPO/tools/dev-cluster.sh" env --dir "$DIR")"
ZPORT=$((P + 90)) UPORT=$((P + 91)) TPORT=$((P + 92)) DEAD=$((P + 99))
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  rm -rf "$TMPD"
}
trap cleanup EXIT

quote_word() {
  if [[ -z $1 || $1 =~ [^A-Za-z0-9_./:=,+@%*-] ]]; then printf "'%s'" "$1"; else printf '%s' "$1"; fi
}
normalise() { sed -e "s#$DIR#\$RUN#g" -e "s#$(cat "$DIR/fsid")#\$FSID#g"; }
cap() {
  local file=$OUT/$1 line='$ ceph' w rc
  shift
  mkdir -p "$(dirname "$file")"
  for w in "$@"; do line+=" $(quote_word "$w")"; done
  timeout -k 5 60 ceph "$@" >"$TMPD/out" 2>"$TMPD/err" </dev/null
  rc=$?
  {
    printf '%s\n--- rc=%d\n--- stdout:\n' "$line" "$rc"
    cat "$TMPD/out"
    printf -- '--- stderr:\n'
    cat "$TMPD/err"
  } | normalise >"$file"
}
# The module's lines of the mgr log written since mark_log.
mark_log() { MARK=$(wc -l <"$DIR/log/mgr.x.log"); }
# The module's log entries (with their traceback lines) since mark_log, timestamps dropped.
log_since() {
  tail -n +"$((MARK + 1))" "$DIR/log/mgr.x.log" |
    awk -v m="[$1 " '/^[0-9][0-9][0-9][0-9]-/ { keep = index($0, m) > 0 } keep' |
    sed -E 's/^[^ ]+ [^ ]+ +-?[0-9]+ //' | normalise >"$OUT/$2"
}

cat >"$TMPD/udp.ts" <<'EOF'
import dgram from "node:dgram";
const s = dgram.createSocket("udp4");
const out = await Deno.open(Deno.args[1]!, { write: true, create: true, append: true });
s.on("message", (m) => out.writeSync(m));
s.bind(Number(Deno.args[0]), "127.0.0.1");
EOF
cat >"$TMPD/tcp.ts" <<'EOF'
const l = Deno.listen({ hostname: "127.0.0.1", port: Number(Deno.args[0]) });
const out = await Deno.open(Deno.args[1]!, { write: true, create: true, append: true });
for await (const c of l) (async () => { for await (const b of c.readable) out.writeSync(b); })();
EOF
deno run -A "$TMPD/udp.ts" "$UPORT" "$TMPD/udp.lines" & PIDS+=($!)
deno run -A "$TMPD/tcp.ts" "$TPORT" "$TMPD/tcp.lines" & PIDS+=($!)
deno run -A "$REPO/tests/_zabbix_trapper.ts" "$ZPORT" >>"$TMPD/trapper.json" 2>/dev/null & PIDS+=($!)
sleep 3
: >"$TMPD/udp.lines"

# --- telegraf -------------------------------------------------------------------------------
rm -rf "$OUT/telegraf" "$OUT/zabbix"
mkdir -p "$OUT/telegraf" "$OUT/zabbix"
ceph mgr module disable telegraf 2>/dev/null
ceph config rm mgr mgr/telegraf/address
ceph config rm mgr mgr/telegraf/interval
ceph mgr module enable selftest
cap telegraf/enable.txt mgr module enable telegraf
sleep 5
cap telegraf/config_show_default.txt telegraf config-show
cap telegraf/config_set_interval_4.txt telegraf config-set interval 4
cap telegraf/config_set_interval_abc.txt telegraf config-set interval abc
cap telegraf/config_set_unknown.txt telegraf config-set bogus 1
cap telegraf/config_set_empty.txt telegraf config-set address ''
mark_log
cap telegraf/send_unixgram_missing.txt telegraf send
sleep 1
log_since telegraf telegraf/send_unixgram_missing.log
cap telegraf/config_set_udp.txt telegraf config-set address "udp://127.0.0.1:$UPORT"
cap telegraf/config_show_udp.txt telegraf config-show
cap telegraf/send_udp.txt telegraf send
sleep 2
normalise <"$TMPD/udp.lines" >"$OUT/telegraf/send_udp.lines"
cap telegraf/config_set_tcp.txt telegraf config-set address "tcp://127.0.0.1:$TPORT"
cap telegraf/send_tcp.txt telegraf send
sleep 2
normalise <"$TMPD/tcp.lines" >"$OUT/telegraf/send_tcp.lines"
cap telegraf/config_set_tcp_closed.txt telegraf config-set address "tcp://127.0.0.1:$DEAD"
mark_log
cap telegraf/send_tcp_closed.txt telegraf send
sleep 1
log_since telegraf telegraf/send_tcp_closed.log
cap telegraf/config_set_http.txt telegraf config-set address "http://127.0.0.1:$DEAD"
cap telegraf/send_http.txt telegraf send
cap telegraf/config_set_tcp_noport.txt telegraf config-set address "tcp://127.0.0.1"
cap telegraf/send_tcp_noport.txt telegraf send
cap telegraf/selftest.txt mgr self-test module telegraf
cap telegraf/config_show_after.txt telegraf config-show
ceph config rm mgr mgr/telegraf/address
ceph mgr module disable telegraf

# --- zabbix ---------------------------------------------------------------------------------
ceph mgr module disable zabbix 2>/dev/null
for o in zabbix_host zabbix_port identifier interval discovery_interval zabbix_sender; do
  ceph config rm mgr "mgr/zabbix/$o"
done
mark_log
cap zabbix/enable.txt mgr module enable zabbix
sleep 8
log_since zabbix zabbix/serve_no_server.log
cap zabbix/config_show_default.txt zabbix config-show
cap zabbix/health_detail_no_server.txt health detail
cap zabbix/send_no_server.txt zabbix send
cap zabbix/discovery_no_server.txt zabbix discovery
cap zabbix/config_set_interval_5.txt zabbix config-set interval 5
cap zabbix/config_set_discovery_interval_5.txt zabbix config-set discovery_interval 5
cap zabbix/config_set_port_abc.txt zabbix config-set zabbix_port abc
cap zabbix/config_set_unknown.txt zabbix config-set bogus 1
cap zabbix/config_set_empty.txt zabbix config-set identifier ''
cap zabbix/config_set_host.txt zabbix config-set zabbix_host 127.0.0.1
cap zabbix/config_set_port.txt zabbix config-set zabbix_port "$ZPORT"
cap zabbix/config_set_identifier.txt zabbix config-set identifier foo
cap zabbix/config_show_set.txt zabbix config-show
: >"$TMPD/trapper.json"
mark_log
cap zabbix/send.txt zabbix send
sleep 1
log_since zabbix zabbix/send.log
cp "$TMPD/trapper.json" "$OUT/zabbix/send.json"
: >"$TMPD/trapper.json"
cap zabbix/discovery.txt zabbix discovery
sleep 1
cp "$TMPD/trapper.json" "$OUT/zabbix/discovery.json"
cap zabbix/health_detail_after_send.txt health detail
cap zabbix/config_set_host_two.txt zabbix config-set zabbix_host "127.0.0.1:$ZPORT,localhost:$DEAD"
mark_log
cap zabbix/send_one_closed.txt zabbix send
sleep 1
log_since zabbix zabbix/send_one_closed.log
cap zabbix/health_detail_after_failed_send.txt health detail
cap zabbix/config_set_host_bad.txt zabbix config-set zabbix_host 'bad_host!'
mark_log
cap zabbix/send_bad_host.txt zabbix send
sleep 1
log_since zabbix zabbix/send_bad_host.log
cap zabbix/health_detail_bad_host.txt health detail
cap zabbix/config_set_host_back.txt zabbix config-set zabbix_host "127.0.0.1:$ZPORT"
cap zabbix/config_set_sender_missing.txt zabbix config-set zabbix_sender /nonexistent/zabbix_sender
mark_log
cap zabbix/send_sender_missing.txt zabbix send
sleep 1
log_since zabbix zabbix/send_sender_missing.log
cap zabbix/selftest.txt mgr self-test module zabbix
cap zabbix/config_show_after.txt zabbix config-show
ceph mgr module disable zabbix
for o in zabbix_host zabbix_port identifier zabbix_sender; do ceph config rm mgr "mgr/zabbix/$o"; done
# test_module_selftest.test_zabbix: the options set with `config set` before the module loads.
ceph config set mgr mgr/zabbix/zabbix_host localhost
ceph config set mgr mgr/zabbix/identifier foo
ceph mgr module enable zabbix
sleep 5
cap zabbix/qa_selftest.txt mgr self-test module zabbix
ceph mgr module disable zabbix
ceph config rm mgr mgr/zabbix/zabbix_host
ceph config rm mgr mgr/zabbix/identifier
date -u '+captured %Y-%m-%dT%H:%M:%SZ from Ceph 16.2.15 (tools/capture-telegraf-zabbix.sh)' \
  >"$OUT/telegraf/capture_run.txt"
cp "$OUT/telegraf/capture_run.txt" "$OUT/zabbix/capture_run.txt"
ceph mgr module ls -f json | python3 -c '
import json, sys
d = json.load(sys.stdin)
for m in d["disabled_modules"]:
    if m["name"] in ("telegraf", "zabbix"):
        json.dump(m["module_options"], open(sys.argv[1] + "/" + m["name"] + "/module_options.json", "w"), indent=2, sort_keys=True)
' "$OUT"
