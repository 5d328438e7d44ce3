import assert from "node:assert/strict";
import { runSigkillLoop } from "../tools/sigkill_loop.ts";

Deno.test("no acknowledged write is lost or corrupted across 5 SIGKILLs of the daemon (tools/sigkill_loop.ts)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mgrd-sigkill-" });
  try {
    const r = await runSigkillLoop({
      kills: 5,
      dataDir: `${dir}/data`,
      seed: 5,
      minMs: 300,
      maxMs: 1200,
    });
    console.log(JSON.stringify({ ...r, lost: r.lost.length, corrupted: r.corrupted.length }));
    assert.equal(r.kills, 5);
    // Each writer had acknowledged writes to lose.
    assert.ok(r.acked.setStore > 0 && r.acked.configKeySet > 0 && r.acked.configSet > 0);
    assert.deepEqual(r.lost, []);
    assert.deepEqual(r.corrupted, []);
    assert.equal(r.integrity, "ok");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
