/**
 * Compares the shape of a JSON value with a reference: same keys, same JSON types at every
 * level, and array elements shaped like the reference's elements. Used to check simulator
 * dumps against ceph-reference/get/.
 */

/** The JSON type of a value. */
export function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

/** Options for {@linkcode shapeDiff}. */
export interface ShapeOptions {
  /**
   * Paths of objects whose keys are data (OSD ids, pool names, states): their values are
   * compared with the reference's values, not their keys. Paths look like `$.pools[].options`
   * (`[]` for any array element, `.*` for any key of such a map).
   */
  maps?: readonly string[];
}

function _signature(v: unknown, path: string, maps: ReadonlySet<string>): string {
  const t = jsonType(v);
  if (t === "array") {
    const parts = new Set((v as unknown[]).map((e) => _signature(e, `${path}[]`, maps)));
    return `[${[...parts].sort().join("|")}]`;
  }
  if (t === "object") {
    const entries = Object.entries(v as Record<string, unknown>);
    if (maps.has(path)) {
      const parts = new Set(entries.map(([, e]) => _signature(e, `${path}.*`, maps)));
      return `{*:${[...parts].sort().join("|")}}`;
    }
    return `{${
      entries.sort(([a], [b]) => a < b ? -1 : 1).map(([k, e]) =>
        `${k}:${_signature(e, `${path}.${k}`, maps)}`
      ).join(",")
    }}`;
  }
  return t;
}

function _unique(items: unknown[], path: string, maps: ReadonlySet<string>): unknown[] {
  const seen = new Map<string, unknown>();
  for (const e of items) {
    const sig = _signature(e, path, maps);
    if (!seen.has(sig)) seen.set(sig, e);
  }
  return [...seen.values()];
}

function _diff(
  actual: unknown,
  ref: unknown,
  path: string,
  shown: string,
  maps: ReadonlySet<string>,
  out: string[],
): void {
  const at = jsonType(actual), rt = jsonType(ref);
  if (at !== rt) {
    out.push(`${shown}: expected ${rt}, got ${at}`);
    return;
  }
  if (at === "object") {
    const a = actual as Record<string, unknown>, r = ref as Record<string, unknown>;
    if (maps.has(path)) {
      const refValues = _unique(Object.values(r), `${path}.*`, maps);
      for (const [k, v] of Object.entries(a)) {
        _matchAny(v, refValues, `${path}.*`, `${shown}.${k}`, maps, out);
      }
      return;
    }
    for (const k of Object.keys(r)) if (!(k in a)) out.push(`${shown}: missing key "${k}"`);
    for (const k of Object.keys(a)) if (!(k in r)) out.push(`${shown}: unexpected key "${k}"`);
    for (const k of Object.keys(a)) {
      if (k in r) _diff(a[k], r[k], `${path}.${k}`, `${shown}.${k}`, maps, out);
    }
    return;
  }
  if (at === "array") {
    const a = actual as unknown[], r = ref as unknown[];
    if (r.length === 0 || a.length === 0) return;
    const refShapes = _unique(r, `${path}[]`, maps);
    const actualShapes = _unique(a, `${path}[]`, maps);
    for (const e of actualShapes) _matchAny(e, refShapes, `${path}[]`, `${shown}[]`, maps, out);
    for (const e of refShapes) {
      const matched = actualShapes.some((x) => {
        const errs: string[] = [];
        _diff(x, e, `${path}[]`, `${shown}[]`, maps, errs);
        return errs.length === 0;
      });
      if (!matched) {
        out.push(
          `${shown}: no element shaped like reference element ${JSON.stringify(e).slice(0, 120)}`,
        );
      }
    }
  }
}

function _matchAny(
  v: unknown,
  refs: unknown[],
  path: string,
  shown: string,
  maps: ReadonlySet<string>,
  out: string[],
): void {
  if (refs.length === 0) return;
  let best: string[] | undefined;
  for (const r of refs) {
    const errs: string[] = [];
    _diff(v, r, path, shown, maps, errs);
    if (errs.length === 0) return;
    if (!best || errs.length < best.length) best = errs;
  }
  out.push(...(best ?? []));
}

/**
 * The differences in shape between `actual` and `reference` (empty when they match).
 *
 * @example
 * ```ts
 * import { shapeDiff } from "./sim_json_shape.ts";
 * const d = shapeDiff({ a: 1, b: [{ c: "x" }] }, { a: 2, b: [{ c: "y" }] });
 * if (d.length !== 0) throw new Error(d.join("\n"));
 * ```
 */
export function shapeDiff(
  actual: unknown,
  reference: unknown,
  options: ShapeOptions = {},
): string[] {
  const out: string[] = [];
  _diff(actual, reference, "$", "$", new Set(options.maps ?? []), out);
  return out;
}
