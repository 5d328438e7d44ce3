/**
 * `mgrd ceph -w` / `--watch` (and `--watch-debug`, `--watch-info`, `--watch-sec`,
 * `--watch-warn`, `--watch-error`, `--watch-channel`): the cluster's status, then each new
 * cluster log entry as the mon takes it, one line each as `ceph -w` prints them
 * (`<stamp> <who> [<prio>] <message>`), until Ctrl-C. With `-f json` the status is JSON and
 * each entry a JSON line. The log is read with `log last` every period (1 s): what arrived
 * since the last read is printed, in the order the mon logged it.
 *
 * @module
 */
import type { CommandReply } from "./daemon_client.ts";

/** What `--watch*` asks for: the least priority and the channel (`*` for all). */
export interface WatchOptions {
  level: "debug" | "info" | "sec" | "warn" | "error";
  channel: string;
  format?: string;
  periodSeconds: number;
}

interface LogEntry {
  name: string;
  stamp: string;
  seq: number;
  channel: string;
  priority: string;
  message: string;
}

/** The watch loop's connection to the daemon and to the terminal. */
export interface WatchIo {
  command(cmd: Record<string, unknown>): Promise<CommandReply>;
  out(text: string): Promise<void>;
  err(text: string): Promise<void>;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  signal: AbortSignal;
}

/** How many entries one read asks for: more than a second of any cluster's log. */
const BATCH = 500;

/** A log entry as `ceph -w` prints it. */
export function watchLine(e: LogEntry): string {
  return `${e.stamp} ${e.name} ${e.priority} ${e.message}`;
}

/** Runs the watch until `signal` aborts; returns the exit status. */
export async function watchCluster(o: WatchOptions, io: WatchIo): Promise<number> {
  const json = o.format === "json" || o.format === "json-pretty";
  const status = await io.command({ prefix: "status", ...(json ? { format: o.format } : {}) });
  if (status.retval < 0) {
    await io.err(`Error: ${status.stderr}\n`);
    return -status.retval;
  }
  await io.out(`${status.stdout}\n`);
  // Entries already logged are not shown again: only what comes after the status.
  const seen = new Set<string>();
  const key = (e: LogEntry) => `${e.name} ${e.seq} ${e.stamp}`;
  const read = async (): Promise<LogEntry[]> => {
    const r = await io.command({
      prefix: "log last",
      num: BATCH,
      level: o.level,
      channel: o.channel,
      format: "json",
    });
    if (r.retval < 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout) as LogEntry[];
  };
  for (const e of await read()) seen.add(key(e));
  while (!io.signal.aborted) {
    try {
      await io.sleep(o.periodSeconds * 1000, io.signal);
    } catch (e) {
      if (!io.signal.aborted) throw e;
    }
    if (io.signal.aborted) break;
    for (const e of await read()) {
      const k = key(e);
      if (seen.has(k)) continue;
      seen.add(k);
      await io.out(json ? `${JSON.stringify(e)}\n` : `${watchLine(e)}\n`);
    }
  }
  return 0;
}
