import assert from "node:assert/strict";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

async function ceph(dataDir: string, ...words: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, "ceph", "--data-dir", dataDir, ...words],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { rc: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function until(what: string, check: () => Promise<boolean>, seconds = 30) {
  const deadline = performance.now() + seconds * 1000;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

Deno.test("mgrd serve runs the embedded cluster in real time and takes faults while it runs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mgrd-live-" });
  const daemon = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, "serve", "--data-dir", dir, "--port", "0"],
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await until("the daemon's url file", async () => {
      try {
        await Deno.stat(`${dir}/mgrd.x.url`);
        return true;
      } catch {
        return false;
      }
    });
    await until("PGs to report active+clean", async () => {
      const s = await ceph(dir, "status");
      return /osd: 9 osds: 9 up, 9 in/.test(s.stdout) && /96 active\+clean/.test(s.stdout);
    });
    const fault = await ceph(dir, "sim", "fault", "osd-down", "osd.3", "600");
    assert.equal(fault.rc, 0, fault.stderr);
    await until("OSD_DOWN", async () => (await ceph(dir, "health")).stdout.includes("osds down"));
    const status = JSON.parse((await ceph(dir, "sim", "status")).stdout);
    assert.equal(status.active_faults.length, 1);
    const bad = await ceph(dir, "sim", "fault", "osd-down", "osd.99");
    assert.equal(bad.rc, 22);
    assert.match(bad.stderr, /'osd\.99' is not an OSD of the cluster/);
    assert.equal((await ceph(dir, "sim", "heal")).rc, 0);
    await until(
      "OSD_DOWN to clear",
      async () => !(await ceph(dir, "health")).stdout.includes("osds down"),
    );
  } finally {
    daemon.kill("SIGTERM");
    assert.equal((await daemon.status).code, 0);
    await Deno.remove(dir, { recursive: true });
  }
});
