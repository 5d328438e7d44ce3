/**
 * fast-check generators shared by the command-model property tests: signature strings that
 * follow every grammar rule (in any key order), and words that may or may not fit them.
 */

import fc from "fast-check";
import { pythonFloatRepr } from "../core/commands/python_values.ts";
import { ARG_TYPE_NAMES, type ArgTypeName } from "../core/commands/descriptor.ts";
import { CLIENT_KEYS } from "../core/commands/validate.ts";

/** The seed for a property run: FC_SEED from the environment, or a fresh one, printed. */
export function propertySeed(): number {
  const seed = Number(Deno.env.get("FC_SEED") ?? Date.now() % 2 ** 31);
  console.log(`fast-check seed ${seed} (replay: FC_SEED=${seed} deno task test)`);
  return seed;
}

const literalWord = fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/);
const argName = fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/).filter((n) =>
  n !== "prefix" && !CLIENT_KEYS.has(n)
);
const choice = fc.stringMatching(/^[a-z][a-z0-9-]{0,5}$/);
const goodchars = fc.constantFrom("[A-Za-z0-9-_.]", "[a-z]", "[0-9a-f]", "[^/]");

function typeAttrs(type: ArgTypeName): fc.Arbitrary<[string, string][]> {
  switch (type) {
    case "CephInt":
      return fc.option(
        fc.tuple(fc.integer({ min: -50, max: 50 }), fc.option(fc.integer({ min: 0, max: 60 }))),
        { nil: undefined },
      ).map((r) =>
        r === undefined
          ? []
          : [["range", r[1] === null ? `${r[0]}` : `${r[0]}|${r[0] + r[1]}`]] as [string, string][]
      );
    case "CephFloat":
      return fc.option(
        fc.tuple(fc.integer({ min: -40, max: 40 }), fc.option(fc.integer({ min: 0, max: 40 }))),
        { nil: undefined },
      ).map((r) =>
        r === undefined ? [] : [[
          "range",
          r[1] === null
            ? pythonFloatRepr(r[0] / 4)
            : `${pythonFloatRepr(r[0] / 4)}|${pythonFloatRepr((r[0] + r[1]) / 4)}`,
        ]] as [string, string][]
      );
    case "CephString":
      return fc.option(goodchars, { nil: undefined }).map((g) =>
        g === undefined ? [] : [["goodchars", g]] as [string, string][]
      );
    case "CephChoices":
      return fc.uniqueArray(choice, { minLength: 1, maxLength: 4 }).map((
        s,
      ) => [["strings", s.join("|")]] as [string, string][]);
    default:
      return fc.constant([]);
  }
}

/** One argument word's key/value pairs in a random order; `afterDashes` forces req=false. */
function argWord(name: string, afterDashes: boolean): fc.Arbitrary<string> {
  return fc.record({
    type: fc.constantFrom(...ARG_TYPE_NAMES),
    req: afterDashes ? fc.constant("false") : fc.constantFrom("true", "false", undefined),
    n: fc.constantFrom(undefined, "N", "1", "2"),
    positional: fc.constantFrom(undefined, "false", "true"),
  }).chain((r) =>
    typeAttrs(r.type).chain((extra) => {
      const pairs: [string, string][] = [["name", name], ["type", r.type], ...extra];
      if (r.req !== undefined) pairs.push(["req", r.req]);
      if (r.n !== undefined) pairs.push(["n", r.n]);
      // Non-positional arguments must be optional.
      if (r.positional === "true" || (r.positional === "false" && r.req === "false")) {
        pairs.push(["positional", r.positional]);
      }
      return fc.shuffledSubarray(pairs, { minLength: pairs.length, maxLength: pairs.length });
    }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join(","))
  );
}

/** A valid signature string: 1–3 literals, 0–4 arguments, sometimes a `--`. */
export const signatureArb: fc.Arbitrary<string> = fc.record({
  words: fc.array(literalWord, { minLength: 1, maxLength: 3 }),
  names: fc.uniqueArray(argName, { maxLength: 4 }),
  dashes: fc.option(fc.nat(4), { nil: undefined }),
}).chain(({ words, names, dashes }) => {
  const at = dashes !== undefined && dashes < names.length ? dashes : undefined;
  const args = names.map((n, i) => argWord(n, at !== undefined && i >= at));
  return fc.tuple(...args).map((ws) => {
    const out = [...words];
    ws.forEach((w, i) => {
      if (i === at) out.push("--");
      out.push(w);
    });
    return out.join(" ");
  });
});

/** Command metadata, with poll and flags that may or may not agree (the parser reconciles). */
export const metaArb = fc.record({
  help: fc.string({ maxLength: 20 }),
  perm: fc.constantFrom("r", "w", "rw", "rx", "rwx"),
  flags: fc.constantFrom(0, 8, 16, 24, 4, 32),
  poll: fc.constantFrom(undefined, true, false),
  module: fc.constantFrom(undefined, "mgr", "mon"),
});

/** A word that often fits some Ceph type: numbers in several bases, names, addresses, flags. */
export const wordArb: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: -100, max: 100 }).map(String),
  fc.integer({ min: 0, max: 255 }).map((n) => `0x${n.toString(16)}`),
  fc.double({ min: -100, max: 100, noNaN: true }).map(String),
  fc.constantFrom("true", "false", "1", "0", "TRUE", "*", "osd.3", "mon.a", "client.x"),
  fc.constantFrom("1.2.3.4:6789", "[::1]:3300", "::1", "1.2.3.4/12", "1.0f", "0x10/3"),
  fc.constantFrom("4K", "1GB", "10", "550e8400-e29b-41d4-a716-446655440000", "a,b"),
  choice,
  fc.string({ maxLength: 8 }),
);
