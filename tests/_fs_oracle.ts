/**
 * Replaying captured `ceph fs ...`/`mds ...` sequences of a real 16.2.15 mon against a test
 * cluster with a file system (tests/fs_lifecycle.test.ts, tests/fs_set_vars.test.ts): the
 * cluster the captures were taken on, a capture's command replayed with its rc and stderr
 * compared, and the state lines of an `fs dump`.
 */
import assert from "node:assert/strict";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import { dataDir, runCeph } from "./_oracle_cli.ts";
import { referenceCli } from "./_reference.ts";
import type { Keyring } from "../core/admin/keyring.ts";

/** What `mgrd ceph` answered. */
export interface Out {
  rc: number;
  stdout: string;
  stderr: string;
}

/** Runs a `ceph` command line (without the `ceph`) against the test cluster. */
export type Ceph = (line: string) => Promise<Out>;

/** The cluster of the captures besides its MDSs, its pools and the modules it runs. */
export interface FsClusterOptions {
  /** MDS names, the first one active. */
  mds: string[];
  pools: { name: string; pgNum: number; size: number; application: string }[];
  builtins?: Record<string, Record<string, unknown>>;
  initialModules?: string[];
  /** Whether the cluster starts with a file system (default true). */
  fileSystem?: boolean;
  /** The managers' keyring (`auth ...`), as startTestCluster takes it. */
  keyring?: Keyring;
}

/** One host of 3 OSDs, one mon, mgr x and the file system's MDSs, as the real cluster was. */
export async function withFsCluster(
  options: FsClusterOptions,
  fn: (c: TestCluster, ceph: Ceph) => Promise<void>,
): Promise<void> {
  const c = await startTestCluster({
    builtins: options.builtins,
    initialModules: options.initialModules,
    ...(options.keyring ? { keyring: options.keyring } : {}),
    cluster: {
      hosts: 1,
      osdsPerHost: 3,
      failureDomain: "osd",
      mons: { count: 1 },
      mgrs: ["x"],
      mds: options.mds,
      ...(options.fileSystem === false ? { fileSystem: false } : {}),
      pools: options.pools,
    },
  });
  const dir = dataDir();
  try {
    await c.run(20);
    await fn(c, (line) => runCeph(c, dir, line));
  } finally {
    Deno.removeSync(dir, { recursive: true });
    await c.stop();
  }
}

/**
 * Runs capture `<dir>/<name>.txt`'s command line; asserts its rc and stderr, both passed
 * through `normalize` (what differs from run to run, such as gids).
 */
export async function replayCapture(
  ceph: Ceph,
  dir: string,
  name: string,
  normalize: (s: string) => string = (s) => s,
): Promise<Out> {
  const cap = referenceCli(`${dir}/${name}.txt`);
  const got = await ceph(cap.command.replace(/^ceph /, ""));
  assert.deepEqual([got.rc, normalize(got.stderr)], [cap.rc, normalize(cap.stderr)], name);
  return got;
}

/**
 * The lines of an `fs dump` that say what state the file systems are in: the header lines,
 * the tab-separated `keys` (`flags`, `max_mds`, ...), `up` as its ranks only, and the MDS
 * lines as name, rank and state. Other lines are left out; `line` may claim one first.
 */
export function fsDumpState(
  text: string,
  keys: readonly string[],
  line?: (l: string) => string | undefined,
): string[] {
  return text.split("\n").flatMap((l) => {
    if (/^(legacy client fscid|No filesystems configured|Filesystem ')/.test(l)) return [l];
    const own = line?.(l);
    if (own !== undefined) return [own];
    const tab = l.indexOf("\t");
    if (tab > 0 && keys.includes(l.slice(0, tab))) {
      return [`${l.slice(0, tab)} ${l.slice(tab + 1)}`];
    }
    const up = /^up\t\{(.*)\}$/.exec(l);
    if (up) {
      return [`up ${up[1]!.split(",").filter(Boolean).map((x) => x.split("=")[0]).join(",")}`];
    }
    const mds = /^\[mds\.(\w+)\{(-?\d+):\d+\} state (\S+) /.exec(l);
    return mds ? [`mds.${mds[1]} ${mds[2]} ${mds[3]}`] : [];
  });
}

/** `fs status`' rank rows (rank, state, MDS) and standbys, without colours and counters. */
export function statusRanks(text: string, names: (n: string) => string = (n) => n): string[] {
  // deno-lint-ignore no-control-regex
  const lines = text.replace(/\x1b\[[0-9;]*m/g, "").split("\n");
  const out: string[] = [];
  let standby = false;
  for (const l of lines) {
    const row = /^\s*(\d+)\s+(\S+)\s+(\w+)\s+(Reqs|Evts|$)/.exec(l);
    if (/ - \d+ clients$/.test(l)) out.push(l.replace(/\d+ clients/, "N clients"));
    else if (row) out.push(`rank ${row[1]} ${row[2]} ${names(row[3]!)}`);
    else if (/^STANDBY MDS/.test(l)) standby = true;
    else if (/^MDS version/.test(l)) standby = false;
    else if (standby && l.trim()) out.push(`standby ${names(l.trim())}`);
  }
  return out;
}

/**
 * The real daemons' names as the simulated cluster's, from the real `fs dump` a sequence of
 * captures started with: the real rank 0's MDS is the simulated first MDS, the real standbys
 * by gid are the other simulated MDSs in order. Both mons give a vacant rank to the newest
 * standby and a respawned MDS a newer gid, so the pairs hold for the whole sequence.
 */
export function pairNames(realDump: string, sim: readonly string[]): (real: string) => string {
  const daemons = [...realDump.matchAll(/^\[mds\.(\w+)\{(-?\d+):(\d+)\}/gm)]
    .map((m) => ({ name: m[1]!, rank: Number(m[2]), gid: Number(m[3]) }))
    .sort((a, b) => (a.rank === 0 ? -1 : b.rank === 0 ? 1 : a.gid - b.gid));
  const pairs = new Map(daemons.map((d, i) => [d.name, sim[i] ?? d.name]));
  return (real) => pairs.get(real) ?? real;
}
