/**
 * A module that reads `get(name)` for bench/module_worker_bench.ts: `n` times (the unchanged
 * read, whose cost per call is the batch's over `n`), or once (the first read after a change).
 */
import { MgrModule } from "mgr_module";

export class Getter extends MgrModule {
  /** Reads `name` `n` times; answers how many PG entries the last read had (so it is used). */
  read(name: string, n: number): string {
    if (name === "store") {
      // A synchronous call that no Worker caches: the round trip to the manager.
      let s: string | null = null;
      for (let i = 0; i < n; i++) s = this.get_store("k");
      return String(s);
    }
    let v: unknown;
    for (let i = 0; i < n; i++) v = this.get(name);
    const pgs = (v as { pg_stats?: unknown[] } | null)?.pg_stats;
    return String(pgs?.length ?? (v as { epoch?: number } | null)?.epoch ?? 0);
  }
}
