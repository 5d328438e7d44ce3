/**
 * `mon add`, `mon rm` and `mon remove` in the simulated cluster answer as a real 16.2.15 mon
 * did (tests/ceph-reference/cli/commands/mon12/): the MonMap epoch moves, `mon dump`, `mon
 * stat`, `quorum_status`, `status` and health show the new mon, a mon added but never started
 * is out of quorum (MON_DOWN), and the errors carry the real texts and errnos. The real mon a
 * listened on 127.0.0.1:27200/27201, the simulated one on its host's 3300/6789: the captures'
 * texts are compared with that address put in; stamps, fsids and election epochs differ run to
 * run and are masked.
 */
import assert from "node:assert/strict";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import { dataDir, runCeph } from "./_oracle_cli.ts";
import { referenceCli } from "./_reference.ts";

const DIR = "commands/mon12";

/** Stamps, fsids, election epochs and ages: what differs run to run. */
function mask(text: string): string {
  return text
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(\+0000|Z)/g, "<stamp>")
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<fsid>")
    .replace(/election epoch \d+/g, "election epoch <n>")
    .replace(/"election_epoch":\d+/g, '"election_epoch":<n>')
    .replace(/\(age \d+s\)/g, "(age <n>)");
}

async function withOneMon(fn: (c: TestCluster, ceph: Ceph) => Promise<void>): Promise<void> {
  const c = await startTestCluster({
    cluster: { hosts: 1, osdsPerHost: 3, mons: { count: 1 }, pools: [] },
  });
  const dir = dataDir();
  try {
    await c.run(10);
    const ip = c.cluster!.mons.ips[0]!;
    // The real mon a's ports, as the simulated mon a's.
    const toSim = (s: string) =>
      s.replaceAll("127.0.0.1:27200", `${ip}:3300`).replaceAll("127.0.0.1:27201", `${ip}:6789`);
    const ceph: Ceph = {
      async replay(name, settle = 0) {
        const cap = referenceCli(`${DIR}/${name}.txt`);
        const got = await runCeph(c, dir, toSim(cap.command.replace(/^ceph /, "")));
        if (settle > 0) await c.run(settle);
        const want = { rc: cap.rc, stdout: toSim(cap.stdout), stderr: toSim(cap.stderr) };
        assert.deepEqual(
          { rc: got.rc, stdout: mask(got.stdout), stderr: mask(got.stderr) },
          { rc: want.rc, stdout: mask(want.stdout), stderr: mask(want.stderr) },
          name,
        );
        return got;
      },
      run: (line) => runCeph(c, dir, line),
    };
    await fn(c, ceph);
  } finally {
    Deno.removeSync(dir, { recursive: true });
    await c.stop();
  }
}

interface Ceph {
  /** Runs capture `name`'s command line; asserts the same rc, stdout and stderr, masked. */
  replay(name: string, settle?: number): Promise<{ rc: number; stdout: string; stderr: string }>;
  run(line: string): Promise<{ rc: number; stdout: string; stderr: string }>;
}

/** The JSON of a `-f json` run (after the blank line `ceph` prints first). */
function json(out: { stdout: string }): Record<string, unknown> {
  return JSON.parse(out.stdout) as Record<string, unknown>;
}

/** The same keys at every level, and the same value types. */
function sameShape(got: unknown, want: unknown, path = "$"): void {
  if (Array.isArray(want)) {
    assert.ok(Array.isArray(got), `${path}: an array`);
    want.forEach((w, i) => sameShape((got as unknown[])[i], w, `${path}[${i}]`));
    return;
  }
  if (want !== null && typeof want === "object") {
    assert.deepEqual(Object.keys(got as object), Object.keys(want), `${path}: keys`);
    for (const [k, v] of Object.entries(want)) {
      sameShape((got as Record<string, unknown>)[k], v, `${path}.${k}`);
    }
    return;
  }
  assert.equal(typeof got, typeof want, `${path}: type`);
}

Deno.test("mon add / mon rm errors on a one-mon cluster answer the real texts and errnos", async () => {
  await withOneMon(async (c, ceph) => {
    for (
      const name of [
        "mon_add_existing_name",
        "mon_add_existing_addr",
        "mon_add_bad_addr",
        "mon_add_missing_addr",
        "mon_rm_last",
        "mon_rm_unknown",
        "mon_remove_unknown",
      ]
    ) await ceph.replay(name);
    assert.equal(c.cluster!.mons.monmapEpoch, 1, "no error made a MonMap epoch");
    await ceph.replay("mon_dump_before_add");
  });
});

Deno.test("a mon added and started joins the quorum; one added but never started is MON_DOWN, out of quorum; removals renumber", async () => {
  await withOneMon(async (c, ceph) => {
    const mons = c.cluster!.mons;
    // The operator adds mon b, then deploys and starts its daemon.
    await ceph.replay("mon_add_b");
    assert.equal(mons.monmapEpoch, 2);
    assert.equal(mons.started("b"), false, "not running until its daemon starts");
    mons.monUp("b");
    await c.run(10);
    await ceph.replay("mon_stat_two");
    const two = await ceph.run("status");
    assert.match(two.stdout, /health: HEALTH_OK\n/);
    assert.match(two.stdout, /\n {4}mon: 2 daemons, quorum a,b \(age \d+s\)\n/);

    // Mon c is added and never started: two of three is still a quorum.
    await ceph.replay("mon_add_c_never_started", 12);
    for (
      const name of [
        "mon_stat_three",
        "mon_stat_three_json",
        "mon_dump_three",
        "health_three",
        "health_detail_three",
        "health_detail_three_json",
      ]
    ) await ceph.replay(name);
    const status = (await ceph.run("status")).stdout;
    const real = referenceCli(`${DIR}/status_three.txt`).stdout;
    for (
      const re of [
        /health: .*\n.*\n/,
        /\n {4}mon: 3 daemons, quorum a,b \(age \d+s\), out of quorum: c\n/,
      ]
    ) {
      assert.equal(mask(re.exec(status)?.[0] ?? ""), mask(re.exec(real)?.[0] ?? ""), String(re));
    }
    const realDump = json(referenceCli(`${DIR}/mon_dump_three_json.txt`));
    const dump = json(await ceph.run("mon dump -f json"));
    sameShape(dump, realDump);
    assert.deepEqual(
      (dump.mons as { name: string; addr: string }[]).map((m) => [m.name, m.addr]).slice(1),
      (realDump.mons as { name: string; addr: string }[]).map((m) => [m.name, m.addr]).slice(1),
    );
    const quorum = json(await ceph.run("quorum_status"));
    sameShape(quorum, json(referenceCli(`${DIR}/quorum_status_three.txt`)));
    assert.deepEqual(quorum.quorum_names, ["a", "b"]);
    const st = json(await ceph.run("status -f json"));
    assert.deepEqual(st.monmap, { epoch: 3, min_mon_release_name: "pacific", num_mons: 3 });
    assert.equal(c.cluster!.daemons.metadata("mon.c"), null, "a mon never started sent none");

    await ceph.replay("mon_add_c_same");
    await ceph.replay("mon_add_c_again");
    await ceph.replay("mon_add_d_6789");
    await ceph.replay("mon_add_d_3300");
    assert.equal(mons.monmapEpoch, 3, "no epoch for an add that changed nothing");

    await ceph.replay("mon_rm_c", 8);
    await ceph.replay("mon_dump_after_rm_c");
    await ceph.replay("mon_dump_epoch_2");
    await ceph.replay("health_after_rm_c");
    const afterC = json(await ceph.run("mon dump -f json"));
    assert.equal(afterC["removed_ranks: "], "2");
    await ceph.replay("mon_remove_b", 8);
    await ceph.replay("mon_stat_after_rm_b");
    await ceph.replay("mon_dump_after_rm_b");
    await ceph.replay("mon_rm_a_last");
    await ceph.replay("mon_stat_final_json");
    assert.deepEqual([mons.names, mons.quorumNames()], [["a"], ["a"]]);
  });
});

Deno.test("mon add with a CRUSH location keeps the key=value pairs in the MonMap; none parsed is EINVAL", async () => {
  // Not captured: the texts are 16.2's MonmapMonitor.cc and CrushWrapper::parse_loc_map.
  await withOneMon(async (c, ceph) => {
    const r = await ceph.run("mon add e 127.0.0.5 rack=r1 datacenter=dc1");
    assert.deepEqual([r.rc, r.stderr], [
      0,
      "adding mon.e at [v2:127.0.0.5:3300/0,v1:127.0.0.5:6789/0]\n",
    ]);
    // Two mons in the map, one running: no quorum (and no answer) until mon.e starts.
    c.cluster!.mons.monUp("e");
    await c.run(10);
    const dump = json(await ceph.run("mon dump -f json"));
    const e = (dump.mons as { name: string; crush_location: string }[]).find((m) => m.name === "e");
    assert.equal(e?.crush_location, "{datacenter=dc1,rack=r1}");
    const bad = await ceph.run("mon add f 127.0.0.6 nokey");
    assert.deepEqual([bad.rc, bad.stderr], [
      22,
      "Error EINVAL: We could not parse your input location to anything real; [nokey] turned into an empty map!\n",
    ]);
  });
});
