/**
 * A scraping client in a Worker of its own (bench/prometheus_bench.ts): it GETs the URI each
 * message names over a plain TCP connection, reads the response to the end and answers the
 * body's size (or an error), so that a scrape is timed as Prometheus sees it, from another
 * thread, without the client's reading counted on the exporter's thread.
 *
 * HTTP/1.1 by hand rather than `fetch`: Deno's fetch spends about 40 ms collecting a 52 MB
 * body into one buffer (measured against this client on the same Deno.serve server: 72–76 ms
 * against 26–31 ms median), which would be the client's
 * time in the figure, not the exporter's. This client reads into one reused buffer and checks
 * the framing (Content-Length, or the chunked encoding's last chunk) so a short answer fails.
 *
 * @module
 */
/// <reference lib="deno.worker" />

const buffer = new Uint8Array(1 << 20);
const latin1 = new TextDecoder("latin1");

/** The size of `uri`'s body, as a GET with `Connection: close` reads it. */
async function get(uri: string): Promise<number> {
  const url = new URL(uri);
  const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
  try {
    await conn.write(
      new TextEncoder().encode(
        `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n` +
          "Accept: text/plain\r\nConnection: close\r\n\r\n",
      ),
    );
    let head = "";
    let bodyBytes = 0;
    // The last bytes read, to see the chunked encoding's end ("0\r\n\r\n").
    let tail = "";
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) break;
      let from = 0;
      if (!head.endsWith("\r\n\r\n")) {
        const text = latin1.decode(buffer.subarray(0, n));
        const end = (head + text).indexOf("\r\n\r\n");
        if (end < 0) {
          head += text;
          continue;
        }
        from = end + 4 - head.length;
        head = (head + text).slice(0, end + 4);
      }
      bodyBytes += n - from;
      tail = (tail + latin1.decode(buffer.subarray(Math.max(from, n - 5), n))).slice(-5);
    }
    const status = Number(head.slice(9, 12));
    if (status !== 200) throw new Error(`scrape answered ${status || "nothing"}`);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (length) {
      if (Number(length[1]) !== bodyBytes) {
        throw new Error(`short body: ${bodyBytes} of ${length[1]}`);
      }
    } else if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
      if (tail !== "0\r\n\r\n") throw new Error("chunked body ended before its last chunk");
    }
    return bodyBytes;
  } finally {
    conn.close();
  }
}

self.onmessage = async (e: MessageEvent<string>) => {
  try {
    self.postMessage(await get(e.data));
  } catch (err) {
    self.postMessage(String(err));
  }
};
