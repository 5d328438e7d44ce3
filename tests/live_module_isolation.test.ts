import assert from "node:assert/strict";
import { resolveTarget } from "../core/client/daemon_client.ts";
import { startDaemon, until } from "./_daemon.ts";

const ISOLATED = new URL("./fixtures/isolated/", import.meta.url).pathname;

/** The processes `pid` started (each thread's children). */
async function childrenOf(pid: number): Promise<number[]> {
  const out: number[] = [];
  for await (const task of Deno.readDir(`/proc/${pid}/task`)) {
    const text = await Deno.readTextFile(`/proc/${pid}/task/${task.name}/children`)
      .catch(() => "");
    out.push(...text.split(" ").filter((w) => w !== "").map(Number));
  }
  return out;
}

/** CPU time `/proc/<path>` (a process or a thread) has used: clock ticks, user and system. */
async function cpuTicks(path: string): Promise<number | undefined> {
  const stat = await Deno.readTextFile(`/proc/${path}/stat`).catch(() => undefined);
  if (stat === undefined) return undefined;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 14 and 15 of proc(5), counted from the state (field 3) here.
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * The threads of `pids` (as `pid/task/tid`) that used the CPU in every one of four windows of
 * 500 ms: a loop that never yields does (at least 3 ticks each, even on a machine shared with
 * others), a thread that waits for work does not.
 */
async function spinningThreads(pids: number[]): Promise<string[]> {
  const threads: string[] = [];
  for (const pid of pids) {
    for await (const t of Deno.readDir(`/proc/${pid}/task`)) threads.push(`${pid}/task/${t.name}`);
  }
  let last = await Promise.all(threads.map(cpuTicks));
  let busy = threads.map(() => true);
  for (let w = 0; w < 4; w++) {
    await new Promise((r) => setTimeout(r, 500));
    const now = await Promise.all(threads.map(cpuTicks));
    busy = busy.map((b, i) =>
      b && now[i] !== undefined && last[i] !== undefined && now[i]! - last[i]! >= 3
    );
    last = now;
  }
  return threads.filter((_, i) => busy[i]);
}

const exists = (pid: number) => Deno.stat(`/proc/${pid}`).then(() => true, () => false);

/** The daemon's module processes (core/module_worker/process_main.ts). */
async function moduleProcesses(daemon: number): Promise<number[]> {
  const out: number[] = [];
  for (const pid of await childrenOf(daemon)) {
    const cmdline = await Deno.readTextFile(`/proc/${pid}/cmdline`).catch(() => "");
    if (cmdline.includes("process_main.ts")) out.push(pid);
  }
  return out;
}

/**
 * SIGTERM to the daemon; its exit code. A daemon not gone within 30 s is killed, with its
 * module processes, and the test fails rather than hang.
 */
async function terminate(daemon: Deno.ChildProcess): Promise<number> {
  const modules = await moduleProcesses(daemon.pid);
  daemon.kill("SIGTERM");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const status = await Promise.race([
    daemon.status,
    new Promise<undefined>((r) => timer = setTimeout(() => r(undefined), 30000)),
  ]);
  clearTimeout(timer);
  if (status) return status.code;
  for (const pid of modules) Deno.kill(pid, "SIGKILL");
  daemon.kill("SIGKILL");
  await daemon.status;
  throw new Error("SIGTERM did not end the daemon within 30 s");
}

Deno.test("a third-party module that spins in its Worker stalls nothing else: other modules, health, the beacon; health names it, its command answers ETIMEDOUT, disable and shutdown end its process", async () => {
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
  let terminated = false;
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

    // The spin is in a process of the module's own: one of the two module processes burns a
    // CPU, the daemon's does not.
    const processes = await moduleProcesses(daemon.pid);
    assert.equal(processes.length, 2, `spinbox's and neighbour's processes: ${processes}`);
    let hot: string[] = [];
    // A machine shared with others may not give the loop its share in every window at once.
    await until("one thread to spin", async () => {
      hot = await spinningThreads([daemon.pid, ...processes]);
      return hot.length === 1;
    }, 20);
    const spinner = Number(hot[0]!.split("/")[0]);
    assert.ok(processes.includes(spinner), "the spinning thread is a module process's");
    const neighbourPid = processes.find((p) => p !== spinner)!;

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
    // Disabled, its process is ended for real (SIGKILL), loop and all; the respawn (a new
    // manager, as ceph-mgr's) started neighbour again in a new process and ended the old one.
    await until("spinbox's process to be gone", async () => !(await exists(spinner)), 10);
    await until("the old neighbour process to be gone", async () => !(await exists(neighbourPid)));
    await until(
      "neighbour to answer after the respawn",
      async () => (await command({ prefix: "neighbour osd epoch" })).retval === 0,
    );
    const after = await moduleProcesses(daemon.pid);
    assert.equal(after.length, 1, `only neighbour's process is left: ${after}`);
    assert.ok(!after.includes(spinner) && !after.includes(neighbourPid));
    // Nothing spins any more, in the daemon or in a module's process.
    await until(
      "no thread to spin",
      async () => (await spinningThreads([daemon.pid, ...after])).length === 0,
      10,
    );

    // Shutdown ends a module that spins too: enabled again and spinning, SIGTERM ends the
    // daemon (its bound) and every module process with it.
    const enable = await command({ prefix: "mgr module enable", module: "spinbox" });
    assert.equal(enable.retval, 0, enable.stderr);
    await until(
      "spinbox to answer again",
      async () => (await command({ prefix: "spinbox ping" })).retval === 0,
    );
    void command({ prefix: "spinbox spin", ms: 120000 }).catch(() => {});
    await until(
      "health to name the module spinning again",
      async () => (await blockedFor()) !== undefined,
      10,
    );
    const last = await moduleProcesses(daemon.pid);
    assert.equal(last.length, 2, `spinbox's and neighbour's processes: ${last}`);
    terminated = true;
    assert.equal(await terminate(daemon), 0);
    for (const pid of last) assert.equal(await exists(pid), false, `module process ${pid} gone`);
  } finally {
    try {
      if (!terminated) assert.equal(await terminate(daemon), 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test("a daemon killed by SIGKILL leaves no module process behind, even one that spins", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mgrd-isolate-" });
  const daemon = await startDaemon(
    dir,
    "--mgr-module-path",
    ISOLATED,
    "--initial-modules",
    "spinbox neighbour",
  );
  let modules: number[] = [];
  try {
    const target = await resolveTarget({ dataDir: dir, entity: "client.admin" });
    const command = async (cmd: Record<string, unknown>) => {
      const res = await fetch(`${target.url}/api/v1/command`, {
        method: "POST",
        headers: { authorization: `Bearer ${target.key}` },
        body: JSON.stringify(cmd),
      });
      return await res.json() as { retval: number };
    };
    await until(
      "both modules to answer",
      async () =>
        (await command({ prefix: "spinbox ping" })).retval === 0 &&
        (await command({ prefix: "neighbour osd epoch" })).retval === 0,
    );
    modules = await moduleProcesses(daemon.pid);
    assert.equal(modules.length, 2, `spinbox's and neighbour's processes: ${modules}`);
    void command({ prefix: "spinbox spin", ms: 120000 }).catch(() => {});
    await until(
      "a module thread to spin",
      async () => (await spinningThreads(modules)).length === 1,
      20,
    );
    daemon.kill("SIGKILL");
    await daemon.status;
    // Their stdin ends with the daemon: each ends itself, the spinning one too.
    await until("the module processes to end", async () => {
      const alive = await Promise.all(modules.map(exists));
      return !alive.some((a) => a);
    }, 10);
  } finally {
    for (const pid of modules) {
      if (await exists(pid)) Deno.kill(pid, "SIGKILL");
    }
    // A wait above that failed left the daemon running: end it, or the test waits for ever.
    try {
      daemon.kill("SIGKILL");
    } catch {
      // Ended already.
    }
    await daemon.status;
    await Deno.remove(dir, { recursive: true });
  }
});
