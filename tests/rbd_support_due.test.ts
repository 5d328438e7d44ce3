/**
 * What rbd_support's schedules do over time, as 16.2.15's do: next runs on its grid (checked
 * against the times a real 16.2.15 showed in `status`), a due trash purge schedule listing the
 * namespace's trash, mirror snapshot levels validated by the mirroring modes, and `rbd task
 * list` of tasks a ceph-mgr queued.
 */
import assert from "node:assert/strict";
import { EOPNOTSUPP } from "mgr_module";
import { Interval, Schedule, StartTime } from "../modules/rbd_support/schedule.ts";
import type { Module } from "../modules/rbd_support/module.ts";
import { IMG1_ID, RbdTool, withRbdCluster } from "./_rbd_cluster.ts";
import { referenceCli } from "./_reference.ts";

const at = (stamp: string) => Date.parse(stamp.replace(" ", "T") + "Z") / 1000;

Deno.test("next runs fall on 16.2.15's grid: the times the real status showed, start times and offsets", () => {
  // The real `status` (60_trash_status_later) ran at 17:25:21 UTC, its local time.
  const real = JSON.parse(
    referenceCli("commands/rbd_support/60_trash_status_later.txt").stdout,
  ).scheduled as { namespace: string; schedule_time: string }[];
  const now = at("2026-12-03 17:25:21");
  const every = (i: string, s?: string) => {
    const sch = new Schedule("x");
    sch.add(Interval.fromString(i), StartTime.fromString(s));
    return sch.nextRun(now);
  };
  assert.equal(every("30m"), real.find((s) => s.namespace === "ns1")!.schedule_time);
  assert.equal(every("1d"), real.find((s) => s.namespace === "")!.schedule_time);
  assert.equal(every("6h", "14:00"), "2026-12-03 20:00:00");
  // 16.2.15 adds an offset's minutes (timedelta.seconds: a day less a negative one).
  assert.equal(StartTime.fromString("01:15+02:00")!.minutes, 195);
  assert.equal(StartTime.fromString("23:10-05:00")!.minutes, 23 * 60 + 10 + 19 * 60);
  const both = new Schedule("x");
  both.add(Interval.fromString("1d"), null);
  both.add(Interval.fromString("30m"), null);
  assert.equal(both.nextRun(now), "2026-12-03 17:30:00");
  assert.throws(() => Interval.fromString("0"), /Invalid interval \(0\)/);
});

Deno.test("a due trash purge schedule lists the namespace's trash; a trashed image is reported, not purged", async () => {
  await withRbdCluster(async (c, ceph, tool) => {
    const rbd = () => c.activeManager()!.host.instance("rbd_support") as Module;
    assert.equal((await ceph("rbd trash purge schedule add rbd/ 1m")).rc, 0);
    await tool().setOmap("rbd", "ns1", "rbd_trash", { id_abc123: new Uint8Array([2, 1, 0]) });
    await c.run(130);
    const runs = rbd().trashPurgeSchedule.runs;
    const main = runs.filter((r) => r.namespace === "");
    const ns1 = runs.filter((r) => r.namespace === "ns1");
    assert.ok(main.length >= 1, JSON.stringify(runs));
    assert.ok(main.every((r) => r.poolId === "2" && r.trashed === 0));
    assert.ok(ns1.length >= 1 && ns1.every((r) => r.trashed === 1));
    // Each ran on a minute boundary, and is queued again for the next one.
    assert.ok(runs.every((r) => Math.floor(r.at) % 60 < 5), JSON.stringify(runs));
    const status = JSON.parse((await ceph("rbd trash purge schedule status")).stdout);
    assert.equal(status.scheduled.length, 2);
  });
});

/** cls::rbd::MirrorImage v2: global id, state, mode. */
function mirrorImage(globalId: string, state: number, mode: number): Uint8Array {
  const id = RbdTool.encoded(globalId);
  const body = new Uint8Array([...id, state, mode]);
  const out = new Uint8Array(6 + body.length);
  out.set([2, 1]);
  new DataView(out.buffer).setUint32(2, body.length, true);
  out.set(body, 6);
  return out;
}

Deno.test("mirror snapshot schedules accept snapshot-mirrored images and image-mode namespaces", async () => {
  await withRbdCluster(async (c, ceph, tool) => {
    await tool().setOmap("rbd", "", "rbd_mirroring", {
      [`image_${IMG1_ID}`]: mirrorImage("0f1e", 1, 1),
    });
    const mode = new Uint8Array(4);
    new DataView(mode.buffer).setUint32(0, 1, true);
    await tool().setOmap("rbd", "ns1", "rbd_mirroring", { mirror_mode: mode });
    assert.equal((await ceph("rbd mirror snapshot schedule add rbd//img1 1h")).rc, 0);
    assert.equal((await ceph("rbd mirror snapshot schedule add rbd/ns1/ 2h")).rc, 0);
    const listed = JSON.parse((await ceph("rbd mirror snapshot schedule list")).stdout);
    assert.deepEqual(listed, {
      [`2//${IMG1_ID}`]: { name: "rbd/img1", schedule: [{ interval: "1h", start_time: null }] },
      "2/ns1": { name: "rbd/ns1/", schedule: [{ interval: "2h", start_time: null }] },
    });
    assert.deepEqual(Object.keys(await tool().omap("rbd", "", "rbd_mirror_snapshot_schedule")), [
      `2//${IMG1_ID}`,
      "2/ns1",
    ]);
    // After the refresh the image is known snapshot-mirrored, and whether it is primary is not.
    await c.run(61);
    const status = await c.command({ prefix: "rbd mirror snapshot schedule status" });
    assert.equal(status.r, -EOPNOTSUPP, status.outs);
    const journal = await ceph("rbd mirror snapshot schedule add rbd/img1 1h");
    assert.equal(journal.rc, 0);
    await tool().setOmap("rbd", "", "rbd_mirroring", {
      [`image_${IMG1_ID}`]: mirrorImage("0f1e", 1, 0),
    });
    const refused = await ceph("rbd mirror snapshot schedule add rbd/img1 1h");
    assert.equal(
      refused.stderr,
      "Error EINVAL: Invalid level spec rbd/img1: image img1 is not in snapshot mirror mode\n",
    );
  });
});

Deno.test("rbd task list shows the tasks queued in rbd_task, by sequence; an unknown id is ENOENT", async () => {
  await withRbdCluster(async (c, ceph, tool) => {
    const task = (seq: number, id: string) =>
      JSON.stringify({
        sequence: seq,
        id,
        message: "Removing image rbd/img1",
        refs: { action: "remove", pool_name: "rbd", pool_namespace: "", image_name: "img1" },
      });
    await tool().setOmap("rbd", "", "rbd_task", {
      "0000000000000002": task(2, "b"),
      "0000000000000001": task(1, "a"),
    });
    await tool().setOmap("rbd", "ns1", "rbd_task", { "0000000000000003": "not json" });
    // Tasks are read when the module starts, as 16.2.15 reads them.
    assert.equal((await ceph("mgr module disable rbd_support")).rc, 0);
    await c.run(2);
    assert.equal((await ceph("mgr module enable rbd_support")).rc, 0);
    await c.run(5);
    const listed = JSON.parse((await ceph("rbd task list")).stdout);
    assert.deepEqual(listed.map((t: { id: string }) => t.id), ["a", "b"]);
    assert.deepEqual(Object.keys(listed[0]), ["id", "message", "refs", "sequence"]);
    const one = await ceph("rbd task list b");
    assert.equal(JSON.parse(one.stdout).sequence, 2);
    assert.equal((await ceph("rbd task list zz")).stderr, "Error ENOENT: No such task zz\n");
  });
});
