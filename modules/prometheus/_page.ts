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

  /**
   * The section's bytes for `values` (one per sample of `template`). The result is never
   * written to again: it may be served while the next one is built.
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
    const old = this.#bytes, view = this.#view;
    const starts = this.#starts, ends = this.#ends, kinds = template.kinds;
    const w = new ByteWriter(old.length + (old.length >> 4) + 64);
    w.copy(old, view, 0, starts[first]!);
    let from = starts[first]!;
    let shift = 0;
    for (let i = first; i < n; i++) {
      const v = values[i]!;
      if (same(v, prev[i]!)) {
        starts[i]! += shift;
        ends[i]! += shift;
        continue;
      }
      w.copy(old, view, from, starts[i]!);
      const start = w.pos;
      w.value(v, kinds[i]!);
      from = ends[i]!;
      shift = w.pos - from;
      starts[i] = start;
      ends[i] = w.pos;
      prev[i] = v;
    }
    w.copy(old, view, from, old.length);
    this.#bytes = w.bytes();
    this.#view = viewOf(this.#bytes);
    return this.#bytes;
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
