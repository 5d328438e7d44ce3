/**
 * A page section as bytes: a {@linkcode Template} (everything but the numbers: HELP and TYPE
 * lines, names, labels) and a row of values. A {@linkcode SectionRenderer} keeps what it wrote
 * last; with the same template it copies the old bytes between the numbers that changed and
 * writes only those, and with no number changed it hands back the same bytes.
 *
 * @module
 */
import { ByteWriter, PLAIN, viewOf } from "./_value.ts";

const ENCODER = new TextEncoder();

/** The static bytes of a section with a place for each sample's value. */
export class Template {
  /** Static bytes; those before sample `i` end at `cuts[i]`, the rest follow the last. */
  readonly bytes: Uint8Array;
  readonly cuts: Int32Array;
  /** Per sample, how its value prints ({@linkcode PLAIN} or nanoseconds). */
  readonly kinds: Uint8Array;

  /** {@linkcode viewOf}(bytes). */
  readonly view: DataView;

  constructor(bytes: Uint8Array, cuts: Int32Array, kinds: Uint8Array) {
    this.bytes = bytes;
    this.view = viewOf(bytes);
    this.cuts = cuts;
    this.kinds = kinds;
  }

  /** Number of samples. */
  get size(): number {
    return this.cuts.length;
  }
}

/**
 * Builds a {@linkcode Template}: text, and a mark where each value goes.
 *
 * @example
 * ```ts
 * import { SectionRenderer, TemplateBuilder } from "./_page.ts";
 * const b = new TemplateBuilder();
 * b.text("# TYPE x gauge\nx ");
 * b.sample();
 * b.text("\n");
 * const page = new SectionRenderer().render(b.build(), Float64Array.of(2));
 * if (new TextDecoder().decode(page) !== "# TYPE x gauge\nx 2.0\n") throw new Error();
 * ```
 */
export class TemplateBuilder {
  #parts: string[] = [];
  #length = 0;
  #cuts: number[] = [];
  #kinds: number[] = [];
  #text: string | undefined;

  /** Appends static text. */
  text(s: string): void {
    this.#parts.push(s);
    this.#length += s.length;
    this.#text = undefined;
  }

  /** Marks the place of the next sample's value. */
  sample(kind: number = PLAIN): void {
    this.#cuts.push(this.#length);
    this.#kinds.push(kind);
  }

  /** Number of samples marked. */
  get size(): number {
    return this.#cuts.length;
  }

  /** The static text, for telling whether a section's shape changed. */
  key(): string {
    return this.#text ??= this.#parts.join("") + "\u0000" + this.#kinds.join("");
  }

  build(): Template {
    const text = this.#parts.join("");
    const kinds = Uint8Array.from(this.#kinds);
    const bytes = ENCODER.encode(text);
    if (bytes.length === text.length) {
      return new Template(bytes, Int32Array.from(this.#cuts), kinds);
    }
    // Not ASCII (a hostname, a pool name): byte offsets differ from string offsets.
    const cuts = new Int32Array(this.#cuts.length);
    let c = 0, chars = 0, offset = 0;
    for (const part of this.#parts) {
      while (c < this.#cuts.length && this.#cuts[c] === chars) cuts[c++] = offset;
      chars += part.length;
      offset += ENCODER.encode(part).length;
    }
    while (c < this.#cuts.length) cuts[c++] = offset;
    return new Template(bytes, cuts, kinds);
  }
}

function same(a: number, b: number): boolean {
  return a === b ? (a !== 0 || 1 / a === 1 / b) : (a !== a && b !== b);
}

/** Writes one section, reusing its last bytes. */
export class SectionRenderer {
  #template: Template | null = null;
  #bytes: Uint8Array = new Uint8Array(0);
  #view: DataView = viewOf(this.#bytes);
  #starts = new Int32Array(0);
  #ends = new Int32Array(0);
  #values = new Float64Array(0);
  /** The changed values of a render, printed one after the other, and where each ends. */
  readonly #scratch = new ByteWriter(1 << 16);
  #changed = new Int32Array(0);
  #changedEnd = new Int32Array(0);

  /**
   * The section's bytes for `values` (one per sample of `template`). The result is never
   * written to again: it may be served while the next one is built.
   *
   * The old bytes are copied in as few runs as the numbers whose printed width changed allow
   * (one memcpy when none did), then the changed numbers are written over them: after a perf
   * period most numbers change but few change width, and a run copied per sample cost more
   * than everything else of a scrape.
   */
  render(template: Template, values: Float64Array): Uint8Array {
    if (template !== this.#template || values.length !== this.#values.length) {
      return this.#full(template, values);
    }
    const prev = this.#values;
    const n = values.length;
    let first = 0;
    while (first < n && same(values[first]!, prev[first]!)) first++;
    if (first === n) return this.#bytes;
    if (this.#changed.length !== n) {
      this.#changed = new Int32Array(n);
      this.#changedEnd = new Int32Array(n);
    }
    const changed = this.#changed, changedEnd = this.#changedEnd;
    const starts = this.#starts, ends = this.#ends, kinds = template.kinds;
    const s = this.#scratch;
    s.pos = 0;
    let m = 0, grow = 0;
    for (let i = first; i < n; i++) {
      const v = values[i]!;
      if (same(v, prev[i]!)) continue;
      const at = s.pos;
      s.value(v, kinds[i]!);
      changed[m] = i;
      changedEnd[m++] = s.pos;
      grow += s.pos - at - (ends[i]! - starts[i]!);
      prev[i] = v;
    }
    const old = this.#bytes;
    const out = new Uint8Array(old.length + grow);
    const oldView = this.#view, outView = viewOf(out);
    // Runs between the numbers that changed width, each copied once, shifted.
    let from = 0, shift = 0, at = 0;
    for (let k = 0; k < m; k++) {
      const i = changed[k]!;
      const width = changedEnd[k]! - at;
      at = changedEnd[k]!;
      const oldWidth = ends[i]! - starts[i]!;
      if (width === oldWidth) continue;
      copyRun(old, oldView, from, starts[i]!, out, outView, from + shift);
      from = ends[i]!;
      shift += width - oldWidth;
    }
    out.set(old.subarray(from), from + shift);
    // Where every sample now is, and the changed numbers written in.
    const buf = s.buf;
    shift = 0;
    at = 0;
    let k = 0;
    for (let i = first; i < n; i++) {
      const start = starts[i]! + shift;
      if (k < m && changed[k] === i) {
        const end = changedEnd[k++]!;
        let p = start;
        for (let j = at; j < end; j++) out[p++] = buf[j]!;
        shift = p - ends[i]!;
        at = end;
        starts[i] = start;
        ends[i] = p;
      } else {
        starts[i] = start;
        ends[i]! += shift;
      }
    }
    this.#bytes = out;
    this.#view = outView;
    return out;
  }

  #full(template: Template, values: Float64Array): Uint8Array {
    const n = template.size;
    if (values.length !== n) {
      throw new RangeError(`a template of ${n} samples got ${values.length} values`);
    }
    const { bytes, cuts, kinds, view } = template;
    const w = new ByteWriter(Math.max(1024, bytes.length + n * 8));
    const starts = new Int32Array(n), ends = new Int32Array(n);
    let from = 0;
    for (let i = 0; i < n; i++) {
      w.copy(bytes, view, from, cuts[i]!);
      from = cuts[i]!;
      starts[i] = w.pos;
      w.value(values[i]!, kinds[i]!);
      ends[i] = w.pos;
    }
    w.copy(bytes, view, from, bytes.length);
    this.#template = template;
    this.#bytes = w.bytes();
    this.#view = viewOf(this.#bytes);
    this.#starts = starts;
    this.#ends = ends;
    this.#values = Float64Array.from(values);
    return this.#bytes;
  }
}

/**
 * Copies `src[from, to)` to `dst` at `at`; the views are over exactly `src` and `dst`. A
 * short run (a sample's name and labels) goes four bytes at a time, which beats making a
 * subarray for `set`; a long one is one native copy.
 */
function copyRun(
  src: Uint8Array,
  srcView: DataView,
  from: number,
  to: number,
  dst: Uint8Array,
  dstView: DataView,
  at: number,
): void {
  const n = to - from;
  if (n >= 512) {
    dst.set(src.subarray(from, to), at);
    return;
  }
  let i = from, p = at;
  for (const end = to - 3; i < end; i += 4, p += 4) dstView.setUint32(p, srcView.getUint32(i));
  while (i < to) dst[p++] = src[i++]!;
}

/**
 * A small section whose template is rebuilt at every scrape (a few hundred samples): its
 * template object is kept while its text stays the same, so its renderer can reuse bytes.
 */
export class SmallSection {
  readonly #renderer = new SectionRenderer();
  #key = "";
  #template: Template | null = null;

  render(builder: TemplateBuilder, values: readonly number[]): Uint8Array {
    const key = builder.key();
    if (this.#template === null || key !== this.#key) {
      this.#key = key;
      this.#template = builder.build();
    }
    return this.#renderer.render(this.#template, Float64Array.from(values));
  }
}

/** Samples per block of a {@linkcode BlockedSection}: some 200 KB of a perf section. */
const BLOCK_SAMPLES = 4096;

/**
 * A section that grows with the cluster (a sample per OSD, or per OSD and counter), kept as
 * blocks of {@linkcode BLOCK_SAMPLES} samples, each its own {@linkcode SectionRenderer}: a
 * block none of whose numbers changed is handed out again as it was, so a scrape after a
 * perf period copies only the blocks around the numbers that moved.
 *
 * @example
 * ```ts
 * import { BlockedSection, TemplateBuilder } from "./_page.ts";
 * const b = new TemplateBuilder();
 * for (let i = 0; i < 5000; i++) {
 *   b.text(`x{i="${i}"} `);
 *   b.sample();
 *   b.text("\n");
 * }
 * const template = b.build();
 * const s = new BlockedSection();
 * const values = new Float64Array(5000);
 * const first = s.render(template, values);
 * values[4999] = 1;
 * const second = s.render(template, values);
 * if (second[0] !== first[0] || second[1] === first[1]) throw new Error("blocks");
 * ```
 */
export class BlockedSection {
  readonly #samples: number;
  #template: Template | null = null;
  #blocks: Template[] = [];
  #renderers: SectionRenderer[] = [];
  #last: Uint8Array[] = [];

  /** `samples`: how many samples a block holds (tests make small blocks). */
  constructor(samples = BLOCK_SAMPLES) {
    this.#samples = samples;
  }

  /** How many samples a block holds: sample `i` is in block `Math.floor(i / samples)`. */
  get samples(): number {
    return this.#samples;
  }

  /**
   * The section's bytes for `values`, as blocks in page order. With `changed` (a flag per
   * block, which this clears) only the flagged blocks are looked at; the others are handed
   * out as they were, which is right only if none of their values changed.
   */
  render(template: Template, values: Float64Array, changed?: Uint8Array): Uint8Array[] {
    let fresh = false;
    if (template !== this.#template) {
      this.#template = template;
      this.#blocks = split(template, this.#samples);
      this.#renderers = this.#blocks.map(() => new SectionRenderer());
      this.#last = [];
      fresh = true;
    }
    const blocks = this.#blocks;
    if (values.length !== template.size) {
      throw new RangeError(`a template of ${template.size} samples got ${values.length} values`);
    }
    const out: Uint8Array[] = [];
    const last = this.#last;
    let from = 0;
    for (let k = 0; k < blocks.length; k++) {
      const block = blocks[k]!;
      const to = from + block.size;
      if (fresh || !changed || changed[k] !== 0) {
        last[k] = this.#renderers[k]!.render(block, values.subarray(from, to));
        if (changed) changed[k] = 0;
      }
      out.push(last[k]!);
      from = to;
    }
    return out;
  }
}

/**
 * `template` as templates of at most `samples` samples each, their bytes in order making the
 * whole: a block ends with the newline after its last sample's value, so each begins a line.
 */
function split(template: Template, samples: number): Template[] {
  const { bytes, cuts, kinds } = template;
  const n = cuts.length;
  if (n <= samples) return [template];
  const blocks: Template[] = [];
  let begin = 0;
  for (let i0 = 0; i0 < n; i0 += samples) {
    const i1 = Math.min(n, i0 + samples);
    let end = bytes.length;
    if (i1 < n) {
      // After the newline that ends the block's last sample, when there is one.
      end = cuts[i1 - 1]!;
      const next = cuts[i1]!;
      while (end < next && bytes[end] !== 10) end++;
      end = end < next ? end + 1 : cuts[i1 - 1]!;
    }
    const blockCuts = cuts.slice(i0, i1);
    for (let i = 0; i < blockCuts.length; i++) blockCuts[i]! -= begin;
    blocks.push(new Template(bytes.subarray(begin, end), blockCuts, kinds.slice(i0, i1)));
    begin = end;
  }
  return blocks;
}
