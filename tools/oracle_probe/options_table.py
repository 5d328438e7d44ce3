"""
Every configuration option of the running cluster, as the mon describes it: `config ls`, then
`config help <opt> -f json` for each (and for the debug_* options that `config ls` leaves out,
taken from `config show-with-defaults mgr.x`), through librados (one process; the `ceph` CLI would take
~25 minutes for ~2,000 options). Part of tools/capture-oracle.sh.

usage: /usr/bin/python3 options_table.py CEPH_CONF OUT.json
"""
import json
import sys

import rados


def main() -> int:
    conf, out = sys.argv[1], sys.argv[2]
    cluster = rados.Rados(conffile=conf)
    cluster.connect(timeout=30)

    def mon(cmd: dict):
        return cluster.mon_command(json.dumps(cmd), b"", timeout=30)

    r, outb, outs = mon({"prefix": "version", "format": "json"})
    version = json.loads(outb)["version"] if r == 0 else None
    r, outb, outs = mon({"prefix": "config ls", "format": "json"})
    if r != 0:
        print(f"config ls failed: {r} {outs}", file=sys.stderr)
        return 1
    # The capture's own probe module, should it be loaded, is no part of Ceph.
    names = [n for n in json.loads(outb) if not n.startswith("mgr/oracleprobe/")]
    # `config ls` leaves out the debug_<subsystem> options; a daemon's full option list has them.
    r, outb, outs = mon({"prefix": "config show-with-defaults", "who": "mgr.x", "format": "json"})
    listed = set(names)
    extra = [o["name"] for o in json.loads(outb) if o["name"] not in listed] if r == 0 else []
    names += extra
    options = []
    failed = {}
    for name in names:
        r, outb, outs = mon({"prefix": "config help", "key": name, "format": "json"})
        if r != 0:
            failed[name] = {"rc": -r, "outs": outs}
            continue
        options.append(json.loads(outb))
    cluster.shutdown()
    # One option per line, so that a re-capture diffs option by option.
    with open(out, "w") as f:
        f.write("{\n")
        f.write(f' "ceph_version": {json.dumps(version)},\n')
        f.write(' "how": "config ls -f json, then config help <name> -f json for each name '
                '(mon_command through librados), in config ls order; then the options of '
                '`config show-with-defaults mgr.x` that config ls does not list (not_in_config_ls)",\n')
        f.write(f' "count": {len(options)},\n')
        f.write(f' "failed": {json.dumps(failed)},\n')
        f.write(f' "not_in_config_ls": {json.dumps(extra)},\n')
        f.write(' "options": [\n')
        f.write(",\n".join("  " + json.dumps(o) for o in options))
        f.write("\n ]\n}\n")
    print(f"{len(options)} options, {len(failed)} failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
