/**
 * LogMonitor: the cluster log. It keeps the newest entries of each channel for `log last`, takes
 * entries from the cluster's daemons, the managers and the mon itself, and pushes each to every
 * session subscribed to it; `log <text>` writes one for the caller. Texts and formats are those
 * of Ceph 16.2's src/mon/LogMonitor.cc.
 *
 * @module
 */
import type {
  ClusterLogEntry,
  ClusterUpdate,
  CommandSignature,
  MonCommandResult,
} from "../../core/cluster_link.ts";
import type { EntityAddr } from "../../ceph/mgr_map.ts";
import { EINVAL } from "../../ceph/errno.ts";
import { formatJson } from "../../ceph/format.ts";
import { cephStamp } from "../../ceph/time.ts";
import { err, formatterFor, type Monitor, ok, str } from "./monitor.ts";

// deno-fmt-ignore
const LOG_COMMANDS: readonly CommandSignature[] = [
  { sig: "log name=logtext,type=CephString,n=N", help: "log supplied text to the monitor log", perm: "rw" },
  { sig: "log last name=num,type=CephInt,range=1,req=false name=level,type=CephChoices,strings=debug|info|sec|warn|error,req=false name=channel,type=CephChoices,strings=*|cluster|audit|cephadm,req=false", help: "print last few lines of the cluster log", perm: "r" },
];

/** Entries LogMonitor keeps per channel for `log last` (`mon_log_max_summary`). */
const LOG_MAX_SUMMARY = 50;

/** Cluster log priorities, lowest first, and the `log last` level names. */
const CLOG_LEVELS = ["[DBG]", "[INF]", "[SEC]", "[WRN]", "[ERR]"] as const;
const CLOG_LEVEL_NAMES: Record<string, number> = { debug: 0, info: 1, sec: 2, warn: 3, error: 4 };

/** A cluster log priority (`[INF]`, ...). */
export type ClogPriority = (typeof CLOG_LEVELS)[number];

/** What LogMonitor needs of its mon. */
export interface LogMonitorOptions {
  /** Seconds since the epoch, for the mon's stamps. */
  now: () => number;
  /** The mon's name (`a`), and its addresses, as its own entries carry them. */
  name: string;
  addrs: EntityAddr[];
  /** Tells the mon's sessions of an entry. */
  emit: (u: ClusterUpdate) => void;
}

/** The embedded mon's LogMonitor. */
export class LogMonitor implements Monitor {
  readonly commands = LOG_COMMANDS;
  readonly #opts: LogMonitorOptions;
  /** LogMonitor's summary: the newest entries per channel. */
  #logByChannel = new Map<string, ClusterLogEntry[]>();
  #logSeq = 0;

  constructor(options: LogMonitorOptions) {
    this.#opts = options;
  }

  handle(
    prefix: string,
    cmd: Record<string, unknown>,
    _inbuf: string | undefined,
    entity: string,
  ): MonCommandResult {
    return prefix === "log" ? this.#logCommand(cmd, entity) : this.#logLast(cmd);
  }

  /**
   * Takes an entry into the cluster log: kept for `log last`, then pushed to every session
   * subscribed to it.
   */
  log(entry: ClusterLogEntry): void {
    const frozen = Object.freeze({ ...entry, addrs: structuredClone(entry.addrs) });
    let tail = this.#logByChannel.get(entry.channel);
    if (!tail) this.#logByChannel.set(entry.channel, tail = []);
    tail.push(frozen);
    if (tail.length > LOG_MAX_SUMMARY) tail.shift();
    this.#opts.emit({ kind: "clog", entry: frozen });
  }

  /** An entry from the mon itself (`mon.a (mon.0)`), stamped now. */
  clog(priority: ClogPriority, message: string, channel = "cluster"): void {
    this.log({
      name: `mon.${this.#opts.name}`,
      rank: "mon.0",
      addrs: { addrvec: this.#opts.addrs },
      stamp: cephStamp(this.#opts.now()),
      seq: ++this.#logSeq,
      channel,
      priority,
      message,
    });
  }

  /** `log <logtext>...`: the words as one entry from the caller, at INF. */
  #logCommand(cmd: Record<string, unknown>, entity: string): MonCommandResult {
    const words = Array.isArray(cmd.logtext) ? cmd.logtext.map(String) : [String(cmd.logtext)];
    this.log({
      name: entity,
      rank: `${entity.slice(0, entity.indexOf(".") + 1) || "client."}?`,
      addrs: { addrvec: [] },
      stamp: cephStamp(this.#opts.now()),
      seq: 0,
      channel: "cluster",
      priority: "[INF]",
      message: words.join(" "),
    });
    return ok();
  }

  /**
   * `log last [<num>] [<level>] [<channel>]` (LogMonitor::preprocess_command): the newest
   * `num` entries at or above `level` of one channel, or of all (`*`), oldest first.
   */
  #logLast(cmd: Record<string, unknown>): MonCommandResult {
    const num = typeof cmd.num === "number" ? cmd.num : 20;
    const levelName = str(cmd.level) ?? "info";
    const level = Object.hasOwn(CLOG_LEVEL_NAMES, levelName)
      ? CLOG_LEVEL_NAMES[levelName]
      : undefined;
    if (level === undefined) return err(-EINVAL, `Invalid severity '${levelName}'`);
    const channel = str(cmd.channel) ?? "cluster";
    const tail = channel === "*"
      ? [...this.#logByChannel.values()].flat().sort((a, b) =>
        a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : 0
      )
      : this.#logByChannel.get(channel) ?? [];
    const rank = (e: ClusterLogEntry) => CLOG_LEVELS.indexOf(e.priority as never);
    const shown = tail.filter((e) => rank(e) >= level).slice(-Math.max(0, num));
    const f = formatterFor(cmd);
    if (f) return ok(formatJson(shown, f));
    return ok(
      shown.map((e) =>
        `${e.stamp} ${e.name} (${e.rank}) ${e.seq} : ${e.channel} ${e.priority} ${e.message}\n`
      ).join(""),
    );
  }
}
