"""
Daemon commands through librados, as the existing tests/ceph-reference/cli/oracle/tell_*.txt
were captured: the raw return code (as a positive errno), outbuf and outs, without the `ceph`
CLI's formatting. Part of tools/capture-oracle.sh.

usage: /usr/bin/python3 tell_raw.py CEPH_CONF OUTDIR NAME KIND TARGET JSON [NAME KIND TARGET JSON...]
  KIND: osd (osd_command, TARGET an OSD id), pg (pg_command, TARGET a pgid),
        mon (mon_command to the named mon), mgr (mgr_command, TARGET ignored)
"""
import json
import os
import sys

import rados


def main() -> int:
    conf, outdir, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
    cluster = rados.Rados(conffile=conf)
    cluster.connect(timeout=30)
    os.makedirs(outdir, exist_ok=True)
    for i in range(0, len(rest), 4):
        name, kind, target, cmd = rest[i:i + 4]
        text = json.dumps(json.loads(cmd))
        if kind == "osd":
            r, outb, outs = cluster.osd_command(int(target), text, b"", timeout=30)
            line = f"$ ceph tell osd.{target} {text}  (librados osd_command)"
        elif kind == "pg":
            r, outb, outs = cluster.pg_command(target, text, b"", timeout=30)
            line = f"$ ceph tell {target} {text}  (librados pg_command)"
        elif kind == "mon":
            r, outb, outs = cluster.mon_command(text, b"", timeout=30, target=target)
            line = f"$ ceph tell mon.{target} {text}  (librados mon_command)"
        elif kind == "mgr":
            r, outb, outs = cluster.mgr_command(text, b"", timeout=30)
            line = f"$ ceph tell mgr {text}  (librados mgr_command)"
        else:
            raise SystemExit(f"unknown kind {kind}")
        with open(os.path.join(outdir, f"{name}.txt"), "w") as f:
            f.write(f"{line}\n--- rc={abs(r)}\n--- stdout:\n")
            f.write(outb.decode("utf-8", "replace"))
            f.write("--- stderr:\n")
            f.write(outs)
    cluster.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
