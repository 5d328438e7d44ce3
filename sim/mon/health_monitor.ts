/**
 * HealthMonitor (src/mon/HealthMonitor.cc): the cluster's one health report — the mon's own
 * checks (OSDMap's, MON_DOWN, FS_DEGRADED, ...) merged with the checks the active manager
 * reported (MgrStatMonitor: its PGMap's and its modules') — its mutes, kept in the mon's store,
 * and the commands `health [detail]`, `health mute <code> [<ttl>] [--sticky]` and
 * `health unmute [<code>]`, answered in Ceph's words.
 *
 * @module
 */
import type { HealthCheck, HealthMute, HealthReport } from "../../core/health.ts";
import { applyMutes, healthReport } from "../../core/health.ts";
import { healthOutput } from "../../core/health_output.ts";
import type { ClusterUpdate, CommandSignature, MonCommandResult } from "../../core/cluster_link.ts";
import { EINVAL, ENOENT } from "../../ceph/errno.ts";
import { parseTimespan } from "../../ceph/option_value.ts";
import type { MonStore } from "./mon_store.ts";
import { err, formatterFor, type Monitor, ok, str } from "./monitor.ts";

/** Where HealthMonitor's checks come from, and what it tells of a change. */
export interface HealthMonitorOptions {
  /** Seconds since the epoch. */
  now: () => number;
  /** The mon's own checks, as of now. */
  monChecks: () => Record<string, HealthCheck>;
  /** The active manager's checks, as its last report carried them. */
  mgrChecks: () => Record<string, HealthCheck>;
  /** Tells the mon's subscribers (the managers) of a change. */
  emit: (u: ClusterUpdate) => void;
}

const COMMANDS: readonly CommandSignature[] = [
  {
    sig: "health name=detail,type=CephChoices,strings=detail,req=false",
    help: "show cluster health",
    perm: "r",
  },
  {
    sig: "health mute name=code,type=CephString name=ttl,type=CephString,req=false " +
      "name=sticky,type=CephBool,req=false",
    help: "mute health alert",
    perm: "w",
  },
  {
    sig: "health unmute name=code,type=CephString,req=false",
    help: "unmute existing health alert mute(s)",
    perm: "w",
  },
];

/**
 * The mon's health report and its mutes.
 *
 * @example
 * ```ts
 * import { HealthMonitor } from "./health_monitor.ts";
 * import { MonStore } from "./mon_store.ts";
 * const store = MonStore.open(":memory:");
 * const down = {
 *   severity: "HEALTH_WARN" as const,
 *   summary: { message: "1 osds down", count: 1 },
 *   detail: [],
 *   muted: false,
 * };
 * const health = new HealthMonitor(store, {
 *   now: () => 1_700_000_000,
 *   monChecks: () => ({ OSD_DOWN: down }),
 *   mgrChecks: () => ({}),
 *   emit: () => {},
 * });
 * health.handle("health mute", { prefix: "health mute", code: "OSD_DOWN" });
 * console.assert(health.report().status === "HEALTH_OK");
 * store.close();
 * ```
 */
export class HealthMonitor implements Monitor {
  readonly commands = COMMANDS;
  readonly #store: MonStore;
  readonly #opts: HealthMonitorOptions;
  #mutes: HealthMute[];

  constructor(store: MonStore, options: HealthMonitorOptions) {
    this.#store = store;
    this.#opts = options;
    this.#mutes = JSON.parse(store.healthMutes()) as HealthMute[];
  }

  /**
   * The merged report with the mutes in force. Mutes that lapsed or no longer apply are
   * dropped on the way (HealthMonitor::check_mutes), and the store keeps what is left.
   */
  report(): HealthReport {
    const { report, mutes } = applyMutes(
      healthReport(this.#opts.monChecks(), this.#opts.mgrChecks()),
      this.#mutes,
      this.#opts.now(),
    );
    this.#setMutes(mutes);
    return report;
  }

  handle(prefix: string, cmd: Record<string, unknown>): MonCommandResult {
    switch (prefix) {
      case "health":
        return this.#health(cmd);
      case "health mute":
        return this.#mute(cmd);
      default: // health unmute
        return this.#unmute(str(cmd.code));
    }
  }

  #health(cmd: Record<string, unknown>): MonCommandResult {
    return ok(healthOutput(this.report(), {
      detail: cmd.detail === "detail",
      format: formatterFor(cmd) ?? undefined,
      now: this.#opts.now(),
    }));
  }

  #mute(cmd: Record<string, unknown>): MonCommandResult {
    // The TTL is parsed first, then the check must be raised unless the mute is sticky.
    let ttl: number | undefined;
    const ttlText = str(cmd.ttl);
    if (ttlText !== undefined) {
      const parsed = parseTtl(ttlText);
      if ("error" in parsed) return err(-EINVAL, `invalid duration: ${ttlText} (${parsed.error})`);
      ttl = parsed.seconds;
    }
    const code = str(cmd.code) ?? "";
    const sticky = cmd.sticky === true || cmd.sticky === "true";
    // A code is the caller's text: `constructor` names no check, whatever objects inherit.
    const checks = this.report().checks;
    const check = Object.hasOwn(checks, code) ? checks[code] : undefined;
    if (!check && !sticky) return err(-ENOENT, `health alert ${code} is not currently raised`);
    this.#setMutes([
      ...this.#mutes.filter((m) => m.code !== code),
      {
        code,
        ...(ttl !== undefined ? { ttl: this.#opts.now() + ttl } : {}),
        sticky,
        summary: check?.summary.message ?? "",
        count: check?.summary.count ?? 0,
      },
    ].sort(byCode));
    this.#opts.emit({ kind: "notify", type: "health" });
    return ok();
  }

  #unmute(code: string | undefined): MonCommandResult {
    this.#setMutes(code === undefined ? [] : this.#mutes.filter((m) => m.code !== code));
    this.#opts.emit({ kind: "notify", type: "health" });
    return ok();
  }

  #setMutes(mutes: HealthMute[]): void {
    this.#mutes = mutes;
    this.#store.putHealthMutes(JSON.stringify(mutes));
  }
}

/**
 * A mute's TTL as `health mute` takes it: Ceph's `parse_timespan` (`30`, `10s`, `5m 3s`, `2h`,
 * `1week`), seconds or the error text HealthMonitor prints after `invalid duration: <ttl> `.
 *
 * @example
 * ```ts
 * import { parseTtl } from "./health_monitor.ts";
 * console.assert(JSON.stringify(parseTtl("5m 3s")) === '{"seconds":303}');
 * console.assert("error" in parseTtl("0"));
 * ```
 */
export function parseTtl(text: string): { seconds: number } | { error: string } {
  const parsed = parseTimespan(text);
  if (parsed.error) return { error: parsed.error };
  if (parsed.value === 0n) return { error: "timespan = 0" };
  return { seconds: Number(parsed.value) };
}

function byCode(a: HealthMute, b: HealthMute): number {
  return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
}
