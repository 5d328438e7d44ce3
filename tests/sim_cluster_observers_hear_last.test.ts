import assert from "node:assert/strict";
import { SimCluster } from "../sim/cluster/cluster.ts";
import { Rng } from "../sim/engine/prng.ts";
import { Scheduler } from "../sim/engine/scheduler.ts";

Deno.test("an observer of the cluster hears each event after every other listener, even one that subscribed later (a restarted manager's session)", async () => {
  const s = new Scheduler({ rng: new Rng(1) });
  const c = new SimCluster(s, { hosts: 3, osdsPerHost: 1, pools: [{ name: "p", pgNum: 8 }] });
  const heard: string[] = [];
  const stopObserver = c.subscribe((e) => {
    if (e.kind === "stats") heard.push("observer");
  }, { observer: true });
  const stopLate = c.subscribe((e) => {
    if (e.kind === "stats") heard.push("session");
  });
  c.startReporting();
  await s.runFor(c.statsPeriod);
  assert.deepEqual(heard, ["session", "observer"]);
  stopObserver();
  stopLate();
  await s.runFor(c.statsPeriod);
  assert.equal(heard.length, 2, "both unsubscribed");
});
