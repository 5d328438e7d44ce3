/**
 * Ceph's crash module (src/pybind/mgr/crash/module.py of 16.2.15): daemons post crash reports
 * (`crash post -i report.json`), kept in the module's store under `crash/<id>`; `crash ls`,
 * `ls-new`, `info`, `stat`, `json_report`, `archive`, `archive-all`, `rm`, `prune`; the
 * RECENT_CRASH health warning for crashes newer than `warn_recent_interval` that are not
 * archived; reports older than `retain_interval` are pruned.
 *
 * Where Ceph 16.2.15 answers a positive errno (a missing crash, malformed metadata), the
 * `ceph` CLI exits 0 and prints the message; this port answers 0 with the same message.
 *
 * @module
 */
import { createHash } from "node:crypto";
import {
  type CommandReturn,
  EINVAL,
  HandleCommandResult,
  type HealthChecks,
  MgrModule,
  Option,
  PlainTable,
  pythonJson,
} from "mgr_module";

const MAX_WAIT = 600;
const MIN_WAIT = 60;
const DAY = 60 * 60 * 24;

/** A crash report as posted: `crash_id`, `timestamp`, `entity_name`, `backtrace`, ... */
export type Crash = Record<string, unknown>;

const _STAMP = /^(\d{4})-(\d{2})-(\d{2})([T ])(\d{2}):(\d{2}):(\d{2})\.(\d{1,6})$/;

/**
 * Ceph's `time_from_string`: `2018-06-22T20:35:38.058818Z` (or the old form with a space),
 * UTC, in seconds; throws a ValueError-like Error otherwise.
 */
export function timeFromString(text: string): number {
  const s = text.replace(/Z+$/, "");
  const m = _STAMP.exec(s);
  if (!m) {
    const fmt = s.includes("T") ? "%Y-%m-%dT%H:%M:%S.%f" : "%Y-%m-%d %H:%M:%S.%f";
    throw new Error(`time data '${s}' does not match format '${fmt}'`);
  }
  const [, y, mo, d, , h, mi, sec, frac] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec));
  return ms / 1000 + Number((frac ?? "0").padEnd(6, "0")) / 1e6;
}

/** Python's `str(datetime.utcnow())`: `2026-12-02 21:28:43.273678` (no fraction when 0). */
function _pyUtcStr(seconds: number): string {
  const micros = Math.round(seconds * 1e6);
  const d = new Date(Math.floor(micros / 1000));
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const base = `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
  const frac = micros % 1_000_000;
  return frac === 0 ? base : `${base}.${p(frac, 6)}`;
}

/** Ceph's `sanitize_backtrace`: the function of each frame, without offset or address. */
function _sanitizeBacktrace(bt: readonly string[]): string[] {
  return bt.map((frame) => {
    const cut = frame.lastIndexOf(" ");
    const head = cut < 0 ? frame : frame.slice(0, cut);
    return head.slice(1, -1).split("+")[0] as string;
  });
}

const _ASSERT_MATCHEXPR = /^([\s\S]*) thread [\s\S]* time [\s\S]*(: [\s\S]*)\n/;

/**
 * Ceph's `calc_sig`: the SHA-256 of the backtrace's functions and the assert message without
 * its thread, time and line; throws when the assert message has no thread and time.
 */
export function calcSig(bt: readonly string[], assertMsg: string | undefined | null): string {
  const sig = createHash("sha256");
  for (const func of _sanitizeBacktrace(bt)) sig.update(func);
  if (assertMsg) {
    const m = _ASSERT_MATCHEXPR.exec(assertMsg);
    if (!m) throw new Error("assert_msg has no 'thread ... time ...: ' to sanitize");
    sig.update((m[1] ?? "") + (m[2] ?? ""));
  }
  return sig.digest("hex");
}

/** The crash module. */
export class Module extends MgrModule {
  static override MODULE_OPTIONS = [
    Option({
      name: "warn_recent_interval",
      type: "secs",
      default: DAY * 14,
      desc: "time interval in which to warn about recent crashes",
      runtime: true,
    }),
    Option({
      name: "retain_interval",
      type: "secs",
      default: DAY * 365,
      desc: "how long to retain crashes before pruning them",
      runtime: true,
    }),
  ];

  static override COMMANDS = [
    { cmd: "crash info name=id,type=CephString", desc: "show crash dump metadata", perm: "r" },
    { cmd: "crash ls", desc: "Show new and archived crash dumps", perm: "r" },
    { cmd: "crash ls-new", desc: "Show new crash dumps", perm: "r" },
    { cmd: "crash post", desc: "Add a crash dump (use -i <jsonfile>)", perm: "rw" },
    {
      cmd: "crash prune name=keep,type=CephString",
      desc: "Remove crashes older than <keep> days",
      perm: "rw",
    },
    { cmd: "crash rm name=id,type=CephString", desc: "Remove a saved crash <id>", perm: "rw" },
    { cmd: "crash stat", desc: "Summarize recorded crashes", perm: "r" },
    {
      cmd: "crash json_report name=hours,type=CephString",
      desc: "Crashes in the last <hours> hours",
      perm: "r",
    },
    {
      cmd: "crash archive name=id,type=CephString",
      desc: "Acknowledge a crash and silence health warning(s)",
      perm: "w",
    },
    {
      cmd: "crash archive-all",
      desc: "Acknowledge all new crashes and silence health warning(s)",
      perm: "w",
    },
  ];

  #crashes: Map<string, Crash> | undefined;

  #warnRecentInterval(): number {
    return Number(this.get_module_option("warn_recent_interval"));
  }

  #load(): Map<string, Crash> {
    if (this.#crashes && this.#crashes.size > 0) return this.#crashes;
    const raw = this.get_store_prefix("crash/");
    const crashes = new Map<string, Crash>();
    for (const [k, v] of Object.entries(raw)) {
      try {
        crashes.set(k.slice(6), JSON.parse(v) as Crash);
      } catch {
        this.log.warning(`crash: ignoring unreadable store entry ${k}`);
      }
    }
    return this.#crashes = crashes;
  }

  #refreshHealthChecks(): void {
    const crashes = this.#load();
    const cutoff = this.now() - this.#warnRecentInterval();
    const recent = [...crashes.values()].filter((c) => _stamp(c) > cutoff && !("archived" in c));
    const checks: HealthChecks = {};
    if (recent.length > 0) {
      let detail = recent.map((c) =>
        `${c.entity_name ?? "unidentified daemon"} crashed on host ${
          c.utsname_hostname ?? "(unknown)"
        } at ${c.timestamp ?? "unknown time"}`
      );
      if (recent.length > 30) detail = [...detail.slice(0, 30), `and ${recent.length - 30} more`];
      checks.RECENT_CRASH = {
        severity: "warning",
        summary: `${recent.length} daemons have recently crashed`,
        count: recent.length,
        detail,
      };
    }
    this.set_health_checks(checks);
  }

  async #prune(seconds: number): Promise<void> {
    const crashes = this.#load();
    const cutoff = this.now() - seconds;
    let removed = false;
    for (const [id, crash] of [...crashes]) {
      if (_stamp(crash) > cutoff) continue;
      crashes.delete(id);
      await this.set_store(`crash/${id}`, null);
      removed = true;
    }
    if (removed) this.#refreshHealthChecks();
  }

  override async serve(): Promise<void> {
    while (!this.shutting_down) {
      this.#refreshHealthChecks();
      await this.#prune(Number(this.get_module_option("retain_interval")));
      await this.sleep(Math.min(MAX_WAIT, Math.max(this.#warnRecentInterval() / 100, MIN_WAIT)));
    }
  }

  override async handle_command(
    inbuf: string,
    cmd: Record<string, unknown>,
  ): Promise<CommandReturn> {
    const crashes = this.#load();
    const prefix = String(cmd.prefix);
    const id = String(cmd.id ?? "");
    switch (prefix) {
      case "crash info": {
        const crash = crashes.get(id);
        if (!crash) return [0, "", `crash info: ${id} not found`];
        return [0, pythonJson(crash, "json-pretty") + "\n", ""];
      }
      case "crash post":
        return await this.#post(inbuf);
      case "crash ls":
      case "crash ls-new":
        return this.#ls(prefix === "crash ls", cmd.format);
      case "crash rm":
        if (crashes.delete(id)) {
          await this.set_store(`crash/${id}`, null);
          this.#refreshHealthChecks();
        }
        return [0, "", ""];
      case "crash prune": {
        const keep = _pyInt(cmd.keep);
        if (keep === undefined) return [0, "", "keep argument must be integer"];
        await this.#prune(keep * DAY);
        return [0, "", ""];
      }
      case "crash archive": {
        const crash = crashes.get(id);
        if (!crash) return [0, "", `crash info: ${id} not found`];
        if (!crash.archived) {
          crash.archived = _pyUtcStr(this.now());
          await this.set_store(`crash/${id}`, JSON.stringify(crash));
          this.#refreshHealthChecks();
        }
        return [0, "", ""];
      }
      case "crash archive-all":
        for (const [cid, crash] of crashes) {
          if (crash.archived) continue;
          crash.archived = _pyUtcStr(this.now());
          await this.set_store(`crash/${cid}`, JSON.stringify(crash));
        }
        this.#refreshHealthChecks();
        return [0, "", ""];
      case "crash stat":
        return [0, this.#stat(), ""];
      case "crash json_report": {
        if (_pyInt(cmd.hours) === undefined) {
          return [0, "", "<hours> argument must be integer"];
        }
        const report: Record<string, number> = {};
        for (const crash of crashes.values()) {
          const name = String(crash.process_name || "unknown");
          report[name] = (report[name] ?? 0) + 1;
        }
        return [0, "", pythonJson(report, "json")];
      }
    }
    return new HandleCommandResult(-EINVAL, "", `unknown command ${prefix}`);
  }

  async #post(inbuf: string): Promise<CommandReturn> {
    let metadata: Crash;
    try {
      metadata = _validate(inbuf);
    } catch (e) {
      return [0, "", `malformed crash metadata: ${(e as Error).message}`];
    }
    if ("backtrace" in metadata) {
      // Ceph raises here (a traceback, EINVAL); the message says what was wrong instead.
      const bt = metadata.backtrace;
      if (!Array.isArray(bt)) return [-EINVAL, "", "crash post: backtrace must be a list"];
      try {
        metadata.stack_sig = calcSig(
          bt.map(String),
          metadata.assert_msg === undefined ? undefined : String(metadata.assert_msg),
        );
      } catch (e) {
        return [-EINVAL, "", `crash post: ${(e as Error).message}`];
      }
    }
    const crashes = this.#load();
    const id = String(metadata.crash_id);
    if (!crashes.has(id)) {
      crashes.set(id, metadata);
      await this.set_store(`crash/${id}`, JSON.stringify(metadata));
      this.#refreshHealthChecks();
    }
    return [0, "", ""];
  }

  #ls(all: boolean, format: unknown): CommandReturn {
    const list = [...this.#load().values()].filter((c) => all || !("archived" in c))
      .sort((a, b) => String(a.crash_id) < String(b.crash_id) ? -1 : 1);
    if (format === "json" || format === "json-pretty") {
      return [0, pythonJson(list, "json-pretty") + "\n", ""];
    }
    if (list.length === 0) return [0, "", ""];
    const table = new PlainTable(["ID", "ENTITY", "NEW"], { ID: "l", ENTITY: "l" });
    for (const c of list) {
      table.addRow([c.crash_id, c.entity_name ?? "unknown", "archived" in c ? "" : "*"]);
    }
    return [0, table.toString() + "\n", ""];
  }

  /** `crash stat`; the ceph CLI prints what the module returns, and a newline after it. */
  #stat(): string {
    const now = this.now();
    const bins = [1, 3, 7].map((age) => ({ age, limit: now - age * DAY, ids: [] as string[] }));
    let total = 0;
    for (const [id, crash] of this.#load()) {
      total++;
      const stamp = _stamp(crash);
      // As in Ceph, a crash older than a week is listed in every bin.
      for (const bin of bins) if (stamp <= bin.limit) bin.ids.push(id);
    }
    const lines = [`${total} crashes recorded`];
    for (const bin of bins) {
      if (bin.ids.length > 0) {
        lines.push(`${bin.ids.length} older than ${bin.age} days old:`, ...bin.ids);
      }
    }
    return lines.join("\n") + "\n";
  }
}

function _stamp(crash: Crash): number {
  try {
    return timeFromString(String(crash.timestamp));
  } catch {
    return -Infinity;
  }
}

function _validate(inbuf: string): Crash {
  if (inbuf.trim() === "") throw new Error("Expecting value: line 1 column 1 (char 0)");
  const metadata = JSON.parse(inbuf) as unknown;
  if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) {
    throw new Error("crash metadata must be a JSON object");
  }
  for (const f of ["crash_id", "timestamp"]) {
    if (!(f in metadata)) throw new Error(`missing '${f}' field`);
  }
  timeFromString(String((metadata as Crash).timestamp));
  return metadata as Crash;
}

/** Python's `int(text)`, or undefined where it raises ValueError. */
function _pyInt(v: unknown): number | undefined {
  const s = String(v ?? "").trim();
  return /^[+-]?\d+$/.test(s) ? Number(s) : undefined;
}
