import assert from "node:assert/strict";
import { CLIReadCommand, CLIWriteCommand, HandleCommandResult, MgrModule } from "mgr_module";
import { startTestCluster } from "mgr_module/testing";

class Antigravity extends MgrModule {
  static override COMMANDS = [
    { cmd: "antigravity count name=n,type=CephInt,range=1|10", desc: "count", perm: "r" },
  ];
  override handle_command(_inbuf: string, cmd: Record<string, unknown>) {
    return new HandleCommandResult(0, `${typeof cmd.n}:${String(cmd.n)}`);
  }

  @CLIWriteCommand("antigravity send to blackhole", {
    args: { oid: "str", blackhole: { type: "str", optional: true } },
    desc: "Send the specified object to black hole",
  })
  send({ oid, blackhole }: { oid: string; blackhole?: string }) {
    return new HandleCommandResult(0, `${oid}->${blackhole ?? "default"}`);
  }

  @CLIReadCommand("antigravity mode", { args: { mode: ["fast", "slow", "medium"] } })
  mode({ mode }: { mode: string }) {
    return new HandleCommandResult(0, mode);
  }
}

const ro = { entity: "client.ro", caps: "allow r" };

Deno.test("every command is validated against its descriptor before it reaches its owner", async () => {
  const c = await startTestCluster({
    builtins: { antigravity: { Antigravity } },
    initialModules: ["antigravity"],
  });
  try {
    const typed = await c.command({ prefix: "antigravity count", n: "7" });
    assert.deepEqual([typed.r, typed.outb], [0, "number:7"]);
    const range = await c.command({ prefix: "antigravity count", n: 11 });
    assert.equal(range.r, -22);
    assert.match(range.outs, /^Invalid command: 11 not in range \[1, 10\]/);
    const notInt = await c.command({ prefix: "antigravity count", n: "abc" });
    assert.match(notInt.outs, /abc doesn't represent an int/);
    const missing = await c.command({ prefix: "antigravity send to blackhole" });
    assert.match(missing.outs, /missing required parameter oid\(<string>\)/);
    assert.match(missing.outs, /antigravity send to blackhole <oid> \[<blackhole>\]/);
    const choice = await c.command({ prefix: "antigravity mode", mode: "turbo" });
    assert.match(choice.outs, /turbo not in fast\|slow\|medium/);
    const extra = await c.command({ prefix: "antigravity mode", mode: "fast", c: 1 });
    assert.match(extra.outs, /unused arguments: \['c'\]/);
    const ok = await c.command({ prefix: "antigravity send to blackhole", oid: "o1" });
    assert.deepEqual([ok.r, ok.outb], [0, "o1->default"]);
    const unknown = await c.command({ prefix: "osd albatross" });
    assert.deepEqual([unknown.r, unknown.outs], [-22, "No handler found for 'osd albatross'"]);
    const noPrefix = await c.command({});
    assert.equal(noPrefix.r, -22);
    const badMon = await c.command({ prefix: "config set", who: "mgr" });
    assert.match(badMon.outs, /missing required parameter name/);
  } finally {
    await c.stop();
  }
});

Deno.test("a read-only caller runs read commands and gets EACCES for write commands", async () => {
  const c = await startTestCluster({
    builtins: { antigravity: { Antigravity } },
    initialModules: ["antigravity"],
  });
  try {
    const read = await c.manager.run({ prefix: "antigravity mode", mode: "slow" }, "", ro);
    assert.deepEqual([read.r, read.outb], [0, "slow"]);
    const write = await c.manager.run(
      { prefix: "antigravity send to blackhole", oid: "x" },
      "",
      ro,
    );
    assert.deepEqual([write.r, write.outs], [-13, "access denied"]);
    const monWrite = await c.manager.run(
      { prefix: "config-key set", key: "mgr/x/y", val: "z" },
      "",
      ro,
    );
    assert.equal(monWrite.r, -13);
    assert.equal(c.mon.store.getKv("mgr/x/y"), undefined);
    const monRead = await c.manager.run({ prefix: "mgr module ls" }, "", ro);
    assert.equal(monRead.r, 0);
  } finally {
    await c.stop();
  }
});

Deno.test("input data goes only to handlers that take it", async () => {
  const c = await startTestCluster({
    builtins: { antigravity: { Antigravity } },
    initialModules: ["antigravity"],
  });
  try {
    const refused = await c.command({ prefix: "antigravity mode", mode: "fast" }, "data");
    assert.deepEqual([refused.r, refused.outs], [
      -22,
      "Invalid command: Input file data (-i) not supported",
    ]);
  } finally {
    await c.stop();
  }
});

Deno.test("the command list holds the mon's, the manager's and every module's commands", async () => {
  const c = await startTestCluster({ builtins: { antigravity: { Antigravity } } });
  try {
    const prefixes = c.manager.descriptors().map((d) => d.prefix);
    for (
      const p of [
        "config set",
        "config-key get",
        "mgr module enable",
        "health",
        "antigravity send to blackhole",
        "antigravity count",
      ]
    ) assert.ok(prefixes.includes(p), p);
    const disabled = await c.command({ prefix: "antigravity mode", mode: "fast" });
    assert.equal(disabled.r, -95);
  } finally {
    await c.stop();
  }
});

Deno.test("mgr metadata, mgr versions and mgr count-metadata describe the manager daemons", async () => {
  const c = await startTestCluster();
  try {
    const all = await c.command({ prefix: "mgr metadata", format: "json" });
    const list = JSON.parse(all.outb);
    assert.equal(list.length, 1);
    assert.equal(list[0].name, "x");
    assert.equal(list[0].ceph_version_short, "16.2.15");
    assert.equal(list[0].ceph_release, "pacific");
    assert.equal(typeof list[0].hostname, "string");
    const one = await c.command({ prefix: "mgr metadata", who: "x", format: "json" });
    assert.deepEqual(JSON.parse(one.outb), list[0]);
    const missing = await c.command({ prefix: "mgr metadata", who: "nope" });
    assert.deepEqual([missing.r, missing.outs], [-2, "mgr.nope does not exist"]);
    const versions = await c.command({ prefix: "mgr versions", format: "json" });
    assert.deepEqual(JSON.parse(versions.outb), {
      "ceph version 16.2.15 (618f440892089921c3e944a991122ddc44e60516) pacific (stable)": 1,
    });
    const counted = await c.command({ prefix: "mgr count-metadata", property: "nosuchfield" });
    assert.deepEqual(JSON.parse(counted.outb), { unknown: 1 });
  } finally {
    await c.stop();
  }
});

Deno.test("config show lists the manager's running configuration from the mon", async () => {
  const c = await startTestCluster();
  try {
    await c.command({ prefix: "config set", who: "mgr", name: "mgr_stats_period", value: "7" });
    await c.command({ prefix: "config set", who: "mgr.x", name: "mgr_stats_period", value: "9" });
    await c.command({ prefix: "config set", who: "global", name: "debug_mgr", value: "4/5" });
    const table = await c.command({ prefix: "config show", who: "mgr.x" });
    assert.equal(
      table.outb,
      "NAME              VALUE  SOURCE  OVERRIDES  IGNORES\n" +
        "debug_mgr         4/5    mon                       \n" +
        "mgr_stats_period  9      mon                       \n",
    );
    const one = await c.command({ prefix: "config show", who: "mgr.x", key: "mgr_tick_period" });
    assert.equal(one.outb, "2\n");
    const json = await c.command({
      prefix: "config show-with-defaults",
      who: "mgr.x",
      format: "json",
    });
    const rows = JSON.parse(json.outb) as { name: string; value: string; source: string }[];
    assert.deepEqual(rows.find((r) => r.name === "mgr_tick_period"), {
      name: "mgr_tick_period",
      value: "2",
      source: "default",
    });
    const other = await c.command({ prefix: "config show", who: "osd.0" });
    assert.deepEqual([other.r, other.outs], [-2, "no config state for daemon osd.0"]);
    const bad = await c.command({ prefix: "config show", who: "nodot" });
    assert.deepEqual([bad.r, bad.outs], [-22, "invalid daemon name: use <type>.<id>"]);
  } finally {
    await c.stop();
  }
});
