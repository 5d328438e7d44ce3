import assert from "node:assert/strict";
import fc from "fast-check";
import { parseSignature } from "../core/commands/descriptor.ts";
import { argLabel, usageLine } from "../core/commands/usage.ts";
import { metaArb, propertySeed, signatureArb } from "./_commands_arbitraries.ts";

const META = { help: "", perm: "r" };
const usage = (sig: string) => usageLine(parseSignature(sig, META));

Deno.test("usageLine() renders the specification's examples as ceph -h does", () => {
  assert.equal(
    usage(
      "antigravity send to blackhole name=oid,type=CephString name=blackhole,req=false,type=CephString",
    ),
    "antigravity send to blackhole <oid> [<blackhole>]",
  );
  assert.equal(
    usage(
      "pg ls-by-osd name=osd,type=CephOsdName name=pool,type=CephInt,req=false " +
        "name=states,type=CephString,n=N,req=false",
    ),
    "pg ls-by-osd <id|osd.id> [<pool:int>] [<states>...]",
  );
  assert.equal(
    usage("mgr self-test health clear name=checks,type=CephString,n=N,req=false"),
    "mgr self-test health clear [<checks>...]",
  );
});

Deno.test("usageLine() renders each positional type", () => {
  assert.equal(
    usage(
      "x name=on_off,type=CephBool,req=false name=mode,type=CephChoices,strings=a|b|c " +
        "name=who,type=CephName name=r,type=CephFloat name=pool,type=CephPoolname",
    ),
    "x [--on-off] a|b|c <type.id> <r:float> <pool>",
  );
  assert.equal(
    usage("x name=format,type=CephChoices,strings=json|plain,req=false"),
    "x [--format {json|plain}]",
  );
  assert.equal(
    usage(
      "mgr module enable name=module,type=CephString name=force,type=CephChoices,strings=--force,req=false",
    ),
    "mgr module enable <module> [--force]",
  );
});

Deno.test("usageLine() renders non-positional arguments as --name forms and hides --", () => {
  assert.equal(
    usage(
      "x name=a,type=CephString -- name=b,type=CephBool,req=false name=c,type=CephChoices,strings=p|q,req=false " +
        "name=d,type=CephOsdName,req=false name=e,type=CephName,req=false name=f,type=CephInt,req=false " +
        "name=g,type=CephFloat,req=false name=h,type=CephString,req=false,n=N",
    ),
    "x <a> [--b] [--c {p|q}] [--d <id|osd.id>] [--e <type.id>] [--f <int>] [--g <float>] " +
      "[--h <value>...]",
  );
});

Deno.test("argLabel() is Ceph's str(argdesc) used in messages", () => {
  const d = parseSignature(
    "x name=oid,type=CephString name=n,type=CephInt,range=1|10 name=s,type=CephString,n=N,req=false " +
      "name=force,type=CephChoices,strings=--force,req=false",
    META,
  );
  assert.deepEqual(d.args.map(argLabel), [
    "oid(<string>)",
    "n(<int[1-10]>)",
    "[s(<string>)...]",
    "[--force]",
  ]);
});

Deno.test("usageLine() starts with the prefix and has one chunk per argument (property)", () => {
  const seed = propertySeed();
  fc.assert(
    fc.property(signatureArb, metaArb, (sig, meta) => {
      const d = parseSignature(sig, meta);
      const line = usageLine(d);
      assert.ok(line.startsWith(d.prefix));
      for (const a of d.args) {
        // Ceph shows a positional choice as its choices alone (`osd set full|pause|...`).
        const shown = a.type === "CephBool"
          ? `--${a.name.replaceAll("_", "-")}`
          : a.type === "CephChoices" && a.name !== "format" && a.positional
          ? (a.strings ?? []).join("|")
          : a.name;
        assert.ok(line.includes(shown) || a.type === "CephOsdName" || a.type === "CephName");
      }
    }),
    { seed, numRuns: 300 },
  );
});
