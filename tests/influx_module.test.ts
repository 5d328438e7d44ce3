import assert from "node:assert/strict";
import { MgrModule } from "mgr_module";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import { BUILTIN_MODULES } from "../modules/mod.ts";
import type { Module as Influx } from "../modules/influx/module.ts";
import { makeLines } from "../modules/influx/line_protocol.ts";
import { referenceCli, referenceText } from "./_reference.ts";

/** One request the InfluxDB stand-in received. */
interface Received {
  method: string;
  path: string;
  rawQuery: string;
  auth: string | null;
  contentType: string | null;
  body: string;
}

/**
 * An InfluxDB 1.x stand-in on 127.0.0.1: answers `/query` (SHOW DATABASES lists the databases
 * created through it) and `/write` (204) as the server does, and records every request.
 */
function startReceiver() {
  const received: Received[] = [];
  const databases = new Set(["_internal"]);
  const state = { status: 0 };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    const body = await req.text();
    received.push({
      method: req.method,
      path: url.pathname,
      rawQuery: url.search.slice(1),
      auth: req.headers.get("authorization"),
      contentType: req.headers.get("content-type"),
      body,
    });
    if (state.status !== 0) {
      return new Response('{"error":"authorization failed"}', { status: state.status });
    }
    if (url.pathname === "/write") return new Response(null, { status: 204 });
    const q = url.searchParams.get("q") ?? "";
    if (q === "SHOW DATABASES") {
      return Response.json({
        results: [{
          statement_id: 0,
          series: [{
            name: "databases",
            columns: ["name"],
            values: [...databases].map((d) => [d]),
          }],
        }],
      });
    }
    const created = /^CREATE DATABASE "(.*)"$/.exec(q);
    if (created) databases.add(created[1]!);
    return Response.json({ results: [{ statement_id: 0 }] });
  });
  return { received, state, port: server.addr.port, server };
}

/** Points a write carries in the send test (the module's batch_size). */
const BATCH = 10;

const CLUSTER = { hosts: 2, osdsPerHost: 2, pools: [{ name: "rbd", pgNum: 8, size: 2 }] };

/** Real I/O happens between the module and the receiver: let both run until `done()`. */
async function until(
  c: TestCluster,
  done: () => boolean,
  what: string,
  debug?: () => string,
): Promise<void> {
  for (let i = 0; i < 3000 && !done(); i++) {
    await c.run(0);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert(done(), `timed out waiting for ${what}: ${debug?.() ?? ""}`);
}

/** A command while real I/O and mon round trips complete. */
async function command(c: TestCluster, cmd: Record<string, unknown>) {
  let finished = false;
  const answer = c.manager.command(cmd).finally(() => finished = true);
  await until(c, () => finished, `'${cmd.prefix}'`);
  return await answer;
}

async function withInflux(
  options: Record<string, string>,
  run: (c: TestCluster, r: ReturnType<typeof startReceiver>, m: Influx) => Promise<void>,
  extra: Record<string, Record<string, unknown>> = {},
): Promise<void> {
  const r = startReceiver();
  const c = await startTestCluster({
    builtins: { ...BUILTIN_MODULES, ...extra },
    initialModules: ["selftest"],
    cluster: CLUSTER,
  });
  try {
    await c.run(10);
    // Set before the module starts, as it reads its options when serve() begins; never the
    // default host `None` (a name lookup leaving this machine).
    const all = { hostname: "127.0.0.1", port: String(r.port), interval: "3600", ...options };
    for (const [key, value] of Object.entries(all)) {
      const set = await command(c, {
        prefix: "config set",
        who: "mgr",
        name: `mgr/influx/${key}`,
        value,
      });
      assert.equal(set.r, 0, set.outs);
    }
    const enable = await command(c, { prefix: "mgr module enable", module: "influx" });
    assert.equal(enable.r, 0, enable.outs);
    await c.run(1);
    await run(c, r, c.manager.host.instance("influx") as Influx);
  } finally {
    await c.stop();
    await r.server.shutdown();
  }
}

/** Tag keys by measurement, from lines of line protocol. */
function tagKeys(lines: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines) {
    const [series] = line.split(" ");
    const [measurement, ...tags] = series!.split(",");
    out[measurement!] = tags.map((t) => t.split("=")[0]).join(",");
  }
  return out;
}

Deno.test("line protocol is the Python influxdb client 5.3.1's, escaping and value types", () => {
  // Expected text printed by influxdb.line_protocol.make_lines (python3-influxdb 5.3.1).
  const body = makeLines([
    {
      measurement: "ceph daemon,stats=x",
      tags: { z: "a b", a: "c,d=e", empty: "", n: 1, b: true, bs: "x\\" },
      time: "2026-12-03T17:02:17Z",
      fields: {
        value: 5,
        f: 1.5,
        tiny: 2.5e-7,
        small: 1e-5,
        s: 'say "hi"\\\n',
        t: true,
        neg: -3,
      },
    },
    { measurement: "m", tags: {}, time: "2026-12-03T17:02:17.000999Z", fields: { value: 0 } },
  ], "ms");
  assert.equal(
    body,
    'ceph\\ daemon\\,stats\\=x,a=c\\,d\\=e,b=True,bs=x\\\\,n=1,z=a\\ b f=1.5,neg=-3i,s="say \\"hi\\"\\\\\\n",small=1e-05,t=True,tiny=2.5e-07,value=5i 1796317337000\nm value=0i 1796317337000\n',
  );
  assert.equal(makeLines([], "ms"), "\n");
});

Deno.test({
  name: "a send creates the database, then writes Ceph's measurements in batches with Basic auth",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withInflux(
      { username: "admin", password: "s3cr=t", database: "ceph db", batch_size: String(BATCH) },
      async (c, r, m) => {
        const lineCount = (w: Received) =>
          w.body === "\n" ? 0 : w.body.trimEnd().split("\n").length;
        /** A send's writes are all in when the one short batch has come and the sum fits. */
        const complete = (writes: Received[]) => {
          const sizes = writes.map(lineCount);
          const short = sizes.filter((n) => n < BATCH);
          return short.length === 1 &&
            sizes.reduce((a, b) => a + b, 0) === BATCH * (sizes.length - 1) + short[0]!;
        };
        await until(
          c,
          () => complete(r.received.filter((q) => q.path === "/write")),
          "the first send",
          () =>
            JSON.stringify(r.received.map((q) => [q.path, q.rawQuery.slice(0, 30), lineCount(q)])) +
            c.log.recent.filter((l) => l.includes("influx")).slice(-5).join("\n"),
        );
        const [show, create, policy] = r.received;
        // The same requests the real 16.2.15 module made (tests/ceph-reference/influx/).
        assert.deepEqual([show!.method, show!.path, show!.rawQuery], [
          "GET",
          "/query",
          "q=SHOW+DATABASES&db=ceph+db",
        ]);
        assert.deepEqual([create!.method, create!.rawQuery], [
          "POST",
          "q=CREATE+DATABASE+%22ceph+db%22&db=ceph+db",
        ]);
        assert.deepEqual(
          [policy!.method, policy!.rawQuery],
          [
            "POST",
            "q=CREATE+RETENTION+POLICY+%228_weeks%22+ON+%22ceph+db%22+DURATION+8w+REPLICATION+1+SHARD+DURATION+0s+DEFAULT&db=ceph+db",
          ],
        );
        const real = referenceText("influx/requests_send.jsonl").trim().split("\n").map((l) =>
          JSON.parse(l)
        );
        for (const q of r.received) {
          assert.equal(q.auth, real[0].headers.Authorization, "Basic admin:s3cr=t, as Ceph's");
        }
        const writes = r.received.filter((q) => q.path === "/write");
        const total = m.gather_statistics().length;
        assert.equal(writes.length, Math.floor(total / BATCH) + 1, "full batches, then the rest");
        for (const w of writes) {
          assert.equal(w.method, "POST");
          assert.equal(w.rawQuery, "db=ceph+db&precision=ms");
          assert.equal(w.contentType, "application/octet-stream");
          assert(w.body.endsWith("\n"));
        }
        assert.equal(writes.map(lineCount).reduce((a, b) => a + b, 0), total);

        const lines = writes.flatMap((w) => w.body.split("\n").filter((l) => l !== ""));
        // Measurements and their tag keys are those of the real module's writes.
        const realLines = real.filter((q) => q.path === "/write").flatMap((q) =>
          (q.body as string).split("\n").filter((l) => l !== "")
        );
        assert.deepEqual(tagKeys(lines), tagKeys(realLines));
        // One stamp for the whole send, in milliseconds of the manager's (virtual) clock.
        const stamp = Number(lines[0]!.split(" ").at(-1));
        assert(stamp <= c.clock.now() * 1000 && stamp >= (c.clock.now() - 5) * 1000, `${stamp}`);
        for (const line of lines) assert.match(line, new RegExp(` value=-?\\d+i ${stamp}$`));
        // One line exactly, from the cluster's state.
        const fsid = (m.get("mon_map") as { fsid: string }).fsid;
        const df = m.get("df") as {
          pools: { id: number; name: string; stats: { stored: number } }[];
        };
        const rbd = df.pools.find((p) => p.name === "rbd")!;
        assert(lines.includes(
          `ceph_pool_stats,fsid=${fsid},pool_id=${rbd.id},pool_name=rbd,type_instance=stored ` +
            `value=${rbd.stats.stored}i ${stamp}`,
        ));
        const osdLines = lines.filter((l) => l.startsWith("ceph_daemon_stats,ceph_daemon=osd.0,"));
        assert(osdLines.length > 0 && osdLines.every((l) => l.includes(",host=")));

        // `influx send` again: the database exists now, so no CREATE; the same batching.
        const before = r.received.length;
        const send = await command(c, { prefix: "influx send" });
        assert.deepEqual([send.r, send.outb, send.outs], [0, "Sending data to Influx", ""]);
        await until(
          c,
          () => complete(r.received.slice(before).filter((q) => q.path === "/write")),
          "the second send's writes",
        );
        const again = r.received.slice(before);
        assert.equal(again[0]!.rawQuery, "q=SHOW+DATABASES&db=ceph+db");
        assert(!again.some((q) => q.rawQuery.includes("CREATE")));
        assert.deepEqual(c.manager.health().checks.MGR_INFLUX_DB_LIST_FAILED, undefined);
      },
    ),
});

Deno.test({
  name: "config-show and config-set answer with 16.2.15's texts and errnos",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withInflux({}, async (c, r, m) => {
      const show = await command(c, { prefix: "influx config-show" });
      assert.equal(
        show.outb,
        `{"batch_size": 5000, "database": "ceph", "hostname": "127.0.0.1", "interval": 3600, ` +
          `"password": "None", "port": ${r.port}, "ssl": false, "threads": 5, "username": "None", ` +
          `"verify_ssl": true}`,
      );
      // The options as 16.2.15's MgrMap declares them (untyped: str, defaults as text).
      const real = JSON.parse(referenceText("influx/mgr_module_ls.json")) as {
        disabled_modules: { name: string; module_options: Record<string, unknown> }[];
      };
      const realOptions = real.disabled_modules.find((x) => x.name === "influx")!.module_options;
      const map = m.get("mgr_map") as {
        available_modules: { name: string; module_options: Record<string, unknown> }[];
      };
      const ours = map.available_modules.find((x) => x.name === "influx")!.module_options;
      for (const name of Object.keys(realOptions).filter((n) => !n.startsWith("log_"))) {
        assert.deepEqual(ours[name], realOptions[name], name);
      }
      assert.deepEqual(Object.keys(ours).sort(), Object.keys(realOptions).sort());
      // Unset, the options are Ceph's string defaults (`hostname` is the text `None`).
      for (const key of ["hostname", "port", "interval"]) {
        await command(c, { prefix: "config rm", who: "mgr", name: `mgr/influx/${key}` });
      }
      m.init_module_config();
      const defaults = await command(c, { prefix: "influx config-show" });
      assert.equal(defaults.outb + "\n", referenceCli("influx/config_show_default.txt").stdout);

      const cases: [string, string, string][] = [
        ["hostname", "", "config_set_empty.txt"],
        ["nope", "1", "config_set_unknown.txt"],
        ["port", "abc", "config_set_port_bad.txt"],
        ["interval", "3", "config_set_interval_low.txt"],
        ["threads", "99", "config_set_threads_99.txt"],
        ["ssl", "TRUE", "config_set_ssl_TRUE.txt"],
      ];
      for (const [key, value, file] of cases) {
        const real = referenceCli(`influx/${file}`);
        const got = await command(c, { prefix: "influx config-set", key, value });
        assert.equal(got.r, -real.rc || 0, `${key}=${value}: ${got.outs}`);
        if (real.rc === 0) assert.equal(got.outb + "\n", real.stdout);
        else {
          // Ceph prints the Python traceback; its last line is the error mgrd names too.
          const last = real.stderr.trim().split("\n").at(-1)!.replace(/^Error EINVAL: /, "");
          assert(got.outs.includes(last), `${got.outs} has '${last}'`);
        }
      }
      const after = await command(c, { prefix: "influx config-show" });
      assert.match(after.outb, /"ssl": true, "threads": 99,/);
      assert.match(
        referenceCli("influx/config_show_after_ssl.txt").stdout,
        /"ssl": true, "threads": 99,/,
      );
      const stored = await command(c, {
        prefix: "config get",
        who: "mgr",
        key: "mgr/influx/threads",
      });
      assert.equal(stored.outb.trim(), "99");
    }),
});

Deno.test({
  name: "a server down or refusing auth raises MGR_INFLUX_DB_LIST_FAILED; the module runs on",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withInflux({}, async (c, r) => {
      await until(c, () => r.received.some((q) => q.path === "/write"), "the first send");
      r.state.status = 401;
      await command(c, { prefix: "influx send" });
      await c.run(5);
      const refused = c.manager.health().checks.MGR_INFLUX_DB_LIST_FAILED;
      assert.equal(refused?.summary.message, "Failed to list/create InfluxDB database");
      // As the real module wrote it (tests/ceph-reference/cli/influx/health_401.txt).
      assert.deepEqual(refused?.detail, [{ message: '401: {"error":"authorization failed"}' }]);
      assert.match(
        referenceCli("influx/health_401.txt").stdout,
        /401: \{"error":"authorization failed"\}/,
      );

      await r.server.shutdown();
      const sent = await command(c, { prefix: "influx send" });
      assert.equal(sent.r, 0);
      await c.run(5);
      const down = c.manager.health().checks.MGR_INFLUX_DB_LIST_FAILED;
      assert.equal(down?.severity, "HEALTH_WARN");
      const [detail] = down?.detail ?? [];
      assert.match(
        detail!.message,
        new RegExp(
          `^HTTPConnectionPool\\(host='127\\.0\\.0\\.1', port=${r.port}\\): Max retries exceeded ` +
            "with url: /query\\?q=SHOW\\+DATABASES&db=ceph \\(Caused by NewConnectionError\\(",
        ),
      );
      assert(c.log.recent.some((l) => l.includes("Failed to list/create InfluxDB database")));
      assert.equal(c.manager.health().checks.MGR_MODULE_ERROR, undefined);
      const show = await command(c, { prefix: "influx config-show" });
      assert.equal(show.r, 0);
    }),
});

Deno.test({
  name: "Ceph QA test_influx and test_selftest_remote: self-test module influx and remote",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withInflux({}, async (c, _r, m) => {
      const t = await command(c, { prefix: "mgr self-test module", module: "influx" });
      const real = referenceCli("influx/selftest_module_influx.txt");
      assert.deepEqual([t.r, t.outs], [0, real.stderr.trim()]);
      const parsed = JSON.parse(t.outb) as { daemon_stats: unknown[]; df_stats: unknown[] };
      assert(parsed.daemon_stats.length > 0 && parsed.df_stats.length > 0);
      // json.dumps(indent=2, sort_keys=True), as the real answer begins.
      const head = (s: string) => s.split("\n").slice(0, 6).map((l) => l.replace(/\d+/g, "N"));
      assert.deepEqual(head(t.outb), head(real.stdout));

      const remote = await command(c, { prefix: "mgr self-test remote" });
      assert.deepEqual([remote.r, remote.outs], [0, "Successfully called"]);
      assert.equal(referenceCli("influx/selftest_remote.txt").stderr.trim(), "Successfully called");

      const selftest = c.manager.host.instance("selftest") as { remote: Influx["remote"] };
      const answer = await selftest.remote("influx", "handle_command", "", {
        prefix: "influx self-test",
      });
      assert.deepEqual(
        (() => {
          const a = answer as { retval: number; stdout: string; stderr: string };
          return [a.retval, a.stdout, a.stderr];
        })(),
        [-22, "", "Command not found 'influx self-test'"],
      );
      assert.equal(typeof (await selftest.remote("influx", "self_test")), "string");
      assert.equal(m.module_name, "influx");

      await command(c, { prefix: "mgr module disable", module: "influx" });
      const without = await command(c, { prefix: "mgr self-test remote" });
      assert(without.r < 0, "influx disabled: the first call fails as in Ceph");
      assert.match(without.outs, /ImportError/);
    }),
});

Deno.test({
  name: "more batches than the queue holds raise MGR_INFLUX_QUEUE_FULL, as 16.2.15 does",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withInflux({ batch_size: "1", threads: "1" }, async (c, r, m) => {
      await until(c, () => r.received.some((q) => q.path === "/write"), "the first write");
      assert(m.gather_statistics().length > 101, "more points than the queue and a worker hold");
      await c.run(5);
      const full = c.manager.health().checks.MGR_INFLUX_QUEUE_FULL;
      assert.equal(full?.summary.message, "Failed to chunk to InfluxDB Queue");
      assert.deepEqual(full?.detail, [{
        message: "Queue is full. InfluxDB might be slow with processing data",
      }]);
      assert(c.log.recent.some((l) => l.includes("Queue is full, failed to add chunk")));
    }),
});

/** A module named telegraf, for the branch of `self-test remote` that picks it (16.2.15's). */
class Telegraf extends MgrModule {}

Deno.test({
  name: "self-test remote uses telegraf as the disabled module when the manager has it",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withInflux({}, async (c) => {
      const ok = await command(c, { prefix: "mgr self-test remote" });
      assert.deepEqual([ok.r, ok.outs], [0, "Successfully called"]);
      // Ceph asserts telegraf is not enabled before calling it: enabled, the test fails there.
      await command(c, { prefix: "mgr module enable", module: "telegraf" });
      const failed = await command(c, { prefix: "mgr self-test remote" });
      assert(failed.r < 0);
      assert.match(failed.outs, /telegraf is not enabled/);
    }, { telegraf: { Telegraf } }),
});

Deno.test({
  name: "ssl true speaks HTTPS, and a hostname that is no host name fails as a connection error",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withInflux({ ssl: "true" }, async (c, r) => {
      await until(
        c,
        () => r.received.length > 0 || c.log.recent.some((l) => l.includes("list/create")),
        "the TLS attempt",
      );
      await c.run(5);
      // The stand-in speaks plain HTTP: the TLS handshake fails.
      const tls = c.manager.health().checks.MGR_INFLUX_DB_LIST_FAILED;
      assert.match(
        tls?.detail[0]?.message ?? "",
        new RegExp(`^HTTPSConnectionPool\\(host='127\\.0\\.0\\.1', port=${r.port}\\): .*SSLError`),
      );
      assert(!r.received.some((q) => q.path === "/write"));
      const set = await command(c, {
        prefix: "influx config-set",
        key: "hostname",
        value: "no such host",
      });
      assert.equal(set.r, 0);
      await command(c, { prefix: "influx config-set", key: "ssl", value: "false" });
      await command(c, { prefix: "influx send" });
      await c.run(5);
      const bad = c.manager.health().checks.MGR_INFLUX_DB_LIST_FAILED;
      assert.match(
        bad?.detail[0]?.message ?? "",
        /^HTTPConnectionPool\(host='no such host', port=/,
      );
      assert.equal(c.manager.health().checks.MGR_MODULE_ERROR, undefined);
      // Back to the stand-in: the next send clears the check.
      await command(c, { prefix: "influx config-set", key: "hostname", value: "127.0.0.1" });
      await command(c, { prefix: "influx send" });
      await until(c, () => r.received.some((q) => q.path === "/write"), "a write");
      await c.run(5);
      assert.equal(c.manager.health().checks.MGR_INFLUX_DB_LIST_FAILED, undefined);
    }),
});
