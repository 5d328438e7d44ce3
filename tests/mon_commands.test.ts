import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { EmbeddedMon } from "../sim/mon/mon.ts";
import { errnoName } from "../ceph/errno.ts";
import type { MonCommandResult } from "../core/cluster_link.ts";
import type { ModuleInfo, ModuleOptionInfo } from "../ceph/mgr_map.ts";
import { referenceGet } from "./_reference.ts";

const PACIFIC_ALWAYS_ON = [
  "balancer",
  "crash",
  "devicehealth",
  "orchestrator",
  "pg_autoscaler",
  "progress",
  "rbd_support",
  "status",
  "telemetry",
  "volumes",
];
const REF = new URL("./ceph-reference/", import.meta.url);

function opt(
  name: string,
  type: string,
  flags: number,
  dflt: string,
  extra: Partial<ModuleOptionInfo> = {},
): ModuleOptionInfo {
  return {
    name,
    type,
    level: "advanced",
    flags,
    default_value: dflt,
    min: "",
    max: "",
    enum_allowed: [],
    desc: "",
    long_desc: "",
    tags: [],
    see_also: [],
    ...extra,
  };
}

const LOG_ENUM = ["", "critical", "debug", "error", "info", "warning"];
function builtinOptions(): Record<string, ModuleOptionInfo> {
  return {
    log_level: opt("log_level", "str", 1, "", { enum_allowed: LOG_ENUM }),
    log_to_cluster: opt("log_to_cluster", "bool", 1, "False"),
    log_to_cluster_level: opt("log_to_cluster_level", "str", 1, "info", { enum_allowed: LOG_ENUM }),
    log_to_file: opt("log_to_file", "bool", 1, "False"),
  };
}

/** The anchorprobe / anchornorun test modules of the reference cluster. */
function modules(): ModuleInfo[] {
  return [
    {
      name: "anchornorun",
      can_run: false,
      error_string: "anchornorun: deliberately cannot run (missing fake dependency)",
      module_options: builtinOptions(),
    },
    {
      name: "anchorprobe",
      can_run: true,
      error_string: "",
      module_options: {
        enabled_flag: opt("enabled_flag", "bool", 0, "False"),
        interval: opt("interval", "secs", 0, "1"),
        label: opt("label", "str", 0, "anchor"),
        level: opt("level", "int", 0, "3", { min: "0", max: "10" }),
        mode: opt("mode", "str", 0, "fast", { enum_allowed: ["fast", "slow"] }),
        ratio: opt("ratio", "float", 0, "0.5", { min: "0", max: "10" }),
        ...builtinOptions(),
      },
    },
    { name: "balancer", can_run: true, error_string: "", module_options: builtinOptions() },
    { name: "selftest", can_run: true, error_string: "", module_options: builtinOptions() },
    { name: "prometheus", can_run: true, error_string: "", module_options: builtinOptions() },
  ];
}

function newMon(): EmbeddedMon {
  const mon = EmbeddedMon.open(":memory:", {
    alwaysOnModules: PACIFIC_ALWAYS_ON,
    now: () => 1_795_000_000.25,
    initialModules: ["iostat", "nfs", "restful"],
  });
  mon.beacon({ gid: 4290, name: "x", available: true, available_modules: modules() });
  return mon;
}

/** What the ceph CLI prints for a result: [rc, stdout, stderr]. */
function cli(r: MonCommandResult): [number, string, string] {
  const stderr = r.r !== 0 ? `Error ${errnoName(r.r)}: ${r.outs}\n` : r.outs ? r.outs + "\n" : "";
  return [r.r === 0 ? 0 : -r.r, r.outb, stderr];
}

function capture(file: string): [number, string, string] {
  const text = readFileSync(new URL(`cli/${file}`, REF), "utf8");
  const m = /^\$ (.*)\n--- rc=(\d+)\n--- stdout:\n([\s\S]*?)--- stderr:\n([\s\S]*)$/.exec(text);
  if (!m) throw new Error(`cannot parse capture ${file}`);
  let stdout = m[3]!;
  // The ceph CLI prints a newline before output it got with an explicit -f json*.
  if (/ -f json/.test(m[1]!) && stdout.startsWith("\n")) stdout = stdout.slice(1);
  return [Number(m[2]), stdout, m[4]!];
}

function assertCapture(file: string, r: MonCommandResult): void {
  assert.deepEqual(cli(r), capture(file), file);
}

Deno.test({
  name: "config set/get/dump answer exactly as the reference captures",
  fn() {
    const mon = newMon();
    const c = (cmd: Record<string, unknown>) => mon.handleCommand(cmd);
    assert.equal(
      c({
        prefix: "config set",
        who: "mon",
        name: "mon_warn_on_insecure_global_id_reclaim_allowed",
        value: "false",
      }).r,
      0,
    );
    assertCapture(
      "config_set_log_level.txt",
      c({ prefix: "config set", who: "mgr", name: "mgr/anchorprobe/log_level", value: "debug" }),
    );
    assertCapture(
      "config_set_log_to_file.txt",
      c({ prefix: "config set", who: "mgr", name: "mgr/anchorprobe/log_to_file", value: "true" }),
    );
    assertCapture(
      "config_set_label.txt",
      c({ prefix: "config set", who: "mgr", name: "mgr/anchorprobe/label", value: "hello" }),
    );
    assertCapture(
      "config_set_level_badtype.txt",
      c({ prefix: "config set", who: "mgr", name: "mgr/anchorprobe/level", value: "abc" }),
    );
    assertCapture(
      "config_set_level_outofrange.txt",
      c({ prefix: "config set", who: "mgr", name: "mgr/anchorprobe/level", value: "42" }),
    );
    assertCapture(
      "config_set_log_level_bad.txt",
      c({ prefix: "config set", who: "mgr", name: "mgr/anchorprobe/log_level", value: "verbose" }),
    );
    assertCapture(
      "config_set_unknown_opt.txt",
      c({ prefix: "config set", who: "mgr", name: "mgr/anchorprobe/no_such_opt", value: "1" }),
    );
    assertCapture(
      "config_get_label.txt",
      c({ prefix: "config get", who: "mgr", key: "mgr/anchorprobe/label" }),
    );
    assertCapture(
      "config_get_log_level.txt",
      c({ prefix: "config get", who: "mgr", key: "mgr/anchorprobe/log_level" }),
    );
    assertCapture(
      "config_get_log_level_mgrx.txt",
      c({ prefix: "config get", who: "mgr.x", key: "mgr/anchorprobe/log_level" }),
    );
    assertCapture(
      "config_get_interval_default.txt",
      c({ prefix: "config get", who: "mgr", key: "mgr/anchorprobe/interval" }),
    );
    assertCapture("config_dump_plain.txt", c({ prefix: "config dump" }));
    assertCapture("config_dump_json.txt", c({ prefix: "config dump", format: "json-pretty" }));
    c({ prefix: "config set", who: "mgr", name: "mgr/anchorprobe/level", value: "7" });
    assertCapture(
      "config_get_level_after_set_module_option.txt",
      c({ prefix: "config get", who: "mgr", key: "mgr/anchorprobe/level" }),
    );
    mon.close();
  },
});

Deno.test("config set normalises values and config get resolves mgr.x → mgr → global → default", async (t) => {
  const mon = newMon();
  const c = (cmd: Record<string, unknown>) => mon.handleCommand(cmd);
  const set = (who: string, name: string, value: string) =>
    c({ prefix: "config set", who, name, value });
  const get = (who: string, key: string) => c({ prefix: "config get", who, key }).outb;
  await t.step("bool, float, secs and size values are stored as Ceph prints them", () => {
    set("mgr", "mgr/anchorprobe/enabled_flag", "TRUE");
    assert.equal(get("mgr", "mgr/anchorprobe/enabled_flag"), "true\n");
    set("mgr", "mgr/anchorprobe/enabled_flag", "0");
    assert.equal(get("mgr", "mgr/anchorprobe/enabled_flag"), "false\n");
    set("mgr", "mgr/anchorprobe/ratio", "2.5");
    assert.equal(get("mgr", "mgr/anchorprobe/ratio"), "2.500000\n");
    set("mgr", "mgr/anchorprobe/interval", "2m");
    assert.equal(get("mgr", "mgr/anchorprobe/interval"), "120\n");
    set("global", "mon_config_key_max_entry_size", "1K");
    assert.equal(get("mon", "mon_config_key_max_entry_size"), "1024\n");
  });
  await t.step("defaults come from the option schema, bool defaults print as true/false", () => {
    assert.equal(get("mgr", "mgr/anchornorun/log_to_file"), "false\n");
    assert.equal(get("mgr", "mgr/anchorprobe/mode"), "fast\n");
    assert.equal(get("mgr", "mgr_tick_period"), "2\n");
    assert.equal(get("osd", "osd_pool_default_size"), "3\n");
    assert.equal(get("mgr", "log_file"), "/var/log/ceph/$cluster-$name.log\n");
    assert.equal(get("client", "log_file"), "\n");
  });
  await t.step("the most specific section wins", () => {
    set("global", "mgr_stats_period", "7");
    assert.equal(get("mgr.x", "mgr_stats_period"), "7\n");
    set("mgr", "mgr_stats_period", "8");
    assert.equal(get("mgr.x", "mgr_stats_period"), "8\n");
    set("mgr.x", "mgr_stats_period", "9");
    assert.equal(get("mgr.x", "mgr_stats_period"), "9\n");
    assert.equal(get("mgr.y", "mgr_stats_period"), "8\n");
    assert.equal(get("osd.1", "mgr_stats_period"), "7\n");
  });
  await t.step("localized module options validate against the module's option", () => {
    assert.equal(set("mgr", "mgr/anchorprobe/x/level", "9").r, 0);
    assert.equal(get("mgr", "mgr/anchorprobe/x/level"), "9\n");
    assert.deepEqual(set("mgr", "mgr/anchorprobe/x/level", "11"), {
      r: -22,
      outb: "",
      outs: "error parsing value: Value '11' exceeds maximum 10",
    });
  });
  await t.step("errors: unknown entity, unknown key, bad target, special options", () => {
    assert.deepEqual(c({ prefix: "config get", who: "global", key: "x" }), {
      r: -22,
      outb: "",
      outs: "unrecognized entity 'global'",
    });
    assert.deepEqual(c({ prefix: "config get", who: "mgr", key: "mgr/anchorprobe/nope" }), {
      r: -2,
      outb: "",
      outs: "unrecognized key 'mgr/anchorprobe/nope'",
    });
    assert.deepEqual(set("bogus", "mgr_stats_period", "1"), {
      r: -22,
      outb: "",
      outs: "unrecognized config target 'bogus'",
    });
    assert.deepEqual(set("global", "fsid", "1"), {
      r: -22,
      outb: "",
      outs: "error parsing value: ",
    });
    assert.deepEqual(set("global", "host", "foo"), {
      r: -22,
      outb: "",
      outs: "host is special and cannot be stored by the mon",
    });
    assert.equal(
      set("mgr", "mgr/anchorprobe/mode", "medium").outs,
      "error parsing value: 'medium' is not one of the permitted values: fast, slow",
    );
  });
  await t.step("--force stores an unknown option as a stray str option", () => {
    const r = c({ prefix: "config set", who: "mgr", name: "made_up", value: "v", force: true });
    assert.equal(r.r, 0);
    const dump = JSON.parse(c({ prefix: "config dump", format: "json" }).outb);
    const stray = dump.find((e: { name: string }) => e.name === "made_up");
    assert.deepEqual(stray, {
      section: "mgr",
      name: "made_up",
      value: "v",
      level: "unknown",
      can_update_at_runtime: false,
      mask: "",
    });
  });
  await t.step("config rm removes; removing a missing entry succeeds quietly", () => {
    assert.deepEqual(c({ prefix: "config rm", who: "mgr.x", name: "mgr_stats_period" }), {
      r: 0,
      outb: "",
      outs: "",
    });
    assert.equal(get("mgr.x", "mgr_stats_period"), "8\n");
    assert.equal(c({ prefix: "config rm", who: "mgr.x", name: "mgr_stats_period" }).r, 0);
  });
  await t.step("config get <who> lists what applies, table and JSON", () => {
    const table = c({ prefix: "config get", who: "mgr.x" }).outb;
    assert.match(table, /^WHO +MASK +LEVEL +OPTION +VALUE +RO\n/);
    assert.match(table, /\nmgr +basic +mgr_stats_period +8 +\n/);
    const json = JSON.parse(c({ prefix: "config get", who: "mgr.x", format: "json" }).outb);
    assert.deepEqual(json.mgr_stats_period, {
      value: "8",
      section: "mgr",
      mask: {},
      can_update_at_runtime: true,
    });
  });
  await t.step("masked entries are stored and dumped with their mask", () => {
    assert.equal(set("osd/host:node1", "osd_heartbeat_grace", "30").r, 0);
    const entry = JSON.parse(c({ prefix: "config dump", format: "json" }).outb).find((
      e: { name: string },
    ) => e.name === "osd_heartbeat_grace");
    assert.deepEqual(entry, {
      section: "osd",
      name: "osd_heartbeat_grace",
      value: "30",
      level: "advanced",
      can_update_at_runtime: true,
      mask: "host:node1",
      location_type: "host",
      location_value: "node1",
    });
  });
  await t.step("config ls lists Ceph options, then module options", () => {
    const names = c({ prefix: "config ls" }).outb.split("\n");
    assert.ok(names.includes("debug_mgr"));
    assert.ok(names.includes("mgr/anchorprobe/level"));
    assert.ok(names.indexOf("debug_mgr") < names.indexOf("mgr/anchorprobe/level"));
    assert.deepEqual(
      JSON.parse(c({ prefix: "config ls", format: "json" }).outb),
      names.slice(0, -1),
    );
  });
  mon.close();
});

Deno.test({
  name: "config-key commands answer exactly as the reference captures",
  fn() {
    const mon = newMon();
    const c = (cmd: Record<string, unknown>) => mon.handleCommand(cmd);
    c({ prefix: "config-key set", key: "mgr/anchorprobe/k1", val: "v1" });
    c({ prefix: "config-key set", key: "mgr/anchorprobe/k2/sub", val: "value two" });
    assertCapture(
      "config_key_get_k1.txt",
      c({ prefix: "config-key get", key: "mgr/anchorprobe/k1" }),
    );
    assertCapture(
      "config_key_get_missing.txt",
      c({ prefix: "config-key get", key: "mgr/anchorprobe/missing" }),
    );
    assertCapture(
      "config_key_dump_prefix.txt",
      c({ prefix: "config-key dump", key: "mgr/anchorprobe/" }),
    );
    assertCapture(
      "config_key_set_external.txt",
      c({ prefix: "config-key set", key: "mgr/anchorprobe/k3", val: "fromcli" }),
    );
    mon.close();
  },
});

Deno.test("config-key exists, rm, ls, -i input, size limit and binary values follow KVMonitor", () => {
  const mon = newMon();
  const c = (cmd: Record<string, unknown>, inbuf?: string) => mon.handleCommand(cmd, inbuf);
  assert.deepEqual(c({ prefix: "config-key exists", key: "a" }), {
    r: -2,
    outb: "",
    outs: "key 'a' doesn't exist",
  });
  assert.deepEqual(c({ prefix: "config-key put", key: "a" }, "from file"), {
    r: 0,
    outb: "",
    outs: "set a",
  });
  assert.equal(c({ prefix: "config-key get", key: "a" }).outb, "from file");
  assert.deepEqual(c({ prefix: "config-key exists", key: "a" }), {
    r: 0,
    outb: "",
    outs: "key 'a' exists",
  });
  c({ prefix: "config-key set", key: "b", val: "x\u0001y" });
  c({ prefix: "config-key set", key: "B", val: "" });
  assert.equal(c({ prefix: "config-key ls" }).outb, '[\n    "B",\n    "a",\n    "b"\n]\n');
  assert.equal(c({ prefix: "config-key ls", format: "json" }).outb, '["B","a","b"]\n');
  assert.deepEqual(JSON.parse(c({ prefix: "config-key dump" }).outb), {
    B: "",
    a: "from file",
    b: "<<< binary blob of length 3 >>>",
  });
  assert.deepEqual(c({ prefix: "config-key rm", key: "a" }), {
    r: 0,
    outb: "",
    outs: "key deleted",
  });
  assert.deepEqual(c({ prefix: "config-key del", key: "a" }), {
    r: 0,
    outb: "",
    outs: "key deleted",
  });
  assert.deepEqual(c({ prefix: "config-key set" }), {
    r: -22,
    outb: "",
    outs: "must specify a key",
  });
  assert.deepEqual(c({ prefix: "config-key set", key: "big", val: "x".repeat(65537) }), {
    r: -27,
    outb: "",
    outs: "error: entry size limited to 65536 bytes. " +
      "Use 'mon config key max entry size' to manually adjust",
  });
  assert.equal(c({ prefix: "config-key set", key: "big", val: "x".repeat(65536) }).r, 0);
  mon.close();
});

Deno.test({
  name: "mgr module enable/disable/ls and mgr services answer exactly as the reference captures",
  fn() {
    const mon = newMon();
    const c = (cmd: Record<string, unknown>) => mon.handleCommand(cmd);
    assertCapture(
      "enable_anchorprobe.txt",
      c({ prefix: "mgr module enable", module: "anchorprobe" }),
    );
    assertCapture("enable_already.txt", c({ prefix: "mgr module enable", module: "anchorprobe" }));
    assertCapture(
      "enable_anchornorun.txt",
      c({ prefix: "mgr module enable", module: "anchornorun" }),
    );
    assertCapture(
      "enable_nonexistent.txt",
      c({ prefix: "mgr module enable", module: "no_such_module" }),
    );
    assertCapture("disable_alwayson.txt", c({ prefix: "mgr module disable", module: "balancer" }));
    assertCapture(
      "disable_not_enabled.txt",
      c({ prefix: "mgr module disable", module: "selftest" }),
    );
    assertCapture("mgr_services.txt", c({ prefix: "mgr services" }));
    assertCapture(
      "enable_anchornorun_force.txt",
      c({ prefix: "mgr module enable", module: "anchornorun", force: true }),
    );
    mon.beacon({
      gid: 4290,
      name: "x",
      available: true,
      available_modules: modules(),
      services: { prometheus: "http://127.0.0.1:49283/" },
    });
    assertCapture("mgr_services_with_prometheus.txt", c({ prefix: "mgr services" }));
    mon.close();
  },
});

Deno.test({
  name: "mgr module ls JSON and default output match the reference cluster byte for byte",
  fn() {
    const ref = JSON.parse(readFileSync(new URL("get/get_mgr_map.json", REF), "utf8")).value;
    const mon = EmbeddedMon.open(":memory:", {
      alwaysOnModules: PACIFIC_ALWAYS_ON,
      now: () => 0,
      initialModules: ref.modules,
    });
    mon.beacon({
      gid: ref.active_gid,
      name: "x",
      available: true,
      available_modules: ref.available_modules,
    });
    assertCapture(
      "mgr_module_ls_json.txt",
      mon.handleCommand({ prefix: "mgr module ls", format: "json" }),
    );
    assertCapture("mgr_module_ls_plain.txt", mon.handleCommand({ prefix: "mgr module ls" }));
    mon.close();
  },
});

Deno.test("mgr module enable/disable rules and messages (spec §1.6)", () => {
  const mon = newMon();
  const c = (cmd: Record<string, unknown>) => mon.handleCommand(cmd);
  assert.deepEqual(c({ prefix: "mgr module enable", module: "" }), { r: -22, outb: "", outs: "" });
  assert.deepEqual(c({ prefix: "mgr module disable" }), { r: -22, outb: "", outs: "" });
  assert.deepEqual(c({ prefix: "mgr module enable", module: "balancer" }), {
    r: 0,
    outb: "",
    outs: "module 'balancer' is already enabled (always-on)",
  });
  assert.equal(c({ prefix: "mgr module enable", module: "ghost", force: true }).r, 0);
  assert.ok(mon.mgrMap().modules.includes("ghost"));
  assert.deepEqual(c({ prefix: "mgr module disable", module: "ghost" }), {
    r: 0,
    outb: "",
    outs: "",
  });
  // A standby that lacks the module blocks enabling it.
  mon.beacon({
    gid: 5000,
    name: "y",
    available: false,
    available_modules: modules().filter((m) => m.name !== "selftest"),
  });
  assert.equal(c({ prefix: "mgr module enable", module: "selftest" }).r, -2);
  const ls = JSON.parse(c({ prefix: "mgr module ls", format: "json" }).outb);
  assert.deepEqual(ls.enabled_modules, ["iostat", "nfs", "restful"]);
  assert.deepEqual(
    ls.disabled_modules.map((m: ModuleInfo) => m.name),
    ["anchornorun", "anchorprobe", "selftest", "prometheus"],
  );
  mon.close();
});

Deno.test("mgr stat, mgr dump and dump of a past epoch", () => {
  const mon = newMon();
  const c = (cmd: Record<string, unknown>) => mon.handleCommand(cmd);
  const epoch = mon.mgrMap().epoch;
  assert.equal(
    c({ prefix: "mgr stat" }).outb,
    `{\n    "epoch": ${epoch},\n    "available": true,\n    "active_name": "x",\n` +
      `    "num_standby": 0\n}\n`,
  );
  c({ prefix: "mgr module enable", module: "selftest" });
  const now = JSON.parse(c({ prefix: "mgr dump", format: "json" }).outb);
  assert.equal(now.epoch, epoch + 1);
  assert.deepEqual(Object.keys(now), [
    "epoch",
    "active_gid",
    "active_name",
    "active_addrs",
    "active_addr",
    "active_change",
    "active_mgr_features",
    "available",
    "standbys",
    "modules",
    "available_modules",
    "services",
    "always_on_modules",
    "last_failure_osd_epoch",
    "active_clients",
  ]);
  assert.equal(now.active_change, "2026-11-18T11:06:40.250000+0000");
  // Ceph's mon lists the older releases' always-on modules too (a real 16.2 MgrMap's).
  assert.deepEqual(Object.keys(now.always_on_modules), ["nautilus", "octopus", "pacific"]);
  assert.deepEqual(now.always_on_modules.pacific, PACIFIC_ALWAYS_ON);
  assert.deepEqual(
    now.always_on_modules.octopus,
    (referenceGet("fs_layout/get_mgr_map.json").value as {
      always_on_modules: Record<string, string[]>;
    })
      .always_on_modules.octopus,
  );
  const before = JSON.parse(c({ prefix: "mgr dump", epoch }).outb);
  assert.equal(before.epoch, epoch);
  assert.ok(!before.modules.includes("selftest"));
  assert.deepEqual(c({ prefix: "mgr dump", epoch: 999 }), {
    r: -2,
    outb: "",
    outs: "there is no map for epoch 999",
  });
  mon.close();
});

Deno.test("an unknown prefix is -EINVAL 'command not known'", () => {
  const mon = newMon();
  assert.deepEqual(mon.handleCommand({ prefix: "osd frobnicate" }), {
    r: -22,
    outb: "",
    outs: "command not known",
  });
  mon.close();
});

Deno.test("beacons: first daemon is active, others standby, a restarted name replaces its entry, epochs move only on change", () => {
  const mon = EmbeddedMon.open(":memory:", { alwaysOnModules: ["balancer"], now: () => 0 });
  const e0 = mon.mgrMap().epoch;
  const mods = modules();
  assert.equal(mon.beacon({ gid: 10, name: "x", available: false, available_modules: mods }), true);
  assert.equal(
    mon.beacon({ gid: 10, name: "x", available: false, available_modules: mods }),
    false,
  );
  assert.equal(mon.mgrMap().epoch, e0 + 1);
  assert.equal(mon.beacon({ gid: 11, name: "y", available: false, available_modules: mods }), true);
  assert.equal(mon.beacon({ gid: 10, name: "x", available: true, available_modules: mods }), true);
  let m = mon.mgrMap();
  assert.equal(m.epoch, e0 + 3);
  assert.equal(m.active_gid, 10);
  assert.equal(m.available, true);
  assert.deepEqual(m.standbys.map((s) => [s.gid, s.name]), [[11, "y"]]);
  // mgr.y restarts with a new gid: its old standby entry goes.
  mon.beacon({ gid: 12, name: "y", available: false, available_modules: mods });
  assert.deepEqual(mon.mgrMap().standbys.map((s) => s.gid), [12]);
  // mgr.x restarts with a new gid: it is active again under the new gid.
  mon.beacon({ gid: 13, name: "x", available: false, available_modules: mods });
  m = mon.mgrMap();
  assert.equal(m.active_gid, 13);
  assert.equal(m.available, false);
  assert.equal(mon.handleCommand({ prefix: "mgr module enable", module: "balancer" }).r, 0);
  assert.equal(mon.mgrMap().epoch, m.epoch, "a no-op enable makes no new epoch");
  mon.close();
});

Deno.test("subscribers hear config, kv and mgr_map changes after each commit", () => {
  const mon = newMon();
  const seen: string[] = [];
  const off = mon.subscribe((u) => {
    if (u.kind === "config") seen.push(`config:${u.config.length}`);
    else if (u.kind === "kv") seen.push(`kv:${u.key}=${u.value}`);
    else if (u.kind === "mgr_map") seen.push(`mgr_map:${u.mgrMap.epoch}`);
  });
  const epoch = mon.mgrMap().epoch;
  mon.handleCommand({
    prefix: "config set",
    who: "mgr",
    name: "mgr/anchorprobe/label",
    value: "a",
  });
  mon.handleCommand({
    prefix: "config set",
    who: "mgr",
    name: "mgr/anchorprobe/label",
    value: "a",
  });
  mon.handleCommand({ prefix: "config-key set", key: "mgr/x/k", val: "1" });
  mon.handleCommand({ prefix: "config-key rm", key: "mgr/x/k" });
  mon.handleCommand({ prefix: "config-key rm", key: "mgr/x/k" });
  mon.handleCommand({ prefix: "mgr module enable", module: "selftest" });
  off();
  mon.handleCommand({ prefix: "config-key set", key: "mgr/x/k", val: "2" });
  assert.deepEqual(seen, [
    "config:1",
    "kv:mgr/x/k=1",
    "kv:mgr/x/k=null",
    `mgr_map:${epoch + 1}`,
  ]);
  const snap = mon.snapshot();
  assert.deepEqual(snap.mgrKv, { "mgr/x/k": "2" });
  assert.deepEqual(snap.config, [{
    section: "mgr",
    name: "mgr/anchorprobe/label",
    value: "a",
    mask: "",
  }]);
  mon.close();
});
