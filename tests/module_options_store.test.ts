import assert from "node:assert/strict";
import { MgrModule, Option } from "mgr_module";
import { startTestCluster } from "mgr_module/testing";

/** The option table of Ceph's selftest module (spec §9.1), for the §9.3 "config" checks. */
class Selftest extends MgrModule {
  static override MODULE_OPTIONS = [
    Option({ name: "testkey" }),
    Option({ name: "testlkey" }),
    Option({ name: "testnewline" }),
    Option({ name: "roption1" }),
    Option({ name: "roption2", type: "str", default: "xyz" }),
    Option({ name: "rwoption1" }),
    Option({ name: "rwoption2", type: "int" }),
    Option({ name: "rwoption3", type: "float" }),
    Option({ name: "rwoption4", type: "str" }),
    Option({ name: "rwoption5", type: "bool" }),
    Option({ name: "rwoption6", type: "bool", default: true }),
    Option({ name: "rwoption7", type: "int", min: 1, max: 42 }),
  ];
  configNotifies = 0;
  override config_notify(): void {
    this.configNotifies++;
  }
}

class Telemetry extends MgrModule {
  static override MODULE_OPTIONS = [
    Option({ name: "contact", type: "str" }),
    Option({ name: "interval", type: "int", default: 24 }),
    Option({ name: "leaderboard", type: "bool", default: false }),
  ];
}

async function selftestCluster() {
  const c = await startTestCluster({
    builtins: { selftest: { Selftest }, telemetry: { Telemetry } },
    initialModules: ["selftest", "telemetry"],
  });
  return { c, st: c.manager.host.instance("selftest") as Selftest };
}

Deno.test("module options read back typed, as selftest's config checks expect (spec §9.3)", async () => {
  const { c, st } = await selftestCluster();
  try {
    await st.set_module_option("testkey", "testvalue");
    assert.equal(st.get_module_option("testkey"), "testvalue");
    await st.set_localized_module_option("testkey", "foo");
    assert.equal(st.get_localized_module_option("testkey"), "foo");
    assert.equal(st.get_module_option("testkey"), "testvalue");
    assert.equal(st.get_localized_module_option("rwoption6"), true);
    assert.equal(st.get_module_option("roption1"), null);
    assert.equal(st.get_module_option("roption1", "foobar"), "foobar");
    assert.equal(st.get_module_option("roption2"), "xyz");
    assert.equal(st.get_module_option("roption2", "foobar"), "xyz");
    await st.set_module_option("rwoption1", 8080);
    assert.equal(st.get_module_option("rwoption1"), "8080");
    await st.set_module_option("rwoption2", 10);
    assert.equal(st.get_module_option("rwoption2"), 10);
    await st.set_module_option("rwoption3", 1.5);
    assert.equal(st.get_module_option("rwoption3"), 1.5);
    await st.set_module_option("rwoption4", "foo");
    assert.equal(st.get_module_option("rwoption4"), "foo");
    await st.set_module_option("rwoption5", false);
    assert.equal(st.get_module_option("rwoption5"), false);
    await assert.rejects(st.set_module_option("rwoption7", 43), /exceeds maximum 42/);
    await assert.rejects(st.set_module_option("rwoption2", "abc"), /error parsing value/);
    assert.equal(st.get_module_option("rwoption2"), 10);
    assert.equal(st.get_module_option_ex("foo", "bar"), null);
    assert.equal(st.get_module_option_ex("dashboard", "password", "foobar"), "foobar");
    await st.set_module_option_ex("telemetry", "contact", "test@test.com");
    assert.equal(st.get_module_option_ex("telemetry", "contact"), "test@test.com");
    await st.set_module_option_ex("selftest", "rwoption1", 1234);
    assert.equal(st.get_module_option_ex("selftest", "rwoption1"), "1234");
    await st.set_module_option_ex("telemetry", "interval", 60);
    assert.equal(st.get_module_option_ex("telemetry", "interval"), 60);
    await st.set_module_option_ex("telemetry", "leaderboard", true);
    assert.equal(st.get_module_option_ex("telemetry", "leaderboard"), true);
    await st.set_module_option("rwoption4", null);
    assert.equal(st.get_module_option("rwoption4"), null);
  } finally {
    await c.stop();
  }
});

Deno.test("an undeclared option key is an error naming the module class", async () => {
  const { c, st } = await selftestCluster();
  try {
    assert.throws(
      () => st.get_module_option("nope"),
      { message: "Config option 'nope' is not in Selftest.MODULE_OPTIONS" },
    );
    await assert.rejects(
      st.set_module_option("nope", 1),
      { message: "Config option 'nope' is not in Selftest.MODULE_OPTIONS" },
    );
  } finally {
    await c.stop();
  }
});

Deno.test("a config set from outside is visible at once and triggers config_notify()", async () => {
  const { c, st } = await selftestCluster();
  try {
    const before = st.configNotifies;
    const set = await c.command({
      prefix: "config set",
      who: "mgr",
      name: "mgr/selftest/testkey",
      value: "from-cli",
    });
    assert.equal(set.r, 0);
    assert.equal(st.get_module_option("testkey"), "from-cli");
    assert.ok(st.configNotifies > before);
    const localized = await c.command({
      prefix: "config set",
      who: "mgr",
      name: "mgr/selftest/x/testlkey",
      value: "here",
    });
    assert.equal(localized.r, 0);
    assert.equal(st.get_localized_module_option("testlkey"), "here");
    const get = await c.command({
      prefix: "config get",
      who: "mgr.x",
      key: "mgr/selftest/testkey",
    });
    assert.equal(get.outb.trim(), "from-cli");
    const bad = await c.command({
      prefix: "config set",
      who: "mgr",
      name: "mgr/selftest/rwoption7",
      value: "99",
    });
    assert.deepEqual([bad.r, bad.outs], [
      -22,
      "error parsing value: Value '99' exceeds maximum 42",
    ]);
    const rm = await c.command({ prefix: "config rm", who: "mgr", name: "mgr/selftest/testkey" });
    assert.equal(rm.r, 0);
    assert.equal(st.get_module_option("testkey"), null);
  } finally {
    await c.stop();
  }
});

Deno.test("the store round-trips and lists by prefix, as selftest's store checks expect", async () => {
  const { c, st } = await selftestCluster();
  try {
    const before = Object.keys(st.get_store_prefix("test"));
    await st.set_store("testkey", "testvalue");
    assert.equal(st.get_store("testkey"), "testvalue");
    assert.deepEqual(
      new Set(Object.keys(st.get_store_prefix("test"))),
      new Set([...before, "testkey"]),
    );
    await st.set_store("k2/sub", "value two");
    await st.set_store("other", "x");
    assert.deepEqual(st.get_store_prefix("k"), { "k2/sub": "value two" });
    assert.deepEqual(st.get_store_prefix(""), {
      "k2/sub": "value two",
      other: "x",
      testkey: "testvalue",
    });
    assert.equal(st.get_store("missing"), null);
    assert.equal(st.get_store("missing", "dflt"), "dflt");
    await st.set_store("other", null);
    assert.equal(st.get_store("other"), null);
    await st.set_localized_store("lk", "mine");
    assert.equal(st.get_localized_store("lk"), "mine");
    await st.set_store("lk2", "shared");
    assert.equal(st.get_localized_store("lk2"), "shared");
    assert.equal(st.get_localized_store("none", "d"), "d");
    const dump = await c.command({ prefix: "config-key dump", key: "mgr/selftest/" });
    assert.deepEqual(JSON.parse(dump.outb), {
      "mgr/selftest/k2/sub": "value two",
      "mgr/selftest/lk2": "shared",
      "mgr/selftest/testkey": "testvalue",
      "mgr/selftest/x/lk": "mine",
    });
    const external = await c.command({
      prefix: "config-key set",
      key: "mgr/selftest/k3",
      val: "fromcli",
    });
    assert.deepEqual([external.r, external.outs], [0, "set mgr/selftest/k3"]);
    assert.equal(st.get_store("k3"), "fromcli");
    assert.equal((c.manager.host.instance("telemetry") as Telemetry).get_store("k3"), null);
  } finally {
    await c.stop();
  }
});

Deno.test("get_ceph_option() types daemon options and rejects unknown ones", async () => {
  const { c, st } = await selftestCluster();
  try {
    assert.equal(st.get_ceph_option("mgr_tick_period"), 2);
    assert.equal(st.get_ceph_option("debug_mgr"), "2/5");
    await c.command({ prefix: "config set", who: "mgr", name: "mgr_stats_period", value: "7" });
    assert.equal(st.get_ceph_option("mgr_stats_period"), 7);
    assert.throws(() => st.get_ceph_option("no_such_option"), {
      message: "option not found: no_such_option",
    });
  } finally {
    await c.stop();
  }
});
