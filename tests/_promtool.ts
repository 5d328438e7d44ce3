/** Prometheus' own checker, when Debian's prometheus package is installed (.ci/run tries). */

/** Whether `promtool` runs on this machine. */
export async function havePromtool(): Promise<boolean> {
  try {
    const out = await new Deno.Command("promtool", { args: ["--version"], stdout: "null" })
      .output();
    return out.success;
  } catch {
    return false;
  }
}

/** `promtool check metrics` on a page: its exit code and every line it printed. */
export async function promtool(text: string): Promise<{ code: number; problems: string[] }> {
  const child = new Deno.Command("promtool", {
    args: ["check", "metrics"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const out = await child.output();
  const problems = (new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr))
    .split("\n").filter((l) => l.trim() !== "");
  return { code: out.code, problems };
}

/**
 * Whether a promtool lint line is about one of Ceph's own metric names, which its alerts and
 * dashboards query by: counters without `_total`, the gauges `ceph_pg_total` and
 * `ceph_mds_sessions_session_count`, units in names (`ceph_osd_apply_latency_ms`,
 * `..._per_sec`) and the colon of `ceph_prioritycache:*`.
 */
export function isCephNameLint(problem: string): boolean {
  return problem.endsWith('counter metrics should have "_total" suffix') ||
    problem === 'ceph_pg_total non-counter metrics should not have "_total" suffix' ||
    problem ===
      'ceph_mds_sessions_session_count non-histogram and non-summary metrics should not have "_count" suffix' ||
    /^ceph_prioritycache:[a-z]+_[a-z0-9_]+ metric names should not contain ':'$/.test(problem) ||
    /^ceph_(osd_(apply|commit)_latency_ms|pool_recovering_[a-z]+_per_sec) metric names should not contain abbreviated units$/
      .test(problem);
}
