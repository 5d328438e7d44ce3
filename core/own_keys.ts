/**
 * Objects keyed by what a user typed. On a plain object `name in o` is true and `o[name]` is
 * `Object.prototype`'s for `constructor`, `toString`, `valueOf` or `__proto__`, so a lookup
 * finds what the user never created, and `o[app][key] = v` through such a find adds a property
 * to a builtin function of the whole process (and where `__proto__` is an accessor, as outside
 * Deno, `o[name] = v` replaces the prototype). Ceph keeps such names as plain map keys; these
 * helpers do too.
 *
 * @module
 */

/**
 * `o[key]` if `o` has it as its own property, else undefined.
 *
 * @example
 * ```ts
 * ownValue({}, "constructor"); // undefined
 * ```
 */
export function ownValue<T>(o: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

/**
 * Sets `key` on `o` as its own enumerable property, `__proto__` included.
 *
 * @example
 * ```ts
 * const o: Record<string, string> = {};
 * setOwn(o, "__proto__", "x");
 * JSON.stringify(o); // {"__proto__":"x"}
 * ```
 */
export function setOwn<T>(o: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
}
