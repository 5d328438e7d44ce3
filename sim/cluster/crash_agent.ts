/**
 * The hosts' ceph-crash agents. A daemon that crashes leaves a crash report on its host (its
 * `meta` file under `crash_dir`); ceph-crash looks for new reports every
 * {@linkcode CRASH_SCAN_SECONDS} and posts each with `ceph crash post -i meta` (as
 * `client.crash.<host>`), keeping a report for its next scan when the post fails, as when no
 * manager is active.
 *
 * @module
 */
import type { RngStream } from "../engine/prng.ts";
import type { Scheduler } from "../engine/scheduler.ts";

/** How often ceph-crash scans for new reports (its `--delay`, ten minutes). */
export const CRASH_SCAN_SECONDS = 600;

/** A crash report as a daemon's signal handler writes it (`meta`). */
export interface CrashReport {
  crash_id: string;
  timestamp: string;
  process_name: string;
  entity_name: string;
  ceph_version: string;
  utsname_hostname: string;
  utsname_sysname: string;
  utsname_release: string;
  utsname_version: string;
  utsname_machine: string;
  os_name: string;
  os_id: string;
  os_version_id: string;
  os_version: string;
  backtrace: string[];
}

/** Sends one report as `ceph crash post -i -` would; resolves to whether it was taken. */
export type CrashPoster = (report: CrashReport) => Promise<boolean>;

/** The frames a daemon aborted in its messenger's wait shows (as a real 16.2 OSD's did). */
const BACKTRACE = [
  "/lib/x86_64-linux-gnu/libc.so.6(+0x3c050) [0x7f3d6ee5a050]",
  "/lib/x86_64-linux-gnu/libc.so.6(+0x85f16) [0x7f3d6eea3f16]",
  "pthread_cond_wait()",
  "(AsyncMessenger::wait()+0x5f) [0x55abaf2c828f]",
  "main()",
  "/lib/x86_64-linux-gnu/libc.so.6(+0x2724a) [0x7f3d6ee4524a]",
  "__libc_start_main()",
  "_start()",
];

/**
 * Crash reports waiting on the hosts, and the scans that post them.
 *
 * @example
 * ```ts
 * import { Rng } from "../engine/prng.ts";
 * import { Scheduler } from "../engine/scheduler.ts";
 * import { CrashAgents } from "./crash_agent.ts";
 * const s = new Scheduler({ rng: new Rng(1) });
 * const agents = new CrashAgents(s, s.rng.stream("crash"));
 * const posted: string[] = [];
 * agents.setPoster(async (r) => (posted.push(r.entity_name), true));
 * agents.crashed("osd.3", { hostname: "host1", ceph_version_short: "16.2.15" });
 * await s.runFor(600);
 * if (posted.join() !== "osd.3" || agents.pending().length !== 0) throw new Error("posted");
 * ```
 */
export class CrashAgents {
  readonly #scheduler: Scheduler;
  readonly #ids: RngStream;
  readonly #pending = new Map<string, CrashReport>();
  #poster: CrashPoster | undefined;
  #scan: { cancel(): void } | undefined;

  constructor(scheduler: Scheduler, ids: RngStream) {
    this.#scheduler = scheduler;
    this.#ids = ids;
  }

  /** Who posts for the agents (the cluster's `ceph` client); none: reports wait on the hosts. */
  setPoster(poster: CrashPoster | undefined): void {
    this.#poster = poster;
  }

  /** The reports not posted yet. */
  pending(): CrashReport[] {
    return [...this.#pending.values()];
  }

  /**
   * Daemon `entity` crashed now on the host its `metadata` names: its report waits for the
   * next scan (every agent scans at the same multiples of the interval).
   */
  crashed(entity: string, metadata: Readonly<Record<string, string>>): CrashReport {
    const now = this.#scheduler.now;
    const timestamp = _crashStamp(now);
    const report: CrashReport = {
      crash_id: `${timestamp}_${this.#ids.uuid()}`,
      timestamp,
      process_name: `ceph-${entity.slice(0, entity.indexOf("."))}`,
      entity_name: entity,
      ceph_version: metadata.ceph_version_short ?? "16.2.15",
      utsname_hostname: metadata.hostname ?? "",
      utsname_sysname: metadata.os ?? "Linux",
      utsname_release: metadata.kernel_version ?? "",
      utsname_version: metadata.kernel_description ?? "",
      utsname_machine: metadata.arch ?? "x86_64",
      os_name: metadata.distro_description ?? "",
      os_id: metadata.distro_version ?? "",
      os_version_id: metadata.distro_version ?? "",
      os_version: _osVersion(metadata.distro_description ?? ""),
      backtrace: [...BACKTRACE],
    };
    this.#pending.set(report.crash_id, report);
    this.#scheduleScan();
    return report;
  }

  #scheduleScan(): void {
    if (this.#scan) return;
    const s = this.#scheduler;
    const elapsed = s.elapsed;
    const next = (Math.floor(elapsed / CRASH_SCAN_SECONDS) + 1) * CRASH_SCAN_SECONDS;
    this.#scan = s.schedule(next - elapsed, "ceph-crash scan", () => {
      this.#scan = undefined;
      this.#postAll();
    });
  }

  #postAll(): void {
    const poster = this.#poster;
    const reports = this.pending();
    if (poster === undefined) {
      if (reports.length > 0) this.#scheduleScan();
      return;
    }
    for (const report of reports) {
      poster(report).then((taken) => {
        if (taken) this.#pending.delete(report.crash_id);
        else this.#scheduleScan();
      }, () => this.#scheduleScan());
    }
  }
}

/** The stamp of a crash id: UTC with microseconds and a `Z`. */
function _crashStamp(seconds: number): string {
  const micros = Math.round(seconds * 1e6);
  const whole = Math.floor(micros / 1e6);
  const iso = new Date(whole * 1000).toISOString().slice(0, 19);
  return `${iso}.${String(micros - whole * 1e6).padStart(6, "0")}Z`;
}

/** `12 (bookworm)` from `Debian GNU/Linux 12 (bookworm)`, as os-release's VERSION has it. */
function _osVersion(description: string): string {
  const m = /(\d[\w.]*\s*\(.*\))\s*$/.exec(description);
  return m ? m[1]! : "";
}
