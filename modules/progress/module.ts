/**
 * progress — events for the recovery and backfill that follow an OSD going out or in, and a
 * global recovery event while PGs are not active+clean (after an OSD goes down, say), each
 * with the fraction done; shown in `status` and by `progress`, `progress json`,
 * `progress clear`, `progress on` / `progress off`. Other modules publish their own events
 * with `remote("progress", "update", ...)`, `"complete"` and `"fail"`, as in Ceph.
 *
 * @module
 */
import {
  CLIReadCommand,
  CLIWriteCommand,
  HandleCommandResult,
  MgrModule,
  NotifyType,
  Option,
} from "mgr_module";

const ENCODING_VERSION = 2;

interface PgStat {
  pgid: string;
  state: string;
  up: number[];
  acting: number[];
  reported_epoch?: number;
  stat_sum?: { num_bytes?: number; num_bytes_recovered?: number };
}

interface OsdMapDump {
  epoch: number;
  osds?: { osd: number; in: number }[];
}

type Ref = [string, string | number];

/** One progress event, running or completed. */
interface ProgressEvent {
  id: string;
  message: string;
  refs: Ref[];
  startedAt: number;
  finishedAt?: number;
  progress: number;
  addToCephS: boolean;
  failed: boolean;
  failureMessage: string | null;
  kind: "pg" | "global" | "remote";
  /** PG events: the PGs still moving, the OSD that moved, and what they started from. */
  pgs?: Set<string>;
  osd?: number;
  startEpoch?: number;
  originalCount?: number;
  originalRecovered?: Map<string, number>;
  /** The global event: the most PGs seen not active+clean. */
  uncleanMax?: number;
}

/** `mgr_util.to_pretty_timedelta`. */
function _prettyDuration(seconds: number): string {
  const s = Math.max(0, Math.trunc(seconds));
  if (s < 120) return `${s}s`;
  if (s < 120 * 60) return `${Math.floor(s / 60)}m`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)}h`;
  if (s < 14 * 86400) return `${Math.floor(s / 86400)}d`;
  if (s < 52 * 7 * 86400) return `${Math.floor(s / (7 * 86400))}w`;
  return `${Math.floor(s / (365 * 86400))}y`;
}

/** An id shaped like Ceph's uuid4, derived from the seed so simulated runs stay deterministic. */
function _eventId(seed: string): string {
  let hex = "";
  for (let round = 0; hex.length < 32; round++) {
    let h = 0x811c9dc5 ^ round;
    for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
    hex += (h >>> 0).toString(16).padStart(8, "0");
  }
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${
    hex.slice(20, 32)
  }`;
}

function _sortedKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(Object.keys(record).sort().map((k) => [k, record[k]]));
}

/** The progress module. */
export class Progress extends MgrModule {
  static override MODULE_OPTIONS = [
    Option({
      name: "max_completed_events",
      type: "int",
      default: 50,
      desc: "number of past completed events to remember",
      runtime: true,
    }),
    Option({
      name: "persist_interval",
      type: "secs",
      default: 5,
      min: 1,
      desc: "how frequently to persist completed events",
      runtime: true,
    }),
    Option({
      name: "enabled",
      type: "bool",
      default: true,
      desc: "whether the module tracks events",
      runtime: true,
    }),
    Option({
      name: "allow_pg_recovery_event",
      type: "bool",
      default: true,
      desc: "track the PGs moved by an OSD marked out or in as their own events",
      runtime: true,
    }),
  ];
  static override NOTIFY_TYPES = [NotifyType.osd_map, NotifyType.pg_summary];

  readonly #events = new Map<string, ProgressEvent>();
  #completed: ProgressEvent[] = [];
  /** Each OSD's `in` flag in the last map seen; undefined before the first map. */
  #lastIn: Map<number, number> | undefined;
  #dirty = false;
  /** After `progress clear`, no global event until the PGs have been clean once. */
  #globalSuppressed = false;
  #seq = 0;

  #opt(name: string): unknown {
    return this.get_module_option(name);
  }

  /** What `status` shows of the event: its two lines, indented by 6 (Event._refresh). */
  #refresh(ev: ProgressEvent): void {
    this.update_progress_event(ev.id, this.#twoLine(ev, 6), ev.progress, ev.addToCephS);
  }

  #newEvent(
    message: string,
    refs: Ref[],
    kind: ProgressEvent["kind"],
    id?: string,
  ): ProgressEvent {
    const now = this.now();
    return {
      id: id ?? _eventId(`${message}|${now}|${++this.#seq}|${this.get_mgr_id()}`),
      message,
      refs,
      startedAt: now,
      progress: 0,
      addToCephS: true,
      failed: false,
      failureMessage: null,
      kind,
    };
  }

  #complete(ev: ProgressEvent, failure?: string): void {
    ev.finishedAt = this.now();
    if (failure === undefined) ev.progress = 1;
    else {
      ev.failed = true;
      ev.failureMessage = failure;
    }
    this.log.info(
      `Completed event ${ev.id} (${ev.message}) in ${
        Math.trunc(ev.finishedAt - ev.startedAt)
      } seconds`,
    );
    this.complete_progress_event(ev.id);
    this.#events.delete(ev.id);
    this.#completed.push(ev);
    this.#prune();
    this.#dirty = true;
  }

  #prune(): void {
    const max = Number(this.#opt("max_completed_events"));
    if (this.#completed.length > max) {
      this.#completed = this.#completed.slice(this.#completed.length - max);
      this.#dirty = true;
    }
  }

  override notify(type: NotifyType, _id: string): void {
    if (!this.#opt("enabled") || !this.have_mon_connection()) return;
    if (type === NotifyType.osd_map) this.#osdMapChanged();
    else if (type === NotifyType.pg_summary) this.#pgSummary();
  }

  #osdMapChanged(): void {
    const map = this.get("osd_map") as OsdMapDump | null;
    if (!map) return;
    const previous = this.#lastIn;
    this.#lastIn = new Map((map.osds ?? []).map((o) => [o.osd, o.in]));
    if (!previous) return;
    for (const osd of map.osds ?? []) {
      const before = previous.get(osd.osd);
      if (before === undefined) continue;
      if (before > 0 && osd.in === 0) {
        this.log.warn(`osd.${osd.osd} marked out`);
        this.#osdInOut(osd.osd, "out", map.epoch);
      } else if (before === 0 && osd.in >= 1) {
        this.log.warn(`osd.${osd.osd} marked in`);
        this.#osdInOut(osd.osd, "in", map.epoch);
      }
    }
  }

  #osdInOut(osd: number, marked: "in" | "out", epoch: number): void {
    // A move in the other direction ends the one before it.
    for (const ev of [...this.#events.values()]) {
      if (ev.kind === "pg" && ev.osd === osd) {
        this.log.info(`osd.${osd} marked ${marked}, ending "${ev.message}"`);
        this.#complete(ev);
      }
    }
    if (!this.#opt("allow_pg_recovery_event")) return;
    const stats = (this.get("pg_stats") as { pg_stats?: PgStat[] } | null)?.pg_stats ?? [];
    // When the map changes, `up` is the new placement and `acting` still the old one.
    const affected = stats.filter((pg) => pg.up.includes(osd) || pg.acting.includes(osd));
    this.log.warn(`${affected.length} PGs affected by osd.${osd} being marked ${marked}`);
    if (affected.length === 0) return;
    const ev = this.#newEvent(`Rebalancing after osd.${osd} marked ${marked}`, [[
      "osd",
      osd,
    ]], "pg");
    ev.pgs = new Set(affected.map((pg) => pg.pgid));
    ev.osd = osd;
    ev.startEpoch = epoch;
    ev.originalCount = affected.length;
    ev.originalRecovered = new Map(
      affected.map((pg) => [pg.pgid, pg.stat_sum?.num_bytes_recovered ?? 0]),
    );
    this.#events.set(ev.id, ev);
    this.#pgUpdate(ev, new Map(stats.map((pg) => [pg.pgid, pg])));
  }

  /** Moves PGs that are active+clean in their new place out of the event; partial credit by bytes. */
  #pgUpdate(ev: ProgressEvent, byId: Map<string, PgStat>): void {
    const pgs = ev.pgs as Set<string>;
    let partial = 0;
    for (const pgid of [...pgs]) {
      const info = byId.get(pgid);
      if (!info) {
        pgs.delete(pgid); // its pool is gone
        continue;
      }
      const states = info.state.split("+");
      const upOnly = info.up.filter((o) => !info.acting.includes(o));
      const actingOnly = info.acting.filter((o) => !info.up.includes(o));
      const unmoved = upOnly.includes(ev.osd as number) || actingOnly.includes(ev.osd as number);
      const fresh = (info.reported_epoch ?? Infinity) >= (ev.startEpoch ?? 0);
      if (states.includes("active") && states.includes("clean") && !unmoved && fresh) {
        pgs.delete(pgid);
        continue;
      }
      const total = info.stat_sum?.num_bytes ?? 0;
      if (total > 0) {
        const recovered = (info.stat_sum?.num_bytes_recovered ?? 0) -
          (ev.originalRecovered?.get(pgid) ?? 0);
        partial += Math.min(Math.max(recovered / total, 0), 1);
      }
    }
    const original = ev.originalCount ?? 1;
    ev.progress = Math.min(1, (original - pgs.size + partial) / original);
    if (pgs.size === 0) this.#complete(ev);
    else this.#refresh(ev);
  }

  #pgSummary(): void {
    const pgEvents = [...this.#events.values()].filter((e) => e.kind === "pg");
    if (pgEvents.length > 0) {
      const stats = (this.get("pg_stats") as { pg_stats?: PgStat[] } | null)?.pg_stats ?? [];
      const byId = new Map(stats.map((pg) => [pg.pgid, pg]));
      for (const ev of pgEvents) this.#pgUpdate(ev, byId);
    }
    this.#globalUpdate();
  }

  /** The global recovery event, from the PG state counts alone (no per-PG work). */
  #globalUpdate(): void {
    const summary = this.get("pg_summary") as { all?: Record<string, number> } | null;
    let unclean = 0;
    let trigger = false;
    for (const [state, count] of Object.entries(summary?.all ?? {})) {
      if (state === "active+clean") continue;
      unclean += count;
      if (state !== "unknown") trigger = true;
    }
    const global = [...this.#events.values()].find((e) => e.kind === "global");
    if (unclean === 0) this.#globalSuppressed = false;
    if (!global) {
      const ready = (this.get("pg_ready") as { pg_ready?: boolean } | null)?.pg_ready ?? true;
      if (!trigger || !ready || this.#globalSuppressed) return;
      const ev = this.#newEvent("Global Recovery Event", [["global", ""]], "global");
      ev.uncleanMax = unclean;
      this.#events.set(ev.id, ev);
      this.#refresh(ev);
      return;
    }
    if (unclean === 0) return this.#complete(global);
    global.uncleanMax = Math.max(global.uncleanMax ?? 0, unclean);
    global.progress = 1 - unclean / global.uncleanMax;
    this.#refresh(global);
  }

  // --- the API other modules call through remote() ---

  /** Creates or updates an event published by another module. */
  update(
    ev_id: string,
    ev_msg: string,
    ev_progress: number,
    refs: Ref[] = [],
    add_to_ceph_s = false,
  ): void {
    let ev = this.#events.get(ev_id);
    if (!ev) {
      ev = this.#newEvent(ev_msg, refs, "remote", ev_id);
      ev.addToCephS = add_to_ceph_s;
      this.#events.set(ev_id, ev);
      this.log.info(`update: starting ev ${ev_id} (${ev_msg})`);
    }
    ev.message = ev_msg;
    ev.progress = Math.min(1, Math.max(0, Number(ev_progress) || 0));
    this.#refresh(ev);
  }

  /** Completes an event published by another module. */
  complete(ev_id: string): void {
    const ev = this.#events.get(ev_id);
    if (ev) this.#complete(ev);
    else this.log.warn(`complete: ev ${ev_id} does not exist`);
  }

  /** Ends an event published by another module as failed. */
  fail(ev_id: string, message: string): void {
    const ev = this.#events.get(ev_id);
    if (ev) this.#complete(ev, message);
    else this.log.warn(`fail: ev ${ev_id} does not exist`);
  }

  // --- commands ---

  #toJson(ev: ProgressEvent): Record<string, unknown> {
    const end = ev.finishedAt ?? this.now();
    const out: Record<string, unknown> = {
      id: ev.id,
      message: ev.message,
      duration: _prettyDuration(end - ev.startedAt),
      refs: ev.refs,
      progress: ev.progress,
      add_to_ceph_s: ev.addToCephS,
      started_at: ev.startedAt,
    };
    if (ev.finishedAt !== undefined) {
      out.finished_at = ev.finishedAt;
      out.failed = ev.failed;
      out.failure_message = ev.failureMessage;
    }
    return out;
  }

  /** Event.twoline_progress: the message and its age, then the bar and the time remaining. */
  #twoLine(ev: ProgressEvent, indent = 4): string {
    const end = ev.finishedAt ?? this.now();
    const elapsed = end - ev.startedAt;
    const inner = 28;
    const done = Math.min(inner, Math.max(0, Math.trunc(ev.progress * inner)));
    let remaining = "";
    if (ev.finishedAt === undefined && ev.progress > 0 && ev.progress < 1) {
      remaining = `(remaining: ${_prettyDuration(elapsed * (1 - ev.progress) / ev.progress)})`;
    }
    return `${ev.message} (${_prettyDuration(elapsed)})\n${" ".repeat(indent)}[${"=".repeat(done)}${
      ".".repeat(inner - done)
    }] ${remaining}`;
  }

  @CLIReadCommand("progress", { desc: "Show progress of recovery operations" })
  show(): HandleCommandResult {
    if (this.#events.size === 0 && this.#completed.length === 0) {
      return new HandleCommandResult(0, "", "Nothing in progress");
    }
    let out = "";
    const running = [...this.#events.values()].sort((a, b) => b.startedAt - a.startedAt);
    for (const ev of running) out += this.#twoLine(ev) + "\n";
    if (this.#completed.length > 0) {
      out += "\n";
      for (const ev of this.#completed) {
        out += `[${ev.failed ? "Failed" : "Complete"}]: ${this.#twoLine(ev)}\n`;
      }
    }
    return new HandleCommandResult(0, out);
  }

  @CLIReadCommand("progress json", { desc: "Show machine readable progress information" })
  json(): HandleCommandResult {
    const body = {
      events: [...this.#events.values()].map((ev) => this.#toJson(ev)),
      completed: this.#completed.map((ev) => this.#toJson(ev)),
    };
    return new HandleCommandResult(0, JSON.stringify(body, _sortedKeys, 4));
  }

  @CLIWriteCommand("progress clear", { desc: "Reset progress tracking" })
  async clear(): Promise<HandleCommandResult> {
    this.#events.clear();
    this.#completed = [];
    this.#globalSuppressed = true;
    this.clear_all_progress_events();
    await this.#save();
    return new HandleCommandResult(0, "", "");
  }

  @CLIWriteCommand("progress on", { desc: "Enable progress tracking" })
  async on(): Promise<HandleCommandResult> {
    await this.set_module_option("enabled", true);
    return new HandleCommandResult(0, "", "progress enabled");
  }

  @CLIWriteCommand("progress off", { desc: "Disable progress tracking" })
  async off(): Promise<HandleCommandResult> {
    await this.set_module_option("enabled", false);
    this.#events.clear();
    this.clear_all_progress_events();
    return new HandleCommandResult(0, "", "progress disabled");
  }

  // --- persistence and the loop ---

  async #save(): Promise<void> {
    this.#dirty = false;
    const encoded = JSON.stringify({
      events: this.#completed.map((ev) => this.#toJson(ev)),
      version: ENCODING_VERSION,
      compat_version: ENCODING_VERSION,
    });
    await this.set_store("completed", encoded);
  }

  #load(): void {
    const stored = this.get_store("completed");
    if (stored === null) return;
    try {
      const decoded = JSON.parse(stored) as {
        compat_version?: number;
        events?: Record<string, unknown>[];
      };
      if ((decoded.compat_version ?? 0) > ENCODING_VERSION) {
        this.log.warn(`Cannot decode stored events of version ${decoded.compat_version}`);
        return;
      }
      for (const e of decoded.events ?? []) {
        const startedAt = Number(e.started_at ?? 0);
        this.#completed.push({
          id: String(e.id),
          message: String(e.message),
          refs: Array.isArray(e.refs) ? e.refs as Ref[] : [],
          startedAt,
          finishedAt: Number(e.finished_at ?? startedAt),
          progress: 1,
          addToCephS: Boolean(e.add_to_ceph_s),
          failed: e.failed === true,
          failureMessage: typeof e.failure_message === "string" ? e.failure_message : null,
          kind: "remote",
        });
      }
      this.#prune();
    } catch (err) {
      this.log.warn(`Ignoring unreadable stored events: ${err}`);
    }
  }

  override async serve(): Promise<void> {
    this.clear_all_progress_events();
    this.#load();
    this.log.info(`Loaded ${this.#completed.length} historic events`);
    this.#osdMapChanged();
    while (!this.shutting_down) {
      if (this.#dirty) await this.#save();
      await this.sleep(Number(this.#opt("persist_interval")));
    }
  }

  override shutdown(): void {
    this.clear_all_progress_events();
  }
}
