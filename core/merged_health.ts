/**
 * The manager's merged health: the cluster's checks, the modules' and the module host's own,
 * with the mutes in force (`health mute`). Mutes are kept in memory (Ceph's mon persists them).
 *
 * @module
 */
import type { Clock } from "./clock.ts";
import type { MonCommandResult } from "./cluster_link.ts";
import {
  applyMutes,
  type HealthCheck,
  type HealthMute,
  type HealthReport,
  healthReport,
} from "./health.ts";
import { ENOENT } from "../ceph/errno.ts";

/** The merged health report and its mutes. */
export class MergedHealth {
  #mutes: HealthMute[] = [];

  /** `sources` gives the sets of checks to merge, asked afresh for every report. */
  constructor(
    readonly clock: Clock,
    readonly sources: () => readonly Record<string, HealthCheck>[],
  ) {}

  /** The merged report; mutes that lapsed or no longer apply are dropped on the way. */
  report(): HealthReport {
    const { report, mutes } = applyMutes(
      healthReport(...this.sources()),
      this.#mutes,
      this.clock.now(),
    );
    this.#mutes = mutes;
    return report;
  }

  /** `health mute <code> [<ttl>] [--sticky]`: the check must be raised now unless sticky. */
  mute(code: string, ttlSeconds: number | undefined, sticky: boolean): MonCommandResult {
    // A code is the caller's text: `constructor` names no check, whatever objects inherit.
    const checks = this.report().checks;
    const check = Object.hasOwn(checks, code) ? checks[code] : undefined;
    // HealthMonitor: only a sticky mute may wait for a check that is not raised yet.
    if (!check && !sticky) {
      return { r: -ENOENT, outb: "", outs: `health alert ${code} is not currently raised` };
    }
    this.#mutes = [
      ...this.#mutes.filter((m) => m.code !== code),
      {
        code,
        ...(ttlSeconds !== undefined ? { ttl: this.clock.now() + ttlSeconds } : {}),
        sticky,
        summary: check?.summary.message ?? "",
        count: check?.summary.count ?? 0,
      },
    ].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
    return { r: 0, outb: "", outs: "" };
  }

  /** `health unmute [<code>]`: one mute, or all. */
  unmute(code: string | undefined): MonCommandResult {
    this.#mutes = code === undefined ? [] : this.#mutes.filter((m) => m.code !== code);
    return { r: 0, outb: "", outs: "" };
  }
}
