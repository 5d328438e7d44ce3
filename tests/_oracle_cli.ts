/**
 * Replaying `ceph` command lines captured on a real cluster through `mgrd ceph` (its
 * client-side matching, the daemon's validation and the command), in-process against a test
 * cluster's manager: the command line's words, a data dir that points `mgrd ceph` at the
 * endpoint, and the endpoint's two requests.
 */
import { describeCommands } from "../core/commands/descriptions.ts";
import { cephMain } from "../core/client/ceph_cli.ts";
import assert from "node:assert/strict";
import type { TestCluster } from "mgr_module/testing";
import { referenceCli } from "./_reference.ts";

/** `ceph` words from a capture's command line (single quotes keep spaces and empty words). */
export function words(line: string): string[] {
  return [...line.replace(/^ceph /, "").matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

const KEY = "AQBtestkey000000000000000000000000000==";
const URL_BASE = "http://127.0.0.1:7000";

/** A data dir that points `mgrd ceph` at the in-process endpoint of {@linkcode endpoint}. */
export function dataDir(): string {
  const dir = Deno.makeTempDirSync({ prefix: "mgrd_oracle_test_" });
  Deno.writeTextFileSync(`${dir}/mgrd.x.url`, `${URL_BASE}\n`);
  Deno.writeTextFileSync(
    `${dir}/keyring`,
    `[client.admin]\n\tkey = ${KEY}\n\tcaps mgr = "allow *"\n`,
  );
  return dir;
}

/** The admin endpoint's two requests, answered by the test cluster's manager. */
export function endpoint(c: TestCluster) {
  return async (input: string, init: RequestInit = {}): Promise<Response> => {
    if (input === `${URL_BASE}/api/v1/commands`) {
      return Response.json(describeCommands((c.activeManager() ?? c.manager).descriptors()));
    }
    if (input === `${URL_BASE}/api/v1/command` && init.method === "POST") {
      const { inbuf, ...cmd } = JSON.parse(String(init.body));
      const r = await c.command(cmd, inbuf ?? "");
      return Response.json({ retval: r.r, stdout: r.outb, stderr: r.outs });
    }
    return Response.json({ error: "not found" }, { status: 404 });
  };
}

/** A writer that keeps what was written. */
export class Sink {
  text = "";
  write(p: Uint8Array): Promise<number> {
    this.text += new TextDecoder().decode(p);
    return Promise.resolve(p.length);
  }
}

/** Runs one `ceph ...` command line through `mgrd ceph` against the cluster. */
export async function runCeph(
  c: TestCluster,
  dir: string,
  commandLine: string,
): Promise<{ rc: number; stdout: string; stderr: string }> {
  const stdout = new Sink();
  const stderr = new Sink();
  const rc = await cephMain(["--data-dir", dir, ...words(commandLine)], {
    stdout,
    stderr,
    fetch: endpoint(c) as typeof fetch,
  });
  return { rc, stdout: stdout.text, stderr: stderr.text };
}

/** A `mgrd ceph` wired to `c`'s active manager; `close()` removes its data directory. */
export function oracleCli(c: TestCluster) {
  const dir = dataDir();
  return {
    /** Runs the capture's command line and asserts the same rc, stdout and stderr. */
    async replay(capture: string): Promise<void> {
      const cap = referenceCli(capture);
      assert.deepStrictEqual(
        await runCeph(c, dir, cap.command),
        { rc: cap.rc, stdout: cap.stdout, stderr: cap.stderr },
        capture,
      );
    },
    close(): void {
      Deno.removeSync(dir, { recursive: true });
    },
  };
}
