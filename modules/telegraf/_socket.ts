/**
 * The telegraf module's socket (Ceph 16.2.15's telegraf/basesocket.py): one of `unixgram`,
 * `unix`, `tcp`, `tcp6`, `udp`, `udp6` from the address's scheme; each line is sent as
 * `<line>\n` (one datagram per line on the datagram transports).
 *
 * Deno 2.9.6 has stream sockets (TCP, Unix) in its stable API and UDP through `node:dgram`;
 * Unix datagram sockets only through `Deno.listenDatagram`, which exists only when the process
 * runs with `--unstable-net`. Without it `unixgram://` is refused with
 * {@linkcode TransportUnavailable}, which says so.
 *
 * @module
 */
import dgram from "node:dgram";

/** A Python exception as Ceph's module would raise it: its type name and `str(exc)`. */
export class PyError extends Error {
  constructor(readonly pyType: string, message: string) {
    super(message);
    this.name = pyType;
  }
}

/** The address's transport cannot work in this Deno process (not a Ceph error: mgrd's own). */
export class TransportUnavailable extends Error {
  override name = "TransportUnavailable";
}

/** What Python's `urlparse` gives the module: scheme, hostname, port and path. */
export interface ParsedUrl {
  scheme: string;
  hostname: string | null;
  /** The port text, still to be checked as `url.port` does when read. */
  portText: string | null;
  path: string;
  geturl: string;
}

/** Python 3's `urllib.parse.urlparse`, as far as the module reads it. */
export function urlparse(url: string): ParsedUrl {
  let rest = url;
  let scheme = "";
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url);
  if (m) {
    scheme = m[1]!.toLowerCase();
    rest = url.slice(m[0].length);
  }
  let netloc = "";
  if (rest.startsWith("//")) {
    const end = rest.slice(2).search(/[/?#]/);
    netloc = end < 0 ? rest.slice(2) : rest.slice(2, 2 + end);
    rest = end < 0 ? "" : rest.slice(2 + end);
  }
  const path = rest.split(/[?#]/, 1)[0] ?? "";
  const hostport = netloc.slice(netloc.lastIndexOf("@") + 1);
  let host: string;
  let portText: string | null = null;
  if (hostport.startsWith("[")) {
    const close = hostport.indexOf("]");
    host = close < 0 ? hostport.slice(1) : hostport.slice(1, close);
    const after = close < 0 ? "" : hostport.slice(close + 1);
    if (after.startsWith(":")) portText = after.slice(1);
  } else {
    const colon = hostport.indexOf(":");
    host = colon < 0 ? hostport : hostport.slice(0, colon);
    if (colon >= 0) portText = hostport.slice(colon + 1);
  }
  return {
    scheme,
    hostname: host === "" ? null : host.toLowerCase(),
    portText: portText === "" ? null : portText,
    path,
    geturl: url,
  };
}

/** `url.port`: null when absent; Python's ValueErrors when not a port. */
function urlPort(url: ParsedUrl): number | null {
  if (url.portText === null) return null;
  if (!/^\d+$/.test(url.portText)) {
    throw new PyError(
      "ValueError",
      `Port could not be cast to integer value as '${url.portText}'`,
    );
  }
  const port = Number(url.portText);
  if (port > 65535) throw new PyError("ValueError", "Port out of range 0-65535");
  return port;
}

/** Python's OSError subclasses by errno name, for the log line Ceph writes. */
const PY_OS_ERRORS: Readonly<Record<string, string>> = {
  ECONNREFUSED: "ConnectionRefusedError",
  ECONNRESET: "ConnectionResetError",
  ECONNABORTED: "ConnectionAbortedError",
  EPIPE: "BrokenPipeError",
  ENOENT: "FileNotFoundError",
  EACCES: "PermissionError",
  EPERM: "PermissionError",
  ETIMEDOUT: "TimeoutError",
};

/**
 * A socket error as Python prints it (`ConnectionRefusedError: [Errno 111] Connection refused`),
 * from Deno's (`Connection refused (os error 111)`, code `ECONNREFUSED`); other errors as
 * `<name>: <message>`.
 */
export function pythonOsErrorText(e: Error): string {
  const code = (e as { code?: unknown }).code;
  // Deno may name the call after it: `... (os error 2): stat '/tmp/x'`.
  const m = / \(os error (\d+)\)(?:: .*)?$/.exec(e.message);
  if (typeof code === "string" && m) {
    return `${PY_OS_ERRORS[code] ?? "OSError"}: [Errno ${m[1]}] ${e.message.slice(0, m.index)}`;
  }
  return `${e.name}: ${e.message}`;
}

const SCHEMES = ["unixgram", "unix", "tcp", "tcp6", "udp", "udp6"] as const;
type Scheme = typeof SCHEMES[number];

/** The part of `Deno.listenDatagram` the unixgram transport uses (unstable API). */
interface UnixDatagramConn {
  send(p: Uint8Array, addr: { transport: "unixpacket"; path: string }): Promise<number>;
  close(): void;
}
type ListenDatagram = (o: { transport: "unixpacket"; path: string }) => UnixDatagramConn;

/** The open transport: send one line, close. */
interface Transport {
  send(data: Uint8Array): Promise<void>;
  close(): void;
}

const encoder = new TextEncoder();

/** basesocket.BaseSocket: made from a parsed address, connected by `open()`. */
export class BaseSocket {
  readonly scheme: Scheme;
  /** The path (Unix schemes) or `[hostname, port]`, as the module logs it. */
  readonly address: string | [string | null, number | null];
  #transport: Transport | undefined;

  constructor(readonly url: ParsedUrl) {
    if (!(SCHEMES as readonly string[]).includes(url.scheme)) {
      // Ceph raises RuntimeError('Unsupported socket type: %s', scheme): str() of it is the tuple.
      throw new PyError("RuntimeError", `('Unsupported socket type: %s', '${url.scheme}')`);
    }
    this.scheme = url.scheme as Scheme;
    this.address = this.scheme.startsWith("unix") ? url.path : [url.hostname, urlPort(url)];
  }

  /** The address as Python's `%s` prints it: the path, or `('127.0.0.1', 8094)`. */
  addressText(): string {
    if (typeof this.address === "string") return this.address;
    const [h, p] = this.address;
    return `(${h === null ? "None" : `'${h}'`}, ${p === null ? "None" : p})`;
  }

  /** socket.connect(address). */
  async connect(): Promise<void> {
    if (typeof this.address === "string") {
      this.#transport = this.scheme === "unix"
        ? await streamTransport({ transport: "unix", path: this.address })
        : await unixDatagramTransport(this.address);
      return;
    }
    const [hostname, port] = this.address;
    if (port === null) {
      // Python's sock.connect((host, None)) fails before any I/O with this TypeError.
      throw new PyError("TypeError", "'NoneType' object cannot be interpreted as an integer");
    }
    const host = hostname ?? (this.scheme.endsWith("6") ? "::1" : "127.0.0.1");
    this.#transport = this.scheme.startsWith("tcp")
      ? await streamTransport({ transport: "tcp", hostname: host, port })
      : await udpTransport(this.scheme === "udp6" ? "udp6" : "udp4", host, port);
  }

  /** sock.send(data + '\n'). */
  async send(line: string): Promise<void> {
    if (!this.#transport) throw new Error("BaseSocket.send before connect");
    await this.#transport.send(encoder.encode(line + "\n"));
  }

  close(): void {
    this.#transport?.close();
    this.#transport = undefined;
  }
}

async function streamTransport(
  opts: Deno.ConnectOptions | Deno.UnixConnectOptions,
): Promise<Transport> {
  const conn = await Deno.connect(opts as Deno.ConnectOptions);
  return {
    async send(data) {
      let off = 0;
      while (off < data.length) off += await conn.write(data.subarray(off));
    },
    close: () => conn.close(),
  };
}

function udpTransport(type: "udp4" | "udp6", host: string, port: number): Promise<Transport> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(type);
    let failed: Error | undefined;
    // An ICMP refusal arrives as an 'error' event; the next send reports it, as Python's would.
    sock.on("error", (e: Error) => failed = e);
    sock.connect(port, host, () => {
      if (failed) {
        sock.close();
        return reject(failed);
      }
      resolve({
        send: (data) =>
          new Promise<void>((ok, ko) => {
            if (failed) return ko(failed);
            sock.send(data, (err) => err ? ko(err) : ok());
          }),
        close: () => {
          try {
            sock.close();
          } catch {
            // already closed by an error
          }
        },
      });
    });
  });
}

async function unixDatagramTransport(target: string): Promise<Transport> {
  const listen = (Deno as unknown as { listenDatagram?: ListenDatagram }).listenDatagram;
  if (typeof listen !== "function") {
    throw new TransportUnavailable(
      "unixgram:// needs a Unix datagram socket, which Deno 2.9 offers only as " +
        "Deno.listenDatagram under --unstable-net, and this mgrd runs without that flag; " +
        "use udp://, tcp:// or unix:// (a stream socket: Telegraf's socket_listener " +
        "service_address unix://...) instead",
    );
  }
  // Deno sends Unix datagrams only from a bound socket: bind one of our own in a private
  // directory, removed with it.
  const dir = await Deno.makeTempDir({ prefix: "mgrd-telegraf-" });
  const local = `${dir}/s`;
  let conn: UnixDatagramConn;
  try {
    conn = listen({ transport: "unixpacket", path: local });
  } catch (e) {
    await Deno.remove(dir, { recursive: true });
    throw e;
  }
  try {
    // Python connects first: a missing path fails before any line is built.
    await Deno.stat(target);
  } catch (e) {
    conn.close();
    await Deno.remove(dir, { recursive: true });
    throw e;
  }
  return {
    async send(data) {
      await conn.send(data, { transport: "unixpacket", path: target });
    },
    close() {
      conn.close();
      Deno.removeSync(dir, { recursive: true });
    },
  };
}
