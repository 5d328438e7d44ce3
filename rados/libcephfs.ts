/**
 * The MDS tell path: libcephfs2 (Debian's `libcephfs2` package, `libcephfs.so.2`) through
 * `Deno.dlopen`, as the `ceph` CLI reaches an MDS (`ceph tell mds.a perf dump`): librados has
 * no MDS command call, libcephfs has `ceph_mds_command`. The client is initialised
 * (`ceph_init`: a mon session, the FSMap), never mounted. Calls that wait on the network are
 * nonblocking; errors are RadosErrors with Ceph's errno.
 *
 * `ceph_mds_command` has no timeout of its own: a command to an MDS that stopped (SIGSTOP) or
 * died while it was asked never returns (Ceph 16.2.15, tried on the dev cluster), and
 * `ceph_shutdown` with such a command in flight aborts the process (CommandTable's
 * `ceph_assert(commands.empty())`). So a command fails with ETIMEDOUT after
 * `opTimeoutSeconds` while its call goes on in a worker thread, an MDS with a call still in
 * flight is not sent another (ETIMEDOUT at once: at most one stuck thread per MDS), and
 * `close()` leaves the client unfreed while a call is in flight.
 *
 * @example
 * ```ts ignore
 * import { connectCephFs } from "./libcephfs.ts";
 * await using fs = await connectCephFs({ confFile: "dev-cluster/ceph.conf" });
 * console.log((await fs.mdsCommand("a", { prefix: "perf dump", format: "json" })).json());
 * ```
 *
 * @module
 */
import { EACCES, ENOENT, ENOSYS, ETIMEDOUT } from "../ceph/errno.ts";
import { copyBytes, cString, outWord, PointerArray, pointerIn, textOf } from "./_c_memory.ts";
import { CallGate } from "./_call_gate.ts";
import { CommandReply, type RadosCommand } from "./rados_cluster.ts";
import { RadosError } from "./rados_error.ts";
import { COMMAND_ARGS } from "./librados_symbols.ts";

/** The functions of src/include/cephfs/libcephfs.h (Ceph 16.2) that mgrd binds. */
const LIBCEPHFS_SYMBOLS = {
  // ceph_create(struct ceph_mount_info **cmount, const char * const id)
  ceph_create: { parameters: ["buffer", "buffer"], result: "i32" },
  ceph_conf_read_file: { parameters: ["pointer", "buffer"], result: "i32" },
  ceph_conf_set: { parameters: ["pointer", "buffer", "buffer"], result: "i32" },
  // Authenticates with the mons and starts the client (no mount).
  ceph_init: { parameters: ["pointer"], result: "i32", nonblocking: true },
  // (cmount, const char *mds_spec, ...COMMAND_ARGS): mds_spec is a rank, name, GID or '*'
  ceph_mds_command: {
    parameters: ["pointer", "buffer", ...COMMAND_ARGS],
    result: "i32",
    nonblocking: true,
  },
  ceph_buffer_free: { parameters: ["pointer"], result: "void" },
  // Unmounts if mounted, shuts the client down and frees the handle.
  ceph_shutdown: { parameters: ["pointer"], result: "void", nonblocking: true },
} as const satisfies Deno.ForeignLibraryInterface;

type Library = Deno.DynamicLibrary<typeof LIBCEPHFS_SYMBOLS>;
type Symbols = Library["symbols"];

/**
 * libcephfs could not be loaded: not installed (ENOENT), not libcephfs (ENOSYS), or no
 * `--allow-ffi` (EACCES). Its message is the one line to show the user.
 */
export class LibcephfsLoadError extends RadosError {
  constructor(errno: number, message: string, detail: string) {
    super("dlopen", errno, detail);
    this.message = `${message} (Error ${this.code}: ${detail})`;
  }
}

/**
 * libcephfs2 at `path`, loaded on first use and kept for the life of the process (its
 * threads outlive any one handle).
 *
 * @example
 * ```ts
 * import { LibcephfsLoadError, loadLibcephfs } from "./libcephfs.ts";
 * try {
 *   loadLibcephfs("libcephfs.so.999");
 * } catch (e) {
 *   console.assert(e instanceof LibcephfsLoadError && e.code === "ENOENT");
 * }
 * ```
 */
export function loadLibcephfs(path = "libcephfs.so.2"): Library {
  return dlopenLibcephfs(path, LIBCEPHFS_SYMBOLS);
}

const libraries = new Map<Deno.ForeignLibraryInterface, Map<string, unknown>>();

/**
 * libcephfs2 at `path` with the functions `symbols` names (each binding of the library names
 * its own), loaded on first use and kept; a LibcephfsLoadError says why it cannot be loaded.
 */
export function dlopenLibcephfs<S extends Deno.ForeignLibraryInterface>(
  path: string,
  symbols: S,
): Deno.DynamicLibrary<S> {
  let loaded = libraries.get(symbols);
  if (!loaded) libraries.set(symbols, loaded = new Map());
  const known = loaded.get(path) as Deno.DynamicLibrary<S> | undefined;
  if (known) return known;
  let lib: Deno.DynamicLibrary<S>;
  try {
    lib = Deno.dlopen(path, symbols);
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      throw new LibcephfsLoadError(-EACCES, `loading ${path} needs --allow-ffi`, text);
    }
    const missing = /Failed to register symbol (\w+)/.exec(text);
    if (missing) {
      throw new LibcephfsLoadError(
        -ENOSYS,
        `${path} is not libcephfs2 (no ${missing[1]}): install libcephfs2`,
        text.replace(/^.*Could not obtain symbol from the library: /, ""),
      );
    }
    throw new LibcephfsLoadError(
      -ENOENT,
      `${path} not found: install libcephfs2`,
      text.replace(/^(Could not open library: )+/, ""),
    );
  }
  loaded.set(path, lib);
  return lib;
}

/** How `connectCephFs()` reaches the cluster: as `connectRados()` does. */
export interface CephFsConnectOptions {
  /** The ceph.conf to read (default: Ceph's own search). */
  confFile?: string;
  /** The client entity (default `client.admin`); libcephfs clients are `client.*` only. */
  name?: string;
  /** The keyring file (default: what the conf file says). */
  keyring?: string;
  /** More options, set after the conf file. */
  conf?: Readonly<Record<string, string>>;
  /** `ceph_init` gives up after this many seconds (`client_mount_timeout`, default 10). */
  connectTimeoutSeconds?: number;
  /** An MDS command fails with ETIMEDOUT after this many seconds (default 30). */
  opTimeoutSeconds?: number;
  /** The library to load (default `libcephfs.so.2`). */
  libraryPath?: string;
}

/**
 * An initialised (not mounted) libcephfs client that sends MDS commands. Fails with a
 * LibcephfsLoadError when the library cannot be loaded, a RadosError when the mons refuse.
 */
export async function connectCephFs(options: CephFsConnectOptions = {}): Promise<CephFsClient> {
  const lib = loadLibcephfs(options.libraryPath).symbols;
  const handle = await startCephFsClient("connectCephFs", lib, options);
  return new CephFsClient(lib, handle, options.opTimeoutSeconds ?? 30);
}

/** The calls every libcephfs binding makes to create, configure, start and free a client. */
export type CephFsClientSymbols = Pick<
  Symbols,
  "ceph_create" | "ceph_conf_read_file" | "ceph_conf_set" | "ceph_init" | "ceph_shutdown"
>;

/**
 * A started (`ceph_init`) client handle for `options.name`: log and errors off stderr, the conf
 * file, the keyring, `options.conf`, `client_mount_timeout`, then `settings` (the binding's
 * own). `caller` names the function in a bad-name RangeError. The handle is freed if any step
 * fails.
 */
export async function startCephFsClient(
  caller: string,
  lib: CephFsClientSymbols,
  options: CephFsConnectOptions,
  settings: Readonly<Record<string, string>> = {},
): Promise<Deno.PointerObject> {
  const name = options.name ?? "client.admin";
  if (!name.startsWith("client.") || name.length === "client.".length) {
    throw new RangeError(`${caller}: name must be client.ID (libcephfs), not '${name}'`);
  }
  const word = outWord();
  const rc = lib.ceph_create(word, cString(name.slice("client.".length)));
  if (rc < 0) throw new RadosError("ceph_create", rc, `cannot create a handle for ${name}`);
  const handle = pointerIn(word)!;
  try {
    const set = (option: string, value: string) => {
      const r = lib.ceph_conf_set(handle, cString(option), cString(value));
      if (r < 0) throw new RadosError("ceph_conf_set", r, `${option} = ${value}`);
    };
    set("log_to_stderr", "false");
    set("err_to_stderr", "false");
    const read = lib.ceph_conf_read_file(
      handle,
      options.confFile === undefined ? null : cString(options.confFile),
    );
    if (read < 0) {
      throw new RadosError("ceph_conf_read_file", read, `cannot read ${options.confFile ?? ""}`);
    }
    if (options.keyring !== undefined) set("keyring", options.keyring);
    for (const [option, value] of Object.entries(options.conf ?? {})) set(option, value);
    set("client_mount_timeout", String(options.connectTimeoutSeconds ?? 10));
    for (const [option, value] of Object.entries(settings)) set(option, value);
    const init = await lib.ceph_init(handle);
    if (init < 0) throw new RadosError("ceph_init", init, `cannot start a client as ${name}`);
  } catch (e) {
    await lib.ceph_shutdown(handle);
    throw e;
  }
  return handle;
}

/** A libcephfs client; from `connectCephFs()`. `close()` waits for the calls in flight. */
export class CephFsClient {
  readonly #lib: Symbols;
  readonly #handle: Deno.PointerObject;
  readonly #timeout: number;
  readonly #gate = new CallGate("libcephfs handle");
  /** The MDSs with a call in flight (one that timed out may still be running). */
  readonly #busy = new Set<string>();
  #closing: Promise<void> | null = null;

  /** @internal Made by `connectCephFs()`. */
  constructor(lib: Symbols, handle: Deno.PointerObject, opTimeoutSeconds: number) {
    this.#lib = lib;
    this.#handle = handle;
    this.#timeout = opTimeoutSeconds;
  }

  /**
   * Sends a command to an MDS (`mds` is its name, rank or GID), as `ceph tell mds.<mds>`:
   * `perf dump`, `perf schema`, `status`, ...
   */
  mdsCommand(mds: string, cmd: RadosCommand, inbuf?: Uint8Array): Promise<CommandReply> {
    const json = typeof cmd === "string" ? cmd : JSON.stringify(cmd);
    const prefix = typeof cmd === "string" ? json : String(cmd["prefix"] ?? json);
    const op = `mds_command(mds.${mds}) '${prefix}'`;
    if (this.#busy.has(mds)) {
      return Promise.reject(
        new RadosError(op, -ETIMEDOUT, `an earlier command to mds.${mds} has not returned`),
      );
    }
    this.#busy.add(mds);
    const call = this.#gate.run(op, async () => {
      const spec = cString(mds);
      const cmds = new PointerArray([cString(json)]);
      const outbuf = outWord(), outbuflen = outWord(), outs = outWord(), outslen = outWord();
      const rc = await this.#lib.ceph_mds_command(
        this.#handle,
        spec,
        cmds.pointers,
        1n,
        inbuf ?? null,
        BigInt(inbuf?.length ?? 0),
        outbuf,
        outbuflen,
        outs,
        outslen,
      );
      const data = this.#take(outbuf, outbuflen);
      const status = textOf(this.#take(outs, outslen));
      if (rc < 0) throw new RadosError(op, rc, status, data);
      return new CommandReply(data, status);
    }).finally(() => this.#busy.delete(mds));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new RadosError(op, -ETIMEDOUT, `no answer within ${this.#timeout} s`)),
        this.#timeout * 1000,
      );
    });
    // A call that ends after its timeout is settled here, unseen.
    call.catch(() => {});
    return Promise.race([call, late]).finally(() => clearTimeout(timer));
  }

  #take(pointer: BigUint64Array, length: BigUint64Array): Uint8Array {
    const p = pointerIn(pointer);
    const bytes = copyBytes(p, Number(length[0]));
    if (p !== null) this.#lib.ceph_buffer_free(p);
    return bytes;
  }

  /**
   * Refuses new calls, waits up to `opTimeoutSeconds` for the calls in flight, then shuts the
   * client down; a call still in flight then keeps it (shutting it down would abort the
   * process). Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const idle = await Promise.race([
        this.#gate.close().then(() => true),
        new Promise<boolean>((r) => timer = setTimeout(() => r(false), this.#timeout * 1000)),
      ]).finally(() => clearTimeout(timer));
      if (idle) await this.#lib.ceph_shutdown(this.#handle);
    })();
    return this.#closing;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#gate.closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
