import assert from "node:assert/strict";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import * as progress from "../modules/progress/module.ts";

const CLUSTER = { hosts: 3, osdsPerHost: 3, pools: [{ name: "rbd", pgNum: 32 }] };

interface EventJson {
  id: string;
  message: string;
  progress: number;
  refs: [string, string | number][];
  finished_at?: number;
}
interface ProgressJson {
  events: EventJson[];
  completed: EventJson[];
}

async function progressJson(c: TestCluster): Promise<ProgressJson> {
  const r = await c.command({ prefix: "progress json" });
  assert.equal(r.r, 0, r.outs);
  return JSON.parse(r.outb);
}

async function withCluster(fn: (c: TestCluster) => Promise<void>): Promise<void> {
  const c = await startTestCluster({
    builtins: { progress },
    initialModules: ["progress"],
    cluster: CLUSTER,
  });
  try {
    await c.run(30);
    await fn(c);
  } finally {
    await c.stop();
  }
}

const OUT_MESSAGE = "Rebalancing after osd.3 marked out";

Deno.test("progress shows an event while PGs move off an OSD marked out, then completes it", async () => {
  await withCluster(async (c) => {
    const idle = await c.command({ prefix: "progress" });
    assert.deepEqual([idle.r, idle.outb, idle.outs], [0, "", "Nothing in progress"]);

    c.cluster!.osdOut(3);
    await c.run(12);
    const during = await progressJson(c);
    const ev = during.events.find((e) => e.message === OUT_MESSAGE);
    assert.ok(ev, JSON.stringify(during));
    assert.deepEqual(ev.refs, [["osd", 3]]);
    assert.ok(ev.progress >= 0 && ev.progress < 1, `fraction ${ev.progress}`);
    assert.match(ev.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);

    const status = await c.command({ prefix: "status" });
    // As Ceph's progress module publishes it: the message and its age, then the bar, indented.
    assert.match(
      status.outb,
      /progress:\n {4}Rebalancing after osd\.3 marked out \(\d+s\)\n {6}\[[=.]{28}\] /,
    );
    const plain = await c.command({ prefix: "progress" });
    assert.match(plain.outb, /Rebalancing after osd\.3 marked out \(\d+s\)\n {4}\[[=.]{28}\]/);

    const fractions = [ev.progress];
    for (let i = 0; i < 6; i++) {
      await c.run(5);
      const now = (await progressJson(c)).events.find((e) => e.id === ev.id);
      if (now) fractions.push(now.progress);
    }
    assert.ok(fractions.at(-1)! > fractions[0]!, `fractions rise: ${fractions}`);

    await c.run(120);
    const after = await progressJson(c);
    assert.deepEqual(after.events, []);
    const done = after.completed.find((e) => e.id === ev.id);
    assert.equal(done?.progress, 1);
    assert.ok(done.finished_at! > 0);
    const statusAfter = await c.command({ prefix: "status" });
    assert.doesNotMatch(statusAfter.outb, /progress:/);
    const plainAfter = await c.command({ prefix: "progress" });
    assert.match(plainAfter.outb, /\[Complete\]: Rebalancing after osd\.3 marked out/);
  });
});

Deno.test("progress marks the move back when the OSD comes in, and ends the out event", async () => {
  await withCluster(async (c) => {
    c.cluster!.osdOut(3);
    await c.run(8);
    c.cluster!.osdIn(3);
    await c.run(6);
    const j = await progressJson(c);
    assert.ok(j.events.some((e) => e.message === "Rebalancing after osd.3 marked in"));
    assert.ok(j.completed.some((e) => e.message === OUT_MESSAGE));
    await c.run(200);
    assert.deepEqual((await progressJson(c)).events, []);
  });
});

Deno.test("progress shows a global recovery event after an OSD goes down, done when clean", async () => {
  await withCluster(async (c) => {
    c.cluster!.osdDown(4);
    await c.run(10);
    const j = await progressJson(c);
    const global = j.events.find((e) => e.message === "Global Recovery Event");
    assert.ok(global, JSON.stringify(j));
    c.cluster!.osdUp(4);
    await c.run(120);
    const after = await progressJson(c);
    assert.deepEqual(after.events, []);
    assert.ok(after.completed.some((e) => e.id === global.id && e.progress === 1));
  });
});

Deno.test("progress clear forgets running and completed events", async () => {
  await withCluster(async (c) => {
    c.cluster!.osdOut(3);
    await c.run(12);
    assert.ok((await progressJson(c)).events.length > 0);
    const r = await c.command({ prefix: "progress clear" });
    assert.equal(r.r, 0, r.outs);
    assert.deepEqual(await progressJson(c), { completed: [], events: [] });
    const status = await c.command({ prefix: "status" });
    assert.doesNotMatch(status.outb, /progress:/);
    const plain = await c.command({ prefix: "progress" });
    assert.equal(plain.outs, "Nothing in progress");
  });
});

Deno.test("progress off stops tracking; on starts again", async () => {
  await withCluster(async (c) => {
    assert.equal((await c.command({ prefix: "progress off" })).r, 0);
    c.cluster!.osdOut(3);
    await c.run(12);
    assert.deepEqual((await progressJson(c)).events, []);
    assert.equal((await c.command({ prefix: "progress on" })).r, 0);
    c.cluster!.osdOut(5);
    await c.run(8);
    const j = await progressJson(c);
    assert.ok(j.events.some((e) => e.message === "Rebalancing after osd.5 marked out"));
  });
});
