import assert from "node:assert/strict";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import { BUILTIN_MODULES } from "../modules/mod.ts";
import { pythonBytesRepr } from "../modules/zabbix/_sender.ts";
import { referenceCli, referenceText } from "./_reference.ts";
import { commandWithRealIo, lastErrorLine, SMALL_CLUSTER } from "./_real_io_commands.ts";
import { startTrapper, type Trapper, type TrapperRequest } from "./_zabbix_trapper.ts";

const SENDER = "/usr/bin/zabbix_sender";
const hasSender = (() => {
  try {
    return Deno.statSync(SENDER).isFile;
  } catch {
    return false;
  }
})();
if (!hasSender) {
  console.warn(
    `!!! ${SENDER} is missing (Debian's zabbix-agent ships it): the zabbix tests that send ` +
      "through it are SKIPPED",
  );
}

async function withCluster(
  run: (c: TestCluster) => Promise<void>,
  before?: (c: TestCluster) => Promise<void>,
): Promise<void> {
  const c = await startTestCluster({
    builtins: BUILTIN_MODULES,
    initialModules: ["selftest"],
    cluster: SMALL_CLUSTER,
  });
  try {
    await before?.(c);
    await command(c, { prefix: "mgr module enable", module: "zabbix" });
    await c.run(6);
    await run(c);
  } finally {
    await c.stop();
  }
}

/** Runs a command while virtual time moves, so that mon round trips and the sender finish. */
const command = (c: TestCluster, cmd: Record<string, unknown>) => commandWithRealIo(c, cmd, 1000);

const set = (c: TestCluster, key: string, value: string) =>
  command(c, { prefix: "zabbix config-set", key, value });

async function withTrapper(run: (t: Trapper) => Promise<void>) {
  const t = startTrapper();
  try {
    await run(t);
  } finally {
    await t.close();
  }
}

/** The keys of a capture, with pool names and OSD ids as placeholders. */
function keyShape(req: TrapperRequest): string[] {
  const shape = req.data.map((d) =>
    d.key.replace(/^ceph\.\[osd\.\d+,/, "ceph.[osd.N,").replace(
      /^ceph\.\[(?!osd\.N,)[^,]+,/,
      "ceph.[POOL,",
    )
  );
  return shape.filter((k, i) => !k.includes("[") || shape.indexOf(k) === i);
}

Deno.test("python bytes repr, as the sender's stderr is quoted in Ceph's error", () => {
  assert.equal(pythonBytesRepr(new TextEncoder().encode("a\n'b'\\")), "b'a\\n\\'b\\'\\\\'");
  assert.equal(pythonBytesRepr(new Uint8Array()), "b''");
});

Deno.test("zabbix without a server: config-show, MGR_ZABBIX_NO_SERVER, send and discovery answer 1", () =>
  withCluster(async (c) => {
    const show = await command(c, { prefix: "zabbix config-show" });
    assert.deepEqual(
      [show.r, show.outb],
      [0, referenceCli("zabbix/config_show_default.txt").stdout.trimEnd()],
    );
    const check = c.manager.health().checks.MGR_ZABBIX_NO_SERVER;
    assert.deepEqual(
      [check?.severity, check?.summary.message, check?.detail.map((d) => d.message)],
      ["HEALTH_WARN", "No Zabbix server configured", [
        "Configuration value zabbix_host not configured",
      ]],
    );
    assert.match(
      referenceCli("zabbix/health_detail_no_server.txt").stdout,
      /MGR_ZABBIX_NO_SERVER: No Zabbix server configured\n {4}Configuration value zabbix_host/,
    );
    assert.ok(c.log.recent.some((l) => l.includes('Zabbix host "None" is not valid')));
    for (
      const [file, prefix] of [["send_no_server", "zabbix send"], [
        "discovery_no_server",
        "zabbix discovery",
      ]]
    ) {
      const ref = referenceCli(`zabbix/${file}.txt`);
      const r = await command(c, { prefix });
      // Ceph's module returns a positive 1, which the CLI prints and exits 0 on.
      assert.deepEqual([r.r, r.outb + "\n", ref.rc], [1, ref.stdout, 0], file);
      // Ceph's stderr is empty; mgrd's says why.
      assert.equal(ref.stderr, "");
      assert.match(r.outs, /^No Zabbix server configured: configure one with/);
    }
  }));

Deno.test("zabbix config-set refuses as Ceph 16.2.15 does and config-show shows what it took", () =>
  withCluster(async (c) => {
    for (
      const [file, key, value] of [
        ["config_set_interval_5", "interval", "5"],
        ["config_set_discovery_interval_5", "discovery_interval", "5"],
        ["config_set_port_abc", "zabbix_port", "abc"],
        ["config_set_unknown", "bogus", "1"],
        ["config_set_empty", "identifier", ""],
      ] as const
    ) {
      const ref = referenceCli(`zabbix/${file}.txt`);
      const r = await set(c, key, value);
      assert.deepEqual([-r.r, r.outb, r.outs], [ref.rc, "", lastErrorLine(ref.stderr)], file);
    }
    for (
      const [key, value] of [["zabbix_host", "127.0.0.1"], ["zabbix_port", "7290"], [
        "identifier",
        "foo",
      ]]
    ) {
      const r = await set(c, key!, value!);
      const ref = referenceCli(
        `zabbix/config_set_${
          key === "zabbix_host" ? "host" : key === "zabbix_port" ? "port" : key
        }.txt`,
      );
      assert.deepEqual([r.r, r.outb + "\n"], [ref.rc, ref.stdout]);
    }
    const show = await command(c, { prefix: "zabbix config-show" });
    assert.equal(show.outb, referenceCli("zabbix/config_show_set.txt").stdout.trimEnd());
  }));

Deno.test("zabbix send and discovery through the real zabbix_sender to a 127.0.0.1 trapper", {
  ignore: !hasSender,
}, () =>
  withCluster(async (c) => {
    await withTrapper(async (t) => {
      await set(c, "zabbix_host", "127.0.0.1");
      await set(c, "zabbix_port", String(t.port));
      await set(c, "identifier", "foo");
      const r = await command(c, { prefix: "zabbix send" });
      assert.deepEqual([r.r, r.outb], [0, "Sending data to Zabbix"]);
      assert.equal(t.requests.length, 1);
      const req = t.requests[0]!;
      assert.equal(req.request, "sender data");
      assert.ok(req.data.every((d) => d.host === "foo"));
      const ref = JSON.parse(referenceText("cli/zabbix/send.json").trim()) as TrapperRequest;
      // Ceph's keys, in Ceph's order (per pool and per OSD groups as placeholders).
      assert.deepEqual(keyShape(req), keyShape(ref));
      const value = (k: string) => req.data.find((d) => d.key === `ceph.${k}`)?.value;
      assert.deepEqual(
        [value("overall_status"), value("overall_status_int"), value("num_mon"), value("num_osd")],
        // The module's own MGR_ZABBIX_NO_SERVER was up until this send, as on the real cluster.
        ["HEALTH_WARN", "1", "3", "4"],
      );
      assert.deepEqual([value("[osd.0,up]"), value("[osd.3,in]"), value("num_pg")], [
        "1",
        "1",
        "8",
      ]);
      // Python floats stay floats: 0.0, never 0.
      assert.match(value("[rbd,percent_used]")!, /^\d+\.\d+(e-\d+)?$/);
      assert.match(value("osd_latency_apply_avg")!, /\./);
      assert.match(value("osd_avg_pgs")!, /\./);
      assert.equal(
        value("osd_max_pgs"),
        String(Math.max(
          ...(c.manager.get("osd_stats") as { osd_stats: { num_pgs: number }[] }).osd_stats
            .map((o) => o.num_pgs),
        )),
      );
      await c.run(2);
      assert.equal(c.manager.health().checks.MGR_ZABBIX_NO_SERVER, undefined);

      const d = await command(c, { prefix: "zabbix discovery" });
      assert.deepEqual([d.r, d.outb], [0, "Sending discovery data to Zabbix"]);
      assert.deepEqual(t.requests[1]!.data.map((x) => [x.key, x.value]), [
        [
          "ceph.zabbix.pool.discovery",
          '{"data": [{"{#POOL}": "rbd", "{#CRUSH_RULE}": "default"}]}',
        ],
        [
          "ceph.zabbix.osd.discovery",
          '{"data": [{"{#OSD}": 0, "{#CRUSH_RULE}": "default"}, ' +
          '{"{#OSD}": 1, "{#CRUSH_RULE}": "default"}, ' +
          '{"{#OSD}": 2, "{#CRUSH_RULE}": "default"}, ' +
          '{"{#OSD}": 3, "{#CRUSH_RULE}": "default"}]}',
        ],
      ]);
      // The real module's discovery values have the same layout.
      const refDisc = JSON.parse(
        referenceText("cli/zabbix/discovery.json").trim(),
      ) as TrapperRequest;
      assert.deepEqual(refDisc.data.map((x) => x.key), t.requests[1]!.data.map((x) => x.key));
      assert.match(
        refDisc.data[1]!.value,
        /^\{"data": \[\{"\{#OSD\}": 0, "\{#CRUSH_RULE\}": "default"\}, /,
      );
    });
  }));

Deno.test("zabbix send to a server that is down: answer 1, logged, no lasting health check", {
  ignore: !hasSender,
}, () =>
  withCluster(async (c) => {
    await withTrapper(async (t) => {
      const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const dead = (probe.addr as Deno.NetAddr).port;
      probe.close();
      await set(c, "zabbix_host", `127.0.0.1:${t.port},127.0.0.1:${dead}`);
      const r = await command(c, { prefix: "zabbix send" });
      const ref = referenceCli("zabbix/send_one_closed.txt");
      assert.deepEqual([r.r, r.outb + "\n"], [1, ref.stdout]);
      assert.equal(t.requests.length, 1, "the live server got its data");
      assert.ok(c.log.recent.some((l) => l.includes("Failed to send.")));
      assert.ok(c.log.recent.some((l) => l.includes(`${SENDER} exited non-zero: b'`)));
      // 16.2.15 clears MGR_ZABBIX_SEND_FAILED in the same send(): health stays OK.
      assert.match(referenceCli("zabbix/health_detail_after_failed_send.txt").stdout, /^HEALTH_OK/);
      await c.run(2);
      assert.deepEqual(
        Object.keys(c.manager.health().checks).filter((k) => k.startsWith("MGR_ZABBIX")),
        [],
      );
      await c.run(70);
      // The sender is a real process: give it real time (bounded) to deliver.
      for (let i = 0; i < 4000 && t.requests.length < 2; i++) {
        await c.run(0);
        await new Promise((r) => setTimeout(r, 5));
      }
      assert.equal(c.manager.health().checks.MGR_MODULE_ERROR, undefined);
      assert.ok(t.requests.length >= 2, "serve() sent again after its interval");
    });
  }));

Deno.test("zabbix: a missing sender binary and an invalid host fail as Ceph's do", () =>
  withCluster(async (c) => {
    await set(c, "zabbix_host", "bad_host!");
    const bad = await command(c, { prefix: "zabbix send" });
    assert.deepEqual([bad.r, bad.outb + "\n"], [
      1,
      referenceCli("zabbix/send_bad_host.txt").stdout,
    ]);
    assert.ok(c.log.recent.some((l) => l.includes('Zabbix host "bad_host!" is not valid')));
    assert.ok(c.manager.health().checks.MGR_ZABBIX_NO_SERVER);
    await set(c, "zabbix_host", "127.0.0.1:1");
    await set(c, "zabbix_sender", "/nonexistent/zabbix_sender");
    const missing = await command(c, { prefix: "zabbix send" });
    assert.deepEqual(
      [missing.r, missing.outb + "\n"],
      [1, referenceCli("zabbix/send_sender_missing.txt").stdout],
    );
    assert.ok(
      c.log.recent.some((l) =>
        l.includes("No such file or directory: '/nonexistent/zabbix_sender'")
      ),
    );
    assert.ok(
      referenceText("cli/zabbix/send_sender_missing.log").includes(
        "FileNotFoundError: [Errno 2] No such file or directory: '/nonexistent/zabbix_sender'",
      ),
    );
  }));

Deno.test("Ceph QA test_zabbix: with zabbix_host and identifier set, mgr self-test module zabbix answers 0", () =>
  withCluster(
    async (c) => {
      const ref = referenceCli("zabbix/qa_selftest.txt");
      const r = await command(c, { prefix: "mgr self-test module", module: "zabbix" });
      assert.deepEqual([r.r, r.outb + "\n", r.outs + "\n"], [ref.rc, ref.stdout, ref.stderr]);
      const show = await command(c, { prefix: "zabbix config-show" });
      assert.match(show.outb, /"identifier": "foo"/);
      assert.match(show.outb, /"zabbix_host": "localhost"/);
    },
    async (c) => {
      for (const [name, value] of [["zabbix_host", "localhost"], ["identifier", "foo"]]) {
        const r = await c.command({
          prefix: "config set",
          who: "mgr",
          name: `mgr/zabbix/${name}`,
          value,
        });
        assert.equal(r.r, 0);
      }
    },
  ));

Deno.test("telegraf's and zabbix's declared options are 16.2.15's, as mgr module ls shows them", async () => {
  const c = await startTestCluster({ builtins: BUILTIN_MODULES, initialModules: [] });
  try {
    const r = await c.manager.command({ prefix: "mgr module ls", format: "json" });
    const ls = JSON.parse(r.outb) as {
      disabled_modules: { name: string; module_options: Record<string, unknown> }[];
    };
    for (const name of ["telegraf", "zabbix"]) {
      const ours = ls.disabled_modules.find((m) => m.name === name)?.module_options;
      const ref = JSON.parse(referenceText(`cli/${name}/module_options.json`));
      assert.deepEqual(ours, ref, name);
    }
  } finally {
    await c.stop();
  }
});

Deno.test("zabbix serve() sends discovery first, then the data, then data every interval", {
  ignore: !hasSender,
}, async () => {
  const t = startTrapper();
  try {
    await withCluster(
      async (c) => {
        // `step` seconds of cluster time per turn: the zabbix_sender of the last send may
        // still be exiting (wall time) when the cluster time for the next interval has passed,
        // and the module's sleep starts only after it.
        const wait = async (n: number, step = 0) => {
          for (let i = 0; i < 4000 && t.requests.length < n; i++) {
            await c.run(step);
            await new Promise((r) => setTimeout(r, 5));
          }
        };
        await wait(2);
        assert.deepEqual(t.requests.slice(0, 2).map((r) => r.data[0]?.key), [
          "ceph.zabbix.pool.discovery",
          "ceph.overall_status",
        ]);
        await c.run(60);
        await wait(3, 1);
        assert.equal(t.requests[2]?.data[0]?.key, "ceph.overall_status");
        assert.equal(
          t.requests[2]?.data[0]?.host,
          "ceph-" + (c.manager.get("mon_map") as { fsid: string }).fsid,
        );
      },
      async (c) => {
        const r = await c.command({
          prefix: "config set",
          who: "mgr",
          name: "mgr/zabbix/zabbix_host",
          value: `127.0.0.1:${t.port}`,
        });
        assert.equal(r.r, 0);
      },
    );
  } finally {
    await t.close();
  }
});

Deno.test("before the mon map arrives, zabbix commands answer EAGAIN and serve() waits", async () => {
  const c = await startTestCluster({ builtins: BUILTIN_MODULES, initialModules: ["zabbix"] });
  try {
    await c.run(5);
    const r = await command(c, { prefix: "zabbix send" });
    assert.deepEqual([r.r, r.outs], [
      -11,
      "the manager has not received 'mon_map' from the cluster yet; try again",
    ]);
    assert.equal(c.manager.health().checks.MGR_MODULE_ERROR, undefined);
  } finally {
    await c.stop();
  }
});
