/**
 * The health history of Ceph's insights module (src/pybind/mgr/insights/health.py of 16.2.15):
 * the health checks seen in each hour of UTC time, deduplicated, kept under
 * `health_history/<YYYY-MM-DD_HH>` in the module's store.
 *
 * Time is passed in (seconds since the epoch, the test offset already applied), so nothing here
 * reads a clock.
 *
 * @module
 */

/** How long a slot that changed waits before it is written (PERSIST_PERIOD). */
export const PERSIST_PERIOD = 10;
/** The store key prefix of the hourly slots (HEALTH_HISTORY_KEY_PREFIX). */
export const HEALTH_HISTORY_KEY_PREFIX = "health_history/";

const HOUR = 3600;

/** The checks of one slot as stored and reported: check → severity → summaries, details. */
export type HealthHistoryChecks = Record<
  string,
  Record<string, { summary: string[]; detail: string[] }>
>;

/** One check as `get("health")` reports it. */
interface ReportedCheck {
  severity: string;
  summary: { message: string };
  detail: { message: string }[];
}

/** Deduplicated health checks (HealthCheckAccumulator): sets kept in insertion order. */
export class HealthCheckAccumulator {
  readonly #checks = new Map<string, Map<string, { summary: Set<string>; detail: Set<string> }>>();

  constructor(init?: HealthHistoryChecks) {
    if (init) this.#update(init);
  }

  /** Adds the non-OK checks of a `get("health")` report; true when something was new. */
  add(checks: Readonly<Record<string, ReportedCheck>>): boolean {
    let changed = false;
    for (const [check, info] of Object.entries(checks)) {
      // only keep the icky stuff
      if (info.severity === "HEALTH_OK") continue;
      const details = info.detail.map((d) => d.message);
      if (this.#addCheck(check, info.severity, [info.summary.message], details)) changed = true;
    }
    return changed;
  }

  /** Folds another accumulator in. */
  merge(other: HealthCheckAccumulator): void {
    this.#update(other.checks());
  }

  /** The checks as plain data (sets as lists, as HealthEncoder writes them). */
  checks(): HealthHistoryChecks {
    const out: HealthHistoryChecks = {};
    for (const [check, bySeverity] of this.#checks) {
      const sev: Record<string, { summary: string[]; detail: string[] }> = {};
      for (const [severity, { summary, detail }] of bySeverity) {
        sev[severity] = { summary: [...summary], detail: [...detail] };
      }
      out[check] = sev;
    }
    return out;
  }

  /** The number of distinct checks (for log lines, as `check count N`). */
  get size(): number {
    return this.#checks.size;
  }

  #update(checks: HealthHistoryChecks): void {
    for (const [check, bySeverity] of Object.entries(checks)) {
      for (const [severity, { summary, detail }] of Object.entries(bySeverity)) {
        this.#addCheck(check, severity, summary ?? [], detail ?? []);
      }
    }
  }

  #addCheck(
    check: string,
    severity: string,
    summaries: Iterable<string>,
    details: Iterable<string>,
  ): boolean {
    let bySeverity = this.#checks.get(check);
    if (!bySeverity) this.#checks.set(check, bySeverity = new Map());
    let entry = bySeverity.get(severity);
    if (!entry) bySeverity.set(severity, entry = { summary: new Set(), detail: new Set() });
    let changed = false;
    for (const s of summaries) {
      if (!entry.summary.has(s)) {
        entry.summary.add(s);
        changed = true;
      }
    }
    for (const d of details) {
      if (!entry.detail.has(d)) {
        entry.detail.add(d);
        changed = true;
      }
    }
    return changed;
  }
}

/** The start of the UTC hour holding `now` (HealthHistorySlot._curr_slot). */
export function slotOf(now: number): number {
  return Math.floor(now / HOUR) * HOUR;
}

/** The store key of the slot starting at `slot`: `health_history/2018-11-05_00`. */
export function slotKey(slot: number): string {
  const iso = new Date(slot * 1000).toISOString(); // 2018-11-05T00:00:00.000Z
  return `${HEALTH_HISTORY_KEY_PREFIX}${iso.slice(0, 10)}_${iso.slice(11, 13)}`;
}

const _KEY = /^(\d{4})-(\d{2})-(\d{2})_(\d{2})$/;

/**
 * The time of a slot key (key_to_time), or undefined for a key not in the slot format
 * (where Python's strptime raises ValueError).
 */
export function keyToTime(key: string): number | undefined {
  const m = _KEY.exec(key.slice(HEALTH_HISTORY_KEY_PREFIX.length));
  if (!m) return undefined;
  const [, y, mo, d, h] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h));
  return Number.isNaN(ms) || new Date(ms).getUTCDate() !== Number(d) ? undefined : ms / 1000;
}

/** The keys of the past `hours` slots, the current one first (key_range). */
export function keyRange(now: number, hours: number): string[] {
  const curr = slotOf(now);
  return Array.from({ length: Math.max(0, hours) }, (_, i) => slotKey(curr - i * HOUR));
}

/**
 * One hour of health history (HealthHistorySlot): clean until a new check arrives, then dirty
 * until flushed, which is due `PERSIST_PERIOD` seconds after it became dirty or once the hour
 * is over.
 */
export class HealthHistorySlot {
  readonly #checks: HealthCheckAccumulator;
  readonly #slot: number;
  #nextFlush: number | null = null;

  /** `now`: the module's "now" (offset applied); `init`: a stored slot, `{checks, version}`. */
  constructor(now: number, init: { checks?: HealthHistoryChecks } = {}) {
    this.#checks = new HealthCheckAccumulator(init.checks);
    this.#slot = slotOf(now);
  }

  /** What is stored and reported: `{checks}`. */
  health(): { checks: HealthHistoryChecks } {
    return { checks: this.#checks.checks() };
  }

  /** The slot's store key. */
  key(): string {
    return slotKey(this.#slot);
  }

  /** True once `now` lies in another hour than this slot's. */
  expired(now: number): boolean {
    return this.#slot !== slotOf(now);
  }

  /** True when the slot is dirty and its flush is due. */
  needFlush(now: number): boolean {
    return this.#nextFlush !== null && (this.#nextFlush <= now || this.expired(now));
  }

  /** True from the first new check until the slot is flushed. */
  get dirty(): boolean {
    return this.#nextFlush !== null;
  }

  /** Clears the dirty bit; the caller has stored the slot. */
  markFlushed(): void {
    this.#nextFlush = null;
  }

  /** Adds a `get("health")` report; a clean slot turning dirty schedules its flush. */
  add(now: number, health: { checks: Readonly<Record<string, ReportedCheck>> }): boolean {
    const changed = this.#checks.add(health.checks);
    if (changed && !this.#nextFlush) this.#nextFlush = now + PERSIST_PERIOD;
    return changed;
  }

  /** Folds another slot's checks in. */
  merge(other: HealthHistorySlot): void {
    this.#checks.merge(other.#checks);
  }

  /** As Python's `__str__`, for the log. */
  toString(): string {
    const next = this.#nextFlush === null ? "None" : new Date(this.#nextFlush * 1000).toISOString();
    return `key ${this.key()} next flush ${next} checks check count ${this.#checks.size}`;
  }
}
