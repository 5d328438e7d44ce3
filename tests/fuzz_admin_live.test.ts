/**
 * The fuzz run of issue 13: commands generated from every descriptor a live daemon serves
 * (mon, manager, modules, sim), valid and invalid, sent over HTTP; after each the daemon must
 * be alive and answering, with no 5xx. `MGRD_FUZZ_RUNS` sets the number of commands (500 by
 * default; the run is 10,000), `FC_SEED` replays a run.
 */
import assert from "node:assert/strict";
import { resolveTarget } from "../core/client/daemon_client.ts";
import type { CommandDescription } from "../core/commands/descriptions.ts";
import { propertySeed } from "./_commands_arbitraries.ts";
import { fuzzCommands } from "./_fuzz_commands.ts";
import { startDaemon } from "./_daemon.ts";

/** The daemon's resident set in KiB, from `ps` (reading /proc of another process needs -A). */
async function rssKiB(pid: number): Promise<number> {
  const out = await new Deno.Command("ps", { args: ["-o", "rss=", "-p", String(pid)] }).output();
  return Number(new TextDecoder().decode(out.stdout).trim());
}

Deno.test("a live daemon stays up and answers every generated command, valid or not", async () => {
  const seed = propertySeed();
  const runs = Number(Deno.env.get("MGRD_FUZZ_RUNS") ?? 500);
  const verbose = (Deno.env.get("MGRD_FUZZ_VERBOSE") ?? "").split(",").filter(Boolean);
  const dir = await Deno.makeTempDir({ prefix: "mgrd-fuzz-" });
  const daemon = await startDaemon(
    dir,
    "--initial-modules",
    "hello iostat selftest crash balancer pg_autoscaler orchestrator sim_orchestrator",
  );
  try {
    const target = await resolveTarget({ dataDir: dir, entity: "client.admin" });
    const headers = { authorization: `Bearer ${target.key}` };
    const descs = Object.values(
      await (await fetch(`${target.url}/api/v1/commands`, { headers })).json(),
    ) as CommandDescription[];
    // MGRD_FUZZ_ONLY=crash,balancer keeps the descriptors whose prefix starts so.
    const only = (Deno.env.get("MGRD_FUZZ_ONLY") ?? "").split(",").filter(Boolean);
    const chosen = only.length === 0
      ? descs
      : descs.filter((d) =>
        only.some((p) => d.sig.filter((w) => typeof w === "string").join(" ").startsWith(p))
      );
    const commands = fuzzCommands(chosen, runs, seed);
    const simEvents = async () => {
      const res = await fetch(`${target.url}/api/v1/command`, {
        method: "POST",
        headers,
        body: JSON.stringify({ prefix: "sim status" }),
      });
      return JSON.parse((await res.json()).stdout).events as number;
    };
    const eventsBefore = await simEvents();
    const rssBefore = await rssKiB(daemon.pid);
    const started = performance.now();
    const retvals = new Map<number, number>();
    const statuses = new Map<number, number>();
    // RSS once the daemon has warmed up (its heap grown to its working size): the tenth command.
    let rssWarm = NaN;
    // RSS (MiB) at every tenth of the run: where it levels off.
    const rssSteps: number[] = [];
    for (const [i, cmd] of commands.entries()) {
      if (i === Math.floor(commands.length / 10)) rssWarm = await rssKiB(daemon.pid);
      if (i % Math.max(1, Math.floor(commands.length / 10)) === 0) {
        rssSteps.push(Math.round((await rssKiB(daemon.pid)) / 1024));
      }
      const where = `command ${i} of seed ${seed}: ${JSON.stringify(cmd).slice(0, 300)}`;
      let res: Response;
      try {
        res = await fetch(`${target.url}/api/v1/command`, {
          method: "POST",
          headers,
          body: JSON.stringify(cmd),
          signal: AbortSignal.timeout(90_000),
        });
      } catch (e) {
        throw new Error(`the daemon did not answer ${where}: ${e}`);
      }
      assert.ok(res.status < 500, `HTTP ${res.status} for ${where}`);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const body = await res.json();
      // MGRD_FUZZ_VERBOSE=sim,mgr prints the commands of those prefixes and their answers.
      if (verbose.some((p) => typeof cmd.prefix === "string" && cmd.prefix.startsWith(p))) {
        console.log(
          `${JSON.stringify(cmd).slice(0, 200)} -> ${JSON.stringify(body).slice(0, 200)}`,
        );
      }
      if (res.status === 200) {
        assert.equal(typeof body.retval, "number", where);
        // The endpoint's answer when the manager itself threw: a bug, whatever the input.
        assert.ok(!String(body.stderr).startsWith("command failed: "), `${where}: ${body.stderr}`);
        retvals.set(body.retval, (retvals.get(body.retval) ?? 0) + 1);
      }
    }
    const health = await fetch(`${target.url}/api/v1/health`, { headers });
    assert.equal(health.status, 200);
    const report = await health.json();
    // What the run did to modules (failed ones answer EIO): reported, not a failure of the run.
    for (const d of report.checks?.MGR_MODULE_ERROR?.detail ?? []) {
      console.log(`fuzz: ${d.message}`);
    }
    const rssAfter = await rssKiB(daemon.pid);
    // The embedded cluster still runs, and nothing went uncaught on the way.
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok((await simEvents()) > eventsBefore, "the embedded cluster stopped running");
    const log = Deno.readTextFileSync(`${dir}/log/mgrd.x.log`);
    const uncaught = log.split("\n").filter((l) =>
      /raised by no module|the daemon carries on|an event failed/.test(l)
    );
    assert.deepEqual(uncaught, [], `uncaught errors in the daemon log (seed ${seed})`);
    console.log(
      `fuzz: ${commands.length} commands in ${
        ((performance.now() - started) / 1000).toFixed(1)
      }s; ` +
        `RSS ${rssBefore} KiB at start, ${rssWarm} KiB after 10% of the run, ${rssAfter} KiB at the end ` +
        `(MiB at each tenth: ${rssSteps.join(" ")}); HTTP ${JSON.stringify([...statuses])}; ` +
        `retvals ${JSON.stringify([...retvals])}`,
    );
  } finally {
    daemon.kill("SIGTERM");
    const status = await daemon.status;
    await Deno.remove(dir, { recursive: true });
    assert.equal(status.code, 0, "the daemon stopped cleanly on SIGTERM");
  }
});
