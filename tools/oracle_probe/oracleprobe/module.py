"""
oracleprobe: a tiny ceph-mgr module for tools/capture-oracle.sh.

`ceph oracleprobe dump <outdir>` writes what the real manager's Python API returns for each
name of `get()` (and a few other calls) into <outdir>/get_<name>.json, in the format of
tests/ceph-reference/get/: {ok, python_type, value, ms, json_bytes} or {ok: false, exc_type, exc}.
"""
import json
import os
import time
from typing import Any, Callable, Tuple

from mgr_module import CLIReadCommand, MgrModule

GET_NAMES = [
    "active_clean_pgs",
    "config",
    "config_options",
    "df",
    "devices",
    "fs_map",
    "have_local_config_map",
    "health",
    "io_rate",
    "mds_metadata",
    "mgr_ips",
    "mgr_map",
    "modified_config_options",
    "mon_map",
    "mon_status",
    "osd_map",
    "osd_map_crush",
    "osd_crush_map_text",
    "osd_map_tree",
    "osd_metadata",
    "osd_perf_counters",
    "osd_ping_times",
    "osd_pool_stats",
    "osd_stats",
    "pg_dump",
    "pg_progress",
    "pg_ready",
    "pg_stats",
    "pg_status",
    "pg_summary",
    "pool_stats",
    "service_map",
]


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

    @CLIReadCommand("oracleprobe dump")
    def dump(self, outdir: str) -> Tuple[int, str, str]:
        """Write get(<name>) and a few API calls into <outdir>/get_<name>.json."""
        os.makedirs(outdir, exist_ok=True)
        calls = {f"get_{n}": (lambda n=n: self.get(n)) for n in GET_NAMES}
        calls["get_metadata_mds_a"] = lambda: self.get_metadata("mds", "a")
        calls["get_daemon_status_mds_a"] = lambda: self.get_daemon_status("mds", "a")
        calls["get_perf_schema_mds_a"] = lambda: self.get_perf_schema("mds", "a")
        calls["list_servers"] = lambda: self.list_servers()
        calls["get_mgr_id"] = lambda: self.get_mgr_id()
        written = []
        for name, fn in calls.items():
            with open(os.path.join(outdir, f"{name}.json"), "w") as f:
                json.dump(record(fn), f, indent=2)
            written.append(name)
        return 0, "", f"wrote {len(written)} files to {outdir}"
