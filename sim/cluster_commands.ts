/**
 * The commands the simulated cluster answers itself, beside the embedded mon: the OSDMonitor
 * and MonmapMonitor commands a module sends (`osd set noout`, `osd out 3`, `osd pool create`,
 * `osd tree`, `mon stat`, ...) and the OSDs' tell commands (`perf dump`, `perf schema`,
 * `version`). Messages and outputs follow Ceph 16.2's src/mon/OSDMonitor.cc,
 * src/mon/MonmapMonitor.cc and src/common/perf_counters.cc. Every change is applied to the
 * SimCluster synchronously, so the manager sees the new OSDMap when the command completes.
 *
 * @module
 */
import type { CommandSignature, MonCommandResult } from "../core/cluster_link.ts";
import { EINVAL, ENOENT, EPERM, ETIMEDOUT } from "../core/errno.ts";
import { CEPH_VERSION } from "../core/mgr_map.ts";
import type { SimCluster } from "./cluster/cluster.ts";
import { dumpOsdMap, dumpOsdMapTree } from "./cluster/osd_map_dump.ts";
import { OSDMAP_FLAGS, type Pool } from "./cluster/osd_map.ts";
import { PerfType } from "./cluster/perf_counters.ts";

const ENXIO = 6;

/** Seconds a mon command waits for an unreachable mon when the caller gives no timeout. */
export const DEFAULT_MON_TIMEOUT = 60;

const SET_FLAGS = "full|pause|noup|nodown|noout|noin|nobackfill|norebalance|norecover|noscrub|" +
  "nodeep-scrub|notieragent|nosnaptrim|pglog_hardlimit";
const UNSET_FLAGS = "full|pause|noup|nodown|noout|noin|nobackfill|norebalance|norecover|noscrub|" +
  "nodeep-scrub|notieragent|nosnaptrim";

/** The mon-side commands of {@linkcode clusterMonCommand}, as Ceph 16.2's MonCommands.h. */
// deno-fmt-ignore
export const CLUSTER_MON_COMMANDS: readonly CommandSignature[] = [
  { sig: `osd set name=key,type=CephChoices,strings=${SET_FLAGS} name=yes_i_really_mean_it,type=CephBool,req=false`, help: "set <key>", perm: "rw" },
  { sig: `osd unset name=key,type=CephChoices,strings=${UNSET_FLAGS}`, help: "unset <key>", perm: "rw" },
  { sig: "osd down name=ids,type=CephString,n=N name=definitely_dead,type=CephBool,req=false", help: "set osd(s) <id> [<id>...] down, or use <any|all> to set all osds down", perm: "rw" },
  { sig: "osd out name=ids,type=CephString,n=N", help: "set osd(s) <id> [<id>...] out, or use <any|all> to set all osds out", perm: "rw" },
  { sig: "osd in name=ids,type=CephString,n=N", help: "set osd(s) <id> [<id>...] in, can use <any|all> to automatically set all previously out osds in", perm: "rw" },
  { sig: "osd reweight name=id,type=CephOsdName type=CephFloat,name=weight,range=0.0|1.0", help: "reweight osd to 0.0 < <weight> < 1.0", perm: "rw" },
  { sig: "osd pool create name=pool,type=CephPoolname name=pg_num,type=CephInt,range=0,req=false name=pgp_num,type=CephInt,range=0,req=false name=pool_type,type=CephChoices,strings=replicated|erasure,req=false name=size,type=CephInt,range=0,req=false", help: "create pool", perm: "rw" },
  { sig: "osd pool set name=pool,type=CephPoolname name=var,type=CephChoices,strings=size|min_size|pg_num|pgp_num name=val,type=CephString name=yes_i_really_mean_it,type=CephBool,req=false", help: "set pool parameter <var> to <val>", perm: "rw" },
  { sig: "osd pool get name=pool,type=CephPoolname name=var,type=CephChoices,strings=size|min_size|pg_num|pgp_num|crush_rule|all", help: "get pool parameter <var>", perm: "r" },
  { sig: "osd pool ls name=detail,type=CephChoices,strings=detail,req=false", help: "list pools", perm: "r" },
  { sig: "osd tree name=epoch,type=CephInt,range=0,req=false name=states,type=CephChoices,strings=up|down|in|out|destroyed,n=N,req=false", help: "print OSD tree", perm: "r" },
  { sig: "osd dump name=epoch,type=CephInt,range=0,req=false", help: "print summary of OSD map", perm: "r" },
  { sig: "mon stat", help: "summarize monitor status", perm: "r" },
];

const PREFIXES = new Set(
  CLUSTER_MON_COMMANDS.map((c) => c.sig.split(" ").filter((w) => !w.includes("=")).join(" ")),
);

/** Whether {@linkcode clusterMonCommand} answers this prefix. */
export function isClusterMonCommand(prefix: unknown): boolean {
  return typeof prefix === "string" && PREFIXES.has(prefix);
}

function ok(outb: string, outs = ""): MonCommandResult {
  return { r: 0, outb, outs };
}
function fail(r: number, outs: string): MonCommandResult {
  return { r, outb: "", outs };
}
function isJson(cmd: Record<string, unknown>): boolean {
  return cmd.format === "json" || cmd.format === "json-pretty";
}
function json(cmd: Record<string, unknown>, value: unknown): string {
  return (cmd.format === "json-pretty" ? JSON.stringify(value, null, 4) : JSON.stringify(value)) +
    "\n";
}
function ids(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)];
}

/** `osd.3`, `3` → 3; anything else → -1. */
function parseOsdId(text: string): number {
  const m = /^(?:osd\.)?(\d+)$/.exec(text.trim());
  return m ? Number(m[1]) : -1;
}

/**
 * Answers a mon command the simulated cluster models, or returns undefined for any other prefix
 * (the embedded mon answers those).
 *
 * @example
 * ```ts
 * import { Rng } from "./engine/prng.ts";
 * import { Scheduler } from "./engine/scheduler.ts";
 * import { SimCluster } from "./cluster/cluster.ts";
 * import { clusterMonCommand } from "./cluster_commands.ts";
 * const c = new SimCluster(new Scheduler({ rng: new Rng(1) }), { hosts: 1, osdsPerHost: 2, pools: [] });
 * const r = clusterMonCommand(c, { prefix: "osd out", ids: ["1"] });
 * if (r?.outs !== "marked out osd.1. ") throw new Error(r?.outs);
 * ```
 */
export function clusterMonCommand(
  c: SimCluster,
  cmd: Record<string, unknown>,
): MonCommandResult | undefined {
  switch (cmd.prefix) {
    case "osd set":
    case "osd unset":
      return _flag(c, cmd.prefix === "osd set", String(cmd.key));
    case "osd down":
    case "osd out":
    case "osd in":
      return _markOsds(c, cmd.prefix, ids(cmd.ids));
    case "osd reweight":
      return _reweight(c, cmd.id, cmd.weight);
    case "osd pool create":
      return _poolCreate(c, cmd);
    case "osd pool set":
      return _poolSet(c, String(cmd.pool), String(cmd.var), String(cmd.val));
    case "osd pool get":
      return _poolGet(c, cmd);
    case "osd pool ls":
      return _poolLs(c, cmd);
    case "osd tree":
      return ok(isJson(cmd) ? json(cmd, dumpOsdMapTree(c.map)) : _treeText(c));
    case "osd dump":
      return ok(isJson(cmd) ? json(cmd, dumpOsdMap(c.map)) : _dumpText(c));
    case "mon stat":
      return ok(_monStat(c, cmd));
  }
  return undefined;
}

function _flag(c: SimCluster, set: boolean, key: string): MonCommandResult {
  // `pause` is two flags; Ceph prints them the way OSDMap::get_flag_string does.
  const flags = key === "pause" ? ["pauserd", "pausewr"] : [key];
  if (!flags.every((f) => OSDMAP_FLAGS.has(f))) return fail(-EINVAL, `unrecognized flag '${key}'`);
  for (const f of flags) set ? c.setFlag(f) : c.unsetFlag(f);
  return ok("", `${flags.join(",")} is ${set ? "set" : "unset"}`);
}

function _markOsds(c: SimCluster, prefix: string, args: string[]): MonCommandResult {
  const verb = prefix.slice("osd ".length) as "down" | "out" | "in";
  const all = args.some((a) => a === "any" || a === "all");
  const targets: number[] = [];
  let ss = "";
  let err = 0;
  if (all) {
    for (let id = 0; id < c.map.maxOsd; id++) if (c.map.has(id)) targets.push(id);
  } else {
    for (const a of args) {
      const id = parseOsdId(a);
      if (id < 0) {
        ss += `invalid osd id${id}`;
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
    else if (verb === "out") c.osdOut(id);
    else c.osdIn(id);
    ss += `marked ${verb} osd.${id}. `;
  }
  return { r: err, outb: "", outs: ss };
}

function _reweight(c: SimCluster, idArg: unknown, weightArg: unknown): MonCommandResult {
  const id = typeof idArg === "number" ? idArg : parseOsdId(String(idArg));
  const w = Number(weightArg);
  if (!Number.isFinite(w)) return fail(-EINVAL, `unable to parse weight value '${weightArg}'`);
  const ww = Math.trunc(0x10000 * w);
  if (ww < 0) return fail(-EINVAL, "weight must be >= 0");
  if (!c.map.has(id)) return fail(-ENOENT, `osd.${id} does not exist`);
  c.reweight(id, Math.min(1, ww / 0x10000));
  return ok("", `reweighted osd.${id} to ${w} (${ww.toString(16)})`);
}

function _pool(c: SimCluster, name: string): Pool | undefined {
  return c.map.pools.find((p) => p.name === name);
}

function _poolCreate(c: SimCluster, cmd: Record<string, unknown>): MonCommandResult {
  const name = String(cmd.pool);
  if (_pool(c, name)) return ok("", `pool '${name}' already exists`);
  if (cmd.pool_type === "erasure") {
    return fail(-EINVAL, "the simulated cluster models replicated pools only");
  }
  const pgNum = cmd.pg_num === undefined ? 32 : Number(cmd.pg_num);
  const pgpNum = cmd.pgp_num === undefined ? pgNum : Number(cmd.pgp_num);
  if (pgpNum > pgNum || pgpNum <= 0) {
    return fail(
      -EINVAL,
      `'pgp_num' must be greater than 0 and lower or equal than 'pg_num', which in this case is ${pgNum}`,
    );
  }
  const size = cmd.size === undefined ? 3 : Number(cmd.size);
  if (size > c.pgs.stride) {
    return fail(
      -EINVAL,
      `pool size ${size} is more than the simulated cluster holds (${c.pgs.stride})`,
    );
  }
  try {
    c.createPool({ name, pgNum, size });
  } catch (e) {
    return fail(-EINVAL, (e as Error).message);
  }
  return ok("", `pool '${name}' created`);
}

function _poolSet(c: SimCluster, name: string, key: string, val: string): MonCommandResult {
  const pool = _pool(c, name);
  if (!pool) return fail(-ENOENT, `unrecognized pool '${name}'`);
  if (key !== "min_size") {
    // Resizing PGs or their replica count would need a re-placement the PG model lacks.
    return fail(-EPERM, `the simulated cluster cannot change a pool's ${key}`);
  }
  const n = Number(val);
  if (!/^-?\d+$/.test(val.trim())) {
    return fail(
      -EINVAL,
      `error parsing integer value '${val}': Expected option value to be integer, got '${val}'`,
    );
  }
  if (n < 1 || n > pool.size) {
    return fail(-EINVAL, `pool min_size must be between 1 and size, which is set to ${pool.size}`);
  }
  if (pool.minSize !== n) {
    // OsdMap has no pool setter: a flag toggled inside the same change() marks the map dirty,
    // so the new min_size gets its own epoch like any other OSDMap change.
    const map = c.map;
    map.change(() => {
      pool.minSize = n;
      pool.lastChange = map.epoch + 1;
      if (map.setFlag("noscrub")) map.unsetFlag("noscrub");
      else if (map.unsetFlag("noscrub")) map.setFlag("noscrub");
    });
  }
  return ok("", `set pool ${pool.id} ${key} to ${val}`);
}

function _poolValue(pool: Pool, key: string): number | string {
  switch (key) {
    case "size":
      return pool.size;
    case "min_size":
      return pool.minSize;
    case "crush_rule":
      return "replicated_rule";
    default:
      return pool.pgNum;
  }
}

function _poolGet(c: SimCluster, cmd: Record<string, unknown>): MonCommandResult {
  const name = String(cmd.pool);
  const pool = _pool(c, name);
  if (!pool) return fail(-ENOENT, `unrecognized pool '${name}'`);
  const keys = cmd.var === "all"
    ? ["size", "min_size", "pg_num", "pgp_num", "crush_rule"]
    : [String(cmd.var)];
  if (isJson(cmd)) {
    const out: Record<string, unknown> = { pool: pool.name, pool_id: pool.id };
    for (const k of keys) out[k] = _poolValue(pool, k);
    return ok(json(cmd, out));
  }
  return ok(keys.map((k) => `${k}: ${_poolValue(pool, k)}\n`).join(""));
}

function _poolLine(p: Pool): string {
  return `pool ${p.id} '${p.name}' replicated size ${p.size} min_size ${p.minSize} ` +
    `crush_rule 0 object_hash rjenkins pg_num ${p.pgNum} pgp_num ${p.pgNum} ` +
    `autoscale_mode on last_change ${p.lastChange} flags hashpspool stripe_width 0 ` +
    `application ${p.application}`;
}

function _poolLs(c: SimCluster, cmd: Record<string, unknown>): MonCommandResult {
  const detail = cmd.detail === "detail";
  if (isJson(cmd)) {
    const pools = dumpOsdMap(c.map) as { pools: unknown[] };
    return ok(json(cmd, detail ? pools.pools : c.map.pools.map((p) => p.name)));
  }
  if (!detail) return ok(c.map.pools.map((p) => `${p.name}\n`).join(""));
  return ok(c.map.pools.map((p) => `${_poolLine(p)}\n\n`).join(""));
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

/** `ceph osd tree` as text: a TextTable with the same columns and alignments as Ceph's. */
function _treeText(c: SimCluster): string {
  const { nodes } = dumpOsdMapTree(c.map) as unknown as { nodes: TreeNode[] };
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const depth = new Map<number, number>();
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
    depth.set(n.id, d);
    const indent = "    ".repeat(d);
    if (n.id >= 0) {
      rows.push([
        String(n.id),
        n.device_class ?? "",
        weight(n).toFixed(5),
        `${indent}${n.name}`,
        n.status ?? "",
        (n.reweight ?? 0).toFixed(5),
        (n.primary_affinity ?? 0).toFixed(5),
      ]);
      return;
    }
    rows.push([String(n.id), "", weight(n).toFixed(5), `${indent}${n.type} ${n.name}`, "", "", ""]);
    for (const child of n.children ?? []) walk(byId.get(child) as TreeNode, d + 1);
  };
  const root = nodes[0];
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
  ];
  return lines.join("\n") + "\n";
}

function _monStat(c: SimCluster, cmd: Record<string, unknown>): string {
  const mons = c.mons;
  const leader = mons.leaderName() ?? "";
  const quorum = [...mons.quorum].sort((a, b) => a - b);
  if (isJson(cmd)) {
    return json(cmd, {
      epoch: mons.monmapEpoch,
      min_mon_release_name: "pacific",
      num_mons: mons.names.length,
      leader,
      quorum: quorum.map((rank) => ({ rank, name: mons.names[rank] })),
    });
  }
  const addrs = mons.names.map((n, r) =>
    `${n}=[v2:${mons.ips[r]}:3300/0,v1:${mons.ips[r]}:6789/0]`
  );
  return `e${mons.monmapEpoch}: ${mons.names.length} mons at {${addrs.join(",")}}` +
    ` removed_ranks: {}, election epoch ${mons.electionEpoch}, leader ${mons.leader} ${leader},` +
    ` quorum ${quorum.join(",")} ${quorum.map((r) => mons.names[r]).join(",")}\n`;
}

/**
 * Answers a command sent to one daemon (`ceph tell osd.3 perf dump`, the manager's
 * `send_command(..., "osd", "3", ...)`): `perf dump`, `perf schema` and `version` on OSDs. A
 * missing OSD answers -ENOENT, a down one -ENXIO, as the Objecter does.
 *
 * @example
 * ```ts
 * import { Rng } from "./engine/prng.ts";
 * import { Scheduler } from "./engine/scheduler.ts";
 * import { SimCluster } from "./cluster/cluster.ts";
 * import { clusterTellCommand } from "./cluster_commands.ts";
 * const c = new SimCluster(new Scheduler({ rng: new Rng(1) }), { hosts: 1, osdsPerHost: 1, pools: [] });
 * const r = clusterTellCommand(c, "osd", "0", { prefix: "perf dump" });
 * if (!("osd" in JSON.parse(r.outb))) throw new Error();
 * ```
 */
export function clusterTellCommand(
  c: SimCluster,
  daemonType: string,
  daemonId: string,
  cmd: Record<string, unknown>,
): MonCommandResult {
  if (daemonType === "pg") {
    const m = /^(\d+)\.([0-9a-f]+)$/.exec(daemonId);
    const pool = m ? c.map.pools.find((p) => p.id === Number(m[1])) : undefined;
    if (!m || !pool || parseInt(m[2]!, 16) >= pool.pgNum) {
      return fail(-ENOENT, `pgid ${daemonId} does not exist`);
    }
    return fail(-EINVAL, `unknown command prefix ${String(cmd.prefix)}`);
  }
  if (daemonType !== "osd") return fail(-EINVAL, `unknown daemon type ${daemonType}`);
  const id = Number(daemonId);
  if (!/^\d+$/.test(daemonId) || !c.map.has(id)) return fail(-ENOENT, "osd dne");
  if (!c.map.isUp(id)) return fail(-ENXIO, "osd down");
  switch (cmd.prefix) {
    case "perf dump":
      return ok(json(cmd, _perfDump(c, id)));
    case "perf schema":
      return ok(json(cmd, _perfSchema(c)));
    case "version": {
      const version = /^ceph version (\S+)/.exec(CEPH_VERSION)?.[1] ?? "";
      return ok(json(cmd, { version, release: "pacific", release_type: "stable" }));
    }
  }
  return fail(-EINVAL, `unknown command prefix ${String(cmd.prefix)}`);
}

function _split(path: string): [string, string] {
  const dot = path.indexOf(".");
  return [path.slice(0, dot), path.slice(dot + 1)];
}

function _seconds(ns: number): number {
  return Math.round(ns) / 1e9;
}

function _perfDump(c: SimCluster, osd: number): Record<string, Record<string, unknown>> {
  const perf = c.io.perf;
  const schema = perf.schema;
  const out: Record<string, Record<string, unknown>> = {};
  for (let i = 0; i < schema.size; i++) {
    const type = schema.types[i] as number;
    if (type & PerfType.HISTOGRAM) continue;
    const [section, name] = _split(schema.paths[i] as string);
    const at = osd * schema.size + i;
    const v = perf.values[at] as number;
    let value: unknown;
    if (type & PerfType.LONGRUNAVG) {
      const count = Math.round(perf.counts[at] as number);
      value = type & PerfType.TIME
        ? {
          avgcount: count,
          sum: _seconds(v),
          avgtime: count > 0 ? _seconds(Math.floor(v / count)) : 0,
        }
        : { avgcount: count, sum: Math.round(v) };
    } else {
      value = type & PerfType.TIME ? _seconds(v) : Math.round(v);
    }
    (out[section] ??= {})[name] = value;
  }
  return out;
}

function _perfSchema(c: SimCluster): Record<string, Record<string, unknown>> {
  const schema = c.io.perf.schema;
  const out: Record<string, Record<string, unknown>> = {};
  for (let i = 0; i < schema.size; i++) {
    const type = schema.types[i] as number;
    if (type & PerfType.HISTOGRAM) continue;
    const [section, name] = _split(schema.paths[i] as string);
    const time = (type & PerfType.TIME) !== 0;
    (out[section] ??= {})[name] = {
      type,
      metric_type: type & PerfType.COUNTER ? "counter" : "gauge",
      value_type: type & PerfType.LONGRUNAVG
        ? (time ? "real-integer-pair" : "integer-integer-pair")
        : (time ? "real" : "integer"),
      description: schema.descriptions[i],
      nick: schema.nicks[i],
      priority: schema.priorities[i],
      units: schema.units[i] === 0 ? "bytes" : "none",
    };
  }
  return out;
}

/**
 * Resolves true once the manager can reach the mon again (at once when it can), false when
 * `timeout` seconds of cluster time pass first.
 */
export function waitMonReachable(c: SimCluster, timeout: number): Promise<boolean> {
  if (c.monReachable()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (up: boolean) => {
      unsubscribe();
      timer.cancel();
      resolve(up);
    };
    const unsubscribe = c.subscribe((e) => {
      if (e.kind === "mon_reachable" && e.reachable) done(true);
    });
    const timer = c.scheduler.schedule(timeout, "mon command timeout", () => done(false));
  });
}

/** What a mon command answers when its timeout ends it while the mon is unreachable. */
export function monTimedOut(cmd: Record<string, unknown>, timeout: number): MonCommandResult {
  return {
    r: -ETIMEDOUT,
    outb: "",
    outs: `timed out after ${timeout}s waiting for the mon (mon session is down): ` +
      `'${String(cmd.prefix)}' was not sent`,
  };
}
