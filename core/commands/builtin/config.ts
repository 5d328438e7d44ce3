/**
 * `config show <who> [<key>]` and `config show-with-defaults <who>` (DaemonServer.cc): a
 * daemon's running configuration. The manager knows its own; other daemons' comes with their
 * reports (the cluster's `daemonConfig`), level by level, printed as DaemonServer prints a
 * DaemonState's config: the level in force, and the lower ones it overrides.
 *
 * @module
 */
import type { DaemonConfigReport, MonCommandResult } from "../../cluster_link.ts";
import { EINVAL, ENOENT } from "../../../ceph/errno.ts";
import { formatJson } from "../../../ceph/format.ts";
import { cephOptionNames, cephOptionSchema } from "../../../ceph/options.ts";
import { textTable } from "../../../ceph/text_table.ts";
import { parseSignature } from "../descriptor.ts";
import type { LocalCommand } from "../service.ts";
import { fail, jsonFormat, ok } from "./reply.ts";

/** What `config show` needs: who this daemon is, its running configuration, and the others'. */
export interface RunningConfigSource {
  /** This daemon's name, `mgr.<id>`. */
  readonly daemon: string;
  /** Every name the config DB sets for this daemon, sorted, the most specific section winning. */
  runningConfig(): Map<string, string>;
  /** The cluster's fsid, as the monmap has it. */
  fsid(): string;
  /** What another daemon reported of its configuration, or null when it reported none. */
  daemonConfig(who: string): DaemonConfigReport | null;
}

type Level = { source: string; value: string };
type Row = { name: string; levels: Level[] };

/** This manager's own report: the config DB's values for it, over the option table. */
function selfReport(source: RunningConfigSource): DaemonConfigReport {
  return {
    config: [...source.runningConfig()].map(([name, value]) => ({
      name,
      levels: [{ source: "mon", value }],
    })),
    defaults: {},
  };
}

function defaultOf(report: DaemonConfigReport, name: string): string | undefined {
  return report.defaults[name] ?? cephOptionSchema(name)?.default;
}

/** One row as JSON: the level in force, then the ones below it, lowest first. */
function rowJson(r: Row): Record<string, unknown> {
  const top = r.levels.at(-1)!;
  const out: Record<string, unknown> = { name: r.name, value: top.value, source: top.source };
  if (r.levels.length > 1) out.overrides = r.levels.slice(0, -1);
  return out;
}

/** One row as text: OVERRIDES lists the lower levels, highest first, `(..)` when equal. */
function rowText(r: Row): string[] {
  const top = r.levels.at(-1)!;
  const ov = r.levels.slice(0, -1).reverse().map((l) =>
    l.value === top.value ? `(${l.source}[${l.value}])` : `${l.source}[${l.value}]`
  );
  return [r.name, top.value, top.source, ov.join(","), ""];
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
  const report = who === source.daemon ? selfReport(source) : source.daemonConfig(who);
  if (!report) return fail(ENOENT, `no config state for daemon ${who}`);
  const set = new Map(report.config.filter((c) => c.levels.length > 0).map((c) => [c.name, c]));
  const key = typeof cmd.key === "string" ? cmd.key : undefined;
  if (key !== undefined) {
    // DaemonServer answers fsid from the monmap, whatever the daemon's config holds.
    if (key === "fsid") return ok(`${source.fsid()}\n`);
    const value = set.get(key)?.levels.at(-1)?.value ?? defaultOf(report, key);
    return value === undefined ? fail(ENOENT, "") : ok(`${value}\n`);
  }
  const names = withDefaults ? [...new Set([...cephOptionNames(), ...set.keys()])].sort() : [];
  const rows: Row[] = withDefaults
    ? names.map((name) =>
      set.get(name) ??
        { name, levels: [{ source: "default", value: defaultOf(report, name) ?? "" }] }
    )
    : [...set.values()];
  const f = jsonFormat(cmd);
  if (f) return ok(formatJson(rows.map(rowJson), f));
  return ok(textTable(["NAME", "VALUE", "SOURCE", "OVERRIDES", "IGNORES"], rows.map(rowText)));
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
