import assert from "node:assert/strict";
import dgram from "node:dgram";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import { BUILTIN_MODULES } from "../modules/mod.ts";
import { formatValue, toLineProtocol } from "../modules/telegraf/_protocol.ts";
import { urlparse } from "../modules/telegraf/_socket.ts";
import { referenceCli, referenceText } from "./_reference.ts";
import { commandWithRealIo, lastErrorLine, SMALL_CLUSTER } from "./_real_io_commands.ts";

async function withCluster(
  run: (c: TestCluster) => Promise<void>,
  // The daemons report their perf counters every 5 s: after 6 s there are daemon stats.
  seconds = 6,
): Promise<void> {
  const c = await startTestCluster({
    builtins: BUILTIN_MODULES,
    initialModules: ["selftest", "telegraf"],
    cluster: SMALL_CLUSTER,
  });
  try {
    await c.run(seconds);
    await run(c);
  } finally {
    await c.stop();
  }
}

const command = (c: TestCluster, cmd: Record<string, unknown>) => commandWithRealIo(c, cmd, 200);

const set = (c: TestCluster, key: string, value: string) =>
  command(c, { prefix: "telegraf config-set", key, value });
const send = (c: TestCluster) => command(c, { prefix: "telegraf send" });

/** What a 127.0.0.1 TCP or Unix stream listener received, line by line. */
function streamListener(
  opts:
    | (Deno.ListenOptions & { transport: "tcp" })
    | (Deno.UnixListenOptions & { transport: "unix" }),
) {
  const listener = Deno.listen(opts as Deno.ListenOptions);
  let text = "";
  const reading = (async () => {
    for await (const conn of listener) {
      for await (const chunk of conn.readable) text += new TextDecoder().decode(chunk);
    }
  })().catch(() => {});
  return {
    addr: listener.addr,
    lines: () => text.split("\n").filter((l) => l !== ""),
    async close() {
      listener.close();
      await reading;
    },
  };
}

function udpListener(): Promise<{ port: number; datagrams: string[]; close(): void }> {
  return new Promise((resolve) => {
    const s = dgram.createSocket("udp4");
    const datagrams: string[] = [];
    s.on("message", (m) => datagrams.push(m.toString()));
    s.bind(
      0,
      "127.0.0.1",
      () => resolve({ port: s.address().port, datagrams, close: () => s.close() }),
    );
  });
}

/**
 * Waits (bounded, about 20 s at most) for `ok()`: the module's I/O is real, not virtual. With
 * `step`, cluster time moves that many seconds a turn (for a wait that spans a module's sleep,
 * which starts only once its last send's real I/O ended).
 */
async function until(c: TestCluster, ok: () => boolean, step = 0) {
  for (let i = 0; i < 4000 && !ok(); i++) {
    await c.run(step);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A received line split into measurement, tags, value and timestamp. */
function parse(line: string) {
  const m = /^([a-z_]+),(\S+) value=(\S+) (\d+)$/.exec(line);
  assert.ok(m, `not a line of the protocol: ${line}`);
  const tags = Object.fromEntries(m[2]!.split(",").map((t) => t.split("=") as [string, string]));
  return {
    measurement: m[1]!,
    tagKeys: m[2]!.split(",").map((t) => t.split("=")[0]),
    tags,
    value: m[3]!,
    ts: m[4]!,
  };
}

Deno.test("line protocol: utils.py's escaping and value types, protocol.py's layout", () => {
  assert.equal(
    toLineProtocol("ceph_pool_stats", 0, { pool_name: "a b,c=d", pool_id: 1 }, 10n),
    "ceph_pool_stats,pool_id=1,pool_name=a\\ b\\,c\\=d value=0i 10",
  );
  assert.equal(formatValue(0.5), "0.5");
  assert.equal(formatValue(1e-5), "1e-05");
  assert.equal(formatValue(true), "True");
  assert.equal(formatValue('say "hi"'), '"say "hi""');
  assert.equal(toLineProtocol("m", 3, {}, null), "m value=3i");
  assert.deepEqual(
    [urlparse("tcp6://[::1]:8094").hostname, urlparse("TCP://Host:1").scheme],
    ["::1", "tcp"],
  );
  assert.equal(urlparse("unixgram:///tmp/telegraf.sock").path, "/tmp/telegraf.sock");
});

Deno.test("telegraf config-show and config-set answer as Ceph 16.2.15", () =>
  withCluster(async (c) => {
    const show = await command(c, { prefix: "telegraf config-show" });
    assert.deepEqual(
      [show.r, show.outb],
      [0, referenceCli("telegraf/config_show_default.txt").stdout.trimEnd()],
    );
    for (
      const [file, key, value] of [
        ["config_set_interval_4", "interval", "4"],
        ["config_set_interval_abc", "interval", "abc"],
        ["config_set_unknown", "bogus", "1"],
        ["config_set_empty", "address", ""],
      ] as const
    ) {
      const ref = referenceCli(`telegraf/${file}.txt`);
      const r = await set(c, key, value);
      assert.deepEqual([-r.r, r.outb, r.outs], [ref.rc, "", lastErrorLine(ref.stderr)], file);
    }
    const ok = await set(c, "address", "udp://127.0.0.1:7291");
    const ref = referenceCli("telegraf/config_set_udp.txt");
    assert.deepEqual([ok.r, ok.outb + "\n"], [ref.rc, ref.stdout]);
    const after = await command(c, { prefix: "telegraf config-show" });
    assert.equal(after.outb, referenceCli("telegraf/config_show_udp.txt").stdout.trimEnd());
    const stored = await c.command({
      prefix: "config get",
      who: "mgr",
      key: "mgr/telegraf/address",
    });
    assert.equal(stored.outb.trim(), "udp://127.0.0.1:7291");
    await set(c, "interval", "20");
    const shown = await command(c, { prefix: "telegraf config-show" });
    assert.equal(shown.outb, '{"address": "udp://127.0.0.1:7291", "interval": 20}');
  }));

// Before the first perf report (2 s in), so that the pool and cluster lines stay well within a
// UDP receive buffer: sender and listener share this process, and the kernel drops datagrams
// that nobody reads in time. Daemon lines are checked over TCP below.
Deno.test("telegraf send: Ceph's pool and cluster measurements over UDP, a datagram a line", () =>
  withCluster(async (c) => {
    const udp = await udpListener();
    try {
      await set(c, "address", `udp://127.0.0.1:${udp.port}`);
      const before = BigInt(Math.round(c.clock.now() * 1e9));
      const r = await send(c);
      assert.deepEqual([r.r, r.outb], [0, "Sending data to Telegraf"]);
      const ref = referenceText("cli/telegraf/send_udp.lines").split("\n").filter((l) => l);
      await until(c, () => udp.datagrams.at(-1)?.includes("type_instance=num_pgs_wait ") ?? false);
      assert.ok(udp.datagrams.every((d) => d.endsWith("\n") && d.indexOf("\n") === d.length - 1));
      const lines = udp.datagrams.map((d) => parse(d.trimEnd()));
      const fsid = (c.manager.get("mon_map") as { fsid: string }).fsid;
      // One timestamp for the whole send, the virtual clock's in nanoseconds.
      assert.equal(new Set(lines.map((l) => l.ts)).size, 1);
      assert.ok(BigInt(lines[0]!.ts) >= before);
      // The same measurements, in the same order, with the same tags as the real module's.
      const kinds = (ls: { measurement: string }[]) => [...new Set(ls.map((l) => l.measurement))];
      const refLines = ref.map(parse);
      assert.deepEqual(kinds(lines), ["ceph_pool_stats", "ceph_cluster_stats"]);
      assert.deepEqual(kinds(refLines), [
        "ceph_pool_stats",
        "ceph_daemon_stats",
        "ceph_cluster_stats",
      ]);
      for (const kind of kinds(lines)) {
        const a = lines.find((l) => l.measurement === kind)!;
        const b = refLines.find((l) => l.measurement === kind)!;
        assert.deepEqual(a.tagKeys, b.tagKeys, kind);
      }
      const pool = lines.filter((l) => l.measurement === "ceph_pool_stats");
      assert.deepEqual(
        pool.map((l) => l.tags.type_instance),
        refLines.filter((l) => l.measurement === "ceph_pool_stats").map((l) =>
          l.tags.type_instance
        ),
      );
      const df = c.manager.get("df") as { pools: { stats: Record<string, number> }[] };
      assert.equal(
        pool.find((l) => l.tags.type_instance === "max_avail")!.value,
        `${df.pools[0]!.stats.max_avail}i`,
      );
      assert.ok(pool.every((l) => l.tags.fsid === fsid && l.tags.pool_name === "rbd"));
      // Whole datagrams, byte for byte.
      const ts = lines[0]!.ts;
      const dfPool = (c.manager.get("df") as { pools: { id: number }[] }).pools[0]!;
      assert.ok(udp.datagrams.includes(
        `ceph_pool_stats,fsid=${fsid},pool_id=${dfPool.id},pool_name=rbd,type_instance=max_avail ` +
          `value=${df.pools[0]!.stats.max_avail}i ${ts}\n`,
      ));
      assert.ok(udp.datagrams.includes(
        `ceph_cluster_stats,fsid=${fsid},type_instance=num_osd value=4i ${ts}\n`,
      ));
      const cluster = lines.filter((l) => l.measurement === "ceph_cluster_stats");
      assert.deepEqual(
        cluster.map((l) => l.tags.type_instance),
        refLines.filter((l) => l.measurement === "ceph_cluster_stats").map((l) =>
          l.tags.type_instance
        ),
      );
      const stat = (k: string) => cluster.find((l) => l.tags.type_instance === k)!.value;
      assert.deepEqual(
        [stat("num_osd"), stat("num_osd_up"), stat("num_mon"), stat("num_pgs"), stat("health")],
        ["4i", "4i", "3i", "8i", "0i"],
      );
      const byState = (c.manager.get("pg_status") as {
        pgs_by_state: { state_name: string; count: number }[];
      }).pgs_by_state;
      const active = byState.filter((s) => s.state_name.split("+").includes("active"))
        .reduce((n, s) => n + s.count, 0);
      assert.equal(stat("num_pgs_active"), `${active}i`);
    } finally {
      udp.close();
    }
  }, 2));

Deno.test("telegraf send over TCP and a Unix stream socket: the same lines, newline-separated", () =>
  withCluster(async (c) => {
    const tcp = streamListener({ hostname: "127.0.0.1", port: 0, transport: "tcp" });
    const dir = await Deno.makeTempDir();
    const unix = streamListener({ transport: "unix", path: `${dir}/telegraf.sock` });
    try {
      await set(c, "address", `tcp://127.0.0.1:${(tcp.addr as Deno.NetAddr).port}`);
      assert.equal((await send(c)).r, 0);
      await set(c, "address", `unix://${dir}/telegraf.sock`);
      assert.equal((await send(c)).r, 0);
      await until(c, () => tcp.lines().length > 100 && unix.lines().length === tcp.lines().length);
      const strip = (ls: string[]) => ls.map((l) => l.replace(/ \d+$/, ""));
      assert.ok(tcp.lines().length > 100);
      assert.deepEqual(strip(unix.lines()), strip(tcp.lines()));
      const lines = tcp.lines().map(parse);
      const refLines = referenceText("cli/telegraf/send_tcp.lines").split("\n").filter((l) => l)
        .map(parse);
      const kinds = (ls: { measurement: string }[]) => [...new Set(ls.map((l) => l.measurement))];
      assert.deepEqual(kinds(lines), kinds(refLines));
      const daemon = lines.filter((l) => l.measurement === "ceph_daemon_stats");
      assert.deepEqual(
        daemon[0]!.tagKeys,
        refLines.find((l) => l.measurement === "ceph_daemon_stats")!.tagKeys,
      );
      const host = (c.manager.get("osd_metadata") as Record<string, { hostname: string }>)["0"];
      assert.ok(
        daemon.some((l) => l.tags.ceph_daemon === "osd.0" && l.tags.host === host?.hostname),
      );
      assert.ok(daemon.every((l) => /^-?\d+i$/.test(l.value)));
      // Histogram counters are left out, as Ceph's module leaves them.
      assert.ok(!daemon.some((l) => /histogram/.test(String(l.tags.type_instance))));
    } finally {
      await tcp.close();
      await unix.close();
      await Deno.remove(dir, { recursive: true });
    }
  }));

Deno.test("telegraf send with nothing listening logs Ceph's error and the module runs on", () =>
  withCluster(async (c) => {
    // A port just freed: nothing listens there.
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (probe.addr as Deno.NetAddr).port;
    probe.close();
    await set(c, "address", `tcp://127.0.0.1:${port}`);
    const r = await send(c);
    const ref = referenceCli("telegraf/send_tcp_closed.txt");
    assert.deepEqual([r.r, r.outb + "\n"], [ref.rc, ref.stdout]);
    // Ceph logs the exception after its traceback; mgrd the same exception line.
    const refLog = referenceText("cli/telegraf/send_tcp_closed.log").trimEnd().split("\n");
    assert.equal(refLog.at(-1), "ConnectionRefusedError: [Errno 111] Connection refused");
    assert.ok(
      c.log.recent.some((l) =>
        l.includes(`Failed to send statistics to Telegraf:\n${refLog.at(-1)}`) ||
        (l.includes("Failed to send statistics to Telegraf:") && l.includes(refLog.at(-1)!))
      ),
      "the failure is logged as Ceph logs it",
    );
    await c.run(40);
    assert.equal(c.manager.health().checks.MGR_MODULE_ERROR, undefined);
    assert.equal((await command(c, { prefix: "telegraf config-show" })).r, 0);
  }));

Deno.test("telegraf send: an unknown scheme and a missing port fail with Ceph's exception", () =>
  withCluster(async (c) => {
    for (
      const [file, address] of [["send_http", "http://127.0.0.1:7299"], [
        "send_tcp_noport",
        "tcp://127.0.0.1",
      ]]
    ) {
      await set(c, "address", address!);
      const ref = referenceCli(`telegraf/${file}.txt`);
      const r = await send(c);
      assert.deepEqual([-r.r, r.outs], [ref.rc, lastErrorLine(ref.stderr)], file);
    }
  }));

Deno.test("telegraf serve() fails the module on an unknown scheme, as Ceph's thread dies", async () => {
  const c = await startTestCluster({
    builtins: BUILTIN_MODULES,
    initialModules: [],
    cluster: SMALL_CLUSTER,
  });
  try {
    await c.command({
      prefix: "config set",
      who: "mgr",
      name: "mgr/telegraf/address",
      value: "http://x:1",
    });
    await command(c, { prefix: "mgr module enable", module: "telegraf" });
    await c.run(12);
    assert.equal(
      c.manager.health().checks.MGR_MODULE_ERROR?.summary.message,
      "Module 'telegraf' has failed: ('Unsupported socket type: %s', 'http')",
    );
  } finally {
    await c.stop();
  }
});

Deno.test("telegraf: unixgram without --unstable-net is refused, saying why; serve goes on", {
  ignore: typeof (Deno as unknown as { listenDatagram?: unknown }).listenDatagram === "function",
}, () =>
  withCluster(async (c) => {
    const r = await send(c);
    assert.equal(r.r, -95);
    assert.match(r.outs, /unixgram:\/\/ needs .*--unstable-net/);
    await c.run(30);
    assert.ok(
      c.log.recent.some((l) => l.includes("Failed to send statistics to Telegraf: unixgram")),
    );
    assert.equal(c.manager.health().checks.MGR_MODULE_ERROR, undefined);
  }));

Deno.test("telegraf serve() sends after its first 10 s and then every interval", async () => {
  const tcp = streamListener({ hostname: "127.0.0.1", port: 0, transport: "tcp" });
  const c = await startTestCluster({
    builtins: BUILTIN_MODULES,
    initialModules: [],
    cluster: SMALL_CLUSTER,
  });
  try {
    const address = `tcp://127.0.0.1:${(tcp.addr as Deno.NetAddr).port}`;
    await c.command({
      prefix: "config set",
      who: "mgr",
      name: "mgr/telegraf/address",
      value: address,
    });
    await command(c, { prefix: "mgr module enable", module: "telegraf" });
    await c.run(8);
    // Real time for a connection that must not come (bounded: 40 turns of the loop).
    for (let i = 0; i < 40; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(tcp.lines().length, 0, "nothing in the first 10 s");
    await c.run(3);
    await until(c, () => tcp.lines().length > 0);
    const first = tcp.lines().length;
    assert.ok(first > 100);
    await c.run(15);
    await until(c, () => tcp.lines().length >= 2 * first, 1);
    assert.equal(new Set(tcp.lines().map((l) => l.split(" ").at(-1))).size, 2);
  } finally {
    await c.stop();
    await tcp.close();
  }
});

Deno.test("Ceph QA test_telegraf: mgr self-test module telegraf answers 0", () =>
  withCluster(async (c) => {
    const ref = referenceCli("telegraf/selftest.txt");
    const r = await command(c, { prefix: "mgr self-test module", module: "telegraf" });
    assert.deepEqual([r.r, r.outb + "\n", r.outs + "\n"], [ref.rc, ref.stdout, ref.stderr]);
  }));

Deno.test("before the cluster's maps arrive, telegraf send answers EAGAIN and serve() goes on", async () => {
  const tcp = streamListener({ hostname: "127.0.0.1", port: 0, transport: "tcp" });
  // A bare mon: the manager has no mon map or mon_status from a cluster.
  const c = await startTestCluster({ builtins: BUILTIN_MODULES, initialModules: [] });
  try {
    const address = `tcp://127.0.0.1:${(tcp.addr as Deno.NetAddr).port}`;
    await c.command({
      prefix: "config set",
      who: "mgr",
      name: "mgr/telegraf/address",
      value: address,
    });
    await command(c, { prefix: "mgr module enable", module: "telegraf" });
    const r = await send(c);
    assert.equal(r.r, -11);
    assert.match(
      r.outs,
      /^the manager has not received '(mon_status|mon_map)' from the cluster yet/,
    );
    await c.run(11);
    const waiting = (l: string) => l.includes("Not sending to Telegraf: the manager has not");
    // serve()'s first send, 10 s in, connects for real: give it real time (bounded).
    await until(c, () => c.log.recent.some(waiting));
    await c.run(30);
    assert.equal(c.manager.health().checks.MGR_MODULE_ERROR, undefined);
    assert.ok(
      c.log.recent.some((l) => l.includes("Not sending to Telegraf: the manager has not received")),
    );
  } finally {
    await c.stop();
    await tcp.close();
  }
});
