/**
 * Run by tests/telegraf_unixgram.test.ts under `deno run --unstable-net` (the only way Deno 2.9
 * has Unix datagram sockets): the telegraf module sends to a unixgram listener on a temporary
 * path, then to a path nobody listens on. Prints one JSON object: the command answers, the
 * datagrams received and the module's log lines.
 *
 * @module
 */
import { startTestCluster } from "mgr_module/testing";
import { BUILTIN_MODULES } from "../modules/mod.ts";
import { commandWithRealIo } from "./_real_io_commands.ts";

interface UnixDatagramListener extends AsyncIterable<[Uint8Array, Deno.Addr]> {
  close(): void;
}
const listenDatagram = (Deno as unknown as {
  listenDatagram: (o: { transport: "unixpacket"; path: string }) => UnixDatagramListener;
}).listenDatagram;

const dir = await Deno.makeTempDir();
const path = `${dir}/telegraf.sock`;
const listener = listenDatagram({ transport: "unixpacket", path });
const datagrams: string[] = [];
const receiving = (async () => {
  for await (const [data] of listener) datagrams.push(new TextDecoder().decode(data));
})().catch(() => {});

const c = await startTestCluster({
  builtins: BUILTIN_MODULES,
  initialModules: ["telegraf"],
  cluster: { hosts: 1, osdsPerHost: 2, pools: [{ name: "rbd", pgNum: 8, size: 2 }] },
});
const command = (cmd: Record<string, unknown>) => commandWithRealIo(c, cmd);
await c.run(2);
const set = await command({
  prefix: "telegraf config-set",
  key: "address",
  value: `unixgram://${path}`,
});
const sent = await command({ prefix: "telegraf send" });
for (let i = 0; i < 4000 && !datagrams.at(-1)?.includes("type_instance=num_pgs_wait "); i++) {
  await new Promise((r) => setTimeout(r, 5));
}
await command({ prefix: "telegraf config-set", key: "address", value: `unixgram://${dir}/none` });
const missing = await command({ prefix: "telegraf send" });
await c.stop();
listener.close();
await receiving;
await Deno.remove(dir, { recursive: true });
console.log(JSON.stringify({
  set: set.r,
  sent: [sent.r, sent.outb],
  missing: [missing.r, missing.outb],
  datagrams,
  log: c.log.recent.filter((l) => l.includes("Telegraf")),
}));
