/**
 * `sim fault ...`, `sim heal` and `sim status`: fault injection into the embedded cluster while
 * `mgrd serve` runs on it (sim/embedded.ts adds them to every manager).
 *
 * @module
 */
import { parseSignature } from "../core/commands/descriptor.ts";
import type { LocalCommand } from "../core/commands/service.ts";
import { EINVAL, ENOENT } from "../ceph/errno.ts";
import { crushTypeId } from "./cluster/crush_map.ts";
import type { FaultInjector, FaultSpec } from "./faults/faults.ts";

const KINDS = [
  "mon-outage",
  "quorum-loss",
  "mon-down",
  "osd-down",
  "osd-crash",
  "osd-out",
  "osd-flap",
  "host-down",
  "rack-down",
  "slow-osd",
  "late-reports",
  "mds-down",
  "mgr-fail",
] as const;
type Kind = typeof KINDS[number];

const RACK_TYPE = crushTypeId("rack");

/** Why a command is refused: Ceph's errno and the message `mgrd ceph` prints. */
export interface FaultRefusal {
  r: number;
  outs: string;
}

const invalid = (outs: string): FaultRefusal => ({ r: -EINVAL, outs });
const missing = (outs: string): FaultRefusal => ({ r: -ENOENT, outs });

function osdId(target: string | undefined): number | undefined {
  const m = /^(?:osd\.)?(\d{1,9})$/.exec(target ?? "");
  return m ? Number(m[1]) : undefined;
}

/** A target that is only digits: a duration given in the target's place. */
const looksLikeSeconds = (t: string | undefined) => t !== undefined && /^\d+(\.\d+)?$/.test(t);

/** The racks of the cluster's CRUSH map. */
function rackNames(injector: FaultInjector): string[] {
  return injector.cluster.map.crush.buckets.filter((b) => b.typeId === RACK_TYPE).map((b) =>
    b.name
  );
}

/** The usage of one kind, for refusals that need it. */
const USAGE: Record<Kind, string> = {
  "mon-outage": "sim fault mon-outage [<duration>]",
  "quorum-loss": "sim fault quorum-loss [<duration>]",
  "mon-down": "sim fault mon-down [<mon>] [<duration>]",
  "osd-down": "sim fault osd-down <osd.N> [<duration>]",
  "osd-crash": "sim fault osd-crash <osd.N> [<restart seconds>]",
  "osd-out": "sim fault osd-out <osd.N> [<duration>]",
  "osd-flap": "sim fault osd-flap <osd.N>",
  "host-down": "sim fault host-down <host> [<duration>]",
  "rack-down": "sim fault rack-down <rack> [<duration>]",
  "slow-osd": "sim fault slow-osd <osd.N> [<duration>]",
  "late-reports": "sim fault late-reports [<osd.N>] [<duration>]",
  "mds-down": "sim fault mds-down [<mds>] [<duration>]",
  "mgr-fail": "sim fault mgr-fail",
};

/**
 * The fault a `sim fault <kind> [<target>] [<duration>]` command asks for, or why not: every
 * target is checked against the running cluster here, before anything is scheduled, so that a
 * fault that was answered "injected" cannot fail later.
 */
export function faultFromCommand(
  kind: Kind,
  target: string | undefined,
  duration: number | undefined,
  at: number,
  injector: FaultInjector,
): FaultSpec | FaultRefusal {
  const c = injector.cluster;
  if (duration !== undefined && !(Number.isFinite(duration) && duration >= 0)) {
    return invalid(`duration must be a number of seconds >= 0, got ${duration}`);
  }
  const needOsd = (): number | FaultRefusal => {
    const osd = osdId(target);
    if (osd === undefined) {
      return invalid(`'${target ?? ""}' is not an OSD id (osd.N); usage: ${USAGE[kind]}`);
    }
    return c.map.has(osd) ? osd : missing(`'${target}' is not an OSD of the cluster (osd.N)`);
  };
  // Kinds without a target take a lone number as their duration (`sim fault mon-outage 40`).
  const targetless = (): number | undefined | FaultRefusal => {
    if (target === undefined) return duration;
    if (looksLikeSeconds(target) && duration === undefined) return Number(target);
    return invalid(`${kind} takes no target, got '${target}'; usage: ${USAGE[kind]}`);
  };
  switch (kind) {
    case "mon-outage":
    case "quorum-loss": {
      const d = targetless();
      if (typeof d === "object") return d;
      return { kind, at, duration: d ?? 30 };
    }
    case "mgr-fail": {
      const d = targetless();
      if (typeof d === "object") return d;
      if (d !== undefined) return invalid(`mgr-fail takes no duration; usage: ${USAGE[kind]}`);
      return { kind, at };
    }
    case "late-reports": {
      if (target === undefined) return { kind, at, duration: duration ?? 30 };
      const osd = needOsd();
      if (typeof osd === "object") return osd;
      return { kind, at, duration: duration ?? 30, osds: [osd] };
    }
    case "mon-down":
      if (target !== undefined && !c.mons.names.includes(target)) {
        return missing(named("mon", target, c.mons.names, kind));
      }
      return { kind, at, duration: duration ?? 30, ...(target ? { mon: target } : {}) };
    case "osd-down":
    case "osd-crash":
    case "osd-out": {
      const osd = needOsd();
      if (typeof osd === "object") return osd;
      return { kind, at, osd, ...(duration !== undefined ? { duration } : {}) };
    }
    case "osd-flap": {
      const osd = needOsd();
      if (typeof osd === "object") return osd;
      if (duration !== undefined) {
        return invalid(`osd-flap takes no duration; usage: ${USAGE[kind]}`);
      }
      return { kind, at, osd };
    }
    case "slow-osd": {
      const osd = needOsd();
      if (typeof osd === "object") return osd;
      return { kind, at, duration: duration ?? 60, osds: [osd] };
    }
    case "host-down":
      if (target === undefined) return invalid(`host-down needs a host; usage: ${USAGE[kind]}`);
      if (!c.hostNames().includes(target)) {
        return missing(named("host", target, c.hostNames(), kind));
      }
      return { kind, at, host: target, ...(duration !== undefined ? { duration } : {}) };
    case "rack-down": {
      const racks = rackNames(injector);
      if (target === undefined) return invalid(`rack-down needs a rack; usage: ${USAGE[kind]}`);
      if (!racks.includes(target)) return missing(named("rack", target, racks, kind));
      return { kind, at, rack: target, ...(duration !== undefined ? { duration } : {}) };
    }
    case "mds-down": {
      const mds = c.fs.daemons.map((d) => d.name);
      if (target !== undefined && !mds.includes(target)) {
        return missing(named("mds", target, mds, kind));
      }
      if (target === undefined && mds.length === 0) return missing("the cluster has no mds");
      return {
        kind,
        at,
        ...(target ? { mds: target } : {}),
        ...(duration !== undefined ? { duration } : {}),
      };
    }
  }
}

/** "no mds named '20' (mds: a, b); a duration goes after the target: <usage>". */
function named(what: string, target: string, known: readonly string[], kind: Kind): string {
  const whats = what === "mds" ? what : `${what}s`;
  const list = known.length > 0 ? `${whats}: ${known.join(", ")}` : `the cluster has no ${whats}`;
  const hint = looksLikeSeconds(target)
    ? `; a duration goes after the ${what}: ${USAGE[kind]}`
    : "";
  return `no ${what} named '${target}' (${list})${hint}`;
}

/** The fault commands, bound to the running cluster's fault injector. */
export function faultCommands(injector: FaultInjector, seed: number): LocalCommand[] {
  const scheduler = injector.cluster.scheduler;
  return [
    {
      desc: parseSignature(
        `sim fault name=kind,type=CephChoices,strings=${KINDS.join("|")} ` +
          "name=target,type=CephString,req=false name=duration,type=CephFloat,range=0,req=false",
        {
          help: "Inject a fault into the embedded cluster now (target: osd.N, host, rack or mon)",
          perm: "rw",
        },
      ),
      run(cmd) {
        const fault = faultFromCommand(
          cmd.kind as Kind,
          typeof cmd.target === "string" ? cmd.target : undefined,
          typeof cmd.duration === "number" ? cmd.duration : undefined,
          Math.round((scheduler.now - scheduler.epoch) * 1000) / 1000,
          injector,
        );
        if ("r" in fault) return { r: fault.r, outb: "", outs: fault.outs };
        injector.schedule(fault);
        return { r: 0, outb: "", outs: `injected ${JSON.stringify(fault)}` };
      },
    },
    {
      desc: parseSignature("sim heal", {
        help: "Heal every fault injected into the embedded cluster",
        perm: "rw",
      }),
      run() {
        const healed = injector.healAll();
        return { r: 0, outb: "", outs: `healed ${healed} fault${healed === 1 ? "" : "s"}` };
      },
    },
    {
      desc: parseSignature("sim status", {
        help: "Show the embedded cluster's simulation",
        perm: "r",
      }),
      run() {
        const status = {
          seed,
          virtual_seconds: Number((scheduler.now - scheduler.epoch).toFixed(3)),
          events: scheduler.eventsRun,
          trace_hash: scheduler.trace.hash(),
          active_faults: [...injector.active],
          mon_reachable: injector.cluster.monReachable(),
        };
        return { r: 0, outb: JSON.stringify(status, null, 4) + "\n", outs: "" };
      },
    },
  ];
}
