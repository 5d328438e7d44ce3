/**
 * A schedule's parts as rbd_support's schedule.py (Ceph 16.2.15) has them: an interval (`30m`,
 * `6h`, `1d`), an optional start time of day (`14:00`, `01:15+02:00`), and a level's set of
 * (interval, start time) items with its JSON (what the schedule omap objects and module options
 * hold) and its next run.
 *
 * @module
 */
import { pythonJson } from "mgr_module";

/** schedule.py raises ValueError; the module answers its message with EINVAL. */
export class ScheduleValueError extends Error {
  override name = "ValueError";
}

/** A period in minutes. */
export class Interval {
  constructor(readonly minutes: number) {}

  /** `1d`, `6h` or `30m`: the largest unit that divides it. */
  toString(): string {
    if (this.minutes % (60 * 24) === 0) return `${this.minutes / (60 * 24)}d`;
    if (this.minutes % 60 === 0) return `${this.minutes / 60}h`;
    return `${this.minutes}m`;
  }

  /** `<n>[d|h|m]` (minutes without a unit). */
  static fromString(text: string): Interval {
    const m = /^(\d+)(d|h|m)?$/.exec(text);
    // 16.2.15 takes `0` and then fails dividing by it when it schedules; refused here.
    if (!m || Number(m[1]) === 0) throw new ScheduleValueError(`Invalid interval (${text})`);
    let minutes = Number(m[1]);
    if (m[2] === "d") minutes *= 60 * 24;
    else if (m[2] === "h") minutes *= 60;
    return new Interval(minutes);
  }
}

/** dateutil forms this port reads: `[YYYY-MM-DD[T ]]HH:MM[:SS[.f]][Z|UTC|GMT|±HH[:]MM]`. */
const _TIME =
  /^(?:\d{4}-\d{2}-\d{2}[T ])?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?$/i;

/** A time of day, with the UTC offset it was given with, if any. */
export class StartTime {
  /**
   * What 16.2.15 compares start times by: hour * 60 + minute, plus the offset's
   * `timedelta.seconds` / 60 (which for a negative offset is a day minus it): Python's sum,
   * kept so both managers agree on which items are equal and when they run.
   */
  readonly minutes: number;

  constructor(
    readonly hour: number,
    readonly minute: number,
    /** Minutes east of UTC; null when the time had no zone. */
    readonly offset: number | null,
  ) {
    let minutes = hour * 60 + minute;
    if (offset !== null) minutes += (((offset * 60) % 86400) + 86400) % 86400 / 60;
    this.minutes = minutes;
  }

  /** Python's `time.isoformat()`: `14:00:00`, `01:15:00+02:00`, `11:00:00+00:00`. */
  toString(): string {
    const p = (n: number) => String(n).padStart(2, "0");
    const base = `${p(this.hour)}:${p(this.minute)}:00`;
    if (this.offset === null) return base;
    const sign = this.offset < 0 ? "-" : "+";
    const abs = Math.abs(this.offset);
    return `${base}${sign}${p(Math.floor(abs / 60))}:${p(abs % 60)}`;
  }

  /** dateutil's `parse(text).timetz()` for the forms above; null for an empty text. */
  static fromString(text: string | null | undefined): StartTime | null {
    if (!text) return null;
    const m = _TIME.exec(text.trim());
    if (!m) {
      throw new ScheduleValueError(`Invalid start time ${text}: Unknown string format: ${text}`);
    }
    const hour = Number(m[1]);
    const minute = Number(m[2]);
    const second = Number(m[3] ?? 0);
    const bound = hour > 23
      ? "hour must be in 0..23"
      : minute > 59
      ? "minute must be in 0..59"
      : second > 59
      ? "second must be in 0..59"
      : "";
    if (bound) throw new ScheduleValueError(`Invalid start time ${text}: ${bound}: ${text}`);
    return new StartTime(hour, minute, _offset(m[4]));
  }
}

function _offset(zone: string | undefined): number | null {
  if (zone === undefined) return null;
  if (/^(Z|UTC|GMT)$/i.test(zone)) return 0;
  const digits = zone.slice(1).replace(":", "");
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
  return zone.startsWith("-") ? -minutes : minutes;
}

/** One item of a level's schedule. */
export interface ScheduleItem {
  interval: Interval;
  startTime: StartTime | null;
}

function _sameItem(a: ScheduleItem, b: ScheduleItem): boolean {
  return a.interval.minutes === b.interval.minutes &&
    (a.startTime?.minutes ?? null) === (b.startTime?.minutes ?? null);
}

/** What `list` shows of an item, and what the stored JSON holds. */
export interface ScheduleItemJson {
  interval: string;
  start_time: string | null;
}

const _pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** Python's `strftime("%Y-%m-%d %H:%M:%S")` of epoch seconds, the manager's local time being UTC. */
export function scheduleStamp(seconds: number, zeroSeconds = false): string {
  const d = new Date(Math.floor(seconds) * 1000);
  return `${d.getUTCFullYear()}-${_pad(d.getUTCMonth() + 1)}-${_pad(d.getUTCDate())} ` +
    `${_pad(d.getUTCHours())}:${_pad(d.getUTCMinutes())}:${
      zeroSeconds ? "00" : _pad(d.getUTCSeconds())
    }`;
}

/** A level's set of items (a Python set in 16.2.15: an item is there once). */
export class Schedule {
  readonly items: ScheduleItem[] = [];

  constructor(readonly name: string) {}

  get size(): number {
    return this.items.length;
  }

  add(interval: Interval, startTime: StartTime | null): void {
    const item = { interval, startTime };
    if (!this.items.some((i) => _sameItem(i, item))) this.items.push(item);
  }

  remove(interval: Interval, startTime: StartTime | null): void {
    const at = this.items.findIndex((i) => _sameItem(i, { interval, startTime }));
    if (at >= 0) this.items.splice(at, 1);
  }

  /**
   * The earliest next run after `now` (epoch seconds) over the items, each running every
   * interval from 1970-01-01 plus its start time, as `%Y-%m-%d %H:%M:00`.
   */
  nextRun(now: number): string {
    let best: number | undefined;
    for (const item of this.items) {
      const period = item.interval.minutes * 60;
      const start = (item.startTime?.minutes ?? 0) * 60;
      const time = start + (Math.trunc((now - start) / period) + 1) * period;
      if (best === undefined || time < best) best = time;
    }
    return scheduleStamp(best ?? now, true);
  }

  toList(): ScheduleItemJson[] {
    return this.items.map((i) => ({
      interval: i.interval.toString(),
      start_time: i.startTime ? i.startTime.toString() : null,
    }));
  }

  /** Python's `json.dumps(items, indent=4, sort_keys=True)`: what 16.2.15 stores. */
  toJson(): string {
    return pythonJson(this.toList(), "json-pretty");
  }

  /** A stored schedule; throws ScheduleValueError for what 16.2.15 would not decode. */
  static fromJson(name: string, text: string): Schedule {
    let items: unknown;
    try {
      items = JSON.parse(text);
    } catch (e) {
      throw new ScheduleValueError(`Invalid JSON (${(e as Error).message})`);
    }
    if (!Array.isArray(items)) throw new ScheduleValueError("Invalid schedule format");
    const schedule = new Schedule(name);
    for (const item of items) {
      if (typeof item !== "object" || item === null) {
        throw new ScheduleValueError("Invalid schedule format");
      }
      const rec = item as Record<string, unknown>;
      for (const key of ["interval", "start_time"]) {
        if (!(key in rec)) {
          throw new ScheduleValueError(`Invalid schedule format (missing key '${key}')`);
        }
      }
      if (typeof rec.interval !== "string") throw new ScheduleValueError("Invalid schedule format");
      const start = rec.start_time;
      schedule.add(
        Interval.fromString(rec.interval),
        typeof start === "string" && start ? StartTime.fromString(start) : null,
      );
    }
    return schedule;
  }
}
