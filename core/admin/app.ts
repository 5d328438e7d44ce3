/**
 * The admin endpoint: a Hono app that runs commands for authenticated entities.
 *
 * - Every request needs `Authorization: Bearer <token>`, a key of the keyring; otherwise 401
 *   with a JSON `{error}` (the token is never echoed nor logged).
 * - `POST /api/v1/command`: the body is the JSON command itself, `{"prefix": "...", <args>,
 *   "format"?: ...}`, plus an optional top-level `"inbuf"` string, which is taken out before
 *   dispatch. The answer is 200 `{retval, stdout, stderr}`: command failures live in retval,
 *   as in Ceph. Malformed input is a 400 saying what is wrong; a body over the limit (8 MiB
 *   by default) a 413, whether it announces its length or not. Content-Type may be absent,
 *   `application/json` (or `application/*+json`) or `text/plain`, which is what `fetch()`
 *   sends for a string body; anything else (a form, `curl -d`'s default) is a 415 asking for
 *   JSON, rather than a confusing parse error.
 * - `GET /api/v1/commands`: the command descriptions clients fetch (any authenticated entity,
 *   as Ceph's `get_command_descriptions`).
 * - `GET /api/v1/health`, `GET /api/v1/status`: need `r` caps (403 otherwise), as `health`
 *   and `status` do.
 * - On a standby manager every authenticated request is answered with `307 Temporary
 *   Redirect` to the same path on the active manager's endpoint (a 307 keeps the method and
 *   the body), or `503` with `Retry-After` while no manager is active. Only the active
 *   manager runs commands, as in Ceph, where clients send them to the MgrMap's active daemon;
 *   but while no manager can be reached, a standby still lists the commands and runs those
 *   Ceph's mon answers (`osd stat`, `health`, `mgr stat`...), as a real mon keeps answering
 *   its own commands whatever the managers' state: only the manager's own wait (503).
 *
 * The caps check of commands happens in {@link CommandService.run}, so in-process callers get
 * it too; the app only says who the caller is. Each command leaves one audit line in the
 * daemon log, once it has finished: `audit from='<entity>' cmd=<command JSON, inbuf left
 * out>: dispatch r=<retval>`.
 *
 * @module
 */

import { type Context, Hono, type Next } from "hono";
import { auditCommand, auditCut } from "../commands/audit_text.ts";
import { describeCommands } from "../commands/descriptions.ts";
import type { Caller, CommandService } from "../commands/service.ts";
import { EINVAL } from "../../ceph/errno.ts";
import type { HealthReport } from "../health.ts";
import type { ModuleLogger } from "../logging.ts";
import { capsAllow } from "../../ceph/mgr_cap.ts";
import type { Keyring } from "./keyring.ts";
import type { Clock } from "../clock.ts";

/** Default largest accepted request body: 8 MiB, room for any `-i` inbuf a command takes. */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

/**
 * Default seconds a request body may take to arrive: a client that announces more than it
 * sends (a Content-Length larger than its body) is answered 408 then, not held for ever.
 */
export const DEFAULT_BODY_TIMEOUT_SECONDS = 30;

/** What {@link createAdminApp} needs. */
export interface AdminAppOptions {
  /** Runs the commands. */
  service: CommandService;
  /** Authenticates bearer tokens. */
  keyring: Keyring;
  /** Where audit lines and internal faults go (the daemon's logger). */
  log: ModuleLogger;
  /** Largest accepted request body in bytes; {@link DEFAULT_MAX_BODY_BYTES} by default. */
  maxBodyBytes?: number;
  /** Times the body deadline; without it a body may take as long as it likes. */
  clock?: Clock;
  /** Seconds a body may take to arrive; {@link DEFAULT_BODY_TIMEOUT_SECONDS} by default. */
  bodyTimeoutSeconds?: number;
  /**
   * Asked on every request: undefined while this daemon is the active manager; where the
   * active one is while it is a standby (see {@link StandbyAnswer}).
   */
  standby?: () => StandbyAnswer | undefined;
}

/** What a standby manager's endpoint tells callers. */
export interface StandbyAnswer {
  /** This daemon, e.g. `mgr.y`. */
  daemon: string;
  /** The active manager (`mgr.x`), or null while there is none. */
  active: string | null;
  /** The active manager's admin endpoint (`http://127.0.0.1:7480`), or null if unknown. */
  activeUrl: string | null;
}

/** The answer to `POST /api/v1/command`. */
export interface CommandResponse {
  retval: number;
  stdout: string;
  stderr: string;
  /** A binary stdout (MonCommandResult.outbBytes), base64: JSON carries no raw bytes. */
  stdout_base64?: string;
}

/** `GET /api/v1/status`. Later issues add the cluster's state next to its health. */
export interface StatusReport {
  health: HealthReport;
}

/**
 * Builds the status report from the service: one place to extend when more state is shown.
 *
 * @example
 * ```ts
 * import { statusReport } from "./app.ts";
 * const health = { status: "HEALTH_OK" as const, checks: {}, mutes: [] };
 * const service = { descriptors: () => [], run: () => Promise.reject(), health: () => health };
 * console.assert(statusReport(service).health.status === "HEALTH_OK");
 * ```
 */
export function statusReport(service: CommandService): StatusReport {
  return { health: service.health() };
}

type AdminEnv = {
  Variables: { caller: Caller; token: string; unreachable: Response | undefined };
};

/** Thrown inside the command handler to answer with a 4xx and a message. */
class RequestError extends Error {
  readonly status: 400 | 408 | 413 | 415;
  constructor(status: 400 | 408 | 413 | 415, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * Creates the admin app. Serve it with `Deno.serve({ hostname: "127.0.0.1", port }, app.fetch)`;
 * drive it in tests with `app.request(...)`.
 *
 * @example
 * ```ts
 * import { createAdminApp } from "./app.ts";
 * import { Keyring } from "./keyring.ts";
 * import { DaemonLog } from "../logging.ts";
 * const dir = await Deno.makeTempDir();
 * const keyring = await Keyring.open(`${dir}/keyring`);
 * const health = { status: "HEALTH_OK" as const, checks: {}, mutes: [] };
 * const service = {
 *   descriptors: () => [],
 *   run: () => Promise.resolve({ r: 0, outb: "pong", outs: "" }),
 *   health: () => health,
 * };
 * const log = new DaemonLog({ daemonName: "mgr.x", id: "x" });
 * const app = createAdminApp({ service, keyring, log: log.daemonLogger() });
 * const token = keyring.get("client.admin")?.key ?? "";
 * const res = await app.request("/api/v1/command", {
 *   method: "POST",
 *   headers: { authorization: `Bearer ${token}` },
 *   body: JSON.stringify({ prefix: "ping" }),
 * });
 * console.assert((await res.json()).stdout === "pong");
 * log.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function createAdminApp(options: AdminAppOptions): Hono<AdminEnv> {
  // `??`, not a spread of defaults: an explicit `maxBodyBytes: undefined` means the default.
  const opts = { ...options, maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES };
  if (!Number.isSafeInteger(opts.maxBodyBytes) || opts.maxBodyBytes <= 0) {
    throw new Error(`maxBodyBytes must be a positive integer, got ${opts.maxBodyBytes}`);
  }
  const { service, keyring, log, maxBodyBytes, standby } = opts;
  const bodyDeadline = {
    clock: opts.clock,
    seconds: opts.bodyTimeoutSeconds ?? DEFAULT_BODY_TIMEOUT_SECONDS,
  };

  async function authenticate(c: Context<AdminEnv>, next: Next) {
    const header = c.req.header("authorization");
    const match = header === undefined ? null : /^bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (!match?.[1]) {
      c.header("WWW-Authenticate", 'Bearer realm="mgrd"');
      return c.json({ error: "missing bearer token: send 'Authorization: Bearer <token>'" }, 401);
    }
    const entry = keyring.authenticate(match[1]);
    if (!entry) {
      c.header("WWW-Authenticate", 'Bearer realm="mgrd", error="invalid_token"');
      return c.json({ error: "invalid token" }, 401);
    }
    c.set("caller", { entity: entry.entity, caps: entry.caps.mgr ?? "" });
    c.set("token", match[1]);
    await next();
  }

  async function runCommand(c: Context<AdminEnv>) {
    let parsed: { cmd: Record<string, unknown>; inbuf: string };
    try {
      checkContentType(c.req.header("content-type"));
      parsed = parseCommand(await readBody(c.req.raw, maxBodyBytes, bodyDeadline));
    } catch (e) {
      if (e instanceof RequestError) return c.json({ error: e.message }, e.status);
      throw e;
    }
    // No manager to send it to: only what the mon answers runs here.
    const unreachable = c.get("unreachable");
    if (unreachable && !service.monOwned?.(String(parsed.cmd.prefix))) return unreachable;
    const caller = c.get("caller");
    let result: CommandResponse;
    try {
      const out = await service.run(parsed.cmd, parsed.inbuf, caller);
      result = { retval: out.r, stdout: out.outb, stderr: out.outs };
      if (out.outbBytes !== undefined) result.stdout_base64 = out.outbBytes.toBase64();
    } catch (e) {
      // The service answers failures in retval; a rejection is a fault of ours, not the
      // caller's input, so it is logged in full and answered like Ceph answers a handler
      // that raised.
      log.exception(`command ${auditCut(JSON.stringify(parsed.cmd.prefix))} failed`, e);
      result = { retval: -EINVAL, stdout: "", stderr: `command failed: ${errorText(e)}` };
    }
    const line = `audit from='${caller.entity}' cmd=${
      auditCut(JSON.stringify(auditCommand(parsed.cmd)))
    }: dispatch r=${result.retval}`;
    // A command argument could quote the caller's own token; it must not reach the log.
    log.info(line.replaceAll(c.get("token"), "<redacted>"));
    return c.json(result);
  }

  async function redirectToActive(c: Context<AdminEnv>, next: Next) {
    const answer = standby?.();
    if (answer === undefined) return await next();
    if (answer.activeUrl === null) {
      c.header("Retry-After", "5");
      const why = answer.active === null
        ? "no manager is active"
        : `the address of the active manager ${answer.active} is not known`;
      const unavailable = c.json(
        { error: `${answer.daemon} is a standby and ${why}; retry later` },
        503,
      );
      const path = new URL(c.req.url).pathname;
      if (c.req.method === "GET" && path === "/api/v1/commands") return await next();
      if (c.req.method === "POST" && path === "/api/v1/command") {
        c.set("unreachable", unavailable);
        return await next();
      }
      return unavailable;
    }
    const url = new URL(c.req.url);
    const location = answer.activeUrl.replace(/\/+$/, "") + url.pathname + url.search;
    c.header("Location", location);
    return c.json({
      error:
        `${answer.daemon} is a standby; the active manager is ${answer.active} at ${answer.activeUrl}`,
    }, 307);
  }

  function listCommands(c: Context<AdminEnv>) {
    return c.json(describeCommands(service.descriptors()));
  }

  function requireRead(c: Context<AdminEnv>): Response | undefined {
    return capsAllow(c.get("caller").caps, "r")
      ? undefined
      : c.json({ error: "access denied" }, 403);
  }

  function getHealth(c: Context<AdminEnv>) {
    return requireRead(c) ?? c.json(service.health());
  }

  function getStatus(c: Context<AdminEnv>) {
    return requireRead(c) ?? c.json(statusReport(service));
  }

  function methodNotAllowed(allow: string) {
    return function methodNotAllowed(c: Context<AdminEnv>) {
      c.header("Allow", allow);
      return c.json({ error: `method ${c.req.method} not allowed; use ${allow}` }, 405);
    };
  }

  function notFound(c: Context<AdminEnv>) {
    return c.json({ error: `no such endpoint: ${c.req.method} ${c.req.path}` }, 404);
  }

  function internalError(e: Error, c: Context<AdminEnv>) {
    log.exception(`admin endpoint: ${c.req.method} ${c.req.path} failed`, e);
    return c.json({ error: "internal error" }, 500);
  }

  const app = new Hono<AdminEnv>();
  app.use("*", authenticate);
  app.use("*", redirectToActive);
  app.post("/api/v1/command", runCommand);
  app.all("/api/v1/command", methodNotAllowed("POST"));
  app.get("/api/v1/commands", listCommands);
  app.get("/api/v1/health", getHealth);
  app.get("/api/v1/status", getStatus);
  for (const path of ["/api/v1/commands", "/api/v1/health", "/api/v1/status"]) {
    app.all(path, methodNotAllowed("GET"));
  }
  app.notFound(notFound);
  app.onError(internalError);
  return app;
}

function checkContentType(contentType: string | undefined): void {
  if (contentType === undefined) return;
  const mime = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  if (
    mime === "" || mime === "application/json" || mime === "text/plain" ||
    /^application\/[^/]+\+json$/.test(mime)
  ) {
    return;
  }
  throw new RequestError(415, `Content-Type must be application/json, got '${mime}'`);
}

/**
 * Reads the body, refusing more than `max` bytes: first by the declared Content-Length, then
 * by counting what actually arrives (chunked bodies, and lengths that lie), cancelling the
 * stream as soon as it is too long. Hono's bodyLimit trusts a Content-Length when there is
 * one, so it is not used here.
 */
async function readBody(
  req: Request,
  max: number,
  deadline: { clock: Clock | undefined; seconds: number },
): Promise<Uint8Array> {
  const tooLarge = () => new RequestError(413, `request body is larger than ${max} bytes`);
  const declared = req.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > max) {
    await req.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  if (req.body === null) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  // One deadline for the whole body, so a trickle of bytes cannot hold the request either.
  const stop = new AbortController();
  const expired = deadline.clock
    ? deadline.clock.sleep(deadline.seconds, stop.signal).then(() => !stop.signal.aborted)
    : new Promise<boolean>(() => {});
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), expired]);
      if (next === true) {
        await reader.cancel().catch(() => {});
        throw new RequestError(
          408,
          `the request body did not arrive within ${deadline.seconds}s (${size} bytes came` +
            (declared !== null ? ` of the ${declared} announced)` : ")"),
        );
      }
      if (typeof next === "boolean") continue;
      const { done, value } = next;
      if (done) break;
      size += value.byteLength;
      if (size > max) {
        await reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(value);
    }
  } finally {
    stop.abort();
  }
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/** The command object and its inbuf from a request body, or a RequestError(400) saying why. */
function parseCommand(body: Uint8Array): { cmd: Record<string, unknown>; inbuf: string } {
  let text: string;
  try {
    text = decoder.decode(body);
  } catch {
    throw new RequestError(400, "request body is not valid UTF-8");
  }
  if (text.trim() === "") {
    throw new RequestError(400, "request body is empty: send the command as a JSON object");
  }
  if (nestingDepth(text) > MAX_NESTING) {
    throw new RequestError(400, `the command nests deeper than ${MAX_NESTING} levels`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new RequestError(400, `malformed JSON: ${errorText(e)}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const kind = value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
    throw new RequestError(400, `the command must be a JSON object, got ${kind}`);
  }
  const cmd = value as Record<string, unknown>;
  let inbuf = "";
  if (Object.hasOwn(cmd, "inbuf")) {
    if (typeof cmd.inbuf !== "string") {
      throw new RequestError(400, `"inbuf" must be a string, got ${jsonKind(cmd.inbuf)}`);
    }
    inbuf = cmd.inbuf;
    delete cmd.inbuf;
  }
  if (!Object.hasOwn(cmd, "prefix")) {
    throw new RequestError(400, `the command has no "prefix" (the command's words)`);
  }
  if (typeof cmd.prefix !== "string") {
    throw new RequestError(400, `"prefix" must be a string, got ${jsonKind(cmd.prefix)}`);
  }
  return { cmd, inbuf };
}

/**
 * Commands are flat (scalars and lists of scalars); deeper JSON is refused before parsing,
 * because recursive code downstream (stringify for the audit line, validation) could run out
 * of stack on a few megabytes of brackets.
 */
const MAX_NESTING = 64;

/** The deepest `[`/`{` nesting of JSON text (up to just past the limit), strings skipped. */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) max = depth;
      if (max > MAX_NESTING) return max;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return max;
}

function jsonKind(v: unknown): string {
  return v === null
    ? "null"
    : Array.isArray(v)
    ? "an array"
    : typeof v === "object"
    ? "an object"
    : typeof v;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
