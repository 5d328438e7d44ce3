import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type ArgSpec,
  DECLARED_TYPES,
  descriptorFromDeclaration,
} from "../core/commands/declaration.ts";
import { Flag, parseSignature, signatureOf } from "../core/commands/descriptor.ts";
import { propertySeed } from "./_commands_arbitraries.ts";

const META = { desc: "d", perm: "rw" };
const sig = (prefix: string, args: Record<string, ArgSpec>) =>
  signatureOf(descriptorFromDeclaration(prefix, args, META));

Deno.test("descriptorFromDeclaration() renders words in Ceph's to_argdesc order", () => {
  assert.equal(
    sig("antigravity send to blackhole", {
      oid: "str",
      blackhole: { type: "str", optional: true },
    }),
    "antigravity send to blackhole name=oid,type=CephString name=blackhole,req=false,type=CephString",
  );
  assert.equal(
    sig("x", {
      checks: { type: "str", optional: true, list: true },
      pair: { type: "int", list: 2, range: [1, 10] },
    }),
    "x name=checks,req=false,n=N,type=CephString name=pair,n=2,range=1|10,type=CephInt",
  );
  assert.equal(
    sig("x", { mode: ["fast", "slow"], ratio: { type: "float", range: [0, 1] } }),
    "x name=mode,strings=fast|slow,type=CephChoices name=ratio,range=0.0|1.0,type=CephFloat",
  );
  assert.equal(
    sig("x", { pool: { type: "str", goodchars: "[A-Za-z0-9-_.]" }, id: "int" }),
    "x name=pool,goodchars=[A-Za-z0-9-_.],type=CephString name=id,type=CephInt",
  );
});

Deno.test("a bool or a format argument makes it and every later argument non-positional", () => {
  assert.equal(
    sig("x", {
      oid: "str",
      force: { type: "bool", optional: true },
      n: { type: "int", optional: true },
    }),
    "x name=oid,type=CephString name=force,req=false,positional=false,type=CephBool " +
      "name=n,req=false,positional=false,type=CephInt",
  );
  assert.equal(
    sig("x", { format: { choices: ["json", "plain"], optional: true } }),
    "x name=format,req=false,positional=false,strings=json|plain,type=CephChoices",
  );
  assert.equal(
    sig("x", {
      a: { type: "str", optional: true, positional: false },
      b: { type: "int", optional: true },
    }),
    "x name=a,req=false,positional=false,type=CephString name=b,req=false,positional=false,type=CephInt",
  );
  assert.equal(
    sig("x", { flags: { type: "bool", list: true }, after: "str" }),
    "x name=flags,n=N,type=CephBool name=after,type=CephString",
  );
});

Deno.test("every declared type maps to its Ceph type", () => {
  for (const [t, ceph] of Object.entries(DECLARED_TYPES)) {
    if (t === "bool") continue;
    const d = descriptorFromDeclaration(
      "x",
      { a: { type: t as keyof typeof DECLARED_TYPES } },
      META,
    );
    assert.equal(d.args[0]?.type, ceph);
  }
});

Deno.test("descriptorFromDeclaration() carries desc, perm, poll and module", () => {
  const d = descriptorFromDeclaration("iostat", {}, {
    desc: "io",
    perm: "r",
    poll: true,
    module: "mgr",
  });
  assert.deepEqual([d.prefix, d.help, d.perm, d.poll, d.flags, d.module], [
    "iostat",
    "io",
    "r",
    true,
    Flag.POLL,
    "mgr",
  ]);
});

Deno.test("descriptorFromDeclaration() refuses declarations Ceph's client could not use", async (t) => {
  const cases: [string, Record<string, ArgSpec>, RegExp][] = [
    ["x", { force: "bool" }, /argument 'force': it is non-positional .* must be optional/],
    ["x", { format: "str" }, /'format': it is non-positional/],
    ["x", { a: { type: "bool", optional: true }, b: "str" }, /'b': it is non-positional/],
    ["x", { a: { type: "str", range: [1, 2] } }, /range applies only to int and float/],
    ["x", { a: { type: "int", range: [1.5] } }, /range bound 1.5 must be a finite int/],
    ["x", { a: { type: "int", range: [5, 1] } }, /has min > max/],
    ["x", { a: { type: "int", choices: ["a"] } }, /choices need type "str"/],
    ["x", { a: [] }, /choices must not be empty/],
    ["x", { a: ["a b"] }, /choice "a b" must be non-empty/],
    ["x", { a: { type: "int", goodchars: "[a]" } }, /goodchars applies only/],
    ["x", { a: { type: "str", list: 0 } }, /list count 0/],
    ["x", { a: { type: "nope" as "str" } }, /unknown type "nope"/],
    ["x  y", {}, /word "" must be non-empty/],
    ["x a=b", {}, /word "a=b"/],
    ["x", { "1a": "str" }, /name '1a' must match/],
    ["x", {
      a: { type: "str", optional: true, positional: false },
      b: { type: "str", optional: true, positional: true },
    }, /cannot be positional after/],
  ];
  for (const [prefix, args, re] of cases) {
    await t.step(`${prefix} ${JSON.stringify(args)}`, () => {
      assert.throws(() => descriptorFromDeclaration(prefix, args, META), re);
    });
  }
});

Deno.test("declared descriptors survive signatureOf/parseSignature unchanged (property)", () => {
  const seed = propertySeed();
  const typeArb = fc.constantFrom(
    ...(Object.keys(DECLARED_TYPES) as (keyof typeof DECLARED_TYPES)[]),
  );
  const specArb: fc.Arbitrary<ArgSpec> = fc.oneof(
    fc.constantFrom<ArgSpec>("str", "int", "float"),
    fc.uniqueArray(fc.stringMatching(/^[a-z]{1,5}$/), { minLength: 1, maxLength: 3 }),
    fc.record({ type: typeArb, list: fc.constantFrom(undefined, true, 2) }).map((o) => ({
      ...o,
      optional: true,
      ...(o.type === "int" ? { range: [0, 9] as [number, number] } : {}),
    })),
  );
  fc.assert(
    fc.property(
      fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/), specArb, { maxKeys: 4 }),
      (args) => {
        // Once an argument is non-positional the rest must be optional; make them so.
        let switched = false;
        const fixed: Record<string, ArgSpec> = {};
        for (const [k, v] of Object.entries(args)) {
          if (k === "prefix") continue;
          const o = typeof v === "string"
            ? { type: v }
            : Array.isArray(v)
            ? { choices: v as string[] }
            : v;
          if (k === "format" || (o as { type?: string }).type === "bool") switched = true;
          fixed[k] = switched ? { ...(o as object), optional: true } : o;
        }
        const d = descriptorFromDeclaration("cmd sub", fixed, META);
        assert.deepStrictEqual(
          parseSignature(signatureOf(d), {
            help: d.help,
            perm: d.perm,
            poll: d.poll,
            module: d.module,
          }),
          d,
        );
      },
    ),
    { seed, numRuns: 300 },
  );
});
