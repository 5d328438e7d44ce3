/**
 * alerts — Ceph 16.2.15's simple health alerting module: every `interval` seconds it compares
 * the cluster's health with what it saw last and, when checks appeared, grew or cleared, sends
 * an email over SMTP; `alerts send` sends one at once. A failed send raises ALERTS_SMTP_ERROR
 * with the error's text; the next good send clears it.
 *
 * Differences from the Python module: the Message-Id's random part is the last 64 bits of a
 * `this.uuid4()` (62 of them random; Python draws 64 with `random.getrandbits`), or a per-module
 * sequence number where the daemon has no random source; its domain and the EHLO name come from
 * the host name (`socket.getfqdn()` resolves it through the resolver, which Deno cannot).
 *
 * @module
 */
import {
  HandleCommandResult,
  type HealthChecks,
  MgrModule,
  NO_MON_CONNECTION,
  Option,
} from "mgr_module";
import { SmtpClient, SmtpError } from "./_smtp.ts";

interface HealthCheckJson {
  severity: string;
  summary: { message: string; count?: number };
  detail: { message: string }[];
}
interface HealthJson {
  status?: string;
  checks?: Record<string, HealthCheckJson>;
}
type Diff = { new?: Record<string, HealthCheckJson> } & {
  updated?: Record<string, HealthCheckJson>;
  cleared?: Record<string, HealthCheckJson>;
};

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Python's `email.utils.formatdate(t)`: RFC 2822 in UTC, zone `-0000`. */
export function formatdate(t: number): string {
  const d = new Date(Math.floor(t) * 1000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${DAYS[d.getUTCDay()]}, ${p(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ` +
    `${String(d.getUTCFullYear()).padStart(4, "0")} ${p(d.getUTCHours())}:` +
    `${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} -0000`;
}

/** Python's `==` on parsed JSON. */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) =>
    Object.hasOwn(b, k) &&
    deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
  );
}

export class Alerts extends MgrModule {
  static override COMMANDS = [
    { cmd: "alerts send", desc: "(re)send alerts immediately", perm: "r" },
  ];

  static override MODULE_OPTIONS = [
    Option({
      name: "interval",
      type: "secs",
      default: 60,
      desc: "How frequently to reexamine health status",
      runtime: true,
    }),
    Option({ name: "smtp_host", default: "", desc: "SMTP server", runtime: true }),
    Option({
      name: "smtp_destination",
      default: "",
      desc: "Email address to send alerts to",
      runtime: true,
    }),
    Option({ name: "smtp_port", type: "int", default: 465, desc: "SMTP port", runtime: true }),
    Option({
      name: "smtp_ssl",
      type: "bool",
      default: true,
      desc: "Use SSL to connect to SMTP server",
      runtime: true,
    }),
    Option({ name: "smtp_user", default: "", desc: "User to authenticate as", runtime: true }),
    Option({
      name: "smtp_password",
      default: "",
      desc: "Password to authenticate with",
      runtime: true,
    }),
    Option({ name: "smtp_sender", default: "", desc: "SMTP envelope sender", runtime: true }),
    Option({ name: "smtp_from_name", default: "Ceph", desc: "Email From: name", runtime: true }),
  ];

  #msgSeq = 0;

  #str(name: string): string {
    return String(this.get_module_option(name) ?? "");
  }

  #health(): HealthJson {
    return JSON.parse((this.get("health") as { json: string }).json) as HealthJson;
  }

  override async handle_command(
    _inbuf: string,
    cmd: Record<string, unknown>,
  ): Promise<HandleCommandResult> {
    // Without the mon the mail carries the last health the manager heard, and says so here.
    const stale = this.have_mon_connection() ? "" : NO_MON_CONNECTION;
    if (cmd.prefix === "alerts send") await this._send_alert(this.#health(), {});
    return new HandleCommandResult(0, "", stale);
  }

  _diff(last: HealthJson, now: HealthJson): Diff {
    const d: Diff = {};
    const lastChecks = last.checks ?? {};
    const newChecks = now.checks ?? {};
    for (const [code, alert] of Object.entries(newChecks)) {
      const before = Object.hasOwn(lastChecks, code) ? lastChecks[code] : undefined;
      if (before === undefined) (d.new ??= {})[code] = alert;
      else if ((alert.summary.count ?? 0) > (before.summary.count ?? 0)) {
        (d.updated ??= {})[code] = alert;
      }
    }
    for (const [code, alert] of Object.entries(lastChecks)) {
      if (!Object.hasOwn(newChecks, code)) (d.cleared ??= {})[code] = alert;
    }
    return d;
  }

  async _send_alert(status: HealthJson, diff: Diff): Promise<void> {
    let checks: HealthChecks = {};
    if (this.#str("smtp_host")) {
      checks = (await this._send_alert_smtp(status, diff)) ?? {};
    } else {
      this.log.warning("Alert is not sent because smtp_host is not configured");
    }
    this.set_health_checks(checks);
  }

  override async serve(): Promise<void> {
    this.log.info("Starting");
    let last: HealthJson = {};
    while (!this.shutting_down) {
      const now = this.#health();
      if (!deepEqual(now, last)) {
        const diff = this._diff(last, now);
        this.log.debug(`diff ${JSON.stringify(diff)}`);
        if (Object.keys(diff).length > 0) await this._send_alert(now, diff);
        last = now;
      }
      const interval = Number(this.get_module_option("interval"));
      this.log.debug(`Sleeping for ${interval} seconds`);
      await this.sleep(interval);
    }
  }

  override shutdown(): void {
    this.log.info("Stopping");
  }

  _smtp_format_alert(code: string, alert: HealthCheckJson): string {
    let r = `[${alert.severity.split("_")[1]}] ${code}: ${alert.summary.message}\n`;
    for (const detail of alert.detail) r += `        ${detail.message}\n`;
    return r;
  }

  /** Python's `email.utils.make_msgid()`. */
  #makeMsgid(): string {
    const timeval = Math.floor(this.now() * 100);
    let unique: string;
    try {
      unique = BigInt(`0x${this.uuid4().replaceAll("-", "").slice(16)}`).toString();
    } catch {
      unique = String(++this.#msgSeq);
    }
    return `<${timeval}.${Deno.pid}.${unique}@${this.get_hostname()}>`;
  }

  async _send_alert_smtp(status: HealthJson, diff: Diff): Promise<HealthChecks | null> {
    this.log.debug("_send_alert_smtp");
    const sender = this.#str("smtp_sender");
    const destination = this.#str("smtp_destination");
    let message = `From: ${this.#str("smtp_from_name")} <${sender}>\n` +
      `Subject: ${status.status}\n` +
      `To: ${destination}\n` +
      `Message-Id: ${this.#makeMsgid()}\n` +
      `Date: ${formatdate(this.now())}\n` +
      "\n" +
      `${status.status}\n`;
    const sections: [keyof Diff, string][] = [
      ["new", "New"],
      ["updated", "Updated"],
      ["cleared", "Cleared"],
    ];
    for (const [key, title] of sections) {
      const part = diff[key];
      if (part === undefined) continue;
      message += `\n--- ${title} ---\n`;
      for (const [code, alert] of Object.entries(part)) {
        message += this._smtp_format_alert(code, alert);
      }
    }
    message += "\n\n=== Full health status ===\n";
    for (const [code, alert] of Object.entries(status.checks ?? {})) {
      message += this._smtp_format_alert(code, alert);
    }
    this.log.debug(`message: ${message}`);

    try {
      const server = await SmtpClient.connect({
        host: this.#str("smtp_host"),
        port: Number(this.get_module_option("smtp_port")),
        ssl: Boolean(this.get_module_option("smtp_ssl")),
        localHostname: this.get_hostname(),
      });
      try {
        const password = this.#str("smtp_password");
        if (password) await server.login(this.#str("smtp_user"), password);
        await server.sendmail(sender, destination, message);
        await server.quit();
      } finally {
        server.close();
      }
    } catch (e) {
      const text = e instanceof SmtpError ? e.message : String((e as Error)?.message ?? e);
      return {
        ALERTS_SMTP_ERROR: {
          severity: "warning",
          summary: "unable to send alert email",
          count: 1,
          detail: [text],
        },
      };
    }
    this.log.debug(`Sent email to ${destination}`);
    return null;
  }
}
