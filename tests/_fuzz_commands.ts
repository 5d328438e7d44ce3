/**
 * Commands generated from the descriptions a daemon serves (`GET /api/v1/commands`): for every
 * descriptor, arguments that fit it and arguments that do not (wrong types, values out of
 * range, huge strings, control characters, lone surrogates, missing and extra arguments), as a
 * client that does not validate, or a hostile one, would send them.
 */
import fc from "fast-check";
import type { CommandDescription } from "../core/commands/descriptions.ts";

/** What a generated command does to the cluster that would end the fuzz run itself. */
export function fuzzSkip(cmd: Record<string, unknown>): boolean {
  const prefix = String(cmd.prefix);
  // Locking the fuzzer out, failing the only manager, or stopping the mon for long.
  if (/^auth (rm|del|caps)$/.test(prefix) || prefix === "mgr fail") return true;
  if (
    prefix === "sim fault" && ["mon-outage", "quorum-loss", "mgr-fail"].includes(String(cmd.kind))
  ) {
    return true;
  }
  // Modules that listen on fixed ports would take ports of other processes on this machine.
  return Object.values(cmd).some((v) => v === "prometheus" || v === "dashboard" || v === "restful");
}

const nasty = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "-1",
    "1e309",
    "nan",
    "inf",
    "99999999999999999999",
    "osd.-1",
    "osd.99999",
    "\u0000",
    "\ud800",
    "a\nb",
    "constructor",
    "__proto__",
    "toString",
    "*".repeat(40) + "Z",
    "../../etc/passwd",
    "mgr_module_path",
  ),
  fc.string({ maxLength: 20 }),
  fc.integer().map(String),
  fc.nat({ max: Number(Deno.env.get("MGRD_FUZZ_MAXSTR") ?? 200_000) }).map((n) => "x".repeat(n)),
);

const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  nasty,
  fc.integer({ min: -(2 ** 53), max: 2 ** 53 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(nasty, { maxLength: 4 }),
  fc.constant({ nested: { deeper: [1, 2] } }),
);

function validValue(arg: Record<string, string>): fc.Arbitrary<unknown> {
  const [lo, hi] = (arg.range ?? "").split("|").map(Number);
  switch (arg.type) {
    case "CephInt": {
      const min = Number.isFinite(lo) ? lo! : -5;
      const max = Number.isFinite(hi) ? hi! : min + 1_000_000_000;
      return fc.oneof(
        fc.integer({ min: Math.ceil(min), max: Math.floor(Math.min(max, min + 100)) }),
        fc.integer({ min: Math.ceil(min), max: Math.floor(max) }),
      );
    }
    case "CephFloat": {
      const min = Number.isFinite(lo) ? lo! : 0;
      const max = Number.isFinite(hi) ? hi! : min + 1000;
      return fc.double({ min, max, noNaN: true });
    }
    case "CephChoices":
      return fc.constantFrom(...(arg.strings ?? "x").split("|"));
    case "CephBool":
      return fc.boolean();
    case "CephOsdName":
      return fc.nat({ max: 12 }).map((n) => `osd.${n}`);
    case "CephPoolname":
      return fc.constantFrom("rbd", "cephfs_data", "nosuchpool", "p1");
    case "CephPgid":
      return fc.tuple(fc.nat({ max: 3 }), fc.nat({ max: 70 })).map(([p, s]) =>
        `${p}.${s.toString(16)}`
      );
    case "CephName":
      return fc.constantFrom("osd.1", "mon.a", "mgr.x", "client.admin", "client.fuzz");
    case "CephEntityAddr":
      return fc.constantFrom("127.0.0.1:6800/1", "10.0.0.1");
    default:
      return fc.oneof(
        fc.constantFrom("a", "x", "host1", "rack1", "osd.3", "hello", "mgr", "debug_mgr"),
        fc.stringMatching(/^[a-z0-9_.\/-]{1,12}$/),
      );
  }
}

/** One command from one description: mostly valid words, sometimes not. */
export function commandFrom(desc: CommandDescription): fc.Arbitrary<Record<string, unknown>> {
  const words = desc.sig.filter((w): w is string => typeof w === "string" && w !== "--");
  const args = desc.sig.filter((w): w is Record<string, string> => typeof w !== "string");
  const argArbs: Record<string, fc.Arbitrary<unknown>> = {};
  for (const a of args) {
    const one = fc.oneof(
      { weight: 8, arbitrary: validValue(a) },
      { weight: 1, arbitrary: nastyValue },
    );
    const value = a.n !== undefined ? fc.array(one, { minLength: 1, maxLength: 3 }) : one;
    // Required arguments are sometimes left out; optional ones often.
    argArbs[a.name!] = fc.option(value, { nil: undefined, freq: a.req === "false" ? 2 : 10 });
  }
  return fc.record({
    args: fc.record(argArbs),
    extra: fc.oneof(
      { weight: 7, arbitrary: fc.constant(undefined) },
      {
        weight: 1,
        arbitrary: fc.dictionary(fc.constantFrom("zz", "inbuf", "target", "format"), nastyValue),
      },
      { weight: 1, arbitrary: nasty.map((inbuf) => ({ inbuf })) },
    ),
    format: fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom("json", "json-pretty", "plain", "xml", "bogus") },
    ),
  }).map(({ args, extra, format }) => {
    const cmd: Record<string, unknown> = { prefix: words.join(" ") };
    for (const [k, v] of Object.entries(args)) if (v !== undefined) cmd[k] = v;
    if (extra) Object.assign(cmd, extra);
    if (format !== undefined) cmd.format = format;
    return cmd;
  });
}

/**
 * `runs` commands, every description in turn (so each gets its share, however many there
 * are), with now and then a prefix that names none; the same for the same seed.
 */
export function fuzzCommands(
  descs: CommandDescription[],
  runs: number,
  seed: number,
): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const perDesc = Math.ceil(runs / descs.length) + 1;
  const samples = descs.map((d, i) =>
    fc.sample(commandFrom(d), { seed: seed + i, numRuns: perDesc }).filter((c) => !fuzzSkip(c))
  );
  const stray = fc.sample(nastyValue.map((prefix) => ({ prefix })), { seed, numRuns: runs });
  for (let i = 0; out.length < runs && i < perDesc * descs.length * 2; i++) {
    if (i % 31 === 30) out.push(stray[i % stray.length]!);
    else {
      const next = samples[i % descs.length]?.[Math.floor(i / descs.length) % perDesc];
      if (next) out.push(next);
    }
  }
  return out;
}
