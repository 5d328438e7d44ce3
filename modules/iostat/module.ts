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
      out += this.get_pretty_header(
        ["Read", "Write", "Total", "Read IOPS", "Write IOPS", "Total IOPS"],
        width,
      );
    }
    out += this.get_pretty_row([
      `${this.to_pretty_iec(rd)}B/s`,
      `${this.to_pretty_iec(wr)}B/s`,
      `${this.to_pretty_iec(rd + wr)}B/s`,
      String(rdOps),
      String(wrOps),
      String(rdOps + wrOps),
    ], width);
    return new HandleCommandResult(0, out, stale);
  }
}
