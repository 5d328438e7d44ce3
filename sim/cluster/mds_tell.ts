/**
 * The commands a simulated MDS answers itself (`ceph tell mds.a status`, a module's
 * `send_command(..., "mds", "a", ...)`): `version`, `status`, `perf dump [<logger>
 * [<counter>]]`, `perf schema`, `config get <var>`, `dump_ops_in_flight`, `session ls` /
 * `client ls [<filters>...]` and `session evict` / `client evict [<filters>...]`
 * (sim/cluster/mds_sessions.ts), as Ceph 16.2's
 * MDSDaemon and admin socket print them, checked against a real 16.2.15 cluster
 * (tests/ceph-reference/cli/commands/tell_mds.*, fidelity12/tell_mds.*). A standby holds no
 * rank, so it has none of the rank's perf counters (the `mds*` loggers), as on the real one.
 *
 * @module
 */
import type { MonCommandResult } from "../../core/cluster_link.ts";
import { EINVAL, ENOENT } from "../../ceph/errno.ts";
import { CEPH_VERSION } from "../../ceph/mgr_map.ts";
import type { SimCluster } from "./cluster.ts";
import { configGetMissing, daemonJson, perfDumpValue, perfSchemaValue } from "./osd_tell.ts";

const ok = (outb: string): MonCommandResult => ({ r: 0, outb, outs: "" });
const fail = (r: number, outs: string): MonCommandResult => ({ r, outb: "", outs });

/** A session command's `filters` (n=N strings). */
function filters(cmd: Record<string, unknown>): string[] {
  const f = cmd.filters;
  return Array.isArray(f) ? f.map(String) : typeof f === "string" ? [f] : [];
}

/** Seconds as the MDS's clock has them (nanoseconds). */
function float(seconds: number): number {
  return Math.round(seconds * 1e9) / 1e9;
}

/**
 * Answers a command sent to MDS `spec` (a name, a gid or a role, as Client::resolve_mds reads
 * it). One no up daemon answers to is -ENOENT `mds dne` (the client cannot resolve it).
 *
 * @example
 * ```ts
 * import { Rng } from "../engine/prng.ts";
 * import { Scheduler } from "../engine/scheduler.ts";
 * import { SimCluster } from "./cluster.ts";
 * import { mdsTellCommand } from "./mds_tell.ts";
 * const c = new SimCluster(new Scheduler({ rng: new Rng(1) }), { hosts: 1, osdsPerHost: 1, pools: [] });
 * const r = mdsTellCommand(c, "a", { prefix: "status", format: "json" });
 * if (JSON.parse(r.outb).state !== "up:active") throw new Error(r.outb);
 * ```
 */
export function mdsTellCommand(
  c: SimCluster,
  spec: string,
  cmd: Record<string, unknown>,
  config?: (who: string, name: string) => string | undefined,
): MonCommandResult {
  const fs = c.fs;
  const d = fs.resolve(spec);
  if (!d) return fail(-ENOENT, "mds dne");
  // The rank it holds, in whatever state; a standby (or standby-replay daemon) holds none.
  const role = fs.roleOf(d.name);
  const active = role?.holder.state === "up:active";
  const row = fs.daemons.indexOf(d);
  const now = c.scheduler.now;
  switch (cmd.prefix) {
    case "version": {
      const version = /^ceph version (\S+)/.exec(CEPH_VERSION)?.[1] ?? "";
      return ok(daemonJson(cmd, { version, release: "pacific", release_type: "stable" }));
    }
    case "status": {
      // MDSDaemon::dump_status, with MDSRank::dump_status's part on the rank holder.
      const state = role?.holder.state ?? "up:standby";
      return ok(daemonJson(cmd, {
        cluster_fsid: c.map.fsid,
        whoami: role?.rank ?? -1,
        id: d.gid,
        want_state: state,
        state,
        ...(role ? { fs_name: role.fs.name, rank_uptime: float(now - role.holder.since) } : {}),
        mdsmap_epoch: fs.epoch,
        osdmap_epoch: role ? c.map.epoch : 0,
        osdmap_epoch_barrier: role ? role.holder.osdEpoch : 0,
        uptime: float(now - d.since),
      }));
    }
    case "perf dump": {
      if (!active) return ok(daemonJson(cmd, {}));
      const logger = typeof cmd.logger === "string" ? cmd.logger : undefined;
      const counter = typeof cmd.counter === "string" ? cmd.counter : undefined;
      return ok(daemonJson(cmd, perfDumpValue(fs.perf, row, logger, counter)));
    }
    case "perf schema":
      return ok(daemonJson(cmd, active ? perfSchemaValue(fs.perf) : {}));
    case "config get": {
      const name = String(cmd.var ?? "");
      const value = config?.(`mds.${d.name}`, name);
      if (value === undefined) return fail(-ENOENT, configGetMissing(name));
      return ok(daemonJson(cmd, { [name]: value }));
    }
    case "dump_ops_in_flight":
      // The simulated MDS answers its requests within the stats period: none waits.
      return ok(daemonJson(cmd, { ops: [], num_ops: 0 }));
    case "session ls":
    case "client ls": {
      // MDSDaemon::asok_command: a daemon without a rank has no sessions to show.
      if (!active) return ok(daemonJson(cmd, { error: "mds_not_active" }));
      const listed = role!.fs.sessions.list(filters(cmd));
      if (typeof listed === "string") return fail(-EINVAL, listed);
      return ok(daemonJson(cmd, listed));
    }
    case "session evict":
    case "client evict": {
      if (!active) return ok(daemonJson(cmd, { error: "mds_not_active" }));
      const picked = role!.fs.sessions.select(filters(cmd));
      if (typeof picked === "string") return fail(-EINVAL, picked);
      role!.fs.sessions.evict(picked);
      return ok("");
    }
  }
  return fail(-EINVAL, `unknown command prefix ${String(cmd.prefix)}`);
}
