import assert from "node:assert/strict";
import { ceph, startDaemon, until } from "./_daemon.ts";

const UNRULY = new URL("./fixtures/unruly/", import.meta.url).pathname;

Deno.test("a live daemon refuses fault typos, survives modules that fail unawaited or in timers, and stops on SIGTERM with a module that ignores shutdown", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mgrd-robust-" });
  const daemon = await startDaemon(
    dir,
    "--mgr-module-path",
    UNRULY,
    "--initial-modules",
    "looper rejecter timerthrow",
  );
  let stopped = false;
  try {
    const typos: [string[], number, RegExp][] = [
      [["mds-down", "nosuch"], 2, /no mds named 'nosuch'/],
      [["rack-down", "zz"], 2, /no rack named 'zz'/],
      [["mds-down", "20"], 2, /a duration goes after the mds/],
    ];
    for (const [words, rc, stderr] of typos) {
      const r = await ceph(dir, "sim", "fault", ...words);
      assert.equal(r.rc, rc, `${words.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, stderr);
    }
    const outage = await ceph(dir, "sim", "fault", "mon-outage", "40");
    assert.equal(outage.rc, 0, outage.stderr);
    assert.match(outage.stderr, /"duration":40/);
    assert.equal((await ceph(dir, "sim", "heal")).rc, 0);
    assert.equal((await ceph(dir, "timerthrow", "arm")).rc, 0);
    await until("both unruly modules to be reported failed", async () => {
      const h = (await ceph(dir, "health", "detail")).stdout;
      return /Module 'rejecter' has failed: unhandled rejection/.test(h) &&
        /Module 'timerthrow' has failed: uncaught exception/.test(h);
    });
    const status = await ceph(dir, "status");
    assert.equal(status.rc, 0, status.stderr);
    const started = performance.now();
    daemon.kill("SIGTERM");
    const { code } = await daemon.status;
    stopped = true;
    console.log(`SIGTERM to exit: ${((performance.now() - started) / 1000).toFixed(1)}s`);
    assert.equal(code, 0);
    const log = Deno.readTextFileSync(`${dir}/log/mgrd.x.log`);
    assert.match(log, /Stopped module looper/);
  } finally {
    if (!stopped) {
      daemon.kill("SIGKILL");
      await daemon.status;
    }
    await Deno.remove(dir, { recursive: true });
  }
});
