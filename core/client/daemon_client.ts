/**
 * Finding a running `mgrd serve` and talking to its admin endpoint: the URL from `--url` or
 * the `mgrd.<id>.url` file the daemon writes to its data directory, the bearer key from the
 * keyring, and the two requests the client makes (`GET /api/v1/commands`, `POST
 * /api/v1/command`). Every failure is a {@link ClientError} carrying the errno the CLI exits
 * with and a message that names the file or URL involved.
 *
 * @module
 */

import {
  EACCES,
  EAGAIN,
  ECONNREFUSED,
  EFBIG,
  EINVAL,
  EIO,
  ENOENT,
  errnoName,
  ETIMEDOUT,
} from "../../ceph/errno.ts";
import { parseKeyring } from "../../ceph/keyring.ts";

export { ECONNREFUSED, EFBIG };

/** Redirects followed per request (a standby points at the active manager: one is normal). */
const MAX_REDIRECTS = 3;

/** A failure before or around a command: exit with `errno`, print `Error <NAME>: message`. */
export class ClientError extends Error {
  /**
   * @param errno positive errno the CLI exits with
   * @param message what went wrong, naming the file or URL involved
   */
  constructor(readonly errno: number, message: string) {
    super(message);
    this.name = "ClientError";
  }
}

/**
 * The errno name the CLI prints, covering the connection errors `errnoName` does not list.
 *
 * @example
 * ```ts
 * import { clientErrnoName } from "./daemon_client.ts";
 * console.assert(clientErrnoName(111) === "ECONNREFUSED");
 * console.assert(clientErrnoName(22) === "EINVAL");
 * ```
 */
export function clientErrnoName(errno: number): string {
  return errnoName(errno);
}

/** Where the daemon is and how to authenticate to it. */
export interface DaemonTarget {
  /** Base URL, e.g. `http://127.0.0.1:43121`. */
  url: string;
  /** Where the URL came from (`--url` or the url file's path), for messages. */
  urlSource: string;
  entity: string;
  key: string;
  /** The keyring file the key came from. */
  keyringPath: string;
}

/** What {@link resolveTarget} needs from the command line. */
export interface TargetOptions {
  url?: string;
  dataDir: string;
  keyring?: string;
  entity: string;
}

/** A command's reply: Ceph's (retval, outbuf, outs). */
export interface CommandReply {
  retval: number;
  stdout: string;
  stderr: string;
  /** A binary stdout (`osd getcrushmap`): these bytes are written instead of `stdout`. */
  stdoutBytes?: Uint8Array;
}

/** The `fetch` the client uses; tests inject a fake daemon here. */
export type FetchFn = (input: string, init: RequestInit) => Promise<Response>;

/**
 * Finds the daemon's URL and the entity's key. Without `--url`, the URL is read from a
 * `mgrd.<id>.url` file of the data directory (the daemon writes one per manager it runs; with
 * several, the first by name is taken, and a standby redirects to the active manager). The
 * keyring defaults to `<data-dir>/keyring`.
 *
 * Throws {@link ClientError}: ENOENT for a missing directory, url file, keyring or key;
 * EINVAL for a url file that holds no http(s) URL, or an unreadable keyring.
 *
 * @example
 * ```ts
 * import { resolveTarget } from "./daemon_client.ts";
 * const dir = Deno.makeTempDirSync();
 * Deno.writeTextFileSync(`${dir}/mgrd.x.url`, "http://127.0.0.1:7000\n");
 * Deno.writeTextFileSync(`${dir}/keyring`, "[client.admin]\n\tkey = k1\n");
 * const t = await resolveTarget({ dataDir: dir, entity: "client.admin" });
 * console.assert(t.url === "http://127.0.0.1:7000" && t.key === "k1");
 * ```
 */
export async function resolveTarget(opts: TargetOptions): Promise<DaemonTarget> {
  const dir = opts.dataDir.replace(/\/+$/, "") || "/";
  let url: string;
  let urlSource: string;
  if (opts.url !== undefined) {
    url = opts.url;
    urlSource = "--url";
  } else {
    urlSource = await findUrlFile(dir);
    url = (await readText(urlSource, "the daemon's url file")).trim();
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
      throw new ClientError(
        EINVAL,
        `${urlSource} does not hold an http(s) URL (got '${url.slice(0, 80)}')`,
      );
    }
  }
  const keyringPath = opts.keyring ?? `${dir}/keyring`;
  const text = await readText(keyringPath, "keyring");
  let entries;
  try {
    entries = parseKeyring(text, keyringPath, { validate: false });
  } catch (e) {
    throw new ClientError(EINVAL, `cannot parse keyring ${keyringPath}: ${(e as Error).message}`);
  }
  const key = entries.find((e) => e.entity === opts.entity)?.key;
  if (key === undefined || key === "") {
    throw new ClientError(ENOENT, `no key for ${opts.entity} in keyring ${keyringPath}`);
  }
  return { url: url.replace(/\/+$/, ""), urlSource, entity: opts.entity, key, keyringPath };
}

async function findUrlFile(dir: string): Promise<string> {
  const found: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && /^mgrd\..+\.url$/.test(e.name)) found.push(e.name);
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new ClientError(
        ENOENT,
        `data directory ${dir} does not exist (start the daemon with 'mgrd serve --data-dir ${dir}', or pass --data-dir or --url)`,
      );
    }
    throw new ClientError(EIO, `cannot list data directory ${dir}: ${(e as Error).message}`);
  }
  if (found.length === 0) {
    throw new ClientError(
      ENOENT,
      `no daemon address in ${dir}: ${dir}/mgrd.<id>.url does not exist (is 'mgrd serve --data-dir ${dir}' running?)`,
    );
  }
  // One `mgrd serve` writes a file per manager it runs (the active one and its standbys);
  // any of them will do, since a standby redirects to the active manager.
  found.sort();
  return `${dir}/${found[0]}`;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new ClientError(ENOENT, `${what} ${path} does not exist`);
    }
    if (e instanceof Deno.errors.PermissionDenied) {
      throw new ClientError(EACCES, `cannot read ${what} ${path}: permission denied`);
    }
    throw new ClientError(EIO, `cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

/** The daemon's admin endpoint, as the CLI uses it. */
export class DaemonClient {
  readonly #target: DaemonTarget;
  readonly #fetch: FetchFn;
  readonly #timeoutMs: number | undefined;

  /**
   * @param target where the daemon is and the key to present
   * @param fetchFn the HTTP client (`fetch`, or a fake daemon in tests)
   * @param timeoutMs give up on each request after this long (ETIMEDOUT); none if undefined
   */
  constructor(target: DaemonTarget, fetchFn: FetchFn, timeoutMs?: number) {
    this.#target = target;
    this.#fetch = fetchFn;
    this.#timeoutMs = timeoutMs;
  }

  /** `GET /api/v1/commands`: the command descriptions, as JSON. */
  async descriptions(): Promise<unknown> {
    const res = await this.#request("/api/v1/commands", { method: "GET" });
    return await this.#json(res);
  }

  /**
   * `POST /api/v1/command`: runs a command (`{prefix, ...args, format?}`) with optional input.
   *
   * @example
   * ```ts ignore
   * const reply = await client.command({ prefix: "health" });
   * console.log(reply.retval, reply.stdout);
   * ```
   */
  async command(cmd: Record<string, unknown>, inbuf?: string): Promise<CommandReply> {
    const body = inbuf === undefined ? cmd : { ...cmd, inbuf };
    const res = await this.#request("/api/v1/command", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = await this.#json(res);
    const { retval, stdout, stderr, stdout_base64 } = (json ?? {}) as Record<string, unknown>;
    if (
      typeof retval !== "number" || !Number.isInteger(retval) || typeof stdout !== "string" ||
      typeof stderr !== "string"
    ) {
      throw new ClientError(
        EIO,
        `${this.#target.url}/api/v1/command answered without integer retval and string stdout/stderr`,
      );
    }
    if (stdout_base64 === undefined) return { retval, stdout, stderr };
    let stdoutBytes: Uint8Array;
    try {
      if (typeof stdout_base64 !== "string") throw new TypeError("not a string");
      stdoutBytes = Uint8Array.fromBase64(stdout_base64);
    } catch (e) {
      throw new ClientError(
        EIO,
        `${this.#target.url}/api/v1/command answered a stdout_base64 that is not base64: ${
          (e as Error).message
        }`,
      );
    }
    return { retval, stdout, stderr, stdoutBytes };
  }

  async #request(path: string, init: RequestInit): Promise<Response> {
    let url = this.#target.url + path;
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${this.#target.key}`);
    const signal = this.#timeoutMs === undefined ? undefined : AbortSignal.timeout(this.#timeoutMs);
    let res: Response;
    // A standby manager answers 307 with the active manager's endpoint. The redirect is
    // followed here rather than by fetch, which drops the Authorization header when the
    // redirect leaves the origin (another port is another origin).
    for (let hop = 0;; hop++) {
      try {
        res = await this.#fetch(url, { ...init, headers, signal, redirect: "manual" });
      } catch (e) {
        throw this.#networkError(e, url);
      }
      const location = res.headers.get("location");
      if ((res.status !== 307 && res.status !== 308) || location === null) break;
      await res.body?.cancel();
      if (hop === MAX_REDIRECTS) {
        throw new ClientError(EIO, `more than ${MAX_REDIRECTS} redirects from ${this.#target.url}`);
      }
      const next = URL.canParse(location, url) ? new URL(location, url) : undefined;
      if (next === undefined || !/^https?:$/.test(next.protocol)) {
        throw new ClientError(EIO, `${url} redirected to an invalid address '${location}'`);
      }
      url = next.href;
    }
    if (res.ok) return res;
    const detail = await errorDetail(res);
    if (res.status === 401) {
      const to = this.#target.url + path;
      // The active manager of another process checks the key against its own keyring.
      const where = url === to
        ? this.#target.url
        : `${new URL(url).origin} (where the standby at ${this.#target.url} sent the request)`;
      throw new ClientError(
        EACCES,
        `${where} refused the key of ${this.#target.entity} from ${this.#target.keyringPath} (HTTP 401${
          detail ? `: ${detail}` : ""
        })`,
      );
    }
    if (res.status === 413) {
      throw new ClientError(EFBIG, `request too large for ${url}${detail ? `: ${detail}` : ""}`);
    }
    if (res.status === 400) {
      throw new ClientError(EINVAL, `${url} rejected the request${detail ? `: ${detail}` : ""}`);
    }
    if (res.status === 503) {
      throw new ClientError(EAGAIN, `${url} is unavailable${detail ? `: ${detail}` : ""}`);
    }
    throw new ClientError(EIO, `HTTP ${res.status} from ${url}${detail ? `: ${detail}` : ""}`);
  }

  async #json(res: Response): Promise<unknown> {
    try {
      return await res.json();
    } catch (e) {
      throw new ClientError(
        EIO,
        `${res.url || this.#target.url} sent invalid JSON: ${(e as Error).message}`,
      );
    }
  }

  #networkError(e: unknown, url: string): ClientError {
    const base = this.#target.url;
    const where = !url.startsWith(base + "/")
      ? `${new URL(url).origin} (the active manager, as a standby at ${base} said)`
      : this.#target.urlSource === "--url"
      ? base
      : `${base} (from ${this.#target.urlSource})`;
    if (e instanceof DOMException && (e.name === "TimeoutError" || e.name === "AbortError")) {
      return new ClientError(
        ETIMEDOUT,
        `no answer from mgrd at ${where} within ${(this.#timeoutMs ?? 0) / 1000} s`,
      );
    }
    const text = describe(e);
    if (
      /connection refused|os error 111/i.test(text) || e instanceof Deno.errors.ConnectionRefused
    ) {
      return new ClientError(
        ECONNREFUSED,
        `cannot connect to mgrd at ${where}: connection refused (is 'mgrd serve' running?)`,
      );
    }
    return new ClientError(EIO, `cannot reach mgrd at ${where}: ${text}`);
  }
}

function describe(e: unknown): string {
  const parts: string[] = [];
  for (let cur: unknown = e, depth = 0; cur !== undefined && depth < 4; depth++) {
    if (cur instanceof Error) {
      parts.push(cur.message);
      cur = cur.cause;
    } else {
      parts.push(String(cur));
      break;
    }
  }
  return parts.join(": ");
}

async function errorDetail(res: Response): Promise<string> {
  let text: string;
  try {
    text = await res.text();
  } catch {
    return "";
  }
  try {
    const j = JSON.parse(text);
    if (j !== null && typeof j === "object" && typeof j.error === "string") return j.error;
  } catch {
    // Not JSON: show the text itself.
  }
  return text.trim().slice(0, 200);
}
