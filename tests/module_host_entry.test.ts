/**
 * The compiled binary starts each module's process as `mgrd __module-host <name>` (its own
 * executable, daemon/module_processes.ts). There is no denort here to compile one, so this
 * runs the program the binary holds, main.ts, with that subcommand, and drives a module
 * through it as the daemon would.
 */
import assert from "node:assert/strict";
import { startTestCluster } from "../sim/testing.ts";
import { MODULE_HOST_COMMAND, processPort } from "../daemon/module_processes.ts";
import { realTime } from "../daemon/module_workers.ts";

const FIXTURES = new URL("./fixtures/module_process/", import.meta.url).pathname;
const MAIN = new URL("../main.ts", import.meta.url).pathname;
const CONFIG = new URL("../deno.json", import.meta.url).pathname;

Deno.test("`main.ts __module-host` hosts a module as its process: it answers commands, reads the cluster, and ends when the manager stops it", async () => {
  const c = await startTestCluster({
    modulePaths: [FIXTURES],
    initialModules: ["steady"],
    cluster: { hosts: 1, osdsPerHost: 2, pools: [{ name: "rbd", pgNum: 8 }] },
    isolation: {
      isolates: (r) => r.source !== "builtin",
      spawn: (r) =>
        processPort(r.name, {
          program: Deno.execPath(),
          args: [
            "run",
            "--allow-all",
            "--quiet",
            "--config",
            CONFIG,
            MAIN,
            MODULE_HOST_COMMAND,
            r.name,
          ],
        }),
      ...realTime(),
    },
  });
  try {
    const steady = c.manager.host.isolated("steady")!;
    await steady.ready;
    const cmdline = await Deno.readTextFile(`/proc/${steady.pid}/cmdline`);
    assert.ok(cmdline.split("\0").includes(MODULE_HOST_COMMAND), cmdline);
    await c.run(5);
    const r = await c.command({ prefix: "steady epoch" });
    assert.equal(r.r, 0, r.outs);
    assert.equal(Number(r.outb), (c.manager.get("osd_map") as { epoch: number }).epoch);
    await c.manager.host.reconcile([]);
    await steady.ended;
    assert.equal(await Deno.stat(`/proc/${steady.pid}`).then(() => true, () => false), false);
  } finally {
    await c.stop();
  }
});
