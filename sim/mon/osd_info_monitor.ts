/**
 * OSDMonitor's read commands about OSDs and placement (`osd stat`, `osd ls`, `osd find`,
 * `osd metadata`, `osd count-metadata`, `osd versions`, `osd utilization`, `osd blocklist ls`,
 * `osd map`, `pg map`) and `osd set-require-min-compat-client`, over the simulated cluster's
 * OSDMap, PG table and daemon metadata. Texts, JSON and errors as Ceph 16.2's
 * src/mon/OSDMonitor.cc and OSDMap.cc print them, checked against a real 16.2.15 cluster
 * (tests/ceph-reference/cli/commands/). Kept apart from osd_monitor.ts (the OSDMap's changes)
 * as one more monitor the mon routes to by prefix.
 *
 * @module
 */
import type { CommandSignature, MonCommandResult } from "../../core/cluster_link.ts";
import { CEPH_RELEASES } from "../../ceph/releases.ts";
import { EINVAL, ENOENT, EPERM } from "../../ceph/errno.ts";
import { formatJson } from "../../ceph/format.ts";
import { stableMod } from "../../ceph/pg_placement.ts";
import { objectHash } from "../../ceph/str_hash.ts";
import { parsePgid } from "../../ceph/pg_stat.ts";
import { PgState } from "../../ceph/pg_state.ts";
import { utimespanText } from "../../ceph/time.ts";
import type { SimCluster } from "../cluster/cluster.ts";
import { CRUSH_TYPES } from "../cluster/crush_map.ts";
import { dumpOsdMap, type Json } from "../cluster/osd_map_dump.ts";
import { err, formatterFor, type Monitor, ok, str } from "./monitor.ts";
import { formatDouble } from "./osd_monitor.ts";

// deno-fmt-ignore
const OSD_INFO_COMMANDS: readonly CommandSignature[] = [
  { sig: "osd stat", help: "print summary of OSD map", perm: "r" },
  { sig: "osd ls name=epoch,type=CephInt,range=0,req=false", help: "show all OSD ids", perm: "r" },
  { sig: "osd find name=id,type=CephOsdName", help: "find osd <id> in the CRUSH map and show its location", perm: "r" },
  { sig: "osd metadata name=id,type=CephOsdName,req=false", help: "fetch metadata for osd {id} (default all)", perm: "r" },
  { sig: "osd count-metadata name=property,type=CephString", help: "count OSDs by metadata field property", perm: "r" },
  { sig: "osd versions", help: "check running versions of OSDs", perm: "r" },
  { sig: "osd utilization", help: "get basic pg distribution stats", perm: "r" },
  { sig: "osd blocklist ls", help: "show blocklisted clients", perm: "r" },
  { sig: "osd map name=pool,type=CephPoolname name=object,type=CephObjectname name=nspace,type=CephString,req=false", help: "find pg for <object> in <pool> with [namespace]", perm: "r" },
  { sig: "osd set-require-min-compat-client name=version,type=CephString name=yes_i_really_mean_it,type=CephBool,req=false", help: "set the minimum client version we will maintain compatibility with", perm: "rw" },
  { sig: "pg map name=pgid,type=CephPgid", help: "show mapping of pg to osds", perm: "r" },
];

/** The oldest release whose features the simulated OSDMap uses (`get_min_compat_client`). */
const MIN_COMPAT_CLIENT = "jewel";

/** A JSON dump as OSDMonitor flushes it: pretty when no format was asked for. */
function pretty(cmd: Record<string, unknown>, value: unknown): string {
  return formatJson(value, formatterFor(cmd) ?? "json-pretty");
}

/** A vector as Ceph's `operator<<` prints it: `[2,1,0]`. */
const vec = (v: readonly number[]) => `[${v.join(",")}]`;

/** The embedded mon's OSDMonitor read commands, over a simulated cluster. */
export class OSDInfoMonitor implements Monitor {
  readonly commands = OSD_INFO_COMMANDS;
  readonly #cluster: SimCluster;

  constructor(cluster: SimCluster) {
    this.#cluster = cluster;
  }

  handle(prefix: string, cmd: Record<string, unknown>): MonCommandResult {
    switch (prefix) {
      case "osd stat":
        return this.#stat(cmd);
      case "osd ls":
        return this.#ls(cmd);
      case "osd find":
        return this.#find(cmd);
      case "osd metadata":
        return this.#metadata(cmd);
      case "osd count-metadata":
        return this.#countMetadata(cmd);
      case "osd versions":
        return this.#versions(cmd);
      case "osd utilization":
        return this.#utilization(cmd);
      case "osd blocklist ls":
        // No client is ever blocklisted in the simulation; Ceph dumps the (empty) list twice.
        return ok(formatterFor(cmd) ? pretty(cmd, []) + pretty(cmd, []) : "", "listed 0 entries");
      case "osd map":
        return this.#osdMap(cmd);
      case "osd set-require-min-compat-client":
        return this.#setRequireMinCompatClient(cmd);
      case "pg map":
        return this.#pgMap(cmd);
    }
    return err(-EINVAL, "command not known");
  }

  /** OSD ids in the map, ascending. */
  #osds(): number[] {
    const map = this.#cluster.map;
    const out: number[] = [];
    for (let id = 0; id < map.maxOsd; id++) if (map.has(id)) out.push(id);
    return out;
  }

  /** PGs whose acting set is not their up set (Ceph's pg_temp entries). */
  #remapped(): number {
    const pgs = this.#cluster.pgs;
    let n = 0;
    for (let p = 0; p < pgs.count; p++) if ((pgs.state[p]! & PgState.REMAPPED) !== 0) n++;
    return n;
  }

  #stat(cmd: Record<string, unknown>): MonCommandResult {
    const c = this.#cluster, map = c.map;
    const osds = this.#osds();
    const up = osds.filter((id) => map.isUp(id)).length;
    const inn = osds.filter((id) => map.isIn(id)).length;
    const remapped = this.#remapped();
    if (formatterFor(cmd)) {
      return ok(formatJson({
        epoch: map.epoch,
        num_osds: osds.length,
        num_up_osds: up,
        osd_up_since: Math.floor(map.lastUpChange),
        num_in_osds: inn,
        osd_in_since: Math.floor(map.lastInChange),
        num_remapped_pgs: remapped,
      }, formatterFor(cmd)!));
    }
    const now = c.scheduler.now;
    return ok(
      `${osds.length} osds: ${up} up (since ${utimespanText(now - map.lastUpChange)}), ` +
        `${inn} in (since ${utimespanText(now - map.lastInChange)}); epoch: e${map.epoch}` +
        (remapped ? `; ${remapped} remapped pgs` : "") + "\n",
    );
  }

  #ls(cmd: Record<string, unknown>): MonCommandResult {
    const epoch = cmd.epoch;
    if (epoch !== undefined && Number(epoch) !== this.#cluster.map.epoch) {
      return err(-ENOENT, `there is no map for epoch ${Number(epoch)}`);
    }
    const ids = this.#osds();
    const f = formatterFor(cmd);
    if (f) return ok(formatJson(ids, f) + (f === "json" ? "\n" : ""));
    return ok(ids.map((id) => `${id}\n`).join(""));
  }

  /** The OSD id of a CephOsdName argument (the CLI sends the number). */
  #osdArg(v: unknown): number {
    const s = str(v) ?? "";
    return Number(s.startsWith("osd.") ? s.slice(4) : s);
  }

  #find(cmd: Record<string, unknown>): MonCommandResult {
    const id = this.#osdArg(cmd.id);
    const map = this.#cluster.map;
    if (!Number.isInteger(id) || !map.has(id)) return err(-ENOENT, `osd.${id} does not exist`);
    const entry = (dumpOsdMap(map) as { osds: { osd: number; public_addrs: Json }[] }).osds
      .find((o) => o.osd === id);
    const location: Record<string, string> = {};
    let b = map.crush.devices[id]?.parent ?? 0;
    while (b !== 0) {
      const bucket = map.crush.bucket(b);
      location[CRUSH_TYPES[bucket.typeId] ?? "unknown"] = bucket.name;
      b = bucket.parent;
    }
    const host = map.crush.bucket(map.crush.devices[id]?.parent ?? map.crush.rootId).name;
    const meta = this.#cluster.daemons.metadata(`osd.${id}`) ?? {};
    return ok(pretty(cmd, {
      osd: id,
      addrs: entry?.public_addrs ?? { addrvec: [] },
      osd_fsid: map.uuids[id] ?? "",
      host: meta.hostname ?? host,
      // What the OSD says of its container, when it runs in one.
      ...Object.fromEntries(
        ["pod_name", "pod_namespace", "container_name"].filter((k) => k in meta).map((k) => [
          k,
          meta[k]!,
        ]),
      ),
      // Ceph's crush_location is a std::map: its keys sorted.
      crush_location: Object.fromEntries(
        Object.entries(location).sort(([a], [b]) => (a < b ? -1 : 1)),
      ),
    }));
  }

  /** One OSD's metadata as `osd metadata` dumps it: its id, then the keys sorted. */
  #meta(id: number): Record<string, string | number> | null {
    const m = this.#cluster.daemons.metadata(`osd.${id}`);
    if (!m) return null;
    const sorted = Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1));
    return { id, ...Object.fromEntries(sorted) };
  }

  #metadata(cmd: Record<string, unknown>): MonCommandResult {
    if (cmd.id !== undefined) {
      const id = this.#osdArg(cmd.id);
      const m = Number.isInteger(id) && this.#cluster.map.has(id) ? this.#meta(id) : null;
      if (!m) return err(-ENOENT, `osd.${id} does not exist`);
      return ok(pretty(cmd, m));
    }
    const all = this.#osds().map((id) => this.#meta(id)).filter((m) => m !== null);
    return ok(pretty(cmd, all));
  }

  /** Counts of a metadata field's values over the OSDs (`unknown` where it is missing). */
  #countBy(field: string): Record<string, number> {
    const counts = new Map<string, number>();
    for (const id of this.#osds()) {
      const m = this.#cluster.daemons.metadata(`osd.${id}`);
      const v = m?.[field] ?? "unknown";
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    return Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  #countMetadata(cmd: Record<string, unknown>): MonCommandResult {
    return ok(pretty(cmd, this.#countBy(str(cmd.property) ?? "")));
  }

  #versions(cmd: Record<string, unknown>): MonCommandResult {
    return ok(pretty(cmd, this.#countBy("ceph_version")));
  }

  /** OSDMap::summarize_mapping_stats: PGs (by up set) per up+in OSD, in C++ floats. */
  #utilization(cmd: Record<string, unknown>): MonCommandResult {
    const c = this.#cluster, map = c.map, pgs = c.pgs;
    const byOsd = new Map<number, number>();
    let total = 0;
    for (let p = 0; p < pgs.count; p++) {
      total += pgs.poolOf(p).size;
      for (const o of pgs.members(pgs.up, pgs.upN, p)) byOsd.set(o, (byOsd.get(o) ?? 0) + 1);
    }
    const upIn = this.#osds().filter((id) => map.isUp(id) && map.isIn(id));
    if (upIn.length === 0) return ok("");
    const f32 = Math.fround;
    const avg = f32(total / upIn.length);
    let dev = 0;
    let min = -1, max = -1, minPgs = 0, maxPgs = 0;
    for (const id of upIn) {
      const n = byOsd.get(id) ?? 0;
      const d = f32(n - avg);
      dev = f32(dev + f32(d * d));
      if (min < 0 || n < minPgs) [min, minPgs] = [id, n];
      if (max < 0 || n > maxPgs) [max, maxPgs] = [id, n];
    }
    const stddev = f32(Math.sqrt(dev / upIn.length));
    const edev = f32(Math.sqrt(avg * (1 - 1 / upIn.length)));
    const fmt = formatterFor(cmd);
    if (fmt) {
      return ok(formatJson({
        avg_pgs: avg,
        std_dev: stddev,
        expected_baseline_std_dev: edev,
        min_osd: min,
        min_osd_pgs: minPgs,
        max_osd: max,
        max_osd_pgs: maxPgs,
      }, fmt));
    }
    const g = formatDouble;
    return ok(
      `avg ${g(avg)}\nstddev ${g(stddev)} (expected baseline ${g(edev)})\n` +
        `min osd.${min} with ${minPgs} pgs (${g(f32(minPgs / avg))} * mean)\n` +
        `max osd.${max} with ${maxPgs} pgs (${g(f32(maxPgs / avg))} * mean)\n`,
    );
  }

  /** Up and acting sets of the PG a pool's placement seed falls in. */
  #placement(poolId: number, ps: number) {
    const pgs = this.#cluster.pgs;
    const p = pgs.index(poolId, ps);
    const up = p < 0 ? [] : pgs.members(pgs.up, pgs.upN, p);
    const acting = p < 0 ? [] : pgs.members(pgs.acting, pgs.actingN, p);
    return { up, acting, upPrimary: up[0] ?? -1, actingPrimary: acting[0] ?? -1 };
  }

  #osdMap(cmd: Record<string, unknown>): MonCommandResult {
    const name = str(cmd.pool) ?? "";
    const object = str(cmd.object) ?? "";
    const nspace = str(cmd.nspace) ?? "";
    const map = this.#cluster.map;
    const pool = map.pools.find((p) => p.name === name);
    if (!pool) return err(-ENOENT, `pool ${name} does not exist`);
    // pg_pool_t::hash_key: the namespace is part of what is hashed.
    const hash = objectHash(nspace, object);
    const ps = stableMod(hash, pool.pgNum);
    const raw = `${pool.id}.${hash.toString(16)}`;
    const pgid = `${pool.id}.${ps.toString(16)}`;
    const { up, acting, upPrimary, actingPrimary } = this.#placement(pool.id, ps);
    const f = formatterFor(cmd);
    if (f) {
      return ok(formatJson({
        epoch: map.epoch,
        pool: pool.name,
        pool_id: pool.id,
        objname: object,
        ...(nspace ? { nspace } : {}),
        raw_pgid: raw,
        pgid,
        up,
        up_primary: upPrimary,
        acting,
        acting_primary: actingPrimary,
      }, f));
    }
    const obj = nspace ? `${nspace}/${object}` : object;
    return ok(
      `osdmap e${map.epoch} pool '${pool.name}' (${pool.id}) object '${obj}' -> pg ${raw} ` +
        `(${pgid}) -> up (${vec(up)}, p${upPrimary}) acting (${vec(acting)}, p${actingPrimary})\n`,
    );
  }

  #pgMap(cmd: Record<string, unknown>): MonCommandResult {
    const text = str(cmd.pgid) ?? "";
    const parsed = parsePgid(text);
    if (!parsed) return err(-EINVAL, `invalid pgid '${text}'`);
    const map = this.#cluster.map;
    const pool = map.pools.find((p) => p.id === parsed.pool);
    if (!pool) return err(-ENOENT, `pg '${text}' does not exist`);
    const ps = stableMod(parsed.ps, pool.pgNum);
    const raw = `${pool.id}.${parsed.ps.toString(16)}`;
    const pgid = `${pool.id}.${ps.toString(16)}`;
    const { up, acting } = this.#placement(pool.id, ps);
    const f = formatterFor(cmd);
    if (f) return ok(formatJson({ epoch: map.epoch, raw_pgid: raw, pgid, up, acting }, f));
    return ok(`osdmap e${map.epoch} pg ${raw} (${pgid}) -> up ${vec(up)} acting ${vec(acting)}\n`);
  }

  #setRequireMinCompatClient(cmd: Record<string, unknown>): MonCommandResult {
    const v = str(cmd.version) ?? "";
    const rank = CEPH_RELEASES.indexOf(v);
    if (rank < 0) return err(-EINVAL, `version ${v} is not recognized`);
    if (rank < CEPH_RELEASES.indexOf(MIN_COMPAT_CLIENT)) {
      return err(
        -EPERM,
        `osdmap current utilizes features that require ${MIN_COMPAT_CLIENT}; ` +
          `cannot set require_min_compat_client below that to ${v}`,
      );
    }
    // The simulated clients all speak pacific: no connected client is too old.
    this.#cluster.setRequireMinCompatClient(v);
    return ok("", `set require_min_compat_client to ${v}`);
  }
}
