/**
 * What `get(name)` answers (spec §10): the cluster state's views, each a frozen snapshot per
 * version, and the names the manager answers from what it holds itself (`mgr_map`, `mgr_ips`,
 * `health`, `config`, `pg_ready`, `have_local_config_map`, `device <devid>`), and `devices`
 * with the manager's device metadata on top of what the daemons report.
 *
 * @module
 */
import type { ClusterState, DaemonConfigReport } from "./cluster_link.ts";
import type { HealthReport } from "./health.ts";
import type { ModuleLogger } from "./logging.ts";
import { ALL_CEPH_OPTIONS, cephOptionNames } from "../ceph/options.ts";
import { cephOptionHelp, type OptionHelp } from "../ceph/option_help.ts";
import type { MgrMap } from "../ceph/mgr_map.ts";
import { SnapshotCache } from "./state/snapshot_cache.ts";
import type { DeviceMetadata } from "./device_metadata.ts";

/**
 * The views of the cluster state, one per name it offers, except `health`: the manager's own
 * merged report answers that.
 */
export function clusterStateViews(state: ClusterState | undefined): SnapshotCache {
  const views = new SnapshotCache();
  for (const name of state?.names ?? []) {
    if (name === "health") continue;
    views.register({ name, version: () => state!.version(name), compute: () => state!.get(name) });
  }
  return views;
}

/**
 * `get('config')`: the value of every daemon option this manager runs with, as text (Ceph's
 * `md_config_t` of the mgr): the config DB's where it sets one, else the daemon default; with
 * the daemon's `name` and `cluster` first, as a real 16.2 manager answers (1,810 keys).
 */
export function effectiveConfig(
  daemon: string,
  running: Map<string, string>,
): Record<string, string> {
  const out: Record<string, string> = { name: daemon, cluster: "ceph" };
  for (const def of ALL_CEPH_OPTIONS) {
    out[def.name] = running.get(def.name) ?? def.daemonDefault ?? def.default;
  }
  return Object.freeze(out);
}

let _configOptions: { options: readonly OptionHelp[] } | undefined;

/**
 * `get('config_options')`: the schema of every daemon option (md_config_t::config_options,
 * by name), each as `config help <name> -f json` gives it.
 */
function configOptions(): { options: readonly OptionHelp[] } {
  return _configOptions ??= Object.freeze({
    options: Object.freeze(
      cephOptionNames().flatMap((n) => {
        const help = cephOptionHelp(n);
        return help ? [help] : [];
      }),
    ),
  });
}

/**
 * `get('modified_config_options')`: every option name some daemon's running configuration
 * sets above its compiled-in default (DaemonState's config), this manager's included, sorted.
 */
function modifiedConfigOptions(s: GetSources): { options: string[] } {
  const names = new Set(s.runningConfig().keys());
  for (const daemon of s.daemonNames()) {
    for (const o of s.daemonConfig(daemon)?.config ?? []) names.add(o.name);
  }
  return { options: [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) };
}

/** What `get()` answers from, besides the views. */
export interface GetSources {
  /** The cluster state's views ({@link clusterStateViews}). */
  views: SnapshotCache;
  /** Whether the PGMap is ready (every up OSD has reported to the active manager). */
  pgReady(): boolean;
  mgrMap(): MgrMap;
  /** This daemon's address, from its metadata. */
  addr: string | undefined;
  health(): HealthReport;
  runningConfig(): Map<string, string>;
  /** This daemon's name, `mgr.<id>` (`get('config')`'s `name`). */
  daemon: string;
  /** Where a view that fails to compute is reported. */
  log: ModuleLogger;
  /** The manager's device metadata, which `devices` and `device <devid>` show. */
  deviceMetadata?: DeviceMetadata;
  /** The cluster's daemons with metadata (`osd.0`, `mds.a`, ...). */
  daemonNames(): string[];
  /** `{"<id>": metadata}` of every daemon of `type` (the daemon index's). */
  metadataByType(type: string): Record<string, unknown>;
  /** The running configuration a daemon reported, or null. */
  daemonConfig(daemon: string): DaemonConfigReport | null;
}

/** The names {@linkcode GetNames} answers itself, not from a view. */
const SPECIAL_NAMES: ReadonlySet<string> = new Set([
  "mgr_map",
  "mgr_ips",
  "health",
  "config",
  "pg_ready",
  "have_local_config_map",
  "config_options",
  "modified_config_options",
  "mds_metadata",
]);

/** Answers `get(name)`: frozen, shared snapshots; `mutable` gives a private copy. */
export class GetNames {
  constructor(readonly sources: GetSources) {}

  /**
   * A number that changes whenever `get(name)` would answer another object, for the names
   * answered from a versioned view; undefined for the names built afresh on each call (a
   * reader must ask again each time).
   */
  version(name: string): number | string | undefined {
    if (SPECIAL_NAMES.has(name) || name.startsWith("device ")) return undefined;
    const base = this.sources.views.version(name);
    if (name === "devices" && this.sources.deviceMetadata) {
      return base === undefined ? undefined : `${base}:${this.sources.deviceMetadata.version}`;
    }
    return base;
  }

  get(name: string, mutable = false): unknown {
    const s = this.sources;
    switch (name) {
      case "mgr_map": {
        const mgrMap = s.mgrMap();
        return mutable ? structuredClone(mgrMap) : mgrMap;
      }
      case "mgr_ips":
        return { ips: [s.addr ?? "127.0.0.1"] };
      case "health":
        return { json: JSON.stringify(s.health()) };
      case "config":
        return effectiveConfig(s.daemon, s.runningConfig());
      case "pg_ready":
        return { pg_ready: s.pgReady() };
      case "have_local_config_map":
        return { have_local_config_map: true };
      case "config_options":
        return configOptions();
      case "modified_config_options":
        return modifiedConfigOptions(s);
      case "mds_metadata":
        return s.metadataByType("mds");
    }
    if (name === "devices" && s.deviceMetadata) {
      const base = s.views.get("devices") as { devices?: { devid: string }[] } | null;
      const devices = base && s.deviceMetadata.overlay(base);
      return mutable ? structuredClone(devices) : devices;
    }
    if (name.startsWith("device ")) {
      const devid = name.slice("device ".length);
      const devices = this.get("devices") as { devices?: { devid: string }[] } | null;
      const device = devices?.devices?.find((d) => d.devid === devid);
      return device ? { device: mutable ? structuredClone(device) : device } : {};
    }
    try {
      return mutable ? s.views.mutable(name) : s.views.get(name);
    } catch (e) {
      s.log.error(`get('${name}') failed: ${(e as Error).stack}`);
      return null;
    }
  }
}
