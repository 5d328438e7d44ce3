import assert from "node:assert/strict";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import { BUILTIN_MODULES } from "../modules/mod.ts";
import { calcSig, timeFromString } from "../modules/crash/module.ts";

const REF = new URL("./ceph-reference/cli/behaviour/crash_post/", import.meta.url);

/** The stdout of a captured `ceph ...` run. */
function refStdout(file: string): string {
  const text = Deno.readTextFileSync(new URL(file, REF));
  return text.split("--- stdout:\n")[1]!.split("--- stderr:")[0]!;
}

/** The crash the real cluster was given: its `crash info`, without the stack_sig it added. */
function refCrash(): Record<string, unknown> {
  const crash = JSON.parse(refStdout("07_crash_info.txt"));
  delete crash.stack_sig;
  return crash;
}

const ID = "2026-12-02T21:28:43.273678Z_1c8f5c6a-3d9f-4b8e-9f1a-0e2d7c4b5a61";

async function withCrash(fn: (c: TestCluster) => Promise<void>): Promise<void> {
  const c = await startTestCluster({ builtins: BUILTIN_MODULES, initialModules: ["crash"] });
  try {
    await c.run(1);
    await fn(c);
  } finally {
    await c.stop();
  }
}

Deno.test("crash: post, ls, info, stat and RECENT_CRASH answer as Ceph 16.2.15 did on the same report", async () => {
  await withCrash(async (c) => {
    const post = await c.command({ prefix: "crash post" }, JSON.stringify(refCrash()));
    assert.deepEqual([post.r, post.outs], [0, ""]);
    const ls = await c.command({ prefix: "crash ls" });
    assert.equal(ls.outb, refStdout("04_crash_ls.txt"));
    const lsNew = await c.command({ prefix: "crash ls-new" });
    assert.equal(lsNew.outb, refStdout("06_crash_ls_new.txt"));
    const info = await c.command({ prefix: "crash info", id: ID });
    assert.equal(info.outb, refStdout("07_crash_info.txt"), "same stack_sig and layout");
    const json = await c.command({ prefix: "crash ls", format: "json" });
    assert.deepEqual(JSON.parse(json.outb), JSON.parse(refStdout("05_crash_ls_json.txt")));
    const stat = await c.command({ prefix: "crash stat" });
    assert.ok(stat.outb.startsWith("1 crashes recorded"));
    await c.run(1);
    const health = await c.command({ prefix: "health", detail: "detail" });
    assert.equal(health.outb, refStdout("09_health_detail.txt"));
  });
});

Deno.test("crash: archive silences RECENT_CRASH and empties ls-new; rm forgets the crash", async () => {
  await withCrash(async (c) => {
    await c.command({ prefix: "crash post" }, JSON.stringify(refCrash()));
    assert.equal((await c.command({ prefix: "crash archive", id: ID })).r, 0);
    await c.run(1);
    assert.equal((await c.command({ prefix: "health" })).outb, "HEALTH_OK\n");
    assert.equal((await c.command({ prefix: "crash ls-new" })).outb, "");
    const info = JSON.parse((await c.command({ prefix: "crash info", id: ID })).outb);
    assert.match(info.archived, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$/);
    assert.equal((await c.command({ prefix: "crash rm", id: ID })).r, 0);
    assert.equal((await c.command({ prefix: "crash ls" })).outb, "");
    const gone = await c.command({ prefix: "crash info", id: ID });
    assert.deepEqual([gone.r, gone.outs], [0, `crash info: ${ID} not found`]);
  });
});

Deno.test("crash: malformed reports are refused with Ceph's messages and nothing is stored", async () => {
  await withCrash(async (c) => {
    const empty = await c.command({ prefix: "crash post" }, "");
    assert.equal(empty.outs, "malformed crash metadata: Expecting value: line 1 column 1 (char 0)");
    const noId = await c.command({ prefix: "crash post" }, JSON.stringify({ timestamp: "x" }));
    assert.equal(noId.outs, "malformed crash metadata: missing 'crash_id' field");
    const badTime = await c.command(
      { prefix: "crash post" },
      JSON.stringify({ crash_id: "a", timestamp: "yesterday" }),
    );
    assert.match(badTime.outs, /^malformed crash metadata: time data 'yesterday' does not match/);
    const badAssert = await c.command(
      { prefix: "crash post" },
      JSON.stringify({ ...refCrash(), assert_msg: "no thread here" }),
    );
    assert.equal(badAssert.r, -22);
    assert.equal((await c.command({ prefix: "crash ls" })).outb, "");
    const prune = await c.command({ prefix: "crash prune", keep: "soon" });
    assert.equal(prune.outs, "keep argument must be integer");
  });
});

Deno.test("crash: prune and retain_interval drop old reports; archive-all; json_report counts by process", async () => {
  await withCrash(async (c) => {
    const now = c.clock.now();
    const stamp = (s: number) => new Date(s * 1000).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
    for (const [i, age] of [[1, 0.5], [2, 2], [3, 10]] as const) {
      const report = {
        crash_id: `c${i}`,
        timestamp: stamp(now - age * 86400),
        entity_name: `osd.${i}`,
        process_name: i === 3 ? "ceph-mon" : "ceph-osd",
      };
      assert.equal((await c.command({ prefix: "crash post" }, JSON.stringify(report))).r, 0);
    }
    const stat = (await c.command({ prefix: "crash stat" })).outb;
    assert.equal(
      stat,
      "3 crashes recorded\n2 older than 1 days old:\nc2\nc3\n1 older than 3 days old:\nc3\n1 older than 7 days old:\nc3\n",
    );
    const report = await c.command({ prefix: "crash json_report", hours: "24" });
    assert.equal(report.outs, '{"ceph-mon": 1, "ceph-osd": 2}');
    await c.command({ prefix: "crash prune", keep: "5" });
    assert.deepEqual(
      JSON.parse((await c.command({ prefix: "crash ls", format: "json" })).outb).map(
        (x: { crash_id: string }) => x.crash_id,
      ),
      ["c1", "c2"],
    );
    await c.command({ prefix: "crash archive-all" });
    assert.equal((await c.command({ prefix: "crash ls-new" })).outb, "");
    await c.command({
      prefix: "config set",
      who: "mgr",
      name: "mgr/crash/retain_interval",
      value: "43000",
    });
    await c.run(700);
    const left = JSON.parse((await c.command({ prefix: "crash ls", format: "json" })).outb);
    assert.deepEqual(left, [], "c1 (12 h old) is older than 43,000 s after 700 s, c2 long before");
  });
});

Deno.test("crash: reports survive the module's restart (kept in its store)", async () => {
  await withCrash(async (c) => {
    await c.command({ prefix: "crash post" }, JSON.stringify(refCrash()));
    await c.command({ prefix: "mgr module disable", module: "crash" });
    await c.run(2);
    await c.command({ prefix: "mgr module enable", module: "crash" });
    await c.run(5);
    assert.equal(
      (await c.command({ prefix: "crash ls" })).outb,
      refStdout("04_crash_ls.txt"),
    );
  });
});

Deno.test("crash helpers: Ceph's time formats and stack signature", () => {
  assert.equal(
    timeFromString("2018-06-22T20:35:38.058818Z"),
    Date.UTC(2018, 5, 22, 20, 35, 38) / 1000 + 0.058818,
  );
  assert.equal(
    timeFromString("2018-06-22 20:35:38.058818Z"),
    timeFromString("2018-06-22T20:35:38.058818"),
  );
  assert.throws(() => timeFromString("2018-06-22"));
  const crash = refCrash();
  assert.equal(
    calcSig(crash.backtrace as string[], crash.assert_msg as string),
    "a263d865aed1778647bea286e23ea8b2763ebe3a566954c535e2fdab0c1de83a",
  );
});
