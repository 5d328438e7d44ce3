/**
 * More than one MDS rank, as a real 16.2.15 mon with MDSs a, b and c answered
 * (tests/ceph-reference/cli/commands/mds_ranks/, tools/capture-mds-ranks.sh, in that order):
 * `fs set max_mds` 2, 3 and 4 (a rank no MDS is left for stays out), `mds fail` of ranks 1 and
 * 2, and back to max_mds 1 (the highest ranks stop, one after the other). Compared: the words
 * and errnos, `fs dump`'s state lines and its JSON's shape, `fs status`' ranks and standbys,
 * `mds stat`, health (byte for byte), status' mds line, `tell mds.<fs>:<rank> status`, and
 * the cluster log's lines. Gids, stamps, epochs and addresses differ from run to run and are
 * left out.
 *
 * The real MDSs are named as the simulated ones by their roles at the start (pairNames).
 */
import assert from "node:assert/strict";
import type { TestCluster } from "mgr_module/testing";
import {
  type Ceph,
  fsDumpState,
  pairNames,
  replayCapture,
  statusRanks,
  withFsCluster,
} from "./_fs_oracle.ts";
import { referenceCli, referenceText } from "./_reference.ts";
import { shapeDiff } from "./sim_json_shape.ts";
import * as status from "../modules/status/module.ts";

const DIR = "commands/mds_ranks";

/** The real daemons' names as the simulated ones (see pairNames). */
const simName: (real: string) => string = pairNames(
  referenceCli("commands/mds_ranks/00_fs_dump.txt").stdout,
  ["a", "b", "c"],
);

function withRanks(fn: (c: TestCluster, ceph: Ceph) => Promise<void>) {
  return withFsCluster({
    builtins: { status },
    initialModules: ["status"],
    mds: ["a", "b", "c"],
    pools: [
      { name: "cephfs_metadata", pgNum: 8, size: 1, application: "cephfs" },
      { name: "cephfs_data", pgNum: 8, size: 1, application: "cephfs" },
    ],
  }, fn);
}

const noGids = (s: string) => s.replace(/gid \d+/g, "gid N");
const real = (name: string) => referenceCli(`${DIR}/${name}.txt`);
/** A file the capture script wrote itself (rank states sampled, a name), not a command's. */
const written = (name: string) => referenceText(`cli/${DIR}/${name}.txt`);

/** An `fs dump`'s state lines (see fsDumpState), the real names made the simulated ones. */
function dumpState(text: string, names: (n: string) => string = (n) => n): string[] {
  return fsDumpState(text, ["flags", "max_mds", "in", "failed", "stopped", "standby_count_wanted"])
    .map((l) => l.replace(/^mds\.(\w+)/, (_, n) => `mds.${names(n)}`));
}

async function sameDump(ceph: Ceph, name: string): Promise<void> {
  assert.deepEqual(
    dumpState((await ceph("fs dump")).stdout),
    dumpState(real(name).stdout, simName),
    name,
  );
}

async function sameStatus(ceph: Ceph, name: string): Promise<void> {
  assert.deepEqual(
    statusRanks((await ceph("fs status")).stdout),
    statusRanks(real(name).stdout, simName),
    name,
  );
}

async function sameText(ceph: Ceph, name: string, names = true): Promise<void> {
  const cap = real(name);
  const want = names ? cap.stdout.replace(/=([abc])=/g, (_, n) => `=${simName(n)}=`) : cap.stdout;
  assert.equal((await ceph(cap.command.replace(/^ceph /, ""))).stdout, want, name);
}

Deno.test("max_mds 2: the newest standby takes rank 1, created, then active; fs dump, fs status, mds stat, health and status say so", async () => {
  await withRanks(async (c, ceph) => {
    assert.equal((await ceph("fs set cephfs standby_count_wanted 1")).rc, 0);
    await sameDump(ceph, "00_fs_dump");
    await replayCapture(ceph, DIR, "01_max_mds_2");
    // The real rank 1 was up:creating, then up:active (02_transitions_max_mds_2).
    const transitions = written("02_transitions_max_mds_2").split("--\n")[0]!;
    const creating = /^cephfs 1 (\w+) up:creating$/m.exec(transitions);
    assert.ok(creating, transitions);
    assert.match(
      (await ceph("mds stat")).stdout,
      new RegExp(`1=${simName(creating[1]!)}=up:creating`),
    );
    await c.run(10);
    await sameDump(ceph, "03_fs_dump");
    const json = JSON.parse((await ceph("fs dump -f json")).stdout);
    const maps = ["$.filesystems[].mdsmap.info", "$.filesystems[].mdsmap.up"];
    assert.deepEqual(shapeDiff(json, JSON.parse(real("03_fs_dump_json").stdout), { maps }), []);
    assert.deepEqual(json.filesystems[0].mdsmap.in, [0, 1]);
    assert.deepEqual(Object.keys(json.filesystems[0].mdsmap.up), ["mds_0", "mds_1"]);
    await sameStatus(ceph, "04_fs_status");
    const fsStatus = JSON.parse((await ceph("fs status -f json")).stdout);
    const realStatus = JSON.parse(real("04_fs_status_json").stdout);
    assert.deepEqual(shapeDiff(fsStatus, realStatus), []);
    const ranks = (l: { rank: number; name: string; state: string }[], names = simName) =>
      l.map((m) => [m.rank, names(m.name), m.state]);
    assert.deepEqual(ranks(fsStatus.mdsmap, (n) => n), ranks(realStatus.mdsmap));
    await sameText(ceph, "05_health_detail");
    await sameText(ceph, "06_mds_stat");
    const stat = JSON.parse((await ceph("mds stat -f json")).stdout);
    assert.deepEqual(
      shapeDiff(stat, JSON.parse(real("06_mds_stat_json").stdout), {
        maps: ["$.fsmap.filesystems[].mdsmap.info", "$.fsmap.filesystems[].mdsmap.up"],
      }),
      [],
    );
    const mdsLine = (s: string) => /\n {4}mds: .*\n/.exec(s)?.[0];
    assert.equal(mdsLine((await ceph("status")).stdout), mdsLine(real("07_status").stdout));
    const st = JSON.parse((await ceph("status -f json")).stdout).fsmap;
    const realSt = JSON.parse(real("07_status_json").stdout).fsmap;
    assert.deepEqual(shapeDiff(st, realSt), []);
    // by_rank runs by gid, as the FSMap keeps its daemons: the ranks' gids are in another
    // order in each cluster, so the entries are compared by rank.
    type ByRank = { rank: number; name: string; status: string; gid: number };
    const byRank = (l: ByRank[], names = simName) =>
      l.map((r) => [r.rank, names(r.name), r.status]).sort();
    assert.deepEqual(byRank(st.by_rank, (n) => n), byRank(realSt.by_rank));
    for (const l of [st.by_rank, realSt.by_rank] as ByRank[][]) {
      assert.deepEqual(l.map((r) => r.gid), l.map((r) => r.gid).sort((a, b) => a - b));
    }
    assert.equal(st.max, 2);
    const get = JSON.parse((await ceph("fs get cephfs -f json")).stdout);
    assert.deepEqual(
      shapeDiff(get, JSON.parse(real("08_fs_get_json").stdout), {
        maps: ["$.mdsmap.info", "$.mdsmap.up"],
      }),
      [],
    );
    assert.deepEqual(
      dumpState((await ceph("fs get cephfs")).stdout),
      dumpState(real("08_fs_get").stdout, simName),
    );
    // Rank 1's MDS says which rank it holds.
    const tell = JSON.parse((await ceph("tell mds.cephfs:1 status")).stdout);
    const realTell = JSON.parse(real("09_tell_rank1_status").stdout);
    assert.deepEqual(Object.keys(tell), Object.keys(realTell));
    assert.deepEqual([tell.whoami, tell.state, tell.fs_name], [1, "up:active", "cephfs"]);
    assert.equal(tell.id, json.filesystems[0].mdsmap.up.mds_1);
    // An active rank 1 serves requests as rank 0 does: its counters move; a standby's do not.
    await c.run(10);
    const perf = JSON.parse((await ceph("tell mds.cephfs:1 perf dump")).stdout);
    assert.ok(perf.mds.request > 0, `rank 1 served ${perf.mds.request} requests`);
    assert.deepEqual(JSON.parse((await ceph("tell mds.b perf dump")).stdout), {});
    const meta = JSON.parse((await ceph("mds metadata -f json")).stdout);
    assert.deepEqual(
      meta.map((m: { name: string }) => m.name).sort(),
      JSON.parse(real("10_mds_metadata_json").stdout).map((m: { name: string }) => m.name).sort(),
    );
  });
});

Deno.test("mds fail of rank 1 (by name, then by role): the standby replays it to up:active, the failed MDS respawns as a standby", async () => {
  await withRanks(async (c, ceph) => {
    assert.equal((await ceph("fs set cephfs standby_count_wanted 1")).rc, 0);
    assert.equal((await ceph("fs set cephfs max_mds 2")).rc, 0);
    await c.run(10);
    const rank1 = simName(written("11_rank1_name").trim());
    const gid = c.cluster!.fs.daemons.find((d) => d.name === rank1)!.gid;
    // The capture names the real MDS: the simulated one is asked by its own name.
    const failed = await ceph(`mds fail ${rank1}`);
    const cap = real("11_mds_fail_rank1");
    assert.deepEqual([failed.rc, noGids(failed.stderr)], [cap.rc, noGids(cap.stderr)]);
    assert.equal(failed.stderr.trim(), `failed mds gid ${gid}`);
    // The real standby went through up:replay, resolve, reconnect and rejoin.
    const states: string[] = [];
    for (let i = 0; i < 8; i++) {
      const s = /1=\w+=(up:[a-z-]+)/.exec((await ceph("mds stat")).stdout)?.[1];
      if (s && states.at(-1) !== s) states.push(s);
      await c.run(1);
    }
    const realStates = [
      ...new Set(
        written("12_transitions_fail_rank1").split("\n").filter((l) => l.startsWith("cephfs 1"))
          .map((l) => l.split(" ")[3]),
      ),
    ];
    assert.deepEqual(states, realStates);
    assert.deepEqual(realStates, [
      "up:replay",
      "up:resolve",
      "up:reconnect",
      "up:rejoin",
      "up:active",
    ]);
    await c.run(5);
    await sameDump(ceph, "13_fs_dump_after_fail");
    await replayCapture(ceph, DIR, "14_mds_fail_role", noGids);
    await c.run(10);
    await sameDump(ceph, "15_fs_dump_after_fail_role");
  });
});

Deno.test("max_mds 3 and 4 with three MDSs: no standby is left, rank 3 stays out, and a failed rank 2 is replayed by its own respawned MDS", async () => {
  await withRanks(async (c, ceph) => {
    assert.equal((await ceph("fs set cephfs standby_count_wanted 1")).rc, 0);
    // The real cluster got here through max_mds 2 and two failovers of rank 1 (the test
    // above); the same ranks come here from max_mds 2 with b and c swapped back.
    assert.equal((await ceph("fs set cephfs max_mds 2")).rc, 0);
    await c.run(10);
    for (const who of ["c", "b"]) {
      assert.equal((await ceph(`mds fail ${who}`)).rc, 0);
      await c.run(10);
    }
    await replayCapture(ceph, DIR, "16_max_mds_3");
    await c.run(10);
    await sameDump(ceph, "17_fs_dump_max_mds_3");
    await sameText(ceph, "18_health_detail_max_mds_3", false);
    assert.equal(
      (await ceph("health detail -f json")).stdout,
      real("18_health_detail_max_mds_3_json").stdout,
    );
    await sameStatus(ceph, "19_fs_status_max_mds_3");
    await sameText(ceph, "20_mds_stat_max_mds_3");
    await replayCapture(ceph, DIR, "21_max_mds_4");
    await c.run(10);
    await sameDump(ceph, "22_fs_dump_max_mds_4");
    await sameText(ceph, "23_health_detail_max_mds_4", false);
    assert.equal(
      (await ceph("health detail -f json")).stdout,
      real("23_health_detail_max_mds_4_json").stdout,
    );
    await sameStatus(ceph, "24_fs_status_max_mds_4");
    await sameText(ceph, "25_mds_stat_max_mds_4");
    const status = (await ceph("status")).stdout;
    const realStatus = real("26_status_max_mds_4").stdout;
    const section = (s: string) =>
      s.split("\n").filter((l) => /^ {4}(health|mds):|^ {12}\S/.test(l));
    assert.deepEqual(section(status), section(realStatus));
    // No standby: the failed MDS respawns and replays its own rank.
    await replayCapture(ceph, DIR, "27_mds_fail_rank2", noGids);
    await sameDump(ceph, "28_fs_dump_rank2_failed");
    await sameText(ceph, "29_health_detail_rank2_failed", false);
    await c.run(10);
    assert.match((await ceph("mds stat")).stdout, /2=b=up:active/);
  });
});

Deno.test("max_mds back to 1: rank 2, then rank 1, up:stopping until stopped, their MDSs standbys again; the log says it as the real mon", async () => {
  await withRanks(async (c, ceph) => {
    assert.equal((await ceph("fs set cephfs standby_count_wanted 1")).rc, 0);
    assert.equal((await ceph("fs set cephfs max_mds 3")).rc, 0);
    await c.run(10);
    await replayCapture(ceph, DIR, "30_max_mds_1");
    const transitions = written("31_transitions_max_mds_1");
    assert.match(transitions, /^cephfs 2 a up:stopping$/m);
    assert.match((await ceph("mds stat")).stdout, /2=\w+=up:stopping/);
    assert.match((await ceph("mds stat")).stdout, /1=\w+=up:active/);
    await c.run(40);
    // The MDSs of ranks 2 and 1 are standbys again, by gid: rank 2's first.
    await sameDump(ceph, "32_fs_dump_max_mds_1");
    await sameText(ceph, "33_health_detail_max_mds_1");
    await sameStatus(ceph, "34_fs_status_max_mds_1");
    // MDSMonitor's words for the ranks stopping, in its order.
    const stopping = (s: string, names = simName) =>
      s.split("\n").map((l) => / cluster \[INF\] (.*stopping.*)$/.exec(l)?.[1])
        .filter((l) => l !== undefined).map((l) =>
          l!.replace(/mds\.(\w+)/, (_, n) => `mds.${names(n)}`)
        );
    assert.deepEqual(
      stopping((await ceph("log last 60")).stdout, (n) => n),
      stopping(real("35_log").stdout),
    );
    await replayCapture(ceph, DIR, "36_mds_fail_rank_gone");
    await replayCapture(ceph, DIR, "37_mds_fail_nofs");
  });
});
