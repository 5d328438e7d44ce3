/**
 * The embedded mon: the first piece of the simulated cluster. It keeps the config DB, the
 * config-key store and the MgrMap in a {@link MonStore} and answers mon commands with Ceph 16.2's
 * return codes, messages and output formats (ConfigMonitor, KVMonitor and MgrMonitor).
 *
 * Everything here is synchronous: a command that changes state has committed to SQLite before
 * `handleCommand` returns, and subscribers hear of the change right after the commit.
 *
 * @module
 */
import { OPTION_TYPES } from "../../core/module_options.ts";
import { formatJson, pythonDumps } from "../../ceph/format.ts";
import { textTable } from "../../ceph/text_table.ts";
import { cephStamp, utimeText } from "../../ceph/time.ts";
import type { HealthCheck } from "../../core/health.ts";
import {
  type ClusterLogEntry,
  type ClusterSnapshot,
  type ClusterUpdate,
  type ConfigEntry,
  type MgrBeacon,
  type MonCommandResult,
  permsByPrefix,
} from "../../core/cluster_link.ts";
import {
  type EntityAddr,
  type MgrMap,
  type ModuleInfo,
  type ModuleOptionInfo,
  RELEASE_NAME,
  type StandbyInfo,
} from "../../ceph/mgr_map.ts";
import { EFBIG, EINVAL, ENOENT } from "../../ceph/errno.ts";
import { CEPH_OPTIONS, type OptionFlag } from "../../ceph/options.ts";
import { compareBytes, MonStore } from "./mon_store.ts";
import { MON_COMMANDS } from "./mon_commands.ts";
import {
  formatOptionValue,
  type OptionLevel,
  type OptionSpec,
  type OptionType,
  type OptionValue,
  parseOptionValue,
  zeroValue,
} from "../../ceph/option_value.ts";

/** An option as the mon's schema holds it (Ceph's `Option`). */
export interface MonOption extends OptionSpec {
  level: OptionLevel;
  desc: string;
  defaultValue: OptionValue;
  daemonDefault?: OptionValue;
  flags: ReadonlySet<OptionFlag | "mgr">;
}

/** Options of an {@link EmbeddedMon}. */
export interface EmbeddedMonOptions {
  /** The modules this release always runs (stored as `always_on_modules["pacific"]`). */
  alwaysOnModules: string[];
  /** Seconds since the epoch, for the mon's own timestamps (MgrMap `active_change`). */
  now: () => number;
  /** Modules enabled in a brand-new MgrMap (Ceph's `mgr_initial_modules`). */
  initialModules?: string[];
  /** The cluster fsid (`config get <who> fsid`). */
  fsid?: string;
  /** The mon's name in what it writes to the cluster log (default `a`, rank 0). */
  name?: string;
  /** The mon's addresses, as its cluster log entries carry them. */
  addrs?: EntityAddr[];
}

/** The perm of each command the mon answers, by prefix. */
const MON_COMMAND_PERMS = permsByPrefix(MON_COMMANDS);

/** Entries LogMonitor keeps per channel for `log last` (`mon_log_max_summary`). */
const LOG_MAX_SUMMARY = 50;

/** Cluster log priorities, lowest first, and the `log last` level names. */
const CLOG_LEVELS = ["[DBG]", "[INF]", "[SEC]", "[WRN]", "[ERR]"] as const;
const CLOG_LEVEL_NAMES: Record<string, number> = { debug: 0, info: 1, sec: 2, warn: 3, error: 4 };

/** A beacon, optionally with the daemon's addresses. */
export type MonBeacon = MgrBeacon & { addrs?: EntityAddr[]; mgr_features?: number };

const ENTITY_TYPES: ReadonlySet<string> = new Set(["auth", "mon", "osd", "mds", "mgr", "client"]);
const DUMP_TYPES = ["mon", "mgr", "osd", "mds", "client"] as const;

function parseRaw(type: OptionType, text: string): OptionValue | null {
  const r = parseOptionValue({ name: "", type, enumAllowed: [] }, text);
  return r.ok ? r.value : null;
}

function buildCephOptions(): Map<string, MonOption> {
  const out = new Map<string, MonOption>();
  for (const d of CEPH_OPTIONS) {
    const parse = (s: string, what: string): OptionValue => {
      const zero = zeroValue(d.type);
      if (s === formatOptionValue(zero)) return zero;
      const v = parseRaw(d.type, s);
      if (v === null) throw new Error(`ceph_options: bad ${what} '${s}' for ${d.name}`);
      return v;
    };
    out.set(d.name, {
      name: d.name,
      type: d.type,
      level: d.level,
      desc: d.desc,
      enumAllowed: d.enumAllowed ?? [],
      validator: d.validator,
      defaultValue: parse(d.default, "default"),
      daemonDefault: d.daemonDefault === undefined ? undefined : parse(d.daemonDefault, "default"),
      min: d.min === undefined ? undefined : parse(d.min, "min"),
      max: d.max === undefined ? undefined : parse(d.max, "max"),
      flags: new Set(d.flags ?? []),
    });
  }
  return out;
}

const CEPH_OPTION_MAP = buildCephOptions();

/** Ceph's `MgrMonitor` conversion of a module option into an `Option`. */
function moduleOption(name: string, info: ModuleOptionInfo): MonOption {
  const type = (OPTION_TYPES.has(info.type) ? info.type : "str") as OptionType;
  const level: OptionLevel = info.level === "basic" || info.level === "advanced" ||
      info.level === "dev"
    ? info.level
    : "unknown";
  const flags = new Set<OptionFlag | "mgr">(["mgr"]);
  if (info.flags & 1) flags.add("runtime");
  let defaultValue = zeroValue(type);
  if (info.default_value !== "") defaultValue = parseRaw(type, info.default_value) ?? defaultValue;
  let min: OptionValue | undefined;
  let max: OptionValue | undefined;
  if (info.min !== "" && info.max !== "") {
    const a = parseRaw(type, info.min);
    const b = parseRaw(type, info.max);
    if (a !== null && b !== null) {
      min = a;
      max = b;
    }
  }
  return {
    name,
    type,
    level,
    desc: info.desc,
    enumAllowed: [...info.enum_allowed],
    defaultValue,
    min,
    max,
    flags,
  };
}

/** Ceph's `Option::can_update_at_runtime`. */
export function canUpdateAtRuntime(opt: MonOption): boolean {
  const f = opt.flags;
  const byType = !f.has("mgr") &&
    ["bool", "int", "uint", "float", "size", "secs"].includes(opt.type);
  return (f.has("runtime") || byType) && !f.has("startup") && !f.has("cluster_create") &&
    !f.has("create");
}

/** A stray option (stored with --force, unknown to the schema): Ceph's TYPE_STR, LEVEL_UNKNOWN. */
function strayOption(name: string): MonOption {
  return {
    name,
    type: "str",
    level: "unknown",
    desc: "",
    enumAllowed: [],
    defaultValue: { kind: "str", s: "" },
    flags: new Set(),
  };
}

/** Ceph's `ConfFile::normalize_key_name`. */
function normalizeKeyName(name: string): string {
  return name.replaceAll(" ", "_").replaceAll("-", "_");
}

interface Mask {
  locationType: string;
  locationValue: string;
  deviceClass: string;
}

function maskToStr(m: Mask): string {
  let r = "";
  if (m.locationType) r += `${m.locationType}:${m.locationValue}`;
  if (m.deviceClass) r += (r ? "/" : "") + `class:${m.deviceClass}`;
  return r;
}

function parseMaskStr(s: string): Mask {
  const m: Mask = { locationType: "", locationValue: "", deviceClass: "" };
  for (const part of s === "" ? [] : s.split("/")) {
    const i = part.indexOf(":");
    if (i < 0) continue;
    if (part.slice(0, i) === "class") m.deviceClass = part.slice(i + 1);
    else {
      m.locationType = part.slice(0, i);
      m.locationValue = part.slice(i + 1);
    }
  }
  return m;
}

/** Ceph's `ConfigMap::parse_mask`: `who` → section and mask, or null. */
function parseWho(who: string): { section: string; mask: Mask } | null {
  const mask: Mask = { locationType: "", locationValue: "", deviceClass: "" };
  let section = "";
  for (const part of who.split("/")) {
    if (part === "global") {
      section = "global";
      continue;
    }
    const colon = part.indexOf(":");
    if (colon >= 0) {
      const k = part.slice(0, colon);
      if (k === "class") mask.deviceClass = part.slice(colon + 1);
      else {
        mask.locationType = k;
        mask.locationValue = part.slice(colon + 1);
      }
      continue;
    }
    const dot = part.indexOf(".");
    const type = dot >= 0 ? part.slice(0, dot) : part;
    if (!ENTITY_TYPES.has(type)) return null;
    section = part;
  }
  return { section, mask };
}

/** Ceph's `EntityName::from_str(who) || from_str(who + ".")`. */
function parseEntity(who: string): { type: string; id: string } | null {
  const s = who.includes(".") ? who : who + ".";
  const dot = s.indexOf(".");
  const type = s.slice(0, dot);
  if (!ENTITY_TYPES.has(type)) return null;
  return { type, id: s.slice(dot + 1) };
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

/** Makes the first standby active (MgrMonitor::promote_standby); it is not available yet. */
function promoteStandby(next: MgrMap, now: number): void {
  const standby = next.standbys.shift();
  if (!standby) return;
  next.active_gid = standby.gid;
  next.active_name = standby.name;
  next.active_change = utimeText(now);
  next.available = false;
  next.available_modules = standby.available_modules;
}

/** Ceph's `Formatter::create(format)`: json, json-pretty, or null (plain/unknown). */
function formatterFor(cmd: Record<string, unknown>): "json" | "json-pretty" | null {
  const f = cmd.format;
  if (f === "json" || f === "json-pretty") return f;
  return null;
}

function str(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

function isForce(v: unknown): boolean {
  return v === true || v === "true" || v === "--force";
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

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const ok = (outb = "", outs = ""): MonCommandResult => ({ r: 0, outb, outs });
const err = (r: number, outs = ""): MonCommandResult => ({ r, outb: "", outs });

/**
 * The embedded mon.
 *
 * @example
 * ```ts
 * import { EmbeddedMon } from "./mon.ts";
 * import { MonStore } from "./mon_store.ts";
 * const mon = new EmbeddedMon(MonStore.open(":memory:"), {
 *   alwaysOnModules: ["balancer"],
 *   now: () => 1_700_000_000,
 * });
 * mon.handleCommand({ prefix: "config-key set", key: "mgr/x/k", val: "v" });
 * // { r: 0, outb: "", outs: "set mgr/x/k" }
 * mon.close();
 * ```
 */
export class EmbeddedMon {
  readonly store: MonStore;
  #opts: Required<EmbeddedMonOptions>;
  #listeners = new Set<(u: ClusterUpdate) => void>();
  /** When each manager (by gid) last sent a beacon. */
  #lastBeacon = new Map<number, number>();
  /** Managers whose session is cut off from the mon side: their grace does not run. */
  #graceHeld = new Set<number>();

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
  /** Manager daemons' metadata by name, as their beacons carried it. */
  #mgrMetadata = new Map<string, Record<string, string>>();
  /** The active manager's own health checks, from its last beacon. */
  #mgrHealth: Record<string, HealthCheck> = {};
  /** LogMonitor's summary: the newest entries per channel, and every entry in order. */
  #logByChannel = new Map<string, ClusterLogEntry[]>();
  #logSeq = 0;
  #moduleOptions = new Map<string, MonOption>();
  #map!: MgrMap;

  constructor(store: MonStore, options: EmbeddedMonOptions) {
    this.store = store;
    this.#opts = {
      initialModules: [],
      fsid: "00000000-0000-0000-0000-000000000000",
      name: "a",
      addrs: [
        { type: "v2", addr: "127.0.0.1:3300", nonce: 0 },
        { type: "v1", addr: "127.0.0.1:6789", nonce: 0 },
      ],
      ...options,
    };
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
        modules: [...new Set(this.#opts.initialModules)].sort(compareBytes),
        available_modules: [],
        services: {},
        always_on_modules: { [RELEASE_NAME]: alwaysOn },
        last_failure_osd_epoch: 0,
        active_clients: [],
      }, false);
    } else {
      this.#setMap(stored);
      if (!sameJson(stored.always_on_modules[RELEASE_NAME], alwaysOn)) {
        const next = this.#pending();
        next.always_on_modules = { ...next.always_on_modules, [RELEASE_NAME]: alwaysOn };
        this.#commitMap(next, false);
      }
    }
  }

  /** Opens the store at `path` (or `":memory:"`) and starts a mon on it. */
  static open(path: string, options: EmbeddedMonOptions): EmbeddedMon {
    return new EmbeddedMon(MonStore.open(path), options);
  }

  /** Closes the store. */
  close(): void {
    this.store.close();
  }

  // ---------------------------------------------------------------- subscriptions

  /** The state a new mon session starts from (deep copies). */
  snapshot(): ClusterSnapshot {
    const mgrKv: Record<string, string> = {};
    for (const k of this.store.kvKeys()) {
      if (k.startsWith("mgr/")) mgrKv[k] = this.store.getKv(k)!;
    }
    return { config: this.configEntries(), mgrMap: this.mgrMap(), mgrKv };
  }

  /** Hears every committed change, synchronously after the commit. Returns the unsubscribe. */
  subscribe(listener: (u: ClusterUpdate) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(u: ClusterUpdate): void {
    for (const l of [...this.#listeners]) l(u);
  }

  /** The current MgrMap (a copy). */
  mgrMap(): MgrMap {
    return structuredClone(this.#map);
  }

  /** The config DB in `config dump` order (a copy). */
  configEntries(): ConfigEntry[] {
    const rank = (s: string) => {
      if (s === "global") return 0;
      const i = DUMP_TYPES.findIndex((t) => s.startsWith(t));
      return i < 0 ? DUMP_TYPES.length + 1 : i + 1;
    };
    return this.store.configEntries().sort((a, b) =>
      rank(a.section) - rank(b.section) || compareBytes(a.section, b.section) ||
      compareBytes(a.name, b.name) || compareBytes(a.mask, b.mask)
    );
  }

  // ---------------------------------------------------------------- MgrMap

  #setMap(map: MgrMap): void {
    this.#map = map;
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

  #commitMap(map: MgrMap, emit = true): void {
    this.store.putMgrMap(map);
    this.#setMap(structuredClone(map));
    if (emit) this.#emit({ kind: "mgr_map", mgrMap: structuredClone(map) });
  }

  #alwaysOn(): string[] {
    return this.#map.always_on_modules[RELEASE_NAME] ?? [];
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
    const next = this.#pending();
    const modules = b.available_modules.map(canonicalModule);
    const services: Record<string, string> = {};
    for (const k of Object.keys(b.services ?? {}).sort(compareBytes)) services[k] = b.services![k]!;
    const now = this.#opts.now();
    const dropActive = () => dropActiveOf(next, now);
    if (b.name === next.active_name && b.gid !== next.active_gid) dropActive();
    next.standbys = next.standbys.filter((s) => !(s.name === b.name && s.gid !== b.gid));
    if (next.active_gid === 0) {
      next.standbys = next.standbys.filter((s) => s.gid !== b.gid);
      next.active_gid = b.gid;
      next.active_name = b.name;
      next.active_change = utimeText(now);
      this.clog("[INF]", `Activating manager daemon ${b.name}`);
    }
    if (next.active_gid === b.gid) {
      if (b.available && !next.available) {
        this.clog("[INF]", `Manager daemon ${b.name} is now available`);
      }
      this.#mgrHealth = structuredClone(b.health_checks ?? {});
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
      else next.standbys.push(standby);
      next.standbys.sort((x, y) => x.gid - y.gid);
    }
    const changed = !sameJson({ ...next, epoch: 0 }, { ...this.#map, epoch: 0 });
    if (changed) this.#commitMap(next);
    return changed;
  }

  // ---------------------------------------------------------------- options

  /** The option called `name` (a Ceph option or a module's `mgr/<module>[/<id>]/<opt>`). */
  findOption(name: string): MonOption | undefined {
    return CEPH_OPTION_MAP.get(name) ?? this.#findModuleOption(name);
  }

  /** Ceph's `MgrMonitor::find_module_option`: strips a localized `<id>` segment. */
  #findModuleOption(name: string): MonOption | undefined {
    if (!name.startsWith("mgr/")) return undefined;
    const second = name.indexOf("/", 5);
    if (second < 0) return undefined;
    const third = name.indexOf("/", second + 1);
    const real = third >= 0 ? name.slice(0, second) + name.slice(third) : name;
    return this.#moduleOptions.get(real);
  }

  /** The value `who` gets for every option set in the config DB, with the section it came from. */
  #entityMap(entity: { type: string; id: string }): Map<string, { value: string; e: ConfigEntry }> {
    const out = new Map<string, { value: string; e: ConfigEntry }>();
    const sections = ["global", entity.type, `${entity.type}.${entity.id}`];
    const entries = this.store.configEntries();
    for (const section of sections) {
      for (const e of entries) {
        // Masked entries need a CRUSH location or device class, which mgr/mon daemons lack.
        if (e.section === section && e.mask === "") out.set(e.name, { value: e.value, e });
      }
    }
    return new Map([...out].sort((a, b) => compareBytes(a[0], b[0])));
  }

  // ---------------------------------------------------------------- commands

  /**
   * Answers one mon command (`{prefix, ...args, format?}`), as Ceph 16.2 does. A change is
   * committed before this returns.
   */
  handleCommand(
    cmd: Record<string, unknown>,
    inbuf?: string,
    entity = "client.admin",
  ): MonCommandResult {
    const perm = MON_COMMAND_PERMS.get(str(cmd.prefix) ?? "") ?? "r";
    this.auditCommand(cmd, entity, perm, "dispatch");
    const result = this.#handleCommand(cmd, inbuf, entity);
    if (result.r === 0) this.auditCommand(cmd, entity, perm, "finished");
    return result;
  }

  #handleCommand(
    cmd: Record<string, unknown>,
    inbuf: string | undefined,
    entity: string,
  ): MonCommandResult {
    const prefix = str(cmd.prefix) ?? "";
    switch (prefix) {
      case "config set":
      case "config rm":
        return this.#configSetRm(prefix, cmd);
      case "config get":
        return this.#configGet(cmd);
      case "config dump":
        return this.#configDump(cmd);
      case "config ls":
        return this.#configLs(cmd);
      case "config-key get":
      case "config-key exists":
      case "config-key ls":
      case "config-key list":
      case "config-key dump":
        return this.#configKeyRead(prefix, cmd);
      case "config-key set":
      case "config-key put":
      case "config-key rm":
      case "config-key del":
        return this.#configKeyWrite(prefix, cmd, inbuf);
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
      case "log":
        return this.#logCommand(cmd, entity);
      case "log last":
        return this.#logLast(cmd);
      case "mgr versions":
        return ok(
          formatJson(this.#countMgrMetadata("ceph_version"), formatterFor(cmd) ?? "json-pretty"),
        );
      case "mgr count-metadata":
        return ok(formatJson(
          this.#countMgrMetadata(str(cmd.property) ?? ""),
          formatterFor(cmd) ?? "json-pretty",
        ));
      default:
        return err(-EINVAL, "command not known");
    }
  }

  /**
   * Beacon grace (MgrMonitor::tick): an active manager silent for longer than
   * `mon_mgr_beacon_grace` is failed and the first standby promoted; silent standbys are
   * dropped. Returns whether the MgrMap changed.
   */
  tick(): boolean {
    const now = this.#opts.now();
    const grace = Number(this.#configValue("mon", "mon_mgr_beacon_grace") ?? 30);
    const stale = (gid: number) =>
      !this.#graceHeld.has(gid) && now - (this.#lastBeacon.get(gid) ?? now) > grace;
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
        promoteStandby(next, now);
        this.clog(
          "[INF]",
          `Manager daemon ${failed} is unresponsive, replacing it with standby daemon ${next.active_name}`,
        );
      } else {
        this.clog(
          "[INF]",
          `Manager daemon ${failed} is unresponsive.  No standby daemons available.`,
        );
      }
    }
    if (next.active_gid === 0 && next.standbys.length > 0) {
      promoteStandby(next, now);
      changed = true;
    }
    if (changed) this.#commitMap(next);
    return changed;
  }

  // ---------------------------------------------------------------- cluster log

  /**
   * Takes an entry into the cluster log (LogMonitor): kept for `log last`, then pushed to every
   * session subscribed to it.
   */
  log(entry: ClusterLogEntry): void {
    const frozen = Object.freeze({ ...entry, addrs: structuredClone(entry.addrs) });
    let tail = this.#logByChannel.get(entry.channel);
    if (!tail) this.#logByChannel.set(entry.channel, tail = []);
    tail.push(frozen);
    if (tail.length > LOG_MAX_SUMMARY) tail.shift();
    this.#emit({ kind: "clog", entry: frozen });
  }

  /** An entry from the mon itself (`mon.a (mon.0)`), stamped now. */
  clog(priority: (typeof CLOG_LEVELS)[number], message: string, channel = "cluster"): void {
    this.log({
      name: `mon.${this.#opts.name}`,
      rank: "mon.0",
      addrs: { addrvec: this.#opts.addrs },
      stamp: cephStamp(this.#opts.now()),
      seq: ++this.#logSeq,
      channel,
      priority,
      message,
    });
  }

  /**
   * The audit channel's note of a command, as Monitor::handle_command writes it: `dispatch`
   * when it arrives (INF for commands that write, DBG for reads), then `finished` when a write
   * has been committed. `perm` is the command's (`r`, `rw`, ...).
   */
  auditCommand(
    cmd: Record<string, unknown>,
    entity: string,
    perm: string,
    phase: "dispatch" | "finished",
  ): void {
    const write = /[wx]/.test(perm);
    if (phase === "finished" && !write) return;
    const kind = entity.slice(0, Math.max(0, entity.indexOf("."))) || "client";
    // The ceph CLI sends Python's json.dumps of the command; a manager sends compact JSON.
    const text = `[${kind === "mgr" ? JSON.stringify(cmd) : pythonDumps(cmd)}]`;
    const who = `from='${kind}.? 127.0.0.1:0/0' entity='${entity}'`;
    this.clog(
      write ? "[INF]" : "[DBG]",
      phase === "dispatch" ? `${who} cmd=${text}: dispatch` : `${who} cmd='${text}': finished`,
      "audit",
    );
  }

  /** The active manager's checks, as its last beacon reported them (MgrStatMonitor). */
  mgrHealthChecks(): Record<string, HealthCheck> {
    return this.#mgrHealth;
  }

  /** `log <logtext>...` (LogMonitor): the words as one entry from the caller, at INF. */
  #logCommand(cmd: Record<string, unknown>, entity: string): MonCommandResult {
    const words = Array.isArray(cmd.logtext) ? cmd.logtext.map(String) : [String(cmd.logtext)];
    this.log({
      name: entity,
      rank: `${entity.slice(0, entity.indexOf(".") + 1) || "client."}?`,
      addrs: { addrvec: [] },
      stamp: cephStamp(this.#opts.now()),
      seq: 0,
      channel: "cluster",
      priority: "[INF]",
      message: words.join(" "),
    });
    return ok();
  }

  /**
   * `log last [<num>] [<level>] [<channel>]` (LogMonitor::preprocess_command): the newest
   * `num` entries at or above `level` of one channel, or of all (`*`), oldest first.
   */
  #logLast(cmd: Record<string, unknown>): MonCommandResult {
    const num = typeof cmd.num === "number" ? cmd.num : 20;
    const levelName = str(cmd.level) ?? "info";
    const level = CLOG_LEVEL_NAMES[levelName];
    if (level === undefined) return err(-EINVAL, `Invalid severity '${levelName}'`);
    const channel = str(cmd.channel) ?? "cluster";
    const tail = channel === "*"
      ? [...this.#logByChannel.values()].flat().sort((a, b) =>
        a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : 0
      )
      : this.#logByChannel.get(channel) ?? [];
    const rank = (e: ClusterLogEntry) => CLOG_LEVELS.indexOf(e.priority as never);
    const shown = tail.filter((e) => rank(e) >= level).slice(-Math.max(0, num));
    const f = formatterFor(cmd);
    if (f) return ok(formatJson(shown, f));
    return ok(
      shown.map((e) =>
        `${e.stamp} ${e.name} (${e.rank}) ${e.seq} : ${e.channel} ${e.priority} ${e.message}\n`
      ).join(""),
    );
  }

  /** `mgr fail [<who>]` (MgrMonitor.cc): fail the active manager, or a named one. */
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
    if (changed && next.active_gid === 0) promoteStandby(next, now);
    this.#commitMap(next);
    return ok();
  }

  #configValue(section: string, name: string): string | undefined {
    return this.configEntries().find((e) =>
      e.name === name && e.mask === "" && (e.section === section || e.section === "global")
    )?.value;
  }

  /** Every manager the MgrMap knows: the active one and the standbys, by name. */
  #mgrNames(): string[] {
    const names = new Set(this.#map.standbys.map((s) => s.name));
    if (this.#map.active_name) names.add(this.#map.active_name);
    return [...names].sort(compareBytes);
  }

  /** `mgr metadata [<who>]` (MgrMonitor.cc): one daemon's metadata, or every daemon's. */
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

  #configSetRm(prefix: string, cmd: Record<string, unknown>): MonCommandResult {
    const who = str(cmd.who) ?? "";
    const name = normalizeKeyName(str(cmd.name) ?? "");
    let value = str(cmd.value) ?? "";
    if (prefix === "config set" && !isForce(cmd.force)) {
      const opt = this.findOption(name);
      if (!opt) return err(-EINVAL, `unrecognized config option '${name}'`);
      const p = parseOptionValue(opt, value);
      if (!p.ok) return err(p.r, `error parsing value: ${p.error}`);
      value = p.normalized;
      if (opt.flags.has("no_mon_update")) {
        return err(-EINVAL, `${name} is special and cannot be stored by the mon`);
      }
    }
    const target = parseWho(who);
    if (!target) return err(-EINVAL, `unrecognized config target '${who}'`);
    const section = target.section || "global";
    const mask = maskToStr(target.mask);
    if (prefix === "config set") {
      if (this.store.getConfig(section, mask, name)?.value === value) return ok();
      this.store.setConfig({ section, name, value, mask });
    } else if (!this.store.rmConfig(section, mask, name)) {
      return ok();
    }
    this.#emit({ kind: "config", config: this.configEntries() });
    return ok();
  }

  #configGet(cmd: Record<string, unknown>): MonCommandResult {
    const who = str(cmd.who) ?? "";
    const entity = parseEntity(who);
    if (!entity) return err(-EINVAL, `unrecognized entity '${who}'`);
    const config = this.#entityMap(entity);
    const key = str(cmd.key);
    if (key !== undefined) {
      const name = normalizeKeyName(key);
      const opt = this.findOption(name);
      if (!opt) return err(-ENOENT, `unrecognized key '${name}'`);
      if (opt.flags.has("no_mon_update")) {
        if (name === "fsid") return ok(this.#opts.fsid + "\n");
        return err(-EINVAL, `${name} is special and cannot be stored by the mon`);
      }
      const set = config.get(name);
      if (set) return ok(set.value + "\n");
      const dflt = entity.type !== "client" && opt.daemonDefault
        ? opt.daemonDefault
        : opt.defaultValue;
      return ok(formatOptionValue(dflt) + "\n");
    }
    const f = formatterFor(cmd);
    if (f) {
      const obj: Record<string, unknown> = {};
      for (const [name, { value, e }] of config) {
        const opt = this.findOption(name) ?? strayOption(name);
        obj[name] = {
          value,
          section: e.section,
          mask: this.#maskObject(e.mask),
          can_update_at_runtime: canUpdateAtRuntime(opt),
        };
      }
      return ok(formatJson(obj, f));
    }
    const rows = [...config].map(([name, { value, e }]) => {
      const opt = this.findOption(name) ?? strayOption(name);
      return [e.section, e.mask, opt.level, name, value, canUpdateAtRuntime(opt) ? "" : "*"];
    });
    return ok(textTable(["WHO", "MASK", "LEVEL", "OPTION", "VALUE", "RO"], rows));
  }

  /** OptionMask::dump. */
  #maskObject(mask: string): Record<string, string> {
    const m = parseMaskStr(mask);
    const out: Record<string, string> = {};
    if (m.locationType) {
      out.location_type = m.locationType;
      out.location_value = m.locationValue;
    }
    if (m.deviceClass) out.device_class = m.deviceClass;
    return out;
  }

  #configDump(cmd: Record<string, unknown>): MonCommandResult {
    const entries = this.configEntries().filter((e) =>
      e.section === "global" || DUMP_TYPES.some((t) => e.section.startsWith(t))
    );
    const f = formatterFor(cmd);
    if (f) {
      const list = entries.map((e) => {
        const opt = this.findOption(e.name) ?? strayOption(e.name);
        return {
          section: e.section,
          name: e.name,
          value: e.value,
          level: opt.level,
          can_update_at_runtime: canUpdateAtRuntime(opt),
          mask: e.mask,
          ...this.#maskObject(e.mask),
        };
      });
      return ok(formatJson(list, f));
    }
    const indent = (who: string) =>
      who === "global" ? who : who.includes(".") ? "    " + who : "  " + who;
    const rows = entries.map((e) => {
      const opt = this.findOption(e.name) ?? strayOption(e.name);
      return [
        indent(e.section),
        e.mask,
        opt.level,
        e.name,
        e.value,
        canUpdateAtRuntime(opt) ? "" : "*",
      ];
    });
    return ok(textTable(["WHO", "MASK", "LEVEL", "OPTION", "VALUE", "RO"], rows));
  }

  #configLs(cmd: Record<string, unknown>): MonCommandResult {
    const names = [
      ...CEPH_OPTION_MAP.keys(),
      ...[...this.#moduleOptions.keys()].sort(compareBytes),
    ];
    const f = formatterFor(cmd);
    return ok(f ? formatJson(names, f) : names.map((n) => n + "\n").join(""));
  }

  #configKeyRead(prefix: string, cmd: Record<string, unknown>): MonCommandResult {
    const key = str(cmd.key) ?? "";
    if (prefix === "config-key get") {
      const v = this.store.getKv(key);
      return v === undefined ? err(-ENOENT) : ok(v);
    }
    if (prefix === "config-key exists") {
      return this.store.getKv(key) === undefined
        ? err(-ENOENT, `key '${key}' doesn't exist`)
        : ok("", `key '${key}' exists`);
    }
    const f = formatterFor(cmd) ?? "json-pretty";
    // KVMonitor's listings end with a newline in either JSON format.
    const nl = f === "json" ? "\n" : "";
    if (prefix === "config-key ls" || prefix === "config-key list") {
      return ok(formatJson(this.store.kvKeys(), f) + nl);
    }
    const out: Record<string, string> = {};
    for (const k of this.store.kvKeys()) {
      if (key && !k.startsWith(key)) continue;
      const v = this.store.getKv(k)!;
      out[k] = isBinaryString(v) ? `<<< binary blob of length ${byteLength(v)} >>>` : v;
    }
    return ok(formatJson(out, f) + nl);
  }

  #configKeyWrite(
    prefix: string,
    cmd: Record<string, unknown>,
    inbuf: string | undefined,
  ): MonCommandResult {
    const key = str(cmd.key);
    if (key === undefined) return err(-EINVAL, "must specify a key");
    if (prefix === "config-key set" || prefix === "config-key put") {
      const data = str(cmd.val) ?? inbuf ?? "";
      const limit = this.#monSizeOption("mon_config_key_max_entry_size");
      if (BigInt(byteLength(data)) > limit) {
        return err(
          -EFBIG,
          `error: entry size limited to ${limit} bytes. ` +
            "Use 'mon config key max entry size' to manually adjust",
        );
      }
      if (this.store.getKv(key) !== data) {
        this.store.setKv(key, data);
        this.#emit({ kind: "kv", key, value: data });
      }
      return ok("", `set ${key}`);
    }
    if (this.store.rmKv(key)) this.#emit({ kind: "kv", key, value: null });
    return ok("", "key deleted");
  }

  /** An integer option's value as the mon daemon itself sees it. */
  #monSizeOption(name: string): bigint {
    const set = this.#entityMap({ type: "mon", id: "" }).get(name);
    const opt = CEPH_OPTION_MAP.get(name)!;
    const v = set ? parseOptionValue(opt, set.value) : null;
    const value = v?.ok ? v.value : opt.defaultValue;
    return value.kind === "int" ? value.n : 0n;
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
        map = this.store.mgrMapAt(epoch);
        if (!map) return err(-ENOENT, `there is no map for epoch ${epoch}`);
      }
    }
    return ok(formatJson({ ...map, last_failure_osd_epoch: 0, active_clients: [] }, f));
  }
}

function byteLength(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** KVMonitor's is_binary_string: control characters other than \n and \t, or bytes >= 0x7f. */
function isBinaryString(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x0a && c !== 0x09) || c >= 0x7f) return true;
  }
  return false;
}
