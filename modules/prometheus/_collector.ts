/**
 * Builds the exporter's page from the module SDK, in the order, names, types, labels and
 * number format of Pacific's exporter (src/pybind/mgr/prometheus/module.py, 16.2.15).
 *
 * The page is six sections of bytes (see _page.ts). Small ones (health, mons, mgrs, pools, PG
 * states, df) are described anew at every scrape; the ones that grow with the cluster (OSD
 * metadata, OSD status, perf counters) keep their template while the daemons and their
 * labels stay, so a scrape reads the numbers into a typed array and writes only those that
 * changed. Perf counters come from the SDK's bulk reader, not from an object per counter.
 *
 * Where Pacific breaks the text format, the same series are written in a form Prometheus
 * accepts: `ceph_pool_objects_repaired` is one family (Pacific repeats HELP and TYPE per
 * pool), and the empty family of the same name it declares earlier is left out.
 *
 * @module
 */
import { type MgrModule, type PerfCounterBulk, PG_STATES } from "mgr_module";
import { escapeHelp, escapeLabelValue as esc, promethize } from "./_exposition.ts";
import { BlockedSection, SmallSection, type Template, TemplateBuilder } from "./_page.ts";
import { NANOS, PLAIN } from "./_value.ts";

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
const DF_POOL_COUNTERS = new Set(["rd", "rd_bytes", "wr", "wr_bytes"]);

// Pacific lists num_bytes_recovered twice; its dict keeps one family.
const OSD_POOL_STATS = [
  "recovering_objects_per_sec",
  "recovering_bytes_per_sec",
  "recovering_keys_per_sec",
  "num_objects_recovered",
  "num_bytes_recovered",
] as const;

const NUM_OBJECTS = ["degraded", "misplaced", "unfound"] as const;

const OSD_STATUS = ["weight", "up", "in"] as const;
const OSD_STATS = ["apply_latency_ms", "commit_latency_ms"] as const;

/** Pacific's `profile_method` names, in the order its page lists them. */
const METHODS = [
  "get_health",
  "get_pool_stats",
  "get_df",
  "get_fs",
  "get_quorum_status",
  "get_mgr_status",
  "get_pg_status",
  "get_osd_stats",
  "get_metadata_and_osd_status",
  "get_num_objects",
] as const;
type Method = typeof METHODS[number];

const PERFCOUNTER_TIME = 1;
const PERFCOUNTER_LONGRUNAVG = 4;
const PERFCOUNTER_COUNTER = 8;
const PERFCOUNTER_TYPE_MASK = ~3;
const PRIO_USEFUL = 5;

type Obj = Record<string, unknown>;

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
  options?: Obj;
}
interface OsdMapView {
  flags?: string;
  osds?: readonly OsdEntry[];
  pools?: readonly PoolEntry[];
  erasure_code_profiles?: Record<string, Record<string, string>>;
}
interface HealthJson {
  status?: string;
  checks?: Record<string, { severity?: string; summary?: { message?: string } }>;
}
interface ServerView {
  hostname?: string;
  services?: readonly { type: string; id: string; ceph_version?: string; name?: string }[];
}

/** Python's `s.rsplit(':', 1)[0]`. */
function beforeLastColon(s: string | undefined): string {
  const v = s ?? "";
  const i = v.lastIndexOf(":");
  return i < 0 ? v : v.slice(0, i);
}

function header(name: string, help: string, type: string): string {
  return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
}

/** A label set as text: `{a="x",b="y"}`. */
function labels(names: readonly string[], values: readonly unknown[]): string {
  let s = "{";
  for (let i = 0; i < names.length; i++) {
    if (i > 0) s += ",";
    s += `${names[i]}="${esc(String(values[i] ?? ""))}"`;
  }
  return s + "}";
}

/** A small section being described: template text and values. */
class Lines {
  readonly b = new TemplateBuilder();
  readonly values: number[] = [];

  family(name: string, help: string, type: string): void {
    this.b.text(header(name, help, type));
  }

  /** `series` is the name and labels, e.g. `ceph_osd_up{ceph_daemon="osd.0"}`. */
  sample(series: string, value: number, kind: number = PLAIN): void {
    this.b.text(series + " ");
    this.b.sample(kind);
    this.b.text("\n");
    this.values.push(value);
  }
}

/**
 * Per-daemon families laid out once per set of daemons: where each value comes from, by
 * daemon (a daemon's newest row is read in one pass, which is what keeps the gather in the
 * cache: the page order, family by family, would visit every daemon's ring once per family).
 */
interface PerfPlan {
  names: readonly string[];
  template: Template;
  /** Daemon `d`'s samples are `first[d]` to `first[d + 1]` of `target` and `slot`. */
  first: Int32Array;
  /** Index of the sample in page order. */
  target: Int32Array;
  /** Slot in the daemon's ring row. */
  slot: Int32Array;
  /** The values in page order. */
  values: Float64Array;
  /** The values as read last, in the order of `target`. */
  read: Float64Array;
  /** Per block of the perf section, whether a value in it changed since it was rendered. */
  changed: Uint8Array;
}

/** The OSD status families laid out once per set of OSDs. */
interface OsdPlan {
  template: Template;
  values: Float64Array;
}

/** What one scrape produced: the page as chunks of bytes. */
export interface Page {
  readonly chunks: readonly Uint8Array[];
  readonly size: number;
}

/**
 * Builds the page of `/metrics` for one module instance, keeping between scrapes what has
 * not changed: templates, the bytes of each section, the health history.
 */
export class MetricsCollector {
  readonly #m: MgrModule;
  readonly #small = [
    new SmallSection(),
    new SmallSection(),
    new SmallSection(),
    new SmallSection(),
  ];
  readonly #osdMeta = new BlockedSection();
  readonly #osdStatus = new BlockedSection();
  readonly #perf = new BlockedSection();
  #osdMetaKey: unknown[] = [];
  #osdMetaTemplate: Template | null = null;
  #osdMetaValues = new Float64Array(0);
  #osdStatusPlan: OsdPlan | null = null;
  #perfPlan: PerfPlan | null = null;
  /** The perf store's version the last perf bytes were made from. */
  #perfVersion = NaN;
  #perfBytes: Uint8Array[] = [];
  #healthJson: string | undefined;
  #health: HealthJson = {};
  /** Pacific's HealthHistory: every check seen, with its severity and whether it is active. */
  readonly #healthSeen = new Map<string, { severity: string; active: boolean }>();
  readonly #durationSum = new Map<Method, number>();
  readonly #durationCount = new Map<Method, number>();
  #servers: readonly unknown[] | null = null;
  #serviceMap = new Map<string, [host: string, version: string, name: string]>();
  #rgw: [string, [string, string, string]][] = [];
  /** The OSDs that pass Pacific's checks for metadata (and so get a status). */
  #listedOsds: OsdEntry[] = [];

  constructor(module: MgrModule) {
    this.#m = module;
  }

  #time<T>(method: Method, f: () => T): T {
    const started = performance.now();
    try {
      return f();
    } finally {
      const seconds = (performance.now() - started) / 1000;
      this.#durationSum.set(method, (this.#durationSum.get(method) ?? 0) + seconds);
      this.#durationCount.set(method, (this.#durationCount.get(method) ?? 0) + 1);
    }
  }

  /** `(id, type)` → host, version and name from `list_servers()`, as Pacific's service list. */
  #services(): Map<string, [string, string, string]> {
    const servers = this.#m.list_servers();
    if (servers === this.#servers) return this.#serviceMap;
    const map = new Map<string, [string, string, string]>();
    for (const s of servers as readonly ServerView[]) {
      for (const d of s.services ?? []) {
        map.set(`${d.type}.${d.id}`, [s.hostname ?? "", d.ceph_version ?? "unknown", d.name ?? ""]);
      }
    }
    this.#servers = servers;
    this.#serviceMap = map;
    this.#rgw = [...map].filter(([key]) => key.startsWith("rgw."));
    return map;
  }

  #service(type: string, id: string): [string, string, string] {
    return this.#services().get(`${type}.${id}`) ?? ["", "", ""];
  }

  /** The page, collected now. */
  collect(): Page {
    const chunks: Uint8Array[] = [];
    const a = new Lines();
    const slowOps = this.#time("get_health", () => this.#healthStatus(a));
    this.#time("get_quorum_status", () => this.#quorum(a, "status"));
    this.#time("get_fs", () => this.#fs(a));
    this.#time("get_quorum_status", () => this.#quorum(a, "metadata"));
    this.#time("get_mgr_status", () => this.#mgrs(a));
    chunks.push(this.#small[0]!.render(a.b, a.values));

    const osdMap = (this.#m.get("osd_map") ?? {}) as OsdMapView;
    chunks.push(...this.#time("get_metadata_and_osd_status", () => this.#osdMetadata(osdMap)));

    const pgSummary = (this.#m.get("pg_summary") ?? {}) as {
      by_pool?: Record<string, Record<string, number>>;
      pg_stats_sum?: { stat_sum?: Record<string, number> };
    };
    const pg = this.#time("get_pg_status", () => pgCounts(pgSummary.by_pool ?? {}));

    const c = new Lines();
    this.#time("get_metadata_and_osd_status", () => this.#pools(c, osdMap));
    c.family("ceph_pg_total", "PG Total Count per Pool", "gauge");
    for (let i = 0; i < pg.pools.length; i++) {
      c.sample(`ceph_pg_total{pool_id="${esc(pg.pools[i]!)}"}`, pg.total[i]!);
    }
    c.family("ceph_health_detail", "healthcheck status by type (0=inactive, 1=active)", "gauge");
    for (const [name, info] of this.#healthSeen) {
      c.sample(
        `ceph_health_detail${labels(["name", "severity"], [name, info.severity])}`,
        info.active ? 1 : 0,
      );
    }
    chunks.push(this.#small[1]!.render(c.b, c.values));
    chunks.push(...this.#daemonHealthSection());
    const f = new Lines();
    this.#time("get_metadata_and_osd_status", () => {
      const flags = (osdMap.flags ?? "").split(",");
      for (const flag of OSD_FLAGS) {
        const name = promethize(`osd_flag_${flag}`);
        f.family(name, `OSD Flag ${flag}`, "untyped");
        f.sample(name, flags.includes(flag) ? 1 : 0);
      }
    });
    chunks.push(this.#small[3]!.render(f.b, f.values));

    chunks.push(...this.#osdStatusSection());

    const e = new Lines();
    this.#time("get_pool_stats", () => this.#poolRecovery(e));
    this.#time("get_pg_status", () => {
      for (const s of PG_STATES) {
        const row = pg.byState.get(s)!;
        e.family(`ceph_pg_${s}`, `PG ${s} per pool`, "gauge");
        for (let i = 0; i < pg.pools.length; i++) {
          e.sample(`ceph_pg_${s}{pool_id="${esc(pg.pools[i]!)}"}`, row[i]!);
        }
      }
    });
    this.#time("get_df", () => this.#df(e));
    this.#time("get_num_objects", () => {
      const sum = pgSummary.pg_stats_sum?.stat_sum ?? {};
      for (const obj of NUM_OBJECTS) {
        e.family(`ceph_num_objects_${obj}`, `Number of ${obj} objects`, "gauge");
        e.sample(`ceph_num_objects_${obj}`, sum[`num_objects_${obj}`] ?? 0);
      }
    });
    e.family(
      "ceph_healthcheck_slow_ops",
      "OSD or Monitor requests taking a long time to process",
      "gauge",
    );
    e.sample("ceph_healthcheck_slow_ops", slowOps);
    this.#repaired(e);
    this.#collectDurations(e);
    chunks.push(this.#small[2]!.render(e.b, e.values));

    chunks.push(...this.#perfSection());
    let size = 0;
    for (const chunk of chunks) size += chunk.length;
    return { chunks, size };
  }

  /** `ceph_health_status`; returns the SLOW_OPS count for `ceph_healthcheck_slow_ops`. */
  #healthStatus(a: Lines): number {
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
    a.family("ceph_health_status", "Cluster health status", "untyped");
    a.sample("ceph_health_status", status);
    const checks = health.checks ?? {};
    for (const info of this.#healthSeen.values()) info.active = false;
    for (const name in checks) {
      const seen = this.#healthSeen.get(name);
      if (seen) seen.active = true;
      else this.#healthSeen.set(name, { severity: String(checks[name]?.severity), active: true });
    }
    // "42 slow ops, oldest one blocked for 12 sec, ...": the first word.
    const message = checks.SLOW_OPS?.summary?.message ?? "";
    const word = message.split(" ")[0] ?? "";
    return /^[0-9]+$/.test(word) ? Number(word) : 0;
  }

  #monStatus(): {
    quorum?: number[];
    monmap?: { mons?: { rank: number; name: string; public_addr?: string }[] };
  } {
    const view = this.#m.get("mon_status") as { json?: string } | null;
    try {
      return view?.json ? JSON.parse(view.json) : {};
    } catch {
      return {};
    }
  }

  #quorum(a: Lines, part: "status" | "metadata"): void {
    const status = this.#monStatus();
    const mons = status.monmap?.mons ?? [];
    if (part === "status") {
      a.family("ceph_mon_quorum_status", "Monitors in quorum", "gauge");
      for (const mon of mons) {
        a.sample(
          `ceph_mon_quorum_status{ceph_daemon="${esc(`mon.${mon.name}`)}"}`,
          (status.quorum ?? []).includes(mon.rank) ? 1 : 0,
        );
      }
      return;
    }
    a.family("ceph_mon_metadata", "MON Metadata", "untyped");
    for (const mon of mons) {
      const [host, version] = this.#service("mon", mon.name);
      a.sample(
        `ceph_mon_metadata${
          labels(
            ["ceph_daemon", "hostname", "public_addr", "rank", "ceph_version"],
            [`mon.${mon.name}`, host, beforeLastColon(mon.public_addr), mon.rank, version],
          )
        }`,
        1,
      );
    }
  }

  #fs(a: Lines): void {
    const fsMap = this.#m.get("fs_map") as {
      standbys?: { name: string; addr?: string; rank?: number }[];
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
    const mdsLabels = ["ceph_daemon", "fs_id", "hostname", "public_addr", "rank", "ceph_version"];
    a.family("ceph_fs_metadata", "FS Metadata", "untyped");
    const mds: string[] = [];
    for (const standby of fsMap?.standbys ?? []) {
      const [host, version] = this.#service("mds", standby.name);
      mds.push(labels(mdsLabels, [
        `mds.${standby.name}`,
        "-1",
        host,
        standby.addr,
        standby.rank ?? -1,
        version,
      ]));
    }
    for (const fs of fsMap?.filesystems ?? []) {
      const mdsmap = fs.mdsmap;
      a.sample(
        `ceph_fs_metadata${
          labels(["data_pools", "fs_id", "metadata_pool", "name"], [
            (mdsmap.data_pools ?? []).join(","),
            fs.id,
            mdsmap.metadata_pool,
            mdsmap.fs_name,
          ])
        }`,
        1,
      );
      for (const gid in mdsmap.info ?? {}) {
        const d = mdsmap.info![gid]!;
        const [host, version] = this.#service("mds", d.name);
        mds.push(labels(mdsLabels, [`mds.${d.name}`, fs.id, host, d.addr, d.rank, version]));
      }
    }
    a.family("ceph_mds_metadata", "MDS Metadata", "untyped");
    for (const l of mds) a.sample(`ceph_mds_metadata${l}`, 1);
  }

  #mgrs(a: Lines): void {
    const map = this.#m.get("mgr_map") as {
      active_name?: string;
      standbys?: { name: string }[];
      modules?: string[];
      always_on_modules?: Record<string, string[]>;
      available_modules?: { name: string; can_run: boolean }[];
    } | null;
    const mgrs = (map?.standbys ?? []).map((s) => s.name);
    if (map?.active_name) mgrs.push(map.active_name);
    a.family("ceph_mgr_metadata", "MGR metadata", "gauge");
    for (const name of mgrs) {
      const [host, version] = this.#service("mgr", name);
      a.sample(
        `ceph_mgr_metadata${
          labels(["ceph_daemon", "hostname", "ceph_version"], [`mgr.${name}`, host, version])
        }`,
        1,
      );
    }
    a.family("ceph_mgr_status", "MGR status (0=standby, 1=active)", "gauge");
    for (const name of mgrs) {
      a.sample(
        `ceph_mgr_status{ceph_daemon="${esc(`mgr.${name}`)}"}`,
        name === map?.active_name ? 1 : 0,
      );
    }
    const alwaysOn = map?.always_on_modules?.[this.#m.release_name] ?? [];
    const enabled = map?.modules ?? [];
    const modules = map?.available_modules ?? [];
    a.family(
      "ceph_mgr_module_status",
      "MGR module status (0=disabled, 1=enabled, 2=auto-enabled)",
      "gauge",
    );
    for (const mod of modules) {
      const state = alwaysOn.includes(mod.name) ? 2 : enabled.includes(mod.name) ? 1 : 0;
      a.sample(`ceph_mgr_module_status{name="${esc(mod.name)}"}`, state);
    }
    a.family(
      "ceph_mgr_module_can_run",
      "MGR module runnable state i.e. can it run (0=no, 1=yes)",
      "gauge",
    );
    for (const mod of modules) {
      a.sample(`ceph_mgr_module_can_run{name="${esc(mod.name)}"}`, mod.can_run ? 1 : 0);
    }
  }

  /**
   * `ceph_osd_metadata`, `ceph_disk_occupation` and `ceph_disk_occupation_human`: all 1, so
   * the bytes change only when the OSD map, CRUSH map, metadata or servers do.
   */
  #osdMetadata(osdMap: OsdMapView): Uint8Array[] {
    const crush = this.#m.get("osd_map_crush");
    const metadata = this.#m.get("osd_metadata");
    const servers = this.#m.list_servers();
    const key = [osdMap, crush, metadata, servers];
    if (this.#osdMetaTemplate && key.every((k, i) => k === this.#osdMetaKey[i])) {
      return this.#osdMeta.render(this.#osdMetaTemplate, this.#osdMetaValues);
    }
    this.#osdMetaKey = key;
    const classes = new Map<number, string>();
    for (const d of (crush as { devices?: { id: number; class?: string }[] })?.devices ?? []) {
      if (!classes.has(d.id)) classes.set(d.id, d.class ?? "");
    }
    const md = (metadata ?? {}) as Record<string, Record<string, string> | undefined>;
    const l = new Lines();
    const occupation: unknown[][] = [];
    const listed: OsdEntry[] = [];
    l.family("ceph_osd_metadata", "OSD Metadata", "untyped");
    for (const osd of osdMap.osds ?? []) {
      const id = osd.osd;
      const pAddr = beforeLastColon(osd.public_addr);
      const cAddr = beforeLastColon(osd.cluster_addr);
      if (pAddr === "-" || cAddr === "-") continue;
      const devClass = classes.get(id);
      if (devClass === undefined) continue;
      const [host, version] = this.#service("osd", String(id));
      const meta = md[String(id)];
      if (!meta) continue;
      const store = meta.osd_objectstore ?? "";
      l.sample(
        `ceph_osd_metadata${
          labels([
            "back_iface",
            "ceph_daemon",
            "cluster_addr",
            "device_class",
            "front_iface",
            "hostname",
            "objectstore",
            "public_addr",
            "ceph_version",
          ], [
            meta.back_iface ?? "",
            `osd.${id}`,
            cAddr,
            devClass,
            meta.front_iface ?? "",
            host,
            store,
            pAddr,
            version,
          ])
        }`,
        1,
      );
      listed.push(osd);
      let dev: string | undefined, wal = "", db = "";
      if (store === "filestore") {
        dev = meta.backend_filestore_dev_node;
        wal = meta.osd_journal ?? "";
      } else if (store === "bluestore") {
        dev = meta.bluestore_bdev_dev_node;
        wal = meta.bluefs_wal_dev_node ?? "";
        db = meta.bluefs_db_dev_node ?? "";
      }
      if (dev === "unknown") dev = undefined;
      const hostname = meta.hostname;
      if (dev && hostname) {
        occupation.push([
          `osd.${id}`,
          dev,
          db,
          wal,
          hostname,
          meta.devices || "N/A",
          meta.device_ids || "N/A",
        ]);
      }
    }
    this.#listedOsds = listed;
    l.family("ceph_disk_occupation", "Associate Ceph daemon with disk used", "untyped");
    const occLabels = [
      "ceph_daemon",
      "device",
      "db_device",
      "wal_device",
      "instance",
      "devices",
      "device_ids",
    ];
    for (const o of occupation) l.sample(`ceph_disk_occupation${labels(occLabels, o)}`, 1);
    // Pacific's group_by(['device', 'instance'], {'ceph_daemon': ', '.join}).
    l.family(
      "ceph_disk_occupation_human",
      "Associate Ceph daemon with disk used for displaying to humans, not for joining tables (vector matching)",
      "untyped",
    );
    const groups = new Map<string, { daemons: string[]; device: string; instance: string }>();
    for (const o of occupation) {
      const k = `${o[1]}\u0000${o[4]}`;
      const g = groups.get(k);
      if (g) g.daemons.push(String(o[0]));
      else groups.set(k, { daemons: [String(o[0])], device: String(o[1]), instance: String(o[4]) });
    }
    for (const g of groups.values()) {
      l.sample(
        `ceph_disk_occupation_human${
          labels(["ceph_daemon", "device", "instance"], [
            g.daemons.join(", "),
            g.device,
            g.instance,
          ])
        }`,
        1,
      );
    }
    this.#osdMetaTemplate = l.b.build();
    this.#osdMetaValues = Float64Array.from(l.values);
    return this.#osdMeta.render(this.#osdMetaTemplate, this.#osdMetaValues);
  }

  #pools(c: Lines, osdMap: OsdMapView): void {
    c.family("ceph_pool_metadata", "POOL Metadata", "untyped");
    for (const p of osdMap.pools ?? []) {
      let type = "unknown", description = "unknown";
      if (p.type === 1) {
        type = "replicated";
        description = `replica:${p.size}`;
      } else if (p.type === 3) {
        type = "erasure";
        const profile = osdMap.erasure_code_profiles?.[p.erasure_code_profile ?? ""];
        description = profile ? `ec:${profile.k}+${profile.m}` : "ec:unknown";
      }
      const compression = String(p.options?.compression_mode ?? "none");
      c.sample(
        `ceph_pool_metadata${
          labels(["pool_id", "name", "type", "description", "compression_mode"], [
            p.pool,
            p.pool_name,
            type,
            description,
            compression,
          ])
        }`,
        1,
      );
    }
    c.family("ceph_rgw_metadata", "RGW Metadata", "untyped");
    c.family("ceph_rbd_mirror_metadata", "RBD Mirror Metadata", "untyped");
    this.#services();
    for (const [key, [host, version, name]] of this.#rgw) {
      const id = key.slice(4);
      c.sample(
        `ceph_rgw_metadata${
          labels(["ceph_daemon", "hostname", "ceph_version", "instance_id"], [
            `rgw.${name}`,
            host,
            version,
            id,
          ])
        }`,
        1,
      );
    }
  }

  /**
   * `ceph_daemon_health_metrics`: two samples per OSD and one per mon, so laid out once per set
   * of daemons and metric types; after a report only the values are written.
   */
  #daemonHealthSection(): Uint8Array[] {
    const bulk = this.#m.daemon_health_metrics_bulk();
    let plan = this.#healthPlan;
    if (plan === null || plan.daemon !== bulk.daemon || plan.type !== bulk.type) {
      const l = new Lines();
      l.family("ceph_daemon_health_metrics", "Health metrics for Ceph daemons", "gauge");
      for (let i = 0; i < bulk.daemon.length; i++) {
        l.sample(
          `ceph_daemon_health_metrics${
            labels(["type", "ceph_daemon"], [bulk.type[i]!, bulk.daemon[i]!])
          }`,
          0,
        );
      }
      plan = {
        daemon: bulk.daemon,
        type: bulk.type,
        template: l.b.build(),
        values: new Float64Array(bulk.daemon.length),
      };
      this.#healthPlan = plan;
    }
    plan.values.set(bulk.value);
    return this.#daemonHealth.render(plan.template, plan.values);
  }

  #healthPlan: {
    daemon: readonly string[];
    type: readonly string[];
    template: Template;
    values: Float64Array;
  } | null = null;
  readonly #daemonHealth = new BlockedSection();

  /** `ceph_osd_{weight,up,in}` and `ceph_osd_{apply,commit}_latency_ms`. */
  #osdStatusSection(): Uint8Array[] {
    const listed = this.#listedOsds;
    const stats = this.#time("get_osd_stats", () => this.#m.osd_perf_stats_bulk());
    const n = listed.length, s = stats.osd.length;
    let plan = this.#osdStatusPlan;
    if (
      plan === null || plan.values.length !== 3 * n + 2 * s ||
      !sameIds(this.#osdIds, listed) || !sameArray(this.#statIds, stats.osd)
    ) {
      const l = new Lines();
      for (const state of OSD_STATUS) {
        l.family(`ceph_osd_${state}`, `OSD status ${state}`, "untyped");
        for (const o of listed) l.sample(`ceph_osd_${state}{ceph_daemon="osd.${o.osd}"}`, 0);
      }
      for (const stat of OSD_STATS) {
        l.family(`ceph_osd_${stat}`, `OSD stat ${stat}`, "gauge");
        for (const id of stats.osd) l.sample(`ceph_osd_${stat}{ceph_daemon="osd.${id}"}`, 0);
      }
      plan = { template: l.b.build(), values: new Float64Array(3 * n + 2 * s) };
      this.#osdStatusPlan = plan;
      this.#osdIds = Int32Array.from(listed, (o) => o.osd);
      this.#statIds = stats.osd.slice();
    }
    const v = plan.values;
    this.#time("get_metadata_and_osd_status", () => {
      for (let i = 0; i < n; i++) {
        const o = listed[i]!;
        v[i] = o.weight;
        v[n + i] = o.up;
        v[2 * n + i] = o.in;
      }
    });
    v.set(stats.apply_latency_ms, 3 * n);
    v.set(stats.commit_latency_ms, 3 * n + s);
    return this.#osdStatus.render(plan.template, v);
  }

  #osdIds = new Int32Array(0);
  #statIds = new Int32Array(0);

  #poolRecovery(e: Lines): void {
    const view = this.#m.get("osd_pool_stats") as {
      pool_stats?: { pool_id: number; recovery_rate?: Record<string, number> }[];
    } | null;
    const pools = view?.pool_stats ?? [];
    for (const stat of OSD_POOL_STATS) {
      e.family(`ceph_pool_${stat}`, `OSD pool stats: ${stat}`, "gauge");
      for (const p of pools) {
        e.sample(`ceph_pool_${stat}{pool_id="${p.pool_id}"}`, p.recovery_rate?.[stat] ?? 0);
      }
    }
  }

  #df(e: Lines): void {
    const df = (this.#m.get("df") ?? {}) as {
      stats?: Record<string, number>;
      pools?: readonly { id: number; stats?: Record<string, number> }[];
    };
    for (const stat of DF_CLUSTER) {
      e.family(`ceph_cluster_${stat}`, `DF ${stat}`, "gauge");
      e.sample(`ceph_cluster_${stat}`, df.stats?.[stat] ?? 0);
    }
    for (const stat of DF_POOL) {
      e.family(
        `ceph_pool_${stat}`,
        `DF pool ${stat}`,
        DF_POOL_COUNTERS.has(stat) ? "counter" : "gauge",
      );
      for (const p of df.pools ?? []) {
        const value = p.stats?.[stat];
        if (typeof value === "number") e.sample(`ceph_pool_${stat}{pool_id="${p.id}"}`, value);
      }
    }
  }

  /** Pacific reads `pg_dump`'s pool_stats; `pool_stats` is the same list, without the dump. */
  #repaired(e: Lines): void {
    const view = this.#m.get("pool_stats") as {
      pool_stats?: { poolid: number; stat_sum?: Record<string, number> }[];
    } | null;
    e.family(
      "ceph_pool_objects_repaired",
      "Number of objects repaired in a pool Count",
      "counter",
    );
    for (const s of view?.pool_stats ?? []) {
      e.sample(
        `ceph_pool_objects_repaired{poolid="${s.poolid}"}`,
        s.stat_sum?.num_objects_repaired ?? 0,
      );
    }
  }

  /**
   * `ceph_prometheus_collect_duration_seconds_{sum,count}{method}`: Pacific's two counter
   * families, as one summary family (as the perf counters' averages).
   */
  #collectDurations(e: Lines): void {
    e.family(
      "ceph_prometheus_collect_duration_seconds",
      "The sum of seconds took to collect all metrics of this exporter",
      "summary",
    );
    for (
      const [suffix, values] of [["sum", this.#durationSum], [
        "count",
        this.#durationCount,
      ]] as const
    ) {
      for (const m of METHODS) {
        const v = values.get(m);
        if (v !== undefined) {
          e.sample(`ceph_prometheus_collect_duration_seconds_${suffix}{method="${m}"}`, v);
        }
      }
    }
  }

  /**
   * The perf counters: a plan per set of daemons, then one pass per scrape over the daemons'
   * newest rows in their own order, which compares each value with the one read last time
   * and writes into the page-order values only those that changed (marking their blocks),
   * so a scrape where few counters moved costs a sequential read and a few blocks.
   */
  #perfSection(): Uint8Array[] {
    const bulk = this.#m.perf_counters_bulk();
    let plan = this.#perfPlan;
    if (plan === null || plan.names !== bulk.names) {
      plan = this.#perfPlan = perfPlan(bulk, this.#m, this.#perf.samples);
    } else if (bulk.version === this.#perfVersion) return this.#perfBytes;
    const { first, target, slot, values, read, changed } = plan;
    const per = this.#perf.samples;
    const rings = bulk.rings, offsets = bulk.offsets;
    for (let d = 0; d < rings.length; d++) {
      const ring = rings[d]!, o = offsets[d]!;
      const end = first[d + 1]!;
      for (let k = first[d]!; k < end; k++) {
        const v = o < 0 ? 0 : ring[o + slot[k]!]!;
        const old = read[k]!;
        if (v === old && (v !== 0 || 1 / v === 1 / old)) continue;
        read[k] = v;
        const t = target[k]!;
        values[t] = v;
        changed[(t / per) | 0] = 1;
      }
    }
    this.#perfVersion = bulk.version;
    return this.#perfBytes = this.#perf.render(plan.template, values, changed);
  }
}

function sameArray(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameIds(ids: Int32Array, entries: readonly { osd: number }[]): boolean {
  if (ids.length !== entries.length) return false;
  for (let i = 0; i < ids.length; i++) if (ids[i] !== entries[i]!.osd) return false;
  return true;
}

/** The families the cluster part writes: a perf counter of the same name is left out. */
const CLUSTER_FAMILIES = (() => {
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
    "ceph_osd_metadata",
    "ceph_disk_occupation",
    "ceph_disk_occupation_human",
    "ceph_pool_metadata",
    "ceph_rgw_metadata",
    "ceph_rbd_mirror_metadata",
    "ceph_pg_total",
    "ceph_daemon_health_metrics",
    "ceph_pool_objects_repaired",
    "ceph_healthcheck_slow_ops",
    "ceph_prometheus_collect_duration_seconds",
    "ceph_prometheus_collect_duration_seconds_sum",
    "ceph_prometheus_collect_duration_seconds_count",
  ];
  for (const f of OSD_FLAGS) names.push(promethize(`osd_flag_${f}`));
  for (const s of OSD_STATUS) names.push(`ceph_osd_${s}`);
  for (const s of OSD_STATS) names.push(`ceph_osd_${s}`);
  for (const s of OSD_POOL_STATS) names.push(`ceph_pool_${s}`);
  for (const s of PG_STATES) names.push(`ceph_pg_${s}`);
  for (const s of DF_CLUSTER) names.push(`ceph_cluster_${s}`);
  for (const s of DF_POOL) names.push(`ceph_pool_${s}`);
  for (const s of NUM_OBJECTS) names.push(`ceph_num_objects_${s}`);
  return new Set(names);
})();

interface PerfFamily {
  header: string;
  name: string;
  kind: number;
  summary: boolean;
  daemons: number[];
  slots: number[];
}

/**
 * Lays out the perf families as Pacific's `collect` meets them: daemons in order, each
 * daemon's counters by path, a family at its first sighting; histograms left out. Pacific
 * writes a long-running average as two `counter` families `<name>_sum` and `<name>_count`;
 * here they are the same series in one `summary` family `<name>`, the type Prometheus (and
 * promtool's lint) expects of `_sum`/`_count` pairs. Queries see the same series.
 */
function perfPlan(bulk: PerfCounterBulk, m: MgrModule, perBlock: number): PerfPlan {
  const families = new Map<string, PerfFamily | null>();
  const order: PerfFamily[] = [];
  const family = (name: string, help: string, type: string, kind: number) => {
    let f = families.get(name);
    if (f === undefined) {
      const summary = type === "summary";
      const names = summary ? [name, `${name}_sum`, `${name}_count`] : [name];
      if (names.some((n) => CLUSTER_FAMILIES.has(n) || families.has(n))) {
        m.log.warning(`prometheus: perf counter ${name} collides with another metric; skipped`);
        f = null;
      } else {
        f = { header: header(name, help, type), name, kind, summary, daemons: [], slots: [] };
        order.push(f);
      }
      families.set(name, f);
    }
    return f;
  };
  const labelOf: string[] = [];
  for (let d = 0; d < bulk.names.length; d++) {
    const daemon = bulk.names[d]!;
    labelOf[d] = daemon.startsWith("rgw.")
      ? `{instance_id="${esc(daemon.slice(4))}"} `
      : `{ceph_daemon="${esc(daemon)}"} `;
    const layout = bulk.layouts[d]!;
    for (const c of layout.sorted) {
      if (layout.priorities[c]! < PRIO_USEFUL) continue;
      const path = layout.paths[c]!;
      const schema = layout.schemaJson[path]!;
      const typeOnly = schema.type & PERFCOUNTER_TYPE_MASK;
      const avg = typeOnly === PERFCOUNTER_LONGRUNAVG;
      if (typeOnly !== 0 && typeOnly !== PERFCOUNTER_COUNTER && !avg) continue;
      const type = avg ? "summary" : typeOnly === 0 ? "gauge" : "counter";
      const kind = (schema.type & PERFCOUNTER_TIME) !== 0 ? NANOS : PLAIN;
      const f = family(promethize(path), schema.description, type, kind);
      f?.daemons.push(d);
      f?.slots.push(layout.slotOf[c]!);
    }
  }
  const b = new TemplateBuilder();
  const daemons: number[] = [], slots: number[] = [];
  const series = (name: string, f: PerfFamily, kind: number, next: number) => {
    for (let i = 0; i < f.daemons.length; i++) {
      const d = f.daemons[i]!;
      b.text(name + labelOf[d]!);
      b.sample(kind);
      b.text("\n");
      daemons.push(d);
      slots.push(f.slots[i]! + next);
    }
  };
  for (const f of order) {
    b.text(f.header);
    if (f.summary) {
      // A long-running average's count follows its sum in the ring.
      series(`${f.name}_sum`, f, f.kind, 0);
      series(`${f.name}_count`, f, PLAIN, 1);
    } else {
      series(f.name, f, f.kind, 0);
    }
  }
  // Regroup by daemon (a counting sort on the daemon index).
  const n = daemons.length, count = bulk.names.length;
  const first = new Int32Array(count + 1);
  for (let i = 0; i < n; i++) first[daemons[i]! + 1]!++;
  for (let d = 0; d < count; d++) first[d + 1]! += first[d]!;
  const next = first.slice(0, count);
  const target = new Int32Array(n), slot = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = next[daemons[i]!]!++;
    target[k] = i;
    slot[k] = slots[i]!;
  }
  return {
    names: bulk.names,
    template: b.build(),
    first,
    target,
    slot,
    values: new Float64Array(n),
    // NaN: every value counts as changed at the first read.
    read: new Float64Array(n).fill(NaN),
    changed: new Uint8Array(Math.ceil(n / perBlock)),
  };
}

/** Per pool, PG counts by state word and in total (Pacific's get_pg_status). */
function pgCounts(byPool: Record<string, Record<string, number>>): {
  pools: string[];
  byState: Map<string, Float64Array>;
  total: Float64Array;
} {
  const pools = Object.keys(byPool);
  const byState = new Map<string, Float64Array>();
  for (const s of PG_STATES) byState.set(s, new Float64Array(pools.length));
  const total = new Float64Array(pools.length);
  for (let i = 0; i < pools.length; i++) {
    const states = byPool[pools[i]!]!;
    for (const stateName in states) {
      const n = states[stateName]!;
      total[i]! += n;
      for (const word of stateName.split("+")) {
        const row = byState.get(word);
        if (row) row[i]! += n;
      }
    }
  }
  return { pools, byState, total };
}
