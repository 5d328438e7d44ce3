import assert from "node:assert/strict";
import fc from "fast-check";
import { Flag, parseSignature } from "../core/commands/descriptor.ts";
import { closestSignatures, matchWords } from "../core/commands/match.ts";
import { validateCommand } from "../core/commands/validate.ts";
import { descriptorsFromDescriptions } from "../core/commands/descriptions.ts";
import { referenceText } from "./_reference.ts";
import { metaArb, propertySeed, signatureArb, wordArb } from "./_commands_arbitraries.ts";

const ANCHOR = descriptorsFromDescriptions(
  JSON.parse(referenceText("get/get_command_descriptions_mgr.json")).anchor_cmds,
);
const words = (s: string) => s.split(" ");
const run = (line: string) => matchWords(ANCHOR, words(line));

Deno.test("matchWords() builds the JSON command with typed values", () => {
  assert.deepStrictEqual(run("anchorprobe send obj1 hole"), {
    ok: true,
    desc: ANCHOR[5],
    cmd: { prefix: "anchorprobe send", oid: "obj1", blackhole: "hole" },
  });
  const typed = run("anchorprobe typed x 3 1.5 --force");
  assert.ok(typed.ok);
  assert.deepStrictEqual(typed.cmd, {
    prefix: "anchorprobe typed",
    oid: "x",
    count: 3,
    ratio: 1.5,
    force: true,
  });
});

Deno.test("matchWords() accepts --name value, --name=value, dashes for underscores and --flag", () => {
  const d = parseSignature(
    "x name=the_oid,type=CephString name=count,type=CephInt,req=false name=dry_run,type=CephBool,req=false",
    { help: "", perm: "r" },
  );
  const r = matchWords([d], words("x --count=0x10 --dry-run --the-oid obj"));
  assert.ok(r.ok);
  assert.deepStrictEqual(r.cmd, { prefix: "x", count: 16, dry_run: true, the_oid: "obj" });
});

Deno.test("matchWords() skips an optional argument that does not fit and gives the word to the next", () => {
  const d = parseSignature(
    "pg ls-by-osd name=osd,type=CephOsdName name=pool,type=CephInt,req=false name=states,type=CephString,n=N,req=false",
    { help: "", perm: "r" },
  );
  const r = matchWords([d], words("pg ls-by-osd osd.2 active clean"));
  assert.ok(r.ok);
  assert.deepStrictEqual(r.cmd, { prefix: "pg ls-by-osd", osd: 2, states: ["active", "clean"] });
});

Deno.test("matchWords() splits comma-separated list values, except positional strings", () => {
  const meta = { help: "", perm: "r" };
  const ints = parseSignature("x name=ids,type=CephInt,n=N", meta);
  const r = matchWords([ints], words("x 1,2 3"));
  assert.ok(r.ok);
  assert.deepStrictEqual(r.cmd, { prefix: "x", ids: [1, 2, 3] });
  const strs = parseSignature("y name=tags,type=CephString,n=N,req=false", meta);
  const s = matchWords([strs], words("y a,b c"));
  assert.ok(s.ok);
  assert.deepStrictEqual(s.cmd.tags, ["a,b", "c"]);
  const kw = matchWords([strs], words("y --tags a,b"));
  assert.ok(kw.ok);
  assert.deepStrictEqual(kw.cmd.tags, ["a", "b"]);
});

Deno.test("matchWords() lets a required n=N argument consume words until one fails, as Ceph does", () => {
  const d = parseSignature("x name=ids,type=CephInt,n=N name=tags,type=CephString,n=N,req=false", {
    help: "",
    perm: "r",
  });
  const r = matchWords([d], words("x 1 2 a"));
  assert.ok(!r.ok && r.error === "a doesn't represent an int");
});

Deno.test("matchWords() reports the CLI's messages for the command it identified", () => {
  const cases: [string, string][] = [
    ["anchorprobe send", "missing required parameter oid(<string>)"],
    ["anchorprobe count 11", "11 not in range [1, 10]"],
    ["anchorprobe count abc", "abc doesn't represent an int"],
    ["anchorprobe mode turbo", "turbo not in fast|slow|medium"],
    ["anchorprobe send a b c", "unused arguments: ['c']"],
    ["anchorprobe send --bogus", "Unexpected argument '--bogus'"],
  ];
  for (const [line, error] of cases) {
    const r = run(line);
    assert.equal(r.ok, false, line);
    if (r.ok) continue;
    assert.equal(r.error, error, line);
    assert.equal(r.matched?.prefix, line.split(" ").slice(0, 2).join(" "));
    assert.deepEqual(r.candidates, [r.matched]);
  }
});

Deno.test("matchWords() answers invalid command with the closest commands when none fits", () => {
  const r = run("anchorprobe");
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.error, "invalid command");
  assert.equal(r.matched, undefined);
  assert.equal(r.candidates.length, 10);
  assert.ok(r.candidates.every((c) => c.prefix.startsWith("anchorprobe")));
  const none = run("nothing at all");
  assert.ok(!none.ok && none.error === "invalid command");
});

Deno.test("matchWords() prefers the longer literal prefix among commands sharing words", () => {
  const meta = { help: "", perm: "r" };
  const descs = [
    parseSignature("mgr module name=what,type=CephString", meta),
    parseSignature("mgr module ls", meta),
    parseSignature(
      "mgr module enable name=module,type=CephString name=force,type=CephChoices,strings=--force,req=false",
      meta,
    ),
  ];
  const ls = matchWords(descs, words("mgr module ls"));
  assert.ok(ls.ok && ls.desc === descs[1]);
  const en = matchWords(descs, words("mgr module enable foo --force"));
  assert.ok(en.ok);
  assert.deepStrictEqual(en.cmd, { prefix: "mgr module enable", module: "foo", force: "--force" });
  const other = matchWords(descs, words("mgr module stuff"));
  assert.ok(other.ok && other.desc === descs[0]);
});

Deno.test("matchWords() adds target for MGR commands and poll for POLL ones, skips OBSOLETE", () => {
  const meta = { help: "", perm: "r" };
  const d = parseSignature("iostat", { ...meta, flags: Flag.MGR | Flag.POLL });
  const r = matchWords([d], ["iostat"]);
  assert.ok(r.ok);
  assert.deepStrictEqual(r.cmd, { prefix: "iostat", target: ["mon-mgr", ""], poll: true });
  const old = parseSignature("iostat", { ...meta, flags: Flag.OBSOLETE });
  assert.equal(matchWords([old], ["iostat"]).ok, false);
});

Deno.test("closestSignatures() leaves out deprecated and hidden commands and honours max", () => {
  const meta = { help: "", perm: "r" };
  const descs = [
    parseSignature("osd ls", meta),
    parseSignature("osd dump", { ...meta, flags: Flag.DEPRECATED }),
    parseSignature("osd tree", { ...meta, flags: Flag.HIDDEN }),
    parseSignature("osd df", meta),
  ];
  assert.deepEqual(closestSignatures(descs, ["osd"], 10).map((d) => d.prefix), [
    "osd ls",
    "osd df",
  ]);
  assert.deepEqual(closestSignatures(descs, ["osd"], 1).map((d) => d.prefix), ["osd ls"]);
});

Deno.test("what matchWords() accepts, the daemon's validateCommand() accepts unchanged (property)", () => {
  const seed = propertySeed();
  fc.assert(
    fc.property(
      fc.array(fc.tuple(signatureArb, metaArb), { minLength: 1, maxLength: 3 }),
      fc.nat(2),
      fc.array(
        fc.oneof(
          wordArb,
          fc.tuple(fc.nat(3), wordArb).map(([i, w]) => `--arg${i}=${w}`),
          fc.nat(3).map((i) => `--arg${i}`),
        ),
        { maxLength: 6 },
      ),
      (pairs, pick, tail) => {
        const descs = pairs.map(([s, m]) => parseSignature(s, m));
        const target = descs[pick % descs.length]!;
        const names = target.args.map((a) => a.name);
        const tokens = tail.map((t) =>
          t.replace(/arg(\d)/, (_, i) => names[Number(i)] ?? `arg${i}`)
        );
        const r = matchWords(descs, [...target.words, ...tokens]);
        if (!r.ok) {
          assert.ok(r.error.length > 0);
          return;
        }
        const v = validateCommand(r.desc, r.cmd);
        assert.ok(v.ok, `${JSON.stringify(r.cmd)}: ${v.ok ? "" : v.error}`);
        assert.deepStrictEqual(v.cmd, r.cmd);
      },
    ),
    { seed, numRuns: 500 },
  );
});
