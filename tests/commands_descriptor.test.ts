import assert from "node:assert/strict";
import fc from "fast-check";
import { argWord, Flag, parseSignature, signatureOf } from "../core/commands/descriptor.ts";
import { metaArb, propertySeed, signatureArb } from "./_commands_arbitraries.ts";

const META = { help: "h", perm: "r" };

Deno.test("parseSignature() splits literals into the prefix and types every argument", () => {
  const d = parseSignature(
    "pg ls-by-osd name=osd,type=CephOsdName name=pool,type=CephInt,req=false " +
      "name=states,type=CephString,n=N,req=false",
    { help: "list pg on osd [osd]", perm: "r" },
  );
  assert.equal(d.prefix, "pg ls-by-osd");
  assert.deepEqual(d.words, ["pg", "ls-by-osd"]);
  assert.deepEqual(
    d.args.map((a) => [a.name, a.type, a.req, a.n, a.positional]),
    [
      ["osd", "CephOsdName", true, 1, true],
      ["pool", "CephInt", false, 1, true],
      ["states", "CephString", false, "N", true],
    ],
  );
  assert.equal(d.help, "list pg on osd [osd]");
  assert.equal(d.module, "mgr");
  assert.equal(d.flags, 0);
  assert.equal(d.poll, false);
});

Deno.test("parseSignature() reads range, strings and goodchars into typed fields", () => {
  const d = parseSignature(
    "x name=a,type=CephInt,range=1|10 name=b,type=CephFloat,range=0.5 " +
      "name=c,type=CephChoices,strings=fast|slow name=d,type=CephString,goodchars=[A-Za-z0-9-_.]",
    META,
  );
  assert.deepEqual(d.args[0]?.range, [1, 10]);
  assert.deepEqual(d.args[1]?.range, [0.5]);
  assert.deepEqual(d.args[2]?.strings, ["fast", "slow"]);
  assert.equal(d.args[3]?.goodchars, "[A-Za-z0-9-_.]");
  assert.equal(argWord(d.args[0]!), "name=a,type=CephInt,range=1|10");
});

Deno.test("parseSignature() makes arguments after -- non-positional and keeps the -- for rendering", () => {
  const sig = "auth add name=entity,type=CephString -- name=some_option,type=CephString,req=false";
  const d = parseSignature(sig, META);
  assert.equal(d.prefix, "auth add");
  assert.equal(d.positionalEnd, 1);
  assert.equal(d.args[0]?.positional, true);
  assert.equal(d.args[1]?.positional, false);
  assert.equal(signatureOf(d), sig);
});

Deno.test("parseSignature() trims the trailing space Ceph's decorator leaves after a bare prefix", () => {
  assert.equal(parseSignature("mgr module ls ", META).prefix, "mgr module ls");
});

Deno.test("parseSignature() reconciles poll with the POLL flag in both directions", () => {
  const a = parseSignature("iostat", { ...META, poll: true });
  assert.equal(a.flags, Flag.POLL);
  const b = parseSignature("iostat", { ...META, flags: Flag.POLL | Flag.MGR });
  assert.equal(b.poll, true);
  assert.equal(b.flags, Flag.POLL | Flag.MGR);
  const c = parseSignature("iostat", { ...META, flags: Flag.POLL, poll: false });
  assert.equal(c.flags, 0);
});

Deno.test("Flag has Ceph's values, TELL being NOFORWARD|HIDDEN", () => {
  assert.deepEqual(
    [Flag.NOFORWARD, Flag.OBSOLETE, Flag.DEPRECATED, Flag.MGR, Flag.POLL, Flag.HIDDEN, Flag.TELL],
    [1, 2, 4, 8, 16, 32, 33],
  );
});

Deno.test("parseSignature() refuses malformed signatures, naming the word and the rule", async (t) => {
  const cases: [string, RegExp][] = [
    ["", /empty/],
    ["x  name=a,type=CephString", /word 2: words must be separated by exactly one space/],
    ["name=a,type=CephString", /must start with a literal word/],
    ["x type=CephString", /"type=CephString": argument has no name= key/],
    ["x name=a", /argument 'a' has no type= key/],
    ["x name=a,type=CephWhatever", /unknown type 'CephWhatever' for argument 'a'/],
    ["x name=a,type=CephInt,range=abc", /range=abc: 'abc' is not an integer/],
    ["x name=a,type=CephInt,range=1|2|3", /range=1\|2\|3 must be min or min\|max/],
    ["x name=a,type=CephInt,range=5|1", /range=5\|1 has min > max/],
    ["x name=a,type=CephInt,range=1.5", /'1.5' is not an integer/],
    ["x name=a,type=CephString,range=1", /key 'range' is not valid for CephString/],
    ["x name=a,type=CephString name=a,type=CephInt", /duplicate argument name 'a'/],
    ["x name=a,type=CephChoices", /needs strings=a\|b/],
    ["x name=a,type=CephChoices,strings=a||b", /empty choice/],
    ["x name=a,type=CephString,req=maybe", /req=maybe must be true or false/],
    ["x name=a,type=CephString,n=0", /n=0 must be N or a positive integer/],
    ["x name=a,type=CephString,positional=false", /non-positional argument 'a' must be optional/],
    ["x -- name=a,type=CephString", /non-positional argument 'a' must be optional/],
    ["x name=a,type=CephString --", /"--" must be followed by an argument/],
    ["x name=a,type=CephString y", /literal words must all come before the arguments/],
    ["x name=a,type=CephString,goodchars=[", /goodchars=\[ is not a valid regular expression/],
    ["x name=a,type=CephString,name=b", /key 'name' is given twice/],
    ["x name=a,type=CephString,foo", /'foo' is not key=value/],
    ["x name=prefix,type=CephString", /'prefix' is reserved/],
    ["x name=__proto__,type=CephString", /name .__proto__. is reserved/],
    ["x name=a,__proto__=1,type=CephString", /key '__proto__' is not valid/],
  ];
  for (const [sig, re] of cases) {
    await t.step(sig === "" ? "(empty)" : sig, () => {
      assert.throws(() => parseSignature(sig, META), re);
    });
  }
  await t.step("a bad perm", () => {
    assert.throws(() => parseSignature("x", { help: "", perm: "admin" }), /perm 'admin'/);
  });
});

Deno.test("signatureOf() and parseSignature() round-trip every valid signature (property)", () => {
  const seed = propertySeed();
  fc.assert(
    fc.property(signatureArb, metaArb, (sig, meta) => {
      const d = parseSignature(sig, meta);
      assert.equal(signatureOf(d), sig);
      assert.deepStrictEqual(parseSignature(signatureOf(d), meta), d);
    }),
    { seed, numRuns: 300 },
  );
});
