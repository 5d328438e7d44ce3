/**
 * The simulator's machines, for an orchestrator backend to drive (what cephadm does over SSH
 * on a real cluster): `sim host add` brings a host with empty data disks into the cluster,
 * `sim host ls` lists the hosts and their disks, `sim osd create` creates an OSD on a host's
 * next free disk. These are the simulator's own commands, not Ceph's.
 *
 * @module
 */
import type { CommandSignature, MonCommandResult } from "../../core/cluster_link.ts";
import { EEXIST, EINVAL, ENOENT, ENOSPC } from "../../ceph/errno.ts";
import type { SimCluster } from "../cluster/cluster.ts";
import { hostIp } from "../cluster/osd_map_dump.ts";
import { err, type Monitor, ok, str } from "./monitor.ts";

/** Disks a host added without saying has: as many as each first host has OSDs. */
const DEFAULT_DISKS = 3;

// deno-fmt-ignore
const SIM_HOST_COMMANDS: readonly CommandSignature[] = [
  { sig: "sim host add name=hostname,type=CephString name=disks,type=CephInt,range=0|24,req=false", help: "add a simulated host with empty data disks", perm: "rw" },
  { sig: "sim host ls", help: "list the simulated hosts and their data disks (JSON)", perm: "r" },
  { sig: "sim osd create name=hostname,type=CephString name=path,type=CephString,req=false", help: "create an OSD on a simulated host's next free disk", perm: "rw" },
];

/** A host as `sim host ls` lists it. */
export interface SimHostInfo {
  hostname: string;
  addr: string;
  disks: { path: string; osd: number; size: number }[];
}

/** The simulator's host commands over a cluster. */
export class SimHostMonitor implements Monitor {
  readonly commands = SIM_HOST_COMMANDS;

  constructor(readonly cluster: SimCluster) {}

  handle(prefix: string, cmd: Record<string, unknown>): MonCommandResult {
    const c = this.cluster;
    switch (prefix) {
      case "sim host add": {
        const name = str(cmd.hostname) ?? "";
        if (c.hostNames().includes(name)) return err(-EEXIST, `host ${name} already exists`);
        const disks = cmd.disks === undefined ? DEFAULT_DISKS : Number(cmd.disks);
        try {
          c.addHost(name, disks);
        } catch (e) {
          return err(-EINVAL, (e as Error).message);
        }
        return ok("", `added host ${name} with ${disks} disks`);
      }
      case "sim host ls":
        return ok(JSON.stringify(c.hostNames().map((h) => this.#host(h))));
      case "sim osd create": {
        const name = str(cmd.hostname) ?? "";
        if (!c.hostNames().includes(name)) return err(-ENOENT, `no host ${name}`);
        const disks = c.hostDisks(name);
        const path = str(cmd.path);
        const disk = path === undefined ? undefined : disks.find((d) => d.path === path);
        if (path !== undefined && !disk) return err(-ENOENT, `host ${name} has no disk ${path}`);
        if (disk && disk.osd >= 0) return err(-EEXIST, `${path} on ${name} is osd.${disk.osd}'s`);
        const free = disks.find((d) => d.osd < 0);
        if (!free) return err(-ENOSPC, `host ${name} has no available disk`);
        if (disk && disk !== free) {
          // The simulated OSDs name their disk by their place in the host.
          return err(-EINVAL, `host ${name} fills its disks in order: the next is ${free.path}`);
        }
        const id = c.createOsd(name);
        return ok(JSON.stringify({ osd: id, host: name, path: free.path }), `created osd.${id}`);
      }
    }
    return err(-EINVAL, "command not known");
  }

  #host(name: string): SimHostInfo {
    const c = this.cluster;
    const bucket = c.map.crush.bucketId(name);
    return {
      hostname: name,
      addr: bucket === undefined ? "" : hostIp(c.map.crush, bucket),
      disks: c.hostDisks(name).map((d) => ({ ...d, size: c.diskBytes })),
    };
  }
}
