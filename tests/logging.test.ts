import assert from "node:assert/strict";
import { MgrModule } from "mgr_module";
import { levelFromDebugMgr } from "../core/logging.ts";
import { startTestCluster } from "mgr_module/testing";

Deno.test("levelFromDebugMgr() maps debug_mgr as spec §5 says", () => {
  assert.equal(levelFromDebugMgr("0/0"), "CRITICAL");
  assert.equal(levelFromDebugMgr("-1"), "CRITICAL");
  assert.equal(levelFromDebugMgr("1/5"), "WARNING");
  assert.equal(levelFromDebugMgr("2/5"), "INFO");
  assert.equal(levelFromDebugMgr("4"), "INFO");
  assert.equal(levelFromDebugMgr("5/5"), "DEBUG");
  assert.equal(levelFromDebugMgr("20"), "DEBUG");
  assert.equal(levelFromDebugMgr(""), "CRITICAL");
  assert.equal(levelFromDebugMgr("junk"), "CRITICAL");
  assert.equal(levelFromDebugMgr(undefined), "CRITICAL");
});

class Chatty extends MgrModule {
  say(tag: string): void {
    this.log.debug(`debug ${tag}`);
    this.log.info(`info ${tag}`);
    this.log.warning(`warning ${tag}`);
    this.getLogger("sub").info(`child ${tag}`);
  }
}

async function chattyCluster(logDir?: string) {
  const c = await startTestCluster({
    builtins: { chatty: { Chatty } },
    initialModules: ["chatty"],
    logDir,
  });
  return { c, m: c.manager.host.instance("chatty") as Chatty };
}

const setOpt = (name: string, value: string) => ({ prefix: "config set", who: "mgr", name, value });

Deno.test("a module logs at log_level, else at debug_mgr's level, and says when it falls back", async () => {
  const { c, m } = await chattyCluster();
  try {
    m.say("a");
    const lines = () => c.log.recent.join("\n");
    assert.match(lines(), /\[chatty INFO chatty\] info a/);
    assert.match(lines(), /\[chatty INFO chatty\.sub\] child a/);
    assert.doesNotMatch(lines(), /debug a/);
    await c.command(setOpt("mgr/chatty/log_level", "debug"));
    m.say("b");
    assert.match(lines(), /\[chatty DEBUG chatty\] debug b/);
    await c.command({ prefix: "config rm", who: "mgr", name: "mgr/chatty/log_level" });
    assert.match(lines(), /unsetting module log level, falling back to debug_mgr level/);
    m.say("c");
    assert.doesNotMatch(lines(), /debug c/);
    await c.command(setOpt("debug_mgr", "1/5"));
    m.say("d");
    assert.doesNotMatch(lines(), /info d/);
    assert.match(lines(), /warning d/);
    const bad = await c.command(setOpt("mgr/chatty/log_level", "verbose"));
    assert.equal(bad.r, -22);
  } finally {
    await c.stop();
  }
});

Deno.test("log_to_file moves a module's records to its own file and back, at run time", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mgrd-log-" });
  const { c, m } = await chattyCluster(dir);
  try {
    m.say("before");
    await c.command(setOpt("mgr/chatty/log_to_file", "true"));
    m.say("during");
    await c.command(setOpt("mgr/chatty/log_to_file", "false"));
    m.say("after");
    const daemon = await Deno.readTextFile(`${dir}/mgrd.x.log`);
    const own = await Deno.readTextFile(`${dir}/mgrd.x.chatty.log`);
    assert.match(daemon, /info before/);
    assert.match(daemon, /info after/);
    assert.doesNotMatch(daemon, /during/);
    assert.match(
      own,
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \[mgr\.x\] \[INFO\] \[chatty\] info during$/m,
    );
    assert.match(own, /\[INFO\] \[chatty\.sub\] child during/);
    assert.doesNotMatch(own, /before|after/);
  } finally {
    await c.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
