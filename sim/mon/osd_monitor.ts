/**
 * OSDMonitor: the OSDMap commands a module or an operator sends (`osd set noout`, `osd out 3`,
 * `osd reweight`, `osd pool create/set/get/ls`, `osd lspools`, `osd tree`, `osd dump`), over
 * the simulated cluster's OSDMap. Messages, return codes and output framing follow Ceph 16.2's
 * src/mon/OSDMonitor.cc, checked against a real 16.2.15 cluster
 * (tests/ceph-reference/cli/oracle_*.txt). Every change is applied to the SimCluster
 * synchronously, so the new OSDMap exists when the command completes.
 *
 * A pool's `size`, `min_size`, `pg_num` and `pgp_num` change as in Ceph 16.2: size and
 * min_size at once (the PGs peer again, growing backfills), pg_num and pgp_num through their
 * targets, which the simulated manager reaches over time by PG splits or merges and remapping.
 *
 * Where the simulator lacks a feature, the command still validates its arguments as Ceph does
 * and only then refuses with -EPERM and a message that says so: a size above the PG table's
 * replicas, any other pool variable than those and `crush_rule`,
 * erasure-coded pools. The option values these commands read are Ceph's defaults (`mon_max_pg_per_osd` 250,
 * `mon_max_pool_pg_num` 65536, `osd_pool_default_pg_num` 32, `osd_pool_default_size` 3,
 * `mon_allow_pool_size_one` false). The OSDMap keeps no history: `osd tree|dump <epoch>` of any
 * other epoch than the current one answers as for a trimmed map.
 *
 * @module
 */
import type { CommandSignature, MonCommandResult } from "../../core/cluster_link.ts";
import { EACCES, EBUSY, EINVAL, ENOENT, EPERM, ERANGE } from "../../ceph/errno.ts";
import { strictStrtol, strictStrtoll } from "../../ceph/option_value.ts";
import type { SimCluster } from "../cluster/cluster.ts";
import { commandPoolEntries, dumpOsdMap, dumpOsdMapTree } from "../cluster/osd_map_dump.ts";
import { OSDMAP_FLAGS, type Pool } from "../cluster/osd_map.ts";
import { DEPRECATED, type Monitor } from "./monitor.ts";

/** Ceph 16.2's defaults of the options these commands read. */
const MON_MAX_POOL_PG_NUM = 65536;
const OSD_POOL_DEFAULT_PG_NUM = 32;
const OSD_POOL_DEFAULT_SIZE = 3;
const MON_MAX_PG_PER_OSD = 250;
/** The only CRUSH rule of the simulated cluster, and its `max_size` (CrushWrapper default). */
const CRUSH_RULE = "replicated_rule";
const RULE_MAX_SIZE = 10;

const SET_FLAGS = "full|pause|noup|nodown|noout|noin|nobackfill|norebalance|norecover|noscrub|" +
  "nodeep-scrub|notieragent|nosnaptrim|pglog_hardlimit";
const UNSET_FLAGS = "full|pause|noup|nodown|noout|noin|nobackfill|norebalance|norecover|noscrub|" +
  "nodeep-scrub|notieragent|nosnaptrim";

/** The pool variables of `osd pool set`, in MonCommands.h's order. */
const POOL_SET_VARS = "size|min_size|pg_num|pgp_num|pgp_num_actual|crush_rule|hashpspool|" +
  "nodelete|nopgchange|nosizechange|write_fadvise_dontneed|noscrub|nodeep-scrub|hit_set_type|" +
  "hit_set_period|hit_set_count|hit_set_fpp|use_gmt_hitset|target_max_bytes|" +
  "target_max_objects|cache_target_dirty_ratio|cache_target_dirty_high_ratio|" +
  "cache_target_full_ratio|cache_min_flush_age|cache_min_evict_age|" +
  "min_read_recency_for_promote|min_write_recency_for_promote|fast_read|" +
  "hit_set_grade_decay_rate|hit_set_search_last_n|scrub_min_interval|scrub_max_interval|" +
  "deep_scrub_interval|recovery_priority|recovery_op_priority|scrub_priority|" +
  "compression_mode|compression_algorithm|compression_required_ratio|" +
  "compression_max_blob_size|compression_min_blob_size|csum_type|csum_min_block|" +
  "csum_max_block|allow_ec_overwrites|fingerprint_algorithm|pg_autoscale_mode|" +
  "pg_autoscale_bias|pg_num_min|pg_num_max|target_size_bytes|target_size_ratio|dedup_tier|" +
  "dedup_chunk_algorithm|dedup_cdc_chunk_size|bulk";

/** The pool variables of `osd pool get`, in MonCommands.h's order. */
const POOL_GET_VARS = "size|min_size|pg_num|pgp_num|crush_rule|hashpspool|nodelete|" +
  "nopgchange|nosizechange|write_fadvise_dontneed|noscrub|nodeep-scrub|hit_set_type|" +
  "hit_set_period|hit_set_count|hit_set_fpp|use_gmt_hitset|target_max_objects|" +
  "target_max_bytes|cache_target_dirty_ratio|cache_target_dirty_high_ratio|" +
  "cache_target_full_ratio|cache_min_flush_age|cache_min_evict_age|erasure_code_profile|" +
  "min_read_recency_for_promote|all|min_write_recency_for_promote|fast_read|" +
  "hit_set_grade_decay_rate|hit_set_search_last_n|scrub_min_interval|scrub_max_interval|" +
  "deep_scrub_interval|recovery_priority|recovery_op_priority|scrub_priority|" +
  "compression_mode|compression_algorithm|compression_required_ratio|" +
  "compression_max_blob_size|compression_min_blob_size|csum_type|csum_min_block|" +
  "csum_max_block|allow_ec_overwrites|fingerprint_algorithm|pg_autoscale_mode|" +
  "pg_autoscale_bias|pg_num_min|pg_num_max|target_size_bytes|target_size_ratio|dedup_tier|" +
  "dedup_chunk_algorithm|dedup_cdc_chunk_size|bulk";

// deno-fmt-ignore
// deno-fmt-ignore
const OSD_COMMANDS: readonly CommandSignature[] = [
  { sig: `osd set name=key,type=CephChoices,strings=${SET_FLAGS} name=yes_i_really_mean_it,type=CephBool,req=false`, help: "set <key>", perm: "rw" },
  { sig: `osd unset name=key,type=CephChoices,strings=${UNSET_FLAGS}`, help: "unset <key>", perm: "rw" },
  { sig: "osd down name=ids,type=CephString,n=N name=definitely_dead,type=CephBool,req=false", help: "set osd(s) <id> [<id>...] down, or use <any|all> to set all osds down", perm: "rw" },
  { sig: "osd out name=ids,type=CephString,n=N", help: "set osd(s) <id> [<id>...] out, or use <any|all> to set all osds out", perm: "rw" },
  { sig: "osd in name=ids,type=CephString,n=N", help: "set osd(s) <id> [<id>...] in, can use <any|all> to automatically set all previously out osds in", perm: "rw" },
  { sig: "osd pg-upmap-items name=pgid,type=CephPgid name=id,type=CephOsdName,n=N", help: "set pg_upmap_items mapping <pgid>:{<id> to <id>, [...]} (developers only)", perm: "rw" },
  { sig: "osd rm-pg-upmap-items name=pgid,type=CephPgid", help: "clear pg_upmap_items mapping for <pgid> (developers only)", perm: "rw" },
  { sig: "osd reweight name=id,type=CephOsdName type=CephFloat,name=weight,range=0.0|1.0", help: "reweight osd to 0.0 < <weight> < 1.0", perm: "rw" },
  { sig: "osd pool create name=pool,type=CephPoolname name=pg_num,type=CephInt,range=0,req=false name=pgp_num,type=CephInt,range=0,req=false name=pool_type,type=CephChoices,strings=replicated|erasure,req=false name=erasure_code_profile,type=CephString,req=false,goodchars=[A-Za-z0-9-_.] name=rule,type=CephString,req=false name=expected_num_objects,type=CephInt,range=0,req=false name=size,type=CephInt,range=0,req=false name=pg_num_min,type=CephInt,range=0,req=false name=pg_num_max,type=CephInt,range=0,req=false name=autoscale_mode,type=CephChoices,strings=on|off|warn,req=false name=bulk,type=CephBool,req=false name=target_size_bytes,type=CephInt,range=0,req=false name=target_size_ratio,type=CephFloat,range=0.0,req=false", help: "create pool", perm: "rw" },
  { sig: "osd pool delete name=pool,type=CephPoolname name=pool2,type=CephPoolname,req=false name=yes_i_really_really_mean_it,type=CephBool,req=false name=yes_i_really_really_mean_it_not_faking,type=CephBool,req=false", help: "delete pool", perm: "rw" },
  { sig: "osd pool rm name=pool,type=CephPoolname name=pool2,type=CephPoolname,req=false name=yes_i_really_really_mean_it,type=CephBool,req=false name=yes_i_really_really_mean_it_not_faking,type=CephBool,req=false", help: "remove pool", perm: "rw" },
  { sig: `osd pool set name=pool,type=CephPoolname name=var,type=CephChoices,strings=${POOL_SET_VARS} name=val,type=CephString name=yes_i_really_mean_it,type=CephBool,req=false`, help: "set pool parameter <var> to <val>", perm: "rw" },
  { sig: `osd pool get name=pool,type=CephPoolname name=var,type=CephChoices,strings=${POOL_GET_VARS}`, help: "get pool parameter <var>", perm: "r" },
  { sig: "osd pool ls name=detail,type=CephChoices,strings=detail,req=false", help: "list pools", perm: "r" },
  { sig: "osd lspools", help: "list pools", perm: "r", flags: DEPRECATED },
  { sig: "osd tree name=epoch,type=CephInt,range=0,req=false name=states,type=CephChoices,strings=up|down|in|out|destroyed,n=N,req=false", help: "print OSD tree", perm: "r" },
  { sig: "osd dump name=epoch,type=CephInt,range=0,req=false", help: "print summary of OSD map", perm: "r" },
];

/** Linux's strerror texts for the codes these commands return with no message of their own. */
const STRERROR: Readonly<Record<number, string>> = {
  [EPERM]: "Operation not permitted",
  [ENOENT]: "No such file or directory",
  [EACCES]: "Permission denied",
  [EINVAL]: "Invalid argument",
  [ERANGE]: "Numerical result out of range",
};

function ok(outb: string, outs = ""): MonCommandResult {
  return { r: 0, outb, outs };
}
/** An error; like OSDMonitor's reply, an empty message becomes `cpp_strerror(r)`. */
function fail(r: number, outs: string): MonCommandResult {
  return { r, outb: "", outs: outs || `(${-r}) ${STRERROR[-r] ?? `Unknown error ${-r}`}` };
}
function isJson(cmd: Record<string, unknown>): boolean {
  return cmd.format === "json" || cmd.format === "json-pretty";
}
/** JSONFormatter output flushed once: a newline after json-pretty only. */
function flushed(cmd: Record<string, unknown>, value: unknown): string {
  return cmd.format === "json-pretty"
    ? JSON.stringify(value, null, 4) + "\n"
    : JSON.stringify(value);
}
/** The OSDMonitor dumps that end with a newline in either JSON format (`osd dump`, `osd tree`). */
function json(cmd: Record<string, unknown>, value: unknown): string {
  return (cmd.format === "json-pretty" ? JSON.stringify(value, null, 4) : JSON.stringify(value)) +
    "\n";
}
function ids(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)];
}

/**
 * Ceph's `parse_osd_id` (`osd.3`, `3`): the id, or a negative errno with the message
 * `parse_pos_long` and `strict_strtol` give.
 */
function parseOsdId(text: string): { id: number; error: string } {
  const s = text.startsWith("osd.") ? text.slice(4) : text;
  if (s.startsWith("-") || s.startsWith("+")) {
    return { id: -EINVAL, error: `expected numerical value, got: ${s}` };
  }
  const r = strictStrtol(s);
  if (r.error && r.value === 0n) return { id: -1, error: r.error };
  if (r.value < 0n) return { id: -1, error: `unable to parse positive integer '${s}'` };
  const id = Number(r.value);
  if (id > 0xffff) return { id: -ERANGE, error: `osd id ${id} is too large` };
  return { id, error: "" };
}

/** A double as C++'s default ostream prints it (`%g`, six significant digits). */
export function formatDouble(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v < 0 ? "-inf" : "inf";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  const exp = Math.floor(Math.log10(Math.abs(Number(v.toPrecision(6)))));
  if (exp < -4 || exp >= 6) {
    const [mant, e] = v.toExponential(5).split("e");
    const m = mant!.includes(".") ? mant!.replace(/\.?0+$/, "") : mant!;
    const n = Number(e);
    return `${m}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`;
  }
  const fixed = v.toFixed(Math.max(0, 5 - exp));
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}

/**
 * The embedded mon's OSDMonitor, over a simulated cluster's OSDMap.
 *
 * @example
 * ```ts
 * import { Rng } from "../engine/prng.ts";
 * import { Scheduler } from "../engine/scheduler.ts";
 * import { SimCluster } from "../cluster/cluster.ts";
 * import { OSDMonitor } from "./osd_monitor.ts";
 * const c = new SimCluster(new Scheduler({ rng: new Rng(1) }), { hosts: 1, osdsPerHost: 2, pools: [] });
 * const r = new OSDMonitor(c).handle("osd out", { prefix: "osd out", ids: ["1"] }, undefined, "client.admin");
 * if (r.outs !== "marked out osd.1. ") throw new Error(r.outs);
 * ```
 */
export class OSDMonitor implements Monitor {
  readonly commands = OSD_COMMANDS;
  readonly #cluster: SimCluster;
  readonly #options: OSDMonitorOptions;

  constructor(cluster: SimCluster, options: OSDMonitorOptions = {}) {
    this.#cluster = cluster;
    this.#options = options;
  }

  handle(
    prefix: string,
    cmd: Record<string, unknown>,
    _inbuf: string | undefined,
    entity: string,
  ): MonCommandResult {
    const c = this.#cluster;
    switch (prefix) {
      case "osd set":
      case "osd unset":
        return _flag(c, prefix === "osd set", String(cmd.key));
      case "osd down":
      case "osd out":
      case "osd in":
        return _markOsds(c, prefix, ids(cmd.ids), entity);
      case "osd reweight":
        return _reweight(c, cmd.id, cmd.weight);
      case "osd pg-upmap-items":
      case "osd rm-pg-upmap-items":
        return _pgUpmapItems(c, prefix, String(cmd.pgid ?? ""), cmd.id);
      case "osd pool create":
        return _poolCreate(c, cmd);
      case "osd pool delete":
      case "osd pool rm":
        return _poolRemove(c, cmd, this.#monFlag("mon_allow_pool_delete"));
      case "osd pool set":
        return _poolSet(c, String(cmd.pool), String(cmd.var), String(cmd.val ?? ""), cmd);
      case "osd pool get":
        return _poolGet(c, cmd);
      case "osd pool ls":
        return _poolLs(c, cmd);
      case "osd lspools":
        return _lspools(c, cmd);
      case "osd tree":
      case "osd dump": {
        const epoch = cmd.epoch;
        if (epoch !== undefined && Number(epoch) !== c.map.epoch) {
          return fail(-ENOENT, `there is no map for epoch ${Number(epoch)}`);
        }
        if (prefix === "osd dump") {
          const dump = () => ({
            ...(dumpOsdMap(c.map) as Record<string, unknown>),
            pools: commandPoolEntries(c.map),
          });
          return ok(isJson(cmd) ? json(cmd, dump()) : _dumpText(c));
        }
        return ok(_tree(c, cmd));
      }
    }
    return fail(-EINVAL, "command not known");
  }

  /** A boolean option as the mon daemon has it (its config DB value, else Ceph's default false). */
  #monFlag(name: string): boolean {
    const v = this.#options.configValue?.("mon", name);
    return v !== undefined && /^(true|yes|1)$/i.test(v.trim());
  }
}

/** What OSDMonitor reads of its mon. */
export interface OSDMonitorOptions {
  /** The config DB value of `name` for `section` (ConfigMonitor's); options unset are Ceph's defaults. */
  configValue?(section: string, name: string): string | undefined;
}

/**
 * `osd pool delete|rm <pool> <pool> --yes-i-really-really-mean-it`, as OSDMonitor's
 * prepare_command and `_check_remove_pool` in Ceph 16.2: a missing pool is no error; the name
 * twice and the flag are required (EPERM); a pool CephFS uses is EBUSY; then
 * `mon_allow_pool_delete` and the pool's `nodelete` flag (EPERM). `mon_fake_pool_delete`
 * (which renames instead) is not simulated: removal is always real.
 */
function _poolRemove(
  c: SimCluster,
  cmd: Record<string, unknown>,
  allowed: boolean,
): MonCommandResult {
  const name = String(cmd.pool ?? "");
  const pool = _pool(c, name);
  if (!pool) return ok("", `pool '${name}' does not exist`);
  const sure = cmd.yes_i_really_really_mean_it === true ||
    cmd.yes_i_really_really_mean_it_not_faking === true;
  if (String(cmd.pool2 ?? "") !== name || !sure) {
    return fail(
      -EPERM,
      `WARNING: this will *PERMANENTLY DESTROY* all data stored in pool ${name}.  If you are ` +
        "*ABSOLUTELY CERTAIN* that is what you want, pass the pool name *twice*, followed by " +
        "--yes-i-really-really-mean-it.",
    );
  }
  if (c.fs.poolsInUse().some((fs) => pool.id === fs.metadata || pool.id === fs.data)) {
    return fail(-EBUSY, `pool '${name}' is in use by CephFS`);
  }
  if (!allowed) {
    return fail(
      -EPERM,
      "pool deletion is disabled; you must first set the mon_allow_pool_delete config option " +
        "to true before you can destroy a pool",
    );
  }
  if (pool.nodelete) {
    return fail(
      -EPERM,
      "pool deletion is disabled; you must unset nodelete flag for the pool first",
    );
  }
  c.removePool(pool);
  return ok("", `pool '${name}' removed`);
}

function _flag(c: SimCluster, set: boolean, key: string): MonCommandResult {
  // `pause` is two flags; Ceph prints them the way OSDMap::get_flag_string does.
  const flags = key === "pause" ? ["pauserd", "pausewr"] : [key];
  if (!flags.every((f) => OSDMAP_FLAGS.has(f))) return fail(-EINVAL, `unrecognized flag '${key}'`);
  for (const f of flags) set ? c.setFlag(f) : c.unsetFlag(f);
  return ok("", `${flags.join(",")} is ${set ? "set" : "unset"}`);
}

function _markOsds(
  c: SimCluster,
  prefix: string,
  args: string[],
  entity: string,
): MonCommandResult {
  const verb = prefix.slice("osd ".length) as "down" | "out" | "in";
  const all = args.some((a) => a === "any" || a === "all");
  const targets: number[] = [];
  let ss = "";
  let err = 0;
  if (all) {
    for (let id = 0; id < c.map.maxOsd; id++) if (c.map.has(id)) targets.push(id);
  } else {
    for (const a of args) {
      const { id, error } = parseOsdId(a);
      if (id < 0) {
        ss += `${error}invalid osd id${id}`;
        err = -EINVAL;
      } else if (!c.map.has(id)) {
        ss += `osd.${id} does not exist. `;
      } else targets.push(id);
    }
  }
  const map = c.map;
  for (const id of targets) {
    const already = verb === "down" ? !map.isUp(id) : verb === "out" ? !map.isIn(id) : map.isIn(id);
    if (already) {
      if (!all) ss += `osd.${id} is already ${verb}. `;
      continue;
    }
    if (verb === "down") c.osdDown(id);
    else if (verb === "out") {
      // OSDMonitor's note of who took an OSD out, and when.
      const when = map.isUp(id)
        ? "while it was still marked up"
        : `after it was down for ${Math.trunc(c.downSeconds(id))} seconds`;
      c.log("[INF]", `Client ${entity} marked osd.${id} out, ${when}`);
      c.osdOut(id);
    } else c.osdIn(id);
    ss += `marked ${verb} osd.${id}. `;
  }
  return { r: err, outb: "", outs: ss };
}

function _reweight(c: SimCluster, idArg: unknown, weightArg: unknown): MonCommandResult {
  const id = typeof idArg === "number" ? idArg : parseOsdId(String(idArg)).id;
  const w = Number(weightArg);
  if (!Number.isFinite(w)) return fail(-EINVAL, `unable to parse weight value '${weightArg}'`);
  const ww = Math.trunc(0x10000 * w);
  if (ww < 0) return fail(-EINVAL, "weight must be >= 0");
  if (!c.map.has(id)) return fail(-ENOENT, `osd.${id} does not exist`);
  c.reweight(id, Math.min(1, ww / 0x10000));
  return ok("", `reweighted osd.${id} to ${formatDouble(w)} (${ww.toString(16)})`);
}

/** `osd pg-upmap-items` and `osd rm-pg-upmap-items`, with OSDMonitor's checks and words. */
function _pgUpmapItems(
  c: SimCluster,
  prefix: string,
  pgidText: string,
  idArg: unknown,
): MonCommandResult {
  const m = /^(\d+)\.([0-9a-f]+)$/.exec(pgidText);
  if (!m) return fail(-EINVAL, `invalid pgid '${pgidText}'`);
  const pool = c.map.pools.find((p) => p.id === Number(m[1]));
  const ps = parseInt(m[2] as string, 16);
  if (!pool || ps >= pool.pgNum) return fail(-ENOENT, `pg ${pgidText} does not exist`);
  const pgid = `${pool.id}.${ps.toString(16)}`;
  if (prefix === "osd rm-pg-upmap-items") {
    c.setUpmapItems(pgid, null);
    return ok("", `clear ${pgid} pg_upmap_items mapping`);
  }
  const raw = Array.isArray(idArg) ? idArg : idArg === undefined ? [] : [idArg];
  const idVec: number[] = [];
  for (const a of raw) {
    const id = typeof a === "number" ? a : parseOsdId(String(a)).id;
    if (!Number.isInteger(id)) {
      return fail(-EINVAL, `unable to parse 'id' value(s) '${raw.join(",")}'`);
    }
    idVec.push(id);
  }
  if (idVec.length % 2) return fail(-EINVAL, "you must specify pairs of osd ids to be remapped");
  if (idVec.length / 2 > pool.size) {
    return fail(-EINVAL, `num of osd pairs (${idVec.length / 2}) > pool size (${pool.size})`);
  }
  let notes = "";
  const pairs: [number, number][] = [];
  for (let i = 0; i < idVec.length; i += 2) {
    const from = idVec[i] as number, to = idVec[i + 1] as number;
    if (from === to) {
      notes += `from osd.${from} == to osd.${to}, `;
      continue;
    }
    if (!c.map.has(from)) return fail(-ENOENT, `${notes}osd.${from} does not exist`);
    if (!c.map.has(to)) return fail(-ENOENT, `${notes}osd.${to} does not exist`);
    if (pairs.some(([f, t]) => f === from && t === to)) {
      notes += `osd.${from} -> osd.${to} already exists, `;
      continue;
    }
    pairs.push([from, to]);
  }
  if (pairs.length === 0) return fail(-EINVAL, `${notes}no valid upmap items(pairs) is specified`);
  c.setUpmapItems(pgid, pairs);
  return ok(
    "",
    `${notes}set ${pgid} pg_upmap_items mapping to [${
      pairs.map(([f, t]) => `${f}->${t}`).join(",")
    }]`,
  );
}

function _pool(c: SimCluster, name: string): Pool | undefined {
  return c.map.pools.find((p) => p.name === name);
}

/** `get_osd_pool_default_min_size(size)` with `osd_pool_default_min_size` 0. */
function defaultMinSize(size: number): number {
  return size - Math.floor(size / 2);
}

/**
 * OSDMonitor::check_pg_num: would `pgNum` PGs of `size` replicas (for `pool`, or a new pool)
 * put more than `mon_max_pg_per_osd` PGs on the OSDs under the rule's root? Every existing pool
 * counts with its pg_num_target times size, as the mon's projection does once all PGs are
 * mapped.
 */
function checkPgNum(c: SimCluster, pool: Pool | undefined, pgNum: number, size: number): string {
  let projected = 0;
  for (const p of c.map.pools) projected += p === pool ? pgNum * size : p.pgNumTarget * p.size;
  if (!pool) projected += pgNum * size;
  let osds = 0;
  for (let id = 0; id < c.map.maxOsd; id++) if (c.map.has(id)) osds++;
  const numOsds = Math.max(osds, 3);
  const max = MON_MAX_PG_PER_OSD * numOsds;
  if (projected <= max) return "";
  return `${pool ? `pool id ${pool.id}` : ""} pg_num ${pgNum} size ${size} would mean ` +
    `${projected} total pgs, which exceeds max ${max} ` +
    `(mon_max_pg_per_osd ${MON_MAX_PG_PER_OSD} * num_in_osds ${numOsds})`;
}

function _poolCreate(c: SimCluster, cmd: Record<string, unknown>): MonCommandResult {
  const name = String(cmd.pool ?? "");
  const type = typeof cmd.pool_type === "string" ? cmd.pool_type : "replicated";
  const existing = _pool(c, name);
  if (existing) {
    return type === "replicated"
      ? ok("", `pool '${name}' already exists`)
      : fail(-EINVAL, `pool '${name}' cannot change to type ${type}`);
  }
  if (type === "erasure") {
    return fail(-EPERM, "the simulated cluster models replicated pools only");
  }
  // The CLI fills the positional words in signature order, so for a replicated pool Ceph reads
  // the erasure_code_profile slot as the rule and the rule slot as expected_num_objects.
  let rule = typeof cmd.rule === "string" ? cmd.rule : "";
  const profile = typeof cmd.erasure_code_profile === "string" ? cmd.erasure_code_profile : "";
  if (profile !== "") {
    if (rule !== "") {
      const n = strictStrtoll(rule);
      if (n.error) return fail(-EINVAL, `error parsing integer value '${rule}': ${n.error}`);
    }
    rule = profile;
  }
  const crushRule = rule === "" ? 0 : c.map.crush.ruleId(rule);
  if (crushRule === undefined) return fail(-ENOENT, `specified rule ${rule} doesn't exist`);
  if (name === "") return fail(-EINVAL, "");
  const pgNum = Number(cmd.pg_num ?? 0) || OSD_POOL_DEFAULT_PG_NUM;
  const pgpNum = Number(cmd.pgp_num ?? 0) || pgNum;
  if (pgNum > MON_MAX_POOL_PG_NUM) {
    return fail(
      -ERANGE,
      `'pg_num' must be greater than 0 and less than or equal to ${MON_MAX_POOL_PG_NUM} ` +
        "(you may adjust 'mon max pool pg num' for higher values)",
    );
  }
  if (pgpNum > pgNum) {
    return fail(
      -ERANGE,
      `'pgp_num' must be greater than 0 and lower or equal than 'pg_num', which in this case is ${pgNum}`,
    );
  }
  const size = Number(cmd.size ?? 0) || OSD_POOL_DEFAULT_SIZE;
  if (size > RULE_MAX_SIZE) {
    return fail(-EINVAL, "pool size is bigger than the crush rule max size");
  }
  const tooMany = checkPgNum(c, undefined, pgNum, size);
  if (tooMany) return fail(-ERANGE, tooMany);
  if (size > c.pgs.stride) {
    return fail(
      -EPERM,
      `pool size ${size} is more than the simulated cluster holds (${c.pgs.stride})`,
    );
  }
  try {
    c.createPool({ name, pgNum, size, crushRule, ...(cmd.bulk === true ? { bulk: true } : {}) });
  } catch (e) {
    return fail(-EINVAL, (e as Error).message);
  }
  return ok("", `pool '${name}' created`);
}

/** The tiering variables: -EACCES on a pool that is not a cache tier. */
const TIER_VARS = new Set([
  "hit_set_type",
  "hit_set_period",
  "hit_set_count",
  "hit_set_fpp",
  "target_max_objects",
  "target_max_bytes",
  "cache_target_full_ratio",
  "cache_target_dirty_ratio",
  "cache_target_dirty_high_ratio",
  "cache_min_flush_age",
  "cache_min_evict_age",
  "hit_set_grade_decay_rate",
  "hit_set_search_last_n",
  "min_read_recency_for_promote",
  "min_write_recency_for_promote",
]);

/** The flag variables (`true`/`false`/`1`/`0`). */
const FLAG_VARS = new Set([
  "hashpspool",
  "nodelete",
  "nopgchange",
  "nosizechange",
  "write_fadvise_dontneed",
  "noscrub",
  "nodeep-scrub",
  "bulk",
]);

function _poolSet(
  c: SimCluster,
  name: string,
  key: string,
  val: string,
  cmd: Record<string, unknown>,
): MonCommandResult {
  const pool = _pool(c, name);
  if (!pool) return fail(-ENOENT, `unrecognized pool '${name}'`);
  const sure = cmd.yes_i_really_mean_it === true;
  if (TIER_VARS.has(key) || key === "use_gmt_hitset") return fail(-EACCES, "");
  const int = strictStrtoll(val);
  const parseError = int.error ? `error parsing integer value '${val}': ${int.error}` : "";
  const n = Number(int.value);
  const simCannot = () => fail(-EPERM, `the simulated cluster cannot change a pool's ${key}`);
  const changed = (what: string) => ok("", `set pool ${pool.id} ${what} to ${val}`);
  switch (key) {
    case "size": {
      if (parseError) return fail(-EINVAL, parseError);
      if (n <= 0 || n > 10) return fail(-EINVAL, "pool size must be between 1 and 10");
      if (n === 1) {
        // mon_allow_pool_size_one is false by default.
        return fail(-EPERM, "configuring pool size as 1 is disabled by default.");
      }
      const tooMany = checkPgNum(c, pool, pool.pgNum, n);
      if (tooMany) return fail(-ERANGE, tooMany);
      if (n > c.pgs.stride) {
        return fail(
          -EPERM,
          `pool size ${n} is more than the simulated cluster holds (${c.pgs.stride})`,
        );
      }
      c.setPoolSize(pool, n, defaultMinSize(n));
      return changed(key);
    }
    case "min_size": {
      if (parseError) return fail(-EINVAL, parseError);
      if (n < 1 || n > pool.size) {
        return fail(
          -EINVAL,
          `pool min_size must be between 1 and size, which is set to ${pool.size}`,
        );
      }
      c.setPoolSize(pool, pool.size, n);
      return changed(key);
    }
    case "pg_num": {
      if (parseError) return fail(-EINVAL, parseError);
      if (n === pool.pgNumTarget) return ok("");
      if (n <= 0 || n > MON_MAX_POOL_PG_NUM) {
        return fail(
          -ERANGE,
          `'pg_num' must be greater than 0 and less than or equal to ${MON_MAX_POOL_PG_NUM} ` +
            "(you may adjust 'mon max pool pg num' for higher values)",
        );
      }
      if (n > pool.pgNumTarget) {
        const tooMany = checkPgNum(c, pool, n, pool.size);
        if (tooMany) return fail(-ERANGE, tooMany);
      }
      c.setPoolPgNum(pool, n);
      return changed(key);
    }
    case "pgp_num": {
      if (parseError) return fail(-EINVAL, parseError);
      if (n <= 0) return fail(-EINVAL, `specified pgp_num must > 0, but you set to ${n}`);
      if (n > pool.pgNumTarget) {
        return fail(-EINVAL, `specified pgp_num ${n} > pg_num ${pool.pgNumTarget}`);
      }
      c.setPoolPgpNum(pool, n);
      return changed(key);
    }
    case "pg_autoscale_mode":
      if (val !== "on" && val !== "off" && val !== "warn") {
        return fail(-EINVAL, `specified invalid mode ${val}`);
      }
      c.setPoolAutoscaleMode(pool, val);
      return changed(key);
    case "target_size_bytes":
    case "pg_num_min":
    case "pg_num_max":
      if (parseError) return fail(-EINVAL, parseError);
      if (n < 0) return fail(-EINVAL, `${key} cannot be negative`);
      c.setPoolOption(pool, key, n);
      return changed(key);
    case "target_size_ratio":
    case "pg_autoscale_bias": {
      const f = Number(val);
      if (val.trim() === "" || !Number.isFinite(f)) {
        return fail(-EINVAL, `error parsing floating point value '${val}'`);
      }
      if (key === "target_size_ratio" && f < 0) {
        return fail(-EINVAL, "target_size_ratio cannot be negative");
      }
      if (key === "pg_autoscale_bias" && (f < 0 || f > 1000)) {
        return fail(-EINVAL, "pg_autoscale_bias must be between 0 and 1000");
      }
      c.setPoolOption(pool, key, f);
      return changed(key);
    }
    case "crush_rule": {
      const id = c.map.crush.ruleId(val);
      if (id === undefined) return fail(-ENOENT, `crush rule ${val} does not exist`);
      if (id !== pool.crushRule) {
        return fail(-EPERM, "the simulated cluster cannot move a pool to another CRUSH rule");
      }
      return changed(key);
    }
    case "nodelete": {
      const on = ["true", "1"].includes(val), off = ["false", "0"].includes(val);
      if (!on && !off) return fail(-EINVAL, "expecting value 'true', 'false', '0', or '1'");
      c.setPoolNodelete(pool, on);
      return changed(key);
    }
    case "hashpspool":
      if (!sure) {
        return fail(
          -EPERM,
          "are you SURE?  this will remap all placement groups in this pool, this triggers " +
            "large data movement, pass --yes-i-really-mean-it if you really do.",
        );
      }
      break;
  }
  if (FLAG_VARS.has(key) && !["true", "false", "1", "0"].includes(val)) {
    return fail(-EINVAL, "expecting value 'true', 'false', '0', or '1'");
  }
  return simCannot();
}

/** The variables `osd pool get <pool> all` lists for a replicated pool, in Ceph's order. */
const POOL_ALL_VARS = [
  "size",
  "min_size",
  "pg_num",
  "pgp_num",
  "crush_rule",
  "hashpspool",
  "nodelete",
  "nopgchange",
  "nosizechange",
  "write_fadvise_dontneed",
  "noscrub",
  "nodeep-scrub",
  "use_gmt_hitset",
  "fast_read",
  "pg_autoscale_mode",
  "bulk",
];

/** A pool variable's value as JSON dumps it, or undefined for a pool option that is unset. */
function _poolValue(
  pool: Pool,
  key: string,
  ruleName = CRUSH_RULE,
): number | string | boolean | undefined {
  switch (key) {
    case "size":
      return pool.size;
    case "min_size":
      return pool.minSize;
    case "pg_num":
      return pool.pgNum;
    case "pgp_num":
      return pool.pgpNum;
    case "crush_rule":
      return ruleName;
    case "hashpspool":
    case "use_gmt_hitset":
      return true;
    case "fast_read":
      return 0;
    case "pg_autoscale_mode":
      return "on";
    case "nodelete":
      return Boolean(pool.nodelete);
    case "bulk":
      return Boolean(pool.bulk);
  }
  return FLAG_VARS.has(key) ? false : undefined;
}

function _poolGet(c: SimCluster, cmd: Record<string, unknown>): MonCommandResult {
  const name = String(cmd.pool);
  const pool = _pool(c, name);
  if (!pool) return fail(-ENOENT, `unrecognized pool '${name}'`);
  const key = String(cmd.var);
  if (TIER_VARS.has(key)) {
    return fail(-EACCES, `pool '${name}' is not a tier pool: variable not applicable`);
  }
  if (key === "erasure_code_profile" || key === "allow_ec_overwrites") {
    return fail(-EACCES, `pool '${name}' is not a erasure pool: variable not applicable`);
  }
  const keys = key === "all" ? POOL_ALL_VARS : [key];
  const rule = c.map.crush.ruleName(pool.crushRule);
  if (_poolValue(pool, keys[0]!, rule) === undefined) {
    return fail(-ENOENT, `option '${key}' is not set on pool '${name}'`);
  }
  if (isJson(cmd)) {
    const out: Record<string, unknown> = { pool: pool.name, pool_id: pool.id };
    for (const k of keys) out[k] = _poolValue(pool, k, rule);
    return ok(flushed(cmd, out));
  }
  // The plain dump prints use_gmt_hitset as a number.
  const plain = (k: string) => k === "use_gmt_hitset" ? 1 : _poolValue(pool, k, rule);
  return ok(keys.map((k) => `${k}: ${plain(k)}\n`).join(""));
}

function _poolLine(p: Pool): string {
  return `pool ${p.id} '${p.name}' replicated size ${p.size} min_size ${p.minSize} ` +
    `crush_rule ${p.crushRule} object_hash rjenkins pg_num ${p.pgNum} pgp_num ${p.pgpNum} ` +
    (p.pgNumTarget !== p.pgNum ? `pg_num_target ${p.pgNumTarget} ` : "") +
    (p.pgpNumTarget !== p.pgpNum ? `pgp_num_target ${p.pgpNumTarget} ` : "") +
    `autoscale_mode ${p.autoscaleMode} last_change ${p.lastChange} flags hashpspool` +
    (p.nodelete ? ",nodelete" : "") +
    (p.bulk ? ",bulk" : "") +
    (p.quotaMaxBytes ? ` max_bytes ${p.quotaMaxBytes}` : "") +
    (p.quotaMaxObjects ? ` max_objects ${p.quotaMaxObjects}` : "") +
    " stripe_width 0" +
    Object.entries(p.options).map(([k, v]) => ` ${k} ${v}`).join("") +
    (Object.keys(p.applications).length ? ` application ${Object.keys(p.applications)}` : "");
}

function _poolLs(c: SimCluster, cmd: Record<string, unknown>): MonCommandResult {
  const detail = cmd.detail === "detail";
  if (isJson(cmd)) {
    // `ls detail` names the id `pool_id` where `osd dump` says `pool`.
    const detailed = () => commandPoolEntries(c.map, "pool_id");
    return ok(flushed(cmd, detail ? detailed() : c.map.pools.map((p) => p.name)));
  }
  if (!detail) return ok(c.map.pools.map((p) => `${p.name}\n`).join(""));
  return ok(c.map.pools.map((p) => `${_poolLine(p)}\n`).join("") + "\n");
}

function _lspools(c: SimCluster, cmd: Record<string, unknown>): MonCommandResult {
  if (isJson(cmd)) {
    return ok(json(cmd, c.map.pools.map((p) => ({ poolnum: p.id, poolname: p.name }))));
  }
  return ok(c.map.pools.map((p) => `${p.id} ${p.name}\n`).join(""));
}

interface TreeNode {
  id: number;
  name: string;
  type: string;
  device_class?: string;
  crush_weight?: number;
  depth?: number;
  status?: string;
  reweight?: number;
  primary_affinity?: number;
  children?: number[];
}

/** Ceph's `weightf_t`: `-` when negative, `0` when (nearly) zero, else five decimals. */
function weightf(w: number): string {
  if (w < -0.01) return "-";
  if (w < 0.000001) return "0";
  return w.toFixed(5);
}

/**
 * `ceph osd tree [<states>...]`: the CRUSH tree with each OSD's state, plain (a TextTable with
 * Ceph's columns and alignments) or JSON. With states, only OSDs in one of them are shown, and
 * only the buckets that hold one (OSDMap's `should_dump_leaf` / `should_dump_empty_bucket`).
 */
function _tree(c: SimCluster, cmd: Record<string, unknown>): string {
  const tree = dumpOsdMapTree(c.map) as unknown as { nodes: TreeNode[]; stray: unknown[] };
  const byId = new Map(tree.nodes.map((n) => [n.id, n]));
  const states = new Set(ids(cmd.states));
  const map = c.map;
  const leafShown = (id: number) =>
    states.size === 0 ||
    (states.has("up") && map.isUp(id)) || (states.has("down") && !map.isUp(id)) ||
    (states.has("in") && map.isIn(id)) || (states.has("out") && !map.isIn(id));
  const shownMemo = new Map<number, boolean>();
  const shown = (id: number): boolean => {
    let s = shownMemo.get(id);
    if (s === undefined) {
      s = id >= 0 ? leafShown(id) : states.size === 0 || (byId.get(id)?.children ?? []).some(shown);
      shownMemo.set(id, s);
    }
    return s;
  };
  if (isJson(cmd)) {
    // The mon's dump names an OSD right after its class (the mgr's get() puts the name last).
    const nodes = tree.nodes.filter((n) => shown(n.id)).map((n) => {
      if (n.children) return { ...n, children: n.children.filter(shown) };
      const { id, device_class, name, ...rest } = n;
      return { id, device_class, name, ...rest };
    });
    return json(cmd, { nodes, stray: tree.stray });
  }
  const weight = (n: TreeNode): number =>
    n.id >= 0
      ? n.crush_weight ?? 0
      : (n.children ?? []).reduce((s, id) => s + weight(byId.get(id) as TreeNode), 0);
  const rows: string[][] = [[
    "ID",
    "CLASS",
    "WEIGHT",
    "TYPE NAME",
    "STATUS",
    "REWEIGHT",
    "PRI-AFF",
  ]];
  const walk = (n: TreeNode, d: number) => {
    if (!shown(n.id)) return;
    const indent = "    ".repeat(d);
    if (n.id >= 0) {
      rows.push([
        String(n.id),
        n.device_class ?? "",
        weightf(weight(n)),
        `${indent}${n.name}`,
        n.status ?? "",
        weightf(n.reweight ?? 0),
        weightf(n.primary_affinity ?? 0),
      ]);
      return;
    }
    rows.push([String(n.id), "", weightf(weight(n)), `${indent}${n.type} ${n.name}`, "", "", ""]);
    // The JSON lists a bucket's children last item first; the table shows them in item order.
    for (const child of [...(n.children ?? [])].reverse()) walk(byId.get(child) as TreeNode, d + 1);
  };
  const root = tree.nodes[0];
  if (root) walk(root, 0);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const leftData = new Set([3]);
  return rows.map((r, ri) =>
    r.map((cell, i) =>
      ri === 0 || leftData.has(i) ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)
    ).join("  ")
  ).join("\n") + "\n";
}

/** `ceph osd dump` as text: the map's header, one line per pool, one line per OSD. */
function _dumpText(c: SimCluster): string {
  const d = dumpOsdMap(c.map) as Record<string, unknown> & {
    osds: {
      osd: number;
      up: number;
      in: number;
      weight: number;
      up_from: number;
      up_thru: number;
      down_at: number;
      last_clean_begin: number;
      last_clean_end: number;
      public_addr: string;
      cluster_addr: string;
      uuid: string;
    }[];
  };
  const lines = [
    `epoch ${d.epoch}`,
    `fsid ${d.fsid}`,
    `created ${d.created}`,
    `modified ${d.modified}`,
    `flags ${d.flags}`,
    `crush_version ${d.crush_version}`,
    `full_ratio ${Number(d.full_ratio).toPrecision(6).replace(/0+$/, "")}`,
    `backfillfull_ratio ${Number(d.backfillfull_ratio).toPrecision(6).replace(/0+$/, "")}`,
    `nearfull_ratio ${Number(d.nearfull_ratio).toPrecision(6).replace(/0+$/, "")}`,
    `require_min_compat_client ${d.require_min_compat_client}`,
    `min_compat_client ${d.min_compat_client}`,
    `require_osd_release ${d.require_osd_release}`,
    `stretch_mode_enabled false`,
    ...c.map.pools.map((p) => _poolLine(p)),
    "",
    `max_osd ${d.max_osd}`,
    ...d.osds.map((o) =>
      `osd.${o.osd} ${o.up ? "up  " : "down"} ${o.in ? "in " : "out"} weight ${o.weight} ` +
      `up_from ${o.up_from} up_thru ${o.up_thru} down_at ${o.down_at} ` +
      `last_clean_interval [${o.last_clean_begin},${o.last_clean_end}) ` +
      `${o.public_addr} ${o.cluster_addr} exists${o.up ? ",up" : ""} ${o.uuid}`
    ),
    // OSDMap::print: each pg_t map in pg order, a vector as `[a,b]` (a pair as `a,b`).
    ...(d.pg_upmap_items as { pgid: string; mappings: { from: number; to: number }[] }[]).map((
      e,
    ) => `pg_upmap_items ${e.pgid} [${e.mappings.map((m) => `${m.from},${m.to}`).join(",")}]`),
    ...(d.pg_temp as { pgid: string; osds: number[] }[]).map((e) =>
      `pg_temp ${e.pgid} [${e.osds.join(",")}]`
    ),
  ];
  return lines.join("\n") + "\n";
}
