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

  /** `daemon` is `mgr.<id>`: the most specific section this daemon reads. */
  constructor(readonly daemon: string, entries: readonly ConfigEntry[]) {
    this.#sections = sectionsOf(entries);
  }

  /** Replaces the copy with the config DB the mon pushed; true when anything in it changed. */
  replace(entries: readonly ConfigEntry[]): boolean {
    const before = this.#fingerprint();
    this.#sections = sectionsOf(entries);
    return this.#fingerprint() !== before;
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
