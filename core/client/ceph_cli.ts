/**
 * `mgrd ceph <words...>`: the `ceph` CLI for mgrd. It fetches the command descriptions from
 * the daemon, matches the words (`ceph_argparse.validate_command`), sends the JSON command and
 * prints the reply the way `ceph.in` prints it:
 *
 * - a failed match prints `Invalid command: <why>` and `<usage> :  <help>`, or `no valid
 *   command found; N closest matches:` and their usage lines, then `Error EINVAL: invalid
 *   command`;
 * - a negative retval prints `Error <ERRNAME>: <stderr>` (plus a newline) to stderr, any other
 *   non-empty stderr is printed as-is plus a newline;
 * - with `-f json` or `-f json-pretty` one empty line goes to stdout first (Ceph's "hack" for
 *   consumers that skip a status line), then stdout is written byte for byte, adding nothing;
 * - the exit status is `-retval` (22 EINVAL, 2 ENOENT, 95 ENOTSUP, 5 EIO, 13 EACCES).
 *
 * POLL commands run every `--period` seconds (default 1, as in `ceph`), each output followed
 * by a newline, until Ctrl-C (prints `Interrupted`, exits 4 = EINTR) or `--poll-count` runs. Unlike
 * `ceph`, no `width`/`print_header` keys are added to them: our daemon refuses keys a command
 * does not declare.
 *
 * Only light modules are imported (no HTTP framework, no manager), so a run costs little more
 * than Deno's start-up.
 *
 * @module
 */

import { descriptorsFromDescriptions } from "../commands/descriptions.ts";
import type { CommandDescriptor } from "../commands/descriptor.ts";
import { Flag } from "../commands/descriptor.ts";
import { matchWords } from "../commands/match.ts";
import { usageLine } from "../commands/usage.ts";
import { EINTR, EINVAL, EIO } from "../../ceph/errno.ts";
import { CEPH_VERSION } from "../../ceph/mgr_map.ts";
import { type CliOptions, OPTIONS_HELP, parseCliArgs, USAGE_LINE } from "./args.ts";
import {
  clientErrnoName,
  ClientError,
  type CommandReply,
  DaemonClient,
  type FetchFn,
  resolveTarget,
} from "./daemon_client.ts";
import { formatHelp, sectionHeader } from "./help.ts";
import { watchCluster } from "./watch.ts";

export { EINTR };

/** Somewhere bytes can be written (`Deno.stdout`, a test buffer). */
export interface ByteWriter {
  write(p: Uint8Array): Promise<number>;
}

/** What the CLI reads, writes and calls; `cephMain` binds Deno's by default. */
export interface CephIo {
  stdout: ByteWriter;
  stderr: ByteWriter;
  /** Read only for `-i -`. */
  stdin?: ReadableStream<Uint8Array>;
  /** The HTTP client; a fake daemon in tests. */
  fetch?: FetchFn;
  /** Waits between runs of a POLL command; rejects or returns early once `signal` aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Stops a POLL loop (Ctrl-C). Without it, SIGINT is listened for while polling. */
  signal?: AbortSignal;
}

const encoder = new TextEncoder();

async function writeAll(w: ByteWriter, text: string | Uint8Array): Promise<void> {
  if (text.length === 0) return;
  let buf = typeof text === "string" ? encoder.encode(text) : text;
  while (buf.length > 0) {
    const n = await w.write(buf);
    buf = buf.subarray(n);
  }
}

function defaultIo(): CephIo {
  return {
    stdout: Deno.stdout,
    stderr: Deno.stderr,
    get stdin() {
      return Deno.stdin.readable;
    },
  };
}

/**
 * Runs `mgrd ceph` with the given arguments (those after `ceph`) and returns the exit status.
 * Never throws on user input, daemon answers or connection failures; each is reported on
 * `io.stderr` with the status it maps to (see {@link OPTIONS_HELP}).
 *
 * @example
 * ```ts ignore
 * import { cephMain } from "./ceph_cli.ts";
 * Deno.exit(await cephMain(["health", "detail", "--data-dir", "./mgrd-data"]));
 * ```
 */
export async function cephMain(argv: string[], io: CephIo = defaultIo()): Promise<number> {
  const out = (s: string) => writeAll(io.stdout, s);
  const err = (s: string) => writeAll(io.stderr, s);
  const parsed = parseCliArgs(argv);
  if (!parsed.ok) {
    await err(`${USAGE_LINE}mgrd ceph: error: ${parsed.error}\n`);
    return 2;
  }
  const opts = parsed.options;
  try {
    return await run(opts, io, out, err);
  } catch (e) {
    if (e instanceof ClientError) {
      await err(`Error ${clientErrnoName(e.errno)}: ${e.message}\n`);
      return e.errno;
    }
    await err(`Error EIO: ${(e as Error)?.stack ?? String(e)}\n`);
    return EIO;
  }
}

async function run(
  opts: CliOptions,
  io: CephIo,
  out: (s: string) => Promise<void>,
  err: (s: string) => Promise<void>,
): Promise<number> {
  // The client's own version: the daemon is not asked.
  if (opts.version) {
    await out(`${CEPH_VERSION}\n`);
    return 0;
  }
  // `tell <type.id>`: the target's type is checked here, before any daemon is asked, as
  // ceph.in does (exit 1, without an errno name).
  if (opts.words[0] === "tell" && opts.words[1] !== undefined) {
    const type = opts.words[1].split(".")[0]!;
    if (!["osd", "mon", "mgr", "mds"].includes(type)) {
      await err(`error handling command target: unknown type ${type}\n`);
      return 1;
    }
  }
  // `pg <pgid> <command...>` goes to the PG (its primary OSD), as ceph_argparse's
  // find_cmd_target sends it: here, as a `tell` to `pg.<pgid>`.
  if (opts.words[0] === "pg" && /^\d+\.[0-9a-f]+$/.test(opts.words[1] ?? "")) {
    opts = { ...opts, words: ["tell", `pg.${opts.words[1]}`, ...opts.words.slice(2)] };
  }
  if (opts.help) await out(`${sectionHeader("General usage:")}${USAGE_LINE}${OPTIONS_HELP}`);
  else if (opts.watch) return await watch(opts, io, out, err);
  else if (opts.words.length === 0) {
    await err(
      "mgrd ceph: no command given (there is no interactive mode); try 'mgrd ceph --help'\n",
    );
    return EINVAL;
  }
  const target = await resolveTarget(opts);
  const client = new DaemonClient(
    target,
    io.fetch ?? fetch,
    opts.connectTimeout === undefined ? undefined : opts.connectTimeout * 1000,
  );
  if (opts.help) {
    const descs = await fetchDescriptors(client, target.url);
    await out(sectionHeader("Monitor commands:"));
    await out(formatHelp(descs, opts.words.join(" ")));
    return 0;
  }

  let inbuf: string | undefined;
  if (opts.inFile !== undefined) {
    const r = await readInput(opts.inFile, io);
    if (!r.ok) {
      await err(`Can't open input file ${opts.inFile}: ${r.error}\n`);
      return 1;
    }
    inbuf = r.text;
  }
  let outFile: Deno.FsFile | undefined;
  if (opts.outFile !== undefined) {
    try {
      outFile = await Deno.open(opts.outFile, { write: true, create: true, truncate: true });
    } catch (e) {
      await err(`Can't open output file ${opts.outFile}: ${pythonOsError(e, opts.outFile)}\n`);
      return 1;
    }
  }
  try {
    const descs = await fetchDescriptors(client, target.url);
    const m = matchWords(descs, opts.words);
    const jsonBlank = opts.format?.startsWith("json") && outFile === undefined ? "\n" : "";
    if (!m.ok) {
      if (m.matched !== undefined) {
        await err(
          `${m.notice ? `${m.notice}\n` : ""}Invalid command: ${m.error}\n${
            usageLine(m.matched)
          } :  ${m.matched.help}\n`,
        );
      } else {
        await err(
          `no valid command found; ${m.candidates.length} closest matches:\n` +
            m.candidates.map((d) => `${usageLine(d)}\n`).join(""),
        );
      }
      await err("Error EINVAL: invalid command\n");
      await out(jsonBlank);
      return EINVAL;
    }
    const cmd = m.cmd;
    if (opts.format !== undefined) cmd.format = opts.format;
    if ((m.desc.flags & Flag.POLL) !== 0 && opts.period > 0) {
      return await poll(client, cmd, inbuf, opts, io, out, err);
    }
    const reply = await client.command(cmd, inbuf);
    const status = await report(reply, err);
    // A binary answer (a CRUSH map) goes out byte for byte, after the blank line ceph.in
    // writes before any `-f json` output on stdout.
    const data = reply.stdoutBytes ?? reply.stdout;
    if (outFile !== undefined) await writeAll(outFile, data);
    else if (typeof data === "string") await out(jsonBlank + data);
    else {
      await out(jsonBlank);
      await writeAll(io.stdout, data);
    }
    return status;
  } finally {
    outFile?.close();
  }
}

async function fetchDescriptors(client: DaemonClient, url: string): Promise<CommandDescriptor[]> {
  const json = await client.descriptions();
  try {
    return descriptorsFromDescriptions(json);
  } catch (e) {
    throw new ClientError(
      EIO,
      `problem getting command descriptions from ${url}: ${(e as Error).message}`,
    );
  }
}

/** Prints a reply's stderr as `ceph.in` does and returns the exit status. */
async function report(reply: CommandReply, err: (s: string) => Promise<void>): Promise<number> {
  // A daemon's command that matched none of its commands (`tell`): ceph.in matches those
  // itself and prints the closest ones before its own `Error EINVAL: invalid command`.
  const closest = /^(no valid command found; \d+ closest matches:\n[^]*)\ninvalid command$/.exec(
    reply.stderr,
  );
  if (reply.retval === -EINVAL && closest) {
    await err(`${closest[1]}\nError EINVAL: invalid command\n`);
    return EINVAL;
  }
  if (reply.retval < 0) {
    await err(`Error ${clientErrnoName(-reply.retval)}: ${reply.stderr}\n`);
    return -reply.retval;
  }
  if (reply.stderr !== "") await err(`${reply.stderr}\n`);
  // ceph.in keeps a failure's status only when it is negative: a module that returns a
  // positive errno (the crash module's `errno.EINVAL`) exits 0 with its message.
  return 0;
}

async function poll(
  client: DaemonClient,
  cmd: Record<string, unknown>,
  inbuf: string | undefined,
  opts: CliOptions,
  io: CephIo,
  out: (s: string) => Promise<void>,
  err: (s: string) => Promise<void>,
): Promise<number> {
  let signal = io.signal;
  let stopListening = () => {};
  if (signal === undefined) {
    const ac = new AbortController();
    const onInt = () => ac.abort();
    Deno.addSignalListener("SIGINT", onInt);
    stopListening = () => Deno.removeSignalListener("SIGINT", onInt);
    signal = ac.signal;
  }
  const sleep = io.sleep ?? abortableSleep;
  try {
    for (let runs = 1;; runs++) {
      const reply = await client.command(cmd, inbuf);
      if (reply.retval !== 0) {
        const status = await report(reply, err);
        await out(reply.stdout);
        return status;
      }
      await out(`${reply.stdout}\n`);
      if (reply.stderr !== "") await err(`${reply.stderr}\n`);
      if (opts.pollCount !== undefined && runs >= opts.pollCount) return 0;
      if (!signal.aborted) {
        try {
          await sleep(opts.period * 1000, signal);
        } catch (e) {
          if (!signal.aborted) throw e;
        }
      }
      if (signal.aborted) {
        await out("Interrupted\n");
        return EINTR;
      }
    }
  } finally {
    stopListening();
  }
}

/** `-w`: the status and the cluster log as it grows, until Ctrl-C (or `io.signal`). */
async function watch(
  opts: CliOptions,
  io: CephIo,
  out: (s: string) => Promise<void>,
  err: (s: string) => Promise<void>,
): Promise<number> {
  const target = await resolveTarget(opts);
  const client = new DaemonClient(
    target,
    io.fetch ?? fetch,
    opts.connectTimeout === undefined ? undefined : opts.connectTimeout * 1000,
  );
  let signal = io.signal;
  let stopListening = () => {};
  if (signal === undefined) {
    const ac = new AbortController();
    const onInt = () => ac.abort();
    Deno.addSignalListener("SIGINT", onInt);
    stopListening = () => Deno.removeSignalListener("SIGINT", onInt);
    signal = ac.signal;
  }
  try {
    return await watchCluster(
      {
        level: opts.watch!.level,
        channel: opts.watch!.channel,
        format: opts.format,
        periodSeconds: opts.period > 0 ? opts.period : 1,
      },
      {
        command: (cmd) => client.command(cmd),
        out,
        err,
        sleep: io.sleep ?? abortableSleep,
        signal,
      },
    );
  } finally {
    stopListening();
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

async function readInput(
  path: string,
  io: CephIo,
): Promise<{ ok: true; text: string } | { ok: false; error: string }> {
  try {
    if (path === "-") {
      if (io.stdin === undefined) return { ok: false, error: "no standard input" };
      return { ok: true, text: await new Response(io.stdin).text() };
    }
    return { ok: true, text: new TextDecoder().decode(await Deno.readFile(path)) };
  } catch (e) {
    return { ok: false, error: pythonOsError(e, path) };
  }
}

/** An OS error as Python's `str(OSError)` shows it: `[Errno 2] No such file or directory: 'x'`. */
function pythonOsError(e: unknown, path: string): string {
  const msg = e instanceof Error ? e.message : String(e);
  const m = /^(.*?) \(os error (\d+)\)/.exec(msg);
  return m ? `[Errno ${m[2]}] ${m[1]}: '${path}'` : msg;
}

if (import.meta.main) {
  Deno.exit(await cephMain(Deno.args));
}
