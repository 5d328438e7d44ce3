/**
 * crash — Ceph's crash module (src/pybind/mgr/crash/module.py, 16.2): daemons post their crash
 * reports (`crash post -i <json>`), which are kept in the module's store under `crash/<id>`
 * and listed, shown, archived, pruned and removed; crashes newer than `warn_recent_interval`
 * and not archived raise RECENT_CRASH. Texts, return codes (Ceph's positive errnos, which the
 * CLI prints without `Error`) and JSON (sorted keys, four-space indent) as the Python module's,
 * each output ending with the newline the real CLI showed.
 *
 * @module
 */
import { createHash } from "node:crypto";
import {
  CLICommand,
  CLIReadCommand,
  CLIWriteCommand,
  EINVAL,
  HandleCommandResult,
  MgrModule,
  Option,
} from "mgr_module";

/** A crash report: what the daemon posted, plus `stack_sig` and `archived`. */
type CrashReport = Record<string, unknown> & { crash_id: string; timestamp: string };

const DAY = 24 * 60 * 60;
/** The `format` argument Ceph's CLI fills from `-f`. */
const FORMAT = { type: "str", optional: true } as const;
const MAX_WAIT = 600;
const MIN_WAIT = 60;

/** Python's `json.dumps(v, indent=4, sort_keys=True)`. */
function pyJsonSorted(v: unknown): string {
  const sort = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sort);
    if (x !== null && typeof x === "object") {
      return Object.fromEntries(
        Object.keys(x).sort().map((k) => [k, sort((x as Record<string, unknown>)[k])]),
      );
    }
    return x;
  };
  return JSON.stringify(sort(v), null, 4);
}

/** `time_from_string`: `2026-12-02T21:28:43.273678Z` (or with a space) in seconds, or NaN. */
function stampSeconds(text: string): number {
  const m = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(\.\d+)?Z?$/.exec(text);
  if (!m) return NaN;
  const [, y, mo, d, h, mi, s, frac] = m;
  return Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!) / 1000 + Number(frac ?? 0);
}

/** `datetime.utcnow()` as `str()` prints it: `2026-12-02 21:28:43.273678`. */
function utcText(seconds: number): string {
  const iso = new Date(Math.floor(seconds) * 1000).toISOString().slice(0, 19).replace("T", " ");
  const micros = Math.round((seconds - Math.floor(seconds)) * 1e6);
  return `${iso}.${String(micros).padStart(6, "0")}`;
}

/** PrettyTable(border=False, left_padding_width=0, right_padding_width=2) of ID, ENTITY, NEW. */
function crashTable(rows: string[][]): string {
  const heads = ["ID", "ENTITY", "NEW"];
  const widths = heads.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const center = (s: string, w: number) => {
    // Python's str.center: the extra space goes to the right when the padding is odd.
    const left = Math.floor((w - s.length) / 2);
    return " ".repeat(left) + s + " ".repeat(w - s.length - left);
  };
  const line = (cells: string[], header: boolean) =>
    cells.map((c, i) =>
      (i < 2 ? c.padEnd(widths[i]!) : header ? center(c, widths[i]!) : center(c, widths[i]!)) +
      "  "
    ).join("");
  return [line(heads, true), ...rows.map((r) => line(r, false))].join("\n");
}

/** `sanitize_backtrace`: each frame's function without its offset. */
function sanitizeBacktrace(bt: string[]): string[] {
  return bt.map((rec) => {
    const i = rec.lastIndexOf(" ");
    const head = i >= 0 ? rec.slice(0, i) : rec;
    return head.slice(1, -1).split("+")[0]!;
  });
}

const ASSERT_MATCHEXPR = /^([\s\S]*) thread [\s\S]* time [\s\S]*(: [\s\S]*)\n/;

/** `calc_sig`: sha256 of the sanitized frames and assert message, in hex. */
function calcSig(bt: string[], assertMsg: string | undefined): string | Error {
  const sig = createHash("sha256");
  for (const f of sanitizeBacktrace(bt)) sig.update(f);
  if (assertMsg) {
    const m = ASSERT_MATCHEXPR.exec(assertMsg);
    if (!m) return new Error("the assert message has no thread and time to skip");
    sig.update(m[1]! + m[2]!);
  }
  return sig.digest("hex");
}

export class Crash extends MgrModule {
  static override MODULE_OPTIONS = [
    Option({
      name: "warn_recent_interval",
      type: "secs",
      default: 14 * DAY,
      desc: "time interval in which to warn about recent crashes",
      runtime: true,
    }),
    Option({
      name: "retain_interval",
      type: "secs",
      default: 365 * DAY,
      desc: "how long to retain crashes before pruning them",
      runtime: true,
    }),
  ];

  #crashes: Map<string, CrashReport> | undefined;

  #load(): Map<string, CrashReport> {
    if (this.#crashes) return this.#crashes;
    const out = new Map<string, CrashReport>();
    for (const [k, v] of Object.entries(this.get_store_prefix("crash/"))) {
      try {
        out.set(k.slice("crash/".length), JSON.parse(v) as CrashReport);
      } catch {
        this.log.warning(`ignoring unreadable crash record ${k}`);
      }
    }
    return this.#crashes = out;
  }

  #warnInterval(): number {
    return Number(this.get_module_option("warn_recent_interval") ?? 14 * DAY);
  }

  #refreshHealthChecks(): void {
    const cutoff = this.now() - this.#warnInterval();
    const recent = [...this.#load().values()].filter((c) =>
      stampSeconds(c.timestamp) > cutoff && !("archived" in c)
    );
    if (recent.length === 0) {
      this.set_health_checks({});
      return;
    }
    const detail = recent.map((c) =>
      `${c.entity_name ?? "unidentified daemon"} crashed on host ` +
      `${c.utsname_hostname ?? "(unknown)"} at ${c.timestamp ?? "unknown time"}`
    );
    if (detail.length > 30) detail.splice(30, detail.length, `and ${recent.length - 30} more`);
    this.set_health_checks({
      RECENT_CRASH: {
        severity: "warning",
        summary: `${recent.length} daemons have recently crashed`,
        count: recent.length,
        detail,
      },
    });
  }

  async #prune(keepSeconds: number): Promise<void> {
    const cutoff = this.now() - keepSeconds;
    let removed = false;
    for (const [id, c] of this.#load()) {
      if (stampSeconds(c.timestamp) < cutoff) {
        this.#crashes!.delete(id);
        await this.set_store(`crash/${id}`, null);
        removed = true;
      }
    }
    if (removed) this.#refreshHealthChecks();
  }

  override async serve(): Promise<void> {
    while (!this.shutting_down) {
      this.#refreshHealthChecks();
      await this.#prune(Number(this.get_module_option("retain_interval") ?? 365 * DAY));
      await this.sleep(Math.min(MAX_WAIT, Math.max(this.#warnInterval() / 100, MIN_WAIT)));
    }
  }

  @CLIReadCommand("crash info", { args: { id: "str" }, desc: "show crash dump metadata" })
  info({ id }: { id: string }): HandleCommandResult {
    const crash = this.#load().get(id);
    if (!crash) return new HandleCommandResult(EINVAL, "", `crash info: ${id} not found`);
    return new HandleCommandResult(0, pyJsonSorted(crash) + "\n", "");
  }

  @CLICommand("crash post", { desc: "Add a crash dump (use -i <jsonfile>)" })
  async post(_args: unknown, inbuf: string): Promise<HandleCommandResult> {
    let metadata: CrashReport;
    try {
      if (inbuf.trim() === "") throw new Error("Expecting value: line 1 column 1 (char 0)");
      metadata = JSON.parse(inbuf) as CrashReport;
      if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) {
        throw new Error("the crash metadata is not a JSON object");
      }
      for (const f of ["crash_id", "timestamp"]) {
        if (!(f in metadata)) throw new Error(`missing '${f}' field`);
      }
      if (Number.isNaN(stampSeconds(String(metadata.timestamp)))) {
        throw new Error(
          `time data '${metadata.timestamp}' does not match format '%Y-%m-%d %H:%M:%S.%f'`,
        );
      }
    } catch (e) {
      return new HandleCommandResult(
        EINVAL,
        "",
        `malformed crash metadata: ${(e as Error).message}`,
      );
    }
    if (Array.isArray(metadata.backtrace)) {
      const assertMsg = typeof metadata.assert_msg === "string" ? metadata.assert_msg : undefined;
      const sig = calcSig(metadata.backtrace.map(String), assertMsg);
      // Ceph's module raises here (a Python traceback, -EINVAL): the report is not kept.
      if (sig instanceof Error) return new HandleCommandResult(-EINVAL, "", sig.message);
      metadata.stack_sig = sig;
    }
    const crashes = this.#load();
    const id = String(metadata.crash_id);
    if (!crashes.has(id)) {
      crashes.set(id, metadata);
      await this.set_store(`crash/${id}`, JSON.stringify(metadata));
      this.#refreshHealthChecks();
    }
    return new HandleCommandResult(0, "", "");
  }

  #ls(list: CrashReport[], format: string | undefined): HandleCommandResult {
    const sorted = [...list].sort((a, b) => (a.crash_id < b.crash_id ? -1 : 1));
    if (format === "json" || format === "json-pretty") {
      return new HandleCommandResult(0, pyJsonSorted(sorted) + "\n", "");
    }
    if (sorted.length === 0) return new HandleCommandResult(0, "", "");
    const rows = sorted.map((c) => [
      c.crash_id,
      String(c.entity_name ?? "unknown"),
      "archived" in c ? "" : "*",
    ]);
    return new HandleCommandResult(0, crashTable(rows) + "\n", "");
  }

  @CLIReadCommand("crash ls", {
    args: { format: FORMAT },
    desc: "Show new and archived crash dumps",
  })
  ls({ format }: { format?: string }): HandleCommandResult {
    return this.#ls([...this.#load().values()], format);
  }

  @CLIReadCommand("crash ls-new", { args: { format: FORMAT }, desc: "Show new crash dumps" })
  lsNew({ format }: { format?: string }): HandleCommandResult {
    return this.#ls([...this.#load().values()].filter((c) => !("archived" in c)), format);
  }

  @CLIWriteCommand("crash rm", { args: { id: "str" }, desc: "Remove a saved crash <id>" })
  async rm({ id }: { id: string }): Promise<HandleCommandResult> {
    const crashes = this.#load();
    if (crashes.has(id)) {
      crashes.delete(id);
      await this.set_store(`crash/${id}`, null);
      this.#refreshHealthChecks();
    }
    return new HandleCommandResult(0, "", "");
  }

  @CLIWriteCommand("crash prune", {
    args: { keep: "int" },
    desc: "Remove crashes older than <keep> days",
  })
  async prune({ keep }: { keep: number }): Promise<HandleCommandResult> {
    await this.#prune(keep * DAY);
    return new HandleCommandResult(0, "", "");
  }

  async #archive(crash: CrashReport): Promise<void> {
    if (crash.archived) return;
    crash.archived = utcText(this.now());
    await this.set_store(`crash/${crash.crash_id}`, JSON.stringify(crash));
  }

  @CLIWriteCommand("crash archive", {
    args: { id: "str" },
    desc: "Acknowledge a crash and silence health warning(s)",
  })
  async archive({ id }: { id: string }): Promise<HandleCommandResult> {
    const crash = this.#load().get(id);
    if (!crash) return new HandleCommandResult(EINVAL, "", `crash info: ${id} not found`);
    await this.#archive(crash);
    this.#refreshHealthChecks();
    return new HandleCommandResult(0, "", "");
  }

  @CLIWriteCommand("crash archive-all", {
    desc: "Acknowledge all new crashes and silence health warning(s)",
  })
  async archiveAll(): Promise<HandleCommandResult> {
    for (const crash of this.#load().values()) await this.#archive(crash);
    this.#refreshHealthChecks();
    return new HandleCommandResult(0, "", "");
  }

  @CLIReadCommand("crash stat", { desc: "Summarize recorded crashes" })
  stat(): HandleCommandResult {
    const now = this.now();
    const bins = [1, 3, 7].map((age) => ({ age, limit: now - age * DAY, ids: [] as string[] }));
    const crashes = this.#load();
    for (const [id, c] of crashes) {
      const stamp = stampSeconds(c.timestamp);
      for (const b of bins) if (stamp <= b.limit) b.ids.push(id);
    }
    const lines = [`${crashes.size} crashes recorded`];
    for (const b of bins) {
      if (b.ids.length > 0) lines.push(`${b.ids.length} older than ${b.age} days old:`, ...b.ids);
    }
    return new HandleCommandResult(0, lines.join("\n") + "\n", "");
  }
}
