/**
 * For tests of modules that do real I/O (sockets, a child process) on a simulated cluster: the
 * cluster's virtual time only moves when the test moves it, while the module's I/O needs real
 * time, so a command is driven by both until it answers.
 */
import type { TestCluster } from "mgr_module/testing";

/** Two hosts of two OSDs and one small pool: enough for a module to have every kind of stat. */
export const SMALL_CLUSTER = {
  hosts: 2,
  osdsPerHost: 2,
  pools: [{ name: "rbd", pgNum: 8, size: 2 }],
};

/**
 * Runs `cmd` on the active manager, moving virtual time by zero-second steps (so mon round trips
 * complete) with 5 ms of real time between them, for at most `steps` steps.
 */
export async function commandWithRealIo(
  c: TestCluster,
  cmd: Record<string, unknown>,
  steps = 400,
) {
  let done = false;
  const answer = c.manager.command(cmd).finally(() => done = true);
  for (let i = 0; i < steps && !done; i++) {
    await c.run(0);
    await new Promise((r) => setTimeout(r, 5));
  }
  return await answer;
}

/** The last line of a Ceph answer's stderr (a Python traceback ends with the exception). */
export function lastErrorLine(text: string): string {
  return text.trimEnd().split("\n").at(-1)!.replace(/^Error E[A-Z]+: /, "");
}
