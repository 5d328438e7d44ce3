/**
 * During a mon outage `status` and `health [detail]` do not wait for the mon (Ceph's CLI would):
 * the manager answers them at once from its last view of the cluster, printed as the mon
 * prints it, with the note the status module's commands carry on stderr.
 */
import assert from "node:assert/strict";
import { HandleCommandResult, MgrModule, NO_MON_CONNECTION } from "mgr_module";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import type { MonCommandResult } from "../core/cluster_link.ts";
import { DaemonLog } from "../core/logging.ts";
import { Manager } from "../core/manager.ts";
import { MON_ANSWER_WAIT_SECONDS } from "../core/mon_outage_answers.ts";
import { ETIMEDOUT } from "../ceph/errno.ts";
import { EmbeddedMon } from "../sim/mon/mon.ts";
import { MonLink, type MonLinkCommandOptions } from "../sim/mon/mon_link.ts";
import { Rng } from "../sim/engine/prng.ts";
import { Scheduler, VirtualClock } from "../sim/engine/scheduler.ts";
import { NO_MON_CONNECTION as STATUS_MODULE_NOTE } from "../modules/status/module.ts";
import { ceph, startDaemon, until } from "./_daemon.ts";

/** A module that raises one check, so the health and status have a manager's check to show. */
class Raiser extends MgrModule {
  override serve(): Promise<void> {
    this.set_health_checks({
      RAISER_WARN: { severity: "warning", summary: "raiser says so", count: 2, detail: ["a", "b"] },
    });
    return Promise.resolve();
  }
  noop(): HandleCommandResult {
    return new HandleCommandResult(0, "");
  }
}

const CLUSTER = { hosts: 3, osdsPerHost: 2, pools: [{ name: "rbd", pgNum: 16 }] };

/** Every form of the two commands a user types: `status`/`-s`, `health`, `health detail`. */
const ASKED: Record<string, unknown>[] = [
  { prefix: "status" },
  { prefix: "status", format: "json" },
  { prefix: "status", format: "json-pretty" },
  { prefix: "health" },
  { prefix: "health", format: "json" },
  { prefix: "health", detail: "detail" },
  { prefix: "health", detail: "detail", format: "json-pretty" },
];

/**
 * Sends a command and lets only what is due now run: the answer must come without virtual
 * time passing. (If it did not, the clock is moved past the outage so the test ends.)
 */
async function answeredNow(c: TestCluster, cmd: Record<string, unknown>) {
  const t0 = c.clock.now();
  let answer: MonCommandResult | undefined;
  const sent = c.manager.command(cmd).then((r) => answer = r);
  for (let i = 0; i < 5 && !answer; i++) await c.scheduler.runFor(0);
  const waited = answer === undefined;
  if (waited) {
    await c.scheduler.runFor(120);
    await sent;
  }
  return { r: answer!, waited, elapsed: c.clock.now() - t0 };
}

async function withCluster(fn: (c: TestCluster) => Promise<void>): Promise<void> {
  const c = await startTestCluster({
    builtins: { raiser: { Raiser } },
    initialModules: ["raiser"],
    cluster: CLUSTER,
  });
  try {
    await c.run(30);
    await fn(c);
  } finally {
    await c.stop();
  }
}

Deno.test("during a mon outage status and health answer at once with the last view, the stale note on stderr, exit 0", async () => {
  await withCluster(async (c) => {
    const before = new Map<string, MonCommandResult>();
    for (const cmd of ASKED) {
      const r = await c.command(cmd);
      assert.equal(r.r, 0, r.outs);
      assert.equal(r.outs, "", "the mon's own answer carries no note");
      before.set(JSON.stringify(cmd), r);
    }
    assert.match(before.get('{"prefix":"health"}')!.outb, /^HEALTH_WARN raiser says so\n$/);

    c.cluster!.monOutage(60);
    await c.scheduler.runFor(0);
    assert.equal(c.manager.link.connected(), false);
    for (const cmd of ASKED) {
      const { r, waited, elapsed } = await answeredNow(c, cmd);
      assert.equal(waited, false, `${JSON.stringify(cmd)} waited for the mon`);
      assert.equal(elapsed, 0);
      assert.equal(r.r, 0);
      assert.equal(r.outs, NO_MON_CONNECTION);
      // At the instant the session dropped, the last view is what the mon said just before.
      assert.equal(r.outb, before.get(JSON.stringify(cmd))!.outb, JSON.stringify(cmd));
    }
    assert.equal(NO_MON_CONNECTION, STATUS_MODULE_NOTE, "the status module's note, word for word");
  });
});

Deno.test("through a mon outage status and health stay the manager's last view while the cluster moves on", async () => {
  await withCluster(async (c) => {
    const lastStatus = JSON.parse((await c.command({ prefix: "status", format: "json" })).outb);
    const lastHealth = (await c.command({ prefix: "health", detail: "detail" })).outb;
    c.cluster!.monOutage(60);
    await c.run(1);
    // The model changes while the manager cannot hear of it.
    c.cluster!.osdDown(0);
    await c.run(20);
    const live = JSON.parse(c.mon.handleCommand({ prefix: "status", format: "json" }).outb);
    assert.equal(live.osdmap.num_up_osds, 5, "the cluster itself has an OSD down");

    const { r: status, waited } = await answeredNow(c, { prefix: "status", format: "json" });
    assert.equal(waited, false);
    assert.equal(status.outs, NO_MON_CONNECTION);
    const shown = JSON.parse(status.outb);
    assert.deepEqual(shown, lastStatus, "the last view, not the live cluster");
    assert.equal(shown.osdmap.num_up_osds, 6);
    // It is what the manager holds: its maps, its PGMap digest, the health the mon last sent.
    assert.deepEqual(shown.osdmap.epoch, (c.manager.get("osd_map") as { epoch: number }).epoch);
    assert.deepEqual(shown.pgmap, c.manager.get("pg_status"));
    assert.deepEqual(
      shown.health.status,
      JSON.parse((c.manager.get("health") as { json: string }).json).status,
    );
    const health = await answeredNow(c, { prefix: "health", detail: "detail" });
    assert.equal(health.r.outb, lastHealth);
    assert.doesNotMatch(health.r.outb, /osds down/);

    c.cluster!.endMonOutage();
    await c.run(10);
    const after = await c.command({ prefix: "health" });
    assert.equal(after.outs, "", "with the mon back, the mon answers");
    assert.match(after.outb, /1 osds down/);
  });
});

/**
 * A mon session that stays up while the mon stops answering `status` and `health` (a hung mon,
 * as the real link meets it until its poll times out): they wait as ClusterLink promises, up to
 * the call's timeout, then fail with -ETIMEDOUT.
 */
class DeafMonLink extends MonLink {
  constructor(mon: EmbeddedMon, readonly clock: VirtualClock) {
    super(mon, clock);
  }
  override monCommand(
    cmd: Record<string, unknown>,
    inbuf?: string,
    options?: MonLinkCommandOptions,
  ): Promise<MonCommandResult> {
    if (cmd.prefix !== "status" && cmd.prefix !== "health") {
      return super.monCommand(cmd, inbuf, options);
    }
    if (options?.timeout === undefined) return new Promise(() => {});
    return this.clock.sleep(options.timeout).then(() => ({ r: -ETIMEDOUT, outb: "", outs: "" }));
  }
}

Deno.test("status and health wait MON_ANSWER_WAIT_SECONDS for a mon that does not answer, then answer from the last view", async () => {
  const scheduler = new Scheduler({ rng: new Rng(1) });
  const clock = new VirtualClock(scheduler);
  const mon = EmbeddedMon.open(":memory:", {
    alwaysOnModules: [],
    initialModules: ["raiser"],
    now: () => clock.now(),
  });
  const link = new DeafMonLink(mon, clock);
  const log = new DaemonLog({ daemonName: "mgr.x", id: "x", memoryLines: 100 });
  const manager = await Manager.start({
    id: "x",
    clock,
    link,
    log,
    builtins: { raiser: { Raiser } },
    shutdownGraceSeconds: 1,
  });
  try {
    await scheduler.runFor(5);
    await manager.settled();
    assert.equal(link.connected(), true, "the session itself stays up");
    for (const cmd of ASKED.filter((c) => c.prefix === "health")) {
      const t0 = clock.now();
      let answer: MonCommandResult | undefined;
      const sent = manager.command(cmd).then((r) => answer = r);
      await scheduler.runFor(MON_ANSWER_WAIT_SECONDS - 1);
      assert.equal(answer, undefined, "it waits for the mon first");
      await scheduler.runFor(1);
      await sent;
      assert.equal(clock.now() - t0, MON_ANSWER_WAIT_SECONDS);
      assert.equal(answer!.r, 0);
      assert.equal(answer!.outs, NO_MON_CONNECTION);
      // The last view: the mon's health as it stood, with the manager's reported check.
      assert.equal(answer!.outb, mon.handleCommand(cmd).outb);
    }
    assert.match(mon.handleCommand({ prefix: "health" }).outb, /^HEALTH_WARN raiser says so\n$/);
  } finally {
    const stopping = manager.stop();
    await scheduler.runFor(10);
    await stopping;
    link.close();
    mon.close();
    log.close();
  }
});

Deno.test("mgrd ceph status, -s, health and health detail -f json answer during a live mon outage, exit 0 with the note", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mgrd-outage-" });
  const daemon = await startDaemon(dir);
  try {
    const outage = await ceph(dir, "sim", "fault", "mon-outage", "120");
    assert.equal(outage.rc, 0, outage.stderr);
    await until("the manager to lose its mon session", async () => {
      const r = await ceph(dir, "health");
      return r.stderr.includes(NO_MON_CONNECTION);
    });
    for (
      const words of [["status"], ["-s"], ["health"], ["health", "detail", "-f", "json"]]
    ) {
      const r = await ceph(dir, ...words);
      assert.equal(r.rc, 0, `${words.join(" ")}: ${r.stderr}`);
      assert.equal(r.stderr.trim(), NO_MON_CONNECTION, words.join(" "));
      assert.notEqual(r.stdout, "");
    }
    const json = await ceph(dir, "health", "detail", "-f", "json");
    assert.match(JSON.parse(json.stdout).status, /^HEALTH_/);
    assert.equal((await ceph(dir, "sim", "heal")).rc, 0);
    await until("the mon to answer again", async () => {
      const r = await ceph(dir, "health");
      return r.rc === 0 && r.stderr === "";
    });
  } finally {
    daemon.kill("SIGTERM");
    await daemon.status;
    await Deno.remove(dir, { recursive: true });
  }
});
