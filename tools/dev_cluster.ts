/**
 * tools/dev-cluster.sh from TypeScript: start a development cluster in a fresh temporary
 * directory, stop it by its recorded PIDs, and say why it cannot run here.
 *
 * @module
 */

const SCRIPT = new URL("./dev-cluster.sh", import.meta.url).pathname;
// The first port block tried, and how far apart two clusters' blocks are (dev-cluster.sh binds
// P..P+199).
const FIRST_BASE = 23300;
const BLOCK = 200;
const TRIES = 10;

/** A running development cluster. */
export interface DevCluster {
  /** Its run directory. */
  dir: string;
  /** Its ceph.conf. */
  conf: string;
  /** The client.admin keyring (cephx), or undefined (auth none). */
  keyring: string | undefined;
  /** `cephx` or `none`. */
  auth: "cephx" | "none";
  /** The mon's v2 port (the first of its block). */
  portBase: number;
  /** Its fsid. */
  fsid: string;
}

/** How `startDevCluster()` starts it. */
export interface DevClusterOptions {
  /** The run directory (made if missing; must not hold a cluster). Default: a new temporary one. */
  dir?: string;
  /** How many OSDs (default 3). */
  osds?: number;
  /** `cephx` (default) or `none`. */
  auth?: "cephx" | "none";
  /** Start the real ceph-mgr (default true). */
  mgr?: boolean;
  /** How many ceph-mds daemons, with the file system `cephfs` (default 0: none). */
  mds?: number;
  /** Stop the cluster, and delete its directory, when this process ends (default: Deno.pid). */
  watchPid?: number;
}

/**
 * Why no development cluster can run here (`undefined` when it can): Debian's Ceph packages
 * are missing (`ceph-mds` too with `mds`). The sentence names the package.
 */
export function devClusterMissing(options: { mds?: boolean } = {}): string | undefined {
  for (
    const [binary, pkg] of [
      ["ceph-mon", "ceph-mon"],
      ["ceph-mgr", "ceph-mgr"],
      ["ceph-osd", "ceph-osd"],
      ["ceph", "ceph-common"],
      ["ceph-authtool", "ceph-common"],
      ["monmaptool", "ceph-base"],
      ...(options.mds ? [["ceph-mds", "ceph-mds"] as const] : []),
    ] as const
  ) {
    const found = new Deno.Command("sh", {
      args: ["-c", `command -v ${binary}`],
      stdout: "null",
      stderr: "null",
    }).outputSync();
    if (!found.success) return `${binary} not found: install Debian's ${pkg} package`;
  }
  return undefined;
}

/**
 * Starts a development cluster on the first free port block from 23300 (blocks 200 apart, so
 * the clusters of other sessions are stepped over). A watcher stops it and deletes its
 * directory when `watchPid` ends.
 */
export async function startDevCluster(options: DevClusterOptions = {}): Promise<DevCluster> {
  const auth = options.auth ?? "cephx";
  const dir = options.dir ?? await Deno.makeTempDir({ prefix: "mgrd-dev-" });
  let last = "";
  for (let i = 0; i < TRIES; i++) {
    const base = FIRST_BASE + i * BLOCK;
    if (!(portFree(base) && portFree(base + 1))) continue;
    const args = [
      SCRIPT,
      "start",
      "--dir",
      dir,
      "--osds",
      String(options.osds ?? 3),
      "--auth",
      auth,
      "--port-base",
      String(base),
      "--watch-pid",
      String(options.watchPid ?? Deno.pid),
      "--remove",
    ];
    if (options.mgr === false) args.push("--no-mgr");
    if (options.mds) args.push("--mds", String(options.mds));
    const out = await new Deno.Command("bash", { args, stdout: "piped", stderr: "piped" }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    if (out.success) {
      return {
        dir,
        conf: `${dir}/ceph.conf`,
        keyring: auth === "cephx" ? `${dir}/keyring` : undefined,
        auth,
        portBase: base,
        fsid: (await Deno.readTextFile(`${dir}/fsid`)).trim(),
      };
    }
    last = text.trim();
    // Another cluster took the port between the probe and the start: try the next block.
    if (!/port \d+ on 127\.0\.0\.1 is in use/.test(text)) break;
    await emptyDir(dir);
  }
  throw new Error(`the development cluster did not start:\n${last}`);
}

/** Stops a development cluster by its recorded PIDs and deletes its directory. */
export async function stopDevCluster(cluster: DevCluster): Promise<void> {
  await new Deno.Command("bash", {
    args: [SCRIPT, "stop", "--dir", cluster.dir, "--remove"],
    stdout: "null",
    stderr: "null",
  }).output();
}

async function emptyDir(dir: string): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    await Deno.remove(`${dir}/${entry.name}`, { recursive: true });
  }
}

function portFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch {
    return false;
  }
}
