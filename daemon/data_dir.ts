/**
 * The data directory is the daemon user's alone: the mon store holds every config-key value
 * (modules keep secrets there), the logs hold every command and its caller, and the keyring
 * holds keys. `mgrd serve` sets its umask to 077, so what it creates from then on (the SQLite
 * store with its WAL and shared-memory files, rotated logs, module logs) is 0600 and its folders
 * 0700, and tightens what an earlier version left readable to others.
 *
 * @module
 */

/** What `mgrd serve` creates under the data dir, that may predate the umask. */
const KNOWN = ["mon", "log", "mgr"];

/**
 * Sets the process umask to 077 and, if `dir` exists, takes group and other permissions off
 * it, its `mon/`, `log/` and `mgr/` folders and the files in them.
 *
 * @example
 * ```ts ignore
 * await secureDataDir("./mgrd-data");
 * // Deno.statSync("./mgrd-data").mode & 0o777 === 0o700
 * ```
 */
export async function secureDataDir(dir: string): Promise<void> {
  if (Deno.build.os === "windows") return;
  Deno.umask(0o077);
  // A new data dir is made later, by the cluster binding once the options hold, under the umask.
  try {
    await tighten(dir);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  for (const sub of KNOWN) {
    const path = `${dir}/${sub}`;
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(path));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) continue;
      throw e;
    }
    await tighten(path);
    for (const entry of entries) {
      if (entry.isFile) await tighten(`${path}/${entry.name}`);
    }
  }
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile) await tighten(`${dir}/${entry.name}`);
  }
}

async function tighten(path: string): Promise<void> {
  const st = await Deno.stat(path);
  // Only group and other bits go: a user who made a file read-only keeps it so.
  if (st.mode !== null && (st.mode & 0o077) !== 0) await Deno.chmod(path, st.mode & 0o700);
}
