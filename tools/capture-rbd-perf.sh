#!/usr/bin/env bash
# Captures rbd_support's `ceph rbd perf image stats|counters` answers from a real Ceph 16.2.15
# dev cluster into tests/ceph-reference/cli/commands/rbd_perf/, in the order
# tests/rbd_support_perf.test.ts replays them. Makes pool `rbd` (size 1, `rbd pool init`) with
# images img1 and img2 and namespace ns1 with img3, and drives them with `rbd bench` while it
# asks. The cluster must be fresh from `tools/dev-cluster.sh start --osds 1`.
#
#   tools/capture-rbd-perf.sh DIR
set -uo pipefail
RUN=${1:?usage: tools/capture-rbd-perf.sh DIR}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$REPO/tests/ceph-reference/cli/commands/rbd_perf
SCRIPT=capture-rbd-perf
# shellcheck source=tools/_capture_lib.sh
. "$REPO/tools/_capture_lib.sh"
rbd_() { rbd -c "$CONF" --admin-socket "$TMPD/rbd-$RANDOM.asok" "$@"; }
bench() { rbd_ bench --io-size 4096 --io-total 4G --io-pattern rand "$@" >/dev/null 2>&1 & }

c osd pool create rbd 8 >/dev/null 2>&1
c osd pool set rbd size 1 --yes-i-really-mean-it >/dev/null 2>&1
rbd_ pool init rbd
rbd_ create rbd/img1 --size 64M
rbd_ create rbd/img2 --size 64M
rbd_ namespace create rbd/ns1
rbd_ create rbd/ns1/img3 --size 64M
c osd pool create plain 8 >/dev/null 2>&1

cap 01_stats_fresh.txt rbd perf image stats
cap 02_counters_fresh.txt rbd perf image counters
bench --io-type write --io-threads 4 rbd/img1
bench --io-type readwrite --io-threads 2 rbd/img2
bench --io-type write --io-threads 1 rbd/ns1/img3
sleep 12
cap 03_stats.txt rbd perf image stats
cap 04_counters.txt rbd perf image counters
cap 05_stats_sort_read_ops.txt rbd perf image stats --sort_by read_ops
cap 06_counters_sort_read_bytes.txt rbd perf image counters --sort_by read_bytes
cap 07_stats_pool_first.txt rbd perf image stats rbd
sleep 12
cap 08_stats_pool.txt rbd perf image stats rbd
cap 09_stats_namespace_first.txt rbd perf image stats rbd/ns1
sleep 12
cap 10_stats_namespace.txt rbd perf image stats rbd/ns1
cap 11_counters_namespace.txt rbd perf image counters rbd/ns1
cap 12_stats_no_pool.txt rbd perf image stats nosuch
cap 13_stats_bad_spec.txt rbd perf image stats a/b/c
cap 14_stats_bad_sort.txt rbd perf image stats --sort_by foo
cap 15_stats_plain_pool.txt rbd perf image stats plain
cap 16_stats_missing_namespace.txt rbd perf image stats rbd/nosuchns
kill $(jobs -p) 2>/dev/null
wait
