/**
 * `mgrd ceph -w` prints the status and then the cluster log as it grows, in the lines a real
 * `ceph -w` printed (tests/ceph-reference/cli/behaviour/watch/01_ceph_w.txt) while noout was
 * set and unset, until interrupted.
 */
import assert from "node:assert/strict";
import { startTestCluster } from "mgr_module/testing";
import { cephMain } from "../core/client/ceph_cli.ts";
import { referenceCli } from "./_reference.ts";
import { dataDir, endpoint, Sink } from "./_oracle_cli.ts";

Deno.test("mgrd ceph -w: the status, then each new cluster log line as ceph -w prints it, until Ctrl-C", async () => {
  const c = await startTestCluster({
    cluster: { hosts: 1, osdsPerHost: 3, pools: [{ name: "rbd", pgNum: 8, size: 1 }] },
  });
  const dir = dataDir();
  try {
    await c.run(10);
    const ac = new AbortController();
    let ticks = 0;
    const sleep = async () => {
      ticks++;
      if (ticks === 1) await c.command({ prefix: "osd set", key: "noout" });
      if (ticks === 3) await c.command({ prefix: "osd unset", key: "noout" });
      await c.run(2);
      if (ticks === 5) ac.abort();
    };
    const stdout = new Sink(), stderr = new Sink();
    const rc = await cephMain(["--data-dir", dir, "-w"], {
      stdout,
      stderr,
      fetch: endpoint(c) as typeof fetch,
      sleep,
      signal: ac.signal,
    });
    assert.equal(rc, 0);
    assert.equal(stderr.text, "");
    // The status ends with its " " line; one empty line, then the log.
    const split = (text: string) => {
      const at = text.lastIndexOf(" \n\n") + 3;
      return [text.slice(0, at), text.slice(at)];
    };
    const [status, log] = split(stdout.text);
    assert.match(status!, /^ {2}cluster:\n/);
    const real = referenceCli("behaviour/watch/01_ceph_w.txt").stdout;
    const shape = (text: string) =>
      text.trim().split("\n").map((l) => l.replace(/^\S+ /, "STAMP ")).filter((l) =>
        /OSDMAP_FLAGS|now healthy/.test(l)
      );
    assert.deepEqual(shape(log!), shape(split(real)[1]!).slice(-3));
    assert.equal(status!.slice(-3), split(real)[0]!.slice(-3));
    for (const line of log!.trim().split("\n")) {
      assert.match(
        line,
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+0000 \S+ \[(DBG|INF|WRN|ERR|SEC)\] /,
      );
    }
  } finally {
    await c.stop();
    Deno.removeSync(dir, { recursive: true });
  }
});
