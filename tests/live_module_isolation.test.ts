import assert from "node:assert/strict";
import { resolveTarget } from "../core/client/daemon_client.ts";
import { startDaemon, until } from "./_daemon.ts";

const ISOLATED = new URL("./fixtures/isolated/", import.meta.url).pathname;

Deno.test("a third-party module that spins in its Worker stalls nothing else: other modules, health, the beacon; health names it, its command answers ETIMEDOUT, and disable stops it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mgrd-isolate-" });
  const daemon = await startDaemon(
    dir,
    "--mgr-module-path",
    ISOLATED,
    "--initial-modules",
    "spinbox neighbour",
    "--standby",
    "y",
  );
  try {
    const target = await resolveTarget({ dataDir: dir, entity: "client.admin" });
    const headers = { authorization: `Bearer ${target.key}` };
    const command = async (cmd: Record<string, unknown>) => {
      const res = await fetch(`${target.url}/api/v1/command`, {
        method: "POST",
        headers,
        body: JSON.stringify(cmd),
      });
      return await res.json() as { retval: number; stdout: string; stderr: string };
    };
    const health = async () => {
      const res = await fetch(`${target.url}/api/v1/health`, { headers });
      assert.equal(res.status, 200);
      return await res.json() as {
        checks: Record<string, { detail: { message: string }[] }>;
      };
    };
    const blockedFor = async (): Promise<number | undefined> => {
      const messages = (await health()).checks.MGR_MODULE_ERROR?.detail.map((d) => d.message) ??
        [];
      const m = messages.map((t) =>
        /^Module 'spinbox' has failed: blocked its worker for (\d+\.\d)s in command 'spinbox spin'/
          .exec(t)
      ).find((x) => x);
      return m ? Number(m[1]) : undefined;
    };
    const mgrDump = async () =>
      JSON.parse((await command({ prefix: "mgr dump", format: "json" })).stdout) as {
        active_gid: number;
        active_name: string;
        standbys: { name: string }[];
      };
    await until("both modules to answer", async () => {
      const [a, b] = await Promise.all([
        command({ prefix: "spinbox ping" }),
        command({ prefix: "neighbour osd epoch" }),
      ]);
      return a.retval === 0 && b.retval === 0;
    });
    await until(
      "mgr.y to be a standby",
      async () => (await mgrDump()).standbys.some((s) => s.name === "y"),
    );
    // A manager whose beacon stopped for longer than this would be failed over to mgr.y.
    const grace = await command({
      prefix: "config set",
      who: "mon",
      name: "mon_mgr_beacon_grace",
      value: "5",
    });
    assert.equal(grace.retval, 0, grace.stderr);
    const before = await mgrDump();
    assert.equal(before.active_name, "x");

    // Longer than the test waits: only terminate() can end it.
    const spinning = command({ prefix: "spinbox spin", ms: 120000 });
    const spin = await spinning;
    assert.equal(spin.retval, -110, spin.stderr);
    assert.match(spin.stderr, /blocked its worker for \d+\.\ds in command 'spinbox spin'/);
    // The mon's health has the manager's checks from its next beacon, sent at once.
    await until(
      "health to name the module while it spins",
      async () => (await blockedFor()) !== undefined,
      10,
    );

    // While it spins: the other module answers from the cluster's current state, the endpoint
    // answers, and the module's own commands are refused (it has failed) instead of waiting.
    const epoch = await command({ prefix: "neighbour osd epoch" });
    assert.equal(epoch.retval, 0, epoch.stderr);
    assert.ok(Number(epoch.stdout) > 0);
    const ping = await command({ prefix: "spinbox ping" });
    assert.equal(ping.retval, -5, ping.stderr);

    // Past the beacon grace, still spinning: no failover, as the beacon went on.
    await until("the spin to outlast the beacon grace", async () => (await blockedFor() ?? 0) > 7);
    const during = await mgrDump();
    assert.equal(during.active_name, "x");
    assert.equal(during.active_gid, before.active_gid, "no failover while the module spins");
    assert.equal((await command({ prefix: "neighbour osd epoch" })).retval, 0);

    const disable = await command({ prefix: "mgr module disable", module: "spinbox" });
    assert.equal(disable.retval, 0, disable.stderr);
    await until(
      "the module to be gone from health",
      async () => (await blockedFor()) === undefined,
    );
    const gone = await command({ prefix: "spinbox ping" });
    assert.equal(gone.retval, -95, gone.stderr);
    await until(
      "neighbour to answer after the respawn",
      async () => (await command({ prefix: "neighbour osd epoch" })).retval === 0,
    );
    // Deno 2.9's Worker.terminate() does not interrupt a loop (denoland/deno#35657): the spin
    // goes on in its thread, unheard. SIGTERM still ends the daemon (the finally below).
  } finally {
    daemon.kill("SIGTERM");
    const { code } = await daemon.status;
    await Deno.remove(dir, { recursive: true });
    assert.equal(code, 0);
  }
});
