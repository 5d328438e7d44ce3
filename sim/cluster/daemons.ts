/**
 * What daemons tell the manager about themselves: metadata (hostname, ceph_version,
 * osd_objectstore, addresses, devices, ...), daemon status, the device list and OSD heartbeat
 * ping times, with the gaps a real cluster shows: an OSD in the map without metadata,
 * metadata for an OSD that is not in the map, metadata older than the running version.
 *
 * Metadata is computed on demand from the model, so 10,000 OSDs cost nothing until asked for;
 * only the gaps are stored.
 *
 * @module
 */

import { crushHash3 } from "../../ceph/crush_hash.ts";
import { cephStamp, ctimeText } from "../../ceph/time.ts";
import type { EntityAddr } from "../../ceph/mgr_map.ts";
import { monAddrText, type MonCluster } from "./mons.ts";
import type { OsdMap } from "./osd_map.ts";
import { hostIp, type Json } from "./osd_map_dump.ts";
import type { PgTable } from "./pg_table.ts";

/** The Ceph version every simulated daemon runs at the start. */
export const CEPH_VERSION = "16.2.15";
const _SHA: Record<string, string> = {
  "16.2.15": "618f440892089921c3e944a991122ddc44e60516",
};

/** `ceph version 16.2.15 (<sha>) pacific (stable)`. */
export function cephVersionString(version: string): string {
  const sha = _SHA[version] ??
    Array.from(
      { length: 5 },
      (_, i) =>
        crushHash3(i, version.length, version.charCodeAt(i % version.length) ?? 0).toString(16)
          .padStart(8, "0"),
    ).join("");
  const release = version.startsWith("17.") ? "quincy" : "pacific";
  return `ceph version ${version} (${sha}) ${release} (stable)`;
}

function _common(hostname: string, version: string): Record<string, string> {
  return {
    hostname,
    arch: "x86_64",
    ceph_release: version.startsWith("17.") ? "quincy" : "pacific",
    ceph_version: cephVersionString(version),
    ceph_version_short: version,
    container_name: "",
    cpu: "Intel(R) Xeon(R) Silver 4214 CPU @ 2.20GHz",
    distro: "debian",
    distro_description: "Debian GNU/Linux 12 (bookworm)",
    distro_version: "12",
    kernel_description: "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1",
    kernel_version: "6.1.0-18-amd64",
    mem_swap_kb: "0",
    mem_total_kb: "131899284",
    os: "Linux",
  };
}

function _addr(ip: string, port: number, nonce: number): string {
  return `[v2:${ip}:${port}/${nonce},v1:${ip}:${port + 1}/${nonce}]`;
}

/** The device id of OSD `id`'s data disk. */
export function osdDeviceId(id: number): string {
  return `SEAGATE_ST4000NM0035_ZC1${String(id).padStart(5, "0")}`;
}

/** Daemons of the manager's world other than OSDs and mons. */
export interface DaemonNames {
  mgrs: readonly string[];
  mds: readonly string[];
}

/**
 * Metadata and the gaps in it.
 *
 * @example
 * ```ts
 * import { Rng } from "../engine/prng.ts";
 * import { Scheduler } from "../engine/scheduler.ts";
 * import { SimCluster } from "./cluster.ts";
 * const s = new Scheduler({ rng: new Rng(1) });
 * const c = new SimCluster(s, { hosts: 3, osdsPerHost: 1, pools: [{ name: "p", pgNum: 8 }] });
 * c.daemons.dropMetadata("osd.1");
 * if (c.daemons.metadata("osd.1") !== null) throw new Error("a gap");
 * if (c.daemons.metadata("osd.0")?.hostname !== "host1") throw new Error();
 * ```
 */
export class DaemonRegistry {
  readonly #map: OsdMap;
  readonly #mons: () => MonCluster | undefined;
  readonly names: DaemonNames;
  /** Changes whenever some daemon's metadata changes (gaps, orphans, upgrades). */
  version = 0;
  /** Daemons whose metadata the manager has not received. */
  readonly missing = new Set<string>();
  /** OSD ids with metadata although the OSD is not in the map. */
  readonly orphans = new Set<number>();
  /** Version each daemon runs, when it differs from {@linkcode CEPH_VERSION}. */
  readonly running = new Map<string, string>();
  /** Version each daemon's metadata names, when it differs from what it runs (stale). */
  readonly reported = new Map<string, string>();

  /** Where each manager and MDS bound (`mgr.x`, `mds.a`): its host's next ports, its pid. */
  readonly #bound = new Map<string, { ip: string; port: number; nonce: number }>();

  constructor(map: OsdMap, mons: () => MonCluster | undefined, names: DaemonNames) {
    this.#map = map;
    this.#mons = mons;
    this.names = names;
    // They start after the cluster's first OSDs (as tools/dev-cluster.sh starts them): the
    // ports after the OSDs' on their host, the next pids. An MDS's nonce is random, not its pid.
    const bind = (name: string, i: number, nonce: number) => {
      const host = this.#map.crush.bucketId(this.#hostName(i));
      const port = host === undefined ? 6800 : this.#map.allocPorts(host, 2);
      const ip = host === undefined ? "127.0.0.1" : hostIp(this.#map.crush, host);
      this.#bound.set(name, { ip, port, nonce });
    };
    names.mgrs.forEach((m, i) => bind(`mgr.${m}`, i, this.#map.nextPid()));
    names.mds.forEach((m, i) => bind(`mds.${m}`, i, crushHash3(i, 0x6d6473, m.length) >>> 0));
  }

  /** Where manager or MDS `name` (`mgr.x`, `mds.a`) listens: v2, then v1 on the next port. */
  boundAddrs(name: string): EntityAddr[] | undefined {
    const b = this.#bound.get(name);
    if (b === undefined) return undefined;
    return [
      { type: "v2", addr: `${b.ip}:${b.port}`, nonce: b.nonce },
      { type: "v1", addr: `${b.ip}:${b.port + 1}`, nonce: b.nonce },
    ];
  }

  /** Every daemon name that exists in the model (`osd.0`, `mon.a`, `mgr.x`, `mds.a`). */
  daemonNames(): string[] {
    const out: string[] = [];
    for (let id = 0; id < this.#map.maxOsd; id++) if (this.#map.has(id)) out.push(`osd.${id}`);
    for (const m of this.#mons()?.names ?? []) out.push(`mon.${m}`);
    for (const m of this.names.mgrs) out.push(`mgr.${m}`);
    for (const m of this.names.mds) out.push(`mds.${m}`);
    return out;
  }

  /** Whether `name` (`osd.0`, `mon.a`, ...) is a daemon of the model, without listing them all. */
  has(name: string): boolean {
    const dot = name.indexOf(".");
    const type = name.slice(0, dot), id = name.slice(dot + 1);
    switch (type) {
      case "osd":
        return /^(0|[1-9]\d*)$/.test(id) && this.#map.has(Number(id));
      case "mon":
        return this.#mons()?.names.includes(id) ?? false;
      case "mgr":
        return this.names.mgrs.includes(id);
      case "mds":
        return this.names.mds.includes(id);
    }
    return false;
  }

  /** The metadata gap: the manager has none for `name`. */
  dropMetadata(name: string): void {
    this.missing.add(name);
    this.version++;
  }

  /** The daemon sends its metadata again (heals a gap and stale versions). */
  refreshMetadata(name: string): void {
    this.missing.delete(name);
    this.reported.delete(name);
    this.version++;
  }

  /** Metadata appears for `osd.<id>` although the map has no such OSD. */
  addOrphan(id: number): void {
    this.orphans.add(id);
    this.version++;
  }

  /** The orphan's metadata is removed. */
  removeOrphan(id: number): void {
    this.orphans.delete(id);
    this.version++;
  }

  /**
   * Daemons restart on `version`; their metadata keeps naming the old one until
   * {@linkcode refreshMetadata}.
   */
  upgrade(names: readonly string[], version: string): void {
    this.version++;
    for (const n of names) {
      const old = this.versionOf(n);
      if (!this.reported.has(n)) this.reported.set(n, old);
      if (version === CEPH_VERSION) this.running.delete(n);
      else this.running.set(n, version);
      if (this.reported.get(n) === version) this.reported.delete(n);
    }
  }

  /** The version daemon `name` runs. */
  versionOf(name: string): string {
    return this.running.get(name) ?? CEPH_VERSION;
  }

  /**
   * Where simulated manager `name` listens (v2 then v1, its messenger's nonce), as its
   * beacons tell the mon; undefined for a name the model has no manager of.
   */
  mgrAddrs(name: string): EntityAddr[] | undefined {
    return this.names.mgrs.includes(name) ? this.boundAddrs(`mgr.${name}`) : undefined;
  }

  /** The metadata the manager has for `name` (`osd.3`, `mon.a`, ...), or null. */
  metadata(name: string): Record<string, string> | null {
    if (this.missing.has(name)) return null;
    const dot = name.indexOf(".");
    const type = name.slice(0, dot), id = name.slice(dot + 1);
    const version = this.reported.get(name) ?? this.versionOf(name);
    if (type === "osd") {
      const n = Number(id);
      if (!Number.isInteger(n) || n < 0) return null;
      if (this.#map.has(n)) return this.#osd(n, version);
      return this.orphans.has(n) ? this.#orphan(n, version) : null;
    }
    if (type === "mon") {
      const mons = this.#mons();
      const rank = mons?.names.indexOf(id) ?? -1;
      // A mon sends its metadata once it runs: none for one added but never started.
      if (!mons || rank < 0 || !mons.started(id)) return null;
      return {
        ..._common(mons.hosts[rank] as string, version),
        addrs: monAddrText(mons.addrs[rank] ?? []),
        compression_algorithms: "none, snappy, zlib, zstd, lz4",
        device_ids: "",
        device_paths: "",
        devices: "vda",
      };
    }
    if (type === "mgr" || type === "mds") {
      const list = type === "mgr" ? this.names.mgrs : this.names.mds;
      const i = list.indexOf(id);
      if (i < 0) return null;
      const host = this.#hostName(i);
      const b = this.#bound.get(name)!;
      const common = _common(host, version);
      // A manager's metadata names its client address (port 0), an MDS's its addrvec.
      return type === "mgr"
        ? { ...common, addr: b.ip, addrs: `${b.ip}:0/${b.nonce}` }
        : { ...common, addr: _addr(b.ip, b.port, b.nonce) };
    }
    return null;
  }

  /** `get("osd_metadata")`: metadata by OSD id (as a string), orphans included. */
  osdMetadata(): Record<string, Record<string, string>> {
    const out: Record<string, Record<string, string>> = {};
    const ids = new Set<number>(this.orphans);
    for (let id = 0; id < this.#map.maxOsd; id++) if (this.#map.has(id)) ids.add(id);
    for (const id of [...ids].sort((a, b) => a - b)) {
      const m = this.metadata(`osd.${id}`);
      if (m) out[String(id)] = m;
    }
    return out;
  }

  #hostName(i: number): string {
    const hosts = this.#map.crush.buckets.filter((b) => b.typeId === 1);
    return hosts[i % Math.max(1, hosts.length)]?.name ?? "localhost";
  }

  #osd(id: number, version: string): Record<string, string> {
    const map = this.#map;
    const dev = map.crush.devices[id];
    const hostId = dev?.parent ?? map.crush.rootId;
    const host = map.crush.bucket(hostId);
    const local = Math.max(0, host.items.filter((x) => x >= 0).indexOf(id));
    const ip = hostIp(map.crush, hostId);
    const port = map.port[id] as number;
    const nonce = map.nonce[id] as number;
    const created = this.reported.has(`osd.${id}`) ? version : CEPH_VERSION;
    return {
      ..._common(host.name, version),
      back_addr: _addr(ip, port + 2, nonce),
      back_iface: "eth1",
      bluestore_bdev_dev_node: `/dev/sd${String.fromCharCode(98 + local % 24)}`,
      ceph_version_when_created: cephVersionString(created),
      created_at: cephStamp(map.createdAt[id] as number).replace("+0000", "Z"),
      default_device_class: dev?.deviceClass ?? "hdd",
      device_ids: `sd${String.fromCharCode(98 + local % 24)}=${osdDeviceId(id)}`,
      device_paths: `sd${
        String.fromCharCode(98 + local % 24)
      }=/dev/disk/by-path/pci-0000:00:1f.2-ata-${local + 2}`,
      devices: `sd${String.fromCharCode(98 + local % 24)}`,
      front_addr: _addr(ip, port, nonce),
      front_iface: "eth0",
      hb_back_addr: _addr(ip, port + 6, nonce),
      hb_front_addr: _addr(ip, port + 4, nonce),
      journal_rotational: "1",
      network_numa_unknown_ifaces: "back_iface,front_iface",
      osd_data: `/var/lib/ceph/osd/ceph-${id}`,
      osd_objectstore: "bluestore",
      osdspec_affinity: "",
      rotational: "1",
    };
  }

  #orphan(id: number, version: string): Record<string, string> {
    // A destroyed OSD whose metadata lingered: the shape of a live one on a vanished host.
    const ip = "127.255.255.254";
    const nonce = 7000 + id;
    return {
      ..._common("decommissioned", version),
      back_addr: _addr(ip, 6802, nonce),
      back_iface: "eth1",
      ceph_version_when_created: cephVersionString(CEPH_VERSION),
      created_at: cephStamp(this.#map.created).replace("+0000", "Z"),
      default_device_class: "hdd",
      device_ids: "",
      device_paths: "",
      devices: "",
      front_addr: _addr(ip, 6800, nonce),
      front_iface: "eth0",
      hb_back_addr: _addr(ip, 6806, nonce),
      hb_front_addr: _addr(ip, 6804, nonce),
      journal_rotational: "1",
      network_numa_unknown_ifaces: "back_iface,front_iface",
      osd_data: `/var/lib/ceph/osd/ceph-${id}`,
      osd_objectstore: "bluestore",
      osdspec_affinity: "",
      rotational: "1",
    };
  }
}

/** `get_daemon_status(type, id)`: `{}` for a daemon that exists (no service status), else null. */
export function dumpDaemonStatus(registry: DaemonRegistry, name: string): Json {
  return registry.has(name) ? {} : null;
}

/**
 * `get("devices")`: one data disk per OSD with metadata, and each mon's disk.
 */
export function dumpDevices(registry: DaemonRegistry, map: OsdMap): Json {
  const devices: Json[] = [];
  for (let id = 0; id < map.maxOsd; id++) {
    const m = map.has(id) ? registry.metadata(`osd.${id}`) : null;
    if (!m) continue;
    devices.push({
      devid: osdDeviceId(id),
      location: [{
        host: m.hostname as string,
        dev: m.devices as string,
        path: (m.device_paths as string).split("=")[1] as string,
      }],
      daemons: [`osd.${id}`],
    });
  }
  return { devices };
}

/** PG peers per OSD: the OSDs sharing an acting set with it (at most `max`, sorted). */
export function heartbeatPeers(pgs: PgTable, map: OsdMap, max = 10): number[][] {
  const peers: Set<number>[] = Array.from({ length: map.maxOsd }, () => new Set<number>());
  for (let p = 0; p < pgs.count; p++) {
    const base = p * pgs.stride;
    const n = pgs.actingN[p] as number;
    for (let i = 0; i < n; i++) {
      const o = pgs.acting[base + i] as number;
      const set = peers[o] as Set<number>;
      for (let j = 0; j < n && set.size < max; j++) {
        const q = pgs.acting[base + j] as number;
        if (q !== o) set.add(q);
      }
    }
  }
  return peers.map((s) => [...s].sort((a, b) => a - b));
}

function _ms(osd: number, peer: number, k: number, scale: number): number {
  return Math.round((0.3 + (crushHash3(osd, peer, k) % 1000) / 1000 * 0.6) * scale * 1000) / 1000;
}

/**
 * `get("osd_ping_times")`: heartbeat round trips from each up OSD to its peers, back and
 * front interfaces, as 1/5/15-minute average, min and max and the last value (ms). An OSD's
 * `pingFactor` (a slow network) scales its numbers.
 */
export function dumpOsdPingTimes(
  pgs: PgTable,
  map: OsdMap,
  now: number,
  pingFactor?: Float64Array,
): Json {
  const peers = heartbeatPeers(pgs, map);
  const out: Json[] = [];
  const minute = Math.floor(now / 60);
  for (let id = map.maxOsd - 1; id >= 0; id--) {
    if (!map.isUp(id)) continue;
    const f = pingFactor?.[id] ?? 1;
    const entries: Json[] = [];
    for (const peer of peers[id] ?? []) {
      if (!map.isUp(peer)) continue;
      const iface = (name: string, k: number) => {
        const avg = (w: number) => _ms(id, peer, minute * 16 + k + w, f);
        return {
          interface: name,
          average: { "1min": avg(1), "5min": avg(2), "15min": avg(3) },
          min: { "1min": avg(4) / 2, "5min": avg(5) / 2, "15min": avg(6) / 2 },
          max: { "1min": avg(7) * 2, "5min": avg(8) * 2, "15min": avg(9) * 2 },
          last: avg(10),
        };
      };
      entries.push({
        osd: peer,
        "last update": ctimeText(now),
        interfaces: [iface("back", 0), iface("front", 100)],
      });
    }
    out.push({ osd: id, network_ping_times: entries });
  }
  return { osd_ping_times: out };
}
