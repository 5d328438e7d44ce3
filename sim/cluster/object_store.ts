/**
 * The simulated cluster's objects (what the OSDs store for librados clients): objects of each
 * pool, with data, omap and cls_lock locks, on the PG their name hashes to
 * (`stable_mod(ceph_str_hash_rjenkins(name), pg_num)`). An operation on an object whose PG is
 * not active waits, checking every second of virtual time, up to its timeout; a written
 * object counts in its PG's statistics (so in `df` and `osd pool stats`). The store belongs to
 * the cluster, so objects outlive a manager failover. It is the simulator's side of
 * core/rados_port.ts.
 *
 * @module
 */
import type { RadosOp, RadosPort, RadosReply } from "../../core/rados_port.ts";
import { objectHash } from "../../ceph/str_hash.ts";
import { stableMod } from "../../ceph/pg_placement.ts";
import { PgState } from "../../ceph/pg_state.ts";
import type { Scheduler } from "../engine/scheduler.ts";
import type { OsdMap } from "./osd_map.ts";
import type { PgTable } from "./pg_table.ts";

/** What the store needs of its cluster: virtual time, the pools, the PGs' state and stats. */
export interface ObjectStoreCluster {
  readonly scheduler: Pick<Scheduler, "now" | "schedule">;
  readonly map: Pick<OsdMap, "pools">;
  readonly pgs: Pick<PgTable, "index" | "state" | "objects" | "bytes" | "poolPgs">;
}

const ENOENT = 2, EEXIST = 17, EBUSY = 16, ETIMEDOUT = 110, EINVAL = 22;

interface _Lock {
  exclusive: boolean;
  holders: Map<string, number>; // client + "\0" + cookie → expiry (Infinity: none)
}

interface _Object {
  data: Uint8Array;
  omap: Map<string, Uint8Array>;
  mtime: number;
  locks: Map<string, _Lock>;
}

/** The objects of one simulated cluster. */
export class SimObjectStore implements RadosPort {
  readonly #cluster: ObjectStoreCluster;
  /** pool id → `nspace \x1f oid` → object. */
  readonly #pools = new Map<number, Map<string, _Object>>();

  constructor(cluster: ObjectStoreCluster) {
    this.#cluster = cluster;
  }

  /**
   * Writes omap entries the cluster held before the run began (as a client wrote them): at
   * once, whether or not the object's PG is active yet; counted in the PG's statistics.
   */
  preloadOmap(pool: number, nspace: string, oid: string, keys: string[], values: Uint8Array[]) {
    const p = this.#pg(pool, nspace, oid);
    if (p === -1) throw new RangeError(`preloadOmap: no pool ${pool}`);
    this.#apply(pool, nspace, { op: "omap_set", oid, keys, values }, p);
  }

  /** How many objects pool `pool` holds (all namespaces). */
  objectCount(pool: number): number {
    return this.#pools.get(pool)?.size ?? 0;
  }

  operate(pool: number, nspace: string, op: RadosOp, timeout: number): Promise<RadosReply> {
    const c = this.#cluster;
    const start = c.scheduler.now;
    return new Promise((resolve) => {
      const attempt = () => {
        const p = op.op === "list" ? -2 : this.#pg(pool, nspace, op.oid);
        if (p === -1) return resolve({ r: -ENOENT });
        if (p === -2 ? this.#poolActive(pool) : (c.pgs.state[p]! & PgState.ACTIVE) !== 0) {
          return resolve(this.#apply(pool, nspace, op, p));
        }
        const waited = c.scheduler.now - start;
        if (timeout > 0 && waited >= timeout) return resolve({ r: -ETIMEDOUT });
        const step = timeout > 0 ? Math.min(1, timeout - waited) : 1;
        c.scheduler.schedule(step, `rados ${op.op} waits for pool ${pool}`, attempt);
      };
      attempt();
    });
  }

  /** The PG index of an object, or -1 when the pool does not exist. */
  #pg(pool: number, nspace: string, oid: string): number {
    const c = this.#cluster;
    const p = c.map.pools.find((x) => x.id === pool);
    if (!p) return -1;
    return c.pgs.index(pool, stableMod(objectHash(nspace, oid), p.pgNum));
  }

  #poolActive(pool: number): boolean {
    const c = this.#cluster;
    if (!c.map.pools.some((x) => x.id === pool)) return true; // answered -ENOENT below
    return c.pgs.poolPgs(pool).every((p) => (c.pgs.state[p]! & PgState.ACTIVE) !== 0);
  }

  #apply(pool: number, nspace: string, op: RadosOp, p: number): RadosReply {
    const c = this.#cluster;
    if (!c.map.pools.some((x) => x.id === pool)) return { r: -ENOENT };
    let objects = this.#pools.get(pool);
    if (!objects) this.#pools.set(pool, objects = new Map());
    if (op.op === "list") {
      return {
        r: 0,
        objects: [...objects.keys()].sort().map((k) => {
          const cut = k.indexOf("\x1f");
          return { nspace: k.slice(0, cut), oid: k.slice(cut + 1) };
        }),
      };
    }
    const key = `${nspace}\x1f${op.oid}`;
    const now = c.scheduler.now;
    const obj = objects.get(key);
    const create = (): _Object => {
      if (obj) return obj;
      const fresh: _Object = {
        data: new Uint8Array(0),
        omap: new Map(),
        mtime: now,
        locks: new Map(),
      };
      objects.set(key, fresh);
      c.pgs.objects[p] = (c.pgs.objects[p] ?? 0) + 1;
      return fresh;
    };
    const resize = (o: _Object, data: Uint8Array) => {
      c.pgs.bytes[p] = Math.max(0, (c.pgs.bytes[p] ?? 0) + data.length - o.data.length);
      o.data = data;
      o.mtime = now;
    };
    switch (op.op) {
      case "write_full": {
        const o = create();
        resize(o, op.data.slice());
        return { r: 0 };
      }
      case "write":
      case "append": {
        const o = create();
        const offset = op.op === "append" ? o.data.length : op.offset;
        if (!(offset >= 0)) return { r: -EINVAL };
        const next = new Uint8Array(Math.max(o.data.length, offset + op.data.length));
        next.set(o.data);
        next.set(op.data, offset);
        resize(o, next);
        return { r: 0 };
      }
      case "read":
        if (!obj) return { r: -ENOENT };
        return { r: 0, data: obj.data.slice(op.offset, op.offset + op.length) };
      case "stat":
        if (!obj) return { r: -ENOENT };
        return { r: 0, size: obj.data.length, mtime: obj.mtime };
      case "remove":
        if (!obj) return { r: -ENOENT };
        objects.delete(key);
        c.pgs.objects[p] = Math.max(0, (c.pgs.objects[p] ?? 0) - 1);
        c.pgs.bytes[p] = Math.max(0, (c.pgs.bytes[p] ?? 0) - obj.data.length);
        return { r: 0 };
      case "omap_set": {
        const o = create();
        op.keys.forEach((k, i) => o.omap.set(k, (op.values[i] ?? new Uint8Array(0)).slice()));
        o.mtime = now;
        return { r: 0 };
      }
      case "omap_get_vals": {
        if (!obj) return { r: -ENOENT };
        const keys = [...obj.omap.keys()].filter((k) =>
          k > op.start_after && k.startsWith(op.filter_prefix)
        ).sort();
        const vals = keys.slice(0, op.max_return).map((k): [string, Uint8Array] => [
          k,
          (obj.omap.get(k) as Uint8Array).slice(),
        ]);
        return { r: 0, vals, more: keys.length > op.max_return };
      }
      case "omap_rm_keys":
        if (!obj) return { r: -ENOENT };
        for (const k of op.keys) obj.omap.delete(k);
        obj.mtime = now;
        return { r: 0 };
      case "lock": {
        const o = create();
        const lock = o.locks.get(op.name) ?? { exclusive: op.exclusive, holders: new Map() };
        for (const [h, expiry] of lock.holders) if (expiry <= now) lock.holders.delete(h);
        const me = `${op.client}\0${op.cookie}`;
        if (lock.holders.has(me)) return { r: -EEXIST };
        if (lock.holders.size > 0 && (lock.exclusive || op.exclusive)) return { r: -EBUSY };
        lock.exclusive = op.exclusive;
        lock.holders.set(me, op.duration > 0 ? now + op.duration : Infinity);
        o.locks.set(op.name, lock);
        return { r: 0 };
      }
      case "unlock": {
        const lock = obj?.locks.get(op.name);
        const me = `${op.client}\0${op.cookie}`;
        if (!lock || !lock.holders.has(me) || (lock.holders.get(me) as number) <= now) {
          return { r: -ENOENT };
        }
        lock.holders.delete(me);
        return { r: 0 };
      }
    }
  }
}
