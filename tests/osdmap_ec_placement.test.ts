/**
 * Erasure-coded pools in `OSDMap`: `choose_indep` / `chooseleaf_indep` rules place each shard
 * at its position, ITEM_NONE (2147483647) where CRUSH finds nothing or the OSD is gone or down,
 * exactly as the real 16.2.15 OSDMap code maps the same maps (osdmaptool on three states of a
 * real cluster: tests/ceph-reference/osdmap_ec/README.md); `pool_raw_used_rate` is (k + m) / k.
 */
import assert from "node:assert/strict";
import { OSDMap } from "mgr_module";
import type { CrushDump, OsdMapDump } from "mgr_module";
import { referenceText } from "./_reference.ts";

const NONE = 2147483647;
const crush = JSON.parse(referenceText("osdmap_ec/osd_crush_dump.json")) as CrushDump;

interface Expected {
  pgid: string;
  raw: number[];
  up: number[];
  upPrimary: number;
  acting: number[];
  actingPrimary: number;
}

function expected(state: string): Expected[] {
  const re =
    /^(\S+) raw \(\[([^\]]*)\], p(-?\d+)\) up \(\[([^\]]*)\], p(-?\d+)\) acting \(\[([^\]]*)\], p(-?\d+)\)$/;
  const list = (s: string) => (s === "" ? [] : s.split(",").map(Number));
  return referenceText(`osdmap_ec/${state}_test_map_pgs_dump_all.txt`).trimEnd().split("\n").map(
    (line) => {
      const m = re.exec(line);
      assert.ok(m, line);
      return {
        pgid: m[1]!,
        raw: list(m[2]!),
        up: list(m[4]!),
        upPrimary: Number(m[5]),
        acting: list(m[6]!),
        actingPrimary: Number(m[7]),
      };
    },
  );
}

for (const state of ["base", "out3", "rw1"]) {
  Deno.test(`EC and replicated placement match the real OSDMap's (${state})`, () => {
    const dump = JSON.parse(referenceText(`osdmap_ec/${state}_osd_dump.json`)) as OsdMapDump;
    const map = new OSDMap(dump, crush);
    const pools = map.get_pools();
    let ecPgs = 0, holes = 0;
    for (const want of expected(state)) {
      const [pool, ps] = [Number(want.pgid.split(".")[0]), parseInt(want.pgid.split(".")[1]!, 16)];
      const poolDump = pools[pool]!;
      assert.deepEqual(map._raw(poolDump, ps), want.raw, `${want.pgid} raw`);
      const got = map.pg_to_up_acting_osds(pool, ps);
      assert.deepEqual(
        [got.up, got.up_primary, got.acting, got.acting_primary],
        [want.up, want.upPrimary, want.acting, want.actingPrimary],
        want.pgid,
      );
      assert.deepEqual(map.map_pool_pgs_up(pool)![want.pgid], want.up);
      if (poolDump.type === 3) {
        ecPgs++;
        holes += want.up.filter((o) => o === NONE).length;
      }
    }
    // Both EC pools' PGs were compared, holes and all (the host-domain pool has one host).
    assert.equal(ecPgs, 24);
    assert.ok(holes >= 8 * 3, `holes: ${holes}`);
  });
}

Deno.test("pool_raw_used_rate of an EC pool is (k + m) / k, of a replicated one its size", () => {
  const dump = JSON.parse(referenceText("osdmap_ec/base_osd_dump.json")) as OsdMapDump;
  const map = new OSDMap(dump, crush);
  assert.equal(map.pool_raw_used_rate(2), 1.5); // k=2 m=1
  assert.equal(map.pool_raw_used_rate(3), 2); // the default profile, k=2 m=2
  assert.equal(map.pool_raw_used_rate(4), 1);
});
