import assert from "node:assert/strict";
import { Rng } from "../sim/engine/prng.ts";

function draw(seed: number, name: string, n: number): number[] {
  const s = new Rng(seed).stream(name);
  return Array.from({ length: n }, () => s.uint32());
}

Deno.test("Rng: the same seed and name give the same sequence", () => {
  assert.deepEqual(draw(42, "faults", 100), draw(42, "faults", 100));
  assert.deepEqual(draw(-7, "x", 10), draw(-7, "x", 10));
  assert.deepEqual(draw(2 ** 52 + 3, "x", 10), draw(2 ** 52 + 3, "x", 10));
});

Deno.test("Rng: streams are independent: drawing from a new stream changes no other stream", () => {
  const rng = new Rng(42);
  const faults = rng.stream("faults");
  const expected = draw(42, "faults", 50);
  const got: number[] = [];
  const workload = rng.stream("workload");
  for (let i = 0; i < 50; i++) {
    workload.uint32();
    rng.stream(`new-${i}`).next();
    got.push(faults.uint32());
  }
  assert.deepEqual(got, expected);
});

Deno.test("Rng: different names, seeds and high seed bits give different sequences", () => {
  const base = draw(42, "faults", 8);
  assert.notDeepEqual(draw(42, "workload", 8), base);
  assert.notDeepEqual(draw(43, "faults", 8), base);
  assert.notDeepEqual(draw(42 + 2 ** 32, "faults", 8), base);
  assert.notDeepEqual(draw(0, "", 8), draw(1, "", 8));
});

Deno.test("Rng: rejects seeds that are not safe integers", () => {
  assert.throws(() => new Rng(1.5), /safe integer, got 1.5/);
  assert.throws(() => new Rng(NaN), /safe integer/);
});

Deno.test("RngStream: next() is in [0, 1) and roughly uniform", () => {
  const s = new Rng(1).stream("u");
  const buckets = new Array(10).fill(0);
  const n = 100_000;
  for (let i = 0; i < n; i++) {
    const x = s.next();
    assert.ok(x >= 0 && x < 1);
    buckets[Math.floor(x * 10)]++;
  }
  for (const b of buckets) assert.ok(Math.abs(b - n / 10) < n / 100, `bucket ${b}`);
});

Deno.test("RngStream: int() is inclusive and covers every value", async (t) => {
  const s = new Rng(2).stream("i");
  await t.step("small range", () => {
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const x = s.int(-2, 3);
      assert.ok(Number.isInteger(x) && x >= -2 && x <= 3);
      seen.add(x);
    }
    assert.equal(seen.size, 6);
  });
  await t.step("degenerate and wide ranges", () => {
    assert.equal(s.int(5, 5), 5);
    for (let i = 0; i < 100; i++) {
      const x = s.int(0, 2 ** 40);
      assert.ok(Number.isInteger(x) && x >= 0 && x <= 2 ** 40);
    }
  });
  await t.step("bad arguments", () => {
    assert.throws(() => s.int(3, 2), /lo <= hi, got \(3, 2\)/);
    assert.throws(() => s.int(0.5, 2), /safe integers/);
  });
});

Deno.test("RngStream: pick, chance, shuffle, normal, exponential", () => {
  const s = new Rng(3).stream("misc");
  const items = ["a", "b", "c"];
  for (let i = 0; i < 100; i++) assert.ok(items.includes(s.pick(items)));
  assert.throws(() => s.pick([]), /non-empty/);
  let hits = 0;
  for (let i = 0; i < 10_000; i++) if (s.chance(0.25)) hits++;
  assert.ok(hits > 2200 && hits < 2800, `chance(0.25) hit ${hits}/10000`);
  assert.equal(s.chance(0), false);
  assert.equal(s.chance(1), true);
  const arr = Array.from({ length: 50 }, (_, i) => i);
  const shuffled = s.shuffle(arr.slice());
  assert.notDeepEqual(shuffled, arr);
  assert.deepEqual(shuffled.slice().sort((a, b) => a - b), arr);
  let sum = 0, sq = 0, esum = 0;
  const n = 20_000;
  for (let i = 0; i < n; i++) {
    const x = s.normal(10, 2);
    sum += x;
    sq += x * x;
    esum += s.exponential(3);
  }
  const mean = sum / n;
  assert.ok(Math.abs(mean - 10) < 0.1, `normal mean ${mean}`);
  assert.ok(Math.abs(Math.sqrt(sq / n - mean * mean) - 2) < 0.1);
  assert.ok(Math.abs(esum / n - 3) < 0.15, `exponential mean ${esum / n}`);
  assert.throws(() => s.exponential(0), /mean > 0/);
});
