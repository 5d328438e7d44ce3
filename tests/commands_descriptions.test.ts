import assert from "node:assert/strict";
import fc from "fast-check";
import { describeCommands, descriptorsFromDescriptions } from "../core/commands/descriptions.ts";
import { parseSignature } from "../core/commands/descriptor.ts";
import { usageLine } from "../core/commands/usage.ts";
import { referenceText } from "./_reference.ts";
import { metaArb, propertySeed, signatureArb } from "./_commands_arbitraries.ts";

const reference = JSON.parse(referenceText("get/get_command_descriptions_mgr.json")) as {
  anchor_cmds: Record<string, unknown>;
};

Deno.test("descriptions rebuilt from Ceph's get_command_descriptions render back identically", () => {
  const descs = descriptorsFromDescriptions(reference.anchor_cmds);
  assert.equal(descs.length, 20);
  const back = describeCommands(descs);
  // The capture is a filtered subset numbered from cmd001; ours number from cmd000.
  assert.deepStrictEqual(Object.values(back), Object.values(reference.anchor_cmds));
  assert.equal(
    JSON.stringify(Object.values(back)),
    JSON.stringify(Object.values(reference.anchor_cmds)),
  );
  assert.deepEqual(Object.keys(back).slice(0, 3), ["cmd000", "cmd001", "cmd002"]);
  assert.equal(usageLine(descs[5]!), "anchorprobe send <oid> [<blackhole>]");
});

Deno.test("describeCommands() writes Ceph's shape: literals, then sorted string-valued keys", () => {
  const d = parseSignature(
    "anchorprobe timing name=iters,type=CephInt,req=false,range=1",
    { help: "time API calls", perm: "r", poll: true },
  );
  assert.deepStrictEqual(describeCommands([d]), {
    cmd000: {
      sig: ["anchorprobe", "timing", { name: "iters", range: "1", req: "false", type: "CephInt" }],
      help: "time API calls",
      module: "mgr",
      perm: "r",
      flags: 16,
    },
  });
  const many = describeCommands(Array.from({ length: 1001 }, () => d));
  assert.ok("cmd999" in many && "cmd1000" in many);
});

Deno.test("describeCommands() sends -- as a literal and descriptorsFromDescriptions() reads it back", () => {
  const d = parseSignature(
    "auth add name=entity,type=CephString -- name=opt,type=CephString,req=false",
    {
      help: "",
      perm: "rwx",
    },
  );
  const json = describeCommands([d]);
  assert.deepEqual(json.cmd000?.sig[3], "--");
  const [back] = descriptorsFromDescriptions(json);
  assert.equal(back?.positionalEnd, 1);
  assert.equal(back?.args[1]?.positional, false);
});

Deno.test("descriptorsFromDescriptions() refuses malformed JSON, naming the command", async (t) => {
  const cases: [unknown, RegExp][] = [
    [[], /must be a JSON object/],
    [{ cmd000: 1 }, /cmd000: must be an object/],
    [{ cmd000: { sig: "x", help: "", module: "mgr", perm: "r" } }, /"sig" must be an array/],
    [{ cmd000: { sig: ["x"], help: 1, module: "mgr", perm: "r" } }, /"help" must be a string/],
    [{ cmd000: { sig: ["x"], help: "", module: "mgr", perm: "r", flags: -1 } }, /"flags"/],
    [{ cmd000: { sig: [], help: "", module: "mgr", perm: "r" } }, /must start with a literal/],
    [
      { cmd000: { sig: ["x", { name: "a" }], help: "", module: "mgr", perm: "r" } },
      /cmd000, sig\[1\].*no type/,
    ],
    [
      { cmd000: { sig: ["x", { name: "a", type: 1 }], help: "", module: "mgr", perm: "r" } },
      /must be a string/,
    ],
    [{
      cmd000: {
        sig: ["x", { name: "a", type: "CephString", goodchars: "a,b" }],
        help: "",
        module: "mgr",
        perm: "r",
      },
    }, /contains ','/],
    [
      { cmd000: { sig: ["x", "a=b"], help: "", module: "mgr", perm: "r" } },
      /"a=b" is not a valid literal/,
    ],
    [{
      cmd000: {
        sig: ["x", { name: "a", type: "CephString" }, "y"],
        help: "",
        module: "mgr",
        perm: "r",
      },
    }, /"y" is not a valid literal/],
    [
      { cmd000: { sig: ["x", 5], help: "", module: "mgr", perm: "r" } },
      /must be a string or an object/,
    ],
  ];
  for (const [json, re] of cases) {
    await t.step(
      JSON.stringify(json),
      () => assert.throws(() => descriptorsFromDescriptions(json), re),
    );
  }
});

Deno.test("descriptorsFromDescriptions() ignores avail and treats a missing flags as 0", () => {
  const [d] = descriptorsFromDescriptions({
    cmd000: { sig: ["x"], help: "", module: "mon", perm: "r", avail: "cli" },
  });
  assert.equal(d?.flags, 0);
  assert.equal(d?.module, "mon");
});

Deno.test("describeCommands() and descriptorsFromDescriptions() round-trip (property)", () => {
  const seed = propertySeed();
  fc.assert(
    fc.property(fc.array(fc.tuple(signatureArb, metaArb), { maxLength: 4 }), (pairs) => {
      const descs = pairs.map(([sig, meta]) => parseSignature(sig, meta));
      const json = describeCommands(descs);
      const back = descriptorsFromDescriptions(JSON.parse(JSON.stringify(json)));
      assert.deepStrictEqual(describeCommands(back), json);
      back.forEach((b, i) => {
        const d = descs[i]!;
        assert.equal(usageLine(b), usageLine(d));
        // Keys come back in Ceph's sorted order; everything else is the same.
        const strip = (x: typeof d) => ({ ...x, args: x.args.map(({ attrs: _, ...a }) => a) });
        assert.deepStrictEqual(strip(b), strip(d));
      });
    }),
    { seed, numRuns: 200 },
  );
});
