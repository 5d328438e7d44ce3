/**
 * MonmapMonitor and the mon's own commands about its peers and the daemons: `mon stat`,
 * `mon dump`, `mon versions`, `mon metadata`, `mon feature ls`, `quorum_status`, `versions`,
 * `features`, `time-sync-status`, over the simulated cluster's mons (the monmap, the quorum and
 * the elections of sim/cluster/mons.ts) and daemons. Output as Ceph 16.2's
 * src/mon/MonmapMonitor.cc and Monitor.cc print it, checked against a real 16.2.15 cluster
 * (tests/ceph-reference/cli/oracle/mon_stat_json.txt, cli/commands/).
 *
 * @module
 */
import type { CommandSignature, MonCommandResult } from "../../core/cluster_link.ts";
import { EEXIST, EINVAL, ENOENT } from "../../ceph/errno.ts";
import { CEPH_VERSION } from "../../ceph/mgr_map.ts";
import { formatJson } from "../../ceph/format.ts";
import type { SimCluster } from "../cluster/cluster.ts";
import { MON_FEATURES, monAddrText, monmapCommandDump, parseMonAddr } from "../cluster/mons.ts";
import { err, formatterFor, type Monitor, ok, str } from "./monitor.ts";

// deno-fmt-ignore
const MONMAP_COMMANDS: readonly CommandSignature[] = [
  { sig: "mon stat", help: "summarize monitor status", perm: "r" },
  { sig: "mon dump name=epoch,type=CephInt,range=0,req=false", help: "dump formatted monmap (optionally from epoch)", perm: "r" },
  { sig: "mon versions", help: "check running versions of monitors", perm: "r" },
  { sig: "mon metadata name=id,type=CephString,req=false", help: "fetch metadata for mon <id>", perm: "r" },
  { sig: "mon feature ls name=with_value,type=CephChoices,strings=--with-value,req=false", help: "list available mon map features to be set/unset", perm: "r" },
  { sig: "quorum_status", help: "report status of monitor quorum", perm: "r" },
  { sig: "versions", help: "check running versions of ceph daemons", perm: "r" },
  { sig: "features", help: "report of connected features", perm: "r" },
  { sig: "time-sync-status", help: "show time sync status", perm: "r" },
  { sig: "version", help: "show mon daemon version", perm: "r" },
  { sig: "mon add name=name,type=CephString name=addr,type=CephIPAddr name=location,type=CephString,n=N,goodchars=[A-Za-z0-9-_.=],req=false", help: "add new monitor named <name> at <addr>, possibly with CRUSH location <location>", perm: "rw" },
  { sig: "mon remove name=name,type=CephString", help: "remove monitor named <name>", perm: "rw" },
  { sig: "mon rm name=name,type=CephString", help: "remove monitor named <name>", perm: "rw" },
];

/** The features every simulated daemon and client connects with (a Pacific build's). */
const FEATURES_HEX = "0x3f01cfbdfffdffff";
const QUORUM_CON = "4540138314316775423";
/** `mon_timecheck_interval`: the leader checks the peers' clocks this often. */
const TIMECHECK_INTERVAL = 300;

/** A JSON dump and the newline the mon writes after it (json-pretty's own, or one more). */
function line(value: unknown, f: "json" | "json-pretty"): string {
  const text = formatJson(value, f);
  return f === "json" ? text + "\n" : text;
}

/** What the mon knows of its managers: the MgrMap's active and standby names. */
export type MgrNames = () => string[];

/** The embedded mon's MonmapMonitor, over a simulated cluster's mons. */
export class MonmapMonitor implements Monitor {
  readonly commands = MONMAP_COMMANDS;
  readonly #cluster: SimCluster;
  readonly #mgrNames: MgrNames;

  constructor(cluster: SimCluster, mgrNames: MgrNames = () => cluster.daemons.names.mgrs.slice()) {
    this.#cluster = cluster;
    this.#mgrNames = mgrNames;
  }

  handle(prefix: string, cmd: Record<string, unknown>): MonCommandResult {
    switch (prefix) {
      case "mon stat":
        return ok(this.#monStat(cmd));
      case "mon dump":
        return this.#monDump(cmd);
      case "mon versions":
        return ok(this.#prettyLine(cmd, this.#count("mon", this.#monNames())));
      case "mon metadata":
        return this.#monMetadata(cmd);
      case "mon feature ls":
        return this.#featureLs(cmd);
      case "quorum_status":
        return ok(line(this.#quorumStatus(), formatterFor(cmd) ?? "json"));
      case "versions":
        return ok(this.#pretty(cmd, this.#versions()));
      case "features":
        return ok(this.#pretty(cmd, this.#features()));
      case "time-sync-status":
        return ok(this.#pretty(cmd, this.#timeSync()));
      case "version": {
        const f = formatterFor(cmd);
        return ok(f ? line({ version: CEPH_VERSION }, f) : `${CEPH_VERSION}\n`);
      }
      case "mon add":
        return this.#monAdd(
          str(cmd.name) ?? "",
          str(cmd.addr) ?? "",
          Array.isArray(cmd.location) ? cmd.location.map(String) : [],
        );
      case "mon rm":
      case "mon remove":
        return this.#monRemove(str(cmd.name) ?? "");
    }
    return err(-22, "command not known");
  }

  /** A dump whose formatter defaults to json-pretty. */
  #pretty(cmd: Record<string, unknown>, value: unknown): string {
    return formatJson(value, formatterFor(cmd) ?? "json-pretty");
  }

  /** A dump the mon ends with a newline, whose formatter defaults to json-pretty. */
  #prettyLine(cmd: Record<string, unknown>, value: unknown): string {
    return line(value, formatterFor(cmd) ?? "json-pretty");
  }

  #monNames(): string[] {
    return this.#cluster.mons.names.slice();
  }

  /** Daemons' `ceph_version` metadata counted, as `count_metadata("ceph_version")`. */
  #count(type: string, names: readonly string[]): Record<string, number> {
    const counts = new Map<string, number>();
    for (const n of names) {
      const v = this.#cluster.daemons.metadata(`${type}.${n}`)?.ceph_version;
      if (v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    return Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  #upOsds(): string[] {
    const map = this.#cluster.map;
    const out: string[] = [];
    for (let id = 0; id < map.maxOsd; id++) if (map.has(id)) out.push(String(id));
    return out;
  }

  #upMds(): string[] {
    return this.#cluster.fs.daemons.filter((d) => d.up).map((d) => d.name);
  }

  #versions(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {
      mon: this.#count("mon", this.#monNames()),
      mgr: this.#count("mgr", this.#mgrNames()),
      osd: this.#count("osd", this.#upOsds()),
      mds: this.#count("mds", this.#upMds()),
    };
    const overall = new Map<string, number>();
    for (const counts of Object.values(out)) {
      for (const [v, n] of Object.entries(counts)) overall.set(v, (overall.get(v) ?? 0) + n);
    }
    out.overall = Object.fromEntries([...overall].sort(([a], [b]) => (a < b ? -1 : 1)));
    return out;
  }

  /**
   * FeatureMap of the sessions the mon has: its quorum peers, the up MDSs and OSDs, the
   * managers, and clients: each manager's and MDS's own librados client and the one asking.
   */
  #features(): Record<string, unknown> {
    const mons = this.#cluster.mons;
    const map = this.#cluster.map;
    let osds = 0;
    for (let id = 0; id < map.maxOsd; id++) if (map.has(id) && map.isUp(id)) osds++;
    const mgrs = this.#mgrNames().length;
    const mds = this.#upMds().length;
    const group = (num: number) =>
      num > 0 ? [{ features: FEATURES_HEX, release: "luminous", num }] : [];
    const out: Record<string, unknown> = {};
    const add = (k: string, num: number) => {
      if (num > 0) out[k] = group(num);
    };
    add("mon", mons.quorum.length);
    add("mds", mds);
    add("osd", osds);
    add("client", mgrs + mds + 1);
    add("mgr", mgrs);
    return out;
  }

  #timeSync(): Record<string, unknown> {
    const mons = this.#cluster.mons;
    const out: Record<string, unknown> = {};
    const peers = mons.quorum.filter((r) => r !== mons.leader);
    // The leader has measured every peer in quorum once a check has run: no skew here.
    const checks = Math.floor(
      (this.#cluster.scheduler.now - mons.quorumSince) / TIMECHECK_INTERVAL,
    );
    if (peers.length > 0) {
      out.time_skew_status = Object.fromEntries(
        mons.quorum.map((r) => [mons.names[r], { skew: 0, latency: 0, health: "HEALTH_OK" }]),
      );
    }
    out.timechecks = {
      epoch: mons.electionEpoch,
      round: peers.length > 0 ? 2 * (checks + 1) : 0,
      round_status: "finished",
    };
    return out;
  }

  #quorumStatus(): Record<string, unknown> {
    const mons = this.#cluster.mons;
    const quorum = [...mons.quorum].sort((a, b) => a - b);
    const out: Record<string, unknown> = {
      election_epoch: mons.electionEpoch,
      quorum,
      quorum_names: quorum.map((r) => mons.names[r]),
    };
    if (quorum.length > 0) {
      out.quorum_leader_name = mons.leaderName() ?? "";
      out.quorum_age = Math.floor(this.#cluster.scheduler.now - mons.quorumSince);
    }
    out.features = { quorum_con: QUORUM_CON, quorum_mon: [...MON_FEATURES] };
    out.monmap = monmapCommandDump(mons);
    return out;
  }

  /**
   * MonmapMonitor's `mon add`: the same name at the same addresses is a success that changes
   * nothing; the name or an address taken is EEXIST, as 16.2 words it. The mon added is not
   * running: an operator deploys its daemon next (the simulator's `monUp`).
   */
  #monAdd(name: string, addrText: string, location: string[]): MonCommandResult {
    const mons = this.#cluster.mons;
    const parsed = parseMonAddr(addrText);
    if (parsed === undefined) return err(-EINVAL, `addr ${addrText}does not parse`);
    // CrushWrapper::parse_loc_map: key=value words, up to the first that is not one.
    const loc = new Map<string, string>();
    for (const w of location) {
      const eq = w.indexOf("=");
      if (eq < 0 || eq === w.length - 1) break;
      loc.set(w.slice(0, eq), w.slice(eq + 1));
    }
    if (location.length > 0 && loc.size === 0) {
      return err(
        -EINVAL,
        `We could not parse your input location to anything real; [${
          location.join(",")
        }] turned into an empty map!`,
      );
    }
    const { addrs, given } = parsed;
    const r = mons.names.indexOf(name);
    if (r >= 0) {
      const have = mons.addrs[r] ?? [];
      if (monAddrText(have) === monAddrText(addrs)) {
        return ok("", `mon.${name} at ${monAddrText(addrs)} already exists`);
      }
      return err(-EEXIST, `mon.${name} already exists at address ${monAddrText(have)}`);
    }
    const taken = addrs.map((a) => mons.nameAt(a)).find((n) => n !== undefined);
    if (taken !== undefined) {
      return err(-EEXIST, `mon.${taken} already exists at address ${monAddrText([given])}`);
    }
    mons.addMon(name, addrs, [...loc].sort(([a], [b]) => (a < b ? -1 : 1)));
    return ok("", `adding mon.${name} at ${monAddrText(addrs)}`);
  }

  /** `mon rm` / `mon remove`: a name not in the MonMap is a success, the last mon EINVAL. */
  #monRemove(name: string): MonCommandResult {
    const mons = this.#cluster.mons;
    if (!mons.names.includes(name)) {
      return ok("", `mon.${name} does not exist or has already been removed`);
    }
    if (mons.names.length === 1) {
      return err(-EINVAL, `error: refusing removal of last monitor ${name}`);
    }
    mons.removeMon(name);
    return ok("");
  }

  #monDump(cmd: Record<string, unknown>): MonCommandResult {
    const mons = this.#cluster.mons;
    const epoch = cmd.epoch === undefined ? mons.monmapEpoch : Number(cmd.epoch);
    const kept = mons.monmapAt(epoch);
    if (kept === undefined) return err(-ENOENT, `there is no map for epoch ${epoch}`);
    const dump = monmapCommandDump(mons, epoch);
    const outs = `dumped monmap epoch ${epoch}`;
    const f = formatterFor(cmd);
    if (f) {
      const quorum = [...mons.quorum].sort((a, b) => a - b);
      return ok(line({ ...dump, quorum }, f), outs);
    }
    const stamp = (s: unknown) => String(s).replace(/Z$/, "+0000");
    const lines = [
      `epoch ${dump.epoch}`,
      `fsid ${dump.fsid}`,
      `last_changed ${stamp(dump.modified)}`,
      `created ${stamp(dump.created)}`,
      "min_mon_release 16 (pacific)",
      "election_strategy: 1",
      ...kept.names.map((n, r) => `${r}: ${monAddrText(kept.addrs[r] ?? [])} mon.${n}`),
    ];
    return ok(lines.join("\n") + "\n", outs);
  }

  /** A mon's metadata, its keys sorted (a std::map), with `name` first in the list of all. */
  #monMetadata(cmd: Record<string, unknown>): MonCommandResult {
    const sorted = (m: Record<string, string>) =>
      Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1)));
    const id = str(cmd.id);
    if (id !== undefined) {
      const m = this.#monNames().includes(id) ? this.#cluster.daemons.metadata(`mon.${id}`) : null;
      if (!m) return err(-ENOENT, "requested mon not found");
      return ok(this.#prettyLine(cmd, sorted(m)));
    }
    const all = this.#monNames().flatMap((n) => {
      const m = this.#cluster.daemons.metadata(`mon.${n}`);
      return m ? [{ name: n, ...sorted(m) }] : [];
    });
    return ok(this.#prettyLine(cmd, all));
  }

  #featureLs(cmd: Record<string, unknown>): MonCommandResult {
    const list = [...MON_FEATURES];
    const f = formatterFor(cmd);
    if (f) {
      const out = {
        all: { supported: list, persistent: list },
        monmap: { persistent: list, optional: [], required: list },
      };
      return ok(line(out, f));
    }
    const l = `[${list.join(",")}]`;
    return ok(
      `all features\n\tsupported: ${l}\n\tpersistent: ${l}\n` +
        `on current monmap (epoch ${this.#cluster.mons.monmapEpoch})\n` +
        `\tpersistent: ${l}\n\trequired: ${l}\n`,
    );
  }

  #monStat(cmd: Record<string, unknown>): string {
    const mons = this.#cluster.mons;
    const leader = mons.leaderName() ?? "";
    const quorum = [...mons.quorum].sort((a, b) => a - b);
    if (cmd.format === "json" || cmd.format === "json-pretty") {
      const stat = {
        epoch: mons.monmapEpoch,
        min_mon_release_name: "pacific",
        num_mons: mons.names.length,
        leader,
        quorum: quorum.map((rank) => ({ rank, name: mons.names[rank] })),
      };
      // The dump ends with a newline in either JSON format.
      return (cmd.format === "json-pretty" ? JSON.stringify(stat, null, 4) : JSON.stringify(stat)) +
        "\n";
    }
    const addrs = mons.names.map((n, r) => `${n}=${monAddrText(mons.addrs[r] ?? [])}`);
    return `e${mons.monmapEpoch}: ${mons.names.length} mons at {${addrs.join(",")}}` +
      ` removed_ranks: {${
        mons.removedRanks.join(",")
      }}, election epoch ${mons.electionEpoch}, leader ${mons.leader} ${leader},` +
      ` quorum ${quorum.join(",")} ${quorum.map((r) => mons.names[r]).join(",")}\n`;
  }
}
