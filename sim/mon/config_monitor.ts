/**
 * ConfigMonitor: the config DB (`config set/rm/get/dump/ls`). Values are validated against the
 * mon's option schema (Ceph's options and the options the managers' modules declare), stored in
 * the {@link MonStore}, and pushed to every session as the whole config list. Messages, return
 * codes and output formats are those of Ceph 16.2's src/mon/ConfigMonitor.cc.
 *
 * @module
 */
import type {
  ClusterUpdate,
  CommandSignature,
  ConfigEntry,
  MonCommandResult,
} from "../../core/cluster_link.ts";
import { EINVAL, ENOENT } from "../../ceph/errno.ts";
import { formatJson } from "../../ceph/format.ts";
import { cephStamp } from "../../ceph/time.ts";
import { formatOptionValue, type OptionValue, parseOptionValue } from "../../ceph/option_value.ts";
import { cephOptionHelp, type OptionHelp, optionHelpText } from "../../ceph/option_help.ts";
import { textTable } from "../../ceph/text_table.ts";
import { canUpdateAtRuntime, CEPH_OPTION_MAP, type MonOption, strayOption } from "./mon_options.ts";
import { compareBytes, type MonStore } from "./mon_store.ts";
import { err, formatterFor, isForce, type Monitor, ok, str } from "./monitor.ts";

// deno-fmt-ignore
const CONFIG_COMMANDS: readonly CommandSignature[] = [
  { sig: "config set name=who,type=CephString name=name,type=CephString name=value,type=CephString name=force,type=CephBool,req=false", help: "Set a configuration option for one or more entities", perm: "rw" },
  { sig: "config rm name=who,type=CephString name=name,type=CephString", help: "Clear a configuration option for one or more entities", perm: "rw" },
  { sig: "config get name=who,type=CephString name=key,type=CephString,req=false", help: "Show configuration option(s) for an entity", perm: "r" },
  { sig: "config dump", help: "Show all configuration option(s)", perm: "r" },
  { sig: "config ls", help: "List available configuration options", perm: "r" },
  { sig: "config log name=num,type=CephInt,req=false", help: "Show recent history of config changes", perm: "r" },
  { sig: "config help name=key,type=CephString", help: "Describe a configuration option", perm: "r" },
];

const ENTITY_TYPES: ReadonlySet<string> = new Set(["auth", "mon", "osd", "mds", "mgr", "client"]);
const DUMP_TYPES = ["mon", "mgr", "osd", "mds", "client"] as const;

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

/** OptionMask::dump. */
function maskObject(mask: string): Record<string, string> {
  const m = parseMaskStr(mask);
  const out: Record<string, string> = {};
  if (m.locationType) {
    out.location_type = m.locationType;
    out.location_value = m.locationValue;
  }
  if (m.deviceClass) out.device_class = m.deviceClass;
  return out;
}

/** What ConfigMonitor needs of its mon. */
export interface ConfigMonitorOptions {
  /** Seconds since the epoch, for the config log's stamps. */
  now?: () => number;
  /** The cluster fsid (`config get <who> fsid`). */
  fsid: string;
  /** The options of the managers' modules (MgrMonitor's, from the MgrMap). */
  modules: {
    /** A module option by its full name (`mgr/<module>[/<id>]/<opt>`). */
    findModuleOption(name: string): MonOption | undefined;
    /** Every module option's name, as `config ls` lists them. */
    moduleOptionNames(): string[];
  };
  /** Tells the mon's sessions of a change. */
  emit: (u: ClusterUpdate) => void;
}

/** The embedded mon's ConfigMonitor. */
export class ConfigMonitor implements Monitor {
  readonly commands = CONFIG_COMMANDS;
  readonly #store: MonStore;
  readonly #opts: ConfigMonitorOptions;

  constructor(store: MonStore, options: ConfigMonitorOptions) {
    this.#store = store;
    this.#opts = options;
  }

  handle(prefix: string, cmd: Record<string, unknown>): MonCommandResult {
    switch (prefix) {
      case "config get":
        return this.#configGet(cmd);
      case "config dump":
        return this.#configDump(cmd);
      case "config ls":
        return this.#configLs(cmd);
      case "config log":
        return this.#configLog(cmd);
      case "config help":
        return this.#configHelp(cmd);
      default:
        return this.#configSetRm(prefix, cmd);
    }
  }

  /** The config DB in `config dump` order (a copy). */
  configEntries(): ConfigEntry[] {
    const rank = (s: string) => {
      if (s === "global") return 0;
      const i = DUMP_TYPES.findIndex((t) => s.startsWith(t));
      return i < 0 ? DUMP_TYPES.length + 1 : i + 1;
    };
    return this.#store.configEntries().sort((a, b) =>
      rank(a.section) - rank(b.section) || compareBytes(a.section, b.section) ||
      compareBytes(a.name, b.name) || compareBytes(a.mask, b.mask)
    );
  }

  /** The option called `name` (a Ceph option or a module's `mgr/<module>[/<id>]/<opt>`). */
  findOption(name: string): MonOption | undefined {
    return CEPH_OPTION_MAP.get(name) ?? this.#opts.modules.findModuleOption(name);
  }

  /** The unmasked value set for `name` in `section` or in `global`, if any. */
  value(section: string, name: string): string | undefined {
    return this.configEntries().find((e) =>
      e.name === name && e.mask === "" && (e.section === section || e.section === "global")
    )?.value;
  }

  /** An integer option's value as the mon daemon itself sees it. */
  monSizeOption(name: string): bigint {
    const set = this.#entityMap({ type: "mon", id: "" }).get(name);
    const opt = CEPH_OPTION_MAP.get(name)!;
    const v = set ? parseOptionValue(opt, set.value) : null;
    const value = v?.ok ? v.value : opt.defaultValue;
    return value.kind === "int" ? value.n : 0n;
  }

  /** The value `who` gets for every option set in the config DB, with the section it came from. */
  #entityMap(entity: { type: string; id: string }): Map<string, { value: string; e: ConfigEntry }> {
    const out = new Map<string, { value: string; e: ConfigEntry }>();
    const sections = ["global", entity.type, `${entity.type}.${entity.id}`];
    const entries = this.#store.configEntries();
    for (const section of sections) {
      for (const e of entries) {
        // Masked entries need a CRUSH location or device class, which mgr/mon daemons lack.
        if (e.section === section && e.mask === "") out.set(e.name, { value: e.value, e });
      }
    }
    return new Map([...out].sort((a, b) => compareBytes(a[0], b[0])));
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
    const previous = this.#store.getConfig(section, mask, name)?.value;
    const key = `${section}/${mask ? `${mask}/` : ""}${name}`;
    const stamp = cephStamp(this.#opts.now?.() ?? 0);
    if (prefix === "config set") {
      if (previous === value) return ok();
      this.#store.transaction(() => {
        this.#store.setConfig({ section, name, value, mask });
        this.#store.addConfigVersion(stamp, [
          {
            name: key,
            ...(previous !== undefined ? { previous_value: previous } : {}),
            new_value: value,
          },
        ]);
      });
    } else {
      if (previous === undefined) return ok();
      this.#store.transaction(() => {
        this.#store.rmConfig(section, mask, name);
        this.#store.addConfigVersion(stamp, [{ name: key, previous_value: previous }]);
      });
    }
    this.#opts.emit({ kind: "config", config: this.configEntries() });
    return ok();
  }

  /** `config help <key>`: a Ceph option from the 16.2.15 table, or a module's option. */
  #configHelp(cmd: Record<string, unknown>): MonCommandResult {
    const name = normalizeKeyName(str(cmd.key) ?? "");
    const help = cephOptionHelp(name) ?? this.#moduleOptionHelp(name);
    if (!help) return err(-ENOENT, "");
    const f = formatterFor(cmd);
    return ok(f ? formatJson(help, f) : optionHelpText(help));
  }

  /** A module option's help, as MgrMonitor's Option for it dumps. */
  #moduleOptionHelp(name: string): OptionHelp | undefined {
    const opt = this.#opts.modules.findModuleOption(name);
    if (!opt) return undefined;
    const text = formatOptionValue(opt.defaultValue);
    const typed = (v: string): string | number | boolean =>
      opt.type === "bool"
        ? v === "true"
        : ["int", "uint", "size", "secs", "float"].includes(opt.type) && v !== ""
        ? Number(v)
        : v;
    const bound = (v: OptionValue | undefined): string | number =>
      v === undefined ? "" : Number(formatOptionValue(v));
    return {
      name,
      type: opt.type,
      level: opt.level,
      desc: opt.desc,
      long_desc: "",
      default: typed(text),
      daemon_default: "",
      tags: [],
      services: [],
      see_also: [],
      ...(opt.enumAllowed.length > 0 ? { enum_values: [...opt.enumAllowed] } : {}),
      min: bound(opt.min),
      max: bound(opt.max),
      can_update_at_runtime: canUpdateAtRuntime(opt),
      flags: [...opt.flags].filter((f) => f !== "mgr"),
    };
  }

  /** ConfigMonitor's `config log`: the newest `num` versions first, with their changes. */
  #configLog(cmd: Record<string, unknown>): MonCommandResult {
    const num = typeof cmd.num === "number" ? cmd.num : 1_000_000;
    const versions = this.#store.configHistory().reverse().slice(0, Math.max(0, num));
    const f = formatterFor(cmd);
    if (f) {
      return ok(formatJson(
        versions.map((v) => ({
          version: v.version,
          timestamp: v.stamp,
          name: "",
          changes: v.changes,
        })),
        f,
      ));
    }
    let out = "";
    for (const v of versions) {
      out += `--- ${v.version} --- ${v.stamp} ---\n`;
      for (const c of v.changes) {
        if (c.previous_value !== undefined) out += `- ${c.name} = ${c.previous_value}\n`;
        if (c.new_value !== undefined) out += `+ ${c.name} = ${c.new_value}\n`;
      }
    }
    return ok(out);
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
          mask: maskObject(e.mask),
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
          ...maskObject(e.mask),
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
    const names = [...CEPH_OPTION_MAP.keys(), ...this.#opts.modules.moduleOptionNames()];
    const f = formatterFor(cmd);
    return ok(f ? formatJson(names, f) : names.map((n) => n + "\n").join(""));
  }
}
