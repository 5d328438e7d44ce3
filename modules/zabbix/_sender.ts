/**
 * Sending through the `zabbix_sender` executable, as Ceph 16.2.15's zabbix module's
 * ZabbixSender does: `<sender> -z <host> -p <port> -s <hostname> -vv -i -`, one
 * `<hostname> ceph.<key> <value>` line per item on its standard input.
 *
 * @module
 */

/** A module logger's debug method, all the sender logs with. */
export interface DebugLog {
  debug(msg: string): void;
}

/** What `zabbix_sender` failed with, worded as Ceph's RuntimeError / OSError text. */
export class SenderError extends Error {
  constructor(readonly pyType: string, message: string) {
    super(message);
    this.name = pyType;
  }
}

/** Python's `repr(bytes)` of a process's output: `b''`, `b'a\nb'`. */
export function pythonBytesRepr(data: Uint8Array): string {
  let body = "";
  for (const b of data) {
    if (b === 0x5c) body += "\\\\";
    else if (b === 0x27) body += "\\'";
    else if (b === 0x0a) body += "\\n";
    else if (b === 0x0d) body += "\\r";
    else if (b === 0x09) body += "\\t";
    else if (b < 0x20 || b >= 0x7f) body += `\\x${b.toString(16).padStart(2, "0")}`;
    else body += String.fromCharCode(b);
  }
  return `b'${body}'`;
}

/** ZabbixSender: one run of the sender for one server. */
export class ZabbixSender {
  constructor(
    readonly sender: string,
    readonly host: string,
    readonly port: number | string,
    readonly log: DebugLog,
  ) {}

  /** Sends `data` (key → the value as Python's `str()` prints it) as `hostname`. */
  async send(hostname: string, data: ReadonlyMap<string, string>): Promise<void> {
    if (data.size === 0) return;
    const args = ["-z", this.host, "-p", String(this.port), "-s", hostname, "-vv", "-i", "-"];
    this.log.debug(
      `Executing: [${[this.sender, ...args].map((a) => `'${a}'`).join(", ")}]`,
    );
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(this.sender, {
        args,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        // Popen's FileNotFoundError, as Ceph logs it.
        throw new SenderError(
          "FileNotFoundError",
          `[Errno 2] No such file or directory: '${this.sender}'`,
        );
      }
      throw e;
    }
    let input = "";
    for (const [key, value] of data) input += `${hostname} ceph.${key} ${value}\n`;
    const writer = child.stdin.getWriter();
    try {
      await writer.write(new TextEncoder().encode(input));
      await writer.close();
    } catch {
      // A sender that exits before reading everything reports it in its status below.
    }
    const out = await child.output();
    if (out.code !== 0) {
      throw new SenderError(
        "RuntimeError",
        `${this.sender} exited non-zero: ${pythonBytesRepr(out.stderr)}`,
      );
    }
    this.log.debug(`Zabbix Sender: ${pythonBytesRepr(trimEnd(out.stdout))}`);
  }
}

/** bytes.rstrip(). */
function trimEnd(b: Uint8Array): Uint8Array {
  let n = b.length;
  while (n > 0 && [0x20, 0x0a, 0x0d, 0x09, 0x0b, 0x0c].includes(b[n - 1]!)) n--;
  return b.subarray(0, n);
}
