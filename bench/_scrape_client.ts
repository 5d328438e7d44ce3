/**
 * A scraping client in a Worker of its own (bench/prometheus_bench.ts): it fetches the URI each
 * message names, reads the body to the end and answers its size (or an error), so that a
 * scrape is timed as Prometheus sees it, from another thread, without the client's reading
 * counted on the exporter's thread.
 *
 * @module
 */
/// <reference lib="deno.worker" />

self.onmessage = async (e: MessageEvent<string>) => {
  try {
    const r = await fetch(e.data);
    const bytes = (await r.arrayBuffer()).byteLength;
    self.postMessage(r.status === 200 ? bytes : `scrape answered ${r.status}`);
  } catch (err) {
    self.postMessage(String(err));
  }
};
