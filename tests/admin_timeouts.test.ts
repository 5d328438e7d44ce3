import assert from "node:assert/strict";
import { createAdminApp } from "../core/admin/app.ts";
import { Keyring } from "../core/admin/keyring.ts";
import type { CommandService } from "../core/commands/service.ts";
import { DaemonLog } from "../core/logging.ts";
import { WallClock } from "../daemon/wall_clock.ts";

const service: CommandService = {
  descriptors: () => [],
  run: () => Promise.resolve({ r: 0, outb: "ran", outs: "" }),
  health: () => ({ status: "HEALTH_OK", checks: {}, mutes: [] }),
};

Deno.test("a request whose Content-Length is larger than its body is answered 408 once the body deadline passes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mgrd-timeouts-" });
  const log = new DaemonLog({ daemonName: "mgr.x", id: "x", memoryLines: 50 });
  const keyring = await Keyring.open(`${dir}/keyring`);
  const token = keyring.get("client.admin")!.key;
  const app = createAdminApp({
    service,
    keyring,
    log: log.daemonLogger(),
    clock: new WallClock(),
    bodyTimeoutSeconds: 0.2,
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    const body = '{"prefix": ';
    await conn.write(
      new TextEncoder().encode(
        `POST /api/v1/command HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
          `Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n${body}`,
      ),
    );
    const buf = new Uint8Array(4096);
    const n = await conn.read(buf);
    const answer = new TextDecoder().decode(buf.subarray(0, n ?? 0));
    assert.match(answer, /^HTTP\/1\.1 408/);
    assert.match(answer, /did not arrive within 0\.2s \(11 bytes came of the 1000 announced\)/);
    conn.close();
    // The endpoint still answers.
    const ok = await fetch(`http://127.0.0.1:${server.addr.port}/api/v1/health`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
  } finally {
    await server.shutdown();
    log.close();
    await Deno.remove(dir, { recursive: true });
  }
});
