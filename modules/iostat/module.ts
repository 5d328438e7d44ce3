/**
 * iostat — the cluster's client IO per second, one table row per call, as Ceph's iostat
 * module prints it. The command is a poll command: `ceph iostat --period 1` re-runs it.
 * While the manager has no mon session it still answers, from the last statistics it received,
 * with a warning on stderr.
 *
 * @module
 */
import { CLIReadCommand, EINVAL, HandleCommandResult, MgrModule } from "mgr_module";

interface IoRate {
  pg_stats_delta?: {
    stamp_delta?: string | number;
    stat_sum?: {
      num_read?: number;
      num_read_kb?: number;
      num_write?: number;
      num_write_kb?: number;
    };
  };
}

const _IEC: readonly [number, string][] = [
  [60, "Ei"],
  [50, "Pi"],
  [40, "Ti"],
  [30, "Gi"],
  [20, "Mi"],
  [10, "Ki"],
];

/**
 * `MgrModule.to_pretty_iec`: whole units once the value exceeds ten of them.
 *
 * @example
 * ```ts
 * import { toPrettyIec } from "./module.ts";
 * console.assert(toPrettyIec(0) === "0 ");
 * console.assert(toPrettyIec(64 * 1024 * 1024) === "64 Mi");
 * ```
 */
export function toPrettyIec(n: number): string {
  for (const [bits, suffix] of _IEC) {
    if (n > 10 * 2 ** bits) return `${Math.floor(n / 2 ** bits)} ${suffix}`;
  }
  return `${n} `;
}

/**
 * `MgrModule.get_pretty_row`: each element right-aligned in `width / n` columns, `|`-separated.
 *
 * @example
 * ```ts
 * import { prettyRow } from "./module.ts";
 * console.assert(prettyRow(["a", "b"], 10) === "|  a |  b |");
 * ```
 */
export function prettyRow(elems: readonly string[], width: number): string {
  const inner = Math.max(0, Math.floor(width / elems.length) - 2);
  return "|" + elems.map((e) => `${e.padStart(inner)} |`).join("");
}

/**
 * `MgrModule.get_pretty_header`: the row of titles between two dashed lines.
 *
 * @example
 * ```ts
 * import { prettyHeader } from "./module.ts";
 * console.assert(prettyHeader(["a", "b"], 10) === "+----+----+\n|  a |  b |\n+----+----+\n");
 * ```
 */
export function prettyHeader(elems: readonly string[], width: number): string {
  const dashes = "+" + `${"-".repeat(Math.max(0, Math.floor(width / elems.length) - 1))}+`
    .repeat(elems.length) +
    "\n";
  return dashes + prettyRow(elems, width) + "\n" + dashes;
}

/** What `iostat` says on stderr while the manager has no mon connection. */
export const NO_MON_CONNECTION =
  "Warning: the manager has no mon connection; these rates are from the last cluster maps and " +
  "statistics it received and may be stale";

/**
 * The widest table `iostat` draws. Ceph declares no bound and would build a row of any width;
 * a read-only caller must not be able to make the daemon build a 500 MB answer.
 */
export const MAX_WIDTH = 4096;

/** The iostat module: `iostat [<width:int>] [--print-header]`. */
export class Iostat extends MgrModule {
  override self_test(): void {
    const r = this.get("io_rate") as IoRate | null;
    const sum = r?.pg_stats_delta?.stat_sum;
    if (r?.pg_stats_delta?.stamp_delta === undefined || !sum) {
      throw new Error("io_rate has no pg_stats_delta with stamp_delta and stat_sum");
    }
    for (const key of ["num_read_kb", "num_write_kb", "num_write", "num_read"] as const) {
      if (typeof sum[key] !== "number") throw new Error(`io_rate stat_sum has no ${key}`);
    }
  }

  @CLIReadCommand("iostat", {
    args: {
      width: { type: "int", optional: true },
      print_header: { type: "bool", optional: true },
    },
    desc: "Get IO rates",
    poll: true,
  })
  iostat({ width = 80, print_header = false }: { width?: number; print_header?: boolean }) {
    if (!(width >= 0 && width <= MAX_WIDTH)) {
      return new HandleCommandResult(-EINVAL, "", `width must be in 0..${MAX_WIDTH}, got ${width}`);
    }
    const stale = this.have_mon_connection() ? "" : NO_MON_CONNECTION;
    const delta = (this.get("io_rate") as IoRate | null)?.pg_stats_delta;
    const seconds = Math.trunc(Number(delta?.stamp_delta ?? 0)) || 0;
    let rd = 0;
    let wr = 0;
    let rdOps = 0;
    let wrOps = 0;
    if (seconds > 0) {
      const sum = delta?.stat_sum ?? {};
      // The sums are in KiB: whole KiB per second, then bytes.
      rd = Math.floor((sum.num_read_kb ?? 0) / seconds) * 1024;
      wr = Math.floor((sum.num_write_kb ?? 0) / seconds) * 1024;
      rdOps = Math.floor((sum.num_read ?? 0) / seconds);
      wrOps = Math.floor((sum.num_write ?? 0) / seconds);
    }
    let out = "";
    if (print_header) {
      out += prettyHeader(
        ["Read", "Write", "Total", "Read IOPS", "Write IOPS", "Total IOPS"],
        width,
      );
    }
    out += prettyRow([
      `${toPrettyIec(rd)}B/s`,
      `${toPrettyIec(wr)}B/s`,
      `${toPrettyIec(rd + wr)}B/s`,
      String(rdOps),
      String(wrOps),
      String(rdOps + wrOps),
    ], width);
    return new HandleCommandResult(0, out, stale);
  }
}
