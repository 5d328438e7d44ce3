/**
 * rbd_support's trash purge and mirror snapshot schedules and `rbd task list` answer as Ceph
 * 16.2.15's answered on a real cluster (tests/ceph-reference/cli/commands/rbd_support/, replayed
 * in the order they were captured: answers depend on what came before), and keep the schedules
 * where ceph-mgr keeps them, byte for byte.
 */
import assert from "node:assert/strict";
import { referenceCli, referenceText } from "./_reference.ts";
import type { Ceph } from "./_fs_oracle.ts";
import { withRbdCluster } from "./_rbd_cluster.ts";

const DIR = "commands/rbd_support";

function captures(from: number, to: number): string[] {
  return [...Deno.readDirSync(new URL(`./ceph-reference/cli/${DIR}`, import.meta.url))]
    .map((e) => e.name.replace(/\.txt$/, ""))
    .filter((n) => /^\d\d_/.test(n) && Number(n.slice(0, 2)) >= from && Number(n.slice(0, 2)) <= to)
    .sort();
}

/** A schedule list with each level's items in one order (16.2.15 lists a Python set). */
function sortedItems(text: string): unknown {
  const parsed = JSON.parse(text) as Record<string, { schedule: { interval: string }[] }>;
  for (const level of Object.values(parsed)) {
    level.schedule.sort((a, b) => JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);
  }
  return parsed;
}

/** Replays capture `name`: rc, stderr, and stdout (JSON with set-ordered items compared as sets). */
async function replay(ceph: Ceph, name: string): Promise<void> {
  const cap = referenceCli(`${DIR}/${name}.txt`);
  const got = await ceph(cap.command.replace(/^ceph /, ""));
  assert.deepEqual([got.rc, got.stderr], [cap.rc, cap.stderr], name);
  if (/_list/.test(name) && cap.rc === 0) {
    assert.equal(got.stdout.startsWith("\n"), cap.stdout.startsWith("\n"), `${name}: framing`);
    assert.deepEqual(sortedItems(got.stdout), sortedItems(cap.stdout), name);
  } else if (/_status_.*later/.test(name)) {
    const times = (s: string) => s.replace(/"\d{4}-\d\d-\d\d \d\d:\d\d:00"/g, '"T"');
    assert.equal(times(got.stdout), times(cap.stdout), name);
  } else {
    assert.equal(got.stdout, cap.stdout, name);
  }
}

Deno.test("rbd trash purge / mirror snapshot schedule and rbd task list replay 16.2.15's answers in order", async () => {
  await withRbdCluster(async (c, ceph, tool) => {
    for (const name of captures(1, 59)) await replay(ceph, name);
    // The real module queued the namespaces at its next 60 s refresh.
    await c.run(61);
    for (const name of captures(60, 69)) await replay(ceph, name);
    // Then `ceph osd pool create rbd2 8` and `rbd pool init rbd2`.
    assert.equal((await ceph("osd pool create rbd2 8")).rc, 0);
    assert.equal((await ceph("osd pool application enable rbd2 rbd")).rc, 0);
    await c.run(5);
    await tool().setOmap("rbd2", "", "rbd_info", {});
    for (const name of captures(70, 74)) await replay(ceph, name);
    // The CLI's usage errors, from the commands' descriptors.
    for (const name of captures(80, 89)) await replay(ceph, name);
    // What is left is what the real cluster had left: rbd/ns1/ every 30m.
    assert.deepEqual(await tool().omap("rbd", "", "rbd_trash_purge_schedule"), {
      "2/ns1": '[\n    {\n        "interval": "30m",\n        "start_time": null\n    }\n]',
    });
  });
});

/** `rados listomapvals` output: key → the value's bytes as text. */
function listomapvals(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const blocks = text.split("\n").slice(1).join("\n").trim().split(/\n\n/);
  for (const block of blocks) {
    const [key, , ...hex] = block.split("\n");
    const bytes = hex.flatMap((l) => l.slice(10, 58).trim().split(/\s+/).filter(Boolean))
      .map((h) => parseInt(h, 16));
    out[key!] = new TextDecoder().decode(new Uint8Array(bytes));
  }
  return out;
}

Deno.test("rbd_support stores schedules as ceph-mgr does: pool omap bytes, global option text", async () => {
  await withRbdCluster(async (c, ceph, tool) => {
    for (
      const line of [
        "rbd trash purge schedule add rbd/ 1d",
        "rbd trash purge schedule add rbd/ns1/ 30m",
        "rbd trash purge schedule add '' 2h",
      ]
    ) assert.equal((await ceph(line)).rc, 0, line);
    const real = listomapvals(referenceText(`cli/${DIR}/omap_rbd_trash_purge_schedule.txt`));
    assert.deepEqual(await tool().omap("rbd", "", "rbd_trash_purge_schedule"), real);
    const global = referenceText(`cli/${DIR}/config_trash_purge_schedule_global.txt`)
      .split("\n").slice(1).join("\n").trim();
    const got = await ceph("config get mgr mgr/rbd_support/trash_purge_schedule");
    assert.equal(got.stdout.trim(), global);
    void c;
  });
});

Deno.test("rbd_support reads schedules ceph-mgr wrote, and drops keys of levels that are gone", async () => {
  await withRbdCluster(async (c, ceph, tool) => {
    const real = listomapvals(referenceText(`cli/${DIR}/omap_rbd_trash_purge_schedule.txt`));
    await tool().setOmap("rbd", "", "rbd_trash_purge_schedule", {
      ...real,
      "2/gone": real["2"]!,
    });
    await c.run(61);
    const listed = JSON.parse((await ceph("rbd trash purge schedule list rbd/")).stdout);
    assert.deepEqual(Object.keys(listed).sort(), ["2", "2/ns1"]);
    assert.equal(listed["2/ns1"].name, "rbd/ns1/");
    assert.deepEqual(Object.keys(await tool().omap("rbd", "", "rbd_trash_purge_schedule")).sort(), [
      "2",
      "2/ns1",
    ]);
    const status = JSON.parse((await ceph("rbd trash purge schedule status")).stdout);
    assert.deepEqual(
      status.scheduled.map((s: { namespace: string }) => s.namespace).sort(),
      ["", "ns1"],
    );
  });
});
