import assert from "node:assert/strict";
import fc from "fast-check";
import { parseSignature } from "../core/commands/descriptor.ts";
import { validateCommand } from "../core/commands/validate.ts";
import { metaArb, propertySeed, signatureArb, wordArb } from "./_commands_arbitraries.ts";

const META = { help: "", perm: "r" };
const send = parseSignature(
  "anchorprobe send name=oid,type=CephString name=blackhole,req=false,type=CephString",
  META,
);
const count = parseSignature("anchorprobe count name=n,type=CephInt,range=1|10", META);

Deno.test("validateCommand() accepts a well-formed command and types its values", () => {
  const d = parseSignature(
    "x name=n,type=CephInt name=r,type=CephFloat,req=false name=f,type=CephBool,req=false " +
      "name=osd,type=CephOsdName,req=false name=s,type=CephString,n=N,req=false " +
      "name=sz,type=CephSizeBytes,req=false",
    META,
  );
  const r = validateCommand(d, {
    prefix: "x",
    n: "0x10",
    r: 2,
    f: "TRUE",
    osd: "osd.4",
    s: "one",
    sz: "1K",
    format: "json",
    target: ["mon-mgr", ""],
  });
  assert.deepStrictEqual(r, {
    ok: true,
    cmd: {
      prefix: "x",
      n: 16,
      r: 2,
      f: true,
      osd: 4,
      s: ["one"],
      sz: 1024,
      format: "json",
      target: ["mon-mgr", ""],
    },
  });
});

Deno.test("validateCommand() reports a missing required argument as the CLI does", () => {
  assert.deepEqual(validateCommand(send, { prefix: "anchorprobe send" }), {
    ok: false,
    error: "missing required parameter oid(<string>)",
  });
  assert.deepEqual(validateCommand(send, { prefix: "anchorprobe send", oid: null }), {
    ok: false,
    error: "missing required parameter oid(<string>)",
  });
  assert.equal(validateCommand(send, { oid: "a" }).ok, true);
});

Deno.test("validateCommand() applies the type rules to strings and JSON numbers alike", () => {
  const err = (cmd: Record<string, unknown>) => {
    const r = validateCommand(count, { prefix: "anchorprobe count", ...cmd });
    return r.ok ? undefined : r.error;
  };
  assert.equal(err({ n: 11 }), "11 not in range [1, 10]");
  assert.equal(err({ n: "11" }), "11 not in range [1, 10]");
  assert.equal(err({ n: 1.5 }), "1.5 doesn't represent an int");
  assert.equal(err({ n: "abc" }), "abc doesn't represent an int");
  assert.equal(err({ n: true }), "n(<int[1-10]>) must be a number or a string, not boolean true");
  assert.equal(err({ n: [3] }), "n(<int[1-10]>) must be a number or a string, not a list");
  assert.equal(err({ n: {} }), "n(<int[1-10]>) must be a number or a string, not an object");
  assert.equal(err({ n: 5 }), undefined);
  const s = validateCommand(send, { oid: 5 });
  assert.deepEqual(s, { ok: false, error: "oid(<string>) must be a string, not number 5" });
});

Deno.test("validateCommand() refuses unknown keys but tolerates what clients always send", () => {
  assert.deepEqual(validateCommand(send, { oid: "a", c: 1, d: 2 }), {
    ok: false,
    error: "unused arguments: ['c', 'd']",
  });
  assert.deepEqual(validateCommand(send, { oid: "a", constructor: 1 }), {
    ok: false,
    error: "unused arguments: ['constructor']",
  });
  const ok = validateCommand(send, {
    prefix: "anchorprobe send",
    oid: "a",
    format: "json",
    target: ["mon-mgr", ""],
    poll: true,
    fsid: "f",
    module: "m",
  });
  assert.equal(ok.ok, true);
  assert.deepEqual(validateCommand(send, { prefix: "other", oid: "a" }), {
    ok: false,
    error: `prefix "other" does not match command 'anchorprobe send'`,
  });
});

Deno.test("validateCommand() validates a declared argument named like a client key", () => {
  const d = parseSignature("x name=format,type=CephChoices,strings=json|plain,req=false", META);
  assert.deepEqual(validateCommand(d, { format: "xml" }), {
    ok: false,
    error: "xml not in json|plain",
  });
});

Deno.test("validateCommand() takes lists for n=N, one value as a one-element list", () => {
  const d = parseSignature(
    "x name=ids,type=CephInt,n=N name=two,type=CephString,n=2,req=false",
    META,
  );
  assert.deepStrictEqual(validateCommand(d, { ids: ["1", 2, "0x3"] }), {
    ok: true,
    cmd: { prefix: "x", ids: [1, 2, 3] },
  });
  assert.deepStrictEqual(validateCommand(d, { ids: 7 }), {
    ok: true,
    cmd: { prefix: "x", ids: [7] },
  });
  assert.deepEqual(validateCommand(d, { ids: [] }), {
    ok: false,
    error: "saw 0 of ids(<int>)..., expected at least 1",
  });
  assert.deepEqual(validateCommand(d, { ids: [1], two: ["a"] }), {
    ok: false,
    error: "saw 1 of [two(<string>)], expected 2",
  });
  assert.deepEqual(validateCommand(d, { ids: [1, "x"] }), {
    ok: false,
    error: "x doesn't represent an int",
  });
  const opt = parseSignature("x name=s,type=CephString,n=N,req=false", META);
  assert.deepStrictEqual(validateCommand(opt, { s: [] }), {
    ok: true,
    cmd: { prefix: "x", s: [] },
  });
});

Deno.test("validateCommand() never throws on odd input", () => {
  for (const cmd of [null, [], "x", 5] as unknown[]) {
    assert.deepEqual(validateCommand(send, cmd as Record<string, unknown>), {
      ok: false,
      error: "a command must be a JSON object",
    });
  }
  assert.equal(validateCommand(send, { oid: 1n as unknown }).ok, false);
  assert.equal(validateCommand(send, JSON.parse('{"oid":"a","__proto__":1}')).ok, false);
});

Deno.test("validateCommand() gives typed values or a message for random JSON, never throws (property)", () => {
  const seed = propertySeed();
  fc.assert(
    fc.property(
      signatureArb,
      metaArb,
      fc.array(fc.tuple(fc.nat(5), fc.oneof(fc.jsonValue(), wordArb, fc.array(wordArb))), {
        maxLength: 6,
      }),
      (sig, meta, entries) => {
        const d = parseSignature(sig, meta);
        const cmd: Record<string, unknown> = {};
        for (const [i, v] of entries) cmd[d.args[i]?.name ?? `k${i}`] = v;
        const r = validateCommand(d, cmd);
        if (!r.ok) {
          assert.ok(r.error.length > 0);
          return;
        }
        for (const a of d.args) {
          const v: unknown = r.cmd[a.name];
          if (v === undefined) {
            assert.ok(!a.req);
            continue;
          }
          for (const x of (a.n === 1 ? [v] : v) as unknown[]) {
            if (a.type === "CephInt" || a.type === "CephSizeBytes") {
              assert.ok(Number.isSafeInteger(x));
            } else if (a.type === "CephFloat") assert.ok(Number.isFinite(x));
            else if (a.type === "CephBool") assert.equal(typeof x, "boolean");
            else if (a.type !== "CephOsdName") assert.equal(typeof x, "string");
          }
        }
        // The cleaned command validates again to itself.
        assert.deepStrictEqual(validateCommand(d, r.cmd), r);
      },
    ),
    { seed, numRuns: 500 },
  );
});
