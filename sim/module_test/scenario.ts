/**
 * Generated scenarios for the harness — a cluster shape, changes to its state, a fault schedule,
 * notification storms and commands — and the runner that plays one against the module under
 * test and lists every problem it saw.
 *
 * @module
 */
import fc from "fast-check";
import { setImmediate } from "node:timers";
import { startTestCluster, type TestCluster } from "../testing.ts";
import type { ClusterSpec } from "../cluster/cluster.ts";
import { type FaultSpec } from "../faults/faults.ts";
import { FaultInjector } from "../faults/faults.ts";
import { faultArb } from "../faults/arbitraries.ts";
import type { ArgDescriptor, CommandDescriptor } from "../../core/commands/descriptor.ts";
import { validateCommand } from "../../core/commands/validate.ts";
import type { NotifyType } from "../../core/mgr_module.ts";
import type { ModuleUnderTest } from "./target.ts";
import { type CommandCall, commandCalls, newCommandCall, staleProblem } from "./stale.ts";

/** The simulated cluster around the manager; null runs the manager on the bare mon (no maps). */
export type ClusterShape = null | {
  hosts: number;
  osdsPerHost: number;
  pools: { name: string; pgNum: number; size: number }[];
  /** False: no MDS daemons and no file system (an empty FSMap, as on an RBD-only cluster). */
  mds: boolean;
};

/** A change to the cluster made before the module is enabled. */
export type StateChange =
  | { kind: "metadata-missing"; osd: number }
  | { kind: "metadata-orphan"; osd: number }
  | { kind: "metadata-stale"; osd: number }
  | { kind: "osd-down"; osd: number }
  | { kind: "osd-out"; osd: number };

/** `count` notifications of `type` delivered at once, `at` seconds into the run. */
export interface NotifyStorm {
  at: number;
  type: NotifyType;
  count: number;
}

/** One command sent `at` seconds into the run; `valid` says whether its arguments validate. */
export interface GeneratedCommand {
  at: number;
  cmd: Record<string, unknown>;
}

/** One generated run. */
export interface Scenario {
  cluster: ClusterShape;
  state: StateChange[];
  faults: FaultSpec[];
  storms: NotifyStorm[];
  commands: GeneratedCommand[];
}

/** Bounds the runner works to (virtual seconds). */
export interface ScenarioLimits {
  /** How long the module runs after it is enabled. */
  horizon: number;
  /** The longest a command may take to answer. */
  commandSeconds: number;
  /** The longest shutdown() plus the end of serve() may take. */
  shutdownSeconds: number;
  /** The longest a generated fault lasts (a mon outage longer than a command bound is unfair). */
  faultSeconds: number;
  /**
   * The longest wall time (seconds, not virtual) a handler, notify() or a step of serve() may
   * keep the thread before it yields: the `responsive` property.
   */
  blockSeconds: number;
}

/** The default bounds. */
export const DEFAULT_LIMITS: ScenarioLimits = {
  horizon: 60,
  commandSeconds: 30,
  shutdownSeconds: 5,
  faultSeconds: 20,
  blockSeconds: 0.5,
};

const clusterArb: fc.Arbitrary<NonNullable<ClusterShape>> = fc.record({
  hosts: fc.integer({ min: 1, max: 3 }),
  // 0: a cluster whose OSDs are not created yet; counterexamples shrink towards it.
  osdsPerHost: fc.integer({ min: 0, max: 3 }),
  pools: fc.uniqueArray(
    fc.record({
      name: fc.constantFrom("rbd", "data", "meta", "cephfs.a.data"),
      pgNum: fc.constantFrom(1, 2, 8, 32),
      size: fc.integer({ min: 1, max: 3 }),
    }),
    { maxLength: 3, selector: (p) => p.name },
  ),
  mds: fc.boolean(),
});

const shapeArb: fc.Arbitrary<ClusterShape> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 6, arbitrary: clusterArb },
);

function stateArb(osds: number): fc.Arbitrary<StateChange[]> {
  if (osds === 0) {
    return fc.array(
      fc.record({
        kind: fc.constant("metadata-orphan" as const),
        osd: fc.integer({ min: 0, max: 20 }),
      }),
      { maxLength: 2 },
    );
  }
  const osd = fc.integer({ min: 0, max: osds - 1 });
  return fc.array(
    fc.oneof(
      fc.record({ kind: fc.constant("metadata-missing" as const), osd }),
      fc.record({
        kind: fc.constant("metadata-orphan" as const),
        osd: fc.integer({ min: osds, max: osds + 20 }),
      }),
      fc.record({ kind: fc.constant("metadata-stale" as const), osd }),
      fc.record({ kind: fc.constant("osd-down" as const), osd }),
      fc.record({ kind: fc.constant("osd-out" as const), osd }),
    ),
    { maxLength: 4 },
  );
}

function stormArb(types: readonly NotifyType[], horizon: number): fc.Arbitrary<NotifyStorm[]> {
  if (types.length === 0) return fc.constant([]);
  return fc.array(
    fc.record({
      at: fc.integer({ min: 0, max: horizon - 1 }),
      type: fc.constantFrom(...types),
      count: fc.integer({ min: 1, max: 200 }),
    }),
    { maxLength: 3 },
  );
}

const word = fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/);
const anyText = fc.oneof(
  word,
  fc.string({ maxLength: 12 }),
  fc.constantFrom("", " ", "{}", "[]", "null", "-1", "nan", "osd.99", '{"A":{}}'),
  fc.constantFrom('{"TEST_CHECK":{"severity":"warning","summary":"s","detail":["d"]}}'),
);

function scalarArb(arg: ArgDescriptor, pools: readonly string[]): fc.Arbitrary<unknown> {
  const [min, max] = arg.range ?? [];
  switch (arg.type) {
    case "CephInt":
      return fc.integer({ min: min ?? -5, max: max ?? (min ?? 0) + 100 });
    case "CephFloat":
      return fc.double({ min: min ?? -5, max: max ?? (min ?? 0) + 100, noNaN: true });
    case "CephBool":
      return fc.boolean();
    case "CephChoices":
      return fc.constantFrom(...(arg.strings ?? [""]));
    case "CephPoolname":
      return pools.length ? fc.oneof(fc.constantFrom(...pools), word) : word;
    case "CephOsdName":
      return fc.integer({ min: 0, max: 12 }).map((n) => `osd.${n}`);
    case "CephName":
      return fc.constantFrom("osd.0", "osd.7", "mon.a", "mgr.x", "client.admin");
    case "CephPgid":
      return fc.tuple(fc.nat(4), fc.nat(40)).map(([p, s]) => `${p}.${s.toString(16)}`);
    case "CephUUID":
      return fc.uuid();
    case "CephIPAddr":
      return fc.constantFrom("10.0.0.1", "::1", "192.168.1.1:6789");
    case "CephEntityAddr":
      return fc.constantFrom("10.0.0.1:6800/1234", "10.0.0.2:0/0");
    case "CephFragment":
      return fc.constantFrom("0/0", "1/1");
    case "CephSizeBytes":
      return fc.constantFrom("4K", "1G", "100");
    default:
      return anyText;
  }
}

function argArb(arg: ArgDescriptor, pools: readonly string[]): fc.Arbitrary<unknown> {
  const one = scalarArb(arg, pools);
  if (arg.n === 1) return one;
  const count = arg.n === "N"
    ? { minLength: 1, maxLength: 3 }
    : { minLength: arg.n, maxLength: arg.n };
  return fc.array(one, count);
}

/**
 * A command for `desc`: mostly valid arguments, sometimes broken ones (any text, missing, extra);
 * with `validOnly`, arguments of the declared types only (optional ones sometimes left out).
 */
export function commandArb(
  desc: CommandDescriptor,
  pools: readonly string[] = [],
  validOnly = false,
): fc.Arbitrary<Record<string, unknown>> {
  const entries = desc.args.map((arg) =>
    fc.oneof(
      { weight: 8, arbitrary: argArb(arg, pools) },
      { weight: arg.req ? 0 : 3, arbitrary: fc.constant(undefined) },
      { weight: validOnly ? 0 : 1, arbitrary: anyText },
    ).map((value) => [arg.name, value] as const)
  );
  const extraArb = validOnly ? fc.constant(null) : fc.option(word, { freq: 10 });
  return fc.tuple(fc.tuple(...entries), extraArb).map(([pairs, extra]) => {
    const cmd: Record<string, unknown> = { prefix: desc.prefix };
    for (const [name, value] of pairs) if (value !== undefined) cmd[name] = value;
    if (extra !== null) cmd[`x_${extra}`] = "1";
    return cmd;
  });
}

/** Healing faults that fit `cluster` (no host or rack loss: the harness's clusters are small). */
function faultsArb(
  cluster: NonNullable<ClusterShape>,
  limits: ScenarioLimits,
  maxLength: number,
): fc.Arbitrary<FaultSpec[]> {
  // Without OSDs the generated faults would name OSDs that do not exist.
  if (cluster.hosts * cluster.osdsPerHost === 0) return fc.constant([]);
  return fc.array(
    faultArb({
      osds: cluster.hosts * cluster.osdsPerHost,
      hosts: Array.from({ length: cluster.hosts }, (_, i) => `host${i}`),
      mons: ["a", "b", "c"],
      horizon: limits.horizon,
      maxDuration: limits.faultSeconds,
    }).filter((f) =>
      f.kind !== "host-down" && f.kind !== "rack-down" &&
      (f.kind !== "mds-down" || cluster.mds)
    ),
    { maxLength },
  );
}

/**
 * Scenarios for a module: a cluster shape, then state changes, faults and storms that fit it,
 * and (when `commands` is given) commands drawn from those descriptors.
 */
export function scenarioArb(
  target: ModuleUnderTest,
  limits: ScenarioLimits,
  commands: readonly CommandDescriptor[] = [],
): fc.Arbitrary<Scenario> {
  const types = [...target.record.notifyTypes] as NotifyType[];
  return shapeArb.chain((cluster) => {
    const osds = cluster ? cluster.hosts * cluster.osdsPerHost : 0;
    const pools = cluster?.pools.map((p) => p.name) ?? [];
    const faults = cluster ? faultsArb(cluster, limits, 3) : fc.constant([] as FaultSpec[]);
    const cmds = commands.length
      ? fc.array(
        fc.record({
          at: fc.integer({ min: 0, max: limits.horizon - 1 }),
          cmd: fc.constantFrom(...commands).chain((d) => commandArb(d, pools)),
        }),
        { minLength: 1, maxLength: 4 },
      )
      : fc.constant([] as GeneratedCommand[]);
    return fc.record({
      cluster: fc.constant(cluster),
      state: cluster ? stateArb(osds) : fc.constant([] as StateChange[]),
      faults,
      storms: stormArb(types, limits.horizon),
      commands: cmds,
    });
  });
}

/** The runner's step: commands due in [t, t + STEP) are sent at t seconds into the run. */
const STEP = 5;

/**
 * Scenarios for the `stale` property: a cluster, a mon outage of 10 s or more (the first fault;
 * others may follow), and commands with valid arguments sent while it lasts — at a step of the
 * runner after the outage began and at least a second before it ends.
 */
export function staleScenarioArb(
  target: ModuleUnderTest,
  limits: ScenarioLimits,
  commands: readonly CommandDescriptor[],
): fc.Arbitrary<Scenario> {
  if (commands.length === 0) throw new RangeError("the stale property needs commands");
  const types = [...target.record.notifyTypes] as NotifyType[];
  const longest = Math.max(10, limits.faultSeconds);
  const lastStart = Math.max(0, limits.horizon - 2 * STEP);
  const lastStep = Math.floor((limits.horizon - 1) / STEP);
  return clusterArb.chain((cluster) => {
    const osds = cluster.hosts * cluster.osdsPerHost;
    const pools = cluster.pools.map((p) => p.name);
    const outage = fc.record({
      at: fc.integer({ min: 0, max: lastStart }),
      duration: fc.integer({ min: 10, max: longest }),
    });
    // Each command's step is an offset into the outage's window, so that everything shrinks
    // independently (a chain on the outage would regenerate the commands on every shrink).
    const sends = fc.array(
      fc.record({
        offset: fc.nat(Math.ceil(longest / STEP)),
        cmd: fc.constantFrom(...commands).chain((d) => commandArb(d, pools, true)),
      }),
      { minLength: 1, maxLength: 4 },
    );
    return fc.record({
      cluster: fc.constant(cluster),
      state: stateArb(osds),
      outage,
      more: faultsArb(cluster, limits, 2),
      storms: stormArb(types, limits.horizon),
      sends,
    }).map(({ cluster, state, outage: { at, duration }, more, storms, sends }): Scenario => {
      const first = Math.floor(at / STEP) + 1;
      const last = Math.max(first, Math.min(Math.floor((at + duration - 2) / STEP), lastStep));
      return {
        cluster,
        state,
        faults: [{ kind: "mon-outage", at, duration }, ...more],
        storms,
        commands: sends.map(({ offset, cmd }) => ({
          at: Math.min(first + offset, last) * STEP,
          cmd,
        })),
      };
    });
  });
}

function clusterSpec(shape: NonNullable<ClusterShape>): ClusterSpec {
  return {
    hosts: shape.hosts,
    osdsPerHost: shape.osdsPerHost,
    failureDomain: "osd",
    pools: shape.pools.map((p) => ({ name: p.name, pgNum: p.pgNum, size: p.size })),
    mds: shape.mds ? undefined : [],
    fileSystem: shape.mds,
  };
}

/** What one run observed. */
export interface ScenarioOutcome {
  problems: string[];
  /** Every command sent, with its answer. */
  answers: { cmd: Record<string, unknown>; r: number; outs: string; valid: boolean }[];
}

/** Options of {@linkcode runScenario}. */
export interface RunOptions {
  limits: ScenarioLimits;
  /** Command prefixes whose handlers are meant to throw or to stop the module. */
  skipCommands?: readonly string[];
  /**
   * Report the `stale` property's problems: a command that answered 0 from cluster state read
   * while the mon was away, without calling have_mon_connection().
   */
  checkStale?: boolean;
}

const HEALTH_CODE = /^[A-Z][A-Z0-9_]*$/;

/** The module host's line for a slice that kept the thread (core/module_host.ts, #judge). */
const HELD =
  /module (\S+) (held|may have held) the manager's thread for ([0-9.]+)s in (.*); nothing else ran/;

async function yieldTurns(turns: number): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Moves virtual time on, then lets the module's queue drain — but only for a few turns of the
 * event loop, since a stuck handler must not stop the harness.
 */
async function advance(c: TestCluster, seconds: number): Promise<void> {
  await c.scheduler.runFor(seconds);
  for (let i = 0; i < 2; i++) {
    await Promise.race([c.manager.settled(), yieldTurns(4)]);
    await c.scheduler.runFor(0);
  }
}

/**
 * Runs a command, moving time on until it answers or `bound` virtual seconds pass; inside
 * `call`'s async context when given (what the module's handler reads is noted there).
 */
async function boundedCommand(
  c: TestCluster,
  cmd: Record<string, unknown>,
  bound: number,
  call?: CommandCall,
): Promise<{ r: number; outb: string; outs: string } | null> {
  let answer: { r: number; outb: string; outs: string } | undefined;
  let failure: unknown;
  const sent = call ? commandCalls.run(call, () => c.manager.command(cmd)) : c.manager.command(cmd);
  sent.then((a) => answer = a, (e) => failure = e ?? "rejected");
  await advance(c, 0);
  for (let t = 0; answer === undefined && failure === undefined && t < bound; t++) {
    await advance(c, 1);
  }
  if (failure !== undefined) throw failure;
  return answer ?? null;
}

/**
 * Options set before a built-in module is enabled, so that its runs stay on this machine:
 * influx's default server is the host `None` (a name lookup that would leave it); port 2 of
 * 127.0.0.1 refuses the connection, the module's server-down path.
 */
export const BY_DESIGN_OPTIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  influx: { hostname: "127.0.0.1", port: "2" },
};

/**
 * Plays one scenario against the module and lists what went wrong: a throw out of notify,
 * config_notify, serve or a handler, a failed module (MGR_MODULE_ERROR), malformed health
 * checks, a command that answers late or with the wrong type, a serve() that ended on its own,
 * a shutdown that overran; with `checkStale`, a command that answered 0 from cluster state it
 * read while the mon was away without calling have_mon_connection().
 */
export async function runScenario(
  target: ModuleUnderTest,
  scenario: Scenario,
  options: RunOptions,
): Promise<ScenarioOutcome> {
  const { limits } = options;
  const name = target.name;
  const problems = new Set<string>();
  const answers: ScenarioOutcome["answers"] = [];
  const c = await startTestCluster({
    builtins: { [name]: target.exports },
    cluster: scenario.cluster ? clusterSpec(scenario.cluster) : undefined,
  });
  target.now = () => c.scheduler.elapsed;
  target.probes.length = 0;
  const lines: string[] = [];
  const recent = c.log.recent;
  const push = recent.push;
  recent.push = (...items: string[]) => {
    lines.push(...items);
    return push.apply(recent, items);
  };
  let scanned = 0;
  let unsubscribe: (() => void) | undefined;
  const observe = (when: string) => {
    for (; scanned < lines.length; scanned++) {
      const line = lines[scanned]!;
      const head = line.split("\n")[0]!;
      if (
        line.includes(`module ${name} notify(`) && line.includes(") threw") ||
        line.includes(`module ${name} config_notify() threw`) ||
        line.includes(`Unhandled exception from module '${name}'`) ||
        line.includes(`module ${name} shutdown() threw`) ||
        line.includes(`module ${name}: health check`) ||
        line.includes(`module ${name} did not stop within`) ||
        line.includes(`module ${name} command '`) && line.includes(" returned ")
      ) problems.add(`${when}: ${head.replace(/^.*? (DEBUG|INFO|WARNING|ERROR) /, "").trim()}`);
      const held = HELD.exec(head);
      if (held && held[1] === name && Number(held[3]) > limits.blockSeconds) {
        problems.add(
          `responsiveness: ${held[4]} ${held[2]} the thread for ${held[3]} s of wall time ` +
            `(bound ${limits.blockSeconds} s): nothing else ran meanwhile (${when})`,
        );
      }
    }
    for (const [code, check] of Object.entries(c.manager.host.moduleHealth())) {
      if (!HEALTH_CODE.test(code)) {
        problems.add(`${when}: health check code '${code}' is not A_CODE`);
      }
      if (check.summary.message.trim() === "") {
        problems.add(`${when}: health check ${code} has an empty summary`);
      }
    }
    const failed = c.manager.health().checks.MGR_MODULE_ERROR;
    for (const d of failed?.detail ?? []) {
      if (!d.message.startsWith(`Module '${name}'`)) continue;
      problems.add(`${when}: ${d.message}`);
      const blocked = /blocked the manager for ([0-9.]+)s in (.*?) \(/.exec(d.message);
      if (blocked) {
        problems.add(
          `responsiveness: ${blocked[2]} held the thread for ${blocked[1]} s of wall time ` +
            `(bound ${limits.blockSeconds} s), and the module was failed for it (${when})`,
        );
      }
    }
  };
  try {
    const cluster = c.cluster;
    if (cluster) {
      for (const s of scenario.state) {
        if (s.kind === "metadata-missing") cluster.daemons.dropMetadata(`osd.${s.osd}`);
        else if (s.kind === "metadata-orphan") cluster.daemons.addOrphan(s.osd);
        else if (s.kind === "metadata-stale") cluster.daemons.upgrade([`osd.${s.osd}`], "16.2.16");
        else if (s.kind === "osd-down") cluster.osdDown(s.osd);
        else cluster.osdOut(s.osd);
      }
    }
    await advance(c, 1);
    for (const [key, value] of Object.entries(BY_DESIGN_OPTIONS[name] ?? {})) {
      await boundedCommand(
        c,
        { prefix: "config set", who: "mgr", name: `mgr/${name}/${key}`, value },
        limits.commandSeconds,
      );
    }
    const enabled = await boundedCommand(
      c,
      { prefix: "mgr module enable", module: name },
      limits.commandSeconds,
    );
    if (!enabled || enabled.r !== 0) {
      problems.add(`enable: mgr module enable ${name} answered ${JSON.stringify(enabled)}`);
      return { problems: [...problems], answers };
    }
    await advance(c, 1);
    if (!c.manager.host.instance(name)) problems.add(`enable: the module did not start`);
    for (const type of target.record.notifyTypes) {
      c.manager.host.notifyAll(type as NotifyType, "");
    }
    observe("enable");
    const start = c.scheduler.elapsed;
    // A manager failover, as the module sees it: its instance stops and a new one starts (on
    // the standby that takes over), which must pick up from the store and answer again.
    let failovers = 0;
    unsubscribe = cluster?.subscribe((e) => {
      if (e.kind === "mgr_failover") failovers++;
    });
    const failover = async (when: string) => {
      let stopped = false;
      const stopping = c.manager.host.stop(name).then(() => (stopped = true));
      for (let i = 0; i < limits.shutdownSeconds + 1 && !stopped; i++) await advance(c, 1);
      if (!stopped) problems.add(`${when}: the module did not stop for the failover`);
      await stopping;
      await c.manager.host.reconcile(c.manager.enabledModules());
      await advance(c, 1);
      if (!c.manager.host.instance(name)) problems.add(`${when}: the module did not start again`);
    };
    const injector = cluster ? new FaultInjector(cluster) : undefined;
    injector?.scheduleAll(scenario.faults.map((f) => ({ ...f, at: f.at + start })));
    const commands = [...scenario.commands].sort((a, b) => a.at - b.at);
    const storms = [...scenario.storms].sort((a, b) => a.at - b.at);
    const skip = new Set(options.skipCommands ?? []);
    const step = STEP;
    for (let t = 0; t < limits.horizon; t += step) {
      while (storms.length && storms[0]!.at < t + step) {
        const storm = storms.shift()!;
        for (let i = 0; i < storm.count; i++) c.manager.host.notifyAll(storm.type, "");
      }
      while (commands.length && commands[0]!.at < t + step) {
        const { cmd } = commands.shift()!;
        const prefix = String(cmd.prefix);
        if (skip.has(prefix)) continue;
        const desc = c.manager.descriptors().find((d) => d.prefix === prefix);
        const valid = desc ? validateCommand(desc, cmd).ok : false;
        const before = lines.length;
        const call = newCommandCall();
        const answer = await boundedCommand(c, cmd, limits.commandSeconds, call);
        const shown = JSON.stringify(cmd);
        if (answer === null) {
          problems.add(`command ${shown}: no answer within ${limits.commandSeconds} s`);
          continue;
        }
        answers.push({ cmd, r: answer.r, outs: answer.outs, valid });
        const stale = options.checkStale ? staleProblem(prefix, answer.r, call) : undefined;
        if (stale) problems.add(stale);
        if (!Number.isInteger(answer.r) || typeof answer.outs !== "string") {
          problems.add(`command ${shown}: answered ${JSON.stringify(answer)}`);
        } else if (answer.outs === "command handler returned wrong type") {
          problems.add(`command ${shown}: the handler returned the wrong type`);
        } else if (answer.r !== 0 && answer.outs.trim() === "") {
          problems.add(`command ${shown}: failed with ${answer.r} and no message`);
        } else if (!valid && answer.r === 0) {
          problems.add(`command ${shown}: invalid arguments were accepted`);
        }
        const threw = lines.slice(before).find((l) =>
          l.includes(`module ${name} command '${prefix}' threw`)
        );
        if (valid && threw) {
          const error = threw.split("\n").find((l) => /Error|threw/.test(l)) ?? threw;
          problems.add(
            `command ${shown}: the handler threw: ${error.replace(/^.*threw: /, "").trim()}`,
          );
        }
      }
      await advance(c, step);
      for (; failovers > 0; failovers--) await failover(`failover at t=${t + step}s`);
      observe(`t=${t + step}s`);
    }
    injector?.healAll();
    await advance(c, 5);
    observe("end");
    const probe = target.probes.at(-1);
    if (target.servesLoop && probe && !Number.isNaN(probe.returned) && probe.threw === undefined) {
      problems.add(`serve: serve() returned at t=${probe.returned.toFixed(0)}s before shutdown`);
    }
    const stopAt = c.scheduler.elapsed;
    const disabled = await boundedCommand(
      c,
      { prefix: "mgr module disable", module: name },
      limits.commandSeconds,
    );
    if (!disabled || disabled.r !== 0) {
      problems.add(`disable: mgr module disable ${name} answered ${JSON.stringify(disabled)}`);
    }
    for (let i = 0; i < limits.shutdownSeconds + 1 && c.manager.host.instance(name); i++) {
      await advance(c, 1);
    }
    if (c.manager.host.instance(name)) problems.add("disable: the module is still running");
    if (probe && Number.isNaN(probe.returned)) {
      problems.add(`shutdown: serve() had not returned ${limits.shutdownSeconds} s after disable`);
    } else if (probe && probe.returned - stopAt > limits.shutdownSeconds) {
      problems.add(
        `shutdown: serve() took ${(probe.returned - stopAt).toFixed(0)} s to return after disable`,
      );
    }
    observe("disable");
  } finally {
    unsubscribe?.();
    target.now = () => 0;
    recent.push = push;
    await c.stop();
  }
  return { problems: [...problems], answers };
}
