/**
 * Runs a scenario for a seed on virtual time: builds the cluster, schedules its faults
 * (fixed, plus any drawn from the "faults" stream), checks the oracles while running and the
 * expectations at their times, then checks liveness (HEALTH_OK and every PG active+clean
 * within `convergeWithin` seconds of the last heal) and reports one result line.
 *
 * Participants (the manager and its modules, later) join a run through
 * {@linkcode Participant}: `start(clock, cluster)` before time starts, `stop()` after.
 *
 * @module
 */

import type { Clock } from "../../core/clock.ts";
import { SimCluster } from "../cluster/cluster.ts";
import { type IntakeView, PgObserver } from "../pg_observer.ts";
import { Rng } from "../engine/prng.ts";
import { Scheduler, VirtualClock } from "../engine/scheduler.ts";
import { Trace } from "../engine/trace.ts";
import { drawFaults, FaultInjector, type FaultSpec, healTime } from "../faults/faults.ts";
import { Oracles } from "./oracles.ts";
import type { Expectation, Scenario } from "./scenario.ts";

/** Something that runs inside the simulation: the manager, a module host, a probe. */
export interface Participant {
  /** Called before virtual time starts; may start tasks that sleep on `clock`. */
  start(clock: Clock, cluster: SimCluster): void | Promise<void>;
  /** Called after the run; should return once its tasks have ended. */
  stop(): void | Promise<void>;
  /** After `stop()`: what went wrong in the participant during the run (the run fails). */
  failures?(): string[];
  /**
   * After `start()`, when the participant runs the managers: what the active manager sees
   * (and, while none is active, what the last one saw), which the oracles and expectations
   * then read instead of an observer's PGMap of their own.
   */
  managerView?(cluster: SimCluster): IntakeView;
}

/** Options of {@linkcode runScenario}. */
export interface RunOptions {
  /** Replaces the scenario's faults and disables random draws (for replays). */
  faults?: FaultSpec[];
  participants?: Participant[];
  /** Called about every `progressEvery` virtual seconds with the elapsed fraction. */
  onProgress?: (fraction: number, virtualSeconds: number) => void;
  progressEvery?: number;
  /** Lines of trace kept for the capsule (default 200). */
  traceTail?: number;
}

/** What a run produced. */
export interface RunResult {
  scenario: string;
  seed: number;
  virtualSeconds: number;
  wallSeconds: number;
  compression: number;
  events: number;
  hash: string;
  verdict: "PASS" | "FAIL";
  failures: string[];
  /** The complete fault schedule (fixed and drawn). */
  faults: FaultSpec[];
  traceTail: string[];
  /** Seconds after the last heal at which the cluster was HEALTH_OK and clean (-1: never). */
  convergedAfter: number;
}

/** A failing run's capsule: enough to run it again exactly. */
export interface Capsule {
  format: "mgrd-sim-capsule/1";
  scenario: Scenario;
  seed: number;
  faults: FaultSpec[];
  hash: string;
  verdict: "PASS" | "FAIL";
  failures: string[];
  traceTail: string[];
}

/**
 * Runs `scenario` with `seed`.
 *
 * @example
 * ```ts
 * import { runScenario } from "./run.ts";
 * const r = await runScenario({
 *   name: "tiny", duration: 120,
 *   cluster: { hosts: 3, osdsPerHost: 1, pools: [{ name: "p", pgNum: 8 }] },
 * }, 1);
 * if (r.verdict !== "PASS") throw new Error(r.failures.join("\n"));
 * ```
 */
export async function runScenario(
  scenario: Scenario,
  seed: number,
  options: RunOptions = {},
): Promise<RunResult> {
  const wallStart = performance.now();
  const trace = new Trace({ tailSize: options.traceTail ?? 200 });
  const rng = new Rng(seed);
  const scheduler = new Scheduler({ rng, trace });
  const cluster = new SimCluster(scheduler, scenario.cluster);
  // What the active manager sees: its PGMap, from what the OSDs report, and the health the
  // mon shows (its own checks and the manager's). A run without managers has an observer
  // instead, made before the cluster reports so that it hears every period.
  const participants = options.participants ?? [];
  const observer = participants.some((p) => p.managerView) ? undefined : new PgObserver(cluster);
  cluster.startReporting();
  const hosts = cluster.hostNames();
  const racks = cluster.map.crush.buckets.filter((b) => b.typeId === 3).map((b) => b.name);
  const faults = options.faults ?? [
    ...(scenario.faults ?? []),
    ...(scenario.randomFaults
      ? drawFaults(rng.stream("faults"), scenario.randomFaults, {
        osds: cluster.map.maxOsd,
        hosts,
        racks,
        mons: [...cluster.mons.names],
      }, scenario.duration)
      : []),
  ];
  const injector = new FaultInjector(cluster);
  injector.scheduleAll(faults);
  const failures: string[] = [];
  const view: { seen?: IntakeView } = { seen: observer };
  for (const x of scenario.expect ?? []) {
    scheduler.scheduleAt(scheduler.epoch + x.at, `expect @${x.at}`, () => {
      for (const f of _checkExpectation(cluster, view.seen!, x)) failures.push(`t=${x.at} ${f}`);
    });
  }
  const clock = new VirtualClock(scheduler, "participant");
  for (const p of participants) await p.start(clock, cluster);
  for (const p of participants) if (p.managerView) view.seen = p.managerView(cluster);
  const seen = view.seen!;
  // The oracles and the digest hear each event after every other listener (a manager that
  // restarts subscribes later), so that they look at each period after the manager took it in.
  const oracles = new Oracles(cluster, seen);
  // A digest of what the manager would see goes into the trace every period, so the hash
  // covers the workload and health, not only the event labels.
  cluster.subscribe((e) => {
    if (e.kind !== "stats") return;
    const d = cluster.io.lastDelta;
    scheduler.note(
      `digest e${cluster.map.epoch} q${cluster.mons.electionEpoch} r${d.reads} w${d.writes} ` +
        `osds${e.osdsReported} ${seen.health().status}`,
    );
  }, { observer: true });

  const step = options.progressEvery ?? 600;
  const runTo = async (t: number) => {
    while (scheduler.elapsed < t) {
      await scheduler.run({ until: scheduler.epoch + Math.min(t, scheduler.elapsed + step) });
      options.onProgress?.(Math.min(1, scheduler.elapsed / scenario.duration), scheduler.elapsed);
    }
  };
  await runTo(scenario.duration);

  // Liveness: after the last heal, HEALTH_OK and all active+clean within the bound.
  const lastHeal = faults.reduce((a, f) => Math.max(a, healTime(f)), 0);
  let convergedAfter = -1;
  if (lastHeal !== Infinity) {
    const bound = scenario.convergeWithin ?? 900;
    const deadline = Math.max(lastHeal + bound, scheduler.elapsed);
    const healthy = () =>
      cluster.monReachable() && seen.health().status === "HEALTH_OK" &&
      cluster.pgs.allActiveClean();
    while (!healthy() && scheduler.elapsed < deadline) {
      await scheduler.run({ until: scheduler.epoch + scheduler.elapsed + cluster.statsPeriod });
    }
    if (healthy()) {
      convergedAfter = Math.max(0, scheduler.elapsed - lastHeal);
    } else {
      const h = seen.health();
      const pgs = seen.get("pg_summary") as { all: Record<string, number> };
      failures.push(
        `liveness: not HEALTH_OK and clean ${bound}s after the last heal (t=${lastHeal}): ` +
          `${h.status} [${Object.keys(h.checks).join(",")}] pgs ${JSON.stringify(pgs.all)}`,
      );
    }
  }
  for (const p of participants) {
    await p.stop();
    failures.push(...(p.failures?.() ?? []));
  }
  cluster.stopReporting();
  seen.close();
  failures.push(...oracles.violations.map((v) => `oracle: ${v}`));
  const wallSeconds = (performance.now() - wallStart) / 1000;
  const virtualSeconds = scheduler.elapsed;
  return {
    scenario: scenario.name,
    seed,
    virtualSeconds,
    wallSeconds,
    compression: virtualSeconds / Math.max(wallSeconds, 1e-6),
    events: scheduler.eventsRun,
    hash: trace.hash(),
    verdict: failures.length === 0 ? "PASS" : "FAIL",
    failures,
    faults,
    traceTail: trace.tail(),
    convergedAfter,
  };
}

function _checkExpectation(c: SimCluster, seen: IntakeView, x: Expectation): string[] {
  const out: string[] = [];
  const h = seen.health().checks;
  for (const code of x.health ?? []) {
    if (!(code in h)) out.push(`expected health check ${code}, have [${Object.keys(h)}]`);
  }
  for (const code of x.absent ?? []) {
    if (code in h) out.push(`unexpected health check ${code}: ${h[code]?.summary.message}`);
  }
  if (x.monReachable !== undefined && c.monReachable() !== x.monReachable) {
    out.push(`expected monReachable ${x.monReachable}`);
  }
  if (x.minUnknownPgs !== undefined) {
    const unknown = seen.states().filter((s) => s === 0).length;
    if (unknown < x.minUnknownPgs) {
      out.push(`expected >= ${x.minUnknownPgs} unknown PGs, have ${unknown}`);
    }
  }
  for (const [code, re] of Object.entries(x.messages ?? {})) {
    const m = h[code]?.summary.message ?? "";
    if (!new RegExp(re).test(m)) out.push(`${code} message "${m}" does not match /${re}/`);
  }
  return out;
}

/** The capsule of a run. */
export function capsuleOf(scenario: Scenario, r: RunResult): Capsule {
  return {
    format: "mgrd-sim-capsule/1",
    scenario,
    seed: r.seed,
    faults: r.faults,
    hash: r.hash,
    verdict: r.verdict,
    failures: r.failures,
    traceTail: r.traceTail,
  };
}

/** The one-line report of a run. */
export function resultLine(r: RunResult): string {
  return `${r.verdict} ${r.scenario} seed=${r.seed} virtual=${r.virtualSeconds.toFixed(0)}s ` +
    `wall=${r.wallSeconds.toFixed(2)}s compression=${Math.round(r.compression)}x ` +
    `events=${r.events} hash=${r.hash}`;
}
