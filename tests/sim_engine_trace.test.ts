import assert from "node:assert/strict";
import { Trace } from "../sim/engine/trace.ts";

function fnv1a64Reference(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, "0");
}

Deno.test("Trace: hash() is FNV-1a 64 of the lines joined and terminated by newlines", () => {
  const t = new Trace();
  assert.equal(t.hash(), fnv1a64Reference(""));
  const lines = ["t=0.000 osd.3 down", "t=12.500 mon.a election", "", "ünïcode ✓"];
  for (const l of lines) t.append(l);
  assert.equal(t.hash(), fnv1a64Reference(lines.map((l) => l + "\n").join("")));
  assert.equal(t.count, 4);
});

Deno.test("Trace: order and content change the hash", () => {
  const a = new Trace(), b = new Trace(), c = new Trace();
  a.append("x");
  a.append("y");
  b.append("y");
  b.append("x");
  c.append("xy");
  assert.notEqual(a.hash(), b.hash());
  assert.notEqual(a.hash(), c.hash());
});

Deno.test("Trace: keeps only the last tailSize lines, oldest first", () => {
  const t = new Trace({ tailSize: 3 });
  t.append("1");
  t.append("2");
  assert.deepEqual(t.tail(), ["1", "2"]);
  for (let i = 3; i <= 10; i++) t.append(String(i));
  assert.deepEqual(t.tail(), ["8", "9", "10"]);
  const none = new Trace({ tailSize: 0 });
  none.append("a");
  assert.deepEqual(none.tail(), []);
  assert.equal(none.count, 1);
  assert.throws(() => new Trace({ tailSize: -1 }), /tailSize must be a non-negative integer/);
});
