import assert from "node:assert/strict";
import { Rng } from "../sim/engine/prng.ts";
import { Scheduler } from "../sim/engine/scheduler.ts";
import { SimCluster } from "../sim/cluster/cluster.ts";
import { dumpOsdMap, dumpOsdMapCrush, dumpOsdMapTree } from "../sim/cluster/osd_map_dump.ts";
import { shapeDiff } from "./sim_json_shape.ts";
import { referenceGet } from "./_reference.ts";

async function cluster(): Promise<{ s: Scheduler; c: SimCluster }> {
  const s = new Scheduler({ rng: new Rng(5) });
  const c = new SimCluster(s, {
    racks: 2,
    hosts: 4,
    osdsPerHost: 3,
    pools: [
      { name: "device_health_metrics", pgNum: 1, size: 3, application: "mgr_devicehealth" },
      { name: "rbd", pgNum: 64, application: "rbd" },
    ],
  });
  await s.runFor(30);
  return { s, c };
}

function assertShape(actual: unknown, file: string, maps: string[] = []): void {
  // Round-trip through JSON so that the comparison sees exactly what a client would.
  const json = JSON.parse(JSON.stringify(actual));
  const diff = shapeDiff(json, referenceGet(file).value, { maps });
  assert.deepEqual(diff, [], `${file}:\n${diff.join("\n")}`);
}

Deno.test("shapeDiff: reports missing keys, extra keys, type changes and array element shapes", () => {
  const ref = { a: 1, b: [{ x: "s" }], m: { k1: { n: 1 } } };
  assert.deepEqual(
    shapeDiff({ a: 2, b: [{ x: "t" }], m: { k9: { n: 2 } } }, ref, { maps: ["$.m"] }),
    [],
  );
  assert.deepEqual(shapeDiff({ a: "1", b: [], m: {} }, ref, { maps: ["$.m"] }), [
    "$.a: expected number, got string",
  ]);
  assert.deepEqual(shapeDiff({ b: [{ x: 1 }], m: { k: {} }, z: null }, ref, { maps: ["$.m"] }), [
    '$: missing key "a"',
    '$: unexpected key "z"',
    "$.b[].x: expected string, got number",
    '$.b: no element shaped like reference element {"x":"s"}',
    '$.m.k: missing key "n"',
  ]);
});

Deno.test("dumpOsdMap has the shape of get('osd_map') in the reference", async () => {
  const { c } = await cluster();
  c.osdDown(4);
  assertShape(dumpOsdMap(c.map), "get_osd_map.json", [
    "$.blocklist",
    "$.pools[].options",
    "$.pools[].application_metadata",
  ]);
});

Deno.test("dumpOsdMapTree has the shape of get('osd_map_tree') in the reference", async () => {
  const { c } = await cluster();
  const tree = dumpOsdMapTree(c.map) as { nodes: { type: string; children?: number[] }[] };
  assertShape(tree, "get_osd_map_tree.json", ["$.nodes[].pool_weights"]);
  assert.deepEqual(tree.nodes.map((n) => n.type).slice(0, 4), ["root", "rack", "host", "osd"]);
  assert.equal(tree.nodes.filter((n) => n.type === "osd").length, 12);
  assert.deepEqual(tree.nodes[0]?.children, [-3, -2]);
});

Deno.test("dumpOsdMapCrush has the shape of get('osd_map_crush') in the reference", async () => {
  const { c } = await cluster();
  const crush = dumpOsdMapCrush(c.map) as {
    buckets: { id: number; name: string; weight: number }[];
  };
  assertShape(crush, "get_osd_map_crush.json");
  const byName = new Map(crush.buckets.map((b) => [b.name, b]));
  assert.equal(byName.get("default")?.weight, 12 * 0x10000);
  assert.equal(byName.get("default~hdd")?.weight, 12 * 0x10000);
  assert.equal(byName.get("host1~hdd")?.weight, 3 * 0x10000);
  assert.equal(crush.buckets.length, 2 * (1 + 2 + 4));
});
