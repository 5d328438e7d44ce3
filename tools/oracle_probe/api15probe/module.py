"""
api15probe: a ceph-mgr module that asks the real manager what the module API calls of
tests/ceph-reference/module_api/ answer (get_foreign_ceph_option, lookup_release_name,
add_osd_perf_query / get_osd_perf_counters, is_authorized, log_to_cluster, to_pretty_iec).
See that folder's README.md for how it was run.
"""
import json
import time
from typing import Tuple
from mgr_module import CLIReadCommand, MgrModule


class Module(MgrModule):
    @CLIReadCommand("api15probe auth")
    def auth(self) -> Tuple[int, str, str]:
        """is_authorized inside a command"""
        return 0, json.dumps(self.is_authorized({"pool": "rbd"})), ""

    @CLIReadCommand("api15probe run")
    def run(self) -> Tuple[int, str, str]:
        """probe"""
        out = {}
        def rec(name, fn):
            try:
                out[name] = {"ok": True, "value": fn()}
            except Exception as e:
                out[name] = {"ok": False, "exc_type": type(e).__name__, "exc": str(e)}
        rec("is_authorized_outside_thread", lambda: None)
        for who in ["osd.0", "osd.3", "osd", "client.admin", "mon.a", "disk.0", "osd.99"]:
            rec(f"foreign {who} osd_max_backfills", lambda who=who: self.get_foreign_ceph_option(who, "osd_max_backfills"))
            rec(f"foreign {who} admin_socket", lambda who=who: self.get_foreign_ceph_option(who, "admin_socket"))
        rec("foreign osd.0 nosuch", lambda: self.get_foreign_ceph_option("osd.0", "no_such_option"))
        for n in [0, 1, 15, 16, 17, 18, 19, 20, 99, -1]:
            rec(f"release {n}", lambda n=n: self.lookup_release_name(n))
        rec("add bad no group", lambda: self.add_osd_perf_query({"key_descriptor": [{"type": "pool_id", "regex": "^.*$"}], "performance_counter_descriptors": ["ops"]}))
        rec("perf unknown id", lambda: self.get_osd_perf_counters(12345))
        rec("pretty iec", lambda: [self.to_pretty_iec(x) for x in [0, 10240, 10241, 3 * 2**40 + 5]])
        return 0, json.dumps(out, indent=1, default=str), ""

    @CLIReadCommand("api15probe perfadd")
    def perfadd(self) -> Tuple[int, str, str]:
        """add queries"""
        ids = [
            self.add_osd_perf_query({"key_descriptor": [{"type": "pool_id", "regex": "^(.*)$"}], "performance_counter_descriptors": ["write_ops", "read_ops", "bytes", "write_latency", "write_bytes"]}),
            self.add_osd_perf_query({"key_descriptor": [{"type": "client_id", "regex": "^(.*)$"}, {"type": "client_address", "regex": "^(.*)$"}, {"type": "object_name", "regex": "^(.{0,12})"}, {"type": "pg_id", "regex": "^(.*)$"}, {"type": "snap_id", "regex": "^(.*)$"}, {"type": "namespace", "regex": "^(.*)$"}, {"type": "osd_id", "regex": "^(.*)$"}], "performance_counter_descriptors": ["ops"], "limit": {"order_by": "ops", "max_count": 3}}),
        ]
        return 0, json.dumps(ids), ""

    @CLIReadCommand("api15probe perfget")
    def perfget(self, qid: int) -> Tuple[int, str, str]:
        """get counters"""
        return 0, json.dumps(self.get_osd_perf_counters(qid), default=str), ""

    @CLIReadCommand("api15probe log")
    def logit(self) -> Tuple[int, str, str]:
        """log at all levels"""
        self.log.debug("probe debug record")
        self.log.info("probe info record")
        self.log.warning("probe warning record")
        self.log.error("probe error record")
        return 0, "", ""
