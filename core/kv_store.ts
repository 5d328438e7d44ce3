/**
 * The manager's local copy of the mon's config-key store under `mgr/`: what modules read with
 * `get_store()` at once, while their writes travel to the mon.
 *
 * @module
 */

/** Full config-key → value, for keys under `mgr/`. */
export class KvStore {
  readonly #entries = new Map<string, string>();

  constructor(initial: Readonly<Record<string, string>>) {
    for (const [k, v] of Object.entries(initial)) this.#entries.set(k, v);
  }

  get(key: string): string | undefined {
    return this.#entries.get(key);
  }

  /** Sets a key, or removes it when `value` is null. */
  set(key: string, value: string | null): void {
    if (value === null) this.#entries.delete(key);
    else this.#entries.set(key, value);
  }

  /** The entries whose key starts with `prefix`, sorted by key. */
  under(prefix: string): [key: string, value: string][] {
    return [...this.#entries].filter(([k]) => k.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : 1));
  }
}
