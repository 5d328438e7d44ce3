import assert from "node:assert/strict";
import { resolveTarget } from "../core/client/daemon_client.ts";
import { startDaemon } from "./_daemon.ts";

const UNRULY = new URL("./fixtures/unruly/", import.meta.url).pathname;

Deno.test("while a module in the manager's thread spins, the admin endpoint still answers health and names the module; afterwards the module is failed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mgrd-stall-" });
  // The module in the manager's own thread, as the built-in ones run (a module of
  // mgr_module_path runs in a Worker of its own: tests/live_module_isolation.test.ts).
  const daemon = await startDaemon(
    dir,
    "--mgr-module-path",
    UNRULY,
    "--initial-modules",
    "spinner",
    "--in-process-modules",
  );
  try {
    const target = await resolveTarget({ dataDir: dir, entity: "client.admin" });
    const headers = { authorization: `Bearer ${target.key}` };
    const health = async () => {
      const t0 = performance.now();
      const res = await fetch(`${target.url}/api/v1/health`, { headers });
      const body = await res.json();
      return { ms: performance.now() - t0, status: res.status, body };
    };
    assert.equal((await health()).status, 200);
    const spinning = fetch(`${target.url}/api/v1/command`, {
      method: "POST",
      headers,
      body: JSON.stringify({ prefix: "spinner spin", ms: 4000 }),
    });
    await new Promise((r) => setTimeout(r, 800));
    const during = await health();
    console.log(
      `health while the module spins: HTTP ${during.status} in ${during.ms.toFixed(1)} ms`,
    );
    assert.equal(during.status, 200);
    const messages = during.body.checks.MGR_MODULE_ERROR.detail.map((d: { message: string }) =>
      d.message
    );
    assert.ok(
      messages.some((m: string) =>
        /Module 'spinner' has held the manager's thread for \d+\.\ds in command 'spinner spin'/
          .test(m)
      ),
      messages.join("\n"),
    );
    const answer = await (await spinning).json();
    assert.equal(answer.stdout, "spun");
    const after = await health();
    assert.match(
      JSON.stringify(after.body.checks.MGR_MODULE_ERROR),
      /Module 'spinner' has failed: blocked the manager for 4\.\ds in command 'spinner spin'/,
    );
    // Without a token the front gives nothing away, stalled or not.
    const anonymous = await fetch(`${target.url}/api/v1/health`);
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();
  } finally {
    daemon.kill("SIGTERM");
    const { code } = await daemon.status;
    await Deno.remove(dir, { recursive: true });
    assert.equal(code, 0);
  }
});
