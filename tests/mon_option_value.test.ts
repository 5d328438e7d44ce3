import assert from "node:assert/strict";
import {
  type OptionSpec,
  type OptionType,
  parseOptionValue,
  parseTimespan,
  strictIecCast,
  strictSiCast,
  strictStrtod,
} from "../ceph/option_value.ts";

const spec = (type: OptionType, extra: Partial<OptionSpec> = {}): OptionSpec => ({
  name: "o",
  type,
  enumAllowed: [],
  ...extra,
});
const parse = (type: OptionType, raw: string, extra: Partial<OptionSpec> = {}) =>
  parseOptionValue(spec(type, extra), raw);

Deno.test("strict_si_cast accepts SI suffixes and words its errors as Ceph does", () => {
  assert.deepEqual(strictSiCast("5K", true), { value: 5000n, error: "" });
  assert.deepEqual(strictSiCast("-2M", true), { value: -2000000n, error: "" });
  assert.equal(strictSiCast("abc", true).error, "strict_si_cast: unit prefix not recognized");
  assert.equal(strictSiCast("", true).error, "strict_sistrtoll: value not specified");
  assert.equal(strictSiCast("10B", true).error, "Expected option value to be integer, got '10B'");
  assert.equal(strictSiCast("-1", false).error, "strict_sistrtoll: value should not be negative");
  assert.equal(strictSiCast("10E", true).error, "strict_sistrtoll: value out of range");
  assert.equal(
    strictSiCast("99999999999999999999", true).error,
    "The option value '99999999999999999999' seems to be invalid",
  );
});

Deno.test("strict_iec_cast accepts K/Ki/KiB and words its errors as Ceph does", () => {
  assert.deepEqual(strictIecCast("1K", false), { value: 1024n, error: "" });
  assert.deepEqual(strictIecCast("2MiB", false), { value: 2097152n, error: "" });
  assert.deepEqual(strictIecCast("7B", false), { value: 7n, error: "" });
  assert.equal(
    strictIecCast("1X", false).error,
    "strict_iecstrtoll: unit prefix not recognized 'X' ",
  );
  assert.equal(
    strictIecCast("1KB2", false).error,
    "strict_iecstrtoll: illegal prefix (length > 2)",
  );
  assert.equal(strictIecCast("1Kx", false).error, "strict_iecstrtoll: illegal prefix 'Kx' ");
  assert.equal(
    strictIecCast("-1K", false).error,
    "strict_iecstrtoll: value should not be negative",
  );
});

Deno.test("strict_strtod and parse_timespan errors", () => {
  assert.deepEqual(strictStrtod("1.5e3"), { value: 1500, error: "" });
  assert.equal(strictStrtod("x").error, "strict_strtod: expected double, got: 'x'");
  assert.equal(strictStrtod("1.5x").error, "strict_strtod: garbage at end of string. got: '1.5x'");
  assert.equal(
    strictStrtod("1e999").error,
    "strict_strtod: floating point overflow or underflow parsing '1e999'",
  );
  assert.deepEqual(parseTimespan("1h 30m"), { value: 5400n, error: "" });
  assert.deepEqual(parseTimespan("90"), { value: 90n, error: "" });
  assert.equal(parseTimespan("5 parsecs").error, "unrecogized unit 'parsecs'");
  assert.equal(parseTimespan("-5").error, "expected digit");
  assert.equal(parseTimespan("5.5s").error, "unexpected trailing '.5s'");
});

Deno.test("parse_value normalises what the mon stores", () => {
  const norm = (type: OptionType, raw: string) => {
    const r = parse(type, raw);
    assert.ok(r.ok, `${type} ${raw}`);
    return r.normalized;
  };
  assert.equal(norm("bool", "TRUE"), "true");
  assert.equal(norm("bool", "7"), "true");
  assert.equal(norm("bool", "0"), "false");
  assert.equal(norm("int", "1G"), "1000000000");
  assert.equal(norm("float", "3"), "3.000000");
  assert.equal(norm("secs", "2 min"), "120");
  assert.equal(norm("size", "4Ki"), "4096");
  assert.equal(norm("addr", "127.0.0.1"), "v2:127.0.0.1:0/0");
  assert.equal(norm("addr", "v1:10.0.0.1:6789/7"), "v1:10.0.0.1:6789/7");
  assert.equal(norm("addr", "[::1]:80"), "v2:[::1]:80/0");
  assert.equal(
    norm("uuid", "2B4B97D3-1577-462B-A37E-DFC13EAE69A4"),
    "2b4b97d3-1577-462b-a37e-dfc13eae69a4",
  );
  assert.equal(norm("str", " keep as is "), " keep as is ");
  assert.deepEqual(parse("bool", "yes"), {
    ok: false,
    r: -22,
    error: "Expected option value to be integer, got 'yes'",
  });
  assert.deepEqual(parse("addr", "nowhere"), { ok: false, r: -22, error: "" });
});

Deno.test("validate: min, max and enum messages; an allowed empty value is valid but not listed", () => {
  const bounds = { min: { kind: "int" as const, n: 0n }, max: { kind: "int" as const, n: 10n } };
  assert.equal(
    (parse("int", "42", bounds) as { error: string }).error,
    "Value '42' exceeds maximum 10",
  );
  assert.equal(
    (parse("int", "-1", bounds) as { error: string }).error,
    "Value '-1' is below minimum 0",
  );
  const fbounds = { min: { kind: "float" as const, n: 0 }, max: { kind: "float" as const, n: 1 } };
  assert.equal(
    (parse("float", "1.5", fbounds) as { error: string }).error,
    "Value '1.500000' exceeds maximum 1.000000",
  );
  const levels = { enumAllowed: ["", "critical", "debug", "error", "info", "warning"] };
  assert.equal(
    (parse("str", "verbose", levels) as { error: string }).error,
    "'verbose' is not one of the permitted values: critical, debug, error, info, warning",
  );
  assert.equal(parse("str", "", levels).ok, true);
});

Deno.test("debug_<subsys> values take N or N/M and are normalised to N/M", () => {
  const dbg = { validator: "debug_level" as const };
  assert.equal((parse("str", "5", dbg) as { normalized: string }).normalized, "5/5");
  assert.equal((parse("str", "1/20", dbg) as { normalized: string }).normalized, "1/20");
  assert.equal(parse("str", "loud", dbg).ok, false);
});
