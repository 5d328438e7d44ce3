/**
 * Commands the issue asked for that Ceph 16.2.15 does not have (`mgr set down`, `mgr self-test
 * perf-schema-test`): mgrd answers them as 16.2.15 does an unknown command, byte for byte
 * through `mgrd ceph` (tests/ceph-reference/cli/behaviour/mgr_set_down, mgr_module_respawn/10),
 * with selftest's commands among the closest matches whether selftest is enabled or not.
 */
import assert from "node:assert/strict";
import { describeCommands } from "../core/commands/descriptions.ts";
import { cephMain } from "../core/client/ceph_cli.ts";
import { BUILTIN_MODULES } from "../modules/mod.ts";
import { startTestCluster } from "mgr_module/testing";
import { referenceCli } from "./_reference.ts";

const KEY = "AQBtestkey000000000000000000000000000==";
const URL_BASE = "http://127.0.0.1:7000";

class Sink {
  text = "";
  write(p: Uint8Array): Promise<number> {
    this.text += new TextDecoder().decode(p);
    return Promise.resolve(p.length);
  }
}

Deno.test("mgr set down and mgr self-test perf-schema-test answer as 16.2.15: no valid command found", async (t) => {
  const c = await startTestCluster({
    builtins: BUILTIN_MODULES,
    cluster: { hosts: 1, osdsPerHost: 3, failureDomain: "osd", pools: [{ name: "rbd", pgNum: 8 }] },
  });
  const dir = Deno.makeTempDirSync({ prefix: "mgrd_not_in_pacific_" });
  Deno.writeTextFileSync(`${dir}/mgrd.x.url`, `${URL_BASE}\n`);
  Deno.writeTextFileSync(
    `${dir}/keyring`,
    `[client.admin]\n\tkey = ${KEY}\n\tcaps mgr = "allow *"\n`,
  );
  const fetch = async (input: string, init: RequestInit = {}): Promise<Response> => {
    if (input === `${URL_BASE}/api/v1/commands`) {
      return Response.json(describeCommands(c.manager.descriptors()));
    }
    const { inbuf, ...cmd } = JSON.parse(String(init.body));
    const r = await c.command(cmd, inbuf ?? "");
    return Response.json({ retval: r.r, stdout: r.outb, stderr: r.outs });
  };
  const replay = async (capture: string) => {
    const cap = referenceCli(capture);
    const stdout = new Sink();
    const stderr = new Sink();
    const rc = await cephMain(
      ["--data-dir", dir, ...cap.command.replace(/^ceph /, "").split(" ")],
      {
        stdout,
        stderr,
        fetch: fetch as typeof globalThis.fetch,
      },
    );
    assert.deepStrictEqual(
      { rc, stdout: stdout.text, stderr: stderr.text },
      { rc: cap.rc, stdout: cap.stdout, stderr: cap.stderr },
    );
  };
  try {
    await c.run(5);
    await t.step("selftest disabled", async () => {
      await replay("behaviour/mgr_set_down/01_mgr_set_down_true.txt");
      await replay("behaviour/mgr_set_down/02_mgr_set_down_false.txt");
    });
    await t.step("selftest enabled", async () => {
      assert.equal((await c.command({ prefix: "mgr module enable", module: "selftest" })).r, 0);
      await replay("behaviour/mgr_module_respawn/10_mgr_self_test_perf_schema_test.txt");
      await replay("behaviour/mgr_set_down/01_mgr_set_down_true.txt");
    });
  } finally {
    await c.stop();
    Deno.removeSync(dir, { recursive: true });
  }
});
