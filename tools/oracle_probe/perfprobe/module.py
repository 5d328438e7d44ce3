"""
perfprobe: a tiny ceph-mgr module for the captures of the manager's own perf counters, the
OSDs' histogram counters and get_daemon_status (tests/ceph-reference/get/perf12/).

`ceph perfprobe dump <outdir>` writes what the real manager's Python API returns for each call
into <outdir>/<call>.json, in the format of tests/ceph-reference/get/ ({ok, python_type, value,
ms, json_bytes} or {ok: false, exc_type, exc}).
"""
import json
import os
import time
from typing import Any, Callable, Tuple

from mgr_module import CLIReadCommand, MgrModule


def record(fn: Callable[[], Any]) -> dict:
    t0 = time.perf_counter()
    try:
        value = fn()
    except Exception as e:  # what the call raised is the capture
        return {"ok": False, "exc_type": type(e).__name__, "exc": str(e)}
    ms = round((time.perf_counter() - t0) * 1000, 3)
    text = json.dumps(value, default=str)
    return {
        "ok": True,
        "python_type": type(value).__name__,
        "value": json.loads(text),
        "ms": ms,
        "json_bytes": len(text),
    }


class Module(MgrModule):
    NOTIFY_TYPES: list = []

    @CLIReadCommand("perfprobe dump")
    def dump(self, outdir: str, service: str = "") -> Tuple[int, str, str]:
        """Write the perf and daemon-status calls into <outdir>/<call>.json."""
        os.makedirs(outdir, exist_ok=True)
        me = self.get_mgr_id()
        hist = "osd.op_w_latency_in_bytes_histogram"
        calls = {
            "get_perf_schema_mgr_self": lambda: self.get_perf_schema("mgr", me),
            "get_counter_mgr_self_cache_hit": lambda: self.get_counter("mgr", me, "mgr.cache_hit"),
            "get_perf_schema_osd_0": lambda: self.get_perf_schema("osd", "0"),
            "get_counter_osd_0_histogram": lambda: self.get_counter("osd", "0", hist),
            "get_latest_osd_0_histogram": lambda: self.get_latest("osd", "0", hist),
            "get_all_perf_counters_mgr": lambda: sorted(
                self.get_all_perf_counters(services=("mgr", "osd")).keys()),
            "get_daemon_status_mgr_self": lambda: self.get_daemon_status("mgr", me),
            "get_daemon_status_osd_0": lambda: self.get_daemon_status("osd", "0"),
            "get_daemon_status_mon_a": lambda: self.get_daemon_status("mon", "a"),
            "service_map": lambda: self.get("service_map"),
        }
        if service:
            svc_type, _, svc_id = service.partition(".")
            calls[f"get_daemon_status_{svc_type}_{svc_id}"] = \
                lambda: self.get_daemon_status(svc_type, svc_id)
            calls[f"get_metadata_{svc_type}_{svc_id}"] = \
                lambda: self.get_metadata(svc_type, svc_id)
            calls[f"get_perf_schema_{svc_type}_{svc_id}"] = \
                lambda: self.get_perf_schema(svc_type, svc_id)
        written = []
        for name, fn in calls.items():
            with open(os.path.join(outdir, f"{name}.json"), "w") as f:
                json.dump(record(fn), f, indent=2)
            written.append(name)
        return 0, "", f"wrote {len(written)} files to {outdir}"
