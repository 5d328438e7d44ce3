/**
 * The prometheus module's page engine: values printed as Python's repr(float) (what Ceph's
 * exporter prints), straight into bytes; and section rendering that rewrites only the numbers
 * that changed yet gives the same bytes as a full render.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { ByteWriter, NANOS, PLAIN, pyFloat } from "../modules/prometheus/_value.ts";
import { BlockedSection, SectionRenderer, TemplateBuilder } from "../modules/prometheus/_page.ts";

const seed = Number(Deno.env.get("FC_SEED") ?? Date.now() % 2 ** 31);

function written(v: number, kind: number): string {
  const w = new ByteWriter(4);
  w.value(v, kind);
  return new TextDecoder().decode(w.bytes());
}

Deno.test("values print as Python's repr(float): notation switches at 1e-4 and 1e16", () => {
  // Python 3: repr(float(x)) for each x.
  const python: [number, string][] = [
    [0, "0.0"],
    [-0, "-0.0"],
    [1, "1.0"],
    [-3, "-3.0"],
    [3221225472, "3221225472.0"],
    [0.25, "0.25"],
    [0.1, "0.1"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [3.5459220271150116e-06, "3.5459220271150116e-06"],
    [0.0001340181042905897, "0.0001340181042905897"],
    [1.5e-7, "1.5e-07"],
    [5e-324, "5e-324"],
    [9999999999999998, "9999999999999998.0"],
    [1e16, "1e+16"],
    [123456789012345680, "1.2345678901234568e+17"],
    [1e22, "1e+22"],
    [1.7976931348623157e308, "1.7976931348623157e+308"],
    [NaN, "NaN"],
    [Infinity, "+Inf"],
    [-Infinity, "-Inf"],
  ];
  for (const [v, text] of python) {
    assert.deepStrictEqual(pyFloat(v), text, `repr(${v})`);
    assert.deepStrictEqual(written(v, PLAIN), text, `written ${v}`);
  }
  // Nanoseconds print as seconds: Ceph's value / 1e9.
  assert.deepStrictEqual(written(818242, NANOS), "0.000818242");
  assert.deepStrictEqual(written(808000026, NANOS), "0.808000026");
  assert.deepStrictEqual(written(10913330, NANOS), "0.01091333");
  assert.deepStrictEqual(written(1e9, NANOS), "1.0");
  assert.deepStrictEqual(written(0, NANOS), "0.0");
  assert.deepStrictEqual(written(50000, NANOS), "5e-05");
});

Deno.test("the byte writer prints every double as pyFloat does (property)", () => {
  console.log(`fast-check seed ${seed} (replay: FC_SEED=${seed} deno test -A ${import.meta.url})`);
  const value = fc.oneof(
    fc.double(),
    fc.integer(),
    fc.nat().map((n) => n * 1000),
    fc.maxSafeNat(),
    fc.double({ min: -1e-3, max: 1e-3 }),
  );
  fc.assert(
    fc.property(value, (v) => {
      assert.deepStrictEqual(written(v, PLAIN), pyFloat(v));
      assert.deepStrictEqual(written(v, NANOS), pyFloat(v / 1e9));
    }),
    { seed, numRuns: 5000 },
  );
});

/** A section of `n` samples with labels, its template built from text. */
function section(n: number, kinds: number[]) {
  const b = new TemplateBuilder();
  b.text("# HELP x_metric Some metric with ünïcode\n# TYPE x_metric gauge\n");
  for (let i = 0; i < n; i++) {
    b.text(`x_metric{ceph_daemon="osd.${i}",host="hôst${i % 3}"} `);
    b.sample(kinds[i % kinds.length]);
    b.text("\n");
  }
  return b.build();
}

function fullText(n: number, kinds: number[], values: Float64Array): string {
  let s = "# HELP x_metric Some metric with ünïcode\n# TYPE x_metric gauge\n";
  for (let i = 0; i < n; i++) {
    const kind = kinds[i % kinds.length]!;
    s += `x_metric{ceph_daemon="osd.${i}",host="hôst${i % 3}"} ${
      pyFloat(kind === NANOS ? values[i]! / 1e9 : values[i]!)
    }\n`;
  }
  return s;
}

Deno.test("a section re-rendered with changed values reads as a full render (property)", () => {
  console.log(`fast-check seed ${seed} (replay: FC_SEED=${seed} deno test -A ${import.meta.url})`);
  const rounds = fc.array(
    fc.array(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double(), fc.constant(0)), {
      minLength: 1,
      maxLength: 40,
    }),
    { minLength: 1, maxLength: 6 },
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }), rounds, (n, changes) => {
      const kinds = [PLAIN, NANOS, PLAIN];
      const template = section(n, kinds);
      const r = new SectionRenderer();
      const values = new Float64Array(n);
      let last = r.render(template, values);
      for (const change of changes) {
        // Change some samples, keep the others.
        for (let k = 0; k < change.length; k++) {
          if (k % 2 === 0) values[(k * 7) % n] = change[k]!;
        }
        const bytes = r.render(template, values);
        assert.deepStrictEqual(new TextDecoder().decode(bytes), fullText(n, kinds, values));
        last = bytes;
      }
      // Nothing changed: the same bytes, not a copy.
      assert.strictEqual(r.render(template, values.slice()), last);
    }),
    { seed, numRuns: 300 },
  );
});

Deno.test("bytes already handed out are never written again", () => {
  const template = section(3, [PLAIN]);
  const r = new SectionRenderer();
  const first = r.render(template, Float64Array.of(1, 2, 3));
  const before = first.slice();
  const second = r.render(template, Float64Array.of(1, 20, 3));
  assert.deepStrictEqual(first, before);
  assert.notStrictEqual(second, first);
  assert.match(new TextDecoder().decode(second), /osd\.1",host="hôst1"} 20\.0\n/);
});

Deno.test("a section in blocks reads as a full render, each block a line start; unchanged blocks are handed out again (property)", () => {
  console.log(`fast-check seed ${seed} (replay: FC_SEED=${seed} deno test -A ${import.meta.url})`);
  const change = fc.array(
    fc.tuple(fc.nat(), fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double(), fc.constant(0))),
    { maxLength: 6 },
  );
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 60 }),
      fc.integer({ min: 1, max: 9 }),
      fc.array(change, { minLength: 1, maxLength: 5 }),
      (n, per, rounds) => {
        const kinds = [PLAIN, NANOS];
        const template = section(n, kinds);
        const s = new BlockedSection(per);
        // Told which blocks changed, as the perf section tells it.
        const told = new BlockedSection(per);
        const values = new Float64Array(n);
        let last = s.render(template, values);
        const changed = new Uint8Array(Math.ceil(n / per));
        told.render(template, values, changed);
        assert.deepStrictEqual(last.length, Math.ceil(n / per));
        for (const round of rounds) {
          const touched = new Set<number>();
          for (const [at, v] of round) {
            const i = at % n;
            if (!Object.is(values[i], v)) touched.add(Math.floor(i / per));
            values[i] = v;
          }
          const blocks = s.render(template, values);
          const text = blocks.map((b) => new TextDecoder().decode(b)).join("");
          assert.deepStrictEqual(text, fullText(n, kinds, values));
          for (const k of touched) changed[k] = 1;
          const toldText = told.render(template, values, changed)
            .map((b) => new TextDecoder().decode(b)).join("");
          assert.deepStrictEqual(toldText, text, "rendering only the blocks flagged");
          assert(changed.every((c) => c === 0), "the flags are cleared");
          for (let k = 1; k < blocks.length; k++) {
            assert.match(new TextDecoder().decode(blocks[k]), /^x_metric\{/, `block ${k}`);
          }
          for (let k = 0; k < blocks.length; k++) {
            if (!touched.has(k)) assert.strictEqual(blocks[k], last[k], `block ${k} kept`);
          }
          last = blocks;
        }
      },
    ),
    { seed, numRuns: 300 },
  );
});
