/**
 * The daemons' perf counters on a real cluster, as the manager's perf reports: what a Ceph
 * daemon sends its manager in MMgrReport (the counters of priority `mgr_stats_threshold` and
 * up, time counters in nanoseconds), read here with `perf schema` and `perf dump` over
 * librados — `rados_osd_command` for OSDs, `rados_mon_command_target` for mons,
 * `rados_mgr_command_target` for the real ceph-mgr — and libcephfs' `ceph_mds_command` for
 * MDSs, at most `concurrency` daemons at a time, every `period` seconds. Daemons that share a
 * schema go out in one {@linkcode PerfReportBatch}. A daemon whose `perf dump` has other
 * sections than its schema had (an MDS that went from standby to active gains `mds`,
 * `mds_server`, ...; a ceph-mgr that loaded a module gains its finisher) has its schema read
 * again, as MgrClient declares a new schema in its next report.
 *
 * Histogram counters (`osd.op_r_latency_out_bytes_histogram`, type 26) are declared as a
 * daemon declares them to its manager: MgrClient::_send_report declares every counter of
 * priority `mgr_stats_threshold` and up, histograms included, and sends each one's `u64`
 * field, which PerfCounters never sets for a histogram (`hinc` fills the histogram only), so
 * the real manager holds 0 for them (its `get_all_perf_counters` shows `value: 0`) and its
 * prometheus module leaves them out. `perf schema` and `perf dump` do not print histograms,
 * so their schema is read with `perf histogram schema`, once per daemon, and their value is
 * that 0; the buckets of `perf histogram dump` never reach a manager and are not read.
 *
 * @module
 */
import type { PerfReportBatch } from "../core/cluster_link.ts";

/** Ceph's perf counter type bits (common/perf_counters.h). */
const TIME = 1, LONGRUNAVG = 4, HISTOGRAM = 0x10;
/** PerfCountersBuilder::PRIO_USEFUL, the default `mgr_stats_threshold`. */
export const MGR_STATS_THRESHOLD = 5;

/** One counter of `perf schema -f json`. */
interface SchemaJson {
  type: number;
  description?: string;
  nick?: string;
  priority?: number;
  units?: string;
}

/** The counters of one daemon's schema that a manager receives, in report order. */
interface Schema {
  key: string;
  /** `[section, name]` of each counter. */
  at: [string, string][];
  types: Int32Array;
  columns: PerfReportBatch["schema"];
  /** The sections of `perf schema` (`perf dump` has the same ones while nothing changed). */
  sections: string;
}

/** How the poller reaches the daemons. */
export interface PerfSource {
  /** `perf schema` / `perf dump` of `daemon` (`osd.3`, `mon.a`, `mds.a`, `mgr.x`), parsed. */
  tell(
    daemon: string,
    prefix: "perf schema" | "perf histogram schema" | "perf dump",
  ): Promise<unknown>;
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function bounded<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** `perf schema -f json`: counters by section. */
type SchemaDump = Record<string, Record<string, SchemaJson>>;

/** `perf schema` with the histogram counters of `perf histogram schema` added to their sections. */
function withHistograms(plain: SchemaDump, histograms: SchemaDump): SchemaDump {
  const out: SchemaDump = {};
  for (const [section, counters] of Object.entries(plain)) out[section] = { ...counters };
  for (const [section, counters] of Object.entries(histograms ?? {})) {
    for (const [name, c] of Object.entries(counters ?? {})) {
      if ((c.type & HISTOGRAM) === 0) continue;
      (out[section] ??= {})[name] = c;
    }
  }
  return out;
}

function schemaOf(json: SchemaDump, plain: SchemaDump): Schema {
  const at: [string, string][] = [];
  const types: number[] = [], priorities: number[] = [], units: number[] = [];
  const paths: string[] = [], descriptions: string[] = [], nicks: string[] = [];
  for (const [section, counters] of Object.entries(json)) {
    for (const [name, c] of Object.entries(counters)) {
      if ((c.priority ?? 0) < MGR_STATS_THRESHOLD) continue;
      at.push([section, name]);
      paths.push(`${section}.${name}`);
      descriptions.push(c.description ?? "");
      nicks.push(c.nick ?? "");
      types.push(c.type);
      priorities.push(c.priority ?? 0);
      // Ceph's unit_t: UNIT_BYTES = 0, UNIT_NONE = 1.
      units.push(c.units === "bytes" ? 0 : 1);
    }
  }
  return {
    key: JSON.stringify([paths, types]),
    sections: sectionsOf(plain),
    at,
    types: Int32Array.from(types),
    columns: {
      size: paths.length,
      paths,
      descriptions,
      nicks,
      types: Int32Array.from(types),
      priorities: Int32Array.from(priorities),
      units: Int32Array.from(units),
    },
  };
}

function sectionsOf(dump: object): string {
  return JSON.stringify(Object.keys(dump).sort());
}

/** Reads the daemons' counters each period; schemas are read once per daemon. */
export class PerfPoller {
  readonly #source: PerfSource;
  readonly #concurrency: number;
  readonly #schemas = new Map<string, Schema>();
  /** One object per distinct schema: the manager converts each report schema once. */
  readonly #interned = new Map<string, Schema>();

  constructor(source: PerfSource, concurrency = 4) {
    this.#source = source;
    this.#concurrency = Math.max(1, concurrency);
  }

  async #readSchema(daemon: string): Promise<void> {
    const json = await this.#source.tell(daemon, "perf schema") as SchemaDump;
    const histograms = await this.#source.tell(daemon, "perf histogram schema")
      .catch(() => ({})) as SchemaDump;
    const schema = schemaOf(withHistograms(json, histograms), json);
    const known = this.#interned.get(schema.key);
    if (!known) this.#interned.set(schema.key, schema);
    this.#schemas.set(daemon, known ?? schema);
  }

  /** One period's reports of `daemons`; a daemon that does not answer is left out. */
  async poll(daemons: readonly string[], stamp: number): Promise<PerfReportBatch[]> {
    const dumps = new Map<string, Record<string, Record<string, unknown>>>();
    await bounded(daemons, this.#concurrency, async (daemon) => {
      try {
        if (!this.#schemas.has(daemon)) await this.#readSchema(daemon);
        const dump = await this.#source.tell(daemon, "perf dump") as Record<
          string,
          Record<string, unknown>
        >;
        if (sectionsOf(dump) !== this.#schemas.get(daemon)!.sections) {
          await this.#readSchema(daemon);
        }
        dumps.set(daemon, dump);
      } catch {
        // Down or restarting: its schema is read again when it answers.
        this.#schemas.delete(daemon);
      }
    });
    const groups = new Map<string, { schema: Schema; daemons: string[] }>();
    for (const daemon of daemons) {
      const schema = this.#schemas.get(daemon);
      if (!schema || !dumps.has(daemon)) continue;
      const g = groups.get(schema.key) ?? { schema, daemons: [] };
      g.daemons.push(daemon);
      groups.set(schema.key, g);
    }
    const out: PerfReportBatch[] = [];
    for (const { schema, daemons: names } of groups.values()) {
      const size = schema.columns.size;
      const values = new Float64Array(names.length * size);
      const counts = new Float64Array(names.length * size);
      for (const [row, daemon] of names.entries()) {
        const dump = dumps.get(daemon)!;
        for (const [c, [section, name]] of schema.at.entries()) {
          const type = schema.types[c]!;
          const v = dump[section]?.[name];
          const scale = (type & TIME) !== 0 ? 1e9 : 1;
          if ((type & LONGRUNAVG) !== 0 && v !== null && typeof v === "object") {
            const avg = v as { avgcount?: number; sum?: number };
            values[row * size + c] = Math.round((avg.sum ?? 0) * scale);
            counts[row * size + c] = avg.avgcount ?? 0;
          } else if ((type & HISTOGRAM) !== 0) {
            // The u64 a histogram counter reports (see the module doc): 0, as values start.
            continue;
          } else if (typeof v === "number") {
            values[row * size + c] = Math.round(v * scale);
          }
        }
      }
      out.push({
        schema: schema.columns,
        daemons: names,
        rows: Int32Array.from(names.keys()),
        stamps: new Float64Array(names.length).fill(stamp),
        values,
        counts,
      });
    }
    return out;
  }
}
