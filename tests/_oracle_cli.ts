/**
 * `mgrd ceph` run in-process against a test cluster's manager, to replay a capture of the real
 * `ceph` CLI (`cli/...txt`) and compare rc, stdout and stderr byte for byte.
 */
import assert from "node:assert/strict";
import { describeCommands } from "../core/commands/descriptions.ts";
import { cephMain } from "../core/client/ceph_cli.ts";
import type { TestCluster } from "mgr_module/testing";
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

/** A `mgrd ceph` wired to `c`'s active manager; `close()` removes its data directory. */
export function oracleCli(c: TestCluster) {
  const dir = Deno.makeTempDirSync({ prefix: "mgrd_oracle_cli_" });
  Deno.writeTextFileSync(`${dir}/mgrd.x.url`, `${URL_BASE}\n`);
  Deno.writeTextFileSync(
    `${dir}/keyring`,
    `[client.admin]\n\tkey = ${KEY}\n\tcaps mgr = "allow *"\n`,
  );
  const fetch = async (input: string, init: RequestInit = {}): Promise<Response> => {
    if (input === `${URL_BASE}/api/v1/commands`) {
      return Response.json(describeCommands((c.activeManager() ?? c.manager).descriptors()));
    }
    const { inbuf, ...cmd } = JSON.parse(String(init.body));
    const r = await c.command(cmd, inbuf ?? "");
    return Response.json({ retval: r.r, stdout: r.outb, stderr: r.outs });
  };
  return {
    /** Runs the capture's command line and asserts the same rc, stdout and stderr. */
    async replay(capture: string): Promise<void> {
      const cap = referenceCli(capture);
      const stdout = new Sink();
      const stderr = new Sink();
      const words = cap.command.replace(/^ceph /, "").split(" ");
      const rc = await cephMain(["--data-dir", dir, ...words], {
        stdout,
        stderr,
        fetch: fetch as typeof globalThis.fetch,
      });
      assert.deepStrictEqual(
        { rc, stdout: stdout.text, stderr: stderr.text },
        { rc: cap.rc, stdout: cap.stdout, stderr: cap.stderr },
        capture,
      );
    },
    close(): void {
      Deno.removeSync(dir, { recursive: true });
    },
  };
}
