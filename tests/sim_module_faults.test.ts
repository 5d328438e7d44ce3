import assert from "node:assert/strict";
import { managerParticipant } from "../sim/manager_participant.ts";
import { runScenario } from "../sim/runner/run.ts";
import { loadScenario } from "../sim/runner/scenario.ts";

Deno.test("module faults: a crash shows as MGR_MODULE_ERROR, a throwing notify and a hung shutdown do not stop the manager", async () => {
  const participant = managerParticipant();
  const scenario = loadScenario("module-faults");
  const seen: { failed: string[]; running: string[]; log: string[] } = {
    failed: [],
    running: [],
    log: [],
  };
  const r = await runScenario(scenario, 1, {
    participants: [{
      start: (clock, cluster) => participant.start(clock, cluster),
      async stop() {
        const active = participant.managers().find((m) => m.isActive())!;
        seen.failed = (active.health().checks.MGR_MODULE_ERROR?.detail ?? []).map((d) => d.message);
        seen.running = active.host.activeNames().filter((n) => active.host.isHealthy(n)).sort();
        await participant.stop();
        seen.log = [...active.log.recent];
      },
      failures: () => participant.failures!(),
    }],
  });
  assert.equal(r.verdict, "PASS", r.failures.join("\n"));
  assert.deepEqual(seen.failed, [
    "Module 'hello' has failed: Synthetic exception in serve (injected module fault)",
  ]);
  assert.ok(seen.running.includes("progress"), "progress survived its throwing notify()");
  assert.ok(seen.running.includes("iostat"));
  assert.ok(seen.log.some((l) => l.includes("module progress notify(")));
  assert.ok(seen.log.some((l) => l.includes("module iostat did not stop within 10s; moving on")));
});
