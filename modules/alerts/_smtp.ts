/**
 * The part of Python's smtplib (3.11) the alerts module uses: `SMTP`/`SMTP_SSL`, `login`,
 * `sendmail` and `quit`, with the same dialogue (lower-case `ehlo`, `mail FROM:`, `rcpt TO:`,
 * `data`, `quit`; `AUTH` by CRAM-MD5, PLAIN, LOGIN in that order of preference; `size=` when
 * the server offers SIZE) and the same texts for failures, since the module puts `str(e)` in
 * its health check (checked against a real 16.2.15 manager: tests/ceph-reference/alerts/).
 *
 * @module
 */
import { createHmac } from "node:crypto";

const CRLF = "\r\n";
/** smtplib's `_MAXLINE`. */
const MAXLINE = 8192;
/** smtplib's `_MAXCHALLENGE`. */
const MAXCHALLENGE = 5;

/** An exception as Python prints it: `message` is `str(e)`. */
export class SmtpError extends Error {}

/** Python's `repr()` of a bytes value. */
export function bytesRepr(b: Uint8Array): string {
  const hasSingle = b.includes(0x27), hasDouble = b.includes(0x22);
  const quote = hasSingle && !hasDouble ? '"' : "'";
  let s = "";
  for (const c of b) {
    if (c === 0x5c) s += "\\\\";
    else if (c === 0x09) s += "\\t";
    else if (c === 0x0a) s += "\\n";
    else if (c === 0x0d) s += "\\r";
    else if (c === quote.charCodeAt(0)) s += "\\" + quote;
    else if (c < 0x20 || c >= 0x7f) s += "\\x" + c.toString(16).padStart(2, "0");
    else s += String.fromCharCode(c);
  }
  return `b${quote}${s}${quote}`;
}

/** Python's `str()` of a socket error, from Deno's `<text> (os error N)`. */
export function osErrorText(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const os = /^(.*?) \(os error (\d+)\)$/.exec(msg);
  if (os) return `[Errno ${os[2]}] ${os[1]}`;
  const dns = /failed to lookup address information: (.*)$/.exec(msg);
  if (dns) {
    const code = dns[1] === "Temporary failure in name resolution" ? -3 : -2;
    return `[Errno ${code}] ${dns[1]}`;
  }
  return msg;
}

/** smtplib's `quoteaddr`: the address of `Name <addr>` in angle brackets. */
export function quoteaddr(addr: string): string {
  const m = /<([^>]*)>/.exec(addr);
  if (m) return `<${m[1]}>`;
  return `<${addr.trim()}>`;
}

/** smtplib's `_fix_eols`: every line ending becomes CRLF. */
function fixEols(data: string): string {
  return data.replace(/\r\n|\n|\r(?!\n)/g, CRLF);
}

function ascii(s: string): Uint8Array {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) {
      throw new SmtpError(
        `'ascii' codec can't encode character '\\u${
          c.toString(16).padStart(4, "0")
        }' in position ${i}: ordinal not in range(128)`,
      );
    }
  }
  return new TextEncoder().encode(s);
}

function b64(s: string): string {
  return btoa(String.fromCharCode(...ascii(s)));
}

/** What `connect` needs. */
export interface SmtpOptions {
  host: string;
  port: number;
  /** SMTP_SSL: TLS from the first byte, verifying the server's certificate and name. */
  ssl: boolean;
  /** The name for EHLO when the local host name has no dot (smtplib uses `[<local ip>]`). */
  localHostname: string;
}

/** One SMTP session, as smtplib's `SMTP` object. */
export class SmtpClient {
  readonly #conn: Deno.Conn;
  #buf = new Uint8Array(0);
  #features = new Map<string, string>();
  #doesEsmtp = false;
  #ehloDone = false;
  #challenges = 0;
  readonly #localHostname: string;

  private constructor(conn: Deno.Conn, localHostname: string) {
    this.#conn = conn;
    this.#localHostname = localHostname;
  }

  /** Connects and reads the greeting (SMTPConnectError unless it is 220). */
  static async connect(opts: SmtpOptions): Promise<SmtpClient> {
    let conn: Deno.Conn;
    try {
      conn = opts.ssl
        ? await Deno.connectTls({ hostname: opts.host, port: opts.port })
        : await Deno.connect({ hostname: opts.host, port: opts.port });
    } catch (e) {
      throw new SmtpError(osErrorText(e));
    }
    const name = opts.localHostname.includes(".")
      ? opts.localHostname
      : `[${(conn.localAddr as Deno.NetAddr).hostname}]`;
    const client = new SmtpClient(conn, name);
    try {
      const [code, msg] = await client.#getreply();
      if (code !== 220) throw new SmtpError(`(${code}, ${bytesRepr(msg)})`);
    } catch (e) {
      client.close();
      throw e;
    }
    return client;
  }

  close(): void {
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }

  async #send(s: string | Uint8Array): Promise<void> {
    let bytes = typeof s === "string" ? ascii(s) : s;
    try {
      while (bytes.length > 0) bytes = bytes.subarray(await this.#conn.write(bytes));
    } catch (e) {
      this.close();
      throw new SmtpError(osErrorText(e));
    }
  }

  async #readline(): Promise<Uint8Array | null> {
    for (;;) {
      const nl = this.#buf.indexOf(0x0a);
      if (nl >= 0 || this.#buf.length > MAXLINE) {
        const end = nl >= 0 ? Math.min(nl + 1, MAXLINE + 1) : MAXLINE + 1;
        const line = this.#buf.slice(0, end);
        this.#buf = this.#buf.slice(end);
        return line;
      }
      const chunk = new Uint8Array(4096);
      let n: number | null;
      try {
        n = await this.#conn.read(chunk);
      } catch (e) {
        this.close();
        throw new SmtpError(osErrorText(e));
      }
      if (n === null) {
        if (this.#buf.length === 0) return null;
        const line = this.#buf;
        this.#buf = new Uint8Array(0);
        return line;
      }
      const next = new Uint8Array(this.#buf.length + n);
      next.set(this.#buf);
      next.set(chunk.subarray(0, n), this.#buf.length);
      this.#buf = next;
    }
  }

  /** smtplib's `getreply`: the code and the lines' texts joined by `\n`. */
  async #getreply(): Promise<[number, Uint8Array]> {
    const resp: Uint8Array[] = [];
    let code = -1;
    for (;;) {
      const line = await this.#readline();
      if (line === null || line.length === 0) {
        this.close();
        throw new SmtpError("Connection unexpectedly closed");
      }
      if (line.length > MAXLINE) {
        this.close();
        throw new SmtpError("(500, 'Line too long.')");
      }
      let text = line.subarray(4);
      let end = text.length;
      while (end > 0 && [0x20, 0x09, 0x0d, 0x0a].includes(text[end - 1]!)) end--;
      let start = 0;
      while (start < end && [0x20, 0x09, 0x0d, 0x0a].includes(text[start]!)) start++;
      text = text.subarray(start, end);
      resp.push(text);
      const digits = new TextDecoder().decode(line.subarray(0, 3));
      code = /^\s*[+-]?\d+\s*$/.test(digits) ? parseInt(digits, 10) : -1;
      if (code === -1) break;
      if (line[3] !== 0x2d) break;
    }
    const total = resp.reduce((n, r) => n + r.length, 0) + Math.max(0, resp.length - 1);
    const msg = new Uint8Array(total);
    let at = 0;
    resp.forEach((r, i) => {
      if (i > 0) msg[at++] = 0x0a;
      msg.set(r, at);
      at += r.length;
    });
    return [code, msg];
  }

  async #docmd(cmd: string, args = ""): Promise<[number, Uint8Array]> {
    await this.#send((args === "" ? cmd : `${cmd} ${args}`) + CRLF);
    return await this.#getreply();
  }

  async #ehloOrHeloIfNeeded(): Promise<void> {
    if (this.#ehloDone) return;
    const [code, msg] = await this.#docmd("ehlo", this.#localHostname);
    if (code === 250) {
      this.#doesEsmtp = true;
      const lines = new TextDecoder("latin1").decode(msg).split("\n").slice(1);
      for (const each of lines) {
        const old = /^auth=(.*)/i.exec(each);
        if (old) {
          this.#features.set("auth", `${this.#features.get("auth") ?? ""} ${old[1]}`);
          continue;
        }
        const m = /^([A-Za-z0-9][A-Za-z0-9-]*) ?/.exec(each);
        if (!m) continue;
        const feature = m[1]!.toLowerCase();
        const params = each.slice(m[0].length).trim();
        if (feature === "auth") {
          this.#features.set("auth", `${this.#features.get("auth") ?? ""} ${params}`);
        } else this.#features.set(feature, params);
      }
    } else {
      const [hcode, hmsg] = await this.#docmd("helo", this.#localHostname);
      if (hcode < 200 || hcode > 299) throw new SmtpError(`(${hcode}, ${bytesRepr(hmsg)})`);
    }
    this.#ehloDone = true;
  }

  /** smtplib's `login`: the first of CRAM-MD5, PLAIN, LOGIN that the server offers and accepts. */
  async login(user: string, password: string): Promise<void> {
    await this.#ehloOrHeloIfNeeded();
    const offered = this.#features.get("auth");
    if (offered === undefined) {
      throw new SmtpError("SMTP AUTH extension not supported by server.");
    }
    const advertised = offered.split(/\s+/).filter((s) => s !== "");
    const methods = ["CRAM-MD5", "PLAIN", "LOGIN"].filter((m) => advertised.includes(m));
    if (methods.length === 0) throw new SmtpError("No suitable authentication method found.");
    const answer: Record<string, (challenge: Uint8Array | null) => string | null> = {
      "CRAM-MD5": (c) =>
        c === null ? null : `${user} ${createHmac("md5", ascii(password)).update(c).digest("hex")}`,
      "PLAIN": () => `\0${user}\0${password}`,
      "LOGIN": (c) => (c === null || this.#challenges < 2 ? user : password),
    };
    let last: SmtpError | undefined;
    for (const method of methods) {
      const [code, resp] = await this.#auth(method, answer[method]!);
      if (code === 235 || code === 503) return;
      last = new SmtpError(`(${code}, ${bytesRepr(resp)})`);
    }
    throw last!;
  }

  async #auth(
    mechanism: string,
    authobject: (challenge: Uint8Array | null) => string | null,
  ): Promise<[number, Uint8Array]> {
    const initial = authobject(null);
    let code: number, resp: Uint8Array;
    if (initial !== null) {
      [code, resp] = await this.#docmd("AUTH", `${mechanism} ${b64(initial)}`);
      this.#challenges = 1;
    } else {
      [code, resp] = await this.#docmd("AUTH", mechanism);
      this.#challenges = 0;
    }
    while (code === 334) {
      this.#challenges++;
      const challenge = Uint8Array.from(
        atob(new TextDecoder("latin1").decode(resp).replace(/\s/g, "")),
        (ch) => ch.charCodeAt(0),
      );
      [code, resp] = await this.#docmd(b64(authobject(challenge) ?? ""));
      if (this.#challenges > MAXCHALLENGE) {
        throw new SmtpError(
          `Server AUTH mechanism infinite loop. Last response: (${code}, ${bytesRepr(resp)})`,
        );
      }
    }
    return [code, resp];
  }

  async #rset(): Promise<void> {
    try {
      await this.#docmd("rset");
    } catch {
      // smtplib's _rset ignores a server that is gone
    }
  }

  /** smtplib's `sendmail` for one recipient. */
  async sendmail(from: string, to: string, msg: string): Promise<void> {
    await this.#ehloOrHeloIfNeeded();
    const body = ascii(fixEols(msg));
    const opts = this.#doesEsmtp && this.#features.has("size") ? ` size=${body.length}` : "";
    let [code, resp] = await this.#docmd("mail", `FROM:${quoteaddr(from)}${opts}`);
    if (code !== 250) {
      if (code === 421) this.close();
      else await this.#rset();
      throw new SmtpError(`(${code}, ${bytesRepr(resp)}, '${from}')`);
    }
    [code, resp] = await this.#docmd("rcpt", `TO:${quoteaddr(to)}`);
    if (code !== 250 && code !== 251) {
      if (code === 421) this.close();
      else await this.#rset();
      throw new SmtpError(`{'${to}': (${code}, ${bytesRepr(resp)})}`);
    }
    [code, resp] = await this.#docmd("data");
    if (code !== 354) throw new SmtpError(`(${code}, ${bytesRepr(resp)})`);
    let q = new TextDecoder().decode(body).replace(/^\./gm, "..");
    if (!q.endsWith(CRLF)) q += CRLF;
    await this.#send(q + "." + CRLF);
    [code, resp] = await this.#getreply();
    if (code !== 250) {
      if (code === 421) this.close();
      else await this.#rset();
      throw new SmtpError(`(${code}, ${bytesRepr(resp)})`);
    }
  }

  /** smtplib's `quit`. */
  async quit(): Promise<void> {
    try {
      await this.#docmd("quit");
    } finally {
      this.close();
    }
  }
}
