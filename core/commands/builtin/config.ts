/**
 * `config show <who> [<key>]` and `config show-with-defaults <who>` (DaemonServer.cc): a
 * daemon's running configuration. The manager knows the running configuration of one daemon,
 * itself; other daemons' configuration arrives with their reports, which the embedded cluster
 * does not send yet.
 *
 * @module
 */
import type { MonCommandResult } from "../../cluster_link.ts";
import { EINVAL, ENOENT } from "../../../ceph/errno.ts";
import { formatJson } from "../../../ceph/format.ts";
import { cephOptionNames, cephOptionSchema } from "../../../ceph/options.ts";
import { textTable } from "../../../ceph/text_table.ts";
import { parseSignature } from "../descriptor.ts";
import type { LocalCommand } from "../service.ts";
import { fail, jsonFormat, ok } from "./reply.ts";

/** What `config show` needs: who this daemon is, and its running configuration. */
export interface RunningConfigSource {
  /** This daemon's name, `mgr.<id>`. */
  readonly daemon: string;
  /** Every name the config DB sets for this daemon, sorted, the most specific section winning. */
  runningConfig(): Map<string, string>;
  /** A daemon option typed by its schema (`fsid`). */
  cephOption(key: string): unknown;
}

function configShow(
  source: RunningConfigSource,
  cmd: Record<string, unknown>,
  withDefaults: boolean,
): MonCommandResult {
  const who = String(cmd.who);
  if (!/^[a-z-]+\.[^.]/.test(who)) {
    return fail(EINVAL, "invalid daemon name: use <type>.<id>");
  }
  if (who !== source.daemon) return fail(ENOENT, `no config state for daemon ${who}`);
  const running = source.runningConfig();
  const key = typeof cmd.key === "string" ? cmd.key : undefined;
  if (key !== undefined) {
    if (key === "fsid") return ok(`${source.cephOption("fsid") ?? ""}\n`);
    const value = running.get(key) ?? cephOptionSchema(key)?.default;
    return value === undefined ? fail(ENOENT, "") : ok(`${value}\n`);
  }
  const rows: { name: string; value: string; source: string }[] = [];
  if (withDefaults) {
    for (const name of [...new Set([...cephOptionNames(), ...running.keys()])].sort()) {
      const set = running.get(name);
      rows.push(
        set !== undefined
          ? { name, value: set, source: "mon" }
          : { name, value: cephOptionSchema(name)?.default ?? "", source: "default" },
      );
    }
  } else {
    for (const [name, value] of running) rows.push({ name, value, source: "mon" });
  }
  const f = jsonFormat(cmd);
  if (f) return ok(formatJson(rows, f));
  return ok(textTable(
    ["NAME", "VALUE", "SOURCE", "OVERRIDES", "IGNORES"],
    rows.map((r) => [r.name, r.value, r.source, "", ""]),
  ));
}

/** The `config show` commands, bound to one daemon's running configuration. */
export function configCommands(source: RunningConfigSource): LocalCommand[] {
  return [
    {
      desc: parseSignature(
        "config show name=who,type=CephString name=key,type=CephString,req=false",
        { help: "Show running configuration", perm: "r" },
      ),
      run: (cmd) => configShow(source, cmd, false),
    },
    {
      desc: parseSignature("config show-with-defaults name=who,type=CephString", {
        help: "Show running configuration (including compiled-in defaults)",
        perm: "r",
      }),
      run: (cmd) => configShow(source, cmd, true),
    },
  ];
}
