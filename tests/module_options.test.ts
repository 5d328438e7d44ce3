import assert from "node:assert/strict";
import { referenceCli } from "./_reference.ts";
import {
  BUILTIN_OPTIONS,
  checkOptionDecl,
  declaredDefault,
  moduleOptionTable,
  optionInfo,
  parsePythonInt,
  typedOptionValue,
} from "../core/module_options.ts";

Deno.test("typedOptionValue() types stored text as spec §4.2 says", () => {
  assert.equal(typedOptionValue("int", "10"), 10);
  assert.equal(typedOptionValue("uint", "0x1f"), 31);
  assert.equal(typedOptionValue("size", "0o17"), 15);
  assert.equal(typedOptionValue("float", "1.5"), 1.5);
  assert.equal(typedOptionValue("secs", "60"), 60);
  for (const t of ["1", "true", "True", "on", "yes"]) {
    assert.equal(typedOptionValue("bool", t), true);
  }
  for (const f of ["0", "false", "False", "off", "no", "TRUE", ""]) {
    assert.equal(typedOptionValue("bool", f), false, f);
  }
  assert.equal(typedOptionValue("str", "8080"), "8080");
  assert.equal(typedOptionValue(undefined, "8080"), "8080");
});

Deno.test("parsePythonInt() accepts what Python's int(s, 0) accepts, and nothing else", () => {
  assert.equal(parsePythonInt("-42"), -42);
  assert.equal(parsePythonInt("+0b101"), 5);
  assert.equal(parsePythonInt("1_000"), 1000);
  assert.ok(Number.isNaN(parsePythonInt("012")));
  assert.ok(Number.isNaN(parsePythonInt("abc")));
  assert.ok(Number.isNaN(parsePythonInt("1.5")));
});

Deno.test("optionInfo() renders declarations the way the MgrMap stores them", () => {
  const info = optionInfo({
    name: "interval",
    type: "secs",
    default: 60,
    runtime: true,
    desc: "d",
  });
  assert.deepEqual(info, {
    name: "interval",
    type: "secs",
    level: "advanced",
    flags: 1,
    default_value: "60",
    min: "",
    max: "",
    enum_allowed: [],
    desc: "d",
    long_desc: "",
    tags: [],
    see_also: [],
  });
  assert.equal(optionInfo({ name: "b", type: "bool", default: true }).default_value, "True");
  assert.equal(optionInfo({ name: "s" }).type, "str");
  assert.equal(optionInfo({ name: "s" }).flags, 0);
});

Deno.test("the built-in logging options match Ceph's mgr module ls output", () => {
  const reference = JSON.parse(referenceCli("mgr_module_ls_json.txt").stdout);
  const selftest = reference.disabled_modules.find((m: { name: string }) => m.name === "selftest");
  for (const decl of BUILTIN_OPTIONS) {
    assert.deepEqual(optionInfo(decl), selftest.module_options[decl.name], decl.name);
  }
});

Deno.test("moduleOptionTable() adds the built-ins a module did not declare, sorted by name", () => {
  const table = moduleOptionTable([{ name: "zeta" }, {
    name: "log_to_cluster",
    default: true,
    type: "bool",
  }]);
  assert.deepEqual([...table.keys()], [
    "log_level",
    "log_to_cluster",
    "log_to_cluster_level",
    "log_to_file",
    "zeta",
  ]);
  assert.equal(table.get("log_to_cluster")?.default, true);
});

Deno.test("declaredDefault() keeps typed defaults typed and stringifies untyped ones", () => {
  assert.equal(declaredDefault({ name: "a", type: "int", default: 3 }), 3);
  assert.equal(declaredDefault({ name: "b", default: 8080 }), "8080");
  assert.equal(declaredDefault({ name: "c", default: true }), "True");
  assert.equal(declaredDefault({ name: "d" }), null);
});

Deno.test("checkOptionDecl() names the field and the rule it breaks", () => {
  assert.throws(() => checkOptionDecl("x", 0), /MODULE_OPTIONS\[0\] is not an object/);
  assert.throws(() => checkOptionDecl({ desc: "x" }, 1), /MODULE_OPTIONS\[1\] has no name/);
  assert.throws(
    () => checkOptionDecl({ name: "a", type: "enum" }, 2),
    /type 'enum', expected one of/,
  );
  assert.throws(() => checkOptionDecl({ name: "a", colour: 1 }, 3), /unknown field 'colour'/);
  assert.throws(() => checkOptionDecl({ name: "a", enum_allowed: "x" }, 4), /list of strings/);
  assert.equal(checkOptionDecl({ name: "ok", type: "int" }, 5).name, "ok");
});
