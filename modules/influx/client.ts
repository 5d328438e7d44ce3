/**
 * The part of the Python `influxdb` client 5.3.1 (`InfluxDBClient`) that Ceph 16.2.15's influx
 * module uses, over HTTP with `fetch`: `get_list_database`, `create_database`,
 * `create_retention_policy` and `write_points(points, time_precision='ms')`, with the same
 * URLs, query strings, methods, Basic auth and errors.
 *
 * Differences, named: the client asks for JSON answers (`Accept: application/json`) where the
 * Python one asks for msgpack (it decodes both; InfluxDB 1.x answers either); it retries a
 * failed connection three times as the Python one does, but without the Python one's
 * random sub-second pause between POST retries; `verify_ssl=false` cannot turn certificate
 * checks off (Deno's `fetch` has no per-request switch for it).
 *
 * @module
 */
import { makeLines, type Point } from "./line_protocol.ts";

/** A connection failure (Python's `requests.exceptions.RequestException`). */
export class RequestException extends Error {
  override name = "RequestException";
}

/** A 4xx answer or an error in a query result (Python's `InfluxDBClientError`). */
export class InfluxDBClientError extends Error {
  override name = "InfluxDBClientError";
  constructor(readonly content: string, readonly code?: number) {
    super(code === undefined ? content : `${code}: ${content}`);
  }
}

/** A 5xx answer (Python's `InfluxDBServerError`, not an `InfluxDBClientError` there either). */
export class InfluxDBServerError extends Error {
  override name = "InfluxDBServerError";
}

/** How to reach the server: `InfluxDBClient(host, port, username, password, database, ssl, verify_ssl)`. */
export interface InfluxClientOptions {
  host: string;
  port: number;
  username: string | null;
  password: string | null;
  database: string;
  ssl: boolean;
  verifySsl: boolean;
  /** Aborts requests in flight (the module's shutdown). */
  signal?: AbortSignal;
}

/** How many times a connection is tried (the Python client's `retries=3`). */
const RETRIES = 3;

/**
 * Python's `urllib.parse.quote_plus`, which `requests` applies to query parameters: letters,
 * digits and `_.-~` stay, a space becomes `+`, every other UTF-8 byte `%XX`.
 */
export function quotePlus(text: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(text)) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9_.\-~]/.test(c)) out += c;
    else if (byte === 0x20) out += "+";
    else out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** `quote_ident`: a name in double quotes, for InfluxQL. */
export function quoteIdent(value: string): string {
  return `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")}"`;
}

/** An error's message with its causes (Deno's fetch says "fetch failed" and puts why below). */
function describe(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e !== undefined && parts.length < 4;) {
    if (e instanceof Error) {
      parts.push(e.message);
      e = e.cause;
    } else {
      parts.push(String(e));
      break;
    }
  }
  return parts.join(": ");
}

function base64(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** A client of one InfluxDB 1.x server and database. */
export class InfluxClient {
  readonly #o: InfluxClientOptions;
  readonly #base: string;

  constructor(options: InfluxClientOptions) {
    this.#o = options;
    this.#base = `${options.ssl ? "https" : "http"}://${options.host}:${options.port}`;
  }

  /** The URL the Python client names in its errors (`/query?q=SHOW+DATABASES&db=ceph`). */
  static pathWithQuery(path: string, params: readonly [string, string][]): string {
    const query = params.map(([k, v]) => `${quotePlus(k)}=${quotePlus(v)}`).join("&");
    return query === "" ? `/${path}` : `/${path}?${query}`;
  }

  async #request(
    path: string,
    method: "GET" | "POST",
    params: [string, string][],
    body: string | undefined,
    expected: number,
    contentType: string,
  ): Promise<string> {
    const url = InfluxClient.pathWithQuery(path, params);
    const headers: Record<string, string> = {
      "Content-Type": contentType,
      "Accept": "application/json",
    };
    // requests sends Basic auth whenever neither part is None; the module's options are
    // strings, so an unset username goes as the text "None", as in Ceph.
    const { username, password } = this.#o;
    if (username !== null && password !== null) {
      headers["Authorization"] = `Basic ${base64(`${username}:${password}`)}`;
    }
    let response: Response | undefined;
    let lastError: unknown;
    for (let attempt = 1; attempt <= RETRIES && response === undefined; attempt++) {
      try {
        response = await fetch(this.#base + url, {
          method,
          headers,
          body: method === "POST" ? (body ?? "") : undefined,
          signal: this.#o.signal,
        });
      } catch (e) {
        lastError = e;
        if (this.#o.signal?.aborted) break;
      }
    }
    if (response === undefined) {
      const why = describe(lastError);
      const scheme = this.#o.ssl ? "HTTPSConnectionPool" : "HTTPConnectionPool";
      // urllib3's words: a TLS failure is an SSLError, anything else a NewConnectionError.
      const cause =
        this.#o.ssl && /tls|ssl|certificate|handshake|corrupt message|InvalidContentType/i.test(why)
          ? `SSLError('${why}')`
          : `NewConnectionError('Failed to establish a new connection: ${why}')`;
      throw new RequestException(
        `${scheme}(host='${this.#o.host.toLowerCase()}', port=${this.#o.port}): Max retries ` +
          `exceeded with url: ${url} (Caused by ${cause})`,
      );
    }
    const text = await response.text();
    if (response.status >= 500 && response.status < 600) throw new InfluxDBServerError(text);
    if (response.status !== expected) throw new InfluxDBClientError(text, response.status);
    return text;
  }

  /** `query(q, method)`: the JSON results, raising the first result's `error` as Python does. */
  async query(q: string, method: "GET" | "POST" = "GET"): Promise<QueryResult[]> {
    const text = await this.#request(
      "query",
      method,
      [["q", q], ["db", this.#o.database]],
      undefined,
      200,
      "application/json",
    );
    let data: { results?: QueryResult[] };
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw new InfluxDBClientError(`not a JSON answer: ${(e as Error).message}`);
    }
    const results = data.results ?? [];
    for (const r of results) {
      if (r.error !== undefined && r.error !== null) throw new InfluxDBClientError(r.error);
    }
    return results;
  }

  /** `get_list_database()`: `[{name}]` from `SHOW DATABASES`. */
  async getListDatabase(): Promise<{ name: string }[]> {
    const [result] = await this.query("SHOW DATABASES");
    const names: { name: string }[] = [];
    for (const series of result?.series ?? []) {
      const at = series.columns.indexOf("name");
      for (const row of series.values ?? []) names.push({ name: String(row[at]) });
    }
    return names;
  }

  /** `create_database(name)`. */
  async createDatabase(name: string): Promise<void> {
    await this.query(`CREATE DATABASE ${quoteIdent(name)}`, "POST");
  }

  /** `create_retention_policy(name, duration, replication, default=True)` on the database. */
  async createRetentionPolicy(name: string, duration: string, replication: string): Promise<void> {
    await this.query(
      `CREATE RETENTION POLICY ${quoteIdent(name)} ON ${quoteIdent(this.#o.database)} ` +
        `DURATION ${duration} REPLICATION ${replication} SHARD DURATION 0s DEFAULT`,
      "POST",
    );
  }

  /** `write_points(points, time_precision='ms')`: one `POST /write` of the points' lines. */
  async writePoints(points: readonly Point[]): Promise<void> {
    await this.#request(
      "write",
      "POST",
      [["db", this.#o.database], ["precision", "ms"]],
      makeLines(points, "ms"),
      204,
      "application/octet-stream",
    );
  }
}

/** One statement's result in a `/query` answer. */
export interface QueryResult {
  statement_id?: number;
  error?: string | null;
  series?: { name?: string; columns: string[]; values?: unknown[][] }[];
}
