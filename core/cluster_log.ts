/**
 * The manager's writer to the cluster log (Ceph's LogClient): entries go to the mon, which keeps
 * them for `log last` and sends them back to the managers (the modules listening for `clog`
 * hear them then), and to the daemon log.
 *
 * @module
 */
import type { Clock } from "./clock.ts";
import type { ClusterLogEntry } from "./cluster_link.ts";
import type { ModuleLogger } from "./logging.ts";
import { cephStamp } from "../ceph/time.ts";

/** Cluster log priorities by the names modules and `log last` use. */
const CLOG_PRIORITY: Record<string, string> = {
  debug: "[DBG]",
  info: "[INF]",
  sec: "[SEC]",
  security: "[SEC]",
  warn: "[WRN]",
  warning: "[WRN]",
  error: "[ERR]",
  "0": "[DBG]",
  "1": "[INF]",
  "2": "[SEC]",
  "3": "[WRN]",
  "4": "[ERR]",
};

/** Where a cluster log writer's entries go. */
export interface ClusterLogTargets {
  clock: Clock;
  /** The mon session (`ClusterLink.clusterLog`). */
  send(entry: ClusterLogEntry): void;
  /** The daemon's own log. */
  log: ModuleLogger;
}

/** Writes one daemon's entries to the cluster log, numbered in order. */
export class ClusterLogWriter {
  #seq = 0;

  /** `name` is `mgr.<id>`, `rank` is `mgr.<gid>`, as the entries carry them. */
  constructor(
    readonly name: string,
    readonly rank: string,
    readonly targets: ClusterLogTargets,
  ) {}

  /** Writes one entry (`priority` by name, `info`, or as Ceph prints it, `[INF]`). */
  write(channel: string, priority: string, message: string): void {
    const entry: ClusterLogEntry = {
      name: this.name,
      rank: this.rank,
      addrs: { addrvec: [] },
      stamp: cephStamp(this.targets.clock.now()),
      seq: ++this.#seq,
      channel,
      priority: CLOG_PRIORITY[priority] ?? priority,
      message,
    };
    const line = `cluster log [${channel}] ${entry.priority}: ${message}`;
    if (entry.priority === "[DBG]") this.targets.log.debug(line);
    else this.targets.log.info(line);
    this.targets.send(entry);
  }
}
