/**
 * status — Ceph's high-level status tables: `osd status [<bucket>]` and `fs status [<fs>]`,
 * as text (`PrettyTable` without borders) or JSON (`-f json`, `-f json-pretty`).
 *
 * Written only against the SDK. Unlike Pacific it survives OSDs without metadata (the host
 * shows as ""), pools without statistics and a missing FSMap. While the manager has no mon
 * session the tables still come (from the last maps it received), with a warning on stderr.
 *
 * @module
 */
import {
  CLIReadCommand,
  EINVAL,
  ENOENT,
  HandleCommandResult,
  MgrModule,
  NO_MON_CONNECTION,
} from "mgr_module";
import {
  type Align,
  fnmatch,
  formatBytes,
  formatDimless,
  PlainTable,
  pythonJson,
} from "mgr_module";

interface OsdEntry {
  osd: number;
  state?: string[];
}
interface OsdStat {
  osd: number;
  kb_used?: number;
  kb_avail?: number;
}
interface CrushBucket {
  name: string;
  items?: { id: number }[];
}
interface MdsInfo {
  gid?: number;
  name: string;
  rank?: number;
  state: string;
  laggy_since?: string;
}
interface MdsMap {
  fs_name: string;
  in?: number[];
  up?: Record<string, number>;
  info?: Record<string, MdsInfo>;
  metadata_pool?: number;
  data_pools?: number[];
}
interface FsMapDump {
  filesystems?: { mdsmap: MdsMap; id: number }[];
  standbys?: MdsInfo[];
}
interface DfPool {
  id: number;
  stats?: { bytes_used?: number; max_avail?: number };
}

const _OSD_ALIGN: Record<string, Align> = {
  ID: "r",
  HOST: "l",
  USED: "r",
  AVAIL: "r",
  "WR OPS": "r",
  "WR DATA": "r",
  "RD OPS": "r",
  "RD DATA": "r",
  STATE: "l",
};

const _FORMAT = { type: "str", optional: true } as const;

function _isJson(format: string | undefined): format is "json" | "json-pretty" {
  return format === "json" || format === "json-pretty";
}

// What the commands say on stderr while the manager has no mon connection: the note `status`
// and `health` carry then too.
export { NO_MON_CONNECTION };

/** The status module: `osd status` and `fs status`. */
export class Status extends MgrModule {
  /** The newest value of a daemon's counter, 0 when it has none. */
  #latest(type: string, name: string, path: string): number {
    const points = this.get_counter(type, name, path)[path] ?? [];
    return points.at(-1)?.[1] ?? 0;
  }

  /** Per-second rate over the last two points of a counter, 0 without two distinct stamps. */
  #rate(type: string, name: string, path: string): number {
    const points = this.get_counter(type, name, path)[path] ?? [];
    const last = points.at(-1);
    const prev = points.at(-2);
    if (!last || !prev || last[0] === prev[0]) return 0;
    return ((last[1] ?? 0) - (prev[1] ?? 0)) / ((last[0] ?? 0) - (prev[0] ?? 0));
  }

  /** {@linkcode NO_MON_CONNECTION} while the mon session is down, else "" (for stderr). */
  #staleWarning(): string {
    return this.have_mon_connection() ? "" : NO_MON_CONNECTION;
  }

  @CLIReadCommand("osd status", {
    args: { bucket: { type: "str", optional: true }, format: _FORMAT },
    desc: "Show the status of OSDs within a bucket, or all",
  })
  osdStatus({ bucket, format }: { bucket?: string; format?: string }): HandleCommandResult {
    const stale = this.#staleWarning();
    const osdMap = this.get("osd_map") as { osds?: OsdEntry[] } | null;
    let filter: Set<number> | undefined;
    if (bucket !== undefined) {
      this.log.debug(`Filtering to bucket '${bucket}'`);
      const crush = this.get("osd_map_crush") as { buckets?: CrushBucket[] } | null;
      const matched = (crush?.buckets ?? []).filter((b) => fnmatch(b.name, bucket));
      if (matched.length === 0) {
        return new HandleCommandResult(-ENOENT, "", `Bucket '${bucket}' not found`);
      }
      filter = new Set(matched.flatMap((b) => (b.items ?? []).map((i) => i.id)));
    }
    const statsDump = this.get("osd_stats") as { osd_stats?: OsdStat[] } | null;
    const stats = new Map((statsDump?.osd_stats ?? []).map((s) => [s.osd, s]));

    const table = new PlainTable(Object.keys(_OSD_ALIGN), _OSD_ALIGN);
    const json: Record<string, unknown>[] = [];
    for (const osd of osdMap?.osds ?? []) {
      const id = osd.osd;
      if (filter && !filter.has(id)) continue;
      let hostname = "";
      let used = 0;
      let avail = 0;
      const stat = stats.get(id);
      if (stat) {
        hostname = this.get_metadata("osd", String(id))?.hostname ?? "";
        used = (stat.kb_used ?? 0) * 1024;
        avail = (stat.kb_avail ?? 0) * 1024;
      }
      const name = String(id);
      const wrOps = this.#rate("osd", name, "osd.op_w") + this.#rate("osd", name, "osd.op_rw");
      const wrBytes = this.#rate("osd", name, "osd.op_in_bytes");
      const rdOps = this.#rate("osd", name, "osd.op_r");
      const rdBytes = this.#rate("osd", name, "osd.op_out_bytes");
      const state = osd.state ?? [];
      table.addRow([
        id,
        hostname,
        formatBytes(used, 5),
        formatBytes(avail, 5),
        formatDimless(wrOps, 5),
        formatBytes(wrBytes, 5),
        formatDimless(rdOps, 5),
        formatBytes(rdBytes, 5),
        state.join(","),
      ]);
      json.push({
        id,
        "host name": hostname,
        "kb used": used,
        "kb available": avail,
        "write ops rate": wrOps,
        "write byte rate": wrBytes,
        "read ops rate": rdOps,
        "read byte rate": rdBytes,
        state,
      });
    }
    if (_isJson(format)) {
      return new HandleCommandResult(0, pythonJson({ OSDs: json }, format), stale);
    }
    return new HandleCommandResult(0, table.toString(), stale);
  }

  @CLIReadCommand("fs status", {
    args: { fs: { type: "str", optional: true }, format: _FORMAT },
    desc: "Show the status of a CephFS filesystem",
  })
  fsStatus({ fs, format }: { fs?: string; format?: string }): HandleCommandResult {
    const stale = this.#staleWarning();
    const asJson = _isJson(format);
    const fsMap = (this.get("fs_map") ?? {}) as FsMapDump;
    const versions = new Map<string, string[]>();
    const noteVersion = (name: string) => {
      const version = this.get_metadata("mds", name)?.ceph_version ?? "unknown";
      versions.set(version, [...versions.get(version) ?? [], name]);
    };
    const json: { mdsmap: unknown[]; pools: unknown[]; clients: unknown[] } = {
      mdsmap: [],
      pools: [],
      clients: [],
    };
    let output = "";
    let shown = 0;

    for (const filesystem of fsMap.filesystems ?? []) {
      const mdsmap = filesystem.mdsmap;
      if (fs !== undefined && mdsmap.fs_name !== fs) continue;
      shown++;
      const ranks = new PlainTable([
        "RANK",
        "STATE",
        "MDS",
        "ACTIVITY",
        "DNS",
        "INOS",
        "DIRS",
        "CAPS",
      ]);
      let clients = 0;
      for (const rank of mdsmap.in ?? []) {
        const gid = mdsmap.up?.[`mds_${rank}`];
        const info = gid === undefined ? undefined : mdsmap.info?.[`gid_${gid}`];
        if (!info) {
          if (asJson) json.mdsmap.push({ rank, state: "failed" });
          else ranks.addRow([rank, "failed", "", "", "", "", "", ""]);
          continue;
        }
        const dns = this.#latest("mds", info.name, "mds_mem.dn");
        const inos = this.#latest("mds", info.name, "mds_mem.ino");
        const dirs = this.#latest("mds", info.name, "mds_mem.dir");
        const caps = this.#latest("mds", info.name, "mds_mem.cap");
        // Rank 0 holds the session map; another rank's gives an indication when it is down.
        if (rank === 0 || clients === 0) {
          clients = this.#latest("mds", info.name, "mds_sessions.session_count");
        }
        let state = info.state.split(":")[1] ?? info.state;
        if (info.laggy_since !== undefined) state += "(laggy)";
        const rate = state === "active"
          ? this.#rate("mds", info.name, "mds_server.handle_client_request")
          : 0;
        noteVersion(info.name);
        if (asJson) {
          json.mdsmap.push({ rank, name: info.name, state, rate, dns, inos, dirs, caps });
        } else {
          ranks.addRow([
            rank,
            state,
            info.name,
            state === "active" ? `Reqs: ${formatDimless(rate, 5)}/s` : "",
            formatDimless(dns, 5),
            formatDimless(inos, 5),
            formatDimless(dirs, 5),
            formatDimless(caps, 5),
          ]);
        }
      }
      for (const info of Object.values(mdsmap.info ?? {})) {
        if (info.state !== "up:standby-replay") continue;
        const dns = this.#latest("mds", info.name, "mds_mem.dn");
        const inos = this.#latest("mds", info.name, "mds_mem.ino");
        const dirs = this.#latest("mds", info.name, "mds_mem.dir");
        const caps = this.#latest("mds", info.name, "mds_mem.cap");
        const events = this.#rate("mds", info.name, "mds_log.replayed");
        noteVersion(info.name);
        if (asJson) {
          json.mdsmap.push({
            rank: info.rank,
            name: info.name,
            state: "standby-replay",
            events,
            dns,
            inos,
            dirs,
            caps,
          });
        } else {
          ranks.addRow([
            `${info.rank}-s`,
            "standby-replay",
            info.name,
            `Evts: ${formatDimless(events, 5)}/s`,
            formatDimless(dns, 5),
            formatDimless(inos, 5),
            formatDimless(dirs, 5),
            formatDimless(caps, 5),
          ]);
        }
      }

      const df = this.get("df") as { pools?: DfPool[] } | null;
      const poolStats = new Map((df?.pools ?? []).map((p) => [p.id, p.stats ?? {}]));
      const osdMap = this.get("osd_map") as
        | { pools?: { pool: number; pool_name: string }[] }
        | null;
      const poolNames = new Map((osdMap?.pools ?? []).map((p) => [p.pool, p.pool_name]));
      const pools = new PlainTable(["POOL", "TYPE", "USED", "AVAIL"]);
      const metadataPool = mdsmap.metadata_pool;
      const poolIds = [
        ...(metadataPool === undefined ? [] : [metadataPool]),
        ...mdsmap.data_pools ?? [],
      ];
      poolIds.forEach((id, i) => {
        const type = i === 0 && metadataPool !== undefined ? "metadata" : "data";
        const stats = poolStats.get(id);
        const used = stats?.bytes_used ?? 0;
        const avail = stats?.max_avail ?? 0;
        const name = poolNames.get(id) ?? String(id);
        if (asJson) json.pools.push({ id, name, type, used, avail });
        else pools.addRow([name, type, formatBytes(used, 5), formatBytes(avail, 5)]);
      });

      if (asJson) json.clients.push({ fs: mdsmap.fs_name, clients });
      else {
        output += `${mdsmap.fs_name} - ${clients} clients\n`;
        output += "=".repeat(mdsmap.fs_name.length) + "\n";
        // As the real command prints them: a table with no rows (no rank in, no standby)
        // and the blank lines around the tables do not appear.
        if (ranks.rowcount > 0) output += ranks.toString() + "\n";
        output += pools.toString() + "\n";
      }
    }
    if (shown === 0 && fs !== undefined) {
      return new HandleCommandResult(-EINVAL, "", `Invalid filesystem: ${fs}`);
    }

    const standbys = new PlainTable(["STANDBY MDS"]);
    for (const standby of fsMap.standbys ?? []) {
      noteVersion(standby.name);
      if (asJson) json.mdsmap.push({ name: standby.name, state: "standby" });
      else standbys.addRow([standby.name]);
    }
    if (!asJson && standbys.rowcount > 0) output += standbys.toString() + "\n";

    let mdsVersion: unknown;
    if (versions.size === 1) {
      mdsVersion = [...versions.keys()][0];
      if (!asJson) output += `MDS version: ${mdsVersion}`;
    } else {
      const table = new PlainTable(["VERSION", "DAEMONS"]);
      for (const [version, daemons] of versions) table.addRow([version, daemons.join(", ")]);
      if (versions.size > 0) {
        mdsVersion = [...versions].map(([version, daemons]) => ({ version, daemons }));
      }
      if (!asJson && table.rowcount > 0) output += table.toString() + "\n";
    }
    if (asJson) {
      const body = mdsVersion === undefined ? json : { ...json, mds_version: mdsVersion };
      return new HandleCommandResult(0, pythonJson(body, format), stale);
    }
    // The real command's text has no blank lines and ends with a newline (captured from
    // 16.2.15 with a file system, one marked down, and none).
    const lines = output.split("\n").filter((l) => l !== "");
    return new HandleCommandResult(0, lines.length > 0 ? lines.join("\n") + "\n" : "", stale);
  }
}
