/**
 * An I/O context on one pool (`rados_ioctx_t`): objects, their omap, object listing and
 * advisory locks (cls_lock), as librados gives them.
 *
 * @module
 */
import { ENOENT } from "../ceph/errno.ts";
import {
  bytesOf,
  copyBytes,
  cString,
  outWord,
  PointerArray,
  pointerIn,
  readCString,
} from "./_c_memory.ts";
import { CallGate } from "./_call_gate.ts";
import { LIBRADOS_LOCK_FLAG_RENEW, type LibradosSymbols } from "./librados_symbols.ts";
import { RadosError } from "./rados_error.ts";

/** What `stat()` tells of an object. */
export interface RadosObjectStat {
  /** Size in bytes. */
  size: number;
  /** Last modification, seconds since the epoch. */
  mtime: number;
}

/** One object of `listObjects()`. */
export interface RadosObjectEntry {
  /** The object's name. */
  name: string;
  /** Its locator key (`""` when none). */
  key: string;
  /** Its namespace (`""` for the default one). */
  namespace: string;
}

/** Which omap entries `getOmap()` returns. */
export interface OmapQuery {
  /** Only keys after this one. */
  startAfter?: string;
  /** Only keys that start with this. */
  prefix?: string;
  /** At most this many (default: all). */
  max?: number;
}

/** How `lockExclusive()` takes the lock. */
export interface LockOptions {
  /** Free text stored with the lock (`rados lock info` shows it). */
  description?: string;
  /** The lock lapses this many seconds after it was taken or renewed (default: never). */
  durationSeconds?: number;
  /** Renew the lock this (client, cookie) already holds instead of failing with EEXIST. */
  renew?: boolean;
}

// The omap is read in pages of this many entries.
const OMAP_PAGE = 1000;

/**
 * An I/O context; from `RadosCluster.openIoctx()`. Calls may run concurrently from several
 * async tasks; `close()` waits for them, then destroys the context.
 */
export class RadosIoctx {
  /** The pool's name. */
  readonly pool: string;
  readonly #lib: LibradosSymbols;
  readonly #io: Deno.PointerObject;
  readonly #gate = new CallGate("I/O context");
  readonly #onClose: (io: RadosIoctx) => void;
  #closing: Promise<void> | null = null;

  /** @internal Made by `RadosCluster.openIoctx()`. */
  constructor(
    lib: LibradosSymbols,
    io: Deno.PointerObject,
    pool: string,
    onClose: (io: RadosIoctx) => void,
  ) {
    this.#lib = lib;
    this.#io = io;
    this.pool = pool;
    this.#onClose = onClose;
  }

  /** Replaces the whole object `oid` with `data` (creating it). */
  writeFull(oid: string, data: Uint8Array | string): Promise<void> {
    return this.#gate.run("rados_write_full", async () => {
      const bytes = bytesOf(data);
      const rc = await this.#lib.rados_write_full(
        this.#io,
        cString(oid),
        bytes,
        BigInt(bytes.length),
      );
      check("rados_write_full", rc, oid);
    });
  }

  /** Writes `data` into `oid` at byte `offset` (creating it; the rest is kept). */
  write(oid: string, data: Uint8Array | string, offset: number): Promise<void> {
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new RangeError(`write: offset must be an integer >= 0, not ${offset}`);
    }
    return this.#gate.run("rados_write", async () => {
      const bytes = bytesOf(data);
      const rc = await this.#lib.rados_write(
        this.#io,
        cString(oid),
        bytes,
        BigInt(bytes.length),
        BigInt(offset),
      );
      check("rados_write", rc, oid);
    });
  }

  /** Appends `data` to `oid` (creating it), atomically on the OSD. */
  append(oid: string, data: Uint8Array | string): Promise<void> {
    return this.#gate.run("rados_append", async () => {
      const bytes = bytesOf(data);
      const rc = await this.#lib.rados_append(this.#io, cString(oid), bytes, BigInt(bytes.length));
      check("rados_append", rc, oid);
    });
  }

  /** The whole object `oid` (its size from `stat()`; a concurrent append is read too). */
  read(oid: string): Promise<Uint8Array> {
    return this.#gate.run("rados_read", async () => {
      const name = cString(oid);
      const { size } = await this.#stat(name, oid);
      const chunks: Uint8Array[] = [];
      let offset = 0;
      // Room past the size stat gave, so one read also takes what an append added since.
      let want = size + 4096;
      for (;;) {
        const buf = new Uint8Array(want);
        const rc = await this.#lib.rados_read(this.#io, name, buf, BigInt(want), BigInt(offset));
        check("rados_read", rc, oid);
        chunks.push(buf.subarray(0, rc));
        offset += rc;
        if (rc < want) break;
        want = 65536;
      }
      if (chunks.length === 1) return chunks[0]!.slice();
      const out = new Uint8Array(offset);
      let at = 0;
      for (const c of chunks) {
        out.set(c, at);
        at += c.length;
      }
      return out;
    });
  }

  /** Size and modification time of `oid`; ENOENT when it does not exist. */
  stat(oid: string): Promise<RadosObjectStat> {
    return this.#gate.run("rados_stat", () => this.#stat(cString(oid), oid));
  }

  async #stat(name: Uint8Array<ArrayBuffer>, oid: string): Promise<RadosObjectStat> {
    const size = outWord();
    const mtime = new BigInt64Array(1);
    const rc = await this.#lib.rados_stat(this.#io, name, size, mtime);
    check("rados_stat", rc, oid);
    return { size: Number(size[0]), mtime: Number(mtime[0]) };
  }

  /** Deletes `oid`; ENOENT when it does not exist. */
  remove(oid: string): Promise<void> {
    return this.#gate.run("rados_remove", async () => {
      check("rados_remove", await this.#lib.rados_remove(this.#io, cString(oid)), oid);
    });
  }

  /** Sets omap entries of `oid` (creating the object), in one write operation. */
  setOmap(
    oid: string,
    entries:
      | Readonly<Record<string, Uint8Array | string>>
      | ReadonlyMap<string, Uint8Array | string>,
  ): Promise<void> {
    return this.#gate.run("rados_write_op_operate", async () => {
      const pairs = entries instanceof Map ? [...entries] : Object.entries(entries);
      const keys = new PointerArray(pairs.map(([k]) => bytesOf(k)));
      const vals = new PointerArray(pairs.map(([, v]) => bytesOf(v)));
      await this.#write(oid, (op) =>
        this.#lib.rados_write_op_omap_set2(
          op,
          keys.pointers,
          vals.pointers,
          keys.lengths,
          vals.lengths,
          BigInt(keys.length),
        ));
    });
  }

  /** Removes omap keys of `oid` (absent keys are no error). */
  removeOmapKeys(oid: string, keys: readonly string[]): Promise<void> {
    return this.#gate.run("rados_write_op_operate", async () => {
      const names = new PointerArray(keys.map(bytesOf));
      await this.#write(oid, (op) =>
        this.#lib.rados_write_op_omap_rm_keys2(
          op,
          names.pointers,
          names.lengths,
          BigInt(names.length),
        ));
    });
  }

  async #write(oid: string, build: (op: Deno.PointerObject) => void): Promise<void> {
    const op = this.#lib.rados_create_write_op();
    if (op === null) throw new RadosError("rados_create_write_op", -12, "out of memory");
    try {
      build(op);
      const rc = await this.#lib.rados_write_op_operate(op, this.#io, cString(oid), null, 0);
      check("rados_write_op_operate", rc, oid);
    } finally {
      this.#lib.rados_release_write_op(op);
    }
  }

  /** The omap entries of `oid`, sorted by key; ENOENT when the object does not exist. */
  getOmap(oid: string, query: OmapQuery = {}): Promise<Map<string, Uint8Array>> {
    const max = query.max ?? Infinity;
    if (!(max >= 0)) throw new RangeError(`getOmap: max must be >= 0, not ${query.max}`);
    return this.#gate.run("rados_read_op_operate", async () => {
      const out = new Map<string, Uint8Array>();
      const name = cString(oid);
      const prefix = query.prefix === undefined ? null : cString(query.prefix);
      let after = query.startAfter ?? "";
      for (;;) {
        const page = Math.min(OMAP_PAGE, max - out.size);
        if (page <= 0) break;
        const more = await this.#omapPage(name, oid, after, prefix, page, out);
        if (!more) break;
        after = [...out.keys()].at(-1) ?? after;
      }
      return out;
    });
  }

  // One rados_read_op_omap_get_vals2 page into `out`; whether there are more.
  async #omapPage(
    name: Uint8Array<ArrayBuffer>,
    oid: string,
    after: string,
    prefix: Uint8Array<ArrayBuffer> | null,
    page: number,
    out: Map<string, Uint8Array>,
  ): Promise<boolean> {
    const lib = this.#lib;
    const op = lib.rados_create_read_op();
    if (op === null) throw new RadosError("rados_create_read_op", -12, "out of memory");
    const iter = outWord();
    const more = new Uint8Array(1);
    const prval = new Int32Array(1);
    const start = cString(after);
    let iterator: Deno.PointerValue = null;
    try {
      lib.rados_read_op_omap_get_vals2(op, start, prefix, BigInt(page), iter, more, prval);
      // librados allocates the iterator when the operation is built, so it is ended even
      // when the operation fails.
      iterator = pointerIn(iter);
      const rc = await lib.rados_read_op_operate(op, this.#io, name, 0);
      check("rados_read_op_operate", rc, oid);
      check("rados_read_op_omap_get_vals2", prval[0] ?? 0, oid);
      if (iterator === null) return false;
      const key = outWord(), val = outWord(), keyLen = outWord(), valLen = outWord();
      for (;;) {
        check("rados_omap_get_next2", lib.rados_omap_get_next2(iterator, key, val, keyLen, valLen));
        const k = pointerIn(key);
        if (k === null) break;
        out.set(
          new TextDecoder().decode(copyBytes(k, Number(keyLen[0]))),
          copyBytes(pointerIn(val), Number(valLen[0])),
        );
      }
      return more[0] !== 0;
    } finally {
      if (iterator !== null) lib.rados_omap_get_end(iterator);
      lib.rados_release_read_op(op);
    }
  }

  /** Every object of the pool (default namespace), in the OSDs' order. */
  listObjects(): Promise<RadosObjectEntry[]> {
    return this.#gate.run("rados_nobjects_list_next", async () => {
      const lib = this.#lib;
      const ctxWord = outWord();
      check("rados_nobjects_list_open", lib.rados_nobjects_list_open(this.#io, ctxWord));
      const ctx = pointerIn(ctxWord);
      const entries: RadosObjectEntry[] = [];
      try {
        const entry = outWord(), key = outWord(), nspace = outWord();
        for (;;) {
          const rc = await lib.rados_nobjects_list_next(ctx, entry, key, nspace);
          if (rc === -ENOENT) break;
          check("rados_nobjects_list_next", rc);
          entries.push({
            name: readCString(pointerIn(entry)),
            key: readCString(pointerIn(key)),
            namespace: readCString(pointerIn(nspace)),
          });
        }
      } finally {
        lib.rados_nobjects_list_close(ctx);
      }
      return entries;
    });
  }

  /**
   * Takes the exclusive advisory lock `name` on `oid` for (this client, `cookie`). EBUSY when
   * another holder has it, EEXIST when this one already does (unless `renew`).
   */
  lockExclusive(
    oid: string,
    name: string,
    cookie: string,
    options: LockOptions = {},
  ): Promise<void> {
    return this.#lock(undefined, oid, name, cookie, options);
  }

  /**
   * Takes the shared advisory lock `name` on `oid` for (this client, `cookie`), with the
   * lockers' common `tag`. EBUSY when it is held exclusively, EEXIST when this one holds it.
   */
  lockShared(
    oid: string,
    name: string,
    cookie: string,
    tag: string,
    options: LockOptions = {},
  ): Promise<void> {
    return this.#lock(tag, oid, name, cookie, options);
  }

  /** `rados_lock_shared` with a `tag`, `rados_lock_exclusive` without. */
  #lock(
    tag: string | undefined,
    oid: string,
    name: string,
    cookie: string,
    options: LockOptions,
  ): Promise<void> {
    const op = tag === undefined ? "rados_lock_exclusive" : "rados_lock_shared";
    const seconds = options.durationSeconds;
    if (seconds !== undefined && !(seconds > 0 && Number.isFinite(seconds))) {
      throw new RangeError(
        `${tag === undefined ? "lockExclusive" : "lockShared"}: durationSeconds must be > 0, ` +
          `not ${seconds}`,
      );
    }
    return this.#gate.run(op, async () => {
      const args = [cString(oid), cString(name), cString(cookie)] as const;
      const desc = cString(options.description ?? ""), duration = _timeval(seconds);
      const flags = options.renew ? LIBRADOS_LOCK_FLAG_RENEW : 0;
      const rc = tag === undefined
        ? await this.#lib.rados_lock_exclusive(this.#io, ...args, desc, duration, flags)
        : await this.#lib.rados_lock_shared(this.#io, ...args, cString(tag), desc, duration, flags);
      check(op, rc, `lock '${name}' on ${oid}`);
    });
  }

  /** Releases the lock `name` on `oid` held by (this client, `cookie`); ENOENT when not held. */
  unlock(oid: string, name: string, cookie: string): Promise<void> {
    return this.#gate.run("rados_unlock", async () => {
      const rc = await this.#lib.rados_unlock(
        this.#io,
        cString(oid),
        cString(name),
        cString(cookie),
      );
      check("rados_unlock", rc, `lock '${name}' on ${oid}`);
    });
  }

  /** Waits for the calls in flight, then destroys the context. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#gate.close();
      await this.#lib.rados_ioctx_destroy(this.#io);
      this.#onClose(this);
    })();
    return this.#closing;
  }

  /** `await using io = await cluster.openIoctx(pool)` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** A `struct timeval { time_t tv_sec; suseconds_t tv_usec; }` of `seconds`, or NULL. */
function _timeval(seconds: number | undefined): BigInt64Array<ArrayBuffer> | null {
  if (seconds === undefined) return null;
  const whole = Math.floor(seconds);
  return new BigInt64Array([BigInt(whole), BigInt(Math.round((seconds - whole) * 1e6))]);
}

function check(op: string, rc: number, what = ""): void {
  if (rc < 0) throw new RadosError(op, rc, what);
}
