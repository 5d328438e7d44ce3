/**
 * The commands a simulated OSD answers itself, sent to one daemon rather than to the mon
 * (`ceph tell osd.3 perf dump`, a module's `send_command(..., "osd", "3", ...)`, `ceph pg 2.0
 * query`, which goes to the PG's primary): `perf dump`, `perf schema`, `version`, `config get`,
 * `dump_ops_in_flight`, and a PG's `query` (sim/cluster/pg_query.ts). Output as
 * Ceph 16.2's src/common/perf_counters.cc and admin socket print it; errors as the Objecter and
 * the OSD give them, checked against a real 16.2.15 cluster
 * (tests/ceph-reference/cli/oracle/tell_*.txt).
 *
 * @module
 */
import type { MonCommandResult } from "../../core/cluster_link.ts";
import { EINVAL, ENOENT, ENXIO, EOPNOTSUPP } from "../../ceph/errno.ts";
import { CEPH_VERSION } from "../../ceph/mgr_map.ts";
import type { SimCluster } from "./cluster.ts";
import { type PerfCounters, PerfType } from "./perf_counters.ts";
import { osdDeviceId } from "./daemons.ts";
import { daemonJson, perfSchemaJson, perfValueJson } from "../../ceph/perf_dump.ts";
export { daemonJson };
import { pgQuery } from "./pg_query.ts";

function ok(outb: string): MonCommandResult {
  return { r: 0, outb, outs: "" };
}
function fail(r: number, outs: string): MonCommandResult {
  return { r, outb: "", outs };
}

/**
 * Answers a command sent to one daemon (`ceph tell osd.3 perf dump`, the manager's
 * `send_command(..., "osd", "3", ...)`): `perf dump [<logger> [<counter>]]`, `perf schema` and
 * `version` on OSDs, as JSON (pretty, with a newline, unless `format` is `json`). A missing OSD
 * answers -ENOENT, a down one -ENXIO, as the Objecter does; PG commands are not modelled.
 *
 * @example
 * ```ts
 * import { Rng } from "../engine/prng.ts";
 * import { Scheduler } from "../engine/scheduler.ts";
 * import { SimCluster } from "./cluster.ts";
 * import { osdTellCommand } from "./osd_tell.ts";
 * const c = new SimCluster(new Scheduler({ rng: new Rng(1) }), { hosts: 1, osdsPerHost: 1, pools: [] });
 * const r = osdTellCommand(c, "osd", "0", { prefix: "perf dump" });
 * if (!("osd" in JSON.parse(r.outb))) throw new Error();
 * ```
 */
export function osdTellCommand(
  c: SimCluster,
  daemonType: string,
  daemonId: string,
  cmd: Record<string, unknown>,
  config?: (who: string, name: string) => string | undefined,
): MonCommandResult {
  if (daemonType === "pg") {
    const m = /^(\d+)\.([0-9a-f]+)$/.exec(daemonId);
    if (!m) return fail(-ENOENT, `pgid ${daemonId} does not exist`);
    const pool = c.map.pools.find((p) => p.id === Number(m[1]));
    if (!pool) return fail(-ENOENT, "pool dne");
    const ps = parseInt(m[2]!, 16);
    if (ps >= pool.pgNum) return fail(-ENOENT, `i don't have pgid ${daemonId}`);
    if (cmd.prefix !== "query") {
      return fail(-EINVAL, `unknown command prefix ${String(cmd.prefix)}`);
    }
    // The command goes to the PG's acting primary, as the Objecter sends it.
    const p = c.pgs.index(pool.id, ps);
    const primary = c.pgs.members(c.pgs.acting, c.pgs.actingN, p)[0];
    if (primary === undefined || !c.map.isUp(primary)) return fail(-ENXIO, "osd down");
    return ok(daemonJson(cmd, pgQuery(c, p)));
  }
  if (daemonType !== "osd") return fail(-EINVAL, `unknown daemon type ${daemonType}`);
  const id = Number(daemonId);
  if (!/^\d+$/.test(daemonId) || !c.map.has(id)) return fail(-ENOENT, "osd dne");
  if (!c.map.isUp(id)) return fail(-ENXIO, "osd down");
  switch (cmd.prefix) {
    case "perf dump": {
      const logger = typeof cmd.logger === "string" ? cmd.logger : undefined;
      const counter = typeof cmd.counter === "string" ? cmd.counter : undefined;
      return ok(daemonJson(cmd, perfDumpValue(c.io.perf, id, logger, counter)));
    }
    case "perf schema":
      return ok(daemonJson(cmd, perfSchemaValue(c.io.perf)));
    case "smart": {
      // `ceph tell osd.N smart [<devid>]`: smartctl's JSON for the OSD's disk, by device id.
      const devid = osdDeviceId(id);
      if (typeof cmd.devid === "string" && cmd.devid !== "" && cmd.devid !== devid) {
        return ok(daemonJson(cmd, {}));
      }
      return ok(daemonJson(cmd, { [devid]: _smart(c, id) }));
    }
    case "version": {
      const version = /^ceph version (\S+)/.exec(CEPH_VERSION)?.[1] ?? "";
      return ok(daemonJson(cmd, { version, release: "pacific", release_type: "stable" }));
    }
    case "config get": {
      // The OSD's configuration is the mon's for it (`configValue`, the config DB and the
      // option's default); a name no option has is -ENOENT, as the admin socket answers.
      const name = String(cmd.var ?? "");
      const value = config?.(`osd.${id}`, name);
      if (value === undefined) return fail(-ENOENT, configGetMissing(name));
      return ok(daemonJson(cmd, { [name]: value }));
    }
    case "dump_ops_in_flight":
      // Ops in flight exist only as the slow-op count of a slowed OSD; their details do not.
      if ((c.io.slowOps[id] ?? 0) > 0) {
        return fail(-EOPNOTSUPP, "the simulated OSD counts its slow ops but keeps no op details");
      }
      return ok(daemonJson(cmd, { ops: [], num_ops: 0 }));
  }
  return fail(-EINVAL, `unknown command prefix ${String(cmd.prefix)}`);
}

/** What a daemon's `config get` of a name no option has answers (md_config_t::get_val). */
export function configGetMissing(name: string): string {
  return `error getting '${name}': (2) No such file or directory`;
}

function _split(path: string): [string, string] {
  const dot = path.indexOf(".");
  return [path.slice(0, dot), path.slice(dot + 1)];
}

/**
 * `perf dump [<logger> [<counter>]]` of the daemon in row `row` of `perf`: a logger named and
 * missing is an empty object, as the admin socket answers.
 */
export function perfDumpValue(
  perf: PerfCounters,
  row: number,
  logger?: string,
  counter?: string,
): Record<string, Record<string, unknown>> {
  const schema = perf.schema;
  const out: Record<string, Record<string, unknown>> = {};
  for (let i = 0; i < schema.size; i++) {
    const type = schema.types[i] as number;
    if (type & PerfType.HISTOGRAM) continue;
    const [section, name] = _split(schema.paths[i] as string);
    if (logger !== undefined && section !== logger) continue;
    const values = out[section] ??= {};
    if (counter !== undefined && name !== counter) continue;
    const at = row * schema.size + i;
    const value = perfValueJson(type, perf.values[at] as number, perf.counts[at] as number);
    values[name] = value;
  }
  return out;
}

/** `perf schema` of the daemons of `perf`. */
export function perfSchemaValue(perf: PerfCounters): Record<string, Record<string, unknown>> {
  const schema = perf.schema;
  const out: Record<string, Record<string, unknown>> = {};
  for (let i = 0; i < schema.size; i++) {
    const type = schema.types[i] as number;
    if (type & PerfType.HISTOGRAM) continue;
    const [section, name] = _split(schema.paths[i] as string);
    (out[section] ??= {})[name] = perfSchemaJson(
      type,
      schema.descriptions[i] as string,
      schema.nicks[i] as string,
      schema.priorities[i] as number,
      schema.units[i] as number,
    );
  }
  return out;
}

/** smartctl --json of a simulated OSD's disk (a Seagate 4 TB SATA drive in good health). */
function _smart(c: SimCluster, id: number): Record<string, unknown> {
  const hours = Math.max(0, Math.floor((c.scheduler.now - (c.map.createdAt[id] ?? 0)) / 3600));
  const serial = osdDeviceId(id).split("_").at(-1) as string;
  const attr = (aid: number, name: string, value: number, raw: number) => ({
    id: aid,
    name,
    value,
    worst: value,
    thresh: aid === 5 ? 10 : 0,
    raw: { value: raw, string: String(raw) },
  });
  return {
    json_format_version: [1, 0],
    smartctl: { version: [7, 3], exit_status: 0 },
    device: { name: `/dev/sd${String.fromCharCode(98 + id % 24)}`, type: "sat", protocol: "ATA" },
    model_family: "Seagate Enterprise Capacity 3.5 HDD",
    model_name: "ST4000NM0035-1V4107",
    serial_number: serial,
    user_capacity: { blocks: 7814037168, bytes: 4000787030016 },
    rotation_rate: 7200,
    smart_status: { passed: true },
    ata_smart_attributes: {
      revision: 10,
      table: [
        attr(5, "Reallocated_Sector_Ct", 100, 0),
        attr(9, "Power_On_Hours", 99, hours),
        attr(194, "Temperature_Celsius", 31, 31),
        attr(197, "Current_Pending_Sector", 100, 0),
      ],
    },
    power_on_time: { hours },
    temperature: { current: 31 },
  };
}
