/**
 * A throwaway Zabbix trapper on 127.0.0.1 for the zabbix module's tests: it reads what the real
 * `zabbix_sender` sends (the `ZBXD` header, flags, an 8-byte length, then a JSON `sender data`
 * request) and answers as a Zabbix server does, counting every value as processed.
 *
 * Run alone (`deno run -A tests/_zabbix_trapper.ts PORT`) it prints each request's JSON on a
 * line, for capturing what a real ceph-mgr's zabbix module sends.
 *
 * @module
 */
import { inflateSync } from "node:zlib";

/** One `sender data` request as the trapper received it. */
export interface TrapperRequest {
  request: string;
  data: { host: string; key: string; value: string; clock?: number; ns?: number }[];
  clock?: number;
  ns?: number;
}

/** A running trapper: its port, what it received, and how to stop it. */
export interface Trapper {
  readonly port: number;
  readonly requests: TrapperRequest[];
  close(): Promise<void>;
}

const HEADER = new TextEncoder().encode("ZBXD");
// Zabbix protocol flags: 0x01 the protocol itself, 0x02 zlib-compressed, 0x04 large packet.
const FLAG_COMPRESSED = 0x02;
const FLAG_LARGE = 0x04;

/** Reads exactly `n` bytes, or null at a clean end of stream. */
async function readExactly(conn: Deno.Conn, n: number): Promise<Uint8Array | null> {
  const out = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const r = await conn.read(out.subarray(got));
    if (r === null) {
      if (got === 0) return null;
      throw new Error(`stream ended after ${got} of ${n} bytes`);
    }
    got += r;
  }
  return out;
}

/** One framed message: the JSON text inside it. */
async function readMessage(conn: Deno.Conn): Promise<string | null> {
  const head = await readExactly(conn, 5);
  if (head === null) return null;
  if (HEADER.some((b, i) => head[i] !== b)) throw new Error("no ZBXD header");
  const flags = head[4]!;
  const lenBytes = flags & FLAG_LARGE ? 16 : 8;
  const lens = (await readExactly(conn, lenBytes))!;
  const view = new DataView(lens.buffer);
  const dataLen = flags & FLAG_LARGE ? Number(view.getBigUint64(0, true)) : view.getUint32(0, true);
  const body = (await readExactly(conn, dataLen))!;
  const raw = flags & FLAG_COMPRESSED ? inflateSync(body) : body;
  return new TextDecoder().decode(raw);
}

/** Frames `json` as a Zabbix server answers (flags 0x01, uncompressed). */
export function frame(json: string): Uint8Array {
  const body = new TextEncoder().encode(json);
  const out = new Uint8Array(13 + body.length);
  out.set(HEADER, 0);
  out[4] = 0x01;
  new DataView(out.buffer).setUint32(5, body.length, true);
  out.set(body, 13);
  return out;
}

/** Starts a trapper on 127.0.0.1 (`port` 0 picks a free one). */
export function startTrapper(port = 0): Trapper {
  const listener = Deno.listen({ hostname: "127.0.0.1", port, transport: "tcp" });
  const requests: TrapperRequest[] = [];
  const conns = new Set<Deno.Conn>();
  const handled = new Set<Promise<void>>();
  async function handle(conn: Deno.Conn): Promise<void> {
    try {
      const text = await readMessage(conn);
      if (text === null) return;
      const req = JSON.parse(text) as TrapperRequest;
      requests.push(req);
      const n = req.data?.length ?? 0;
      const answer = JSON.stringify({
        response: "success",
        info: `processed: ${n}; failed: 0; total: ${n}; seconds spent: 0.0001`,
      });
      await conn.write(frame(answer));
    } catch {
      // A sender that hangs up early is its own problem; the test sees what arrived.
    } finally {
      conns.delete(conn);
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
  }
  const accepting = (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      const p = handle(conn);
      handled.add(p);
      p.finally(() => handled.delete(p));
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    requests,
    async close() {
      listener.close();
      await accepting;
      await Promise.all([...handled]);
      for (const c of conns) c.close();
    },
  };
}

if (import.meta.main) {
  const t = startTrapper(Number(Deno.args[0] ?? 0));
  console.error(`trapper on 127.0.0.1:${t.port}`);
  let seen = 0;
  setInterval(() => {
    while (seen < t.requests.length) console.log(JSON.stringify(t.requests[seen++]));
  }, 200);
}
