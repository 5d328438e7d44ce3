/**
 * `sim fault ...`, `sim heal` and `sim status`: fault injection into the embedded cluster while
 * `mgrd serve` runs on it (sim/embedded.ts adds them to every manager).
 *
 * @module
 */
import type { MonCommandResult } from "../core/cluster_link.ts";
import { parseSignature } from "../core/commands/descriptor.ts";
import type { LocalCommand } from "../core/commands/service.ts";
import { EINVAL } from "../ceph/errno.ts";
import type { FaultInjector, FaultSpec } from "./faults/faults.ts";

const KINDS = [
  "mon-outage",
  "quorum-loss",
  "mon-down",
  "osd-down",
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

const bad = (outs: string): MonCommandResult => ({ r: -EINVAL, outb: "", outs });

function osdId(target: string | undefined): number | undefined {
  const m = /^(?:osd\.)?(\d+)$/.exec(target ?? "");
  return m ? Number(m[1]) : undefined;
}

/** The fault a `sim fault <kind> [<target>] [<duration>]` command asks for, or why not. */
export function faultFromCommand(
  kind: Kind,
  target: string | undefined,
  duration: number | undefined,
  at: number,
  injector: FaultInjector,
): FaultSpec | string {
  const c = injector.cluster;
  const needOsd = () => {
    const osd = osdId(target);
    return osd !== undefined && c.map.has(osd) ? osd : undefined;
  };
  switch (kind) {
    case "mon-outage":
    case "quorum-loss":
      return { kind, at, duration: duration ?? 30 };
    case "late-reports":
      return {
        kind,
        at,
        duration: duration ?? 30,
        ...(osdId(target) !== undefined ? { osds: [osdId(target)!] } : {}),
      };
    case "mon-down":
      if (target !== undefined && !c.mons.names.includes(target)) return `no mon named '${target}'`;
      return { kind, at, duration: duration ?? 30, ...(target ? { mon: target } : {}) };
    case "osd-down":
    case "osd-out": {
      const osd = needOsd();
      if (osd === undefined) return `'${target ?? ""}' is not an OSD of the cluster (osd.N)`;
      return { kind, at, osd, ...(duration !== undefined ? { duration } : {}) };
    }
    case "osd-flap": {
      const osd = needOsd();
      if (osd === undefined) return `'${target ?? ""}' is not an OSD of the cluster (osd.N)`;
      return { kind, at, osd };
    }
    case "slow-osd": {
      const osd = needOsd();
      if (osd === undefined) return `'${target ?? ""}' is not an OSD of the cluster (osd.N)`;
      return { kind, at, duration: duration ?? 60, osds: [osd] };
    }
    case "host-down":
      if (!target || !c.hostNames().includes(target)) {
        return `'${target ?? ""}' is not a host; hosts: ${c.hostNames().join(", ")}`;
      }
      return { kind, at, host: target, ...(duration !== undefined ? { duration } : {}) };
    case "rack-down":
      if (!target) return "rack-down needs the rack's name";
      return { kind, at, rack: target, ...(duration !== undefined ? { duration } : {}) };
    case "mds-down":
      return {
        kind,
        at,
        ...(target ? { mds: target } : {}),
        ...(duration !== undefined ? { duration } : {}),
      };
    case "mgr-fail":
      return { kind, at };
  }
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
        if (typeof fault === "string") return bad(fault);
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
