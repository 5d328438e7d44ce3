/**
 * `tell <daemon> <command...>`: a command sent to one daemon, as `ceph tell` does. The words
 * after the target are matched against that daemon type's admin commands (those the
 * simulated and real daemons answer: `version`, `perf dump`, `perf schema`, `config get`,
 * `dump_ops_in_flight`, an MDS's `status` and `session ls|evict`), then the command goes to the daemon through the
 * cluster session (an OSD's, an MDS's, a mon's, or a PG's primary for `pg <pgid> query`, which
 * the client sends as a tell to `pg.<pgid>`), or is answered here for this manager
 * (`tell mgr`, `tell mgr.<id>`: `version`, `config get`, `mgr_status`, and `perf dump` /
 * `perf schema` of its own counters, core/own_perf_counters.ts).
 * Outputs are json-pretty unless `-f json` was asked for, as the daemons' admin sockets print.
 *
 * @module
 */
import type { MonCommandResult } from "../../cluster_link.ts";
import type { LocalCommand } from "../service.ts";
import { EINVAL, ENOENT } from "../../../ceph/errno.ts";
import { formatJson } from "../../../ceph/format.ts";
import { daemonJson } from "../../../ceph/perf_dump.ts";
import { CEPH_VERSION } from "../../../ceph/mgr_map.ts";
import { type CommandDescriptor, parseSignature } from "../descriptor.ts";
import { matchWords } from "../match.ts";
import { usageLine } from "../usage.ts";
import { argList } from "./read_command.ts";
import { fail } from "./reply.ts";

/** What `tell` needs of the manager. */
export interface TellSource {
  /** This daemon's name, `mgr.<id>`. */
  readonly daemon: string;
  /** What a module's `get(name)` returns (the MgrMap's epoch for `mgr_status`). */
  get(name: string): unknown;
  /** A daemon option's value as this manager runs with it, or undefined for no such option. */
  cephOption(key: string): unknown;
  /** This daemon's own perf counters: `perf dump [<logger> [<counter>]]`, `perf schema`. */
  ownPerf: {
    dump(logger?: string, counter?: string): Record<string, Record<string, unknown>>;
    schema(): Record<string, Record<string, unknown>>;
    histograms(logger?: string): Record<string, Record<string, never>>;
  };
  /** Sends a command to daemon `type.id` through the cluster session. */
  tellDaemon(type: string, id: string, cmd: Record<string, unknown>): Promise<MonCommandResult>;
}

const sig = (s: string, help: string): CommandDescriptor => parseSignature(s, { help, perm: "r" });

const VERSION = sig("version", "get ceph version");
const CONFIG_GET = sig(
  "config get name=var,type=CephString",
  "config get <field>: get the config value",
);
const PERF_DUMP = sig(
  "perf dump name=logger,type=CephString,req=false name=counter,type=CephString,req=false",
  "dump perfcounters value",
);
const PERF_SCHEMA = sig("perf schema", "dump perfcounters schema");
const PERF_HISTOGRAM_DUMP = sig(
  "perf histogram dump name=logger,type=CephString,req=false name=counter,type=CephString,req=false",
  "dump perf histogram values",
);
const PERF_HISTOGRAM_SCHEMA = sig("perf histogram schema", "dump perf histogram schema");
const OPS_IN_FLIGHT = sig("dump_ops_in_flight", "show the ops currently in flight");

/** The admin commands each daemon type answers. */
const DAEMON_COMMANDS: Readonly<Record<string, readonly CommandDescriptor[]>> = {
  osd: [VERSION, PERF_DUMP, PERF_SCHEMA, CONFIG_GET, OPS_IN_FLIGHT],
  mds: [
    VERSION,
    PERF_DUMP,
    PERF_SCHEMA,
    CONFIG_GET,
    OPS_IN_FLIGHT,
    sig("status", "high-level status of MDS"),
    // MDSDaemon's session commands (the filters of src/mds/SessionMap.cc's SessionFilter).
    sig(
      "session ls name=filters,type=CephString,n=N,req=false",
      "List client sessions based on a filter",
    ),
    sig(
      "client ls name=filters,type=CephString,n=N,req=false",
      "List client sessions based on a filter",
    ),
    sig(
      "session evict name=filters,type=CephString,n=N,req=false",
      "Evict client session(s) based on a filter",
    ),
    sig(
      "client evict name=filters,type=CephString,n=N,req=false",
      "Evict client session(s) based on a filter",
    ),
  ],
  mon: [VERSION, PERF_DUMP, PERF_SCHEMA, CONFIG_GET],
  pg: [sig("query", "show details of a specific pg")],
  mgr: [
    VERSION,
    PERF_DUMP,
    PERF_SCHEMA,
    PERF_HISTOGRAM_DUMP,
    PERF_HISTOGRAM_SCHEMA,
    CONFIG_GET,
    sig("mgr_status", "Dump mgr status"),
  ],
};

/** What a daemon's `config get` of a name no option has answers (md_config_t::get_val). */
function missingOption(name: string): string {
  return `error getting '${name}': (2) No such file or directory`;
}

/** A value as the admin socket's `config get` prints it. */
function optionText(v: unknown): string {
  return typeof v === "boolean" ? (v ? "true" : "false") : String(v);
}

async function tell(source: TellSource, cmd: Record<string, unknown>): Promise<MonCommandResult> {
  const target = String(cmd.target ?? "");
  const dot = target.indexOf(".");
  const type = dot < 0 ? target : target.slice(0, dot);
  const id = dot < 0 ? "" : target.slice(dot + 1);
  if (!["osd", "mon", "mgr", "mds", "pg"].includes(type)) {
    return fail(EINVAL, `error handling command target: unknown type ${type}`);
  }
  const self = source.daemon.slice("mgr.".length);
  if (type === "mgr" && id !== "" && id !== self) {
    return fail(ENOENT, `problem getting command descriptions from ${target}`);
  }
  if (type !== "mgr" && id === "") {
    return fail(EINVAL, `error handling command target: ${type} needs an id (${type}.<id>)`);
  }
  const words = argList(cmd.args);
  const m = matchWords(DAEMON_COMMANDS[type]!, words);
  if (!m.ok) {
    const lines = m.candidates.map((d) => usageLine(d)).join("\n");
    return fail(
      EINVAL,
      `no valid command found; ${m.candidates.length} closest matches:\n${lines}\ninvalid command`,
    );
  }
  const sub: Record<string, unknown> = { ...m.cmd };
  if (cmd.format !== undefined) sub.format = cmd.format;
  if (type !== "mgr") {
    const r = await source.tellDaemon(type, id, sub);
    // A daemon that is not there has no command descriptions to fetch (ceph.in's words).
    if (r.r === -ENOENT && (r.outs === `${type} dne` || (type === "pg" && r.outs === "pool dne"))) {
      return fail(ENOENT, `problem getting command descriptions from ${target}`);
    }
    return r;
  }
  const f = sub.format === "json" ? "json" : "json-pretty";
  if (sub.prefix === "version") {
    const version = /^ceph version (\S+)/.exec(CEPH_VERSION)?.[1] ?? "";
    return {
      r: 0,
      outb: formatJson({ version, release: "pacific", release_type: "stable" }, f),
      outs: "",
    };
  }
  if (sub.prefix === "mgr_status") {
    // MgrStandby's asok `mgr_status`: this manager answers only once it is initialized.
    const epoch = Number((source.get("mgr_map") as { epoch?: number } | null)?.epoch ?? 0);
    return { r: 0, outb: formatJson({ mgrmap_epoch: epoch, initialized: true }, f), outs: "" };
  }
  if (sub.prefix === "perf dump") {
    const logger = sub.logger === undefined ? undefined : String(sub.logger);
    const counter = sub.counter === undefined ? undefined : String(sub.counter);
    return { r: 0, outb: daemonJson(sub, source.ownPerf.dump(logger, counter)), outs: "" };
  }
  if (sub.prefix === "perf schema") {
    return { r: 0, outb: daemonJson(sub, source.ownPerf.schema()), outs: "" };
  }
  if (sub.prefix === "perf histogram dump" || sub.prefix === "perf histogram schema") {
    const logger = sub.logger === undefined ? undefined : String(sub.logger);
    return { r: 0, outb: daemonJson(sub, source.ownPerf.histograms(logger)), outs: "" };
  }
  const name = String(sub.var ?? "");
  const value = source.cephOption(name);
  if (value === undefined) return fail(ENOENT, missingOption(name));
  return { r: 0, outb: formatJson({ [name]: optionText(value) }, f), outs: "" };
}

/** `tell`, bound to the manager. */
export function tellCommands(source: TellSource): LocalCommand[] {
  return [{
    desc: parseSignature(
      "tell name=target,type=CephString name=args,type=CephString,n=N",
      { help: "send a command to a specific daemon", perm: "rw", module: "mon" },
    ),
    run: (cmd) => tell(source, cmd),
  }];
}
