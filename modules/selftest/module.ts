/**
 * selftest — the equivalent of Ceph's selftest module (spec §9): `mgr self-test run` exercises
 * the SDK against the running manager, and the other commands let tests drive options, health,
 * the cluster log, `remote()` and misbehaving `serve()` workloads. Written only against the SDK.
 *
 * Differences from Ceph, on purpose: `python-version`, `eval` and `logging` have no TypeScript
 * meaning and are left out (`insights_set_now_offset` calls the insights module); the osdmap object API
 * (`get_osdmap()`, incrementals, crush wrappers) is not part of mgrd's SDK, so step 1 of §9.3
 * checks the `osd_map`, `osd_map_crush` and `osd_map_tree` dumps instead; `dashboard` does
 * not exist in mgrd and `telemetry` carries only its options, so the cross-module option
 * checks use the modules that do. `remote` calls influx as 16.2.15 does (so, as in Ceph's QA,
 * influx must be enabled) and `telegraf` as the disabled module when this manager has them,
 * other modules when it does not. Commands whose Ceph version leaks a traceback for a bad
 * argument (an undeclared option key, a missing module) answer with an errno and a message.
 *
 * @module
 */
import {
  CLICommand,
  CLIReadCommand,
  ClusterLogPrio,
  EINVAL,
  ENOENT,
  HandleCommandResult,
  type HealthChecks,
  MgrModule,
  NotifyType,
  Option,
  type OptionValue,
} from "mgr_module";

/** The background workloads `mgr self-test background start` accepts. */
export const WORKLOADS = ["command_spam", "throw_exception", "shutdown"] as const;
/** One of {@linkcode WORKLOADS}. */
export type Workload = typeof WORKLOADS[number];

const PRIORITIES: Record<string, number> = {
  info: ClusterLogPrio.INFO,
  security: ClusterLogPrio.SEC,
  warning: ClusterLogPrio.WARN,
  error: ClusterLogPrio.ERROR,
};

/** Names the manager always serves, with or without a simulated cluster around it. */
const MANAGER_DATA = ["mgr_map", "mgr_ips", "health", "config", "pg_ready"];
/** Names served once the manager has cluster state (`pg_ready` says so). */
const CLUSTER_DATA = [
  "osd_map",
  "osd_map_tree",
  "osd_map_crush",
  "mon_map",
  "fs_map",
  "osd_metadata",
  "pg_summary",
  "pg_dump",
  "pg_stats",
  "pool_stats",
  "osd_stats",
  "osd_pool_stats",
  "df",
  "io_rate",
  "osd_ping_times",
  "mon_status",
  "devices",
];
/** Names Ceph serves that mgrd does not model: read, but may be null. */
const UNMODELLED_DATA = ["pg_status", "service_map", "osdmap_crush_map_text"];

/** A failed self-test assertion (Ceph's AssertionError). */
class AssertionFailed extends Error {
  override name = "AssertionError";
}

function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new AssertionFailed(what);
}

function same(actual: unknown, expected: unknown, what: string): void {
  const ok = typeof actual === typeof expected && actual === expected;
  check(
    ok,
    `${what}: expected ${JSON.stringify(expected)} (${typeof expected}), got ${
      JSON.stringify(actual)
    } (${typeof actual})`,
  );
}

async function rejects(run: () => Promise<unknown>, kind: string, what: string): Promise<void> {
  try {
    await run();
  } catch (e) {
    const name = e instanceof Error ? e.name : "";
    check(kind === "" || name === kind, `${what}: expected ${kind}, got ${name}: ${String(e)}`);
    return;
  }
  throw new AssertionFailed(`${what}: expected ${kind || "an error"}, nothing was raised`);
}

/** The selftest module. */
export class SelfTest extends MgrModule {
  static override NOTIFY_TYPES = [NotifyType.osd_map];
  static override MODULE_OPTIONS = [
    Option({ name: "testkey", type: "str" }),
    Option({ name: "testlkey", type: "str" }),
    Option({ name: "testnewline", type: "str" }),
    Option({ name: "roption1", type: "str" }),
    Option({ name: "roption2", type: "str", default: "xyz" }),
    Option({ name: "rwoption1" }),
    Option({ name: "rwoption2", type: "int" }),
    Option({ name: "rwoption3", type: "float" }),
    Option({ name: "rwoption4", type: "str" }),
    Option({ name: "rwoption5", type: "bool" }),
    Option({ name: "rwoption6", type: "bool", default: true }),
    Option({ name: "rwoption7", type: "int", min: 1, max: 42 }),
    Option({ name: "notify_throw", type: "bool", default: false }),
    Option({ name: "config_notify_throw", type: "bool", default: false }),
    Option({ name: "shutdown_throw", type: "bool", default: false }),
  ];

  /** The workload `serve()` runs next, or runs now. */
  workload: Workload | null = null;
  /** Health checks accumulated by `health set`. */
  healthChecks: HealthChecks = {};
  #event = false;
  #wake: (() => void) | null = null;
  #stopped = false;

  #set(): void {
    this.#event = true;
    this.#wake?.();
    this.#wake = null;
  }

  async #waitEvent(): Promise<void> {
    while (!this.#event && !this.#stopped) {
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }

  override notify(notify_type: NotifyType, notify_id: string): void {
    if (this.get_module_option("notify_throw")) {
      throw new Error(`Synthetic exception in notify(${notify_type}, ${notify_id})`);
    }
  }

  override config_notify(): void {
    if (this.get_module_option("config_notify_throw")) {
      throw new Error("Synthetic exception in config_notify");
    }
  }

  override async serve(): Promise<void> {
    while (!this.#stopped) {
      await this.#waitEvent();
      this.#event = false;
      if (this.#stopped) break;
      if (this.workload === "command_spam") await this.#commandSpam();
      else if (this.workload === "shutdown") {
        this.log.info("Shutting down...");
        break;
      } else if (this.workload === "throw_exception") {
        throw new Error("Synthetic exception in serve");
      }
    }
  }

  override shutdown(): void {
    this.#stopped = true;
    this.#set();
    if (this.get_module_option("shutdown_throw")) {
      throw new Error("Synthetic exception in shutdown");
    }
  }

  async #commandSpam(): Promise<void> {
    this.log.info("Starting command_spam workload...");
    // Ceph's picks with `random`; a fixed-seed xorshift32 keeps a simulated run replayable.
    let state = 0x9e3779b9;
    const random = () => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) / 2 ** 32;
    };
    while (!this.#event && !this.#stopped) {
      const map = this.get("osd_map") as { osds?: { osd: number }[] } | null;
      const osds = map?.osds ?? [];
      const osd = osds[Math.floor(random() * osds.length)];
      if (osd !== undefined) {
        await this.mon_command({ prefix: "osd reweight", id: osd.osd, weight: random() });
      }
      this.get("osd_map_crush");
      // Paced, so that the daemon's clock (virtual under the simulator) moves on.
      await this.sleep(1);
    }
    this.#event = false;
    this.log.info("Ended command_spam workload...");
  }

  /** Called by `mgr self-test module selftest` and by other modules' `remote()`. */
  override self_test(): string {
    return "selftest: ok";
  }

  @CLICommand("mgr self-test run", { desc: "Run mgr python interface tests" })
  async run(): Promise<HandleCommandResult> {
    // The getters run first; without a mon session they read the last maps received.
    const connected = this.have_mon_connection();
    try {
      await this.selfTest();
    } catch (e) {
      if (!(e instanceof AssertionFailed)) throw e;
      return new HandleCommandResult(-EINVAL, "", `${e.name}: ${e.message}`);
    }
    return new HandleCommandResult(
      0,
      "",
      connected
        ? "Self-test succeeded"
        : "Self-test succeeded (it started without a mon connection: the getters read the last " +
          "cluster maps received)",
    );
  }

  /** Every step of spec §9.3; throws an AssertionError on the first failed check. */
  async selfTest(): Promise<void> {
    this.log.info("Running self-test procedure...");
    this.#testOsdMap();
    this.#testGetters();
    await this.#testConfig();
    await this.#testStore();
    this.#testMisc();
    this.#testPerfCounters();
  }

  #testOsdMap(): void {
    const map = this.get("osd_map") as Record<string, unknown> | null;
    if (map === null) return;
    check(typeof map.epoch === "number", "osd_map has an integer epoch");
    check(Array.isArray(map.osds) && Array.isArray(map.pools), "osd_map has osds and pools");
    const crush = this.get("osd_map_crush") as Record<string, unknown> | null;
    check(crush !== null && Array.isArray(crush.buckets), "osd_map_crush has buckets");
    const tree = this.get("osd_map_tree") as Record<string, unknown> | null;
    check(tree !== null && Array.isArray(tree.nodes), "osd_map_tree has nodes");
  }

  #testGetters(): void {
    check(this.version.startsWith("ceph version"), `version: ${this.version}`);
    check(this.get_mgr_id() !== "", "get_mgr_id() is not empty");
    const ready = (this.get("pg_ready") as { pg_ready?: boolean } | null)?.pg_ready === true;
    for (const name of MANAGER_DATA) check(this.get(name) !== null, `get('${name}') is not None`);
    for (const name of CLUSTER_DATA) {
      const value = this.get(name);
      if (ready) check(value !== null, `get('${name}') is not None`);
    }
    for (const name of UNMODELLED_DATA) this.get(name);
    check(this.get("__OBJ_DNE__") === null, "get('__OBJ_DNE__') is None");
    for (const server of this.list_servers()) {
      const hostname = (server as { hostname?: string }).hostname;
      if (typeof hostname === "string") this.get_server(hostname);
    }
    const map = this.get("osd_map") as { osds?: { osd: number }[] } | null;
    for (const osd of map?.osds ?? []) this.get_metadata("osd", String(osd.osd));
    this.get_daemon_status("osd", "0");
  }

  async #testConfig(): Promise<void> {
    await this.set_module_option("testkey", "testvalue");
    same(this.get_module_option("testkey"), "testvalue", "testkey");
    await this.set_localized_module_option("testkey", "foo");
    same(this.get_localized_module_option("testkey"), "foo", "localized testkey");
    same(this.get_localized_module_option("rwoption6"), true, "localized rwoption6 default");
    same(this.get_module_option("roption1"), null, "roption1");
    same(this.get_module_option("roption1", "foobar"), "foobar", "roption1 with default");
    same(this.get_module_option("roption2"), "xyz", "roption2");
    same(this.get_module_option("roption2", "foobar"), "xyz", "roption2 with default");
    await this.set_module_option("rwoption1", 8080);
    same(this.get_module_option("rwoption1"), "8080", "untyped rwoption1");
    await this.set_module_option("rwoption2", 10);
    same(this.get_module_option("rwoption2"), 10, "int rwoption2");
    await this.set_module_option("rwoption3", 1.5);
    same(this.get_module_option("rwoption3"), 1.5, "float rwoption3");
    await this.set_module_option("rwoption4", "foo");
    same(this.get_module_option("rwoption4"), "foo", "str rwoption4");
    await this.set_module_option("rwoption5", false);
    same(this.get_module_option("rwoption5"), false, "bool rwoption5");
    await rejects(() => this.set_module_option("rwoption7", 43), "", "rwoption7 = 43 (max 42)");
    same(this.get_module_option_ex("foo", "bar"), null, "option of an unknown module");
    same(this.get_module_option_ex("selftest", "roption1"), null, "own option via _ex");
    await this.set_module_option_ex("selftest", "rwoption1", 1234);
    same(this.get_module_option_ex("selftest", "rwoption1"), "1234", "rwoption1 via _ex");
    same(this.get_module_option_ex("foo", "bar", "foobar"), "foobar", "unknown with default");
    const other = this.#otherModule((name, info) =>
      info?.module_options?.place !== undefined || name === "hello"
    );
    if (other === "hello") {
      await this.set_module_option_ex("hello", "place", "test@test.com");
      same(this.get_module_option_ex("hello", "place"), "test@test.com", "hello place via _ex");
      await this.set_module_option_ex("hello", "emphatic", false);
      same(this.get_module_option_ex("hello", "emphatic"), false, "hello emphatic via _ex");
      await this.set_module_option_ex("hello", "place", null);
      await this.set_module_option_ex("hello", "emphatic", null);
    }
  }

  async #testStore(): Promise<void> {
    const before = Object.keys(this.get_store_prefix("test"));
    await this.set_store("testkey", "testvalue");
    same(this.get_store("testkey"), "testvalue", "get_store('testkey')");
    const after = new Set(Object.keys(this.get_store_prefix("test")));
    const expected = new Set([...before, "testkey"]);
    check(
      after.size === expected.size && [...after].every((k) => expected.has(k)),
      `store keys under 'test': ${[...after].join(",")}`,
    );
  }

  #testMisc(): void {
    this.set_uri("http://this.is.a.test.com");
    this.set_health_checks({});
  }

  #testPerfCounters(): void {
    this.get_perf_schema("osd", "0");
    this.get_counter("osd", "0", "osd.op");
  }

  /** An available module other than this one that `accept` takes, if any. */
  #otherModule(
    accept: (
      name: string,
      info: { module_options?: Record<string, unknown> } | undefined,
    ) => boolean,
  ): string | undefined {
    const map = this.get("mgr_map") as {
      available_modules?: { name: string; module_options?: Record<string, unknown> }[];
    } | null;
    return map?.available_modules?.find((m) => m.name !== this.module_name && accept(m.name, m))
      ?.name;
  }

  @CLICommand("mgr self-test background start", {
    // A string, as in Ceph (whose usage line shows `<workload>`), checked here.
    args: { workload: "str" },
    desc: "Activate a background workload (one of command_spam, throw_exception, shutdown)",
  })
  backgroundStart({ workload }: { workload: string }): HandleCommandResult {
    if (!(WORKLOADS as readonly string[]).includes(workload)) {
      return new HandleCommandResult(-EINVAL, "", `Workload not found '${workload}'`);
    }
    this.workload = workload as Workload;
    this.#set();
    return new HandleCommandResult(0, "", `Running \`${workload}\` in background`);
  }

  @CLICommand("mgr self-test background stop", {
    desc: "Stop background workload if any is running",
  })
  backgroundStop(): HandleCommandResult {
    if (this.workload === null) {
      return new HandleCommandResult(0, "", "No background workload was running");
    }
    const was = this.workload;
    this.workload = null;
    this.#set();
    return new HandleCommandResult(0, "", `Stopping background workload \`${was}\``);
  }

  @CLIReadCommand("mgr self-test config get", {
    args: { key: "str" },
    desc: "Peek at a configuration value",
  })
  configGet({ key }: { key: string }): HandleCommandResult {
    return this.#optionText(key, () => this.get_module_option(key));
  }

  @CLIReadCommand("mgr self-test config get_localized", {
    args: { key: "str" },
    desc: "Peek at a configuration value (localized variant)",
  })
  configGetLocalized({ key }: { key: string }): HandleCommandResult {
    return this.#optionText(key, () => this.get_localized_module_option(key));
  }

  #optionText(key: string, read: () => OptionValue | null): HandleCommandResult {
    if (!SelfTest.MODULE_OPTIONS.some((o) => o.name === key)) {
      return new HandleCommandResult(-ENOENT, "", `Config option '${key}' is not declared`);
    }
    const value = read();
    const text = value === null
      ? "None"
      : typeof value === "boolean"
      ? (value ? "True" : "False")
      : String(value);
    return new HandleCommandResult(0, text, "");
  }

  @CLICommand("mgr self-test remote", { desc: "Test inter-module calls" })
  async remoteTest(): Promise<HandleCommandResult> {
    const map = this.get("mgr_map") as {
      modules?: string[];
      available_modules?: { name: string }[];
      always_on_modules?: Record<string, string[]>;
    } | null;
    const enabled = new Set([
      ...(map?.modules ?? []),
      ...Object.values(map?.always_on_modules ?? {}).flat(),
    ]);
    // An enabled module this manager has loaded (the MgrMap also names always-on modules that
    // may not be loaded here).
    const loaded = new Set(map?.available_modules?.map((m) => m.name) ?? []);
    const selfTestCmd = { prefix: "influx self-test" };
    let target: string;
    if (loaded.has("influx")) {
      // 16.2.15's _test_remote_calls: a valid call into influx (whose handle_command answers
      // EINVAL for this prefix, which is still a call that worked). Influx disabled makes it
      // fail with ImportError, as in Ceph.
      target = "influx";
      await this.remote(target, "handle_command", "", selfTestCmd);
    } else {
      target = [...enabled].find((m) => m !== this.module_name && loaded.has(m)) ??
        this.module_name;
      await this.remote(target, "self_test");
    }
    let disabled: string | undefined;
    if (loaded.has("telegraf")) {
      disabled = "telegraf";
      check(!(map?.modules ?? []).includes(disabled), `${disabled} is not enabled`);
      const releases = Object.keys(map?.always_on_modules ?? {}).sort();
      const latest = releases[releases.length - 1];
      check(
        latest === undefined || !(map?.always_on_modules?.[latest] ?? []).includes(disabled),
        `${disabled} is not always on`,
      );
    } else {
      disabled = map?.available_modules?.find((m) => !enabled.has(m.name))?.name;
    }
    if (disabled !== undefined) {
      await rejects(
        () => this.remote(disabled, "handle_command", selfTestCmd),
        "ImportError",
        disabled,
      );
    }
    await rejects(
      () => this.remote("idontexist", "handle_command", selfTestCmd),
      "ImportError",
      "idontexist",
    );
    await rejects(
      () => this.remote(target, "idontexist", selfTestCmd),
      "NameError",
      `${target}.idontexist`,
    );
    return new HandleCommandResult(0, "", "Successfully called");
  }

  @CLICommand("mgr self-test module", {
    args: { module: "str" },
    desc: "Run another module's self_test() method",
  })
  async moduleTest({ module }: { module: string }): Promise<HandleCommandResult> {
    let result: unknown;
    try {
      result = await this.remote(module, "self_test");
    } catch (e) {
      const error = e as Error;
      if (error.name === "RuntimeError") {
        return new HandleCommandResult(-1, "", `Test failed: ${error.message}`);
      }
      return new HandleCommandResult(-ENOENT, "", `Test failed: ${error.name}: ${error.message}`);
    }
    return new HandleCommandResult(0, String(result ?? "None"), "Self-test OK");
  }

  @CLICommand("mgr self-test health set", {
    args: { checks: "str" },
    desc: "Set a health check from a JSON-formatted description.",
  })
  healthSet({ checks }: { checks: string }): HandleCommandResult {
    let parsed: unknown;
    try {
      parsed = JSON.parse(checks);
    } catch (e) {
      return new HandleCommandResult(
        -1,
        "",
        `Failed to decode JSON input: ${(e as Error).message}`,
      );
    }
    const next: HealthChecks = { ...this.healthChecks };
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      return new HandleCommandResult(-1, "", "Invalid health check format: not an object");
    }
    for (const [code, raw] of Object.entries(parsed as Record<string, unknown>)) {
      const info = raw as Record<string, unknown> | null;
      const detail = info?.detail ?? [];
      if (
        typeof info !== "object" || info === null || typeof info.severity !== "string" ||
        typeof info.summary !== "string" || !Array.isArray(detail) ||
        !detail.every((d) => typeof d === "string")
      ) {
        return new HandleCommandResult(
          -1,
          "",
          `Invalid health check format: ${code} needs severity, summary and a detail list`,
        );
      }
      next[code] = { severity: info.severity, summary: info.summary, count: 123, detail };
    }
    this.healthChecks = next;
    this.set_health_checks(next);
    return new HandleCommandResult(0, "", "");
  }

  @CLICommand("mgr self-test health clear", {
    args: { checks: { type: "str", list: true, optional: true } },
    desc: "Clear health checks by name. If no names provided, clear all.",
  })
  healthClear({ checks }: { checks?: string[] }): HandleCommandResult {
    if (checks === undefined || checks.length === 0) this.healthChecks = {};
    else {
      const next = { ...this.healthChecks };
      for (const code of checks) delete next[code];
      this.healthChecks = next;
    }
    this.set_health_checks(this.healthChecks);
    return new HandleCommandResult(0, "", "");
  }

  // Ceph's order of the self-test commands (what `ceph` lists as closest matches).
  @CLICommand("mgr self-test insights_set_now_offset", {
    args: { hours: "str" },
    desc: "Set the now time for the insights module.",
  })
  async insightsSetNowOffset({ hours }: { hours: string }): Promise<HandleCommandResult> {
    const n = /^\s*[-+]?\d+\s*$/.test(hours) ? Number.parseInt(hours, 10) : NaN;
    if (Number.isNaN(n)) {
      return new HandleCommandResult(
        -1,
        "",
        `Timestamp must be numeric: invalid literal for int() with base 10: '${hours}'`,
      );
    }
    await this.remote("insights", "testing_set_now_time_offset", n);
    return new HandleCommandResult(0, "", "");
  }

  @CLICommand("mgr self-test cluster-log", {
    args: { channel: "str", priority: "str", message: "str" },
    desc: "Create an audit log record.",
  })
  clusterLog(
    { channel, priority, message }: { channel: string; priority: string; message: string },
  ): HandleCommandResult {
    const prio = PRIORITIES[priority];
    if (prio === undefined) {
      return new HandleCommandResult(
        -EINVAL,
        "",
        `Unknown priority '${priority}' (one of ${Object.keys(PRIORITIES).join(", ")})`,
      );
    }
    this.cluster_log(channel, prio, message);
    return new HandleCommandResult(0, "", "Successfully called");
  }

  @CLICommand("mgr self-test command throw", { desc: "Test the host's handling of a throw" })
  commandThrow(): HandleCommandResult {
    throw new Error("Synthetic exception in a command handler");
  }
}
