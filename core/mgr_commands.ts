/**
 * The commands the manager answers itself, from the state it holds (health, its running
 * configuration, ...).
 *
 * @module
 */
import { cephOptionNames, cephOptionSchema } from "./ceph_options.ts";
import type { MonCommandResult } from "./cluster_link.ts";
import { parseSignature } from "./commands/descriptor.ts";
import type { LocalCommand } from "./commands/service.ts";
import { EINVAL, ENOENT } from "./errno.ts";
import { formatJson, textTable } from "./format.ts";
import type { Manager } from "./manager.ts";
import { statusJson, statusText } from "./status.ts";

const ok = (outb: string): MonCommandResult => ({ r: 0, outb, outs: "" });

function jsonFormat(cmd: Record<string, unknown>): "json" | "json-pretty" | null {
  return cmd.format === "json" || cmd.format === "json-pretty" ? cmd.format : null;
}

/**
 * `config show <who> [<key>]` and `config show-with-defaults <who>` (DaemonServer.cc). The
 * manager knows the running configuration of one daemon, itself; other daemons' configuration
 * arrives with their reports, which the embedded cluster does not send yet.
 */
function configShow(manager: Manager, cmd: Record<string, unknown>, withDefaults: boolean) {
  const who = String(cmd.who);
  if (!/^[a-z-]+\.[^.]/.test(who)) {
    return { r: -EINVAL, outb: "", outs: "invalid daemon name: use <type>.<id>" };
  }
  if (who !== `mgr.${manager.id}`) {
    return { r: -ENOENT, outb: "", outs: `no config state for daemon ${who}` };
  }
  const running = manager.runningConfig();
  const key = typeof cmd.key === "string" ? cmd.key : undefined;
  if (key !== undefined) {
    if (key === "fsid") return ok(`${manager.cephOption("fsid") ?? ""}\n`);
    const value = running.get(key) ?? cephOptionSchema(key)?.default;
    return value === undefined ? { r: -ENOENT, outb: "", outs: "" } : ok(`${value}\n`);
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

/** The manager's own commands, bound to one manager. */
export function managerCommands(manager: Manager): LocalCommand[] {
  return [
    {
      desc: parseSignature("health name=detail,type=CephChoices,strings=detail,req=false", {
        help: "show cluster health",
        perm: "r",
        module: "mon",
      }),
      run: (cmd) => manager.healthCommand(cmd),
    },
    {
      desc: parseSignature("status", { help: "show cluster status", perm: "r", module: "mon" }),
      run: (cmd) => {
        const inputs = manager.statusInputs();
        const f = jsonFormat(cmd);
        return ok(f ? formatJson(statusJson(inputs), f) : statusText(inputs));
      },
    },
    {
      desc: parseSignature(
        "config show name=who,type=CephString name=key,type=CephString,req=false",
        { help: "Show running configuration", perm: "r" },
      ),
      run: (cmd) => configShow(manager, cmd, false),
    },
    {
      desc: parseSignature("config show-with-defaults name=who,type=CephString", {
        help: "Show running configuration (including compiled-in defaults)",
        perm: "r",
      }),
      run: (cmd) => configShow(manager, cmd, true),
    },
  ];
}
