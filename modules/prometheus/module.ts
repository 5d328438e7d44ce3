/**
 * prometheus — Ceph's exporter: an HTTP server on its own address and port that answers
 * `/metrics` in the Prometheus text format, with Ceph's metric names and labels, and a standby
 * class that answers as the `standby_behaviour` option says.
 *
 * The port is published with `set_uri` once bound, so `mgr services` lists it; with
 * `server_port` 0 the system picks a free port and the URI shows the real one. Both classes
 * read `server_addr` and `server_port` localized (`mgr/prometheus/<mgr_id>/server_port` wins).
 *
 * With `cache` on (the default), as Pacific's collection thread, `serve()` collects a page
 * every `scrape_interval` while the mon session is up and `/metrics` serves the last one, so a
 * mon outage or a manager re-hunting for a mon is no failed scrape (no false
 * CephMgrPrometheusModuleInactive); with it off every scrape collects.
 *
 * @module
 */
import {
  CLIReadCommand,
  HandleCommandResult,
  MgrModule,
  MgrStandbyModule,
  NotifyType,
  Option,
} from "mgr_module";
import { MetricsCollector, type Page } from "./_collector.ts";
import { TEXT_CONTENT_TYPE } from "./_exposition.ts";

const DEFAULT_PORT = 9283;
const RETRY_SECONDS = 10;

const OPTIONS = [
  Option({
    name: "server_addr",
    default: "127.0.0.1",
    desc: "the IPv4 or IPv6 address on which the module listens for HTTP requests",
    runtime: true,
  }),
  Option({
    name: "server_port",
    type: "int",
    default: DEFAULT_PORT,
    min: 0,
    max: 65535,
    desc: "the port on which the module listens for HTTP requests (0: any free port)",
    runtime: true,
  }),
  Option({
    name: "scrape_interval",
    type: "float",
    default: 15.0,
    min: 0,
    desc: "how long a collected page is served again before it is collected anew (seconds)",
    runtime: true,
  }),
  Option({
    name: "cache",
    type: "bool",
    default: true,
    desc: "serve a collected page again within scrape_interval",
    runtime: true,
  }),
  // As in 16.2.15: `return` serves a stale page; anything else (the default `log` too) fails.
  Option({ name: "stale_cache_strategy", type: "str", default: "log" }),
  // 16.2.15's RBD image stats options. mgrd has no OSD perf queries and the simulated cluster
  // no RBD images, so no ceph_rbd_* series are written; the options are kept and typed.
  Option({ name: "rbd_stats_pools", type: "str", default: "" }),
  Option({ name: "rbd_stats_pools_refresh_interval", type: "int", default: 300 }),
  Option({
    name: "standby_behaviour",
    type: "str",
    default: "default",
    enum_allowed: ["default", "error"],
    desc: "what a standby manager answers: a page pointing at the active one, or an error",
    runtime: true,
  }),
  Option({
    name: "standby_error_status_code",
    type: "int",
    default: 500,
    min: 400,
    max: 599,
    desc: "the HTTP status a standby answers when standby_behaviour is error",
    runtime: true,
  }),
];

const INDEX_PAGE = `<!DOCTYPE html>
<html>
  <head><title>Ceph Exporter</title></head>
  <body>
    <h1>Ceph Exporter</h1>
    <p><a href='/metrics'>Metrics</a></p>
  </body>
</html>
`;

type Handler = (request: Request) => Response | Promise<Response>;

/** What `file_sd_config` reads of `list_servers()`. */
interface ServerWithServices {
  hostname?: string;
  services?: { type: string; id: string }[];
}

/** The standby's pages' content types, as CherryPy sends them. */
const STANDBY_TEXT = "text/plain;charset=utf-8";
const STANDBY_HTML = "text/html;charset=utf-8";

interface Listener {
  addr: string;
  port: number;
  server: Deno.HttpServer<Deno.NetAddr>;
}

/** What both classes need to run a server: their options, host name and logger. */
interface ServerOwner {
  get_localized_module_option(key: string): unknown;
  get_hostname(): string;
  readonly log: { info(message: string): void };
}

/**
 * The address and port this daemon's exporter listens on: `mgr/prometheus/<mgr_id>/<key>`
 * first, then `mgr/prometheus/<key>` (as in Ceph, so managers sharing a host can use their own
 * ports).
 */
function bindOptions(owner: ServerOwner): { addr: string; port: number } {
  return {
    addr: String(owner.get_localized_module_option("server_addr") ?? "127.0.0.1"),
    port: Number(owner.get_localized_module_option("server_port") ?? DEFAULT_PORT),
  };
}

/** Binds the configured address and port; throws with the address when it cannot. */
function listen(owner: ServerOwner, handler: Handler): Listener {
  const { addr, port } = bindOptions(owner);
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({ hostname: addr, port, onListen: () => {} }, handler);
  } catch (e) {
    throw new Error(`prometheus: cannot listen on ${addr}:${port}: ${(e as Error).message}`);
  }
  owner.log.info(`server_addr: ${addr} server_port: ${server.addr.port}`);
  return { addr, port, server };
}

/** The URI others reach a listener at: the host name for a wildcard address. */
function uriOf(owner: ServerOwner, listener: Listener): string {
  let host = listener.addr;
  if (host === "::" || host === "0.0.0.0" || host === "") host = owner.get_hostname();
  else if (host.includes(":")) host = `[${host}]`;
  return `http://${host}:${listener.server.addr.port}/`;
}

function pageText(page: Page): string {
  const decoder = new TextDecoder();
  let text = "";
  for (const chunk of page.chunks) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

/**
 * The page's chunks as a response body, without joining them. The stream is not a byte
 * stream, which would detach (take over) the buffers: the collector reuses them next scrape.
 */
function pageBody(page: Page): BodyInit {
  // Views of at most 1 MiB: Deno's server sends a 30 MB page faster in pieces.
  const chunks: Uint8Array[] = [];
  for (const c of page.chunks) {
    for (let i = 0; i < c.length; i += 1 << 20) chunks.push(c.subarray(i, i + (1 << 20)));
  }
  if (chunks.length === 1) return chunks[0]! as Uint8Array<ArrayBuffer>;
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[i++];
      if (chunk === undefined) controller.close();
      else controller.enqueue(chunk);
    },
  });
}

function pathOf(request: Request): string {
  const url = request.url;
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const end = url.search(/[?#]/);
  return end > start ? url.slice(start, end) : url.slice(start);
}

/** Seconds after a stats period's notification that serve() collects the page. */
const PRECOLLECT_DELAY = 0.5;

/**
 * The active exporter (Ceph's prometheus `Module`): serves `/metrics` from the cluster state
 * the SDK exposes, caching what has not changed since the last scrape.
 *
 * @example
 * ```ts ignore
 * // mgrd ceph config set mgr mgr/prometheus/server_port 9283
 * // mgrd ceph mgr module enable prometheus
 * // curl http://127.0.0.1:9283/metrics
 * ```
 */
export class Module extends MgrModule {
  static override MODULE_OPTIONS = OPTIONS;
  static override NOTIFY_TYPES = [NotifyType.pg_summary];

  #collector: MetricsCollector | undefined;
  #listener: Listener | undefined;
  /** Pacific's `collect_cache`: the page the background collection made last. */
  #cached: Page | undefined;
  /** Pacific's `collect_time`: how long that collection took (seconds, wall time). */
  #cachedSeconds = 0;
  /** Pacific logs "No MON connection" every interval of an outage; this logs it once. */
  #noMonLogged = false;
  /** Wakes serve() when a stats period has arrived (set while serve() sleeps). */
  #wake: (() => void) | undefined;
  /** A stats period arrived since the page was last collected. */
  #periodArrived = false;

  /** The URI the exporter is published at, "" before it listens. */
  uri = "";

  /** Collects the page now (what `/metrics` serves with `cache` off), as bytes. */
  collectPage(): Page {
    this.#collector ??= new MetricsCollector(this);
    return this.#collector.collect();
  }

  /**
   * What `/metrics` answers now, as Pacific's exporter: with `cache` off a page collected
   * now, whatever the mon session; with it on the background collection's last page, even
   * through a mon outage (the collection pauses then, the page stays), and 503 only before
   * the first collection or when the last one took longer than `scrape_interval` and
   * `stale_cache_strategy` is not `return`.
   */
  metricsAnswer(): { page: Page } | { status: number; message: string } {
    if (this.get_module_option("cache") !== true) return { page: this.collectPage() };
    const page = this.#cached;
    if (!page) return { status: 503, message: "No cached data available yet" };
    const interval = Number(this.get_module_option("scrape_interval"));
    if (this.#cachedSeconds < interval) return { page };
    const took = this.#cachedSeconds.toFixed(2);
    const stale = (this.#cachedSeconds - interval).toFixed(2);
    if (this.get_module_option("stale_cache_strategy") === "return") {
      this.log.info(
        `Gathering data took ${took} seconds, metrics are stale for ${stale} seconds, ` +
          "returning metrics from stale cache.",
      );
      return { page };
    }
    const message = `Gathering data took ${took} seconds, metrics are stale for ${stale} ` +
      'seconds, returning "service unavailable".';
    this.log.error(message);
    return { status: 503, message };
  }

  /** {@linkcode collectPage} as text. */
  collect(): string {
    return pageText(this.collectPage());
  }

  /** The page {@linkcode metricsAnswer} gives as text, or "" when it answers an error. */
  metricsText(): string {
    const answer = this.metricsAnswer();
    return "page" in answer ? pageText(answer.page) : "";
  }

  /**
   * One step of Pacific's MetricCollectionThread: collect into the cache when the mon session
   * is up (the page stays as it was while it is not), and say how long to wait for the next.
   */
  #collectOnce(): number {
    const interval = Number(this.get_module_option("scrape_interval"));
    if (!this.have_mon_connection()) {
      if (!this.#noMonLogged) this.log.error("No MON connection");
      this.#noMonLogged = true;
      return interval;
    }
    this.#noMonLogged = false;
    const started = performance.now();
    let page: Page;
    try {
      page = this.collectPage();
    } catch (e) {
      this.log.error(`failed to collect metrics: ${(e as Error).stack}`);
      return interval;
    }
    const seconds = (performance.now() - started) / 1000;
    if (seconds > interval) {
      this.log.warning(
        "Collecting data took more time than configured scrape interval. This possibly " +
          "results in stale data. Please check the `stale_cache_strategy` configuration " +
          `option. Collecting data took ${seconds.toFixed(2)} seconds but scrape interval ` +
          `is configured to be ${interval.toFixed(0)} seconds.`,
      );
    }
    this.#cached = page;
    this.#cachedSeconds = seconds;
    return interval - seconds;
  }

  #handle: Handler = (request) => {
    const path = pathOf(request);
    if (path === "/metrics") {
      let answer;
      try {
        answer = this.metricsAnswer();
      } catch (e) {
        this.log.error(`collecting metrics failed: ${(e as Error).stack}`);
        return new Response("collecting metrics failed\n", { status: 500 });
      }
      if ("page" in answer) {
        return new Response(pageBody(answer.page), {
          headers: { "content-type": TEXT_CONTENT_TYPE },
        });
      }
      return new Response(`${answer.message}\n`, {
        status: answer.status,
        headers: { "content-type": TEXT_CONTENT_TYPE },
      });
    }
    if (path === "/") {
      return new Response(INDEX_PAGE, { headers: { "content-type": "text/html" } });
    }
    return new Response("Not Found\n", { status: 404 });
  };

  async #bind(): Promise<void> {
    const old = this.#listener;
    this.#listener = undefined;
    await old?.server.shutdown();
    this.#listener = listen(this, this.#handle);
    this.uri = uriOf(this, this.#listener);
    this.set_uri(this.uri);
  }

  /** Rebinds when the address or port changed (Ceph needs a module restart for that). */
  /**
   * A stats period arrived (the PGMap took the OSDs' reports; their perf counters come with
   * them). With `cache` off, serve() collects soon after it: the collector rewrites only the
   * numbers that changed, so the scrape that follows finds the page up to date and costs next
   * to nothing but its transfer, while still answering what the manager holds at that moment.
   */
  override notify(type: NotifyType, _id: string): void {
    if (type !== NotifyType.pg_summary || this.get_module_option("cache") === true) return;
    this.#periodArrived = true;
    this.#wake?.();
  }

  override async config_notify(): Promise<void> {
    const l = this.#listener;
    if (!l || this.shutting_down) return;
    const { addr, port } = bindOptions(this);
    if (addr === l.addr && port === l.port) return;
    try {
      await this.#bind();
    } catch (e) {
      // serve() retries the new address.
      this.#listener = undefined;
      this.log.error((e as Error).message);
    }
  }

  override async serve(): Promise<void> {
    let failure = "";
    let nextCollect = -Infinity;
    try {
      while (!this.shutting_down) {
        let wait = 60;
        if (!this.#listener) {
          // A port still held (by the previous manager's exporter, another program) is
          // retried rather than failing the module; the error is logged once per cause.
          try {
            await this.#bind();
          } catch (e) {
            const message = (e as Error).message;
            if (message !== failure) {
              this.log.error(`${message}; retrying every ${RETRY_SECONDS}s`);
            }
            failure = message;
            wait = RETRY_SECONDS;
          }
        }
        if (this.get_module_option("cache") === true) {
          if (this.now() >= nextCollect) {
            // Pacific collects again at once when a collection overran the interval; a
            // floor of a second leaves the cluster (and a simulated clock) time to move.
            nextCollect = this.now() + Math.max(1, this.#collectOnce());
          }
          wait = Math.min(wait, nextCollect - this.now());
        } else {
          // With `cache` off each scrape collects; looking again each interval notices it
          // turned on (Pacific reads it only when the module starts).
          this.#cached = undefined;
          nextCollect = -Infinity;
          wait = Math.min(wait, Math.max(1, Number(this.get_module_option("scrape_interval"))));
          if (this.#periodArrived && this.#listener) {
            this.#periodArrived = false;
            // The reports of one period arrive together; half a second lets the last land.
            await this.sleep(PRECOLLECT_DELAY);
            if (this.shutting_down) break;
            try {
              this.collectPage();
            } catch (e) {
              // The scrape will collect (and answer 500 with the cause) itself.
              this.log.debug(`collecting after a stats period failed: ${(e as Error).message}`);
            }
          }
        }
        await Promise.race([
          this.sleep(wait),
          new Promise<void>((resolve) => this.#wake = resolve),
        ]);
        this.#wake = undefined;
      }
    } finally {
      await this.#listener?.server.shutdown();
      this.#listener = undefined;
    }
  }

  /**
   * `prometheus file_sd_config`: Prometheus file-based service discovery for every manager's
   * exporter, as Ceph 16.2's module answers it: one `<host>:<port>` per manager daemon that
   * `list_servers()` knows, its port the localized `server_port`; Python's `json.dumps` text
   * whatever the format asked.
   */
  @CLIReadCommand("prometheus file_sd_config", {
    desc: "Return file_sd compatible prometheus config for mgr cluster",
  })
  file_sd_config(): HandleCommandResult {
    const targets: string[] = [];
    for (const server of this.list_servers() as ServerWithServices[]) {
      for (const service of server.services ?? []) {
        if (service.type !== "mgr") continue;
        const port = this._get_module_option("server_port", DEFAULT_PORT, service.id);
        targets.push(`${server.hostname ?? ""}:${port}`);
      }
    }
    const list = targets.map((t) => JSON.stringify(t)).join(", ");
    // Ceph answers from its last maps without a word; ours says when they may be stale.
    const stale = this.have_mon_connection()
      ? ""
      : "Warning: the manager has no mon connection; these targets are from the last daemon " +
        "metadata it received and may be stale";
    return new HandleCommandResult(0, `[{"targets": [${list}], "labels": {}}]`, stale);
  }

  override self_test(): string {
    this.file_sd_config();
    const page = this.collect();
    if (!page.includes("# TYPE ceph_health_status ")) throw new Error("no ceph_health_status");
    return "prometheus self-test OK";
  }
}

/**
 * The exporter on a standby manager: `standby_behaviour` `default` answers a small page that
 * points at the active exporter (and an empty `/metrics`); `error` answers every request with
 * `standby_error_status_code`.
 */
export class StandbyModule extends MgrStandbyModule {
  static override MODULE_OPTIONS = OPTIONS;

  #listener: Listener | undefined;

  // As Ceph 16.2's StandbyModule: `/metrics` is an empty 200 whatever standby_behaviour says;
  // `/` points at the active exporter, or (`error`) answers standby_error_status_code.
  #handle: Handler = (request) => {
    const path = pathOf(request);
    if (path === "/metrics") {
      return new Response("", { headers: { "content-type": STANDBY_TEXT } });
    }
    if (path !== "/") {
      return new Response("Not Found\n", {
        status: 404,
        headers: { "content-type": STANDBY_HTML },
      });
    }
    if (this.get_module_option("standby_behaviour") === "error") {
      const status = Number(this.get_module_option("standby_error_status_code"));
      return new Response("Keep on looking\n", {
        status,
        headers: { "content-type": STANDBY_HTML },
      });
    }
    const active = this.get_active_uri();
    const page = `<!DOCTYPE html>
<html>
    <head><title>Ceph Exporter</title></head>
    <body>
        <h1>Ceph Exporter</h1>
        <p><a href='${active}metrics'>Metrics</a></p>
    </body>
</html>`;
    return new Response(page, { headers: { "content-type": STANDBY_HTML } });
  };

  override async serve(): Promise<void> {
    let failure = "";
    try {
      while (!this.shutting_down) {
        if (this.#listener) {
          await this.sleep(60);
          continue;
        }
        try {
          this.#listener = listen(this, this.#handle);
        } catch (e) {
          const message = (e as Error).message;
          if (message !== failure) this.log.error(`${message}; retrying every ${RETRY_SECONDS}s`);
          failure = message;
          await this.sleep(RETRY_SECONDS);
        }
      }
    } finally {
      await this.#listener?.server.shutdown();
      this.#listener = undefined;
    }
  }

  /** The port the standby listens on (the real one when `server_port` is 0), or 0. */
  get port(): number {
    return this.#listener?.server.addr.port ?? 0;
  }
}
