import assert from "node:assert/strict";
import fc from "fast-check";
import { fnmatch } from "../core/mgr_util.ts";

Deno.test("fnmatch() answers as Python's fnmatchcase", () => {
  // Expectations printed by CPython 3's fnmatch.fnmatchcase.
  const cases: [string, string, boolean][] = [
    ["host1", "host[0-9]", true],
    ["hostx", "host[!0-9]", true],
    ["host]", "host[]]", true],
    ["host!", "host[!]", false],
    ["host[", "host[", true],
    ["a-b", "a[-]b", true],
    ["ab", "a[!]b", false],
    ["rack1", "*1", true],
    ["rack10", "rack?", false],
    ["r", "[a-z]", true],
    ["R", "[a-z]", false],
    ["b", "[z-a]", false],
    ["a", "[!a-c]", false],
    ["d", "[!a-c]", true],
    ["h-", "h[a-]", true],
    ["hb", "h[a-]", false],
    ["\\", "[\\]", true],
    ["ab", "*a*b*", true],
    ["", "*", true],
    ["x", "", false],
  ];
  for (const [name, pattern, want] of cases) {
    assert.equal(fnmatch(name, pattern), want, `${name} ~ ${pattern}`);
  }
});

Deno.test("fnmatch() agrees with a regular expression on stars and question marks", () => {
  const seed = Date.now() % 1_000_000;
  console.log(`fnmatch property seed: ${seed}`);
  const text = (chars: string[], max: number) =>
    fc.array(fc.constantFrom(...chars), { maxLength: max }).map((a) => a.join(""));
  fc.assert(
    fc.property(text(["a", "b"], 12), text(["a", "b", "*", "?"], 8), (name, pattern) => {
      const re = new RegExp(`^${pattern.replaceAll("*", ".*").replaceAll("?", ".")}$`, "s");
      return fnmatch(name, pattern) === re.test(name);
    }),
    { seed, numRuns: 2000 },
  );
});

Deno.test("fnmatch() of many stars before a letter that is not there answers (no backtracking)", () => {
  const name = "a".repeat(4096);
  assert.equal(fnmatch(name, "*".repeat(36) + "Z"), false);
  assert.equal(fnmatch(name, "*a".repeat(200) + "Z"), false);
  assert.equal(fnmatch(name, "*a".repeat(200)), true);
});
