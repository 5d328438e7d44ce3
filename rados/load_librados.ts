/**
 * Loading librados2 (Debian's `librados2` package) with `Deno.dlopen`, once per path; the
 * library stays loaded for the life of the process (librados' threads outlive any one handle).
 *
 * @module
 */
import { EACCES, ENOENT, ENOSYS } from "../ceph/errno.ts";
import { LIBRADOS_SYMBOLS, type LibradosLibrary } from "./librados_symbols.ts";
import { RadosError } from "./rados_error.ts";

/**
 * librados could not be loaded: not installed (ENOENT), not librados (ENOSYS), or no
 * `--allow-ffi` (EACCES). Its message is the one line to show the user.
 */
export class LibradosLoadError extends RadosError {
  constructor(errno: number, message: string, detail: string) {
    super("dlopen", errno, detail);
    this.message = `${message} (Error ${this.code}: ${detail})`;
  }
}

const loaded = new Map<string, LibradosLibrary>();

/**
 * librados2 at `path`, loaded on first use.
 *
 * @example
 * ```ts
 * import { loadLibrados, LibradosLoadError } from "./load_librados.ts";
 * try {
 *   loadLibrados("librados.so.999");
 * } catch (e) {
 *   console.assert(e instanceof LibradosLoadError && e.code === "ENOENT");
 *   console.assert((e as Error).message.startsWith("librados.so.999 not found: install librados2"));
 * }
 * ```
 */
export function loadLibrados(path = "librados.so.2"): LibradosLibrary {
  const known = loaded.get(path);
  if (known) return known;
  let lib: LibradosLibrary;
  try {
    lib = Deno.dlopen(path, LIBRADOS_SYMBOLS);
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      throw new LibradosLoadError(-EACCES, `loading ${path} needs --allow-ffi`, text);
    }
    const missing = /Failed to register symbol (\w+)/.exec(text);
    if (missing) {
      throw new LibradosLoadError(
        -ENOSYS,
        `${path} is not librados2 (no ${missing[1]}): install librados2`,
        text.replace(/^.*Could not obtain symbol from the library: /, ""),
      );
    }
    throw new LibradosLoadError(
      -ENOENT,
      `${path} not found: install librados2`,
      text.replace(/^(Could not open library: )+/, ""),
    );
  }
  loaded.set(path, lib);
  return lib;
}

/** The version of the loaded librados (`[3, 0, 0]` for Ceph 16.2; unrelated to Ceph's). */
export function libradosVersion(path = "librados.so.2"): [number, number, number] {
  const major = new Int32Array(1), minor = new Int32Array(1), extra = new Int32Array(1);
  loadLibrados(path).symbols.rados_version(major, minor, extra);
  return [major[0]!, minor[0]!, extra[0]!];
}
