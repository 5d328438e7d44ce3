/**
 * Snapshots, not copies (DESIGN.md): a cache of derived views keyed by name and invalidated by
 * the version of their source (an OSDMap epoch, a PG stats version, ...). A view is computed
 * once per version, deep-frozen once, and the same object is handed to every caller until the
 * version changes; a caller that wants to edit asks for a private copy.
 *
 * `get()` of an unchanged source is one Map lookup, one `version()` call and a compare, at
 * any map size.
 *
 * @module
 */

/** A `get()` name: where its view comes from and when it is stale. */
export interface DataSource {
  /** The `get()` name, e.g. `osd_map`. */
  readonly name: string;
  /** Changes whenever `compute()` would answer differently (epoch, version, counter). */
  version(): number;
  /** Builds the view from the current state; called at most once per version. */
  compute(): unknown;
}

interface _Slot {
  source: DataSource | null;
  /** Version the cached value belongs to; NaN when nothing is cached (NaN equals nothing). */
  version: number;
  value: unknown;
}

/**
 * Freezes `value` and everything reachable from it, skipping objects that are already frozen
 * (a frozen subtree shared with an older snapshot is not walked again). Typed arrays and
 * other buffer views cannot be frozen and are left as they are. Returns `value`.
 *
 * @example
 * ```ts
 * import { deepFreeze } from "./snapshot_cache.ts";
 * const v = deepFreeze({ osds: [{ osd: 0, up: 1 }] });
 * if (!Object.isFrozen(v.osds[0])) throw new Error();
 * ```
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return value;
  const stack: object[] = [value as object];
  while (stack.length > 0) {
    const o = stack.pop()!;
    if (ArrayBuffer.isView(o)) continue;
    Object.freeze(o);
    if (Array.isArray(o)) {
      for (let i = 0; i < o.length; i++) {
        const v: unknown = o[i];
        if (v !== null && typeof v === "object" && !Object.isFrozen(v)) stack.push(v);
      }
    } else {
      for (const k in o) {
        const v: unknown = (o as Record<string, unknown>)[k];
        if (v !== null && typeof v === "object" && !Object.isFrozen(v)) stack.push(v);
      }
    }
  }
  return value;
}

/**
 * A deep copy in which every object and array is new and unfrozen, even where the original
 * shares one object between several places (snapshots share frozen parts, such as one empty
 * array for every PG's `blocked_by`): a caller's edit of one place never shows in another.
 * `structuredClone` keeps such sharing, so it is not used. Typed arrays are copied.
 *
 * @example
 * ```ts
 * import { deepCopy } from "./snapshot_cache.ts";
 * const empty: number[] = Object.freeze([]) as unknown as number[];
 * const copy = deepCopy({ a: { blocked_by: empty }, b: { blocked_by: empty } });
 * copy.a.blocked_by.push(1);
 * if (copy.b.blocked_by.length !== 0 || Object.isFrozen(copy.a)) throw new Error();
 * ```
 */
export function deepCopy<T>(value: T): T {
  return _copy(value) as T;
}

function _copy(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = _copy(v[i]);
    return out;
  }
  if (ArrayBuffer.isView(v)) return structuredClone(v);
  const out: Record<string, unknown> = {};
  for (const k in v) out[k] = _copy((v as Record<string, unknown>)[k]);
  return out;
}

/**
 * Named, versioned, frozen views.
 *
 * @example
 * ```ts
 * import { SnapshotCache } from "./snapshot_cache.ts";
 * let epoch = 1;
 * const cache = new SnapshotCache();
 * cache.register({ name: "osd_map", version: () => epoch, compute: () => ({ epoch }) });
 * const a = cache.get("osd_map");
 * if (cache.get("osd_map") !== a) throw new Error("same object while the epoch stands");
 * epoch = 2;
 * if (cache.get("osd_map") === a) throw new Error("a new snapshot for a new epoch");
 * if (cache.get("no_such_thing") !== null) throw new Error("unknown names give null");
 * ```
 */
export class SnapshotCache {
  readonly #slots = new Map<string, _Slot>();
  /** Views built so far (each `compute()` that ran): a caller tells a miss from a hit by it. */
  misses = 0;

  /**
   * Makes `source.name` a `get()` name (replacing a previous source of that name and
   * dropping its cached view).
   */
  register(source: DataSource): void {
    if (typeof source?.name !== "string" || source.name === "") {
      throw new TypeError(`register: source.name must be a non-empty string`);
    }
    this.#slots.set(source.name, { source, version: NaN, value: undefined });
  }

  /** Removes the `get()` name `name`. Returns whether it was registered. */
  unregister(name: string): boolean {
    const slot = this.#slots.get(name);
    if (slot?.source == null) return false;
    return this.#slots.delete(name);
  }

  /** Whether `name` is a registered `get()` name. */
  has(name: string): boolean {
    return this.#slots.get(name)?.source != null;
  }

  /**
   * The version of registered source `name` now (what decides whether {@linkcode get} answers
   * the cached view), or undefined for a name without a source.
   */
  version(name: string): number | undefined {
    return this.#slots.get(name)?.source?.version();
  }

  /** The registered `get()` names, in registration order. */
  names(): string[] {
    return [...this.#slots].filter(([, s]) => s.source !== null).map(([n]) => n);
  }

  /**
   * The frozen view of registered source `name` at its current version, computed on the first
   * call after the version changed; null for an unknown name. A throwing `compute()`
   * propagates and caches nothing.
   */
  get(name: string): unknown {
    const slot = this.#slots.get(name);
    if (slot === undefined) return null;
    const source = slot.source;
    if (source === null) return null;
    const version = source.version();
    if (slot.version === version) return slot.value;
    return this.#fill(slot, version, () => source.compute());
  }

  /**
   * `get(name, {mutable: true})`: a private, unfrozen copy ({@linkcode deepCopy}) of the
   * current view, or null for an unknown name.
   */
  mutable(name: string): unknown {
    const v = this.get(name);
    return v === null ? null : deepCopy(v);
  }

  /**
   * The view `name` at `version`: `compute()` runs only when the cached view is of another
   * version (or there is none); its result is deep-frozen once and returned to every caller
   * until the version changes. For derived views without a registered source.
   */
  view<T>(name: string, version: number, compute: () => T): T {
    let slot = this.#slots.get(name);
    if (slot === undefined) {
      slot = { source: null, version: NaN, value: undefined };
      this.#slots.set(name, slot);
    }
    if (slot.version === version) return slot.value as T;
    return this.#fill(slot, version, compute) as T;
  }

  #fill(slot: _Slot, version: number, compute: () => unknown): unknown {
    this.misses++;
    const value = deepFreeze(compute());
    slot.version = version;
    slot.value = value;
    return value;
  }

  /**
   * Drops the cached view of `name` (Ceph's `erase`), so the next read recomputes. Returns
   * whether a view was cached.
   */
  erase(name: string): boolean {
    const slot = this.#slots.get(name);
    if (slot === undefined || Number.isNaN(slot.version)) return false;
    slot.version = NaN;
    slot.value = undefined;
    return true;
  }
}
