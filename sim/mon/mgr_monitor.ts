/**
 * MgrMonitor: the MgrMap. It folds the managers' beacons into it (who is active, the standbys,
 * each one's modules, services and metadata), fails a manager whose beacons stop
 * (`mon_mgr_beacon_grace`) and promotes a standby, and answers the `mgr ...` commands; the
 * MgrMap is committed to the {@link MonStore} and pushed to every session. It also holds the
 * active manager's health checks from its beacon (MgrStatMonitor in Ceph) and the module
 * options the MgrMap declares. Messages, return codes and output formats are those of Ceph
 * 16.2's src/mon/MgrMonitor.cc.
 *
 * @module
 */
import type {
  ClusterUpdate,
  CommandSignature,
  MgrBeacon,
  MonCommandResult,
} from "../../core/cluster_link.ts";
import type { HealthCheck } from "../../core/health.ts";
import { EINVAL, ENOENT } from "../../ceph/errno.ts";
import { formatJson } from "../../ceph/format.ts";
import {
  type EntityAddr,
  type MgrMap,
  type ModuleInfo,
  type ModuleOptionInfo,
  RELEASE_NAME,
  type StandbyInfo,
} from "../../ceph/mgr_map.ts";
import { stampSeconds, timespanText, utimeText } from "../../ceph/time.ts";
import type { ClogPriority } from "./log_monitor.ts";
import { moduleOption, type MonOption } from "./mon_options.ts";
import { compareBytes, type MonStore } from "./mon_store.ts";
import { err, formatterFor, isForce, type Monitor, ok, str } from "./monitor.ts";

// deno-fmt-ignore
const MGR_COMMANDS: readonly CommandSignature[] = [
  { sig: "mgr dump name=epoch,type=CephInt,range=0,req=false", help: "dump the latest MgrMap", perm: "r" },
  { sig: "mgr module ls", help: "list active mgr modules", perm: "r" },
  { sig: "mgr services", help: "list service endpoints provided by mgr modules", perm: "r" },
  { sig: "mgr module enable name=module,type=CephString name=force,type=CephChoices,strings=--force,req=false", help: "enable mgr module", perm: "rw" },
  { sig: "mgr module disable name=module,type=CephString", help: "disable mgr module", perm: "rw" },
  { sig: "mgr metadata name=who,type=CephString,req=false", help: "dump metadata for all daemons or a specific daemon", perm: "r" },
  { sig: "mgr count-metadata name=property,type=CephString", help: "count ceph-mgr daemons by metadata field property", perm: "r" },
  { sig: "mgr versions", help: "check running versions of ceph-mgr daemons", perm: "r" },
  { sig: "mgr fail name=who,type=CephString,req=false", help: "treat the named manager daemon as failed", perm: "rw" },
  { sig: "mgr stat", help: "dump basic info about the mgr cluster state", perm: "r" },
];

/** A beacon, optionally with the daemon's addresses. */
export type MonBeacon = MgrBeacon & { addrs?: EntityAddr[]; mgr_features?: number };

/**
 * The always-on modules the mon lists for the releases before this one, as Ceph 16.2's mon
 * has them compiled in (src/mon/MgrMonitor.cc's `always_on_modules`); this release's are
 * the daemon's own.
 */
const OLDER_ALWAYS_ON: Readonly<Record<string, readonly string[]>> = {
  nautilus: [
    "balancer",
    "crash",
    "devicehealth",
    "orchestrator_cli",
    "progress",
    "rbd_support",
    "status",
    "volumes",
  ],
  octopus: [
    "balancer",
    "crash",
    "devicehealth",
    "orchestrator",
    "pg_autoscaler",
    "progress",
    "rbd_support",
    "status",
    "telemetry",
    "volumes",
  ],
};

/** `always_on_modules` of a MgrMap: the older releases', then this one's. */
function alwaysOnModules(current: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [release, list] of Object.entries(OLDER_ALWAYS_ON)) out[release] = [...list];
  out[RELEASE_NAME] = current;
  return out;
}

/** What MgrMonitor needs of its mon. */
export interface MgrMonitorOptions {
  /** The modules this release always runs (stored as `always_on_modules["pacific"]`). */
  alwaysOnModules: readonly string[];
  /** Modules enabled in a brand-new MgrMap (Ceph's `mgr_initial_modules`). */
  initialModules: readonly string[];
  /** Seconds since the epoch (MgrMap `active_change`, beacon grace). */
  now: () => number;
  /** The unmasked config DB value of `name` for `section` (ConfigMonitor's). */
  configValue(section: string, name: string): string | undefined;
  /** Writes to the cluster log as the mon (LogMonitor's). */
  clog(priority: ClogPriority, message: string): void;
  /** Tells the mon's sessions of a new MgrMap. */
  emit: (u: ClusterUpdate) => void;
  /** Whether the cluster has OSDs (a new cluster without any never warns MGR_DOWN). */
  hasOsds?: () => boolean;
}

/** Drops the active manager from a pending MgrMap (MgrMonitor::drop_active). */
function dropActiveOf(next: MgrMap, now: number): void {
  next.active_gid = 0;
  next.active_name = "";
  next.active_change = utimeText(now);
  next.active_mgr_features = 0;
  next.available = false;
  next.active_addrs = { addrvec: [] };
  next.active_addr = ":/0";
  next.services = {};
}

/**
 * Makes the first standby active (MgrMonitor::promote_standby); it is not available yet.
 * Returns the promoted daemon's name.
 */
function promoteStandby(next: MgrMap, now: number): string | undefined {
  const standby = next.standbys.shift();
  if (!standby) return undefined;
  next.active_gid = standby.gid;
  next.active_name = standby.name;
  next.active_change = utimeText(now);
  next.available = false;
  next.available_modules = standby.available_modules;
  return standby.name;
}

/** MgrMap::print_summary, as `mgrmap eN: ...` and `ceph -s` show it. */
export function mgrMapSummary(map: MgrMap, now: number): string {
  const since = timespanText(now - stampSeconds(map.active_change));
  const head = map.active_name
    ? `${map.active_name}(active, ${map.available ? "" : "starting, "}since ${since})`
    : `no daemons active (since ${since})`;
  const standbys = map.standbys.map((s) => s.name);
  return standbys.length > 0 ? `${head}, standbys: ${standbys.join(", ")}` : head;
}

function canonicalOption(o: ModuleOptionInfo): ModuleOptionInfo {
  return {
    name: o.name,
    type: o.type,
    level: o.level,
    flags: o.flags,
    default_value: o.default_value,
    min: o.min,
    max: o.max,
    enum_allowed: [...new Set(o.enum_allowed)].sort(compareBytes),
    desc: o.desc,
    long_desc: o.long_desc,
    tags: [...o.tags],
    see_also: [...o.see_also],
  };
}

/** A ModuleInfo in MgrMap::ModuleInfo's key order, options sorted by name. */
function canonicalModule(m: ModuleInfo): ModuleInfo {
  const opts: Record<string, ModuleOptionInfo> = {};
  for (const k of Object.keys(m.module_options).sort(compareBytes)) {
    opts[k] = canonicalOption(m.module_options[k]!);
  }
  return {
    name: m.name,
    can_run: m.can_run,
    error_string: m.error_string,
    module_options: opts,
  };
}

/** Ids of the `available_modules` arrays beacons carried (a manager reuses its array). */
const moduleListIds = new WeakMap<object, number>();
let nextModuleListId = 0;

/**
 * What of a beacon the MgrMap holds, as a string: two beacons with the same fingerprint fold
 * into the same map. The module list counts by identity (a manager sends the same array while
 * its modules do not change), so it is not serialized every beacon.
 */
function beaconFingerprint(b: MonBeacon): string {
  let id = moduleListIds.get(b.available_modules);
  if (id === undefined) moduleListIds.set(b.available_modules, id = ++nextModuleListId);
  return JSON.stringify([
    b.name,
    b.available,
    id,
    b.services ?? {},
    b.mgr_features ?? null,
    b.addrs ?? null,
  ]);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The embedded mon's MgrMonitor. */
export class MgrMonitor implements Monitor {
  readonly commands = MGR_COMMANDS;
  readonly #store: MonStore;
  readonly #opts: MgrMonitorOptions;
  /** When each manager (by gid) last sent a beacon. */
  #lastBeacon = new Map<number, number>();
  /** Managers whose session is cut off from the mon side: their grace does not run. */
  #graceHeld = new Set<number>();
  /** Manager daemons' metadata by name, as their beacons carried it. */
  #mgrMetadata = new Map<string, Record<string, string>>();
  /** The active manager's own health checks, from its last beacon. */
  #mgrHealth: Record<string, HealthCheck> = {};
  /** Per gid, what its last beacon folded in held (beaconFingerprint) and the epoch after. */
  readonly #lastFold = new Map<number, { fingerprint: string; epoch: number }>();
  /** The active manager's last PGMap digest and progress events (MgrStatMonitor's). */
  #mgrDigest: Pick<MgrBeacon, "pg_digest" | "progress_events"> = {};
  #moduleOptions = new Map<string, MonOption>();
  #map!: MgrMap;
  /** When this mon started (`mon_mgr_mkfs_grace` runs from there). */
  readonly #started: number;
  /** Whether a manager was ever active (this mon, or the stored MgrMap, saw one). */
  #everActive = false;
  /** Since when no manager is active (for `mon_mgr_inactive_grace`), or undefined. */
  #inactiveSince: number | undefined;

  constructor(store: MonStore, options: MgrMonitorOptions) {
    this.#store = store;
    this.#opts = options;
    this.#started = options.now();
    const alwaysOn = [...new Set(options.alwaysOnModules)].sort(compareBytes);
    const stored = store.mgrMap();
    if (stored === null) {
      this.#commitMap({
        epoch: 1,
        active_gid: 0,
        active_name: "",
        active_addrs: { addrvec: [] },
        active_addr: ":/0",
        active_change: "0.000000",
        active_mgr_features: 0,
        available: false,
        standbys: [],
        modules: [...new Set(options.initialModules)].sort(compareBytes),
        available_modules: [],
        services: {},
        always_on_modules: alwaysOnModules(alwaysOn),
        last_failure_osd_epoch: 0,
        active_clients: [],
      }, false);
    } else {
      this.#setMap(stored);
      if (!sameJson(stored.always_on_modules, alwaysOnModules(alwaysOn))) {
        const next = this.#pending();
        next.always_on_modules = alwaysOnModules(alwaysOn);
        this.#commitMap(next, false);
      }
    }
  }

  handle(prefix: string, cmd: Record<string, unknown>): MonCommandResult {
    switch (prefix) {
      case "mgr module enable":
        return this.#moduleEnable(cmd);
      case "mgr module disable":
        return this.#moduleDisable(cmd);
      case "mgr module ls":
        return this.#moduleLs(cmd);
      case "mgr services": {
        return ok(formatJson(this.#map.services, formatterFor(cmd) ?? "json-pretty"));
      }
      case "mgr stat": {
        const m = this.#map;
        return ok(formatJson({
          epoch: m.epoch,
          available: m.available,
          active_name: m.active_name,
          num_standby: m.standbys.length,
        }, formatterFor(cmd) ?? "json-pretty"));
      }
      case "mgr dump":
        return this.#mgrDump(cmd);
      case "mgr metadata":
        return this.#mgrMetadataCommand(cmd);
      case "mgr fail":
        return this.#mgrFail(cmd);
      case "mgr versions":
        return ok(
          formatJson(this.#countMgrMetadata("ceph_version"), formatterFor(cmd) ?? "json-pretty"),
        );
      default: // mgr count-metadata
        return ok(formatJson(
          this.#countMgrMetadata(str(cmd.property) ?? ""),
          formatterFor(cmd) ?? "json-pretty",
        ));
    }
  }

  /** The current MgrMap (a copy). */
  mgrMap(): MgrMap {
    return structuredClone(this.#map);
  }

  /** The active manager's PGMap digest and progress events, as it last reported them. */
  mgrDigest(): Pick<MgrBeacon, "pg_digest" | "progress_events"> {
    return this.#mgrDigest;
  }

  /** The active manager's checks, as its last beacon reported them (MgrStatMonitor). */
  mgrHealthChecks(): Record<string, HealthCheck> {
    return this.#mgrHealth;
  }

  /**
   * MgrMonitor's own check: `MGR_DOWN` "no active mgr" while the MgrMap has no active manager,
   * on a cluster with OSDs that had one or is older than `mon_mgr_mkfs_grace`; HEALTH_ERR
   * once none was active for `mon_mgr_inactive_grace` (should_warn_about_mgr_down).
   */
  healthChecks(): Record<string, HealthCheck> {
    if (this.#map.active_gid !== 0 || !(this.#opts.hasOsds?.() ?? false)) return {};
    const now = this.#opts.now();
    const mkfsGrace = Number(this.#opts.configValue("mon", "mon_mgr_mkfs_grace") ?? 120);
    if (!this.#everActive && now <= this.#started + mkfsGrace) return {};
    const inactiveGrace = Number(this.#opts.configValue("mon", "mon_mgr_inactive_grace") ?? 60);
    const since = this.#inactiveSince ?? now;
    return {
      MGR_DOWN: {
        severity: now - since > inactiveGrace ? "HEALTH_ERR" : "HEALTH_WARN",
        summary: { message: "no active mgr", count: 0 },
        detail: [],
        muted: false,
      },
    };
  }

  /** Ceph's `MgrMonitor::find_module_option`: strips a localized `<id>` segment. */
  findModuleOption(name: string): MonOption | undefined {
    if (!name.startsWith("mgr/")) return undefined;
    const second = name.indexOf("/", 5);
    if (second < 0) return undefined;
    const third = name.indexOf("/", second + 1);
    const real = third >= 0 ? name.slice(0, second) + name.slice(third) : name;
    return this.#moduleOptions.get(real);
  }

  /** Every option the MgrMap's modules declare (`mgr/<module>/<opt>`), sorted. */
  moduleOptionNames(): string[] {
    return [...this.#moduleOptions.keys()].sort(compareBytes);
  }

  /**
   * Holds (or releases) a manager's beacon grace while its session to the mon is down; on
   * release the grace starts afresh.
   */
  holdBeaconGrace(gid: number, held: boolean): void {
    if (held) this.#graceHeld.add(gid);
    else {
      this.#graceHeld.delete(gid);
      this.#lastBeacon.set(gid, this.#opts.now());
    }
  }

  /**
   * Folds a manager's beacon into the MgrMap (Ceph's `MgrMonitor::prepare_beacon`): the first
   * daemon (or the current active gid) is active, others are standbys; a daemon that comes back
   * under the same name with a new gid replaces its old entry. A new epoch is committed only
   * when something changed. Returns whether it did.
   */
  beacon(b: MonBeacon): boolean {
    if (b.metadata) this.#mgrMetadata.set(b.name, { ...b.metadata });
    this.#lastBeacon.set(b.gid, this.#opts.now());
    // Most beacons repeat the last one of their daemon into an unchanged map: they change
    // nothing but the active one's report, and the map is not copied and compared again.
    const fingerprint = beaconFingerprint(b);
    const last = this.#lastFold.get(b.gid);
    if (last && last.fingerprint === fingerprint && last.epoch === this.#map.epoch) {
      if (this.#map.active_gid === b.gid) this.#takeReport(b);
      return false;
    }
    const next = this.#pending();
    const modules = b.available_modules.map(canonicalModule);
    const services: Record<string, string> = {};
    for (const k of Object.keys(b.services ?? {}).sort(compareBytes)) services[k] = b.services![k]!;
    const now = this.#opts.now();
    // The same name under a new gid: the daemon restarted (respawned, or a new process).
    if (b.name === next.active_name && b.gid !== next.active_gid) {
      this.#opts.clog("[INF]", `Active manager daemon ${b.name} restarted`);
      dropActiveOf(next, now);
      this.#mgrHealth = {};
    }
    const restarted = next.standbys.findIndex((s) => s.name === b.name && s.gid !== b.gid);
    if (restarted >= 0) {
      this.#opts.clog("[DBG]", `Standby manager daemon ${b.name} restarted`);
      next.standbys.splice(restarted, 1);
    }
    if (next.active_gid === 0) {
      next.standbys = next.standbys.filter((s) => s.gid !== b.gid);
      next.active_gid = b.gid;
      next.active_name = b.name;
      next.active_change = utimeText(now);
      this.#opts.clog("[INF]", `Activating manager daemon ${b.name}`);
    }
    if (next.active_gid === b.gid) {
      if (b.available && !next.available) {
        this.#opts.clog("[INF]", `Manager daemon ${b.name} is now available`);
      }
      this.#takeReport(b);
      next.available = b.available;
      next.available_modules = modules;
      next.services = services;
      next.active_mgr_features = b.mgr_features ?? next.active_mgr_features;
      if (b.addrs) {
        next.active_addrs = { addrvec: b.addrs.map((a) => ({ ...a })) };
        const legacy = b.addrs.find((a) => a.type === "v1") ?? b.addrs[0];
        next.active_addr = legacy ? `${legacy.addr}/${legacy.nonce}` : ":/0";
      }
    } else {
      const standby: StandbyInfo = { gid: b.gid, name: b.name, available_modules: modules };
      const i = next.standbys.findIndex((s) => s.gid === b.gid);
      if (i >= 0) next.standbys[i] = standby;
      else {
        this.#opts.clog("[DBG]", `Standby manager daemon ${b.name} started`);
        next.standbys.push(standby);
      }
      next.standbys.sort((x, y) => x.gid - y.gid);
    }
    const changed = !sameJson({ ...next, epoch: 0 }, { ...this.#map, epoch: 0 });
    if (changed) this.#commitMap(next);
    this.#lastFold.set(b.gid, { fingerprint, epoch: this.#map.epoch });
    return changed;
  }

  /** The active manager's report in its beacon: its checks, PGMap digest, progress events. */
  #takeReport(b: MonBeacon): void {
    this.#mgrHealth = structuredClone(b.health_checks ?? {});
    if (b.pg_digest || b.progress_events) {
      this.#mgrDigest = structuredClone({
        pg_digest: b.pg_digest ?? this.#mgrDigest.pg_digest,
        progress_events: b.progress_events ?? this.#mgrDigest.progress_events,
      });
    }
  }

  /**
   * Beacon grace (MgrMonitor::tick): an active manager silent for longer than
   * `mon_mgr_beacon_grace` is failed and the first standby promoted; silent standbys are
   * dropped. Returns whether the MgrMap changed.
   */
  tick(): boolean {
    const now = this.#opts.now();
    const grace = Number(this.#opts.configValue("mon", "mon_mgr_beacon_grace") ?? 30);
    const stale = (gid: number) =>
      !this.#graceHeld.has(gid) && now - (this.#lastBeacon.get(gid) ?? now) > grace;
    // Every second: copy the map (its modules and their options) only to change it.
    const m = this.#map;
    const due = m.standbys.some((s) => stale(s.gid)) ||
      (m.active_gid !== 0 && stale(m.active_gid)) ||
      (m.active_gid === 0 && m.standbys.length > 0);
    if (!due) return false;
    const next = this.#pending();
    let changed = false;
    const standbys = next.standbys.filter((s) => !stale(s.gid));
    if (standbys.length !== next.standbys.length) {
      next.standbys = standbys;
      changed = true;
    }
    if (next.active_gid !== 0 && stale(next.active_gid)) {
      const failed = next.active_name;
      dropActiveOf(next, now);
      this.#mgrHealth = {};
      changed = true;
      if (next.standbys.length > 0) {
        this.#promote(next, now);
        this.#opts.clog(
          "[INF]",
          `Manager daemon ${failed} is unresponsive, replacing it with standby daemon ${next.active_name}`,
        );
      } else {
        this.#opts.clog(
          "[INF]",
          `Manager daemon ${failed} is unresponsive.  No standby daemons available.`,
        );
      }
    }
    if (next.active_gid === 0 && next.standbys.length > 0) {
      this.#promote(next, now);
      changed = true;
    }
    if (changed) this.#commitMap(next);
    return changed;
  }

  #setMap(map: MgrMap): void {
    this.#map = map;
    if (map.active_gid !== 0) {
      this.#everActive = true;
      this.#inactiveSince = undefined;
    } else if (this.#inactiveSince === undefined) {
      this.#inactiveSince = this.#opts.now();
    }
    this.#moduleOptions.clear();
    for (const m of map.available_modules) {
      for (const [k, info] of Object.entries(m.module_options)) {
        const name = `mgr/${m.name}/${k}`;
        this.#moduleOptions.set(name, moduleOption(name, info));
      }
    }
  }

  #pending(): MgrMap {
    const next = structuredClone(this.#map);
    next.epoch = this.#map.epoch + 1;
    return next;
  }

  /** promote_standby, with its `Activating manager daemon` line. */
  #promote(next: MgrMap, now: number): void {
    const name = promoteStandby(next, now);
    if (name !== undefined) this.#opts.clog("[INF]", `Activating manager daemon ${name}`);
  }

  #commitMap(map: MgrMap, emit = true): void {
    this.#store.putMgrMap(map);
    this.#setMap(structuredClone(map));
    if (!emit) return;
    // MgrMonitor::on_active, after every commit.
    this.#opts.clog("[DBG]", `mgrmap e${map.epoch}: ${mgrMapSummary(map, this.#opts.now())}`);
    this.#opts.emit({ kind: "mgr_map", mgrMap: structuredClone(map) });
  }

  #alwaysOn(): string[] {
    return this.#map.always_on_modules[RELEASE_NAME] ?? [];
  }

  /** `mgr fail [<who>]`: fail the active manager, or a named one. */
  #mgrFail(cmd: Record<string, unknown>): MonCommandResult {
    const now = this.#opts.now();
    const next = this.#pending();
    let who = str(cmd.who);
    if (who === undefined || who === "") {
      if (!next.active_gid) return ok("", "Currently no active mgr");
      who = next.active_name;
    }
    const gid = /^\d+$/.test(who) ? Number(who) : undefined;
    let changed = false;
    if (gid === undefined ? next.active_name === who : next.active_gid === gid) {
      dropActiveOf(next, now);
      changed = true;
    } else {
      const i = next.standbys.findIndex((
        s,
      ) => (gid === undefined ? s.name === who : s.gid === gid));
      if (i >= 0) {
        next.standbys.splice(i, 1);
        changed = true;
      } else {
        return ok("", `Daemon not found '${who}', already failed?`);
      }
    }
    if (changed && next.active_gid === 0) this.#promote(next, now);
    this.#commitMap(next);
    return ok();
  }

  /** Every manager the MgrMap knows: the active one and the standbys, by name. */
  #mgrNames(): string[] {
    const names = new Set(this.#map.standbys.map((s) => s.name));
    if (this.#map.active_name) names.add(this.#map.active_name);
    return [...names].sort(compareBytes);
  }

  /** `mgr metadata [<who>]`: one daemon's metadata, or every daemon's. */
  #mgrMetadataCommand(cmd: Record<string, unknown>): MonCommandResult {
    const f = formatterFor(cmd) ?? "json-pretty";
    const who = str(cmd.who) ?? "";
    const sorted = (m: Record<string, string> | undefined) =>
      Object.fromEntries(Object.entries(m ?? {}).sort(([a], [b]) => compareBytes(a, b)));
    if (who !== "") {
      if (!this.#mgrNames().includes(who)) return err(-ENOENT, `mgr.${who} does not exist`);
      const meta = this.#mgrMetadata.get(who);
      if (!meta) return err(-ENOENT, "");
      return ok(formatJson({ name: who, ...sorted(meta) }, f));
    }
    return ok(formatJson(
      this.#mgrNames().map((name) => ({ name, ...sorted(this.#mgrMetadata.get(name)) })),
      f,
    ));
  }

  /** `mgr count-metadata <field>` and `mgr versions`: daemons per value ("unknown" if unset). */
  #countMgrMetadata(field: string): Record<string, number> {
    const counts = new Map<string, number>();
    for (const name of this.#mgrNames()) {
      const value = this.#mgrMetadata.get(name)?.[field] ?? "unknown";
      counts.set(value, (counts.get(value) ?? 0) + 1);
    }
    return Object.fromEntries([...counts].sort(([a], [b]) => compareBytes(a, b)));
  }

  #moduleEnable(cmd: Record<string, unknown>): MonCommandResult {
    const module = str(cmd.module) ?? "";
    if (module === "") return err(-EINVAL);
    if (this.#alwaysOn().includes(module)) {
      return ok("", `module '${module}' is already enabled (always-on)`);
    }
    const force = isForce(cmd.force);
    const have = (mods: ModuleInfo[]) => mods.some((m) => m.name === module);
    const allSupport = have(this.#map.available_modules) &&
      this.#map.standbys.every((s) => have(s.available_modules));
    if (!allSupport && !force) {
      return err(
        -ENOENT,
        `all mgr daemons do not support module '${module}', pass --force to force enablement`,
      );
    }
    const info = this.#map.available_modules.find((m) => m.name === module);
    if (!force && info && !info.can_run) {
      return err(
        -ENOENT,
        `module '${module}' reports that it cannot run on the active manager daemon: ` +
          `${info.error_string} (pass --force to force enablement)`,
      );
    }
    if (this.#map.modules.includes(module)) {
      return ok("", `module '${module}' is already enabled`);
    }
    const next = this.#pending();
    next.modules = [...next.modules, module].sort(compareBytes);
    this.#commitMap(next);
    return ok();
  }

  #moduleDisable(cmd: Record<string, unknown>): MonCommandResult {
    const module = str(cmd.module) ?? "";
    if (module === "") return err(-EINVAL);
    if (this.#alwaysOn().includes(module)) {
      return err(-EINVAL, `module '${module}' cannot be disabled (always-on)`);
    }
    if (!this.#map.modules.includes(module)) {
      return ok("", `module '${module}' is already disabled`);
    }
    const next = this.#pending();
    next.modules = next.modules.filter((m) => m !== module);
    this.#commitMap(next);
    return ok();
  }

  #moduleLs(cmd: Record<string, unknown>): MonCommandResult {
    // Pacific answers JSON for every format (the plain table came in Quincy).
    const alwaysOn = this.#alwaysOn();
    const m = this.#map;
    return ok(formatJson({
      always_on_modules: alwaysOn,
      enabled_modules: m.modules.filter((x) => !alwaysOn.includes(x)),
      disabled_modules: m.available_modules.filter((x) =>
        !m.modules.includes(x.name) && !alwaysOn.includes(x.name)
      ),
    }, formatterFor(cmd) ?? "json-pretty"));
  }

  #mgrDump(cmd: Record<string, unknown>): MonCommandResult {
    const f = formatterFor(cmd) ?? "json-pretty";
    const raw = cmd.epoch;
    let map: MgrMap | null = this.#map;
    if (raw !== undefined && raw !== null) {
      const epoch = Number(raw);
      if (!Number.isInteger(epoch)) return err(-EINVAL, `invalid epoch '${String(raw)}'`);
      if (epoch !== this.#map.epoch) {
        map = this.#store.mgrMapAt(epoch);
        if (!map) return err(-ENOENT, `there is no map for epoch ${epoch}`);
      }
    }
    return ok(formatJson({ ...map, last_failure_osd_epoch: 0, active_clients: [] }, f));
  }
}
