/**
 * The `mgrd ceph` command line: global options mixed with command words, split the way the
 * `ceph` CLI's `argparse.parse_known_args` splits them. Options are recognised anywhere before
 * a `--`; every other word (including `--force`, `--name=value` forms for unknown names, and
 * negative numbers) is a command word for the matcher.
 *
 * Like `ceph`, `--id`/`--user`, `--name`/`-n` and `--format`/`-f` are taken by the client even
 * where a command has an argument of that name: pass such arguments positionally.
 *
 * @module
 */

/** The output formats `-f` accepts (the ones our daemon renders). */
export const OUTPUT_FORMATS = ["json", "json-pretty", "plain"] as const;

/** One of {@link OUTPUT_FORMATS}. */
export type OutputFormat = typeof OUTPUT_FORMATS[number];

/** The parsed command line. */
export interface CliOptions {
  /** `-h`/`--help`: print usage and the commands whose signature starts with `words`. */
  help: boolean;
  /** `-v`/`--version`: print the client's version and exit, as `ceph --version` does. */
  version?: boolean;
  /**
   * `-w`/`--watch` and `--watch-<level>`/`--watch-channel`: the status, then the cluster log
   * as it grows; the least level shown and the channel.
   */
  watch?: { level: "debug" | "info" | "sec" | "warn" | "error"; channel: string };
  format?: OutputFormat;
  /** `-i FILE`; `-` means standard input. */
  inFile?: string;
  /** `-o FILE`: write the command's output there instead of standard output. */
  outFile?: string;
  /** The entity: `client.<id>` from `--id`, or `--name` as given; `client.admin` by default. */
  entity: string;
  keyring?: string;
  url?: string;
  dataDir: string;
  /** `-p`/`--period`: seconds between runs of a POLL command; `<= 0` runs it once. */
  period: number;
  /**
   * `--poll-count K`: stop a POLL command after K runs. Not in `ceph`; not called `--count`
   * because commands have `count` arguments (`--count 3` must reach them).
   */
  pollCount?: number;
  /** `--connect-timeout N`: seconds to wait for each HTTP exchange; none by default. */
  connectTimeout?: number;
  /** The command words, with global options and the first `--` removed. */
  words: string[];
}

/** The parse outcome: options, or the argparse-style message (`ceph` exits 2 on these). */
export type ParseResult = { ok: true; options: CliOptions } | { ok: false; error: string };

/** The data directory `mgrd serve` uses when none is given. */
export const DEFAULT_DATA_DIR = "./mgrd-data";

/** The default POLL period in seconds, as `ceph --period`. */
export const DEFAULT_PERIOD = 1;

interface ValueOption {
  readonly flags: readonly string[];
  readonly label: string;
  readonly set: (o: CliOptions, v: string) => string | undefined;
}

function positiveInt(v: string): number | undefined {
  return /^[0-9]+$/.test(v) && Number(v) > 0 ? Number(v) : undefined;
}

const VALUE_OPTIONS: readonly ValueOption[] = [
  {
    flags: ["-f", "--format"],
    label: "-f/--format",
    set: (o, v) => {
      if (!(OUTPUT_FORMATS as readonly string[]).includes(v)) {
        return `invalid choice: '${v}' (choose from ${
          OUTPUT_FORMATS.map((f) => `'${f}'`).join(", ")
        })`;
      }
      o.format = v as OutputFormat;
    },
  },
  { flags: ["-i", "--in-file"], label: "-i/--in-file", set: (o, v) => void (o.inFile = v) },
  { flags: ["-o", "--out-file"], label: "-o/--out-file", set: (o, v) => void (o.outFile = v) },
  {
    flags: ["--id", "--user"],
    label: "--id/--user",
    set: (o, v) => void (o.entity = `client.${v}`),
  },
  {
    flags: ["-n", "--name"],
    label: "--name/-n",
    set: (o, v) => {
      if (!/^[a-z]+\.[^\s]+$/.test(v)) return `'${v}' is not an entity name (type.id)`;
      o.entity = v;
    },
  },
  { flags: ["--keyring"], label: "--keyring", set: (o, v) => void (o.keyring = v) },
  {
    flags: ["--url"],
    label: "--url",
    set: (o, v) => {
      if (!URL.canParse(v) || !/^https?:$/.test(new URL(v).protocol)) {
        return `'${v}' is not an http(s) URL`;
      }
      o.url = v;
    },
  },
  { flags: ["--data-dir"], label: "--data-dir", set: (o, v) => void (o.dataDir = v) },
  {
    flags: ["-p", "--period"],
    label: "--period/-p",
    set: (o, v) => {
      const n = Number(v);
      if (v.trim() === "" || !Number.isFinite(n)) return `invalid float value: '${v}'`;
      o.period = n;
    },
  },
  {
    flags: ["--poll-count"],
    label: "--poll-count",
    set: (o, v) => {
      const n = positiveInt(v);
      if (n === undefined) return `invalid positive int value: '${v}'`;
      o.pollCount = n;
    },
  },
  {
    flags: ["--connect-timeout"],
    label: "--connect-timeout",
    set: (o, v) => {
      const n = positiveInt(v);
      if (n === undefined) return `invalid positive int value: '${v}'`;
      o.connectTimeout = n;
    },
  },
];

const BY_FLAG = new Map<string, ValueOption>(
  VALUE_OPTIONS.flatMap((opt) => opt.flags.map((f) => [f, opt] as const)),
);

/**
 * Splits `mgrd ceph` arguments into options and command words. Accepts `--opt value`,
 * `--opt=value` and `-fvalue`; `-s`/`--status` prepends the word `status`, as in `ceph`.
 *
 * @example
 * ```ts
 * import { parseCliArgs } from "./args.ts";
 * const r = parseCliArgs(["mgr", "module", "ls", "-f", "json", "--id", "ro"]);
 * console.assert(r.ok && r.options.format === "json" && r.options.entity === "client.ro");
 * console.assert(r.ok && r.options.words.join(" ") === "mgr module ls");
 * ```
 */
export function parseCliArgs(argv: readonly string[]): ParseResult {
  const o: CliOptions = {
    help: false,
    entity: "client.admin",
    dataDir: DEFAULT_DATA_DIR,
    period: DEFAULT_PERIOD,
    words: [],
  };
  let status = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--") {
      o.words.push(...argv.slice(i + 1));
      break;
    }
    if (a === "-h" || a === "--help") {
      o.help = true;
      continue;
    }
    if (a === "-v" || a === "--version") {
      o.version = true;
      continue;
    }
    if (a === "-w" || a === "--watch") {
      o.watch = { level: o.watch?.level ?? "info", channel: o.watch?.channel ?? "cluster" };
      continue;
    }
    const watchLevel = /^--watch-(debug|info|sec|warn|error)$/.exec(a);
    if (watchLevel) {
      const level = watchLevel[1] as "debug" | "info" | "sec" | "warn" | "error";
      o.watch = { level, channel: o.watch?.channel ?? "cluster" };
      continue;
    }
    if (a === "--watch-channel") {
      const ch = argv[i + 1];
      if (ch === undefined) {
        return { ok: false, error: "argument --watch-channel: expected one argument" };
      }
      if (!["cluster", "audit", "cephadm", "*"].includes(ch)) {
        return {
          ok: false,
          error:
            `argument --watch-channel: invalid choice: '${ch}' (choose from 'cluster', 'audit', 'cephadm', '*')`,
        };
      }
      o.watch = { level: o.watch?.level ?? "info", channel: ch };
      i++;
      continue;
    }
    if (a === "-s" || a === "--status") {
      status = true;
      continue;
    }
    let opt: ValueOption | undefined;
    let value: string | undefined;
    const eq = a.indexOf("=");
    if (a.startsWith("--") && eq > 0 && BY_FLAG.has(a.slice(0, eq))) {
      opt = BY_FLAG.get(a.slice(0, eq));
      value = a.slice(eq + 1);
    } else if (BY_FLAG.has(a)) {
      opt = BY_FLAG.get(a);
      value = argv[i + 1];
      if (value === undefined) {
        return { ok: false, error: `argument ${opt?.label}: expected one argument` };
      }
      i++;
    } else if (/^-[a-z]./.test(a) && !a.startsWith("--") && BY_FLAG.has(a.slice(0, 2))) {
      opt = BY_FLAG.get(a.slice(0, 2));
      value = a.slice(2);
    }
    if (opt === undefined || value === undefined) {
      o.words.push(a);
      continue;
    }
    const err = opt.set(o, value);
    if (err !== undefined) return { ok: false, error: `argument ${opt.label}: ${err}` };
  }
  if (status) o.words.unshift("status");
  return { ok: true, options: o };
}

/** The usage summary `mgrd ceph` prints on a bad option and at the top of `--help`. */
export const USAGE_LINE =
  "usage: mgrd ceph [-h] [-f {json,json-pretty,plain}] [-i FILE] [-o FILE] [--id ID | -n TYPE.ID]\n" +
  "                 [--keyring FILE] [--url URL] [--data-dir DIR] [-p PERIOD] [--poll-count K]\n" +
  "                 [--connect-timeout SECS] [-s] <command words...>\n";

/** The option descriptions of `mgrd ceph --help`. */
export const OPTIONS_HELP = `
mgrd administration tool: runs commands on a mgrd daemon, like the ceph CLI

options:
  -h, --help            show this help and the commands (those starting with the given words)
  -f, --format {json,json-pretty,plain}
                        output format, sent to the daemon as the command's format
  -i, --in-file FILE    input data for the command; '-' reads standard input
  -o, --out-file FILE   write the command's output to FILE instead of standard output
  --id, --user ID       authenticate as client.ID (default client.admin)
  -n, --name TYPE.ID    authenticate as this entity
  --keyring FILE        keyring holding the entity's key (default <data-dir>/keyring)
  --url URL             the daemon's address (default: read from <data-dir>/mgrd.<id>.url)
  --data-dir DIR        the daemon's data directory (default ${DEFAULT_DATA_DIR})
  -p, --period PERIOD   seconds between runs of a polling command (default ${DEFAULT_PERIOD};
                        0 runs it once); Ctrl-C stops it
  --poll-count K        stop a polling command after K runs
  --connect-timeout SECS
                        give up on the daemon after SECS seconds (exit 110, ETIMEDOUT)
  -s, --status          show cluster status (same as the command 'status')
  -v, --version         print the client's Ceph version and exit
  -w, --watch           show the status, then the cluster log as it grows (Ctrl-C stops)
  --watch-debug, --watch-info, --watch-sec, --watch-warn, --watch-error
                        the same, from that level up
  --watch-channel {cluster,audit,cephadm,*}
                        the log channel to watch (default cluster)

exit status: -retval of the command (22 EINVAL, 2 ENOENT, 95 ENOTSUP, 5 EIO, 13 EACCES ...);
  2 on a bad option or a missing url/keyring file, 13 when the daemon refuses the key,
  111 (ECONNREFUSED) when nothing listens at the url, 110 (ETIMEDOUT) on --connect-timeout,
  4 (EINTR) when a polling command is interrupted.
`;
