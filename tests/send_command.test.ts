import assert from "node:assert/strict";
import { CommandResult, ETIMEDOUT, MgrModule, MonCommandFailed, NotifyType } from "mgr_module";
import { startTestCluster } from "mgr_module/testing";

const CLUSTER = { hosts: 3, osdsPerHost: 3, pools: [{ name: "rbd", pgNum: 32 }] };

class Sender extends MgrModule {
  static override NOTIFY_TYPES = [NotifyType.command];
  tags: string[] = [];
  override notify(type: NotifyType, id: string): void {
    if (type === NotifyType.command) this.tags.push(id);
  }
}

class Deaf extends MgrModule {
  static override NOTIFY_TYPES = [NotifyType.osd_map];
  seen: string[] = [];
  override notify(type: NotifyType): void {
    this.seen.push(type);
  }
}

async function started() {
  const c = await startTestCluster({
    builtins: { sender: { Sender }, deaf: { Deaf } },
    initialModules: ["sender", "deaf"],
    cluster: CLUSTER,
  });
  await c.run(10);
  return {
    c,
    m: c.manager.host.instance("sender") as Sender,
    deaf: c.manager.host.instance("deaf") as Deaf,
  };
}

/** Awaits `p` while virtual time moves on in `step`-second runs. */
async function drive<T>(c: { run(s: number): Promise<void> }, p: Promise<T>, step = 1) {
  let done = false;
  const out = p.finally(() => (done = true));
  out.catch(() => {}); // observed below; keeps the rejection from counting as unhandled meanwhile
  for (let i = 0; i < 600 && !done; i++) await c.run(step);
  return await out;
}

Deno.test("send_command to the mon completes the result, then notifies `command` with the tag", async () => {
  const { c, m, deaf } = await started();
  try {
    const result = new CommandResult("stat-1");
    const ret = m.send_command(
      result,
      "mon",
      "",
      JSON.stringify({ prefix: "mon stat", format: "json" }),
      "stat-1",
    );
    assert.equal(ret, undefined);
    const [r, outb, outs] = await drive(c, result.wait());
    assert.equal(r, 0);
    assert.equal(outs, "");
    const stat = JSON.parse(outb);
    assert.deepEqual(Object.keys(stat), [
      "epoch",
      "min_mon_release_name",
      "num_mons",
      "leader",
      "quorum",
    ]);
    assert.equal(stat.num_mons, 3);
    await c.run(1);
    assert.deepEqual(m.tags, ["stat-1"]);
    assert.ok(!deaf.seen.includes("command"), "only modules listing `command` hear it");

    const bad = new CommandResult("bad");
    m.send_command(bad, "mon", "", JSON.stringify({ prefix: "no such thing" }), "bad");
    assert.deepEqual(await drive(c, bad.wait()), [-22, "", "command not known"]);
  } finally {
    await c.stop();
  }
});

Deno.test("send_command rejects unknown service types and malformed ids as Ceph's ValueError", async () => {
  const { c, m } = await started();
  try {
    const r = new CommandResult("");
    const cmd = JSON.stringify({ prefix: "version" });
    assert.throws(() => m.send_command(r, "osd", "x1", cmd, ""), {
      message: 'invalid osd_id: "x1"',
    });
    assert.throws(() => m.send_command(r, "pg", "nope", cmd, ""), { message: "invalid pgid" });
    assert.throws(() => m.send_command(r, "rgw", "a", cmd, ""), {
      message: "unknown service type: rgw",
    });
    assert.equal(r.done, false);
  } finally {
    await c.stop();
  }
});

Deno.test("osd out 3 shows in get('osd_map') once the command completes", async () => {
  const { c, m } = await started();
  try {
    const before = m.get("osd_map") as { epoch: number; osds: { osd: number; in: number }[] };
    assert.equal(before.osds[3]!.in, 1);
    const [r, , outs] = await drive(c, m.mon_command({ prefix: "osd out", ids: ["3"] }));
    assert.equal(r, 0);
    assert.equal(outs, "marked out osd.3. ");
    const after = m.get("osd_map") as typeof before;
    assert.ok(after.epoch > before.epoch);
    assert.equal(after.osds[3]!.in, 0);
    const again = await drive(c, m.mon_command({ prefix: "osd out", ids: ["3"] }));
    assert.deepEqual(again, [0, "", "osd.3 is already out. "]);

    assert.deepEqual(await drive(c, m.mon_command({ prefix: "osd set", key: "noout" })), [
      0,
      "",
      "noout is set",
    ]);
    assert.match((m.get("osd_map") as { flags: string }).flags, /noout/);
    assert.deepEqual(
      await drive(c, m.mon_command({ prefix: "osd reweight", id: 2, weight: 0.5 })),
      [0, "", "reweighted osd.2 to 0.5 (8000)"],
    );
    assert.deepEqual(
      await drive(c, m.mon_command({ prefix: "osd pool create", pool: "p2", pg_num: 8 })),
      [0, "", "pool 'p2' created"],
    );
    assert.ok(m.pool_exists("p2"), "the new pool is in the manager's OSD map at once");
    assert.deepEqual(
      await drive(
        c,
        m.mon_command({ prefix: "osd pool set", pool: "rbd", var: "min_size", val: "1" }),
      ),
      [0, "", "set pool 1 min_size to 1"],
    );
    assert.deepEqual(
      await drive(c, m.mon_command({ prefix: "osd pool get", pool: "rbd", var: "min_size" })),
      [0, "min_size: 1\n", ""],
    );
    assert.deepEqual(
      await drive(
        c,
        m.mon_command({ prefix: "osd pool set", pool: "rbd", var: "size", val: "2" }),
      ),
      [0, "", "set pool 1 size to 2"],
    );
    assert.equal(
      (m.get("osd_map") as { pools: { size: number }[] }).pools[0]!.size,
      2,
      "the new size is in the manager's OSD map at once",
    );
    const [, ls] = await drive(c, m.mon_command({ prefix: "osd pool ls" }));
    assert.equal(ls, "rbd\np2\n");
    const [, tree] = await drive(c, m.mon_command({ prefix: "osd tree" }));
    assert.match(tree, /^ID\s+CLASS\s+WEIGHT\s+TYPE NAME\s+STATUS\s+REWEIGHT\s+PRI-AFF\n/);
    assert.match(tree, /\n 3\s+hdd\s+1\.00000\s+osd\.3\s+up\s+0\s*\.?0*\s+1\.00000\n/);
  } finally {
    await c.stop();
  }
});

Deno.test("check_mon_command raises MonCommandFailed with Ceph's message", async () => {
  const { c, m } = await started();
  try {
    await assert.rejects(
      drive(c, m.check_mon_command({ prefix: "osd pool get", pool: "nope", var: "size" })),
      (e: Error) => {
        assert.ok(e instanceof MonCommandFailed);
        assert.equal(e.message, "osd pool get failed: unrecognized pool 'nope' retval: -2");
        return true;
      },
    );
    const ok = await drive(c, m.check_mon_command({ prefix: "osd pool ls", format: "json" }));
    assert.deepEqual(JSON.parse(ok.stdout), ["rbd"]);
  } finally {
    await c.stop();
  }
});

Deno.test("during a mon outage a mon command waits for reconnect unless its timeout ends it", async () => {
  const { c, m } = await started();
  try {
    c.cluster!.monOutage(60);
    await c.run(1);
    const sentAt = m.now();
    const result = new CommandResult("outage");
    m.send_command(
      result,
      "mon",
      "",
      JSON.stringify({ prefix: "mon stat", format: "json" }),
      "outage",
    );
    const short = m.mon_command({ prefix: "osd set", key: "noout" }, undefined, { timeout: 5 });
    const [rt] = await drive(c, short);
    assert.equal(rt, -ETIMEDOUT);
    assert.ok(!(m.get("osd_map") as { flags: string }).flags.includes("noout"));
    assert.equal(result.done, false, "still waiting for the mon");
    assert.deepEqual(await drive(c, result.wait(2)), [-ETIMEDOUT, "", "timed out"]);
    const [r, outb] = await drive(c, result.wait());
    assert.equal(r, 0);
    assert.equal(JSON.parse(outb).num_mons, 3);
    const waited = m.now() - sentAt;
    assert.ok(waited >= 58 && waited <= 62, `completed after the outage (${waited}s)`);
    await c.run(1);
    // The mon failed this manager over during the 60 s outage and its modules restarted: the
    // notification reaches the running instance.
    assert.deepEqual((c.manager.host.instance("sender") as Sender).tags, ["outage"]);
  } finally {
    await c.stop();
  }
});

Deno.test("OSD tell: perf dump and perf schema cover the counters of get_perf_schema", async () => {
  const { c, m } = await started();
  try {
    const ref = JSON.parse(
      await Deno.readTextFile(
        new URL("./ceph-reference/get/get_perf_schema_osd_0.json", import.meta.url),
      ),
    ).value["osd.0"] as Record<string, { type: number; description: string }>;
    const [r, outb] = await drive(c, m.osd_command({ prefix: "perf schema", id: 0 }));
    assert.equal(r, 0);
    const schema = JSON.parse(outb) as Record<string, Record<string, Record<string, unknown>>>;
    const [rd, dumpText] = await drive(c, m.tell_command("osd", "0", { prefix: "perf dump" }));
    assert.equal(rd, 0);
    const dump = JSON.parse(dumpText) as Record<string, Record<string, unknown>>;
    for (const [path, entry] of Object.entries(ref)) {
      if (entry.type & 0x10) continue; // histograms are not in perf dump / perf schema
      const dot = path.indexOf(".");
      const [section, name] = [path.slice(0, dot), path.slice(dot + 1)];
      const s = schema[section]?.[name];
      assert.ok(s, `perf schema has ${path}`);
      assert.equal(s.type, entry.type);
      assert.equal(s.description, entry.description);
      assert.deepEqual(Object.keys(s), [
        "type",
        "metric_type",
        "value_type",
        "description",
        "nick",
        "priority",
        "units",
      ]);
      const v = dump[section]?.[name];
      if (entry.type & 4) {
        const keys = entry.type & 1 ? ["avgcount", "sum", "avgtime"] : ["avgcount", "sum"];
        assert.deepEqual(Object.keys(v as object), keys, path);
      } else {
        assert.equal(typeof v, "number", path);
      }
    }
    const [rv, version] = await drive(c, m.tell_command("osd", "1", { prefix: "version" }));
    assert.equal(rv, 0);
    assert.deepEqual(JSON.parse(version), {
      version: "16.2.15",
      release: "pacific",
      release_type: "stable",
    });
    c.cluster!.osdDown(4);
    await c.run(1);
    assert.deepEqual(await drive(c, m.tell_command("osd", "4", { prefix: "version" })), [
      -6,
      "",
      "osd down",
    ]);
    assert.deepEqual(await drive(c, m.tell_command("osd", "99", { prefix: "version" })), [
      -2,
      "",
      "osd dne",
    ]);
    assert.equal(m.tags.filter((t) => t === "").length, 5, "tell commands notify with tag ''");
  } finally {
    await c.stop();
  }
});
