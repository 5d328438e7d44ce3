/**
 * The active manager's OSD perf query collector (Ceph's MetricCollector for OSDs): the query
 * ids modules hold, the set of distinct queries the OSDs are told to evaluate, and the
 * counters their reports add up to, per query id, until the module fetches them — each fetch
 * takes what came since the last one.
 *
 * @module
 */
import {
  compareOsdPerfKeys,
  type OsdPerfLimit,
  type OsdPerfQuery,
  type OsdPerfQuerySet,
  type OsdPerfReport,
  queryIdentity,
} from "./osd_perf_query.ts";

/** What `get_osd_perf_counters` answers: one entry per key, in key order. */
export interface OsdPerfCounters {
  counters: { k: string[][]; c: [number, number][] }[];
}

interface Registered {
  query: OsdPerfQuery;
  /** Query id → its limit (undefined: none). */
  ids: Map<number, OsdPerfLimit | undefined>;
}

/**
 * The collector.
 *
 * @example
 * ```ts
 * import { OsdPerfCollector } from "./osd_perf_collector.ts";
 * const c = new OsdPerfCollector(() => {});
 * const query = { key_descriptor: [{ type: "pool_id" as const, regex: "^(.*)$" }], performance_counter_descriptors: ["ops" as const] };
 * const id = c.add(query);
 * c.ingest([{ query, entries: [{ key: [["1"]], counters: [[5, 0]] }] }]);
 * c.ingest([{ query, entries: [{ key: [["1"]], counters: [[2, 0]] }] }]);
 * console.assert(c.counters(id)?.counters[0]?.c[0]?.[0] === 7);
 * console.assert(c.counters(id)?.counters.length === 0);
 * ```
 */
export class OsdPerfCollector {
  #nextId = 0;
  readonly #queries = new Map<string, Registered>();
  /** Query id → key text → entry. */
  readonly #counters = new Map<number, Map<string, { k: string[][]; c: [number, number][] }>>();

  /** `changed` is called when the set of queries the OSDs evaluate changes. */
  constructor(readonly changed: (queries: OsdPerfQuerySet[]) => void) {}

  /** Registers a query; the id is new each time, even for a query already registered. */
  add(query: OsdPerfQuery, limit?: OsdPerfLimit): number {
    const id = this.#nextId++;
    const identity = queryIdentity(query);
    let reg = this.#queries.get(identity);
    if (!reg) this.#queries.set(identity, reg = { query, ids: new Map() });
    reg.ids.set(id, limit);
    this.#counters.set(id, new Map());
    this.changed(this.querySets());
    return id;
  }

  /** Unregisters a query id; false when it is unknown (Ceph's -ENOENT). */
  remove(id: number): boolean {
    this.#counters.delete(id);
    for (const [identity, reg] of this.#queries) {
      if (!reg.ids.delete(id)) continue;
      if (reg.ids.size === 0) this.#queries.delete(identity);
      this.changed(this.querySets());
      return true;
    }
    return false;
  }

  /** Forgets every query (the manager stops being active). */
  clear(): void {
    const had = this.#queries.size > 0;
    this.#queries.clear();
    this.#counters.clear();
    if (had) this.changed([]);
  }

  /** The distinct queries, each with its limits (none when any of its ids is unlimited). */
  querySets(): OsdPerfQuerySet[] {
    return [...this.#queries.values()].map((reg) => {
      const limits = [...reg.ids.values()];
      return {
        query: reg.query,
        limits: limits.some((l) => l === undefined) ? [] : limits as OsdPerfLimit[],
      };
    });
  }

  /** Adds the OSDs' reports of one period to every id registered on their queries. */
  ingest(reports: readonly OsdPerfReport[]): void {
    for (const report of reports) {
      const reg = this.#queries.get(queryIdentity(report.query));
      if (!reg) continue;
      for (const id of reg.ids.keys()) {
        const table = this.#counters.get(id);
        if (!table) continue;
        for (const entry of report.entries) {
          const text = JSON.stringify(entry.key);
          let mine = table.get(text);
          if (!mine) {
            table.set(text, mine = { k: entry.key, c: entry.counters.map(() => [0, 0]) });
          }
          for (let i = 0; i < mine.c.length; i++) {
            const add = entry.counters[i];
            if (!add) continue;
            mine.c[i]![0] += add[0];
            mine.c[i]![1] += add[1];
          }
        }
      }
    }
  }

  /** What came for `id` since the last call, in key order, or null for an unknown id. */
  counters(id: number): OsdPerfCounters | null {
    const table = this.#counters.get(id);
    if (!table) return null;
    const counters = [...table.values()].sort((a, b) => compareOsdPerfKeys(a.k, b.k));
    this.#counters.set(id, new Map());
    return { counters };
  }
}
