import assert from "node:assert/strict";
import { startDaemon } from "./_daemon.ts";

function modes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (path: string, rel: string) => {
    out[rel] = (Deno.statSync(path).mode! & 0o777).toString(8);
    if (Deno.statSync(path).isDirectory) {
      for (const e of Deno.readDirSync(path)) walk(`${path}/${e.name}`, `${rel}/${e.name}`);
    }
  };
  walk(dir, ".");
  return out;
}

Deno.test({
  name:
    "the data dir is 0700 and the store and logs in it 0600, new or left readable by an older version",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "mgrd-perms-" });
    // As an earlier version left it, under the usual umask 022.
    Deno.chmodSync(dir, 0o755);
    Deno.mkdirSync(`${dir}/log`, { mode: 0o755 });
    Deno.chmodSync(`${dir}/log`, 0o755);
    Deno.writeTextFileSync(`${dir}/log/mgrd.x.log`, "an old line\n", { mode: 0o644 });
    Deno.chmodSync(`${dir}/log/mgrd.x.log`, 0o644);
    const daemon = await startDaemon(dir);
    try {
      const found = modes(dir);
      for (const path of [".", "./mon", "./log"]) assert.equal(found[path], "700", path);
      for (
        const path of ["./mon/store.db", "./mon/store.db-wal", "./log/mgrd.x.log", "./keyring"]
      ) {
        assert.equal(found[path], "600", path);
      }
      const open = Object.entries(found).filter(([, m]) => !m.endsWith("00"));
      assert.deepEqual(open, [], "readable by group or others");
    } finally {
      daemon.kill("SIGTERM");
      await daemon.status;
    }
    // A new data dir, made by the daemon.
    const fresh = `${dir}/fresh`;
    const second = await startDaemon(fresh);
    try {
      const found = modes(fresh);
      assert.equal(found["."], "700");
      const open = Object.entries(found).filter(([, m]) => !m.endsWith("00"));
      assert.deepEqual(open, [], "readable by group or others");
    } finally {
      second.kill("SIGTERM");
      await second.status;
      await Deno.remove(dir, { recursive: true });
    }
  },
});
