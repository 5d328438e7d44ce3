/**
 * Builds the exporter's page from the module SDK: the cluster families (health, mons, OSDs,
 * pools, PGs, df, mgr, fs) from the frozen `get()` views, cached while those views stand, and
 * the per-daemon perf counters from `get_all_perf_counters`.
 *
 * Every family is written once, HELP and TYPE first, its samples together. Names and labels
 * are Pacific's; where Pacific broke the format (a family emitted twice, `_sum`/`_count`
 * families typed `counter`) the same series are written in a form Prometheus accepts.
 *
 * @module
 */
import { type MgrModule, PG_STATES } from "mgr_module";
import {
  escapeLabelValue as esc,
  familyHeader,
  formatValue as fmt,
  promethize,
} from "./_exposition.ts";

const OSD_FLAGS = [
  "noup",
  "nodown",
  "noout",
  "noin",
  "nobackfill",
  "norebalance",
  "norecover",
  "noscrub",
  "nodeep-scrub",
] as const;

const DF_CLUSTER = ["total_bytes", "total_used_bytes", "total_used_raw_bytes"] as const;

const DF_POOL = [
  "max_avail",
  "avail_raw",
  "stored",
  "stored_raw",
  "objects",
  "dirty",
  "quota_bytes",
  "quota_objects",
  "rd",
  "rd_bytes",
  "wr",
  "wr_bytes",
  "compress_bytes_used",
  "compress_under_bytes",
  "bytes_used",
  "percent_used",
] as const;

const NUM_OBJECTS = ["degraded", "misplaced", "unfound"] as const;

// Pacific's OSD_POOL_STATS without the `_per_sec` rates: promtool's lint rejects the
// abbreviated unit in their names, and the counts carry the same information.
const POOL_RECOVERY = ["num_objects_recovered", "num_bytes_recovered"] as const;

const PERFCOUNTER_TIME = 1;
const PERFCOUNTER_LONGRUNAVG = 4;
const PERFCOUNTER_COUNTER = 8;
const PERFCOUNTER_TYPE_MASK = ~3;

interface OsdEntry {
  osd: number;
  up: number;
  in: number;
  weight: number;
  public_addr?: string;
  cluster_addr?: string;
}
interface PoolEntry {
  pool: number;
  pool_name: string;
  type?: number;
  size?: number;
  erasure_code_profile?: string;
  options?: Record<string, unknown>;
}
interface OsdMapView {
  flags?: string;
  osds?: readonly OsdEntry[];
  pools?: readonly PoolEntry[];
  erasure_code_profiles?: Record<string, Record<string, string>>;
}
interface PgSummaryView {
  by_pool?: Record<string, Record<string, number>>;
  pg_stats_sum?: { stat_sum?: Record<string, number> };
}
interface DfView {
  stats?: Record<string, number>;
  pools?: readonly { id: number; stats?: Record<string, number> }[];
}
interface HealthJson {
  status?: string;
  checks?: Record<string, { severity?: string }>;
}
interface PerfCounter {
  description?: string;
  type: number;
  value: number;
  count?: number;
}

/** A perf-counter family: its header and the samples of the current scrape. */
interface PerfFamily {
  header: string;
  name: string;
  summary: boolean;
  time: boolean;
  samples: string;
}

/** The cluster views the OSD-scale part of the page is built from; identity = version. */
const SCALED_VIEWS = [
  "osd_map",
  "osd_map_crush",
  "osd_metadata",
  "pg_summary",
  "df",
  "pool_stats",
  "osd_pool_stats",
] as const;

/** Families the cluster part writes; perf counters that would collide with them are skipped. */
function clusterFamilyNames(): Set<string> {
  const names = [
    "ceph_health_status",
    "ceph_health_detail",
    "ceph_mon_quorum_status",
    "ceph_mon_metadata",
    "ceph_mgr_metadata",
    "ceph_mgr_status",
    "ceph_mgr_module_status",
    "ceph_mgr_module_can_run",
    "ceph_fs_metadata",
    "ceph_mds_metadata",
    "ceph_osd_up",
    "ceph_osd_in",
    "ceph_osd_weight",
    "ceph_osd_metadata",
    "ceph_pool_metadata",
    "ceph_pool_objects_repaired",
    "ceph_pg_total",
    "ceph_scrape_duration_secs",
  ];
  for (const f of OSD_FLAGS) names.push(promethize(`osd_flag_${f}`));
  for (const s of PG_STATES) names.push(`ceph_pg_${s}`);
  for (const s of DF_CLUSTER) names.push(`ceph_cluster_${s}`);
  for (const s of DF_POOL) names.push(`ceph_pool_${s}`);
  for (const s of NUM_OBJECTS) names.push(`ceph_num_objects_${s}`);
  for (const s of POOL_RECOVERY) names.push(`ceph_pool_${s}`);
  return new Set(names);
}

/**
 * Builds the text of `/metrics` for one module instance. Keeps what can be reused between
 * scrapes: the OSD-scale text while its views stand, label strings per OSD, perf families.
 */
export class MetricsCollector {
  readonly #m: MgrModule;
  readonly #taken = clusterFamilyNames();
  readonly #perfFamilies = new Map<string, PerfFamily | null>();
  readonly #perfOrder: PerfFamily[] = [];
  readonly #osdLabels: string[] = [];
  readonly #lastViews: unknown[] = SCALED_VIEWS.map(() => undefined);
  #scaledText = "";
  #healthJson = "";
  #health: HealthJson = {};
  readonly #healthSeen = new Map<string, string>();
  #monStatusView: unknown = undefined;
  #monStatus: {
    quorum?: number[];
    monmap?: { mons?: { rank: number; name: string; public_addr?: string }[] };
  } = {};

  constructor(module: MgrModule) {
    this.#m = module;
  }

  /** The whole page; `seconds` measures the time spent. */
  collect(): string {
    const started = performance.now();
    let out = this.#health_() + this.#mons() + this.#mgrs() + this.#fs();
    out += this.#scaled();
    out += this.#perf();
    const seconds = (performance.now() - started) / 1000;
    out += familyHeader(
      "ceph_scrape_duration_secs",
      "Time taken to gather metrics from Ceph (secs)",
      "gauge",
    );
    out += `ceph_scrape_duration_secs ${fmt(seconds)}\n`;
    return out;
  }

  #health_(): string {
    const view = this.#m.get("health") as { json?: string } | null;
    const json = view?.json ?? "";
    if (json !== this.#healthJson) {
      this.#healthJson = json;
      try {
        this.#health = json ? JSON.parse(json) as HealthJson : {};
      } catch {
        this.#health = {};
      }
    }
    const health = this.#health;
    const status = health.status === "HEALTH_OK"
      ? 0
      : health.status === "HEALTH_WARN"
      ? 1
      : health.status === "HEALTH_ERR"
      ? 2
      : NaN;
    let out = familyHeader("ceph_health_status", "Cluster health status", "untyped");
    out += `ceph_health_status ${fmt(status)}\n`;
    // Like Pacific's health history: a check once seen stays, at 0 once it has cleared.
    const checks = health.checks ?? {};
    for (const name in checks) this.#healthSeen.set(name, checks[name]?.severity ?? "");
    out += familyHeader(
      "ceph_health_detail",
      "healthcheck status by type (0=inactive, 1=active)",
      "gauge",
    );
    for (const [name, severity] of this.#healthSeen) {
      out += `ceph_health_detail{name="${esc(name)}",severity="${esc(severity)}"} ${
        name in checks ? 1 : 0
      }\n`;
    }
    return out;
  }

  #hostVersion(type: string, id: string): [string, string] {
    const md = this.#m.get_metadata(type, id);
    return md ? [md.hostname ?? "", md.ceph_version ?? ""] : ["", ""];
  }

  #mons(): string {
    const view = this.#m.get("mon_status") as { json?: string } | null;
    if (view !== this.#monStatusView) {
      this.#monStatusView = view;
      try {
        this.#monStatus = view?.json ? JSON.parse(view.json) : {};
      } catch {
        this.#monStatus = {};
      }
    }
    const quorum = this.#monStatus.quorum ?? [];
    const mons = this.#monStatus.monmap?.mons ?? [];
    let status = familyHeader("ceph_mon_quorum_status", "Monitors in quorum", "gauge");
    let meta = familyHeader("ceph_mon_metadata", "MON Metadata", "untyped");
    for (const mon of mons) {
      const daemon = esc(`mon.${mon.name}`);
      const [host, version] = this.#hostVersion("mon", mon.name);
      status += `ceph_mon_quorum_status{ceph_daemon="${daemon}"} ${
        quorum.includes(mon.rank) ? 1 : 0
      }\n`;
      meta += `ceph_mon_metadata{ceph_daemon="${daemon}",hostname="${esc(host)}",public_addr="${
        esc(addrHost(mon.public_addr))
      }",rank="${mon.rank}",ceph_version="${esc(version)}"} 1\n`;
    }
    return status + meta;
  }

  #mgrs(): string {
    const map = this.#m.get("mgr_map") as {
      active_name?: string;
      standbys?: { name: string }[];
      modules?: string[];
      always_on_modules?: Record<string, string[]>;
      available_modules?: { name: string; can_run: boolean }[];
    } | null;
    let meta = familyHeader("ceph_mgr_metadata", "MGR metadata", "gauge");
    let status = familyHeader("ceph_mgr_status", "MGR status (0=standby, 1=active)", "gauge");
    let modStatus = familyHeader(
      "ceph_mgr_module_status",
      "MGR module status (0=disabled, 1=enabled, 2=auto-enabled)",
      "gauge",
    );
    let canRun = familyHeader(
      "ceph_mgr_module_can_run",
      "MGR module runnable state i.e. can it run (0=no, 1=yes)",
      "gauge",
    );
    if (map) {
      const mgrs = (map.standbys ?? []).map((s) => s.name);
      if (map.active_name) mgrs.push(map.active_name);
      for (const name of mgrs) {
        const [host, version] = this.#hostVersion("mgr", name);
        const daemon = esc(`mgr.${name}`);
        meta += `ceph_mgr_metadata{ceph_daemon="${daemon}",hostname="${esc(host)}",ceph_version="${
          esc(version)
        }"} 1\n`;
        status += `ceph_mgr_status{ceph_daemon="${daemon}"} ${name === map.active_name ? 1 : 0}\n`;
      }
      const alwaysOn = map.always_on_modules?.[this.#m.release_name] ?? [];
      const enabled = map.modules ?? [];
      for (const mod of map.available_modules ?? []) {
        const state = alwaysOn.includes(mod.name) ? 2 : enabled.includes(mod.name) ? 1 : 0;
        modStatus += `ceph_mgr_module_status{name="${esc(mod.name)}"} ${state}\n`;
        canRun += `ceph_mgr_module_can_run{name="${esc(mod.name)}"} ${mod.can_run ? 1 : 0}\n`;
      }
    }
    return meta + status + modStatus + canRun;
  }

  #fs(): string {
    const fsMap = this.#m.get("fs_map") as {
      filesystems?: {
        id: number;
        mdsmap: {
          fs_name: string;
          data_pools?: number[];
          metadata_pool?: number;
          info?: Record<string, { name: string; addr?: string; rank?: number }>;
        };
      }[];
    } | null;
    let fsMeta = familyHeader("ceph_fs_metadata", "FS Metadata", "untyped");
    let mdsMeta = familyHeader("ceph_mds_metadata", "MDS Metadata", "untyped");
    for (const fs of fsMap?.filesystems ?? []) {
      const mdsmap = fs.mdsmap;
      fsMeta += `ceph_fs_metadata{data_pools="${
        esc((mdsmap.data_pools ?? []).join(","))
      }",fs_id="${fs.id}",metadata_pool="${mdsmap.metadata_pool ?? ""}",name="${
        esc(mdsmap.fs_name ?? "")
      }"} 1\n`;
      for (const gid in mdsmap.info ?? {}) {
        const d = mdsmap.info![gid]!;
        const [host, version] = this.#hostVersion("mds", d.name);
        mdsMeta += `ceph_mds_metadata{ceph_daemon="${
          esc(`mds.${d.name}`)
        }",fs_id="${fs.id}",hostname="${esc(host)}",public_addr="${esc(addrHost(d.addr))}",rank="${
          d.rank ?? -1
        }",ceph_version="${esc(version)}"} 1\n`;
      }
    }
    return fsMeta + mdsMeta;
  }

  /** The families that grow with OSDs, pools and PGs, rebuilt only when a view changed. */
  #scaled(): string {
    let changed = false;
    for (let i = 0; i < SCALED_VIEWS.length; i++) {
      const view = this.#m.get(SCALED_VIEWS[i]!);
      if (view !== this.#lastViews[i]) {
        this.#lastViews[i] = view;
        changed = true;
      }
    }
    if (changed) this.#scaledText = this.#buildScaled();
    return this.#scaledText;
  }

  #osdLabel(id: number): string {
    return this.#osdLabels[id] ??= `{ceph_daemon="osd.${id}"} `;
  }

  #buildScaled(): string {
    const [osdMapV, crushV, metaV, pgSummaryV, dfV, poolStatsV, osdPoolStatsV] = this.#lastViews;
    const osdMap = (osdMapV ?? {}) as OsdMapView;
    const osds = osdMap.osds ?? [];
    const pools = osdMap.pools ?? [];
    let out = "";

    const flags = (osdMap.flags ?? "").split(",");
    for (const flag of OSD_FLAGS) {
      const name = promethize(`osd_flag_${flag}`);
      out += familyHeader(name, `OSD Flag ${flag}`, "untyped");
      out += `${name} ${flags.includes(flag) ? 1 : 0}\n`;
    }

    out += familyHeader("ceph_osd_up", "OSD status up", "untyped");
    for (const o of osds) out += `ceph_osd_up${this.#osdLabel(o.osd)}${o.up}\n`;
    out += familyHeader("ceph_osd_in", "OSD status in", "untyped");
    for (const o of osds) out += `ceph_osd_in${this.#osdLabel(o.osd)}${o.in}\n`;
    out += familyHeader("ceph_osd_weight", "OSD status weight", "untyped");
    for (const o of osds) out += `ceph_osd_weight${this.#osdLabel(o.osd)}${fmt(o.weight)}\n`;

    // Metadata needs the daemon's metadata and a CRUSH entry, as in Pacific.
    const classes: string[] = [];
    const devices = (crushV as { devices?: { id: number; class?: string }[] } | null)?.devices;
    for (const d of devices ?? []) if (d.id >= 0) classes[d.id] = d.class ?? "";
    const meta = (metaV ?? {}) as Record<number, Record<string, string> | undefined>;
    out += familyHeader("ceph_osd_metadata", "OSD Metadata", "untyped");
    for (const o of osds) {
      const md = meta[o.osd];
      const devClass = classes[o.osd];
      if (!md || devClass === undefined) continue;
      out += `ceph_osd_metadata{back_iface="${
        esc(md.back_iface ?? "")
      }",ceph_daemon="osd.${o.osd}",cluster_addr="${esc(addrHost(o.cluster_addr))}",device_class="${
        esc(devClass)
      }",front_iface="${esc(md.front_iface ?? "")}",hostname="${
        esc(md.hostname ?? "")
      }",objectstore="${esc(md.osd_objectstore ?? "")}",public_addr="${
        esc(addrHost(o.public_addr))
      }",ceph_version="${esc(md.ceph_version ?? "")}"} 1\n`;
    }

    out += familyHeader("ceph_pool_metadata", "POOL Metadata", "untyped");
    for (const p of pools) {
      const ec = p.type === 3;
      let description = `replica:${p.size ?? 0}`;
      if (ec) {
        const profile = osdMap.erasure_code_profiles?.[p.erasure_code_profile ?? ""] ?? {};
        description = `ec:${profile.k ?? "?"}+${profile.m ?? "?"}`;
      }
      const compression = String(p.options?.compression_mode ?? "none");
      out += `ceph_pool_metadata{pool_id="${p.pool}",name="${esc(p.pool_name)}",type="${
        ec ? "erasure" : "replicated"
      }",description="${description}",compression_mode="${esc(compression)}"} 1\n`;
    }

    const df = (dfV ?? {}) as DfView;
    for (const stat of DF_CLUSTER) {
      const value = df.stats?.[stat];
      out += familyHeader(`ceph_cluster_${stat}`, `DF ${stat}`, "gauge");
      if (typeof value === "number") out += `ceph_cluster_${stat} ${fmt(value)}\n`;
    }
    const dfPools = df.pools ?? [];
    for (const stat of DF_POOL) {
      out += familyHeader(`ceph_pool_${stat}`, `DF pool ${stat}`, "gauge");
      for (const p of dfPools) {
        const value = p.stats?.[stat];
        if (typeof value === "number") {
          out += `ceph_pool_${stat}{pool_id="${p.id}"} ${fmt(value)}\n`;
        }
      }
    }

    const poolStats = poolStatsList(poolStatsV);
    out += familyHeader(
      "ceph_pool_objects_repaired",
      "Number of objects repaired in a pool",
      "counter",
    );
    for (const s of poolStats) {
      const value = s.stat_sum?.num_objects_repaired;
      if (typeof value === "number") {
        out += `ceph_pool_objects_repaired{pool_id="${s.poolid}"} ${fmt(value)}\n`;
      }
    }

    const recovery = (osdPoolStatsV as {
      pool_stats?: { pool_id: number; recovery_rate?: Record<string, number> }[];
    } | null)
      ?.pool_stats ?? [];
    for (const stat of POOL_RECOVERY) {
      out += familyHeader(`ceph_pool_${stat}`, `OSD POOL STATS: ${stat}`, "gauge");
      for (const p of recovery) {
        out += `ceph_pool_${stat}{pool_id="${p.pool_id}"} ${fmt(p.recovery_rate?.[stat] ?? 0)}\n`;
      }
    }

    const pgSummary = (pgSummaryV ?? {}) as PgSummaryView;
    out += this.#pgStates(pgSummary.by_pool ?? {});
    const sum = pgSummary.pg_stats_sum?.stat_sum ?? {};
    for (const obj of NUM_OBJECTS) {
      out += familyHeader(`ceph_num_objects_${obj}`, `Number of ${obj} objects`, "gauge");
      out += `ceph_num_objects_${obj} ${fmt(sum[`num_objects_${obj}`] ?? 0)}\n`;
    }
    return out;
  }

  /** `ceph_pg_<state>{pool_id}` for every state word and pool, and `ceph_pg_total`. */
  #pgStates(byPool: Record<string, Record<string, number>>): string {
    const poolIds = Object.keys(byPool);
    const counts = new Map<string, Float64Array>();
    for (const s of PG_STATES) counts.set(s, new Float64Array(poolIds.length));
    const totals = new Float64Array(poolIds.length);
    for (let i = 0; i < poolIds.length; i++) {
      const states = byPool[poolIds[i]!]!;
      for (const stateName in states) {
        const n = states[stateName]!;
        totals[i]! += n;
        for (const word of stateName.split("+")) {
          const row = counts.get(word);
          if (row) row[i]! += n;
        }
      }
    }
    let out = "";
    for (const s of PG_STATES) {
      const row = counts.get(s)!;
      out += familyHeader(`ceph_pg_${s}`, `PG ${s} per pool`, "gauge");
      for (let i = 0; i < poolIds.length; i++) {
        out += `ceph_pg_${s}{pool_id="${esc(poolIds[i]!)}"} ${row[i]}\n`;
      }
    }
    // Untyped: a gauge named `_total` fails promtool's lint, and the count is no counter.
    out += familyHeader("ceph_pg_total", "PG Total Count per Pool", "untyped");
    for (let i = 0; i < poolIds.length; i++) {
      out += `ceph_pg_total{pool_id="${esc(poolIds[i]!)}"} ${totals[i]}\n`;
    }
    return out;
  }

  /** A perf family for a counter path, registered on first sight; null when it is skipped. */
  #perfFamily(path: string, c: PerfCounter): PerfFamily | null {
    const typeOnly = c.type & PERFCOUNTER_TYPE_MASK;
    const summary = typeOnly === PERFCOUNTER_LONGRUNAVG;
    // Pacific's `_stattype_to_str`: gauges, counters and long-running averages; histograms and
    // combined bits are left out.
    if (typeOnly !== 0 && typeOnly !== PERFCOUNTER_COUNTER && !summary) return null;
    const name = promethize(path);
    const names = summary ? [name, `${name}_sum`, `${name}_count`] : [name];
    if (names.some((n) => this.#taken.has(n))) {
      this.#m.log.warning(`prometheus: perf counter ${path} collides with ${name}; skipped`);
      return null;
    }
    for (const n of names) this.#taken.add(n);
    // Long-running averages are Ceph's `<name>_sum` / `<name>_count` series; a summary family
    // without quantiles is their correct type.
    const type = summary ? "summary" : typeOnly === 0 ? "gauge" : "counter";
    const family: PerfFamily = {
      header: familyHeader(name, c.description ?? "", type),
      name,
      summary,
      time: (c.type & PERFCOUNTER_TIME) !== 0,
      samples: "",
    };
    this.#perfOrder.push(family);
    return family;
  }

  #perf(): string {
    const all = this.#m.get_all_perf_counters() as Record<string, Record<string, PerfCounter>>;
    const families = this.#perfFamilies;
    for (const f of this.#perfOrder) f.samples = "";
    for (const daemon in all) {
      const counters = all[daemon]!;
      const label = `{ceph_daemon="${esc(daemon)}"} `;
      for (const path in counters) {
        const c = counters[path]!;
        let f = families.get(path);
        if (f === undefined) {
          f = this.#perfFamily(path, c);
          families.set(path, f);
        }
        if (f === null) continue;
        const value = f.time ? c.value / 1e9 : c.value;
        if (f.summary) {
          f.samples += `${f.name}_sum${label}${fmt(value)}\n${f.name}_count${label}${
            fmt(c.count ?? 0)
          }\n`;
        } else {
          f.samples += `${f.name}${label}${fmt(value)}\n`;
        }
      }
    }
    let out = "";
    for (const f of this.#perfOrder) if (f.samples) out += f.header + f.samples;
    return out;
  }
}

/** The host part of an address (`10.0.0.2:6801/634084` → `10.0.0.2`, `[::1]:80` → `::1`). */
function addrHost(addr: string | undefined): string {
  if (!addr || addr === "-") return "";
  const slash = addr.indexOf("/");
  const hostPort = slash >= 0 ? addr.slice(0, slash) : addr;
  const colon = hostPort.lastIndexOf(":");
  const host = colon > 0 ? hostPort.slice(0, colon) : hostPort;
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

function poolStatsList(
  view: unknown,
): { poolid: number | string; stat_sum?: Record<string, number> }[] {
  if (!view || typeof view !== "object") return [];
  const v = view as { pool_stats?: unknown };
  if (Array.isArray(v.pool_stats)) return v.pool_stats;
  return Object.entries(view as Record<string, { stat_sum?: Record<string, number> }>)
    .map(([poolid, s]) => ({ poolid, stat_sum: s?.stat_sum }));
}
