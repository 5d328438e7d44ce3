/**
 * OSD perf queries (Ceph's src/mgr/OSDPerfMetricTypes.h): what a module asks the OSDs to count
 * with `add_osd_perf_query`, how a query is checked (BaseMgrModule's
 * `ceph_add_osd_perf_query`), and how one group of operations is keyed and counted
 * (`OSDPerfMetricQuery::get_key`, `PerformanceCounterDescriptor::update_counter`). The OSDs
 * (the simulator's) evaluate the queries on their operations; the manager's collector
 * (core/osd_perf_collector.ts) adds up what they report.
 *
 * @module
 */

/** What a sub-key can be drawn from, as the query names it. */
export const OSD_PERF_SUB_KEY_TYPES = [
  "client_id",
  "client_address",
  "pool_id",
  "namespace",
  "osd_id",
  "pg_id",
  "object_name",
  "snap_id",
] as const;
export type OsdPerfSubKeyType = typeof OSD_PERF_SUB_KEY_TYPES[number];

/** The counters a query can ask for. */
export const OSD_PERF_COUNTER_TYPES = [
  "ops",
  "write_ops",
  "read_ops",
  "bytes",
  "write_bytes",
  "read_bytes",
  "latency",
  "write_latency",
  "read_latency",
] as const;
export type OsdPerfCounterType = typeof OSD_PERF_COUNTER_TYPES[number];

/** A checked query: which sub-keys make an entry's key, and what is counted per entry. */
export interface OsdPerfQuery {
  key_descriptor: { type: OsdPerfSubKeyType; regex: string }[];
  performance_counter_descriptors: OsdPerfCounterType[];
}

/** At most `max_count` entries per OSD report, drawn by weight of `order_by`. */
export interface OsdPerfLimit {
  order_by: OsdPerfCounterType;
  max_count: number;
}

/** The queries the manager hands the OSDs (MMgrConfigure): each with its limits, none = all. */
export interface OsdPerfQuerySet {
  query: OsdPerfQuery;
  /** Empty when some query id on it is unlimited. */
  limits: OsdPerfLimit[];
}

/** One entry of a report: the key (one array of regex groups per sub-key) and its counters. */
export interface OsdPerfEntry {
  key: string[][];
  /** `[first, second]` per counter descriptor; second is a count for latencies, else 0. */
  counters: [number, number][];
}

/** What one OSD reports for one query over one period (OSDPerfMetricReport). */
export interface OsdPerfReport {
  query: OsdPerfQuery;
  entries: OsdPerfEntry[];
}

/**
 * A group of operations an OSD served in one period with the same sub-key values: what the
 * OSDs count queries over. `*Ns` are the summed latencies in nanoseconds.
 */
export interface OsdPerfOps {
  subKeys: Readonly<Record<OsdPerfSubKeyType, string>>;
  readOps: number;
  writeOps: number;
  readBytes: number;
  writeBytes: number;
  readNs: number;
  writeNs: number;
}

/** `add_osd_perf_query`'s answer for an input it refuses (Ceph logs it and returns None). */
export class OsdPerfQueryError extends Error {
  override name = "OsdPerfQueryError";
}

function isDict(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Checks a query as `ceph_add_osd_perf_query` does: `key_descriptor` a list of
 * `{type, regex}` whose regexes have a capturing group, `performance_counter_descriptors` a
 * list of counter names, an optional `limit` whose `order_by` is one of them. Throws
 * {@linkcode OsdPerfQueryError} with the message Ceph logs.
 *
 * @example
 * ```ts
 * import { parseOsdPerfQuery } from "./osd_perf_query.ts";
 * const { query, limit } = parseOsdPerfQuery({
 *   key_descriptor: [{ type: "pool_id", regex: "^(.*)$" }],
 *   performance_counter_descriptors: ["write_ops", "read_ops"],
 *   limit: { order_by: "write_ops", max_count: 10 },
 * });
 * console.assert(query.key_descriptor.length === 1 && limit?.max_count === 10);
 * ```
 */
export function parseOsdPerfQuery(input: unknown): { query: OsdPerfQuery; limit?: OsdPerfLimit } {
  const fail = (m: string): never => {
    throw new OsdPerfQueryError(`ceph_add_osd_perf_query ${m}`);
  };
  if (!isDict(input)) fail("arg not a dict");
  const q = input as Record<string, unknown>;
  const query: OsdPerfQuery = { key_descriptor: [], performance_counter_descriptors: [] };
  let limit: OsdPerfLimit | undefined;
  for (const [name, value] of Object.entries(q)) {
    if (name === "key_descriptor") {
      if (!Array.isArray(value)) fail(`${name} not a list`);
      (value as unknown[]).forEach((sub, j) => {
        if (!isDict(sub)) fail(`query ${name} item ${j} not a dict`);
        let type: OsdPerfSubKeyType | undefined;
        let regex = "";
        for (const [param, v] of Object.entries(sub as Record<string, unknown>)) {
          if (param === "type") {
            if (typeof v !== "string") {
              fail(`query ${name} item ${j} contains invalid param ${param}`);
            }
            if (!(OSD_PERF_SUB_KEY_TYPES as readonly string[]).includes(v as string)) {
              fail(`query ${name} item ${j} contains invalid type `);
            }
            type = v as OsdPerfSubKeyType;
          } else if (param === "regex") {
            if (typeof v !== "string") {
              fail(`query ${name} item ${j} contains invalid param ${param}`);
            }
            regex = v as string;
            let re: RegExp | undefined;
            try {
              re = new RegExp(regex);
            } catch {
              fail(`query ${name} item ${j} contains invalid regex ${regex}`);
            }
            // Capturing groups, as std::regex::mark_count counts them.
            if (new RegExp(`${re!.source}|`).exec("")!.length <= 1) {
              fail(`query ${name} item ${j} regex ${regex}: no capturing groups`);
            }
          } else {
            fail(`query ${name} item ${j} contains invalid param ${param}`);
          }
        }
        if (type === undefined || regex === "") fail(`query ${name} item ${j} invalid`);
        query.key_descriptor.push({ type: type!, regex });
      });
    } else if (name === "performance_counter_descriptors") {
      if (!Array.isArray(value)) fail(`${name} not a list`);
      (value as unknown[]).forEach((t, j) => {
        if (typeof t !== "string") fail(`query ${name} item ${j} not a string`);
        if (!(OSD_PERF_COUNTER_TYPES as readonly string[]).includes(t as string)) {
          fail(`query ${name} item ${t} is not valid type`);
        }
        query.performance_counter_descriptors.push(t as OsdPerfCounterType);
      });
    } else if (name === "limit") {
      if (!isDict(value)) fail(`query ${name} not a dict`);
      limit = { order_by: "ops", max_count: 0 };
      for (const [param, v] of Object.entries(value as Record<string, unknown>)) {
        if (param === "order_by") {
          if (typeof v !== "string") fail(`${param} not a string`);
          if (!(OSD_PERF_COUNTER_TYPES as readonly string[]).includes(v as string)) {
            fail(`limit ${param} not a valid counter type`);
          }
          limit.order_by = v as OsdPerfCounterType;
        } else if (param === "max_count") {
          if (!Number.isSafeInteger(v)) fail(`${param} not an int`);
          limit.max_count = v as number;
        } else {
          fail(`unknown limit param: ${param}`);
        }
      }
    } else {
      fail(`unknown query param: ${name}`);
    }
  }
  if (query.key_descriptor.length === 0 || query.performance_counter_descriptors.length === 0) {
    fail("invalid query");
  }
  if (limit && !query.performance_counter_descriptors.includes(limit.order_by)) {
    fail(`limit order_by ${limit.order_by} not in performance_counter_descriptors`);
  }
  return limit ? { query, limit } : { query };
}

/** One text per distinct query: queries are grouped by it, as Ceph's map keys them. */
export function queryIdentity(query: OsdPerfQuery): string {
  return JSON.stringify([query.key_descriptor, query.performance_counter_descriptors]);
}

/**
 * A query's key for a group of operations, or null when a sub-key's regex does not match
 * (`OSDPerfMetricQuery::get_key`: `regex_search`, then the capturing groups; a group that
 * took no part is "").
 */
export function osdPerfKey(
  query: OsdPerfQuery,
  regexes: readonly RegExp[],
  ops: OsdPerfOps,
): string[][] | null {
  const key: string[][] = [];
  for (let i = 0; i < query.key_descriptor.length; i++) {
    const d = query.key_descriptor[i]!;
    const m = regexes[i]!.exec(ops.subKeys[d.type]);
    if (m === null || m.length <= 1) return null;
    key.push(m.slice(1).map((g) => g ?? ""));
  }
  return key;
}

/**
 * Adds a group of operations to an entry's counters (`update_counter` for each op of the
 * group): the second value only counts latencies, as only theirs travels in a report.
 */
export function addOsdPerfOps(
  descriptors: readonly OsdPerfCounterType[],
  counters: [number, number][],
  ops: OsdPerfOps,
): void {
  for (let i = 0; i < descriptors.length; i++) {
    const c = counters[i]!;
    switch (descriptors[i]!) {
      case "ops":
        c[0] += ops.readOps + ops.writeOps;
        break;
      case "write_ops":
        c[0] += ops.writeOps;
        break;
      case "read_ops":
        c[0] += ops.readOps;
        break;
      case "bytes":
        c[0] += ops.readBytes + ops.writeBytes;
        break;
      case "write_bytes":
        c[0] += ops.writeBytes;
        break;
      case "read_bytes":
        c[0] += ops.readBytes;
        break;
      case "latency":
        c[0] += ops.readNs + ops.writeNs;
        c[1] += ops.readOps + ops.writeOps;
        break;
      case "write_latency":
        c[0] += ops.writeNs;
        c[1] += ops.writeOps;
        break;
      case "read_latency":
        c[0] += ops.readNs;
        c[1] += ops.readOps;
        break;
    }
  }
}

/** Orders keys as Ceph's std::map of string vectors does: element by element. */
export function compareOsdPerfKeys(a: readonly string[][], b: readonly string[][]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!, y = b[i]!;
    for (let j = 0; j < Math.min(x.length, y.length); j++) {
      if (x[j]! !== y[j]!) return x[j]! < y[j]! ? -1 : 1;
    }
    if (x.length !== y.length) return x.length - y.length;
  }
  return a.length - b.length;
}
