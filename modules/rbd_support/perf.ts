/**
 * rbd_support's image IO statistics (perf.py of Ceph 16.2.15): `rbd perf image stats` (rates
 * per second over the last two stats periods) and `rbd perf image counters` (totals since the
 * query began), per image, from OSD perf queries keyed by pool, namespace and the image id in
 * the data objects' names (`rbd_data.[<pool id>.]<image id>.<object number>`).
 *
 * As in 16.2.15: asking for a pool spec (none, `<pool>` or `<pool>/<namespace>`) registers six
 * queries for it (one per sort order, 256 keys each per OSD), which expire one minute after the
 * last request; the first answer for a new spec is empty (nothing has been counted yet), and a
 * rate needs two periods' counts at most a minute apart. Image ids are resolved to names from
 * the pool's `rbd_directory` (librbd's `list2`), refreshed every five minutes or when an id is
 * not known; an image with no name (removed) is dropped. On a cluster whose OSDs do not report
 * to this manager the queries cannot be added and the command fails, as 16.2.15 fails when
 * `add_osd_perf_query` answers None.
 *
 * @module
 */
import {
  EACCES,
  type Ioctx,
  ObjectNotFound,
  type OsdPerfCounters,
  pythonFloat,
  type Rados,
} from "mgr_module";
import { decodeString, omapAll, RBD_DIRECTORY } from "./rbd_objects.ts";

const OSD_PERF_QUERY_REGEX_MATCH_ALL = "^(.*)$";
const OSD_PERF_QUERY_COUNTERS = [
  "write_ops",
  "read_ops",
  "write_bytes",
  "read_bytes",
  "write_latency",
  "read_latency",
] as const;
type Counter = typeof OSD_PERF_QUERY_COUNTERS[number];
const OSD_PERF_QUERY_MAX_RESULTS = 256;
const POOL_REFRESH_INTERVAL = 5 * 60;
const QUERY_EXPIRE_INTERVAL = 60;
const STATS_RATE_INTERVAL = 60;
const REPORT_MAX_RESULTS = 64;

/** What the handler needs of the module. */
export interface PerfHost {
  readonly rados: Rados;
  readonly log: { debug(m: string): void; info(m: string): void };
  now(): number;
  is_authorized(arguments_: Readonly<Record<string, string>>): boolean;
  add_osd_perf_query(query: Readonly<Record<string, unknown>>): number | null;
  remove_osd_perf_query(query_id: number): void;
  get_osd_perf_counters(query_id: number): OsdPerfCounters | null;
  /** The pools of the OSD map, and whether each is an RBD pool. */
  pools(): { id: number; name: string; rbd: boolean }[];
}

/** `(pool name, namespace)`; null for "every" (16.2.15's `GLOBAL_POOL_KEY` is `(None, None)`). */
type PoolKey = readonly [string | null, string | null];

/** One period's raw counters of an image: `[timestamp, values]`. */
type RawSample = [number, number[]];
/** The last two samples, newest first (16.2.15's `[None, None]` pair). */
type RawImage = [RawSample | null, RawSample | null];

interface UserQuery {
  /** Pool id → pool name, of the pools the spec covers (`{null: null}` for a new global one). */
  poolIdMap: Map<number | null, string | null>;
  queryIds: number[];
  lastRequest: number;
  /** pool id → namespace → image id → raw samples. */
  raw: Map<number, Map<string, Map<string, RawImage>>>;
  /** pool id → namespace → image id → counters summed since the query began. */
  sum: Map<number, Map<string, Map<string, number[]>>>;
}

/** A user error with the errno 16.2.15's handle_command maps it to. */
class PerfError extends Error {
  constructor(readonly errno: number, message: string) {
    super(message);
  }
}

/** 16.2.15's `extract_pool_key`. */
function extractPoolKey(poolSpec: string | undefined): PoolKey {
  if (!poolSpec) return [null, null];
  const m = /^([^/]+)(?:\/([^/]+))?$/.exec(poolSpec);
  if (!m) throw new PerfError(22, `Invalid pool spec: ${poolSpec}`);
  return [m[1]!, m[2] || ""];
}

function nested<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) map.set(key, v = make());
  return v;
}

/** rbd_support's PerfHandler. */
export class PerfHandler {
  readonly #host: PerfHost;
  readonly #userQueries = new Map<string, { key: PoolKey; query: UserQuery }>();
  /** `pool id \x1f namespace` → image id → image name. */
  #imageNameCache = new Map<string, Map<string, string>>();
  #imageNameRefreshTime = 0;
  /** 16.2.15 holds one lock over a command and a processing round; here, one chain. */
  #lock: Promise<unknown> = Promise.resolve();

  constructor(host: PerfHost) {
    this.#host = host;
  }

  #locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn, fn);
    this.#lock = run.catch(() => {});
    return run;
  }

  /** One round of the handler's thread: expire idle queries, take the OSDs' counts. */
  tick(): Promise<void> {
    return this.#locked(async () => {
      this.#scrubExpiredQueries();
      await this.#processRawOsdPerfCounters();
    });
  }

  /** Removes every query (the module is stopping). */
  shutdown(): void {
    for (const [k, { key, query }] of this.#userQueries) {
      this.#unregister(key, query.queryIds);
      this.#userQueries.delete(k);
    }
  }

  /** `rbd perf image stats|counters [<pool_spec>] [<sort_by>]`. */
  handleCommand(prefix: string, cmd: Record<string, unknown>): Promise<[number, string, string]> {
    return this.#locked(async () => {
      const report = prefix === "image stats" ? "stat" : "counter";
      const poolSpec = cmd.pool_spec === undefined ? undefined : String(cmd.pool_spec);
      const sortBy = (cmd.sort_by === undefined ? "write_ops" : String(cmd.sort_by)) as Counter;
      try {
        return await this.#getPerfData(report, poolSpec, sortBy);
      } catch (e) {
        if (e instanceof PerfError) return [-e.errno, "", e.message];
        throw e;
      }
    });
  }

  async #getPerfData(
    report: "stat" | "counter",
    poolSpec: string | undefined,
    sortBy: Counter,
  ): Promise<[number, string, string]> {
    this.#log(`get_perf_${report}s: pool_spec=${poolSpec ?? "None"}, sort_by=${sortBy}`);
    this.#scrubExpiredQueries();
    const poolKey = extractPoolKey(poolSpec);
    // common.py's authorize_request.
    if (!this.#host.is_authorized({ pool: poolKey[0] ?? "", namespace: poolKey[1] ?? "" })) {
      throw new PerfError(
        EACCES,
        `not authorized on pool=${poolKey[0] ?? "None"}, namespace=${poolKey[1] ?? "None"}`,
      );
    }
    const userQuery = await this.#registerQuery(poolKey);
    const now = Math.floor(this.#host.now());
    const stat = report === "stat";
    const [descriptors, counters] = this.#generateReport(userQuery, sortBy, stat);
    const num = stat ? pythonFloat : String;
    // json.dumps of 16.2.15's dict, in its order; its int keys become strings.
    const body = [
      `"timestamp": ${pythonFloat(now)}`,
      `"${report}_descriptors": [${OSD_PERF_QUERY_COUNTERS.map((c) => `"${c}"`).join(", ")}]`,
      `"pool_descriptors": {${
        [...descriptors].map(([i, d]) => `"${i}": ${JSON.stringify(d)}`).join(", ")
      }}`,
      `"${report}s": [${
        counters.map(([image, data]) =>
          `{${JSON.stringify(image)}: [${data.map((v) => num(v)).join(", ")}]}`
        ).join(", ")
      }]`,
    ];
    return [0, `{${body.join(", ")}}\n`, ""];
  }

  async #registerQuery(poolKey: PoolKey): Promise<UserQuery> {
    const k = JSON.stringify(poolKey);
    const known = this.#userQueries.get(k);
    if (known) {
      const q = known.query;
      q.lastRequest = this.#host.now();
      if (poolKey[0] === null && poolKey[1] === null) {
        // The global query's pool id → name map is refreshed on each request.
        q.poolIdMap = new Map(
          this.#host.pools().filter((p) => p.rbd).map((p) => [p.id, p.name]),
        );
      }
      return q;
    }
    let poolId: number | null = null;
    if (poolKey[0]) {
      const pool = this.#host.pools().find((p) => p.name === poolKey[0]);
      if (!pool) {
        throw new PerfError(
          2,
          `[errno 2] RADOS object not found (Pool '${poolKey[0]}' not found)`,
        );
      }
      poolId = pool.id;
    }
    const query: UserQuery = {
      poolIdMap: new Map([[poolId, poolKey[0]]]),
      queryIds: this.#registerOsdPerfQueries(poolId, poolKey[1]),
      lastRequest: this.#host.now(),
      raw: new Map(),
      sum: new Map(),
    };
    this.#userQueries.set(k, { key: poolKey, query });
    // 16.2.15 wakes its thread for an immediate round and waits for it.
    await this.#processRawOsdPerfCounters();
    return query;
  }

  #registerOsdPerfQueries(poolId: number | null, namespace: string | null): number[] {
    const ids: number[] = [];
    try {
      for (const counter of OSD_PERF_QUERY_COUNTERS) {
        const query = {
          key_descriptor: [
            {
              type: "pool_id",
              regex: poolId !== null ? `^(${poolId})$` : OSD_PERF_QUERY_REGEX_MATCH_ALL,
            },
            {
              type: "namespace",
              regex: poolId !== null && namespace
                ? `^(${namespace})$`
                : OSD_PERF_QUERY_REGEX_MATCH_ALL,
            },
            { type: "object_name", regex: "^(?:rbd|journal)_data\\.(?:([0-9]+)\\.)?([^.]+)\\." },
          ],
          performance_counter_descriptors: [...OSD_PERF_QUERY_COUNTERS],
          limit: { order_by: counter, max_count: OSD_PERF_QUERY_MAX_RESULTS },
        };
        const id = this.#host.add_osd_perf_query(query);
        if (id === null) {
          throw new PerfError(22, `Failed to add OSD perf query: ${JSON.stringify(query)}`);
        }
        ids.push(id);
      }
    } catch (e) {
      for (const id of ids) this.#host.remove_osd_perf_query(id);
      throw e;
    }
    return ids;
  }

  #unregister(poolKey: PoolKey, ids: number[]): void {
    this.#host.log.info(
      `unregister_osd_perf_queries: pool_key=${JSON.stringify(poolKey)}, query_ids=[${ids}]`,
    );
    for (const id of ids) this.#host.remove_osd_perf_query(id);
    ids.length = 0;
  }

  #scrubExpiredQueries(): void {
    const expire = this.#host.now() - QUERY_EXPIRE_INTERVAL;
    for (const [k, { key, query }] of this.#userQueries) {
      if (query.lastRequest < expire) {
        this.#unregister(key, query.queryIds);
        this.#userQueries.delete(k);
      }
    }
  }

  async #processRawOsdPerfCounters(): Promise<void> {
    const now = this.#host.now();
    const nowTs = Math.floor(now);
    if (
      this.#imageNameCache.size > 0 &&
      this.#imageNameRefreshTime + POOL_REFRESH_INTERVAL < now
    ) {
      this.#log("process_raw_osd_perf_counters: expiring image name cache");
      this.#imageNameCache = new Map();
    }
    const resolve = new Map<string, [number, string]>();
    for (const { key, query } of this.#userQueries.values()) {
      if (query.queryIds.length === 0) continue;
      this.#mergeRaw(key, query, nowTs, resolve);
      this.#sum(query, nowTs);
    }
    if (resolve.size > 0) {
      this.#imageNameRefreshTime = now;
      await this.#refreshImageNames(resolve.values());
      this.#scrubMissingImages();
    } else if (this.#imageNameCache.size === 0) {
      this.#scrubMissingImages();
    }
  }

  #mergeRaw(
    poolKey: PoolKey,
    query: UserQuery,
    nowTs: number,
    resolve: Map<string, [number, string]>,
  ): void {
    for (const queryId of query.queryIds) {
      const res = this.#host.get_osd_perf_counters(queryId);
      for (const counter of res?.counters ?? []) {
        const k = counter.k;
        const fromName = k[2]?.[0] ?? "";
        const poolId = Number.parseInt(fromName !== "" ? fromName : k[0]?.[0] ?? "", 10);
        const namespace = k[1]?.[0] ?? "";
        const imageId = k[2]?.[1] ?? "";
        if (!query.poolIdMap.has(poolId)) continue;
        if (poolKey[1] !== null && poolKey[1] !== namespace) continue;
        const cacheKey = `${poolId}\x1f${namespace}`;
        if (!this.#imageNameCache.get(cacheKey)?.has(imageId)) {
          resolve.set(cacheKey, [poolId, namespace]);
        }
        const images = nested(
          nested(query.raw, poolId, () => new Map()),
          namespace,
          () => new Map<string, RawImage>(),
        );
        const raw = nested(images, imageId, (): RawImage => [null, null]);
        if (raw[0] && raw[0][0] < nowTs) {
          raw[1] = raw[0];
          raw[0] = null;
        }
        if (!raw[0]) raw[0] = [nowTs, counter.c.map((x) => Math.trunc(x[0]))];
      }
    }
  }

  #sum(query: UserQuery, nowTs: number): void {
    for (const [poolId, rawNamespaces] of query.raw) {
      const sumNamespaces = nested(query.sum, poolId, () => new Map());
      for (const [namespace, rawImages] of rawNamespaces) {
        const sumNamespace = nested(sumNamespaces, namespace, () => new Map<string, number[]>());
        for (const [imageId, raw] of rawImages) {
          if (!raw[0]) continue;
          if (raw[0][0] < nowTs) {
            // Not updated this round: the next rate reads zero.
            raw[1] = raw[0];
            raw[0] = [nowTs, raw[1][1].map(() => 0)];
            continue;
          }
          const counters = raw[0][1];
          const sum = sumNamespace.get(imageId);
          if (sum && sum.length > 0) {
            for (let i = 0; i < counters.length; i++) sum[i]! += counters[i]!;
          } else {
            sumNamespace.set(imageId, [...counters]);
          }
        }
      }
    }
  }

  async #refreshImageNames(keys: Iterable<[number, string]>): Promise<void> {
    for (const [poolId, namespace] of keys) {
      const images = nested(this.#imageNameCache, `${poolId}\x1f${namespace}`, () => new Map());
      let ioctx: Ioctx;
      try {
        ioctx = await this.#host.rados.open_ioctx2(poolId);
      } catch (e) {
        if (e instanceof ObjectNotFound) continue; // the pool went away
        throw e;
      }
      try {
        ioctx.set_namespace(namespace);
        // librbd's list2 of format-2 images: the directory's name_<name> → id entries.
        for (const [key, value] of await omapAll(ioctx, RBD_DIRECTORY, "name_")) {
          let id: string;
          try {
            id = decodeString(value);
          } catch {
            continue; // not a directory entry librbd wrote
          }
          images.set(id, key.slice(5));
        }
      } finally {
        ioctx.close();
      }
      this.#log(`resolve_image_names: ${poolId}/${namespace}=${images.size} images`);
    }
  }

  #scrubMissingImages(): void {
    for (const { query } of this.#userQueries.values()) {
      for (const [poolId, sumNamespaces] of query.sum) {
        const rawNamespaces = query.raw.get(poolId);
        for (const [namespace, sumImages] of sumNamespaces) {
          const rawImages = rawNamespaces?.get(namespace);
          const names = this.#imageNameCache.get(`${poolId}\x1f${namespace}`);
          for (const imageId of [...sumImages.keys()]) {
            if (names?.has(imageId)) continue;
            this.#log(`scrub_missing_images: dropping ${poolId}/${namespace}/${imageId}`);
            sumImages.delete(imageId);
            rawImages?.delete(imageId);
          }
        }
      }
    }
  }

  /** The rate of counter `index` over the image's last two samples (0 without two). */
  #extractStat(index: number, raw: RawImage | undefined): number {
    if (!raw || !raw[0] || !raw[1]) return 0;
    const current = raw[0][0], previous = raw[1][0];
    if (current <= previous || current - previous > STATS_RATE_INTERVAL) return 0;
    let rate = raw[0][1][index]! / (current - previous);
    const name = OSD_PERF_QUERY_COUNTERS[index];
    const opsIndex = name === "write_latency" ? 0 : name === "read_latency" ? 1 : undefined;
    // Latencies are summed nanoseconds: per op.
    if (opsIndex !== undefined) rate /= Math.max(1, this.#extractStat(opsIndex, raw));
    return rate;
  }

  #generateReport(
    query: UserQuery,
    sortBy: Counter,
    stat: boolean,
  ): [Map<number, string>, [string, number[]][]] {
    const sortIndex = OSD_PERF_QUERY_COUNTERS.indexOf(sortBy);
    const results: { poolId: number; namespace: string; imageId: string; by: number }[] = [];
    for (const [poolId, sumNamespaces] of query.sum) {
      if (!query.poolIdMap.has(poolId)) continue;
      const rawNamespaces = query.raw.get(poolId);
      for (const [namespace, sumImages] of sumNamespaces) {
        const rawImages = rawNamespaces?.get(namespace);
        for (const imageId of sumImages.keys()) {
          // Always sorted by recent IO activity (the rate), as 16.2.15 sorts (stable).
          const by = this.#extractStat(sortIndex, rawImages?.get(imageId));
          results.push({ poolId, namespace, imageId, by });
        }
      }
    }
    results.sort((a, b) => b.by - a.by);
    const poolDescriptors = new Map<string, number>();
    const counters: [string, number[]][] = [];
    for (const { poolId, namespace, imageId } of results.slice(0, REPORT_MAX_RESULTS)) {
      const name = this.#imageNameCache.get(`${poolId}\x1f${namespace}`)?.get(imageId);
      if (name === undefined) continue;
      const raw = query.raw.get(poolId)?.get(namespace)?.get(imageId);
      const sum = query.sum.get(poolId)?.get(namespace)?.get(imageId) ?? [];
      let descriptor = query.poolIdMap.get(poolId) ?? "";
      if (namespace) descriptor += `/${namespace}`;
      const index = nested(poolDescriptors, descriptor, () => poolDescriptors.size);
      const data = OSD_PERF_QUERY_COUNTERS.map((_, i) =>
        stat ? this.#extractStat(i, raw) : sum[i] ?? 0
      );
      if (data.every((v) => v === 0)) continue;
      counters.push([`${index}/${name}`, data]);
    }
    return [new Map([...poolDescriptors].map(([d, i]) => [i, d])), counters];
  }

  #log(message: string): void {
    this.#host.log.debug(message);
  }
}
