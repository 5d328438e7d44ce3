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
