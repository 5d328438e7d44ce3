import assert from "node:assert/strict";
import fc from "fast-check";
import { type ArgCheck, checkPrefix, checkWord, typeLabel } from "../core/commands/arg_types.ts";
import {
  parsePythonFloat,
  parsePythonInt,
  pythonFloatRepr,
  pythonListRepr,
} from "../core/commands/python_values.ts";
import { ARG_TYPE_NAMES } from "../core/commands/descriptor.ts";
import { propertySeed, wordArb } from "./_commands_arbitraries.ts";

function accepts(arg: ArgCheck, word: string, value: unknown): void {
  assert.deepEqual(checkWord(arg, word), { ok: true, value }, `${arg.type} should accept ${word}`);
}

function rejects(arg: ArgCheck, word: string, error: string): void {
  assert.deepEqual(checkWord(arg, word), { ok: false, error }, `${arg.type} should reject ${word}`);
}

Deno.test("parsePythonInt() follows Python's int(s, 0), int(s) and int(s, 16)", () => {
  const base0: [string, bigint | undefined][] = [
    ["42", 42n],
    ["-7", -7n],
    ["+7", 7n],
    [" 12 ", 12n],
    ["0x1F", 31n],
    ["0o17", 15n],
    ["0b101", 5n],
    ["1_000", 1000n],
    ["0x_ff", 255n],
    ["0", 0n],
    ["00", 0n],
    ["010", undefined],
    ["1__0", undefined],
    ["_1", undefined],
    ["1_", undefined],
    ["0x", undefined],
    ["", undefined],
    ["1.0", undefined],
    ["--1", undefined],
  ];
  for (const [s, v] of base0) assert.equal(parsePythonInt(s, 0), v, `int(${s}, 0)`);
  assert.equal(parsePythonInt("010", 10), 10n);
  assert.equal(parsePythonInt("0x10", 10), undefined);
  assert.equal(parsePythonInt("ff", 16), 255n);
  assert.equal(parsePythonInt("0xff", 16), 255n);
  assert.equal(parsePythonInt("fg", 16), undefined);
});

Deno.test("parsePythonFloat() follows Python's float() and refuses what JS Number() allows", () => {
  assert.equal(parsePythonFloat("1.5"), 1.5);
  assert.equal(parsePythonFloat(".5"), 0.5);
  assert.equal(parsePythonFloat("5."), 5);
  assert.equal(parsePythonFloat("1e3"), 1000);
  assert.equal(parsePythonFloat("-INF"), -Infinity);
  assert.ok(Number.isNaN(parsePythonFloat("nan")));
  for (const s of ["", ".", "0x10", "Infinityx", "1e", "e3", "1.2.3"]) {
    assert.equal(parsePythonFloat(s), undefined, s);
  }
});

Deno.test("pythonFloatRepr() and pythonListRepr() print like Python's repr", () => {
  const cases: [number, string][] = [
    [10, "10.0"],
    [1.5, "1.5"],
    [-0.25, "-0.25"],
    [1e16, "1e+16"],
    [1.5e16, "1.5e+16"],
    [1e15, "1000000000000000.0"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [123456789.123, "123456789.123"],
    [Infinity, "inf"],
  ];
  for (const [x, s] of cases) assert.equal(pythonFloatRepr(x), s);
  assert.equal(pythonListRepr(["c", "it's", "a\\b"]), `['c', "it's", 'a\\\\b']`);
});

Deno.test("CephInt accepts Python int literals and reports Ceph's messages", () => {
  const arg: ArgCheck = { type: "CephInt", range: [1, 10] };
  accepts(arg, "7", 7);
  accepts(arg, "0xa", 10);
  accepts(arg, "1", 1);
  rejects(arg, "abc", "abc doesn't represent an int");
  rejects(arg, "11", "11 not in range [1, 10]");
  rejects(arg, "0x10", "16 not in range [1, 10]");
  rejects(arg, "1.5", "1.5 doesn't represent an int");
  rejects({ type: "CephInt", range: [1] }, "0", "0 not in range [1]");
  accepts({ type: "CephInt", range: [1] }, "99999", 99999);
  accepts({ type: "CephInt" }, "-0b11", -3);
  rejects(
    { type: "CephInt" },
    "9007199254740993",
    "9007199254740993 not in range [-9007199254740991, 9007199254740991]",
  );
});

Deno.test("CephFloat accepts Python floats, prints ranges as Python floats", () => {
  const arg: ArgCheck = { type: "CephFloat", range: [1, 10] };
  accepts(arg, "2.5", 2.5);
  accepts(arg, "1e1", 10);
  rejects(arg, "x", "x doesn't represent a float");
  rejects(arg, "11", "11.0 not in range [1.0, 10.0]");
  rejects({ type: "CephFloat", range: [0.5] }, "0.25", "0.25 not in range [0.5]");
  rejects({ type: "CephFloat" }, "inf", "inf doesn't represent a finite float");
});

Deno.test("CephString checks goodchars only when given, listing the bad characters", () => {
  accepts({ type: "CephString" }, "café ok", "café ok");
  const arg: ArgCheck = { type: "CephString", goodchars: "[A-Za-z0-9-_.]" };
  accepts(arg, "pool-1_a.b", "pool-1_a.b");
  rejects(arg, "a b/c/", "invalid chars  / in a b/c/");
  rejects(arg, "é", "invalid chars é in é");
});

Deno.test("CephBool takes true/false/1/0 in any case", () => {
  const arg: ArgCheck = { type: "CephBool" };
  accepts(arg, "TRUE", true);
  accepts(arg, "1", true);
  accepts(arg, "False", false);
  accepts(arg, "0", false);
  rejects(arg, "yes", "yes not one of 'true', 'false'");
});

Deno.test("CephChoices needs an exact member, or a prefix of one while guessing", () => {
  const arg: ArgCheck = { type: "CephChoices", strings: ["fast", "slow", "medium"] };
  accepts(arg, "slow", "slow");
  rejects(arg, "turbo", "turbo not in fast|slow|medium");
  rejects(arg, "sl", "sl not in fast|slow|medium");
  assert.deepEqual(checkWord(arg, "sl", true), { ok: true, value: "sl" });
});

Deno.test("CephOsdName gives the numeric id for N and osd.N, and keeps *", () => {
  const arg: ArgCheck = { type: "CephOsdName" };
  accepts(arg, "3", 3);
  accepts(arg, "osd.12", 12);
  accepts(arg, "*", "*");
  rejects(arg, "mon.a", "unknown type mon");
  rejects(arg, "osd.x", "osd id x not integer");
  rejects(arg, "-1", "osd id -1 is less than 0");
});

Deno.test("CephName takes type.id for known daemon types, * and bare mgr/mon", () => {
  const arg: ArgCheck = { type: "CephName" };
  for (
    const s of ["*", "mgr", "mon", "osd.1", "osd.*", "mon.a", "client.admin", "mds.x", "mgr.y"]
  ) {
    accepts(arg, s, s);
  }
  rejects(arg, "osd", "CephName: no . in osd");
  rejects(arg, "rgw.a", "unknown type rgw");
  rejects(arg, "osd.a", "osd id a not integer");
});

Deno.test("CephPgid takes pool.hexseed", () => {
  const arg: ArgCheck = { type: "CephPgid" };
  accepts(arg, "1.1f", "1.1f");
  rejects(arg, "11f", "pgid has no .");
  rejects(arg, "x.1", "pool x not integer");
  rejects(arg, "-1.0", "pool -1 < 0");
  rejects(arg, "1.xyz", "pgnum xyz not hex integer");
});

Deno.test("CephUUID takes what Python's uuid.UUID() parses", () => {
  const arg: ArgCheck = { type: "CephUUID" };
  for (
    const s of [
      "550e8400-e29b-41d4-a716-446655440000",
      "{550e8400e29b41d4a716446655440000}",
      "urn:uuid:550e8400-e29b-41d4-a716-446655440000",
    ]
  ) accepts(arg, s, s);
  rejects(arg, "abc", "invalid UUID abc: badly formed hexadecimal UUID string");
  rejects(
    arg,
    "zz0e8400-e29b-41d4-a716-446655440000",
    "invalid UUID zz0e8400-e29b-41d4-a716-446655440000: invalid literal for int() with base 16: " +
      "'zz0e8400e29b41d4a716446655440000'",
  );
});

Deno.test("CephIPAddr takes IPv4[:port], IPv6 and [IPv6]:port with an optional v1:/v2:/any:", () => {
  const arg: ArgCheck = { type: "CephIPAddr" };
  for (
    const s of [
      "1.2.3.4",
      "1.2.3.4:6789",
      "v1:1.2.3.4:6789",
      "v2:1.2.3.4:3300",
      "::1",
      "fe80::1:2",
      "[::1]",
      "[::1]:3300",
      "any:[2001:db8::1]:0",
      "::ffff:1.2.3.4",
      "1:2:3:4:5:6:7:8",
    ]
  ) accepts(arg, s, s);
  rejects(arg, "1.2.3.256", "1.2.3.256: invalid IPv4 address");
  rejects(arg, "01.2.3.4", "01.2.3.4: invalid IPv4 address");
  rejects(arg, "1.2.3.4:70000", "70000: invalid IPv4 port");
  rejects(arg, "[::1", "[::1 missing terminating ]");
  rejects(arg, "[::1]:99999", "99999 not a valid port number");
  rejects(arg, "[::1]x", "[::1]x: bad port number");
  rejects(arg, "1::2::3", "1::2::3 not valid IPv6 address");
  rejects(arg, "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8:9 not valid IPv6 address");
  rejects(arg, "hostname", "hostname not valid IPv6 address");
});

Deno.test("CephEntityAddr adds an optional /nonce to an address", () => {
  const arg: ArgCheck = { type: "CephEntityAddr" };
  accepts(arg, "1.2.3.4:0/123", "1.2.3.4:0/123");
  accepts(arg, "[::1]:6789/42", "[::1]:6789/42");
  accepts(arg, "1.2.3.4", "1.2.3.4");
  rejects(arg, "1.2.3.4/x", "1.2.3.4/x: invalid entity, nonce x not integer > 0");
  rejects(arg, "1.2.3.4/-1", "1.2.3.4/-1: invalid entity, nonce -1 not integer > 0");
  rejects(arg, "1.2.3/7", "1.2.3: invalid IPv4 address");
});

Deno.test("CephFragment takes 0xhex/bits", () => {
  const arg: ArgCheck = { type: "CephFragment" };
  accepts(arg, "0x1f/3", "0x1f/3");
  rejects(arg, "0x1f", "0x1f: no /");
  rejects(arg, "1f/3", "1f not a hex integer");
  rejects(arg, "0xzz/3", "can't convert 0xzz to integer");
  rejects(arg, "0x1/b", "can't convert b to integer");
});

Deno.test("CephSizeBytes converts binary units to bytes", () => {
  const arg: ArgCheck = { type: "CephSizeBytes" };
  accepts(arg, "100KB", 102400);
  accepts(arg, "100K", 102400);
  accepts(arg, "2M", 2 * 1024 ** 2);
  accepts(arg, "1GB", 1024 ** 3);
  accepts(arg, "1T", 1024 ** 4);
  accepts(arg, "1PB", 1024 ** 5);
  accepts(arg, "500B", 500);
  accepts(arg, "500", 500);
  for (const s of ["GB", "50XYZ", "1.5G", "-1K"]) {
    assert.equal(checkWord(arg, s).ok, false, s);
  }
});

Deno.test("CephPoolname and CephObjectname take anything", () => {
  accepts({ type: "CephPoolname" }, "any thing", "any thing");
  accepts({ type: "CephObjectname" }, "", "");
});

Deno.test("checkPrefix() matches a literal exactly, or as a prefix while guessing", () => {
  assert.deepEqual(checkPrefix("module", "module"), { ok: true, value: "module" });
  assert.deepEqual(checkPrefix("module", "mod"), { ok: false, error: "no match for mod" });
  assert.deepEqual(checkPrefix("module", "mod", true), { ok: true, value: "mod" });
});

Deno.test("typeLabel() renders each type as Ceph's str() does", () => {
  const cases: [ArgCheck, string][] = [
    [{ type: "CephInt" }, "<int>"],
    [{ type: "CephInt", range: [1, 10] }, "<int[1-10]>"],
    [{ type: "CephInt", range: [0] }, "<int[0-]>"],
    [{ type: "CephFloat", range: [0, 1] }, "<float[0.0-1.0]>"],
    [{ type: "CephString" }, "<string>"],
    [{ type: "CephString", goodchars: "[a-z]" }, "<string(goodchars [a-z])>"],
    [{ type: "CephChoices", strings: ["a", "b"] }, "a|b"],
    [{ type: "CephChoices", strings: ["--force"] }, "--force"],
    [{ type: "CephOsdName" }, "<osdname (id|osd.id)>"],
    [{ type: "CephName" }, "<name (type.id)>"],
    [{ type: "CephIPAddr" }, "<IPaddr[:port]>"],
    [{ type: "CephEntityAddr" }, "<EntityAddr>"],
    [{ type: "CephFragment" }, "<CephFS fragment ID (0xvvv/bbb)>"],
  ];
  for (const [arg, label] of cases) assert.equal(typeLabel(arg), label);
});

Deno.test("checkWord() never throws and gives values of the type's kind for any word (property)", () => {
  const seed = propertySeed();
  const argArb: fc.Arbitrary<ArgCheck> = fc.constantFrom(...ARG_TYPE_NAMES).map((type) =>
    type === "CephChoices"
      ? { type, strings: ["a", "bb"] }
      : type === "CephString"
      ? { type, goodchars: "[a-z0-9]" }
      : { type }
  );
  fc.assert(
    fc.property(
      argArb,
      fc.oneof(wordArb, fc.string(), fc.string({ unit: "grapheme" })),
      (arg, word) => {
        const r = checkWord(arg, word);
        if (!r.ok) {
          assert.ok(r.error.length > 0);
          return;
        }
        const kind = typeof r.value;
        if (arg.type === "CephInt" || arg.type === "CephSizeBytes") {
          assert.ok(Number.isSafeInteger(r.value));
        } else if (arg.type === "CephFloat") assert.ok(Number.isFinite(r.value));
        else if (arg.type === "CephBool") assert.equal(kind, "boolean");
        else if (arg.type === "CephOsdName") {
          assert.ok(
            r.value === "*" || Number.isSafeInteger(r.value),
          );
        } else assert.equal(r.value, word);
      },
    ),
    { seed, numRuns: 2000 },
  );
});
