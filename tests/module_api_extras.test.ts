/**
 * The SDK names a reader of Ceph's module guide expects, beyond the maps and the store:
 * `log_to_cluster`, `is_authorized`, `get_foreign_ceph_option`, and the pretty-table helpers,
 * each checked against what Ceph 16.2's mgr_module.py and src/mgr/ do.
 */
import assert from "node:assert/strict";
import {
  CLIReadCommand,
  CLIWriteCommand,
  HandleCommandResult,
  MgrModule,
  RemoteError,
} from "mgr_module";
import { startTestCluster } from "mgr_module/testing";
import { referenceText } from "./_reference.ts";

const CLUSTER = { hosts: 3, osdsPerHost: 2, pools: [{ name: "rbd", pgNum: 16 }] };

class Probe extends MgrModule {
  authorizedNow: boolean | undefined;

  @CLIReadCommand("probe auth", { desc: "is_authorized inside a read command" })
  auth(): HandleCommandResult {
    this.authorizedNow = this.is_authorized({ pool: "rbd" });
    return new HandleCommandResult(0, String(this.authorizedNow), "");
  }

  @CLIWriteCommand("probe say", { args: { level: "str", text: "str" }, desc: "log one record" })
  say({ level, text }: { level: string; text: string }): HandleCommandResult {
    const log = this.log as unknown as Record<string, (m: string) => void>;
    log[level]!.call(this.log, text);
    return new HandleCommandResult(0, "", "");
  }
}

Deno.test("to_pretty_iec, get_pretty_row and get_pretty_header print as Ceph's", () => {
  assert.equal(MgrModule.to_pretty_iec(0), "0 ");
  // Over ten of a unit before it is used: 10 KiB exactly stays in bytes.
  assert.equal(MgrModule.to_pretty_iec(10 * 1024), "10240 ");
  assert.equal(MgrModule.to_pretty_iec(10 * 1024 + 1), "10 Ki");
  assert.equal(MgrModule.to_pretty_iec(3 * 2 ** 40 + 5), "3072 Gi");
  assert.equal(MgrModule.to_pretty_iec(11 * 2 ** 40), "11 Ti");
  // The expected texts are what Ceph 16.2's mgr_module.py prints for the same arguments.
  assert.equal(MgrModule.get_pretty_row(["Read", "7"], 20), "|    Read |       7 |");
  const header = new Probe("probe", {} as never).get_pretty_header(["a", "bb", "c"], 12);
  assert.equal(header, "+---+---+---+\n| a |bb | c |\n+---+---+---+\n");
});

Deno.test("is_authorized is true in a command its caller may run, false outside one", async () => {
  const c = await startTestCluster({
    builtins: { probe: { Probe } },
    initialModules: ["probe"],
    cluster: CLUSTER,
  });
  try {
    await c.run(5);
    const probe = c.manager.host.instance("probe") as Probe;
    assert.equal(probe.is_authorized({}), false, "no command is running");
    const ro = { entity: "client.ro", caps: "allow r" };
    const r = await c.manager.run({ prefix: "probe auth" }, "", ro);
    assert.equal(r.r, 0, r.outs);
    assert.equal(r.outb, "true");
    // A caller without the perm never reaches the handler: the dispatcher refuses it.
    probe.authorizedNow = undefined;
    const none = await c.manager.run({ prefix: "probe auth" }, "", {
      entity: "client.w",
      caps: "allow w",
    });
    assert.equal(none.r, -13);
    assert.equal(probe.authorizedNow, undefined);
    assert.equal(probe.is_authorized({}), false, "the session ends with the command");
  } finally {
    await c.stop();
  }
});

Deno.test("get_foreign_ceph_option answers what another daemon gets from the config DB", async () => {
  const c = await startTestCluster({
    builtins: { probe: { Probe } },
    initialModules: ["probe"],
    cluster: CLUSTER,
  });
  try {
    await c.run(5);
    const probe = c.manager.host.instance("probe") as Probe;
    // Unset: the compiled-in default, typed.
    assert.equal(probe.get_foreign_ceph_option("osd.0", "osd_max_backfills"), 1);
    // A client's default differs from a daemon's where Ceph has a daemon_default.
    assert.equal(
      probe.get_foreign_ceph_option("osd.0", "admin_socket"),
      "$run_dir/$cluster-$name.asok",
    );
    assert.equal(probe.get_foreign_ceph_option("client.admin", "admin_socket"), "");
    for (
      const [who, value] of [
        ["global", "2"],
        ["osd", "3"],
        ["osd/host:host2", "4"],
        ["osd.5", "6"],
        ["osd/class:ssd", "9"],
      ]
    ) {
      const r = await c.command({ prefix: "config set", who, name: "osd_max_backfills", value });
      assert.equal(r.r, 0, r.outs);
    }
    await c.run(1);
    // osd.0 is on host1: the type's section. osd.2 is on host2: the mask matches.
    assert.equal(probe.get_foreign_ceph_option("osd.0", "osd_max_backfills"), 3);
    assert.equal(probe.get_foreign_ceph_option("osd.2", "osd_max_backfills"), 4);
    // osd.5 (host3) has its own section, which wins over the type's.
    assert.equal(probe.get_foreign_ceph_option("osd.5", "osd_max_backfills"), 6);
    // Its type alone, and another type: no mask applies.
    assert.equal(probe.get_foreign_ceph_option("osd", "osd_max_backfills"), 3);
    assert.equal(probe.get_foreign_ceph_option("mon.a", "osd_max_backfills"), 2);
    assert.equal(probe.get_foreign_ceph_option("mgr.x", "osd_max_backfills"), 2);
    assert.throws(
      () => probe.get_foreign_ceph_option("osd.0", "no_such_option"),
      /option not found: no_such_option/,
    );
    assert.throws(
      () => probe.get_foreign_ceph_option("disk.0", "osd_max_backfills"),
      /invalid entity: disk.0/,
    );
  } finally {
    await c.stop();
  }
});

Deno.test("log_to_cluster sends the module's records at log_to_cluster_level and up to the cluster log", async () => {
  const c = await startTestCluster({
    builtins: { probe: { Probe } },
    initialModules: ["probe"],
    cluster: CLUSTER,
  });
  const say = async (level: string, text: string) => {
    const r = await c.command({ prefix: "probe say", level, text });
    assert.equal(r.r, 0, r.outs);
  };
  const set = async (name: string, value: string) => {
    const r = await c.command({ prefix: "config set", who: "mgr", name, value });
    assert.equal(r.r, 0, r.outs);
    await c.run(1);
  };
  const probeLines = async () =>
    (await c.command({ prefix: "log last", num: 100, level: "debug", channel: "*" })).outb
      .split("\n").filter((l) => l.includes(" : probe "));
  try {
    await c.run(5);
    await say("warning", "before: off by default");
    await set("mgr/probe/log_to_cluster", "true");
    await say("debug", "a debug record");
    await say("info", "an info record");
    await say("error", "an error record");
    await set("mgr/probe/log_to_cluster_level", "warning");
    await say("info", "info below the level");
    await say("warning", "a warning record");
    // The module's own log level does not hold back what goes to the cluster log.
    await set("mgr/probe/log_level", "critical");
    await say("error", "error while log_level is critical");
    await set("mgr/probe/log_to_cluster", "false");
    await say("error", "after: off again");
    await c.run(2);
    const lines = await probeLines();
    const tail = lines.map((l) => l.replace(/^.* : probe /, ""));
    assert.deepEqual(tail, [
      "[INF] an info record",
      "[ERR] an error record",
      "[WRN] a warning record",
      "[ERR] error while log_level is critical",
      "[WRN] disabling logging to cluster",
    ]);
    // The manager writes them, on the module's channel, as `log last` prints them.
    assert.match(lines[0]!, /^\S+ mgr\.x \(mgr\.\d+\) \d+ : probe \[INF\] an info record$/);
    // The cluster channel alone (log last's default) does not have them.
    const cluster = (await c.command({ prefix: "log last", num: 100, level: "debug" })).outb;
    assert.doesNotMatch(cluster, /an info record/);
  } finally {
    await c.stop();
  }
});

Deno.test("modules that fail to load are named in the cluster log, as ceph-mgr does at start", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const name of ["broken", "alsobroken"]) {
      await Deno.mkdir(`${dir}/${name}`);
      await Deno.writeTextFile(
        `${dir}/${name}/module.ts`,
        `throw new Error("${name} cannot load");\n`,
      );
    }
    const c = await startTestCluster({ modulePaths: [dir], cluster: CLUSTER });
    try {
      await c.run(2);
      const log = (await c.command({ prefix: "log last", num: 20, level: "debug" })).outb;
      assert.match(
        log,
        /mgr\.x \(mgr\.\d+\) \d+ : cluster \[ERR\] Failed to load ceph-mgr modules: alsobroken, broken\n/,
      );
      assert.match(c.log.recent.join("\n"), /Error loading module 'broken': .*broken cannot load/);
    } finally {
      await c.stop();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("remote() rejects with the SDK's RemoteError, kind named as Ceph's exceptions", async () => {
  const c = await startTestCluster({
    builtins: { probe: { Probe } },
    initialModules: ["probe"],
    cluster: CLUSTER,
  });
  try {
    await c.run(2);
    const probe = c.manager.host.instance("probe") as Probe;
    const kind = async (p: Promise<unknown>) => {
      try {
        await p;
        return "resolved";
      } catch (e) {
        return e instanceof RemoteError ? e.kind : `other: ${e}`;
      }
    };
    assert.equal(await kind(probe.remote("no_such_module", "x")), "ImportError");
    assert.equal(await kind(probe.remote("probe", "no_such_method")), "NameError");
    assert.equal(
      await kind(probe.remote("probe", "get_foreign_ceph_option", "x", "y")),
      "RuntimeError",
    );
  } finally {
    await c.stop();
  }
});

/** What the real 16.2.15 manager answered (tests/ceph-reference/module_api/README.md). */
const probe = JSON.parse(referenceText("module_api/probe_run.json")) as Record<
  string,
  { ok: boolean; value?: unknown; exc_type?: string; exc?: string }
>;

Deno.test("lookup_release_name, to_pretty_iec and an untouched config DB's foreign options answer as the real manager", async () => {
  for (const n of [0, 1, 15, 16, 17, 18, 19, 20, 99, -1]) {
    assert.equal(MgrModule.lookup_release_name(n), probe[`release ${n}`]!.value, `release ${n}`);
  }
  assert.deepEqual(
    [0, 10240, 10241, 3 * 2 ** 40 + 5].map((n) => MgrModule.to_pretty_iec(n)),
    probe["pretty iec"]!.value,
  );
  const c = await startTestCluster({
    builtins: { probe: { Probe } },
    initialModules: ["probe"],
    cluster: CLUSTER,
  });
  try {
    await c.run(2);
    const p = c.manager.host.instance("probe") as Probe;
    let compared = 0;
    for (const [name, want] of Object.entries(probe)) {
      const m = /^foreign (\S+) (\S+)$/.exec(name);
      if (!m) continue;
      compared++;
      // The probe's short name for the option Ceph does not have.
      if (m[2] === "nosuch") m[2] = "no_such_option";
      if (want.ok) {
        assert.deepEqual(p.get_foreign_ceph_option(m[1]!, m[2]!), want.value, name);
      } else {
        // Ceph raises KeyError('<message>').
        const message = want.exc!.replace(/^'|'$/g, "");
        assert.throws(() => p.get_foreign_ceph_option(m[1]!, m[2]!), { message }, name);
      }
    }
    assert.equal(compared, 15);
  } finally {
    await c.stop();
  }
});

Deno.test("log_to_cluster writes what a real 16.2.15 manager writes for the same steps", async () => {
  const c = await startTestCluster({
    builtins: { api15probe: { Probe } },
    initialModules: ["api15probe"],
    cluster: CLUSTER,
  });
  const set = async (name: string, value: string) => {
    assert.equal((await c.command({ prefix: "config set", who: "mgr", name, value })).r, 0);
    await c.run(1);
  };
  const logAll = async () => {
    for (const level of ["debug", "info", "warning", "error"]) {
      await c.command({ prefix: "probe say", level, text: `probe ${level} record` });
    }
  };
  try {
    await c.run(2);
    await set("mgr/api15probe/log_to_cluster", "true");
    await logAll();
    await set("mgr/api15probe/log_to_cluster_level", "warning");
    await logAll();
    await set("mgr/api15probe/log_to_cluster", "false");
    await c.run(1);
    const mine = (await c.command({ prefix: "log last", num: 100, level: "debug", channel: "*" }))
      .outb.split("\n").filter((l) => l.includes(" : api15probe "));
    const strip = (l: string) => l.replace(/^\S+ mgr\.x \(mgr\.\d+\) \d+ : /, "");
    const real = referenceText("module_api/log_to_cluster.txt").trimEnd().split("\n");
    assert.deepEqual(
      mine.map(strip),
      real.map((l) => l.replace(/^STAMP mgr\.x \(mgr\.\d+\) \d+ : /, "")),
    );
  } finally {
    await c.stop();
  }
});
