/**
 * Commands per second through the admin endpoint, with a fake command service (no manager),
 * so the figure is the cost of HTTP, authentication, body parsing, audit logging and JSON
 * answers. Client and server share this process and its event loop, so the real daemon,
 * with the client elsewhere, has more headroom than this shows.
 *
 * The socket benchmark runs once (a bounded batch: 8 concurrent clients, 4,000 requests) and
 * prints commands/s; the in-process one shows the app without the socket.
 */
import { createAdminApp } from "../core/admin/app.ts";
import { capsAllow } from "../ceph/mgr_cap.ts";
import { Keyring } from "../core/admin/keyring.ts";
import type { MonCommandResult } from "../core/cluster_link.ts";
import { parseSignature } from "../core/commands/descriptor.ts";
import type { Caller, CommandService } from "../core/commands/service.ts";
import { EACCES, EINVAL } from "../ceph/errno.ts";
import { DaemonLog } from "../core/logging.ts";

const CLIENTS = 8;
const REQUESTS = 4000;

const descs = [parseSignature("health name=detail,type=CephChoices,strings=detail,req=false", {
  help: "show cluster health",
  perm: "r",
})];
const health = { status: "HEALTH_OK" as const, checks: {}, mutes: [] };
const service: CommandService = {
  descriptors: () => descs,
  run(cmd: Record<string, unknown>, _inbuf: string, caller: Caller): Promise<MonCommandResult> {
    const desc = descs.find((d) => d.prefix === cmd.prefix);
    if (!desc) return Promise.resolve({ r: -EINVAL, outb: "", outs: "unknown" });
    if (!capsAllow(caller.caps, desc.perm)) {
      return Promise.resolve({ r: -EACCES, outb: "", outs: "access denied" });
    }
    return Promise.resolve({ r: 0, outb: "HEALTH_OK\n", outs: "" });
  },
  health: () => health,
};

const dir = Deno.makeTempDirSync({ prefix: "mgrd-admin-bench-" });
const keyring = await Keyring.open(`${dir}/keyring`);
const token = keyring.get("client.admin")?.key ?? "";
const log = new DaemonLog({ daemonName: "mgr.x", id: "x" });
const app = createAdminApp({ service, keyring, log: log.daemonLogger() });
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
const url = `http://127.0.0.1:${server.addr.port}/api/v1/command`;
const init = {
  method: "POST",
  headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  body: JSON.stringify({ prefix: "health", format: "plain" }),
};

async function client(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const res = await fetch(url, init);
    const body = await res.json();
    if (body.retval !== 0) throw new Error(`retval ${body.retval}: ${body.stderr}`);
  }
}

Deno.bench({
  name: `POST /api/v1/command on 127.0.0.1: ${CLIENTS} clients, ${REQUESTS} requests in all`,
  n: 1,
  warmup: 0,
  async fn(b) {
    await client(50); // open the connections and warm the JIT outside the measurement
    b.start();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: CLIENTS }, () => client(REQUESTS / CLIENTS)));
    const seconds = (performance.now() - t0) / 1000;
    b.end();
    console.log(
      `admin endpoint: ${Math.round(REQUESTS / seconds)} commands/s ` +
        `(${REQUESTS} requests, ${CLIENTS} concurrent clients, ${seconds.toFixed(2)} s)`,
    );
  },
});

Deno.bench("POST /api/v1/command in process (app.request, no socket)", async () => {
  const res = await app.request("/api/v1/command", init);
  await res.arrayBuffer();
});

globalThis.addEventListener("unload", () => {
  log.close();
  Deno.removeSync(dir, { recursive: true });
});
// The server must not keep the bench process alive once the benchmarks are done.
server.unref();
