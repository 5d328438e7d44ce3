/**
 * The admin endpoint's front, in a Worker of its own. Modules share the manager's isolate, and
 * one that computes without yielding stops it; this Worker has its own thread, so it keeps
 * accepting connections meanwhile. It passes every request through to the manager's endpoint
 * (a listener on 127.0.0.1 that only it uses) and answers `GET /api/v1/health` itself when the
 * manager has not answered within 100 ms and its heartbeat has stopped: the last health the
 * manager published, plus MGR_MODULE_ERROR naming the module that holds the thread and for how
 * long. Commands still wait for the manager: nothing else can run them.
 *
 * Messages from the manager (daemon/front.ts): `init` (where to listen, where the manager is),
 * `state` (health report and the tokens allowed to read it), `enter` / `leave` (a module got or
 * gave back the thread), `beat` (the manager's thread is turning).
 *
 * @module
 */
/// <reference lib="deno.worker" />

interface Init {
  kind: "init";
  hostname: string;
  port: number;
}
interface State {
  kind: "state";
  health: { status: string; checks: Record<string, unknown>; mutes: unknown[] };
  /** Bearer tokens whose entity may read health (`r` caps). */
  readers: string[];
}
type Message =
  | Init
  | State
  | { kind: "enter"; module: string; what: string; at: number }
  | { kind: "leave" }
  | { kind: "beat"; at: number }
  | { kind: "internal"; internal: string }
  | { kind: "stop" };

/** How long the manager may take before health is answered from here (milliseconds). */
const ANSWER_WITHIN_MS = 100;
/** A heartbeat older than this means the manager's thread is held (milliseconds). */
const STALLED_AFTER_MS = 250;
/** Held this long by no module, the answer warns (milliseconds). */
const NOT_TURNING_WARN_MS = 2000;

let state: State | undefined;
let holder: { module: string; what: string; at: number } | undefined;
let lastBeat = Date.now();
let internal = "";
let server: Deno.HttpServer<Deno.NetAddr> | undefined;

function stalledHealth(req: Request): Response | undefined {
  if (!state || Date.now() - lastBeat < STALLED_AFTER_MS) return undefined;
  const token = /^bearer[ \t]+(\S+)/i.exec(req.headers.get("authorization") ?? "")?.[1];
  if (!token || !state.readers.includes(token)) return undefined;
  const checks = { ...state.health.checks };
  if (!holder) {
    // Not a module (the manager's own work, a collection): the last report as it was, and a
    // warning only once it lasts.
    const held = Date.now() - lastBeat;
    if (held < NOT_TURNING_WARN_MS) return Response.json(state.health);
    const message = `The manager's thread has not turned for ${(held / 1000).toFixed(1)}s`;
    checks.MGR_STALLED = {
      severity: "HEALTH_WARN",
      summary: { message, count: 1 },
      detail: [{ message }],
      muted: false,
    };
    const status = state.health.status === "HEALTH_ERR" ? "HEALTH_ERR" : "HEALTH_WARN";
    return Response.json({ status, checks, mutes: state.health.mutes });
  }
  const seconds = ((Date.now() - holder.at) / 1000).toFixed(1);
  const message =
    `Module '${holder.module}' has held the manager's thread for ${seconds}s in ${holder.what}`;
  const previous = checks.MGR_MODULE_ERROR as
    | { detail?: { message: string }[] }
    | undefined;
  const detail = [...(previous?.detail ?? []), { message }];
  checks.MGR_MODULE_ERROR = {
    severity: "HEALTH_ERR",
    summary: {
      message: detail.length === 1 ? message : `${detail.length} mgr modules have failed`,
      count: detail.length,
    },
    detail,
    muted: false,
  };
  return Response.json({ status: "HEALTH_ERR", checks, mutes: state.health.mutes });
}

async function passOn(req: Request): Promise<Response> {
  const url = new URL(req.url);
  const headers = new Headers(req.headers);
  headers.set("x-forwarded-host", url.host);
  const init: RequestInit & { duplex?: string } = {
    method: req.method,
    headers,
    redirect: "manual",
    signal: req.signal,
  };
  if (req.body !== null) {
    init.body = req.body;
    init.duplex = "half";
  }
  return await fetch(internal + url.pathname + url.search, init);
}

async function front(req: Request): Promise<Response> {
  if (internal === "") {
    return Response.json({ error: "the manager is starting" }, {
      status: 503,
      headers: { "retry-after": "1" },
    });
  }
  const isHealth = req.method === "GET" && new URL(req.url).pathname === "/api/v1/health";
  // Known to be held already: no need to wait for it.
  const atOnce = isHealth ? stalledHealth(req) : undefined;
  if (atOnce) return atOnce;
  const forwarded = passOn(req);
  if (!isHealth) return await forwarded.catch(unavailable);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((r) =>
    timer = setTimeout(() => r(undefined), ANSWER_WITHIN_MS)
  );
  const first = await Promise.race([forwarded.catch(unavailable), late]);
  clearTimeout(timer);
  if (first) return first;
  const fromHere = stalledHealth(req);
  if (fromHere) {
    forwarded.then((r) => r.body?.cancel()).catch(() => {});
    return fromHere;
  }
  return await forwarded.catch(unavailable);
}

function unavailable(e: unknown): Response {
  if (e instanceof DOMException && e.name === "AbortError") {
    return new Response(null, { status: 499 });
  }
  return Response.json({ error: `the manager is not answering: ${e}` }, { status: 503 });
}

self.onmessage = (e: MessageEvent<Message>) => {
  const m = e.data;
  switch (m.kind) {
    case "internal":
      internal = m.internal;
      break;
    case "init":
      try {
        server = Deno.serve({ hostname: m.hostname, port: m.port, onListen: () => {} }, front);
        self.postMessage({
          kind: "listening",
          hostname: server.addr.hostname,
          port: server.addr.port,
        });
      } catch (err) {
        self.postMessage({ kind: "failed", error: (err as Error).message });
      }
      break;
    case "state":
      state = m;
      lastBeat = Date.now();
      break;
    case "enter":
      holder = { module: m.module, what: m.what, at: m.at };
      break;
    case "leave":
      holder = undefined;
      lastBeat = Date.now();
      break;
    case "beat":
      lastBeat = m.at;
      break;
    case "stop":
      void (async () => {
        await server?.shutdown();
        self.postMessage({ kind: "stopped" });
      })();
      break;
  }
};
