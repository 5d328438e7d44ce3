/**
 * Logging: one logger per module (spec §5) on top of LogTape, a daemon log file plus stderr,
 * and per-module files for modules with `log_to_file` set.
 *
 * LogTape's configuration is process-wide, while one process may host several daemons (tests,
 * the simulator's standby managers). So LogTape gets one routing sink, and each DaemonLog
 * decides where its own records go; levels are checked in the module logger, so changing a
 * module's `log_level` at run time costs no reconfiguration.
 *
 * @module
 */
import { configureSync, getConfig, getLogger, type LogRecord } from "@logtape/logtape";
import { getRotatingFileSink } from "@logtape/file";

/** Python's logging levels, which module authors and `log_level` use. */
export type PyLogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR" | "CRITICAL";

const LEVEL_RANK: Record<PyLogLevel, number> = {
  DEBUG: 10,
  INFO: 20,
  WARNING: 30,
  ERROR: 40,
  CRITICAL: 50,
};
const TO_LOGTAPE = {
  DEBUG: "debug",
  INFO: "info",
  WARNING: "warning",
  ERROR: "error",
  CRITICAL: "fatal",
} as const;
const FROM_LOGTAPE: Record<string, PyLogLevel> = {
  trace: "DEBUG",
  debug: "DEBUG",
  info: "INFO",
  warning: "WARNING",
  error: "ERROR",
  fatal: "CRITICAL",
};

/** The level a module logs at when its `log_level` is empty: `debug_mgr` mapped as spec §5. */
export function levelFromDebugMgr(debugMgr: string | undefined): PyLogLevel {
  const first = Number.parseInt((debugMgr ?? "").split("/")[0] ?? "", 10);
  const n = Number.isNaN(first) ? 0 : first;
  if (n <= 0) return "CRITICAL";
  if (n === 1) return "WARNING";
  if (n <= 4) return "INFO";
  return "DEBUG";
}

/**
 * Where a module's records also go when `log_to_cluster` is on (Ceph's ClusterLogHandler):
 * those at or above `level`, whatever the module's own log level.
 */
export interface ClusterLogRoute {
  level: PyLogLevel;
  write(level: PyLogLevel, message: string): void;
}

/** A module's level, and its cluster log route: shared by the module's loggers. */
interface LevelState {
  current: PyLogLevel;
  cluster?: ClusterLogRoute;
}

/** A module's logger, with Python's method names. */
export class ModuleLogger {
  #level: LevelState;
  readonly #logger;
  readonly name: string;

  /** @internal Made by DaemonLog. */
  constructor(category: readonly string[], name: string, level: LevelState) {
    this.#logger = getLogger([...category]);
    this.name = name;
    this.#level = level;
  }

  /** The level below which records are dropped. */
  get level(): PyLogLevel {
    return this.#level.current;
  }

  /** Whether a record at `level` would be written. */
  isEnabledFor(level: PyLogLevel): boolean {
    return LEVEL_RANK[level] >= LEVEL_RANK[this.#level.current];
  }

  /** Writes one record at `level`. */
  log(level: PyLogLevel, message: string): void {
    const cluster = this.#level.cluster;
    if (cluster && LEVEL_RANK[level] >= LEVEL_RANK[cluster.level]) cluster.write(level, message);
    if (!this.isEnabledFor(level)) return;
    this.#logger[TO_LOGTAPE[level]]("{text}", { text: message, logger: this.name, pyLevel: level });
  }
  debug(message: string): void {
    this.log("DEBUG", message);
  }
  info(message: string): void {
    this.log("INFO", message);
  }
  warning(message: string): void {
    this.log("WARNING", message);
  }
  /** Alias of `warning`, as Python's `logging` has it. */
  warn(message: string): void {
    this.log("WARNING", message);
  }
  error(message: string): void {
    this.log("ERROR", message);
  }
  critical(message: string): void {
    this.log("CRITICAL", message);
  }
  /** Logs at ERROR with the error's stack, like Python's `log.exception`. */
  exception(message: string, error?: unknown): void {
    const detail = error instanceof Error ? `\n${error.stack ?? error.message}` : "";
    this.log("ERROR", message + detail);
  }
}

type LineSink = ((record: LogRecord) => void) & Disposable;

const ROOT = "mgrd";
const daemons = new Map<string, DaemonLog>();
let nextInstance = 0;

function routeRecord(record: LogRecord): void {
  const daemon = daemons.get(record.category[1] ?? "");
  daemon?.write(record);
}

function ensureConfigured(): void {
  if (getConfig() !== null) return;
  configureSync({
    sinks: { mgrd: routeRecord },
    loggers: [
      { category: [ROOT], sinks: ["mgrd"], lowestLevel: "trace" },
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "warning" },
    ],
  });
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** `2026-11-25T13:18:16.859+0000`, the stamp of Ceph's daemon log. */
function cephStamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.` +
    `${pad(d.getUTCMilliseconds(), 3)}+0000`;
}

/** `2026-11-25 13:18:16,859`, Python logging's asctime, used in module log files. */
function asctime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())},` +
    `${pad(d.getUTCMilliseconds(), 3)}`;
}

/** Options of a daemon's log. */
export interface DaemonLogOptions {
  /** The daemon's name, e.g. `mgr.x`. */
  daemonName: string;
  /** The daemon's id, used in file names (`mgrd.<id>.log`). */
  id: string;
  /** Directory for log files; none means no files. */
  dir?: string;
  /** Also write the daemon log to stderr. */
  stderr?: boolean;
  /** Keep the last lines in memory (tests read them). */
  memoryLines?: number;
  /**
   * A log file past this size is rotated (`mgrd.x.log` → `mgrd.x.log.1` ...), so that no
   * caller can fill the disk through the log; {@linkcode DEFAULT_LOG_MAX_BYTES} by default.
   */
  maxFileBytes?: number;
  /** Rotated files kept besides the current one; {@linkcode DEFAULT_LOG_MAX_FILES} by default. */
  maxFiles?: number;
}

/** Size at which a log file rotates: 32 MiB. */
export const DEFAULT_LOG_MAX_BYTES = 32 * 1024 * 1024;
/** Rotated files kept per log: 4, so one log takes at most 160 MiB. */
export const DEFAULT_LOG_MAX_FILES = 4;

/** One daemon's logs: the daemon log (file and stderr) and per-module files. */
export class DaemonLog {
  readonly options: DaemonLogOptions;
  readonly #instance = `d${nextInstance++}`;
  readonly #levels = new Map<string, LevelState>();
  readonly #moduleFiles = new Map<string, LineSink>();
  #daemonFile: LineSink | undefined;
  readonly #encoder = new TextEncoder();
  /** The most recent daemon-log lines, newest last. */
  readonly recent: string[] = [];

  constructor(options: DaemonLogOptions) {
    this.options = options;
    ensureConfigured();
    if (options.dir) {
      // Commands and their callers are in there: for the daemon's user only.
      Deno.mkdirSync(options.dir, { recursive: true, mode: 0o700 });
      this.#daemonFile = this.#fileSink(this.#daemonPath());
    }
    daemons.set(this.#instance, this);
  }

  /** The path of a module's own log file. */
  moduleLogPath(module: string): string | undefined {
    return this.options.dir
      ? `${this.options.dir}/mgrd.${this.options.id}.${module}.log`
      : undefined;
  }

  /** The daemon's own logger (the host, not a module). */
  daemonLogger(): ModuleLogger {
    return this.moduleLogger("mgrd");
  }

  /** The logger of a module, or of a child (`<module>.<child>`) when `child` is given. */
  moduleLogger(module: string, child?: string): ModuleLogger {
    let level = this.#levels.get(module);
    if (!level) {
      level = { current: "INFO" };
      this.#levels.set(module, level);
    }
    const category = child === undefined
      ? [ROOT, this.#instance, module]
      : [ROOT, this.#instance, module, child];
    return new ModuleLogger(category, child === undefined ? module : `${module}.${child}`, level);
  }

  /** Sets the level of a module's logger and its children. */
  setModuleLevel(module: string, level: PyLogLevel): void {
    const entry = this.#levels.get(module);
    if (entry) entry.current = level;
    else this.#levels.set(module, { current: level });
  }

  /**
   * Sends a module's records at or above `route.level` to the cluster log too, from all its
   * loggers; `undefined` stops that.
   */
  setModuleCluster(module: string, route: ClusterLogRoute | undefined): void {
    let entry = this.#levels.get(module);
    if (!entry) this.#levels.set(module, entry = { current: "INFO" });
    if (route) entry.cluster = route;
    else delete entry.cluster;
  }

  /** Sends a module's records to its own file (true) or to the daemon log (false). */
  setModuleFile(module: string, on: boolean): void {
    const path = this.moduleLogPath(module);
    if (on && path && !this.#moduleFiles.has(module)) {
      this.#moduleFiles.set(module, this.#fileSink(path));
    } else if (!on) {
      this.#moduleFiles.get(module)?.[Symbol.dispose]();
      this.#moduleFiles.delete(module);
    }
  }

  /** @internal Called by the routing sink. */
  write(record: LogRecord): void {
    const module = record.category[2] ?? "mgrd";
    const text = String(record.properties.text ?? record.message.join(""));
    const logger = String(record.properties.logger ?? module);
    const level = (record.properties.pyLevel as PyLogLevel | undefined) ??
      FROM_LOGTAPE[record.level] ?? "INFO";
    const moduleFile = this.#moduleFiles.get(module);
    if (moduleFile) {
      moduleFile({
        ...record,
        message: [
          `${
            asctime(record.timestamp)
          } [${this.options.daemonName}] [${level}] [${logger}] ${text}\n`,
        ],
      });
      return;
    }
    const line = module === "mgrd"
      ? `${cephStamp(record.timestamp)} ${this.options.daemonName} ${level} ${text}`
      : `${
        cephStamp(record.timestamp)
      } ${this.options.daemonName} [${module} ${level} ${logger}] ${text}`;
    this.#daemonFile?.({ ...record, message: [line + "\n"] });
    if (this.options.stderr) Deno.stderr.writeSync(this.#encoder.encode(line + "\n"));
    if (this.options.memoryLines) {
      this.recent.push(line);
      if (this.recent.length > this.options.memoryLines) this.recent.shift();
    }
  }

  /**
   * Closes and opens again every log file, as Ceph's daemons do on SIGHUP: after an outside
   * `logrotate` has moved them, the next lines go to new files at the old paths.
   */
  reopen(): void {
    if (!this.options.dir) return;
    this.#daemonFile?.[Symbol.dispose]();
    this.#daemonFile = this.#fileSink(this.#daemonPath());
    for (const [module, sink] of this.#moduleFiles) {
      sink[Symbol.dispose]();
      this.#moduleFiles.set(module, this.#fileSink(this.moduleLogPath(module)!));
    }
  }

  #daemonPath(): string {
    return `${this.options.dir}/mgrd.${this.options.id}.log`;
  }

  /** Closes the files and stops routing this daemon's records. */
  close(): void {
    daemons.delete(this.#instance);
    for (const sink of this.#moduleFiles.values()) sink[Symbol.dispose]();
    this.#moduleFiles.clear();
    this.#daemonFile?.[Symbol.dispose]();
  }

  #fileSink(path: string): LineSink {
    // Unbuffered, so a line is on disk when the call returns, and nothing is lost on a kill.
    return getRotatingFileSink(path, {
      bufferSize: 0,
      maxSize: this.options.maxFileBytes ?? DEFAULT_LOG_MAX_BYTES,
      maxFiles: this.options.maxFiles ?? DEFAULT_LOG_MAX_FILES,
      formatter: (record) => String(record.message[0]),
    }) as LineSink;
  }
}
