/**
 * MDSMonitor: the FSMap commands (`fs dump`, `fs ls`, `fs get`, `fs set`, `mds stat`,
 * `mds metadata`, `mds versions`) over the simulated cluster's FSMap and MDS daemons, as Ceph 16.2's
 * src/mon/MDSMonitor.cc, FSMap.cc and MDSMap.cc print them, checked against a real 16.2.15
 * cluster (tests/ceph-reference/cli/commands/fs_*, mds_*).
 *
 * @module
 */
import type { CommandSignature, MonCommandResult } from "../../core/cluster_link.ts";
import { EEXIST, EINVAL, ENOENT, EOPNOTSUPP, EPERM, ERANGE } from "../../ceph/errno.ts";
import { formatJson } from "../../ceph/format.ts";
import type { SimCluster } from "../cluster/cluster.ts";
import type { FsMap } from "../cluster/fs_map.ts";
import type { Json } from "../cluster/osd_map_dump.ts";
import { err, formatterFor, type Monitor, ok, str } from "./monitor.ts";

/** The variables `fs set` takes in 16.2 (FileSystemCommandHandler's SetHandler). */
const FS_SET_VARS = [
  "max_mds",
  "max_file_size",
  "allow_new_snaps",
  "inline_data",
  "cluster_down",
  "allow_dirfrags",
  "balancer",
  "standby_count_wanted",
  "session_timeout",
  "session_autoclose",
  "allow_standby_replay",
  "down",
  "joinable",
  "min_compat_client",
];

// deno-fmt-ignore
const MDS_COMMANDS: readonly CommandSignature[] = [
  { sig: "fs dump name=epoch,type=CephInt,req=false,range=0", help: "dump all CephFS status, optionally from epoch", perm: "r" },
  { sig: "fs ls", help: "list filesystems", perm: "r" },
  { sig: "fs get name=fs_name,type=CephString", help: "get info about one filesystem", perm: "r" },
  { sig: "mds stat", help: "show MDS status", perm: "r" },
  { sig: "mds metadata name=who,type=CephString,req=false", help: "fetch metadata for mds <role>", perm: "r" },
  { sig: "mds versions", help: "check running versions of MDSs", perm: "r" },
  { sig: "fs new name=fs_name,type=CephString,goodchars=[A-Za-z0-9-_.] name=metadata,type=CephString name=data,type=CephString name=force,type=CephBool,req=false name=allow_dangerous_metadata_overlay,type=CephBool,req=false name=fscid,type=CephInt,range=0,req=false name=recover,type=CephBool,req=false", help: "make new filesystem using named pools <metadata> and <data>", perm: "rw" },
  { sig: "fs fail name=fs_name,type=CephString", help: "bring the file system down and all of its ranks", perm: "rw" },
  { sig: "fs rm name=fs_name,type=CephString name=yes_i_really_mean_it,type=CephBool,req=false", help: "disable the named filesystem", perm: "rw" },
  { sig: "mds fail name=role_or_gid,type=CephString", help: "Mark MDS failed: trigger a failover if a standby is available", perm: "rw" },
  { sig: "fs flag set name=flag_name,type=CephChoices,strings=enable_multiple name=val,type=CephString name=yes_i_really_mean_it,type=CephBool,req=false", help: "Set a global CephFS flag", perm: "rw" },
  { sig: `fs set name=fs_name,type=CephString name=var,type=CephChoices,strings=${FS_SET_VARS.join("|")} name=val,type=CephString name=yes_i_really_mean_it,type=CephBool,req=false name=yes_i_really_really_mean_it,type=CephBool,req=false`, help: "set fs parameter <var> to <val>", perm: "rw" },
];

type Obj = { [key: string]: Json };

/** A JSON dump and the newline MDSMonitor writes after it (json-pretty's own, or one more). */
function line(value: unknown, f: "json" | "json-pretty"): string {
  const text = formatJson(value, f);
  return f === "json" ? text + "\n" : text;
}

/** A CompatSet as Ceph prints it: `compat={},rocompat={},incompat={1=base v0.20,...}`. */
function compatText(c: Obj): string {
  const part = (o: Json | undefined) =>
    `{${
      Object.entries((o ?? {}) as Obj).map(([k, v]) => `${k.replace("feature_", "")}=${v}`).join(
        ",",
      )
    }}`;
  return `compat=${part(c.compat)},rocompat=${part(c.ro_compat)},incompat=${part(c.incompat)}`;
}

/** An addrvec as Ceph prints it: `[v2:ip:port/nonce,v1:ip:port/nonce]`. */
function addrvecText(a: Json | undefined): string {
  const list = ((a as Obj | undefined)?.addrvec ?? []) as Obj[];
  return `[${list.map((x) => `${x.type}:${x.addr}/${x.nonce}`).join(",")}]`;
}

/** mds_info_t::print_summary. */
function infoSummary(i: Obj): string {
  return `[mds.${i.name}{${i.rank}:${i.gid}} state ${i.state} seq ${i.state_seq} ` +
    `addr ${addrvecText(i.addrs)} compat {c=[1],r=[1],i=[7ff]}]`;
}

/** MDSMap::print. */
function mdsmapText(m: Obj): string {
  const up = Object.entries(m.up as Obj).map(([k, v]) => `${k.replace("mds_", "")}=${v}`);
  const list = (v: Json | undefined) => ((v ?? []) as Json[]).join(",");
  const lines = [
    `fs_name\t${m.fs_name}`,
    `epoch\t${m.epoch}`,
    `flags\t${Number(m.flags).toString(16)}`,
    `created\t${m.created}`,
    `modified\t${m.modified}`,
    `tableserver\t${m.tableserver}`,
    `root\t${m.root}`,
    `session_timeout\t${m.session_timeout}`,
    `session_autoclose\t${m.session_autoclose}`,
    `max_file_size\t${m.max_file_size}`,
    `required_client_features\t{}`,
    `last_failure\t${m.last_failure}`,
    `last_failure_osd_epoch\t${m.last_failure_osd_epoch}`,
    `compat\t${compatText(m.compat as Obj)}`,
    `max_mds\t${m.max_mds}`,
    `in\t${list(m.in)}`,
    `up\t{${up.join(",")}}`,
    `failed\t${list(m.failed)}`,
    `damaged\t${list(m.damaged)}`,
    `stopped\t${list(m.stopped)}`,
    `data_pools\t[${list(m.data_pools)}]`,
    `metadata_pool\t${m.metadata_pool}`,
    "inline_data\tdisabled",
    `balancer\t${m.balancer}`,
    `standby_count_wanted\t${Math.max(0, Number(m.standby_count_wanted))}`,
    // MDSMap::print lists the daemons by rank (the JSON keeps them by gid).
    ...(Object.values(m.info as Obj) as Obj[]).sort((a, b) => Number(a.rank) - Number(b.rank))
      .map((i) => infoSummary(i)),
  ];
  return lines.join("\n") + "\n";
}

/** The embedded mon's MDSMonitor, over a simulated cluster's FSMap. */
export class MDSMonitor implements Monitor {
  readonly commands = MDS_COMMANDS;
  readonly #cluster: SimCluster;

  constructor(cluster: SimCluster) {
    this.#cluster = cluster;
  }

  handle(prefix: string, cmd: Record<string, unknown>): MonCommandResult {
    const fs = this.#cluster.fs;
    const dump = fs.dump() as Obj;
    const filesystems = dump.filesystems as Obj[];
    const f = formatterFor(cmd);
    switch (prefix) {
      case "fs dump": {
        if (cmd.epoch !== undefined && Number(cmd.epoch) !== fs.epoch) {
          return err(-ENOENT, `there is no map for epoch ${Number(cmd.epoch)}`);
        }
        const outs = `dumped fsmap epoch ${fs.epoch}`;
        if (f) return ok(line(dump, f), outs);
        return ok(this.#fsmapText(dump), outs);
      }
      case "fs ls": {
        const pools = this.#cluster.map.pools;
        const name = (id: Json) => pools.find((p) => p.id === id)?.name ?? "";
        const list = filesystems.map((fsys) => {
          const m = fsys.mdsmap as Obj;
          const data = m.data_pools as number[];
          return {
            name: m.fs_name!,
            metadata_pool: name(m.metadata_pool!),
            metadata_pool_id: m.metadata_pool!,
            data_pool_ids: data,
            data_pools: data.map(name),
          };
        });
        if (f) return ok(line(list, f));
        if (list.length === 0) return ok("No filesystems enabled\n");
        return ok(
          list.map((l) =>
            `name: ${l.name}, metadata pool: ${l.metadata_pool}, data pools: [${
              l.data_pools.map((d) => `${d} `).join("")
            }]\n`
          ).join(""),
        );
      }
      case "fs get": {
        const want = str(cmd.fs_name) ?? "";
        const fsys = filesystems.find((x) => (x.mdsmap as Obj).fs_name === want);
        if (!fsys) return err(-ENOENT, `filesystem '${want}' not found`);
        if (f) return ok(line(fsys, f));
        return ok(`Filesystem '${want}' (${fsys.id})\n` + mdsmapText(fsys.mdsmap as Obj));
      }
      case "mds stat": {
        if (f) {
          return ok(line({
            fsmap: dump,
            mdsmap_first_committed: 1,
            mdsmap_last_committed: fs.epoch,
          }, f));
        }
        return ok(this.#statText(dump) + "\n");
      }
      case "mds metadata":
        return this.#metadata(cmd);
      case "fs set":
        return this.#fsSet(cmd);
      case "fs flag set":
        return this.#flagSet(cmd);
      case "fs new":
        return this.#fsNew(cmd);
      case "fs fail":
        return this.#fsFail(cmd);
      case "fs rm":
        return this.#fsRm(cmd);
      case "mds fail":
        return this.#mdsFail(cmd);
      case "mds versions": {
        const counts = new Map<string, number>();
        for (const d of fs.daemons.filter((x) => x.up)) {
          const v = this.#cluster.daemons.metadata(`mds.${d.name}`)?.ceph_version;
          if (v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
        }
        return ok(line(Object.fromEntries(counts), f ?? "json-pretty"));
      }
    }
    return err(-EINVAL, "command not known");
  }

  /** FSMap::print. */
  #fsmapText(dump: Obj): string {
    const flags = dump.feature_flags as Obj;
    let out = `e${dump.epoch}\n` +
      `enable_multiple, ever_enabled_multiple: ${flags.enable_multiple ? 1 : 0},` +
      `${flags.ever_enabled_multiple ? 1 : 0}\n` +
      `default compat: ${compatText(dump.compat as Obj)}\n` +
      `legacy client fscid: ${dump.default_fscid}\n \n`;
    const filesystems = dump.filesystems as Obj[];
    if (filesystems.length === 0) out += "No filesystems configured\n";
    for (const fsys of filesystems) {
      const m = fsys.mdsmap as Obj;
      out += `Filesystem '${m.fs_name}' (${fsys.id})\n` + mdsmapText(m) + " \n \n";
    }
    const standbys = dump.standbys as Obj[];
    if (standbys.length > 0) out += "Standby daemons:\n \n";
    for (const s of standbys) out += infoSummary(s) + "\n";
    return out;
  }

  /**
   * FSMap::print_summary: `cephfs:1 {0=a=up:active} 1 up:standby`; a degraded file system
   * counts up/in ranks (`cephfs:0/1`), failed ranks follow (`, 1 failed`). With more than one
   * file system each counts its ranks and the ranks are named `<fs>:<rank>`, all in one brace,
   * in the order of those names.
   */
  #statText(dump: Obj): string {
    const parts: string[] = [];
    const filesystems = dump.filesystems as Obj[];
    const many = filesystems.length > 1;
    const ranks: [string, string][] = [];
    let failed = 0;
    for (const fsys of filesystems) {
      const m = fsys.mdsmap as Obj;
      const nIn = (m.in as Json[]).length;
      const nUp = Object.keys(m.up as Obj).length;
      const nFailed = (m.failed as Json[]).length;
      failed += nFailed;
      parts.push(nFailed > 0 ? `${m.fs_name}:${nUp}/${nIn}` : `${m.fs_name}:${nIn}`);
      for (const i of Object.values(m.info as Obj) as Obj[]) {
        if (Number(i.rank) < 0) continue;
        ranks.push([many ? `${m.fs_name}:${i.rank}` : `${i.rank}`, `${i.name}=${i.state}`]);
      }
    }
    ranks.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (ranks.length > 0) parts.push(`{${ranks.map(([n, v]) => `${n}=${v}`).join(",")}}`);
    const standbys = (dump.standbys as Obj[]).length;
    // FSMap::print_summary writes " N up:standby" after whatever came before, even nothing.
    let out = parts.join(" ");
    if (standbys > 0) out += ` ${standbys} up:standby`;
    return out + (failed > 0 ? `, ${failed} failed` : "");
  }

  /**
   * `fs flag set enable_multiple <bool> [--yes-i-really-mean-it]`: 16.2 no longer asks for the
   * confirmation (tests/ceph-reference/cli/commands/fs_multiple/01-07).
   */
  #flagSet(cmd: Record<string, unknown>): MonCommandResult {
    const val = str(cmd.val) ?? "";
    const on = /^(true|yes|1)$/i.test(val) ? true : /^(false|no|0)$/i.test(val) ? false : undefined;
    if (on === undefined) {
      return err(-EINVAL, `value must be false|no|0 or true|yes|1Invalid boolean value '${val}'`);
    }
    this.#cluster.changeFs(`flag enable_multiple ${on}`, (fs) => fs.setEnableMultiple(on));
    return ok();
  }

  /**
   * `fs set <fs> <var> <val>`, for what the simulated FSMap models, with
   * FileSystemCommandHandler's checks and words (tests/ceph-reference/cli/commands/mon12/fs_set,
   * fidelity12/fs_set_*, mds_ranks): max_mds, down, joinable and cluster_down, allow_standby_replay, standby_count_wanted, max_file_size, session_timeout,
   * session_autoclose. The others say that the simulated file system does not model them.
   */
  #fsSet(cmd: Record<string, unknown>): MonCommandResult {
    const c = this.#cluster;
    const name = str(cmd.fs_name) ?? "";
    const fs = c.fs.byName(name);
    if (!fs) return err(-ENOENT, `Filesystem not found: '${name}'`);
    const change = (what: string, f: (m: FsMap) => void) => c.changeFs(what, f, name);
    const v = str(cmd.var) ?? "";
    const val = str(cmd.val) ?? "";
    const int = /^\s*[-+]?\d+$/.test(val) ? Number(val) : undefined;
    const bool = /^(true|yes|1)$/i.test(val)
      ? true
      : /^(false|no|0)$/i.test(val)
      ? false
      : undefined;
    const badBool = () => err(-EINVAL, "value must be false|no|0 or true|yes|1");
    const fsName = name;
    switch (v) {
      case "max_mds": {
        if (int === undefined) {
          return err(-EINVAL, `Expected option value to be integer, got '${val}'`);
        }
        if (int <= 0) return err(-EINVAL, "You must specify at least one MDS");
        if (int > 256) return err(-EINVAL, "may not have more than 256 MDS ranks");
        // Standbys take the new ranks, or the highest ranks stop (fs_map.ts); a file system
        // marked down (max_mds 0) comes up.
        change(`max_mds ${int}`, (m) => m.setMaxMds(fs, int));
        return ok();
      }
      case "down": {
        if (bool === undefined) return badBool();
        change(`down ${bool}`, (m) => m.setDown(fs, bool));
        return ok(
          "",
          bool ? `${fsName} marked down. ` : `${fsName} marked up, max_mds = ${fs.maxMds}`,
        );
      }
      case "joinable":
      case "cluster_down": {
        if (bool === undefined) return badBool();
        const joinable = v === "joinable" ? bool : !bool;
        change(`joinable ${joinable}`, (m) => m.setJoinable(fs, joinable));
        const said = joinable
          ? `${fsName} marked joinable; MDS may join as newly active.`
          : `${fsName} marked not joinable; MDS cannot join as newly active.`;
        return ok(
          "",
          v === "joinable" ? said : said +
            ' WARNING: cluster_down flag is deprecated and will be removed in a future version. Please use "joinable".',
        );
      }
      case "allow_standby_replay": {
        if (bool === undefined) return badBool();
        change(`allow_standby_replay ${bool}`, (m) => m.setAllowStandbyReplay(fs, bool));
        return ok();
      }
      case "standby_count_wanted": {
        if (int === undefined) return err(-EINVAL, `${v} requires an integer value`);
        if (int < 0) return err(-ERANGE, `${v} must be non-negative`);
        c.setStandbyCountWanted(fs, int);
        return ok();
      }
      case "max_file_size": {
        if (int === undefined) return err(-EINVAL, `${v} requires an integer value`);
        if (int < 65536) return err(-ERANGE, `${v} must at least 65536`);
        change(`${v} ${int}`, (m) => m.setValue(fs, "maxFileSize", int));
        return ok();
      }
      case "session_timeout":
      case "session_autoclose": {
        if (int === undefined) return err(-EINVAL, `${v} requires an integer value`);
        if (int < 30) return err(-ERANGE, `${v} must be at least 30s`);
        const key = v === "session_timeout" ? "sessionTimeout" : "sessionAutoclose";
        change(`${v} ${int}`, (m) => m.setValue(fs, key, int));
        return ok();
      }
    }
    return err(-EOPNOTSUPP, `fs set ${v}: the simulated file system does not model ${v}`);
  }

  /**
   * `fs new <fs> <metadata> <data>`, with FileSystemCommandHandler's checks in its order
   * (tests/ceph-reference/cli/commands/fs_lifecycle, fs_multiple): the pools exist; the same
   * file system again is no error; another file system needs enable_multiple; pools another
   * file system uses need --allow-dangerous-metadata-overlay; a metadata pool holding objects
   * needs --force; a pool of another application is refused (unless --force). The pools get
   * the cephfs application and the metadata pool MDSMonitor's options.
   */
  #fsNew(cmd: Record<string, unknown>): MonCommandResult {
    const c = this.#cluster, fs = c.fs;
    const name = str(cmd.fs_name) ?? "";
    const byName = (n: string) => c.map.pools.find((p) => p.name === n);
    const metaName = str(cmd.metadata) ?? "", dataName = str(cmd.data) ?? "";
    const meta = byName(metaName);
    if (!meta) return err(-ENOENT, `pool '${metaName}' does not exist`);
    const data = byName(dataName);
    if (!data) return err(-ENOENT, `pool '${dataName}' does not exist`);
    const used = fs.poolsInUse();
    const same = used.find((u) => u.fs === name);
    if (same) {
      if (same.metadata === meta.id && same.data === data.id) {
        return ok("", `filesystem '${name}' already exists`);
      }
      return err(-EINVAL, `filesystem already exists with name '${name}'`);
    }
    if (used.length > 0 && !fs.enableMultiple) {
      return err(
        -EINVAL,
        "Creation of multiple filesystems is disabled.  To enable this experimental feature, " +
          "use 'ceph fs flag set enable_multiple true'",
      );
    }
    const overlay = cmd.allow_dangerous_metadata_overlay === true;
    if (
      !overlay &&
      used.some((u) => [meta.id, data.id].some((id) => id === u.metadata || id === u.data))
    ) {
      return err(
        -EEXIST,
        `Filesystem '${name}' is already using one of the specified RADOS pools. This should ` +
          "ONLY be done in emergencies and after careful reading of the documentation. Pass " +
          "--allow-dangerous-metadata-overlay to permit this.",
      );
    }
    const objects = c.pgs.poolPgs(meta.id).reduce((n, p) => n + (c.pgs.objects[p] ?? 0), 0);
    if (objects > 0 && cmd.force !== true) {
      return err(
        -EINVAL,
        `pool '${metaName}' already contains some objects. Use an empty pool instead.`,
      );
    }
    // _check_pool, data pool first: a pool given to another application is refused.
    for (const pool of [data, meta]) {
      const apps = Object.keys(pool.applications);
      if (cmd.force !== true && apps.length > 0 && !apps.includes("cephfs")) {
        return err(
          -EINVAL,
          ` pool '${pool.name}' (id '${pool.id}') has a non-CephFS application enabled.`,
        );
      }
    }
    c.newFs(name, meta, data);
    return ok("", `new fs with metadata pool ${meta.id} and data pool ${data.id}`);
  }

  /** `fs fail <fs>`: not joinable, every rank failed (its MDS back as a standby). */
  #fsFail(cmd: Record<string, unknown>): MonCommandResult {
    const c = this.#cluster;
    const name = str(cmd.fs_name) ?? "";
    const fs = c.fs.byName(name);
    if (!fs) return err(-ENOENT, `Filesystem not found: '${name}'`);
    c.changeFs("fail", (m) => m.fail(fs), name);
    return ok(
      "",
      `${name} marked not joinable; MDS cannot join the cluster. All MDS ranks marked failed.`,
    );
  }

  /** `fs rm <fs> --yes-i-really-mean-it`, once no rank is up (`fs fail` first). */
  #fsRm(cmd: Record<string, unknown>): MonCommandResult {
    const c = this.#cluster;
    const name = str(cmd.fs_name) ?? "";
    const fs = c.fs.byName(name);
    if (!fs) return ok("", `filesystem '${name}' does not exist`);
    if (fs.holders.size > 0 || c.fs.standbyReplayName(fs) !== undefined) {
      return err(
        -EINVAL,
        "all MDS daemons must be inactive/failed before removing filesystem. See `ceph fs fail`.",
      );
    }
    if (cmd.yes_i_really_mean_it !== true) {
      return err(
        -EPERM,
        "this is a DESTRUCTIVE operation and will make data in your filesystem permanently " +
          "inaccessible.  Add --yes-i-really-mean-it if you are sure you wish to continue.",
      );
    }
    c.changeFs("rm", (m) => m.remove(fs), name);
    return ok();
  }

  /**
   * `mds fail <role_or_gid>`: a role (`1`, `<fs>:1`), a gid or a name of an up MDS; it
   * respawns as a standby and a standby takes its rank. An MDS that is not there is no error,
   * in the real mon's two messages run together.
   */
  #mdsFail(cmd: Record<string, unknown>): MonCommandResult {
    const c = this.#cluster;
    const who = str(cmd.role_or_gid) ?? "";
    const d = c.fs.resolve(who);
    if (!d) {
      const hidden =
        `MDS named '${who}' does not exist, is not up or you lack the permission to see.`;
      // A number is looked up as a gid or rank, silently; anything else says so twice.
      const numeric = /^\d+$/.test(who);
      return ok("", numeric ? hidden : `MDS named '${who}' does not exist, or is not up${hidden}`);
    }
    const gid = d.gid;
    c.changeFs(`mds.${d.name} failed`, (fs) => fs.failMds(d.name));
    return ok("", `failed mds gid ${gid}`);
  }

  #metadata(cmd: Record<string, unknown>): MonCommandResult {
    const f = formatterFor(cmd) ?? "json-pretty";
    const sorted = (m: Record<string, string>) =>
      Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1)));
    const daemons = this.#cluster.fs.daemons.filter((d) => d.up);
    const who = str(cmd.who);
    if (who !== undefined) {
      const d = daemons.find((x) => x.name === who);
      const m = d ? this.#cluster.daemons.metadata(`mds.${d.name}`) : null;
      if (!m) return err(-ENOENT, "");
      return ok(line(sorted(m), f));
    }
    const all = daemons.flatMap((d) => {
      const m = this.#cluster.daemons.metadata(`mds.${d.name}`);
      return m ? [{ name: d.name, ...sorted(m) }] : [];
    });
    return ok(line(all, f));
  }
}
