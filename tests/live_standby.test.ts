import assert from "node:assert/strict";
import { ceph, MAIN, startDaemon, until } from "./_daemon.ts";

/** The admin key `mgrd serve` wrote for client.admin. */
function adminKey(dir: string): string {
  const m = /\[client\.admin\][^[]*?key = (\S+)/.exec(Deno.readTextFileSync(`${dir}/keyring`));
  assert.ok(m, "client.admin in the keyring");
  return m[1]!;
}

async function activeName(dir: string): Promise<string> {
  const r = await ceph(dir, "mgr", "stat");
  assert.equal(r.rc, 0, r.stderr);
  return JSON.parse(r.stdout).active_name;
}

Deno.test("mgrd serve --standby: the standby's endpoint redirects to the active one, and after mgr fail the roles swap", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mgrd-standby-" });
  const daemon = await startDaemon(dir, "--standby", "y");
  try {
    await until("the standby's url file", async () => {
      try {
        return (await Deno.stat(`${dir}/mgrd.y.url`)).isFile;
      } catch {
        return false;
      }
    });
    const urlOf = (id: string) => Deno.readTextFileSync(`${dir}/mgrd.${id}.url`).trim();
    const [x, y] = [urlOf("x"), urlOf("y")];
    const auth = { authorization: `Bearer ${adminKey(dir)}` };
    await until("mgr.y to be a standby", async () => {
      const stat = JSON.parse((await ceph(dir, "mgr", "stat")).stdout);
      return stat.active_name === "x" && stat.num_standby === 1;
    });

    const redirect = await fetch(`${y}/api/v1/health`, { headers: auth, redirect: "manual" });
    assert.equal(redirect.status, 307);
    assert.equal(redirect.headers.get("location"), `${x}/api/v1/health`);
    assert.match(
      (await redirect.json()).error,
      /^mgr\.y is a standby; the active manager is mgr\.x/,
    );
    const anonymous = await fetch(`${y}/api/v1/health`, { redirect: "manual" });
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();

    // mgrd ceph pointed at the standby gets its answer from the active manager.
    const viaStandby = await ceph(dir, "--url", y, "mgr", "stat");
    assert.equal(viaStandby.rc, 0, viaStandby.stderr);
    assert.equal(JSON.parse(viaStandby.stdout).active_name, "x");

    const failed = await ceph(dir, "--url", y, "mgr", "fail", "x");
    assert.equal(failed.rc, 0, failed.stderr);
    await until("mgr.y to take over and mgr.x to come back as its standby", async () => {
      const stat = JSON.parse((await ceph(dir, "mgr", "stat")).stdout);
      return stat.active_name === "y" && stat.num_standby === 1;
    });
    const back = await fetch(`${x}/api/v1/status`, { headers: auth, redirect: "manual" });
    assert.equal(back.status, 307);
    assert.equal(back.headers.get("location"), `${y}/api/v1/status`);
    await back.body?.cancel();
    // `(active, starting, ...)` until y's modules are up and its beacon says available.
    await until("status to show y active", async () => {
      const status = await ceph(dir, "--url", x, "status");
      assert.equal(status.rc, 0, status.stderr);
      return /mgr: y\(active, since .*\), standbys: x/.test(status.stdout);
    });
  } finally {
    daemon.kill("SIGTERM");
    assert.equal((await daemon.status).code, 0);
  }
  try {
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".url")),
      [],
      "a clean stop removes every url file",
    );
    // The next run has only mgr.x: the mon forgets the managers of the last run, so x is active
    // at once instead of standing by for a y that will never beacon.
    const again = await startDaemon(dir);
    try {
      await until("mgr.x to be active", async () => (await activeName(dir)) === "x", 20);
    } finally {
      again.kill("SIGTERM");
      assert.equal((await again.status).code, 0);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("mgrd serve refuses a standby id that is not a valid name or repeats one", async () => {
  for (
    const [args, message] of [
      [["--standby", "x"], /manager id 'x' is given twice/],
      [["--standby", "bad/id"], /--standby 'bad\/id' may hold only letters/],
    ] as const
  ) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        MAIN,
        "serve",
        ...args,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 22);
    assert.match(new TextDecoder().decode(out.stderr), message);
  }
});
