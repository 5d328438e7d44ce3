/**
 * The commands the manager answers itself, from the state it holds (health, its running
 * configuration, ...).
 *
 * @module
 */
import { cephOptionNames, cephOptionSchema } from "../ceph/options.ts";
import type { MonCommandResult } from "./cluster_link.ts";
import { parseSignature } from "./commands/descriptor.ts";
import type { LocalCommand } from "./commands/service.ts";
import { EINVAL, ENOENT } from "../ceph/errno.ts";
import { formatJson } from "../ceph/format.ts";
import { textTable } from "../ceph/text_table.ts";
import { parseTimespan } from "../ceph/option_value.ts";
import type { Manager } from "./manager.ts";
import { statusJson, statusText } from "./status.ts";
import { stateCommands } from "./state_commands.ts";

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

/**
 * A mute's TTL as `health mute` takes it: Ceph's `parse_timespan` (`30`, `10s`, `5m 3s`, `2h`,
 * `1week`), seconds or the error text HealthMonitor prints after `invalid duration: <ttl> `.
 */
export function parseTtl(text: string): { seconds: number } | { error: string } {
  const parsed = parseTimespan(text);
  if (parsed.error) return { error: parsed.error };
  if (parsed.value === 0n) return { error: "timespan = 0" };
  return { seconds: Number(parsed.value) };
}

/** The manager's own commands, bound to one manager. */
export function managerCommands(manager: Manager): LocalCommand[] {
  return [
    ...stateCommands(manager),
    {
      desc: parseSignature("health name=detail,type=CephChoices,strings=detail,req=false", {
        help: "show cluster health",
        perm: "r",
        module: "mon",
      }),
      run: (cmd) => manager.healthCommand(cmd),
    },
    {
      desc: parseSignature(
        "health mute name=code,type=CephString name=ttl,type=CephString,req=false " +
          "name=sticky,type=CephBool,req=false",
        { help: "mute health alert", perm: "w", module: "mon" },
      ),
      run: (cmd) => {
        // HealthMonitor: the TTL is parsed first, then the check must be raised unless sticky.
        let ttl: number | undefined;
        if (typeof cmd.ttl === "string") {
          const parsed = parseTtl(cmd.ttl);
          if ("error" in parsed) {
            return { r: -EINVAL, outb: "", outs: `invalid duration: ${cmd.ttl} (${parsed.error})` };
          }
          ttl = parsed.seconds;
        }
        const code = String(cmd.code);
        const sticky = cmd.sticky === true;
        if (!sticky && !manager.health().checks[code]) {
          return { r: -ENOENT, outb: "", outs: `health alert ${code} is not currently raised` };
        }
        return manager.mute(code, ttl, sticky);
      },
    },
    {
      desc: parseSignature("health unmute name=code,type=CephString,req=false", {
        help: "unmute existing health alert mute(s)",
        perm: "w",
        module: "mon",
      }),
      run: (cmd) => manager.unmute(typeof cmd.code === "string" ? cmd.code : undefined),
    },
    {
      desc: parseSignature("status", { help: "show cluster status", perm: "r", module: "mon" }),
      run: (cmd) => {
        const inputs = manager.statusInputs();
        const f = jsonFormat(cmd);
        // The mon's `status` ends with a newline in either JSON format.
        if (f) return ok(formatJson(statusJson(inputs), f) + (f === "json" ? "\n" : ""));
        return ok(statusText(inputs));
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
