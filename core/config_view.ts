/**
 * The manager's local copy of the mon's config DB, as one daemon (`mgr.<id>`) sees it: a name
 * is looked up in `mgr.<id>`, then `mgr`, then `global`; Ceph's own options fall back to their
 * compiled-in defaults and come typed by their schema.
 *
 * @module
 */
import type { ConfigEntry } from "./cluster_link.ts";
import { typedOptionValue } from "./module_options.ts";
import { cephOptionSchema } from "../ceph/options.ts";

/** The config DB as one manager daemon sees it. */
export class ConfigView {
  /** section → option name → value; masked entries (`mgr/host:a`) are not kept. */
  #sections = new Map<string, Map<string, string>>();
  /** Every entry, masked ones too, for what another daemon sees. */
  #entries: readonly ConfigEntry[];

  /** `daemon` is `mgr.<id>`: the most specific section this daemon reads. */
  constructor(readonly daemon: string, entries: readonly ConfigEntry[]) {
    this.#sections = sectionsOf(entries);
    this.#entries = [...entries];
  }

  /** Replaces the copy with the config DB the mon pushed; true when anything in it changed. */
  replace(entries: readonly ConfigEntry[]): boolean {
    const before = this.#fingerprint();
    this.#sections = sectionsOf(entries);
    this.#entries = [...entries];
    return this.#fingerprint() !== before;
  }

  /**
   * The text of a Ceph option as another daemon or client would get it from the config DB
   * (ConfigMap::generate_entity_map): `global`, then its type's section, then its own name, a
   * later section winning; within a section an entry whose mask matches (`host:node1` against
   * the daemon's CRUSH location, `class:ssd` against its device class) wins over an unmasked
   * one. Unset, the compiled-in default: a daemon's, or a client's for `client.*`. Undefined
   * when Ceph has no such option.
   */
  foreignOptionText(
    entity: { type: string; name: string },
    key: string,
    location: Readonly<Record<string, string>> = {},
    deviceClass = "",
  ): string | undefined {
    const schema = cephOptionSchema(key, entity.type === "client");
    if (schema === undefined) return undefined;
    const matches = (mask: string) =>
      mask.split("/").every((part) => {
        const at = part.indexOf(":");
        if (at < 0) return false;
        const kind = part.slice(0, at), value = part.slice(at + 1);
        return kind === "class" ? value === deviceClass : location[kind] === value;
      });
    let value: string | undefined;
    for (const section of ["global", entity.type, entity.name]) {
      const here = this.#entries.filter((e) =>
        e.section === section && e.name === key && (e.mask === "" || matches(e.mask))
      );
      // Unmasked first: a matching masked entry is the more specific one.
      here.sort((a, b) => (a.mask === "" ? 0 : 1) - (b.mask === "" ? 0 : 1));
      const last = here[here.length - 1];
      if (last) value = last.value;
    }
    return value ?? schema.default;
  }

  /**
   * Applies a `config set|rm who=mgr` this daemon has just had committed: the mon pushes the
   * change too, but applying it here makes the write visible at once.
   */
  setForMgr(name: string, value: string | null): void {
    let section = this.#sections.get("mgr");
    if (!section) this.#sections.set("mgr", section = new Map());
    if (value === null) section.delete(name);
    else section.set(name, value);
  }

  /** The value this daemon sees for a config name: `mgr.<id>`, then `mgr`, then `global`. */
  value(name: string): string | undefined {
    return this.#sections.get(this.daemon)?.get(name) ??
      this.#sections.get("mgr")?.get(name) ??
      this.#sections.get("global")?.get(name);
  }

  /** A module option's stored text (`mgr/<module>/[<localizedFor>/]<key>`), localized first. */
  moduleOptionText(module: string, key: string, localizedFor?: string): string | undefined {
    if (localizedFor !== undefined) {
      const localized = this.value(`mgr/${module}/${localizedFor}/${key}`);
      if (localized !== undefined) return localized;
    }
    return this.value(`mgr/${module}/${key}`);
  }

  /** A daemon option's text: the config DB's, else its compiled-in default. */
  cephOptionText(key: string): string | undefined {
    return this.value(key) ?? cephOptionSchema(key)?.default;
  }

  /** A daemon option typed by its schema; undefined when the option does not exist. */
  cephOption(key: string): string | number | boolean | undefined {
    const schema = cephOptionSchema(key);
    const text = this.value(key) ?? schema?.default;
    if (text === undefined || schema === undefined) return undefined;
    return typedOptionValue(schema.type, text);
  }

  /**
   * This daemon's running configuration (`config show`): every name the config DB sets for
   * `global`, `mgr` or `mgr.<id>`, the most specific section winning, sorted by name.
   */
  running(): Map<string, string> {
    const running = new Map<string, string>();
    for (const section of ["global", "mgr", this.daemon]) {
      for (const [name, value] of this.#sections.get(section) ?? []) running.set(name, value);
    }
    return new Map([...running].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  #fingerprint(): string {
    return JSON.stringify([...this.#sections].map(([s, m]) => [s, [...m]]));
  }
}

function sectionsOf(entries: readonly ConfigEntry[]): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  for (const e of entries) {
    if (e.mask !== "") continue;
    let section = sections.get(e.section);
    if (!section) sections.set(e.section, section = new Map());
    section.set(e.name, e.value);
  }
  return sections;
}
