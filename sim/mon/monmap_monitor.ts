/**
 * MonmapMonitor: `mon stat`, over the simulated cluster's mons (the monmap, the quorum and the
 * elections of sim/cluster/mons.ts). Output as Ceph 16.2's src/mon/MonmapMonitor.cc prints it,
 * checked against a real 16.2.15 cluster (tests/ceph-reference/cli/oracle/mon_stat_json.txt).
 *
 * @module
 */
import type { CommandSignature, MonCommandResult } from "../../core/cluster_link.ts";
import type { SimCluster } from "../cluster/cluster.ts";
import { type Monitor, ok } from "./monitor.ts";

// deno-fmt-ignore
const MONMAP_COMMANDS: readonly CommandSignature[] = [
  { sig: "mon stat", help: "summarize monitor status", perm: "r" },
];

/** The embedded mon's MonmapMonitor, over a simulated cluster's mons. */
export class MonmapMonitor implements Monitor {
  readonly commands = MONMAP_COMMANDS;
  readonly #cluster: SimCluster;

  constructor(cluster: SimCluster) {
    this.#cluster = cluster;
  }

  handle(_prefix: string, cmd: Record<string, unknown>): MonCommandResult {
    return ok(this.#monStat(cmd));
  }

  #monStat(cmd: Record<string, unknown>): string {
    const mons = this.#cluster.mons;
    const leader = mons.leaderName() ?? "";
    const quorum = [...mons.quorum].sort((a, b) => a - b);
    if (cmd.format === "json" || cmd.format === "json-pretty") {
      const stat = {
        epoch: mons.monmapEpoch,
        min_mon_release_name: "pacific",
        num_mons: mons.names.length,
        leader,
        quorum: quorum.map((rank) => ({ rank, name: mons.names[rank] })),
      };
      // The dump ends with a newline in either JSON format.
      return (cmd.format === "json-pretty" ? JSON.stringify(stat, null, 4) : JSON.stringify(stat)) +
        "\n";
    }
    const addrs = mons.names.map((n, r) =>
      `${n}=[v2:${mons.ips[r]}:3300/0,v1:${mons.ips[r]}:6789/0]`
    );
    return `e${mons.monmapEpoch}: ${mons.names.length} mons at {${addrs.join(",")}}` +
      ` removed_ranks: {}, election epoch ${mons.electionEpoch}, leader ${mons.leader} ${leader},` +
      ` quorum ${quorum.join(",")} ${quorum.map((r) => mons.names[r]).join(",")}\n`;
  }
}
